// The plan as const C++ tables for runtime/executor_core (ExecPlan), and the firmware's inference
// function around exec_run with per-op instruction-count markers. Host code only.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "runtime/prepare.h"
#include "util/status.h"

namespace tinyops {

// Sources of the shared runtime copied into every exported project (paths relative to the source tree).
inline constexpr const char* kRuntimeSources[] = {"src/runtime/executor_core.h", "src/runtime/executor_core.cpp"};

struct PlanEmitInput {
  const Graph& g;
  const Board& board;
  const Plan& plan;
  const std::vector<PreparedOp>& prepared;
  size_t num_memories;
  std::string table_section;  // input section of the step tables ("" = .rodata)
};

// A run of consecutive steps attributed to one op: marker `op` is emitted before it.
struct StepSegment {
  int op = 0;
  int first = 0;
  int count = 0;
};

// Attributes every step to an op: a compute to its op; a DmaStart that copies out a buffer the most
// recent compute wrote to that compute's op (write-back); any other DmaStart to the op of the next
// compute (prefetch); a DmaWait to its DmaStart's op. Consecutive steps of one op form a segment.
std::vector<StepSegment> step_segments(const Plan& plan);

struct PlanEmitOutput {
  std::string source;  // C++ appended to model_data.cpp (uses tinyops_args and memory_base)
  size_t segments = 0;
};

Result<PlanEmitOutput> emit_plan_tables(const PlanEmitInput& in);

}  // namespace tinyops
