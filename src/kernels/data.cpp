// Data movement: PAD/PADV2, TRANSPOSE, CONCATENATION, RESHAPE/SQUEEZE (flat copy). Any element type.
#include <string.h>

#include "kernels/internal.h"

namespace tinyops {
namespace kern {
namespace {

inline const uint8_t* byte_at(const AnyView& v, int32_t n, int32_t y, int32_t x, int32_t c) {
  const int64_t e = static_cast<int64_t>(n - v.n0) * v.stride_n + static_cast<int64_t>(y - v.y0) * v.stride_h +
                    static_cast<int64_t>(x - v.x0) * v.stride_w + static_cast<int64_t>(c - v.c0) * v.stride_c;
  return static_cast<const uint8_t*>(v.data) + e * elem_size(v.type);
}
inline uint8_t* byte_at_mut(const AnyView& v, int32_t n, int32_t y, int32_t x, int32_t c) {
  return const_cast<uint8_t*>(byte_at(v, n, y, x, c));
}

inline int64_t count4(const Shape4& s) { return static_cast<int64_t>(s.n) * s.h * s.w * s.c; }

// Full-tensor views with every element present.
inline bool whole(const AnyView& v, ElemType t) { return view_has(v, t, 0, v.full.n, 0, v.full.h, 0, v.full.w, 0, v.full.c); }

inline bool dense(const AnyView& v) {
  return v.stride_c == 1 && v.stride_w == v.c && v.stride_h == v.w * v.c && (v.n == 1 || v.stride_n == v.h * v.w * v.c);
}

}  // namespace

KernelStatus pad(const PadParams& p, const KernelIO& io, OutRange r) {
  const AnyView& iv = io.in[0];
  const AnyView& ov = io.out;
  const Shape4 is = iv.full, os = ov.full;
  const int32_t in_dims[4] = {is.n, is.h, is.w, is.c}, out_dims[4] = {os.n, os.h, os.w, os.c};
  for (int d = 0; d < 4; ++d)
    if (p.before[d] < 0 || p.after[d] < 0 || in_dims[d] + p.before[d] + p.after[d] != out_dims[d])
      return KernelStatus::BadArgs;
  if (iv.type != ov.type) return KernelStatus::BadArgs;
  if (!out_ok(ov, ov.type, r)) return KernelStatus::BadView;
  if (range_empty(r)) return KernelStatus::Ok;
  const int32_t yb = max_i32(r.y_begin - p.before[1], 0), ye = min_i32(r.y_end - p.before[1], is.h);
  const int32_t cb = max_i32(r.c_begin - p.before[3], 0), ce = min_i32(r.c_end - p.before[3], is.c);
  if (!view_has(iv, iv.type, 0, is.n, yb, ye, 0, is.w, cb, ce)) return KernelStatus::BadView;
  const int32_t es = elem_size(ov.type);
  uint8_t fill[4];
  if (ov.type == ElemType::Int8) {
    const int8_t v = static_cast<int8_t>(p.pad_value);
    memcpy(fill, &v, 1);
  } else if (ov.type == ElemType::UInt8) {
    fill[0] = static_cast<uint8_t>(p.pad_value);
  } else if (ov.type == ElemType::Int16) {
    const int16_t v = static_cast<int16_t>(p.pad_value);
    memcpy(fill, &v, 2);
  } else if (ov.type == ElemType::Int32) {
    memcpy(fill, &p.pad_value, 4);
  } else {
    const float v = static_cast<float>(p.pad_value);
    memcpy(fill, &v, 4);
  }
  // Per output pixel: the channels of the range that come from the input are one contiguous span.
  const int32_t span_b = max_i32(r.c_begin, p.before[3]), span_e = min_i32(r.c_end, p.before[3] + is.c);
  auto fill_channels = [&](int32_t n, int32_t y, int32_t x, int32_t c0, int32_t c1) {
    if (c1 <= c0) return;
    if (es == 1 && ov.stride_c == 1) {
      memset(byte_at_mut(ov, n, y, x, c0), fill[0], static_cast<size_t>(c1 - c0));
      return;
    }
    for (int32_t c = c0; c < c1; ++c) memcpy(byte_at_mut(ov, n, y, x, c), fill, static_cast<size_t>(es));
  };
  for (int32_t n = 0; n < os.n; ++n)
    for (int32_t y = r.y_begin; y < r.y_end; ++y)
      for (int32_t x = 0; x < os.w; ++x) {
        const int32_t in_n = n - p.before[0], in_y = y - p.before[1], in_x = x - p.before[2];
        const bool inside = in_n >= 0 && in_n < is.n && in_y >= 0 && in_y < is.h && in_x >= 0 && in_x < is.w;
        if (!inside || span_b >= span_e) {
          fill_channels(n, y, x, r.c_begin, r.c_end);
          continue;
        }
        fill_channels(n, y, x, r.c_begin, span_b);
        if (iv.stride_c == 1 && ov.stride_c == 1) {
          memcpy(byte_at_mut(ov, n, y, x, span_b), byte_at(iv, in_n, in_y, in_x, span_b - p.before[3]),
                 static_cast<size_t>(es) * static_cast<size_t>(span_e - span_b));
        } else {
          for (int32_t c = span_b; c < span_e; ++c)
            memcpy(byte_at_mut(ov, n, y, x, c), byte_at(iv, in_n, in_y, in_x, c - p.before[3]), static_cast<size_t>(es));
        }
        fill_channels(n, y, x, span_e, r.c_end);
      }
  return KernelStatus::Ok;
}

KernelStatus transpose(const TransposeParams& p, const KernelIO& io, OutRange r) {
  (void)r;
  const AnyView& iv = io.in[0];
  const AnyView& ov = io.out;
  const int32_t in_dims[4] = {iv.full.n, iv.full.h, iv.full.w, iv.full.c};
  const int32_t out_dims[4] = {ov.full.n, ov.full.h, ov.full.w, ov.full.c};
  bool seen[4] = {false, false, false, false};
  for (int i = 0; i < 4; ++i) {
    if (p.perm[i] < 0 || p.perm[i] > 3 || seen[p.perm[i]] || out_dims[i] != in_dims[p.perm[i]])
      return KernelStatus::BadArgs;
    seen[p.perm[i]] = true;
  }
  if (iv.type != ov.type) return KernelStatus::BadArgs;
  if (!whole(ov, ov.type) || !whole(iv, iv.type)) return KernelStatus::BadView;
  const size_t es = static_cast<size_t>(elem_size(ov.type));
  int32_t o[4];
  for (o[0] = 0; o[0] < out_dims[0]; ++o[0])
    for (o[1] = 0; o[1] < out_dims[1]; ++o[1])
      for (o[2] = 0; o[2] < out_dims[2]; ++o[2])
        for (o[3] = 0; o[3] < out_dims[3]; ++o[3]) {
          int32_t i[4];
          for (int d = 0; d < 4; ++d) i[p.perm[d]] = o[d];
          memcpy(byte_at_mut(ov, o[0], o[1], o[2], o[3]), byte_at(iv, i[0], i[1], i[2], i[3]), es);
        }
  return KernelStatus::Ok;
}

KernelStatus concatenation(const ConcatParams& p, const KernelIO& io, OutRange r) {
  (void)r;
  const AnyView& ov = io.out;
  if (p.axis < 0 || p.axis > 3) return KernelStatus::BadArgs;
  const int32_t out_dims[4] = {ov.full.n, ov.full.h, ov.full.w, ov.full.c};
  int32_t total = 0;
  for (int32_t k = 0; k < io.num_inputs; ++k) {
    const AnyView& iv = io.in[k];
    const int32_t d[4] = {iv.full.n, iv.full.h, iv.full.w, iv.full.c};
    for (int a = 0; a < 4; ++a)
      if (a != p.axis && d[a] != out_dims[a]) return KernelStatus::BadArgs;
    if (iv.type != ov.type) return KernelStatus::BadArgs;
    total += d[p.axis];
  }
  if (total != out_dims[p.axis]) return KernelStatus::BadArgs;
  if (!whole(ov, ov.type)) return KernelStatus::BadView;
  for (int32_t k = 0; k < io.num_inputs; ++k)
    if (!whole(io.in[k], ov.type)) return KernelStatus::BadView;
  const size_t es = static_cast<size_t>(elem_size(ov.type));
  int32_t base = 0;
  for (int32_t k = 0; k < io.num_inputs; ++k) {
    const AnyView& iv = io.in[k];
    const int32_t off[4] = {p.axis == 0 ? base : 0, p.axis == 1 ? base : 0, p.axis == 2 ? base : 0,
                            p.axis == 3 ? base : 0};
    for (int32_t n = 0; n < iv.full.n; ++n)
      for (int32_t y = 0; y < iv.full.h; ++y)
        for (int32_t x = 0; x < iv.full.w; ++x) {
          if (iv.stride_c == 1 && ov.stride_c == 1) {
            memcpy(byte_at_mut(ov, n + off[0], y + off[1], x + off[2], off[3]), byte_at(iv, n, y, x, 0),
                   es * static_cast<size_t>(iv.full.c));
            continue;
          }
          for (int32_t c = 0; c < iv.full.c; ++c)
            memcpy(byte_at_mut(ov, n + off[0], y + off[1], x + off[2], c + off[3]), byte_at(iv, n, y, x, c), es);
        }
    const int32_t d[4] = {iv.full.n, iv.full.h, iv.full.w, iv.full.c};
    base += d[p.axis];
  }
  return KernelStatus::Ok;
}

KernelStatus copy_reshape(const KernelIO& io, OutRange r) {
  (void)r;
  const AnyView& iv = io.in[0];
  const AnyView& ov = io.out;
  if (count4(iv.full) != count4(ov.full) || iv.type != ov.type) return KernelStatus::BadArgs;
  if (!whole(ov, ov.type) || !whole(iv, iv.type)) return KernelStatus::BadView;
  const size_t es = static_cast<size_t>(elem_size(ov.type));
  if (dense(iv) && dense(ov)) {
    if (iv.data != ov.data) memmove(const_cast<void*>(ov.data), iv.data, es * static_cast<size_t>(count4(ov.full)));
    return KernelStatus::Ok;
  }
  // Walk both tensors in flat NHWC order.
  int32_t i[4] = {0, 0, 0, 0};
  const int32_t id[4] = {iv.full.n, iv.full.h, iv.full.w, iv.full.c};
  for (int32_t n = 0; n < ov.full.n; ++n)
    for (int32_t y = 0; y < ov.full.h; ++y)
      for (int32_t x = 0; x < ov.full.w; ++x)
        for (int32_t c = 0; c < ov.full.c; ++c) {
          memcpy(byte_at_mut(ov, n, y, x, c), byte_at(iv, i[0], i[1], i[2], i[3]), es);
          for (int d = 3; d >= 0; --d) {
            if (++i[d] < id[d]) break;
            i[d] = 0;
          }
        }
  return KernelStatus::Ok;
}

}  // namespace kern
}  // namespace tinyops
