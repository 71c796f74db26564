// The plan checker: symbolic replay of a Plan over the board's memories (see checker.h).
#include "plan/checker/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/prepare.h"

namespace tinyops {
namespace {

// A byte's symbolic value: 0 = undefined, else (tensor + 1) << 32 | byte index within the tensor.
constexpr uint64_t kUndefined = 0;
inline uint64_t make_tag(int tensor, uint64_t byte) { return (static_cast<uint64_t>(tensor) + 1) << 32 | byte; }

// Per-byte stamp of the current compute step: (step + 1) << 33 | written << 32 | key, where key is
// the byte's index within the tensor it was read as / written as (kScratchKey for scratch).
constexpr uint64_t kWriteBit = uint64_t{1} << 32;
constexpr uint64_t kScratchKey = 0xffffffffu;

struct MemState {
  const Memory* mem = nullptr;
  int64_t tracked = 0;          // highest buffer end in this memory
  std::vector<uint64_t> tags;   // [tracked]
  std::vector<uint64_t> stamp;  // [tracked]
};

// rows blocks of row_bytes bytes, `stride` apart, from `start` (bytes from the memory's base).
struct Pattern {
  int mem = -1;
  int64_t start = 0;
  int64_t rows = 1;
  int64_t stride = 0;
  int64_t row_bytes = 0;
  bool single() const { return rows == 1 || stride == 0; }
  int64_t end() const { return single() ? start + row_bytes : start + (rows - 1) * stride + row_bytes; }
};

// First byte of [a, b) in memory `mem` that the pattern covers, or -1.
int64_t first_hit(const Pattern& p, int mem, int64_t a, int64_t b) {
  if (p.mem != mem || b <= p.start || a >= p.end() || a >= b) return -1;
  if (p.single()) return std::max(a, p.start);
  const int64_t lo = a - p.start - p.row_bytes;  // row r hits when r * stride > lo
  const int64_t r_min = lo < 0 ? 0 : lo / p.stride + 1;
  const int64_t r_max = std::min<int64_t>((b - p.start - 1) / p.stride, p.rows - 1);
  if (r_min > r_max) return -1;
  return std::max(a, p.start + r_min * p.stride);
}

// First byte both patterns cover, or -1.
int64_t first_hit(const Pattern& p, const Pattern& q) {
  if (p.mem != q.mem || p.end() <= q.start || q.end() <= p.start) return -1;
  const int64_t rows = p.single() ? 1 : p.rows;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t a = p.start + r * p.stride;
    const int64_t hit = first_hit(q, p.mem, a, a + p.row_bytes);
    if (hit >= 0) return hit;
  }
  return -1;
}

struct InFlight {
  int dma = -1;
  int step = 0;
  Pattern src, dst;
};

// A box of a 4-D tensor: [n0, n1) x [y0, y1) x [x0, x1) x [c0, c1).
struct Box {  // 64-bit: built from untrusted view fields
  int64_t n0 = 0, n1 = 0, y0 = 0, y1 = 0, x0 = 0, x1 = 0, c0 = 0, c1 = 0;
};

std::string box_str(const Box& b) {
  return fmt::format("n[{},{}) y[{},{}) x[{},{}) c[{},{})", b.n0, b.n1, b.y0, b.y1, b.x0, b.x1, b.c0, b.c1);
}

Box view_box(const PlanView& v) {
  return Box{v.n0, int64_t{v.n0} + v.n, v.y0, int64_t{v.y0} + v.h, v.x0, int64_t{v.x0} + v.w, v.c0, int64_t{v.c0} + v.c};
}
Box full_box(const Shape4& s) { return Box{0, s.n, 0, s.h, 0, s.w, 0, s.c}; }

bool box_contains(const Box& outer, const Box& inner) {
  return inner.n0 >= outer.n0 && inner.n1 <= outer.n1 && inner.y0 >= outer.y0 && inner.y1 <= outer.y1 &&
         inner.x0 >= outer.x0 && inner.x1 <= outer.x1 && inner.c0 >= outer.c0 && inner.c1 <= outer.c1;
}
bool box_empty(const Box& b) { return b.n0 >= b.n1 || b.y0 >= b.y1 || b.x0 >= b.x1 || b.c0 >= b.c1; }

bool same_shape(const Shape4& a, const Shape4& b) { return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c; }
std::string shape_str(const Shape4& s) { return fmt::format("[{},{},{},{}]", s.n, s.h, s.w, s.c); }

// Own spelling of the kinds, so the checker does not link against the planner's objects.
const char* kind_str(BufferKind k) {
  switch (k) {
    case BufferKind::Weights: return "Weights";
    case BufferKind::Activation: return "Activation";
    case BufferKind::Input: return "Input";
    case BufferKind::Output: return "Output";
    case BufferKind::Tile: return "Tile";
    case BufferKind::Scratch: return "Scratch";
  }
  return "?";
}

bool is_pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

// Elementwise ops whose kernel may write each element where it read the same element (in place).
bool elementwise_in_place_ok(OpKind k) {
  switch (k) {
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Logistic:
    case OpKind::HardSwish:
    case OpKind::Quantize:
    case OpKind::Dequantize:
    case OpKind::Reshape:
    case OpKind::Squeeze: return true;
    default: return false;
  }
}

class Checker {
 public:
  Checker(const Graph& g, const Board& b, const Plan& p) : g_(g), board_(b), plan_(p) {}

  Result<CheckReport> run() {
    if (!prepare() || !check_memories_and_buffers() || !check_overlaps() || !check_io_buffers() ||
        !check_op_summaries() || !init_state())
      return Error{err_};
    for (size_t s = 0; s < plan_.steps.size(); ++s)
      if (!replay(static_cast<int>(s))) return Error{err_};
    if (!finish()) return Error{err_};
    return report_;
  }

 private:
  const Graph& g_;
  const Board& board_;
  const Plan& plan_;
  std::string err_;
  CheckReport report_;

  std::vector<const PreparedOp*> prepared_by_op_;
  std::vector<PreparedOp> prepared_;
  std::vector<int> canon_;                  // tensor id -> id whose tags it carries
  std::vector<int> buf_mem_;                // buffer id -> index into mems_
  std::vector<MemState> mems_;              // per board memory
  std::map<int, InFlight> inflight_;        // by dma id
  std::map<int, int> started_, waited_;     // dma id -> step

  bool fail(std::string msg) {
    err_ = std::move(msg);
    return false;
  }

  // ---- naming ----
  int nsteps() const { return static_cast<int>(plan_.steps.size()); }
  const Memory& mem(int i) const { return *mems_[static_cast<size_t>(i)].mem; }
  const PlanBuffer& buf(int id) const { return plan_.buffers[static_cast<size_t>(id)]; }
  bool valid_buf(int id) const { return id >= 0 && id < static_cast<int>(plan_.buffers.size()); }

  std::string tensor_name(int t) const {
    if (t < 0 || t >= static_cast<int>(g_.tensors.size())) return fmt::format("#{}", t);
    return fmt::format("'{}'", g_.tensor(t).name);
  }
  std::string tag_str(uint64_t tag) const {
    if (tag == kUndefined) return "undefined data";
    return fmt::format("tensor {} byte {}", tensor_name(static_cast<int>((tag >> 32) - 1)), tag & 0xffffffffu);
  }
  std::string addr_str(int m, int64_t off) const { return fmt::format("{}+{:#x}", mem(m).name, off); }
  std::string buf_str(int id) const {
    const PlanBuffer& b = buf(id);
    int64_t end = 0;
    const std::string end_s = __builtin_add_overflow(b.offset, b.size, &end) ? std::string("overflow")
                                                                               : fmt::format("{:#x}", end);
    return fmt::format("buffer {} '{}' ({}, {} [{:#x}, {}))", id, b.name, kind_str(b.kind), b.memory, b.offset, end_s);
  }
  std::string op_str(int op) const {
    const Op& o = g_.ops[static_cast<size_t>(op)];
    std::string out = o.outputs.empty() ? std::string("?") : tensor_name(o.outputs[0]);
    return fmt::format("op {} {} -> {}", op, op_name(o.kind), out);
  }
  std::string step_str(int s) const {
    const PlanStep& st = plan_.steps[static_cast<size_t>(s)];
    switch (st.kind) {
      case StepKind::Compute: {
        const ComputeStep& c = st.compute;
        if (c.op < 0 || c.op >= static_cast<int>(g_.ops.size())) return fmt::format("step {} (compute op {})", s, c.op);
        return fmt::format("step {} (compute {} partition {}, rows [{},{}) channels [{},{}))", s, op_str(c.op),
                           c.partition, c.range.y_begin, c.range.y_end, c.range.c_begin, c.range.c_end);
      }
      case StepKind::DmaStart: return fmt::format("step {} (DMA {} start)", s, st.dma.dma);
      case StepKind::DmaWait: return fmt::format("step {} (DMA {} wait)", s, st.dma.dma);
    }
    return fmt::format("step {}", s);
  }

  // ---- static checks ----
  bool prepare() {
    auto prep = prepare_graph(g_);
    if (!prep.ok()) return fail("cannot prepare the graph: " + prep.error().message);
    prepared_ = std::move(prep.value());
    prepared_by_op_.assign(g_.ops.size(), nullptr);
    for (const PreparedOp& p : prepared_)
      if (p.op_index >= 0 && p.op_index < static_cast<int>(g_.ops.size()))
        prepared_by_op_[static_cast<size_t>(p.op_index)] = &p;
    canon_.resize(g_.tensors.size());
    for (size_t t = 0; t < canon_.size(); ++t) canon_[t] = static_cast<int>(t);
    for (const Op& op : g_.ops) {
      if ((op.kind == OpKind::Reshape || op.kind == OpKind::Squeeze) && !op.inputs.empty() && !op.outputs.empty() &&
          op.inputs[0] >= 0) {
        const Tensor& in = g_.tensor(op.inputs[0]);
        const Tensor& out = g_.tensor(op.outputs[0]);
        if (in.dtype == out.dtype && in.bytes() == out.bytes())
          canon_[static_cast<size_t>(out.id)] = canon_[static_cast<size_t>(in.id)];
      }
    }
    return true;
  }

  int memory_index(const std::string& name) const {
    for (size_t i = 0; i < board_.memories.size(); ++i)
      if (board_.memories[i].name == name) return static_cast<int>(i);
    return -1;
  }

  bool can_hold_weights(const Memory& m) const {
    return is_flash_kind(m.kind) || m.name == board_.roles.internal_flash || m.name == board_.roles.external_flash;
  }

  bool check_memories_and_buffers() {
    mems_.resize(board_.memories.size());
    for (size_t i = 0; i < board_.memories.size(); ++i) mems_[i].mem = &board_.memories[i];
    buf_mem_.assign(plan_.buffers.size(), -1);
    const int last = nsteps() - 1;
    for (size_t i = 0; i < plan_.buffers.size(); ++i) {
      const PlanBuffer& b = plan_.buffers[i];
      const int id = static_cast<int>(i);
      if (b.id != id) return fail(fmt::format("buffer {} '{}' has id {} (ids must equal their index)", i, b.name, b.id));
      const int m = memory_index(b.memory);
      if (m < 0) return fail(fmt::format("buffer {} '{}' is in memory '{}', which board '{}' does not have", i, b.name,
                                         b.memory, board_.name));
      buf_mem_[i] = m;
      const Memory& M = mem(m);
      if (b.offset < 0 || b.size < 0)
        return fail(fmt::format("{}: negative offset or size ({} bytes at {})", buf_str(id), b.size, b.offset));
      if (static_cast<__int128>(b.offset) + b.size > static_cast<__int128>(M.size))
        return fail(fmt::format("{} overflows memory '{}' (size {:#x}) by {} bytes", buf_str(id), M.name, M.size,
                                static_cast<uint64_t>(static_cast<__int128>(b.offset) + b.size - M.size)));
      if (!is_pow2(b.alignment))
        return fail(fmt::format("{}: alignment {} is not a power of two", buf_str(id), b.alignment));
      if (b.offset % b.alignment != 0 || (M.base + static_cast<uint64_t>(b.offset)) % static_cast<uint64_t>(b.alignment) != 0)
        return fail(fmt::format("{} is misaligned: address {:#x} is not a multiple of its alignment {}", buf_str(id),
                                M.base + static_cast<uint64_t>(b.offset), b.alignment));
      if (b.first_step < 0 || b.first_step > b.last_step || b.last_step > std::max(last, 0))
        return fail(fmt::format("{}: live range [{}, {}] is not inside the plan's steps [0, {}]", buf_str(id),
                                b.first_step, b.last_step, last));
      const bool holds_tensor = b.kind == BufferKind::Weights || b.kind == BufferKind::Activation ||
                                b.kind == BufferKind::Input || b.kind == BufferKind::Output;
      if (holds_tensor) {
        if (b.tensor < 0 || b.tensor >= static_cast<int>(g_.tensors.size()))
          return fail(fmt::format("{} names tensor {}, which does not exist", buf_str(id), b.tensor));
        const Tensor& t = g_.tensor(b.tensor);
        if (b.size < static_cast<int64_t>(t.bytes()))
          return fail(fmt::format("{} holds {} bytes but tensor {} has {} bytes", buf_str(id), b.size,
                                  tensor_name(b.tensor), t.bytes()));
        if ((b.kind == BufferKind::Weights) != t.is_constant())
          return fail(fmt::format("{} is of kind {} but tensor {} is {}", buf_str(id), kind_str(b.kind),
                                  tensor_name(b.tensor), t.is_constant() ? "constant" : "not constant"));
      }
      if (b.kind == BufferKind::Weights) {
        if (!can_hold_weights(M))
          return fail(fmt::format("{} holds weights in memory '{}' ({}), which is not loaded before start: weights "
                                  "must be in flash or a flash role memory",
                                  buf_str(id), M.name, memory_kind_name(M.kind)));
        if (b.first_step != 0)
          return fail(fmt::format("{} holds weights but its live range starts at step {}, not 0", buf_str(id),
                                  b.first_step));
      }
      if (b.kind == BufferKind::Input && b.first_step != 0)
        return fail(fmt::format("{} holds a model input but its live range starts at step {}, not 0", buf_str(id),
                                b.first_step));
      if (b.kind == BufferKind::Output && b.last_step != std::max(last, 0))
        return fail(fmt::format("{} holds a model output but its live range ends at step {}, not {}", buf_str(id),
                                b.last_step, last));
      MemState& ms = mems_[static_cast<size_t>(m)];
      ms.tracked = std::max(ms.tracked, b.offset + b.size);
    }
    // Plan::memories: each memory at most once, the board's kind and size, used = highest buffer end.
    std::set<std::string> listed;
    for (const MemoryUse& u : plan_.memories) {
      const int m = memory_index(u.name);
      if (m < 0) return fail(fmt::format("plan memory '{}' is not a memory of board '{}'", u.name, board_.name));
      if (!listed.insert(u.name).second) return fail(fmt::format("plan memory '{}' is listed twice", u.name));
      const Memory& M = mem(m);
      if (u.kind != memory_kind_name(M.kind) || u.size != static_cast<int64_t>(M.size))
        return fail(fmt::format("plan memory '{}' says kind {} size {}, the board says kind {} size {}", u.name, u.kind,
                                u.size, memory_kind_name(M.kind), M.size));
      const int64_t used = mems_[static_cast<size_t>(m)].tracked;
      if (u.used != used)
        return fail(fmt::format("plan memory '{}' says {} bytes used, but its buffers end at {}", u.name, u.used, used));
    }
    for (size_t m = 0; m < mems_.size(); ++m)
      if (mems_[m].tracked > 0 && !listed.count(mem(static_cast<int>(m)).name))
        return fail(fmt::format("memory '{}' holds buffers ({} bytes used) but is missing from the plan's memories",
                                mem(static_cast<int>(m)).name, mems_[m].tracked));
    const Memory* sram = nullptr;
    for (const Memory& M : board_.memories)
      if (M.name == board_.roles.sram) sram = &M;
    if (plan_.sram_budget > 0 && sram) {
      const int64_t used = mems_[static_cast<size_t>(sram - board_.memories.data())].tracked;
      if (used > plan_.sram_budget)
        return fail(fmt::format("memory '{}' (the SRAM role) uses {} bytes, over the plan's SRAM budget of {} by {}",
                                sram->name, used, plan_.sram_budget, used - plan_.sram_budget));
    }
    return true;
  }

  // Live range extended to "before step 0" for buffers loaded before start and "after the end" for outputs.
  std::pair<int, int> effective_live(const PlanBuffer& b) const {
    int first = b.first_step, last = b.last_step;
    if (b.kind == BufferKind::Weights || b.kind == BufferKind::Input) first = -1;
    if (b.kind == BufferKind::Output) last = nsteps();
    return {first, last};
  }

  bool check_overlaps() {
    for (size_t m = 0; m < mems_.size(); ++m) {
      std::vector<int> ids;
      for (size_t i = 0; i < plan_.buffers.size(); ++i)
        if (buf_mem_[i] == static_cast<int>(m) && plan_.buffers[i].size > 0) ids.push_back(static_cast<int>(i));
      std::sort(ids.begin(), ids.end(), [&](int a, int b) {
        return buf(a).offset != buf(b).offset ? buf(a).offset < buf(b).offset : a < b;
      });
      for (size_t i = 0; i < ids.size(); ++i) {
        const PlanBuffer& a = buf(ids[i]);
        const auto la = effective_live(a);
        for (size_t j = i + 1; j < ids.size() && buf(ids[j]).offset < a.offset + a.size; ++j) {
          const PlanBuffer& b = buf(ids[j]);
          const auto lb = effective_live(b);
          if (la.first <= lb.second && lb.first <= la.second) {
            return fail(fmt::format(
                "{} and {} overlap in {} [{:#x}, {:#x}) while both are live (steps {}..{} and {}..{})", buf_str(a.id),
                buf_str(b.id), a.memory, b.offset, std::min(a.offset + a.size, b.offset + b.size), la.first, la.second,
                lb.first, lb.second));
          }
        }
      }
    }
    return true;
  }

  bool check_io_buffers() {
    auto check = [&](const std::vector<int>& list, const std::vector<int>& tensors, BufferKind kind,
                     const char* what) {
      if (list.size() != tensors.size())
        return fail(fmt::format("the plan lists {} {} buffers, the graph has {} {}s", list.size(), what,
                                tensors.size(), what));
      for (size_t i = 0; i < list.size(); ++i) {
        if (!valid_buf(list[i])) return fail(fmt::format("{} {} names buffer {}, which does not exist", what, i, list[i]));
        const PlanBuffer& b = buf(list[i]);
        if (b.kind != kind || b.tensor != tensors[i])
          return fail(fmt::format("{} {} ({}) is in {}, which is not an {} buffer holding it", what, i,
                                  tensor_name(tensors[i]), buf_str(b.id), kind_str(kind)));
      }
      return true;
    };
    return check(plan_.input_buffers, g_.inputs, BufferKind::Input, "input") &&
           check(plan_.output_buffers, g_.outputs, BufferKind::Output, "output");
  }

  bool check_op_summaries() {
    std::vector<int> count(g_.ops.size(), 0);
    for (size_t s = 0; s < plan_.steps.size(); ++s) {
      const PlanStep& st = plan_.steps[s];
      if (st.kind != StepKind::Compute) continue;
      if (st.compute.op < 0 || st.compute.op >= static_cast<int>(g_.ops.size()))
        return fail(fmt::format("step {}: compute names op {}, the graph has {} ops", s, st.compute.op, g_.ops.size()));
      ++count[static_cast<size_t>(st.compute.op)];
    }
    std::set<int> seen;
    for (const OpPlan& o : plan_.ops) {
      if (o.op < 0 || o.op >= static_cast<int>(g_.ops.size()))
        return fail(fmt::format("plan op summary names op {}, the graph has {} ops", o.op, g_.ops.size()));
      if (!seen.insert(o.op).second) return fail(fmt::format("plan op summary lists {} twice", op_str(o.op)));
      if (o.partitions != count[static_cast<size_t>(o.op)])
        return fail(fmt::format("plan op summary says {} has {} partitions, the plan computes it in {} steps",
                                op_str(o.op), o.partitions, count[static_cast<size_t>(o.op)]));
      if (o.axis != "none" && o.axis != "rows" && o.axis != "channels" && o.axis != "rows+channels")
        return fail(fmt::format("plan op summary of {} has unknown axis '{}'", op_str(o.op), o.axis));
    }
    return true;
  }

  void set_initial(int buffer) {
    const PlanBuffer& b = buf(buffer);
    MemState& ms = mems_[static_cast<size_t>(buf_mem_[static_cast<size_t>(buffer)])];
    const int t = canon_[static_cast<size_t>(b.tensor)];
    const int64_t n = static_cast<int64_t>(g_.tensor(b.tensor).bytes());
    for (int64_t k = 0; k < n; ++k) ms.tags[static_cast<size_t>(b.offset + k)] = make_tag(t, static_cast<uint64_t>(k));
  }

  bool init_state() {
    for (MemState& ms : mems_) {
      ms.tags.assign(static_cast<size_t>(ms.tracked), kUndefined);
      ms.stamp.assign(static_cast<size_t>(ms.tracked), 0);
    }
    for (const PlanBuffer& b : plan_.buffers)
      if (b.kind == BufferKind::Weights || b.kind == BufferKind::Input) set_initial(b.id);
    return true;
  }

  // ---- replay ----
  bool live_at(int buffer, int s, const char* role) {
    const PlanBuffer& b = buf(buffer);
    if (s < b.first_step || s > b.last_step)
      return fail(fmt::format("{}: {} {} is used outside its live range [{}, {}]", step_str(s), role, buf_str(buffer),
                              b.first_step, b.last_step));
    return true;
  }

  bool replay(int s) {
    const PlanStep& st = plan_.steps[static_cast<size_t>(s)];
    switch (st.kind) {
      case StepKind::Compute: return compute(s, st.compute);
      case StepKind::DmaStart: return dma_start(s, st.dma);
      case StepKind::DmaWait: return dma_wait(s, st.dma);
    }
    return fail(fmt::format("step {}: unknown step kind {}", s, static_cast<int>(st.kind)));
  }

  // Where element (n, y, x, c) of a view lives: bytes from the memory's base.
  int64_t elem_addr(const PlanView& v, int64_t n, int64_t y, int64_t x, int64_t c) const {
    const int64_t esize = elem_size(v.type);
    const int64_t e = static_cast<int64_t>(n - v.n0) * v.stride_n + static_cast<int64_t>(y - v.y0) * v.stride_h +
                      static_cast<int64_t>(x - v.x0) * v.stride_w + static_cast<int64_t>(c - v.c0) * v.stride_c;
    return buf(v.buffer).offset + v.byte_offset + e * esize;
  }

  // Validates a view of `what` (operand shape/type as prepared) and that it holds `need`.
  bool check_view(int s, const PlanView& v, const std::string& what, const Shape4& shape, ElemType type,
                  const Box& need, bool write) {
    if (!valid_buf(v.buffer)) return fail(fmt::format("{}: {} view names buffer {}, which does not exist", step_str(s), what, v.buffer));
    if (!live_at(v.buffer, s, what.c_str())) return false;
    const Memory& M = mem(buf_mem_[static_cast<size_t>(v.buffer)]);
    if (write ? !M.cpu_write : !M.cpu_read)
      return fail(fmt::format("{}: {} view is in {}, but memory '{}' is not CPU-{}", step_str(s), what,
                              buf_str(v.buffer), M.name, write ? "writable" : "readable"));
    if (v.type != type)
      return fail(fmt::format("{}: {} view has element type {}, the operand is {}", step_str(s), what,
                              elem_type_name(v.type), elem_type_name(type)));
    if (!same_shape(v.full, shape))
      return fail(fmt::format("{}: {} view has full shape {}, the operand is {}", step_str(s), what,
                              shape_str(v.full), shape_str(shape)));
    if (box_empty(need)) return true;  // e.g. a PAD partition of padding rows only: nothing is accessed
    const Box vb = view_box(v);
    if (box_empty(vb) || !box_contains(full_box(shape), vb))
      return fail(fmt::format("{}: {} view box {} is empty or outside the tensor {}", step_str(s), what, box_str(vb),
                              shape_str(shape)));
    if (v.stride_n < 0 || v.stride_h < 0 || v.stride_w < 0 || v.stride_c < 0 || v.byte_offset < 0)
      return fail(fmt::format("{}: {} view has a negative stride or offset", step_str(s), what));
    const int64_t esize = elem_size(v.type);
    using I128 = __int128;  // plan fields are untrusted: no overflow on the way to the comparison
    const I128 last128 = I128(v.byte_offset) + (I128(v.n - 1) * v.stride_n + I128(v.h - 1) * v.stride_h +
                                                I128(v.w - 1) * v.stride_w + I128(v.c - 1) * v.stride_c) * esize + esize;
    if (last128 > buf(v.buffer).size) {
      const bool huge = last128 > I128(INT64_MAX);
      const int64_t last = huge ? INT64_MAX : static_cast<int64_t>(last128);
      return fail(fmt::format("{}: {} view ({} bytes from offset {}) overruns {} by {} bytes", step_str(s), what,
                              huge ? std::string("too many") : std::to_string(last - v.byte_offset), v.byte_offset,
                              buf_str(v.buffer), huge ? std::string("far more than its size") : std::to_string(last - buf(v.buffer).size)));
    }
    if (!box_contains(vb, need))
      return fail(fmt::format("{}: {} view in {} holds {} but the range needs {}", step_str(s), what,
                              buf_str(v.buffer), box_str(vb), box_str(need)));
    return true;
  }

  // Calls f(addr, len, tensor_byte0, n, y, x, c0) for each run of bytes of `need` in view v, where
  // byte j of the run is byte tensor_byte0 + j of the tensor (shape `full`).
  template <typename F>
  bool for_runs(const PlanView& v, const Box& need, F&& f) const {
    const int64_t esize = elem_size(v.type);
    const Shape4& s = v.full;
    const bool contiguous = v.stride_c == 1;
    for (int64_t n = need.n0; n < need.n1; ++n)
      for (int64_t y = need.y0; y < need.y1; ++y)
        for (int64_t x = need.x0; x < need.x1; ++x) {
          const int64_t lin = ((static_cast<int64_t>(n) * s.h + y) * s.w + x) * s.c;
          if (contiguous) {
            if (!f(elem_addr(v, n, y, x, need.c0), (need.c1 - need.c0) * esize, (lin + need.c0) * esize, n, y, x,
                   need.c0))
              return false;
          } else {
            for (int64_t c = need.c0; c < need.c1; ++c)
              if (!f(elem_addr(v, n, y, x, c), esize, (lin + c) * esize, n, y, x, c)) return false;
          }
        }
    return true;
  }

  std::string inflight_str(const InFlight& t) const {
    return fmt::format("DMA {} (started at step {}, not yet waited)", t.dma, t.step);
  }

  bool read_operand(int s, const PlanView& v, const std::string& what, int tensor, const Box& need) {
    const int m = buf_mem_[static_cast<size_t>(v.buffer)];
    MemState& ms = mems_[static_cast<size_t>(m)];
    const int t = canon_[static_cast<size_t>(tensor)];
    const uint64_t stamp_hi = static_cast<uint64_t>(s + 1) << 33;
    const int64_t esize = elem_size(v.type);
    return for_runs(v, need, [&](int64_t addr, int64_t len, int64_t tb0, int64_t n, int64_t y, int64_t x, int64_t c0) {
      for (const auto& kv : inflight_) {
        const int64_t hit = first_hit(kv.second.dst, m, addr, addr + len);
        if (hit >= 0)
          return fail(fmt::format("{}: {} reads {} in {}, which {} is still writing: read before the DMA wait",
                                  step_str(s), what, addr_str(m, hit), buf_str(v.buffer), inflight_str(kv.second)));
      }
      for (int64_t j = 0; j < len; ++j) {
        const size_t a = static_cast<size_t>(addr + j);
        const uint64_t want = make_tag(t, static_cast<uint64_t>(tb0 + j));
        if (ms.tags[a] != want) {
          const int64_t c = c0 + j / esize;
          return fail(fmt::format("{}: {} element (n={},y={},x={},c={}) byte {} at {} in {} holds {}, expected {}",
                                  step_str(s), what, n, y, x, c, j % esize, addr_str(m, addr + j), buf_str(v.buffer),
                                  tag_str(ms.tags[a]), tag_str(want)));
        }
        ms.stamp[a] = stamp_hi | static_cast<uint64_t>(tb0 + j);
      }
      report_.bytes_read_verified += len;
      return true;
    });
  }

  // Marks a run written by this compute step: conflicts with in-flight DMA and with this step's reads.
  bool write_run(int s, int m, int64_t addr, int64_t len, uint64_t key0, bool in_place_ok, const std::string& what,
                 int buffer) {
    MemState& ms = mems_[static_cast<size_t>(m)];
    for (const auto& kv : inflight_) {
      int64_t hit = first_hit(kv.second.src, m, addr, addr + len);
      if (hit >= 0)
        return fail(fmt::format("{}: {} writes {} in {}, which {} is reading (its source)", step_str(s), what,
                                addr_str(m, hit), buf_str(buffer), inflight_str(kv.second)));
      hit = first_hit(kv.second.dst, m, addr, addr + len);
      if (hit >= 0)
        return fail(fmt::format("{}: {} writes {} in {}, which {} is also writing", step_str(s), what,
                                addr_str(m, hit), buf_str(buffer), inflight_str(kv.second)));
    }
    const uint64_t stamp_hi = static_cast<uint64_t>(s + 1) << 33;
    for (int64_t j = 0; j < len; ++j) {
      const size_t a = static_cast<size_t>(addr + j);
      const uint64_t key = key0 == kScratchKey ? kScratchKey : key0 + static_cast<uint64_t>(j);
      const uint64_t st = ms.stamp[a];
      if ((st >> 33) == static_cast<uint64_t>(s + 1)) {
        if (st & kWriteBit)
          return fail(fmt::format("{}: {} writes {} in {} twice in one call", step_str(s), what, addr_str(m, addr + j),
                                  buf_str(buffer)));
        if (!(in_place_ok && key != kScratchKey && (st & 0xffffffffu) == key))
          return fail(fmt::format("{}: {} writes {} in {}, which the same call reads", step_str(s), what,
                                  addr_str(m, addr + j), buf_str(buffer)));
      }
      ms.stamp[a] = stamp_hi | kWriteBit | (key & 0xffffffffu);
    }
    return true;
  }

  bool compute(int s, const ComputeStep& c) {
    const PreparedOp* pp = prepared_by_op_[static_cast<size_t>(c.op)];
    if (!pp) return fail(fmt::format("{}: op {} was not prepared", step_str(s), c.op));
    const PreparedOp& p = *pp;
    const Op& op = g_.ops[static_cast<size_t>(c.op)];
    ++report_.compute_steps;

    // The range: non-empty, inside the output, along axes the kernel supports.
    const Shape4& os = p.output_shape;
    const OutRange& r = c.range;
    if (r.y_begin < 0 || r.y_begin >= r.y_end || r.y_end > os.h || r.c_begin < 0 || r.c_begin >= r.c_end ||
        r.c_end > os.c)
      return fail(fmt::format("{}: range is empty or outside the output {}", step_str(s), shape_str(os)));
    if ((r.y_begin != 0 || r.y_end != os.h) && !(p.partition_caps & kPartitionRows))
      return fail(fmt::format("{}: {} cannot be partitioned by rows", step_str(s), op_name(op.kind)));
    if ((r.c_begin != 0 || r.c_end != os.c) && !(p.partition_caps & kPartitionChannels))
      return fail(fmt::format("{}: {} cannot be partitioned by channels", step_str(s), op_name(op.kind)));
    if (c.inputs.size() != p.inputs.size())
      return fail(fmt::format("{}: {} input views given, the op has {} activation inputs", step_str(s), c.inputs.size(),
                              p.inputs.size()));
    if ((c.weights.buffer >= 0) != (p.weights >= 0))
      return fail(fmt::format("{}: {} weights view, but the op {}", step_str(s), c.weights.buffer >= 0 ? "a" : "no",
                              p.weights >= 0 ? "has weights" : "has none"));

    // Kernel geometry queries see the plan's views (data pointers unused).
    KernelIO io;
    auto to_any = [](const PlanView& v) {
      AnyView a;
      a.type = v.type;
      a.full = v.full;
      a.n0 = v.n0, a.y0 = v.y0, a.x0 = v.x0, a.c0 = v.c0;
      a.n = v.n, a.h = v.h, a.w = v.w, a.c = v.c;
      a.stride_n = v.stride_n, a.stride_h = v.stride_h, a.stride_w = v.stride_w, a.stride_c = v.stride_c;
      return a;
    };
    io.num_inputs = static_cast<int32_t>(p.inputs.size());
    if (io.num_inputs > kMaxKernelInputs)
      return fail(fmt::format("{}: {} inputs, kernels take at most {}", step_str(s), io.num_inputs, kMaxKernelInputs));
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      io.in[i] = to_any(c.inputs[i]);
      io.in[i].full = p.input_shapes[i];
    }
    if (p.weights >= 0) {
      io.weights = to_any(c.weights);
      io.weights.full = p.weight_shape;
    }
    io.out = to_any(c.output);
    io.out.full = os;

    // Reads: each input's receptive field, then the weights of the output channels.
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      const Shape4& is = p.input_shapes[i];
      int32_t yb = 0, ye = 0, cb = 0, ce = 0;
      kernel_input_rows_of(p.args, io, static_cast<int32_t>(i), r.y_begin, r.y_end, &yb, &ye);
      kernel_input_channels(p.args, io, static_cast<int32_t>(i), r.c_begin, r.c_end, &cb, &ce);
      const Box need{0, is.n, yb, ye, 0, is.w, cb, ce};
      const std::string what = fmt::format("input {} ({})", i, tensor_name(p.inputs[i]));
      if (!check_view(s, c.inputs[i], what, is, p.input_types[i], need, false)) return false;
      if (!read_operand(s, c.inputs[i], what, p.inputs[i], need)) return false;
    }
    if (p.weights >= 0) {
      const Shape4& ws = p.weight_shape;
      Box need = full_box(ws);
      if (op.kind == OpKind::DepthwiseConv2D) {
        need.c0 = r.c_begin, need.c1 = r.c_end;  // [1,KH,KW,C*M]: output channel = dim c
      } else {
        need.n0 = r.c_begin, need.n1 = r.c_end;  // OHWI / [O,1,1,I]: output channel = dim n
      }
      const std::string what = fmt::format("weights ({})", tensor_name(p.weights));
      if (!check_view(s, c.weights, what, ws, p.weight_type, need, false)) return false;
      if (!read_operand(s, c.weights, what, p.weights, need)) return false;
    }

    // Writes: the output range, then scratch (left undefined).
    const Box out_need{0, os.n, r.y_begin, r.y_end, 0, os.w, r.c_begin, r.c_end};
    const std::string out_what = fmt::format("output ({})", tensor_name(p.output));
    if (!check_view(s, c.output, out_what, os, p.output_type, out_need, true)) return false;
    const int om = buf_mem_[static_cast<size_t>(c.output.buffer)];
    MemState& oms = mems_[static_cast<size_t>(om)];
    const int ot = canon_[static_cast<size_t>(p.output)];
    const bool in_place_ok = elementwise_in_place_ok(op.kind);
    if (!for_runs(c.output, out_need, [&](int64_t addr, int64_t len, int64_t tb0, int64_t, int64_t, int64_t, int64_t) {
          if (!write_run(s, om, addr, len, static_cast<uint64_t>(tb0), in_place_ok, out_what, c.output.buffer))
            return false;
          for (int64_t j = 0; j < len; ++j)
            oms.tags[static_cast<size_t>(addr + j)] = make_tag(ot, static_cast<uint64_t>(tb0 + j));
          report_.bytes_written += len;
          return true;
        }))
      return false;

    const int32_t need_scratch = kernel_scratch_bytes(p.args, io, r);
    if (need_scratch > 0) {
      if (!valid_buf(c.scratch_buffer))
        return fail(fmt::format("{}: the kernel needs {} scratch bytes but no scratch buffer is given", step_str(s),
                                need_scratch));
      const PlanBuffer& sb = buf(c.scratch_buffer);
      if (sb.kind != BufferKind::Scratch)
        return fail(fmt::format("{}: scratch is in {}, which is not a Scratch buffer", step_str(s), buf_str(sb.id)));
      if (!live_at(sb.id, s, "scratch")) return false;
      if (c.scratch_bytes < need_scratch)
        return fail(fmt::format("{}: scratch of {} bytes, the kernel needs {}", step_str(s), c.scratch_bytes,
                                need_scratch));
      if (c.scratch_offset < 0 || c.scratch_offset > sb.size || c.scratch_bytes > sb.size - c.scratch_offset)
        return fail(fmt::format("{}: scratch of {} bytes at offset {} lies outside {}", step_str(s), c.scratch_bytes,
                                c.scratch_offset, buf_str(sb.id)));
      const int sm = buf_mem_[static_cast<size_t>(sb.id)];
      const Memory& M = mem(sm);
      if (!M.cpu_read || !M.cpu_write)
        return fail(fmt::format("{}: scratch {} is in memory '{}', which the CPU cannot read and write", step_str(s),
                                buf_str(sb.id), M.name));
      const int64_t addr = sb.offset + c.scratch_offset;
      if (!write_run(s, sm, addr, c.scratch_bytes, kScratchKey, false, "scratch", sb.id)) return false;
      MemState& sms = mems_[static_cast<size_t>(sm)];
      std::fill(sms.tags.begin() + addr, sms.tags.begin() + addr + c.scratch_bytes, kUndefined);
    }
    return true;
  }

  const DmaEngine* engine_of(int channel, int* local) const {
    int base = 0;
    for (const DmaEngine& e : board_.dma) {
      if (channel >= base && channel < base + static_cast<int>(e.channels)) {
        *local = channel - base;
        return &e;
      }
      base += static_cast<int>(e.channels);
    }
    return nullptr;
  }

  bool dma_start(int s, const DmaStep& d) {
    if (started_.count(d.dma))
      return fail(fmt::format("{}: DMA id {} was already started at step {} (ids are unique)", step_str(s), d.dma,
                              started_[d.dma]));
    started_[d.dma] = s;
    int local = 0;
    int total_channels = 0;
    for (const DmaEngine& e : board_.dma) total_channels += static_cast<int>(e.channels);
    const DmaEngine* eng = d.channel >= 0 ? engine_of(d.channel, &local) : nullptr;
    if (!eng)
      return fail(fmt::format("{}: channel {} does not exist (board '{}' has {} DMA channels)", step_str(s), d.channel,
                              board_.name, total_channels));
    if (!valid_buf(d.src_buffer) || !valid_buf(d.dst_buffer))
      return fail(fmt::format("{}: source buffer {} or destination buffer {} does not exist", step_str(s),
                              d.src_buffer, d.dst_buffer));
    if (!live_at(d.src_buffer, s, "source") || !live_at(d.dst_buffer, s, "destination")) return false;
    const int sm = buf_mem_[static_cast<size_t>(d.src_buffer)];
    const int dm = buf_mem_[static_cast<size_t>(d.dst_buffer)];
    if (!mem(sm).dma || !mem(dm).dma)
      return fail(fmt::format("{}: DMA cannot reach memory '{}'", step_str(s), !mem(sm).dma ? mem(sm).name : mem(dm).name));
    if (!mem(dm).writable)
      return fail(fmt::format("{}: destination memory '{}' is not writable", step_str(s), mem(dm).name));
    if (d.rows < 1 || d.row_bytes < 1)
      return fail(fmt::format("{}: {} rows of {} bytes is empty", step_str(s), d.rows, d.row_bytes));
    if (d.rows > 1 && (d.src_stride < 0 || d.dst_stride < d.row_bytes))
      return fail(fmt::format("{}: strides (src {}, dst {}) make the rows of {} bytes overlap in the destination or run "
                              "backwards",
                              step_str(s), d.src_stride, d.dst_stride, d.row_bytes));
    // Bounds first, in 128 bits (plan fields are untrusted), then the patterns in memory offsets.
    auto in_buf = [&](int64_t off, int64_t stride, int b) {
      using I128 = __int128;
      const I128 end = I128(off) + (d.rows > 1 ? I128(d.rows - 1) * stride : I128(0)) + d.row_bytes;
      return off >= 0 && end <= buf(b).size;
    };
    auto range_str = [&](int64_t off, int64_t stride) {
      using I128 = __int128;
      const I128 end = I128(off) + (d.rows > 1 ? I128(d.rows - 1) * stride : I128(0)) + d.row_bytes;
      if (off < 0 || end > I128(INT64_MAX)) return fmt::format("[{}, ...)", off);
      return fmt::format("[{:#x}, {:#x})", off, static_cast<int64_t>(end));
    };
    if (!in_buf(d.src_offset, d.src_stride, d.src_buffer))
      return fail(fmt::format("{}: source {} lies outside {}", step_str(s), range_str(d.src_offset, d.src_stride),
                              buf_str(d.src_buffer)));
    if (!in_buf(d.dst_offset, d.dst_stride, d.dst_buffer))
      return fail(fmt::format("{}: destination {} lies outside {}", step_str(s), range_str(d.dst_offset, d.dst_stride),
                              buf_str(d.dst_buffer)));
    Pattern src{sm, buf(d.src_buffer).offset + d.src_offset, d.rows, d.src_stride, d.row_bytes};
    Pattern dst{dm, buf(d.dst_buffer).offset + d.dst_offset, d.rows, d.dst_stride, d.row_bytes};
    if (eng->max_transfer_bytes > 0 && static_cast<uint64_t>(d.bytes()) > eng->max_transfer_bytes)
      return fail(fmt::format("{}: {} bytes exceed the {} engine's max transfer of {} bytes", step_str(s), d.bytes(),
                              eng->name, eng->max_transfer_bytes));
    const uint64_t al = eng->alignment > 0 ? eng->alignment : 1;
    const uint64_t sa = mem(sm).base + static_cast<uint64_t>(src.start);
    const uint64_t da = mem(dm).base + static_cast<uint64_t>(dst.start);
    const bool strides_ok = d.rows == 1 || (static_cast<uint64_t>(d.src_stride) % al == 0 &&
                                            static_cast<uint64_t>(d.dst_stride) % al == 0);
    if (sa % al != 0 || da % al != 0 || static_cast<uint64_t>(d.row_bytes) % al != 0 || !strides_ok)
      return fail(fmt::format("{}: misaligned for the {} engine (alignment {}): src {:#x}, dst {:#x}, row_bytes {}, "
                              "strides {} / {}",
                              step_str(s), eng->name, al, sa, da, d.row_bytes, d.src_stride, d.dst_stride));
    const int64_t self = first_hit(src, dst);
    if (self >= 0)
      return fail(fmt::format("{}: source and destination overlap at {}", step_str(s), addr_str(sm, self)));
    // Conflicts with transfers already in flight.
    for (const auto& kv : inflight_) {
      const InFlight& t = kv.second;
      int64_t hit = first_hit(dst, t.dst);
      if (hit >= 0)
        return fail(fmt::format("{}: writes {} in {}, which {} also writes", step_str(s), addr_str(dm, hit),
                                buf_str(d.dst_buffer), inflight_str(t)));
      hit = first_hit(dst, t.src);
      if (hit >= 0)
        return fail(fmt::format("{}: writes {} in {}, which {} is reading", step_str(s), addr_str(dm, hit),
                                buf_str(d.dst_buffer), inflight_str(t)));
      hit = first_hit(src, t.dst);
      if (hit >= 0)
        return fail(fmt::format("{}: reads {} in {}, which {} is still writing", step_str(s), addr_str(sm, hit),
                                buf_str(d.src_buffer), inflight_str(t)));
    }
    // The source must be fully defined when the copy may start.
    const MemState& ss = mems_[static_cast<size_t>(sm)];
    for (int64_t row = 0; row < (src.single() ? 1 : src.rows); ++row)
      for (int64_t j = 0; j < d.row_bytes; ++j) {
        const int64_t a = src.start + row * src.stride + j;
        if (ss.tags[static_cast<size_t>(a)] == kUndefined)
          return fail(fmt::format("{}: source byte {} in {} is undefined when the transfer may start", step_str(s),
                                  addr_str(sm, a), buf_str(d.src_buffer)));
      }
    inflight_[d.dma] = InFlight{d.dma, s, src, dst};
    ++report_.dma_transfers;
    report_.dma_bytes += d.bytes();
    return true;
  }

  bool dma_wait(int s, const DmaStep& d) {
    auto it = inflight_.find(d.dma);
    if (it == inflight_.end()) {
      if (waited_.count(d.dma))
        return fail(fmt::format("{}: DMA {} was already waited at step {}", step_str(s), d.dma, waited_[d.dma]));
      return fail(fmt::format("{}: waits for DMA {}, which was never started", step_str(s), d.dma));
    }
    const InFlight t = it->second;
    const DmaStep& started = plan_.steps[static_cast<size_t>(t.step)].dma;
    if (!live_at(started.src_buffer, s, "source") || !live_at(started.dst_buffer, s, "destination")) return false;
    inflight_.erase(it);
    waited_[d.dma] = s;
    const MemState& ss = mems_[static_cast<size_t>(t.src.mem)];
    MemState& ds = mems_[static_cast<size_t>(t.dst.mem)];
    // Copy row by row through a temporary (source and destination may share a memory).
    std::vector<uint64_t> row(static_cast<size_t>(t.src.row_bytes));
    for (int64_t r = 0; r < t.src.rows; ++r) {
      const int64_t sa = t.src.start + r * t.src.stride;
      const int64_t da = t.dst.start + r * t.dst.stride;
      std::copy(ss.tags.begin() + sa, ss.tags.begin() + sa + t.src.row_bytes, row.begin());
      std::copy(row.begin(), row.end(), ds.tags.begin() + da);
    }
    return true;
  }

  bool finish() {
    if (!inflight_.empty()) {
      const InFlight& t = inflight_.begin()->second;
      return fail(fmt::format("DMA {} started at step {} is never waited", t.dma, t.step));
    }
    for (size_t i = 0; i < plan_.output_buffers.size(); ++i) {
      const PlanBuffer& b = buf(plan_.output_buffers[i]);
      const int m = buf_mem_[static_cast<size_t>(b.id)];
      const MemState& ms = mems_[static_cast<size_t>(m)];
      const int t = canon_[static_cast<size_t>(b.tensor)];
      const int64_t n = static_cast<int64_t>(g_.tensor(b.tensor).bytes());
      for (int64_t k = 0; k < n; ++k) {
        const uint64_t have = ms.tags[static_cast<size_t>(b.offset + k)];
        if (have != make_tag(t, static_cast<uint64_t>(k)))
          return fail(fmt::format("after the last step, output {} ({}) is incomplete: byte {} at {} in {} holds {}",
                                  i, tensor_name(b.tensor), k, addr_str(m, b.offset + k), buf_str(b.id),
                                  tag_str(have)));
      }
    }
    return true;
  }
};

}  // namespace

Result<CheckReport> check_plan_report(const Graph& g, const Board& board, const Plan& plan) {
  Checker c(g, board, plan);
  return c.run();
}

Status check_plan(const Graph& g, const Board& board, const Plan& plan) {
  auto r = check_plan_report(g, board, plan);
  if (!r.ok()) return r.error();
  return ok_status();
}

}  // namespace tinyops
