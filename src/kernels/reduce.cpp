// MEAN over H and W of a 4-D int8 tensor (output [N,1,1,C]), TFLite Micro's integer path: the sum of
// the window minus zero_point * count, requantized with multiply_by_quantized_multiplier using a
// multiplier into which 1/count has been folded on the host (see prepare.cpp).
#include "kernels/internal.h"

namespace tinyops {
namespace kern {

KernelStatus mean_s8(const MeanParams& p, const KernelIO& io, OutRange r) {
  const AnyView& iv = io.in[0];
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full;
  if (os.n != is.n || os.h != 1 || os.w != 1 || os.c != is.c || p.num_elements != is.h * is.w) return KernelStatus::BadArgs;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  if (!view_has(iv, ElemType::Int8, 0, is.n, 0, is.h, 0, is.w, r.c_begin, r.c_end)) return KernelStatus::BadView;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  constexpr int32_t kChunk = 128;
  int32_t acc[kChunk];
  for (int32_t n = 0; n < os.n; ++n)
    for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kChunk) {
      const int32_t len = min_i32(kChunk, r.c_end - c0);
      for (int32_t j = 0; j < len; ++j) acc[j] = 0;
      for (int32_t y = 0; y < is.h; ++y)
        for (int32_t x = 0; x < is.w; ++x) {
          const int8_t* s = in.at(n, y, x, c0);
          for (int32_t j = 0; j < len; ++j) acc[j] += s[j * in.stride_c];
        }
      int8_t* d = out.at(n, 0, 0, c0);
      for (int32_t j = 0; j < len; ++j) {
        int32_t v;
        if (p.requantize) {
          const int32_t shifted = acc[j] - p.input_zero_point * p.num_elements;
          v = multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift) + p.output_zero_point;
        } else {
          // Same quantization in and out: the plain integer average (truncating division).
          v = acc[j] / p.num_elements;
        }
        d[j * out.stride_c] = sat_s8(v, p.act_min, p.act_max);
      }
    }
  return KernelStatus::Ok;
}

}  // namespace kern
}  // namespace tinyops
