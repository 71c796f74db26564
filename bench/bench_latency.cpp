// Calibration and validation of the latency model against latencies measured on real boards by
// others (../shared/facts/published.md), plus the issue-4 targets on stm32f746g-disco.
//
//   bench_latency [--json out.json]
//   bench_latency --fit-measured EXPORT_DIR... [--write data/cost/tinyops-measured.json]
//       fits the `tinyops` profile to QEMU per-op instruction counts of exported firmware (each dir
//       holds export.json and counts.json or build/firmware.elf.counts.json) and writes the
//       measured file the profile merges.
//
// 1. Instruction model vs the peer QEMU counts (peer-cortex-m7.md): the tflm-cmsis-nn instruction
//    parameters are refitted here by least squares (the numbers in data/cost/tflm-cmsis-nn.json).
// 2. Cycles per instruction: fitted per core on TRAINING rows only (M7: TinyOps' MCUNetV1 on the
//    F746; M4: MLPerf Tiny's ResNet-8 on the L4R5ZI). Every other row is HELD OUT: predicted with
//    the fitted value and never used to fit. For the M7 rows a leave-one-out error is printed too.
// 3. Targets: tinyops latency / lower bound and speed-up over external on the F746.
// Needs ../shared (models); zoo architectures are built with make_zoo_model. Not a test: no asserts.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/tflite_reader.h"
#include "model/zoo/zoo.h"
#include "plan/planner.h"
#include "sim/calibrate.h"
#include "sim/cost_model.h"
#include "sim/simulator.h"

using namespace tinyops;
using nlohmann::json;

namespace {

std::string shared_dir() {
  if (const char* e = std::getenv("TINYOPS_SHARED")) return e;
  return TINYOPS_SHARED_DIR;
}

Result<Graph> shared_model(const std::string& rel) { return load_tflite(shared_dir() + "/models/" + rel); }

// ---------------------------------------------------------------------------------------------
// 1. Instruction model vs the peer QEMU counts.

struct PeerModel {
  const char* file;
  double total, conv, dw;  // instructions (peer-cortex-m7.md)
};
const PeerModel kPeer[] = {
    {"imagenet/mcunet-320kb-1mb_imagenet.tflite", 387950484, 151.50e6, 222.93e6},
    {"other_int8/person_detect.tflite", 22716729, 14.39e6, 8.30e6},
    {"mlperf_tiny/pretrainedResnet_quant.tflite", 30023502, 27.66e6, 0},
    {"mlperf_tiny/vww_96_int8.tflite", 24026398, 17.55e6, 6.46e6},
};

// Solves the small normal equations A^T A x = A^T b (Gaussian elimination).
std::vector<double> least_squares(const std::vector<std::vector<double>>& A, const std::vector<double>& b) {
  const size_t n = A[0].size();
  std::vector<std::vector<double>> M(n, std::vector<double>(n + 1, 0));
  for (size_t r = 0; r < A.size(); ++r)
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) M[i][j] += A[r][i] * A[r][j];
      M[i][n] += A[r][i] * b[r];
    }
  for (size_t i = 0; i < n; ++i) {
    size_t p = i;
    for (size_t k = i + 1; k < n; ++k)
      if (std::fabs(M[k][i]) > std::fabs(M[p][i])) p = k;
    std::swap(M[i], M[p]);
    for (size_t k = 0; k < n; ++k) {
      if (k == i || M[i][i] == 0) continue;
      const double f = M[k][i] / M[i][i];
      for (size_t j = i; j <= n; ++j) M[k][j] -= f * M[i][j];
    }
  }
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = M[i][i] != 0 ? M[i][n] / M[i][i] : 0;
  return x;
}

json instruction_fit(const CostModel& m7) {
  std::printf("1. Instruction model (tflm-cmsis-nn, armv7e-m) vs executed instructions under QEMU (peer-cortex-m7.md)\n");
  std::printf("   %-36s %14s %14s %8s %10s %10s\n", "model", "peer instr", "model instr", "error", "conv err", "dw err");
  json rows = json::array();
  std::vector<std::vector<double>> Aconv;
  std::vector<double> bconv;
  std::vector<std::vector<double>> Adw;
  std::vector<double> bdw;
  for (const PeerModel& pm : kPeer) {
    auto g = shared_model(pm.file);
    if (!g.ok()) {
      std::printf("   %s: %s\n", pm.file, g.error().message.c_str());
      continue;
    }
    double total = 0, conv = 0, dw = 0;
    // Work per class: [conv1x1 macs, conv1x1+conv outputs, conv macs], [dw3 macs, dw macs, dw outputs].
    std::vector<double> c3(3, 0), d3(3, 0);
    for (const Op& op : g->ops) {
      const StepCost c = op_cost_in_memories(m7, g.value(), op, "sram", "sram");
      total += c.instructions;
      const KernelClass k = c.work.cls;
      if (k == KernelClass::Conv1x1 || k == KernelClass::Conv) conv += c.instructions;
      if (k == KernelClass::Depthwise3x3 || k == KernelClass::Depthwise) dw += c.instructions;
      if (k == KernelClass::Conv1x1) c3[0] += c.work.macs, c3[1] += c.work.outputs;
      if (k == KernelClass::Conv) c3[2] += c.work.macs, c3[1] += c.work.outputs;
      if (k == KernelClass::Depthwise3x3) d3[0] += c.work.macs;
      if (k == KernelClass::Depthwise) d3[1] += c.work.macs, d3[2] += c.work.outputs;
    }
    Aconv.push_back(c3), bconv.push_back(pm.conv);
    if (pm.dw > 0) Adw.push_back(d3), bdw.push_back(pm.dw);
    const double err = total / pm.total - 1;
    const double cerr = conv / pm.conv - 1;
    const double derr = pm.dw > 0 ? dw / pm.dw - 1 : 0;
    std::printf("   %-36s %14.0f %14.0f %+7.1f%% %+9.1f%% %+9.1f%%\n", pm.file, pm.total, total, err * 100, cerr * 100,
                derr * 100);
    rows.push_back({{"model", pm.file}, {"peer_instructions", pm.total}, {"model_instructions", total},
                    {"error", err}, {"conv_error", cerr}, {"depthwise_error", derr}});
  }
  json fit;
  if (Aconv.size() >= 3) {
    const auto x = least_squares(Aconv, bconv);
    std::printf("   least-squares refit, CONV_2D: per_mac 1x1 %.3f, per_mac kxk %.3f, per_output %.2f\n", x[0], x[2], x[1]);
    fit["conv"] = {{"conv1x1_per_mac", x[0]}, {"per_output", x[1]}, {"conv_per_mac", x[2]}};
  }
  if (Adw.size() >= 3) {
    // With 9 MACs per output the 3x3 per-output term is not separable: solve per_mac(3x3),
    // per_mac(other) and per_output(other) exactly.
    const auto x = least_squares(Adw, bdw);
    std::printf("   exact solve, DEPTHWISE_CONV_2D: per_mac 3x3 %.3f, per_mac other %.3f, per_output other %.2f\n", x[0],
                x[1], x[2]);
    fit["depthwise"] = {{"depthwise3x3_per_mac", x[0]}, {"depthwise_per_mac", x[1]}, {"depthwise_per_output", x[2]}};
  }
  std::printf("\n");
  return {{"models", rows}, {"refit", fit}};
}

// ---------------------------------------------------------------------------------------------
// 2. Published rows.

struct Row {
  std::string id, source, board_label, model_label, strategy, role, notes;
  double published_ms = 0;
  std::function<Result<Graph>()> graph;
  std::function<Result<Board>()> board;
  // results
  bool ok = false;
  std::string error;
  double macs = 0;
  double lat1 = 0, comp1 = 0;  // latency and compute at CPI 1
  double cpi_alone = 0;        // CPI that would make this row exact
  double predicted_ms = 0, loo_ms = 0;
  std::string plan_used;
  std::string core;
};

Result<Board> board_named(const std::string& n) { return load_board(n); }

// MobileNetV3-Large-minimalistic (TF-slim: the Large block table with 3x3 kernels, ReLU, no SE): the
// published TinyOps "MobileNetV3 w1.00-r160" has 3.96 M params, which matches minimalistic (3.9 M,
// accuracy.csv) and not the standard Large (5.4 M). The zoo's arch format ends with conv -> MEAN -> FC,
// so the post-pool 1x1 conv to 1280 is missing: 1.2 M of 107 M MACs, 1.2 M params.
const char* kMbv3Minimalistic = R"({"name": "mobilenet-v3-large-minimalistic", "resolution": 224, "classes": 1000,
 "act": "relu", "stem": {"out": 16, "kernel": 3, "stride": 2},
 "blocks": [{"kernel": 3, "expand": 1, "stride": 1, "out": 16}, {"kernel": 3, "mid": 64, "stride": 2, "out": 24},
  {"kernel": 3, "mid": 72, "stride": 1, "out": 24}, {"kernel": 3, "mid": 72, "stride": 2, "out": 40},
  {"kernel": 3, "mid": 120, "stride": 1, "out": 40}, {"kernel": 3, "mid": 120, "stride": 1, "out": 40},
  {"kernel": 3, "mid": 240, "stride": 2, "out": 80}, {"kernel": 3, "mid": 200, "stride": 1, "out": 80},
  {"kernel": 3, "mid": 184, "stride": 1, "out": 80}, {"kernel": 3, "mid": 184, "stride": 1, "out": 80},
  {"kernel": 3, "mid": 480, "stride": 1, "out": 112}, {"kernel": 3, "mid": 672, "stride": 1, "out": 112},
  {"kernel": 3, "mid": 672, "stride": 2, "out": 160}, {"kernel": 3, "mid": 960, "stride": 1, "out": 160},
  {"kernel": 3, "mid": 960, "stride": 1, "out": 160}], "head": {"out": 960}})";

// NUCLEO-L4R5ZI (MLPerf Tiny v0.5 reference): no board file ships; derived from the F469 (Cortex-M4,
// no D-cache, flash with wait states) with the L4R5ZI's 120 MHz and 640 KB SRAM (published.md).
Result<Board> l4r5zi() {
  auto b = load_board("stm32f469i-disco");
  if (!b.ok()) return b;
  b->name = "nucleo-l4r5zi (derived from stm32f469i-disco)";
  b->cpu.clock_hz = 120000000;
  for (Memory& m : b->memories)
    if (m.name == "sram") m.size = 640 * 1024;
  return b;
}

// STM32F767 (person detection row): the F746 board with the F767's 16 KB L1 caches.
Result<Board> f767(bool dcache) {
  auto b = load_board("stm32f746g-disco");
  if (!b.ok()) return b;
  b->name = std::string("stm32f767 (F746 board, 16 KB caches, D-cache ") + (dcache ? "on)" : "off)");
  b->cpu.icache_bytes = b->cpu.dcache_bytes = 16384;
  b->cpu.dcache_enabled = dcache;
  return b;
}

Result<Plan> plan_for(const Graph& g, const Board& b, const CostModel& cost, const std::string& strategy,
                      const std::string& name, std::string* used) {
  PlanOptions o;
  o.call_cycles = planner_call_cycles(cost);
  o.strategy = *strategy_from_name(strategy);
  o.model = name;
  auto p = make_plan(g, b, o);
  if (p.ok()) {
    *used = strategy;
    return p;
  }
  if (strategy != "internal") return p;
  // The published run kept everything internal with its own memory planner; ours does not fit the
  // SRAM: simulate the same placement (activations in SRAM, weights in internal flash) regardless.
  *used = "internal*";
  auto d = make_direct_plan(g, b, b.sram()->name, b.internal_flash()->name, "internal*");
  if (d.ok()) d->model = name;
  return d;
}

Result<SimResult> run_row(const Graph& g, const Board& b, const std::string& strategy, const std::string& profile,
                          double cpi, const std::string& name, std::string* used) {
  auto m = load_cost_model(b, profile);
  if (!m.ok()) return m.error();
  if (cpi > 0) m->core.cycles_per_instruction = cpi;
  auto p = plan_for(g, b, m.value(), strategy, name, used);
  if (!p.ok()) return p.error();
  SimOptions so;
  so.timeline = false;
  return simulate(g, p.value(), m.value(), so);
}

std::vector<Row> published_rows() {
  auto zoo = [](std::string f, double w, int r) {
    return [=]() { return make_zoo_model(f, w, r, 1000); };
  };
  auto shared = [](std::string f) { return [=]() { return shared_model(f); }; };
  std::vector<Row> rows;
  auto add = [&](std::string id, std::string src, std::string bl, std::string ml, std::string strat, std::string role,
                 double ms, std::function<Result<Graph>()> g, std::function<Result<Board>()> b, std::string notes) {
    Row r;
    r.id = id, r.source = src, r.board_label = bl, r.model_label = ml, r.strategy = strat, r.role = role;
    r.published_ms = ms, r.graph = g, r.board = b, r.notes = notes;
    rows.push_back(r);
  };
  auto f746 = [] { return board_named("stm32f746g-disco"); };
  auto h743 = [] { return board_named("stm32h743"); };
  const std::string t1 = "published.md 1 (TinyOps README, F746, TFLM+CMSIS-NN)";
  const std::string t2 = "published.md 2 (TinyEngine README, H743 480 MHz, CMSIS-NN column)";
  const std::string t4 = "published.md 4 (MLPerf Tiny v0.5 reference, L4R5ZI 120 MHz, TFLM v2.3.1)";
  add("f746-mcunet-in3", t1, "stm32f746g-disco", "MCUNetV1 = shared mcunet-320kb-1mb", "internal", "train", 1838,
      shared("imagenet/mcunet-320kb-1mb_imagenet.tflite"), f746, "");
  add("f746-mbv3-0.55-128", t1, "stm32f746g-disco", "zoo mobilenet-v3-large w0.55 r128", "tinyops", "held-out", 460,
      zoo("mobilenet-v3-large", 0.55, 128), f746, "zoo params 2.93 M vs published 1.55 M (MACs match)");
  add("f746-mnasnet-1.0-128", t1, "stm32f746g-disco", "zoo mnasnet-b1 w1.0 r128", "tinyops", "held-out", 1367,
      zoo("mnasnet-b1", 1.0, 128), f746, "");
  add("f746-mbv3-1.0-160", t1, "stm32f746g-disco", "MobileNetV3-L minimalistic w1.0 r160 (arch JSON)", "tinyops",
      "held-out", 1307,
      [] {
        ArchOverrides o;
        o.resolution = 160;
        return make_model_from_arch_json(kMbv3Minimalistic, o);
      },
      f746, "106.4 M MACs, 2.36 M params (+1.2 M / 1.2 M for the missing post-pool conv) vs published 111 M / 3.96 M");
  add("check-mbv3-std-1.0-160", t1, "stm32f746g-disco", "zoo mobilenet-v3-large (SE, hard-swish) w1.0 r160", "tinyops",
      "arch-check", 1307, zoo("mobilenet-v3-large", 1.0, 160), f746,
      "standard MobileNetV3-Large: MACs match (112.5 M) but 5.47 M params vs 3.96 M; not counted");
  add("h743-mcunet-in0", t2, "stm32h743", "zoo mcunet-in0 r48", "internal", "held-out", 51, zoo("mcunet-in0", 1, 48),
      h743, "");
  add("h743-mcunet-in1", t2, "stm32h743", "zoo mcunet-in1 r96", "internal", "held-out", 103, zoo("mcunet-in1", 1, 96),
      h743, "");
  add("h743-mcunet-in2", t2, "stm32h743", "zoo mcunet-in2 r160", "internal", "held-out", 642,
      zoo("mcunet-in2", 1, 160), h743, "");
  add("h743-mcunet-in3", t2, "stm32h743", "shared mcunet-320kb-1mb", "internal", "held-out", 770,
      shared("imagenet/mcunet-320kb-1mb_imagenet.tflite"), h743, "");
  add("l4r5-resnet8", t4, "nucleo-l4r5zi (derived)", "shared pretrainedResnet_quant", "internal", "train", 704,
      shared("mlperf_tiny/pretrainedResnet_quant.tflite"), l4r5zi, "kernel library of the submission not stated");
  add("l4r5-vww", t4, "nucleo-l4r5zi (derived)", "shared vww_96_int8", "internal", "held-out", 601,
      shared("mlperf_tiny/vww_96_int8.tflite"), l4r5zi, "kernel library of the submission not stated");
  return rows;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

int fit_measured(const std::vector<std::string>& dirs, const std::string& write) {
  std::vector<Graph> graphs;
  std::vector<Plan> plans;
  std::vector<MeasuredRun> runs;
  graphs.reserve(dirs.size());
  plans.reserve(dirs.size());
  for (const std::string& d : dirs) {
    json e = json::parse(read_file(d + "/export.json"), nullptr, false);
    if (e.is_discarded()) return std::fprintf(stderr, "%s/export.json: cannot read\n", d.c_str()), 1;
    std::string counts = read_file(d + "/counts.json");
    if (counts.empty()) counts = read_file(d + "/build/firmware.elf.counts.json");
    auto ops = op_instructions_from_plugin_json(counts);
    if (!ops.ok()) return std::fprintf(stderr, "%s: %s\n", d.c_str(), ops.error().message.c_str()), 1;
    auto g = load_tflite(e.value("model", ""));
    auto b = load_board(e.value("board", ""));
    if (!g.ok() || !b.ok()) return std::fprintf(stderr, "%s: model or board not found\n", d.c_str()), 1;
    PlanOptions o;
    o.strategy = *strategy_from_name(e.value("strategy", "tinyops"));
    o.model = e.value("model", "");
    // As `tinyops export` plans (our kernels' profile), so the steps match the export's.
    if (Status s = use_kernel_profile(o, b.value()); !s.ok())
      return std::fprintf(stderr, "%s: %s\n", d.c_str(), s.error().message.c_str()), 1;
    auto p = make_plan(g.value(), b.value(), o);
    if (!p.ok()) return std::fprintf(stderr, "%s: %s\n", d.c_str(), p.error().message.c_str()), 1;
    if (static_cast<int>(p->steps.size()) != e.value("steps", -1))
      return std::fprintf(stderr, "%s: re-planned %zu steps, the export had %d (planner changed?)\n", d.c_str(),
                          p->steps.size(), e.value("steps", -1)),
             1;
    graphs.push_back(std::move(g.value()));
    plans.push_back(std::move(p.value()));
    runs.push_back({e.value("model", d), &graphs.back(), &plans.back(), ops.value()});
  }
  auto base = parse_kernel_profile(read_file(cost_data_dir() + "/tinyops.json"), "tinyops.json");
  if (!base.ok()) return std::fprintf(stderr, "%s\n", base.error().message.c_str()), 1;
  std::vector<ClassFit> report;
  auto fit = fit_measured_profile(runs, base.value(), "armv7e-m", &report);
  if (!fit.ok()) return std::fprintf(stderr, "%s\n", fit.error().message.c_str()), 1;
  std::printf("tinyops profile fitted to QEMU instruction counts of %zu exported models\n", runs.size());
  std::printf("  %-16s %4s %10s %11s %10s %9s %14s %13s  fitted\n", "class", "ops", "per_mac", "per_output",
              "per_input", "per_call", "measured M", "max op err");
  for (const ClassFit& c : report)
    std::printf("  %-16s %4d %10.3f %11.2f %10.3f %9.0f %14.2f %12.1f%%  %s\n", kernel_class_name(c.cls), c.ops,
                c.params.per_mac, c.params.per_output, c.params.per_input, c.params.per_call, c.measured / 1e6,
                c.max_rel_error * 100, [&] {
                  std::string f;
                  for (const auto& x : c.fitted) f += (f.empty() ? "" : ",") + x;
                  return f;
                }().c_str());
  json out = fit.value();
  out["description"] = "Measured: the tinyops kernel profile fitted (src/sim/calibrate.h) to executed-instruction counts "
                       "per op of exported firmware under QEMU mps2-an500 (Cortex-M7) with the instruction-counting "
                       "plugin; regenerate with bench_latency --fit-measured after kernel changes.";
  out["sources"] = {{"isa.armv7e-m", "fit: bench_latency --fit-measured over the runs listed in \"runs\""},
                    {"per_op", "fit: folded into per_call"}};
  if (!write.empty()) {
    std::ofstream(write) << out.dump(1) << "\n";
    std::printf("wrote %s\n", write.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "bench_latency.json", write;
  std::vector<std::string> fit_dirs;
  bool fit_mode = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::printf(
          "usage: bench_latency [--json FILE]\n"
          "       bench_latency --fit-measured EXPORT_DIR... [--write data/cost/tinyops-measured.json]\n"
          "  validates the latency model against published board measurements (held-out rows) and\n"
          "  prints the stm32f746g-disco targets; --fit-measured fits the tinyops kernel profile to\n"
          "  QEMU per-op instruction counts of exported firmware\n");
      return 0;
    } else if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (fit_mode && argv[i][0] != '-') fit_dirs.push_back(argv[i]);
    else if (!std::strcmp(argv[i], "--write") && i + 1 < argc) write = argv[++i];
    else if (!std::strcmp(argv[i], "--fit-measured")) fit_mode = true;
    else return std::fprintf(stderr, "bench_latency: unknown argument %s (see --help)\n", argv[i]), 2;
  }
  if (fit_mode) return fit_measured(fit_dirs, write);
  json out;
  auto f746 = load_board("stm32f746g-disco");
  if (!f746.ok()) return std::fprintf(stderr, "%s\n", f746.error().message.c_str()), 1;
  auto m7 = load_cost_model(f746.value(), "tflm-cmsis-nn");
  if (!m7.ok()) return std::fprintf(stderr, "%s\n", m7.error().message.c_str()), 1;
  std::printf("bench_latency: shared data %s\n\n", shared_dir().c_str());
  out["instruction_fit"] = instruction_fit(m7.value());

  // ---- 2. published rows: simulate at CPI 1, fit CPI per core on training rows ----
  std::vector<Row> rows = published_rows();
  std::map<std::string, Graph> graphs;
  for (Row& r : rows) {
    auto g = r.graph();
    auto b = r.board();
    if (!g.ok() || !b.ok()) {
      r.error = !g.ok() ? g.error().message : b.error().message;
      continue;
    }
    r.core = cpu_core_name(b->cpu.core);
    auto s = run_row(g.value(), b.value(), r.strategy, "tflm-cmsis-nn", 1.0, r.model_label, &r.plan_used);
    if (!s.ok()) {
      r.error = s.error().message;
      continue;
    }
    r.ok = true;
    r.macs = s->macs;
    r.lat1 = s->latency_s * 1e3, r.comp1 = s->compute_s * 1e3;
    // latency(CPI) = CPI * compute(1) + (everything else), so the CPI that makes this row exact:
    r.cpi_alone = (r.published_ms - (r.lat1 - r.comp1)) / r.comp1;
  }
  std::map<std::string, double> cpi;  // per core, from training rows
  std::map<std::string, int> ntrain;
  for (const Row& r : rows)
    if (r.ok && r.role == "train") cpi[r.core] += r.cpi_alone, ntrain[r.core]++;
  for (auto& [core, v] : cpi) v /= ntrain[core];
  auto cores_file = [&](const std::string& core) {
    auto b = core == "cortex-m4" ? load_board("stm32f469i-disco") : load_board("stm32f746g-disco");
    auto m = load_cost_model(b.value(), "tflm-cmsis-nn");
    return m.ok() ? m->core.cycles_per_instruction : 0.0;
  };
  std::printf("2. Cycles per instruction fitted on training rows (data/cost/cores.json holds the rounded value)\n");
  json cpi_json;
  for (const auto& [core, v] : cpi) {
    std::printf("   %-10s %.3f from %d row(s); cores.json %.3f\n", core.c_str(), v, ntrain[core], cores_file(core));
    cpi_json[core] = {{"fitted", v}, {"file", cores_file(core)}, {"training_rows", ntrain[core]}};
  }
  out["cycles_per_instruction"] = cpi_json;
  for (Row& r : rows) {
    if (!r.ok) continue;
    const double c = cpi.count(r.core) ? cpi[r.core] : cores_file(r.core);  // no training row: the file's value
    r.predicted_ms = c * r.comp1 + (r.lat1 - r.comp1);
    // Leave-one-out over every row of the same core: CPI from the others' exact CPIs.
    double sum = 0;
    int n = 0;
    for (const Row& o : rows)
      if (o.ok && &o != &r && o.core == r.core && o.role != "arch-check") sum += o.cpi_alone, ++n;
    r.loo_ms = n ? (sum / n) * r.comp1 + (r.lat1 - r.comp1) : 0;
  }
  // Confirm the linearity shortcut on one row by re-simulating with the fitted CPI.
  for (Row& r : rows) {
    if (!r.ok || r.role != "held-out") continue;
    auto g = r.graph();
    auto b = r.board();
    std::string used;
    auto s = run_row(g.value(), b.value(), r.strategy, "tflm-cmsis-nn", cpi[r.core], r.model_label, &used);
    if (s.ok() && std::fabs(s->latency_s * 1e3 - r.predicted_ms) > 1e-3 * r.predicted_ms)
      std::printf("   note: %s re-simulated at the fitted CPI gives %.1f ms (linear estimate %.1f)\n", r.id.c_str(),
                  s->latency_s * 1e3, r.predicted_ms);
    if (s.ok()) r.predicted_ms = s->latency_s * 1e3;
    break;
  }

  std::printf("\n3. Published latencies vs predicted (kernels tflm-cmsis-nn)\n");
  std::printf("   %-24s %-10s %-10s %7s %10s %10s %8s %8s\n", "row", "role", "plan", "MACs M", "published", "predicted",
              "error", "LOO err");
  json jrows = json::array();
  double max_train = 0, max_held = 0, sum_held = 0, max_loo = 0;
  int n_held = 0;
  for (const Row& r : rows) {
    if (!r.ok) {
      std::printf("   %-22s not reproduced: %s\n", r.id.c_str(), r.error.c_str());
      jrows.push_back({{"id", r.id}, {"reproduced", false}, {"reason", r.error}});
      continue;
    }
    const double err = r.predicted_ms / r.published_ms - 1;
    const double loo = r.loo_ms / r.published_ms - 1;
    if (r.role == "train") max_train = std::max(max_train, std::fabs(err));
    if (r.role == "held-out") max_held = std::max(max_held, std::fabs(err)), sum_held += std::fabs(err), ++n_held;
    if (r.role != "arch-check") max_loo = std::max(max_loo, std::fabs(loo));
    std::printf("   %-24s %-10s %-10s %7.1f %10.0f %10.0f %+7.1f%% %+7.1f%%\n", r.id.c_str(), r.role.c_str(),
                r.plan_used.c_str(), r.macs / 1e6, r.published_ms, r.predicted_ms, err * 100, loo * 100);
    jrows.push_back({{"id", r.id},           {"source", r.source},       {"board", r.board_label},
                     {"model", r.model_label}, {"strategy", r.strategy}, {"plan", r.plan_used},
                     {"role", r.role},       {"core", r.core},           {"macs", r.macs},
                     {"published_ms", r.published_ms}, {"predicted_ms", r.predicted_ms}, {"error", err},
                     {"leave_one_out_ms", r.loo_ms}, {"leave_one_out_error", loo}, {"cpi_alone", r.cpi_alone},
                     {"notes", r.notes}, {"reproduced", true}});
  }
  std::printf("   arch-check rows are not counted: they show what a mismatched architecture would give.\n");
  std::printf("   internal* = our internal planner does not fit this SRAM; simulated with activations in SRAM and\n"
              "   weights in internal flash anyway (the published run's placement).\n");
  std::printf("   max |error|: training %.1f%%, held-out %.1f%% (mean %.1f%% over %d rows); leave-one-out max %.1f%%\n",
              max_train * 100, max_held * 100, n_held ? sum_held / n_held * 100 : 0.0, n_held, max_loo * 100);
  out["rows"] = jrows;
  out["summary"] = {{"max_abs_error_training", max_train},
                    {"max_abs_error_held_out", max_held},
                    {"mean_abs_error_held_out", n_held ? sum_held / n_held : 0.0},
                    {"held_out_rows", n_held},
                    {"max_abs_error_leave_one_out", max_loo}};

  // Rows of published.md that are not reproduced, with the reason.
  const json skipped = json::array(
      {{{"row", "published.md 1: ProxylessNAS w0.30-r176 (686 ms)"},
        {"reason", "zoo proxylessnas-mobile w0.3 r176 has 40.8 M MACs / 1.69 M params, published 32 M / 0.72 M: not the same network"}},
       {{"row", "published.md 2: proxyless-w0.3 (380 ms)"},
        {"reason", "no matching architecture (MCUNet zoo lists 38.3 M MACs; ours differs, see above)"}},
       {{"row", "published.md 2: mcunet-vww0..2"}, {"reason", "no architecture description in the zoo"}},
       {{"row", "published.md 2: TF-Lite Micro (reference kernels) column"},
        {"reason", "no reference-kernel profile: 7821 ms for mcunet-in3 is 2.3 cycles per peer-counted instruction, "
                   "inconsistent with CMSIS-NN's 0.95 on the same board"}},
       {{"row", "published.md 2: X-CUBE-AI / TinyEngine columns, published.md 4: X-CUBE-AI, Plumerai, microTVM"},
        {"reason", "other inference engines: no kernel profile for them"}}});
  out["not_reproduced"] = skipped;
  std::printf("   not reproduced:\n");
  for (const auto& s : skipped)
    std::printf("   - %s: %s\n", s["row"].get<std::string>().c_str(), s["reason"].get<std::string>().c_str());

  // Context row: person detection on an F767 with the TFLM arena in SDRAM (published.md 5).
  {
    auto g = shared_model("other_int8/person_detect.tflite");
    json ctx = json::array();
    if (g.ok()) {
      std::printf("\n   context (not counted): person_detect on STM32F767, TFLM+CMSIS-NN, arena in SDRAM: published 393 ms\n");
      for (bool dc : {true, false}) {
        auto b = f767(dc);
        auto m = load_cost_model(b.value(), "tflm-cmsis-nn");
        m->core.cycles_per_instruction = cpi["cortex-m7"];
        auto p = make_direct_plan(g.value(), b.value(), "sdram", "flash", "arena-in-sdram");
        SimOptions so;
        so.timeline = false;
        auto s = simulate(g.value(), p.value(), m.value(), so);
        std::printf("     %-48s predicted %6.1f ms (%+.0f%%): compute %.1f, stalls %.1f\n", b->name.c_str(),
                    s->latency_s * 1e3, (s->latency_s * 1e3 / 393 - 1) * 100, s->compute_s * 1e3, s->stall_s * 1e3);
        ctx.push_back({{"board", b->name}, {"predicted_ms", s->latency_s * 1e3}, {"published_ms", 393}});
      }
      std::printf("     (cache state, TFLM/CMSIS-NN version and clock of that report are unknown)\n");
    }
    out["context_person_detect_f767_sdram"] = ctx;
  }

  // ---- 4. targets on stm32f746g-disco ----
  std::printf("\n4. Targets on stm32f746g-disco (tinyops <= 1.10x lower bound; MobileNetV2 >= 2x faster than external)\n");
  std::printf("   %-12s %-14s %11s %11s %11s %9s %9s %10s\n", "model", "kernels", "external", "tinyops", "bound",
              "lat/bound", "overlap", "ext/tiny");
  json targets = json::array();
  for (const char* name : {"imagenet/tf2_mobilenet_v2_1.0_224_ptq.tflite", "imagenet/mcunet-320kb-1mb_imagenet.tflite"}) {
    auto g = shared_model(name);
    if (!g.ok()) continue;
    for (const char* prof : {"tflm-cmsis-nn", "tinyops"}) {
      const double c = std::string(prof) == "tflm-cmsis-nn" ? cpi["cortex-m7"] : 0.0;
      std::string used;
      auto ext = run_row(g.value(), f746.value(), "external", prof, c, name, &used);
      auto tiny = run_row(g.value(), f746.value(), "tinyops", prof, c, name, &used);
      if (!ext.ok() || !tiny.ok()) continue;
      const std::string shortname = std::string(name).find("mobilenet") != std::string::npos ? "MobileNetV2" : "MCUNet-in3";
      const double ratio = tiny->latency_s / tiny->lower_bound_s;
      std::printf("   %-12s %-14s %9.0f ms %9.0f ms %9.0f ms %8.3fx %8.1f%% %9.2fx\n", shortname.c_str(), prof,
                  ext->latency_s * 1e3, tiny->latency_s * 1e3, tiny->lower_bound_s * 1e3, ratio, tiny->overlap * 100,
                  ext->latency_s / tiny->latency_s);
      targets.push_back({{"model", shortname},
                         {"kernels", prof},
                         {"external_ms", ext->latency_s * 1e3},
                         {"external_stall_ms", ext->stall_s * 1e3},
                         {"tinyops_ms", tiny->latency_s * 1e3},
                         {"tinyops_compute_ms", tiny->compute_s * 1e3},
                         {"tinyops_stall_ms", tiny->stall_s * 1e3},
                         {"tinyops_dma_wait_ms", tiny->dma_wait_s * 1e3},
                         {"lower_bound_ms", tiny->lower_bound_s * 1e3},
                         {"latency_over_lower_bound", ratio},
                         {"overlap_efficiency", tiny->overlap},
                         {"speedup_vs_external", ext->latency_s / tiny->latency_s},
                         {"simulation_s", tiny->sim_seconds}});
    }
  }
  out["targets_stm32f746g_disco"] = targets;
  std::ofstream f(json_path);
  f << out.dump(1) << "\n";
  std::printf("\nJSON: %s\n", json_path.c_str());
  return 0;
}
