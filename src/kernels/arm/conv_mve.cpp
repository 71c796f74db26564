// Cortex-M55 Helium (MVE) paths for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED. Same arithmetic as
// the portable kernels (conv.cpp): acc = bias + sum (x + input_offset) * w, TFLite's requantization;
// every byte identical. Anything unusual (dilation, depth multiplier != 1, non-contiguous filters or
// output channels, shifts outside [-31, 30]) is declined so that the DSP / portable code runs.
//
// - CONV_2D / FULLY_CONNECTED: int8 dot products, VLDRB of 16 bytes + VMLADAVA per output channel,
//   register block 4 output channels x 2 pixels; the K % 16 tail with a VCTP predicate (zeroing loads).
//   The input offset is folded in: acc = bias_sums[c] + sum x * w (bias_sums = bias + input_offset *
//   sum(w), computed per call when the host gave none), padding taps of the int8 im2col patch hold
//   -input_offset so they contribute (x + offset) * w = 0. 1x1 convolutions read the input in place.
// - DEPTHWISE: 16 channels per block as 4 x int32x4 lanes (VLDRB.S32 widens, VMLA accumulates), taps
//   unrolled for 3/5/7 columns; interior pixels start from bias_sums, border pixels add the offset.
// - Requantization in vectors, exact for every input: TFLite's doubling high multiply
//   floor((x*m + 2^30) / 2^31) (saturating for x = m = INT32_MIN) is VQRDMULH; RoundingDivideByPOT(h, rs)
//   (half away from zero) is VRSHL(h - (h < 0), -rs) for rs >= 1 (VRSHL rounds half up, in wide
//   precision; h > INT32_MIN here since |m| <= 2^31 - 1 or x != INT32_MIN), h for rs = 0.
#include "kernels/arm/arm_kernels.h"

#if defined(TINYOPS_ARM_KERNELS) && defined(__ARM_FEATURE_MVE)
#include <arm_mve.h>

#include "kernels/internal.h"

namespace tinyops {
namespace kern {
namespace arm {

namespace {

constexpr int32_t kCh = 64;  // output channels per chunk (per-channel tables on the stack)

// Per-channel requantization of a chunk, split once per call; groups of 4 lanes (one VLDRW each, one
// base register per group).
struct RqGroup {
  int32_t m[4];    // multiplier
  int32_t nrs[4];  // -max(-shift, 0)
  int32_t nm[4];   // -1 when the right shift is >= 1, else 0
  int32_t ls[4];   // max(shift, 0)
};
struct RqTab {
  RqGroup q[kCh / 4];
  int32_t b[kCh];   // starting accumulator (conv: bias_sums or computed; depthwise: bias)
  int32_t bs[kCh];  // depthwise: bias_sums
};

// Depthwise lane order: in each block of 8 channels the even ones, then the odd ones (VMULLB/VMULLT).
TINYOPS_INLINE int32_t dw_lane(int32_t j) { return (j & ~7) + ((j & 1) << 2) + ((j & 7) >> 1); }

// Fills the groups for channels [c0, c0 + n) (Perm: lane dw_lane(j)). Returns true when some shift is
// >= 0 (the general form: left shifts, lanes without rounding); false: every shift < 0.
template <bool Perm>
bool make_tab(const ConvParams& p, int32_t c0, int32_t n, RqTab* t) {
  bool gen = false;
  for (int32_t j = 0; j < n; ++j) {
    const int32_t s = p.shift[c0 + j], d = Perm ? dw_lane(j) : j;
    RqGroup& g = t->q[d >> 2];
    g.m[d & 3] = p.multiplier[c0 + j];
    g.ls[d & 3] = s > 0 ? s : 0;
    g.nrs[d & 3] = s < 0 ? s : 0;
    g.nm[d & 3] = s < 0 ? -1 : 0;
    gen = gen || s >= 0;
  }
  return gen;
}

struct OutQ {
  int32_t off, lo, hi;
};

// 4 accumulators (channels t[j..j+3], j % 4 == 0) -> requantized, offset and clamped int32 lanes.
// Gen = false: every right shift >= 1, so the adjustment is h + (h >> 31) and there is no left shift.
template <bool Gen>
TINYOPS_INLINE int32x4_t rq_vec(int32x4_t acc, const RqTab& t, int32_t j, const OutQ& o) {
  const RqGroup& q = t.q[j >> 2];
  int32x4_t x = acc;
  if (Gen) x = vshlq_s32(x, vldrwq_s32(q.ls));
  int32x4_t h = vqrdmulhq_s32(x, vldrwq_s32(q.m));
  if (Gen)
    h = vaddq_s32(h, vandq_s32(vshrq_n_s32(h, 31), vldrwq_s32(q.nm)));
  else
    h = vaddq_s32(h, vshrq_n_s32(h, 31));
  h = vrshlq_s32(h, vldrwq_s32(q.nrs));
  h = vaddq_n_s32(h, o.off);
  h = vmaxq_s32(h, vdupq_n_s32(o.lo));
  return vminq_s32(h, vdupq_n_s32(o.hi));
}

// ... stored to out[0..3] (the first n when n < 4).
template <bool Gen>
TINYOPS_INLINE void rq_store(int32x4_t acc, const RqTab& t, int32_t j, const OutQ& o, int8_t* out, int32_t n) {
  const int32x4_t h = rq_vec<Gen>(acc, t, j, o);
  if (n >= 4)
    vstrbq_s32(out, h);
  else
    vstrbq_p_s32(out, h, vctp32q(static_cast<uint32_t>(n)));
}

// ---- int8 dot products ----

// Four filters (w, w1, w2, w3) against one patch of K >= 1 bytes: a[k] += x . w_k.
// A tail-predicated loop (DLSTP/LETP): the last iteration's inactive lanes load as zero.
TINYOPS_INLINE void dot4(const int8_t* x, const int8_t* w, const int8_t* w1, const int8_t* w2, const int8_t* w3,
                         int32_t K, int32_t* a) {
  // VMLADAVA accumulates into even registers only.
  register int32_t s0 __asm__("r6") = a[0];
  register int32_t s1 __asm__("r8") = a[1];
  register int32_t s2 __asm__("r10") = a[2];
  register int32_t s3 __asm__("r12") = a[3];
  __asm__ volatile(
      "dlstp.8 lr, %[k]\n"
      "1:\n\t"
      "vldrb.8 q0, [%[x]], #16\n\t"
      "vldrb.8 q1, [%[w0]], #16\n\t"
      "vldrb.8 q2, [%[w1]], #16\n\t"
      "vmladava.s8 %[s0], q0, q1\n\t"
      "vldrb.8 q3, [%[w2]], #16\n\t"
      "vmladava.s8 %[s1], q0, q2\n\t"
      "vldrb.8 q4, [%[w3]], #16\n\t"
      "vmladava.s8 %[s2], q0, q3\n\t"
      "vmladava.s8 %[s3], q0, q4\n\t"
      "letp lr, 1b\n\t"
      : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [x] "+r"(x), [w0] "+r"(w), [w1] "+r"(w1),
        [w2] "+r"(w2), [w3] "+r"(w3)
      : [k] "r"(K)
      : "lr", "q0", "q1", "q2", "q3", "q4", "memory");
  a[0] = s0, a[1] = s1, a[2] = s2, a[3] = s3;
}

// One filter against one patch (K >= 1).
TINYOPS_INLINE int32_t dot1(const int8_t* x, const int8_t* w, int32_t K, int32_t acc) {
  register int32_t s __asm__("r6") = acc;
  __asm__ volatile(
      "dlstp.8 lr, %[k]\n"
      "1:\n\t"
      "vldrb.8 q0, [%[x]], #16\n\t"
      "vldrb.8 q1, [%[w]], #16\n\t"
      "vmladava.s8 %[s], q0, q1\n\t"
      "letp lr, 1b\n\t"
      : [s] "+r"(s), [x] "+r"(x), [w] "+r"(w)
      : [k] "r"(K)
      : "lr", "q0", "q1", "memory");
  return s;
}

// sum of n int8 values
TINYOPS_INLINE int32_t sum8(const int8_t* w, int32_t n) {
  int32_t s = 0;
  for (int32_t k = 0; k < n; k += 16) s = vaddvaq_s8(s, vldrbq_z_s8(w + k, vctp8q(static_cast<uint32_t>(n - k))));
  return s;
}

// dst[0..n) = src[0..n) / = v
TINYOPS_INLINE void copy8(int8_t* dst, const int8_t* src, int32_t n) {
  for (int32_t k = 0; k < n; k += 16) {
    const mve_pred16_t pr = vctp8q(static_cast<uint32_t>(n - k));
    vstrbq_p_s8(dst + k, vldrbq_z_s8(src + k, pr), pr);
  }
}
TINYOPS_INLINE void fill8(int8_t* dst, int8_t v, int32_t n) {
  const int8x16_t d = vdupq_n_s8(v);
  for (int32_t k = 0; k < n; k += 16) vstrbq_p_s8(dst + k, d, vctp8q(static_cast<uint32_t>(n - k)));
}

// first k in [0, size) with origin + k >= 0; one past the last with origin + k < limit.
TINYOPS_INLINE void valid_taps(int32_t origin, int32_t size, int32_t limit, int32_t* k0, int32_t* k1) {
  int32_t a = origin < 0 ? -origin : 0;
  int32_t b = limit - origin > 0 ? limit - origin : 0;
  a = min_i32(a, size);
  b = max_i32(min_i32(b, size), a);
  *k0 = a;
  *k1 = b;
}

// Starting accumulators of a chunk: bias_sums, or bias + input_offset * sum of the filter.
void chunk_bias(const ConvParams& p, const View4<const int8_t>& w, int32_t c0, int32_t n, int32_t K, int32_t* b) {
  for (int32_t j = 0; j < n; ++j) {
    if (p.bias_sums) {
      b[j] = p.bias_sums[c0 + j];
    } else {
      const int32_t s = sum8(w.at(c0 + j, 0, 0, 0), K);
      b[j] = static_cast<int32_t>(static_cast<uint32_t>(p.bias ? p.bias[c0 + j] : 0) +
                                  static_cast<uint32_t>(p.input_offset) * static_cast<uint32_t>(s));
    }
  }
}

// Accumulators of a chunk's nch channels for one or two patches.
struct GemmCtx {
  const int8_t* w;  // the chunk's first filter
  int32_t wn;       // bytes between filters
  int32_t K;
  int32_t nch;
  const int32_t* b;
};

// Calls run(g, t, c0, gen) for each chunk of up to kCh output channels of the range, with the chunk's
// requantization table t (gen: it needs the general form) and its filters and starting accumulators g.
template <typename Run>
void for_each_chunk(const ConvParams& p, const View4<const int8_t>& w, const OutRange& r, int32_t K, Run&& run) {
  RqTab t;
  for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kCh) {
    const int32_t nch = min_i32(kCh, r.c_end - c0);
    const bool gen = make_tab<false>(p, c0, nch, &t);
    chunk_bias(p, w, c0, nch, K, t.b);
    run(GemmCtx{w.at(c0, 0, 0, 0), w.stride_n, K, nch, t.b}, t, c0, gen);
  }
}

// Four scalars -> int32x4 (two VMOV pairs).
TINYOPS_INLINE int32x4_t vec4(int32_t a, int32_t b, int32_t c, int32_t d) {
  int32x4_t v = vdupq_n_s32(a);
  v = vsetq_lane_s32(b, v, 1);
  v = vsetq_lane_s32(c, v, 2);
  return vsetq_lane_s32(d, v, 3);
}

// One patch x against the chunk's filters, requantized into o[0..nch).
template <bool Gen>
TINYOPS_INLINE void gemm_rq(const GemmCtx& g, const RqTab& t, const OutQ& oq, const int8_t* x, int8_t* o) {
  int32_t j = 0;
  const int8_t* w = g.w;
  for (; j + 4 <= g.nch; j += 4, w += 4 * g.wn) {
    int32_t a[4] = {g.b[j], g.b[j + 1], g.b[j + 2], g.b[j + 3]};
    dot4(x, w, w + g.wn, w + 2 * g.wn, w + 3 * g.wn, g.K, a);
    rq_store<Gen>(vec4(a[0], a[1], a[2], a[3]), t, j, oq, o + j, 4);
  }
  if (j + 1 == g.nch) {
    rq_store<Gen>(vdupq_n_s32(dot1(x, w, g.K, g.b[j])), t, j, oq, o + j, 1);
  } else if (j < g.nch) {  // 2 or 3 channels: the last filter twice
    const int32_t r = g.nch - j;
    int32_t a[4] = {g.b[j], g.b[j + 1], g.b[j + r - 1], 0};
    dot4(x, w, w + g.wn, w + (r - 1) * g.wn, w + (r - 1) * g.wn, g.K, a);
    rq_store<Gen>(vec4(a[0], a[1], a[2], a[3]), t, j, oq, o + j, r);
  }
}

// True when every shift of the range is in [-31, 30] (what the vector requantization handles).
bool shifts_ok(const ConvParams& p, const OutRange& r) {
  for (int32_t c = r.c_begin; c < r.c_end; ++c)
    if (p.shift[c] < -31 || p.shift[c] > 30) return false;
  return true;
}

// ---- CONV_2D ----

// The patch of output pixel (iy0, ix0): a pointer into the input for an inside 1x1 tap, else the int8
// im2col patch in buf (padding bytes -input_offset).
const int8_t* patch(const View4<const int8_t>& in, const ConvParams& p, int32_t n, int32_t iy0, int32_t ix0,
                    int8_t* buf) {
  const int32_t KH = p.filter_h, KW = p.filter_w, IC = in.full.c;
  int32_t ky0, ky1, kx0, kx1;
  valid_taps(iy0, KH, in.full.h, &ky0, &ky1);
  valid_taps(ix0, KW, in.full.w, &kx0, &kx1);
  if (KH == 1 && KW == 1 && ky1 > ky0 && kx1 > kx0) return in.at(n, iy0, ix0, 0);
  const int8_t pad = static_cast<int8_t>(-p.input_offset);
  const bool row_contig = in.stride_w == IC;
  for (int32_t ky = 0; ky < KH; ++ky) {
    int8_t* row = buf + ky * KW * IC;
    if (ky < ky0 || ky >= ky1) {
      fill8(row, pad, KW * IC);
      continue;
    }
    fill8(row, pad, kx0 * IC);
    if (row_contig) {
      copy8(row + kx0 * IC, in.at(n, iy0 + ky, ix0 + kx0, 0), (kx1 - kx0) * IC);
    } else {
      for (int32_t kx = kx0; kx < kx1; ++kx) copy8(row + kx * IC, in.at(n, iy0 + ky, ix0 + kx, 0), IC);
    }
    fill8(row + kx1 * IC, pad, (KW - kx1) * IC);
  }
  return buf;
}

// An interior pixel of a k x k convolution on a row-contiguous input: each filter row is KW * IC
// contiguous bytes of the input (x = the first tap, row bytes apart), so the dot products run over the
// KH rows in place (no im2col copy).
template <bool Gen>
TINYOPS_INLINE void gemm_rq_rows(const GemmCtx& g, const RqTab& t, const OutQ& oq, const int8_t* x, int32_t row,
                                 int32_t KH, int32_t seg, int8_t* o) {
  int32_t j = 0;
  const int8_t* w = g.w;
  for (; j < g.nch; j += 4, w += 4 * g.wn) {
    const int32_t r = min_i32(4, g.nch - j);
    const int8_t* w1 = w + (r > 1 ? g.wn : 0);
    const int8_t* w2 = w + (r > 2 ? 2 : r - 1) * g.wn;
    const int8_t* w3 = w + (r > 3 ? 3 : r - 1) * g.wn;
    int32_t a[4] = {g.b[j], g.b[j + (r > 1 ? 1 : 0)], g.b[j + (r > 2 ? 2 : r - 1)], g.b[j + (r > 3 ? 3 : r - 1)]};
    const int8_t* xr = x;
    for (int32_t ky = 0; ky < KH; ++ky, xr += row)
      dot4(xr, w + ky * seg, w1 + ky * seg, w2 + ky * seg, w3 + ky * seg, seg, a);
    rq_store<Gen>(vec4(a[0], a[1], a[2], a[3]), t, j, oq, o + j, r);
  }
}

// 1x1 with K <= 16 over a run of pixels (x = first pixel, step bytes apart): the four filters of a group
// stay in registers (zero beyond K) and each pixel costs one predicated load + 4 VMLADAVA.
template <bool Gen>
TINYOPS_INLINE void gemm_run_small(const GemmCtx& g, const RqTab& t, const OutQ& oq, const int8_t* x, int32_t step,
                                   int32_t npx, int8_t* o, int32_t ostep) {
  const mve_pred16_t pk = vctp8q(static_cast<uint32_t>(g.K));
  for (int32_t j = 0; j < g.nch; j += 4) {
    const int32_t nc = min_i32(4, g.nch - j);
    const int8_t* w = g.w + j * g.wn;
    const int8x16_t w0 = vldrbq_z_s8(w, pk);
    const int8x16_t w1 = nc > 1 ? vldrbq_z_s8(w + g.wn, pk) : vdupq_n_s8(0);
    const int8x16_t w2 = nc > 2 ? vldrbq_z_s8(w + 2 * g.wn, pk) : vdupq_n_s8(0);
    const int8x16_t w3 = nc > 3 ? vldrbq_z_s8(w + 3 * g.wn, pk) : vdupq_n_s8(0);
    const int32_t b0 = g.b[j], b1 = nc > 1 ? g.b[j + 1] : 0, b2 = nc > 2 ? g.b[j + 2] : 0, b3 = nc > 3 ? g.b[j + 3] : 0;
    const int8_t* xp = x;
    int8_t* op = o + j;
    for (int32_t i = 0; i < npx; ++i, xp += step, op += ostep) {
      const int8x16_t v = vldrbq_z_s8(xp, pk);
      const int32x4_t a = vec4(vmladavaq_s8(b0, v, w0), vmladavaq_s8(b1, v, w1), vmladavaq_s8(b2, v, w2),
                               vmladavaq_s8(b3, v, w3));
      rq_store<Gen>(a, t, j, oq, op, nc);
    }
  }
}

// k x k convolutions with K <= 32 (RGB first layers): up to 16 filters at a time copied into 32-byte rows
// (zero beyond K); per pixel the patch (two predicated loads) meets 4 filters per pass: 8 VMLADAVA.
template <bool Gen>
__attribute__((noinline)) void conv_small_k(const ConvParams p, const View4<const int8_t> in, const GemmCtx g,
                                            const RqTab& t, const View4<int8_t> out, const OutRange r, int32_t c0,
                                            int8_t* scratch) {
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  const int32_t OW = out.full.w, K = g.K;
  const mve_pred16_t pk0 = vctp8q(static_cast<uint32_t>(K)), pk1 = vctp8q(static_cast<uint32_t>(max_i32(K - 16, 0)));
  alignas(4) int8_t ft[16][32];
  alignas(4) int8_t pb[32];
  const int32_t KH = p.filter_h, KW = p.filter_w, seg = KW * in.full.c;
  const bool rows_ok = seg <= 16 && in.stride_w == in.full.c;
  const mve_pred16_t pseg = vctp8q(static_cast<uint32_t>(seg));
  for (int32_t s0 = 0; s0 < g.nch; s0 += 16) {
    const int32_t ns = min_i32(16, g.nch - s0);
    for (int32_t q = 0; q < 16; ++q) {
      const int8_t* f = g.w + (s0 + q) * g.wn;
      const bool live = q < ns;
      vstrbq_s8(ft[q], live ? vldrbq_z_s8(f, pk0) : vdupq_n_s8(0));
      vstrbq_s8(ft[q] + 16, live ? vldrbq_z_s8(f + 16, pk1) : vdupq_n_s8(0));
    }
    for (int32_t n = 0; n < out.full.n; ++n)
      for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        int8_t* o = out.at(n, oy, 0, c0 + s0);
        for (int32_t ox = 0; ox < OW; ++ox, o += out.stride_w) {
          const int32_t ix0 = ox * p.stride_w - p.pad_left;
          const int8_t* xp;
          if (rows_ok && iy0 >= 0 && iy0 + KH <= in.full.h && ix0 >= 0 && ix0 + KW <= in.full.w) {
            // interior: the KH rows of KW * IC bytes copied under predicate
            const int8_t* xr = in.at(n, iy0, ix0, 0);
            for (int32_t ky = 0; ky < KH; ++ky, xr += in.stride_h) vstrbq_p_s8(pb + ky * seg, vldrbq_z_s8(xr, pseg), pseg);
            xp = pb;
          } else {
            xp = patch(in, p, n, iy0, ix0, scratch);
          }
          const int8x16_t x0 = vldrbq_z_s8(xp, pk0), x1 = vldrbq_z_s8(xp + 16, pk1);
          for (int32_t j = 0; j < ns; j += 4) {
            const int32_t* b = g.b + s0 + j;
            int32_t a[4];
            for (int32_t k = 0; k < 4; ++k)
              a[k] = vmladavaq_s8(vmladavaq_s8(j + k < ns ? b[k] : 0, x0, vldrbq_s8(ft[j + k])), x1,
                                  vldrbq_s8(ft[j + k] + 16));
            rq_store<Gen>(vec4(a[0], a[1], a[2], a[3]), t, s0 + j, oq, o + j, min_i32(4, ns - j));
          }
        }
      }
  }
}

template <bool Gen>
__attribute__((noinline)) void conv_chunk(const ConvParams p, const View4<const int8_t> in, const GemmCtx g,
                                          const RqTab& t, const View4<int8_t> out, const OutRange r, int32_t c0,
                                          int8_t* scratch) {
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  const int32_t OW = out.full.w;
  const bool direct = p.filter_h == 1 && p.filter_w == 1;
  for (int32_t n = 0; n < out.full.n; ++n) {
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      int8_t* o = out.at(n, oy, 0, c0);
      int32_t ox = 0;
      if (direct && g.K <= 16 && iy0 >= 0 && iy0 < in.full.h && p.pad_left == 0 &&
          (OW - 1) * p.stride_w < in.full.w) {
        gemm_run_small<Gen>(g, t, oq, in.at(n, iy0, 0, 0), p.stride_w * in.stride_w, OW, o, out.stride_w);
        continue;
      }
      if (direct && iy0 >= 0 && iy0 < in.full.h) {
        // 1x1: pixels whose tap lies inside the input read it in place.
        for (; ox < OW; ++ox, o += out.stride_w) {
          const int32_t ix = ox * p.stride_w - p.pad_left;
          if (ix < 0 || ix >= in.full.w) break;
          gemm_rq<Gen>(g, t, oq, in.at(n, iy0, ix, 0), o);
        }
      }
      // (short rows of many filter rows, e.g. 10x4x1, are cheaper through the patch)
      const bool rows_in = !direct && in.stride_w == in.full.c && (p.filter_h <= 3 || p.filter_w * in.full.c >= 16) &&
                           iy0 >= 0 && iy0 + p.filter_h <= in.full.h;
      for (; ox < OW; ++ox, o += out.stride_w) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        if (rows_in && ix0 >= 0 && ix0 + p.filter_w <= in.full.w)
          gemm_rq_rows<Gen>(g, t, oq, in.at(n, iy0, ix0, 0), in.stride_h, p.filter_h, p.filter_w * in.full.c, o);
        else
          gemm_rq<Gen>(g, t, oq, patch(in, p, n, iy0, ix0, scratch), o);
      }
    }
  }
}

bool conv2d(const ConvParams& p, const KernelIO& io, OutRange r, void* scratch, int32_t scratch_bytes,
            KernelStatus* st) {
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full, ws = wv.full;
  if (ws.n != os.c || ws.h != p.filter_h || ws.w != p.filter_w || ws.c != is.c || is.n != os.n) return false;
  if (!p.multiplier || !p.shift || p.stride_h < 1 || p.stride_w < 1 || p.dilation_h != 1 || p.dilation_w != 1)
    return false;
  // Padding bytes are -input_offset: it must be an int8 value.
  if (p.input_offset < -127 || p.input_offset > 128) return false;
  const int32_t IH = is.h, IW = is.w, IC = is.c, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  const int32_t K = KH * KW * IC;
  // One int8 patch (the portable kernel's scratch holds two int16 patches, 4 K bytes).
  if (scratch_bytes < conv2d_s8_scratch_bytes(p, io) || scratch_bytes < K || scratch == nullptr) return false;
  if (!out_ok(ov, ElemType::Int8, r) || ov.stride_c != 1) return false;
  if (range_empty(r)) return false;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + KH;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + KW;
    if (!view_has(iv, ElemType::Int8, 0, is.n, max_i32(yb, 0), min_i32(ye, IH), max_i32(xb, 0), min_i32(xe, IW), 0, IC) ||
        iv.stride_c != 1)
      return false;
  }
  if (!view_has(wv, ElemType::Int8, r.c_begin, r.c_end, 0, KH, 0, KW, 0, IC) || wv.stride_c != 1) return false;
  if (wv.stride_w != IC || wv.stride_h != KW * IC || !shifts_ok(p, r)) return false;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  int8_t* const patches = static_cast<int8_t*>(scratch);
  const bool small_k = K <= 32 && (KH > 1 || KW > 1);
  for_each_chunk(p, w, r, K, [&](const GemmCtx& g, const RqTab& t, int32_t c0, bool gen) {
    if (small_k) {
      if (gen) conv_small_k<true>(p, in, g, t, out, r, c0, patches);
      else conv_small_k<false>(p, in, g, t, out, r, c0, patches);
    } else {
      if (gen) conv_chunk<true>(p, in, g, t, out, r, c0, patches);
      else conv_chunk<false>(p, in, g, t, out, r, c0, patches);
    }
  });
  *st = KernelStatus::Ok;
  return true;
}

// ---- FULLY_CONNECTED ----

template <bool Gen>
__attribute__((noinline)) void fc_chunk(const ConvParams p, const View4<const int8_t> in, const GemmCtx g,
                                        const RqTab& t, const View4<int8_t> out, const OutRange r, int32_t c0) {
  const OutQ o{p.output_offset, p.act_min, p.act_max};
  for (int32_t n = 0; n < out.full.n; ++n)
    for (int32_t b = r.y_begin; b < r.y_end; ++b) gemm_rq<Gen>(g, t, o, in.at(n, b, 0, 0), out.at(n, b, 0, c0));
}

bool fully_connected(const ConvParams& p, const KernelIO& io, OutRange r, KernelStatus* st) {
  if (range_empty(r) || kern::fully_connected_check(p, io, r) != KernelStatus::Ok || io.out.stride_c != 1)
    return false;
  const AnyView& iv = io.in[0];
  const AnyView& wv = io.weights;
  const AnyView& ov = io.out;
  const int32_t I = iv.full.c;
  if (!shifts_ok(p, r)) return false;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  for_each_chunk(p, w, r, I, [&](const GemmCtx& g, const RqTab& t, int32_t c0, bool gen) {
    if (gen) fc_chunk<true>(p, in, g, t, out, r, c0);
    else fc_chunk<false>(p, in, g, t, out, r, c0);
  });
  *st = KernelStatus::Ok;
  return true;
}

// ---- DEPTHWISE_CONV_2D, depth multiplier 1 ----

struct DwGeo {
  int32_t sw, sh, wsw, wsh;
};

// A block of 8 channels in int16 lanes (VLDRB.S16): ae (even channels) += VMULLB(x + off, w), ao (odd
// channels) += VMULLT, over taps [0, nky) x [0, nkx); x / w point at the first tap's first channel.
// Pred: loads under pr (zeroes beyond the channel count).
template <bool Pred, bool Off, int KW>
TINYOPS_INLINE void dw_taps(const int8_t* x, const int8_t* w, const DwGeo& g, int32_t nky, int32_t nkx, int32_t off,
                            mve_pred16_t pr, int32x4_t* ae, int32x4_t* ao) {
  int32x4_t a0 = *ae, a1 = *ao;
  const int32_t kw = KW ? KW : nkx;
  const int16_t o16 = static_cast<int16_t>(off);
  for (int32_t ky = 0; ky < nky; ++ky, x += g.sh, w += g.wsh) {
    const int8_t* xp = x;
    const int8_t* wp = w;
#pragma GCC unroll 7
    for (int32_t kx = 0; kx < kw; ++kx, xp += g.sw, wp += g.wsw) {
      int16x8_t v = Pred ? vldrbq_z_s16(xp, pr) : vldrbq_s16(xp);
      const int16x8_t c = Pred ? vldrbq_z_s16(wp, pr) : vldrbq_s16(wp);
      if (Off) v = vaddq_n_s16(v, o16);
      a0 = vaddq_s32(a0, vmullbq_int_s16(v, c));
      a1 = vaddq_s32(a1, vmulltq_int_s16(v, c));
    }
  }
  *ae = a0, *ao = a1;
}

// Even / odd lanes of an 8-channel block -> out[0, 2, 4, 6] / out[1, 3, 5, 7] (the first n channels).
template <bool Gen>
TINYOPS_INLINE void dw_store8(int32x4_t ae, int32x4_t ao, const RqTab& t, int32_t j, const OutQ& oq, int8_t* out,
                              int32_t n) {
  const uint32x4_t offs = vidupq_n_u32(0, 2);  // 0, 2, 4, 6
  const int32x4_t e = rq_vec<Gen>(ae, t, j, oq), od = rq_vec<Gen>(ao, t, j + 4, oq);
  if (n >= 8) {
    vstrbq_scatter_offset_s32(out, offs, e);
    vstrbq_scatter_offset_s32(out + 1, offs, od);
  } else {
    vstrbq_scatter_offset_p_s32(out, offs, e, vctp32q(static_cast<uint32_t>((n + 1) >> 1)));
    vstrbq_scatter_offset_p_s32(out + 1, offs, od, vctp32q(static_cast<uint32_t>(n >> 1)));
  }
}

// One output pixel, channels [0, nch) of the chunk: taps [0, nky) x [0, nkx) from x (the pixel's first
// valid tap) and w. Interior: accumulators start at bias_sums, no offset; border: bias, + offset.
// b = the chunk's starting accumulators in lane order.
template <bool Gen, bool Interior, int KW>
TINYOPS_INLINE void dw_pixel(const ConvParams& p, const RqTab& t, const int32_t* b, const OutQ& oq, const DwGeo& g,
                             const int8_t* x, const int8_t* w, int32_t nch, int32_t nky, int32_t nkx, int8_t* o) {
  int32_t j = 0;
  for (; j + 8 <= nch; j += 8) {
    int32x4_t ae = vldrwq_s32(b + j), ao = vldrwq_s32(b + j + 4);
    dw_taps<false, !Interior, KW>(x + j, w + j, g, nky, nkx, p.input_offset, 0xFFFF, &ae, &ao);
    dw_store8<Gen>(ae, ao, t, j, oq, o + j, 8);
  }
  if (j < nch) {
    const mve_pred16_t pr = vctp16q(static_cast<uint32_t>(nch - j));
    int32x4_t ae = vldrwq_s32(b + j), ao = vldrwq_s32(b + j + 4);
    dw_taps<true, !Interior, KW>(x + j, w + j, g, nky, nkx, p.input_offset, pr, &ae, &ao);
    dw_store8<Gen>(ae, ao, t, j, oq, o + j, nch - j);
  }
}

template <bool Gen, int KW>
__attribute__((noinline)) void dw_chunk(const ConvParams p, const View4<const int8_t> in, const View4<const int8_t> w,
                                        const RqTab& t, const View4<int8_t> out, const OutRange r, int32_t c0,
                                        int32_t nch) {
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  const int32_t IH = in.full.h, IW = in.full.w, OW = out.full.w, KH = p.filter_h, KWr = p.filter_w;
  const DwGeo g{in.stride_w, in.stride_h, w.stride_w, w.stride_h};
  const int8_t* w0 = w.at(0, 0, 0, c0);
  // Output columns whose taps all lie inside the input: [ox_a, ox_b).
  const int32_t ox_a = min_i32((p.pad_left + p.stride_w - 1) / p.stride_w, OW);
  const int32_t ox_b =
      IW - KWr + p.pad_left >= 0 ? max_i32(min_i32((IW - KWr + p.pad_left) / p.stride_w + 1, OW), ox_a) : ox_a;
  for (int32_t n = 0; n < out.full.n; ++n) {
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      int32_t ky0, ky1;
      valid_taps(iy0, KH, IH, &ky0, &ky1);
      int8_t* o = out.at(n, oy, 0, c0);
      const bool rows_full = ky0 == 0 && ky1 == KH && p.bias_sums;
      for (int32_t ox = 0; ox < OW; ++ox, o += out.stride_w) {
        if (rows_full && ox >= ox_a && ox < ox_b) {
          // The interior run: pointers step by the stride, no per-pixel tap clipping.
          const int8_t* x = in.at(n, iy0, ox * p.stride_w - p.pad_left, c0);
          const int32_t dx = p.stride_w * g.sw, os = out.stride_w;
          for (; ox < ox_b; ++ox, o += os, x += dx) dw_pixel<Gen, true, KW>(p, t, t.bs, oq, g, x, w0, nch, KH, KWr, o);
          --ox, o -= os;
          continue;
        }
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        int32_t kx0, kx1;
        valid_taps(ix0, KWr, IW, &kx0, &kx1);
        if (ky0 == 0 && ky1 == KH && kx0 == 0 && kx1 == KWr && p.bias_sums) {
          dw_pixel<Gen, true, KW>(p, t, t.bs, oq, g, in.at(n, iy0, ix0, c0), w0, nch, KH, KWr, o);
        } else if (ky1 > ky0 && kx1 > kx0) {
          dw_pixel<Gen, false, 0>(p, t, t.b, oq, g, in.at(n, iy0 + ky0, ix0 + kx0, c0), w0 + ky0 * g.wsh + kx0 * g.wsw,
                                   nch, ky1 - ky0, kx1 - kx0, o);
        } else {  // no valid tap: the bias alone
          dw_pixel<Gen, false, 0>(p, t, t.b, oq, g, in.data, w0, nch, 0, 0, o);
        }
      }
    }
  }
}

// One input channel (first layers, any depth multiplier): output channel c = input 0 x filter c, so a tap
// is VMLA by the scalar (x + input_offset) on 4 channels; padding taps are skipped (bias start).
template <bool Gen>
__attribute__((noinline)) void dw1_chunk(const ConvParams p, const View4<const int8_t> in, const View4<const int8_t> w,
                                         const RqTab& t, const View4<int8_t> out, const OutRange r, int32_t c0,
                                         int32_t nch) {
  const OutQ oq{p.output_offset, p.act_min, p.act_max};
  const int32_t IH = in.full.h, IW = in.full.w, OW = out.full.w, KH = p.filter_h, KW = p.filter_w;
  const int32_t isw = in.stride_w, ish = in.stride_h, wsw = w.stride_w, wsh = w.stride_h, off = p.input_offset;
  // Interior pixels of filters with <= 16 taps go through dw1_interior (below) when bias_sums exist.
  const bool small = KH * KW <= 16 && isw == 1 && p.bias_sums;
  const int32_t ox_a = min_i32((p.pad_left + p.stride_w - 1) / p.stride_w, OW);
  const int32_t ox_b =
      IW - KW + p.pad_left >= 0 ? max_i32(min_i32((IW - KW + p.pad_left) / p.stride_w + 1, OW), ox_a) : ox_a;
  for (int32_t n = 0; n < out.full.n; ++n) {
    for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      int32_t ky0, ky1;
      valid_taps(iy0, KH, IH, &ky0, &ky1);
      const bool skip = small && ky0 == 0 && ky1 == KH;
      int8_t* o = out.at(n, oy, 0, c0);
      for (int32_t ox = 0; ox < OW; ++ox, o += out.stride_w) {
        if (skip && ox >= ox_a && ox < ox_b) continue;
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        int32_t kx0, kx1;
        valid_taps(ix0, KW, IW, &kx0, &kx1);
        const int32_t nky = ky1 - ky0, nkx = kx1 - kx0;
        const int8_t* x0 = in.at(n, iy0 + ky0, ix0 + kx0, 0);
        const int8_t* w0 = w.at(0, ky0, kx0, c0);
        for (int32_t j = 0; j < nch; j += 8) {
          int32x4_t a0 = vldrwq_s32(t.b + j), a1 = vldrwq_s32(t.b + j + 4);
          const int8_t* xr = x0;
          const int8_t* wr = w0 + j;
          if (nch - j >= 8) {
            for (int32_t ky = 0; ky < nky; ++ky, xr += ish, wr += wsh) {
              const int8_t* xp = xr;
              const int8_t* wp = wr;
              for (int32_t kx = 0; kx < nkx; ++kx, xp += isw, wp += wsw) {
                const int32_t xv = *xp + off;
                a0 = vmlaq_n_s32(a0, vldrbq_s32(wp), xv);
                a1 = vmlaq_n_s32(a1, vldrbq_s32(wp + 4), xv);
              }
            }
          } else {
            const mve_pred16_t p0 = vctp32q(static_cast<uint32_t>(nch - j));
            const mve_pred16_t p1 = vctp32q(static_cast<uint32_t>(max_i32(nch - j - 4, 0)));
            for (int32_t ky = 0; ky < nky; ++ky, xr += ish, wr += wsh) {
              const int8_t* xp = xr;
              const int8_t* wp = wr;
              for (int32_t kx = 0; kx < nkx; ++kx, xp += isw, wp += wsw) {
                const int32_t xv = *xp + off;
                a0 = vmlaq_n_s32(a0, vldrbq_z_s32(wp, p0), xv);
                a1 = vmlaq_n_s32(a1, vldrbq_z_s32(wp + 4, p1), xv);
              }
            }
          }
          rq_store<Gen>(a0, t, j, oq, o + j, nch - j);
          if (nch - j > 4) rq_store<Gen>(a1, t, j + 4, oq, o + j + 4, nch - j - 4);
        }
      }
    }
  }
  if (!small) return;
  // Interior pixels, 4 channels at a time: the channels' KH*KW taps as 16-byte filters (zero beyond the
  // taps) stay in registers; each pixel's taps are copied into a 16-byte patch, then one VMLADAVA per
  // channel from bias_sums (the input offset is folded in there).
  const int32_t K = KH * KW;
  const mve_pred16_t pkw = vctp8q(static_cast<uint32_t>(KW));
  alignas(4) int8_t fb[4][16];
  alignas(4) int8_t patch_buf[16];
  for (int32_t k = 0; k < 16; ++k) patch_buf[k] = 0;
  for (int32_t j = 0; j < nch; j += 4) {
    const int32_t nc = min_i32(4, nch - j);
    for (int32_t q = 0; q < 4; ++q)
      for (int32_t k = 0; k < 16; ++k)
        fb[q][k] = (q < nc && k < K) ? *w.at(0, k / KW, k % KW, c0 + j + q) : 0;
    const int8x16_t f0 = vldrbq_s8(fb[0]), f1 = vldrbq_s8(fb[1]), f2 = vldrbq_s8(fb[2]), f3 = vldrbq_s8(fb[3]);
    const int32_t* bs = p.bias_sums + c0 + j;
    const int32_t b0 = bs[0], b1 = nc > 1 ? bs[1] : 0, b2 = nc > 2 ? bs[2] : 0, b3 = nc > 3 ? bs[3] : 0;
    for (int32_t n = 0; n < out.full.n; ++n)
      for (int32_t oy = r.y_begin; oy < r.y_end; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        if (iy0 < 0 || iy0 + KH > IH || ox_a >= ox_b) continue;
        const int8_t* x = in.at(n, iy0, ox_a * p.stride_w - p.pad_left, 0);
        int8_t* o = out.at(n, oy, ox_a, c0 + j);
        for (int32_t ox = ox_a; ox < ox_b; ++ox, x += p.stride_w, o += out.stride_w) {
          const int8_t* xr = x;
          for (int32_t ky = 0; ky < KH; ++ky, xr += ish) vstrbq_p_s8(patch_buf + ky * KW, vldrbq_z_s8(xr, pkw), pkw);
          const int8x16_t v = vldrbq_s8(patch_buf);
          rq_store<Gen>(vec4(vmladavaq_s8(b0, v, f0), vmladavaq_s8(b1, v, f1), vmladavaq_s8(b2, v, f2),
                             vmladavaq_s8(b3, v, f3)),
                        t, j, oq, o, nc);
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
  // Depth multiplier 1, or one input channel (any multiplier).
  if (M < 1 || (M != 1 && is.c != 1) || ws.n != 1 || ws.c != os.c || ws.h != p.filter_h || ws.w != p.filter_w ||
      is.c * M != os.c || is.n != os.n)
    return false;
  if (!p.multiplier || !p.shift || p.stride_h < 1 || p.stride_w < 1 || p.dilation_h != 1 || p.dilation_w != 1)
    return false;
  if (p.input_offset < -255 || p.input_offset > 255) return false;
  if (!out_ok(ov, ElemType::Int8, r) || ov.stride_c != 1) return false;
  if (range_empty(r)) return false;
  const int32_t IH = is.h, IW = is.w, OW = os.w, KH = p.filter_h, KW = p.filter_w;
  {
    const int32_t yb = r.y_begin * p.stride_h - p.pad_top;
    const int32_t ye = (r.y_end - 1) * p.stride_h - p.pad_top + KH;
    const int32_t xb = -p.pad_left, xe = (OW - 1) * p.stride_w - p.pad_left + KW;
    if (!view_has(iv, ElemType::Int8, 0, is.n, max_i32(yb, 0), min_i32(ye, IH), max_i32(xb, 0), min_i32(xe, IW),
                  r.c_begin / M, (r.c_end - 1) / M + 1) ||
        iv.stride_c != 1)
      return false;
  }
  if (!view_has(wv, ElemType::Int8, 0, 1, 0, KH, 0, KW, r.c_begin, r.c_end) || wv.stride_c != 1) return false;
  if (!shifts_ok(p, r)) return false;
  const View4<const int8_t> in = iv.as<const int8_t>();
  const View4<const int8_t> w = wv.as<const int8_t>();
  const View4<int8_t> out = ov.as<int8_t>();
  RqTab t;
  for (int32_t c0 = r.c_begin; c0 < r.c_end; c0 += kCh) {
    const int32_t nch = min_i32(kCh, r.c_end - c0);
    if (is.c == 1) {
      const bool gen1 = make_tab<false>(p, c0, nch, &t);
      for (int32_t j = 0; j < nch; ++j) t.b[j] = p.bias ? p.bias[c0 + j] : 0;
      if (gen1) dw1_chunk<true>(p, in, w, t, out, r, c0, nch);
      else dw1_chunk<false>(p, in, w, t, out, r, c0, nch);
      continue;
    }
    const bool gen = make_tab<true>(p, c0, nch, &t);
    for (int32_t j = 0; j < nch; ++j) {
      t.b[dw_lane(j)] = p.bias ? p.bias[c0 + j] : 0;
      t.bs[dw_lane(j)] = p.bias_sums ? p.bias_sums[c0 + j] : 0;
    }
    // The general requantization (some shift >= 0) is rare: one generic instantiation for it.
    if (gen) dw_chunk<true, 0>(p, in, w, t, out, r, c0, nch);
    else if (KW == 3) dw_chunk<false, 3>(p, in, w, t, out, r, c0, nch);
    else dw_chunk<false, 0>(p, in, w, t, out, r, c0, nch);
  }
  *st = KernelStatus::Ok;
  return true;
}

}  // namespace

bool invoke_mve(const KernelArgs& args, const KernelIO& io, OutRange range, void* scratch, int32_t scratch_bytes,
                KernelStatus* status) {
#if defined(TINYOPS_NO_MVE_KERNELS)  // measurement switch: the DSP paths alone
  return false;
#endif
  switch (args.kind) {
    case KernelKind::Conv2D: return conv2d(args.p.conv, io, range, scratch, scratch_bytes, status);
    case KernelKind::DepthwiseConv2D: return depthwise(args.p.conv, io, range, status);
    case KernelKind::FullyConnected: return fully_connected(args.p.conv, io, range, status);
    default: return false;
  }
}

}  // namespace arm
}  // namespace kern
}  // namespace tinyops
#endif
