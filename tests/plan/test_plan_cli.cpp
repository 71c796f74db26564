// `tinyops plan` and `tinyops run --board --strategy` end to end (the binary named by $TINYOPS_CLI).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "support/shared.h"

namespace {

struct CmdResult {
  int exit_code = -1;
  std::string out;  // stdout (stderr too when merge)
};

CmdResult run_cli(const std::string& args, bool merge = true) {
  const char* cli = std::getenv("TINYOPS_CLI");
  REQUIRE_MESSAGE(cli != nullptr, "TINYOPS_CLI is not set (run through ctest)");
  CmdResult r;
  FILE* p = popen((std::string(cli) + " " + args + (merge ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kMobileNet = "models/imagenet/tf2_mobilenet_v2_1.0_224_ptq.tflite";

}  // namespace

TEST_CASE("plan CLI: --json has the memory map and per-op partitions, axis and DMA bytes") {
  if (!tinyops::testing::have_shared("plan CLI")) return;
  const auto model = (tinyops::testing::shared_dir() / kMobileNet).string();
  auto r = run_cli("plan " + model + " --board stm32f746g-disco --strategy tinyops --json", false);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["memories"].is_array());
  bool sram = false;
  for (const auto& m : j["memories"]) {
    CHECK(m.contains("name"));
    CHECK(m.contains("kind"));
    CHECK(m["used"].get<int64_t>() <= m["size"].get<int64_t>());
    if (m["name"] == "sram") {
      sram = true;
      CHECK(m["size"] == 327680);
      CHECK(m["used"].get<int64_t>() <= j["sram_budget"].get<int64_t>());
    }
  }
  CHECK(sram);
  REQUIRE(j["ops"].size() == 68);  // one per graph op
  int64_t dma = 0;
  for (const auto& op : j["ops"]) {
    CHECK(op["partitions"].get<int>() >= 1);
    CHECK(op.contains("axis"));
    CHECK(op["dma_bytes"] == op["dma_bytes_in"].get<int64_t>() + op["dma_bytes_out"].get<int64_t>());
    dma += op["dma_bytes"].get<int64_t>();
  }
  CHECK(dma == j["totals"]["dma_bytes"].get<int64_t>());
  CHECK(dma > 0);

  // The table: memory map, ops, bytes moved per memory.
  auto t = run_cli("plan " + model + " --board stm32f746g-disco");
  REQUIRE(t.exit_code == 0);
  CHECK(t.out.find("memory map") != std::string::npos);
  CHECK(t.out.find("bytes moved per memory") != std::string::npos);
  CHECK(t.out.find("DEPTHWISE_CONV_2D") != std::string::npos);

  auto bad = run_cli("plan " + model + " --board stm32f746g-disco --strategy internal");
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("error: internal strategy does not fit board 'stm32f746g-disco': memory 'flash' (flash) "
                     "overflows by ") == 0);
  auto bad2 = run_cli("plan " + model + " --strategy fastest");
  CHECK(bad2.exit_code == 1);
  CHECK(bad2.out.find("error: unknown strategy 'fastest' (internal, external, tinyops)") == 0);
}

TEST_CASE("run CLI: planned execution writes the reference output bytes") {
  if (!tinyops::testing::have_shared("run CLI planned")) return;
  const auto shared = tinyops::testing::shared_dir();
  const auto dir = std::filesystem::path(TINYOPS_BINARY_DIR) / "test_tmp" / "plan_cli";
  std::filesystem::create_directories(dir);
  struct Case {
    std::string model, input, output, strategy, budget;
  };
  const Case cases[] = {
      {kMobileNet, "refs/tf2_mobilenet_v2_1.0_224_ptq/grace_hopper.input.bin",
       "refs/tf2_mobilenet_v2_1.0_224_ptq/grace_hopper.output.bin", "tinyops", ""},
      {"models/mlperf_tiny/vww_96_int8.tflite", "refs/vww_96_int8/synthetic.input.bin",
       "refs/vww_96_int8/synthetic.output.bin", "tinyops", " --sram-budget 32768"},
      {"models/mlperf_tiny/vww_96_int8.tflite", "refs/vww_96_int8/synthetic.input.bin",
       "refs/vww_96_int8/synthetic.output.bin", "internal", ""},
      {"models/mlperf_tiny/vww_96_int8.tflite", "refs/vww_96_int8/synthetic.input.bin",
       "refs/vww_96_int8/synthetic.output.bin", "external", ""},
  };
  for (const Case& c : cases) {
    if (!std::filesystem::exists(shared / c.input)) {
      MESSAGE("reference file missing: " << c.input);
      continue;
    }
    INFO(c.model << " " << c.strategy);
    const auto out = dir / (c.strategy + ".bin");
    std::filesystem::remove(out);
    auto r = run_cli("run " + (shared / c.model).string() + " --board stm32f746g-disco --strategy " + c.strategy +
                     c.budget + " --input " + (shared / c.input).string() + " --output " + out.string() + " --top 0");
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    CHECK(tinyops::testing::read_bytes(out) == tinyops::testing::read_bytes(shared / c.output));
  }
}
