// The planned-execution step loop, shared by the host runner and the firmware (no heap, no exceptions,
// no RTTI, no STL). A plan is lowered to plain arrays (the firmware exporter emits them as const C
// tables): steps, compute records, operand views resolved to (memory index, byte offset), DMA records.
// Memories are reached through an array of base pointers; DMA through a table of function pointers.
#pragma once
#include <stdint.h>

#include "kernels/kernel.h"

namespace tinyops {

enum class ExecStepKind : uint8_t { Compute, DmaStart, DmaWait };

// A kernel operand: geometry of a View4 plus its location (memory index, byte offset of element
// (n0, y0, x0, c0) from the memory's base). memory < 0: operand absent.
struct ExecView {
  int32_t memory;
  uint32_t offset;
  ElemType type;
  Shape4 full;
  int32_t n0, y0, x0, c0;
  int32_t n, h, w, c;
  int32_t stride_n, stride_h, stride_w, stride_c;
};

struct ExecCompute {
  int32_t op;         // index into the KernelArgs array
  int32_t partition;
  OutRange range;
  int32_t first_input;  // index of the first input view in ExecPlan::views
  int32_t num_inputs;
  ExecView weights;
  ExecView output;
  int32_t scratch_memory;  // < 0: none
  uint32_t scratch_offset;
  int32_t scratch_bytes;
};

// A copy of `rows` blocks of `row_bytes` bytes; strides in bytes; offsets from the memories' bases.
struct ExecDma {
  int32_t id;
  int32_t channel;
  int32_t src_memory;
  uint32_t src_offset;
  int32_t src_stride;
  int32_t dst_memory;
  uint32_t dst_offset;
  int32_t dst_stride;
  int32_t rows;
  int32_t row_bytes;
};

struct ExecStep {
  ExecStepKind kind;
  int32_t index;  // Compute: into computes; DmaStart: into dmas; DmaWait: the transfer id
};

struct ExecPlan {
  const ExecStep* steps;
  int32_t num_steps;
  const ExecCompute* computes;
  const ExecView* views;  // compute inputs
  const ExecDma* dmas;
  int32_t num_memories;
};

// The DMA engine: start() begins a transfer (it may copy at once or later); wait() returns once the
// transfer with that id is complete. Return 0 on success.
struct DmaInterface {
  void* ctx;
  int32_t (*start)(void* ctx, const ExecDma* transfer, const uint8_t* src, uint8_t* dst);
  int32_t (*wait)(void* ctx, int32_t id);
};

// Optional per-compute hooks (instruction counting markers, tracing); either may be null.
struct ExecHooks {
  void* ctx;
  void (*before_compute)(void* ctx, int32_t step, const ExecCompute* c);
  void (*after_compute)(void* ctx, int32_t step, const ExecCompute* c);
};

enum class ExecStatus : uint8_t { Ok, KernelError, DmaError, BadStep };

struct ExecResult {
  ExecStatus status;
  int32_t step;          // failing step (or num_steps when Ok)
  KernelStatus kernel;   // for KernelError
};

// Runs every step in order. `memories[i]` is the base address of memory i; `args[op]` the kernel
// arguments of op `op`. hooks may be null.
ExecResult exec_run(const ExecPlan* plan, uint8_t* const* memories, const KernelArgs* args, const DmaInterface* dma,
                    const ExecHooks* hooks);

const char* exec_status_name(ExecStatus s);

}  // namespace tinyops
