// Test support for the plan checker: hand-made boards, a small plan-writing helper, and an
// independent plan executor (real bytes per memory, two DMA timings) to confirm accepted plans.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "board/board.h"
#include "kernels/kernel.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "runtime/interpreter.h"
#include "runtime/prepare.h"
#include "util/status.h"

namespace tinyops::testing {

inline Memory test_memory(const std::string& name, MemoryKind kind, uint64_t base, uint64_t size, bool writable,
                          uint64_t read_bw, uint64_t write_bw) {
  Memory m;
  m.name = name;
  m.kind = kind;
  m.base = base;
  m.size = size;
  m.read_bandwidth = read_bw;
  m.write_bandwidth = writable ? write_bw : 0;
  m.cpu_read = true;
  m.cpu_write = writable;
  m.dma = true;
  m.writable = writable;
  return m;
}

// flash (1 MB, read-only), sram (sram_size), sdram (8 MB); one DMA engine.
inline Board test_board(uint64_t sram_size = 64 * 1024, uint32_t dma_alignment = 4, uint64_t max_transfer = 65535,
                        uint32_t channels = 2) {
  Board b;
  b.name = "test-board";
  b.cpu.core = CpuCore::CortexM7;
  b.cpu.clock_hz = 216000000;
  b.memories.push_back(test_memory("flash", MemoryKind::Flash, 0x08000000, 1 << 20, false, 100000000, 0));
  b.memories.push_back(test_memory("sram", MemoryKind::Sram, 0x20000000, sram_size, true, 800000000, 800000000));
  b.memories.push_back(test_memory("sdram", MemoryKind::Sdram, 0xC0000000, 8 << 20, true, 200000000, 200000000));
  DmaEngine d;
  d.name = "dma2";
  d.channels = channels;
  d.alignment = dma_alignment;
  d.max_transfer_bytes = max_transfer;
  d.bandwidth = 400000000;
  b.dma.push_back(d);
  b.roles.sram = "sram";
  b.roles.internal_flash = "flash";
  b.roles.external_ram = "sdram";
  return b;
}

// A dense box view: elements [n0,n0+n) x [y0,y0+h) x [x0,x0+w) x [c0,c0+c) of a tensor of shape `full`,
// stored densely from byte_offset of the buffer.
inline PlanView box_view(int buffer, const Shape4& full, ElemType type, int32_t n0, int32_t n, int32_t y0, int32_t h,
                         int32_t x0, int32_t w, int32_t c0, int32_t c, int64_t byte_offset = 0) {
  PlanView v;
  v.buffer = buffer;
  v.byte_offset = byte_offset;
  v.type = type;
  v.full = full;
  v.n0 = n0, v.y0 = y0, v.x0 = x0, v.c0 = c0;
  v.n = n, v.h = h, v.w = w, v.c = c;
  v.stride_c = 1;
  v.stride_w = c;
  v.stride_h = w * c;
  v.stride_n = h * w * c;
  return v;
}
inline PlanView whole_view(int buffer, const Shape4& s, ElemType type) {
  return box_view(buffer, s, type, 0, s.n, 0, s.h, 0, s.w, 0, s.c);
}
inline PlanView rows_view(int buffer, const Shape4& s, ElemType type, int32_t y0, int32_t h) {
  return box_view(buffer, s, type, 0, s.n, y0, h, 0, s.w, 0, s.c);
}

// Plan::memories from the buffers: every board memory holding one, used = highest buffer end.
inline void refresh_memory_use(Plan& plan, const Board& board) {
  plan.memories.clear();
  for (const Memory& m : board.memories) {
    int64_t used = 0;
    for (const PlanBuffer& b : plan.buffers)
      if (b.memory == m.name) used = std::max(used, b.offset + b.size);
    if (used > 0) plan.memories.push_back(MemoryUse{m.name, memory_kind_name(m.kind), static_cast<int64_t>(m.size), used});
  }
}

// Writes plans by hand: buffers bump-allocated per memory, DMA/compute steps appended in order.
class PlanMaker {
 public:
  PlanMaker(const Graph& g, const Board& b) : g_(g), board_(b) {
    plan_.model = "test";
    plan_.board = b.name;
    plan_.strategy = "test";
  }

  // first/last == -1: set by finish() (Weights/Input/Output/Scratch: the whole plan; others: from the
  // first to the last step using the buffer, a DMA using it from its start to its wait).
  // offset == -1: the next free offset of the memory.
  int buffer(const std::string& name, BufferKind kind, const std::string& memory, int64_t size, int tensor = -1,
             int64_t offset = -1, int first = -1, int last = -1, int32_t alignment = 16) {
    PlanBuffer b;
    b.id = static_cast<int>(plan_.buffers.size());
    b.name = name;
    b.kind = kind;
    b.memory = memory;
    int64_t& next = next_[memory];
    b.offset = offset >= 0 ? offset : (next + alignment - 1) / alignment * alignment;
    next = std::max(next, b.offset + size);
    b.size = size;
    b.alignment = alignment;
    b.tensor = tensor;
    b.first_step = first;
    b.last_step = last;
    plan_.buffers.push_back(b);
    return b.id;
  }

  int dma(int channel, int src, int64_t src_offset, int64_t src_stride, int dst, int64_t dst_offset,
          int64_t dst_stride, int32_t rows, int32_t row_bytes) {
    PlanStep st;
    st.kind = StepKind::DmaStart;
    st.dma.dma = next_dma_++;
    st.dma.channel = channel;
    st.dma.src_buffer = src;
    st.dma.src_offset = src_offset;
    st.dma.src_stride = src_stride;
    st.dma.dst_buffer = dst;
    st.dma.dst_offset = dst_offset;
    st.dma.dst_stride = dst_stride;
    st.dma.rows = rows;
    st.dma.row_bytes = row_bytes;
    plan_.steps.push_back(st);
    return st.dma.dma;
  }
  // One contiguous block.
  int copy(int channel, int src, int64_t src_offset, int dst, int64_t dst_offset, int32_t bytes) {
    return dma(channel, src, src_offset, bytes, dst, dst_offset, bytes, 1, bytes);
  }
  void wait(int id) {
    PlanStep st;
    st.kind = StepKind::DmaWait;
    st.dma.dma = id;
    plan_.steps.push_back(st);
  }
  void compute(int op, int partition, OutRange range, std::vector<PlanView> inputs, PlanView weights,
               PlanView output) {
    PlanStep st;
    st.kind = StepKind::Compute;
    st.compute.op = op;
    st.compute.partition = partition;
    st.compute.range = range;
    st.compute.inputs = std::move(inputs);
    st.compute.weights = weights;
    st.compute.output = output;
    plan_.steps.push_back(st);
  }
  int steps() const { return static_cast<int>(plan_.steps.size()); }
  Plan& plan() { return plan_; }
  const Plan& plan() const { return plan_; }

  // Fills live ends, scratch (one Scratch buffer in `scratch_memory` sized for the largest call),
  // memory use, op summaries, input/output buffer lists.
  Plan finish(const std::string& scratch_memory = "sram") {
    auto prep = prepare_graph(g_);
    if (!prep.ok()) throw std::runtime_error(prep.error().message);
    std::vector<const PreparedOp*> by_op(g_.ops.size(), nullptr);
    for (const PreparedOp& p : prep.value()) by_op[static_cast<size_t>(p.op_index)] = &p;
    int32_t max_scratch = 0;
    for (PlanStep& st : plan_.steps) {
      if (st.kind != StepKind::Compute) continue;
      ComputeStep& c = st.compute;
      const PreparedOp& p = *by_op[static_cast<size_t>(c.op)];
      KernelIO io = io_of(p, c, {}, nullptr);
      c.scratch_bytes = kernel_scratch_bytes(p.args, io, c.range);
      max_scratch = std::max(max_scratch, c.scratch_bytes);
    }
    if (max_scratch > 0) {
      const int sb = buffer("scratch", BufferKind::Scratch, scratch_memory, max_scratch);
      for (PlanStep& st : plan_.steps)
        if (st.kind == StepKind::Compute && st.compute.scratch_bytes > 0) st.compute.scratch_buffer = sb;
    }
    const int last = std::max(0, steps() - 1);
    std::vector<int> lo(plan_.buffers.size(), last), hi(plan_.buffers.size(), 0);
    auto use = [&](int buffer, int from, int to) {
      if (buffer < 0) return;
      lo[static_cast<size_t>(buffer)] = std::min(lo[static_cast<size_t>(buffer)], from);
      hi[static_cast<size_t>(buffer)] = std::max(hi[static_cast<size_t>(buffer)], to);
    };
    std::map<int, int> start_step;
    for (int s = 0; s < steps(); ++s) {
      const PlanStep& st = plan_.steps[static_cast<size_t>(s)];
      if (st.kind == StepKind::DmaStart) start_step[st.dma.dma] = s;
      if (st.kind == StepKind::DmaWait && start_step.count(st.dma.dma)) {
        const int s0 = start_step[st.dma.dma];
        const DmaStep& d = plan_.steps[static_cast<size_t>(s0)].dma;
        use(d.src_buffer, s0, s);
        use(d.dst_buffer, s0, s);
      }
      if (st.kind == StepKind::Compute) {
        for (const PlanView& v : st.compute.inputs) use(v.buffer, s, s);
        use(st.compute.weights.buffer, s, s);
        use(st.compute.output.buffer, s, s);
        use(st.compute.scratch_buffer, s, s);
      }
    }
    // A transfer never waited keeps its buffers live to the end.
    for (const auto& kv : start_step) {
      const DmaStep& d = plan_.steps[static_cast<size_t>(kv.second)].dma;
      bool waited = false;
      for (const PlanStep& st : plan_.steps) waited |= st.kind == StepKind::DmaWait && st.dma.dma == kv.first;
      if (!waited) use(d.src_buffer, kv.second, last), use(d.dst_buffer, kv.second, last);
    }
    for (PlanBuffer& b : plan_.buffers) {
      const bool whole = b.kind == BufferKind::Weights || b.kind == BufferKind::Input ||
                         b.kind == BufferKind::Output || b.kind == BufferKind::Scratch;
      const size_t i = static_cast<size_t>(b.id);
      if (b.first_step < 0) b.first_step = whole ? 0 : std::min(lo[i], hi[i]);
      if (b.last_step < 0) b.last_step = whole ? last : hi[i];
    }
    refresh_memory_use(plan_, board_);
    plan_.ops.clear();
    for (size_t op = 0; op < g_.ops.size(); ++op) {
      OpPlan o;
      o.op = static_cast<int>(op);
      o.partitions = 0;
      for (const PlanStep& st : plan_.steps)
        if (st.kind == StepKind::Compute && st.compute.op == o.op) ++o.partitions;
      plan_.ops.push_back(o);
    }
    plan_.input_buffers.clear();
    plan_.output_buffers.clear();
    for (int t : g_.inputs)
      for (const PlanBuffer& b : plan_.buffers)
        if (b.kind == BufferKind::Input && b.tensor == t) plan_.input_buffers.push_back(b.id);
    for (int t : g_.outputs)
      for (const PlanBuffer& b : plan_.buffers)
        if (b.kind == BufferKind::Output && b.tensor == t) plan_.output_buffers.push_back(b.id);
    return plan_;
  }

  // KernelIO over a compute step's views; with `bases` (per buffer: address of its first byte) the
  // data pointers are real, else null.
  static KernelIO io_of(const PreparedOp& p, const ComputeStep& c, const std::vector<uint8_t*>& bases,
                        const Plan* plan) {
    auto any = [&](const PlanView& v) {
      AnyView a;
      a.type = v.type;
      a.full = v.full;
      a.n0 = v.n0, a.y0 = v.y0, a.x0 = v.x0, a.c0 = v.c0;
      a.n = v.n, a.h = v.h, a.w = v.w, a.c = v.c;
      a.stride_n = v.stride_n, a.stride_h = v.stride_h, a.stride_w = v.stride_w, a.stride_c = v.stride_c;
      if (plan && v.buffer >= 0) a.data = bases[static_cast<size_t>(v.buffer)] + v.byte_offset;
      return a;
    };
    KernelIO io;
    io.num_inputs = static_cast<int32_t>(c.inputs.size());
    for (size_t i = 0; i < c.inputs.size() && i < static_cast<size_t>(kMaxKernelInputs); ++i) io.in[i] = any(c.inputs[i]);
    if (p.weights >= 0) io.weights = any(c.weights);
    io.out = any(c.output);
    return io;
  }

 private:
  const Graph& g_;
  const Board& board_;
  Plan plan_;
  std::map<std::string, int64_t> next_;
  int next_dma_ = 0;
};

enum class DmaTiming { AtStart, AtWaitPoisoned };

// Runs a plan on real bytes, one array per board memory (filled with garbage first). AtStart copies
// when a transfer starts; AtWaitPoisoned fills dst with garbage at the start and copies at the wait
// (reading the source then). Weights/inputs are placed densely at their buffers' starts.
inline Result<TensorBytes> execute_plan(const Graph& g, const Board& board, const Plan& plan,
                                        const TensorBytes& inputs, DmaTiming timing, uint32_t seed = 7) {
  auto prep = prepare_graph(g);
  if (!prep.ok()) return prep.error();
  std::vector<const PreparedOp*> by_op(g.ops.size(), nullptr);
  for (const PreparedOp& p : prep.value()) by_op[static_cast<size_t>(p.op_index)] = &p;
  std::mt19937 rng(seed);
  std::map<std::string, std::vector<uint8_t>> mem;
  for (const Memory& m : board.memories) {
    int64_t used = 0;
    for (const PlanBuffer& b : plan.buffers)
      if (b.memory == m.name) used = std::max(used, b.offset + b.size);
    std::vector<uint8_t>& bytes = mem[m.name];
    bytes.resize(static_cast<size_t>(used));
    for (auto& v : bytes) v = static_cast<uint8_t>(rng());
  }
  std::vector<uint8_t*> bases;
  for (const PlanBuffer& b : plan.buffers) bases.push_back(mem[b.memory].data() + b.offset);
  for (const PlanBuffer& b : plan.buffers)
    if (b.kind == BufferKind::Weights) std::memcpy(bases[static_cast<size_t>(b.id)], g.tensor(b.tensor).data, g.tensor(b.tensor).bytes());
  for (size_t i = 0; i < plan.input_buffers.size(); ++i)
    std::memcpy(bases[static_cast<size_t>(plan.input_buffers[i])], inputs[i].data(), inputs[i].size());
  std::map<int, DmaStep> started;
  auto do_copy = [&](const DmaStep& d) {
    for (int32_t r = 0; r < d.rows; ++r)
      std::memmove(bases[static_cast<size_t>(d.dst_buffer)] + d.dst_offset + r * d.dst_stride,
                   bases[static_cast<size_t>(d.src_buffer)] + d.src_offset + r * d.src_stride,
                   static_cast<size_t>(d.row_bytes));
  };
  std::vector<uint8_t> scratch;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep& st = plan.steps[s];
    if (st.kind == StepKind::DmaStart) {
      started[st.dma.dma] = st.dma;
      if (timing == DmaTiming::AtStart) {
        do_copy(st.dma);
      } else {
        for (int32_t r = 0; r < st.dma.rows; ++r)
          for (int32_t j = 0; j < st.dma.row_bytes; ++j)
            bases[static_cast<size_t>(st.dma.dst_buffer)][st.dma.dst_offset + r * st.dma.dst_stride + j] =
                static_cast<uint8_t>(rng());
      }
    } else if (st.kind == StepKind::DmaWait) {
      if (timing == DmaTiming::AtWaitPoisoned) do_copy(started.at(st.dma.dma));
    } else {
      const ComputeStep& c = st.compute;
      const PreparedOp& p = *by_op[static_cast<size_t>(c.op)];
      KernelIO io = PlanMaker::io_of(p, c, bases, &plan);
      uint8_t* sp = nullptr;
      if (c.scratch_buffer >= 0) sp = bases[static_cast<size_t>(c.scratch_buffer)] + c.scratch_offset;
      KernelStatus ks = kernel_invoke(p.args, io, c.range, sp, c.scratch_bytes);
      if (ks != KernelStatus::Ok)
        return Error{"step " + std::to_string(s) + ": kernel_invoke: " + kernel_status_name(ks)};
    }
  }
  TensorBytes out;
  for (size_t i = 0; i < plan.output_buffers.size(); ++i) {
    const PlanBuffer& b = plan.buffers[static_cast<size_t>(plan.output_buffers[i])];
    const uint8_t* p = bases[static_cast<size_t>(b.id)];
    out.emplace_back(p, p + g.tensor(g.outputs[i]).bytes());
  }
  return out;
}

}  // namespace tinyops::testing
