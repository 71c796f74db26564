// PlanBuilder: what every strategy uses to write a Plan. Strategies add buffers (memory, size) and
// steps; finish() derives each buffer's live range from the steps that use it, assigns offsets per
// memory (greedy, largest first, lowest free offset) and fills Plan::memories.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "board/board.h"
#include "plan/plan.h"
#include "kernels/kernel.h"
#include "util/status.h"

namespace tinyops {

// A dense view of a box of a tensor stored densely in a buffer: rows [y0, y0+h), channels [c0, c0+c),
// all batches and columns of `full`.
PlanView dense_box_view(int buffer, ElemType type, Shape4 full, int32_t y0, int32_t h, int32_t c0, int32_t c);
// A dense view of the whole tensor.
PlanView whole_view(int buffer, ElemType type, Shape4 full);

class PlanBuilder {
 public:
  explicit PlanBuilder(const Board& board);

  Plan& plan() { return plan_; }
  const Board& board() const { return board_; }
  int32_t alignment() const { return alignment_; }

  int add_buffer(const std::string& name, BufferKind kind, const std::string& memory, int64_t size, int tensor = -1);
  void compute(ComputeStep step);
  // A copy of `rows` blocks of `row_bytes` (strides in bytes), split into transfers of at most the DMA's
  // maximum size. Returns the transfer ids (to wait for).
  std::vector<int> dma_copy(int channel, int src_buffer, int64_t src_offset, int64_t src_stride, int dst_buffer,
                            int64_t dst_offset, int64_t dst_stride, int64_t rows, int64_t row_bytes);
  void dma_wait(const std::vector<int>& ids);

  // Number of DMA requests dma_copy would issue.
  int64_t transfers_for(int64_t rows, int64_t row_bytes) const;

  // Computes live ranges (from the steps that use each buffer; Weights span the whole plan, Input buffers
  // start at step 0, Output buffers end at the last step)
  // and offsets (assign_offsets per memory), then fills Plan::memories with every board memory.
  Status finish();

 private:
  const Board& board_;
  Plan plan_;
  int next_dma_ = 0;
  int32_t alignment_ = 16;
  int64_t max_transfer_ = 0;
};

// Greedy offset assignment for intervals: each item (size, live range) goes to the lowest aligned offset
// that does not overlap an already placed item with an intersecting range; three orders are tried
// (largest, longest-lived, largest bytes x steps first) and the lowest result kept. Returns the offsets
// (same order as the input) and the end of the highest item.
struct Interval {
  int64_t size = 0;
  int first = 0, last = 0;
  int32_t alignment = 16;
};
std::vector<int64_t> assign_offsets(const std::vector<Interval>& items, int64_t* used);

}  // namespace tinyops
