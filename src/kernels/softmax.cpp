// SOFTMAX int8 -> int8 over the last dimension (output scale 1/256, zero point -128), TFLite's
// fixed-point path: exp of the rescaled difference to the row maximum in Q5.26 -> Q0.31, sum in Q12.19,
// fixed-point reciprocal, rounding shift to 8 bits. Rows are independent: partition by rows only.
#include "kernels/fixedpoint.h"
#include "kernels/internal.h"

namespace tinyops {
namespace kern {

KernelStatus softmax_s8(const SoftmaxParams& p, const KernelIO& io, OutRange r) {
  const AnyView& iv = io.in[0];
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full;
  if (is.n != os.n || is.h != os.h || is.w != os.w || is.c != os.c) return KernelStatus::BadArgs;
  if (r.c_begin != 0 || r.c_end != os.c) return KernelStatus::BadRange;
  if (!out_ok(ov, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  if (!view_has(iv, ElemType::Int8, 0, os.n, r.y_begin, r.y_end, 0, os.w, 0, os.c)) return KernelStatus::BadView;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  const int32_t depth = os.c;
  // The exp term only depends on the difference d in [-255, 0].
  auto exp_term = [&p](int32_t d) {
    return p.exp_lut ? p.exp_lut[-d] : fp::softmax_exp_term(d, p.input_multiplier, p.input_left_shift);
  };
  for (int32_t n = 0; n < os.n; ++n)
    for (int32_t y = r.y_begin; y < r.y_end; ++y)
      for (int32_t x = 0; x < os.w; ++x) {
        const int8_t* s = in.at(n, y, x, 0);
        int8_t* d = out.at(n, y, x, 0);
        int32_t max_in_row = INT8_MIN;
        for (int32_t c = 0; c < depth; ++c) max_in_row = max_i32(max_in_row, s[c * in.stride_c]);
        int32_t sum_of_exps = 0;  // Q12
        for (int32_t c = 0; c < depth; ++c) {
          const int32_t diff = s[c * in.stride_c] - max_in_row;
          if (diff >= p.diff_min) sum_of_exps += rounding_divide_by_pot(exp_term(diff), 12);
        }
        int num_bits_over_unit = 0;
        const int32_t shifted_scale = fp::get_reciprocal(sum_of_exps, 12, &num_bits_over_unit);
        const int exponent = num_bits_over_unit + 31 - 8;
        for (int32_t c = 0; c < depth; ++c) {
          const int32_t diff = s[c * in.stride_c] - max_in_row;
          int32_t v = INT8_MIN;
          if (diff >= p.diff_min) {
            const int32_t unsat = rounding_divide_by_pot(fp::mul(shifted_scale, exp_term(diff)), exponent);
            v = clamp_i32(unsat + INT8_MIN, INT8_MIN, INT8_MAX);
          }
          d[c * out.stride_c] = static_cast<int8_t>(v);
        }
      }
  return KernelStatus::Ok;
}

}  // namespace kern
}  // namespace tinyops
