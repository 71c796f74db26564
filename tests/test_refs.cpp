// The real models of ../shared/refs: outputs recorded with TensorFlow Lite Micro must be reproduced
// byte for byte, by the dense interpreter and by the partitioned one.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "model/tflite_reader.h"
#include "runtime/interpreter.h"
#include "support/shared.h"

using namespace tinyops;
namespace fs = std::filesystem;

TEST_CASE("refs: real models reproduce TFLM outputs bit-exactly") {
  if (!testing::have_shared("refs")) return;
  const fs::path shared = testing::shared_dir();
  std::ifstream f(shared / "refs" / "index.json");
  REQUIRE(f.good());
  const nlohmann::json index = nlohmann::json::parse(f);
  REQUIRE(index.size() == 24);
  std::map<std::string, std::unique_ptr<Graph>> graphs;
  int exact = 0, exact_partitioned = 0, top1_ok = 0, classifiers = 0;
  for (const auto& c : index) {
    const std::string model = c["model"].get<std::string>();
    CAPTURE(model);
    CAPTURE(c["case"].get<std::string>());
    auto& gp = graphs[model];
    if (!gp) {
      Result<Graph> g = load_tflite((shared / "models" / model).string());
      REQUIRE_MESSAGE(g.ok(), (g.ok() ? "" : g.error().message));
      gp = std::make_unique<Graph>(std::move(g).value());
    }
    const Graph& g = *gp;
    const std::vector<uint8_t> input = testing::read_bytes(shared / "refs" / c["input_file"].get<std::string>());
    const std::vector<uint8_t> expect = testing::read_bytes(shared / "refs" / c["output_file"].get<std::string>());
    REQUIRE(g.inputs.size() == 1);
    REQUIRE(g.outputs.size() == 1);
    Result<TensorBytes> out = run_graph(g, {input});
    REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().message));
    const std::vector<uint8_t>& got = out.value()[0];
    REQUIRE(got.size() == expect.size());
    if (got == expect) {
      ++exact;
    } else {
      size_t diffs = 0;
      for (size_t i = 0; i < got.size(); ++i) diffs += got[i] != expect[i];
      std::cout << "MISMATCH " << model << " / " << c["case"].get<std::string>() << ": " << diffs << " of "
                << got.size() << " bytes differ\n";
    }
    if (c.contains("top1")) {
      ++classifiers;
      const bool is_u8 = c["output"]["dtype"] == "uint8";
      size_t best = 0;
      for (size_t i = 1; i < got.size(); ++i) {
        const int a = is_u8 ? got[i] : static_cast<int8_t>(got[i]);
        const int b = is_u8 ? got[best] : static_cast<int8_t>(got[best]);
        if (a > b) best = i;
      }
      if (static_cast<int>(best) == c["top1"].get<int>()) ++top1_ok;
    }
    Result<TensorBytes> part = run_graph_partitioned(g, {input}, PartitionSpec{4, 3});
    REQUIRE_MESSAGE(part.ok(), (part.ok() ? "" : part.error().message));
    if (part.value()[0] == expect) ++exact_partitioned;
  }
  std::cout << "refs: " << exact << "/" << index.size() << " bit-exact\n";
  std::cout << "refs (4 row x 3 channel partitions): " << exact_partitioned << "/" << index.size() << " bit-exact\n";
  std::cout << "refs: top-1 index equals the recorded top1 for " << top1_ok << "/" << classifiers << " cases\n";
  CHECK(exact == 24);
  CHECK(exact_partitioned == 24);
}
