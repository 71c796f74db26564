// The plan checker: an independent proof that a Plan (plan/plan.h) is correct for a Graph on a Board.
// It shares no code with the planner: it replays the plan step by step against the board's memories.
//
// What it proves (the first violation found is returned, naming the step index, the op (index, kind,
// output tensor), the buffers (id, name, memory, byte range) and the bytes involved):
// - Placement: every buffer lies inside its memory, is aligned (offset and absolute address), has a
//   valid live range; buffers whose live ranges intersect do not share a byte (Weights and Input
//   buffers are live from before step 0, Output buffers until after the last step); Plan::memories
//   lists each used memory with the board's kind and size and used == highest buffer end; the SRAM
//   role memory stays within Plan::sram_budget; weights only live in memories that keep their
//   contents from flashing (flash / qspi-flash kinds, or the board's internal/external flash roles).
// - Data: symbolic execution. Each byte of each memory holds a tag (tensor, byte index within the
//   tensor) or "undefined". Weights and Input buffers start with their tensor's bytes. A compute step
//   must find the expected tag in every byte of every element it reads (input rows from
//   kernel_input_rows_of, input channels from kernel_input_channels, all columns; the weights of its
//   output channels: whole filters) and then tags every byte it writes; scratch becomes undefined.
//   RESHAPE/SQUEEZE outputs carry their input's tags (same bytes), so a plan may alias them.
//   After the last step every output buffer holds its whole output tensor densely from offset 0.
// - DMA: ids start once and are waited once; the channel exists (channels of the board's engines
//   counted in order), both memories are DMA-reachable, dst is writable, rows*row_bytes lie in both
//   buffers, each request <= the engine's max_transfer_bytes, addresses, row_bytes and strides are
//   multiples of the engine's alignment, the source is fully defined at the start; dst receives the
//   source tags at the wait. Between start and wait no compute step reads or writes dst or writes
//   src, and no other in-flight transfer writes bytes it reads or writes.
// - CPU access: compute views live in CPU-readable memories, outputs and scratch in CPU-writable
//   ones; views lie inside their buffers and tensors with the operand's element type and shape;
//   partitions respect kernel_partition_caps; scratch is a Scratch buffer region holding at least
//   kernel_scratch_bytes; a call's writes (output, scratch) never hit bytes it reads, except an
//   elementwise op writing each element exactly where it read it (in place).
// - Summaries: Plan::ops[k].partitions equals the number of compute steps of that op.
#pragma once
#include <cstdint>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "util/status.h"

namespace tinyops {

// What a successful check covered.
struct CheckReport {
  int64_t compute_steps = 0;
  int64_t dma_transfers = 0;
  int64_t bytes_read_verified = 0;  // operand bytes whose tags were compared
  int64_t bytes_written = 0;        // output bytes tagged by compute steps
  int64_t dma_bytes = 0;            // bytes copied by DMA
};

Result<CheckReport> check_plan_report(const Graph& g, const Board& board, const Plan& plan);

// Ok, or an Error whose message explains the first violation.
Status check_plan(const Graph& g, const Board& board, const Plan& plan);

}  // namespace tinyops
