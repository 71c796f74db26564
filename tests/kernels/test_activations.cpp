// The fixed-point primitives and the int8 activations prepared from single-op graphs (LOGISTIC,
// HARD_SWISH, SOFTMAX, RELU, RELU6, requantizing QUANTIZE, MEAN): exact properties and closeness to the
// real-valued functions.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "kernels/fixedpoint.h"
#include "kernels/internal.h"
#include "runtime/interpreter.h"
#include "runtime/prepare.h"

using namespace tinyops;

namespace {

// A graph with one op: input tensor 0, output tensor 1.
Graph unary_graph(OpKind kind, std::vector<int> in_shape, std::vector<int> out_shape, DType in_t, float in_scale,
                  int in_zp, DType out_t, float out_scale, int out_zp, OpAttrs attrs = {}) {
  Graph g;
  Tensor a;
  a.id = 0;
  a.name = "x";
  a.dtype = in_t;
  a.shape = std::move(in_shape);
  if (in_scale > 0) a.quant = Quant{{in_scale}, {in_zp}, 0};
  Tensor b;
  b.id = 1;
  b.name = "y";
  b.dtype = out_t;
  b.shape = std::move(out_shape);
  if (out_scale > 0) b.quant = Quant{{out_scale}, {out_zp}, 0};
  g.tensors = {a, b};
  Op op;
  op.index = 0;
  op.kind = kind;
  op.inputs = {0};
  op.outputs = {1};
  op.attrs = std::move(attrs);
  g.ops = {op};
  g.inputs = {0};
  g.outputs = {1};
  return g;
}

std::vector<uint8_t> all_bytes() {
  std::vector<uint8_t> v(256);
  for (int i = 0; i < 256; ++i) v[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  return v;
}

std::vector<uint8_t> run1(const Graph& g, const std::vector<uint8_t>& in) {
  Result<TensorBytes> r = run_graph(g, {in});
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value()[0];
}

}  // namespace

TEST_CASE("mbqm equals multiply_by_quantized_multiplier") {
  std::mt19937 g(1);
  const int32_t edges[] = {0, 1, -1, 2, -2, 12345, -12345, INT32_MAX, INT32_MIN, 1 << 30, -(1 << 30), 999999999};
  for (int32_t x : edges)
    for (int32_t m : {INT32_MIN, 1 << 30, INT32_MAX, 1518500250, 1073741824, 2147483000})
      for (int s = -31; s <= 30; ++s) REQUIRE(kern::mbqm(x, m, s) == multiply_by_quantized_multiplier(x, m, s));
  for (int i = 0; i < 200000; ++i) {
    const int32_t x = static_cast<int32_t>(g() >> (g() % 32));
    const int32_t m = static_cast<int32_t>((1u << 30) + (g() % (1u << 30)));
    const int s = static_cast<int>(g() % 40) - 31;
    REQUIRE(kern::mbqm(x, m, s) == multiply_by_quantized_multiplier(x, m, s));
  }
}

TEST_CASE("fixed-point exp, reciprocal and logistic approximate the real functions") {
  // exp on [-16, 0] from Q5.26.
  double worst = 0;
  for (double a = -16.0; a <= 0.0; a += 1.0 / 64) {
    const int32_t raw = static_cast<int32_t>(std::lround(a * (1 << 26)));
    worst = std::max(worst, std::abs(fp::exp_on_negative_values(raw, 5) / 2147483648.0 - std::exp(a)));
  }
  CHECK(worst < 5e-7);  // ~2^-21
  CHECK(fp::exp_on_negative_values(0, 5) == INT32_MAX);
  // 1 / (1 + x) on [0, 1).
  worst = 0;
  for (double x = 0; x < 1.0; x += 1.0 / 256) {
    const int32_t raw = static_cast<int32_t>(std::lround(x * 2147483648.0));
    worst = std::max(worst, std::abs(fp::one_over_one_plus_x_for_x_in_0_1(raw) / 2147483648.0 - 1.0 / (1.0 + x)));
  }
  CHECK(worst < 1e-8);
  // logistic from Q4.27.
  worst = 0;
  for (double x = -15.9; x < 15.9; x += 0.05) {
    const int32_t raw = static_cast<int32_t>(std::lround(x * (1 << 27)));
    worst = std::max(worst, std::abs(fp::logistic(raw, 4) / 2147483648.0 - 1.0 / (1.0 + std::exp(-x))));
  }
  CHECK(worst < 1e-7);
  CHECK(fp::logistic(0, 4) == (1 << 30));
}

TEST_CASE("LOGISTIC and HARD_SWISH tables are within one step of the real functions") {
  for (float in_scale : {0.01f, 0.0357572f, 0.0625f, 0.2f}) {
    for (int zp : {-100, 0, 39}) {
      const Graph g = unary_graph(OpKind::Logistic, {1, 256}, {1, 256}, DType::Int8, in_scale, zp, DType::Int8,
                                  1.0f / 256, -128);
      const std::vector<uint8_t> out = run1(g, all_bytes());
      int worst = 0;
      for (int b = 0; b < 256; ++b) {
        const double x = in_scale * (static_cast<int8_t>(b) - zp);
        const double q = std::min(127.0, std::round(256.0 / (1.0 + std::exp(-x))) - 128);
        worst = std::max(worst, std::abs(static_cast<int8_t>(out[static_cast<size_t>(b)]) - static_cast<int>(q)));
      }
      CHECK(worst <= 1);
    }
  }
  for (auto [in_scale, in_zp, out_scale, out_zp] :
       {std::tuple<float, int, float, int>{0.0181207f, 37, 0.00640671f, -69}, {0.02f, -40, 0.0145686f, -102},
        {0.0590315f, -58, 0.0438335f, -119}, {0.1f, 0, 0.05f, -100}}) {
    const Graph g = unary_graph(OpKind::HardSwish, {1, 1, 16, 16}, {1, 1, 16, 16}, DType::Int8, in_scale, in_zp,
                                DType::Int8, out_scale, out_zp);
    const std::vector<uint8_t> out = run1(g, all_bytes());
    int worst = 0;
    for (int b = 0; b < 256; ++b) {
      const double x = in_scale * (static_cast<int8_t>(b) - in_zp);
      const double y = x * std::min(6.0, std::max(0.0, x + 3)) / 6;
      const int q = static_cast<int>(std::max(-128.0, std::min(127.0, std::round(y / out_scale) + out_zp)));
      worst = std::max(worst, std::abs(static_cast<int8_t>(out[static_cast<size_t>(b)]) - q));
    }
    CHECK(worst <= 1);
  }
}

TEST_CASE("SOFTMAX rows: close to the real softmax, zero point -128, row-partitioned identically") {
  std::mt19937 rng(5);
  for (float beta : {1.0f, 0.5f}) {
    for (float scale : {0.1f, 0.0705466f, 0.0122437f}) {
      SoftmaxAttrs sa;
      sa.beta = beta;
      const Graph g = unary_graph(OpKind::Softmax, {6, 40}, {6, 40}, DType::Int8, scale, -5, DType::Int8, 1.0f / 256,
                                  -128, sa);
      std::vector<uint8_t> in(240);
      for (auto& b : in) b = static_cast<uint8_t>(rng());
      const std::vector<uint8_t> out = run1(g, in);
      int worst = 0;
      for (int r = 0; r < 6; ++r) {
        double mx = -1e9, sum = 0;
        for (int c = 0; c < 40; ++c) mx = std::max(mx, static_cast<double>(static_cast<int8_t>(in[r * 40 + c])));
        for (int c = 0; c < 40; ++c) sum += std::exp(beta * scale * (static_cast<int8_t>(in[r * 40 + c]) - mx));
        for (int c = 0; c < 40; ++c) {
          const double p = std::exp(beta * scale * (static_cast<int8_t>(in[r * 40 + c]) - mx)) / sum;
          const int q = static_cast<int>(std::min(127.0, std::round(p * 256) - 128));
          worst = std::max(worst, std::abs(static_cast<int8_t>(out[static_cast<size_t>(r * 40 + c)]) - q));
        }
      }
      CHECK(worst <= 1);
      Result<TensorBytes> part = run_graph_partitioned(g, {in}, PartitionSpec{4, 3});
      REQUIRE(part.ok());
      CHECK(part.value()[0] == out);
    }
  }
}

TEST_CASE("RELU requantizes, RELU6 clamps input bytes, QUANTIZE requantizes 8-bit tensors") {
  {
    const Graph g = unary_graph(OpKind::Relu, {1, 256}, {1, 256}, DType::Int8, 0.02f, -29, DType::Int8, 0.01f, -128);
    const std::vector<uint8_t> out = run1(g, all_bytes());
    for (int b = 0; b < 256; ++b) {
      const int v = static_cast<int8_t>(b);
      const double real = std::max(0.0, 0.02 * (v + 29));
      const int q = static_cast<int>(std::min(127.0, std::round(real / 0.01) - 128));
      CHECK(std::abs(static_cast<int8_t>(out[static_cast<size_t>(b)]) - q) <= 1);
    }
  }
  {
    // RELU6 keeps the input quantization: clamp(x, zp, zp + round(6 / scale)).
    const Graph g = unary_graph(OpKind::Relu6, {1, 256}, {1, 256}, DType::Int8, 0.05f, 12, DType::Int8, 0.03f, -128);
    const std::vector<uint8_t> out = run1(g, all_bytes());
    for (int b = 0; b < 256; ++b) {
      const int v = static_cast<int8_t>(b);
      CHECK(static_cast<int8_t>(out[static_cast<size_t>(b)]) == std::min(127, std::max(12, std::min(v, 12 + 120))));
    }
  }
  {
    // uint8 (zp 128) -> int8 (zp 0) with the same scale is the byte XOR 0x80.
    const Graph g = unary_graph(OpKind::Quantize, {1, 256}, {1, 256}, DType::UInt8, 0.0151186f, 128, DType::Int8,
                                0.0151186f, 0);
    const std::vector<uint8_t> out = run1(g, all_bytes());
    for (int b = 0; b < 256; ++b) CHECK(out[static_cast<size_t>(b)] == (b ^ 0x80));
  }
}

TEST_CASE("prepare errors name the op, the tensor and expected vs found") {
  const Graph g = unary_graph(OpKind::Softmax, {1, 10}, {1, 10}, DType::Int8, 0.1f, 0, DType::Int8, 0.1f, 0);
  Result<PreparedOp> p = prepare_op(g, g.ops[0]);
  REQUIRE(!p.ok());
  CHECK(p.error().message ==
        "op 0 (SOFTMAX): output tensor 'y': expected scale 1/256 and zero point -128, found scale 0.1 zero point 0");
  const Graph h = unary_graph(OpKind::Logistic, {1, 10}, {1, 10}, DType::UInt8, 0.1f, 0, DType::Int8, 1.0f / 256, -128);
  Result<PreparedOp> q = prepare_op(h, h.ops[0]);
  REQUIRE(!q.ok());
  CHECK(q.error().message == "op 0 (LOGISTIC): input tensor 'x': expected int8, found uint8");
  Result<TensorBytes> r = run_graph(h, {std::vector<uint8_t>(3)});
  REQUIRE(!r.ok());
  CHECK(r.error().message == "op 0 (LOGISTIC): input tensor 'x': expected int8, found uint8");
  const Graph k = unary_graph(OpKind::Relu, {1, 10}, {1, 10}, DType::Int8, 0.1f, 0, DType::Int8, 0.1f, 0);
  Result<TensorBytes> s = run_graph(k, {std::vector<uint8_t>(3)});
  REQUIRE(!s.ok());
  CHECK(s.error().message == "run_graph: input 0 (tensor 'x', int8 10): expected 10 bytes, found 3");
}
