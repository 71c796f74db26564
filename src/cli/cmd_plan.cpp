// `tinyops plan MODEL --board B [--strategy S] [--kernels K] [--sram-budget BYTES] [--json [--steps]]`
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "model/tflite_reader.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "sim/cost_model.h"

namespace tinyops::cli {

void add_plan_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("plan", "Plan a model for a board: memory map, partitions, DMA traffic");
  struct Opts {
    std::string model, board = kDefaultBoard, strategy = "tinyops", kernels = kDefaultKernelProfile;
    int64_t sram_budget = 0;
    bool json = false, steps = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, ".tflite model")->required();
  cmd->add_option("--board", o->board, "board name (boards/*.json) or path to a board .json")->capture_default_str();
  cmd->add_option("--strategy", o->strategy, "internal, external or tinyops")->capture_default_str();
  cmd->add_option("--kernels", o->kernels,
                  "kernel cost profile whose per-call costs choose the partitions: tflm-cmsis-nn or tinyops")
      ->capture_default_str();
  cmd->add_option("--sram-budget", o->sram_budget,
                  fmt::format("SRAM bytes the plan may use (default: the SRAM size minus {} bytes)", kSramReserveBytes));
  cmd->add_flag("--json", o->json, "print one JSON object instead of the tables");
  cmd->add_flag("--steps", o->steps, "with --json: include every step");
  cmd->callback([o]() {
    auto strategy = strategy_from_name(o->strategy);
    if (!strategy) std::exit(report_error(fmt::format("unknown strategy '{}' (internal, external, tinyops)", o->strategy)));
    auto board = load_board(o->board);
    if (!board.ok()) std::exit(report_error(board.error().message));
    auto g = load_tflite(o->model);
    if (!g.ok()) std::exit(report_error(g.error().message));
    PlanOptions opts;
    opts.strategy = *strategy;
    opts.sram_budget = o->sram_budget;
    opts.model = o->model;
    if (Status s = use_kernel_profile(opts, board.value(), o->kernels); !s.ok())
      std::exit(report_error(s.error().message));
    auto plan = make_plan(g.value(), board.value(), opts);
    if (!plan.ok()) std::exit(report_error(plan.error().message));
    if (o->json)
      std::cout << plan_to_json(plan.value(), o->steps).dump(1) << "\n";
    else
      std::cout << plan_table(g.value(), plan.value());
  });
}

}  // namespace tinyops::cli
