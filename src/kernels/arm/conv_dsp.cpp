// Cortex-M DSP-extension paths (M4/M7 and other cores without Helium) for CONV_2D,
// DEPTHWISE_CONV_2D and FULLY_CONNECTED. Same arithmetic as the portable kernels (conv.cpp):
// acc = bias + sum (x + input_offset) * w, then TFLite's requantization; every byte identical.
//
// - int8 -> int16 pairs with SXTB16 / SXTAB16 (the input offset added by the same instruction), two
//   multiply-accumulates per SMLAD. Activations are widened once per output pixel into "SMLAD order"
//   (per group of four channels: (x0, x2), (x1, x3)), matching SXTB16 of a weight word and its ROR 8.
// - CONV_2D (1x1 and k x k): a GEMM over im2col patches; register block 2 output channels x 2 pixels,
//   the two pixels' patches interleaved in the kernel's scratch so one pointer walks both.
// - DEPTHWISE: 4 channels per word, weights widened once per call, SMLABB/SMLATT per tap; 3x3 interior
//   pixels fully unrolled.
// - Requantization: when a per-call bound proves |acc << left_shift| < 2^30, TFLite's doubling high
//   multiply is exactly SMMULR(2x, m) and the rounding shift is (h + 2^(rs-1) - (h < 0)) >> rs;
//   otherwise the general sequence. Outputs clamp with SSAT when the activation range is the int8 range.
#include "kernels/arm/arm_kernels.h"

#if defined(TINYOPS_ARM_KERNELS) && defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#include <string.h>

#include "kernels/internal.h"

namespace tinyops {
namespace kern {
namespace arm {

namespace {

typedef uint32_t __attribute__((may_alias)) word_t;               // 4-byte aligned word of int16 pairs
typedef uint32_t __attribute__((may_alias, aligned(1))) uword_t;  // unaligned word (LDR allows it)

TINYOPS_INLINE uint32_t load_u32(const void* p) { return *static_cast<const uword_t*>(p); }
TINYOPS_INLINE uint32_t pair16(int32_t v) { return static_cast<uint32_t>(static_cast<uint16_t>(v)) * 0x10001u; }

// SXTB16 / SXTAB16 with the rotation folded in (the ACLE intrinsics leave a separate ROR).
TINYOPS_INLINE int32_t sxtb16(uint32_t v) { return __sxtb16(static_cast<int32_t>(v)); }
TINYOPS_INLINE int32_t sxtb16_ror8(uint32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
TINYOPS_INLINE int32_t sxtab16(uint32_t a, uint32_t v) {
  return __sxtab16(static_cast<int32_t>(a), static_cast<int32_t>(v));
}
TINYOPS_INLINE int32_t sxtab16_ror8(uint32_t a, uint32_t v) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
  return r;
}
TINYOPS_INLINE int32_t smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

// ---- requantization ----

// One channel's multiplier and shift, split once.
struct RQ {
  int32_t m;
  int32_t ls1;   // max(shift, 0) + 1
  int32_t rs;    // max(-shift, 0)
  int32_t c1;    // rs ? 2^(rs-1) : 0
  int32_t nm;    // rs ? -1 : 0
  int32_t mask;  // 2^rs - 1
};
TINYOPS_INLINE RQ make_rq(int32_t m, int32_t shift) {
  RQ q;
  q.m = m;
  q.ls1 = (shift & ~(shift >> 31)) + 1;
  q.rs = -shift & (shift >> 31);
  q.mask = static_cast<int32_t>((1u << q.rs) - 1u);
  q.c1 = q.rs ? static_cast<int32_t>(1u << (q.rs - 1)) : 0;
  q.nm = q.rs ? -1 : 0;
  return q;
}

// multiply_by_quantized_multiplier (TFLite, = mbqm in internal.h) for m != INT32_MIN. TFLite's nudged,
// truncating doubling high multiply (x*m + (x*m >= 0 ? 2^30 : 1 - 2^30)) / 2^31 equals
// floor((x*m + 2^30) / 2^31) for either sign of x*m (MCUNet has negative multipliers).
// Fast (caller proved |acc << ls| < 2^30): that is SMMULR(2x, m) = h, |h| <= |x| + 1, and TFLite's
// RoundingDivideByPOT(h, rs) is (h + 2^(rs-1) - (h < 0)) >> rs for rs >= 1 (h for rs = 0), no overflow.
// General: the same floor in 64 bits, then RoundingDivideByPOT as TFLite writes it.
template <bool Fast>
TINYOPS_INLINE int32_t rq(int32_t acc, const RQ& q) {
  if (Fast) {
    int32_t h = smmulr(static_cast<int32_t>(static_cast<uint32_t>(acc) << q.ls1), q.m);
    h += (h >> 31) & q.nm;
    return (h + q.c1) >> q.rs;
  }
  const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(acc) << (q.ls1 - 1));
  const int32_t h = static_cast<int32_t>((static_cast<int64_t>(x) * q.m + (1ll << 30)) >> 31);
  const int32_t th = (q.mask >> 1) + static_cast<int32_t>(static_cast<uint32_t>(h) >> 31);
  return (h >> q.rs) + ((h & q.mask) > th ? 1 : 0);
}

// Output byte: clamp(requantized + offset, lo, hi); FullRange: [lo, hi] is [-128, 127] (one SSAT).
struct OutQ {
  int32_t off, lo, hi;
};
template <bool Fast, bool FullRange>
TINYOPS_INLINE int8_t out_byte(int32_t acc, const RQ& q, const OutQ& o) {
  int32_t v = rq<Fast>(acc, q) + o.off;
  if (FullRange) return static_cast<int8_t>(__ssat(v, 8));
  v = v < o.lo ? o.lo : v;
  v = v > o.hi ? o.hi : v;
  return static_cast<int8_t>(v);
}

// The range's requantization parameters in one pass per call: what the checks below need.
struct ReqScan {
  uint32_t maxb;       // max |bias| (0 without biases)
  int32_t smin, smax;  // extremes of the shifts
  bool mult_ok;        // no INT32_MIN multiplier
};
ReqScan scan_requant(const ConvParams& p, const OutRange& r) {
  const int32_t n = r.c_end - r.c_begin;
  const int32_t* sh = p.shift + r.c_begin;
  const int32_t* mu = p.multiplier + r.c_begin;
  int32_t smin = INT32_MAX, smax = INT32_MIN, mmin = INT32_MAX;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t v = sh[i], m = mu[i];
    smin = v < smin ? v : smin;
    smax = v > smax ? v : smax;
    mmin = m < mmin ? m : mmin;
  }
  uint32_t maxb = 0;
  if (p.bias) {
    const int32_t* b = p.bias + r.c_begin;
    for (int32_t i = 0; i < n; ++i) {
      const uint32_t a = b[i] < 0 ? 0u - static_cast<uint32_t>(b[i]) : static_cast<uint32_t>(b[i]);
      maxb = a > maxb ? a : maxb;
    }
  }
  return ReqScan{maxb, smin, smax, mmin != INT32_MIN};
}

// The requantization below equals TFLite's except for the saturating case x = m = INT32_MIN.
TINYOPS_INLINE bool multipliers_ok(const ReqScan& s) { return s.mult_ok; }

// True when every accumulator of the range, shifted left by its channel's left shift, stays below
// 2^30 in magnitude (|acc| <= max|bias| + taps * (128 + |input_offset|) * 128) and every right shift
// is at most 31.
bool fast_requant_ok(const ReqScan& s, const ConvParams& p, int64_t taps) {
  if (s.smax > 30 || s.smin < -31) return false;
  const int32_t ls = s.smax > 0 ? s.smax : 0;
  const int64_t off = p.input_offset < 0 ? -p.input_offset : p.input_offset;
  const int64_t bound = static_cast<int64_t>(s.maxb) + taps * (128 + off) * 128;
  return (bound << ls) < (int64_t{1} << 30);
}

// ---- widening ----

// n int8 values (n % 4 == 0) -> int16 (x + off) in SMLAD order; each group's two words go to dst[0],
// dst[1], then dst advances by `step` words (2: one patch, 4: two interleaved patches).
// Two groups per asm iteration (2 LDR, 4 SXTAB16, 2 STRD: 6 instructions per group, against 8 for the
// compiled loop); Step words between groups, src any alignment, dst word-aligned.
template <int Step>
TINYOPS_INLINE word_t* widen_pairs(const int8_t* src, int32_t pairs, uint32_t off2, word_t* dst) {
  uint32_t v0, v1, t0, t1;
  __asm__ volatile(
      "1:\n\t"
      "ldr    %[v0], [%[src]], #4\n\t"
      "ldr    %[v1], [%[src]], #4\n\t"
      "sxtab16 %[t0], %[off2], %[v0]\n\t"
      "sxtab16 %[t1], %[off2], %[v0], ror #8\n\t"
      "strd   %[t0], %[t1], [%[dst]], %[st]\n\t"
      "sxtab16 %[t0], %[off2], %[v1]\n\t"
      "sxtab16 %[t1], %[off2], %[v1], ror #8\n\t"
      "strd   %[t0], %[t1], [%[dst]], %[st]\n\t"
      "subs   %[n], %[n], #1\n\t"
      "bne    1b\n\t"
      : [src] "+r"(src), [dst] "+r"(dst), [n] "+r"(pairs), [v0] "=&r"(v0), [v1] "=&r"(v1), [t0] "=&r"(t0),
        [t1] "=&r"(t1)
      : [off2] "r"(off2), [st] "i"(4 * Step)
      : "cc", "memory");
  return dst;
}

TINYOPS_INLINE word_t* widen(const int8_t* __restrict src, int32_t n, uint32_t off2, word_t* __restrict dst,
                             int32_t step) {
  if (n >= 8) {
    const int32_t pairs = n >> 3;
    dst = step == 4 ? widen_pairs<4>(src, pairs, off2, dst) : widen_pairs<2>(src, pairs, off2, dst);
    src += pairs * 8;
  }
  if (n & 4) {
    const uint32_t v = load_u32(src);
    dst[0] = static_cast<uint32_t>(sxtab16(off2, v));
    dst[1] = static_cast<uint32_t>(sxtab16_ror8(off2, v));
    dst += step;
  }
  return dst;
}

TINYOPS_INLINE word_t* zero_groups(word_t* dst, int32_t groups, int32_t step) {
  for (int32_t i = 0; i < groups; ++i, dst += step) dst[0] = dst[1] = 0;
  return dst;
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

// One pixel's im2col patch (taps x IC, x + input_offset, 0 in the padding) in SMLAD order, IC % 4 == 0;
// group stride `step` words (4 interleaves two patches: the second starts at dst + 2).
void im2col_groups(const View4<const int8_t>& in, const ConvParams& p, int32_t n, int32_t iy0, int32_t ix0,
                   int32_t IC, word_t* dst, int32_t step) {
  const int32_t KH = p.filter_h, KW = p.filter_w, G = IC / 4;
  int32_t ky0, ky1, kx0, kx1;
  valid_taps(iy0, p.dilation_h, KH, in.full.h, &ky0, &ky1);
  valid_taps(ix0, p.dilation_w, KW, in.full.w, &kx0, &kx1);
  const uint32_t off2 = pair16(p.input_offset);
  const bool row_contig = p.dilation_w == 1 && in.stride_w == IC;
  for (int32_t ky = 0; ky < KH; ++ky) {
    if (ky < ky0 || ky >= ky1) {
      dst = zero_groups(dst, KW * G, step);
      continue;
    }
    const int32_t iy = iy0 + ky * p.dilation_h;
    dst = zero_groups(dst, kx0 * G, step);
    if (row_contig) {
      dst = widen(in.at(n, iy, ix0 + kx0, 0), (kx1 - kx0) * IC, off2, dst, step);
    } else {
      for (int32_t kx = kx0; kx < kx1; ++kx) dst = widen(in.at(n, iy, ix0 + kx * p.dilation_w, 0), IC, off2, dst, step);
    }
    dst = zero_groups(dst, (KW - kx1) * G, step);
  }
}

// Any IC: natural int16 patch, then reordered in place (groups of four; the tail K % 4 stays natural).
void im2col_any(const View4<const int8_t>& in, const ConvParams& p, int32_t n, int32_t iy0, int32_t ix0, int32_t IC,
                int16_t* dst) {
  const int32_t KH = p.filter_h, KW = p.filter_w;
  int32_t ky0, ky1, kx0, kx1;
  valid_taps(iy0, p.dilation_h, KH, in.full.h, &ky0, &ky1);
  valid_taps(ix0, p.dilation_w, KW, in.full.w, &kx0, &kx1);
  const int16_t off = static_cast<int16_t>(p.input_offset);
  for (int32_t ky = 0; ky < KH; ++ky) {
    const bool vy = ky >= ky0 && ky < ky1;
    const int32_t iy = iy0 + ky * p.dilation_h;
    for (int32_t kx = 0; kx < KW; ++kx) {
      int16_t* d = dst + (ky * KW + kx) * IC;
      if (!vy || kx < kx0 || kx >= kx1) {
        for (int32_t i = 0; i < IC; ++i) d[i] = 0;
        continue;
      }
      const int8_t* s = in.at(n, iy, ix0 + kx * p.dilation_w, 0);
      for (int32_t i = 0; i < IC; ++i) d[i] = static_cast<int16_t>(s[i] + off);
    }
  }
  word_t* q = reinterpret_cast<word_t*>(dst);
  for (int32_t i = 0; i + 4 <= KH * KW * IC; i += 4, q += 2) {
    const uint32_t a = q[0], b = q[1];  // a = (x0, x1), b = (x2, x3)
    q[0] = (a & 0xFFFFu) | (b << 16);
    q[1] = (a >> 16) | (b & 0xFFFF0000u);
  }
}

// ---- dot products ----

// Two channels x two interleaved pixels: s = {ch0 px0, ch0 px1, ch1 px0, ch1 px1}; groups >= 1.
// Per group of four: 2 word loads of weights, 4 SXTB16, 2 LDRD of the pixels, 8 SMLAD (16 MACs); the
// loop runs two groups per iteration (one group first when the count is odd).
#define TINYOPS_DOT2X2_GROUP                      \
  "ldr    %[v0], [%[w0]], #4\n\t"                \
  "ldr    %[v1], [%[w1]], #4\n\t"                \
  "ldrd   %[a0], %[a1], [%[x]], #8\n\t"          \
  "sxtb16 %[t0], %[v0]\n\t"                      \
  "sxtb16 %[v0], %[v0], ror #8\n\t"              \
  "sxtb16 %[t1], %[v1]\n\t"                      \
  "sxtb16 %[v1], %[v1], ror #8\n\t"              \
  "smlad  %[s00], %[a0], %[t0], %[s00]\n\t"      \
  "smlad  %[s00], %[a1], %[v0], %[s00]\n\t"      \
  "smlad  %[s10], %[a0], %[t1], %[s10]\n\t"      \
  "smlad  %[s10], %[a1], %[v1], %[s10]\n\t"      \
  "ldrd   %[a0], %[a1], [%[x]], #8\n\t"          \
  "smlad  %[s01], %[a0], %[t0], %[s01]\n\t"      \
  "smlad  %[s01], %[a1], %[v0], %[s01]\n\t"      \
  "smlad  %[s11], %[a0], %[t1], %[s11]\n\t"      \
  "smlad  %[s11], %[a1], %[v1], %[s11]\n\t"
TINYOPS_INLINE void dot2x2(const word_t* x, const int8_t* w0, const int8_t* w1, int32_t groups, int32_t* s) {
  int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];
  uint32_t v0, v1, t0, t1, a0, a1;
  __asm__ volatile(
      "tst    %[n], #1\n\t"
      "beq    2f\n\t"
      TINYOPS_DOT2X2_GROUP
      "subs   %[n], %[n], #1\n\t"
      "beq    3f\n\t"
      "2:\n\t"
      TINYOPS_DOT2X2_GROUP
      TINYOPS_DOT2X2_GROUP
      "subs   %[n], %[n], #2\n\t"
      "bne    2b\n\t"
      "3:\n\t"
      : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), [x] "+r"(x), [w0] "+r"(w0),
        [w1] "+r"(w1), [n] "+r"(groups), [v0] "=&r"(v0), [v1] "=&r"(v1), [t0] "=&r"(t0), [t1] "=&r"(t1),
        [a0] "=&r"(a0), [a1] "=&r"(a1)
      :
      : "cc", "memory");
  s[0] = s00, s[1] = s01, s[2] = s10, s[3] = s11;
}
#undef TINYOPS_DOT2X2_GROUP

// One channel x two interleaved pixels (an odd last channel): s = {px0, px1}; groups >= 1.
// Per group: 1 weight load, 2 SXTB16, 2 LDRD, 4 SMLAD (8 MACs).
TINYOPS_INLINE void dot1x2(const word_t* x, const int8_t* w0, int32_t groups, int32_t* s) {
  int32_t s00 = s[0], s01 = s[1];
  uint32_t v0, t0, a0, a1;
  __asm__ volatile(
      "1:\n\t"
      "ldr    %[v0], [%[w0]], #4\n\t"
      "ldrd   %[a0], %[a1], [%[x]], #8\n\t"
      "sxtb16 %[t0], %[v0]\n\t"
      "sxtb16 %[v0], %[v0], ror #8\n\t"
      "smlad  %[s00], %[a0], %[t0], %[s00]\n\t"
      "smlad  %[s00], %[a1], %[v0], %[s00]\n\t"
      "ldrd   %[a0], %[a1], [%[x]], #8\n\t"
      "smlad  %[s01], %[a0], %[t0], %[s01]\n\t"
      "smlad  %[s01], %[a1], %[v0], %[s01]\n\t"
      "subs   %[n], %[n], #1\n\t"
      "bne    1b\n\t"
      : [s00] "+r"(s00), [s01] "+r"(s01), [x] "+r"(x), [w0] "+r"(w0), [n] "+r"(groups), [v0] "=&r"(v0),
        [t0] "=&r"(t0), [a0] "=&r"(a0), [a1] "=&r"(a1)
      :
      : "cc", "memory");
  s[0] = s00, s[1] = s01;
}

// Two channels x one pixel (K any: groups in SMLAD order, then K % 4 natural int16).
TINYOPS_INLINE void dot2x1(const int16_t* __restrict xs, const int8_t* __restrict w0, const int8_t* __restrict w1,
                           int32_t K, int32_t* __restrict s) {
  const word_t* x = reinterpret_cast<const word_t*>(xs);
  int32_t s0 = s[0], s1 = s[1];
  for (int32_t g = K >> 2; g > 0; --g) {
    const uint32_t v0 = load_u32(w0), v1 = load_u32(w1);
    w0 += 4;
    w1 += 4;
    const int32_t a0 = static_cast<int32_t>(x[0]), a1 = static_cast<int32_t>(x[1]);
    x += 2;
    s0 = __smlad(a0, sxtb16(v0), s0);
    s0 = __smlad(a1, sxtb16_ror8(v0), s0);
    s1 = __smlad(a0, sxtb16(v1), s1);
    s1 = __smlad(a1, sxtb16_ror8(v1), s1);
  }
  const int16_t* t = xs + (K & ~3);
  for (int32_t k = 0; k < (K & 3); ++k) {
    s0 += t[k] * w0[k];
    s1 += t[k] * w1[k];
  }
  s[0] = s0, s[1] = s1;
}

// ---- CONV_2D ----

constexpr int32_t kChanChunk = 64;  // output channels per pass over the pixels (requant table size)

struct ChanParams {
  int32_t bias;
  RQ q;
  int32_t c1o;  // c1 + (output_offset << rs) (the Std form below)
  int32_t sq;   // 1: the Std form is exact for this channel (shift in [-22, -1], its own bound holds)
};

// K = taps of the dot product (the per-channel accumulator bound, as fast_requant_ok); Std: the whole
// call takes the Std form (sq unused).
template <bool Std>
TINYOPS_INLINE void set_chan(ChanParams* cp, const ConvParams& p, int32_t c, int32_t K) {
  cp->bias = p.bias ? p.bias[c] : 0;
  cp->q = make_rq(p.multiplier[c], p.shift[c]);
  cp->c1o = cp->q.c1 + static_cast<int32_t>(static_cast<uint32_t>(p.output_offset) << cp->q.rs);
  if (Std) return;
  const int64_t b = cp->bias < 0 ? -static_cast<int64_t>(cp->bias) : cp->bias;
  const int64_t off = p.input_offset < 0 ? -p.input_offset : p.input_offset;
  cp->sq = p.shift[c] <= -1 && p.shift[c] >= -22 && p.output_offset >= -128 && p.output_offset <= 127 &&
           b + K * (128 + off) * 128 < (int64_t{1} << 30);
}

// Std: the fast form when every shift of the range is in [-22, -1] (no left shift, rs >= 1): then
// (h + 2^(rs-1) - (h < 0)) >> rs + offset = (h + (h >> 31) + c1o) >> rs with |h| + |c1o| < 2^31.
bool std_requant_ok(const ReqScan& s, const ConvParams& p) {
  return s.smax <= -1 && s.smin >= -22 && p.output_offset >= -128 && p.output_offset <= 127;
}

// Doubled: acc is already 2x the accumulator (the fused depthwise runs double weights and biases).
template <bool Full, bool Doubled = false>
TINYOPS_INLINE int8_t out_std(int32_t acc, int32_t m, int32_t c1o, int32_t rs, const OutQ& o) {
  int32_t h = smmulr(Doubled ? acc : static_cast<int32_t>(static_cast<uint32_t>(acc) << 1), m);
  h += h >> 31;
  int32_t v = (h + c1o) >> rs;
  if (Full) return static_cast<int8_t>(__ssat(v, 8));
  v = v < o.lo ? o.lo : v;
  v = v > o.hi ? o.hi : v;
  return static_cast<int8_t>(v);
}

struct ConvCtx {
  const ConvParams* p;
  const int8_t* w;  // filter of the chunk's first output channel
  int32_t wn;       // bytes between consecutive output channels' filters
  int32_t K;
  int32_t nch;      // channels in the chunk
  int32_t ostep;    // output channel stride
  OutQ oq;
  const ChanParams* cp;  // [nch]
};

// The chunk's channels for two interleaved pixels.
template <bool Fast, bool Full, bool Std>
void conv_pair(const ConvCtx& c, const word_t* x, int8_t* oa, int8_t* ob) {
  const int8_t* w = c.w;
  const int32_t groups = c.K >> 2, s = c.ostep;
  const ChanParams* cp = c.cp;
  int32_t j = 0;
  for (; j + 2 <= c.nch; j += 2, w += 2 * c.wn, oa += 2 * s, ob += 2 * s, cp += 2) {
    int32_t acc[4] = {cp[0].bias, cp[0].bias, cp[1].bias, cp[1].bias};
    dot2x2(x, w, w + c.wn, groups, acc);
    if (Std) {
      const int32_t m0 = cp[0].q.m, k0 = cp[0].c1o, r0 = cp[0].q.rs;
      const int32_t m1 = cp[1].q.m, k1 = cp[1].c1o, r1 = cp[1].q.rs;
      oa[0] = out_std<Full>(acc[0], m0, k0, r0, c.oq);
      ob[0] = out_std<Full>(acc[1], m0, k0, r0, c.oq);
      oa[s] = out_std<Full>(acc[2], m1, k1, r1, c.oq);
      ob[s] = out_std<Full>(acc[3], m1, k1, r1, c.oq);
      continue;
    }
    // Not Std for the whole call: per channel (vww: channels with biases of 2^30 and shift -31 make the
    // per-call bound fail; the others still take the short form).
    for (int k = 0; k < 2; ++k) {
      if (cp[k].sq) {
        oa[k * s] = out_std<Full>(acc[2 * k], cp[k].q.m, cp[k].c1o, cp[k].q.rs, c.oq);
        ob[k * s] = out_std<Full>(acc[2 * k + 1], cp[k].q.m, cp[k].c1o, cp[k].q.rs, c.oq);
      } else {
        oa[k * s] = out_byte<Fast, Full>(acc[2 * k], cp[k].q, c.oq);
        ob[k * s] = out_byte<Fast, Full>(acc[2 * k + 1], cp[k].q, c.oq);
      }
    }
  }
  if (j < c.nch) {  // odd last channel
    int32_t acc[2] = {cp[0].bias, cp[0].bias};
    dot1x2(x, w, groups, acc);
    oa[0] = out_byte<Fast, Full>(acc[0], cp[0].q, c.oq);
    ob[0] = out_byte<Fast, Full>(acc[1], cp[0].q, c.oq);
  }
}

// The chunk's channels for one pixel (patch in SMLAD order, any K).
template <bool Fast, bool Full>
void conv_single(const ConvCtx& c, const int16_t* x, int8_t* o) {
  const int8_t* w = c.w;
  const int32_t s = c.ostep;
  const ChanParams* cp = c.cp;
  int32_t j = 0;
  for (; j + 2 <= c.nch; j += 2, w += 2 * c.wn, o += 2 * s, cp += 2) {
    int32_t acc[2] = {cp[0].bias, cp[1].bias};
    dot2x1(x, w, w + c.wn, c.K, acc);
    o[0] = out_byte<Fast, Full>(acc[0], cp[0].q, c.oq);
    o[s] = out_byte<Fast, Full>(acc[1], cp[1].q, c.oq);
  }
  if (j < c.nch) {
    int32_t acc[2] = {cp[0].bias, 0};
    dot2x1(x, w, w, c.K, acc);
    o[0] = out_byte<Fast, Full>(acc[0], cp[0].q, c.oq);
  }
}

// 1x1 convolutions with K = 4G input channels, G <= 2 (narrow first layers): per row chunk of up to 32
// pixels widened once into a stack buffer, then channel by channel with the channel's widened weights and
// requantization parameters in registers, pixel by pixel: G LDRD, 2G SMLAD, the Std requantization and a
// store per output. Requires the Std form (checked by the caller).
template <int G, bool Full>
__attribute__((noinline)) void pw_small(const ConvParams& p, const View4<const int8_t>& in, const View4<const int8_t>& wv,
                                        const View4<int8_t>& out, const OutRange& r) {
  constexpr int32_t kPx = 32;
  word_t xb[kPx * 2 * G];
  const uint32_t off2 = pair16(p.input_offset);
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  const int32_t OW = out.full.w, ow = out.stride_w;
  for (int32_t n = 0; n < out.full.n; ++n)
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int8_t* xrow = in.at(n, oy, 0, 0);
      for (int32_t ox0 = 0; ox0 < OW; ox0 += kPx) {
        const int32_t len = min_i32(kPx, OW - ox0);
        widen(xrow + ox0 * 4 * G, len * 4 * G, off2, xb, 2);
        int8_t* obase = out.at(n, oy, ox0, r.c_begin);
        for (int32_t c = r.c_begin; c < r.c_end; ++c, obase += out.stride_c) {
          const int8_t* wp = wv.at(c, 0, 0, 0);
          int32_t we[G], wo[G];
          word_t wb[2 * G];  // G > 2: widened weights reloaded per pixel (in registers they would spill)
          for (int g = 0; g < G; ++g) {
            const uint32_t v = load_u32(wp + 4 * g);
            we[g] = sxtb16(v);
            wo[g] = sxtb16_ror8(v);
            wb[2 * g] = static_cast<uint32_t>(we[g]);
            wb[2 * g + 1] = static_cast<uint32_t>(wo[g]);
          }
          const int32_t bias = p.bias ? p.bias[c] : 0;
          const RQ q = make_rq(p.multiplier[c], p.shift[c]);
          const int32_t m = q.m, rs = q.rs;
          const int32_t c1o = q.c1 + static_cast<int32_t>(static_cast<uint32_t>(p.output_offset) << rs);
          const word_t* xp = xb;
          int8_t* o = obase;
          for (int32_t i = 0; i < len; ++i, xp += 2 * G, o += ow) {
            int32_t acc = bias;
#pragma GCC unroll 4
            for (int g = 0; g < G; ++g) {
              uint32_t lo, hi;  // one LDRD (GCC splits word-aligned 64-bit loads)
              __asm__("ldrd %0, %1, [%2, %3]" : "=r"(lo), "=r"(hi) : "r"(xp), "i"(8 * g), "m"(*(xp + 2 * g)));
              if (G > 2) {
                uint32_t a, b;
                __asm__ volatile("ldrd %0, %1, [%2, %3]" : "=r"(a), "=r"(b) : "r"(wb), "i"(8 * g), "m"(wb[2 * g]));
                acc = __smlad(static_cast<int32_t>(lo), static_cast<int32_t>(a), acc);
                acc = __smlad(static_cast<int32_t>(hi), static_cast<int32_t>(b), acc);
                continue;
              }
              acc = __smlad(static_cast<int32_t>(lo), we[g], acc);
              acc = __smlad(static_cast<int32_t>(hi), wo[g], acc);
            }
            *o = out_std<Full>(acc, m, c1o, rs, oq);
          }
        }
      }
    }
}

template <bool Fast, bool Full, bool Std>
__attribute__((noinline)) void conv_rows(ConvCtx c, const View4<const int8_t>& in, const View4<const int8_t>& wv, const View4<int8_t>& out,
               const OutRange& r, void* scratch) {
  const ConvParams& p = *c.p;
  const int32_t OW = out.full.w, IC = in.full.c;
  word_t* xw = static_cast<word_t*>(scratch);
  int16_t* xs = static_cast<int16_t*>(scratch);
  ChanParams cp[kChanChunk];
  c.cp = cp;
  const bool pointwise = p.filter_h == 1 && p.filter_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
                         p.pad_left == 0 && (IC & 3) == 0 && in.stride_w == IC && in.full.w == OW;
  for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kChanChunk) {
    c.nch = min_i32(kChanChunk, r.c_end - c0);
    c.w = wv.at(c0, 0, 0, 0);
    for (int32_t j = 0; j < c.nch; ++j) set_chan<Std>(&cp[j], p, c0 + j, c.K);
    if (pointwise) {
      // 1x1, stride 1, no padding, pixels dense: widen each pixel's channels straight from the input.
      const uint32_t off2 = pair16(p.input_offset);
      // Rows dense in both input and output: the range's rows are one run of pixels (pairs across rows).
      const bool rows_dense = in.stride_h == OW * IC && out.stride_h == OW * out.stride_w;
      const int32_t nrows = rows_dense ? 1 : r.y_end - r.y_begin;
      const int32_t run = rows_dense ? (r.y_end - r.y_begin) * OW : OW, ostep = out.stride_w;
      for (int32_t n = 0; n < out.full.n; ++n) {
        for (int32_t oy = r.y_begin; oy < r.y_begin + nrows; ++oy) {
          const int8_t* x = in.at(n, oy, 0, 0);
          int8_t* o = out.at(n, oy, 0, c0);
          int32_t ox = 0;
          for (; ox + 2 <= run; ox += 2, x += 2 * IC, o += 2 * ostep) {
            widen(x, IC, off2, xw, 4);
            widen(x + IC, IC, off2, xw + 2, 4);
            conv_pair<Fast, Full, Std>(c, xw, o, o + ostep);
          }
          if (ox < run) {
            widen(x, IC, off2, xw, 2);
            conv_single<Fast, Full>(c, xs, o);
          }
        }
      }
      continue;
    }
    for (int32_t n = 0; n < out.full.n; ++n) {
      for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        int32_t ox = 0;
        if ((IC & 3) == 0) {
          for (; ox + 2 <= OW; ox += 2) {
            im2col_groups(in, p, n, iy0, ox * p.stride_w - p.pad_left, IC, xw, 4);
            im2col_groups(in, p, n, iy0, (ox + 1) * p.stride_w - p.pad_left, IC, xw + 2, 4);
            conv_pair<Fast, Full, Std>(c, xw, out.at(n, oy, ox, c0), out.at(n, oy, ox + 1, c0));
          }
          for (; ox < OW; ++ox) {
            im2col_groups(in, p, n, iy0, ox * p.stride_w - p.pad_left, IC, xw, 2);
            conv_single<Fast, Full>(c, xs, out.at(n, oy, ox, c0));
          }
        } else {
          for (; ox < OW; ++ox) {
            im2col_any(in, p, n, iy0, ox * p.stride_w - p.pad_left, IC, xs);
            conv_single<Fast, Full>(c, xs, out.at(n, oy, ox, c0));
          }
        }
      }
    }
  }
}


// ---- few input channels (CONV_2D with IC % 4 != 0, DEPTHWISE with one input channel) ----

// K = KH*KW*IC up to kSmallK: K is padded to K4 (multiple of 4) with zero weights, the chunk's weights are
// copied once into rows of K4 bytes, each pixel's patch is gathered as bytes (padding = -input_offset, 0
// after the offset) and widened once; then the same 2 channels x 2 pixels dot products as above. A
// depthwise op with one input channel is the convolution with K = KH*KW and weight (t, j) = w[t][j].
constexpr int32_t kSmallK = 48, kSmallChunk = 16;

// Short copies and fills: the empty asm keeps GCC from turning the loops into memcpy/memset calls
// (dozens of instructions for the 3..12 bytes copied here).
TINYOPS_INLINE int8_t* copy_bytes(int8_t* d, const int8_t* s, int32_t n) {
  for (; n >= 4; n -= 4, s += 4, d += 4) {
    *reinterpret_cast<uword_t*>(d) = load_u32(s);
    __asm__("" : "+r"(d));
  }
  for (; n > 0; --n) {
    *d++ = *s++;
    __asm__("" : "+r"(d));
  }
  return d;
}

TINYOPS_INLINE int8_t* fill_bytes(int8_t* d, int8_t v, int32_t n) {
  for (; n > 0; --n) {
    *d++ = v;
    __asm__("" : "+r"(d));
  }
  return d;
}

// The patch of the pixel whose window starts at (iy0, ix0): KH x KW taps x IC bytes, then pad bytes up to K4.
void gather_small(const View4<const int8_t>& in, const ConvParams& p, int32_t n, int32_t iy0, int32_t ix0, int32_t IC,
                  int32_t K4, int8_t padb, int8_t* dst) {
  const int32_t KH = p.filter_h, KW = p.filter_w;
  int32_t ky0, ky1, kx0, kx1;
  valid_taps(iy0, p.dilation_h, KH, in.full.h, &ky0, &ky1);
  valid_taps(ix0, p.dilation_w, KW, in.full.w, &kx0, &kx1);
  const bool row_contig = p.dilation_w == 1 && in.stride_w == IC;
  int8_t* d = dst;
  for (int32_t ky = 0; ky < KH; ++ky) {
    if (ky < ky0 || ky >= ky1) {
      d = fill_bytes(d, padb, KW * IC);
      continue;
    }
    const int32_t iy = iy0 + ky * p.dilation_h;
    d = fill_bytes(d, padb, kx0 * IC);
    if (row_contig) {
      d = copy_bytes(d, in.at(n, iy, ix0 + kx0, 0), (kx1 - kx0) * IC);
    } else {
      for (int32_t kx = kx0; kx < kx1; ++kx) d = copy_bytes(d, in.at(n, iy, ix0 + kx * p.dilation_w, 0), IC);
    }
    d = fill_bytes(d, padb, (KW - kx1) * IC);
  }
  fill_bytes(d, padb, K4 - KH * KW * IC);
}

// An interior pixel's patch: KH rows of L contiguous bytes, row step sh. The bytes from K to K4 keep their
// values (their weights are 0).
TINYOPS_INLINE void gather_rows(const int8_t* s, int32_t sh, int32_t KH, int32_t L, int8_t* d) {
  if (L == 9) {  // 3x3 taps x 3 channels (RGB first layers): two words and a byte per row
    for (int32_t ky = 0; ky < KH; ++ky, s += sh, d += 9) {
      *reinterpret_cast<uword_t*>(d) = load_u32(s);
      *reinterpret_cast<uword_t*>(d + 4) = load_u32(s + 4);
      d[8] = s[8];
    }
    return;
  }
  for (int32_t ky = 0; ky < KH; ++ky, s += sh) d = copy_bytes(d, s, L);
}

template <bool Fast, bool Full, bool Std>
__attribute__((noinline)) void conv_small(ConvCtx c, bool dw, const View4<const int8_t>& in,
                                          const View4<const int8_t>& wv, const View4<int8_t>& out, const OutRange& r) {
  const ConvParams& p = *c.p;
  const int32_t OW = out.full.w, IC = in.full.c, KH = p.filter_h, KW = p.filter_w;
  const int32_t K = KH * KW * IC, K4 = (K + 3) & ~3;
  alignas(4) int8_t wpad[kSmallChunk * kSmallK];
  alignas(4) int8_t pa[kSmallK], pb[kSmallK];
  word_t xw[kSmallK];  // two interleaved widened patches (K4 int16 each)
  ChanParams cp[kSmallChunk];
  c.cp = cp;
  c.w = wpad;
  c.wn = K4;
  c.K = K4;
  const uint32_t off2 = pair16(p.input_offset);
  const int8_t padb = static_cast<int8_t>(-p.input_offset);
  fill_bytes(pa, padb, K4);
  fill_bytes(pb, padb, K4);
  // Interior columns [ox_a, ox_b) (every tap inside the input), whole rows contiguous.
  const int32_t IW = in.full.w, IH = in.full.h, sx = p.stride_w * in.stride_w, L = KW * IC;
  const bool contig = p.dilation_w == 1 && in.stride_w == IC;
  const int32_t span_w = (KW - 1) * p.dilation_w;
  int32_t ox_a = min_i32((p.pad_left + p.stride_w - 1) / p.stride_w, OW);
  int32_t ox_b = IW - 1 - span_w + p.pad_left >= 0
                     ? max_i32(min_i32((IW - 1 - span_w + p.pad_left) / p.stride_w + 1, OW), ox_a)
                     : ox_a;
  if (!contig) ox_a = ox_b = OW;
  for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kSmallChunk) {
    c.nch = min_i32(kSmallChunk, r.c_end - c0);
    for (int32_t j = 0; j < c.nch; ++j) {
      set_chan<Std>(&cp[j], p, c0 + j, K4);
      int8_t* d = wpad + j * K4;
      for (int32_t t = 0; t < KH * KW; ++t)
        for (int32_t i = 0; i < IC; ++i)
          *d++ = dw ? *wv.at(0, t / KW, t % KW, c0 + j) : *wv.at(c0 + j, t / KW, t % KW, i);
      fill_bytes(d, 0, K4 - K);
    }
    for (int32_t n = 0; n < out.full.n; ++n) {
      for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        const bool rows_in = iy0 >= 0 && iy0 + (KH - 1) * p.dilation_h < IH;
        const int32_t a = rows_in ? ox_a : OW, b = rows_in ? ox_b : OW;
        const int32_t sh = in.stride_h * p.dilation_h;
        int32_t ox = 0;
        for (; ox + 2 <= OW; ox += 2) {
          if (ox >= a && ox + 1 < b) {
            const int8_t* src = in.at(n, iy0, ox * p.stride_w - p.pad_left, 0);
            gather_rows(src, sh, KH, L, pa);
            gather_rows(src + sx, sh, KH, L, pb);
          } else {
            gather_small(in, p, n, iy0, ox * p.stride_w - p.pad_left, IC, K4, padb, pa);
            gather_small(in, p, n, iy0, (ox + 1) * p.stride_w - p.pad_left, IC, K4, padb, pb);
          }
          widen(pa, K4, off2, xw, 4);
          widen(pb, K4, off2, xw + 2, 4);
          conv_pair<Fast, Full, Std>(c, xw, out.at(n, oy, ox, c0), out.at(n, oy, ox + 1, c0));
        }
        if (ox < OW) {
          gather_small(in, p, n, iy0, ox * p.stride_w - p.pad_left, IC, K4, padb, pa);
          widen(pa, K4, off2, xw, 2);
          conv_single<Fast, Full>(c, reinterpret_cast<const int16_t*>(xw), out.at(n, oy, ox, c0));
        }
      }
    }
  }
}

void conv_small_any(bool fast, bool full, bool sq, const ConvCtx& c, bool dw, const View4<const int8_t>& in,
                    const View4<const int8_t>& wv, const View4<int8_t>& out, const OutRange& r) {
  (void)fast;  // callers only come here with the fast bound (the general form is rare: no instantiation)
  if (sq && full) conv_small<true, true, true>(c, dw, in, wv, out, r);
  else if (sq) conv_small<true, false, true>(c, dw, in, wv, out, r);
  else conv_small<true, false, false>(c, dw, in, wv, out, r);
}

// Checks as kern::conv2d_s8; false = let the portable kernel run (it reports any error).
bool conv2d(const ConvParams& p, const KernelIO& io, OutRange r, void* scratch, int32_t scratch_bytes,
            KernelStatus* st) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full, ws = wv.full;
  if (ws.n != os.c || ws.h != p.filter_h || ws.w != p.filter_w || ws.c != is.c || is.n != os.n) return false;
  if (!p.multiplier || !p.shift || p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1)
    return false;
  if (p.input_offset < -255 || p.input_offset > 255) return false;
  if (scratch_bytes < conv2d_s8_scratch_bytes(p, io) || (reinterpret_cast<uintptr_t>(scratch) & 3u) != 0) return false;
  if (!out_ok(ov, ElemType::Int8, r)) return false;
  if (range_empty(r)) return false;
  const int32_t IH = is.h, IW = is.w, IC = is.c, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + (KH - 1) * p.dilation_h + 1;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + (KW - 1) * p.dilation_w + 1;
    if (!view_has(iv, ElemType::Int8, 0, is.n, max_i32(yb, 0), min_i32(ye, IH), max_i32(xb, 0), min_i32(xe, IW), 0, IC) ||
        iv.stride_c != 1)
      return false;
  }
  if (!view_has(wv, ElemType::Int8, r.c_begin, r.c_end, 0, KH, 0, KW, 0, IC) || wv.stride_c != 1) return false;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  if (w.stride_w != IC || w.stride_h != KW * IC) return false;
  const ReqScan rqs = scan_requant(p, r);
  if (!multipliers_ok(rqs)) return false;
  const ConvCtx c{&p, nullptr, w.stride_n, KH * KW * IC, 0, out.stride_c, OutQ{p.output_offset, p.act_min, p.act_max},
                  nullptr};
  const bool fast = fast_requant_ok(rqs, p, c.K);
  const bool full = p.act_min <= -128 && p.act_max >= 127;
  if (fast && (IC & 3) != 0 && c.K <= kSmallK && p.input_offset >= -127 && p.input_offset <= 128) {
    conv_small_any(fast, full, std_requant_ok(rqs, p), c, false, in, w, out, r);
    *st = KernelStatus::Ok;
    return true;
  }
  // The general requantization is rare (huge biases or left shifts): one instantiation for it.
  const bool sq = fast && std_requant_ok(rqs, p);
  const bool pw = KH == 1 && KW == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 && p.pad_left == 0 &&
                  in.stride_w == IC && IW == OW;
  if (sq && pw && (IC == 4 || IC == 8 || (IC == 16 && full))) {
    if (IC == 4) full ? pw_small<1, true>(p, in, w, out, r) : pw_small<1, false>(p, in, w, out, r);
    else if (IC == 8) full ? pw_small<2, true>(p, in, w, out, r) : pw_small<2, false>(p, in, w, out, r);
    else pw_small<4, true>(p, in, w, out, r);
    *st = KernelStatus::Ok;
    return true;
  }
  if (sq && full) conv_rows<true, true, true>(c, in, w, out, r, scratch);
  else if (sq) conv_rows<true, false, true>(c, in, w, out, r, scratch);
  else if (fast && full) conv_rows<true, true, false>(c, in, w, out, r, scratch);
  else if (fast) conv_rows<true, false, false>(c, in, w, out, r, scratch);
  else if (full) conv_rows<false, true, false>(c, in, w, out, r, scratch);
  else conv_rows<false, false, false>(c, in, w, out, r, scratch);
  *st = KernelStatus::Ok;
  return true;
}

// ---- FULLY_CONNECTED (checks as kern::fully_connected_s8) ----

template <bool Fast, bool Full>
__attribute__((noinline)) void fc_rows(const ConvParams& p, const View4<const int8_t>& in, const View4<const int8_t>& w,
             const View4<int8_t>& out, const OutRange& r, int32_t I) {
  constexpr int32_t kChunk = 256, kBlock = 64;
  word_t x16[kChunk / 2];
  int16_t* xs = reinterpret_cast<int16_t*>(x16);
  int32_t acc[kBlock];
  const uint32_t off2 = pair16(p.input_offset);
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  for (int32_t n = 0; n < out.full.n; ++n) {
    for (int32_t b = r.y_begin; b < r.y_end; ++b) {
      const int8_t* x = in.at(n, b, 0, 0);
      int8_t* o = out.at(n, b, 0, r.c_begin);
      for (int32_t cb = r.c_begin; cb < r.c_end; cb += kBlock) {
        const int32_t len = min_i32(kBlock, r.c_end - cb);
        for (int32_t j = 0; j < len; ++j) acc[j] = p.bias ? p.bias[cb + j] : 0;
        for (int32_t i0 = 0; i0 < I; i0 += kChunk) {
          const int32_t il = min_i32(kChunk, I - i0);
          const int32_t i4 = il & ~3;
          widen(x + i0, i4, off2, x16, 2);
          for (int32_t i = i4; i < il; ++i) xs[i] = static_cast<int16_t>(x[i0 + i] + p.input_offset);
          int32_t j = 0;
          for (; j + 2 <= len; j += 2) dot2x1(xs, w.at(cb + j, 0, 0, i0), w.at(cb + j + 1, 0, 0, i0), il, acc + j);
          if (j < len) {
            const int8_t* f = w.at(cb + j, 0, 0, i0);
            int32_t a2[2] = {acc[j], 0};
            dot2x1(xs, f, f, il, a2);
            acc[j] = a2[0];
          }
        }
        for (int32_t j = 0; j < len; ++j)
          o[(cb - r.c_begin + j) * out.stride_c] =
              out_byte<Fast, Full>(acc[j], make_rq(p.multiplier[cb + j], p.shift[cb + j]), oq);
      }
    }
  }
}

bool fully_connected(const ConvParams& p, const KernelIO& io, OutRange r, KernelStatus* st) {
  if (range_empty(r) || kern::fully_connected_check(p, io, r) != KernelStatus::Ok) return false;
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const int32_t I = iv.full.c;
  const ReqScan rqs = scan_requant(p, r);
  if (!multipliers_ok(rqs)) return false;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  const bool fast = fast_requant_ok(rqs, p, I);
  const bool full = p.act_min <= -128 && p.act_max >= 127;
  if (fast && full) fc_rows<true, true>(p, in, w, out, r, I);
  else if (fast) fc_rows<true, false>(p, in, w, out, r, I);
  else fc_rows<false, false>(p, in, w, out, r, I);
  *st = KernelStatus::Ok;
  return true;
}

// ---- DEPTHWISE_CONV_2D, depth multiplier 1, no dilation (checks as kern::depthwise_conv2d_s8) ----

constexpr int32_t kMaxTaps = 64;

// The 4 input bytes of a channel group: 4 consecutive channels, or (Rep, depth multiplier a multiple of
// 4) one input channel replicated for the group's 4 output channels.
template <bool Rep>
TINYOPS_INLINE uint32_t load_x4(const int8_t* p) {
  if (Rep) return static_cast<uint32_t>(static_cast<uint8_t>(*p)) * 0x01010101u;
  return load_u32(p);
}

// Taps [ky0,ky1) x [kx0,kx1) of 4 channels of one pixel; x = element (iy0, ix0, c) of the pixel's window.
// ww[2t] = weights of channels (0, 2) of tap t, ww[2t+1] = channels (1, 3).
template <bool Rep>
TINYOPS_INLINE void dw4_taps(const int8_t* x, int32_t sw, int32_t sh, const word_t* ww, int32_t KW, int32_t ky0,
                             int32_t ky1, int32_t kx0, int32_t kx1, uint32_t off2, int32_t* a) {
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  for (int32_t ky = ky0; ky < ky1; ++ky) {
    const int8_t* xp = x + ky * sh + kx0 * sw;
    const word_t* wp = ww + 2 * (ky * KW + kx0);
    for (int32_t kx = kx0; kx < kx1; ++kx, xp += sw, wp += 2) {
      const uint32_t v = load_x4<Rep>(xp);
      const int32_t xe = sxtab16(off2, v), xo = sxtab16_ror8(off2, v);
      const int32_t we = static_cast<int32_t>(wp[0]), wo = static_cast<int32_t>(wp[1]);
      a0 = __smlabb(xe, we, a0);
      a2 = __smlatt(xe, we, a2);
      a1 = __smlabb(xo, wo, a1);
      a3 = __smlatt(xo, wo, a3);
    }
  }
  a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

// 3x3 with every tap inside the input, unrolled.
template <bool Rep>
TINYOPS_INLINE void dw4_3x3(const int8_t* x, int32_t sw, int32_t sh, const word_t* ww, uint32_t off2, int32_t* a) {
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
#define TINYOPS_DW_TAP(ptr, t)                                       \
  {                                                                  \
    const uint32_t v = load_x4<Rep>(ptr);                            \
    const int32_t xe = sxtab16(off2, v), xo = sxtab16_ror8(off2, v); \
    const int32_t we = static_cast<int32_t>(ww[2 * (t)]);            \
    const int32_t wo = static_cast<int32_t>(ww[2 * (t) + 1]);        \
    a0 = __smlabb(xe, we, a0);                                       \
    a2 = __smlatt(xe, we, a2);                                       \
    a1 = __smlabb(xo, wo, a1);                                       \
    a3 = __smlatt(xo, wo, a3);                                       \
  }
  TINYOPS_DW_TAP(x, 0)
  TINYOPS_DW_TAP(x + sw, 1)
  TINYOPS_DW_TAP(x + 2 * sw, 2)
  x += sh;
  TINYOPS_DW_TAP(x, 3)
  TINYOPS_DW_TAP(x + sw, 4)
  TINYOPS_DW_TAP(x + 2 * sw, 5)
  x += sh;
  TINYOPS_DW_TAP(x, 6)
  TINYOPS_DW_TAP(x + sw, 7)
  TINYOPS_DW_TAP(x + 2 * sw, 8)
#undef TINYOPS_DW_TAP
  a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

// Per-group state the 3x3 asm runs read at ww + 2 * kMaxTaps words (DwGroup keeps it right after the
// widened weights, so one base register reaches both): the fused run's parameters (Std form) and the
// loop counter and output pointer (no stack-slot operands: frame offsets may exceed LDRD's range).
struct DwRq {
  int32_t bias[4];  // 512
  int32_t mc[8];    // 528: m, c1o per channel
  int32_t rs[4];    // 560
  int8_t* o;        // 576
  int32_t count;    // 580
  int32_t ow;       // 584
  int32_t rows;     // 588: rows left (Rows runs)
  int32_t ncol;     // 592: pixels per row (Rows runs)
  int32_t skip;     // 596: input step from one row's end to the next row's start (bytes, Rows runs)
};
static_assert(sizeof(DwRq) == 88 && sizeof(int8_t*) == 4 && 2 * kMaxTaps * 4 == 512, "asm offsets into DwRq");
TINYOPS_INLINE DwRq* dw_rq(const word_t* ww) {
  return const_cast<DwRq*>(reinterpret_cast<const DwRq*>(ww + 2 * kMaxTaps));
}

// One depthwise tap of 4 channels in the asm runs below (3x3, fused 3x3, 5x5/7x7): input word at addr,
// widened with the input offset, times the tap's widened weights at ww + woff, into a0..a3.
#define TINYOPS_DW_ASM_TAP(addr, woff)              \
  "ldr    %[v], " addr "\n\t"                      \
  "sxtab16 %[xo], %[off2], %[v], ror #8\n\t"       \
  "sxtab16 %[v], %[off2], %[v]\n\t"                \
  "ldrd   %[we], %[wo], [%[ww], #" woff "]\n\t"     \
  "smlabb %[a0], %[v], %[we], %[a0]\n\t"           \
  "smlatt %[a2], %[v], %[we], %[a2]\n\t"           \
  "smlabb %[a1], %[xo], %[wo], %[a1]\n\t"          \
  "smlatt %[a3], %[xo], %[wo], %[a3]\n\t"
// Rep (depth multiplier 4k): one input byte for the group's 4 channels; LDRB + ORR put it in both halves.
#define TINYOPS_DW_ASM_TAP_REP(addr, woff)          \
  "ldrb   %[v], " addr "\n\t"                      \
  "orr    %[v], %[v], %[v], lsl #16\n\t"           \
  "sxtab16 %[v], %[off2], %[v]\n\t"                \
  "ldrd   %[we], %[wo], [%[ww], #" woff "]\n\t"     \
  "smlabb %[a0], %[v], %[we], %[a0]\n\t"           \
  "smlatt %[a2], %[v], %[we], %[a2]\n\t"           \
  "smlabb %[a1], %[v], %[wo], %[a1]\n\t"           \
  "smlatt %[a3], %[v], %[wo], %[a3]\n\t"

// A run of n >= 1 interior pixels (3x3, stride S in {1, 2}): acc[4i..4i+3] (pre-set to the biases)
// += the 9 taps of pixel i; x = element (iy0, ix0, c) of pixel 0, sw/sh = column/row steps in bytes.
// Per pixel 9 x (LDR, 2 SXTAB16, LDRD weights, 4 SMLAxy) plus 10 for the accumulators and the loop.
template <int S, bool Rep>
__attribute__((noinline)) void dw4_3x3_run(const int8_t* x, int32_t sw, int32_t sh, const word_t* ww,
                                           uint32_t off2, int32_t* acc, int32_t n) {
  int32_t a0, a1, a2, a3;
  uint32_t v, xo, we, wo;
  dw_rq(ww)->count = n;
#define TINYOPS_DW3_ASM(TAP)                                                                       \
  __asm__ volatile(                                                                                \
      "1:\n\t"                                                                                     \
      "ldrd   %[a0], %[a1], [%[acc]]\n\t"                                                          \
      "ldrd   %[a2], %[a3], [%[acc], #8]\n\t"                                                      \
      TAP("[%[x]]", "0")                                                                           \
      TAP("[%[x], %[sw]]", "8")                                                                    \
      TAP("[%[x], %[sw], lsl #1]", "16")                                                           \
      "add    %[x], %[x], %[sh]\n\t"                                                               \
      TAP("[%[x]]", "24")                                                                          \
      TAP("[%[x], %[sw]]", "32")                                                                   \
      TAP("[%[x], %[sw], lsl #1]", "40")                                                           \
      "add    %[x], %[x], %[sh]\n\t"                                                               \
      TAP("[%[x]]", "48")                                                                          \
      TAP("[%[x], %[sw]]", "56")                                                                   \
      TAP("[%[x], %[sw], lsl #1]", "64")                                                           \
      "sub    %[x], %[x], %[sh], lsl #1\n\t"                                                       \
      "add    %[x], %[x], %[sw], lsl %[sl]\n\t"                                                    \
      "strd   %[a0], %[a1], [%[acc]], #8\n\t"                                                      \
      "strd   %[a2], %[a3], [%[acc]], #8\n\t"                                                      \
      "ldr    %[v], [%[ww], #580]\n\t"                                                             \
      "subs   %[v], %[v], #1\n\t"                                                                  \
      "str    %[v], [%[ww], #580]\n\t"                                                             \
      "bne    1b\n\t"                                                                              \
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [v] "=&r"(v), [xo] "=&r"(xo), \
        [we] "=&r"(we), [wo] "=&r"(wo), [x] "+r"(x), [acc] "+r"(acc)                                 \
      : [sw] "r"(sw), [sh] "r"(sh), [ww] "r"(ww), [off2] "r"(off2), [sl] "i"(S - 1)                  \
      : "cc", "memory")
  if (Rep) {
    TINYOPS_DW3_ASM(TINYOPS_DW_ASM_TAP_REP);
  } else {
    TINYOPS_DW3_ASM(TINYOPS_DW_ASM_TAP);
  }
#undef TINYOPS_DW3_ASM
}


// dw4_3x3_run with the requantization fused (Std form, SSAT to int8, output channel stride 1): pixel i's
// 4 channels go to o[i * ow .. i * ow + 3]; no accumulator array. Per pixel 9 taps x 8, then per
// channel LDRD (m, c1o), LDR rs, SMMULR, ADD (asr 31), ADD, ASR, SSAT; 4 STRB. ww: the group's widened
// weights DOUBLED (SADD16) and followed by its DwRq with doubled biases (DwGroup layout, 2 * kMaxTaps
// words), so the sums are 2 * acc, SMMULR's operand without an LSL.
// Rows: `rows` rows of n pixels in one call (the padded copy: output rows dense, so o just continues);
// at a row's end x advances by `skip` bytes.
template <int S, bool Rep, bool Rows = false>
__attribute__((noinline)) void dw4_3x3_rq(const int8_t* x, int32_t sw, int32_t sh, const word_t* ww,
                                          uint32_t off2, int8_t* o, int32_t ow, int32_t n, int32_t rows = 1,
                                          int32_t skip = 0) {
  int32_t a0, a1, a2, a3;
  uint32_t v, xo, we, wo;
  DwRq* st = dw_rq(ww);
  st->count = n;
  st->ow = ow;
  if (Rows) {
    st->rows = rows;
    st->ncol = n;
    st->skip = skip;
  }
#define TINYOPS_DW_RQ(a, mc, rs)                    \
  "ldrd   %[we], %[wo], [%[ww], #512+" mc "]\n\t"  \
  "ldr    %[v], [%[ww], #512+" rs "]\n\t"          \
  "smmulr " a ", " a ", %[we]\n\t"                 \
  "add    " a ", " a ", " a ", asr #31\n\t"         \
  "add    " a ", " a ", %[wo]\n\t"                 \
  "asr    " a ", " a ", %[v]\n\t"                  \
  "ssat   " a ", #8, " a "\n\t"
#define TINYOPS_DW3RQ_ASM(TAP, ROWEND)                                                                   \
  __asm__ volatile(                                                                                \
      "1:\n\t"                                                                                     \
      "ldrd   %[a0], %[a1], [%[ww], #512]\n\t"                                                     \
      "ldrd   %[a2], %[a3], [%[ww], #520]\n\t"                                                     \
      TAP("[%[x]]", "0")                                                                           \
      TAP("[%[x], %[sw]]", "8")                                                                    \
      TAP("[%[x], %[sw], lsl #1]", "16")                                                           \
      "add    %[x], %[x], %[sh]\n\t"                                                               \
      TAP("[%[x]]", "24")                                                                          \
      TAP("[%[x], %[sw]]", "32")                                                                   \
      TAP("[%[x], %[sw], lsl #1]", "40")                                                           \
      "add    %[x], %[x], %[sh]\n\t"                                                               \
      TAP("[%[x]]", "48")                                                                          \
      TAP("[%[x], %[sw]]", "56")                                                                   \
      TAP("[%[x], %[sw], lsl #1]", "64")                                                           \
      "sub    %[x], %[x], %[sh], lsl #1\n\t"                                                       \
      "add    %[x], %[x], %[sw], lsl %[sl]\n\t"                                                    \
      TINYOPS_DW_RQ("%[a0]", "16", "48")                                                           \
      TINYOPS_DW_RQ("%[a1]", "24", "52")                                                           \
      TINYOPS_DW_RQ("%[a2]", "32", "56")                                                           \
      TINYOPS_DW_RQ("%[a3]", "40", "60")                                                           \
      "strb   %[a0], [%[o]]\n\t"                                                                   \
      "strb   %[a1], [%[o], #1]\n\t"                                                               \
      "strb   %[a2], [%[o], #2]\n\t"                                                               \
      "strb   %[a3], [%[o], #3]\n\t"                                                               \
      "ldr    %[xo], [%[ww], #584]\n\t"                                                            \
      "add    %[o], %[o], %[xo]\n\t"                                                               \
      "ldr    %[v], [%[ww], #580]\n\t"                                                             \
      "subs   %[v], %[v], #1\n\t"                                                                  \
      "str    %[v], [%[ww], #580]\n\t"                                                             \
      "bne    1b\n\t"                                                                              \
      ROWEND                                                                                       \
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [v] "=&r"(v), [xo] "=&r"(xo), \
        [we] "=&r"(we), [wo] "=&r"(wo), [x] "+r"(x), [o] "+r"(o)                                     \
      : [sw] "r"(sw), [sh] "r"(sh), [ww] "r"(ww), [off2] "r"(off2), [sl] "i"(S - 1)                  \
      : "cc", "memory")
// Rows: next row (x += skip, count = ncol) until rows reaches 0.
#define TINYOPS_DW_ROWEND              \
  "ldr    %[v], [%[ww], #596]\n\t"  \
  "add    %[x], %[x], %[v]\n\t"     \
  "ldr    %[v], [%[ww], #592]\n\t"  \
  "str    %[v], [%[ww], #580]\n\t"  \
  "ldr    %[v], [%[ww], #588]\n\t"  \
  "subs   %[v], %[v], #1\n\t"       \
  "str    %[v], [%[ww], #588]\n\t"  \
  "bne    1b\n\t"
  if (Rep) {
    TINYOPS_DW3RQ_ASM(TINYOPS_DW_ASM_TAP_REP, "");
  } else if (Rows) {
    TINYOPS_DW3RQ_ASM(TINYOPS_DW_ASM_TAP, TINYOPS_DW_ROWEND);
  } else {
    TINYOPS_DW3RQ_ASM(TINYOPS_DW_ASM_TAP, "");
  }
#undef TINYOPS_DW_ROWEND
#undef TINYOPS_DW3RQ_ASM
#undef TINYOPS_DW_RQ
}

// A run of n >= 1 interior pixels of a KxK depthwise (K = 5 or 7, any stride), fully unrolled:
// acc[4i..4i+3] (pre-set to the biases) += the K*K taps of pixel i; x = element (iy0, ix0, c) of
// pixel 0; sw/sh = column/row steps, dx = step between pixels (bytes). 8 instructions per tap.
template <int K>
void dw4_kxk_run(const int8_t* x, int32_t sw, int32_t sh, int32_t dx, const word_t* ww, uint32_t off2, int32_t* acc,
                 int32_t n) {
  constexpr int32_t adv = (K - 1) / 3;  // advances of 3 columns per row
  const int32_t rstep = sh - adv * 3 * sw;
  int32_t back = (K - 1) * sh + adv * 3 * sw - dx;  // rewind from the last row to the next pixel
  int32_t a0, a1, a2, a3;
  uint32_t v, xo, we, wo;
  int32_t count = n;
  if (K == 5) {
    __asm__ volatile(
      "1:\n\t"
      "ldrd   %[a0], %[a1], [%[acc]]\n\t"
      "ldrd   %[a2], %[a3], [%[acc], #8]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "0")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "8")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "16")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "24")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "32")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "40")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "48")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "56")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "64")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "72")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "80")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "88")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "96")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "104")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "112")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "120")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "128")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "136")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "144")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "152")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "160")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "168")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "176")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "184")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "192")
      "ldr    %[v], %[back]\n\t"
      "sub    %[x], %[x], %[v]\n\t"
      "strd   %[a0], %[a1], [%[acc]], #8\n\t"
      "strd   %[a2], %[a3], [%[acc]], #8\n\t"
      "ldr    %[v], %[count]\n\t"
      "subs   %[v], %[v], #1\n\t"
      "str    %[v], %[count]\n\t"
      "bne    1b\n\t"
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [v] "=&r"(v), [xo] "=&r"(xo),
        [we] "=&r"(we), [wo] "=&r"(wo), [x] "+r"(x), [acc] "+r"(acc), [count] "+m"(count)
      : [sw] "r"(sw), [rstep] "r"(rstep), [ww] "r"(ww), [off2] "r"(off2), [back] "m"(back)
      : "cc", "memory");
  } else {
    __asm__ volatile(
      "1:\n\t"
      "ldrd   %[a0], %[a1], [%[acc]]\n\t"
      "ldrd   %[a2], %[a3], [%[acc], #8]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "0")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "8")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "16")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "24")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "32")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "40")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "48")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "56")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "64")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "72")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "80")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "88")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "96")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "104")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "112")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "120")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "128")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "136")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "144")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "152")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "160")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "168")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "176")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "184")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "192")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "200")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "208")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "216")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "224")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "232")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "240")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "248")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "256")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "264")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "272")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "280")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "288")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "296")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "304")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "312")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "320")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "328")
      "add    %[x], %[x], %[rstep]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "336")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "344")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "352")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "360")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw]]", "368")
      TINYOPS_DW_ASM_TAP("[%[x], %[sw], lsl #1]", "376")
      "add    %[x], %[x], %[sw], lsl #1\n\t"
      "add    %[x], %[x], %[sw]\n\t"
      TINYOPS_DW_ASM_TAP("[%[x]]", "384")
      "ldr    %[v], %[back]\n\t"
      "sub    %[x], %[x], %[v]\n\t"
      "strd   %[a0], %[a1], [%[acc]], #8\n\t"
      "strd   %[a2], %[a3], [%[acc]], #8\n\t"
      "ldr    %[v], %[count]\n\t"
      "subs   %[v], %[v], #1\n\t"
      "str    %[v], %[count]\n\t"
      "bne    1b\n\t"
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [v] "=&r"(v), [xo] "=&r"(xo),
        [we] "=&r"(we), [wo] "=&r"(wo), [x] "+r"(x), [acc] "+r"(acc), [count] "+m"(count)
      : [sw] "r"(sw), [rstep] "r"(rstep), [ww] "r"(ww), [off2] "r"(off2), [back] "m"(back)
      : "cc", "memory");
  }
}
#undef TINYOPS_DW_ASM_TAP_REP
#undef TINYOPS_DW_ASM_TAP

// d[i] = the word at s + i * sw for i < n (n >= 1; s any alignment, d word-aligned): two words per
// iteration (2 LDR, ADD, STRD, SUBS, BNE), 3 instructions per word.
TINYOPS_INLINE void copy_words_strided(uint32_t* d, const int8_t* s, int32_t sw, int32_t n) {
  uint32_t t0, t1;
  __asm__ volatile(
      "tst    %[n], #1\n\t"
      "beq    2f\n\t"
      "ldr    %[t0], [%[s]]\n\t"
      "add    %[s], %[s], %[sw]\n\t"
      "str    %[t0], [%[d]], #4\n\t"
      "subs   %[n], %[n], #1\n\t"

      "beq    3f\n\t"
      "2:\n\t"
      "ldr    %[t0], [%[s]]\n\t"
      "ldr    %[t1], [%[s], %[sw]]\n\t"
      "add    %[s], %[s], %[sw], lsl #1\n\t"
      "strd   %[t0], %[t1], [%[d]], #8\n\t"
      "subs   %[n], %[n], #2\n\t"
      "bne    2b\n\t"
      "3:\n\t"
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [d] "+r"(d), [s] "+r"(s), [n] "+r"(n)
      : [sw] "r"(sw)
      : "cc", "memory");
}

// Border pixels of a fused 3x3 row (taps outside the input): cnt output pixels whose windows start at
// input (iy0, ix0), column stride S. The 3 x Wn words of their windows (Wn = (cnt - 1) * S + 3) go to buf
// with the cells outside the input = padw (bytes -input_offset: they contribute 0), then the fused run
// over buf: every pixel at the asm's cost plus about 3 instructions per copied word, instead of the
// per-pixel valid-tap loops.
template <int S, bool Rep>
__attribute__((noinline)) void dw3_strip(const View4<const int8_t>& in, int32_t n, int32_t iy0, int32_t ix0,
                                         int32_t ci, int32_t cnt, int32_t input_offset, uint32_t* buf,
                                         const word_t* ww, uint32_t off2, int8_t* o, int32_t ow) {
  const uint32_t padw = static_cast<uint32_t>(static_cast<uint8_t>(-input_offset)) * 0x01010101u;
  const int32_t IH = in.full.h, IW = in.full.w, Wn = (cnt - 1) * S + 3;
  const int32_t ka = min_i32(max_i32(-ix0, 0), Wn), kb = max_i32(min_i32(Wn, IW - ix0), ka);
  uint32_t* d = buf;
  for (int32_t ky = 0; ky < 3; ++ky, d += Wn) {
    const int32_t iy = iy0 + ky;
    if (iy < 0 || iy >= IH || kb == ka) {
      for (int32_t i = 0; i < Wn; ++i) d[i] = padw;
      continue;
    }
    for (int32_t i = 0; i < ka; ++i) d[i] = padw;
    const int8_t* src = in.at(n, iy, ix0 + ka, ci);
    if (!Rep) {
      copy_words_strided(d + ka, src, in.stride_w, kb - ka);
    } else {
      for (int32_t i = ka; i < kb; ++i, src += in.stride_w) d[i] = load_x4<true>(src);
    }
    for (int32_t i = kb; i < Wn; ++i) d[i] = padw;
  }
  dw4_3x3_rq<S, false>(reinterpret_cast<const int8_t*>(buf), 4, Wn * 4, ww, off2, o, ow, cnt);
}

struct DwGroup {
  word_t ww[2 * kMaxTaps];
  DwRq rq;  // right after ww: dw4_3x3_rq reads it at ww + 512 bytes
  int32_t bias[4];
  RQ q[4];
  int32_t c1o[4];  // Std form (see out_std)
};

// Channel k of a run of len pixels (acc stride 4) -> bytes o[i * ow]; sq: the Std form applies.
template <bool Fast, bool Full>
TINYOPS_INLINE void dw_requant(const int32_t* acc, int32_t len, const RQ& q, int32_t c1o, bool sq, const OutQ& oq,
                               int8_t* o, int32_t ow) {
  if (Fast && sq) {
    const int32_t m = q.m, rs = q.rs;
    for (int32_t i = 0; i < len; ++i, o += ow) *o = out_std<Full>(acc[4 * i], m, c1o, rs, oq);
    return;
  }
  if (Fast) {
    // the channel's parameters in locals: the byte stores may alias q, which would be reloaded per output
    const RQ ql = q;
    const OutQ ol = oq;
    for (int32_t i = 0; i < len; ++i, o += ow) *o = out_byte<true, Full>(acc[4 * i], ql, ol);
    return;
  }
  for (int32_t i = 0; i < len; ++i, o += ow) *o = out_byte<Fast, Full>(acc[4 * i], q, oq);
}

// Fused 3x3 edge pixels with exactly one window column outside the input (left: ix0 = -1, right:
// ix0 = IW - 2; IW >= 3) run the fused asm on the 3 columns inside the input with the taps shifted by one
// column and a zero column: left = (w1, w2, 0) read at ix0 + 1, right = (0, w0, w1) read at ix0 - 1.
// Both weight sets sit in the group's pb in the DwGroup layout (weights, then DwRq at +512 bytes):
// left at pb, right at pb + kDwEdgeR; strips use pb from kDwEdgeBytes on.
constexpr int32_t kDwEdgeR = 96, kDwEdgeBytes = kDwEdgeR + 2 * kMaxTaps * 4 + static_cast<int32_t>(sizeof(DwRq));
TINYOPS_INLINE void dw3_edge_sets(const DwGroup& g, int8_t* pb) {
  word_t* lw = reinterpret_cast<word_t*>(pb);
  word_t* rw = reinterpret_cast<word_t*>(pb + kDwEdgeR);
  for (int32_t ky = 0; ky < 3; ++ky, lw += 6, rw += 6) {
    const word_t* w = g.ww + 6 * ky;
    lw[0] = w[2], lw[1] = w[3], lw[2] = w[4], lw[3] = w[5], lw[4] = 0, lw[5] = 0;
    rw[0] = 0, rw[1] = 0, rw[2] = w[0], rw[3] = w[1], rw[4] = w[2], rw[5] = w[3];
  }
  DwRq* lq = dw_rq(reinterpret_cast<word_t*>(pb));
  DwRq* rq = dw_rq(reinterpret_cast<word_t*>(pb + kDwEdgeR));
  for (int k = 0; k < 4; ++k) {
    lq->bias[k] = rq->bias[k] = g.rq.bias[k];
    lq->rs[k] = rq->rs[k] = g.rq.rs[k];
  }
  for (int k = 0; k < 8; ++k) lq->mc[k] = rq->mc[k] = g.rq.mc[k];
}

// Fused: the call takes the fused 3x3 runs (dispatched by depthwise(); a separate instantiation keeps
// the other paths' code and register allocation apart).
template <bool Fast, bool Full, bool Rep, bool Fused = false>
__attribute__((noinline)) void dw_rows(const ConvParams& p, const View4<const int8_t>& in, const View4<const int8_t>& w,
             const View4<int8_t>& out, const OutRange& r, bool sq_call) {
  const int32_t IH = in.full.h, IW = in.full.w, OW = out.full.w, KH = p.filter_h, KW = p.filter_w;
  const uint32_t off2 = pair16(p.input_offset);
  const int32_t sw = in.stride_w, sh = in.stride_h, os = out.stride_c, ow = out.stride_w;
  const int32_t dx = p.stride_w * sw;
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  const bool k3 = KH == 3 && KW == 3;
  const int32_t M = p.depth_multiplier;
  const bool sq = Fast && sq_call;  // the Std form (std_requant_ok)
  // 3x3 interior runs with the requantization fused (Std form, full range, channels adjacent in the output)
  // (Fused: depthwise() checked Fast, Full, sq, 3x3, stride_w <= 2 and os == 1; the instantiations keep
  // only their own paths)
  const bool fused = Fused;
  // fused rows' border pixels through padded strips (padding byte -input_offset representable)
  const bool strips = fused && p.input_offset >= -127 && p.input_offset <= 128;
  // Output columns whose taps all lie inside the input: [ox_a, ox_b).
  const int32_t ox_a = min_i32((p.pad_left + p.stride_w - 1) / p.stride_w, OW);
  const int32_t ox_b =
      IW - KW + p.pad_left >= 0 ? max_i32(min_i32((IW - KW + p.pad_left) / p.stride_w + 1, OW), ox_a) : ox_a;
  DwGroup g;
  constexpr int32_t kRun = 32;
  int32_t acc[4 * kRun];
  // Padded copy for narrow feature maps, where per-row set-up and border pixels dominate (dense output
  // rows, padding byte -input_offset representable).
  constexpr int32_t kPadBytes = 18 * 18 * 4;  // up to 16 output columns (+2) x 18 rows
  alignas(4) int8_t pb[kPadBytes];
  static_assert((kPadBytes - kDwEdgeBytes) / 12 >= 5, "strips after the edge weight sets: at least 2 pixels");
  const int32_t PH = (r.y_end - 1 - r.y_begin) * p.stride_h + KH;
  const int32_t PW = (OW - 1) * p.stride_w + KW;
  const bool padded = OW <= 16 && k3 && PH * PW * 4 <= kPadBytes && out.stride_h == OW * ow && p.input_offset >= -127 &&
                      p.input_offset <= 128;
  // Padded copy: the padding cells are the same for every group and batch, so pb is filled with the
  // padding word once and each group copies only the input rows [py_a, py_b), columns [xa, xb).
  const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
  const int32_t py_a = min_i32(max_i32(-yb, 0), PH), py_b = max_i32(min_i32(PH, IH - yb), py_a);
  const int32_t xa = min_i32(p.pad_left, PW), xb = max_i32(min_i32(PW, IW + p.pad_left), xa);
  if (padded) {
    const uint32_t padw = static_cast<uint32_t>(static_cast<uint8_t>(-p.input_offset)) * 0x01010101u;
    uword_t* d = reinterpret_cast<uword_t*>(pb);
    for (int32_t i = 0; i < PH * PW; ++i) d[i] = padw;
  }
  const int8_t* wrow = w.at(0, 0, 0, r.c_begin);
  const int32_t wsh = w.stride_h, wsw = w.stride_w;
  int32_t c = r.c_begin;
  for (; c + 4 <= r.c_end; c += 4, wrow += 4) {
    if (fused) {
      // fused runs (3x3): weights (and biases) doubled, so the products are 2 * acc and SMMULR needs no LSL
      const int8_t* wr = wrow;
      word_t* gw = g.ww;
      for (int32_t ky = 0; ky < 3; ++ky, wr += wsh, gw += 6) {
        const uint32_t v0 = load_u32(wr), v1 = load_u32(wr + wsw), v2 = load_u32(wr + 2 * wsw);
        const int32_t e0 = sxtb16(v0), o0 = sxtb16_ror8(v0), e1 = sxtb16(v1), o1 = sxtb16_ror8(v1);
        const int32_t e2 = sxtb16(v2), o2 = sxtb16_ror8(v2);
        gw[0] = static_cast<uint32_t>(__sadd16(e0, e0)), gw[1] = static_cast<uint32_t>(__sadd16(o0, o0));
        gw[2] = static_cast<uint32_t>(__sadd16(e1, e1)), gw[3] = static_cast<uint32_t>(__sadd16(o1, o1));
        gw[4] = static_cast<uint32_t>(__sadd16(e2, e2)), gw[5] = static_cast<uint32_t>(__sadd16(o2, o2));
      }
    } else {
      word_t* gw = g.ww;
      const int8_t* wr = wrow;
      for (int32_t ky = 0; ky < KH; ++ky, wr += wsh) {
        const int8_t* wp = wr;
        for (int32_t kx = 0; kx < KW; ++kx, wp += wsw, gw += 2) {
          const uint32_t v = load_u32(wp);
          gw[0] = static_cast<uint32_t>(sxtb16(v));
          gw[1] = static_cast<uint32_t>(sxtb16_ror8(v));
        }
      }
    }
    if (fused) {
      // Std form (shift in [-22, -1]): rs = -shift, c1o = 2^(rs-1) + offset << rs; the fused runs and the
      // border pixels read g.rq only.
      const int32_t* shp = p.shift + c;
      const int32_t* mp = p.multiplier + c;
      const uint32_t uoff = static_cast<uint32_t>(p.output_offset);
      for (int k = 0; k < 4; ++k) {
        const int32_t rs = -shp[k];
        g.rq.mc[2 * k] = mp[k];
        g.rq.mc[2 * k + 1] = static_cast<int32_t>((1u << (rs - 1)) + (uoff << rs));
        g.rq.rs[k] = rs;
      }
      if (p.bias) {
        const int32_t* bp = p.bias + c;
        for (int k = 0; k < 4; ++k) g.rq.bias[k] = 2 * bp[k];
      } else {
        for (int k = 0; k < 4; ++k) g.rq.bias[k] = 0;
      }
    } else {
      for (int k = 0; k < 4; ++k) {
        g.bias[k] = p.bias ? p.bias[c + k] : 0;
        g.q[k] = make_rq(p.multiplier[c + k], p.shift[c + k]);
        g.c1o[k] = g.q[k].c1 + static_cast<int32_t>(static_cast<uint32_t>(p.output_offset) << g.q[k].rs);
      }
    }
    if (fused && !padded) dw3_edge_sets(g, pb);  // wide maps: edge pixels of full rows
    if (padded) {
      // Small feature map: the group's 4 channels of the rows the range reads go into pb, whose padding
      // bytes equal -input_offset (they contribute (x + offset) * w = 0). Every output pixel is then an
      // interior one, and the pixels of all rows are one run.
      for (int32_t n = 0; n < out.full.n; ++n) {
        if (py_b > py_a && xb > xa) {
          const int8_t* srow = in.at(n, yb + py_a, xa - p.pad_left, c / M);
          int8_t* drow = pb + (py_a * PW + xa) * 4;
          const int32_t L = xb - xa;
          for (int32_t py = py_a; py < py_b; ++py, srow += sh, drow += PW * 4) {
            if (!Rep) {
              copy_words_strided(reinterpret_cast<uint32_t*>(drow), srow, sw, L);
              continue;
            }
            const int8_t* src = srow;
            uword_t* d = reinterpret_cast<uword_t*>(drow);
            for (int32_t i = 0; i < L; ++i, src += sw) d[i] = load_x4<Rep>(src);
          }
        }
        const int32_t psw = 4, psh = PW * 4, pdx = p.stride_w * 4;
        const int32_t total = (r.y_end - r.y_begin) * OW;
        int8_t* obase = out.at(n, r.y_begin, 0, c);
        if (fused) {
          // all rows in one call: at a row's end the input moves on by stride_h rows minus the row's pixels
          const int32_t rows = r.y_end - r.y_begin, skip = p.stride_h * psh - OW * pdx;
          if (p.stride_w == 1) dw4_3x3_rq<1, false, true>(pb, psw, psh, g.ww, off2, obase, ow, OW, rows, skip);
          else dw4_3x3_rq<2, false, true>(pb, psw, psh, g.ww, off2, obase, ow, OW, rows, skip);
          continue;
        }
        for (int32_t q0 = 0; q0 < total; q0 += kRun) {
          const int32_t len = min_i32(kRun, total - q0);
          for (int32_t i = 0; i < len; ++i) {
            int32_t* a = acc + 4 * i;
            a[0] = g.bias[0], a[1] = g.bias[1], a[2] = g.bias[2], a[3] = g.bias[3];
          }
          for (int32_t q = q0; q < q0 + len;) {
            const int32_t oy = q / OW, ox = q % OW;
            const int32_t m = min_i32(OW - ox, q0 + len - q);
            const int8_t* xp = pb + (oy * p.stride_h * PW + ox * p.stride_w) * 4;
            int32_t* a = acc + 4 * (q - q0);
            if (k3 && p.stride_w <= 2) {
              if (p.stride_w == 1) dw4_3x3_run<1, false>(xp, psw, psh, g.ww, off2, a, m);
              else dw4_3x3_run<2, false>(xp, psw, psh, g.ww, off2, a, m);
            } else if (KH == 5 && KW == 5) {
              dw4_kxk_run<5>(xp, psw, psh, pdx, g.ww, off2, a, m);
            } else if (KH == 7 && KW == 7) {
              dw4_kxk_run<7>(xp, psw, psh, pdx, g.ww, off2, a, m);
            } else {
              for (int32_t i = 0; i < m; ++i, xp += pdx, a += 4)
                dw4_taps<false>(xp, psw, psh, g.ww, KW, 0, KH, 0, KW, off2, a);
            }
            q += m;
          }
          int8_t* op = obase + q0 * ow;
          for (int k = 0; k < 4; ++k) dw_requant<Fast, Full>(acc + k, len, g.q[k], g.c1o[k], sq, oq, op + k * os, ow);
        }
      }
      continue;
    }
    for (int32_t n = 0; n < out.full.n; ++n) {
      for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        int32_t ky0, ky1;
        valid_taps(iy0, 1, KH, IH, &ky0, &ky1);
        const bool rows_full = ky0 == 0 && ky1 == KH;
        int8_t* orow = out.at(n, oy, 0, c);
        // The row in pieces of kRun pixels: accumulate into acc (interior pixels with the unrolled
        // 3x3 run, border pixels over their valid taps), then requantize channel by channel with
        // that channel's parameters held in registers.
        const int32_t in_a = rows_full ? ox_a : OW, in_b = rows_full ? ox_b : OW;
        if (fused) {
          if (!strips || rows_full) {
            // Interior runs requantized inside the asm; border pixels over their valid taps, one by one.
            for (int32_t ox = 0; ox < OW;) {
              if (ox >= in_a && ox < in_b) {
                const int8_t* xp = in.at(n, iy0, ox * p.stride_w - p.pad_left, c / M);
                if (p.stride_w == 1) dw4_3x3_rq<1, Rep>(xp, sw, sh, g.ww, off2, orow + ox * ow, ow, in_b - ox);
                else dw4_3x3_rq<2, Rep>(xp, sw, sh, g.ww, off2, orow + ox * ow, ow, in_b - ox);
                ox = in_b;
                continue;
              }
              const int32_t ix0 = ox * p.stride_w - p.pad_left;
              if (rows_full && IW >= 3 && (ix0 == -1 || ix0 == IW - 2)) {
                // one window column outside the input: shifted weights (dw3_edge_sets)
                const bool left = ix0 == -1;
                const word_t* ew = reinterpret_cast<const word_t*>(pb + (left ? 0 : kDwEdgeR));
                const int8_t* xp = in.at(n, iy0, left ? 0 : IW - 3, c / M);
                if (p.stride_w == 1) dw4_3x3_rq<1, Rep>(xp, sw, sh, ew, off2, orow + ox * ow, ow, 1);
                else dw4_3x3_rq<2, Rep>(xp, sw, sh, ew, off2, orow + ox * ow, ow, 1);
                ++ox;
                continue;
              }
              int32_t kx0, kx1;
              valid_taps(ix0, 1, KW, IW, &kx0, &kx1);
              int32_t a4[4] = {g.rq.bias[0], g.rq.bias[1], g.rq.bias[2], g.rq.bias[3]};  // doubled
              if (ky1 > ky0 && kx1 > kx0)
                dw4_taps<Rep>(in.at(n, iy0, ix0, c / M), sw, sh, g.ww, KW, ky0, ky1, kx0, kx1, off2, a4);
              int8_t* o = orow + ox * ow;
              for (int k = 0; k < 4; ++k)
                o[k] = out_std<true, true>(a4[k], g.rq.mc[2 * k], g.rq.mc[2 * k + 1], g.rq.rs[k], oq);
              ++ox;
            }
            continue;
          }
          // Interior runs straight from the input; border pixels (rows with taps outside the input:
          // the whole row; else columns [0, in_a) and [in_b, OW)) through padded strips (dw3_strip).
          if (in_b > in_a) {
            const int8_t* xp = in.at(n, iy0, in_a * p.stride_w - p.pad_left, c / M);
            if (p.stride_w == 1) dw4_3x3_rq<1, Rep>(xp, sw, sh, g.ww, off2, orow + in_a * ow, ow, in_b - in_a);
            else dw4_3x3_rq<2, Rep>(xp, sw, sh, g.ww, off2, orow + in_a * ow, ow, in_b - in_a);
          }
          uint32_t* buf = reinterpret_cast<uint32_t*>(pb + kDwEdgeBytes);  // after the edge weight sets
          const int32_t cmax = ((kPadBytes - kDwEdgeBytes) / 12 - 3) / p.stride_w + 1;  // 3 * Wn words fit
          for (int k = 0; k < 2; ++k) {
            const int32_t xs = k ? in_b : 0, xe = k ? OW : in_a;
            for (int32_t ox = xs; ox < xe; ox += cmax) {
              const int32_t cnt = min_i32(cmax, xe - ox), ix0 = ox * p.stride_w - p.pad_left;
              if (p.stride_w == 1)
                dw3_strip<1, Rep>(in, n, iy0, ix0, c / M, cnt, p.input_offset, buf, g.ww, off2, orow + ox * ow, ow);
              else dw3_strip<2, Rep>(in, n, iy0, ix0, c / M, cnt, p.input_offset, buf, g.ww, off2, orow + ox * ow, ow);
            }
          }
          continue;
        }
        for (int32_t ox0 = 0; ox0 < OW; ox0 += kRun) {
          const int32_t len = min_i32(kRun, OW - ox0);
          for (int32_t i = 0; i < len; ++i) {
            int32_t* a = acc + 4 * i;
            a[0] = g.bias[0], a[1] = g.bias[1], a[2] = g.bias[2], a[3] = g.bias[3];
          }
          for (int32_t ox = ox0; ox < ox0 + len;) {
            if (ox >= in_a && ox < in_b) {
              const int32_t m = min_i32(in_b, ox0 + len) - ox;
              const int8_t* xp = in.at(n, iy0, ox * p.stride_w - p.pad_left, c / M);
              int32_t* a = acc + 4 * (ox - ox0);
              if (k3 && p.stride_w <= 2) {
                if (p.stride_w == 1) dw4_3x3_run<1, Rep>(xp, sw, sh, g.ww, off2, a, m);
                else dw4_3x3_run<2, Rep>(xp, sw, sh, g.ww, off2, a, m);
              } else if (!Rep && KH == 5 && KW == 5) {
                dw4_kxk_run<5>(xp, sw, sh, dx, g.ww, off2, a, m);
              } else if (!Rep && KH == 7 && KW == 7) {
                dw4_kxk_run<7>(xp, sw, sh, dx, g.ww, off2, a, m);
              } else {
                for (int32_t i = 0; i < m; ++i, xp += dx, a += 4) {
                  if (k3) dw4_3x3<Rep>(xp, sw, sh, g.ww, off2, a);
                  else dw4_taps<Rep>(xp, sw, sh, g.ww, KW, 0, KH, 0, KW, off2, a);
                }
              }
              ox += m;
              continue;
            }
            const int32_t ix0 = ox * p.stride_w - p.pad_left;
            int32_t kx0, kx1;
            valid_taps(ix0, 1, KW, IW, &kx0, &kx1);
            if (ky1 > ky0 && kx1 > kx0)
              dw4_taps<Rep>(in.at(n, iy0, ix0, c / M), sw, sh, g.ww, KW, ky0, ky1, kx0, kx1, off2,
                            acc + 4 * (ox - ox0));
            ++ox;
          }
          int8_t* op = orow + ox0 * ow;
          for (int k = 0; k < 4; ++k) dw_requant<Fast, Full>(acc + k, len, g.q[k], g.c1o[k], sq, oq, op + k * os, ow);
        }
      }
    }
  }
  // Remaining channels (< 4): plain loops.
  for (; c < r.c_end; ++c) {
    const RQ qc = make_rq(p.multiplier[c], p.shift[c]);
    for (int32_t n = 0; n < out.full.n; ++n)
      for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        int32_t ky0, ky1;
        valid_taps(iy0, 1, KH, IH, &ky0, &ky1);
        for (int32_t ox = 0; ox < OW; ++ox) {
          const int32_t ix0 = ox * p.stride_w - p.pad_left;
          int32_t kx0, kx1;
          valid_taps(ix0, 1, KW, IW, &kx0, &kx1);
          int32_t sum = p.bias ? p.bias[c] : 0;
          for (int32_t ky = ky0; ky < ky1; ++ky)
            for (int32_t kx = kx0; kx < kx1; ++kx)
              sum += (*in.at(n, iy0 + ky, ix0 + kx, c / M) + p.input_offset) * *w.at(0, ky, kx, c);
          *out.at(n, oy, ox, c) = out_byte<Fast, Full>(sum, qc, oq);
        }
      }
  }
}

bool depthwise(const ConvParams& p, const KernelIO& io, OutRange r, KernelStatus* st) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full, ws = wv.full;
  const int32_t M = p.depth_multiplier;
  if (M < 1 || ws.n != 1 || ws.c != os.c || ws.h != p.filter_h || ws.w != p.filter_w || is.c * M != os.c ||
      is.n != os.n)
    return false;
  // Depth multiplier 1, or a multiple of 4 with groups of 4 output channels reading one input channel.
  // One input channel, depth multiplier not a multiple of 4 (those use the replicated-byte depthwise path):
  // the few-channel convolution path.
  const bool one_in = is.c == 1 && M % 4 != 0 && p.filter_h * p.filter_w <= kSmallK && p.input_offset >= -127 && p.input_offset <= 128;
  if (M != 1 && !one_in && (M % 4 != 0 || r.c_begin % 4 != 0)) return false;
  if (!p.multiplier || !p.shift || p.stride_h < 1 || p.stride_w < 1 || p.dilation_h != 1 || p.dilation_w != 1)
    return false;
  if (p.input_offset < -255 || p.input_offset > 255) return false;
  if (!out_ok(ov, ElemType::Int8, r)) return false;
  if (range_empty(r)) return false;
  const int32_t IH = is.h, IW = is.w, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  if (KH * KW > kMaxTaps) return false;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + (KH - 1) + 1;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + (KW - 1) + 1;
    if (!view_has(iv, ElemType::Int8, 0, is.n, max_i32(yb, 0), min_i32(ye, IH), max_i32(xb, 0), min_i32(xe, IW),
                  r.c_begin / M, (r.c_end - 1) / M + 1) ||
        iv.stride_c != 1)
      return false;
  }
  if (!view_has(wv, ElemType::Int8, 0, 1, 0, KH, 0, KW, r.c_begin, r.c_end) || wv.stride_c != 1) return false;
  const ReqScan rqs = scan_requant(p, r);
  if (!multipliers_ok(rqs)) return false;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  const bool fast = fast_requant_ok(rqs, p, KH * KW);
  const bool sq = fast && std_requant_ok(rqs, p);
  const bool full = p.act_min <= -128 && p.act_max >= 127;
  // dw_rows' fused 3x3 runs: Std form, full range, stride_w <= 2, output channels adjacent
  const bool fused3 = sq && full && KH == 3 && KW == 3 && p.stride_w <= 2 && out.stride_c == 1;
  if (one_in && fast) {
    const ConvCtx c{&p, nullptr, 0, 0, 0, out.stride_c, OutQ{p.output_offset, p.act_min, p.act_max}, nullptr};
    conv_small_any(fast, full, sq, c, true, in, w, out, r);
  } else if (M == 1) {
    if (fast && full && fused3) dw_rows<true, true, false, true>(p, in, w, out, r, sq);
    else if (fast && full) dw_rows<true, true, false>(p, in, w, out, r, sq);
    else if (fast) dw_rows<true, false, false>(p, in, w, out, r, sq);
    else dw_rows<false, false, false>(p, in, w, out, r, sq);
  } else {
    // depth multiplier 4k (one_in with other multipliers and no fast bound: the portable kernel)
    if (M % 4 != 0 || r.c_begin % 4 != 0 || !fast) return false;
    if (full && fused3) dw_rows<true, true, true, true>(p, in, w, out, r, sq);
    else if (full) dw_rows<true, true, true>(p, in, w, out, r, sq);
    else dw_rows<true, false, true>(p, in, w, out, r, sq);
  }
  *st = KernelStatus::Ok;
  return true;
}

// ---- ADD (same shapes, no broadcasting; checks as kern::add_s8) ----

// Each input byte maps to its rescaled term: t1[a] = mbqm((a + off1) << left_shift, m1, s1), computed
// once per call with the portable helper (256 entries per input), so an element costs two table loads,
// one add and the output requantization (fast form when the table bound allows it).
template <bool Fast, bool Full>
__attribute__((noinline)) void add_rows(const AddParams& p, const View4<const int8_t>& a, const View4<const int8_t>& b,
                                        const View4<int8_t>& out, const OutRange& r, const int32_t* t1,
                                        const int32_t* t2) {
  const RQ q = make_rq(p.output_multiplier, p.output_shift);
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  const int32_t len = r.c_end - r.c_begin, W = out.full.w;
  // Rows of whole, dense pixels are one run.
  const bool dense = len == out.full.c && a.stride_w == len && b.stride_w == len && out.stride_w == len;
  for (int32_t n = 0; n < out.full.n; ++n)
    for (int32_t y = r.y_begin; y < r.y_end; ++y) {
      const int32_t runs = dense ? 1 : W, rl = dense ? W * len : len;
      for (int32_t x = 0; x < runs; ++x) {
        const int8_t* pa = a.at(n, y, x, r.c_begin);
        const int8_t* pb = b.at(n, y, x, r.c_begin);
        int8_t* o = out.at(n, y, x, r.c_begin);
        for (int32_t j = 0; j < rl; ++j) o[j] = out_byte<Fast, Full>(t1[pa[j]] + t2[pb[j]], q, oq);
      }
    }
}

bool add(const AddParams& p, const KernelIO& io, OutRange r, KernelStatus* st) {
  if (io.num_inputs != 2) return false;
  const Shape4 os = io.out.full;
  for (int k = 0; k < 2; ++k) {
    const Shape4 s = io.in[k].full;
    if (s.n != os.n || s.h != os.h || s.w != os.w || s.c != os.c || io.in[k].stride_c != 1) return false;
    if (!view_has(io.in[k], ElemType::Int8, 0, os.n, r.y_begin, r.y_end, 0, os.w, r.c_begin, r.c_end)) return false;
  }
  if (!out_ok(io.out, ElemType::Int8, r) || io.out.stride_c != 1) return false;
  if (range_empty(r)) return false;
  if (p.left_shift < 0 || p.left_shift > 20 || p.output_multiplier == INT32_MIN) return false;
  int32_t tab[2][256];
  int64_t bound = 0;
  for (int k = 0; k < 2; ++k) {
    const int32_t off = k ? p.input2_offset : p.input1_offset;
    const int32_t m = k ? p.input2_multiplier : p.input1_multiplier;
    const int32_t sh = k ? p.input2_shift : p.input1_shift;
    if (off < -255 || off > 255) return false;
    int64_t mx = 0;
    for (int32_t v = -128; v < 128; ++v) {
      const int32_t t = mbqm((off + v) * (1 << p.left_shift), m, sh);
      tab[k][v + 128] = t;
      const int64_t at = t < 0 ? -static_cast<int64_t>(t) : t;
      mx = at > mx ? at : mx;
    }
    bound += mx;
  }
  const int32_t ls = p.output_shift > 0 ? p.output_shift : 0, rs = p.output_shift > 0 ? 0 : -p.output_shift;
  const bool fast = ls <= 30 && rs <= 31 && (bound << ls) < (int64_t{1} << 30);
  const bool full = p.act_min <= -128 && p.act_max >= 127;
  const View4<const int8_t> a = io.in[0].as<const int8_t>(), b = io.in[1].as<const int8_t>();
  const View4<int8_t> out = io.out.as<int8_t>();
  if (fast && full) add_rows<true, true>(p, a, b, out, r, tab[0] + 128, tab[1] + 128);
  else if (fast) add_rows<true, false>(p, a, b, out, r, tab[0] + 128, tab[1] + 128);
  else add_rows<false, false>(p, a, b, out, r, tab[0] + 128, tab[1] + 128);
  *st = KernelStatus::Ok;
  return true;
}

}  // namespace

bool invoke(const KernelArgs& args, const KernelIO& io, OutRange range, void* scratch, int32_t scratch_bytes,
            KernelStatus* status) {
#if defined(__ARM_FEATURE_MVE)
  if (invoke_mve(args, io, range, scratch, scratch_bytes, status)) return true;
#endif
  switch (args.kind) {
    case KernelKind::Conv2D: return conv2d(args.p.conv, io, range, scratch, scratch_bytes, status);
    case KernelKind::DepthwiseConv2D: return depthwise(args.p.conv, io, range, status);
    case KernelKind::FullyConnected: return fully_connected(args.p.conv, io, range, status);
    case KernelKind::Add: return add(args.p.add, io, range, status);
    default: return false;
  }
}

}  // namespace arm
}  // namespace kern
}  // namespace tinyops
#endif
