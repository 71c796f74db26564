// The model zoo: published CNN families rebuilt as int8 graphs with synthetic weights
// (GraphBuilder), at any width multiplier, input resolution and class count.
//
// Architectures follow the reference implementations, including their channel rounding
// (make_divisible by 8). MACs/params (graph_macs/graph_params) match the published figures; see
// docs/zoo.md for what is counted and the comparison table.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.h"
#include "util/status.h"

namespace tinyops {

struct ZooOptions {
  bool softmax = false;  // append SOFTMAX (int8, 1/256, -128) after the logits
  uint64_t seed = 0;     // weight seed; 0 = derived from the configuration
  // Input quantization: q = pixel - 128 with real value (pixel - 128) / 128.
  float input_scale = 1.0f / 128.0f;
  int input_zero_point = 0;
};

struct ZooFamily {
  std::string name;
  double width;     // the published default width multiplier
  int resolution;   // the published default input resolution
  std::string about;
};

// Families accepted by make_zoo_model, in a stable order.
const std::vector<ZooFamily>& zoo_families();

// family: mobilenet-v1, mobilenet-v2, mobilenet-v3-large, mobilenet-v3-small, mnasnet-b1,
// mnasnet-a1, proxylessnas-mobile, efficientnet-lite0..lite4, mcunet-in0..in4 (built-in
// architecture descriptions run through make_model_from_arch_json).
// width scales every channel count (for efficientnet-lite it multiplies the family's own width
// coefficient); resolution is the square input size; classes the logits count.
// Input [1,resolution,resolution,3] int8, output [1,classes] int8 logits (or softmax).
Result<Graph> make_zoo_model(const std::string& family, double width, int resolution, int classes,
                             const ZooOptions& opts = {});

// Overrides applied to an architecture description (0 = keep the description's value).
struct ArchOverrides {
  double width = 1.0;
  int resolution = 0;
  int classes = 0;
};

// Builds an inverted-residual network from a JSON architecture description. Two formats:
// 1. TinyOps format:
//    {"name": "...", "resolution": 176, "classes": 1000, "act": "relu6",
//     "stem": {"out": 16, "kernel": 3, "stride": 2},
//     "blocks": [{"kernel": 3, "expand": 6, "stride": 2, "out": 24, "repeat": 2,
//                 "se": 0.25, "act": "hswish", "mid": 96, "skip": true}, ...],
//     "head": {"out": 1280}}
//    Per block: kernel, expand, stride, out required; repeat (1), se (squeeze ratio of the
//    expanded channels, 0 = none; true = 0.25), se_gate ("hsigmoid" | "sigmoid"), act
//    ("relu", "relu6", "hswish"; default the network's "act"), mid (explicit expanded channels),
//    skip (identity shortcut when stride 1 and in == out; default true). "head" is optional.
// 2. ProxylessNAS / Once-for-All / MCUNet net configs ("first_conv", "blocks" with
//    "mobile_inverted_conv" and "shortcut", "feature_mix_layer", "classifier", "resolution").
Result<Graph> make_model_from_arch_json(const std::string& json, const ArchOverrides& overrides = {},
                                        const ZooOptions& opts = {});

// The built-in architecture description of an arch-based family (e.g. "mcunet-in3"), or empty.
std::string zoo_arch_json(const std::string& family);

// The default model when a user brings none: MobileNetV2 width 0.5 at 160x160, 1000 classes, int8
// input and logits. Its activations need more than the 320 KB SRAM of stm32f746g-disco when placed
// naively (peak of one layer's inputs + outputs ~0.4 MB) but fit once layers are partitioned;
// weights ~2 MB.
Graph make_demo_model();

// Channel rounding of the reference implementations: the multiple of `divisor` nearest to v, at
// least min_value (default divisor), and never more than 10% below v.
int make_divisible(double v, int divisor = 8, int min_value = 0);

}  // namespace tinyops
