// make_plan: shared set-up, the `internal` and `external` strategies. `tinyops` is in strategy_tinyops.cpp.
#include "plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "plan/arena.h"
#include "plan/fusion.h"
#include "plan/planner_internal.h"

namespace tinyops {

const char* buffer_kind_name(BufferKind k) {
  switch (k) {
    case BufferKind::Weights: return "weights";
    case BufferKind::Activation: return "activation";
    case BufferKind::Input: return "input";
    case BufferKind::Output: return "output";
    case BufferKind::Tile: return "tile";
    case BufferKind::Scratch: return "scratch";
  }
  return "?";
}

const char* strategy_name(Strategy s) {
  switch (s) {
    case Strategy::Internal: return "internal";
    case Strategy::External: return "external";
    case Strategy::TinyOps: return "tinyops";
  }
  return "?";
}

std::optional<Strategy> strategy_from_name(std::string_view s) {
  if (s == "internal") return Strategy::Internal;
  if (s == "external") return Strategy::External;
  if (s == "tinyops") return Strategy::TinyOps;
  return std::nullopt;
}

int64_t default_sram_budget(const Board& board) {
  const Memory* s = board.sram();
  if (!s) return 0;
  return std::max<int64_t>(static_cast<int64_t>(s->size) - kSramReserveBytes, 0);
}

namespace {

// Home buffers of every activation tensor in `memory` (kinds Input/Output for the graph's ends).
// `skip`: tensors that never exist whole (intermediates of fused chains).
Homes activation_homes(PlanBuilder& pb, const Graph& g, const std::vector<std::string>& memory_of_tensor,
                       const std::vector<bool>& skip = {}) {
  Homes h;
  h.buffer.assign(g.tensors.size(), -1);
  std::vector<bool> is_in(g.tensors.size(), false), is_out(g.tensors.size(), false);
  for (int id : g.inputs) is_in[static_cast<size_t>(id)] = true;
  for (int id : g.outputs) is_out[static_cast<size_t>(id)] = true;
  for (const LiveRange& r : activation_live_ranges(g)) {
    const size_t t = static_cast<size_t>(r.tensor);
    if (t < skip.size() && skip[t]) continue;
    const BufferKind kind = is_in[t] ? BufferKind::Input : is_out[t] ? BufferKind::Output : BufferKind::Activation;
    h.buffer[t] = pb.add_buffer(tensor_label(g, r.tensor), kind, memory_of_tensor[t],
                                std::max<int64_t>(static_cast<int64_t>(r.bytes), 1), r.tensor);
  }
  return h;
}

void weight_homes(PlanBuilder& pb, const PlanContext& ctx, Homes& h, const std::vector<std::string>& memory_of_tensor) {
  for (const PreparedOp& p : ctx.prepared) {
    std::vector<int> consts = p.inputs;  // constant activation operands (e.g. ADD with a constant) live like weights
    if (p.weights >= 0) consts.push_back(p.weights);
    for (int id : consts) {
      const Tensor& t = ctx.g.tensor(id);
      if (!t.is_constant() || h.buffer[static_cast<size_t>(id)] >= 0) continue;
      h.buffer[static_cast<size_t>(id)] = pb.add_buffer(tensor_label(ctx.g, id), BufferKind::Weights,
                                                        memory_of_tensor[static_cast<size_t>(id)],
                                                        static_cast<int64_t>(t.bytes()), id);
    }
  }
}

void set_io_buffers(Plan& plan, const Graph& g, const Homes& h) {
  plan.input_buffers.clear();
  plan.output_buffers.clear();
  for (int id : g.inputs) plan.input_buffers.push_back(h.buffer[static_cast<size_t>(id)]);
  for (int id : g.outputs) plan.output_buffers.push_back(h.buffer[static_cast<size_t>(id)]);
}

int64_t total_weight_bytes(const PlanContext& ctx) {
  int64_t total = 0;
  std::vector<bool> seen(ctx.g.tensors.size(), false);
  for (const PreparedOp& p : ctx.prepared) {
    std::vector<int> consts = p.inputs;
    if (p.weights >= 0) consts.push_back(p.weights);
    for (int id : consts) {
      if (!ctx.g.tensor(id).is_constant() || seen[static_cast<size_t>(id)]) continue;
      seen[static_cast<size_t>(id)] = true;
      total += static_cast<int64_t>(ctx.g.tensor(id).bytes());
    }
  }
  return total;
}

const MemoryUse* use_of(const Plan& plan, const std::string& name) {
  for (const MemoryUse& u : plan.memories)
    if (u.name == name) return &u;
  return nullptr;
}

// The op with the most activation bytes live, and the tensors live there (largest first).
std::string peak_description(const Graph& g) {
  ArenaPlan a = plan_arena(g);
  std::vector<std::pair<size_t, int>> live;
  for (const LiveRange& r : activation_live_ranges(g))
    if (r.first_op <= a.live_peak_op && a.live_peak_op <= r.last_op) live.emplace_back(r.bytes, r.tensor);
  std::sort(live.rbegin(), live.rend());
  std::string s = fmt::format("peak at {}: ", op_label(g, a.live_peak_op));
  for (size_t i = 0; i < live.size(); ++i)
    s += fmt::format("{}'{}' {} B", i ? ", " : "", tensor_label(g, live[i].second), live[i].first);
  return s + " live";
}

// Every tensor in the SRAM, weights in the internal flash. Where whole tensors exceed the budget,
// chains of ops are fused (fusion.h) until the live bytes fit; the offsets are then assigned and, if
// fragmentation still overflows, the fusion target is lowered and the plan made again.
Result<Plan> plan_internal(PlanContext& ctx) {
  const Board& b = ctx.board;
  const Memory* sram = b.sram();
  const Memory* flash = b.internal_flash();
  if (!flash) return Error{fmt::format("internal strategy: board '{}' has no internal flash role for the weights", b.name)};
  std::vector<std::string> mem(ctx.g.tensors.size(), sram->name);
  for (size_t t = 0; t < mem.size(); ++t)
    if (ctx.g.tensors[t].is_constant()) mem[t] = flash->name;
  int64_t target = ctx.sram_budget;
  Plan plan;
  int64_t sram_used = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::vector<Chain> chains = choose_chains(ctx, target);
    std::vector<bool> intermediate(ctx.g.tensors.size(), false);
    for (const Chain& c : chains)
      for (int op = c.first; op < c.last; ++op)
        intermediate[static_cast<size_t>(ctx.prepared[static_cast<size_t>(op)].output)] = true;
    PlanBuilder pb(b);
    Homes homes = activation_homes(pb, ctx.g, mem, intermediate);
    weight_homes(pb, ctx, homes, mem);
    for (const Chain& c : chains) {
      if (c.first == c.last) {
        OpPlan summary;
        emit_direct(pb, ctx, ctx.models[static_cast<size_t>(c.first)], homes, sram->name, &summary);
        pb.plan().ops.push_back(summary);
      } else {
        emit_chain(pb, ctx, c, homes, sram->name, &pb.plan().ops);
      }
    }
    set_io_buffers(pb.plan(), ctx.g, homes);
    Status st = pb.finish();
    if (!st.ok()) return st.error();
    plan = std::move(pb.plan());
    sram_used = use_of(plan, sram->name)->used;
    if (sram_used <= ctx.sram_budget) break;
    target -= std::max<int64_t>(sram_used - ctx.sram_budget, ctx.cp.alignment) * (attempt + 1);
  }
  std::vector<std::string> errors;
  if (sram_used > ctx.sram_budget)
    errors.push_back(fmt::format("memory '{}' ({}) overflows by {} bytes: activations and scratch need {} bytes (with "
                                 "fused row-tiled chains), the SRAM budget is {} bytes; whole tensors {}",
                                 sram->name, memory_kind_name(sram->kind), sram_used - ctx.sram_budget, sram_used,
                                 ctx.sram_budget, peak_description(ctx.g)));
  const int64_t weights = total_weight_bytes(ctx);
  if (weights > ctx.flash_capacity)
    errors.push_back(fmt::format("memory '{}' ({}) overflows by {} bytes: weights need {} bytes, {} are available ({} "
                                 "bytes minus {} for code and {} for the per-channel tables)",
                                 flash->name, memory_kind_name(flash->kind), weights - ctx.flash_capacity, weights,
                                 std::max<int64_t>(ctx.flash_capacity, 0), flash->size, flash_code_reserve_bytes(b),
                                 ctx.tables_bytes));
  if (!errors.empty()) {
    std::string msg = fmt::format("internal strategy does not fit board '{}': ", b.name);
    for (size_t i = 0; i < errors.size(); ++i) msg += (i ? "; and " : "") + errors[i];
    return Error{msg};
  }
  return plan;
}

// Every op once on its whole output where its operands live: activations (and scratch) in `act`,
// weights in `weights`, no DMA. Memory sizes are not checked here.
Result<Plan> plan_direct(PlanContext& ctx, const Memory& act, const Memory& weights) {
  PlanBuilder pb(ctx.board);
  std::vector<std::string> mem(ctx.g.tensors.size(), act.name);
  for (size_t t = 0; t < mem.size(); ++t)
    if (ctx.g.tensors[t].is_constant()) mem[t] = weights.name;
  Homes homes = activation_homes(pb, ctx.g, mem);
  weight_homes(pb, ctx, homes, mem);
  for (const OpModel& m : ctx.models) {
    OpPlan summary;
    emit_direct(pb, ctx, m, homes, act.name, &summary);
    pb.plan().ops.push_back(summary);
  }
  set_io_buffers(pb.plan(), ctx.g, homes);
  Status st = pb.finish();
  if (!st.ok()) return st.error();
  return std::move(pb.plan());
}

Result<Plan> plan_external(PlanContext& ctx) {
  const Board& b = ctx.board;
  const Memory* ram = b.external_ram();
  const Memory* xflash = b.external_flash();
  if (!ram) return Error{fmt::format("external strategy: board '{}' has no external RAM role for the activations", b.name)};
  if (!xflash) return Error{fmt::format("external strategy: board '{}' has no external flash role for the weights", b.name)};
  Result<Plan> r = plan_direct(ctx, *ram, *xflash);
  if (!r.ok()) return r;
  Plan& plan = r.value();
  for (const MemoryUse& u : plan.memories)
    if (u.used > u.size)
      return Error{fmt::format("external strategy does not fit board '{}': memory '{}' ({}) overflows by {} bytes ({} "
                               "needed, {} available)",
                               b.name, u.name, u.kind, u.used - u.size, u.used, u.size)};
  return r;
}

// Prepares the ops and the estimates every strategy starts from.
Status init_context(PlanContext& ctx) {
  const Board& board = ctx.board;
  const Memory* sram = board.sram();
  if (!sram) return Error{fmt::format("board '{}' has no SRAM role", board.name)};
  ctx.sram_budget = ctx.options.sram_budget > 0 ? ctx.options.sram_budget : default_sram_budget(board);
  if (ctx.sram_budget > static_cast<int64_t>(sram->size))
    return Error{fmt::format("SRAM budget {} bytes exceeds memory '{}' of board '{}' ({} bytes)", ctx.sram_budget,
                             sram->name, board.name, sram->size)};
  auto prepared = prepare_graph(ctx.g);
  if (!prepared.ok()) return prepared.error();
  ctx.prepared = std::move(prepared.value());
  ctx.cp = cost_params(board);
  for (const PreparedOp& p : ctx.prepared) {
    for (const PreparedTable& t : p.tables()) ctx.tables_bytes += static_cast<int64_t>(t.bytes);
    ctx.models.push_back(make_op_model(ctx.g, p, ctx.cp, ctx.options.call_cycles));
  }
  if (const Memory* flash = board.internal_flash())
    ctx.flash_capacity = static_cast<int64_t>(flash->size) - flash_code_reserve_bytes(board) - ctx.tables_bytes;
  if (ctx.g.ops.empty()) return Error{"the graph has no ops to plan"};
  return ok_status();
}

}  // namespace

int64_t flash_code_reserve_bytes(const Board& board) {
  return board.cpu.core == CpuCore::CortexM55 ? kFlashCodeReserveBytesM55 : kFlashCodeReserveBytes;
}

Result<Plan> make_direct_plan(const Graph& g, const Board& board, const std::string& activation_memory,
                              const std::string& weight_memory, const std::string& label) {
  const Memory* act = board.memory(activation_memory);
  const Memory* weights = board.memory(weight_memory);
  if (!act) return Error{fmt::format("board '{}' has no memory '{}' for the activations", board.name, activation_memory)};
  if (!weights) return Error{fmt::format("board '{}' has no memory '{}' for the weights", board.name, weight_memory)};
  PlanContext ctx(g, board);
  Status st = init_context(ctx);
  if (!st.ok()) return st.error();
  Result<Plan> r = plan_direct(ctx, *act, *weights);
  if (!r.ok()) return r;
  r.value().board = board.name;
  r.value().strategy = label;
  r.value().sram_budget = ctx.sram_budget;
  return r;
}

Result<Plan> make_plan(const Graph& g, const Board& board, const PlanOptions& options) {
  PlanContext ctx(g, board);
  ctx.options = options;
  Status st = init_context(ctx);
  if (!st.ok()) return st.error();

  Result<Plan> r = Error{""};
  switch (options.strategy) {
    case Strategy::Internal: r = plan_internal(ctx); break;
    case Strategy::External: r = plan_external(ctx); break;
    case Strategy::TinyOps: r = plan_tinyops(ctx, nullptr); break;
  }
  if (!r.ok()) return r;
  Plan& plan = r.value();
  plan.model = options.model;
  plan.board = board.name;
  plan.strategy = strategy_name(options.strategy);
  plan.sram_budget = ctx.sram_budget;
  return r;
}

}  // namespace tinyops
