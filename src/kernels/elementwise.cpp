// Elementwise kernels: ADD and MUL (int8, with broadcasting), 8-bit table lookups (LOGISTIC,
// HARD_SWISH, RELU, RELU6, 8-bit QUANTIZE), DEQUANTIZE (8-bit -> float32) and QUANTIZE float32 -> 8-bit.
#include <math.h>

#include "kernels/internal.h"

namespace tinyops {
namespace kern {
namespace {

// Broadcast-aware access to an input of a binary op: a dimension of size 1 is read at index 0.
struct BInput {
  View4<const int8_t> v;
  bool bn, by, bx, bc;
  int32_t step_c;  // element step along output channels (0 when broadcast)
};

bool binput_make(const AnyView& a, const Shape4& out, BInput* b) {
  const Shape4 s = a.full;
  if ((s.n != out.n && s.n != 1) || (s.h != out.h && s.h != 1) || (s.w != out.w && s.w != 1) ||
      (s.c != out.c && s.c != 1))
    return false;
  b->v = a.as<const int8_t>();
  b->bn = s.n == 1 && out.n != 1;
  b->by = s.h == 1 && out.h != 1;
  b->bx = s.w == 1 && out.w != 1;
  b->bc = s.c == 1 && out.c != 1;
  b->step_c = b->bc ? 0 : b->v.stride_c;
  return true;
}

bool binput_view_ok(const AnyView& a, const BInput& b, const Shape4& out, const OutRange& r) {
  const int32_t n1 = b.bn ? 1 : out.n;
  const int32_t y0 = b.by ? 0 : r.y_begin, y1 = b.by ? 1 : r.y_end;
  const int32_t x1 = b.bx ? 1 : out.w;
  const int32_t c0 = b.bc ? 0 : r.c_begin, c1 = b.bc ? 1 : r.c_end;
  return view_has(a, ElemType::Int8, 0, n1, y0, y1, 0, x1, c0, c1);
}

inline const int8_t* binput_at(const BInput& b, int32_t n, int32_t y, int32_t x, int32_t c) {
  return b.v.at(b.bn ? 0 : n, b.by ? 0 : y, b.bx ? 0 : x, b.bc ? 0 : c);
}

TINYOPS_INLINE int32_t add_one(const AddParams& p, int32_t a, int32_t b) {
  const int32_t s1 = (p.input1_offset + a) * (1 << p.left_shift);
  const int32_t s2 = (p.input2_offset + b) * (1 << p.left_shift);
  const int32_t c1 = mbqm(s1, p.input1_multiplier, p.input1_shift);
  const int32_t c2 = mbqm(s2, p.input2_multiplier, p.input2_shift);
  const int32_t raw = mbqm(c1 + c2, p.output_multiplier, p.output_shift) + p.output_offset;
  return raw < p.act_min ? p.act_min : (raw > p.act_max ? p.act_max : raw);
}

TINYOPS_INLINE int32_t mul_one(const MulParams& p, int32_t a, int32_t b) {
  const int32_t prod = (p.input1_offset + a) * (p.input2_offset + b);
  const int32_t raw = mbqm(prod, p.output_multiplier, p.output_shift) + p.output_offset;
  return raw < p.act_min ? p.act_min : (raw > p.act_max ? p.act_max : raw);
}

template <typename Fn>
TINYOPS_INLINE KernelStatus binary(const KernelIO& io, OutRange r, Fn fn) {
  if (io.num_inputs != 2) return KernelStatus::BadArgs;
  const Shape4 os = io.out.full;
  BInput a, b;
  if (!binput_make(io.in[0], os, &a) || !binput_make(io.in[1], os, &b)) return KernelStatus::BadArgs;
  if (!out_ok(io.out, ElemType::Int8, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  if (!binput_view_ok(io.in[0], a, os, r) || !binput_view_ok(io.in[1], b, os, r)) return KernelStatus::BadView;
  const View4<int8_t> out = io.out.as<int8_t>();
  const int32_t len = r.c_end - r.c_begin;
  for (int32_t n = 0; n < os.n; ++n)
    for (int32_t y = r.y_begin; y < r.y_end; ++y)
      for (int32_t x = 0; x < os.w; ++x) {
        const int8_t* pa = binput_at(a, n, y, x, r.c_begin);
        const int8_t* pb = binput_at(b, n, y, x, r.c_begin);
        int8_t* o = out.at(n, y, x, r.c_begin);
        // Contiguous and broadcast-scalar channel loops vectorise.
        if (a.step_c == 1 && b.step_c == 1 && out.stride_c == 1) {
          for (int32_t j = 0; j < len; ++j) o[j] = static_cast<int8_t>(fn(pa[j], pb[j]));
        } else if (a.step_c == 1 && b.step_c == 0 && out.stride_c == 1) {
          const int32_t vb = pb[0];
          for (int32_t j = 0; j < len; ++j) o[j] = static_cast<int8_t>(fn(pa[j], vb));
        } else if (a.step_c == 0 && b.step_c == 1 && out.stride_c == 1) {
          const int32_t va = pa[0];
          for (int32_t j = 0; j < len; ++j) o[j] = static_cast<int8_t>(fn(va, pb[j]));
        } else {
          for (int32_t j = 0; j < len; ++j)
            o[j * out.stride_c] = static_cast<int8_t>(fn(pa[j * a.step_c], pb[j * b.step_c]));
        }
      }
  return KernelStatus::Ok;
}

// Iterates a unary elementwise op over the range; in and out have the same shape.
template <typename TIn, typename TOut, typename Fn>
KernelStatus unary(const KernelIO& io, OutRange r, ElemType tin, ElemType tout, Fn fn) {
  const Shape4 is = io.in[0].full, os = io.out.full;
  if (is.n != os.n || is.h != os.h || is.w != os.w || is.c != os.c) return KernelStatus::BadArgs;
  if (!out_ok(io.out, tout, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  if (!view_has(io.in[0], tin, 0, os.n, r.y_begin, r.y_end, 0, os.w, r.c_begin, r.c_end)) return KernelStatus::BadView;
  const View4<const TIn> in = io.in[0].as<const TIn>();
  const View4<TOut> out = io.out.as<TOut>();
  const int32_t len = r.c_end - r.c_begin;
  for (int32_t n = 0; n < os.n; ++n)
    for (int32_t y = r.y_begin; y < r.y_end; ++y)
      for (int32_t x = 0; x < os.w; ++x) {
        const TIn* s = in.at(n, y, x, r.c_begin);
        TOut* d = out.at(n, y, x, r.c_begin);
        if (in.stride_c == 1 && out.stride_c == 1) {
          for (int32_t j = 0; j < len; ++j) d[j] = fn(s[j]);
        } else {
          for (int32_t j = 0; j < len; ++j) d[j * out.stride_c] = fn(s[j * in.stride_c]);
        }
      }
  return KernelStatus::Ok;
}

bool is_8bit(ElemType t) { return t == ElemType::Int8 || t == ElemType::UInt8; }

}  // namespace

TINYOPS_HOT KernelStatus add_s8(const AddParams& p, const KernelIO& io, OutRange r) {
  return binary(io, r, [&p](int32_t a, int32_t b) { return add_one(p, a, b); });
}

TINYOPS_HOT KernelStatus mul_s8(const MulParams& p, const KernelIO& io, OutRange r) {
  return binary(io, r, [&p](int32_t a, int32_t b) { return mul_one(p, a, b); });
}

KernelStatus lut8(const LutParams& p, const KernelIO& io, OutRange r) {
  if (!p.table) return KernelStatus::BadArgs;
  const ElemType tin = io.in[0].type, tout = io.out.type;
  if (!is_8bit(tin) || !is_8bit(tout)) return KernelStatus::Unsupported;
  const uint8_t* table = static_cast<const uint8_t*>(p.table);
  return unary<uint8_t, uint8_t>(io, r, tin, tout, [table](uint8_t v) { return table[v]; });
}

KernelStatus dequantize_lut(const LutParams& p, const KernelIO& io, OutRange r) {
  if (!p.table) return KernelStatus::BadArgs;
  const ElemType tin = io.in[0].type;
  if (!is_8bit(tin) || io.out.type != ElemType::Float32) return KernelStatus::Unsupported;
  const float* table = static_cast<const float*>(p.table);
  return unary<uint8_t, float>(io, r, tin, ElemType::Float32, [table](uint8_t v) { return table[v]; });
}

KernelStatus quantize_f32(const QuantizeParams& p, const KernelIO& io, OutRange r) {
  const ElemType tout = io.out.type;
  if (io.in[0].type != ElemType::Float32 || !is_8bit(tout)) return KernelStatus::Unsupported;
  if (!(p.scale > 0.0f)) return KernelStatus::BadArgs;
  auto q = [&p](float v) {
    float t = roundf(v / p.scale);
    // Out-of-range values saturate below; keep the float -> int conversion defined.
    if (!(t > -1073741824.0f)) t = -1073741824.0f;
    if (t > 1073741824.0f) t = 1073741824.0f;
    return clamp_i32(static_cast<int32_t>(t) + p.zero_point, p.qmin, p.qmax);
  };
  if (tout == ElemType::Int8)
    return unary<float, int8_t>(io, r, ElemType::Float32, tout, [&q](float v) { return static_cast<int8_t>(q(v)); });
  return unary<float, uint8_t>(io, r, ElemType::Float32, tout, [&q](float v) { return static_cast<uint8_t>(q(v)); });
}

}  // namespace kern
}  // namespace tinyops
