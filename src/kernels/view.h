// Tensor views: how kernels see their operands.
//
// A view addresses a 4-D NHWC box of a tensor in *absolute* tensor coordinates: element (n, y, x, c)
// of the full tensor lives at  data + (n-n0)*stride_n + (y-y0)*stride_h + (x-x0)*stride_w + (c-c0)*stride_c.
// stride_c is 1 for stored tensors; a stride of 0 expresses broadcasting (e.g. a [1,1,1,C] operand
// of ADD seen as [1,H,W,C]). The box [n0,n0+n) x [y0,y0+h) x ... is the part that is present in
// this buffer. A planner partition is therefore only a view: a slice of rows with their halo in an SRAM
// tile, or a slice of channels of the weights, needs no special case inside the kernels.
//
// Kernels are pure functions over views: no heap, no exceptions, no globals; the same source is
// compiled for the host and for Cortex-M.
#pragma once
#include <stdint.h>

namespace tinyops {

struct Shape4 {
  int32_t n = 1, h = 1, w = 1, c = 1;
};

template <typename T>
struct View4 {
  T* data = nullptr;                  // address of element (n0, y0, x0, c0)
  Shape4 full;                        // shape of the whole tensor
  int32_t n0 = 0, y0 = 0, x0 = 0, c0 = 0;  // origin of the present box in tensor coordinates
  int32_t n = 1, h = 1, w = 1, c = 1;      // extent of the present box
  int32_t stride_n = 0, stride_h = 0, stride_w = 0, stride_c = 1;  // in elements

  T* at(int32_t in, int32_t iy, int32_t ix, int32_t ic) const {
    return data + (in - n0) * stride_n + (iy - y0) * stride_h + (ix - x0) * stride_w + (ic - c0) * stride_c;
  }
  bool contains(int32_t in, int32_t iy, int32_t ix, int32_t ic) const {
    return in >= n0 && in < n0 + n && iy >= y0 && iy < y0 + h && ix >= x0 && ix < x0 + w && ic >= c0 &&
           ic < c0 + c;
  }
};

// A dense view of a whole tensor stored contiguously in NHWC order.
template <typename T>
inline View4<T> dense_view(T* data, Shape4 s) {
  View4<T> v;
  v.data = data;
  v.full = s;
  v.n = s.n;
  v.h = s.h;
  v.w = s.w;
  v.c = s.c;
  v.stride_w = s.c;
  v.stride_h = s.w * s.c;
  v.stride_n = s.h * s.w * s.c;
  return v;
}

// A contiguous slice of rows [y_begin, y_end) of a tensor, stored densely (what a row tile holds).
template <typename T>
inline View4<T> row_slice_view(T* data, Shape4 s, int32_t y_begin, int32_t y_end) {
  View4<T> v = dense_view(data, Shape4{1, y_end - y_begin, s.w, s.c});
  v.full = s;
  v.y0 = y_begin;
  v.stride_n = 0;
  return v;
}

// The part of the output a kernel call computes: output rows [y_begin, y_end) and output channels
// [c_begin, c_end) (channels of the output tensor's last dimension). For ops without a spatial
// layout (fully connected, softmax ...), rows are the outer "batch" rows.
struct OutRange {
  int32_t y_begin = 0, y_end = 0;
  int32_t c_begin = 0, c_end = 0;
};

inline OutRange full_range(Shape4 out) { return OutRange{0, out.h, 0, out.c}; }

}  // namespace tinyops
