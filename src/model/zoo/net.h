// Building blocks shared by the zoo families (internal to src/model/zoo).
#pragma once
#include <string>

#include "model/builder.h"
#include "model/zoo/zoo.h"

namespace tinyops::zoo {

enum class Act { None, Relu, Relu6, HSwish };
enum class Gate { Sigmoid, HardSigmoid };

// A network under construction: the builder plus the current tensor.
class Net {
 public:
  Net(const std::string& description, uint64_t seed, int resolution, int in_channels, const ZooOptions& opts);

  int channels() const { return b.shape(x).back(); }
  // Convolution + folded batch norm + activation (ReLU/ReLU6 fused, hard-swish as its own op).
  void conv(int out, int kernel, int stride, Act act, const std::string& name);
  void depthwise(int kernel, int stride, Act act, const std::string& name);
  // Squeeze-excite: MEAN -> 1x1 conv (ReLU) -> 1x1 conv -> gate -> MUL. The hard sigmoid gate is
  // folded into the second conv: relu6(z + 3) / 6 = clamp(z/6 + 1/2, 0, 1) is an affine map of z
  // (absorbed by the synthetic weights) clamped by a fused ReLU and the output range [0, 1].
  void squeeze_excite(int squeeze, Gate gate);
  // Inverted residual (MBConv): 1x1 expand (when mid != input channels), depthwise, optional SE,
  // 1x1 linear projection, identity shortcut when stride 1, in == out and `skip`.
  void mbconv(int mid, int out, int kernel, int stride, Act act, int se_squeeze, Gate gate, bool skip = true);
  // Classifier heads.
  void head_mean_fc(int classes);                      // MEAN over H,W -> FULLY_CONNECTED
  void head_avgpool_conv(int classes);                 // AVERAGE_POOL_2D -> 1x1 conv -> RESHAPE
  void head_mean_conv_conv(int last, Act act, int classes);  // MEAN -> 1x1 conv + act -> 1x1 conv -> RESHAPE
  void scope(const std::string& s) { b.set_scope(s); }
  Graph finish();

  GraphBuilder b;
  int x = -1;

 private:
  ZooOptions opts_;
};

uint64_t config_seed(const std::string& text);

}  // namespace tinyops::zoo
