// Shared helpers of the kernel families (not part of the public interface).
#pragma once
#include <stdint.h>

#include "kernels/kernel.h"
#include "kernels/quant.h"

namespace tinyops {
namespace kern {

inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

// True when v has element type t and its present box contains [n0,n1) x [y0,y1) x [x0,x1) x [c0,c1)
// (an empty box is always contained).
inline bool view_has(const AnyView& v, ElemType t, int32_t n0, int32_t n1, int32_t y0, int32_t y1, int32_t x0,
                     int32_t x1, int32_t c0, int32_t c1) {
  if (v.type != t) return false;
  if (n0 >= n1 || y0 >= y1 || x0 >= x1 || c0 >= c1) return true;
  if (v.data == nullptr) return false;
  return n0 >= v.n0 && n1 <= v.n0 + v.n && y0 >= v.y0 && y1 <= v.y0 + v.h && x0 >= v.x0 && x1 <= v.x0 + v.w &&
         c0 >= v.c0 && c1 <= v.c0 + v.c;
}

// Range inside the output tensor (empty ranges are valid and compute nothing).
inline bool range_ok(const OutRange& r, const Shape4& out) {
  return r.y_begin >= 0 && r.y_begin <= r.y_end && r.y_end <= out.h && r.c_begin >= 0 && r.c_begin <= r.c_end &&
         r.c_end <= out.c;
}
inline bool range_empty(const OutRange& r) { return r.y_begin == r.y_end || r.c_begin == r.c_end; }

// Output view must hold every batch, the range's rows, every column and the range's channels.
inline bool out_ok(const AnyView& out, ElemType t, const OutRange& r) {
  return view_has(out, t, 0, out.full.n, r.y_begin, r.y_end, 0, out.full.w, r.c_begin, r.c_end);
}

inline int8_t sat_s8(int32_t v, int32_t lo, int32_t hi) { return static_cast<int8_t>(clamp_i32(v, lo, hi)); }

#if defined(__GNUC__)
#define TINYOPS_INLINE inline __attribute__((always_inline))
#else
#define TINYOPS_INLINE inline
#endif

// Host builds only (x86-64 Linux, GCC): a kernel compiled twice from the same C source, for AVX2 and for
// the baseline ISA, chosen at load time by the CPU. Results are bit-identical (integer arithmetic only).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(TINYOPS_NO_CLONES) && !defined(__SANITIZE_ADDRESS__)
#define TINYOPS_HOT __attribute__((target_clones("avx2", "default")))
#else
#define TINYOPS_HOT
#endif

// multiply_by_quantized_multiplier (quant.h) written branch-free so that loops over it vectorise:
// identical results for every input (shift in [-31, 30]).
TINYOPS_INLINE int32_t mbqm(int32_t acc, int32_t m, int32_t shift) {
  const int32_t ls = shift > 0 ? shift : 0, rs = shift > 0 ? 0 : -shift;
  const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(acc) << ls);
  const int64_t ab = static_cast<int64_t>(x) * static_cast<int64_t>(m);
  const int64_t t = ab + (ab >= 0 ? (1ll << 30) : (1 - (1ll << 30)));
  int32_t h = static_cast<int32_t>((t + (t < 0 ? ((1ll << 31) - 1) : 0)) >> 31);  // t / 2^31, toward zero
  h = (x == m && x == INT32_MIN) ? INT32_MAX : h;
  const int32_t mask = static_cast<int32_t>((1u << rs) - 1u);
  const int32_t rem = h & mask;
  const int32_t th = (mask >> 1) + (h < 0 ? 1 : 0);
  return (h >> rs) + (rem > th ? 1 : 0);
}

// out[j * out_step] = clamp(mbqm(acc[j], mult[j], shift[j]) + offset, lo, hi)  for j < n.
TINYOPS_INLINE void requant_block(const int32_t* __restrict acc, const int32_t* __restrict mult,
                                  const int32_t* __restrict shift, int32_t n, int32_t offset, int32_t lo, int32_t hi,
                                  int8_t* __restrict out, int32_t out_step) {
  if (out_step == 1) {
    for (int32_t j = 0; j < n; ++j) {
      int32_t v = mbqm(acc[j], mult[j], shift[j]) + offset;
      v = v < lo ? lo : (v > hi ? hi : v);
      out[j] = static_cast<int8_t>(v);
    }
    return;
  }
  for (int32_t j = 0; j < n; ++j) out[j * out_step] = sat_s8(mbqm(acc[j], mult[j], shift[j]) + offset, lo, hi);
}

// Family entry points (each in its own source file).
KernelStatus conv2d_s8(const ConvParams& p, const KernelIO& io, OutRange r, void* scratch, int32_t scratch_bytes);
int32_t conv2d_s8_scratch_bytes(const ConvParams& p, const KernelIO& io);
KernelStatus depthwise_conv2d_s8(const ConvParams& p, const KernelIO& io, OutRange r);
KernelStatus fully_connected_s8(const ConvParams& p, const KernelIO& io, OutRange r);
// FULLY_CONNECTED's argument and view checks, shared by fully_connected_s8 and the Arm fast paths:
// BadArgs, BadView, or Ok (an empty range is Ok without looking at the input and weight views).
KernelStatus fully_connected_check(const ConvParams& p, const KernelIO& io, OutRange r);
KernelStatus avg_pool_s8(const PoolParams& p, const KernelIO& io, OutRange r);
KernelStatus max_pool_s8(const PoolParams& p, const KernelIO& io, OutRange r);
KernelStatus add_s8(const AddParams& p, const KernelIO& io, OutRange r);
KernelStatus mul_s8(const MulParams& p, const KernelIO& io, OutRange r);
KernelStatus mean_s8(const MeanParams& p, const KernelIO& io, OutRange r);
KernelStatus pad(const PadParams& p, const KernelIO& io, OutRange r);
KernelStatus transpose(const TransposeParams& p, const KernelIO& io, OutRange r);
KernelStatus concatenation(const ConcatParams& p, const KernelIO& io, OutRange r);
KernelStatus copy_reshape(const KernelIO& io, OutRange r);
KernelStatus softmax_s8(const SoftmaxParams& p, const KernelIO& io, OutRange r);
KernelStatus lut8(const LutParams& p, const KernelIO& io, OutRange r);
KernelStatus dequantize_lut(const LutParams& p, const KernelIO& io, OutRange r);
KernelStatus quantize_f32(const QuantizeParams& p, const KernelIO& io, OutRange r);

}  // namespace kern
}  // namespace tinyops
