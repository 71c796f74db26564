// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels against a slow direct formula on random shapes
// and quantization, and partitioned (row tiles with halo, weight channel slices) against one full call.
#include "kernels/kernel_test_util.h"

using namespace ktest;

namespace {

struct ConvCase {
  Shape4 in, w, out;
  ConvParams p{};
  std::vector<int8_t> x, wt;
  std::vector<int32_t> bias, mult, shift, bias_sums;
  bool depthwise = false;
};

// Direct formula: acc = bias + sum over taps inside the input of (x - zp_in) * w; requantize; clamp.
std::vector<int8_t> conv_ref(const ConvCase& c) {
  std::vector<int8_t> o(static_cast<size_t>(count(c.out)));
  const ConvParams& p = c.p;
  for (int n = 0; n < c.out.n; ++n)
    for (int oy = 0; oy < c.out.h; ++oy)
      for (int ox = 0; ox < c.out.w; ++ox)
        for (int oc = 0; oc < c.out.c; ++oc) {
          int64_t acc = c.bias.empty() ? 0 : c.bias[static_cast<size_t>(oc)];
          for (int ky = 0; ky < p.filter_h; ++ky)
            for (int kx = 0; kx < p.filter_w; ++kx) {
              const int iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
              const int ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (iy < 0 || iy >= c.in.h || ix < 0 || ix >= c.in.w) continue;
              if (c.depthwise) {
                const int ic = oc / p.depth_multiplier;
                acc += (c.x[idx(c.in, n, iy, ix, ic)] + p.input_offset) * c.wt[idx(c.w, 0, ky, kx, oc)];
              } else {
                for (int ic = 0; ic < c.in.c; ++ic)
                  acc += (c.x[idx(c.in, n, iy, ix, ic)] + p.input_offset) * c.wt[idx(c.w, oc, ky, kx, ic)];
              }
            }
          const int32_t v = multiply_by_quantized_multiplier(static_cast<int32_t>(acc), c.mult[static_cast<size_t>(oc)],
                                                             c.shift[static_cast<size_t>(oc)]) +
                            p.output_offset;
          o[idx(c.out, n, oy, ox, oc)] = static_cast<int8_t>(clamp_i32(v, p.act_min, p.act_max));
        }
  return o;
}

ConvCase random_conv(Rng& rng, bool depthwise) {
  ConvCase c;
  c.depthwise = depthwise;
  ConvParams& p = c.p;
  p.filter_h = rng.uniform(1, 5);
  p.filter_w = rng.uniform(1, 5);
  p.stride_h = rng.uniform(1, 3);
  p.stride_w = rng.uniform(1, 3);
  p.dilation_h = rng.uniform(1, 2);
  p.dilation_w = rng.uniform(1, 2);
  p.depth_multiplier = depthwise ? rng.uniform(1, 3) : 1;
  const int eff_h = (p.filter_h - 1) * p.dilation_h + 1, eff_w = (p.filter_w - 1) * p.dilation_w + 1;
  c.in = Shape4{rng.uniform(1, 2), rng.uniform(1, 11), rng.uniform(1, 11), rng.uniform(1, 19)};
  p.pad_top = rng.uniform(0, eff_h - 1);
  p.pad_left = rng.uniform(0, eff_w - 1);
  const int pad_bottom = rng.uniform(0, eff_h - 1), pad_right = rng.uniform(0, eff_w - 1);
  int oh = (c.in.h + p.pad_top + pad_bottom - eff_h) / p.stride_h + 1;
  int ow = (c.in.w + p.pad_left + pad_right - eff_w) / p.stride_w + 1;
  if (c.in.h + p.pad_top + pad_bottom < eff_h) oh = 1;  // window partly below the input: still valid math
  if (c.in.w + p.pad_left + pad_right < eff_w) ow = 1;
  const int oc = depthwise ? c.in.c * p.depth_multiplier : rng.uniform(1, 21);
  c.out = Shape4{c.in.n, oh, ow, oc};
  c.w = depthwise ? Shape4{1, p.filter_h, p.filter_w, oc} : Shape4{oc, p.filter_h, p.filter_w, c.in.c};
  c.x = rng.bytes(static_cast<size_t>(count(c.in)));
  c.wt = rng.bytes(static_cast<size_t>(count(c.w)));
  for (auto& v : c.wt)
    if (v == -128) v = -127;  // symmetric int8 weights
  p.input_offset = -rng.uniform(-128, 127);
  p.output_offset = rng.uniform(-128, 127);
  p.act_min = rng.uniform(-128, 0);
  p.act_max = rng.uniform(p.act_min, 127);
  random_multipliers(rng, oc, &c.mult, &c.shift);
  if (rng.uniform(0, 3) > 0) {
    c.bias.resize(static_cast<size_t>(oc));
    for (auto& b : c.bias) b = rng.uniform(-40000, 40000);
  }
  // bias + input_offset * sum of weights (what prepare computes).
  c.bias_sums.assign(static_cast<size_t>(oc), 0);
  for (int o = 0; o < oc; ++o) {
    int32_t s = 0;
    for (int ky = 0; ky < p.filter_h; ++ky)
      for (int kx = 0; kx < p.filter_w; ++kx) {
        if (depthwise) {
          s += c.wt[idx(c.w, 0, ky, kx, o)];
        } else {
          for (int ic = 0; ic < c.in.c; ++ic) s += c.wt[idx(c.w, o, ky, kx, ic)];
        }
      }
    c.bias_sums[static_cast<size_t>(o)] = (c.bias.empty() ? 0 : c.bias[static_cast<size_t>(o)]) + p.input_offset * s;
  }
  p.multiplier = c.mult.data();
  p.shift = c.shift.data();
  p.bias = c.bias.empty() ? nullptr : c.bias.data();
  p.bias_sums = c.bias_sums.data();
  return c;
}

KernelArgs args_of(const ConvCase& c) {
  KernelArgs a{};
  a.kind = c.depthwise ? KernelKind::DepthwiseConv2D : KernelKind::Conv2D;
  a.p.conv = c.p;
  return a;
}

KernelIO io_of(const ConvCase& c) {
  KernelIO io;
  io.num_inputs = 1;
  io.in[0] = dense(c.x.data(), ElemType::Int8, c.in);
  io.weights = dense(c.wt.data(), ElemType::Int8, c.w);
  io.out = dense(nullptr, ElemType::Int8, c.out);
  return io;
}

std::vector<int8_t> as_s8(const std::vector<uint8_t>& v) { return std::vector<int8_t>(v.begin(), v.end()); }

}  // namespace

TEST_CASE("conv2d: random shapes match the direct formula, full and partitioned") {
  Rng rng(1234);
  for (int t = 0; t < 150; ++t) {
    const ConvCase c = random_conv(rng, false);
    CAPTURE(t);
    const std::vector<int8_t> ref = conv_ref(c);
    const KernelArgs a = args_of(c);
    const KernelIO io = io_of(c);
    REQUIRE(as_s8(run_full(a, io)) == ref);
    CHECK(as_s8(run_partitioned(a, io, 3, 2)) == ref);
    CHECK(as_s8(run_partitioned(a, io, c.out.h, 1)) == ref);  // one output row per call
    CHECK(as_s8(run_partitioned(a, io, 1, c.out.c)) == ref);  // one output channel per call
  }
}

TEST_CASE("depthwise conv2d: random shapes, depth multipliers and dilations match the direct formula") {
  Rng rng(99);
  for (int t = 0; t < 150; ++t) {
    const ConvCase c = random_conv(rng, true);
    CAPTURE(t);
    const std::vector<int8_t> ref = conv_ref(c);
    const KernelArgs a = args_of(c);
    const KernelIO io = io_of(c);
    REQUIRE(as_s8(run_full(a, io)) == ref);
    CHECK(as_s8(run_partitioned(a, io, 2, 3)) == ref);
    CHECK(as_s8(run_partitioned(a, io, c.out.h, c.out.c)) == ref);
  }
}

TEST_CASE("depthwise conv2d without bias_sums takes the general path with identical results") {
  Rng rng(7);
  for (int t = 0; t < 40; ++t) {
    ConvCase c = random_conv(rng, true);
    const std::vector<int8_t> ref = conv_ref(c);
    c.p.bias_sums = nullptr;
    CHECK(as_s8(run_full(args_of(c), io_of(c))) == ref);
  }
}

TEST_CASE("fully connected: random sizes match the direct formula, full and partitioned") {
  Rng rng(5);
  for (int t = 0; t < 80; ++t) {
    const int B = rng.uniform(1, 4), I = rng.uniform(1, 600), O = rng.uniform(1, 70);
    ConvCase c;
    c.in = Shape4{1, B, 1, I};
    c.w = Shape4{O, 1, 1, I};
    c.out = Shape4{1, B, 1, O};
    c.x = rng.bytes(static_cast<size_t>(count(c.in)));
    c.wt = rng.bytes(static_cast<size_t>(count(c.w)));
    ConvParams& p = c.p;
    p.filter_h = p.filter_w = p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = p.depth_multiplier = 1;
    p.input_offset = -rng.uniform(-128, 127);
    p.output_offset = rng.uniform(-128, 127);
    p.act_min = -128;
    p.act_max = rng.uniform(0, 127);
    random_multipliers(rng, O, &c.mult, &c.shift);
    if (t % 3) {
      c.bias.resize(static_cast<size_t>(O));
      for (auto& b : c.bias) b = rng.uniform(-100000, 100000);
    }
    p.multiplier = c.mult.data();
    p.shift = c.shift.data();
    p.bias = c.bias.empty() ? nullptr : c.bias.data();
    const std::vector<int8_t> ref = conv_ref(c);
    KernelArgs a{};
    a.kind = KernelKind::FullyConnected;
    a.p.conv = p;
    const KernelIO io = io_of(c);
    REQUIRE(as_s8(run_full(a, io)) == ref);
    CHECK(as_s8(run_partitioned(a, io, 2, 3)) == ref);
  }
}

TEST_CASE("conv2d: receptive field rows and view checks") {
  Rng rng(3);
  ConvCase c;
  c.in = Shape4{1, 7, 7, 4};
  c.w = Shape4{6, 3, 3, 4};
  c.out = Shape4{1, 4, 4, 6};
  c.x = rng.bytes(static_cast<size_t>(count(c.in)));
  c.wt = rng.bytes(static_cast<size_t>(count(c.w)));
  ConvParams& p = c.p;
  p.filter_h = p.filter_w = 3;
  p.stride_h = p.stride_w = 2;
  p.dilation_h = p.dilation_w = 1;
  p.depth_multiplier = 1;
  p.pad_top = p.pad_left = 1;
  p.input_offset = 3;
  p.act_min = -128;
  p.act_max = 127;
  random_multipliers(rng, 6, &c.mult, &c.shift);
  p.multiplier = c.mult.data();
  p.shift = c.shift.data();
  const KernelArgs a = args_of(c);
  KernelIO io = io_of(c);
  int32_t y0, y1;
  kernel_input_rows(a, io, 2, 4, &y0, &y1);  // rows 2*2-1 .. 3*2-1+2
  CHECK(y0 == 3);
  CHECK(y1 == 7);  // 8, clipped to the 7 input rows
  kernel_input_rows(a, io, 0, 1, &y0, &y1);
  CHECK(y0 == 0);  // -1 clipped
  CHECK(y1 == 2);

  // A row tile that lacks its top halo row is rejected and nothing is written.
  std::vector<uint8_t> tb, out(static_cast<size_t>(count(c.out)), 0x77);
  io.in[0] = tile(c.x.data(), ElemType::Int8, c.in, 0, 1, 4, 7, 0, 7, 0, 4, &tb);
  io.out = dense(out.data(), ElemType::Int8, c.out);
  CHECK(invoke_with_scratch(a, io, OutRange{2, 4, 0, 6}) == KernelStatus::BadView);
  CHECK(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0x77; }));
  io.in[0] = tile(c.x.data(), ElemType::Int8, c.in, 0, 1, 3, 7, 0, 7, 0, 4, &tb);
  CHECK(invoke_with_scratch(a, io, OutRange{2, 4, 0, 6}) == KernelStatus::Ok);
  // A weight slice must hold the requested output channels.
  std::vector<uint8_t> wb;
  io.weights = tile(c.wt.data(), ElemType::Int8, c.w, 2, 4, 0, 3, 0, 3, 0, 4, &wb, 0);
  CHECK(invoke_with_scratch(a, io, OutRange{2, 4, 2, 4}) == KernelStatus::Ok);
  CHECK(invoke_with_scratch(a, io, OutRange{2, 4, 1, 4}) == KernelStatus::BadView);
  // Wrong element type, missing scratch, ranges outside the output.
  io.weights.type = ElemType::UInt8;
  CHECK(invoke_with_scratch(a, io, OutRange{2, 4, 2, 4}) == KernelStatus::BadView);
  io.weights.type = ElemType::Int8;
  CHECK(kernel_scratch_bytes(a, io, OutRange{0, 4, 0, 6}) == 2 * 3 * 3 * 4 * 2);
  CHECK(kernel_invoke(a, io, OutRange{2, 4, 2, 4}, nullptr, 0) == KernelStatus::ScratchTooSmall);
  CHECK(invoke_with_scratch(a, io, OutRange{2, 5, 2, 4}) == KernelStatus::BadRange);
  CHECK(invoke_with_scratch(a, io, OutRange{3, 2, 2, 4}) == KernelStatus::BadRange);
}
