#include "kernels/quant.h"

#include <cmath>

namespace tinyops {

QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  QuantizedMultiplier q;
  if (real_multiplier == 0.0) return q;
  int shift = 0;
  const double fraction = std::frexp(real_multiplier, &shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(fraction * static_cast<double>(1ll << 31)));
  if (q_fixed == (1ll << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  q.multiplier = static_cast<int32_t>(q_fixed);
  q.shift = shift;
  return q;
}

}  // namespace tinyops
