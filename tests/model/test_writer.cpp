// .tflite writer: build -> write -> read back gives the identical IR; the file follows TFLite v3
// conventions; real models survive read -> write -> read and still give TFLM's exact outputs.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "model/builder.h"
#include "model/graph_compare.h"
#include "model/tflite_reader.h"
#include "model/tflite_writer.h"
#include "runtime/interpreter.h"
#include "support/shared.h"
#include "tflite_subset_generated.h"

using namespace tinyops;
using tinyops::testing::graph_diff;

namespace {

std::shared_ptr<const std::vector<uint8_t>> share(std::vector<uint8_t> v) {
  return std::make_shared<const std::vector<uint8_t>>(std::move(v));
}

// A graph using every op kind of the IR (and both graph-input dtypes).
Graph every_op_graph() {
  GraphBuilder b("every op", 7);
  const int x = b.input({1, 12, 12, 8}, 0.05f, -3);
  const int c = b.conv2d(x, 16, 3, 2, Activation::Relu6);              // [1,6,6,16]
  const int d = b.depthwise(c, 3, 1, Activation::Relu, 2);             // [1,6,6,32]
  const int p = b.pad(d, {0, 1, 1, 0}, {0, 1, 1, 0});                  // [1,8,8,32]
  LayerOpts valid;
  valid.padding = Padding::Valid;
  const int v = b.conv2d(p, 16, 3, 1, Activation::None, valid);        // [1,6,6,16]
  const int pv = b.padv2(v, {0, 0, 0, 0}, {0, 1, 1, 0}, 0.5f);         // [1,7,7,16]
  const int mp = b.max_pool(pv, 2, 2);                                 // [1,3,3,16]
  const int hs = b.hard_swish(v);
  const int ap = b.avg_pool(hs, 3, 1, Padding::Same);
  const int a = b.add(ap, v);
  const int m = b.mean(a, {1, 2}, true);                               // [1,1,1,16]
  const int gate = b.logistic(b.conv2d(m, 16, 1, 1));
  const int mu = b.mul(a, gate);
  const int r6 = b.relu6(b.relu(mu));
  const int t = b.transpose(r6, {0, 2, 1, 3});
  const int cc = b.concat({t, v}, 3);                                  // [1,6,6,32], QUANTIZE inserted
  const int mean2 = b.mean(cc, {1, 2}, false);                         // [1,32]
  const int sm = b.softmax(b.fully_connected(mean2, 10), 0.5f);
  const int sq = b.squeeze(b.reshape(sm, {1, 1, 1, 10}), {1, 2});      // [1,10]
  const int dq = b.dequantize(sq);
  const int fi = b.input({1, 4}, 0.0f, 0, DType::Float32, "float_input");
  const int qi = b.quantize(fi, DType::Int8, 0.1f, 3);
  b.output(dq);
  b.output(mp);
  b.output(qi);
  return b.finish();
}

std::vector<uint8_t> pattern_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = static_cast<uint8_t>(seed >> 24);
  }
  return v;
}

TensorBytes pattern_inputs(const Graph& g) {
  TensorBytes in;
  for (int id : g.inputs) {
    const Tensor& t = g.tensor(id);
    if (t.dtype == DType::Float32) {
      std::vector<uint8_t> bytes(t.bytes());
      for (size_t i = 0; i < t.num_elements(); ++i) {
        const float f = -1.5f + 0.77f * static_cast<float>(i);
        std::memcpy(bytes.data() + 4 * i, &f, 4);
      }
      in.push_back(bytes);
    } else {
      in.push_back(pattern_bytes(t.bytes(), 99u + static_cast<uint32_t>(id)));
    }
  }
  return in;
}

}  // namespace

TEST_CASE("builder graph with every op kind round-trips through the writer and the reader") {
  const Graph g = every_op_graph();
  std::set<OpKind> kinds;
  for (const Op& op : g.ops) kinds.insert(op.kind);
  CHECK(kinds.size() == 21);  // all OpKind values

  const std::vector<uint8_t> bytes = write_tflite(g);
  auto back = read_tflite(share(bytes));
  REQUIRE_MESSAGE(back.ok(), back.error().message);
  CHECK(graph_diff(g, *back) == "");
  // Re-created constant operands: MEAN axes x2, PAD paddings, PADV2 paddings + constant_values,
  // TRANSPOSE perm, RESHAPE shape.
  CHECK(back->tensors.size() == g.tensors.size() + 7);

  // Both graphs compute the same bytes.
  const TensorBytes in = pattern_inputs(g);
  auto out_a = run_graph(g, in);
  REQUIRE_MESSAGE(out_a.ok(), out_a.error().message);
  auto out_b = run_graph(*back, in);
  REQUIRE_MESSAGE(out_b.ok(), out_b.error().message);
  CHECK(*out_a == *out_b);
  // QUANTIZE float -> int8 (scale 0.1, zp 3): -1.5 -> -12, -0.73 -> -4, 0.04 -> 3, 0.81 -> 11.
  CHECK(out_a->at(2) == std::vector<uint8_t>{static_cast<uint8_t>(-12), static_cast<uint8_t>(-4), 3, 11});

  // Writing is deterministic, and so is building.
  CHECK(write_tflite(every_op_graph()) == bytes);
}

TEST_CASE("written file follows TFLite v3 conventions") {
  const Graph g = every_op_graph();
  const std::vector<uint8_t> bytes = write_tflite(g);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  REQUIRE(tflite::VerifyModelBuffer(verifier));
  CHECK(std::string(reinterpret_cast<const char*>(bytes.data()) + 4, 4) == "TFL3");
  const tflite::Model* m = tflite::GetModel(bytes.data());
  CHECK(m->version() == 3);
  CHECK(m->description()->str() == "every op");
  REQUIRE(m->buffers()->size() >= 1);
  CHECK((m->buffers()->Get(0)->data() == nullptr || m->buffers()->Get(0)->data()->size() == 0));
  for (const auto* buf : *m->buffers())
    if (buf->data() && buf->data()->size() > 0)
      CHECK((buf->data()->data() - bytes.data()) % 16 == 0);  // force_align: 16

  // Operator codes: one per (op, version), deprecated code = min(code, 127), in first-use order;
  // QUANTIZE appears twice: int8 -> int8 (version 2) and float32 -> int8 (version 1).
  REQUIRE(m->operator_codes()->size() == 22);
  const auto* first = m->operator_codes()->Get(0);
  CHECK(first->builtin_code() == tflite::BuiltinOperator::CONV_2D);
  CHECK(first->version() == 3);
  for (const auto* oc : *m->operator_codes()) {
    const int code = static_cast<int>(oc->builtin_code());
    CHECK(oc->deprecated_builtin_code() == std::min(code, 127));
  }

  const tflite::SubGraph* sg = m->subgraphs()->Get(0);
  CHECK(sg->tensors()->size() == g.tensors.size() + 7);
  for (const auto* op : *sg->operators()) {
    const auto code = m->operator_codes()->Get(op->opcode_index())->builtin_code();
    const std::string name = tflite::EnumNameBuiltinOperator(code);
    const tflite::Tensor* out = sg->tensors()->Get(op->outputs()->Get(0));
    if (code == tflite::BuiltinOperator::CONV_2D) {
      const tflite::Tensor* w = sg->tensors()->Get(op->inputs()->Get(1));
      const tflite::Tensor* bias = sg->tensors()->Get(op->inputs()->Get(2));
      CHECK(w->type() == tflite::TensorType::INT8);
      CHECK(w->quantization()->quantized_dimension() == 0);
      CHECK(w->quantization()->scale()->size() == static_cast<size_t>(w->shape()->Get(0)));
      CHECK(bias->type() == tflite::TensorType::INT32);
      CHECK(op->builtin_options_type() == tflite::BuiltinOptions::Conv2DOptions);
    } else if (code == tflite::BuiltinOperator::DEPTHWISE_CONV_2D) {
      const tflite::Tensor* w = sg->tensors()->Get(op->inputs()->Get(1));
      CHECK(w->quantization()->quantized_dimension() == 3);
      CHECK(op->builtin_options_as_DepthwiseConv2DOptions()->depth_multiplier() == 2);
    } else if (code == tflite::BuiltinOperator::MEAN) {
      const tflite::Tensor* axes = sg->tensors()->Get(op->inputs()->Get(1));
      CHECK(axes->type() == tflite::TensorType::INT32);
      const auto* data = m->buffers()->Get(axes->buffer())->data();
      REQUIRE(data->size() == 8);
      CHECK(reinterpret_cast<const int32_t*>(data->data())[0] == 1);
      CHECK(reinterpret_cast<const int32_t*>(data->data())[1] == 2);
    } else if (code == tflite::BuiltinOperator::PADV2) {
      REQUIRE(op->inputs()->size() == 3);
      const tflite::Tensor* pads = sg->tensors()->Get(op->inputs()->Get(1));
      CHECK(pads->shape()->Get(0) == 4);
      CHECK(pads->shape()->Get(1) == 2);
      const tflite::Tensor* cv = sg->tensors()->Get(op->inputs()->Get(2));
      CHECK(cv->type() == tflite::TensorType::INT8);
      CHECK(cv->quantization()->scale()->Get(0) == out->quantization()->scale()->Get(0));
    } else if (code == tflite::BuiltinOperator::RESHAPE) {
      const auto* ns = op->builtin_options_as_ReshapeOptions()->new_shape();
      CHECK(std::vector<int>(ns->begin(), ns->end()) == std::vector<int>{1, 1, 1, 10});
    } else if (code == tflite::BuiltinOperator::SQUEEZE) {
      const auto* dims = op->builtin_options_as_SqueezeOptions()->squeeze_dims();
      CHECK(std::vector<int>(dims->begin(), dims->end()) == std::vector<int>{1, 2});
    } else if (code == tflite::BuiltinOperator::SOFTMAX) {
      CHECK(op->builtin_options_as_SoftmaxOptions()->beta() == 0.5f);
      CHECK(out->quantization()->scale()->Get(0) == 1.0f / 256.0f);
      CHECK(out->quantization()->zero_point()->Get(0) == -128);
    } else if (code == tflite::BuiltinOperator::FULLY_CONNECTED) {
      const tflite::Tensor* w = sg->tensors()->Get(op->inputs()->Get(1));
      CHECK(w->quantization()->scale()->size() == 1);  // per-tensor, as TFLM's int8 FC expects
    }
  }
}

TEST_CASE("writer rejects malformed graphs with a message naming the element") {
  Graph g = every_op_graph();
  g.ops[0].attrs = MeanAttrs{};
  auto r = write_tflite_checked(g);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "op 0 (CONV_2D): expected attributes ConvAttrs, found variant index 7");
  CHECK_THROWS_AS(write_tflite(g), std::invalid_argument);

  Graph h = every_op_graph();
  h.ops[3].inputs[0] = 999;
  r = write_tflite_checked(h);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "op 3 (CONV_2D) input: tensor id 999 out of range [0, " +
                                 std::to_string(h.tensors.size()) + ")");

  Graph k = every_op_graph();
  const int w = k.ops[0].inputs[1];
  k.tensors[static_cast<size_t>(w)].data_size -= 1;
  r = write_tflite_checked(k);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "tensor " + std::to_string(w) + " '" + k.tensors[static_cast<size_t>(w)].name +
                                 "': constant data of 1151 bytes, expected 1152 for its shape and dtype");

  auto s = save_tflite(every_op_graph(), "/nonexistent-dir/x.tflite");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == "cannot open '/nonexistent-dir/x.tflite' for writing");

  const std::string path = std::string(TINYOPS_BINARY_DIR) + "/test_writer_every_op.tflite";
  REQUIRE(save_tflite(every_op_graph(), path).ok());
  auto loaded = load_tflite(path);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
  CHECK(graph_diff(every_op_graph(), *loaded) == "");
  std::filesystem::remove(path);
}

TEST_CASE("shared models: read -> write -> read keeps the IR, and the rewritten file gives TFLM's outputs") {
  if (!tinyops::testing::have_shared("writer round trip of shared models")) return;
  namespace fs = std::filesystem;
  const fs::path root = tinyops::testing::shared_dir();
  std::map<std::string, Graph> rewritten;
  int models = 0;
  for (const auto& e : fs::recursive_directory_iterator(root / "models")) {
    if (e.path().extension() != ".tflite") continue;
    const std::string rel = fs::relative(e.path(), root / "models").string();
    CAPTURE(rel);
    auto first = load_tflite(e.path().string());
    REQUIRE_MESSAGE(first.ok(), first.error().message);
    const std::vector<uint8_t> bytes = write_tflite(*first);
    auto second = read_tflite(share(bytes));
    REQUIRE_MESSAGE(second.ok(), second.error().message);
    CHECK(graph_diff(*first, *second) == "");
    CHECK(graph_macs(*second) == graph_macs(*first));
    rewritten.emplace(rel, std::move(second).value());
    ++models;
  }
  CHECK(models == 6);

  const auto index = nlohmann::json::parse(tinyops::testing::read_bytes(root / "refs" / "index.json"));
  int exact = 0, cases = 0;
  for (const auto& c : index) {
    const std::string model = c["model"];
    CAPTURE(model);
    REQUIRE(rewritten.count(model) == 1);
    const auto input = tinyops::testing::read_bytes(root / "refs" / c["input_file"].get<std::string>());
    const auto expect = tinyops::testing::read_bytes(root / "refs" / c["output_file"].get<std::string>());
    auto out = run_graph(rewritten.at(model), {input});
    REQUIRE_MESSAGE(out.ok(), out.error().message);
    ++cases;
    if (out->at(0) == expect) ++exact;
  }
  std::printf("writer: %d/%d shared reference cases bit-exact through rewritten models\n", exact, cases);
  CHECK(cases == 24);
  CHECK(exact == cases);
}

TEST_CASE("opcases: all 61 single-op models survive the writer and still give TFLM's outputs") {
  if (!tinyops::testing::have_shared("writer round trip of opcases")) return;
  namespace fs = std::filesystem;
  const fs::path root = tinyops::testing::shared_dir() / "opcases";
  const auto index = nlohmann::json::parse(tinyops::testing::read_bytes(root / "refs" / "index.json"));
  std::map<std::string, Graph> rewritten;
  int exact = 0;
  for (const auto& c : index) {
    const std::string model = c["model"];
    CAPTURE(model);
    if (!rewritten.count(model)) {
      auto first = load_tflite((root / "models" / model).string());
      REQUIRE_MESSAGE(first.ok(), first.error().message);
      auto second = read_tflite(share(write_tflite(*first)));
      REQUIRE_MESSAGE(second.ok(), second.error().message);
      CHECK(graph_diff(*first, *second) == "");
      rewritten.emplace(model, std::move(second).value());
    }
    const Graph& g = rewritten.at(model);
    // The input file holds every graph input's bytes in order; the output file likewise.
    const auto in_bytes = tinyops::testing::read_bytes(root / "refs" / c["input_file"].get<std::string>());
    const auto expect = tinyops::testing::read_bytes(root / "refs" / c["output_file"].get<std::string>());
    TensorBytes inputs;
    size_t off = 0;
    for (int id : g.inputs) {
      const size_t n = g.tensor(id).bytes();
      REQUIRE(off + n <= in_bytes.size());
      inputs.emplace_back(in_bytes.begin() + static_cast<long>(off), in_bytes.begin() + static_cast<long>(off + n));
      off += n;
    }
    auto out = run_graph(g, inputs);
    REQUIRE_MESSAGE(out.ok(), out.error().message);
    std::vector<uint8_t> got;
    for (const auto& o : *out) got.insert(got.end(), o.begin(), o.end());
    exact += got == expect;
  }
  std::printf("writer: %d/%zu opcases bit-exact through %zu rewritten models\n", exact, index.size(), rewritten.size());
  CHECK(rewritten.size() == 61);
  CHECK(exact == 122);
}
