// The importer on bad input: clear errors naming the problem, never a crash.
#include <doctest/doctest.h>

#include <random>

#include "model/tflite_reader.h"
#include "support/shared.h"
#include "tflite_subset_generated.h"

using namespace tinyops;

namespace {

struct MiniTensor {
  std::vector<int32_t> shape;
  tflite::TensorType type = tflite::TensorType::INT8;
  uint32_t buffer = 0;
  std::string name;
  std::vector<float> scales{0.5f};
  std::vector<int64_t> zps{0};
};

// A one-op model: tensors, op code, op inputs/outputs, buffers (buffer 0 empty).
std::shared_ptr<std::vector<uint8_t>> mini_model(const std::vector<MiniTensor>& tensors, int32_t opcode,
                                                 std::vector<int32_t> op_in, std::vector<int32_t> op_out,
                                                 const std::vector<std::vector<uint8_t>>& buffers,
                                                 std::vector<int32_t> g_in = {0}, std::vector<int32_t> g_out = {1}) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<tflite::Tensor>> ts;
  for (const auto& t : tensors) {
    auto q = tflite::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.scales), b.CreateVector(t.zps), 0);
    ts.push_back(tflite::CreateTensor(b, b.CreateVector(t.shape), t.type, t.buffer, b.CreateString(t.name), q));
  }
  auto op = tflite::CreateOperator(b, 0, b.CreateVector(op_in), b.CreateVector(op_out));
  std::vector<flatbuffers::Offset<tflite::Operator>> ops{op};
  auto sg = tflite::CreateSubGraph(b, b.CreateVector(ts), b.CreateVector(g_in), b.CreateVector(g_out),
                                   b.CreateVector(ops), b.CreateString("main"));
  std::vector<flatbuffers::Offset<tflite::SubGraph>> sgs{sg};
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes{tflite::CreateOperatorCode(
      b, static_cast<int8_t>(std::min(opcode, 127)), 0, 1, static_cast<tflite::BuiltinOperator>(opcode))};
  std::vector<flatbuffers::Offset<tflite::Buffer>> bufs;
  for (const auto& d : buffers) bufs.push_back(tflite::CreateBuffer(b, d.empty() ? 0 : b.CreateVector(d)));
  auto m = tflite::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(sgs), b.CreateString("test"),
                               b.CreateVector(bufs));
  tflite::FinishModelBuffer(b, m);
  return std::make_shared<std::vector<uint8_t>>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

constexpr int32_t kRelu = 19, kSub = 41, kConv = 3;

std::string error_of(std::shared_ptr<std::vector<uint8_t>> bytes) {
  auto g = read_tflite(bytes);
  return g.ok() ? std::string("<accepted>") : g.error().message;
}

}  // namespace

TEST_CASE("a valid one-op model imports") {
  auto m = mini_model({{{1, 4, 4, 2}, tflite::TensorType::INT8, 0, "in"}, {{1, 4, 4, 2}, tflite::TensorType::INT8, 0, "out"}},
                      kRelu, {0}, {1}, {{}});
  auto g = read_tflite(m);
  REQUIRE(g.ok());
  CHECK(g->ops.size() == 1);
  CHECK(g->ops[0].kind == OpKind::Relu);
  CHECK(g->tensor(1).name == "out");
  CHECK(g->tensor(0).quant.scale() == 0.5f);
}

TEST_CASE("unsupported op is named with its index") {
  auto m = mini_model({{{1, 4}, tflite::TensorType::INT8, 0, "a"}, {{1, 4}, tflite::TensorType::INT8, 0, "b"}}, kSub,
                      {0, 0}, {1}, {{}});
  const std::string e = error_of(m);
  CHECK(e.find("op 0: unsupported op SUB") != std::string::npos);
}

TEST_CASE("unsupported dtype names the tensor") {
  auto m = mini_model({{{1, 4}, tflite::TensorType::COMPLEX64, 0, "weird"}, {{1, 4}, tflite::TensorType::INT8, 0, "b"}},
                      kRelu, {0}, {1}, {{}});
  CHECK(error_of(m).find("tensor 'weird': unsupported dtype COMPLEX64") != std::string::npos);
}

TEST_CASE("tensor index out of range") {
  auto m = mini_model({{{1, 4}, tflite::TensorType::INT8, 0, "a"}, {{1, 4}, tflite::TensorType::INT8, 0, "b"}}, kRelu,
                      {7}, {1}, {{}});
  CHECK(error_of(m).find("op 0 (RELU) inputs: tensor index 7 out of range (subgraph has 2 tensors)") !=
        std::string::npos);
}

TEST_CASE("constant data size must match the shape") {
  auto m = mini_model({{{1, 4, 4, 2}, tflite::TensorType::INT8, 0, "in"},
                       {{1, 4, 4, 2}, tflite::TensorType::INT8, 0, "out"},
                       {{2, 3, 3, 2}, tflite::TensorType::INT8, 1, "w"}},
                      kConv, {0, 2, -1}, {1}, {{}, std::vector<uint8_t>(10, 1)});
  CHECK(error_of(m).find("tensor 'w': constant data has 10 bytes, shape 2x3x3x2 x int8 needs 36") != std::string::npos);
}

TEST_CASE("buffer index out of range") {
  auto m = mini_model({{{1, 4}, tflite::TensorType::INT8, 5, "a"}, {{1, 4}, tflite::TensorType::INT8, 0, "b"}}, kRelu,
                      {0}, {1}, {{}});
  CHECK(error_of(m).find("tensor 'a': buffer index 5 out of range") != std::string::npos);
}

TEST_CASE("op reading a tensor nobody produced") {
  auto m = mini_model({{{1, 4}, tflite::TensorType::INT8, 0, "a"},
                       {{1, 4}, tflite::TensorType::INT8, 0, "b"},
                       {{1, 4}, tflite::TensorType::INT8, 0, "ghost"}},
                      kRelu, {2}, {1}, {{}});
  CHECK(error_of(m).find("input tensor 'ghost' is neither a model input") != std::string::npos);
}

TEST_CASE("per-channel quantization with the wrong number of scales") {
  MiniTensor w{{4, 1, 1, 2}, tflite::TensorType::INT8, 1, "w", {0.1f, 0.2f, 0.3f}, {0, 0, 0}};
  auto m = mini_model({{{1, 2, 2, 2}, tflite::TensorType::INT8, 0, "in"}, {{1, 2, 2, 4}, tflite::TensorType::INT8, 0, "out"}, w},
                      kConv, {0, 2, -1}, {1}, {{}, std::vector<uint8_t>(8, 1)});
  CHECK(error_of(m).find("tensor 'w': 3 scales and 3 zero points for 4 channels on axis 0") != std::string::npos);
}

TEST_CASE("not a flatbuffer / wrong identifier / too small") {
  CHECK(error_of(std::make_shared<std::vector<uint8_t>>(4, 0)).find("too small") != std::string::npos);
  auto junk = std::make_shared<std::vector<uint8_t>>(64, 0x41);
  CHECK(error_of(junk).find("missing the 'TFL3' file identifier") != std::string::npos);
  auto err = load_tflite("/nonexistent/model.tflite");
  REQUIRE(!err.ok());
  CHECK(err.error().message == "cannot open model file '/nonexistent/model.tflite'");
}

TEST_CASE("truncated and corrupted real models never crash") {
  std::vector<std::shared_ptr<std::vector<uint8_t>>> models;
  models.push_back(mini_model({{{1, 4, 4, 2}, tflite::TensorType::INT8, 0, "in"}, {{1, 4, 4, 2}, tflite::TensorType::INT8, 0, "out"}},
                              kRelu, {0}, {1}, {{}}));
  if (testing::have_shared("truncation of real models")) {
    for (const char* m : {"other_int8/person_detect.tflite", "mlperf_tiny/kws_ref_model.tflite"})
      models.push_back(std::make_shared<std::vector<uint8_t>>(testing::read_bytes(testing::shared_dir() / "models" / m)));
  }
  std::mt19937 rng(1234);
  int rejected = 0, total = 0;
  for (const auto& model : models) {
    REQUIRE(read_tflite(model).ok());
    // Truncations at many points: all must be rejected (the verifier sees the missing bytes).
    for (int i = 1; i < 60; ++i) {
      size_t len = model->size() * static_cast<size_t>(i) / 60;
      auto cut = std::make_shared<std::vector<uint8_t>>(model->begin(), model->begin() + static_cast<long>(len));
      auto g = read_tflite(cut);
      ++total;
      if (!g.ok()) ++rejected;
    }
    // Random corruption: accepted or rejected, but never a crash (ASan/UBSan builds check this).
    for (int i = 0; i < 200; ++i) {
      auto bad = std::make_shared<std::vector<uint8_t>>(*model);
      for (int k = 0; k < 8; ++k) (*bad)[rng() % bad->size()] = static_cast<uint8_t>(rng());
      (void)read_tflite(bad);
    }
  }
  CHECK(rejected == total);
}
