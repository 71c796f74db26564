#include "plan/op_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tinyops {

namespace {

int64_t round_up(int64_t v, int64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

// Distinct part counts k = ceil(n / size) for size = 1..n (every distinct largest-part size once).
std::vector<int> part_counts(int n) {
  std::vector<int> v;
  for (int size = 1; size <= n; ++size) {
    const int k = (n + size - 1) / size;
    if (v.empty() || v.back() != k) v.push_back(k);
  }
  std::reverse(v.begin(), v.end());
  if (v.empty()) v.push_back(1);
  return v;
}

int64_t elems(const Shape4& s) { return int64_t{s.n} * s.h * s.w * s.c; }

}  // namespace

// Estimated int8 MAC throughput per core (estimates, used only to choose between candidates):
// Cortex-M7 0.5 MAC/cycle (TinyEngine on the H743 reaches 0.50-0.57 on whole MCUNets, facts/boards.md),
// Cortex-M4 0.3 (no dual issue, same SMLAD), Cortex-M55 2.0 (MVE: 8 int8 MACs per beat-pair, minus overheads).
CostParams cost_params(const Board& board) {
  CostParams cp;
  cp.clock_hz = board.cpu.clock_hz > 0 ? static_cast<double>(board.cpu.clock_hz) : 1e8;
  switch (board.cpu.core) {
    case CpuCore::CortexM4: cp.macs_per_cycle = 0.3; break;
    case CpuCore::CortexM7: cp.macs_per_cycle = 0.5; break;
    case CpuCore::CortexM55: cp.macs_per_cycle = 2.0; break;
  }
  cp.dcache_bytes = board.cpu.dcache_enabled ? board.cpu.dcache_bytes : 0;
  for (const DmaEngine& d : board.dma) {
    cp.dma_setup_cycles = d.setup_cycles;
    cp.alignment = std::max<int32_t>(cp.alignment, static_cast<int32_t>(d.alignment));
    cp.dma_alignment = std::max<int32_t>(cp.dma_alignment, static_cast<int32_t>(d.alignment));
    if (cp.max_transfer == 0 || static_cast<int64_t>(d.max_transfer_bytes) < cp.max_transfer)
      cp.max_transfer = static_cast<int64_t>(d.max_transfer_bytes);
  }
  return cp;
}

double dma_bytes_per_cycle(const Board& board, const Memory& src, const Memory& dst) {
  if (board.dma.empty() || !src.dma || !dst.dma || !dst.writable) return 0;
  double bw = static_cast<double>(board.dma[0].bandwidth);
  bw = std::min(bw, static_cast<double>(src.read_bandwidth));
  bw = std::min(bw, static_cast<double>(dst.write_bandwidth));
  const double clock = board.cpu.clock_hz > 0 ? static_cast<double>(board.cpu.clock_hz) : 1e8;
  return bw / clock;
}

double cpu_bytes_per_cycle(const Board& board, const Memory& m, bool write) {
  const double bw = static_cast<double>(write ? m.write_bandwidth : m.read_bandwidth);
  const double clock = board.cpu.clock_hz > 0 ? static_cast<double>(board.cpu.clock_hz) : 1e8;
  return bw > 0 ? bw / clock : 1e-9;
}

const char* Candidate::axis() const {
  if (rows > 1 && channels > 1) return "rows+channels";
  if (rows > 1) return "rows";
  if (channels > 1) return "channels";
  return "none";
}

void OpModel::input_rows(int i, int32_t y0, int32_t y1, int32_t* a, int32_t* b) const {
  kernel_input_rows_of(prep->args, io, i, y0, y1, a, b);
}

void OpModel::input_channels(int i, int32_t c0, int32_t c1, int32_t* a, int32_t* b) const {
  kernel_input_channels(prep->args, io, i, c0, c1, a, b);
}

bool OpModel::input_channel_sliceable(int i) const {
  if (out_shape.c <= 1) return false;
  int32_t a = 0, b = 0;
  input_channels(i, 0, 1, &a, &b);
  return (b - a) < in_shape[static_cast<size_t>(i)].c;
}

int64_t OpModel::weight_slice_bytes(int32_t cc) const {
  if (!has_weights) return 0;
  if (w_out_dim_n) return int64_t{cc} * w_shape.h * w_shape.w * w_shape.c * w_elem;
  return int64_t{w_shape.n} * w_shape.h * w_shape.w * cc * w_elem;
}

int64_t OpModel::scratch_for(OutRange r) const { return kernel_scratch_bytes(prep->args, io, r); }

OpModel make_op_model(const Graph& g, const PreparedOp& p, const CostParams& cp, const CallCycles& call_cycles) {
  OpModel m;
  m.op = p.op_index;
  m.prep = &p;
  m.num_inputs = static_cast<int>(p.inputs.size());
  m.io.num_inputs = m.num_inputs;
  for (int i = 0; i < m.num_inputs && i < kMaxKernelInputs; ++i) {
    const Shape4 s = p.input_shapes[static_cast<size_t>(i)];
    m.in_shape.push_back(s);
    m.in_elem.push_back(elem_size(p.input_types[static_cast<size_t>(i)]));
    m.in_bytes.push_back(elems(s) * m.in_elem.back());
    m.io.in[i].full = s;
    m.io.in[i].type = p.input_types[static_cast<size_t>(i)];
    if (s.n > 1) m.batched = true;
  }
  m.out_shape = p.output_shape;
  m.out_elem = elem_size(p.output_type);
  m.out_bytes = elems(m.out_shape) * m.out_elem;
  m.io.out.full = p.output_shape;
  m.io.out.type = p.output_type;
  if (m.out_shape.n > 1) m.batched = true;
  if (p.weights >= 0) {
    m.has_weights = true;
    m.w_shape = p.weight_shape;
    m.w_elem = elem_size(p.weight_type);
    m.w_bytes = elems(m.w_shape) * m.w_elem;
    m.w_out_dim_n = p.op_kind != OpKind::DepthwiseConv2D;
    m.io.weights.full = p.weight_shape;
    m.io.weights.type = p.weight_type;
  }
  m.caps = p.partition_caps;
  const Op& op = g.ops[static_cast<size_t>(p.op_index)];
  const double out_e = static_cast<double>(elems(m.out_shape));
  switch (p.op_kind) {
    case OpKind::Conv2D:
    case OpKind::DepthwiseConv2D:
    case OpKind::FullyConnected:
      // MACs plus requantization of each output (about 10 cycles).
      m.compute_cycles = static_cast<double>(op_macs(g, op)) / cp.macs_per_cycle + 10.0 * out_e;
      break;
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: {
      const PoolParams& pp = p.args.p.pool;
      m.compute_cycles = out_e * (2.0 + pp.filter_h * pp.filter_w);
      break;
    }
    case OpKind::Add:
    case OpKind::Mul: m.compute_cycles = out_e * 8.0; break;
    case OpKind::Mean: m.compute_cycles = m.in_bytes.empty() ? out_e : static_cast<double>(m.in_bytes[0]) + out_e * 20; break;
    case OpKind::Softmax: m.compute_cycles = out_e * 30.0; break;
    case OpKind::Quantize:
    case OpKind::Dequantize: m.compute_cycles = out_e * 6.0; break;
    case OpKind::Logistic:
    case OpKind::HardSwish:
    case OpKind::Relu:
    case OpKind::Relu6: m.compute_cycles = out_e * 2.0; break;
    default: m.compute_cycles = static_cast<double>(m.out_bytes); break;  // data movement: ~1 cycle per byte
  }
  m.scratch_full = m.scratch_for(full_range(m.out_shape));
  const OutRange full = full_range(m.out_shape);
  if (call_cycles) {
    const Graph* graph = &g;
    const Op* o = &op;
    auto f = call_cycles;
    m.call_cycles = [graph, o, f](OutRange r) { return f(*graph, *o, r); };
  } else {
    // Built-in: the whole op's estimate in proportion to the range's outputs, plus a fixed call cost.
    const double whole = m.compute_cycles, per_call = cp.call_cycles;
    const double outs = static_cast<double>(full.y_end - full.y_begin) * (full.c_end - full.c_begin);
    m.call_cycles = [whole, per_call, outs](OutRange r) {
      const double n = static_cast<double>(std::max(0, r.y_end - r.y_begin)) * std::max(0, r.c_end - r.c_begin);
      return per_call + (outs > 0 ? whole * n / outs : 0);
    };
  }
  m.compute_cycles = m.call_cycles(full);
  OutRange none = full;
  none.y_end = none.y_begin;
  m.empty_call_cycles = m.call_cycles(none);
  return m;
}

OpPlanner::OpPlanner(const Board& board, const CostParams& cp, const OpModel& m)
    : board_(board), cp_(cp), m_(m), sram_(board.sram()) {
  const bool rows_ok = (m.caps & kPartitionRows) && !m.batched;
  const bool chans_ok = (m.caps & kPartitionChannels) != 0;
  row_values_ = rows_ok ? part_counts(m.out_shape.h) : std::vector<int>{1};
  chan_values_ = chans_ok ? part_counts(m.out_shape.c) : std::vector<int>{1};
}

const OpPlanner::RowSplit& OpPlanner::rows(int R) {
  auto it = row_cache_.find(R);
  if (it != row_cache_.end()) return it->second;
  RowSplit rs;
  rs.R = R;
  const size_t ni = static_cast<size_t>(m_.num_inputs);
  rs.fetch_rows.assign(ni, 0);
  rs.all_rows.assign(ni, 0);
  rs.max_rows.assign(ni, 0);
  rs.first_rows.assign(ni, 0);
  rs.fetches.assign(ni, 0);
  rs.in_aligned.assign(ni, 1);
  const int64_t A = cp_.dma_alignment;
  auto aligned = [A](int64_t v) { return v % A == 0; };
  std::vector<std::pair<int32_t, int32_t>> prev(ni, {-1, -1});
  const int32_t H = m_.out_shape.h;
  const int64_t out_row = int64_t{m_.out_shape.w} * m_.out_shape.c * m_.out_elem;
  for (int b = 0; b < R; ++b) {
    const int32_t y0 = OpModel::split(H, R, b), y1 = OpModel::split(H, R, b + 1);
    rs.max_out_rows = std::max(rs.max_out_rows, y1 - y0);
    rs.call_sum += m_.call_cycles(OutRange{y0, y1, 0, m_.out_shape.c});
    if (b == 0) rs.first_out_rows = y1 - y0;
    if (b == R - 1) rs.last_out_rows = y1 - y0;
    if (!aligned(y0 * out_row) || !aligned(int64_t{m_.out_shape.n} * (y1 - y0) * out_row)) rs.out_aligned = false;
    for (size_t i = 0; i < ni; ++i) {
      int32_t a = 0, e = 0;
      m_.input_rows(static_cast<int>(i), y0, y1, &a, &e);
      const int32_t n = e - a;
      const Shape4& s = m_.in_shape[i];
      const int64_t in_row = int64_t{s.w} * s.c * m_.in_elem[i];
      if (!aligned(a * in_row) || !aligned(int64_t{s.n} * n * in_row)) rs.in_aligned[i] = 0;
      rs.all_rows[i] += n;
      rs.max_rows[i] = std::max(rs.max_rows[i], n);
      if (b == 0) rs.first_rows[i] = n;
      if (prev[i] != std::make_pair(a, e)) {
        rs.fetch_rows[i] += n;
        rs.fetches[i] += 1;
        prev[i] = {a, e};
      }
    }
  }
  return row_cache_.emplace(R, std::move(rs)).first->second;
}

const OpPlanner::ChanSplit& OpPlanner::chans(int C) {
  auto it = chan_cache_.find(C);
  if (it != chan_cache_.end()) return it->second;
  ChanSplit cs;
  cs.C = C;
  const size_t ni = static_cast<size_t>(m_.num_inputs);
  cs.max_ci.assign(ni, 0);
  cs.sum_ci.assign(ni, 0);
  cs.first_ci.assign(ni, 0);
  cs.in_aligned.assign(ni, 1);
  const int64_t A = cp_.dma_alignment;
  auto aligned = [A](int64_t v) { return v % A == 0; };
  const int32_t OC = m_.out_shape.c;
  if (!aligned(int64_t{OC} * m_.out_elem)) cs.out_aligned = false;
  for (size_t i = 0; i < ni; ++i)
    if (!aligned(int64_t{m_.in_shape[i].c} * m_.in_elem[i])) cs.in_aligned[i] = 0;
  if (m_.has_weights && !m_.w_out_dim_n && !aligned(int64_t{m_.w_shape.c} * m_.w_elem)) cs.w_aligned = false;
  for (int j = 0; j < C; ++j) {
    const int32_t c0 = OpModel::split(OC, C, j), c1 = OpModel::split(OC, C, j + 1);
    cs.max_cc = std::max(cs.max_cc, c1 - c0);
    cs.call_sum += m_.call_cycles(OutRange{0, m_.out_shape.h, c0, c1});
    if (j == 0) cs.first_cc = c1 - c0;
    if (j == C - 1) cs.last_cc = c1 - c0;
    if (!aligned(int64_t{c0} * m_.out_elem) || !aligned(int64_t{c1 - c0} * m_.out_elem)) cs.out_aligned = false;
    if (m_.has_weights) {
      const int64_t per = m_.w_out_dim_n ? m_.weight_slice_bytes(1) : m_.w_elem;
      if (!aligned(c0 * per) || !aligned(m_.weight_slice_bytes(c1 - c0))) cs.w_aligned = false;
      if (!m_.w_out_dim_n && !aligned(int64_t{c1 - c0} * m_.w_elem)) cs.w_aligned = false;
    }
    for (size_t i = 0; i < ni; ++i) {
      int32_t a = 0, e = 0;
      m_.input_channels(static_cast<int>(i), c0, c1, &a, &e);
      if (!aligned(int64_t{a} * m_.in_elem[i]) || !aligned(int64_t{e - a} * m_.in_elem[i])) cs.in_aligned[i] = 0;
      cs.max_ci[i] = std::max(cs.max_ci[i], e - a);
      cs.sum_ci[i] += e - a;
      if (j == 0) cs.first_ci[i] = e - a;
    }
  }
  return chan_cache_.emplace(C, std::move(cs)).first->second;
}

Candidate OpPlanner::evaluate_direct(const Placement& pl) const {
  Candidate c;
  c.direct = true;
  c.sram_bytes = m_.scratch_full > 0 ? round_up(m_.scratch_full, cp_.alignment) : 0;
  double stall = 0;
  // Reuse of input bytes by sliding windows; weights larger than the data cache are streamed again for
  // every pair of output pixels (conv) or every output row (depthwise, FC rows).
  double reuse = 1;
  const KernelArgs& a = m_.prep->args;
  if (a.kind == KernelKind::Conv2D || a.kind == KernelKind::DepthwiseConv2D)
    reuse = std::max(1.0, double(a.p.conv.filter_h) * a.p.conv.filter_w /
                              std::max(1, a.p.conv.stride_h * a.p.conv.stride_w));
  for (size_t i = 0; i < pl.inputs.size(); ++i) {
    if (!pl.inputs[i].tiled) continue;
    c.ext_read += m_.in_bytes[i];
    stall += static_cast<double>(m_.in_bytes[i]) * reuse / cpu_bytes_per_cycle(board_, *pl.inputs[i].mem, false);
  }
  if (m_.has_weights && pl.weights.tiled) {
    double passes = 1;
    if (static_cast<double>(m_.w_bytes) > cp_.dcache_bytes) {
      const double pixels = double(m_.out_shape.h) * m_.out_shape.w;
      if (a.kind == KernelKind::Conv2D) passes = std::max(1.0, pixels / 2);
      else passes = std::max(1.0, double(m_.out_shape.h));
    }
    c.ext_read += static_cast<int64_t>(static_cast<double>(m_.w_bytes) * passes);
    stall += static_cast<double>(m_.w_bytes) * passes / cpu_bytes_per_cycle(board_, *pl.weights.mem, false);
  }
  if (pl.output.tiled) {
    c.ext_write += m_.out_bytes;
    stall += static_cast<double>(m_.out_bytes) / cpu_bytes_per_cycle(board_, *pl.output.mem, true);
  }
  c.cycles = m_.compute_cycles + stall;
  return c;
}

bool OpPlanner::evaluate(const Placement& pl, int R, int C, LoopOrder order, bool in_sliced, bool out_whole_rows,
                         Candidate* out) {
  const RowSplit& rs = rows(R);
  const ChanSplit& cs = chans(C);
  const int64_t P = int64_t{R} * C;
  const int64_t A = cp_.alignment;
  const int64_t maxT = cp_.max_transfer > 0 ? cp_.max_transfer : std::numeric_limits<int64_t>::max() / 4;
  auto requests = [&](int64_t bytes) { return std::max<int64_t>(1, (bytes + maxT - 1) / maxT); };
  Candidate c;
  c.rows = R;
  c.channels = C;
  c.order = order;
  c.in_sliced = in_sliced;
  c.out_whole_rows = out_whole_rows;
  int64_t sram = 0;
  double dma_cycles = 0, prologue = 0, epilogue = 0, nreq = 0;
  for (size_t i = 0; i < pl.inputs.size(); ++i) {
    if (!pl.inputs[i].tiled) continue;
    const double rate = dma_bytes_per_cycle(board_, *pl.inputs[i].mem, *sram_);
    if (rate <= 0) return false;
    const Shape4& s = m_.in_shape[i];
    const int64_t e = m_.in_elem[i];
    const int64_t row_bytes = int64_t{s.n} * s.w * s.c * e;
    const bool sliced = in_sliced && C > 1 && !m_.batched && m_.input_channel_sliceable(static_cast<int>(i));
    if (!(sliced ? cs.in_aligned[i] : rs.in_aligned[i])) return false;
    int64_t bytes = 0, tile = 0, first = 0, fetches = 0;
    if (!sliced) {
      const bool constant = rs.fetches[i] == 1;
      fetches = (order == LoopOrder::RowsOuter || constant) ? rs.fetches[i] : int64_t{C} * rs.fetches[i];
      bytes = (order == LoopOrder::RowsOuter || constant) ? rs.fetch_rows[i] * row_bytes
                                                          : int64_t{C} * rs.fetch_rows[i] * row_bytes;
      tile = rs.max_rows[i] * row_bytes;
      first = rs.first_rows[i] * row_bytes;
      nreq += static_cast<double>(fetches * requests(tile));
    } else {
      fetches = P;
      bytes = rs.all_rows[i] * s.w * e * cs.sum_ci[i];
      tile = int64_t{rs.max_rows[i]} * s.w * cs.max_ci[i] * e;
      first = int64_t{rs.first_rows[i]} * s.w * cs.first_ci[i] * e;
      // Strided copies: one request per pixel row on engines without 2-D mode.
      nreq += static_cast<double>(rs.all_rows[i] * s.w * C);
    }
    sram += (fetches > 1 ? 2 : 1) * round_up(tile, A);
    c.dma_in += bytes;
    dma_cycles += static_cast<double>(bytes) / rate;
    prologue += static_cast<double>(first) / rate;
  }
  if (m_.has_weights && pl.weights.tiled) {
    const double rate = dma_bytes_per_cycle(board_, *pl.weights.mem, *sram_);
    if (rate <= 0) return false;
    if (C == 1 ? m_.w_bytes % cp_.dma_alignment != 0 : !cs.w_aligned) return false;
    const int64_t slice = m_.weight_slice_bytes(cs.max_cc);
    int64_t fetches = 0, bytes = 0;
    if (C == 1) {
      fetches = 1;
      bytes = m_.w_bytes;
    } else if (order == LoopOrder::RowsOuter) {
      fetches = P;
      bytes = int64_t{R} * m_.w_bytes;
    } else {
      fetches = C;
      bytes = m_.w_bytes;
    }
    sram += (fetches > 1 ? 2 : 1) * round_up(slice, A);
    c.dma_in += bytes;
    dma_cycles += static_cast<double>(bytes) / rate;
    prologue += static_cast<double>(m_.weight_slice_bytes(cs.first_cc)) / rate;
    if (m_.w_out_dim_n || C == 1) nreq += static_cast<double>(fetches * requests(slice));
    else nreq += static_cast<double>(fetches) * m_.w_shape.n * m_.w_shape.h * m_.w_shape.w;
  }
  if (pl.output.tiled) {
    const double rate = dma_bytes_per_cycle(board_, *sram_, *pl.output.mem);
    if (rate <= 0) return false;
    const Shape4& o = m_.out_shape;
    const int64_t e = m_.out_elem;
    int64_t regions = 0, tile = 0, last = 0;
    const bool whole_rows = C == 1 || (out_whole_rows && order == LoopOrder::RowsOuter);
    if (!(whole_rows ? rs.out_aligned : cs.out_aligned)) return false;
    if (whole_rows) {
      const int64_t row_bytes = int64_t{o.n} * o.w * o.c * e;
      regions = R;
      tile = rs.max_out_rows * row_bytes;
      last = rs.last_out_rows * row_bytes;
      nreq += static_cast<double>(regions * requests(tile));
    } else {
      regions = P;
      tile = int64_t{rs.max_out_rows} * o.w * cs.max_cc * e;
      last = int64_t{rs.last_out_rows} * o.w * cs.last_cc * e;
      nreq += static_cast<double>(int64_t{o.h} * o.w * C);
    }
    sram += (regions > 1 ? 2 : 1) * round_up(tile, A);
    c.dma_out += m_.out_bytes;
    dma_cycles += static_cast<double>(m_.out_bytes) / rate;
    epilogue += static_cast<double>(last) / rate;
  }
  if (m_.scratch_full > 0) sram += round_up(m_.scratch_full, A);
  c.sram_bytes = sram;
  // Sum of the R x C calls: exact for costs of the form a + b*rows + c*chans + d*rows*chans (the
  // profile's per-call, per-input re-gathered per channel part, per-MAC and per-output terms).
  const double calls = rs.call_sum + cs.call_sum - m_.compute_cycles +
                       static_cast<double>(R - 1) * (C - 1) * m_.empty_call_cycles;
  const double compute = calls + nreq * cp_.dma_setup_cycles;
  c.cycles = prologue + std::max(compute, dma_cycles - prologue - epilogue) + epilogue;
  *out = c;
  return true;
}

uint32_t OpPlanner::key(const Placement& pl) const {
  uint32_t k = 0;
  for (size_t i = 0; i < pl.inputs.size(); ++i)
    if (pl.inputs[i].tiled) k |= 1u << i;
  if (pl.weights.tiled) k |= 1u << 10;
  if (pl.output.tiled) k |= 1u << 11;
  return k;
}

const std::vector<Candidate>& OpPlanner::frontier(const Placement& pl) {
  const uint32_t k = key(pl);
  auto it = frontier_cache_.find(k);
  if (it != frontier_cache_.end()) return it->second;
  std::vector<Candidate> all;
  all.push_back(evaluate_direct(pl));
  bool any_tiled = pl.output.tiled || (m_.has_weights && pl.weights.tiled);
  bool any_sliceable = false;
  for (size_t i = 0; i < pl.inputs.size(); ++i) {
    any_tiled = any_tiled || pl.inputs[i].tiled;
    any_sliceable = any_sliceable || (pl.inputs[i].tiled && m_.input_channel_sliceable(static_cast<int>(i)));
  }
  if (any_tiled) {
    Candidate c;
    for (int R : row_values_) {
      for (int C : chan_values_) {
        if (evaluate(pl, R, C, LoopOrder::RowsOuter, false, true, &c)) all.push_back(c);
        if (C == 1 || m_.batched) continue;
        if (evaluate(pl, R, C, LoopOrder::RowsOuter, false, false, &c)) all.push_back(c);
        if (any_sliceable) {
          if (evaluate(pl, R, C, LoopOrder::RowsOuter, true, false, &c)) all.push_back(c);
          if (evaluate(pl, R, C, LoopOrder::RowsOuter, true, true, &c)) all.push_back(c);
        }
        if (R > 1) {
          if (evaluate(pl, R, C, LoopOrder::ChannelsOuter, false, false, &c)) all.push_back(c);
          if (any_sliceable && evaluate(pl, R, C, LoopOrder::ChannelsOuter, true, false, &c)) all.push_back(c);
        }
      }
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    if (a.sram_bytes != b.sram_bytes) return a.sram_bytes < b.sram_bytes;
    return a.cycles < b.cycles;
  });
  std::vector<Candidate> front;
  for (const Candidate& c : all)
    if (front.empty() || c.cycles < front.back().cycles) front.push_back(c);
  return frontier_cache_.emplace(k, std::move(front)).first->second;
}

const Candidate* OpPlanner::best(const Placement& pl, int64_t avail) {
  const std::vector<Candidate>& f = frontier(pl);
  auto it = std::upper_bound(f.begin(), f.end(), avail,
                             [](int64_t v, const Candidate& c) { return v < c.sram_bytes; });
  if (it == f.begin()) return nullptr;
  return &*(it - 1);
}

}  // namespace tinyops
