#include "runtime/executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "runtime/prepare.h"

namespace tinyops {

const char* dma_mode_name(DmaMode m) {
  switch (m) {
    case DmaMode::AtWait: return "at-wait";
    case DmaMode::AtStart: return "at-start";
    case DmaMode::PoisonAtWait: return "poison-at-wait";
  }
  return "?";
}

ExecPlan LoweredPlan::exec() const {
  ExecPlan p;
  p.steps = steps.data();
  p.num_steps = static_cast<int32_t>(steps.size());
  p.computes = computes.data();
  p.views = views.data();
  p.dmas = dmas.data();
  p.num_memories = static_cast<int32_t>(memory_names.size());
  return p;
}

namespace {

// Bytes from the view's origin element to one past its last element (strides are >= 0).
int64_t view_span(const PlanView& v) {
  if (v.n <= 0 || v.h <= 0 || v.w <= 0 || v.c <= 0) return 0;
  const int64_t last = int64_t{v.n - 1} * v.stride_n + int64_t{v.h - 1} * v.stride_h + int64_t{v.w - 1} * v.stride_w +
                       int64_t{v.c - 1} * v.stride_c;
  return (last + 1) * elem_size(v.type);
}

}  // namespace

Result<LoweredPlan> lower_plan(const Graph& g, const Plan& plan) {
  LoweredPlan lp;
  std::map<std::string, int32_t> mem_index;
  for (const MemoryUse& m : plan.memories) {
    mem_index[m.name] = static_cast<int32_t>(lp.memory_names.size());
    lp.memory_names.push_back(m.name);
    lp.memory_bytes.push_back(m.used);
  }
  auto buffer = [&](int id) -> const PlanBuffer* {
    if (id < 0 || id >= static_cast<int>(plan.buffers.size())) return nullptr;
    return &plan.buffers[static_cast<size_t>(id)];
  };
  auto locate = [&](int id, int64_t offset, int64_t bytes, int step, const char* what, int32_t* mem,
                    uint32_t* abs) -> Status {
    const PlanBuffer* b = buffer(id);
    if (!b) return Error{fmt::format("step {}: {} names buffer {} that the plan lacks", step, what, id)};
    auto it = mem_index.find(b->memory);
    if (it == mem_index.end())
      return Error{fmt::format("step {}: buffer '{}' is in memory '{}' that Plan::memories lacks", step, b->name, b->memory)};
    if (offset < 0 || bytes < 0 || offset + bytes > b->size)
      return Error{fmt::format("step {}: {} bytes [{}, {}) exceed buffer '{}' ({} bytes)", step, what, offset,
                               offset + bytes, b->name, b->size)};
    const int64_t a = b->offset + offset;
    if (b->offset < 0 || a + bytes > lp.memory_bytes[static_cast<size_t>(it->second)])
      return Error{fmt::format("step {}: {} in buffer '{}' lies outside the used bytes of memory '{}'", step, what,
                               b->name, b->memory)};
    *mem = it->second;
    *abs = static_cast<uint32_t>(a);
    return ok_status();
  };
  auto view = [&](const PlanView& v, int step, const char* what, ExecView* out) -> Status {
    ExecView e{};
    e.memory = -1;
    if (v.buffer >= 0) {
      Status s = locate(v.buffer, v.byte_offset, view_span(v), step, what, &e.memory, &e.offset);
      if (!s.ok()) return s;
    }
    e.type = v.type;
    e.full = v.full;
    e.n0 = v.n0, e.y0 = v.y0, e.x0 = v.x0, e.c0 = v.c0;
    e.n = v.n, e.h = v.h, e.w = v.w, e.c = v.c;
    e.stride_n = v.stride_n, e.stride_h = v.stride_h, e.stride_w = v.stride_w, e.stride_c = v.stride_c;
    *out = e;
    return ok_status();
  };
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const PlanStep& s = plan.steps[i];
    const int step = static_cast<int>(i);
    ExecStep es{};
    es.kind = static_cast<ExecStepKind>(s.kind);
    if (s.kind == StepKind::Compute) {
      const ComputeStep& c = s.compute;
      if (c.op < 0 || c.op >= static_cast<int>(g.ops.size()))
        return Error{fmt::format("step {}: compute names op {} that the graph lacks", step, c.op)};
      if (c.inputs.size() > static_cast<size_t>(kMaxKernelInputs))
        return Error{fmt::format("step {}: {} inputs exceed the kernel limit {}", step, c.inputs.size(), kMaxKernelInputs)};
      ExecCompute ec{};
      ec.op = c.op;
      ec.partition = c.partition;
      ec.range = c.range;
      ec.first_input = static_cast<int32_t>(lp.views.size());
      ec.num_inputs = static_cast<int32_t>(c.inputs.size());
      for (const PlanView& v : c.inputs) {
        ExecView e{};
        Status st = view(v, step, "input view", &e);
        if (!st.ok()) return st.error();
        lp.views.push_back(e);
      }
      Status st = view(c.weights, step, "weights view", &ec.weights);
      if (!st.ok()) return st.error();
      st = view(c.output, step, "output view", &ec.output);
      if (!st.ok()) return st.error();
      ec.scratch_memory = -1;
      ec.scratch_bytes = c.scratch_bytes;
      if (c.scratch_buffer >= 0) {
        st = locate(c.scratch_buffer, c.scratch_offset, c.scratch_bytes, step, "scratch", &ec.scratch_memory,
                    &ec.scratch_offset);
        if (!st.ok()) return st.error();
      } else {
        ec.scratch_bytes = 0;
      }
      es.index = static_cast<int32_t>(lp.computes.size());
      lp.computes.push_back(ec);
    } else if (s.kind == StepKind::DmaStart) {
      const DmaStep& d = s.dma;
      if (d.rows < 0 || d.row_bytes < 0)
        return Error{fmt::format("step {}: DMA transfer {} has negative size", step, d.dma)};
      const int64_t rows = d.rows;
      const int64_t src_span = rows > 0 ? (rows - 1) * d.src_stride + d.row_bytes : 0;
      const int64_t dst_span = rows > 0 ? (rows - 1) * d.dst_stride + d.row_bytes : 0;
      if (d.src_stride < 0 || d.dst_stride < 0)
        return Error{fmt::format("step {}: DMA transfer {} has a negative stride", step, d.dma)};
      ExecDma ed{};
      ed.id = d.dma;
      ed.channel = d.channel;
      Status st = locate(d.src_buffer, d.src_offset, src_span, step, "DMA source", &ed.src_memory, &ed.src_offset);
      if (!st.ok()) return st.error();
      st = locate(d.dst_buffer, d.dst_offset, dst_span, step, "DMA destination", &ed.dst_memory, &ed.dst_offset);
      if (!st.ok()) return st.error();
      ed.src_stride = static_cast<int32_t>(d.src_stride);
      ed.dst_stride = static_cast<int32_t>(d.dst_stride);
      ed.rows = d.rows;
      ed.row_bytes = d.row_bytes;
      es.index = static_cast<int32_t>(lp.dmas.size());
      lp.dmas.push_back(ed);
    } else {
      es.index = s.dma.dma;
    }
    lp.steps.push_back(es);
  }
  return lp;
}

namespace {

// The host DMA engine: transfers are copied at start or at wait (see DmaMode).
struct HostDma {
  struct Pending {
    const ExecDma* t;
    const uint8_t* src;
    uint8_t* dst;
  };
  DmaMode mode = DmaMode::AtWait;
  uint8_t poison = 0xEE;
  std::map<int32_t, Pending> pending;
  std::string error;

  static void copy(const Pending& p) {
    for (int32_t r = 0; r < p.t->rows; ++r)
      std::memmove(p.dst + int64_t{r} * p.t->dst_stride, p.src + int64_t{r} * p.t->src_stride,
                   static_cast<size_t>(p.t->row_bytes));
  }
  static int32_t start(void* ctx, const ExecDma* t, const uint8_t* src, uint8_t* dst) {
    HostDma& d = *static_cast<HostDma*>(ctx);
    if (d.pending.count(t->id)) {
      d.error = fmt::format("DMA transfer {} started while already in flight", t->id);
      return 1;
    }
    Pending p{t, src, dst};
    if (d.mode == DmaMode::AtStart) copy(p);
    if (d.mode == DmaMode::PoisonAtWait)
      for (int32_t r = 0; r < t->rows; ++r)
        std::memset(dst + int64_t{r} * t->dst_stride, d.poison, static_cast<size_t>(t->row_bytes));
    d.pending.emplace(t->id, p);
    return 0;
  }
  static int32_t wait(void* ctx, int32_t id) {
    HostDma& d = *static_cast<HostDma*>(ctx);
    auto it = d.pending.find(id);
    if (it == d.pending.end()) {
      d.error = fmt::format("wait for DMA transfer {} that is not in flight", id);
      return 1;
    }
    if (d.mode != DmaMode::AtStart) copy(it->second);
    d.pending.erase(it);
    return 0;
  }
};

}  // namespace

Result<TensorBytes> run_plan(const Graph& g, const Board& board, const Plan& plan, const TensorBytes& inputs,
                             const RunOptions& options) {
  if (!plan.board.empty() && plan.board != board.name)
    return Error{fmt::format("plan was made for board '{}', not '{}'", plan.board, board.name)};
  if (inputs.size() != g.inputs.size())
    return Error{fmt::format("run_plan: {} input tensors given, the graph has {}", inputs.size(), g.inputs.size())};
  if (plan.input_buffers.size() != g.inputs.size() || plan.output_buffers.size() != g.outputs.size())
    return Error{fmt::format("plan has {} input and {} output buffers, the graph {} inputs and {} outputs",
                             plan.input_buffers.size(), plan.output_buffers.size(), g.inputs.size(), g.outputs.size())};
  for (const MemoryUse& m : plan.memories)
    if (!board.memory(m.name)) return Error{fmt::format("plan uses memory '{}' that board '{}' lacks", m.name, board.name)};
  Result<LoweredPlan> lowered = lower_plan(g, plan);
  if (!lowered.ok()) return lowered.error();
  const LoweredPlan& lp = lowered.value();

  auto prepared = prepare_graph(g);
  if (!prepared.ok()) return prepared.error();
  std::vector<KernelArgs> args(g.ops.size());
  for (const PreparedOp& p : prepared.value()) args[static_cast<size_t>(p.op_index)] = p.args;

  std::vector<std::vector<uint8_t>> mem;
  std::vector<uint8_t*> bases;
  for (int64_t bytes : lp.memory_bytes) mem.emplace_back(static_cast<size_t>(std::max<int64_t>(bytes, 1)), options.fill);
  for (auto& m : mem) bases.push_back(m.data());
  auto buffer_data = [&](int id) -> uint8_t* {
    const PlanBuffer& b = plan.buffers[static_cast<size_t>(id)];
    for (size_t i = 0; i < lp.memory_names.size(); ++i)
      if (lp.memory_names[i] == b.memory) return bases[i] + b.offset;
    return nullptr;
  };
  auto check_buffer = [&](int id, size_t bytes, const std::string& what) -> Status {
    if (id < 0 || id >= static_cast<int>(plan.buffers.size()))
      return Error{fmt::format("{}: plan names buffer {} that it lacks", what, id)};
    const PlanBuffer& b = plan.buffers[static_cast<size_t>(id)];
    const auto idx = std::find(lp.memory_names.begin(), lp.memory_names.end(), b.memory) - lp.memory_names.begin();
    if (static_cast<size_t>(idx) >= lp.memory_names.size() || b.offset < 0 ||
        b.offset + static_cast<int64_t>(bytes) > lp.memory_bytes[static_cast<size_t>(idx)] ||
        static_cast<int64_t>(bytes) > b.size)
      return Error{fmt::format("{}: buffer '{}' ({} bytes at {} in '{}') cannot hold {} bytes", what, b.name, b.size,
                               b.offset, b.memory, bytes)};
    return ok_status();
  };
  // Weights (the linker's job on the MCU).
  for (const PlanBuffer& b : plan.buffers) {
    if (b.kind != BufferKind::Weights) continue;
    if (b.tensor < 0 || b.tensor >= static_cast<int>(g.tensors.size()) || !g.tensor(b.tensor).is_constant())
      return Error{fmt::format("weights buffer '{}' names tensor {} which is not a constant of the graph", b.name, b.tensor)};
    const Tensor& t = g.tensor(b.tensor);
    Status s = check_buffer(b.id, t.data_size, fmt::format("weights of tensor '{}'", t.name));
    if (!s.ok()) return s.error();
    std::memcpy(buffer_data(b.id), t.data, t.data_size);
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.tensor(g.inputs[i]);
    if (inputs[i].size() != t.bytes())
      return Error{fmt::format("input {} ('{}') has {} bytes, expected {}", i, t.name, inputs[i].size(), t.bytes())};
    Status s = check_buffer(plan.input_buffers[i], t.bytes(), fmt::format("input '{}'", t.name));
    if (!s.ok()) return s.error();
    std::memcpy(buffer_data(plan.input_buffers[i]), inputs[i].data(), inputs[i].size());
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    Status s = check_buffer(plan.output_buffers[i], g.tensor(g.outputs[i]).bytes(),
                            fmt::format("output '{}'", g.tensor(g.outputs[i]).name));
    if (!s.ok()) return s.error();
  }

  HostDma engine;
  engine.mode = options.dma;
  engine.poison = options.poison;
  DmaInterface dma{&engine, &HostDma::start, &HostDma::wait};
  const ExecPlan ep = lp.exec();
  const ExecResult r = exec_run(&ep, bases.data(), args.data(), &dma, nullptr);
  if (r.status != ExecStatus::Ok) {
    std::string where = fmt::format("step {}", r.step);
    if (r.step >= 0 && r.step < static_cast<int32_t>(plan.steps.size()) &&
        plan.steps[static_cast<size_t>(r.step)].kind == StepKind::Compute) {
      const ComputeStep& c = plan.steps[static_cast<size_t>(r.step)].compute;
      where += fmt::format(" (op {} {}, partition {})", c.op, op_name(g.ops[static_cast<size_t>(c.op)].kind), c.partition);
    }
    if (r.status == ExecStatus::KernelError)
      return Error{fmt::format("planned execution failed at {}: kernel returned {}", where, kernel_status_name(r.kernel))};
    return Error{fmt::format("planned execution failed at {}: {}{}", where, exec_status_name(r.status),
                             engine.error.empty() ? "" : ": " + engine.error)};
  }
  if (!engine.pending.empty())
    return Error{fmt::format("planned execution ended with {} DMA transfers never waited for (first id {})",
                             engine.pending.size(), engine.pending.begin()->first)};
  TensorBytes out;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const size_t bytes = g.tensor(g.outputs[i]).bytes();
    const uint8_t* p = buffer_data(plan.output_buffers[i]);
    out.emplace_back(p, p + bytes);
  }
  return out;
}

}  // namespace tinyops
