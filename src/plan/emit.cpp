// Step emission for one op: direct (whole tensors where they live) or tiled (partitions with DMA
// double buffering through SRAM tiles).
#include <fmt/format.h>

#include <algorithm>

#include "plan/planner_internal.h"

namespace tinyops {

bool is_external(const Memory& m) { return m.kind == MemoryKind::Sdram || m.kind == MemoryKind::QspiFlash; }

std::string tensor_label(const Graph& g, int tensor) {
  if (tensor < 0) return "?";
  const Tensor& t = g.tensor(tensor);
  if (t.name.empty()) return fmt::format("t{}", tensor);
  // TFLite joins fused names with ';': the first one names the tensor well enough.
  std::string s = t.name.substr(0, t.name.find(';'));
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

std::string op_label(const Graph& g, int op) {
  return fmt::format("op {} ({})", op, op_name(g.ops[static_cast<size_t>(op)].kind));
}

namespace {

AnyView geometry_of(const PlanView& v) {
  AnyView a;
  a.type = v.type;
  a.full = v.full;
  a.n0 = v.n0, a.y0 = v.y0, a.x0 = v.x0, a.c0 = v.c0;
  a.n = v.n, a.h = v.h, a.w = v.w, a.c = v.c;
  a.stride_n = v.stride_n, a.stride_h = v.stride_h, a.stride_w = v.stride_w, a.stride_c = v.stride_c;
  return a;
}

}  // namespace

int32_t step_scratch_bytes(const PreparedOp& p, const ComputeStep& s) {
  KernelIO io;
  io.num_inputs = static_cast<int32_t>(s.inputs.size());
  for (size_t i = 0; i < s.inputs.size() && i < static_cast<size_t>(kMaxKernelInputs); ++i)
    io.in[i] = geometry_of(s.inputs[i]);
  if (s.weights.buffer >= 0) io.weights = geometry_of(s.weights);
  io.out = geometry_of(s.output);
  return kernel_scratch_bytes(p.args, io, s.range);
}

namespace {

PlanView weight_view(const OpModel& m, int buffer, int32_t c0, int32_t cc) {
  const ElemType t = m.prep->weight_type;
  if (!m.w_out_dim_n) return dense_box_view(buffer, t, m.w_shape, 0, m.w_shape.h, c0, cc);
  PlanView v;
  v.buffer = buffer;
  v.type = t;
  v.full = m.w_shape;
  v.n0 = c0, v.n = cc;
  v.h = m.w_shape.h, v.w = m.w_shape.w, v.c = m.w_shape.c;
  v.stride_c = 1;
  v.stride_w = m.w_shape.c;
  v.stride_h = m.w_shape.w * m.w_shape.c;
  v.stride_n = m.w_shape.h * m.w_shape.w * m.w_shape.c;
  return v;
}

int64_t region_bytes(const Shape4& full, int32_t elem, int32_t y0, int32_t y1, int32_t c0, int32_t c1) {
  return int64_t{full.n} * (y1 - y0) * full.w * (c1 - c0) * elem;
}

struct Region {
  int32_t y0 = 0, y1 = 0, c0 = 0, c1 = 0;
  bool operator==(const Region& o) const { return y0 == o.y0 && y1 == o.y1 && c0 == o.c0 && c1 == o.c1; }
  bool operator!=(const Region& o) const { return !(*this == o); }
};

// One operand streamed through SRAM tiles.
struct Track {
  enum Kind { Input, Weights, Output } kind = Input;
  int index = 0;  // input index
  int home = -1;
  std::vector<Region> reg;  // per partition
  int slots = 1;
  int buf[2] = {-1, -1};
  int64_t tile_bytes = 0;
  std::vector<int> slot_of;         // per partition
  std::vector<int> pending[2];      // transfers in flight into / out of each slot
};

}  // namespace

void emit_direct(PlanBuilder& pb, const PlanContext& ctx, const OpModel& m, const Homes& homes,
                 const std::string& scratch_memory, OpPlan* summary) {
  const PreparedOp& p = *m.prep;
  ComputeStep s;
  s.op = m.op;
  s.partition = 0;
  s.range = full_range(m.out_shape);
  for (size_t i = 0; i < p.inputs.size(); ++i)
    s.inputs.push_back(whole_view(homes.buffer[static_cast<size_t>(p.inputs[i])], p.input_types[i], p.input_shapes[i]));
  if (p.weights >= 0) s.weights = whole_view(homes.buffer[static_cast<size_t>(p.weights)], p.weight_type, p.weight_shape);
  s.output = whole_view(homes.buffer[static_cast<size_t>(p.output)], p.output_type, p.output_shape);
  const int32_t scratch = step_scratch_bytes(*m.prep, s);
  if (scratch > 0) {
    s.scratch_buffer = pb.add_buffer(fmt::format("scratch_op{}", m.op), BufferKind::Scratch, scratch_memory, scratch);
    s.scratch_bytes = scratch;
  }
  auto ext_bytes = [&](int buffer, int64_t bytes) -> int64_t {
    const Memory* mem = ctx.board.memory(pb.plan().buffers[static_cast<size_t>(buffer)].memory);
    return mem && is_external(*mem) ? bytes : 0;
  };
  summary->op = m.op;
  summary->partitions = 1;
  summary->axis = "none";
  for (size_t i = 0; i < s.inputs.size(); ++i) summary->external_read_bytes += ext_bytes(s.inputs[i].buffer, m.in_bytes[i]);
  if (s.weights.buffer >= 0) summary->external_read_bytes += ext_bytes(s.weights.buffer, m.w_bytes);
  summary->external_write_bytes += ext_bytes(s.output.buffer, m.out_bytes);
  pb.compute(std::move(s));
}

void emit_tiled(PlanBuilder& pb, const PlanContext& ctx, const OpModel& m, const Placement& pl, const Candidate& cand,
                const Homes& homes, OpPlan* summary) {
  const PreparedOp& p = *m.prep;
  const std::string sram = ctx.board.sram()->name;
  const int fetch_channel = 0;
  const int write_channel = (!ctx.board.dma.empty() && ctx.board.dma[0].channels > 1) ? 1 : 0;
  const int32_t H = m.out_shape.h, OC = m.out_shape.c;
  const int R = cand.rows, C = cand.channels;

  std::vector<OutRange> parts;
  auto add_part = [&](int b, int j) {
    parts.push_back(OutRange{OpModel::split(H, R, b), OpModel::split(H, R, b + 1), OpModel::split(OC, C, j),
                             OpModel::split(OC, C, j + 1)});
  };
  if (cand.order == LoopOrder::RowsOuter) {
    for (int b = 0; b < R; ++b)
      for (int j = 0; j < C; ++j) add_part(b, j);
  } else {
    for (int j = 0; j < C; ++j)
      for (int b = 0; b < R; ++b) add_part(b, j);
  }
  const size_t P = parts.size();

  std::vector<Track> tracks;
  for (int i = 0; i < m.num_inputs; ++i) {
    if (!pl.inputs[static_cast<size_t>(i)].tiled) continue;
    Track t;
    t.kind = Track::Input;
    t.index = i;
    t.home = homes.buffer[static_cast<size_t>(p.inputs[static_cast<size_t>(i)])];
    const bool sliced = cand.in_sliced && C > 1 && !m.batched && m.input_channel_sliceable(i);
    for (const OutRange& r : parts) {
      Region g;
      m.input_rows(i, r.y_begin, r.y_end, &g.y0, &g.y1);
      if (sliced) m.input_channels(i, r.c_begin, r.c_end, &g.c0, &g.c1);
      else g.c0 = 0, g.c1 = m.in_shape[static_cast<size_t>(i)].c;
      t.reg.push_back(g);
    }
    tracks.push_back(std::move(t));
  }
  if (m.has_weights && pl.weights.tiled) {
    Track t;
    t.kind = Track::Weights;
    t.home = homes.buffer[static_cast<size_t>(p.weights)];
    for (const OutRange& r : parts) t.reg.push_back(Region{0, 0, r.c_begin, r.c_end});
    tracks.push_back(std::move(t));
  }
  const size_t num_fetch = tracks.size();
  if (pl.output.tiled) {
    Track t;
    t.kind = Track::Output;
    t.home = homes.buffer[static_cast<size_t>(p.output)];
    const bool whole_rows = C == 1 || (cand.out_whole_rows && cand.order == LoopOrder::RowsOuter);
    for (const OutRange& r : parts)
      t.reg.push_back(whole_rows ? Region{r.y_begin, r.y_end, 0, OC} : Region{r.y_begin, r.y_end, r.c_begin, r.c_end});
    tracks.push_back(std::move(t));
  }
  // Tile sizes and slots.
  for (Track& t : tracks) {
    int changes = 0;
    for (size_t k = 0; k < P; ++k) {
      if (k == 0 || t.reg[k] != t.reg[k - 1]) ++changes;
      const Region& g = t.reg[k];
      int64_t bytes = 0;
      if (t.kind == Track::Input)
        bytes = region_bytes(m.in_shape[static_cast<size_t>(t.index)], m.in_elem[static_cast<size_t>(t.index)], g.y0,
                             g.y1, g.c0, g.c1);
      else if (t.kind == Track::Weights)
        bytes = m.weight_slice_bytes(g.c1 - g.c0);
      else
        bytes = region_bytes(m.out_shape, m.out_elem, g.y0, g.y1, g.c0, g.c1);
      t.tile_bytes = std::max(t.tile_bytes, bytes);
    }
    t.slots = changes > 1 ? 2 : 1;
    const char* what = t.kind == Track::Input ? "in" : t.kind == Track::Weights ? "w" : "out";
    for (int s = 0; s < t.slots; ++s) {
      const std::string name = t.kind == Track::Input ? fmt::format("tile_op{}_{}{}_{}", m.op, what, t.index, s)
                                                      : fmt::format("tile_op{}_{}_{}", m.op, what, s);
      t.buf[s] = pb.add_buffer(name, BufferKind::Tile, sram, std::max<int64_t>(t.tile_bytes, 1));
    }
  }

  int64_t dma_in = 0, dma_out = 0;
  auto fetch = [&](Track& t, const Region& g, int slot) {
    std::vector<int> ids;
    if (t.kind == Track::Input) {
      const Shape4& s = m.in_shape[static_cast<size_t>(t.index)];
      const int64_t e = m.in_elem[static_cast<size_t>(t.index)];
      if (g.c0 == 0 && g.c1 == s.c) {
        const int64_t bytes = region_bytes(s, static_cast<int32_t>(e), g.y0, g.y1, 0, s.c);
        ids = pb.dma_copy(fetch_channel, t.home, int64_t{g.y0} * s.w * s.c * e, bytes, t.buf[slot], 0, bytes, 1, bytes);
      } else {
        const int64_t rb = int64_t{g.c1 - g.c0} * e;
        ids = pb.dma_copy(fetch_channel, t.home, (int64_t{g.y0} * s.w * s.c + g.c0) * e, int64_t{s.c} * e, t.buf[slot],
                          0, rb, int64_t{g.y1 - g.y0} * s.w, rb);
      }
      dma_in += region_bytes(s, static_cast<int32_t>(e), g.y0, g.y1, g.c0, g.c1);
    } else {
      const int32_t cc = g.c1 - g.c0;
      const int64_t e = m.w_elem;
      if (m.w_out_dim_n || cc == m.w_shape.c) {
        const int64_t per = m.weight_slice_bytes(1);
        const int64_t off = m.w_out_dim_n ? g.c0 * per : 0;
        const int64_t bytes = m.weight_slice_bytes(cc);
        ids = pb.dma_copy(fetch_channel, t.home, off, bytes, t.buf[slot], 0, bytes, 1, bytes);
      } else {
        ids = pb.dma_copy(fetch_channel, t.home, g.c0 * e, int64_t{m.w_shape.c} * e, t.buf[slot], 0, cc * e,
                          int64_t{m.w_shape.n} * m.w_shape.h * m.w_shape.w, cc * e);
      }
      dma_in += m.weight_slice_bytes(cc);
    }
    t.pending[slot] = ids;
  };
  auto writeback = [&](Track& t, const Region& g, int slot) {
    const Shape4& s = m.out_shape;
    const int64_t e = m.out_elem;
    std::vector<int> ids;
    if (g.c0 == 0 && g.c1 == s.c) {
      const int64_t bytes = region_bytes(s, static_cast<int32_t>(e), g.y0, g.y1, 0, s.c);
      ids = pb.dma_copy(write_channel, t.buf[slot], 0, bytes, t.home, int64_t{g.y0} * s.w * s.c * e, bytes, 1, bytes);
    } else {
      const int64_t rb = int64_t{g.c1 - g.c0} * e;
      ids = pb.dma_copy(write_channel, t.buf[slot], 0, rb, t.home, (int64_t{g.y0} * s.w * s.c + g.c0) * e,
                        int64_t{s.c} * e, int64_t{g.y1 - g.y0} * s.w, rb);
    }
    dma_out += region_bytes(s, static_cast<int32_t>(e), g.y0, g.y1, g.c0, g.c1);
    t.pending[slot] = ids;
  };
  auto wait = [&](std::vector<int>& ids) {
    pb.dma_wait(ids);
    ids.clear();
  };

  // Prologue: partition 0's operands.
  for (size_t t = 0; t < num_fetch; ++t) {
    tracks[t].slot_of.assign(P, 0);
    fetch(tracks[t], tracks[t].reg[0], 0);
  }
  int out_region = -1;
  int out_slot = 0;
  int32_t scratch_max = 0;
  std::vector<size_t> compute_steps;
  for (size_t k = 0; k < P; ++k) {
    for (size_t t = 0; t < num_fetch; ++t) wait(tracks[t].pending[tracks[t].slot_of[k]]);
    if (k + 1 < P) {
      for (size_t t = 0; t < num_fetch; ++t) {
        Track& tr = tracks[t];
        if (tr.reg[k + 1] != tr.reg[k]) {
          tr.slot_of[k + 1] = 1 - tr.slot_of[k];
          fetch(tr, tr.reg[k + 1], tr.slot_of[k + 1]);
        } else {
          tr.slot_of[k + 1] = tr.slot_of[k];
        }
      }
    }
    Track* out = pl.output.tiled ? &tracks.back() : nullptr;
    if (out && (k == 0 || out->reg[k] != out->reg[k - 1])) {
      ++out_region;
      out_slot = out->slots > 1 ? out_region % 2 : 0;
      wait(out->pending[out_slot]);
    }
    ComputeStep s;
    s.op = m.op;
    s.partition = static_cast<int>(k);
    s.range = parts[k];
    for (int i = 0; i < m.num_inputs; ++i) {
      const size_t si = static_cast<size_t>(i);
      if (!pl.inputs[si].tiled) {
        s.inputs.push_back(whole_view(homes.buffer[static_cast<size_t>(p.inputs[si])], p.input_types[si], m.in_shape[si]));
        continue;
      }
      const Track* tr = nullptr;
      for (size_t t = 0; t < num_fetch; ++t)
        if (tracks[t].kind == Track::Input && tracks[t].index == i) tr = &tracks[t];
      const Region& g = tr->reg[k];
      s.inputs.push_back(dense_box_view(tr->buf[tr->slot_of[k]], p.input_types[si], m.in_shape[si], g.y0, g.y1 - g.y0,
                                        g.c0, g.c1 - g.c0));
    }
    if (m.has_weights) {
      if (!pl.weights.tiled) {
        s.weights = whole_view(homes.buffer[static_cast<size_t>(p.weights)], p.weight_type, m.w_shape);
      } else {
        const Track& tr = tracks[num_fetch - 1];
        s.weights = weight_view(m, tr.buf[tr.slot_of[k]], tr.reg[k].c0, tr.reg[k].c1 - tr.reg[k].c0);
      }
    }
    if (out) {
      const Region& g = out->reg[k];
      s.output = dense_box_view(out->buf[out_slot], p.output_type, m.out_shape, g.y0, g.y1 - g.y0, g.c0, g.c1 - g.c0);
    } else {
      s.output = whole_view(homes.buffer[static_cast<size_t>(p.output)], p.output_type, m.out_shape);
    }
    s.scratch_bytes = step_scratch_bytes(*m.prep, s);
    scratch_max = std::max(scratch_max, s.scratch_bytes);
    compute_steps.push_back(pb.plan().steps.size());
    pb.compute(std::move(s));
    if (out && (k + 1 == P || out->reg[k + 1] != out->reg[k])) writeback(*out, out->reg[k], out_slot);
  }
  if (pl.output.tiled) {
    Track& out = tracks.back();
    for (int s = 0; s < 2; ++s) wait(out.pending[s]);
  }
  if (scratch_max > 0) {
    const int sb = pb.add_buffer(fmt::format("scratch_op{}", m.op), BufferKind::Scratch, sram, scratch_max);
    for (size_t idx : compute_steps) pb.plan().steps[idx].compute.scratch_buffer = sb;
  }
  summary->op = m.op;
  summary->partitions = static_cast<int>(P);
  summary->axis = cand.axis();
  summary->dma_bytes_in = dma_in;
  summary->dma_bytes_out = dma_out;
}

}  // namespace tinyops
