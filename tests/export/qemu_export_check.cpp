// QEMU proof of the firmware export (driven by tests/export.cmake; one ctest per case):
//   export_qemu_check builder-<strategy> WORKDIR PLUGIN   the small builder model vs run_graph
//   export_qemu_check shared-<model>     WORKDIR PLUGIN   a shared model vs its TFLM reference output
//   export_qemu_check overflow           WORKDIR          a plan made for a larger SRAM must not link
// Exports for qemu-mps2-an500, builds with arm-none-eabi-gcc, runs under qemu-system-arm -M mps2-an500
// with the instruction-counting plugin and checks: exit code 0, the `output:` bytes, and that the
// per-op marker counts partition the total. Prints "SKIPPED: ..." (ctest skip) when the ARM toolchain,
// QEMU or ../shared is missing.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "export/export.h"
#include "export/export_test_model.h"
#include "export/firmware_run.h"
#include "model/tflite_reader.h"
#include "plan/planner.h"
#include "runtime/interpreter.h"

using namespace tinyops;
namespace fs = std::filesystem;

namespace {

int fail(const std::string& msg) {
  std::cout << "FAIL: " << msg << "\n";
  return 1;
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

fs::path shared_dir() {
  if (const char* env = std::getenv("TINYOPS_SHARED")) return env;
  return TINYOPS_SHARED_DIR;
}

// One reference case per shared model: (key, model path, case name, strategy).
struct SharedCase {
  const char* key;
  const char* model;
  const char* ref_case;
};
constexpr SharedCase kShared[] = {
    {"person_detect", "other_int8/person_detect.tflite", "tflm_person_raw"},
    {"vww", "mlperf_tiny/vww_96_int8.tflite", "lcg12345"},
    {"resnet", "mlperf_tiny/pretrainedResnet_quant.tflite", "lcg12345"},
    {"kws", "mlperf_tiny/kws_ref_model.tflite", "lcg12345"},
    {"mcunet", "imagenet/mcunet-320kb-1mb_imagenet.tflite", "grace_hopper"},
    {"mobilenet_v2", "imagenet/tf2_mobilenet_v2_1.0_224_ptq.tflite", "cat"},
};

struct Job {
  std::string name;
  Graph graph;
  std::vector<uint8_t> input;
  std::vector<uint8_t> expected;
  Strategy strategy = Strategy::TinyOps;
  int64_t sram_budget = 0;
};

int run_job(Job& job, const fs::path& work, const std::string& plugin) {
  auto board = load_board("qemu-mps2-an500");
  if (!board.ok()) return fail(board.error().message);
  PlanOptions po;
  po.strategy = job.strategy;
  po.sram_budget = job.sram_budget;
  po.model = job.name;
  auto plan = make_plan(job.graph, board.value(), po);
  if (!plan.ok()) return fail("plan: " + plan.error().message);
  const fs::path dir = work / job.name;
  fs::remove_all(dir);
  ExportOptions eo;
  eo.out_dir = dir.string();
  eo.input = job.input;
  auto ex = export_firmware(job.graph, board.value(), plan.value(), eo);
  if (!ex.ok()) return fail("export: " + ex.error().message);
  auto built = build_firmware(dir.string(), FirmwareBuild{});
  if (!built.ok()) return fail(built.error().message);
  auto run = run_firmware(built.value().binary, "mps2-an500", plugin);
  if (!run.ok()) return fail(run.error().message);
  const FirmwareRun& r = run.value();
  if (r.exit_code != 0) return fail(fmt::format("QEMU exit code {}, output:\n{}", r.exit_code, r.text.substr(0, 2000)));
  const std::string want = hex_string(job.expected);
  if (r.output_hex != want)
    return fail(fmt::format("output differs:\n  firmware  {}\n  reference {}", r.output_hex.substr(0, 400),
                            want.substr(0, 400)));
  if (!r.has_counts) return fail("the plugin wrote no instruction counts");
  // Markers: op k (kernels) and 0x8000 + k (its DMA starts), 0xFFFF for the printing;
  // pre_marker + markers = total.
  int64_t sum = r.counts.pre_marker, ops_insns = 0, dma_insns = 0;
  for (const auto& [id, n] : r.counts.markers) {
    sum += n;
    if (id == 0xFFFF) continue;
    const int64_t op = id & 0x7FFF;
    if (id < 0 || id > 0xFFFF || op >= static_cast<int64_t>(job.graph.ops.size()))
      return fail(fmt::format("marker id {} is not an op index (ops: {})", id, job.graph.ops.size()));
    ops_insns += n;
    if (id & 0x8000) dma_insns += n;
  }
  if (sum != r.counts.total) return fail(fmt::format("marker counts sum to {}, total {}", sum, r.counts.total));
  if (r.counts.markers.size() < 2) return fail("fewer than two marker regions");
  const int64_t macs = graph_macs(job.graph);
  std::cout << fmt::format(
      "PASS {}: strategy {}, {} steps, output bit-exact ({} bytes); {} instructions per inference "
      "({:.2f} per MAC; {} in DMA copies), {} total, QEMU {:.1f} s\n",
      job.name, strategy_name(job.strategy), plan.value().steps.size(), job.expected.size(), ops_insns,
      macs ? static_cast<double>(ops_insns) / static_cast<double>(macs) : 0.0, dma_insns, r.counts.total, r.seconds);
  return 0;
}

// A plan made for a board with 1 MiB of SRAM, exported for the real 320 KB: the link must fail.
int overflow_case(const fs::path& work) {
  auto board = load_board("qemu-mps2-an500");
  if (!board.ok()) return fail(board.error().message);
  Board big = board.value();
  for (Memory& m : big.memories)
    if (m.name == big.roles.sram) m.size = 1024 * 1024;
  GraphBuilder b("overflow", 3);
  int x = b.input({1, 96, 96, 16}, 1.0f / 64, 0);  // 147456 bytes
  x = b.conv2d(x, 24, 3, 1, Activation::Relu6);    // 221184 bytes: both live at once > 320 KB
  b.output(x);
  const Graph g = b.finish();
  PlanOptions po;
  po.strategy = Strategy::Internal;
  po.sram_budget = 900 * 1024;
  auto plan = make_plan(g, big, po);
  if (!plan.ok()) return fail("plan: " + plan.error().message);
  const fs::path dir = work / "overflow";
  fs::remove_all(dir);
  ExportOptions eo;
  eo.out_dir = dir.string();
  auto ex = export_firmware(g, board.value(), plan.value(), eo);
  if (!ex.ok()) return fail("export: " + ex.error().message);
  auto built = build_firmware(dir.string(), FirmwareBuild{});
  if (built.ok()) return fail("a plan using 1 MiB of SRAM linked for the 320 KB board");
  const std::string& log = built.error().message;
  for (const char* want : {"region `SRAM' overflowed by", "TinyOps: .data + .bss + .sram_buffers + heap + stack do not fit in SRAM"})
    if (log.find(want) == std::string::npos) return fail(fmt::format("link log lacks '{}':\n{}", want, log));
  std::cout << "PASS overflow: the linker refused the plan (region `SRAM' overflowed + TinyOps assertion)\n";
  return 0;
}

// The Cortex-M fast kernels against the portable ones on the target (tests/export/arm_kernels).
int kernels_case(const fs::path& work, const std::string& plugin, bool m55) {
  const fs::path src = fs::path(TINYOPS_SOURCE_DIR);
  const fs::path bin = work / (m55 ? "kernels-m55" : "kernels-m7");
  FirmwareBuild fb;
  fb.build_subdir = bin.string();  // absolute: used as is
  fb.cmake_args = {"-DCMAKE_TOOLCHAIN_FILE=" + (src / "src/export/firmware_template/arm-none-eabi.cmake").string(),
                   std::string("-DTINYOPS_CPU=") + (m55 ? "cortex-m55" : "cortex-m7"),
                   std::string("-DTINYOPS_BOARD=") + (m55 ? "mps3-an547" : "mps2-an500")};
  fb.cross = false;  // the toolchain file comes with cmake_args; the project has no arm-none-eabi.cmake
  auto built = build_firmware((src / "tests/export/arm_kernels").string(), fb);
  if (!built.ok()) return fail(built.error().message);
  const std::string elf = (bin / "kernel_check.elf").string();
  auto run = run_firmware(elf, m55 ? "mps3-an547" : "mps2-an500", plugin);
  if (!run.ok()) return fail(run.error().message);
  if (run.value().exit_code != 0 || run.value().text.find("kernels: ") == std::string::npos)
    return fail(fmt::format("kernel_check exit {}:\n{}", run.value().exit_code, run.value().text.substr(0, 3000)));
  std::cout << "PASS " << (m55 ? "M55" : "M7") << " fast kernels == portable: " << run.value().text;
  if (run.value().has_counts) {
    const auto& m = run.value().counts.markers;
    if (m.count(1) && m.count(2))
      std::cout << fmt::format("  instructions over all cases: fast path {} , portable {}\n", m.at(1), m.at(2));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: export_qemu_check CASE WORKDIR [PLUGIN]\n";
    return 2;
  }
  const std::string name = argv[1];
  const fs::path work = argv[2];
  const std::string plugin = argc > 3 ? argv[3] : "";
  const std::string missing = firmware_tools_missing();
  if (!missing.empty()) {
    std::cout << "SKIPPED: " << missing << " not found; install with: " << kFirmwareAptLine << "\n";
    return 0;
  }
  fs::create_directories(work);
  if (name == "overflow") return overflow_case(work);
  if (name == "kernels-m7" || name == "kernels-m55") return kernels_case(work, plugin, name == "kernels-m55");

  Job job;
  job.name = name;
  if (name.rfind("builder-", 0) == 0) {
    auto s = strategy_from_name(name.substr(8));
    if (!s) return fail("unknown strategy in " + name);
    job.strategy = *s;
    job.sram_budget = *s == Strategy::TinyOps ? 12 * 1024 : 0;  // forces partitions and DMA
    job.graph = testing::make_export_test_model();
    job.input.resize(job.graph.tensor(job.graph.inputs[0]).bytes());
    for (size_t i = 0; i < job.input.size(); ++i) job.input[i] = static_cast<uint8_t>((7 * i + 3) % 256);
    auto ref = run_graph(job.graph, TensorBytes{job.input});
    if (!ref.ok()) return fail(ref.error().message);
    job.expected = ref.value()[0];
    return run_job(job, work, plugin);
  }
  if (name.rfind("shared-", 0) == 0) {
    const std::string key = name.substr(7);
    const SharedCase* sc = nullptr;
    for (const SharedCase& c : kShared)
      if (key == c.key) sc = &c;
    if (!sc) return fail("unknown shared model " + key);
    const fs::path shared = shared_dir();
    if (!fs::exists(shared / "README.md")) {
      std::cout << "SKIPPED: shared data not found at " << shared << " (set TINYOPS_SHARED)\n";
      return 0;
    }
    std::ifstream f(shared / "refs" / "index.json");
    const nlohmann::json index = nlohmann::json::parse(f);
    for (const auto& c : index) {
      if (c.at("model").get<std::string>() != sc->model || c.at("case").get<std::string>() != sc->ref_case) continue;
      auto g = load_tflite((shared / "models" / sc->model).string());
      if (!g.ok()) return fail(g.error().message);
      job.graph = std::move(g.value());
      job.input = read_bytes(shared / "refs" / c.at("input_file").get<std::string>());
      job.expected = read_bytes(shared / "refs" / c.at("output_file").get<std::string>());
      job.name = key + "-" + sc->ref_case;
      return run_job(job, work, plugin);
    }
    return fail(fmt::format("no case {} of {} in refs/index.json", sc->ref_case, sc->model));
  }
  return fail("unknown case " + name);
}
