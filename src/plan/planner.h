// The planner: turns (Graph, Board, strategy, SRAM budget) into a Plan (plan.h).
//
// Strategies (docs/planner.md explains each in detail):
//   internal  weights in the internal flash, every activation in the SRAM (greedy offset arena); fails
//             with the overflowing memory, the excess in bytes and the op at the peak.
//   external  weights read in place from the external flash, activations in the external RAM, no DMA.
//   tinyops   weights in the internal flash while it has room (chosen by benefit), the rest in the
//             external flash; activations in the SRAM when that pays off, else in the external RAM; each
//             op partitioned along output rows and/or output channels so its working set fits the SRAM
//             budget, with DMA double buffering (fetch k+1 while k computes, write outputs back).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "util/status.h"

namespace tinyops {

enum class Strategy : uint8_t { Internal, External, TinyOps };
const char* strategy_name(Strategy s);  // "internal", "external", "tinyops"
std::optional<Strategy> strategy_from_name(std::string_view s);

// SRAM kept back from the planner for the stack and the runtime's own state. The TinyOps firmware on
// the STM32F746 leaves 7.8 KB of its 320 KB outside the overlay buffers; we keep 8 KB.
inline constexpr int64_t kSramReserveBytes = 8 * 1024;
// Internal flash kept back for code (runtime + kernels), on top of the prepared per-channel tables
// (multipliers, shifts, biases, LUTs), which the firmware stores as const arrays in the internal flash.
// Measured firmware .text (docs/export.md): Cortex-M4/M7 with the DSP paths under 100 KB; Cortex-M55
// with the Helium paths and the DSP paths as their fallback about 150 KB.
inline constexpr int64_t kFlashCodeReserveBytes = 128 * 1024;
inline constexpr int64_t kFlashCodeReserveBytesM55 = 192 * 1024;
int64_t flash_code_reserve_bytes(const Board& board);  // by the board's core

// CPU cycles of one kernel call of `op` computing `range` with every operand in the SRAM (compute
// only). The tinyops strategy sums it over a candidate's partitions, so the per-call overhead of the
// kernels that will run (and their re-gathering of inputs per channel part) decides how finely an op
// is split. sim/cost_model.h's planner_call_cycles() gives the calibrated kernel profile's figure.
using CallCycles = std::function<double(const Graph& g, const Op& op, OutRange range)>;

struct PlanOptions {
  Strategy strategy = Strategy::TinyOps;
  int64_t sram_budget = 0;  // bytes of the SRAM role memory the plan may use; 0 = default_sram_budget()
  std::string model;        // recorded in Plan::model
  CallCycles call_cycles;   // empty: a rough built-in rate (MACs per cycle of the core + 200 per call)
};

// The SRAM role memory's size minus kSramReserveBytes (0 when the board has no SRAM role).
int64_t default_sram_budget(const Board& board);

Result<Plan> make_plan(const Graph& g, const Board& board, const PlanOptions& options);

// What-if plans for the simulator and benchmarks: every op once on its whole output, activations and
// scratch in `activation_memory`, weights in `weight_memory`, no DMA (the external strategy's shape
// with any two memories). Memory sizes are NOT checked (e.g. activations in an SRAM the model would
// overflow, as a published run on a larger chip had); the plan is otherwise a normal Plan.
Result<Plan> make_direct_plan(const Graph& g, const Board& board, const std::string& activation_memory,
                              const std::string& weight_memory, const std::string& label = "direct");

}  // namespace tinyops
