// The small model the export tests run everywhere (no ../shared needed): most op kinds the kernels
// support, sized so that a 12 KiB SRAM budget forces row/channel partitions and DMA overlays.
#pragma once
#include "model/builder.h"

namespace tinyops::testing {

inline Graph make_export_test_model() {
  GraphBuilder b("export test model", 7);
  int x = b.input({1, 40, 40, 3}, 1.0f / 128, 0);
  x = b.conv2d(x, 16, 3, 2, Activation::Relu6);  // 20x20x16
  int d = b.depthwise(x, 3, 1, Activation::Relu6);
  d = b.conv2d(d, 16, 1, 1);
  x = b.add(x, d);                                 // residual
  int e = b.conv2d(x, 32, 1, 1, Activation::Relu6);
  e = b.depthwise(e, 5, 2, Activation::Relu6, 1);  // 10x10x32
  int se = b.mean(e, {1, 2}, true);
  se = b.conv2d(se, 32, 1, 1);
  se = b.logistic(se);
  e = b.mul(e, se);                                // squeeze-excite
  e = b.hard_swish(e);
  int p1 = b.avg_pool(e, 2, 2);
  int p2 = b.max_pool(e, 3, 2, Padding::Same);     // both 5x5x32
  x = b.concat({p1, p2}, 3);                       // 5x5x64
  x = b.pad(x, {0, 1, 1, 0}, {0, 1, 1, 0});        // 7x7x64
  LayerOpts valid;
  valid.padding = Padding::Valid;
  x = b.conv2d(x, 24, 3, 1, Activation::Relu, valid);
  x = b.mean(x, {1, 2}, false);                    // [1,24]
  x = b.fully_connected(x, 10);
  x = b.softmax(x);
  b.output(x);
  return b.finish();
}

}  // namespace tinyops::testing
