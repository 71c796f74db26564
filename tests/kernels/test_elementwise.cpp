// Pooling, ADD/MUL with broadcasting, table lookups, QUANTIZE float->int8 and DEQUANTIZE against direct
// formulas (and, for ADD/MUL, against the real-valued result), full and partitioned.
#include "kernels/kernel_test_util.h"

using namespace ktest;

namespace {

std::vector<int8_t> as_s8(const std::vector<uint8_t>& v) { return std::vector<int8_t>(v.begin(), v.end()); }

}  // namespace

TEST_CASE("average and max pooling match the direct formula") {
  Rng rng(11);
  for (int t = 0; t < 200; ++t) {
    CAPTURE(t);
    PoolParams p{};
    p.filter_h = rng.uniform(1, 4);
    p.filter_w = rng.uniform(1, 4);
    p.stride_h = rng.uniform(1, 3);
    p.stride_w = rng.uniform(1, 3);
    p.pad_top = rng.uniform(0, p.filter_h - 1);
    p.pad_left = rng.uniform(0, p.filter_w - 1);
    const Shape4 in{rng.uniform(1, 2), rng.uniform(1, 10), rng.uniform(1, 10), rng.uniform(1, 150)};
    // Output size such that every window starts inside the input.
    const Shape4 out{in.n, (in.h - 1 + p.pad_top) / p.stride_h + 1, (in.w - 1 + p.pad_left) / p.stride_w + 1, in.c};
    p.act_min = rng.uniform(-128, 0);
    p.act_max = rng.uniform(p.act_min, 127);
    const std::vector<int8_t> x = rng.bytes(static_cast<size_t>(count(in)));
    for (bool is_max : {false, true}) {
      std::vector<int8_t> ref(static_cast<size_t>(count(out)));
      for (int n = 0; n < out.n; ++n)
        for (int oy = 0; oy < out.h; ++oy)
          for (int ox = 0; ox < out.w; ++ox)
            for (int c = 0; c < out.c; ++c) {
              int sum = 0, cnt = 0, mx = -128;
              for (int fy = 0; fy < p.filter_h; ++fy)
                for (int fx = 0; fx < p.filter_w; ++fx) {
                  const int iy = oy * p.stride_h - p.pad_top + fy, ix = ox * p.stride_w - p.pad_left + fx;
                  if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                  const int v = x[idx(in, n, iy, ix, c)];
                  sum += v;
                  ++cnt;
                  mx = std::max(mx, v);
                }
              // Round half away from zero.
              const int avg = sum >= 0 ? (2 * sum + cnt) / (2 * cnt) : -((-2 * sum + cnt) / (2 * cnt));
              ref[idx(out, n, oy, ox, c)] = static_cast<int8_t>(clamp_i32(is_max ? mx : avg, p.act_min, p.act_max));
            }
      KernelArgs a{};
      a.kind = is_max ? KernelKind::MaxPool2D : KernelKind::AveragePool2D;
      a.p.pool = p;
      KernelIO io;
      io.num_inputs = 1;
      io.in[0] = dense(x.data(), ElemType::Int8, in);
      io.out = dense(nullptr, ElemType::Int8, out);
      REQUIRE(as_s8(run_full(a, io)) == ref);
      CHECK(as_s8(run_partitioned(a, io, 3, 2)) == ref);
    }
  }
}

TEST_CASE("ADD and MUL with broadcasting match TFLite's formula and the real-valued result") {
  Rng rng(21);
  for (int t = 0; t < 200; ++t) {
    CAPTURE(t);
    const Shape4 out{rng.uniform(1, 2), rng.uniform(1, 7), rng.uniform(1, 7), rng.uniform(1, 40)};
    // Each input dimension is either the output's or 1 (broadcast).
    auto bshape = [&]() {
      return Shape4{rng.uniform(0, 3) ? out.n : 1, rng.uniform(0, 2) ? out.h : 1, rng.uniform(0, 2) ? out.w : 1,
                    rng.uniform(0, 3) ? out.c : 1};
    };
    const Shape4 s1 = bshape(), s2 = bshape();
    const std::vector<int8_t> x1 = rng.bytes(static_cast<size_t>(count(s1))), x2 = rng.bytes(static_cast<size_t>(count(s2)));
    const double sc1 = std::pow(10.0, rng.real(-2.5, -0.5)), sc2 = std::pow(10.0, rng.real(-2.5, -0.5));
    const int z1 = rng.uniform(-128, 127), z2 = rng.uniform(-128, 127), zo = rng.uniform(-100, 100);
    const bool is_add = t % 2 == 0;
    const double so = is_add ? (sc1 + sc2) * rng.real(0.5, 2.0) : sc1 * sc2 * 128 * rng.real(0.5, 2.0);
    KernelArgs a{};
    if (is_add) {
      a.kind = KernelKind::Add;
      AddParams& p = a.p.add;
      p.input1_offset = -z1, p.input2_offset = -z2, p.output_offset = zo, p.left_shift = 20;
      const double twice_max = 2 * std::max(sc1, sc2);
      const QuantizedMultiplier q1 = quantize_multiplier(sc1 / twice_max), q2 = quantize_multiplier(sc2 / twice_max),
                                qo = quantize_multiplier(twice_max / ((1 << 20) * so));
      p.input1_multiplier = q1.multiplier, p.input1_shift = q1.shift;
      p.input2_multiplier = q2.multiplier, p.input2_shift = q2.shift;
      p.output_multiplier = qo.multiplier, p.output_shift = qo.shift;
      p.act_min = -128, p.act_max = 127;
    } else {
      a.kind = KernelKind::Mul;
      MulParams& p = a.p.mul;
      p.input1_offset = -z1, p.input2_offset = -z2, p.output_offset = zo;
      const QuantizedMultiplier q = quantize_multiplier(sc1 * sc2 / so);
      p.output_multiplier = q.multiplier, p.output_shift = q.shift;
      p.act_min = -128, p.act_max = 127;
    }
    std::vector<int8_t> ref(static_cast<size_t>(count(out)));
    int worst = 0;
    for (int n = 0; n < out.n; ++n)
      for (int y = 0; y < out.h; ++y)
        for (int xx = 0; xx < out.w; ++xx)
          for (int c = 0; c < out.c; ++c) {
            const int v1 = x1[idx(s1, s1.n == 1 ? 0 : n, s1.h == 1 ? 0 : y, s1.w == 1 ? 0 : xx, s1.c == 1 ? 0 : c)];
            const int v2 = x2[idx(s2, s2.n == 1 ? 0 : n, s2.h == 1 ? 0 : y, s2.w == 1 ? 0 : xx, s2.c == 1 ? 0 : c)];
            int32_t r;
            double real;
            if (is_add) {
              const AddParams& p = a.p.add;
              const int32_t c1 = multiply_by_quantized_multiplier((v1 - z1) * (1 << 20), p.input1_multiplier, p.input1_shift);
              const int32_t c2 = multiply_by_quantized_multiplier((v2 - z2) * (1 << 20), p.input2_multiplier, p.input2_shift);
              r = multiply_by_quantized_multiplier(c1 + c2, p.output_multiplier, p.output_shift) + zo;
              real = (sc1 * (v1 - z1) + sc2 * (v2 - z2)) / so + zo;
            } else {
              r = multiply_by_quantized_multiplier((v1 - z1) * (v2 - z2), a.p.mul.output_multiplier, a.p.mul.output_shift) + zo;
              real = sc1 * (v1 - z1) * sc2 * (v2 - z2) / so + zo;
            }
            r = clamp_i32(r, -128, 127);
            ref[idx(out, n, y, xx, c)] = static_cast<int8_t>(r);
            const int real_q = clamp_i32(static_cast<int32_t>(std::lround(std::max(-1000.0, std::min(1000.0, real)))), -128, 127);
            worst = std::max(worst, std::abs(real_q - r));
          }
    CHECK(worst <= 1);
    KernelIO io;
    io.num_inputs = 2;
    io.in[0] = dense(x1.data(), ElemType::Int8, s1);
    io.in[1] = dense(x2.data(), ElemType::Int8, s2);
    io.out = dense(nullptr, ElemType::Int8, out);
    REQUIRE(as_s8(run_full(a, io)) == ref);
    CHECK(as_s8(run_partitioned(a, io, 2, 3)) == ref);
    CHECK(as_s8(run_partitioned(a, io, out.h, 1)) == ref);
  }
}

TEST_CASE("ADD rejects inputs that do not broadcast to the output") {
  std::vector<int8_t> a(12), b(8), o(12);
  KernelArgs k{};
  k.kind = KernelKind::Add;
  k.p.add.act_min = -128;
  k.p.add.act_max = 127;
  KernelIO io;
  io.num_inputs = 2;
  io.in[0] = dense(a.data(), ElemType::Int8, Shape4{1, 1, 3, 4});
  io.in[1] = dense(b.data(), ElemType::Int8, Shape4{1, 1, 2, 4});
  io.out = dense(o.data(), ElemType::Int8, Shape4{1, 1, 3, 4});
  CHECK(kernel_invoke(k, io, OutRange{0, 1, 0, 4}, nullptr, 0) == KernelStatus::BadArgs);
}

TEST_CASE("8-bit table lookups map every byte; DEQUANTIZE and QUANTIZE float->int8") {
  Rng rng(31);
  std::vector<uint8_t> table(256);
  for (auto& v : table) v = static_cast<uint8_t>(rng.uniform(0, 255));
  const Shape4 s{1, 5, 3, 37};
  std::vector<int8_t> x = rng.bytes(static_cast<size_t>(count(s)));
  x[0] = -128;
  x[1] = 127;
  for (KernelKind k : {KernelKind::Logistic, KernelKind::HardSwish, KernelKind::Relu, KernelKind::Relu6, KernelKind::Quantize}) {
    KernelArgs a{};
    a.kind = k;
    a.p.lut.table = table.data();
    KernelIO io;
    io.num_inputs = 1;
    io.in[0] = dense(x.data(), ElemType::Int8, s);
    io.out = dense(nullptr, k == KernelKind::Quantize ? ElemType::UInt8 : ElemType::Int8, s);
    const std::vector<uint8_t> out = run_full(a, io);
    for (size_t i = 0; i < x.size(); ++i) REQUIRE(out[i] == table[static_cast<uint8_t>(x[i])]);
    CHECK(run_partitioned(a, io, 2, 4) == out);
  }
  // DEQUANTIZE: float table indexed by the byte.
  std::vector<float> ftable(256);
  for (int b = 0; b < 256; ++b) ftable[static_cast<size_t>(b)] = static_cast<float>(0.05 * (static_cast<int8_t>(b) - 3));
  KernelArgs d{};
  d.kind = KernelKind::Dequantize;
  d.p.lut.table = ftable.data();
  KernelIO io;
  io.num_inputs = 1;
  io.in[0] = dense(x.data(), ElemType::Int8, s);
  io.out = dense(nullptr, ElemType::Float32, s);
  const std::vector<uint8_t> fo = run_full(d, io);
  for (size_t i = 0; i < x.size(); ++i) {
    float v;
    std::memcpy(&v, fo.data() + 4 * i, 4);
    REQUIRE(v == static_cast<float>(0.05 * (x[i] - 3)));
  }
  CHECK(run_partitioned(d, io, 3, 2) == fo);
  // QUANTIZE float32 -> int8: round half away from zero, then saturate.
  const std::vector<float> f = {0.0f, 0.25f, 0.75f, -0.25f, -0.75f, 1.25f, 100.0f, -100.0f, 3.0e9f, -3.0e9f, 0.2499f};
  KernelArgs q{};
  q.kind = KernelKind::Quantize;
  q.p.quantize = QuantizeParams{0.5f, -3, -128, 127};
  KernelIO qio;
  qio.num_inputs = 1;
  qio.in[0] = dense(f.data(), ElemType::Float32, Shape4{1, 1, 1, static_cast<int32_t>(f.size())});
  qio.out = dense(nullptr, ElemType::Int8, Shape4{1, 1, 1, static_cast<int32_t>(f.size())});
  const std::vector<int8_t> qo = as_s8(run_full(q, qio));
  CHECK(qo == std::vector<int8_t>{-3, -2, -1, -4, -5, 0, 127, -128, 127, -128, -3});
}
