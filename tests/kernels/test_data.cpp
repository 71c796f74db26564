// PAD, TRANSPOSE, CONCATENATION, RESHAPE and MEAN against their definitions on random shapes.
#include "kernels/kernel_test_util.h"

using namespace ktest;

TEST_CASE("PAD fills outside the input and copies inside, any element type, partitioned") {
  Rng rng(41);
  for (int t = 0; t < 120; ++t) {
    CAPTURE(t);
    const bool f32 = t % 3 == 0;
    const ElemType et = f32 ? ElemType::Float32 : ElemType::Int8;
    const size_t es = f32 ? 4 : 1;
    const Shape4 in{rng.uniform(1, 2), rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(1, 9)};
    PadParams p{};
    for (int d = 0; d < 4; ++d) {
      p.before[d] = rng.uniform(0, 2);
      p.after[d] = rng.uniform(0, 2);
    }
    p.pad_value = rng.uniform(-128, 127);
    const Shape4 out{in.n + p.before[0] + p.after[0], in.h + p.before[1] + p.after[1], in.w + p.before[2] + p.after[2],
                     in.c + p.before[3] + p.after[3]};
    std::vector<uint8_t> x(static_cast<size_t>(count(in)) * es);
    for (auto& b : x) b = static_cast<uint8_t>(rng.uniform(0, 255));
    std::vector<uint8_t> ref(static_cast<size_t>(count(out)) * es);
    for (int n = 0; n < out.n; ++n)
      for (int y = 0; y < out.h; ++y)
        for (int xx = 0; xx < out.w; ++xx)
          for (int c = 0; c < out.c; ++c) {
            const int a = n - p.before[0], b = y - p.before[1], d = xx - p.before[2], e = c - p.before[3];
            uint8_t* dst = ref.data() + idx(out, n, y, xx, c) * es;
            if (a >= 0 && a < in.n && b >= 0 && b < in.h && d >= 0 && d < in.w && e >= 0 && e < in.c) {
              std::memcpy(dst, x.data() + idx(in, a, b, d, e) * es, es);
            } else if (f32) {
              const float v = static_cast<float>(p.pad_value);
              std::memcpy(dst, &v, 4);
            } else {
              *dst = static_cast<uint8_t>(static_cast<int8_t>(p.pad_value));
            }
          }
    KernelArgs a{};
    a.kind = t % 2 ? KernelKind::Pad : KernelKind::PadV2;
    a.p.pad = p;
    KernelIO io;
    io.num_inputs = 1;
    io.in[0] = dense(x.data(), et, in);
    io.out = dense(nullptr, et, out);
    REQUIRE(run_full(a, io) == ref);
    CHECK(run_partitioned(a, io, 3, 3) == ref);
  }
}

TEST_CASE("TRANSPOSE permutes coordinates") {
  Rng rng(42);
  for (int t = 0; t < 60; ++t) {
    const Shape4 in{rng.uniform(1, 3), rng.uniform(1, 5), rng.uniform(1, 5), rng.uniform(1, 6)};
    int perm[4] = {0, 1, 2, 3};
    std::shuffle(perm, perm + 4, rng.g);
    const int id[4] = {in.n, in.h, in.w, in.c};
    const Shape4 out{id[perm[0]], id[perm[1]], id[perm[2]], id[perm[3]]};
    const std::vector<int8_t> x = rng.bytes(static_cast<size_t>(count(in)));
    std::vector<int8_t> ref(x.size());
    for (int a = 0; a < out.n; ++a)
      for (int b = 0; b < out.h; ++b)
        for (int c = 0; c < out.w; ++c)
          for (int d = 0; d < out.c; ++d) {
            const int o[4] = {a, b, c, d};
            int i[4];
            for (int k = 0; k < 4; ++k) i[perm[k]] = o[k];
            ref[idx(out, a, b, c, d)] = x[idx(in, i[0], i[1], i[2], i[3])];
          }
    KernelArgs k{};
    k.kind = KernelKind::Transpose;
    for (int j = 0; j < 4; ++j) k.p.transpose.perm[j] = perm[j];
    KernelIO io;
    io.num_inputs = 1;
    io.in[0] = dense(x.data(), ElemType::Int8, in);
    io.out = dense(nullptr, ElemType::Int8, out);
    const std::vector<uint8_t> got = run_full(k, io);
    CHECK(std::vector<int8_t>(got.begin(), got.end()) == ref);
    // TRANSPOSE computes whole tensors only.
    std::vector<int8_t> o(ref.size());
    io.out = dense(o.data(), ElemType::Int8, out);
    if (out.h > 1) CHECK(kernel_invoke(k, io, OutRange{0, 1, 0, out.c}, nullptr, 0) == KernelStatus::BadRange);
  }
}

TEST_CASE("CONCATENATION along every axis, RESHAPE as a flat copy") {
  Rng rng(43);
  for (int t = 0; t < 60; ++t) {
    const int axis = t % 4, k = rng.uniform(1, 4);
    Shape4 base{rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(1, 5)};
    std::vector<std::vector<int8_t>> xs;
    std::vector<Shape4> ss;
    int total = 0;
    for (int i = 0; i < k; ++i) {
      Shape4 s = base;
      int* d[4] = {&s.n, &s.h, &s.w, &s.c};
      *d[axis] = rng.uniform(1, 4);
      total += *d[axis];
      ss.push_back(s);
      xs.push_back(rng.bytes(static_cast<size_t>(count(s))));
    }
    Shape4 out = base;
    int* od[4] = {&out.n, &out.h, &out.w, &out.c};
    *od[axis] = total;
    std::vector<int8_t> ref(static_cast<size_t>(count(out)));
    int offset = 0;
    for (int i = 0; i < k; ++i) {
      const Shape4& s = ss[static_cast<size_t>(i)];
      for (int a = 0; a < s.n; ++a)
        for (int b = 0; b < s.h; ++b)
          for (int c = 0; c < s.w; ++c)
            for (int d = 0; d < s.c; ++d) {
              int o[4] = {a, b, c, d};
              o[axis] += offset;
              ref[idx(out, o[0], o[1], o[2], o[3])] = xs[static_cast<size_t>(i)][idx(s, a, b, c, d)];
            }
      const int dims[4] = {s.n, s.h, s.w, s.c};
      offset += dims[axis];
    }
    KernelArgs a{};
    a.kind = KernelKind::Concatenation;
    a.p.concat.axis = axis;
    KernelIO io;
    io.num_inputs = k;
    for (int i = 0; i < k; ++i) io.in[i] = dense(xs[static_cast<size_t>(i)].data(), ElemType::Int8, ss[static_cast<size_t>(i)]);
    io.out = dense(nullptr, ElemType::Int8, out);
    const std::vector<uint8_t> got = run_full(a, io);
    CHECK(std::vector<int8_t>(got.begin(), got.end()) == ref);
    // RESHAPE of the concatenated tensor to [1,1,1,N], from a strided (non-dense) view.
    std::vector<uint8_t> tb;
    KernelArgs r{};
    r.kind = KernelKind::Reshape;
    KernelIO rio;
    rio.num_inputs = 1;
    rio.in[0] = tile(got.data(), ElemType::Int8, out, 0, out.n, 0, out.h, 0, out.w, 0, out.c, &tb);
    rio.out = dense(nullptr, ElemType::Int8, Shape4{1, 1, 1, static_cast<int32_t>(count(out))});
    CHECK(run_full(r, rio) == got);
  }
}

TEST_CASE("MEAN over H,W: direct formula with the folded multiplier") {
  Rng rng(44);
  for (int t = 0; t < 80; ++t) {
    const Shape4 in{rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(1, 300)};
    const Shape4 out{in.n, 1, 1, in.c};
    MeanParams p{};
    p.input_zero_point = rng.uniform(-128, 127);
    p.output_zero_point = rng.uniform(-128, 127);
    p.num_elements = in.h * in.w;
    p.requantize = 1;
    p.act_min = -128;
    p.act_max = 127;
    const QuantizedMultiplier q = quantize_multiplier(rng.real(0.3, 3.0) / p.num_elements);
    p.multiplier = q.multiplier;
    p.shift = q.shift;
    const std::vector<int8_t> x = rng.bytes(static_cast<size_t>(count(in)));
    std::vector<int8_t> ref(static_cast<size_t>(count(out)));
    for (int n = 0; n < in.n; ++n)
      for (int c = 0; c < in.c; ++c) {
        int32_t s = 0;
        for (int y = 0; y < in.h; ++y)
          for (int xx = 0; xx < in.w; ++xx) s += x[idx(in, n, y, xx, c)] - p.input_zero_point;
        ref[idx(out, n, 0, 0, c)] = static_cast<int8_t>(
            clamp_i32(multiply_by_quantized_multiplier(s, p.multiplier, p.shift) + p.output_zero_point, -128, 127));
      }
    KernelArgs a{};
    a.kind = KernelKind::Mean;
    a.p.mean = p;
    KernelIO io;
    io.num_inputs = 1;
    io.in[0] = dense(x.data(), ElemType::Int8, in);
    io.out = dense(nullptr, ElemType::Int8, out);
    const std::vector<uint8_t> got = run_full(a, io);
    CHECK(std::vector<int8_t>(got.begin(), got.end()) == ref);
  }
}
