// AVERAGE_POOL_2D and MAX_POOL_2D, int8 (input and output share quantization). Windows are clipped
// to the input (padding elements are not counted); the average rounds half away from zero:
// (sum +/- count/2) / count.
#include "kernels/internal.h"

namespace tinyops {
namespace kern {
namespace {

struct PoolGeom {
  int32_t iy_b, iy_e, ix_b, ix_e;
};

KernelStatus pool_check(const PoolParams& p, const KernelIO& io, const OutRange& r) {
  const AnyView& iv = io.in[0];
  const AnyView& ov = io.out;
  if (p.stride_h < 1 || p.stride_w < 1 || p.filter_h < 1 || p.filter_w < 1) return KernelStatus::BadArgs;
  if (iv.full.c != ov.full.c || iv.full.n != ov.full.n) return KernelStatus::BadArgs;
  // Every window must overlap the input (true for TFLite's SAME/VALID padding).
  if (p.pad_top >= p.filter_h || p.pad_left >= p.filter_w || (ov.full.h - 1) * p.stride_h - p.pad_top >= iv.full.h ||
      (ov.full.w - 1) * p.stride_w - p.pad_left >= iv.full.w)
    return KernelStatus::BadArgs;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  const int32_t yb = max_i32(r.y_begin * p.stride_h - p.pad_top, 0);
  const int32_t ye = min_i32((r.y_end - 1) * p.stride_h - p.pad_top + p.filter_h, iv.full.h);
  const int32_t xb = max_i32(-p.pad_left, 0);
  const int32_t xe = min_i32((ov.full.w - 1) * p.stride_w - p.pad_left + p.filter_w, iv.full.w);
  if (!view_has(iv, ElemType::Int8, 0, iv.full.n, yb, ye, xb, xe, r.c_begin, r.c_end)) return KernelStatus::BadView;
  return KernelStatus::Ok;
}

template <bool kMax>
KernelStatus pool(const PoolParams& p, const KernelIO& io, OutRange r) {
  const KernelStatus st = pool_check(p, io, r);
  if (st != KernelStatus::Ok || range_empty(r)) return st;
  const View4<const int8_t> in = io.in[0].as<const int8_t>();
  const View4<int8_t> out = io.out.as<int8_t>();
  const int32_t IH = in.full.h, IW = in.full.w;
  constexpr int32_t kChunk = 128;
  int32_t acc[kChunk];
  for (int32_t n = 0; n < out.full.n; ++n) {
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      const int32_t fy0 = max_i32(0, -iy0), fy1 = min_i32(p.filter_h, IH - iy0);
      for (int32_t ox = 0; ox < out.full.w; ++ox) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        const int32_t fx0 = max_i32(0, -ix0), fx1 = min_i32(p.filter_w, IW - ix0);
        const int32_t count = (fy1 > fy0 && fx1 > fx0) ? (fy1 - fy0) * (fx1 - fx0) : 0;
        int8_t* o = out.at(n, oy, ox, r.c_begin);
        for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kChunk) {
          const int32_t len = min_i32(kChunk, r.c_end - c0);
          for (int32_t j = 0; j < len; ++j) acc[j] = kMax ? INT8_MIN : 0;
          for (int32_t fy = fy0; fy < fy1; ++fy) {
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const int8_t* x = in.at(n, iy0 + fy, ix0 + fx, c0);
              if (in.stride_c == 1) {
                for (int32_t j = 0; j < len; ++j) {
                  if (kMax)
                    acc[j] = acc[j] > x[j] ? acc[j] : x[j];
                  else
                    acc[j] += x[j];
                }
              } else {
                for (int32_t j = 0; j < len; ++j) {
                  const int32_t v = x[j * in.stride_c];
                  acc[j] = kMax ? (acc[j] > v ? acc[j] : v) : acc[j] + v;
                }
              }
            }
          }
          for (int32_t j = 0; j < len; ++j) {
            int32_t v = acc[j];
            if (!kMax) {
              if (count == 0) continue;  // excluded by pool_check
              v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
            }
            o[(c0 + j - r.c_begin) * out.stride_c] = sat_s8(v, p.act_min, p.act_max);
          }
        }
      }
    }
  }
  return KernelStatus::Ok;
}

}  // namespace

KernelStatus avg_pool_s8(const PoolParams& p, const KernelIO& io, OutRange r) { return pool<false>(p, io, r); }
KernelStatus max_pool_s8(const PoolParams& p, const KernelIO& io, OutRange r) { return pool<true>(p, io, r); }

}  // namespace kern
}  // namespace tinyops
