#include "sim/direct_plan.h"

#include <map>

#include <fmt/format.h>

#include "plan/arena.h"
#include "sim/cost_model.h"

namespace tinyops {

namespace {

ElemType elem_of(DType t) {
  switch (t) {
    case DType::UInt8: return ElemType::UInt8;
    case DType::Int16: return ElemType::Int16;
    case DType::Int32: return ElemType::Int32;
    case DType::Float32: return ElemType::Float32;
    default: return ElemType::Int8;
  }
}

PlanView dense(int buffer, const Tensor& t) {
  PlanView v;
  v.buffer = buffer;
  v.type = elem_of(t.dtype);
  v.full = shape4_from(t.shape);
  v.n = v.full.n, v.h = v.full.h, v.w = v.full.w, v.c = v.full.c;
  v.stride_c = 1;
  v.stride_w = v.full.c;
  v.stride_h = v.full.w * v.full.c;
  v.stride_n = v.full.h * v.full.w * v.full.c;
  return v;
}

}  // namespace

Result<Plan> make_direct_plan(const Graph& g, const Board& board, const std::string& act_mem,
                              const std::string& weight_mem, const std::string& label) {
  const Memory* am = board.memory(act_mem);
  const Memory* wm = board.memory(weight_mem);
  if (!am) return Error{fmt::format("board {} has no memory '{}' for activations", board.name, act_mem)};
  if (!wm) return Error{fmt::format("board {} has no memory '{}' for weights", board.name, weight_mem)};
  Plan p;
  p.board = board.name;
  p.strategy = label;
  const ArenaPlan arena = plan_arena(g, 16);
  const int last = static_cast<int>(g.ops.size()) - 1;
  std::map<int, int> buffer_of;
  int64_t weight_off = 0;
  auto buffer_for = [&](int tid) {
    auto it = buffer_of.find(tid);
    if (it != buffer_of.end()) return it->second;
    const Tensor& t = g.tensor(tid);
    PlanBuffer b;
    b.id = static_cast<int>(p.buffers.size());
    b.name = t.name;
    b.tensor = tid;
    b.size = static_cast<int64_t>(t.bytes());
    if (t.is_constant()) {
      b.kind = BufferKind::Weights;
      b.memory = weight_mem;
      b.offset = weight_off;
      weight_off += (b.size + 15) / 16 * 16;
      b.first_step = 0, b.last_step = last;
    } else {
      b.kind = BufferKind::Activation;
      b.memory = act_mem;
      b.offset = tid < static_cast<int>(arena.offset.size()) && arena.offset[static_cast<size_t>(tid)] >= 0
                     ? arena.offset[static_cast<size_t>(tid)]
                     : 0;
      b.first_step = last, b.last_step = 0;  // widened by the steps below
    }
    buffer_of[tid] = b.id;
    p.buffers.push_back(b);
    return b.id;
  };
  for (int tid : g.inputs) p.input_buffers.push_back(buffer_for(tid));
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    PlanStep s;
    s.kind = StepKind::Compute;
    ComputeStep& c = s.compute;
    c.op = static_cast<int>(i);
    c.range = full_out_range(g, op);
    auto touch = [&](int b) {
      PlanBuffer& pb = p.buffers[static_cast<size_t>(b)];
      if (pb.kind == BufferKind::Weights) return;
      pb.first_step = std::min(pb.first_step, static_cast<int>(i));
      pb.last_step = std::max(pb.last_step, static_cast<int>(i));
    };
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int tid = op.inputs[k];
      if (tid < 0) continue;
      const Tensor& t = g.tensor(tid);
      const int b = buffer_for(tid);
      touch(b);
      if (!t.is_constant()) c.inputs.push_back(dense(b, t));
      else if (k == 1 && (op.kind == OpKind::Conv2D || op.kind == OpKind::DepthwiseConv2D ||
                          op.kind == OpKind::FullyConnected))
        c.weights = dense(b, t);
    }
    const int ob = buffer_for(op.outputs[0]);
    touch(ob);
    c.output = dense(ob, g.output(op));
    p.steps.push_back(s);
  }
  for (int tid : g.inputs) {
    PlanBuffer& b = p.buffers[static_cast<size_t>(buffer_of[tid])];
    b.kind = BufferKind::Input, b.first_step = 0;
  }
  for (int tid : g.outputs) {
    const int b = buffer_for(tid);
    p.output_buffers.push_back(b);
    p.buffers[static_cast<size_t>(b)].kind = BufferKind::Output;
    p.buffers[static_cast<size_t>(b)].last_step = last;
  }
  for (PlanBuffer& b : p.buffers)
    if (b.first_step > b.last_step) b.first_step = b.last_step = 0;
  std::map<std::string, int64_t> used;
  for (const PlanBuffer& b : p.buffers) used[b.memory] = std::max(used[b.memory], b.offset + b.size);
  for (const auto& [name, u] : used) {
    const Memory* m = board.memory(name);
    p.memories.push_back({name, memory_kind_name(m->kind), static_cast<int64_t>(m->size), u});
  }
  return p;
}

}  // namespace tinyops
