#include "plan/plan_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace tinyops {

PlanView dense_box_view(int buffer, ElemType type, Shape4 full, int32_t y0, int32_t h, int32_t c0, int32_t c) {
  PlanView v;
  v.buffer = buffer;
  v.byte_offset = 0;
  v.type = type;
  v.full = full;
  v.n0 = 0, v.y0 = y0, v.x0 = 0, v.c0 = c0;
  v.n = full.n, v.h = h, v.w = full.w, v.c = c;
  v.stride_c = 1;
  v.stride_w = c;
  v.stride_h = full.w * c;
  v.stride_n = h * full.w * c;
  return v;
}

PlanView whole_view(int buffer, ElemType type, Shape4 full) {
  return dense_box_view(buffer, type, full, 0, full.h, 0, full.c);
}

PlanBuilder::PlanBuilder(const Board& board) : board_(board) {
  plan_.board = board.name;
  for (const DmaEngine& d : board.dma) {
    alignment_ = std::max<int32_t>(alignment_, static_cast<int32_t>(d.alignment));
    if (max_transfer_ == 0 || static_cast<int64_t>(d.max_transfer_bytes) < max_transfer_)
      max_transfer_ = static_cast<int64_t>(d.max_transfer_bytes);
  }
}

int PlanBuilder::add_buffer(const std::string& name, BufferKind kind, const std::string& memory, int64_t size,
                            int tensor) {
  PlanBuffer b;
  b.id = static_cast<int>(plan_.buffers.size());
  b.name = name;
  b.kind = kind;
  b.memory = memory;
  b.size = size;
  b.alignment = alignment_;
  b.tensor = tensor;
  b.first_step = -1;
  b.last_step = -1;
  plan_.buffers.push_back(std::move(b));
  return plan_.buffers.back().id;
}

void PlanBuilder::compute(ComputeStep step) {
  PlanStep s;
  s.kind = StepKind::Compute;
  s.compute = std::move(step);
  plan_.steps.push_back(std::move(s));
}

int64_t PlanBuilder::transfers_for(int64_t rows, int64_t row_bytes) const {
  if (rows <= 0 || row_bytes <= 0) return 0;
  if (max_transfer_ <= 0) return 1;
  if (row_bytes > max_transfer_) return rows * ((row_bytes + max_transfer_ - 1) / max_transfer_);
  const int64_t rows_per = max_transfer_ / row_bytes;
  return (rows + rows_per - 1) / rows_per;
}

std::vector<int> PlanBuilder::dma_copy(int channel, int src_buffer, int64_t src_offset, int64_t src_stride,
                                       int dst_buffer, int64_t dst_offset, int64_t dst_stride, int64_t rows,
                                       int64_t row_bytes) {
  std::vector<int> ids;
  if (rows <= 0 || row_bytes <= 0) return ids;
  // Contiguous blocks are one row.
  if (rows > 1 && src_stride == row_bytes && dst_stride == row_bytes) {
    row_bytes *= rows;
    rows = 1;
  }
  auto emit = [&](int64_t so, int64_t ss, int64_t dof, int64_t ds, int64_t r, int64_t rb) {
    PlanStep s;
    s.kind = StepKind::DmaStart;
    DmaStep& d = s.dma;
    d.dma = next_dma_++;
    d.channel = channel;
    d.src_buffer = src_buffer;
    d.src_offset = so;
    d.src_stride = r > 1 ? ss : rb;
    d.dst_buffer = dst_buffer;
    d.dst_offset = dof;
    d.dst_stride = r > 1 ? ds : rb;
    d.rows = static_cast<int32_t>(r);
    d.row_bytes = static_cast<int32_t>(rb);
    ids.push_back(d.dma);
    plan_.steps.push_back(std::move(s));
  };
  const int64_t max = max_transfer_ > 0 ? max_transfer_ : row_bytes * rows;
  if (row_bytes > max) {
    // Each row in pieces of at most `max` bytes.
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t b = 0; b < row_bytes; b += max)
        emit(src_offset + r * src_stride + b, 0, dst_offset + r * dst_stride + b, 0, 1, std::min(max, row_bytes - b));
    return ids;
  }
  const int64_t rows_per = max / row_bytes;
  for (int64_t r = 0; r < rows; r += rows_per) {
    const int64_t n = std::min(rows_per, rows - r);
    emit(src_offset + r * src_stride, src_stride, dst_offset + r * dst_stride, dst_stride, n, row_bytes);
  }
  return ids;
}

void PlanBuilder::dma_wait(const std::vector<int>& ids) {
  for (int id : ids) {
    PlanStep s;
    s.kind = StepKind::DmaWait;
    s.dma.dma = id;
    plan_.steps.push_back(std::move(s));
  }
}

namespace {

// Places items in `order`, each at the lowest aligned offset free over its live range.
std::vector<int64_t> place_in_order(const std::vector<Interval>& items, const std::vector<size_t>& order, int64_t* used) {
  std::vector<int64_t> offset(items.size(), -1);
  int64_t top = 0;
  std::vector<size_t> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;
  for (size_t idx : order) {
    const Interval& it = items[idx];
    busy.clear();
    for (size_t p : placed) {
      const Interval& o = items[p];
      if (o.first <= it.last && it.first <= o.last) busy.emplace_back(offset[p], offset[p] + o.size);
    }
    std::sort(busy.begin(), busy.end());
    const int64_t a = std::max<int32_t>(it.alignment, 1);
    auto align = [&](int64_t v) { return (v + a - 1) / a * a; };
    int64_t candidate = 0;
    for (const auto& [b, e] : busy) {
      if (candidate + it.size <= b) break;
      candidate = std::max(candidate, align(e));
    }
    offset[idx] = candidate;
    top = std::max(top, candidate + it.size);
    placed.push_back(idx);
  }
  *used = top;
  return offset;
}

}  // namespace

std::vector<int64_t> assign_offsets(const std::vector<Interval>& items, int64_t* used) {
  // Three greedy orders (largest first; longest-lived first; largest area of bytes x steps first); the
  // one with the lowest top wins.
  std::vector<size_t> base(items.size());
  for (size_t i = 0; i < base.size(); ++i) base[i] = i;
  auto life = [&](size_t i) { return int64_t{items[i].last} - items[i].first + 1; };
  std::vector<std::vector<size_t>> orders(3, base);
  std::stable_sort(orders[0].begin(), orders[0].end(), [&](size_t a, size_t b) {
    if (items[a].size != items[b].size) return items[a].size > items[b].size;
    return life(a) > life(b);
  });
  std::stable_sort(orders[1].begin(), orders[1].end(), [&](size_t a, size_t b) {
    if (life(a) != life(b)) return life(a) > life(b);
    return items[a].size > items[b].size;
  });
  std::stable_sort(orders[2].begin(), orders[2].end(),
                   [&](size_t a, size_t b) { return items[a].size * life(a) > items[b].size * life(b); });
  std::vector<int64_t> best;
  int64_t best_used = 0;
  for (const auto& order : orders) {
    int64_t u = 0;
    std::vector<int64_t> off = place_in_order(items, order, &u);
    if (best.empty() || u < best_used) {
      best = std::move(off);
      best_used = u;
    }
  }
  if (used) *used = best_used;
  return best;
}

Status PlanBuilder::finish() {
  const int num_steps = static_cast<int>(plan_.steps.size());
  const int last = std::max(num_steps - 1, 0);
  auto touch = [&](int buffer, int step) {
    if (buffer < 0) return;
    PlanBuffer& b = plan_.buffers[static_cast<size_t>(buffer)];
    if (b.first_step < 0 || step < b.first_step) b.first_step = step;
    if (step > b.last_step) b.last_step = step;
  };
  std::map<int, int> wait_step;
  for (int i = 0; i < num_steps; ++i)
    if (plan_.steps[static_cast<size_t>(i)].kind == StepKind::DmaWait)
      wait_step[plan_.steps[static_cast<size_t>(i)].dma.dma] = i;
  for (int i = 0; i < num_steps; ++i) {
    const PlanStep& s = plan_.steps[static_cast<size_t>(i)];
    if (s.kind == StepKind::Compute) {
      for (const PlanView& v : s.compute.inputs) touch(v.buffer, i);
      touch(s.compute.weights.buffer, i);
      touch(s.compute.output.buffer, i);
      touch(s.compute.scratch_buffer, i);
    } else if (s.kind == StepKind::DmaStart) {
      auto w = wait_step.find(s.dma.dma);
      if (w == wait_step.end()) return Error{fmt::format("internal planner error: DMA transfer {} is never waited for", s.dma.dma)};
      for (int b : {s.dma.src_buffer, s.dma.dst_buffer}) {
        touch(b, i);
        touch(b, w->second);
      }
    }
  }
  // Weights live for the whole plan; an input from step 0 to its last use (then its bytes may be reused,
  // as TFLM reuses its input tensor); an output from its first write to the end.
  for (PlanBuffer& b : plan_.buffers) {
    if (b.kind == BufferKind::Weights || b.first_step < 0) {
      b.first_step = 0;
      b.last_step = last;
    }
    if (b.kind == BufferKind::Input) b.first_step = 0;
    if (b.kind == BufferKind::Output) b.last_step = last;
  }
  plan_.memories.clear();
  for (const Memory& m : board_.memories) {
    std::vector<Interval> items;
    std::vector<int> ids;
    for (const PlanBuffer& b : plan_.buffers) {
      if (b.memory != m.name) continue;
      items.push_back(Interval{b.size, b.first_step, b.last_step, b.alignment});
      ids.push_back(b.id);
    }
    int64_t used = 0;
    std::vector<int64_t> off = assign_offsets(items, &used);
    for (size_t i = 0; i < ids.size(); ++i) plan_.buffers[static_cast<size_t>(ids[i])].offset = off[i];
    MemoryUse u;
    u.name = m.name;
    u.kind = memory_kind_name(m.kind);
    u.size = static_cast<int64_t>(m.size);
    u.used = used;
    plan_.memories.push_back(std::move(u));
  }
  for (const PlanBuffer& b : plan_.buffers)
    if (!board_.memory(b.memory))
      return Error{fmt::format("internal planner error: buffer '{}' names memory '{}' that board '{}' lacks", b.name,
                               b.memory, board_.name)};
  return ok_status();
}

}  // namespace tinyops
