#include "plan/arena.h"

#include <algorithm>

namespace tinyops {

std::vector<LiveRange> activation_live_ranges(const Graph& g) {
  const int last = g.ops.empty() ? 0 : static_cast<int>(g.ops.size()) - 1;
  std::vector<LiveRange> ranges(g.tensors.size());
  std::vector<bool> used(g.tensors.size(), false);
  auto touch = [&](int id, int op_index, bool produce) {
    if (id < 0 || g.tensor(id).is_constant()) return;
    LiveRange& r = ranges[static_cast<size_t>(id)];
    if (!used[static_cast<size_t>(id)]) {
      used[static_cast<size_t>(id)] = true;
      r.tensor = id;
      r.first_op = produce ? op_index : 0;
      r.last_op = op_index;
      r.bytes = g.tensor(id).bytes();
    }
    r.last_op = std::max(r.last_op, op_index);
  };
  for (int id : g.inputs) touch(id, 0, false);
  for (const Op& op : g.ops) {
    for (int id : op.outputs) touch(id, op.index, true);
    for (int id : op.inputs) touch(id, op.index, false);
  }
  for (int id : g.outputs) touch(id, last, false);
  std::vector<LiveRange> out;
  for (size_t i = 0; i < ranges.size(); ++i)
    if (used[i]) out.push_back(ranges[i]);
  return out;
}

ArenaPlan plan_arena(const Graph& g, size_t alignment) {
  ArenaPlan plan;
  plan.offset.assign(g.tensors.size(), -1);
  std::vector<LiveRange> ranges = activation_live_ranges(g);
  auto align = [&](size_t v) { return (v + alignment - 1) / alignment * alignment; };

  std::vector<size_t> order(ranges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranges[a].bytes > ranges[b].bytes; });

  std::vector<size_t> placed;
  for (size_t idx : order) {
    const LiveRange& r = ranges[idx];
    // Collect intervals of already placed tensors whose lifetime overlaps, sorted by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t p : placed) {
      const LiveRange& o = ranges[p];
      if (o.first_op <= r.last_op && r.first_op <= o.last_op) {
        size_t off = static_cast<size_t>(plan.offset[static_cast<size_t>(o.tensor)]);
        busy.emplace_back(off, off + o.bytes);
      }
    }
    std::sort(busy.begin(), busy.end());
    size_t candidate = 0;
    for (const auto& [b, e] : busy) {
      if (candidate + r.bytes <= b) break;
      candidate = std::max(candidate, align(e));
    }
    plan.offset[static_cast<size_t>(r.tensor)] = static_cast<int64_t>(candidate);
    plan.arena_bytes = std::max(plan.arena_bytes, candidate + r.bytes);
    placed.push_back(idx);
  }
  for (const Op& op : g.ops) {
    size_t live = 0;
    for (const LiveRange& r : ranges)
      if (r.first_op <= op.index && op.index <= r.last_op) live += r.bytes;
    if (live > plan.live_peak_bytes) {
      plan.live_peak_bytes = live;
      plan.live_peak_op = op.index;
    }
  }
  return plan;
}

}  // namespace tinyops
