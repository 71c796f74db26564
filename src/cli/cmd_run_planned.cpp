// `tinyops run ... --board B --strategy S`: plan, then run the plan on the host's memory model.
#include <fmt/format.h>

#include "cli/run_support.h"
#include "plan/planner.h"
#include "runtime/executor.h"
#include "sim/cost_model.h"

namespace tinyops::cli {

Result<TensorBytes> run_planned(const Graph& g, const std::string& board, const std::string& strategy,
                                int64_t sram_budget, const TensorBytes& inputs) {
  auto s = strategy_from_name(strategy);
  if (!s) return Error{fmt::format("unknown strategy '{}' (internal, external, tinyops)", strategy)};
  auto b = load_board(board);
  if (!b.ok()) return b.error();
  PlanOptions opts;
  opts.strategy = *s;
  opts.sram_budget = sram_budget;
  if (Status st = use_kernel_profile(opts, b.value()); !st.ok()) return st.error();
  auto plan = make_plan(g, b.value(), opts);
  if (!plan.ok()) return plan.error();
  return run_plan(g, b.value(), plan.value(), inputs);
}

}  // namespace tinyops::cli
