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

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(TINYOPS_NO_CLONES)
// Host builds only: the same C source compiled twice, picked at load time by CPU (bit-identical).
#define TINYOPS_HOT __attribute__((target_clones("avx2", "default")))
#else
#define TINYOPS_HOT
#endif

// acc[k] += sum_i x[i] * w_k[i] for four weight rows.
TINYOPS_HOT void dot4(const int8_t* __restrict x, const int8_t* __restrict w0, const int8_t* __restrict w1,
                      const int8_t* __restrict w2, const int8_t* __restrict w3, int32_t len, int32_t* acc) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (int32_t i = 0; i < len; ++i) {
    const int32_t xi = x[i];
    a0 += xi * w0[i];
    a1 += xi * w1[i];
    a2 += xi * w2[i];
    a3 += xi * w3[i];
  }
  acc[0] += a0;
  acc[1] += a1;
  acc[2] += a2;
  acc[3] += a3;
}

TINYOPS_HOT int32_t dot1(const int8_t* __restrict x, const int8_t* __restrict w, int32_t len) {
  int32_t a = 0;
  for (int32_t i = 0; i < len; ++i) a += static_cast<int32_t>(x[i]) * w[i];
  return a;
}

// Two pixels x four weight rows: acc[p*4 + k].
TINYOPS_HOT void dot2x4(const int8_t* __restrict x0, const int8_t* __restrict x1, const int8_t* __restrict w0,
                        const int8_t* __restrict w1, const int8_t* __restrict w2, const int8_t* __restrict w3,
                        int32_t len, int32_t* acc) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (int32_t i = 0; i < len; ++i) {
    const int32_t p = x0[i], q = x1[i];
    const int32_t v0 = w0[i], v1 = w1[i], v2 = w2[i], v3 = w3[i];
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

// sum_i (x[i] + off) * w[i]
TINYOPS_HOT int32_t dot1_off(const int8_t* __restrict x, const int8_t* __restrict w, int32_t len, int32_t off) {
  int32_t a = 0;
  for (int32_t i = 0; i < len; ++i) a += (static_cast<int32_t>(x[i]) + off) * w[i];
  return a;
}

inline int8_t requant(int32_t acc, const ConvParams& p, int32_t oc) {
  const int32_t v = multiply_by_quantized_multiplier(acc, p.multiplier[oc], p.shift[oc]) + p.output_offset;
  return sat_s8(v, p.act_min, p.act_max);
}

// First k in [0, size) with origin + k*step >= 0, and one past the last with origin + k*step < limit.
inline void valid_taps(int32_t origin, int32_t step, int32_t size, int32_t limit, int32_t* k0, int32_t* k1) {
  int32_t a = origin < 0 ? (-origin + step - 1) / step : 0;
  int32_t b = limit - origin > 0 ? (limit - origin + step - 1) / step : 0;
  a = min_i32(a, size);
  b = max_i32(min_i32(b, size), a);
  *k0 = a;
  *k1 = b;
}

}  // namespace

KernelStatus conv2d_s8(const ConvParams& p, const KernelIO& io, OutRange r) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full, ws = wv.full;
  if (ws.n != os.c || ws.h != p.filter_h || ws.w != p.filter_w || ws.c != is.c || is.n != os.n)
    return KernelStatus::BadArgs;
  if (!p.multiplier || !p.shift || p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1)
    return KernelStatus::BadArgs;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  const int32_t IH = is.h, IW = is.w, IC = is.c, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  int32_t iy_b, iy_e, ix_b, ix_e;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + (KH - 1) * p.dilation_h + 1;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + (KW - 1) * p.dilation_w + 1;
    iy_b = max_i32(yb, 0), iy_e = min_i32(ye, IH), ix_b = max_i32(xb, 0), ix_e = min_i32(xe, IW);
  }
  if (!view_has(iv, ElemType::Int8, 0, is.n, iy_b, iy_e, ix_b, ix_e, 0, IC) || iv.stride_c != 1)
    return KernelStatus::BadView;
  if (!view_has(wv, ElemType::Int8, r.c_begin, r.c_end, 0, KH, 0, KW, 0, IC) || wv.stride_c != 1)
    return KernelStatus::BadView;

  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  // A patch row (kernel columns x input channels) is contiguous in input and weights.
  const bool row_contig = p.dilation_w == 1 && in.stride_w == IC && w.stride_w == IC;
  const int32_t off = p.input_offset;

  for (int32_t n = 0; n < os.n; ++n) {
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      int32_t ky0, ky1;
      valid_taps(iy0, p.dilation_h, KH, IH, &ky0, &ky1);
      int32_t ox = 0;
      while (ox < OW) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        int32_t kx0, kx1;
        valid_taps(ix0, p.dilation_w, KW, IW, &kx0, &kx1);
        const bool interior = ky0 == 0 && ky1 == KH && kx0 == 0 && kx1 == KW && p.bias_sums != nullptr;
        int8_t* o = out.at(n, oy, ox, r.c_begin);
        if (interior && row_contig) {
          // Two pixels at once when the next one is interior too.
          const int32_t ix1 = ix0 + p.stride_w;
          const bool pair = ox + 1 < OW && ix1 >= 0 && ix1 + (KW - 1) < IW;
          const int32_t len = KW * IC;
          int32_t oc = r.c_begin;
          if (pair) {
            int8_t* o1 = out.at(n, oy, ox + 1, r.c_begin);
            for (; oc + 4 <= r.c_end; oc += 4) {
              int32_t acc[8];
              for (int k = 0; k < 4; ++k) acc[k] = acc[k + 4] = p.bias_sums[oc + k];
              for (int32_t ky = 0; ky < KH; ++ky) {
                const int32_t iy = iy0 + ky * p.dilation_h;
                dot2x4(in.at(n, iy, ix0, 0), in.at(n, iy, ix1, 0), w.at(oc, ky, 0, 0), w.at(oc + 1, ky, 0, 0),
                       w.at(oc + 2, ky, 0, 0), w.at(oc + 3, ky, 0, 0), len, acc);
              }
              for (int k = 0; k < 4; ++k) {
                o[(oc + k - r.c_begin) * out.stride_c] = requant(acc[k], p, oc + k);
                o1[(oc + k - r.c_begin) * out.stride_c] = requant(acc[k + 4], p, oc + k);
              }
            }
            for (; oc < r.c_end; ++oc) {
              int32_t a0 = p.bias_sums[oc], a1 = a0;
              for (int32_t ky = 0; ky < KH; ++ky) {
                const int32_t iy = iy0 + ky * p.dilation_h;
                a0 += dot1(in.at(n, iy, ix0, 0), w.at(oc, ky, 0, 0), len);
                a1 += dot1(in.at(n, iy, ix1, 0), w.at(oc, ky, 0, 0), len);
              }
              o[(oc - r.c_begin) * out.stride_c] = requant(a0, p, oc);
              o1[(oc - r.c_begin) * out.stride_c] = requant(a1, p, oc);
            }
            ox += 2;
            continue;
          }
          for (; oc + 4 <= r.c_end; oc += 4) {
            int32_t acc[4] = {p.bias_sums[oc], p.bias_sums[oc + 1], p.bias_sums[oc + 2], p.bias_sums[oc + 3]};
            for (int32_t ky = 0; ky < KH; ++ky) {
              const int32_t iy = iy0 + ky * p.dilation_h;
              dot4(in.at(n, iy, ix0, 0), w.at(oc, ky, 0, 0), w.at(oc + 1, ky, 0, 0), w.at(oc + 2, ky, 0, 0),
                   w.at(oc + 3, ky, 0, 0), len, acc);
            }
            for (int k = 0; k < 4; ++k) o[(oc + k - r.c_begin) * out.stride_c] = requant(acc[k], p, oc + k);
          }
          for (; oc < r.c_end; ++oc) {
            int32_t acc = p.bias_sums[oc];
            for (int32_t ky = 0; ky < KH; ++ky)
              acc += dot1(in.at(n, iy0 + ky * p.dilation_h, ix0, 0), w.at(oc, ky, 0, 0), len);
            o[(oc - r.c_begin) * out.stride_c] = requant(acc, p, oc);
          }
          ox += 1;
          continue;
        }
        for (int32_t oc = r.c_begin; oc < r.c_end; ++oc) {
          int32_t acc = p.bias ? p.bias[oc] : 0;
          if (interior) acc = p.bias_sums[oc];
          for (int32_t ky = ky0; ky < ky1; ++ky) {
            const int32_t iy = iy0 + ky * p.dilation_h;
            if (row_contig) {
              const int32_t len = (kx1 - kx0) * IC;
              if (len > 0) acc += dot1_off(in.at(n, iy, ix0 + kx0, 0), w.at(oc, ky, kx0, 0), len, off);
              continue;
            }
            for (int32_t kx = kx0; kx < kx1; ++kx) {
              const int32_t ix = ix0 + kx * p.dilation_w;
              if (interior)
                acc += dot1(in.at(n, iy, ix, 0), w.at(oc, ky, kx, 0), IC);
              else
                acc += dot1_off(in.at(n, iy, ix, 0), w.at(oc, ky, kx, 0), IC, off);
            }
          }
          o[(oc - r.c_begin) * out.stride_c] = requant(acc, p, oc);
        }
        ox += 1;
      }
    }
  }
  return KernelStatus::Ok;
}

KernelStatus fully_connected_s8(const ConvParams& p, const KernelIO& io, OutRange r) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const int32_t I = iv.full.c, B = ov.full.h;
  if (wv.full.n != ov.full.c || wv.full.c != I || wv.full.h != 1 || wv.full.w != 1 || iv.full.h != B ||
      iv.full.w != 1 || ov.full.w != 1 || iv.full.n != ov.full.n)
    return KernelStatus::BadArgs;
  if (!p.multiplier || !p.shift) return KernelStatus::BadArgs;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  if (!view_has(iv, ElemType::Int8, 0, iv.full.n, r.y_begin, r.y_end, 0, 1, 0, I) || iv.stride_c != 1)
    return KernelStatus::BadView;
  if (!view_has(wv, ElemType::Int8, r.c_begin, r.c_end, 0, 1, 0, 1, 0, I) || wv.stride_c != 1)
    return KernelStatus::BadView;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  for (int32_t n = 0; n < ov.full.n; ++n) {
    for (int32_t b = r.y_begin; b < r.y_end; ++b) {
      const int8_t* x = in.at(n, b, 0, 0);
      int8_t* o = out.at(n, b, 0, r.c_begin);
      int32_t oc = r.c_begin;
      if (p.bias_sums) {
        for (; oc + 4 <= r.c_end; oc += 4) {
          int32_t acc[4] = {p.bias_sums[oc], p.bias_sums[oc + 1], p.bias_sums[oc + 2], p.bias_sums[oc + 3]};
          dot4(x, w.at(oc, 0, 0, 0), w.at(oc + 1, 0, 0, 0), w.at(oc + 2, 0, 0, 0), w.at(oc + 3, 0, 0, 0), I, acc);
          for (int k = 0; k < 4; ++k) o[(oc + k - r.c_begin) * out.stride_c] = requant(acc[k], p, oc + k);
        }
      }
      for (; oc < r.c_end; ++oc) {
        int32_t acc = p.bias_sums ? p.bias_sums[oc] + dot1(x, w.at(oc, 0, 0, 0), I)
                                  : (p.bias ? p.bias[oc] : 0) + dot1_off(x, w.at(oc, 0, 0, 0), I, p.input_offset);
        o[(oc - r.c_begin) * out.stride_c] = requant(acc, p, oc);
      }
    }
  }
  return KernelStatus::Ok;
}

namespace {

// acc[j] += x[j] * w[j]  (depthwise, channels contiguous)
TINYOPS_HOT void dw_mac(int32_t* __restrict acc, const int8_t* __restrict x, const int8_t* __restrict w, int32_t len) {
  for (int32_t j = 0; j < len; ++j) acc[j] += static_cast<int32_t>(x[j]) * w[j];
}
TINYOPS_HOT void dw_mac_off(int32_t* __restrict acc, const int8_t* __restrict x, const int8_t* __restrict w,
                            int32_t len, int32_t off) {
  for (int32_t j = 0; j < len; ++j) acc[j] += (static_cast<int32_t>(x[j]) + off) * w[j];
}

}  // namespace

KernelStatus depthwise_conv2d_s8(const ConvParams& p, const KernelIO& io, OutRange r) {
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
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  const int32_t IH = is.h, IW = is.w, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  int32_t iy_b, iy_e, ix_b, ix_e;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + (KH - 1) * p.dilation_h + 1;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + (KW - 1) * p.dilation_w + 1;
    iy_b = max_i32(yb, 0), iy_e = min_i32(ye, IH), ix_b = max_i32(xb, 0), ix_e = min_i32(xe, IW);
  }
  const int32_t ic_b = r.c_begin / M, ic_e = (r.c_end - 1) / M + 1;
  if (!view_has(iv, ElemType::Int8, 0, is.n, iy_b, iy_e, ix_b, ix_e, ic_b, ic_e) || iv.stride_c != 1)
    return KernelStatus::BadView;
  if (!view_has(wv, ElemType::Int8, 0, 1, 0, KH, 0, KW, r.c_begin, r.c_end) || wv.stride_c != 1)
    return KernelStatus::BadView;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  const int32_t off = p.input_offset;
  constexpr int32_t kChunk = 128;
  int32_t acc[kChunk];

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
        int8_t* o = out.at(n, oy, ox, r.c_begin);
        for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kChunk) {
          const int32_t len = min_i32(kChunk, r.c_end - c0);
          if (interior) {
            for (int32_t j = 0; j < len; ++j) acc[j] = p.bias_sums[c0 + j];
          } else {
            for (int32_t j = 0; j < len; ++j) acc[j] = p.bias ? p.bias[c0 + j] : 0;
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
                for (int32_t j = 0; j < len; ++j) {
                  const int32_t x = *in.at(n, iy, ix, (c0 + j) / M);
                  acc[j] += (interior ? x : x + off) * wp[j];
                }
              }
            }
          }
          for (int32_t j = 0; j < len; ++j) o[(c0 + j - r.c_begin) * out.stride_c] = requant(acc[j], p, c0 + j);
        }
      }
    }
  }
  return KernelStatus::Ok;
}

}  // namespace kern
}  // namespace tinyops
