// Shared pieces of the strategies (planner.cpp, strategy_tinyops.cpp). Not used outside src/plan.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "plan/op_model.h"
#include "plan/plan_builder.h"
#include "plan/planner.h"

namespace tinyops {

struct PlanContext {
  const Graph& g;
  const Board& board;
  PlanOptions options;
  std::vector<PreparedOp> prepared;  // one per graph op, same order
  CostParams cp;
  std::vector<OpModel> models;  // one per graph op
  int64_t sram_budget = 0;
  int64_t flash_capacity = 0;   // internal flash bytes available for weights
  int64_t tables_bytes = 0;     // prepared per-channel tables (kept in the internal flash)

  PlanContext(const Graph& graph, const Board& b) : g(graph), board(b) {}
};

// Buffer ids of the tensors' homes (-1: none) and of each weight tensor.
struct Homes {
  std::vector<int> buffer;  // per tensor id
};

bool is_external(const Memory& m);  // sdram / qspi-flash
std::string tensor_label(const Graph& g, int tensor);
std::string op_label(const Graph& g, int op);  // "op 3 (CONV_2D)"

// kernel_scratch_bytes for a compute step's views and range.
int32_t step_scratch_bytes(const PreparedOp& p, const ComputeStep& s);

// One compute over whole tensors where they live (plus a scratch buffer in `scratch_memory`).
void emit_direct(PlanBuilder& pb, const PlanContext& ctx, const OpModel& m, const Homes& homes,
                 const std::string& scratch_memory, OpPlan* summary);
// The partitioned, DMA double-buffered execution of one op (see docs/planner.md).
void emit_tiled(PlanBuilder& pb, const PlanContext& ctx, const OpModel& m, const Placement& pl, const Candidate& cand,
                const Homes& homes, OpPlan* summary);

// `estimate`: the cost estimate (cycles) of the plan made.
Result<Plan> plan_tinyops(PlanContext& ctx, double* estimate);

}  // namespace tinyops
