#include "plan/fusion.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "plan/arena.h"

namespace tinyops {

namespace {

int64_t round_up(int64_t v, int64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

// Index of `tensor` among op's kernel inputs, or -1.
int input_index(const PreparedOp& p, int tensor) {
  for (size_t i = 0; i < p.inputs.size(); ++i)
    if (p.inputs[i] == tensor) return static_cast<int>(i);
  return -1;
}

std::vector<int> distinct_block_counts(int n) {
  std::vector<int> v;
  for (int size = 1; size <= n; ++size) {
    const int k = (n + size - 1) / size;
    if (v.empty() || v.back() != k) v.push_back(k);
  }
  std::reverse(v.begin(), v.end());
  return v;
}

// Live-byte model of the SRAM for the internal strategy.
struct LiveModel {
  const PlanContext& ctx;
  std::vector<int> first, last;  // per tensor: ops during which its home is live (-1: not an activation)
  std::vector<int64_t> size;     // per tensor, aligned
  std::vector<int> consumers;    // per tensor: number of (op, input) uses

  explicit LiveModel(const PlanContext& c) : ctx(c) {
    const size_t nt = c.g.tensors.size();
    first.assign(nt, -1);
    last.assign(nt, -1);
    size.assign(nt, 0);
    consumers.assign(nt, 0);
    for (const LiveRange& r : activation_live_ranges(c.g)) {
      const size_t t = static_cast<size_t>(r.tensor);
      first[t] = r.first_op;  // graph inputs: 0; graph outputs: last op
      last[t] = r.last_op;
      size[t] = round_up(static_cast<int64_t>(r.bytes), c.cp.alignment);
    }
    for (const PreparedOp& p : c.prepared)
      for (int t : p.inputs) consumers[static_cast<size_t>(t)] += 1;
  }

  // Bytes live while the chain runs: whole tensors except its intermediates, its tiles, scratch.
  int64_t peak(const Chain& c, const ChainGeometry* geo) const {
    std::vector<bool> inter(ctx.g.tensors.size(), false);
    for (int op = c.first; op < c.last; ++op) inter[static_cast<size_t>(ctx.prepared[static_cast<size_t>(op)].output)] = true;
    int64_t sum = 0;
    for (size_t t = 0; t < size.size(); ++t)
      if (first[t] >= 0 && !inter[t] && first[t] <= c.last && c.first <= last[t]) sum += size[t];
    if (geo)
      for (int64_t b : geo->tile_bytes) sum += round_up(b, ctx.cp.alignment);
    int64_t scratch = 0;
    for (int op = c.first; op <= c.last; ++op)
      scratch = std::max<int64_t>(scratch, round_up(ctx.models[static_cast<size_t>(op)].scratch_full, ctx.cp.alignment));
    return sum + scratch;
  }
};

struct Choice {
  Chain chain;
  int64_t peak = 0;
  double recompute = 0;
};

// Block count for a chain: the least recompute among those under `target`, else the smallest peak.
Choice best_blocks(const PlanContext& ctx, const LiveModel& lm, Chain c, int64_t target) {
  Choice best;
  bool have = false, best_fits = false;
  const int H = ctx.models[static_cast<size_t>(c.last)].out_shape.h;
  for (int R : distinct_block_counts(H)) {
    c.blocks = R;
    const ChainGeometry geo = chain_geometry(ctx, c);
    const int64_t p = lm.peak(c, &geo);
    const bool fits = p <= target;
    bool better = false;
    if (!have) better = true;
    else if (fits != best_fits) better = fits;
    else if (fits) better = geo.recompute_cycles < best.recompute || (geo.recompute_cycles == best.recompute && p < best.peak);
    else better = p < best.peak || (p == best.peak && geo.recompute_cycles < best.recompute);
    if (better) {
      best = Choice{c, p, geo.recompute_cycles};
      best_fits = fits;
      have = true;
    }
  }
  return best;
}

}  // namespace

bool fusable_edge(const PlanContext& ctx, int op) {
  if (op < 0 || op + 1 >= static_cast<int>(ctx.prepared.size())) return false;
  const PreparedOp& a = ctx.prepared[static_cast<size_t>(op)];
  const PreparedOp& b = ctx.prepared[static_cast<size_t>(op) + 1];
  const OpModel& ma = ctx.models[static_cast<size_t>(op)];
  const OpModel& mb = ctx.models[static_cast<size_t>(op) + 1];
  if (!(ma.caps & kPartitionRows) || !(mb.caps & kPartitionRows) || ma.batched || mb.batched) return false;
  for (int id : ctx.g.outputs)
    if (id == a.output) return false;
  int uses = 0;
  for (const PreparedOp& p : ctx.prepared)
    for (int t : p.inputs) uses += t == a.output;
  return uses == 1 && input_index(b, a.output) >= 0;
}

ChainGeometry chain_geometry(const PlanContext& ctx, const Chain& c) {
  ChainGeometry geo;
  const int n = c.last - c.first + 1;
  const int R = c.blocks;
  geo.rows.assign(static_cast<size_t>(n), std::vector<std::pair<int32_t, int32_t>>(static_cast<size_t>(R)));
  const OpModel& lastm = ctx.models[static_cast<size_t>(c.last)];
  for (int b = 0; b < R; ++b)
    geo.rows[static_cast<size_t>(n - 1)][static_cast<size_t>(b)] = {OpModel::split(lastm.out_shape.h, R, b),
                                                                     OpModel::split(lastm.out_shape.h, R, b + 1)};
  for (int i = n - 2; i >= 0; --i) {
    const int op = c.first + i;
    const OpModel& next = ctx.models[static_cast<size_t>(op + 1)];
    const int k = input_index(ctx.prepared[static_cast<size_t>(op + 1)], ctx.prepared[static_cast<size_t>(op)].output);
    for (int b = 0; b < R; ++b) {
      const auto& need = geo.rows[static_cast<size_t>(i + 1)][static_cast<size_t>(b)];
      int32_t a = 0, e = 0;
      if (need.first < need.second) next.input_rows(k, need.first, need.second, &a, &e);
      geo.rows[static_cast<size_t>(i)][static_cast<size_t>(b)] = {a, e};
    }
  }
  for (int i = 0; i < n; ++i) {
    const OpModel& m = ctx.models[static_cast<size_t>(c.first + i)];
    const int64_t row_bytes = int64_t{m.out_shape.w} * m.out_shape.c * m.out_elem;
    int64_t total = 0, max_rows = 0;
    for (const auto& r : geo.rows[static_cast<size_t>(i)]) {
      total += std::max(0, r.second - r.first);
      max_rows = std::max<int64_t>(max_rows, r.second - r.first);
    }
    if (i < n - 1) geo.tile_bytes.push_back(std::max<int64_t>(max_rows * row_bytes, 1));
    if (m.out_shape.h > 0 && total > m.out_shape.h)
      geo.recompute_cycles += m.compute_cycles * static_cast<double>(total - m.out_shape.h) / m.out_shape.h;
  }
  return geo;
}

std::vector<Chain> choose_chains(const PlanContext& ctx, int64_t target) {  // target: copied, lowered below
  const LiveModel lm(ctx);
  std::vector<Choice> groups;
  for (int op = 0; op < static_cast<int>(ctx.prepared.size()); ++op) {
    Chain c{op, op, 1};
    groups.push_back(Choice{c, lm.peak(c, nullptr), 0});
  }
  // Fits target -> least recompute (then smallest peak); else smallest peak (then least recompute).
  auto better = [&](const Choice& a, const Choice& b) {
    const bool fa = a.peak <= target, fb = b.peak <= target;
    if (fa != fb) return fa;
    if (fa) return a.recompute < b.recompute || (a.recompute == b.recompute && a.peak < b.peak);
    return a.peak < b.peak || (a.peak == b.peak && a.recompute < b.recompute);
  };
  constexpr size_t kReach = 8;  // groups absorbed on either side at most
  // Past the target, keep lowering the peak while the recompute stays negligible: rows computed twice
  // cost at most 0.5% of the estimated compute (halo copies of PAD, not MACs).
  double total_cycles = 0;
  for (const OpModel& m : ctx.models) total_cycles += m.compute_cycles;
  const double allowance = 0.005 * total_cycles;
  double recompute = 0;
  bool lowering = false;
  for (size_t guard = 0; guard < 2 * ctx.prepared.size(); ++guard) {
    size_t top = 0;
    for (size_t i = 1; i < groups.size(); ++i)
      if (groups[i].peak > groups[top].peak) top = i;
    if (groups[top].peak <= target) {
      lowering = true;
      target = groups[top].peak - 1;
    }
    // Every chain of whole groups around the peak group joined by fusable edges.
    size_t lo_min = top, hi_max = top;
    while (lo_min > 0 && top - lo_min < kReach && fusable_edge(ctx, groups[lo_min - 1].chain.last)) --lo_min;
    while (hi_max + 1 < groups.size() && hi_max - top < kReach && fusable_edge(ctx, groups[hi_max].chain.last)) ++hi_max;
    bool have = false;
    Choice best;
    size_t best_lo = top, best_hi = top;
    for (size_t lo = lo_min; lo <= top; ++lo) {
      for (size_t hi = top; hi <= hi_max; ++hi) {
        if (lo == hi) continue;
        Choice c = best_blocks(ctx, lm, Chain{groups[lo].chain.first, groups[hi].chain.last, 1}, target);
        if (!have || better(c, best)) {
          best = c;
          best_lo = lo, best_hi = hi;
          have = true;
        }
      }
    }
    if (!have || best.peak >= groups[top].peak) break;
    double removed = 0;
    for (size_t i = best_lo; i <= best_hi; ++i) removed += groups[i].recompute;
    if (lowering && recompute - removed + best.recompute > allowance) break;
    recompute += best.recompute - removed;
    groups[best_lo] = best;
    groups.erase(groups.begin() + static_cast<long>(best_lo) + 1, groups.begin() + static_cast<long>(best_hi) + 1);
  }
  std::vector<Chain> out;
  for (const Choice& c : groups) out.push_back(c.chain);
  return out;
}

void emit_chain(PlanBuilder& pb, const PlanContext& ctx, const Chain& c, const Homes& homes, const std::string& memory,
                std::vector<OpPlan>* summaries) {
  const ChainGeometry geo = chain_geometry(ctx, c);
  const int n = c.last - c.first + 1;
  std::vector<int> tiles;
  for (int i = 0; i < n - 1; ++i)
    tiles.push_back(pb.add_buffer(fmt::format("rows_op{}", c.first + i), BufferKind::Tile, memory,
                                  geo.tile_bytes[static_cast<size_t>(i)]));
  std::vector<int> steps_of(static_cast<size_t>(n), 0);
  std::vector<size_t> compute_steps;
  int32_t scratch_max = 0;
  for (int b = 0; b < c.blocks; ++b) {
    for (int i = 0; i < n; ++i) {
      const int op = c.first + i;
      const auto& rows = geo.rows[static_cast<size_t>(i)][static_cast<size_t>(b)];
      if (rows.first >= rows.second) continue;
      const PreparedOp& p = ctx.prepared[static_cast<size_t>(op)];
      const OpModel& m = ctx.models[static_cast<size_t>(op)];
      ComputeStep s;
      s.op = op;
      s.partition = steps_of[static_cast<size_t>(i)]++;
      s.range = OutRange{rows.first, rows.second, 0, m.out_shape.c};
      const int prev_out = i > 0 ? ctx.prepared[static_cast<size_t>(op - 1)].output : -1;
      for (size_t k = 0; k < p.inputs.size(); ++k) {
        if (i > 0 && p.inputs[k] == prev_out) {
          const auto& pr = geo.rows[static_cast<size_t>(i - 1)][static_cast<size_t>(b)];
          s.inputs.push_back(dense_box_view(tiles[static_cast<size_t>(i - 1)], p.input_types[k], p.input_shapes[k],
                                            pr.first, pr.second - pr.first, 0, p.input_shapes[k].c));
        } else {
          s.inputs.push_back(whole_view(homes.buffer[static_cast<size_t>(p.inputs[k])], p.input_types[k], p.input_shapes[k]));
        }
      }
      if (p.weights >= 0) s.weights = whole_view(homes.buffer[static_cast<size_t>(p.weights)], p.weight_type, p.weight_shape);
      if (i < n - 1)
        s.output = dense_box_view(tiles[static_cast<size_t>(i)], p.output_type, p.output_shape, rows.first,
                                  rows.second - rows.first, 0, p.output_shape.c);
      else
        s.output = whole_view(homes.buffer[static_cast<size_t>(p.output)], p.output_type, p.output_shape);
      s.scratch_bytes = step_scratch_bytes(p, s);
      scratch_max = std::max(scratch_max, s.scratch_bytes);
      compute_steps.push_back(pb.plan().steps.size());
      pb.compute(std::move(s));
    }
  }
  if (scratch_max > 0) {
    const int sb = pb.add_buffer(fmt::format("scratch_ops{}-{}", c.first, c.last), BufferKind::Scratch, memory, scratch_max);
    for (size_t idx : compute_steps) pb.plan().steps[idx].compute.scratch_buffer = sb;
  }
  for (int i = 0; i < n; ++i) {
    OpPlan o;
    o.op = c.first + i;
    o.partitions = steps_of[static_cast<size_t>(i)];
    o.axis = o.partitions > 1 ? "rows" : "none";
    summaries->push_back(o);
  }
}

}  // namespace tinyops
