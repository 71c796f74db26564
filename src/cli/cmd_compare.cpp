// `tinyops compare MODEL --board B [--kernels K] [--sram-budget N] [--json]`: internal / external /
// tinyops side by side.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/sim_support.h"
#include "plan/planner.h"
#include "sim/compare.h"

namespace tinyops::cli {

void add_compare_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare", "Compare the internal, external and tinyops strategies on a board");
  struct Opts {
    std::string model, board = kDefaultBoard, kernels = kDefaultKernelProfile;
    int64_t sram_budget = 0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, ".tflite model (default: the built-in demo model)");
  cmd->add_option("--board", o->board, "board name (boards/*.json) or path to a board .json")->capture_default_str();
  cmd->add_option("--kernels", o->kernels, "kernel cost profile: tflm-cmsis-nn or tinyops")->capture_default_str();
  cmd->add_option("--sram-budget", o->sram_budget, "SRAM bytes the plans may use (default: the board's)");
  cmd->add_flag("--json", o->json, "print one JSON object instead of the table");
  cmd->callback([o]() {
    auto board = load_board(o->board);
    if (!board.ok()) std::exit(report_error(board.error().message));
    auto model = load_cost_model(board.value(), o->kernels);
    if (!model.ok()) std::exit(report_error(model.error().message));
    auto g = load_model_or_demo(o->model);
    if (!g.ok()) std::exit(report_error(g.error().message));
    auto c = compare_strategies(g->graph, g->name, board.value(), model.value(), o->sram_budget);
    if (!c.ok()) std::exit(report_error(c.error().message));
    if (o->json)
      std::cout << comparison_json(c.value()).dump(1) << "\n";
    else
      std::cout << comparison_table(c.value());
  });
}

}  // namespace tinyops::cli
