// Every single-op case of ../shared/opcases (outputs recorded with TensorFlow Lite Micro's reference
// kernels) must come out byte-identical, computed in one call and in row/channel partitions.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "model/tflite_reader.h"
#include "runtime/interpreter.h"
#include "support/shared.h"

using namespace tinyops;
namespace fs = std::filesystem;

namespace {

// Splits the concatenated input file into the graph's input tensors.
bool split_inputs(const Graph& g, const std::vector<uint8_t>& bytes, TensorBytes* out) {
  size_t off = 0;
  for (int id : g.inputs) {
    const size_t n = g.tensor(id).bytes();
    if (off + n > bytes.size()) return false;
    out->emplace_back(bytes.begin() + static_cast<long>(off), bytes.begin() + static_cast<long>(off + n));
    off += n;
  }
  return off == bytes.size();
}

std::vector<uint8_t> concat(const TensorBytes& t) {
  std::vector<uint8_t> r;
  for (const auto& v : t) r.insert(r.end(), v.begin(), v.end());
  return r;
}

}  // namespace

TEST_CASE("opcases: TFLM reference outputs are reproduced bit-exactly") {
  if (!testing::have_shared("opcases")) return;
  const fs::path root = testing::shared_dir() / "opcases";
  std::ifstream f(root / "refs" / "index.json");
  REQUIRE(f.good());
  const nlohmann::json index = nlohmann::json::parse(f);
  REQUIRE(index.size() == 122);
  int exact = 0, exact_partitioned = 0;
  for (const auto& c : index) {
    const std::string model = c["model"].get<std::string>();
    CAPTURE(model);
    CAPTURE(c["case"].get<std::string>());
    Result<Graph> g = load_tflite((root / "models" / model).string());
    REQUIRE_MESSAGE(g.ok(), (g.ok() ? "" : g.error().message));
    const std::vector<uint8_t> in_bytes = testing::read_bytes(root / "refs" / c["input_file"].get<std::string>());
    const std::vector<uint8_t> expect = testing::read_bytes(root / "refs" / c["output_file"].get<std::string>());
    TensorBytes inputs;
    REQUIRE(split_inputs(g.value(), in_bytes, &inputs));
    Result<TensorBytes> out = run_graph(g.value(), inputs);
    REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().message));
    const std::vector<uint8_t> got = concat(out.value());
    CHECK(got.size() == expect.size());
    if (got == expect) {
      ++exact;
    } else {
      int diffs = 0, maxd = 0;
      for (size_t i = 0; i < got.size() && i < expect.size(); ++i)
        if (got[i] != expect[i]) {
          ++diffs;
          maxd = std::max(maxd, std::abs(int(int8_t(got[i])) - int(int8_t(expect[i]))));
        }
      std::cout << "MISMATCH " << model << " case " << c["case"].get<std::string>() << ": " << diffs << "/"
                << got.size() << " bytes differ, max |diff| " << maxd << "\n";
    }
    Result<TensorBytes> part = run_graph_partitioned(g.value(), inputs, PartitionSpec{3, 2});
    REQUIRE_MESSAGE(part.ok(), (part.ok() ? "" : part.error().message));
    if (concat(part.value()) == expect) ++exact_partitioned;
  }
  std::cout << "opcases: " << exact << "/" << index.size() << " bit-exact\n";
  std::cout << "opcases (3 row x 2 channel partitions): " << exact_partitioned << "/" << index.size() << " bit-exact\n";
  CHECK(exact == 122);
  CHECK(exact_partitioned == 122);
}
