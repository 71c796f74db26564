// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, int8 with per-channel requantization
// (TFLite reference semantics: acc = bias + sum (x + input_offset) * w, then
// multiply_by_quantized_multiplier, + output_offset, clamp).
//
// Speed: the inner loops are contiguous int8 x int8 -> int32 dot products over input channels (and over
// kernel columns when a row of the patch is contiguous) that g++ -O3 vectorises. Where the receptive
// field lies inside the input, the input offset is folded into a precomputed per-channel constant
// (bias_sums = bias + input_offset * sum(w)), so the inner loop is a pure dot product; border pixels use
// (x + input_offset) * w over their valid taps.
#include "kernels/internal.h"

namespace tinyops {
namespace kern {
namespace {

// Two pixels x four output channels: acc[p*4 + k] += sum_i x_p[i] * w_k[i] (x already int16 with the
// input offset added; w int8). The widening multiply-add vectorises to pmaddwd-style instructions.
TINYOPS_INLINE void dot2x4(const int16_t* __restrict x0, const int16_t* __restrict x1, const int8_t* __restrict w0,
                           const int8_t* __restrict w1, const int8_t* __restrict w2, const int8_t* __restrict w3,
                           int32_t len, int32_t* acc) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (int32_t i = 0; i < len; ++i) {
    const int16_t p = x0[i], q = x1[i];
    const int16_t v0 = w0[i], v1 = w1[i], v2 = w2[i], v3 = w3[i];
    a0 += p * v0;
    a1 += p * v1;
    a2 += p * v2;
    a3 += p * v3;
    b0 += q * v0;
    b1 += q * v1;
    b2 += q * v2;
    b3 += q * v3;
  }
  acc[0] += a0;
  acc[1] += a1;
  acc[2] += a2;
  acc[3] += a3;
  acc[4] += b0;
  acc[5] += b1;
  acc[6] += b2;
  acc[7] += b3;
}

TINYOPS_INLINE void dot1x4(const int16_t* __restrict x0, const int8_t* __restrict w0, const int8_t* __restrict w1,
                           const int8_t* __restrict w2, const int8_t* __restrict w3, int32_t len, int32_t* acc) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (int32_t i = 0; i < len; ++i) {
    const int16_t p = x0[i];
    a0 += p * static_cast<int16_t>(w0[i]);
    a1 += p * static_cast<int16_t>(w1[i]);
    a2 += p * static_cast<int16_t>(w2[i]);
    a3 += p * static_cast<int16_t>(w3[i]);
  }
  acc[0] += a0;
  acc[1] += a1;
  acc[2] += a2;
  acc[3] += a3;
}

TINYOPS_INLINE int32_t dot1(const int16_t* __restrict x, const int8_t* __restrict w, int32_t len) {
  int32_t a = 0;
  for (int32_t i = 0; i < len; ++i) a += x[i] * static_cast<int16_t>(w[i]);
  return a;
}

// sum_i (x[i] + off) * w[i] with int8 x (fully connected rows).
TINYOPS_INLINE int32_t dot1_off(const int8_t* __restrict x, const int8_t* __restrict w, int32_t len, int32_t off) {
  int32_t a = 0;
  for (int32_t i = 0; i < len; ++i) a += (static_cast<int32_t>(x[i]) + off) * w[i];
  return a;
}

// first k in [0, size) with origin + k*step >= 0; one past the last with origin + k*step < limit.
TINYOPS_INLINE void valid_taps(int32_t origin, int32_t step, int32_t size, int32_t limit, int32_t* k0, int32_t* k1) {
  int32_t a = origin < 0 ? (-origin + step - 1) / step : 0;
  int32_t b = limit - origin > 0 ? (limit - origin + step - 1) / step : 0;
  a = min_i32(a, size);
  b = max_i32(min_i32(b, size), a);
  *k0 = a;
  *k1 = b;
}

// im2col of one output pixel: patch[(ky*KW + kx)*IC + ic] = x + input_offset, 0 where the tap falls
// into the padding (the real value zero).
TINYOPS_INLINE void im2col_pixel(const View4<const int8_t>& in, const ConvParams& p, int32_t n, int32_t iy0,
                                 int32_t ix0, int32_t IC, bool row_contig, int16_t* __restrict patch) {
  const int32_t KH = p.filter_h, KW = p.filter_w;
  int32_t ky0, ky1, kx0, kx1;
  valid_taps(iy0, p.dilation_h, KH, in.full.h, &ky0, &ky1);
  valid_taps(ix0, p.dilation_w, KW, in.full.w, &kx0, &kx1);
  const int16_t off = static_cast<int16_t>(p.input_offset);
  for (int32_t ky = 0; ky < KH; ++ky) {
    int16_t* row = patch + ky * KW * IC;
    if (ky < ky0 || ky >= ky1) {
      for (int32_t i = 0; i < KW * IC; ++i) row[i] = 0;
      continue;
    }
    const int32_t iy = iy0 + ky * p.dilation_h;
    for (int32_t i = 0; i < kx0 * IC; ++i) row[i] = 0;
    if (row_contig) {
      const int8_t* src = in.at(n, iy, ix0 + kx0, 0);
      int16_t* dst = row + kx0 * IC;
      const int32_t len = (kx1 - kx0) * IC;
      for (int32_t i = 0; i < len; ++i) dst[i] = static_cast<int16_t>(src[i] + off);
    } else {
      for (int32_t kx = kx0; kx < kx1; ++kx) {
        const int8_t* src = in.at(n, iy, ix0 + kx * p.dilation_w, 0);
        int16_t* dst = row + kx * IC;
        for (int32_t i = 0; i < IC; ++i) dst[i] = static_cast<int16_t>(src[i] + off);
      }
    }
    for (int32_t i = kx1 * IC; i < KW * IC; ++i) row[i] = 0;
  }
}

}  // namespace

int32_t conv2d_s8_scratch_bytes(const ConvParams& p, const KernelIO& io) {
  // Two im2col patches of int16.
  return 2 * p.filter_h * p.filter_w * io.in[0].full.c * static_cast<int32_t>(sizeof(int16_t));
}

TINYOPS_HOT KernelStatus conv2d_s8(const ConvParams& p, const KernelIO& io, OutRange r, void* scratch,
                                   int32_t scratch_bytes) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full, ws = wv.full;
  if (ws.n != os.c || ws.h != p.filter_h || ws.w != p.filter_w || ws.c != is.c || is.n != os.n)
    return KernelStatus::BadArgs;
  if (!p.multiplier || !p.shift || p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1)
    return KernelStatus::BadArgs;
  if (p.input_offset < -255 || p.input_offset > 255) return KernelStatus::BadArgs;  // x + offset must fit int16
  if (scratch_bytes < conv2d_s8_scratch_bytes(p, io) || (reinterpret_cast<uintptr_t>(scratch) & 3u) != 0)
    return KernelStatus::ScratchTooSmall;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  const int32_t IH = is.h, IW = is.w, IC = is.c, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + (KH - 1) * p.dilation_h + 1;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + (KW - 1) * p.dilation_w + 1;
    if (!view_has(iv, ElemType::Int8, 0, is.n, max_i32(yb, 0), min_i32(ye, IH), max_i32(xb, 0), min_i32(xe, IW), 0, IC) ||
        iv.stride_c != 1)
      return KernelStatus::BadView;
  }
  if (!view_has(wv, ElemType::Int8, r.c_begin, r.c_end, 0, KH, 0, KW, 0, IC) || wv.stride_c != 1)
    return KernelStatus::BadView;

  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  const bool row_contig = p.dilation_w == 1 && in.stride_w == IC;
  // A filter (KH x KW x IC) is contiguous in the weight view: one dot product of length K.
  const bool w_contig = w.stride_w == IC && w.stride_h == KW * IC;
  const int32_t K = KH * KW * IC;
  int16_t* patch0 = static_cast<int16_t*>(scratch);
  int16_t* patch1 = patch0 + K;
  constexpr int32_t kBlock = 64;  // output channels per accumulator block
  int32_t acc0[kBlock], acc1[kBlock];

  for (int32_t n = 0; n < os.n; ++n) {
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      for (int32_t ox = 0; ox < OW; ox += 2) {
        const bool two = ox + 1 < OW;
        im2col_pixel(in, p, n, iy0, ox * p.stride_w - p.pad_left, IC, row_contig, patch0);
        if (two) im2col_pixel(in, p, n, iy0, (ox + 1) * p.stride_w - p.pad_left, IC, row_contig, patch1);
        int8_t* o0 = out.at(n, oy, ox, r.c_begin);
        int8_t* o1 = two ? out.at(n, oy, ox + 1, r.c_begin) : nullptr;
        for (int32_t cb = r.c_begin; cb < r.c_end; cb += kBlock) {
          const int32_t len = min_i32(kBlock, r.c_end - cb);
          int32_t j = 0;
          if (w_contig) {
            for (; j + 4 <= len; j += 4) {
              const int32_t oc = cb + j;
              const int8_t* w0 = w.at(oc, 0, 0, 0);
              const int32_t sn = w.stride_n;
              int32_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
              if (two)
                dot2x4(patch0, patch1, w0, w0 + sn, w0 + 2 * sn, w0 + 3 * sn, K, a);
              else
                dot1x4(patch0, w0, w0 + sn, w0 + 2 * sn, w0 + 3 * sn, K, a);
              for (int k = 0; k < 4; ++k) {
                const int32_t b = p.bias ? p.bias[oc + k] : 0;
                acc0[j + k] = b + a[k];
                acc1[j + k] = b + a[k + 4];
              }
            }
            for (; j < len; ++j) {
              const int32_t b = p.bias ? p.bias[cb + j] : 0;
              acc0[j] = b + dot1(patch0, w.at(cb + j, 0, 0, 0), K);
              acc1[j] = two ? b + dot1(patch1, w.at(cb + j, 0, 0, 0), K) : 0;
            }
          } else {
            for (; j < len; ++j) {
              acc0[j] = acc1[j] = p.bias ? p.bias[cb + j] : 0;
              for (int32_t ky = 0; ky < KH; ++ky)
                for (int32_t kx = 0; kx < KW; ++kx) {
                  const int32_t t = (ky * KW + kx) * IC;
                  acc0[j] += dot1(patch0 + t, w.at(cb + j, ky, kx, 0), IC);
                  if (two) acc1[j] += dot1(patch1 + t, w.at(cb + j, ky, kx, 0), IC);
                }
            }
          }
          const int32_t step = out.stride_c;
          requant_block(acc0, p.multiplier + cb, p.shift + cb, len, p.output_offset, p.act_min, p.act_max,
                        o0 + (cb - r.c_begin) * step, step);
          if (two)
            requant_block(acc1, p.multiplier + cb, p.shift + cb, len, p.output_offset, p.act_min, p.act_max,
                          o1 + (cb - r.c_begin) * step, step);
        }
      }
    }
  }
  return KernelStatus::Ok;
}

KernelStatus fully_connected_check(const ConvParams& p, const KernelIO& io, OutRange r) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const int32_t I = iv.full.c, B = ov.full.h;
  if (wv.full.n != ov.full.c || wv.full.c != I || wv.full.h != 1 || wv.full.w != 1 || iv.full.h != B ||
      iv.full.w != 1 || ov.full.w != 1 || iv.full.n != ov.full.n)
    return KernelStatus::BadArgs;
  if (!p.multiplier || !p.shift) return KernelStatus::BadArgs;
  if (p.input_offset < -255 || p.input_offset > 255) return KernelStatus::BadArgs;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  if (!view_has(iv, ElemType::Int8, 0, iv.full.n, r.y_begin, r.y_end, 0, 1, 0, I) || iv.stride_c != 1)
    return KernelStatus::BadView;
  if (!view_has(wv, ElemType::Int8, r.c_begin, r.c_end, 0, 1, 0, 1, 0, I) || wv.stride_c != 1)
    return KernelStatus::BadView;
  return KernelStatus::Ok;
}

TINYOPS_HOT KernelStatus fully_connected_s8(const ConvParams& p, const KernelIO& io, OutRange r) {
  const KernelStatus s = fully_connected_check(p, io, r);
  if (s != KernelStatus::Ok || range_empty(r)) return s;
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const int32_t I = iv.full.c;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  constexpr int32_t kBlock = 64, kChunk = 256;
  int32_t acc[kBlock];
  int16_t x16[kChunk];
  const int16_t off = static_cast<int16_t>(p.input_offset);
  for (int32_t n = 0; n < ov.full.n; ++n) {
    for (int32_t b = r.y_begin; b < r.y_end; ++b) {
      const int8_t* x = in.at(n, b, 0, 0);
      int8_t* o = out.at(n, b, 0, r.c_begin);
      for (int32_t cb = r.c_begin; cb < r.c_end; cb += kBlock) {
        const int32_t len = min_i32(kBlock, r.c_end - cb);
        for (int32_t j = 0; j < len; ++j) acc[j] = p.bias ? p.bias[cb + j] : 0;
        for (int32_t i0 = 0; i0 < I; i0 += kChunk) {
          const int32_t il = min_i32(kChunk, I - i0);
          for (int32_t i = 0; i < il; ++i) x16[i] = static_cast<int16_t>(x[i0 + i] + off);
          int32_t j = 0;
          for (; j + 4 <= len; j += 4) {
            const int8_t* w0 = w.at(cb + j, 0, 0, i0);
            dot1x4(x16, w0, w0 + w.stride_n, w0 + 2 * w.stride_n, w0 + 3 * w.stride_n, il, acc + j);
          }
          for (; j < len; ++j) acc[j] += dot1(x16, w.at(cb + j, 0, 0, i0), il);
        }
        requant_block(acc, p.multiplier + cb, p.shift + cb, len, p.output_offset, p.act_min, p.act_max,
                      o + (cb - r.c_begin) * out.stride_c, out.stride_c);
      }
    }
  }
  return KernelStatus::Ok;
}

namespace {

// acc[j] += x[j] * w[j]  (depthwise, channels contiguous)
TINYOPS_INLINE void dw_mac(int32_t* __restrict acc, const int8_t* __restrict x, const int8_t* __restrict w,
                           int32_t len) {
  for (int32_t j = 0; j < len; ++j) acc[j] += static_cast<int16_t>(x[j]) * static_cast<int16_t>(w[j]);
}
TINYOPS_INLINE void dw_mac_off(int32_t* __restrict acc, const int8_t* __restrict x, const int8_t* __restrict w,
                               int32_t len, int16_t off) {
  for (int32_t j = 0; j < len; ++j)
    acc[j] += static_cast<int16_t>(static_cast<int16_t>(x[j]) + off) * static_cast<int16_t>(w[j]);
}

}  // namespace

namespace {

constexpr int32_t kDwMaxTaps = 64;

// P interior pixels (depth multiplier 1, every tap inside the input), 16 channels per register block:
// acc_p[j] = bias_sums[c] + sum_taps x_p[c] * w[c]; the accumulators stay in registers across taps.
template <int P>
TINYOPS_INLINE void dw_interior(const int8_t* const* xb, const int8_t* wb, const int32_t* tap_in, const int32_t* tap_w,
                                int32_t taps, int32_t c0, int32_t len, const ConvParams& p, int8_t* const* o,
                                int32_t out_step) {
  int32_t j0 = 0;
  for (; j0 + 16 <= len; j0 += 16) {
    int32_t a[P][16];
    for (int q = 0; q < P; ++q)
      for (int j = 0; j < 16; ++j) a[q][j] = p.bias_sums[c0 + j0 + j];
    for (int32_t t = 0; t < taps; ++t) {
      const int8_t* wv = wb + tap_w[t] + j0;
      for (int q = 0; q < P; ++q) {
        const int8_t* xv = xb[q] + tap_in[t] + j0;
        for (int j = 0; j < 16; ++j) a[q][j] += static_cast<int16_t>(xv[j]) * static_cast<int16_t>(wv[j]);
      }
    }
    for (int q = 0; q < P; ++q)
      requant_block(a[q], p.multiplier + c0 + j0, p.shift + c0 + j0, 16, p.output_offset, p.act_min, p.act_max,
                    o[q] + j0 * out_step, out_step);
  }
  if (j0 + 8 <= len) {
    int32_t a[P][8];
    for (int q = 0; q < P; ++q)
      for (int j = 0; j < 8; ++j) a[q][j] = p.bias_sums[c0 + j0 + j];
    for (int32_t t = 0; t < taps; ++t) {
      const int8_t* wv = wb + tap_w[t] + j0;
      for (int q = 0; q < P; ++q) {
        const int8_t* xv = xb[q] + tap_in[t] + j0;
        for (int j = 0; j < 8; ++j) a[q][j] += static_cast<int16_t>(xv[j]) * static_cast<int16_t>(wv[j]);
      }
    }
    for (int q = 0; q < P; ++q)
      requant_block(a[q], p.multiplier + c0 + j0, p.shift + c0 + j0, 8, p.output_offset, p.act_min, p.act_max,
                    o[q] + j0 * out_step, out_step);
    j0 += 8;
  }
  if (j0 < len) {
    const int32_t rest = len - j0;
    int32_t a[16];
    for (int q = 0; q < P; ++q) {
      for (int32_t j = 0; j < rest; ++j) a[j] = p.bias_sums[c0 + j0 + j];
      for (int32_t t = 0; t < taps; ++t) {
        const int8_t* wv = wb + tap_w[t] + j0;
        const int8_t* xv = xb[q] + tap_in[t] + j0;
        for (int32_t j = 0; j < rest; ++j) a[j] += static_cast<int16_t>(xv[j]) * static_cast<int16_t>(wv[j]);
      }
      requant_block(a, p.multiplier + c0 + j0, p.shift + c0 + j0, rest, p.output_offset, p.act_min, p.act_max,
                    o[q] + j0 * out_step, out_step);
    }
  }
}

}  // namespace

TINYOPS_HOT KernelStatus depthwise_conv2d_s8(const ConvParams& p, const KernelIO& io, OutRange r) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full, ws = wv.full;
  const int32_t M = p.depth_multiplier;
  if (M < 1 || ws.n != 1 || ws.c != os.c || ws.h != p.filter_h || ws.w != p.filter_w || is.c * M != os.c ||
      is.n != os.n)
    return KernelStatus::BadArgs;
  if (!p.multiplier || !p.shift || p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1)
    return KernelStatus::BadArgs;
  if (p.input_offset < -255 || p.input_offset > 255) return KernelStatus::BadArgs;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  const int32_t IH = is.h, IW = is.w, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + (KH - 1) * p.dilation_h + 1;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + (KW - 1) * p.dilation_w + 1;
    const int32_t ic_b = r.c_begin / M, ic_e = (r.c_end - 1) / M + 1;
    if (!view_has(iv, ElemType::Int8, 0, is.n, max_i32(yb, 0), min_i32(ye, IH), max_i32(xb, 0), min_i32(xe, IW),
                  ic_b, ic_e) ||
        iv.stride_c != 1)
      return KernelStatus::BadView;
  }
  if (!view_has(wv, ElemType::Int8, 0, 1, 0, KH, 0, KW, r.c_begin, r.c_end) || wv.stride_c != 1)
    return KernelStatus::BadView;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  const int16_t off = static_cast<int16_t>(p.input_offset);
  constexpr int32_t kChunk = 128;  // channels per accumulator chunk (stack: 512 bytes)
  int32_t acc[kChunk];
  // Fast interior path: element offsets of every tap in the input and weight views.
  int32_t tap_in[kDwMaxTaps], tap_w[kDwMaxTaps];
  const bool fast = M == 1 && KH * KW <= kDwMaxTaps && out.stride_c == 1;
  if (fast)
    for (int32_t ky = 0; ky < KH; ++ky)
      for (int32_t kx = 0; kx < KW; ++kx) {
        tap_in[ky * KW + kx] = ky * p.dilation_h * in.stride_h + kx * p.dilation_w * in.stride_w;
        tap_w[ky * KW + kx] = ky * w.stride_h + kx * w.stride_w;
      }

  for (int32_t n = 0; n < os.n; ++n) {
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      int32_t ky0, ky1;
      valid_taps(iy0, p.dilation_h, KH, IH, &ky0, &ky1);
      for (int32_t ox = 0; ox < OW; ++ox) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        int32_t kx0, kx1;
        valid_taps(ix0, p.dilation_w, KW, IW, &kx0, &kx1);
        const bool interior = ky0 == 0 && ky1 == KH && kx0 == 0 && kx1 == KW && p.bias_sums != nullptr;
        if (interior && fast) {
          // Two pixels at once when the next one is interior too.
          const int32_t ix1 = ix0 + p.stride_w;
          const bool pair = ox + 1 < OW && ix1 + (KW - 1) * p.dilation_w < IW;
          const int8_t* xb[2] = {in.at(n, iy0, ix0, r.c_begin), pair ? in.at(n, iy0, ix1, r.c_begin) : nullptr};
          int8_t* ob[2] = {out.at(n, oy, ox, r.c_begin), pair ? out.at(n, oy, ox + 1, r.c_begin) : nullptr};
          const int8_t* wb = w.at(0, 0, 0, r.c_begin);
          const int32_t len = r.c_end - r.c_begin;
          if (pair) {
            dw_interior<2>(xb, wb, tap_in, tap_w, KH * KW, r.c_begin, len, p, ob, out.stride_c);
            ++ox;
          } else {
            dw_interior<1>(xb, wb, tap_in, tap_w, KH * KW, r.c_begin, len, p, ob, out.stride_c);
          }
          continue;
        }
        int8_t* o = out.at(n, oy, ox, r.c_begin);
        for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kChunk) {
          const int32_t len = min_i32(kChunk, r.c_end - c0);
          if (interior) {
            for (int32_t j = 0; j < len; ++j) acc[j] = p.bias_sums[c0 + j];
          } else if (p.bias) {
            for (int32_t j = 0; j < len; ++j) acc[j] = p.bias[c0 + j];
          } else {
            for (int32_t j = 0; j < len; ++j) acc[j] = 0;
          }
          for (int32_t ky = ky0; ky < ky1; ++ky) {
            const int32_t iy = iy0 + ky * p.dilation_h;
            for (int32_t kx = kx0; kx < kx1; ++kx) {
              const int32_t ix = ix0 + kx * p.dilation_w;
              const int8_t* wp = w.at(0, ky, kx, c0);
              if (M == 1) {
                const int8_t* xp = in.at(n, iy, ix, c0);
                if (interior)
                  dw_mac(acc, xp, wp, len);
                else
                  dw_mac_off(acc, xp, wp, len, off);
              } else {
                // Output channel c reads input channel c / M: walk both without dividing.
                const int8_t* xp = in.at(n, iy, ix, c0 / M);
                const int32_t add = interior ? 0 : off;
                int32_t m = c0 % M, k = 0;
                for (int32_t j = 0; j < len; ++j) {
                  acc[j] += (xp[k] + add) * wp[j];
                  if (++m == M) {
                    m = 0;
                    k += in.stride_c;
                  }
                }
              }
            }
          }
          requant_block(acc, p.multiplier + c0, p.shift + c0, len, p.output_offset, p.act_min, p.act_max,
                        o + (c0 - r.c_begin) * out.stride_c, out.stride_c);
        }
      }
    }
  }
  return KernelStatus::Ok;
}

}  // namespace kern
}  // namespace tinyops
