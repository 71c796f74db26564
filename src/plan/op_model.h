// The planner's view of one op: operand geometry as the kernel sees it, partition candidates (rows x
// channels, loop order, tile shapes), their SRAM working set and their estimated cycles.
// Internal to src/plan (strategies use it; nothing downstream does).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "board/board.h"
#include "kernels/kernel.h"
#include "model/graph.h"
#include "plan/planner.h"
#include "runtime/prepare.h"

namespace tinyops {

// Machine figures the estimate uses (from the board; rates per core are estimates, see op_model.cpp).
struct CostParams {
  double clock_hz = 1;
  double macs_per_cycle = 0.5;
  double call_cycles = 200;      // per kernel call (partition)
  double dma_setup_cycles = 150; // CPU cycles per DMA request
  double dcache_bytes = 0;
  int64_t max_transfer = 0;      // DMA request limit (0 = none)
  int32_t alignment = 16;        // buffer alignment (tile sizes are rounded up to it)
  int32_t dma_alignment = 1;     // DMA addresses, lengths and strides must be multiples of this
};
CostParams cost_params(const Board& board);

// Bytes per cycle of a copy from `src` to `dst` by the board's DMA (0 when either is unreachable).
double dma_bytes_per_cycle(const Board& board, const Memory& src, const Memory& dst);
// Bytes per cycle of CPU reads (write = false) or writes from/to `m`.
double cpu_bytes_per_cycle(const Board& board, const Memory& m, bool write);

// Where an operand of an op lives for this op.
struct OperandPlace {
  bool tiled = false;          // in a slow memory: DMA'd through SRAM tiles (or accessed in place if direct)
  const Memory* mem = nullptr; // the memory holding it (home)
};

struct Placement {
  std::vector<OperandPlace> inputs;
  OperandPlace weights;
  OperandPlace output;
};

enum class LoopOrder : uint8_t { RowsOuter, ChannelsOuter };

// One way to run an op.
struct Candidate {
  bool direct = false;   // no tiles: operands read/written where they live
  int rows = 1;          // row parts
  int channels = 1;      // channel parts
  LoopOrder order = LoopOrder::RowsOuter;
  bool in_sliced = false;  // input tiles hold only the channels a partition reads
  bool out_whole_rows = true;  // output tile holds all channels of a row block (written back once per block)
  int64_t sram_bytes = 0;      // SRAM working set (tiles + scratch), aligned
  double cycles = 0;           // estimated op latency
  int64_t dma_in = 0, dma_out = 0;
  int64_t ext_read = 0, ext_write = 0;  // bytes the CPU accesses in slow memory (direct)
  const char* axis() const;
  int partitions() const { return rows * channels; }
};

struct OpModel {
  int op = -1;
  const PreparedOp* prep = nullptr;
  KernelIO io;  // full shapes only (data null): for the kernels' receptive-field queries
  int num_inputs = 0;
  std::vector<Shape4> in_shape;
  std::vector<int32_t> in_elem;
  Shape4 out_shape;
  int32_t out_elem = 1;
  bool has_weights = false;
  Shape4 w_shape;
  int32_t w_elem = 1;
  bool w_out_dim_n = true;  // output channels along weight dim n (conv, FC) or dim c (depthwise)
  int64_t w_bytes = 0;
  std::vector<int64_t> in_bytes;
  int64_t out_bytes = 0;
  uint8_t caps = 0;
  bool batched = false;  // an operand has n > 1: tiles hold whole tensors
  double compute_cycles = 0;  // one call on the whole output
  double empty_call_cycles = 0;  // one call's fixed cost (a call on no output)
  std::function<double(OutRange)> call_cycles;  // one call on a range (operands in SRAM)
  int64_t scratch_full = 0;

  // Balanced split of [0, n) into k parts: part i = [i*n/k, (i+1)*n/k).
  static int32_t split(int32_t n, int32_t k, int32_t i) { return static_cast<int32_t>(int64_t{n} * i / k); }
  // Input rows / channels a partition reads.
  void input_rows(int i, int32_t y0, int32_t y1, int32_t* a, int32_t* b) const;
  void input_channels(int i, int32_t c0, int32_t c1, int32_t* a, int32_t* b) const;
  bool input_channel_sliceable(int i) const;  // an output-channel part reads only some input channels
  int64_t weight_slice_bytes(int32_t cc) const;
  int64_t scratch_for(OutRange r) const;
};

// `call_cycles` (may be empty: the built-in rate) estimates one kernel call on a range.
OpModel make_op_model(const Graph& g, const PreparedOp& p, const CostParams& cp, const CallCycles& call_cycles);

// Evaluates candidates for an op under a placement. Caches per-split geometry.
class OpPlanner {
 public:
  OpPlanner(const Board& board, const CostParams& cp, const OpModel& m);
  // Pareto frontier (SRAM bytes ascending, cycles strictly descending) over all candidates.
  const std::vector<Candidate>& frontier(const Placement& pl);
  // The fastest candidate whose working set fits `avail` bytes, or null.
  const Candidate* best(const Placement& pl, int64_t avail);
  Candidate evaluate_direct(const Placement& pl) const;

 private:
  struct RowSplit {
    int R = 1;
    int32_t max_out_rows = 0, first_out_rows = 0, last_out_rows = 0;
    std::vector<int64_t> fetch_rows;   // per input: rows fetched over all blocks (refetch on change)
    std::vector<int64_t> all_rows;     // per input: sum of rows over blocks
    std::vector<int32_t> max_rows;     // per input: max rows of one block
    std::vector<int32_t> first_rows;   // per input: rows of block 0
    std::vector<int32_t> fetches;      // per input: number of region changes (fetches)
    std::vector<char> in_aligned;      // per input: every block's full-channel transfer is DMA-aligned
    bool out_aligned = true;           // every block's full-channel writeback is DMA-aligned
    double call_sum = 0;               // sum of call_cycles over the blocks (all channels)
  };
  struct ChanSplit {
    int C = 1;
    int32_t max_cc = 0, first_cc = 0, last_cc = 0;
    std::vector<int32_t> max_ci;  // per input: max channels read by one part
    std::vector<int64_t> sum_ci;  // per input: sum over parts of channels read
    std::vector<int32_t> first_ci;
    std::vector<char> in_aligned;  // per input: channel-sliced transfers are DMA-aligned
    bool out_aligned = true;       // channel-sliced writebacks are DMA-aligned
    bool w_aligned = true;         // weight slices are DMA-aligned
    double call_sum = 0;           // sum of call_cycles over the parts (all rows)
  };
  const RowSplit& rows(int R);
  const ChanSplit& chans(int C);
  bool evaluate(const Placement& pl, int R, int C, LoopOrder order, bool in_sliced, bool out_whole_rows,
                Candidate* out);
  uint32_t key(const Placement& pl) const;

  const Board& board_;
  CostParams cp_;
  const OpModel& m_;
  const Memory* sram_;
  std::vector<int> row_values_, chan_values_;
  std::map<int, RowSplit> row_cache_;
  std::map<int, ChanSplit> chan_cache_;
  std::map<uint32_t, std::vector<Candidate>> frontier_cache_;
};

}  // namespace tinyops
