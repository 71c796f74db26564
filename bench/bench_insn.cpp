// Executed instructions of the exported firmware per inference, per MAC and per kernel class, under
// QEMU (mps2-an500 = Cortex-M7; --m55: mps3-an547 = Cortex-M55), next to TFLM + CMSIS-NN counted the
// same way (../shared/facts/peer-cortex-m7.md); code size of runtime + kernels and RAM per memory.
//
//   bench_insn [--models k1,k2] [--all-cases] [--strategy S] [--m55] [--json FILE]
//              [--cost-out FILE] [--work DIR] [--plugin PATH]
// Models: person_detect vww resnet kws mcunet mobilenet_v2. Every run checks the output bytes against
// the TFLM reference (--all-cases: every reference input of the model, rebuilding only the input).
// --cost-out writes the per-class instruction fit (data/cost/tinyops-measured.json format).
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "export/export.h"
#include "export/firmware_run.h"
#include "model/tflite_reader.h"
#include "plan/planner.h"
#include "sim/cost_model.h"

using namespace tinyops;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ModelDef {
  const char* key;
  const char* path;   // under models/
  const char* peer;   // row name in peer-cortex-m7.md ("" = none)
};
constexpr ModelDef kModels[] = {
    {"person_detect", "other_int8/person_detect.tflite", "person_detect"},
    {"vww", "mlperf_tiny/vww_96_int8.tflite", "vww_96_int8"},
    {"resnet", "mlperf_tiny/pretrainedResnet_quant.tflite", "pretrainedResnet_quant"},
    {"kws", "mlperf_tiny/kws_ref_model.tflite", ""},
    {"mcunet", "imagenet/mcunet-320kb-1mb_imagenet.tflite", "mcunet-320kb-1mb_imagenet"},
    {"mobilenet_v2", "imagenet/tf2_mobilenet_v2_1.0_224_ptq.tflite", ""},
};

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}
std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path exe_dir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return fs::current_path();
  buf[n] = 0;
  return fs::path(buf).parent_path();
}

// peer-cortex-m7.md: "| model | CMSIS-NN | 387,950,484 | 81,785,520 | 4.74 | 503,396 |"
std::map<std::string, int64_t> peer_counts(const fs::path& file, const std::string& kernels) {
  std::map<std::string, int64_t> m;
  std::istringstream in(read_text(file));
  std::string line;
  const std::regex row("^\\|\\s*([A-Za-z0-9_\\-]+)\\s*\\|\\s*" + kernels + "\\s*\\|\\s*([0-9,]+)\\s*\\|");
  std::smatch sm;
  while (std::getline(in, line))
    if (std::regex_search(line, sm, row)) {
      std::string digits;
      for (char ch : sm[2].str())
        if (ch != ',') digits += ch;
      m[sm[1]] = std::stoll(digits);
    }
  return m;
}

// .text bytes per component from the GNU ld map file (input sections kept after --gc-sections).
std::map<std::string, int64_t> code_size_by_component(const fs::path& map_file) {
  std::map<std::string, int64_t> out;
  std::istringstream in(read_text(map_file));
  std::string line, pending;
  bool started = false;
  const std::regex sec("^ (\\.text[^ ]*)\\s*$");
  const std::regex full("^ (\\.text[^ ]*)?\\s+0x([0-9a-f]+)\\s+0x([0-9a-f]+)\\s+(\\S+)");
  std::smatch sm;
  while (std::getline(in, line)) {
    if (!started) {
      started = line.rfind("Linker script and memory map", 0) == 0;
      continue;
    }
    if (std::regex_match(line, sm, sec)) {
      pending = sm[1];
      continue;
    }
    if (std::regex_search(line, sm, full) && (sm[1].matched || !pending.empty())) {
      const int64_t size = std::stoll(sm[3].str(), nullptr, 16);
      const std::string obj = sm[4];
      std::string comp = "libc/libgcc";
      if (obj.find("/src/kernels/") != std::string::npos) comp = "kernels";
      else if (obj.find("/src/runtime/") != std::string::npos) comp = "runtime (executor_core)";
      else if (obj.find("model_data") != std::string::npos) comp = "generated (model_data)";
      else if (obj.find(".a(") == std::string::npos && obj.find(".obj") != std::string::npos)
        comp = "firmware glue (main, dma, startup, marker)";
      out[comp] += size;
    }
    pending.clear();
  }
  return out;
}

// Least squares with non-negative coefficients over a few columns (best non-negative subset).
std::vector<double> nnls_small(const std::vector<std::array<double, 4>>& x, const std::vector<double>& y, int cols,
                               double* rel_err) {
  std::vector<double> best(static_cast<size_t>(cols), 0.0);
  double best_res = 1e300;
  for (int mask = 1; mask < (1 << cols); ++mask) {
    std::vector<int> idx;
    for (int c = 0; c < cols; ++c)
      if (mask & (1 << c)) idx.push_back(c);
    const size_t k = idx.size();
    if (x.size() < k) continue;
    // Normal equations, Gaussian elimination.
    std::vector<std::vector<double>> a(k, std::vector<double>(k + 1, 0.0));
    for (size_t i = 0; i < x.size(); ++i)
      for (size_t r = 0; r < k; ++r) {
        for (size_t c = 0; c < k; ++c) a[r][c] += x[i][static_cast<size_t>(idx[r])] * x[i][static_cast<size_t>(idx[c])];
        a[r][k] += x[i][static_cast<size_t>(idx[r])] * y[i];
      }
    bool singular = false;
    for (size_t p = 0; p < k && !singular; ++p) {
      size_t piv = p;
      for (size_t r = p + 1; r < k; ++r)
        if (std::fabs(a[r][p]) > std::fabs(a[piv][p])) piv = r;
      if (std::fabs(a[piv][p]) < 1e-9) {
        singular = true;
        break;
      }
      std::swap(a[p], a[piv]);
      for (size_t r = 0; r < k; ++r) {
        if (r == p) continue;
        const double f = a[r][p] / a[p][p];
        for (size_t c = p; c <= k; ++c) a[r][c] -= f * a[p][c];
      }
    }
    if (singular) continue;
    std::vector<double> coef(static_cast<size_t>(cols), 0.0);
    bool neg = false;
    for (size_t r = 0; r < k; ++r) {
      coef[static_cast<size_t>(idx[r])] = a[r][k] / a[r][r];
      neg |= coef[static_cast<size_t>(idx[r])] < 0;
    }
    if (neg) continue;
    double res = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      double p = 0;
      for (int c = 0; c < cols; ++c) p += coef[static_cast<size_t>(c)] * x[i][static_cast<size_t>(c)];
      res += (p - y[i]) * (p - y[i]);
    }
    if (res < best_res - 1e-9 * best_res) {
      best_res = res;
      best = coef;
    }
  }
  double sy = 0, se = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double p = 0;
    for (int c = 0; c < cols; ++c) p += best[static_cast<size_t>(c)] * x[i][static_cast<size_t>(c)];
    sy += std::fabs(y[i]);
    se += std::fabs(p - y[i]);
  }
  *rel_err = sy > 0 ? se / sy : 0;
  return best;
}

struct OpSample {
  KernelClass cls;
  double insns, macs, outputs, inputs, calls;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> keys;
  bool all_cases = false, m55 = false;
  std::string strategy = "tinyops", json_out = "bench_insn.json", cost_out, plugin;
  fs::path work = fs::temp_directory_path() / "tinyops_bench_insn";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--help" || a == "-h") {
      std::cout << "usage: bench_insn [--models k1,k2] [--all-cases] [--strategy S] [--m55] [--json FILE]\n"
                   "                  [--cost-out FILE] [--work DIR] [--plugin PATH]\n"
                   "  executed instructions of the exported firmware under QEMU (mps2-an500 = Cortex-M7,\n"
                   "  --m55: mps3-an547 = Cortex-M55) per inference, per MAC and per kernel class\n"
                   "  models: person_detect vww resnet kws mcunet mobilenet_v2 (default: all)\n"
                   "  --all-cases  run every reference input of each model (output bytes checked)\n"
                   "  --strategy   planner strategy of the firmware (default tinyops)\n"
                   "  --json FILE  results (default bench_insn.json)\n"
                   "  --cost-out   write the per-class instruction fit (data/cost/tinyops-measured.json format)\n"
                   "  --work DIR   build directory for the firmware images\n"
                   "  --plugin     instruction-counting QEMU plugin (default: the one built with the project)\n";
      return 0;
    } else if (a == "--models") {
      std::stringstream ss(next());
      for (std::string k; std::getline(ss, k, ',');) keys.push_back(k);
    } else if (a == "--all-cases") all_cases = true;
    else if (a == "--m55") m55 = true;
    else if (a == "--strategy") strategy = next();
    else if (a == "--json") json_out = next();
    else if (a == "--cost-out") cost_out = next();
    else if (a == "--work") work = next();
    else if (a == "--plugin") plugin = next();
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  if (keys.empty())
    for (const ModelDef& m : kModels) keys.push_back(m.key);
  if (plugin.empty()) plugin = (exe_dir() / "tools" / "libtinyops_insn_count.so").string();
  const fs::path shared = std::getenv("TINYOPS_SHARED") ? fs::path(std::getenv("TINYOPS_SHARED")) : fs::path(TINYOPS_SHARED_DIR);
  if (!fs::exists(shared / "README.md")) {
    std::cout << "SKIPPED: shared data not found at " << shared << "\n";
    return 0;
  }
  if (const std::string missing = firmware_tools_missing(); !missing.empty()) {
    std::cout << "SKIPPED: " << missing << " not found; install with: " << kFirmwareAptLine << "\n";
    return 0;
  }
  if (!fs::exists(plugin)) {
    std::cout << "plugin not found at " << plugin << " (build target tinyops_insn_count, or pass --plugin)\n";
    return 1;
  }
  auto strat = strategy_from_name(strategy);
  if (!strat) {
    std::cerr << "unknown strategy " << strategy << "\n";
    return 2;
  }
  const std::string board_name =
      m55 ? (fs::path(TINYOPS_SOURCE_DIR) / "tests/export/boards/qemu-mps3-an547.json").string() : "qemu-mps2-an500";
  const std::string machine = m55 ? "mps3-an547" : "mps2-an500";
  auto board = load_board(board_name);
  if (!board.ok()) {
    std::cerr << board.error().message << "\n";
    return 1;
  }
  const auto peer = peer_counts(shared / "facts" / "peer-cortex-m7.md", "CMSIS-NN");
  const json index = json::parse(read_text(shared / "refs" / "index.json"));

  json results = json::array();
  std::vector<OpSample> samples;
  std::cout << fmt::format("TinyOps firmware on QEMU {} ({}), strategy {}; instructions per inference = all op "
                           "regions (kernels + executor + DMA starts), startup and printing excluded\n\n",
                           machine, m55 ? "cortex-m55" : "cortex-m7", strategy);
  std::cout << fmt::format("{:<14} {:>6} {:>13} {:>11} {:>7} {:>13} {:>7} {:>9} {:>10}\n", "model", "cases",
                           "insns/inf", "MACs", "ins/MAC", "CMSIS-NN", "ratio", "DMA ins", "QEMU s");
  int failures = 0;
  for (const std::string& key : keys) {
    const ModelDef* md = nullptr;
    for (const ModelDef& m : kModels)
      if (key == m.key) md = &m;
    if (!md) {
      std::cerr << "unknown model " << key << "\n";
      return 2;
    }
    auto g = load_tflite((shared / "models" / md->path).string());
    if (!g.ok()) {
      std::cerr << g.error().message << "\n";
      return 1;
    }
    const Graph& graph = g.value();
    PlanOptions po;
    po.strategy = *strat;
    po.model = key;
    if (Status s = use_kernel_profile(po, board.value()); !s.ok()) {
      std::cout << s.error().message << "\n";
      return 1;
    }
    auto plan = make_plan(graph, board.value(), po);
    if (!plan.ok()) {
      std::cout << fmt::format("{:<14} does not plan: {}\n", key, plan.error().message);
      continue;
    }
    std::vector<json> cases;
    for (const auto& c : index)
      if (c.at("model").get<std::string>() == md->path) cases.push_back(c);
    if (!all_cases) cases.resize(std::min<size_t>(cases.size(), 1));
    const fs::path dir = work / (key + (m55 ? "-m55" : "-m7"));
    int exact = 0;
    FirmwareRun first;
    std::string build_err;
    for (size_t ci = 0; ci < cases.size(); ++ci) {
      ExportOptions eo;
      eo.out_dir = dir.string();
      eo.input = read_bytes(shared / "refs" / cases[ci].at("input_file").get<std::string>());
      if (m55) eo.cpu = "cortex-m55";
      auto ex = export_firmware(graph, board.value(), plan.value(), eo);
      if (!ex.ok()) {
        build_err = ex.error().message;
        break;
      }
      auto built = build_firmware(dir.string(), FirmwareBuild{});
      if (!built.ok()) {
        build_err = built.error().message;
        break;
      }
      auto run = run_firmware(built.value().binary, machine, plugin);
      if (!run.ok()) {
        build_err = run.error().message;
        break;
      }
      const auto want = read_bytes(shared / "refs" / cases[ci].at("output_file").get<std::string>());
      if (run.value().exit_code == 0 && run.value().output_hex == hex_string(want)) ++exact;
      else std::cout << fmt::format("  {} case {}: output differs (exit {})\n", key,
                                    cases[ci].at("case").get<std::string>(), run.value().exit_code);
      if (ci == 0) first = run.value();
    }
    if (!build_err.empty()) {
      std::cout << fmt::format("{:<14} FAILED: {}\n", key, build_err.substr(0, 2000));
      ++failures;
      continue;
    }
    if (exact != static_cast<int>(cases.size())) ++failures;

    // Per-op and per-class counts.
    std::map<int, int> calls;
    for (const PlanStep& s : plan.value().steps)
      if (s.kind == StepKind::Compute) ++calls[s.compute.op];
    int64_t insns = 0, dma = 0;
    std::array<double, kNumKernelClasses> cls_insns{}, cls_macs{};
    json ops = json::array();
    for (const Op& op : graph.ops) {
      const int64_t k = first.counts.markers.count(op.index) ? first.counts.markers.at(op.index) : 0;
      const int64_t d = first.counts.markers.count(0x8000 + op.index) ? first.counts.markers.at(0x8000 + op.index) : 0;
      insns += k + d;
      dma += d;
      const Work w = op_work(graph, op, full_out_range(graph, op));
      cls_insns[static_cast<size_t>(w.cls)] += static_cast<double>(k);
      cls_macs[static_cast<size_t>(w.cls)] += w.macs;
      samples.push_back(OpSample{w.cls, static_cast<double>(k), w.macs, w.outputs, w.inputs,
                                 static_cast<double>(calls[op.index])});
      ops.push_back({{"op", op.index}, {"kind", op_name(op.kind)}, {"class", kernel_class_name(w.cls)},
                     {"insns", k}, {"dma_insns", d}, {"macs", w.macs}, {"calls", calls[op.index]}});
    }
    const int64_t macs = graph_macs(graph);
    const auto pit = md->peer[0] ? peer.find(md->peer) : peer.end();
    const int64_t peer_insns = pit != peer.end() ? pit->second : 0;
    std::cout << fmt::format("{:<14} {:>6} {:>13} {:>11} {:>7.2f} {:>13} {:>7} {:>9} {:>10.1f}\n", key,
                             fmt::format("{}/{}", exact, cases.size()), insns, macs,
                             static_cast<double>(insns) / static_cast<double>(macs),
                             peer_insns ? std::to_string(peer_insns) : "-",
                             peer_insns ? fmt::format("{:.2f}x", static_cast<double>(insns) / static_cast<double>(peer_insns)) : "-",
                             dma, first.seconds);

    // Sizes.
    const fs::path elf = dir / "build" / "firmware.elf";
    auto sections = elf_section_sizes(elf.string());
    const auto code = code_size_by_component(dir / "build" / "firmware.map");
    json mem;
    if (sections.ok()) {
      const auto& s = sections.value();
      auto get = [&](const char* n) { return s.count(n) ? s.at(n) : int64_t{0}; };
      mem["flash"] = {{"text", get(".text")}, {"rodata", get(".rodata")}, {"data_image", get(".data")},
                      {"total", get(".isr_vector") + get(".text") + get(".rodata") + get(".data")}};
      mem["sram"] = {{"data_bss", get(".data") + get(".bss")}, {"plan_buffers", get(".sram_buffers")},
                     {"stack", get(".stack")}, {"total_without_heap", get(".data") + get(".bss") + get(".sram_buffers") + get(".stack")}};
      mem["ext_ram"] = get(".ext_ram_buffers");
      mem["ext_flash"] = get(".ext_flash_weights");
    }
    json cls = json::object();
    for (int c = 0; c < kNumKernelClasses; ++c)
      if (cls_insns[static_cast<size_t>(c)] > 0)
        cls[kernel_class_name(static_cast<KernelClass>(c))] = {
            {"insns", cls_insns[static_cast<size_t>(c)]},
            {"macs", cls_macs[static_cast<size_t>(c)]},
            {"insns_per_mac", cls_macs[static_cast<size_t>(c)] > 0 ? cls_insns[static_cast<size_t>(c)] / cls_macs[static_cast<size_t>(c)] : 0.0}};
    results.push_back({{"model", key}, {"cases_bit_exact", exact}, {"cases", cases.size()},
                       {"steps", plan.value().steps.size()}, {"insns_per_inference", insns}, {"dma_insns", dma},
                       {"total_insns", first.counts.total}, {"macs", macs},
                       {"insns_per_mac", static_cast<double>(insns) / static_cast<double>(macs)},
                       {"peer_cmsis_nn_insns", peer_insns},
                       {"ratio_to_cmsis_nn", peer_insns ? static_cast<double>(insns) / static_cast<double>(peer_insns) : 0.0},
                       {"classes", cls}, {"code_bytes", code}, {"memory_bytes", mem}, {"ops", ops}});
  }

  // Per-class table and sizes.
  std::cout << "\ninstructions per MAC by kernel class (kernels + executor, DMA copies excluded):\n";
  std::cout << fmt::format("{:<14}", "model");
  for (const char* c : {"conv1x1", "conv", "depthwise3x3", "depthwise", "fully_connected"}) std::cout << fmt::format(" {:>15}", c);
  std::cout << "\n";
  for (const json& r : results) {
    std::cout << fmt::format("{:<14}", r["model"].get<std::string>());
    for (const char* c : {"conv1x1", "conv", "depthwise3x3", "depthwise", "fully_connected"})
      std::cout << fmt::format(" {:>15}", r["classes"].contains(c) ? fmt::format("{:.2f}", r["classes"][c]["insns_per_mac"].get<double>()) : "-");
    std::cout << "\n";
  }
  std::cout << "\ncode (.text bytes after --gc-sections) and memory (bytes):\n";
  std::cout << fmt::format("{:<14} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "model", "kernels", "runtime",
                           "glue", "libc", "flash", "sram", "ext_ram", "ext_flash");
  for (const json& r : results) {
    const json& c = r["code_bytes"];
    auto cget = [&](const char* k) { return c.contains(k) ? c[k].get<int64_t>() : int64_t{0}; };
    const json& m = r["memory_bytes"];
    std::cout << fmt::format("{:<14} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", r["model"].get<std::string>(),
                             cget("kernels"), cget("runtime (executor_core)"), cget("firmware glue (main, dma, startup, marker)"),
                             cget("libc/libgcc"), m.value("/flash/total"_json_pointer, 0),
                             m.value("/sram/total_without_heap"_json_pointer, 0), m.value("ext_ram", 0),
                             m.value("ext_flash", 0));
  }

  // Per-class fit for the latency model (instructions per kernel call = per_op + per_call + ...).
  double per_op = 100;
  {
    const json prof = json::parse(read_text(fs::path(TINYOPS_SOURCE_DIR) / "data/cost/tinyops.json"), nullptr, false);
    if (prof.is_object() && prof.contains("per_op")) per_op = prof["per_op"].get<double>();
  }
  json classes = json::object(), sources = json::object();
  const std::string isa = m55 ? "armv8.1-m.main-mve" : "armv7e-m";
  std::cout << fmt::format("\nfit per kernel class ({}; per kernel call = {} (per_op) + per_call + per_mac*MACs + "
                           "per_output*outputs + per_input*inputs):\n",
                           isa, per_op);
  for (int c = 0; c < kNumKernelClasses; ++c) {
    std::vector<std::array<double, 4>> x;
    std::vector<double> y;
    for (const OpSample& s : samples)
      if (static_cast<int>(s.cls) == c && s.insns > 0) {
        x.push_back({s.macs, s.outputs, s.inputs, s.calls});
        y.push_back(s.insns - per_op * s.calls);
      }
    if (x.empty()) continue;
    double err = 0;
    const auto coef = nnls_small(x, y, 4, &err);
    const char* name = kernel_class_name(static_cast<KernelClass>(c));
    classes[name] = {{"per_mac", std::round(coef[0] * 1000) / 1000}, {"per_output", std::round(coef[1] * 1000) / 1000},
                     {"per_input", std::round(coef[2] * 1000) / 1000}, {"per_call", std::round(coef[3])}};
    sources[fmt::format("isa.{}.classes.{}", isa, name)] =
        fmt::format("measured: bench_insn least-squares fit (non-negative) over {} ops of the shared models, QEMU {} "
                    "instruction counts per op (markers), DMA copies excluded; mean abs error {:.1f}%",
                    x.size(), machine, 100 * err);
    std::cout << fmt::format("  {:<16} per_mac {:>7.3f} per_output {:>7.2f} per_input {:>6.2f} per_call {:>8.0f}  "
                             "({} ops, error {:.1f}%)\n",
                             name, coef[0], coef[1], coef[2], coef[3], x.size(), 100 * err);
  }
  if (!cost_out.empty()) {
    json measured = {{"kind", "kernel-profile-measured"},
                     {"format_version", 1},
                     {"name", "tinyops-measured"},
                     {"description",
                      "TinyOps kernels measured: executed instructions per op of the exported firmware under QEMU "
                      "(tools/qemu_insn_plugin, per-op markers), fitted per kernel class by bench/bench_insn.cpp "
                      "--cost-out. Replaces the estimates of tinyops.json per class and field."},
                     {"isa", {{isa, {{"classes", classes}}}}},
                     {"sources", sources}};
    // Keep the other ISA's measured table when the file exists.
    if (fs::exists(cost_out)) {
      const json old = json::parse(read_text(cost_out), nullptr, false);
      if (old.is_object() && old.contains("isa"))
        for (auto it = old["isa"].begin(); it != old["isa"].end(); ++it)
          if (it.key() != isa) {
            measured["isa"][it.key()] = it.value();
            for (auto s = old["sources"].begin(); s != old["sources"].end(); ++s)
              if (s.key().find("isa." + it.key() + ".") == 0) measured["sources"][s.key()] = s.value();
          }
    }
    std::ofstream(cost_out) << measured.dump(2) << "\n";
    std::cout << "wrote " << cost_out << "\n";
  }
  std::ofstream(json_out) << json{{"machine", machine}, {"strategy", strategy}, {"models", results}}.dump(2) << "\n";
  std::cout << "wrote " << json_out << "\n";
  return failures ? 1 : 0;
}
