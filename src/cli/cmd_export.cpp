// `tinyops export MODEL --board B [--strategy S] [--input IN] -o DIR`: a firmware project (docs/export.md).
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/run_support.h"
#include "export/export.h"
#include "model/tflite_reader.h"
#include "plan/planner.h"
#include "sim/cost_model.h"

namespace tinyops::cli {

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write a Cortex-M firmware project that runs the planned model");
  struct Opts {
    std::string model, board = kDefaultBoard, strategy = "tinyops", input, out, cpu;
    int64_t sram_budget = 0;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, ".tflite model")->required();
  cmd->add_option("--board", o->board, "board name or .json")->capture_default_str();
  cmd->add_option("--strategy", o->strategy, "internal, external or tinyops")->capture_default_str();
  cmd->add_option("--sram-budget", o->sram_budget, "SRAM bytes the planner may use (default: the board's)");
  cmd->add_option("--input", o->input, "raw input tensor (.bin) or image embedded as the firmware's input (default: zeros)");
  cmd->add_option("--cpu", o->cpu, "cortex-m4, cortex-m7 or cortex-m55 (default: the board's core)");
  cmd->add_option("-o,--out", o->out, "output directory")->required();
  cmd->callback([o]() {
    auto g = load_tflite(o->model);
    if (!g.ok()) std::exit(report_error(g.error().message));
    const Graph& graph = g.value();
    auto board = load_board(o->board);
    if (!board.ok()) std::exit(report_error(board.error().message));
    auto strategy = strategy_from_name(o->strategy);
    if (!strategy) std::exit(report_error(fmt::format("unknown strategy '{}' (internal, external, tinyops)", o->strategy)));
    PlanOptions po;
    po.strategy = *strategy;
    po.sram_budget = o->sram_budget;
    po.model = o->model;
    // The firmware runs our kernels: their measured costs decide the partitioning.
    if (Status s = use_kernel_profile(po, board.value()); !s.ok()) std::exit(report_error(s.error().message));
    auto plan = make_plan(graph, board.value(), po);
    if (!plan.ok()) std::exit(report_error(plan.error().message));

    ExportOptions eo;
    eo.out_dir = o->out;
    eo.cpu = o->cpu;
    if (!o->input.empty()) {
      if (graph.inputs.size() != 1)
        std::exit(report_error(fmt::format("--input feeds single-input models; this one has {}", graph.inputs.size())));
      auto in = read_input_file(o->input, graph.tensor(graph.inputs[0]), ImagePreprocess{});
      if (!in.ok()) std::exit(report_error(in.error().message));
      eo.input = std::move(in.value());
    }
    auto r = export_firmware(graph, board.value(), plan.value(), eo);
    if (!r.ok()) std::exit(report_error(r.error().message));
    const ExportSummary& s = r.value();
    std::cout << fmt::format("exported {} for {} ({}, strategy {}) to {}: {} steps, {} files\n", o->model,
                             board.value().name, s.cpu, o->strategy, o->out, s.step_count, s.files.size());
    std::cout << fmt::format("  {:<12} {:<10} {:>10}  {}\n", "memory", "region", "bytes", "contents");
    for (const ExportedMemory& m : s.memories)
      if (m.bytes > 0)
        std::cout << fmt::format("  {:<12} {:<10} {:>10}  {}\n", m.name, m.region, m.bytes,
                                 m.image ? "weights image" : "arena (NOLOAD)");
    std::cout << fmt::format("  per-op tables: {} bytes (internal flash)\n", s.table_bytes);
    std::cout << fmt::format("build: cmake -S {0} -B {0}/build -DCMAKE_TOOLCHAIN_FILE={0}/arm-none-eabi.cmake && "
                             "cmake --build {0}/build\n",
                             o->out);
  });
}

}  // namespace tinyops::cli
