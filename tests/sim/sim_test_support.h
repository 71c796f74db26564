// Hand-built boards, cost models, graphs and plans with round numbers, so simulated latencies can be
// checked against arithmetic.
#pragma once
#include <string>
#include <vector>

#include "board/board.h"
#include "model/builder.h"
#include "plan/plan.h"
#include "sim/cost_model.h"
#include "sim/simulator.h"

namespace tinyops::simtest {

// Cortex-M7 at 100 MHz without D-cache; "sram" (fast) and two slow memories "ext" and "ext2" at
// 100 MB/s with no latency; one DMA engine with two channels.
inline Board test_board(uint32_t setup_cycles = 100, uint64_t dma_bandwidth = 1000000000000ull) {
  Board b;
  b.name = "test-board";
  b.cpu.core = CpuCore::CortexM7;
  b.cpu.clock_hz = 100000000;
  auto mem = [](std::string name, MemoryKind kind, uint64_t base, uint64_t bw, uint32_t latency) {
    Memory m;
    m.name = std::move(name);
    m.kind = kind;
    m.base = base;
    m.size = 1 << 24;
    m.read_bandwidth = m.write_bandwidth = bw;
    m.latency_cycles = latency;
    m.cpu_read = m.cpu_write = m.dma = m.writable = true;
    return m;
  };
  b.memories.push_back(mem("sram", MemoryKind::Sram, 0x20000000, 10000000000ull, 0));
  b.memories.push_back(mem("ext", MemoryKind::Sdram, 0x60000000, 100000000, 0));
  b.memories.push_back(mem("ext2", MemoryKind::Sdram, 0x70000000, 100000000, 0));
  DmaEngine e;
  e.name = "dma";
  e.channels = 2;
  e.bandwidth = dma_bandwidth;
  e.setup_cycles = setup_cycles;
  b.dma.push_back(e);
  b.roles.sram = "sram";
  b.roles.external_ram = "ext";
  return b;
}

// One instruction per MAC, everything else free, 1 cycle per instruction.
inline CostModel test_model(const Board& b) {
  KernelProfile p;
  p.name = "test";
  std::array<KernelClassParams, kNumKernelClasses> t{};
  t[static_cast<size_t>(KernelClass::Conv1x1)].per_mac = 1;
  p.isa["armv7e-m"] = t;
  CoreParams c;
  c.core = "cortex-m7";
  c.isa = "armv7e-m";
  c.cycles_per_instruction = 1;
  auto m = make_cost_model(b, p, {c});
  return m.value();
}

// input [1,8,8,16] -> 1x1 conv to 32 channels: 64 * 32 * 16 = 32768 MACs.
inline Graph conv_graph(int h = 8, int cin = 16, int cout = 32) {
  GraphBuilder gb("sim test", 7);
  int x = gb.input({1, h, h, cin}, 0.05f, 0);
  x = gb.conv2d(x, cout, 1, 1, Activation::Relu6);
  gb.output(x);
  return gb.finish();
}

inline PlanView dense_view(int buffer, const std::vector<int>& shape) {
  PlanView v;
  v.buffer = buffer;
  v.full = shape4_from(shape);
  v.n = v.full.n, v.h = v.full.h, v.w = v.full.w, v.c = v.full.c;
  v.stride_w = v.full.c;
  v.stride_h = v.full.w * v.full.c;
  v.stride_n = v.full.h * v.full.w * v.full.c;
  return v;
}

// Buffers: 0 input, 1 weights, 2 output (all in `act_mem`), 3 "dma src" in ext, 4 in ext2,
// 5 and 6 tiles in sram.
inline Plan base_plan(const Graph& g, const std::string& act_mem = "sram") {
  Plan p;
  p.model = "conv";
  p.board = "test-board";
  p.strategy = "hand";
  const Op& op = g.ops[0];
  auto buf = [&](int id, const std::string& name, BufferKind k, const std::string& mem, int64_t size, int tensor) {
    PlanBuffer b;
    b.id = id, b.name = name, b.kind = k, b.memory = mem, b.size = size, b.tensor = tensor;
    b.offset = id * 0x10000;
    p.buffers.push_back(b);
  };
  buf(0, "in", BufferKind::Input, act_mem, static_cast<int64_t>(g.input(op, 0).bytes()), op.inputs[0]);
  buf(1, "w", BufferKind::Weights, "sram", static_cast<int64_t>(g.input(op, 1).bytes()), op.inputs[1]);
  buf(2, "out", BufferKind::Output, act_mem, static_cast<int64_t>(g.output(op).bytes()), op.outputs[0]);
  buf(3, "far", BufferKind::Activation, "ext", 1 << 20, -1);
  buf(4, "far2", BufferKind::Activation, "ext2", 1 << 20, -1);
  buf(5, "tile", BufferKind::Tile, "sram", 1 << 20, -1);
  buf(6, "tile2", BufferKind::Tile, "sram", 1 << 20, -1);
  return p;
}

inline PlanStep compute_step(const Graph& g) {
  const Op& op = g.ops[0];
  PlanStep s;
  s.kind = StepKind::Compute;
  s.compute.op = 0;
  s.compute.range = full_out_range(g, op);
  s.compute.inputs.push_back(dense_view(0, g.input(op, 0).shape));
  s.compute.weights = dense_view(1, g.input(op, 1).shape);
  s.compute.output = dense_view(2, g.output(op).shape);
  return s;
}

inline PlanStep dma_start(int id, int channel, int src, int dst, int32_t bytes) {
  PlanStep s;
  s.kind = StepKind::DmaStart;
  s.dma.dma = id;
  s.dma.channel = channel;
  s.dma.src_buffer = src;
  s.dma.dst_buffer = dst;
  s.dma.rows = 1;
  s.dma.row_bytes = bytes;
  s.dma.src_stride = s.dma.dst_stride = bytes;
  return s;
}

inline PlanStep dma_wait(int id) {
  PlanStep s;
  s.kind = StepKind::DmaWait;
  s.dma.dma = id;
  return s;
}

}  // namespace tinyops::simtest
