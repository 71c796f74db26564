// The `tinyops` strategy: weights by benefit into the internal flash, activations by benefit into the
// SRAM, every other operand streamed through SRAM tiles by DMA with a per-op partitioning chosen by
// the cost estimate (op_model.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "plan/arena.h"
#include "plan/planner_internal.h"

namespace tinyops {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t round_up(int64_t v, int64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

struct TinyState {
  std::vector<char> resident;   // per tensor: activation home in SRAM
  std::vector<char> w_internal; // per tensor: constant in the internal flash
  std::vector<int> first, last; // per tensor: ops during which an SRAM home occupies SRAM
  std::vector<int64_t> size;    // per tensor: aligned bytes
  std::vector<int64_t> res_bytes;  // per op: bytes of SRAM homes live at the op
  std::vector<double> cycles;      // per op: current estimate
};

class TinyPlanner {
 public:
  explicit TinyPlanner(PlanContext& ctx) : ctx_(ctx), g_(ctx.g), b_(ctx.board) {
    sram_ = b_.sram();
    xram_ = b_.external_ram();
    iflash_ = b_.internal_flash();
    xflash_ = b_.external_flash();
    planners_.reserve(ctx.models.size());
    for (const OpModel& m : ctx.models) planners_.emplace_back(b_, ctx.cp, m);
  }

  Result<Plan> run();
  double estimate() const {
    double sum = 0;
    for (double c : st_.cycles) sum += c;
    return sum;
  }

 private:
  Placement placement(int op, int extra_resident, int flip_weight) const;
  Status place_weights(int64_t budget);
  Status place_activations(int64_t budget);
  double delta(int t, int64_t budget);
  Result<Plan> emit(int64_t budget);

  PlanContext& ctx_;
  const Graph& g_;
  const Board& b_;
  const Memory *sram_, *xram_, *iflash_, *xflash_;
  std::vector<OpPlanner> planners_;
  TinyState st_;
};

Placement TinyPlanner::placement(int op, int extra_resident, int flip_weight) const {
  const PreparedOp& p = ctx_.prepared[static_cast<size_t>(op)];
  Placement pl;
  auto act = [&](int t) {
    OperandPlace o;
    if (g_.tensor(t).is_constant()) {
      o.tiled = false;
      o.mem = st_.w_internal[static_cast<size_t>(t)] ? iflash_ : xflash_;
      return o;
    }
    const bool res = st_.resident[static_cast<size_t>(t)] || t == extra_resident;
    o.tiled = !res;
    o.mem = res ? sram_ : xram_;
    return o;
  };
  for (int t : p.inputs) pl.inputs.push_back(act(t));
  pl.output = act(p.output);
  if (p.weights >= 0) {
    bool internal = st_.w_internal[static_cast<size_t>(p.weights)] != 0;
    if (p.weights == flip_weight) internal = !internal;
    // Both flashes are slow next to the SRAM: the op planner chooses between reading the weights in
    // place (direct) and DMA-ing slices of them into SRAM tiles, wherever they live.
    pl.weights.tiled = true;
    pl.weights.mem = internal ? iflash_ : xflash_;
  }
  return pl;
}

Status TinyPlanner::place_weights(int64_t budget) {
  // Constant tensors: which ops read them.
  std::map<int, std::vector<int>> users;
  for (const PreparedOp& p : ctx_.prepared) {
    if (p.weights >= 0) users[p.weights].push_back(p.op_index);
    for (int t : p.inputs)
      if (g_.tensor(t).is_constant()) users[t].push_back(p.op_index);
  }
  st_.w_internal.assign(g_.tensors.size(), 0);
  st_.resident.assign(g_.tensors.size(), xram_ ? 0 : 1);
  int64_t total = 0;
  for (const auto& [t, ops] : users) total += static_cast<int64_t>(g_.tensor(t).bytes());
  int64_t capacity = iflash_ ? std::max<int64_t>(ctx_.flash_capacity, 0) : 0;
  if (!xflash_) {
    if (total > capacity)
      return Error{fmt::format("tinyops strategy: board '{}' has no external flash and the weights ({} bytes) overflow "
                               "the internal flash budget ({} bytes) by {} bytes",
                               b_.name, total, capacity, total - capacity)};
    for (const auto& [t, ops] : users) st_.w_internal[static_cast<size_t>(t)] = 1;
    return ok_status();
  }
  if (!iflash_) return ok_status();
  // Benefit of each tensor in the internal flash: the estimated cycles saved by its ops when every
  // activation is external (the state the SRAM has to accommodate at worst).
  struct Item {
    int tensor;
    int64_t bytes;
    double benefit;
  };
  std::vector<Item> items;
  for (const auto& [t, ops] : users) {
    double benefit = 0;
    for (int op : ops) {
      if (ctx_.prepared[static_cast<size_t>(op)].weights != t) continue;  // constant activation inputs: no tiles
      const Candidate* ext = planners_[static_cast<size_t>(op)].best(placement(op, -1, -1), budget);
      const Candidate* in = planners_[static_cast<size_t>(op)].best(placement(op, -1, t), budget);
      const double ce = ext ? ext->cycles : kInf, ci = in ? in->cycles : kInf;
      benefit += std::isinf(ce) ? 1e30 : ce - ci;
    }
    items.push_back(Item{t, static_cast<int64_t>(g_.tensor(t).bytes()), benefit});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.benefit / static_cast<double>(std::max<int64_t>(a.bytes, 1)) >
           b.benefit / static_cast<double>(std::max<int64_t>(b.bytes, 1));
  });
  for (const Item& it : items) {
    if (it.bytes <= capacity) {
      st_.w_internal[static_cast<size_t>(it.tensor)] = 1;
      capacity -= it.bytes;
    }
  }
  return ok_status();
}

double TinyPlanner::delta(int t, int64_t budget) {
  const size_t ti = static_cast<size_t>(t);
  double d = 0;
  for (int op = st_.first[ti]; op <= st_.last[ti]; ++op) {
    const int64_t avail = budget - st_.res_bytes[static_cast<size_t>(op)] - st_.size[ti];
    if (avail < 0) return kInf;
    const Candidate* c = planners_[static_cast<size_t>(op)].best(placement(op, t, -1), avail);
    if (!c) return kInf;
    d += c->cycles - st_.cycles[static_cast<size_t>(op)];
  }
  return d;
}

Status TinyPlanner::place_activations(int64_t budget) {
  const int nops = static_cast<int>(g_.ops.size());
  const size_t nt = g_.tensors.size();
  st_.resident.assign(nt, 0);
  st_.first.assign(nt, 0);
  st_.last.assign(nt, -1);
  st_.size.assign(nt, 0);
  st_.res_bytes.assign(static_cast<size_t>(nops), 0);
  st_.cycles.assign(static_cast<size_t>(nops), 0);
  std::vector<int> candidates;
  for (const LiveRange& r : activation_live_ranges(g_)) {
    const size_t t = static_cast<size_t>(r.tensor);
    st_.first[t] = r.first_op;  // graph inputs: 0; graph outputs: the last op
    st_.last[t] = r.last_op;
    st_.size[t] = round_up(static_cast<int64_t>(r.bytes), ctx_.cp.alignment);
    candidates.push_back(r.tensor);
  }
  auto apply = [&](int t) {
    const size_t ti = static_cast<size_t>(t);
    st_.resident[ti] = 1;
    for (int op = st_.first[ti]; op <= st_.last[ti]; ++op) st_.res_bytes[static_cast<size_t>(op)] += st_.size[ti];
  };
  auto refresh = [&](int op) -> bool {
    const int64_t avail = budget - st_.res_bytes[static_cast<size_t>(op)];
    const Candidate* c = avail >= 0 ? planners_[static_cast<size_t>(op)].best(placement(op, -1, -1), avail) : nullptr;
    st_.cycles[static_cast<size_t>(op)] = c ? c->cycles : kInf;
    return c != nullptr;
  };
  if (!xram_) {
    // Without an external RAM every activation lives in the SRAM.
    for (int t : candidates) apply(t);
  }
  for (int op = 0; op < nops; ++op) {
    if (!refresh(op)) {
      const int64_t need = planners_[static_cast<size_t>(op)].frontier(placement(op, -1, -1)).front().sram_bytes;
      return Error{fmt::format("tinyops strategy does not fit board '{}': {} needs at least {} bytes of memory '{}' "
                               "besides {} bytes of tensors kept there, the SRAM budget is {} bytes",
                               b_.name, op_label(g_, op), need, sram_->name, st_.res_bytes[static_cast<size_t>(op)],
                               budget)};
    }
  }
  if (!xram_) return ok_status();
  // Greedy: promote the tensors with the largest estimated saving per byte while it pays off.
  for (int pass = 0; pass < 4; ++pass) {
    std::vector<std::pair<double, int>> order;
    for (int t : candidates) {
      if (st_.resident[static_cast<size_t>(t)]) continue;
      const double d = delta(t, budget);
      if (d < 0) order.emplace_back(d / static_cast<double>(std::max<int64_t>(st_.size[static_cast<size_t>(t)], 1)), t);
    }
    if (order.empty()) break;
    std::stable_sort(order.begin(), order.end());
    bool changed = false;
    for (const auto& [score, t] : order) {
      if (delta(t, budget) >= 0) continue;
      apply(t);
      for (int op = st_.first[static_cast<size_t>(t)]; op <= st_.last[static_cast<size_t>(t)]; ++op) refresh(op);
      changed = true;
    }
    if (!changed) break;
  }
  return ok_status();
}

Result<Plan> TinyPlanner::emit(int64_t budget) {
  PlanBuilder pb(b_);
  Homes homes;
  homes.buffer.assign(g_.tensors.size(), -1);
  std::vector<bool> is_in(g_.tensors.size(), false), is_out(g_.tensors.size(), false);
  for (int id : g_.inputs) is_in[static_cast<size_t>(id)] = true;
  for (int id : g_.outputs) is_out[static_cast<size_t>(id)] = true;
  for (const LiveRange& r : activation_live_ranges(g_)) {
    const size_t t = static_cast<size_t>(r.tensor);
    const BufferKind kind = is_in[t] ? BufferKind::Input : is_out[t] ? BufferKind::Output : BufferKind::Activation;
    homes.buffer[t] = pb.add_buffer(tensor_label(g_, r.tensor), kind, st_.resident[t] ? sram_->name : xram_->name,
                                    std::max<int64_t>(static_cast<int64_t>(r.bytes), 1), r.tensor);
  }
  for (const PreparedOp& p : ctx_.prepared) {
    std::vector<int> consts = p.inputs;
    if (p.weights >= 0) consts.push_back(p.weights);
    for (int t : consts) {
      if (!g_.tensor(t).is_constant() || homes.buffer[static_cast<size_t>(t)] >= 0) continue;
      const Memory* m = st_.w_internal[static_cast<size_t>(t)] ? iflash_ : xflash_;
      homes.buffer[static_cast<size_t>(t)] = pb.add_buffer(tensor_label(g_, t), BufferKind::Weights, m->name,
                                                           static_cast<int64_t>(g_.tensor(t).bytes()), t);
    }
  }
  for (const OpModel& m : ctx_.models) {
    const size_t op = static_cast<size_t>(m.op);
    const Placement pl = placement(m.op, -1, -1);
    const Candidate* c = planners_[op].best(pl, budget - st_.res_bytes[op]);
    if (!c) return Error{fmt::format("internal planner error: no candidate for {}", op_label(g_, m.op))};
    OpPlan summary;
    if (c->direct) emit_direct(pb, ctx_, m, homes, sram_->name, &summary);
    else emit_tiled(pb, ctx_, m, pl, *c, homes, &summary);
    pb.plan().ops.push_back(summary);
  }
  Plan& plan = pb.plan();
  for (int id : g_.inputs) plan.input_buffers.push_back(homes.buffer[static_cast<size_t>(id)]);
  for (int id : g_.outputs) plan.output_buffers.push_back(homes.buffer[static_cast<size_t>(id)]);
  Status s = pb.finish();
  if (!s.ok()) return s.error();
  return std::move(plan);
}

Result<Plan> TinyPlanner::run() {
  int64_t budget = ctx_.sram_budget;
  Status w = place_weights(budget);
  if (!w.ok()) return w.error();
  // Offsets can fragment the SRAM beyond the per-op sums the placement reasons about: retry with a
  // smaller internal budget until the assigned offsets fit the real one.
  int64_t last_used = 0;
  for (int attempt = 0; attempt < 16 && budget > 0; ++attempt) {
    Status a = place_activations(budget);
    if (!a.ok()) return a.error();
    Result<Plan> plan = emit(budget);
    if (!plan.ok()) return plan;
    int64_t used = 0;
    for (const MemoryUse& u : plan.value().memories)
      if (u.name == sram_->name) used = u.used;
    if (used <= ctx_.sram_budget) {
      for (const MemoryUse& u : plan.value().memories)
        if (u.used > u.size)
          return Error{fmt::format("tinyops strategy does not fit board '{}': memory '{}' ({}) overflows by {} bytes "
                                   "({} needed, {} available)",
                                   b_.name, u.name, u.kind, u.used - u.size, u.used, u.size)};
      return plan;
    }
    last_used = used;
    budget -= std::max<int64_t>(used - ctx_.sram_budget, ctx_.cp.alignment) * (attempt + 1);
  }
  return Error{fmt::format("tinyops strategy does not fit board '{}': memory '{}' overflows by {} bytes: the buffer "
                           "offsets need {} bytes, the SRAM budget is {} bytes",
                           b_.name, sram_->name, last_used - ctx_.sram_budget, last_used, ctx_.sram_budget)};
}

}  // namespace

Result<Plan> plan_tinyops(PlanContext& ctx, double* estimate) {
  if (!ctx.board.sram()) return Error{fmt::format("board '{}' has no SRAM role", ctx.board.name)};
  TinyPlanner tp(ctx);
  Result<Plan> r = tp.run();
  if (estimate) *estimate = tp.estimate();
  return r;
}

}  // namespace tinyops
