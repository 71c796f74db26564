// `tinyops simulate MODEL --board B --strategy S [--kernels K] [--sram-budget N] [--timeline out.svg] [--json]`
// `tinyops compare MODEL --board B [--kernels K] [--sram-budget N] [--json]` is in cmd_compare.cpp.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/sim_support.h"
#include "plan/planner.h"
#include "sim/simulator.h"
#include "sim/timeline_svg.h"

namespace tinyops::cli {

Result<NamedGraph> load_model_or_demo(const std::string& model) {
  if (model.empty() || model == "demo") return NamedGraph{make_demo_model(), "demo (built-in MobileNetV2 0.5 160)"};
  auto g = load_tflite(model);
  if (!g.ok()) return g.error();
  return NamedGraph{std::move(g.value()), model};
}

void add_simulate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("simulate", "Predict a plan's latency on a board: compute, stalls, DMA overlap, timeline");
  struct Opts {
    std::string model, board = kDefaultBoard, strategy = "tinyops", kernels = kDefaultKernelProfile, timeline;
    int64_t sram_budget = 0;
    bool json = false, ops = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, ".tflite model (default: the built-in demo model)");
  cmd->add_option("--board", o->board, "board name (boards/*.json) or path to a board .json")->capture_default_str();
  cmd->add_option("--strategy", o->strategy, "internal, external or tinyops")->capture_default_str();
  cmd->add_option("--kernels", o->kernels, "kernel cost profile: tflm-cmsis-nn or tinyops (data/cost/*.json)")
      ->capture_default_str();
  cmd->add_option("--sram-budget", o->sram_budget,
                  fmt::format("SRAM bytes the plan may use (default: the SRAM size minus {} bytes)", kSramReserveBytes));
  cmd->add_option("--timeline", o->timeline, "write the Gantt chart + SRAM occupancy as SVG here");
  cmd->add_flag("--json", o->json, "print one JSON object instead of the tables");
  cmd->add_flag("--ops", o->ops, "with --json: include the per-op breakdown");
  cmd->callback([o]() {
    auto strategy = strategy_from_name(o->strategy);
    if (!strategy) std::exit(report_error(fmt::format("unknown strategy '{}' (internal, external, tinyops)", o->strategy)));
    auto board = load_board(o->board);
    if (!board.ok()) std::exit(report_error(board.error().message));
    auto model = load_cost_model(board.value(), o->kernels);
    if (!model.ok()) std::exit(report_error(model.error().message));
    auto g = load_model_or_demo(o->model);
    if (!g.ok()) std::exit(report_error(g.error().message));
    PlanOptions opts;
    opts.strategy = *strategy;
    opts.sram_budget = o->sram_budget;
    opts.model = g->name;
    opts.call_cycles = planner_call_cycles(model.value());
    auto plan = make_plan(g->graph, board.value(), opts);
    if (!plan.ok()) std::exit(report_error(plan.error().message));
    SimOptions so;
    so.timeline = !o->timeline.empty();
    auto r = simulate(g->graph, plan.value(), model.value(), so);
    if (!r.ok()) std::exit(report_error(r.error().message));
    if (!o->timeline.empty()) {
      std::ofstream f(o->timeline, std::ios::binary);
      f << timeline_svg(r.value(), g->graph, plan.value());
      if (!f) std::exit(report_error("cannot write " + o->timeline));
    }
    if (o->json)
      std::cout << sim_result_json(r.value(), o->ops).dump(1) << "\n";
    else
      std::cout << sim_result_table(r.value()) << (o->timeline.empty() ? "" : "  timeline: " + o->timeline + "\n");
  });
}

}  // namespace tinyops::cli
