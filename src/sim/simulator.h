// Event simulator over a Plan: one CPU lane running the steps in order, one lane per DMA channel,
// and bandwidth sharing on every memory and DMA engine.
//
// - Compute: CPU busy for its compute cycles plus its stall cycles (cost_model.h). When the step's
//   operands live in slow memories, its CPU traffic is a flow on those memories and slows down when
//   DMA transfers use the same memory at the same time.
// - DmaStart: the CPU spends the engine's setup cycles, then the transfer queues on its channel.
//   A transfer = requests (contiguous runs split at max_transfer_bytes; one per row when strided);
//   each request waits the source and destination latency, later requests also the setup cycles
//   (re-programming), then the bytes flow through source memory, DMA engine and destination memory.
// - DmaWait: the CPU blocks until the transfer has finished.
// Flows share each resource max-min fairly (a resource = a memory's time or a DMA engine's
// bandwidth): two transfers reading one memory at its limit get half the rate each.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "sim/cost_model.h"
#include "util/status.h"

namespace tinyops {

enum class LaneEventKind : uint8_t { Compute, DmaSetup, DmaWait, Transfer };

// One interval on a lane (times in seconds).
struct LaneEvent {
  LaneEventKind kind = LaneEventKind::Compute;
  int lane = 0;     // 0 = CPU, 1 + k = DMA channel k
  int step = -1;    // plan step index (the DmaStart step for transfers)
  int op = -1;      // graph op it belongs to (-1: none)
  int dma = -1;     // transfer id (DMA events)
  double t0 = 0, t1 = 0;
  double stall = 0;  // part of a compute interval spent on slow-memory stalls (incl. contention)
  int64_t bytes = 0;
};

struct OpTime {
  int op = -1;
  std::string kind;  // TFLite op name
  std::string cls;   // kernel class
  int steps = 0;     // compute steps (partitions)
  double macs = 0;
  double compute_s = 0;   // pure compute (no stalls)
  double stall_s = 0;     // slow-memory stalls, contention included
  double dma_wait_s = 0;  // CPU blocked in DmaWait before this op's computes
  double dma_setup_s = 0; // CPU programming transfers for this op
  int64_t dma_bytes = 0;
  double total_s() const { return compute_s + stall_s + dma_wait_s + dma_setup_s; }
};

struct MemoryStats {
  std::string memory;
  std::string kind;
  int64_t dma_read_bytes = 0, dma_write_bytes = 0;
  double cpu_read_bytes = 0, cpu_write_bytes = 0;  // slow memories only (fast ones are the baseline)
  double busy_s = 0;  // time the memory is occupied by transfers and CPU traffic
};

struct SramSample {
  double t = 0;
  int64_t bytes = 0;  // bytes of buffers live in fast memories from t on
};

struct SimResult {
  std::string model, board, strategy, kernels;
  double clock_hz = 0;
  double latency_s = 0;
  double compute_s = 0;     // sum of pure compute time
  double stall_s = 0;       // slow-memory stalls of compute steps (contention included)
  double dma_wait_s = 0;    // CPU blocked waiting for DMA
  double dma_setup_s = 0;   // CPU programming DMA
  double dma_busy_s = 0;    // time at least one transfer is in flight
  double dma_transfer_s = 0;  // sum over transfers of their in-flight time
  double overlap = 1;       // share of DMA busy time during which the CPU is not blocked on a DMA wait
  double compute_bound_s = 0;   // total compute (compute + isolated stalls of direct accesses excluded)
  double transfer_bound_s = 0;  // max over slow memories / DMA engines of bytes / bandwidth
  std::string transfer_bound_resource;
  double lower_bound_s = 0;     // max(compute_bound_s, transfer_bound_s)
  int64_t dma_bytes = 0;
  int transfers = 0, requests = 0;
  double instructions = 0;
  double macs = 0;
  std::vector<OpTime> ops;           // in op order, ops with at least one step
  std::vector<MemoryStats> memories; // every board memory
  std::vector<LaneEvent> events;     // when SimOptions::timeline
  std::vector<SramSample> sram;      // fast-memory occupancy (step function)
  int64_t sram_capacity = 0;         // bytes of the board's fast memories used by the plan
  std::string fast_memories;         // their names, e.g. "sram"
  int dma_lanes = 0;
  double sim_seconds = 0;            // wall time of the simulation itself
};

struct SimOptions {
  bool timeline = true;  // record lane events and SRAM samples
};

Result<SimResult> simulate(const Graph& g, const Plan& plan, const CostModel& model, const SimOptions& opt = {});

nlohmann::json sim_result_json(const SimResult& r, bool with_ops = true);
std::string sim_result_table(const SimResult& r, int top_ops = 12);

}  // namespace tinyops
