// Fixed-point math of TFLite's int8 activation kernels (gemmlowp-style Q formats), written from the
// arithmetic TFLite specifies: exp on negative values, 1/(1+x), logistic, the softmax reciprocal, and the
// int16 steps of the quantized hard-swish. A value "Qk" has k integer bits and 31-k fractional bits in an
// int32. Portable, no heap; used by the softmax kernel and by host prepare to build exact tables.
#pragma once
#include <stdint.h>

#include "kernels/quant.h"

namespace tinyops {
namespace fp {

inline int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrap_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

// x * 2^exponent: saturating for exponent > 0, rounding for exponent < 0.
inline int32_t saturating_rounding_mul_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((1ll << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// Changes the integer bits of a raw value from src_bits to dst_bits.
inline int32_t rescale(int32_t raw, int src_bits, int dst_bits) {
  return saturating_rounding_mul_by_pot(raw, src_bits - dst_bits);
}

// exp(a) for a in [-1/4, 0), Q0 in and out.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;      // exp(-1/8)
  const int32_t constant_1_over_3 = 715827883;   // 1/3
  const int32_t x = wrap_add(a, 1 << 28);        // a + 1/8
  const int32_t x2 = mul(x, x);
  const int32_t x3 = mul(x2, x);
  const int32_t x4 = mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly = rounding_divide_by_pot(wrap_add(mul(wrap_add(x4_over_4, x3), constant_1_over_3), x2), 1);
  return wrap_add(constant_term, mul(constant_term, wrap_add(x, poly)));
}

// exp(a) for a <= 0 given in Q(integer_bits); result Q0.
inline int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = static_cast<int32_t>(1) << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = wrap_sub(a & mask, one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const int32_t remainder = wrap_sub(a_mod_quarter_minus_one_quarter, a);
  // exp(-2^e) for e = -2 .. 4, applied for each set bit of the remainder.
  static const int32_t kMultipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int e = -2; e <= 4; ++e) {
    if (integer_bits > e) {
      const int shift = fractional_bits + e;
      if (remainder & (static_cast<int32_t>(1) << shift)) result = mul(result, kMultipliers[e + 2]);
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -(static_cast<int32_t>(1) << (36 - integer_bits));  // -32.0
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;  // one
  return result;
}

// 1 / (1 + a) for a in [0, 1), Q0 in and out (Newton-Raphson, 3 iterations).
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = static_cast<int64_t>(a) + INT32_MAX;
  const int32_t half_denominator = static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);  // Q0
  const int32_t constant_48_over_17 = 1515870810;      // Q2
  const int32_t constant_neg_32_over_17 = -1010580540;  // Q2
  int32_t x = wrap_add(constant_48_over_17, mul(half_denominator, constant_neg_32_over_17));  // Q2
  const int32_t one_q2 = static_cast<int32_t>(1) << 29;
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = mul(half_denominator, x);               // Q2
    const int32_t one_minus_half_denominator_times_x = wrap_sub(one_q2, half_denominator_times_x);
    x = wrap_add(x, rescale(mul(x, one_minus_half_denominator_times_x), 4, 2));     // Q4 -> Q2
  }
  return rescale(x, 1, 0);  // x / 2 as Q1, then to Q0
}

// logistic(a) with a in Q(integer_bits); result Q0.
inline int32_t logistic(int32_t a, int integer_bits) {
  const bool positive = a > 0;
  const int32_t abs_a = positive ? a : wrap_sub(0, a);
  const int32_t result_if_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap_sub(0, abs_a), integer_bits));
  const int32_t result_if_negative = wrap_sub(INT32_MAX, result_if_positive);
  if (a == 0) return 1 << 30;
  return positive ? result_if_positive : result_if_negative;
}

inline int count_leading_zeros_u32(uint32_t x) {
  if (x == 0) return 32;
  int n = 0;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

// 1/x for x > 0 in Q(x_integer_digits): returns the Q0 reciprocal of x normalised to [1, 2) and the
// number of bits x exceeds one by.
inline int32_t get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros_u32(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const int32_t shifted_sum_minus_one =
      static_cast<int32_t>((static_cast<uint32_t>(x) << headroom_plus_one) - (static_cast<uint32_t>(1) << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

// ---- int16 steps (hard-swish) ----

inline int16_t srdhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int16_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// Truncating (not rounding) doubling high multiply.
inline int16_t sdhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  return static_cast<int16_t>(ab / (1 << 15));
}

inline int16_t rounding_divide_by_pot16(int16_t x, int exponent) {
  const int16_t mask = static_cast<int16_t>((1ll << exponent) - 1);
  const int16_t remainder = static_cast<int16_t>(x & mask);
  const int16_t threshold = static_cast<int16_t>((mask >> 1) + ((x < 0) ? 1 : 0));
  return static_cast<int16_t>((x >> exponent) + ((remainder > threshold) ? 1 : 0));
}

inline int16_t saturating_left_shift16(int16_t value, int amount) {
  int64_t r = static_cast<int64_t>(value) * (1 << amount);
  if (r > INT16_MAX) r = INT16_MAX;
  if (r < INT16_MIN) r = INT16_MIN;
  return static_cast<int16_t>(r);
}

// ---- per-element int8 activation functions (TFLite's exact integer paths) ----

struct LogisticS8Params {
  int32_t input_zero_point;
  int32_t input_range_radius;
  int32_t input_multiplier;
  int32_t input_left_shift;
};

inline int8_t logistic_s8(int8_t x, const LogisticS8Params& p) {
  const int32_t input = static_cast<int32_t>(x) - p.input_zero_point;
  if (input <= -p.input_range_radius) return INT8_MIN;
  if (input >= p.input_range_radius) return INT8_MAX;
  const int32_t input_in_q4 = multiply_by_quantized_multiplier(input, p.input_multiplier, p.input_left_shift);
  const int32_t output_in_q0 = logistic(input_in_q4, 4);
  int32_t out = rounding_divide_by_pot(output_in_q0, 31 - 8) - 128;
  return static_cast<int8_t>(clamp_i32(out, INT8_MIN, INT8_MAX));
}

struct HardSwishS8Params {
  int32_t input_zero_point, output_zero_point;
  int16_t reluish_multiplier_fixedpoint_int16;
  int32_t reluish_multiplier_exponent;
  int16_t output_multiplier_fixedpoint_int16;
  int32_t output_multiplier_exponent;
};

inline int8_t hard_swish_s8(int8_t x, const HardSwishS8Params& p) {
  const int16_t input_value = static_cast<int16_t>(x - p.input_zero_point);
  const int16_t hires = static_cast<int16_t>(input_value * (1 << 7));
  const int16_t preshift_output_scale = srdhm16(hires, p.output_multiplier_fixedpoint_int16);
  int16_t reluish = hires;
  if (p.reluish_multiplier_exponent > 0) reluish = saturating_left_shift16(reluish, p.reluish_multiplier_exponent - 1);
  reluish = srdhm16(reluish, p.reluish_multiplier_fixedpoint_int16);
  if (p.reluish_multiplier_exponent > 0) reluish = saturating_left_shift16(reluish, 1);
  if (p.reluish_multiplier_exponent < 0) reluish = rounding_divide_by_pot16(reluish, -p.reluish_multiplier_exponent);
  reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
  const int16_t preshift_output_value = sdhm16(reluish, preshift_output_scale);
  int16_t out = rounding_divide_by_pot16(preshift_output_value, -p.output_multiplier_exponent);
  out = static_cast<int16_t>(out + p.output_zero_point);
  if (out > INT8_MAX) out = INT8_MAX;
  if (out < INT8_MIN) out = INT8_MIN;
  return static_cast<int8_t>(out);
}

// Softmax exp term for an input difference d = x - max(row) <= 0 (Q0 result); only used when
// d >= diff_min.
inline int32_t softmax_exp_term(int32_t d, int32_t input_multiplier, int32_t input_left_shift) {
  const int32_t rescaled = saturating_rounding_doubling_high_mul(
      static_cast<int32_t>(static_cast<uint32_t>(d) << input_left_shift), input_multiplier);
  return exp_on_negative_values(rescaled, 5);
}

}  // namespace fp
}  // namespace tinyops
