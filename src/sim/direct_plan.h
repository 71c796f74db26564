// A plan without partitioning or DMA: every op runs once on its whole output, reading and writing
// operands where they live (activations in one memory, weights in another). What the "internal" and
// "external" strategies amount to for the simulator; used by tests and by bench_latency for
// what-if rows (e.g. a board with more SRAM than it has). Offsets come from the greedy arena.
#pragma once
#include <string>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "util/status.h"

namespace tinyops {

Result<Plan> make_direct_plan(const Graph& g, const Board& board, const std::string& activation_memory,
                              const std::string& weight_memory, const std::string& label = "direct");

}  // namespace tinyops
