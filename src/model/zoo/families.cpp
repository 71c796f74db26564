// The zoo's hand-written families. Each follows one reference implementation (named per family);
// layer shapes, channel rounding and the classifier head are theirs, batch norms are folded into
// the convolutions (a bias per output channel), dropout is dropped.
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "model/zoo/net.h"
#include "model/zoo/zoo.h"

namespace tinyops {
namespace {

using zoo::Act;
using zoo::Gate;
using zoo::Net;

std::string block_scope(int i) { return "block" + std::to_string(i); }

// MobileNetV1, TF-slim mobilenet_v1.py: depth(d) = max(int(d * width), 8); logits as a 1x1 conv
// after a global AVERAGE_POOL_2D.
void mobilenet_v1(Net& n, double w, int classes) {
  auto depth = [w](int d) { return std::max(static_cast<int>(d * w), 8); };
  n.scope("stem");
  n.conv(depth(32), 3, 2, Act::Relu6, "conv");
  const int spec[13][2] = {{1, 64},  {2, 128}, {1, 128}, {2, 256}, {1, 256}, {2, 512},  {1, 512},
                           {1, 512}, {1, 512}, {1, 512}, {1, 512}, {2, 1024}, {1, 1024}};
  for (int i = 0; i < 13; ++i) {
    n.scope(block_scope(i + 1));
    n.depthwise(3, spec[i][0], Act::Relu6, "depthwise");
    n.conv(depth(spec[i][1]), 1, 1, Act::Relu6, "pointwise");
  }
  n.scope("head");
  n.head_avgpool_conv(classes);
}

// MobileNetV2, TF-slim mobilenet_v2.py / Keras: channels make_divisible(c * width, 8), expansion
// make_divisible(in * t, 8), last 1x1 conv 1280 * max(1, width); MEAN + FULLY_CONNECTED head.
void mobilenet_v2(Net& n, double w, int classes) {
  n.scope("stem");
  n.conv(make_divisible(32 * w), 3, 2, Act::Relu6, "conv");
  const int spec[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};  // t, c, n, s
  int block = 0;
  for (const auto& s : spec) {
    const int out = make_divisible(s[1] * w);
    for (int r = 0; r < s[2]; ++r) {
      n.scope(block_scope(++block));
      const int mid = s[0] == 1 ? n.channels() : make_divisible(n.channels() * s[0]);
      n.mbconv(mid, out, 3, r == 0 ? s[3] : 1, Act::Relu6, 0, Gate::Sigmoid);
    }
  }
  n.scope("head");
  n.conv(make_divisible(1280 * std::max(1.0, w)), 1, 1, Act::Relu6, "conv");
  n.head_mean_fc(classes);
}

// MobileNetV3, TF-slim mobilenet_v3.py (V3_LARGE / V3_SMALL): channels make_divisible(c * width, 8),
// expansion make_divisible(in * factor, 8),
// SE squeeze make_divisible(expanded / 4, 8) with ReLU and hard sigmoid, hard-swish where the
// paper says HS; head: last 1x1 conv (scaled), pooling, 1x1 conv 1280/1024 (not scaled below
// width 1, as slim's finegrain_classification_mode), 1x1 conv logits.
struct V3Block {
  int k, exp, out;
  bool se;
  Act act;
  int stride;
};
// Large-minimalistic (slim V3_LARGE_MINIMALISTIC): the Large table with 3x3 kernels everywhere, no SE,
// ReLU everywhere (stem and head too).
void mobilenet_v3(Net& n, double w, int classes, bool large, bool minimalistic = false) {
  static const V3Block kLarge[] = {
      {3, 16, 16, false, Act::Relu, 1},    {3, 64, 24, false, Act::Relu, 2},    {3, 72, 24, false, Act::Relu, 1},
      {5, 72, 40, true, Act::Relu, 2},     {5, 120, 40, true, Act::Relu, 1},    {5, 120, 40, true, Act::Relu, 1},
      {3, 240, 80, false, Act::HSwish, 2}, {3, 200, 80, false, Act::HSwish, 1}, {3, 184, 80, false, Act::HSwish, 1},
      {3, 184, 80, false, Act::HSwish, 1}, {3, 480, 112, true, Act::HSwish, 1}, {3, 672, 112, true, Act::HSwish, 1},
      {5, 672, 160, true, Act::HSwish, 2}, {5, 960, 160, true, Act::HSwish, 1}, {5, 960, 160, true, Act::HSwish, 1}};
  static const V3Block kSmall[] = {
      {3, 16, 16, true, Act::Relu, 2},     {3, 72, 24, false, Act::Relu, 2},    {3, 88, 24, false, Act::Relu, 1},
      {5, 96, 40, true, Act::HSwish, 2},   {5, 240, 40, true, Act::HSwish, 1},  {5, 240, 40, true, Act::HSwish, 1},
      {5, 120, 48, true, Act::HSwish, 1},  {5, 144, 48, true, Act::HSwish, 1},  {5, 288, 96, true, Act::HSwish, 2},
      {5, 576, 96, true, Act::HSwish, 1},  {5, 576, 96, true, Act::HSwish, 1}};
  n.scope("stem");
  const Act head_act = minimalistic ? Act::Relu : Act::HSwish;
  n.conv(make_divisible(16 * w), 3, 2, head_act, "conv");
  const V3Block* spec = large ? kLarge : kSmall;
  const int count = large ? 15 : 11;
  int in_unscaled = 16;
  for (int i = 0; i < count; ++i) {
    const V3Block& s = spec[i];
    n.scope(block_scope(i + 1));
    // slim expresses the expansion as a factor of the (scaled) input: make_divisible(in * exp / in0, 8).
    const int mid = make_divisible(n.channels() * (static_cast<double>(s.exp) / in_unscaled));
    in_unscaled = s.out;
    const int se = s.se && !minimalistic ? make_divisible(mid / 4.0) : 0;
    n.mbconv(mid, make_divisible(s.out * w), minimalistic ? 3 : s.k, s.stride, minimalistic ? Act::Relu : s.act, se,
             Gate::HardSigmoid);
  }
  n.scope("head");
  n.conv(make_divisible((large ? 960 : 576) * w), 1, 1, head_act, "conv");
  const int last = large ? 1280 : 1024;
  n.head_mean_conv_conv(w > 1.0 ? make_divisible(last * w) : last, head_act, classes);
}

// MnasNet-B1, torchvision mnasnet.py (mnasnet1_0): depths _round_to_multiple_of(d * width, 8),
// stem conv + depthwise-separable conv, six stacks of inverted residuals (expansion in * t), 1x1
// conv 1280, MEAN + FULLY_CONNECTED.
void mnasnet_b1(Net& n, double w, int classes) {
  auto d = [w](int c) { return make_divisible(c * w); };
  n.scope("stem");
  n.conv(d(32), 3, 2, Act::Relu, "conv");
  n.depthwise(3, 1, Act::Relu, "depthwise");
  n.conv(d(16), 1, 1, Act::None, "project");
  const int spec[6][5] = {{24, 3, 2, 3, 3}, {40, 5, 2, 3, 3}, {80, 5, 2, 6, 3},
                          {96, 3, 1, 6, 2}, {192, 5, 2, 6, 4}, {320, 3, 1, 6, 1}};  // out, k, s, t, n
  int block = 0;
  for (const auto& s : spec) {
    for (int r = 0; r < s[4]; ++r) {
      n.scope(block_scope(++block));
      n.mbconv(n.channels() * s[3], d(s[0]), s[1], r == 0 ? s[2] : 1, Act::Relu, 0, Gate::Sigmoid);
    }
  }
  n.scope("head");
  n.conv(1280, 1, 1, Act::Relu, "conv");
  n.head_mean_fc(classes);
}

// EfficientNet-style block list (TF tpu models block strings): repeats, kernel, stride, expand,
// in, out, SE ratio (of the block's input filters), skip.
struct BlockArgs {
  int repeats, k, stride, expand, in, out;
  double se;
  bool skip;
};

// TF round_filters: make_divisible(filters * width, 8) with the 10% rule.
int round_filters(int filters, double width) { return make_divisible(filters * width); }

// MnasNet-A1, TF tpu models mnasnet_models.py (mnasnet_a1): SE squeeze max(1, int(in * 0.25))
// with ReLU and sigmoid, 1x1 conv 1280 head, MEAN + FULLY_CONNECTED.
void mnasnet_a1(Net& n, double w, int classes) {
  static const BlockArgs kBlocks[] = {{1, 3, 1, 1, 32, 16, 0, false},     {2, 3, 2, 6, 16, 24, 0, true},
                                      {3, 5, 2, 3, 24, 40, 0.25, true},   {4, 3, 2, 6, 40, 80, 0, true},
                                      {2, 3, 1, 6, 80, 112, 0.25, true},  {3, 5, 2, 6, 112, 160, 0.25, true},
                                      {1, 3, 1, 6, 160, 320, 0, true}};
  n.scope("stem");
  n.conv(round_filters(32, w), 3, 2, Act::Relu, "conv");
  int block = 0;
  for (const BlockArgs& a : kBlocks) {
    int in = round_filters(a.in, w);
    const int out = round_filters(a.out, w);
    for (int r = 0; r < a.repeats; ++r) {
      n.scope(block_scope(++block));
      const int se = a.se > 0 ? std::max(1, static_cast<int>(in * a.se)) : 0;
      const int mid = a.expand == 1 ? n.channels() : in * a.expand;
      n.mbconv(mid, out, a.k, r == 0 ? a.stride : 1, Act::Relu, se, Gate::Sigmoid, a.skip);
      in = out;
    }
  }
  n.scope("head");
  n.conv(1280, 1, 1, Act::Relu, "conv");
  n.head_mean_fc(classes);
}

// EfficientNet-Lite, TF tpu models efficientnet/lite: the B0 block list without SE, ReLU6,
// stem (32) and head (1280) fixed, first and last stages not repeated more (fix_head_stem).
void efficientnet_lite(Net& n, double width_coef, double depth_coef, int classes) {
  static const BlockArgs kBlocks[] = {{1, 3, 1, 1, 32, 16, 0, true},    {2, 3, 2, 6, 16, 24, 0, true},
                                      {2, 5, 2, 6, 24, 40, 0, true},    {3, 3, 2, 6, 40, 80, 0, true},
                                      {3, 5, 1, 6, 80, 112, 0, true},   {4, 5, 2, 6, 112, 192, 0, true},
                                      {1, 3, 1, 6, 192, 320, 0, true}};
  n.scope("stem");
  n.conv(32, 3, 2, Act::Relu6, "conv");
  int block = 0;
  const int stages = 7;
  for (int i = 0; i < stages; ++i) {
    const BlockArgs& a = kBlocks[i];
    int in = round_filters(a.in, width_coef);
    const int out = round_filters(a.out, width_coef);
    const int repeats = (i == 0 || i == stages - 1) ? a.repeats
                                                    : static_cast<int>(std::ceil(depth_coef * a.repeats));
    for (int r = 0; r < repeats; ++r) {
      n.scope(block_scope(++block));
      const int mid = a.expand == 1 ? n.channels() : in * a.expand;
      n.mbconv(mid, out, a.k, r == 0 ? a.stride : 1, Act::Relu6, 0, Gate::Sigmoid, a.skip);
      in = out;
    }
  }
  n.scope("head");
  n.conv(1280, 1, 1, Act::Relu6, "conv");
  n.head_mean_fc(classes);
}

// ProxylessNAS-Mobile (Cai et al. 2019; the searched architecture as in the authors' net config
// and osmr/imgclsmob): ReLU6 inverted residuals; zero (skipped) blocks omitted; 1x1 conv 1280
// (scaled only above width 1), MEAN + FULLY_CONNECTED.
void proxylessnas_mobile(Net& n, double w, int classes) {
  struct B {
    int k, e, out, stride;
  };
  static const B kBlocks[] = {{3, 1, 16, 1},                                                  // stage 1
                              {5, 3, 32, 2},  {3, 3, 32, 1},                                  // stage 2
                              {7, 3, 40, 2},  {3, 3, 40, 1},  {5, 3, 40, 1},  {5, 3, 40, 1},  // stage 3
                              {7, 6, 80, 2},  {5, 3, 80, 1},  {5, 3, 80, 1},  {5, 3, 80, 1},  // stage 4
                              {5, 6, 96, 1},  {5, 3, 96, 1},  {5, 3, 96, 1},  {5, 3, 96, 1},
                              {7, 6, 192, 2}, {7, 6, 192, 1}, {7, 3, 192, 1}, {7, 3, 192, 1},  // stage 5
                              {7, 6, 320, 1}};
  n.scope("stem");
  n.conv(make_divisible(32 * w), 3, 2, Act::Relu6, "conv");
  int block = 0;
  for (const B& b : kBlocks) {
    n.scope(block_scope(++block));
    const int mid = b.e == 1 ? n.channels() : make_divisible(n.channels() * b.e);
    n.mbconv(mid, make_divisible(b.out * w), b.k, b.stride, Act::Relu6, 0, Gate::Sigmoid);
  }
  n.scope("head");
  n.conv(w > 1.0 ? make_divisible(1280 * w) : 1280, 1, 1, Act::Relu6, "conv");
  n.head_mean_fc(classes);
}

struct LiteCoef {
  double width, depth;
  int resolution;
};
const LiteCoef kLite[5] = {{1.0, 1.0, 224}, {1.0, 1.1, 240}, {1.1, 1.2, 260}, {1.2, 1.4, 280}, {1.4, 1.8, 300}};

std::string fmt_width(double w) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", w);
  return buf;
}

}  // namespace

const std::vector<ZooFamily>& zoo_families() {
  static const std::vector<ZooFamily> kFamilies = {
      {"mobilenet-v1", 1.0, 224, "MobileNetV1 (TF-slim)"},
      {"mobilenet-v2", 1.0, 224, "MobileNetV2 (TF-slim/Keras)"},
      {"mobilenet-v3-large", 1.0, 224, "MobileNetV3-Large (TF-slim), SE + hard-swish"},
      {"mobilenet-v3-large-minimalistic", 1.0, 224, "MobileNetV3-Large-minimalistic (TF-slim): 3x3, no SE, ReLU"},
      {"mobilenet-v3-small", 1.0, 224, "MobileNetV3-Small (TF-slim), SE + hard-swish"},
      {"mnasnet-b1", 1.0, 224, "MnasNet-B1 (torchvision mnasnet1_0)"},
      {"mnasnet-a1", 1.0, 224, "MnasNet-A1 (TF tpu models), SE"},
      {"proxylessnas-mobile", 1.0, 224, "ProxylessNAS-Mobile"},
      {"efficientnet-lite0", 1.0, 224, "EfficientNet-Lite0 (no SE, ReLU6)"},
      {"efficientnet-lite1", 1.0, 240, "EfficientNet-Lite1"},
      {"efficientnet-lite2", 1.0, 260, "EfficientNet-Lite2"},
      {"efficientnet-lite3", 1.0, 280, "EfficientNet-Lite3"},
      {"efficientnet-lite4", 1.0, 300, "EfficientNet-Lite4"},
      {"mcunet-in0", 1.0, 48, "MCUNet in0 (mcunet-10fps_imagenet)"},
      {"mcunet-in1", 1.0, 96, "MCUNet in1 (mcunet-5fps_imagenet)"},
      {"mcunet-in2", 1.0, 160, "MCUNet in2 (mcunet-256kb-1mb_imagenet)"},
      {"mcunet-in3", 1.0, 176, "MCUNet in3 (mcunet-320kb-1mb_imagenet)"},
      {"mcunet-in4", 1.0, 160, "MCUNet in4 (mcunet-512kb-2mb_imagenet)"},
  };
  return kFamilies;
}

Result<Graph> make_zoo_model(const std::string& family, double width, int resolution, int classes,
                             const ZooOptions& opts) {
  bool known = false;
  std::string names;
  for (const ZooFamily& f : zoo_families()) {
    known = known || f.name == family;
    names += (names.empty() ? "" : ", ") + f.name;
  }
  if (!known) return Error{"unknown zoo family '" + family + "'; expected one of: " + names};
  if (!(width >= 0.05 && width <= 4.0))
    return Error{family + ": width " + fmt_width(width) + " out of range, expected 0.05..4"};
  if (resolution < 8 || resolution > 2048)
    return Error{family + ": resolution " + std::to_string(resolution) + " out of range, expected 8..2048"};
  if (classes < 1 || classes > 100000)
    return Error{family + ": classes " + std::to_string(classes) + " out of range, expected 1..100000"};

  const std::string arch = zoo_arch_json(family);
  if (!arch.empty()) {
    ArchOverrides o;
    o.width = width;
    o.resolution = resolution;
    o.classes = classes;
    return make_model_from_arch_json(arch, o, opts);
  }

  const std::string desc = family + " w" + fmt_width(width) + " r" + std::to_string(resolution) + " c" +
                           std::to_string(classes) + " (TinyOps zoo, synthetic weights)";
  const uint64_t seed = opts.seed ? opts.seed : zoo::config_seed(desc);
  try {
    Net n(desc, seed, resolution, 3, opts);
    if (family == "mobilenet-v1") mobilenet_v1(n, width, classes);
    else if (family == "mobilenet-v2") mobilenet_v2(n, width, classes);
    else if (family == "mobilenet-v3-large") mobilenet_v3(n, width, classes, true);
    else if (family == "mobilenet-v3-large-minimalistic") mobilenet_v3(n, width, classes, true, true);
    else if (family == "mobilenet-v3-small") mobilenet_v3(n, width, classes, false);
    else if (family == "mnasnet-b1") mnasnet_b1(n, width, classes);
    else if (family == "mnasnet-a1") mnasnet_a1(n, width, classes);
    else if (family == "proxylessnas-mobile") proxylessnas_mobile(n, width, classes);
    else {
      const int lite = family.back() - '0';  // efficientnet-lite0..4
      efficientnet_lite(n, kLite[lite].width * width, kLite[lite].depth, classes);
    }
    return n.finish();
  } catch (const std::invalid_argument& e) {
    return Error{family + ": " + e.what()};
  }
}

Graph make_demo_model() {
  auto g = make_zoo_model("mobilenet-v2", 0.5, 160, 1000);
  if (!g) throw std::logic_error("make_demo_model: " + g.error().message);  // fixed arguments: cannot fail
  return std::move(g).value();
}

}  // namespace tinyops
