// End-to-end tests of the `tinyops` command (the binary named by $TINYOPS_CLI).
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/shared.h"

namespace {

struct CmdResult {
  int exit_code = -1;
  std::string out;  // stdout + stderr
};

CmdResult run_cli(const std::string& args) {
  const char* cli = std::getenv("TINYOPS_CLI");
  REQUIRE_MESSAGE(cli != nullptr, "TINYOPS_CLI is not set (run through ctest)");
  CmdResult r;
  FILE* p = popen((std::string(cli) + " " + args + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::filesystem::path tmp_dir(const char* name) {
  auto d = std::filesystem::path(TINYOPS_BINARY_DIR) / "test_tmp" / name;
  std::filesystem::create_directories(d);
  return d;
}

nlohmann::json json_of(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), "not JSON: " << s.substr(0, 300));
  return j;
}

}  // namespace

TEST_CASE("demo writes, inspects and runs the built-in model without ../shared") {
  auto dir = tmp_dir("demo");
  auto r = run_cli("demo --out " + dir.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  CHECK(std::filesystem::exists(dir / "demo.tflite"));
  CHECK(r.out.find("totals: 64 ops") != std::string::npos);
  CHECK(r.out.find("top-5 of output") != std::string::npos);
  // The demo output equals a plain `run` of the written model on the written input.
  auto r2 = run_cli("run " + (dir / "demo.tflite").string() + " --input " + (dir / "input.bin").string() +
                    " --output " + (dir / "again.bin").string());
  REQUIRE_MESSAGE(r2.exit_code == 0, r2.out);
  CHECK(tinyops::testing::read_bytes(dir / "again.bin") == tinyops::testing::read_bytes(dir / "output.bin"));
  auto j = json_of(run_cli("inspect --json " + (dir / "demo.tflite").string()).out);
  CHECK(j["totals"]["macs"].get<int64_t>() > 40000000);
  CHECK(j["layers"].size() == 64);
}

TEST_CASE("inspect reports the published MACs and parameters of the shared models") {
  if (!tinyops::testing::have_shared("inspect on shared models")) return;
  const auto models = tinyops::testing::shared_dir() / "models" / "imagenet";
  struct Expect {
    const char* file;
    double macs, params;
  };
  // Published: MCUNet in3 81.8 M MACs / 0.74 M params; MobileNetV2 1.0 224 300 M / 3.47 M.
  for (Expect e : {Expect{"mcunet-320kb-1mb_imagenet.tflite", 81.8e6, 0.74e6},
                   Expect{"tf2_mobilenet_v2_1.0_224_ptq.tflite", 300e6, 3.47e6}}) {
    auto r = run_cli("inspect --json " + (models / e.file).string());
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    auto j = json_of(r.out);
    const double macs = j["totals"]["macs"].get<double>(), params = j["totals"]["params"].get<double>();
    INFO(e.file << ": macs " << macs << " params " << params);
    CHECK(std::abs(macs / e.macs - 1) < 0.02);
    CHECK(std::abs(params / e.params - 1) < 0.02);
  }
}

TEST_CASE("run writes bit-exact output bytes and classifies an image") {
  if (!tinyops::testing::have_shared("run on shared models")) return;
  const auto s = tinyops::testing::shared_dir();
  auto dir = tmp_dir("run");
  const auto model = (s / "models/imagenet/mcunet-320kb-1mb_imagenet.tflite").string();
  auto r = run_cli("run " + model + " --input " + (s / "refs/mcunet-320kb-1mb_imagenet/cat.input.bin").string() +
                   " --output " + (dir / "cat.bin").string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  CHECK(tinyops::testing::read_bytes(dir / "cat.bin") ==
        tinyops::testing::read_bytes(s / "refs/mcunet-320kb-1mb_imagenet/cat.output.bin"));
  auto img = run_cli("run " + model + " --input " + (s / "images/cat.bmp").string() + " --labels " +
                     (s / "images/imagenet_labels.txt").string() + " --top 3");
  REQUIRE_MESSAGE(img.exit_code == 0, img.out);
  CHECK(img.out.find("Egyptian cat") != std::string::npos);
}

TEST_CASE("bad inputs give a clear error and a non-zero exit") {
  auto dir = tmp_dir("bad");
  auto demo = run_cli("demo --out " + dir.string());
  REQUIRE(demo.exit_code == 0);
  const std::string model = (dir / "demo.tflite").string();
  {
    FILE* f = fopen((dir / "short.bin").string().c_str(), "wb");
    fputs("abc", f);
    fclose(f);
    auto r = run_cli("run " + model + " --input " + (dir / "short.bin").string());
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("has 3 bytes; model input") != std::string::npos);
    CHECK(r.out.find("needs 76800") != std::string::npos);
  }
  {
    auto bytes = tinyops::testing::read_bytes(model);
    bytes.resize(bytes.size() / 2);
    FILE* f = fopen((dir / "truncated.tflite").string().c_str(), "wb");
    fwrite(bytes.data(), 1, bytes.size(), f);
    fclose(f);
    auto r = run_cli("inspect " + (dir / "truncated.tflite").string());
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("flatbuffers verifier rejected the file") != std::string::npos);
  }
  auto r = run_cli("inspect /no/such/model.tflite");
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("cannot open model file '/no/such/model.tflite'") != std::string::npos);
  auto img = run_cli("run " + model + " --input " + (dir / "demo.tflite").string());
  CHECK(img.exit_code != 0);
  CHECK(img.out.find("cannot decode image") != std::string::npos);
}
