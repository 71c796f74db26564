#include "sim/compare.h"

#include <chrono>
#include <sstream>

#include <fmt/format.h>

#include "plan/planner.h"

namespace tinyops {

using nlohmann::json;

Result<Comparison> compare_strategies(const Graph& g, const std::string& model_name, const Board& board,
                                      const CostModel& model, int64_t sram_budget) {
  Comparison c;
  c.model = model_name, c.board = board.name, c.kernels = model.profile_name;
  for (Strategy s : {Strategy::Internal, Strategy::External, Strategy::TinyOps}) {
    StrategyRow row;
    row.strategy = strategy_name(s);
    PlanOptions opts;
    opts.strategy = s;
    opts.sram_budget = sram_budget;
    opts.model = model_name;
    opts.call_cycles = planner_call_cycles(model);
    const auto t0 = std::chrono::steady_clock::now();
    auto plan = make_plan(g, board, opts);
    row.plan_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!plan.ok()) {
      row.reason = plan.error().message;
      c.rows.push_back(std::move(row));
      continue;
    }
    row.fits = true;
    row.steps = static_cast<int>(plan->steps.size());
    row.sram_budget = plan->sram_budget;
    const Memory* sram = board.sram();
    for (const MemoryUse& m : plan->memories)
      if (sram && m.name == sram->name) row.peak_sram = m.used;
    SimOptions so;
    so.timeline = false;
    auto r = simulate(g, plan.value(), model, so);
    if (!r.ok()) return Error{fmt::format("simulating the {} plan: {}", row.strategy, r.error().message)};
    row.sim = std::move(r.value());
    c.rows.push_back(std::move(row));
  }
  return c;
}

json comparison_json(const Comparison& c) {
  json j;
  j["model"] = c.model;
  j["board"] = c.board;
  j["kernels"] = c.kernels;
  const StrategyRow* ext = nullptr;
  for (const StrategyRow& r : c.rows)
    if (r.strategy == "external" && r.sim) ext = &r;
  json rows = json::array();
  for (const StrategyRow& r : c.rows) {
    json x;
    x["strategy"] = r.strategy;
    x["fits"] = r.fits;
    if (!r.fits) {
      x["reason"] = r.reason;
    } else {
      x["peak_sram_bytes"] = r.peak_sram;
      x["sram_budget_bytes"] = r.sram_budget;
      x["steps"] = r.steps;
      x["plan_s"] = r.plan_seconds;
      x["latency_ms"] = r.sim->latency_s * 1e3;
      x["compute_ms"] = r.sim->compute_s * 1e3;
      x["stall_ms"] = r.sim->stall_s * 1e3;
      x["dma_ms"] = r.sim->dma_busy_s * 1e3;
      x["dma_wait_ms"] = r.sim->dma_wait_s * 1e3;
      x["lower_bound_ms"] = r.sim->lower_bound_s * 1e3;
      x["latency_over_lower_bound"] = r.sim->lower_bound_s > 0 ? r.sim->latency_s / r.sim->lower_bound_s : 0.0;
      x["overlap_efficiency"] = r.sim->overlap;
      x["dma_bytes"] = r.sim->dma_bytes;
      if (ext && &r != ext) x["speedup_vs_external"] = ext->sim->latency_s / r.sim->latency_s;
    }
    rows.push_back(x);
  }
  j["strategies"] = rows;
  return j;
}

std::string comparison_table(const Comparison& c) {
  std::ostringstream o;
  o << fmt::format("{} on {} (kernels {})\n", c.model, c.board, c.kernels);
  o << fmt::format("  {:<9} {:>5} {:>10} {:>12} {:>11} {:>11} {:>9} {:>10} {:>8}\n", "strategy", "fits", "peak SRAM",
                   "latency ms", "compute ms", "stalls ms", "overlap", "lat/bound", "vs ext");
  const StrategyRow* ext = nullptr;
  for (const StrategyRow& r : c.rows)
    if (r.strategy == "external" && r.sim) ext = &r;
  std::vector<std::string> reasons;
  for (const StrategyRow& r : c.rows) {
    if (!r.fits) {
      o << fmt::format("  {:<9} {:>5}  (see below)\n", r.strategy, "no");
      reasons.push_back(r.strategy + ": " + r.reason);
      continue;
    }
    const SimResult& s = *r.sim;
    const bool tiny = r.strategy == "tinyops";
    o << fmt::format("  {:<9} {:>5} {:>7.1f} KB {:>12.1f} {:>11.1f} {:>11.1f} {:>9} {:>10} {:>8}\n", r.strategy, "yes",
                     r.peak_sram / 1024.0, s.latency_s * 1e3, s.compute_s * 1e3, s.stall_s * 1e3,
                     tiny && s.transfers > 0 ? fmt::format("{:.1f}%", s.overlap * 100) : "-",
                     tiny ? fmt::format("{:.3f}x", s.lower_bound_s > 0 ? s.latency_s / s.lower_bound_s : 0.0) : "-",
                     ext && &r != ext ? fmt::format("{:.2f}x", ext->sim->latency_s / s.latency_s) : "-");
  }
  for (const std::string& r : reasons) o << "  does not fit: " << r << "\n";
  return o.str();
}

}  // namespace tinyops
