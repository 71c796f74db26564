// Plan <-> JSON, and the human-readable report `tinyops plan` prints.
//
// JSON object: model, board, strategy, sram_budget; memories [{name, kind, size, used}]; ops [{op,
// type, partitions, axis, dma_bytes (= in + out), dma_bytes_in, dma_bytes_out, external_read_bytes,
// external_write_bytes}]; traffic [{memory, dma_read, dma_write, cpu_read, cpu_write}] (bytes moved per
// memory); totals {dma_bytes, steps, transfers}; buffers [{id, name, kind, memory, offset, size,
// alignment, tensor, first_step, last_step}]; input_buffers, output_buffers; with steps: steps [...]
// (compute: op, partition, range [y0,y1,c0,c1], inputs/weights/output views, scratch; dma_start: dma,
// channel, src/dst {buffer, offset, stride}, rows, row_bytes; dma_wait: dma). A view is {buffer,
// byte_offset, type, full [n,h,w,c], origin [n0,y0,x0,c0], extent [n,h,w,c], strides [n,h,w,c]}.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/graph.h"
#include "plan/plan.h"
#include "util/status.h"

namespace tinyops {

// Bytes moved per memory: by DMA (source reads, destination writes) and by the CPU (the boxes of the
// compute steps' operand views: a lower bound on what the kernels touch).
struct PlanMemoryTraffic {
  std::string memory;
  int64_t dma_read = 0, dma_write = 0;
  int64_t cpu_read = 0, cpu_write = 0;
};
std::vector<PlanMemoryTraffic> plan_traffic(const Plan& plan);

nlohmann::json plan_to_json(const Plan& plan, bool with_steps);
// Reads what plan_to_json wrote (with or without steps). Errors name the field.
Result<Plan> plan_from_json(const nlohmann::json& j);

// The `tinyops plan` table: memory map, per-op partitions/axis/DMA bytes, bytes moved per memory.
std::string plan_table(const Graph& g, const Plan& plan);

}  // namespace tinyops
