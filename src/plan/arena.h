// Activation liveness and a simple greedy offset planner (one arena, in-order schedule), the
// TFLite Micro-style baseline that `inspect` reports and the strategies start from.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/graph.h"

namespace tinyops {

struct LiveRange {
  int tensor = -1;
  int first_op = 0;  // op that produces it (0 for model inputs)
  int last_op = 0;   // last op that reads it (the last op for model outputs)
  size_t bytes = 0;
};

// Live ranges of every non-constant tensor that an op touches, in tensor id order.
std::vector<LiveRange> activation_live_ranges(const Graph& g);

struct ArenaPlan {
  std::vector<int64_t> offset;  // per tensor id; -1 for tensors not in the arena
  size_t arena_bytes = 0;       // size of the arena (peak of the offset plan)
  size_t live_peak_bytes = 0;   // max over ops of the bytes of tensors live at once (a lower bound)
  int live_peak_op = 0;         // op where live_peak_bytes occurs
};

// Greedy by size: largest tensors first, each at the lowest offset that does not overlap a
// tensor with an intersecting live range.
ArenaPlan plan_arena(const Graph& g, size_t alignment = 16);

}  // namespace tinyops
