// Bit-exactness of the Cortex-M fast kernels (src/kernels/arm) against the portable kernels, run on
// the target under QEMU: random CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / ADD cases (shapes, strides,
// dilations, paddings, depth multipliers, quantization incl. left shifts, partitions of rows and
// channels, inputs given as row tiles) go through kernel_invoke (fast path when one applies) and
// through kern::*_s8 (portable); statuses and every output byte must agree. Prints
// "kernels: <n> cases bit-exact (<k> ok)" and returns 0, or the first mismatch and 1.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernels/internal.h"
#include "kernels/kernel.h"
#include "tinyops_marker.h"

using namespace tinyops;

namespace {

uint32_t g_seed = 12345u;
uint32_t rnd() {
  g_seed = g_seed * 1664525u + 1013904223u;
  return g_seed >> 8;
}
int32_t rint_in(int32_t lo, int32_t hi) { return lo + static_cast<int32_t>(rnd() % static_cast<uint32_t>(hi - lo + 1)); }

constexpr int32_t kMaxIn = 16 * 16 * 40, kMaxW = 24 * 7 * 7 * 40, kMaxOut = 16 * 16 * 48, kMaxC = 64;
int8_t g_in[kMaxIn], g_tile[kMaxIn], g_w[kMaxW];
int8_t g_out_fast[kMaxOut], g_out_ref[kMaxOut];
int32_t g_mult[kMaxC], g_shift[kMaxC], g_bias[kMaxC], g_bias_sums[kMaxC];
alignas(4) uint8_t g_scratch[2 * 7 * 7 * 40 * 2 + 16];

void fill(int8_t* p, int32_t n) {
  for (int32_t i = 0; i < n; ++i) p[i] = static_cast<int8_t>(rnd());
}

int conv_out(int32_t in, int32_t k, int32_t s, int32_t d, int32_t pad_before) {
  const int32_t eff = (k - 1) * d + 1;
  const int32_t span = in + 2 * pad_before - eff;
  return span < 0 ? 0 : span / s + 1;
}

// ADD of two same-shape inputs (TFLite int8 scheme, left shift 20), random quantization incl. shifts
// that need the general requantization, partitions of rows and channels. False after printing a mismatch.
bool add_case(int index) {
  const Shape4 s{1, rint_in(1, 16), rint_in(1, 16), rint_in(1, 40)};
  const int32_t n = s.h * s.w * s.c;
  if (n > kMaxIn || n > kMaxOut) return true;
  fill(g_in, n);
  fill(g_tile, n);
  AddParams p{};
  p.input1_offset = rint_in(-127, 128);
  p.input2_offset = rint_in(-127, 128);
  p.output_offset = rint_in(-128, 127);
  p.left_shift = 20;
  const bool big = rnd() % 5 == 0;
  p.input1_multiplier = static_cast<int32_t>((1u << 30) + (rnd() & 0x3FFFFFFFu));
  p.input2_multiplier = static_cast<int32_t>((1u << 30) + (rnd() & 0x3FFFFFFFu));
  p.output_multiplier = static_cast<int32_t>((1u << 30) + (rnd() & 0x3FFFFFFFu));
  if (rnd() % 8 == 0) p.input2_multiplier = -p.input2_multiplier;
  p.input1_shift = big ? rint_in(-2, 2) : rint_in(-8, 0);
  p.input2_shift = big ? rint_in(-2, 2) : rint_in(-8, 0);
  p.output_shift = big ? rint_in(-8, 1) : rint_in(-24, -12);
  p.act_min = (rnd() & 1) ? -128 : rint_in(-128, 0);
  p.act_max = (rnd() & 1) ? 127 : rint_in(p.act_min, 127);
  KernelArgs args{};
  args.kind = KernelKind::Add;
  args.p.add = p;
  OutRange r{0, s.h, 0, s.c};
  const uint8_t caps = kernel_partition_caps(args.kind);
  if ((caps & kPartitionRows) && (rnd() & 1)) {
    r.y_begin = rint_in(0, s.h - 1);
    r.y_end = rint_in(r.y_begin + 1, s.h);
  }
  if ((caps & kPartitionChannels) && (rnd() & 1)) {
    r.c_begin = rint_in(0, s.c - 1);
    r.c_end = rint_in(r.c_begin + 1, s.c);
  }
  KernelIO io{};
  io.num_inputs = 2;
  io.in[0] = any_view(dense_view(static_cast<const int8_t*>(g_in), s), ElemType::Int8);
  io.in[1] = any_view(dense_view(static_cast<const int8_t*>(g_tile), s), ElemType::Int8);
  memset(g_out_fast, 0x5A, sizeof g_out_fast);
  memset(g_out_ref, 0x5A, sizeof g_out_ref);
  io.out = any_view(dense_view(g_out_fast, s), ElemType::Int8);
  const KernelStatus s_fast = kernel_invoke(args, io, r, g_scratch, 0);
  io.out = any_view(dense_view(g_out_ref, s), ElemType::Int8);
  const KernelStatus s_ref = kern::add_s8(p, io, r);
  if (s_fast == s_ref && memcmp(g_out_fast, g_out_ref, sizeof g_out_fast) == 0) return true;
  int32_t first = 0;
  while (first < n && g_out_fast[first] == g_out_ref[first]) ++first;
  printf("MISMATCH case %d add: %ldx%ldx%ld shifts %ld,%ld,%ld range y[%ld,%ld) c[%ld,%ld) status %s/%s first byte "
         "%ld: %d vs %d\n",
         index, (long)s.h, (long)s.w, (long)s.c, (long)p.input1_shift, (long)p.input2_shift, (long)p.output_shift,
         (long)r.y_begin, (long)r.y_end, (long)r.c_begin, (long)r.c_end, kernel_status_name(s_fast),
         kernel_status_name(s_ref), (long)first, g_out_fast[first], g_out_ref[first]);
  return false;
}

}  // namespace

int main() {
  int cases = 0, fast = 0;
  for (int iter = 0; iter < 1450; ++iter) {
    // the last 150: small-map 3x3 depthwise with full-range output and Std shifts (the fused runs over
    // the padded copy: several rows per call, strides 1 and 2, row and channel partitions)
    const bool small3 = iter >= 1300;
    const int kind = small3 ? 1 : iter % 4;  // 0 conv, 1 depthwise, 2 fully connected, 3 add
    if (kind == 3) {
      if (!add_case(cases)) return 1;
      ++cases, ++fast;
      continue;
    }
    ConvParams p{};
    KernelArgs args{};
    KernelIO io{};
    Shape4 is{}, ws{}, os{};
    p.dilation_h = p.dilation_w = 1;
    p.stride_h = p.stride_w = 1;
    bool pointwise = false, wide = false;
    p.depth_multiplier = 1;
    if (kind == 2) {
      const int32_t B = rint_in(1, 3), I = rint_in(1, 300 > kMaxIn ? kMaxIn : 300), O = rint_in(1, 40);
      is = Shape4{1, B, 1, I};
      ws = Shape4{O, 1, 1, I};
      os = Shape4{1, B, 1, O};
      p.filter_h = p.filter_w = 1;
      args.kind = KernelKind::FullyConnected;
    } else {
      static const int32_t kSizes[] = {1, 2, 3, 3, 3, 4, 5, 5, 7};
      const int32_t K = kSizes[rnd() % 9];
      p.filter_h = K;
      p.filter_w = (rnd() % 4 == 0) ? rint_in(1, 7) : K;
      p.stride_h = rint_in(1, 2);
      p.stride_w = (rnd() & 3) ? p.stride_h : rint_in(1, 2);
      if (rnd() % 5 == 0) p.dilation_h = p.dilation_w = 2;
      // wide depthwise maps (more than 16 output columns: the row path rather than the padded copy)
      wide = kind == 1 && rnd() % 3 == 0;
      if (small3) {
        wide = false;
        p.filter_h = p.filter_w = 3;
        p.dilation_h = p.dilation_w = 1;
      }
      if (wide && (rnd() & 1)) p.filter_h = p.filter_w = 3;
      const int32_t IH = wide ? rint_in(1, 8) : rint_in(1, 16), IW = wide ? rint_in(17, 40) : rint_in(1, 16);
      p.pad_top = rint_in(0, p.filter_h - 1);
      p.pad_left = rint_in(0, p.filter_w - 1);
      // narrow pointwise convolutions (4, 8 or 16 input channels: the per-channel 1x1 path)
      pointwise = kind == 0 && rnd() % 6 == 0;
      if (pointwise) {
        p.filter_h = p.filter_w = p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
        p.pad_top = p.pad_left = 0;
      }
      const int32_t OH = conv_out(IH, p.filter_h, p.stride_h, p.dilation_h, p.pad_top);
      const int32_t OW = conv_out(IW, p.filter_w, p.stride_w, p.dilation_w, p.pad_left);
      if (OH < 1 || OW < 1) continue;
      if (kind == 0) {
        // 1..3 input channels often (first layers: the few-channel path)
        const int32_t IC = pointwise ? 4 << rint_in(0, 2) : rnd() % 3 == 0 ? rint_in(1, 3) : rint_in(1, 40);
        const int32_t OC = rint_in(1, 24);
        is = Shape4{1, IH, IW, IC};
        ws = Shape4{OC, p.filter_h, p.filter_w, IC};
        os = Shape4{1, OH, OW, OC};
        args.kind = KernelKind::Conv2D;
      } else {
        static const int32_t kMult[] = {1, 1, 1, 1, 2, 4, 8};
        p.depth_multiplier = (wide && (rnd() & 1)) ? 4 * rint_in(1, 2) : kMult[rnd() % 7];
        // one input channel often (any depth multiplier: the few-channel path)
        const int32_t IC = rnd() % 4 == 0 && !small3 ? 1 : rint_in(1, p.depth_multiplier > 2 ? 6 : 40);
        is = Shape4{1, IH, IW, IC};
        ws = Shape4{1, p.filter_h, p.filter_w, IC * p.depth_multiplier};
        os = Shape4{1, OH, OW, IC * p.depth_multiplier};
        args.kind = KernelKind::DepthwiseConv2D;
      }
    }
    const int32_t in_n = is.n * is.h * is.w * is.c, w_n = ws.n * ws.h * ws.w * ws.c, out_n = os.n * os.h * os.w * os.c;
    if (in_n > kMaxIn || w_n > kMaxW || out_n > kMaxOut || os.c > kMaxC) continue;
    fill(g_in, in_n);
    fill(g_w, w_n);
    p.input_offset = rint_in(-127, 128);
    p.output_offset = rint_in(-128, 127);
    p.act_min = (rnd() & 1) ? -128 : rint_in(-128, 0);
    p.act_max = (rnd() & 1) ? 127 : rint_in(p.act_min, 127);
    if ((wide && (rnd() & 1)) || small3) p.act_min = -128, p.act_max = 127;  // full range: the fused 3x3 runs
    const bool big = rnd() % 4 == 0 && !small3;
    // every third case: all shifts in [-22, -1] (the Std requantization form of the DSP paths)
    const bool std_shifts = !big && (rnd() % 3 == 0 || (wide && (rnd() & 1)) || small3);
    for (int32_t c = 0; c < os.c; ++c) {
      g_mult[c] = static_cast<int32_t>((1u << 30) + (rnd() & 0x3FFFFFFFu));
      if (rnd() % 16 == 0) g_mult[c] = -g_mult[c];  // negative scales occur (MCUNet)
      g_shift[c] = big ? rint_in(-3, 4) : (rnd() % 8 == 0 ? rint_in(-31, -20) : rint_in(-14, 1));
      if (std_shifts) g_shift[c] = rint_in(-22, -1);
      g_bias[c] = big ? rint_in(-(1 << 22), 1 << 22) : rint_in(-6000, 6000);
      // bias + input_offset * (sum of the channel's weights over the filter)
      int32_t sum = 0;
      if (kind == 1)
        for (int32_t t = 0; t < ws.h * ws.w; ++t) sum += g_w[t * ws.c + c];
      else
        for (int32_t k = 0; k < ws.h * ws.w * ws.c; ++k) sum += g_w[c * ws.h * ws.w * ws.c + k];
      g_bias_sums[c] = g_bias[c] + p.input_offset * sum;
    }
    // Requantization extremes (the Helium path requantizes in vectors and must match TFLite for every
    // input): INT32_MIN multipliers (saturating doubling high multiply), shifts -31 and +30 (the left
    // shift wraps), biases of +-2^30.
    if (iter % 16 == 5) {
      for (int32_t c = 0; c < os.c; ++c) {
        const uint32_t e = rnd() % 5;
        if (e == 0) g_mult[c] = INT32_MIN;
        if (e == 1) g_shift[c] = -31;
        if (e == 2) g_shift[c] = 30;
        if (e == 3) {
          const int32_t d = ((rnd() & 1) ? (1 << 30) : -(1 << 30)) - g_bias[c];
          g_bias[c] += d;
          g_bias_sums[c] += d;
        }
      }
    }
    p.multiplier = g_mult;
    p.shift = g_shift;
    p.bias = (rnd() % 8 == 0) ? nullptr : g_bias;
    p.bias_sums = p.bias ? g_bias_sums : nullptr;
    args.p.conv = p;

    // Partition: rows and (when supported) channels.
    OutRange r{0, os.h, 0, os.c};
    const uint8_t caps = kernel_partition_caps(args.kind);
    if ((caps & kPartitionRows) && (rnd() & 1)) {
      r.y_begin = rint_in(0, os.h - 1);
      r.y_end = rint_in(r.y_begin + 1, os.h);
    }
    if ((caps & kPartitionChannels) && (rnd() & 1)) {
      r.c_begin = rint_in(0, os.c - 1);
      r.c_end = rint_in(r.c_begin + 1, os.c);
    }
    // Input: the dense tensor, or a tile holding only the rows the range needs.
    io.num_inputs = 1;
    AnyView in = any_view(dense_view(static_cast<const int8_t*>(g_in), is), ElemType::Int8);
    io.in[0] = in;
    if (kind != 2 && (rnd() & 1)) {
      int32_t y0, y1;
      kernel_input_rows(args, io, r.y_begin, r.y_end, &y0, &y1);
      if (y1 > y0) {
        const int32_t row = is.w * is.c;
        memcpy(g_tile, g_in + y0 * row, static_cast<size_t>((y1 - y0) * row));
        io.in[0] = any_view(row_slice_view(static_cast<const int8_t*>(g_tile), is, y0, y1), ElemType::Int8);
      }
    }
    io.weights = any_view(dense_view(static_cast<const int8_t*>(g_w), ws), ElemType::Int8);
    const int32_t sbytes = kernel_scratch_bytes(args, io, r);

    memset(g_out_fast, 0x5A, sizeof g_out_fast);
    memset(g_out_ref, 0x5A, sizeof g_out_ref);
    io.out = any_view(dense_view(g_out_fast, os), ElemType::Int8);
    tinyops_marker(1);
    const KernelStatus s_fast = kernel_invoke(args, io, r, g_scratch, sbytes);
    tinyops_marker(2);
    io.out = any_view(dense_view(g_out_ref, os), ElemType::Int8);
    KernelStatus s_ref;
    if (kind == 0) s_ref = kern::conv2d_s8(p, io, r, g_scratch, sbytes);
    else if (kind == 1) s_ref = kern::depthwise_conv2d_s8(p, io, r);
    else s_ref = kern::fully_connected_s8(p, io, r);
    tinyops_marker(3);
    const bool same = s_fast == s_ref && memcmp(g_out_fast, g_out_ref, sizeof g_out_fast) == 0;
    if (!same) {
      int32_t first = 0;
      while (first < out_n && g_out_fast[first] == g_out_ref[first]) ++first;
      printf("MISMATCH case %d kind %d: in %ldx%ldx%ld w %ldx%ldx%ldx%ld stride %ld,%ld dil %ld pad %ld,%ld M %ld "
             "range y[%ld,%ld) c[%ld,%ld) status %s/%s first byte %ld: %d vs %d\n",
             cases, kind, (long)is.h, (long)is.w, (long)is.c, (long)ws.n, (long)ws.h, (long)ws.w, (long)ws.c,
             (long)p.stride_h, (long)p.stride_w, (long)p.dilation_h, (long)p.pad_top, (long)p.pad_left,
             (long)p.depth_multiplier, (long)r.y_begin, (long)r.y_end, (long)r.c_begin, (long)r.c_end,
             kernel_status_name(s_fast), kernel_status_name(s_ref), (long)first, g_out_fast[first], g_out_ref[first]);
      return 1;
    }
    ++cases;
    if (s_ref == KernelStatus::Ok) ++fast;
  }
  printf("kernels: %d cases bit-exact (%d ok)\n", cases, fast);
  return 0;
}
