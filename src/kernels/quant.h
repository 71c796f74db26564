// Fixed-point arithmetic of the TensorFlow Lite integer reference kernels
// (gemmlowp-style: saturating rounding doubling high multiply, rounding right shift).
#pragma once
#include <stdint.h>

namespace tinyops {

inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (1ll << 31));
}

// Round-half-away-from-zero division by 2^exponent (exponent in [0, 31]).
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((1ll << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
  return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

// x * multiplier * 2^shift with the reference kernels' double rounding; shift > 0 is a left shift.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift),
                                            multiplier),
      right_shift);
}

inline int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// A real multiplier m encoded as multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;
};

// Exactly TFLite's QuantizeMultiplier (frexp, round, renormalise on overflow, flush tiny values).
// Host-side (prepare) only: uses double precision math.
QuantizedMultiplier quantize_multiplier(double real_multiplier);

}  // namespace tinyops
