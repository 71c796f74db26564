// Planned execution on the host: every board memory is its own byte array, the plan runs through the
// same step loop as the firmware (executor_core.h), and a host DMA engine performs transfers at a moment
// the plan's semantics allow, so a plan that reads before its wait, or overwrites data in flight, really
// reads stale bytes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "runtime/executor_core.h"
#include "runtime/interpreter.h"
#include "util/status.h"

namespace tinyops {

// When the host DMA engine copies.
enum class DmaMode : uint8_t {
  AtWait,        // at the matching DmaWait (the latest moment the plan allows): the default
  AtStart,       // at DmaStart (the earliest)
  PoisonAtWait,  // at DmaWait, and the destination is filled with a poison byte at DmaStart
};
const char* dma_mode_name(DmaMode m);

struct RunOptions {
  DmaMode dma = DmaMode::AtWait;
  uint8_t fill = 0xA5;    // initial content of every memory byte (not weights or inputs)
  uint8_t poison = 0xEE;  // PoisonAtWait's destination fill
};

// A plan lowered to the executor's plain arrays. Memory index i = Plan::memories[i].
struct LoweredPlan {
  std::vector<ExecStep> steps;
  std::vector<ExecCompute> computes;
  std::vector<ExecView> views;
  std::vector<ExecDma> dmas;
  std::vector<std::string> memory_names;
  std::vector<int64_t> memory_bytes;  // used bytes per memory (the arrays' sizes)
  ExecPlan exec() const;
};

// Resolves buffers to (memory, offset) and checks that every view and transfer stays inside the used
// bytes of its memory (so the host run cannot touch memory outside the arrays).
Result<LoweredPlan> lower_plan(const Graph& g, const Plan& plan);

// Runs `plan` (made for `g` on `board`) on `inputs` (Graph::inputs order); returns Graph::outputs bytes.
Result<TensorBytes> run_plan(const Graph& g, const Board& board, const Plan& plan, const TensorBytes& inputs,
                             const RunOptions& options = {});

}  // namespace tinyops
