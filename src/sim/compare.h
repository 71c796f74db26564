// Strategy comparison: plan a model with internal, external and tinyops on one board, simulate each,
// and report side by side whether it fits (with the planner's reason when not), peak SRAM, latency,
// and for tinyops the overlap efficiency and latency over the lower bound.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "board/board.h"
#include "model/graph.h"
#include "sim/cost_model.h"
#include "sim/simulator.h"

namespace tinyops {

struct StrategyRow {
  std::string strategy;
  bool fits = false;
  std::string reason;          // planner error when it does not fit
  int64_t peak_sram = 0;       // bytes used in the SRAM role memory
  int64_t sram_budget = 0;
  int steps = 0;
  double plan_seconds = 0;
  std::optional<SimResult> sim;  // when it fits
};

struct Comparison {
  std::string model, board, kernels;
  std::vector<StrategyRow> rows;  // internal, external, tinyops
};

Result<Comparison> compare_strategies(const Graph& g, const std::string& model_name, const Board& board,
                                      const CostModel& model, int64_t sram_budget = 0);
nlohmann::json comparison_json(const Comparison& c);
std::string comparison_table(const Comparison& c);

}  // namespace tinyops
