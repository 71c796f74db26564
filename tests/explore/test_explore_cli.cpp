// `tinyops zoo` and `tinyops explore` end to end (the binary named by $TINYOPS_CLI).
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/graph.h"
#include "model/zoo/zoo.h"
#include "support/shared.h"

namespace {

struct CmdResult {
  int exit_code = -1;
  std::string out;  // stdout (+ stderr when merged)
};

CmdResult run_cli(const std::string& args, bool merge_stderr = true) {
  const char* cli = std::getenv("TINYOPS_CLI");
  REQUIRE_MESSAGE(cli != nullptr, "TINYOPS_CLI is not set (run through ctest)");
  CmdResult r;
  FILE* p = popen((std::string(cli) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::filesystem::path tmp_dir(const char* name) {
  auto d = std::filesystem::path(TINYOPS_BINARY_DIR) / "test_tmp" / "explore" / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

nlohmann::json json_of(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), "not JSON: " << s.substr(0, 300));
  return j;
}

std::string fmt_args(const char* family, double width, int res, int classes, const std::string& out) {
  return std::string("zoo ") + family + " --width " + std::to_string(width) + " --resolution " + std::to_string(res) +
         " --classes " + std::to_string(classes) + " -o " + out;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("zoo writes a model that inspect reads with the expected MACs and params") {
  const auto dir = tmp_dir("zoo");
  struct Case {
    const char* family;
    double width;
    int res, classes;
  };
  for (Case c : {Case{"mobilenet-v2", 0.35, 96, 1000}, Case{"mobilenet-v3-large", 0.55, 128, 1000},
                 Case{"mcunet-in3", 1.0, 176, 1000}, Case{"mnasnet-b1", 0.5, 112, 10}}) {
    INFO(c.family);
    const auto path = dir / (std::string(c.family) + ".tflite");
    auto r = run_cli(fmt_args(c.family, c.width, c.res, c.classes, path.string()));
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    auto g = tinyops::make_zoo_model(c.family, c.width, c.res, c.classes);
    REQUIRE(g.ok());
    auto j = json_of(run_cli("inspect --json " + path.string(), false).out);
    CHECK(j["totals"]["macs"].get<int64_t>() == tinyops::graph_macs(g.value()));
    CHECK(j["totals"]["params"].get<int64_t>() == tinyops::graph_params(g.value()));
    CHECK(r.out.find(std::string(c.family) + " width") == 0);
  }
  // MobileNetV2 1.0/224 at the family defaults: the published 300 M MACs / 3.47 M params (within 2%).
  const auto def = dir / "mbv2.tflite";
  auto r = run_cli("zoo mobilenet-v2 -o " + def.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  auto j = json_of(run_cli("inspect --json " + def.string(), false).out);
  CHECK(std::abs(j["totals"]["macs"].get<double>() / 300e6 - 1) < 0.02);
  CHECK(std::abs(j["totals"]["params"].get<double>() / 3.47e6 - 1) < 0.02);
}

TEST_CASE("zoo --list and zoo errors") {
  auto list = run_cli("zoo --list");
  REQUIRE(list.exit_code == 0);
  for (const auto& f : tinyops::zoo_families()) CHECK_MESSAGE(list.out.find(f.name) != std::string::npos, f.name);
  CHECK(list.out.find("mcunet-in3             1.00         176  MCUNet in3") != std::string::npos);
  auto bad = run_cli("zoo resnet-50 -o x.tflite");
  CHECK(bad.exit_code == 1);
  std::string names;
  for (const auto& f : tinyops::zoo_families()) names += (names.empty() ? "" : ", ") + f.name;
  CHECK(bad.out == "error: unknown zoo family 'resnet-50'; expected one of: " + names + "\n");
  auto no_out = run_cli("zoo mobilenet-v2");
  CHECK(no_out.exit_code == 1);
  CHECK(no_out.out == "error: zoo: give the output path with -o FILE\n");
  auto width = run_cli("zoo mobilenet-v2 --width 9 -o x.tflite");
  CHECK(width.exit_code == 1);
  CHECK(width.out == "error: mobilenet-v2: width 9.00 out of range, expected 0.05..4\n");
}

TEST_CASE("explore --json prints the configurations of a tiny sweep; files, report and errors") {
  const auto dir = tmp_dir("sweep");
  auto r = run_cli("explore --families mobilenet-v2,mcunet-in3 --widths 0.35,0.5 --resolutions 96 --no-listed --jobs 2 "
                   "--no-plot --json --out " + dir.string(), false);
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  auto j = json_of(r.out);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 4);
  for (const auto& c : j) {
    for (const char* k : {"family", "width", "resolution", "macs", "params", "accuracy", "accuracy_is_estimate"})
      CHECK_MESSAGE(c.contains(k), k);
    for (const char* s : {"internal", "external", "tinyops"}) {
      CHECK(c["strategies"][s]["fits"].is_boolean());
      CHECK(c["strategies"][s].contains("latency_ms"));
    }
  }
  CHECK(j[0]["family"] == "mobilenet-v2");
  CHECK(j[3]["family"] == "mcunet-in3");
  CHECK(j[3]["width"] == 0.5);
  if (tinyops::testing::have_shared("listed accuracy of mobilenet-v2 0.35/96")) {
    CHECK(j[0]["accuracy"] == 45.5);
    CHECK(j[0]["accuracy_is_estimate"] == false);
    CHECK(j[2]["accuracy_is_estimate"] == true);  // mcunet-in3 at 0.35/96 is not listed
  }
  // The files: CSV (header + 4 lines), JSON document with fronts and headline, report.
  CHECK(std::filesystem::exists(dir / "explore.csv"));
  const std::string csv = read_text(dir / "explore.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);
  auto doc = json_of(read_text(dir / "explore.json"));
  CHECK(doc["board"] == "stm32f746g-disco");
  CHECK(doc["configurations"] == j);
  CHECK(doc["fronts"]["tinyops"].is_array());
  CHECK(read_text(dir / "report.txt").find("Pareto front") != std::string::npos);

  // Without the accuracy table every figure is an estimate, and the report says so.
  auto est = run_cli("explore --families mcunet-in3 --widths 0.35 --resolutions 96 --accuracy none --no-plot --quiet "
                     "--out " + dir.string());
  REQUIRE_MESSAGE(est.exit_code == 0, est.out);
  CHECK(est.out.find("every accuracy is an estimate") != std::string::npos);
  CHECK(est.out.find("1 configurations; accuracy: 0 listed, 1 estimated (marked *)") != std::string::npos);

  auto fam = run_cli("explore --families foo --no-plot");
  CHECK(fam.exit_code == 1);
  CHECK(fam.out.find("error: unknown zoo family 'foo'; expected one of: mobilenet-v1,") == 0);
  auto acc = run_cli("explore --families mcunet-in3 --accuracy /nonexistent.csv --no-plot");
  CHECK(acc.exit_code == 1);
  CHECK(acc.out == "error: cannot read accuracy table '/nonexistent.csv'\n");
  auto tgt = run_cli("explore --target-accuracy 60");
  CHECK(tgt.exit_code == 1);
  CHECK(tgt.out == "error: --target-accuracy needs --latency-budget MS\n");
}

TEST_CASE("explore --target-accuracy: board variants reaching the target within the budget") {
  const auto dir = tmp_dir("target");
  auto r = run_cli("explore --target-accuracy 45 --latency-budget 300 --families mobilenet-v2,mcunet-in3 "
                   "--widths 0.35,0.5 --resolutions 96 --no-listed --accuracy none --sram-sizes 64,128,320 "
                   "--bandwidth-scales 0.5,1,2 --json --quiet --out " + dir.string(), false);
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  auto j = json_of(r.out);
  REQUIRE(j["variants"].size() == 9);
  CHECK(j["variants"][0]["board"] == "stm32f746g-disco-sram64k-bw0.5x");
  std::vector<std::string> ok;
  for (const auto& v : j["variants"]) {
    INFO(v.dump());
    CHECK(v["reaches_target"] == !v["best"].is_null());
    if (v["best"].is_null()) continue;
    ok.push_back(v["board"]);
    CHECK(v["best"]["accuracy"].get<double>() >= 45);
    CHECK(v["best"]["latency_ms"].get<double>() <= 300);
  }
  // Minimal variants reach the target, and none is dominated by another qualifying variant.
  for (const auto& m : j["minimal"]) {
    CHECK(std::find(ok.begin(), ok.end(), m.get<std::string>()) != ok.end());
    CHECK(std::filesystem::exists(dir / (m.get<std::string>() + ".json")));
  }
  // The base SRAM with twice the bandwidth qualifies (MobileNetV2 0.35/96 takes ~220 ms on the base board).
  CHECK(std::find(ok.begin(), ok.end(), "stm32f746g-disco-sram320k-bw2x") != ok.end());
  CHECK_FALSE(j["minimal"].empty());
}
