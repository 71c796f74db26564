// The Plan: the one contract between the planner and every later stage (checker, host runner,
// simulator, firmware exporter). Plain data, serialisable to JSON (plan_json.h). Nothing downstream
// re-derives placement or partitioning.
//
// Semantics (what the checker proves and the executors implement):
// - Memories are the board's memories, by name. A buffer is a byte range [offset, offset+size) of
//   one memory (offset relative to the memory's base) with a live range in steps. Buffers whose live
//   ranges intersect must not overlap in bytes.
// - Buffers of kind Weights are loaded with their tensor's constant bytes before step 0 (by the
//   linker on the MCU). The buffer of kind Input holds the model input before step 0. The output
//   buffers hold the model outputs after the last step.
// - Steps run in order on one CPU. A Compute step runs the kernel of `op` on output range `range`,
//   reading its operands through views (buffer + geometry in absolute tensor coordinates, see
//   kernels/view.h) directly from whatever memory the buffer lives in.
// - DmaStart{dma} begins copying `rows` blocks of `row_bytes` bytes from src (buffer, offset, stride)
//   to dst; the copy may happen at any moment until the matching DmaWait{dma}, after which dst holds
//   the data. Between start and wait, no compute step may write src or read/write dst, and no other
//   in-flight transfer may write the same bytes. Every started transfer is waited for.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/kernel.h"

namespace tinyops {

enum class BufferKind : uint8_t {
  Weights,     // a constant tensor (or a slice of it) in its home memory
  Activation,  // the home of a whole activation tensor
  Input,       // the home of a model input tensor
  Output,      // the home of a model output tensor
  Tile,        // a staging area in fast memory for partitions (DMA destination/source)
  Scratch,     // kernel scratch
};
const char* buffer_kind_name(BufferKind k);

struct PlanBuffer {
  int id = -1;
  std::string name;
  BufferKind kind = BufferKind::Activation;
  std::string memory;  // board memory name
  int64_t offset = 0;  // bytes from the memory's base
  int64_t size = 0;
  int32_t alignment = 16;
  int tensor = -1;                     // tensor held (Weights/Activation/Input/Output), else -1
  int first_step = 0, last_step = 0;   // live range (inclusive); whole plan for Weights/Input/Output
};

// A view of a tensor region inside a buffer. byte_offset (from the buffer start) is where element
// (n0, y0, x0, c0) lives; strides are in elements. `full` is the whole tensor's 4-D shape as the
// kernel sees it (PreparedOp's shapes).
struct PlanView {
  int buffer = -1;  // -1: operand absent
  int64_t byte_offset = 0;
  ElemType type = ElemType::Int8;
  Shape4 full;
  int32_t n0 = 0, y0 = 0, x0 = 0, c0 = 0;
  int32_t n = 1, h = 1, w = 1, c = 1;
  int32_t stride_n = 0, stride_h = 0, stride_w = 0, stride_c = 1;
};

enum class StepKind : uint8_t { Compute, DmaStart, DmaWait };

struct ComputeStep {
  int op = -1;          // graph op index
  int partition = 0;    // 0..partitions-1 within this op
  OutRange range;       // output rows x channels computed
  std::vector<PlanView> inputs;  // activation inputs in PreparedOp::inputs order
  PlanView weights;     // buffer -1 when the op has none
  PlanView output;
  int scratch_buffer = -1;
  int64_t scratch_offset = 0;  // bytes into scratch_buffer
  int32_t scratch_bytes = 0;   // from kernel_scratch_bytes for this range
};

struct DmaStep {
  int dma = -1;      // transfer id (unique in the plan)
  int channel = 0;   // DMA channel
  int src_buffer = -1;
  int64_t src_offset = 0;  // bytes into the buffer
  int64_t src_stride = 0;  // bytes between consecutive rows
  int dst_buffer = -1;
  int64_t dst_offset = 0;
  int64_t dst_stride = 0;
  int32_t rows = 1;
  int32_t row_bytes = 0;
  int64_t bytes() const { return static_cast<int64_t>(rows) * row_bytes; }
};

struct PlanStep {
  StepKind kind = StepKind::Compute;
  ComputeStep compute;  // kind == Compute
  DmaStep dma;          // kind == DmaStart (and DmaWait: only dma.dma is meaningful)
};

// Per-op summary for reports (derived by the planner from its own decisions).
struct OpPlan {
  int op = -1;
  int partitions = 1;
  std::string axis = "none";  // "none", "rows", "channels", "rows+channels"
  int64_t dma_bytes_in = 0;   // bytes DMA brings into fast memory for this op
  int64_t dma_bytes_out = 0;  // bytes DMA writes back
  int64_t external_read_bytes = 0;   // bytes the CPU reads directly from external memory
  int64_t external_write_bytes = 0;  // bytes the CPU writes directly to external memory
};

struct MemoryUse {
  std::string name;
  std::string kind;  // tcm, sram, flash, sdram, qspi-flash
  int64_t size = 0;
  int64_t used = 0;  // highest byte in use (offset + size) over all buffers
};

struct Plan {
  std::string model;     // model file or name
  std::string board;     // board name
  std::string strategy;  // internal, external, tinyops
  int64_t sram_budget = 0;
  std::vector<MemoryUse> memories;
  std::vector<PlanBuffer> buffers;
  std::vector<PlanStep> steps;
  std::vector<OpPlan> ops;
  std::vector<int> input_buffers;   // per graph input (Graph::inputs order)
  std::vector<int> output_buffers;  // per graph output
};

}  // namespace tinyops
