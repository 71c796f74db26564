// Helpers for the kernel unit tests: random tensors, dense and tiled views, and a partition runner that
// recomputes an output as row x channel partitions whose operands are copied into separate tiles.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernel.h"
#include "kernels/quant.h"

namespace ktest {

using namespace tinyops;

struct Rng {
  std::mt19937 g;
  explicit Rng(uint32_t seed) : g(seed) {}
  int32_t uniform(int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(g); }
  double real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(g); }
  std::vector<int8_t> bytes(size_t n) {
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(uniform(-128, 127));
    return v;
  }
};

inline int64_t count(const Shape4& s) { return static_cast<int64_t>(s.n) * s.h * s.w * s.c; }
inline size_t idx(const Shape4& s, int n, int y, int x, int c) {
  return ((static_cast<size_t>(n) * s.h + y) * s.w + x) * s.c + c;
}

inline AnyView dense(const void* data, ElemType t, Shape4 s) {
  AnyView v;
  v.data = data;
  v.type = t;
  v.full = s;
  v.n = s.n, v.h = s.h, v.w = s.w, v.c = s.c;
  v.stride_c = 1;
  v.stride_w = s.c;
  v.stride_h = s.w * s.c;
  v.stride_n = s.h * s.w * s.c;
  return v;
}

// Copies a box of a dense tensor into `tile` (with `pad` spare elements between pixels so strides differ
// from a dense layout) and returns its view in absolute coordinates.
inline AnyView tile(const void* src, ElemType t, Shape4 s, int n0, int n1, int y0, int y1, int x0, int x1, int c0,
                    int c1, std::vector<uint8_t>* buf, int pad = 3) {
  const size_t es = static_cast<size_t>(elem_size(t));
  const int n = n1 - n0, h = y1 - y0, w = x1 - x0, c = c1 - c0;
  const int sw = c + pad, sh = w * sw + pad, sn = h * sh + pad;
  buf->assign(static_cast<size_t>(std::max(1, n * sn)) * es + 16, 0xEE);
  const uint8_t* s8 = static_cast<const uint8_t*>(src);
  for (int in = 0; in < n; ++in)
    for (int iy = 0; iy < h; ++iy)
      for (int ix = 0; ix < w; ++ix)
        std::memcpy(buf->data() + (static_cast<size_t>(in) * sn + iy * sh + ix * sw) * es,
                    s8 + idx(s, n0 + in, y0 + iy, x0 + ix, c0) * es, static_cast<size_t>(c) * es);
  AnyView v;
  v.data = buf->data();
  v.type = t;
  v.full = s;
  v.n0 = n0, v.y0 = y0, v.x0 = x0, v.c0 = c0;
  v.n = n, v.h = h, v.w = w, v.c = c;
  v.stride_c = 1, v.stride_w = sw, v.stride_h = sh, v.stride_n = sn;
  return v;
}

inline std::vector<std::pair<int, int>> split(int total, int parts) {
  std::vector<std::pair<int, int>> r;
  for (int i = 0; i < parts; ++i) {
    const int b = total * i / parts, e = total * (i + 1) / parts;
    if (e > b) r.emplace_back(b, e);
  }
  return r;
}

inline KernelStatus invoke_with_scratch(const KernelArgs& a, const KernelIO& io, OutRange r) {
  const int32_t need = kernel_scratch_bytes(a, io, r);
  std::vector<int32_t> scratch(static_cast<size_t>(need) / 4 + 1);
  return kernel_invoke(a, io, r, scratch.data(), need);
}

// Runs the op over the full output (dense views), returns the output bytes.
inline std::vector<uint8_t> run_full(const KernelArgs& a, KernelIO io) {
  const size_t es = static_cast<size_t>(elem_size(io.out.type));
  std::vector<uint8_t> out(static_cast<size_t>(count(io.out.full)) * es, 0x5A);
  io.out = dense(out.data(), io.out.type, io.out.full);
  const KernelStatus s = invoke_with_scratch(a, io, full_range(io.out.full));
  REQUIRE(s == KernelStatus::Ok);
  return out;
}

// Recomputes the output as row_parts x chan_parts partitions; each partition reads its inputs from tiles
// holding exactly the rows/channels kernel_input_rows_of / kernel_input_channels report, its weights
// from a slice of its output channels, and writes a tile of its range. Returns the assembled bytes.
inline std::vector<uint8_t> run_partitioned(const KernelArgs& a, const KernelIO& dense_io, int row_parts,
                                            int chan_parts) {
  const Shape4 os = dense_io.out.full;
  const size_t es = static_cast<size_t>(elem_size(dense_io.out.type));
  std::vector<uint8_t> out(static_cast<size_t>(count(os)) * es, 0xA5);
  const uint8_t caps = kernel_partition_caps(a.kind);
  const auto rows = split(os.h, (caps & kPartitionRows) ? row_parts : 1);
  const auto chans = split(os.c, (caps & kPartitionChannels) ? chan_parts : 1);
  for (auto ry : rows)
    for (auto rc : chans) {
      const OutRange r{ry.first, ry.second, rc.first, rc.second};
      KernelIO io = dense_io;
      std::vector<std::vector<uint8_t>> bufs(static_cast<size_t>(io.num_inputs) + 2);
      for (int i = 0; i < io.num_inputs; ++i) {
        int32_t y0, y1, c0, c1;
        kernel_input_rows_of(a, dense_io, i, r.y_begin, r.y_end, &y0, &y1);
        kernel_input_channels(a, dense_io, i, r.c_begin, r.c_end, &c0, &c1);
        const AnyView& d = dense_io.in[i];
        io.in[i] = tile(d.data, d.type, d.full, 0, d.full.n, y0, y1, 0, d.full.w, c0, c1, &bufs[static_cast<size_t>(i)]);
      }
      if (dense_io.weights.data) {
        const AnyView& w = dense_io.weights;
        if (a.kind == KernelKind::DepthwiseConv2D)
          io.weights = tile(w.data, w.type, w.full, 0, 1, 0, w.full.h, 0, w.full.w, r.c_begin, r.c_end,
                            &bufs[static_cast<size_t>(io.num_inputs)], 0);
        else
          io.weights = tile(w.data, w.type, w.full, r.c_begin, r.c_end, 0, w.full.h, 0, w.full.w, 0, w.full.c,
                            &bufs[static_cast<size_t>(io.num_inputs)], 0);
      }
      std::vector<uint8_t>& ob = bufs[static_cast<size_t>(io.num_inputs) + 1];
      io.out = tile(out.data(), dense_io.out.type, os, 0, os.n, r.y_begin, r.y_end, 0, os.w, r.c_begin, r.c_end, &ob);
      const KernelStatus s = invoke_with_scratch(a, io, r);
      REQUIRE(s == KernelStatus::Ok);
      for (int n = 0; n < os.n; ++n)
        for (int y = r.y_begin; y < r.y_end; ++y)
          for (int x = 0; x < os.w; ++x)
            for (int c = r.c_begin; c < r.c_end; ++c)
              std::memcpy(out.data() + idx(os, n, y, x, c) * es,
                          static_cast<const uint8_t*>(io.out.data) +
                              ((static_cast<size_t>(n) * io.out.stride_n + (y - r.y_begin) * io.out.stride_h +
                                x * io.out.stride_w + (c - r.c_begin)) *
                               es),
                          es);
    }
  return out;
}

// Random per-channel requantization parameters of realistic size (effective scales 1e-4 .. 0.5).
inline void random_multipliers(Rng& rng, int n, std::vector<int32_t>* mult, std::vector<int32_t>* shift) {
  mult->resize(static_cast<size_t>(n));
  shift->resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const QuantizedMultiplier q = quantize_multiplier(std::pow(10.0, rng.real(-4.0, -0.3)));
    (*mult)[static_cast<size_t>(i)] = q.multiplier;
    (*shift)[static_cast<size_t>(i)] = q.shift;
  }
}

}  // namespace ktest
