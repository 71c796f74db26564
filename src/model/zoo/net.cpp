#include "model/zoo/net.h"

#include <cmath>

namespace tinyops {

int make_divisible(double v, int divisor, int min_value) {
  if (min_value <= 0) min_value = divisor;
  int n = std::max(min_value, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (n < 0.9 * v) n += divisor;  // never round down by more than 10%
  return n;
}

namespace zoo {

uint64_t config_seed(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

Net::Net(const std::string& description, uint64_t seed, int resolution, int in_channels, const ZooOptions& opts)
    : b(description, seed), opts_(opts) {
  x = b.input({1, resolution, resolution, in_channels}, opts.input_scale, opts.input_zero_point);
}

namespace {
Activation fused(Act a) {
  switch (a) {
    case Act::Relu: return Activation::Relu;
    case Act::Relu6: return Activation::Relu6;
    default: return Activation::None;
  }
}
// Hard-swish inputs: a pre-activation spread that reaches into both of its bends (-3 and +3).
LayerOpts opts_for(Act a, const std::string& name) {
  LayerOpts o;
  o.name = name;
  if (a == Act::HSwish) o.preact_std = 2.0f;
  return o;
}
}  // namespace

void Net::conv(int out, int kernel, int stride, Act act, const std::string& name) {
  x = b.conv2d(x, out, kernel, stride, fused(act), opts_for(act, name));
  if (act == Act::HSwish) x = b.hard_swish(x, name + "/hard_swish");
}

void Net::depthwise(int kernel, int stride, Act act, const std::string& name) {
  x = b.depthwise(x, kernel, stride, fused(act), 1, opts_for(act, name));
  if (act == Act::HSwish) x = b.hard_swish(x, name + "/hard_swish");
}

void Net::squeeze_excite(int squeeze, Gate gate) {
  const int c = channels();
  const int m = b.mean(x, {1, 2}, true, "se/mean");
  LayerOpts ro;
  ro.name = "se/reduce";
  const int r = b.conv2d(m, squeeze, 1, 1, Activation::Relu, ro);
  int g = -1;
  if (gate == Gate::Sigmoid) {
    LayerOpts eo;
    eo.name = "se/expand";
    eo.preact_std = 1.5f;
    g = b.logistic(b.conv2d(r, c, 1, 1, Activation::None, eo), "se/sigmoid");
  } else {
    LayerOpts eo;
    eo.name = "se/expand_hard_sigmoid";
    eo.preact_mean = 0.5f;          // z/6 + 1/2
    eo.preact_std = 2.0f / 6.0f;    // z with std 2, divided by 6
    eo.out_min = 0.0f;
    eo.out_max = 1.0f;
    g = b.conv2d(r, c, 1, 1, Activation::Relu, eo);
  }
  x = b.mul(x, g, "se/mul");
}

void Net::mbconv(int mid, int out, int kernel, int stride, Act act, int se_squeeze, Gate gate, bool skip) {
  const int in = x;
  const int cin = channels();
  if (mid != cin) conv(mid, 1, 1, act, "expand");
  depthwise(kernel, stride, act, "depthwise");
  if (se_squeeze > 0) squeeze_excite(se_squeeze, gate);
  conv(out, 1, 1, Act::None, "project");
  if (skip && stride == 1 && cin == out) x = b.add(in, x, Activation::None, "add");
}

void Net::head_mean_fc(int classes) {
  x = b.mean(x, {1, 2}, false, "pool");
  LayerOpts lo;
  lo.name = "logits";
  x = b.fully_connected(x, classes, Activation::None, lo);
}

void Net::head_avgpool_conv(int classes) {
  x = b.avg_pool(x, 0, 1, Padding::Valid, "pool");
  conv(classes, 1, 1, Act::None, "logits");
  x = b.reshape(x, {1, classes}, "logits/reshape");
}

void Net::head_mean_conv_conv(int last, Act act, int classes) {
  x = b.mean(x, {1, 2}, true, "pool");
  conv(last, 1, 1, act, "head");
  conv(classes, 1, 1, Act::None, "logits");
  x = b.reshape(x, {1, classes}, "logits/reshape");
}

Graph Net::finish() {
  b.set_scope("");
  if (opts_.softmax) x = b.softmax(x, 1.0f, "softmax");
  b.output(x);
  return b.finish();
}

}  // namespace zoo
}  // namespace tinyops
