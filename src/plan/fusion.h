// Fused chains: consecutive ops whose intermediate tensors exist only as row tiles. The chain runs in
// blocks of its last op's output rows; for each block every op of the chain computes the rows the next
// one needs (the receptive field: halo rows are computed again for the next block), so an expand conv
// -> pad -> depthwise -> project conv block never holds its wide intermediates whole. This is how the
// `internal` strategy brings peak SRAM below what whole tensors need (the plan contract forbids buffers
// sharing bytes while live, so in-place kernels are out; tiles are not).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "plan/planner_internal.h"

namespace tinyops {

struct Chain {
  int first = 0, last = 0;  // graph op indices, inclusive
  int blocks = 1;           // row blocks of the last op's output
};

struct ChainGeometry {
  // rows[i][b]: output rows op first+i computes in block b.
  std::vector<std::vector<std::pair<int32_t, int32_t>>> rows;
  std::vector<int64_t> tile_bytes;  // per intermediate (ops first..last-1): the largest block's rows
  double recompute_cycles = 0;      // estimated cost of rows computed more than once
};

// True when op `op`'s output feeds only op `op + 1` (through one input), is not a graph output, and
// both ops partition by rows.
bool fusable_edge(const PlanContext& ctx, int op);
ChainGeometry chain_geometry(const PlanContext& ctx, const Chain& c);

// Chains (singletons included, covering every op in order) that bring the sum of live SRAM bytes
// (whole tensors + tiles + scratch) at every op under `target` with the least recomputed rows, then
// keep lowering the peak while the recompute stays under 0.5% of the estimated compute.
std::vector<Chain> choose_chains(const PlanContext& ctx, int64_t target);

// Steps of a chain of length > 1 (everything in SRAM, no DMA); tiles in `memory`.
void emit_chain(PlanBuilder& pb, const PlanContext& ctx, const Chain& c, const Homes& homes, const std::string& memory,
                std::vector<OpPlan>* summaries);

}  // namespace tinyops
