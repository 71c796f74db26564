// Property tests of plans: random small graphs x random boards.
// 1. An independent test planner (partitions by rows/channels, double-buffered DMA, weight slices,
//    write-back, direct external access as fallback) produces plans that the checker accepts and that
//    run bit-exactly (test executor, both DMA timings).
// 2. Soundness: random single mutations of those plans; every mutant the checker accepts must still
//    run bit-exactly under both DMA timings.
// 3. make_plan (the planner) on the same graphs and boards, every strategy: plans pass the checker
//    and run bit-exactly on the test executor.
// Failures print the seed.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <chrono>
#include <iostream>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "model/builder.h"
#include "model/tflite_reader.h"
#include "plan/planner.h"
#include "runtime/executor.h"
#include "plan/checker/checker.h"
#include "plan/test_checker_util.h"
#include "support/shared.h"

using namespace tinyops;
using namespace tinyops::testing;

namespace {

int pick(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// A random chain: conv / depthwise / residual add / pools / relu6, optionally a head
// (global pool or reshape) + fully connected.
Graph random_graph(uint32_t seed) {
  std::mt19937 rng(seed);
  GraphBuilder b(fmt::format("prop-{}", seed), seed);
  const int H = pick(rng, 3, 40), W = pick(rng, 3, 40), C = pick(rng, 1, 12);
  int x = b.input({1, H, W, C}, 0.02f + 0.01f * static_cast<float>(pick(rng, 0, 8)), pick(rng, -20, 20));
  const int nops = pick(rng, 2, 6);
  auto act = [&]() { return static_cast<Activation>(pick(rng, 0, 3) == 0 ? 0 : (pick(rng, 0, 1) ? 1 : 3)); };
  for (int i = 0; i < nops; ++i) {
    const std::vector<int> s = b.shape(x);
    const int h = s[1], w = s[2], c = s[3];
    const int m = std::min(h, w);
    switch (pick(rng, 0, 5)) {
      case 0: {
        const int k = std::vector<int>{1, 3, 5}[static_cast<size_t>(pick(rng, 0, 2))];
        LayerOpts o;
        o.padding = (k <= m && pick(rng, 0, 2) == 0) ? Padding::Valid : Padding::Same;
        x = b.conv2d(x, pick(rng, 1, 24), k, m >= 4 ? pick(rng, 1, 2) : 1, act(), o);
        break;
      }
      case 1: {
        LayerOpts o;
        const int k = pick(rng, 0, 1) ? 3 : 5;
        o.padding = (k <= m && pick(rng, 0, 2) == 0) ? Padding::Valid : Padding::Same;
        x = b.depthwise(x, k, m >= 4 ? pick(rng, 1, 2) : 1, act(), c <= 12 && pick(rng, 0, 3) == 0 ? 2 : 1, o);
        break;
      }
      case 2: {
        const int y = b.conv2d(x, c, 1, 1, act());
        x = b.add(x, y, pick(rng, 0, 1) ? Activation::Relu : Activation::None);
        break;
      }
      case 3: {
        const int k = std::min(m, pick(rng, 2, 3));
        const Padding p = pick(rng, 0, 1) ? Padding::Same : Padding::Valid;
        x = pick(rng, 0, 1) ? b.avg_pool(x, k, pick(rng, 1, 2), p) : b.max_pool(x, k, pick(rng, 1, 2), p);
        break;
      }
      case 4: x = b.relu6(x); break;
      default: {
        LayerOpts o;
        x = b.conv2d(x, pick(rng, 1, 16), 3, 1, Activation::Relu6, o);
        break;
      }
    }
  }
  if (pick(rng, 0, 1)) {
    const std::vector<int> s = b.shape(x);
    if (s[1] * s[2] * s[3] <= 768 && pick(rng, 0, 1))
      x = b.reshape(x, {1, s[1] * s[2] * s[3]});
    else
      x = b.avg_pool(x, 0, 1);
    x = b.fully_connected(x, pick(rng, 1, 16));
  }
  b.output(x);
  return b.finish();
}

Board random_board(uint32_t seed) {
  std::mt19937 rng(seed * 7919u + 1);
  const uint64_t sram = static_cast<uint64_t>(32 + 16 * pick(rng, 0, 30)) * 1024;
  const uint32_t align = 1u << pick(rng, 0, 5);
  const uint64_t max_transfer = std::vector<uint64_t>{256, 1024, 4096, 65536}[static_cast<size_t>(pick(rng, 0, 3))];
  Board b = test_board(sram, align, max_transfer, static_cast<uint32_t>(pick(rng, 1, 4)));
  b.name = fmt::format("random-{}", seed);
  b.memories[1].read_bandwidth = b.memories[1].write_bandwidth = static_cast<uint64_t>(pick(rng, 200, 1000)) * 1000000;
  b.memories[2].read_bandwidth = b.memories[2].write_bandwidth = static_cast<uint64_t>(pick(rng, 20, 400)) * 1000000;
  b.dma[0].bandwidth = static_cast<uint64_t>(pick(rng, 50, 800)) * 1000000;
  // External flash for weights that do not fit (or are not wanted) internally.
  b.memories.push_back(test_memory("qspi", MemoryKind::QspiFlash, 0x90000000, 16u << 20, false,
                                   static_cast<uint64_t>(pick(rng, 20, 100)) * 1000000, 0));
  b.roles.external_flash = "qspi";
  if (pick(rng, 0, 3) == 0) b.memories[0].size = static_cast<uint64_t>(pick(rng, 1, 8)) * 16 * 1024;  // small flash
  // A valid board by the loader's rules.
  auto parsed = parse_board_json(board_to_json(b).dump(), b.name);
  if (!parsed.ok()) throw std::runtime_error(parsed.error().message);
  return b;
}

// ---- the test planner ----

class TestPlanner {
 public:
  TestPlanner(const Graph& g, const Board& b, uint32_t seed, int64_t budget)
      : g_(g), b_(b), pm_(g, b), rng_(seed), budget_(budget) {
    align_ = std::max<int64_t>(16, b.dma[0].alignment);
    max_transfer_ = static_cast<int64_t>(b.dma[0].max_transfer_bytes);
    channels_ = static_cast<int>(b.dma[0].channels);
  }

  Plan make() {
    auto prep = prepare_graph(g_);
    if (!prep.ok()) throw std::runtime_error(prep.error().message);
    prepared_ = std::move(prep.value());
    // Homes: weights in flash, activations in sdram (reshape outputs may alias their input).
    home_.assign(g_.tensors.size(), -1);
    for (const Tensor& t : g_.tensors) {
      if (t.is_constant()) {
        home_[static_cast<size_t>(t.id)] =
            pm_.buffer(t.name, BufferKind::Weights, "flash", static_cast<int64_t>(t.bytes()), t.id, -1, -1, -1, 16);
      }
    }
    for (int t : g_.inputs)
      home_[static_cast<size_t>(t)] = pm_.buffer(g_.tensor(t).name, BufferKind::Input, "sdram",
                                                 static_cast<int64_t>(g_.tensor(t).bytes()), t, -1, -1, -1, align32());
    for (int t : g_.outputs)
      home_[static_cast<size_t>(t)] = pm_.buffer(g_.tensor(t).name, BufferKind::Output, "sdram",
                                                 static_cast<int64_t>(g_.tensor(t).bytes()), t, -1, -1, -1, align32());
    for (const PreparedOp& p : prepared_) {
      const Op& op = g_.ops[static_cast<size_t>(p.op_index)];
      const bool is_output = home_[static_cast<size_t>(p.output)] >= 0;
      if ((op.kind == OpKind::Reshape || op.kind == OpKind::Squeeze) && !is_output && pick(rng_, 0, 1)) {
        home_[static_cast<size_t>(p.output)] = home_[static_cast<size_t>(p.inputs[0])];  // aliased, not computed
        continue;
      }
      if (!is_output)
        home_[static_cast<size_t>(p.output)] = pm_.buffer(g_.tensor(p.output).name, BufferKind::Activation, "sdram",
                                                          static_cast<int64_t>(g_.tensor(p.output).bytes()), p.output,
                                                          -1, -1, -1, align32());
      plan_op(p);
    }
    Plan plan = pm_.finish("sdram");
    plan.strategy = "test-planner";
    return plan;
  }

  int tiled_ops = 0, partitions = 0;

 private:
  struct Box4 {
    int32_t y0, y1, c0, c1;
  };
  struct Copy {  // one logical copy; split into DMA requests by emit()
    int src, dst;
    int64_t src_off, src_stride, dst_off, dst_stride;
    int64_t rows, row_bytes;
  };
  struct Operand {
    int tile = -1;   // Tile buffer in sram, or -1: read/written directly at home
    PlanView view;
    std::vector<Copy> copies;
  };

  const Graph& g_;
  const Board& b_;
  PlanMaker pm_;
  std::mt19937 rng_;
  int64_t budget_;
  int64_t align_ = 16, max_transfer_ = 0;
  int channels_ = 1;
  int next_channel_ = 0;
  std::vector<PreparedOp> prepared_;
  std::vector<int> home_;

  int32_t align32() const { return static_cast<int32_t>(align_); }
  const Memory& memory(const std::string& name) const {
    for (const Memory& m : b_.memories)
      if (m.name == name) return m;
    throw std::runtime_error("no memory " + name);
  }
  int64_t addr(int buffer, int64_t off) const {
    const PlanBuffer& pb = pm_plan().buffers[static_cast<size_t>(buffer)];
    return static_cast<int64_t>(memory(pb.memory).base) + pb.offset + off;
  }
  const Plan& pm_plan() const { return pm_.plan(); }

  // DMA requests for a copy (contiguous copies merged and chunked), or empty when the engine's
  // alignment or maximum transfer cannot express it.
  std::vector<Copy> split(const Copy& c) const {
    const int64_t al = b_.dma[0].alignment;
    std::vector<Copy> out;
    const bool contiguous = c.rows == 1 || (c.src_stride == c.row_bytes && c.dst_stride == c.row_bytes);
    if (contiguous) {
      const int64_t total = c.rows * c.row_bytes;
      const int64_t chunk = max_transfer_ / al * al;
      if (chunk <= 0 || total % al || addr(c.src, c.src_off) % al || addr(c.dst, c.dst_off) % al) return {};
      for (int64_t o = 0; o < total; o += chunk) {
        const int64_t n = std::min(chunk, total - o);
        out.push_back(Copy{c.src, c.dst, c.src_off + o, n, c.dst_off + o, n, 1, n});
      }
      return out;
    }
    const int64_t per = max_transfer_ / c.row_bytes;
    if (per <= 0 || c.row_bytes % al || c.src_stride % al || c.dst_stride % al || addr(c.src, c.src_off) % al ||
        addr(c.dst, c.dst_off) % al)
      return {};
    for (int64_t r = 0; r < c.rows; r += per) {
      const int64_t n = std::min(per, c.rows - r);
      out.push_back(Copy{c.src, c.dst, c.src_off + r * c.src_stride, c.src_stride, c.dst_off + r * c.dst_stride,
                         c.dst_stride, n, c.row_bytes});
    }
    return out;
  }

  std::vector<int> emit(const std::vector<Copy>& copies) {
    std::vector<int> ids;
    for (const Copy& c : copies) {
      ids.push_back(pm_.dma(next_channel_, c.src, c.src_off, c.src_stride, c.dst, c.dst_off, c.dst_stride,
                            static_cast<int32_t>(c.rows), static_cast<int32_t>(c.row_bytes)));
      next_channel_ = (next_channel_ + 1) % channels_;
    }
    return ids;
  }

  // The box of an activation operand (dense tensor at home) that a partition needs, staged in a
  // tile at sram offset `at` when `tile` (and DMA can express the copy), else viewed at home.
  Operand activation(int tensor, const Shape4& s, ElemType type, const Box4& box, bool tile, int64_t at, bool to_home) {
    Operand o;
    const int home = home_[static_cast<size_t>(tensor)];
    const int64_t es = elem_size(type);
    const int64_t rows = static_cast<int64_t>(box.y1 - box.y0) * s.w, row = static_cast<int64_t>(box.c1 - box.c0) * es;
    if (tile && s.n == 1) {
      o.tile = pm_.buffer("tile", BufferKind::Tile, "sram", rows * row, -1, at, -1, -1, align32());
      Copy c{home, o.tile, (static_cast<int64_t>(box.y0) * s.w * s.c + box.c0) * es, s.c * es, 0, row, rows, row};
      if (to_home) c = Copy{o.tile, home, 0, row, c.src_off, c.src_stride, rows, row};
      o.copies = split(c);
      if (!o.copies.empty()) {
        o.view = box_view(o.tile, s, type, 0, 1, box.y0, box.y1 - box.y0, 0, s.w, box.c0, box.c1 - box.c0);
        return o;
      }
      pm_.plan().buffers.pop_back();  // the tile is not used after all
      o.tile = -1;
    }
    o.view = whole_view(home, s, type);
    return o;
  }

  void plan_op(const PreparedOp& p) {
    const Shape4 os = p.output_shape;
    const bool rows_ok = p.partition_caps & kPartitionRows, ch_ok = p.partition_caps & kPartitionChannels;
    const bool direct = pick(rng_, 0, 4) == 0;
    int R = rows_ok ? pick(rng_, 1, std::min(os.h, 6)) : 1;
    int C = ch_ok ? pick(rng_, 1, std::min(os.c, 4)) : 1;
    for (;;) {
      if (direct) break;
      if (set_bytes(p, parts_of(os, R, C)) * 2 <= budget_) break;
      if (rows_ok && R < os.h) R = std::min(os.h, R * 2);
      else if (ch_ok && C < os.c) C = std::min(os.c, C * 2);
      else break;
    }
    const std::vector<OutRange> parts = parts_of(os, R, C);
    const bool tiled = !direct && set_bytes(p, parts) * 2 <= budget_;
    const int P = static_cast<int>(parts.size());
    partitions += P;
    tiled_ops += tiled;
    // Two tile sets at fixed sram offsets; each partition rebuilds its operands in set p % 2.
    const int64_t set_size = tiled ? set_bytes(p, parts) : 0;
    const std::vector<int64_t> slots = slot_bytes(p, parts);
    struct Part {
      std::vector<Operand> in;
      Operand w, out;
    };
    std::vector<Part> ps(static_cast<size_t>(P));
    std::vector<std::vector<int>> in_ids(static_cast<size_t>(P)), out_ids(static_cast<size_t>(P));
    auto build = [&](int k) {
      Part& part = ps[static_cast<size_t>(k)];
      const OutRange& r = parts[static_cast<size_t>(k)];
      int64_t at = (k % 2) * set_size;
      size_t slot = 0;
      auto bump = [&](const Operand&) { at += slots[slot++]; };
      KernelIO io = io_dense(p);
      for (size_t i = 0; i < p.inputs.size(); ++i) {
        int32_t yb, ye, cb, ce;
        kernel_input_rows_of(p.args, io, static_cast<int32_t>(i), r.y_begin, r.y_end, &yb, &ye);
        kernel_input_channels(p.args, io, static_cast<int32_t>(i), r.c_begin, r.c_end, &cb, &ce);
        part.in.push_back(activation(p.inputs[i], p.input_shapes[i], p.input_types[i], Box4{yb, ye, cb, ce},
                                     tiled && pick(rng_, 0, 5) != 0, at, false));
        bump(part.in.back());
      }
      if (p.weights >= 0) {
        part.w = weights(p, r, tiled && pick(rng_, 0, 5) != 0, at);
        bump(part.w);
      }
      part.out = activation(p.output, os, p.output_type, Box4{r.y_begin, r.y_end, r.c_begin, r.c_end},
                            tiled && pick(rng_, 0, 5) != 0, at, true);
    };
    auto fetch = [&](int k) {
      std::vector<Copy> all;
      for (const Operand& o : ps[static_cast<size_t>(k)].in) all.insert(all.end(), o.copies.begin(), o.copies.end());
      all.insert(all.end(), ps[static_cast<size_t>(k)].w.copies.begin(), ps[static_cast<size_t>(k)].w.copies.end());
      in_ids[static_cast<size_t>(k)] = emit(all);
    };
    build(0);
    fetch(0);
    for (int k = 0; k < P; ++k) {
      for (int id : in_ids[static_cast<size_t>(k)]) pm_.wait(id);
      if (k + 1 < P) {
        build(k + 1);
        fetch(k + 1);
      }
      if (k >= 2)
        for (int id : out_ids[static_cast<size_t>(k - 2)]) pm_.wait(id);
      const Part& part = ps[static_cast<size_t>(k)];
      std::vector<PlanView> ins;
      for (const Operand& o : part.in) ins.push_back(o.view);
      pm_.compute(p.op_index, k, parts[static_cast<size_t>(k)], ins, p.weights >= 0 ? part.w.view : PlanView{},
                  part.out.view);
      out_ids[static_cast<size_t>(k)] = emit(part.out.copies);
    }
    for (int k = std::max(0, P - 2); k < P; ++k)
      for (int id : out_ids[static_cast<size_t>(k)]) pm_.wait(id);
  }

  // Weight slice of a partition's output channels (whole filters).
  Operand weights(const PreparedOp& p, const OutRange& r, bool tile, int64_t at) {
    Operand o;
    const Shape4 ws = p.weight_shape;
    const int home = home_[static_cast<size_t>(p.weights)];
    const int64_t es = elem_size(p.weight_type);
    const bool dw = g_.ops[static_cast<size_t>(p.op_index)].kind == OpKind::DepthwiseConv2D;
    const int64_t n = r.c_end - r.c_begin;
    const int64_t bytes = dw ? static_cast<int64_t>(ws.h) * ws.w * n * es : n * ws.h * ws.w * ws.c * es;
    if (tile) {
      o.tile = pm_.buffer("wtile", BufferKind::Tile, "sram", bytes, -1, at, -1, -1, align32());
      if (dw)
        o.copies = split(Copy{home, o.tile, r.c_begin * es, ws.c * es, 0, n * es, static_cast<int64_t>(ws.h) * ws.w, n * es});
      else
        o.copies = split(Copy{home, o.tile, r.c_begin * ws.h * ws.w * ws.c * es, bytes, 0, bytes, 1, bytes});
      if (!o.copies.empty()) {
        o.view = dw ? box_view(o.tile, ws, p.weight_type, 0, 1, 0, ws.h, 0, ws.w, r.c_begin, static_cast<int32_t>(n))
                    : box_view(o.tile, ws, p.weight_type, r.c_begin, static_cast<int32_t>(n), 0, ws.h, 0, ws.w, 0, ws.c);
        return o;
      }
      pm_.plan().buffers.pop_back();
      o.tile = -1;
    }
    o.view = whole_view(home, ws, p.weight_type);
    return o;
  }

  static KernelIO io_dense(const PreparedOp& p) {
    KernelIO io;
    io.num_inputs = static_cast<int32_t>(p.inputs.size());
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      io.in[i].type = p.input_types[i];
      io.in[i].full = p.input_shapes[i];
    }
    io.weights.full = p.weight_shape;
    io.out.full = p.output_shape;
    return io;
  }

  // Partitions: channel-major, rows inside; empty ones dropped.
  static std::vector<OutRange> parts_of(const Shape4& os, int R, int C) {
    std::vector<OutRange> parts;
    for (int ci = 0; ci < C; ++ci)
      for (int ri = 0; ri < R; ++ri) {
        OutRange r{os.h * ri / R, os.h * (ri + 1) / R, os.c * ci / C, os.c * (ci + 1) / C};
        if (r.y_begin < r.y_end && r.c_begin < r.c_end) parts.push_back(r);
      }
    return parts;
  }

  // Bytes of each operand slot of a tile set (inputs..., weights if any, output): the largest
  // partition's tile, aligned. Slots sit at fixed offsets so partition k+2's fetch never lands on
  // partition k's output tile while its write-back is in flight.
  std::vector<int64_t> slot_bytes(const PreparedOp& p, const std::vector<OutRange>& parts) const {
    KernelIO io = io_dense(p);
    auto al = [&](int64_t v) { return (v + align_ - 1) / align_ * align_; };
    std::vector<int64_t> slots(p.inputs.size() + (p.weights >= 0 ? 1 : 0) + 1, 0);
    for (const OutRange& r : parts) {
      size_t k = 0;
      for (size_t i = 0; i < p.inputs.size(); ++i, ++k) {
        int32_t yb, ye, cb, ce;
        kernel_input_rows_of(p.args, io, static_cast<int32_t>(i), r.y_begin, r.y_end, &yb, &ye);
        kernel_input_channels(p.args, io, static_cast<int32_t>(i), r.c_begin, r.c_end, &cb, &ce);
        slots[k] = std::max(slots[k], al(static_cast<int64_t>(ye - yb) * p.input_shapes[i].w * (ce - cb) *
                                         elem_size(p.input_types[i])));
      }
      const int64_t cw = r.c_end - r.c_begin;
      if (p.weights >= 0) {
        const Shape4 ws = p.weight_shape;
        const bool dw = g_.ops[static_cast<size_t>(p.op_index)].kind == OpKind::DepthwiseConv2D;
        slots[k] = std::max(slots[k], al(cw * ws.h * ws.w * (dw ? 1 : ws.c) * elem_size(p.weight_type)));
        ++k;
      }
      slots[k] = std::max(slots[k], al(static_cast<int64_t>(r.y_end - r.y_begin) * p.output_shape.w * cw *
                                       elem_size(p.output_type)));
    }
    return slots;
  }
  int64_t set_bytes(const PreparedOp& p, const std::vector<OutRange>& parts) const {
    int64_t total = 0;
    for (int64_t b : slot_bytes(p, parts)) total += b;
    return total;
  }
};

std::vector<uint8_t> random_input(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(g.tensor(g.inputs[0]).bytes());
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

struct Case {
  uint32_t seed;
  Graph g;
  Board b;
  TensorBytes in, ref;
};

Case make_case(uint32_t seed) {
  Case c{seed, random_graph(seed), random_board(seed), {}, {}};
  c.in = {random_input(c.g, seed)};
  auto ref = run_graph(c.g, c.in);
  if (!ref.ok()) throw std::runtime_error(fmt::format("seed {}: run_graph: {}", seed, ref.error().message));
  c.ref = ref.value();
  return c;
}

// Both DMA timings give the reference bytes; returns the failure text, or "".
std::string runs_exactly(const Case& c, const Plan& p) {
  for (DmaTiming t : {DmaTiming::AtStart, DmaTiming::AtWaitPoisoned}) {
    auto got = execute_plan(c.g, c.b, p, c.in, t);
    if (!got.ok()) return got.error().message;
    if (got.value() != c.ref) return t == DmaTiming::AtStart ? "wrong output (copy at start)" : "wrong output (copy at wait)";
  }
  return "";
}

Plan test_plan(const Case& c, int64_t* tiled = nullptr) {
  std::mt19937 rng(c.seed + 99);
  const int64_t sram = static_cast<int64_t>(c.b.memories[1].size);
  const int64_t budget = std::min<int64_t>(sram, 512 + pick(rng, 0, 64) * 256);
  TestPlanner tp(c.g, c.b, c.seed, budget);
  Plan p = tp.make();
  if (tiled) *tiled += tp.tiled_ops;
  return p;
}

// One random mutation. Returns a label.
std::string mutate(Plan& p, const Board& b, std::mt19937& rng) {
  const int n = static_cast<int>(p.steps.size());
  auto any_step = [&](StepKind k) {
    std::vector<int> idx;
    for (int i = 0; i < n; ++i)
      if (p.steps[static_cast<size_t>(i)].kind == k) idx.push_back(i);
    return idx.empty() ? -1 : idx[static_cast<size_t>(pick(rng, 0, static_cast<int>(idx.size()) - 1))];
  };
  switch (pick(rng, 0, 9)) {
    case 0: {  // drop a step
      const int s = pick(rng, 0, n - 1);
      p.steps.erase(p.steps.begin() + s);
      return "drop step";
    }
    case 1: {  // swap with the next step
      const int s = pick(rng, 0, n - 2);
      std::swap(p.steps[static_cast<size_t>(s)], p.steps[static_cast<size_t>(s + 1)]);
      return "swap steps";
    }
    case 2: {  // move a wait later
      const int s = any_step(StepKind::DmaWait);
      if (s < 0) return "none";
      const int to = std::min(n - 1, s + pick(rng, 1, 4));
      PlanStep st = p.steps[static_cast<size_t>(s)];
      p.steps.erase(p.steps.begin() + s);
      p.steps.insert(p.steps.begin() + to, st);
      return "move wait later";
    }
    case 3: {  // move a start later
      const int s = any_step(StepKind::DmaStart);
      if (s < 0) return "none";
      const int to = std::min(n - 1, s + pick(rng, 1, 4));
      PlanStep st = p.steps[static_cast<size_t>(s)];
      p.steps.erase(p.steps.begin() + s);
      p.steps.insert(p.steps.begin() + to, st);
      return "move start later";
    }
    case 4: {  // shift a DMA offset
      const int s = any_step(StepKind::DmaStart);
      if (s < 0) return "none";
      DmaStep& d = p.steps[static_cast<size_t>(s)].dma;
      const int64_t delta = std::vector<int64_t>{1, static_cast<int64_t>(b.dma[0].alignment), d.row_bytes,
                                                 -static_cast<int64_t>(b.dma[0].alignment)}[static_cast<size_t>(pick(rng, 0, 3))];
      (pick(rng, 0, 1) ? d.src_offset : d.dst_offset) += delta;
      return "shift DMA offset";
    }
    case 5: {  // one row less
      const int s = any_step(StepKind::DmaStart);
      if (s < 0) return "none";
      DmaStep& d = p.steps[static_cast<size_t>(s)].dma;
      if (d.rows > 1) --d.rows;
      else d.row_bytes = std::max(1, d.row_bytes - static_cast<int32_t>(b.dma[0].alignment));
      return "shorter DMA";
    }
    case 6: {  // shift a view's origin (the bytes stay where they are)
      const int s = any_step(StepKind::Compute);
      if (s < 0) return "none";
      ComputeStep& c = p.steps[static_cast<size_t>(s)].compute;
      PlanView& v = c.inputs.empty() || pick(rng, 0, 2) == 0 ? c.output : c.inputs[0];
      if (pick(rng, 0, 1)) v.y0 += pick(rng, 0, 1) ? 1 : -1;
      else v.c0 += pick(rng, 0, 1) ? 1 : -1;
      return "shift view origin";
    }
    case 7: {  // shrink a compute range
      const int s = any_step(StepKind::Compute);
      if (s < 0) return "none";
      OutRange& r = p.steps[static_cast<size_t>(s)].compute.range;
      if (pick(rng, 0, 1) && r.y_end - r.y_begin > 1) --r.y_end;
      else if (r.c_end - r.c_begin > 1) --r.c_end;
      else return "none";
      return "shrink range";
    }
    case 8: {  // move a buffer
      const int i = pick(rng, 0, static_cast<int>(p.buffers.size()) - 1);
      p.buffers[static_cast<size_t>(i)].offset += p.buffers[static_cast<size_t>(i)].alignment * (pick(rng, 0, 1) ? 1 : -1);
      refresh_memory_use(p, b);
      return "move buffer";
    }
    default: {  // shorten a live range
      const int i = pick(rng, 0, static_cast<int>(p.buffers.size()) - 1);
      PlanBuffer& pb = p.buffers[static_cast<size_t>(i)];
      if (pick(rng, 0, 1)) ++pb.first_step;
      else --pb.last_step;
      return "shorten live range";
    }
  }
}

}  // namespace

TEST_CASE("property: test-planner plans of random graphs on random boards pass the checker and run bit-exactly") {
  const auto t0 = std::chrono::steady_clock::now();
  int64_t tiled = 0, steps = 0, dma = 0;
  const uint32_t kCases = 300;
  for (uint32_t seed = 1; seed <= kCases; ++seed) {
    INFO("seed " << seed);
    Case c = make_case(seed);
    Plan p = test_plan(c, &tiled);
    auto r = check_plan_report(c.g, c.b, p);
    REQUIRE_MESSAGE(r.ok(), fmt::format("seed {}: {}", seed, r.ok() ? "" : r.error().message));
    const std::string run = runs_exactly(c, p);
    REQUIRE_MESSAGE(run.empty(), fmt::format("seed {}: {}", seed, run));
    steps += static_cast<int64_t>(p.steps.size());
    dma += r->dma_transfers;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << fmt::format("property: {} test-planner plans ({} tiled ops, {} steps, {} DMA transfers) accepted and "
                           "bit-exact in {:.2f} s\n",
                           kCases, tiled, steps, dma, secs);
  CHECK(tiled > kCases);  // most plans do partition and use DMA
  CHECK(dma > 10 * static_cast<int64_t>(kCases));
}

TEST_CASE("property: every mutated plan the checker accepts still runs bit-exactly (soundness)") {
  const auto t0 = std::chrono::steady_clock::now();
  std::map<std::string, std::pair<int, int>> by_kind;  // label -> (rejected, accepted)
  int accepted = 0, rejected = 0;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    Case c = make_case(seed);
    const Plan base = test_plan(c);
    std::mt19937 rng(seed * 31u);
    for (int m = 0; m < 40; ++m) {
      Plan p = base;
      const std::string what = mutate(p, c.b, rng);
      if (what == "none") continue;
      INFO("seed " << seed << " mutant " << m << " (" << what << ")");
      Status s = check_plan(c.g, c.b, p);
      if (!s.ok()) {
        ++rejected, ++by_kind[what].first;
        continue;
      }
      ++accepted, ++by_kind[what].second;
      const std::string run = runs_exactly(c, p);
      REQUIRE_MESSAGE(run.empty(), fmt::format("seed {} mutant {} ({}) accepted but: {}", seed, m, what, run));
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << fmt::format("soundness: {} mutants rejected, {} accepted and bit-exact ({:.2f} s)\n", rejected, accepted,
                           secs);
  for (const auto& kv : by_kind)
    std::cout << fmt::format("  {:20s} rejected {:4d} accepted {:4d}\n", kv.first, kv.second.first, kv.second.second);
  CHECK(rejected > 0);
}

TEST_CASE("shared models: test-planner plans pass the checker and give the TFLM reference bytes") {
  if (!have_shared("checker on shared models")) return;
  const auto index = nlohmann::json::parse(read_bytes(shared_dir() / "refs" / "index.json"));
  std::set<std::string> done;
  for (const auto& c : index) {
    const std::string model = c["model"].get<std::string>();
    if (!done.insert(model).second) continue;  // one input per model
    INFO(model);
    auto g = load_tflite((shared_dir() / "models" / model).string());
    REQUIRE_MESSAGE(g.ok(), (g.ok() ? "" : g.error().message));
    Board b = test_board(512 * 1024, 4, 65535, 2);
    b.memories[0].size = 16u << 20;  // weights of MobileNetV2 (3.5 MB) fit
    b.memories[2].size = 64u << 20;  // every activation has its own home
    Case k{1, std::move(g.value()), b, {read_bytes(shared_dir() / "refs" / c["input_file"].get<std::string>())},
           {read_bytes(shared_dir() / "refs" / c["output_file"].get<std::string>())}};
    TestPlanner tp(k.g, k.b, 1, 64 * 1024);
    Plan p = tp.make();
    const auto t1 = std::chrono::steady_clock::now();
    auto r = check_plan_report(k.g, k.b, p);
    const auto t2 = std::chrono::steady_clock::now();
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    const std::string run = runs_exactly(k, p);
    CHECK_MESSAGE(run.empty(), run);
    std::cout << fmt::format("{}: {} ops, {} partitions, {} steps, {} DMA ({:.1f} MB); check {:.2f} s ({:.1f} MB "
                             "operand bytes verified); bit-exact: {}\n",
                             model, k.g.ops.size(), tp.partitions, p.steps.size(), r->dma_transfers,
                             static_cast<double>(r->dma_bytes) / 1e6, std::chrono::duration<double>(t2 - t1).count(),
                             static_cast<double>(r->bytes_read_verified) / 1e6, run.empty() ? "yes" : run);
  }
}

TEST_CASE("property: make_plan on random graphs x random boards x strategies passes the checker and runs bit-exactly") {
  const auto t0 = std::chrono::steady_clock::now();
  std::map<std::string, std::array<int, 3>> stats;  // strategy -> (planned, did not fit, partitioned ops)
  for (uint32_t seed = 1; seed <= 150; ++seed) {
    Case c = make_case(seed);
    std::mt19937 rng(seed * 13u);
    for (Strategy st : {Strategy::Internal, Strategy::External, Strategy::TinyOps}) {
      const std::string name = strategy_name(st);
      INFO("seed " << seed << " strategy " << name);
      PlanOptions o;
      o.strategy = st;
      o.model = fmt::format("prop-{}", seed);
      // Half the cases plan under the board's default budget (SRAM 32-512 KB minus the reserve), half
      // under a random stress budget from 24 KB down to 2 KB.
      const bool stress = pick(rng, 0, 1);
      if (stress) o.sram_budget = std::min<int64_t>(default_sram_budget(c.b), pick(rng, 2, 24) * 1024);
      auto plan = make_plan(c.g, c.b, o);
      if (!plan.ok()) {
        // Only `internal`, or any strategy under a stress budget, may find that the model does not fit.
        CHECK_MESSAGE((st == Strategy::Internal || stress),
                      fmt::format("seed {} {} (budget {}): make_plan: {}", seed, name, o.sram_budget, plan.error().message));
        if (st != Strategy::Internal)
          std::cout << fmt::format("seed {} {} (stress budget {}): no plan: {}\n", seed, name, o.sram_budget,
                                   plan.error().message);
        ++stats[name][1];
        continue;
      }
      Status s = check_plan(c.g, c.b, plan.value());
      CHECK_MESSAGE(s.ok(), fmt::format("seed {} {} (budget {}): {}", seed, name, o.sram_budget,
                                        s.ok() ? "" : s.error().message));
      if (!s.ok()) continue;
      ++stats[name][0];
      for (const OpPlan& op : plan->ops) stats[name][2] += op.partitions > 1;
      const std::string run = runs_exactly(c, plan.value());
      CHECK_MESSAGE(run.empty(), fmt::format("seed {} {}: test executor: {}", seed, name, run));
      RunOptions ro;
      ro.dma = DmaMode::PoisonAtWait;
      auto got = run_plan(c.g, c.b, plan.value(), c.in, ro);
      CHECK_MESSAGE((got.ok() && got.value() == c.ref),
                    fmt::format("seed {} {}: run_plan: {}", seed, name, got.ok() ? "wrong output" : got.error().message));
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& kv : stats)
    std::cout << fmt::format("make_plan {:9s}: {} plans checked and bit-exact, {} did not fit, {} partitioned ops\n",
                             kv.first, kv.second[0], kv.second[1], kv.second[2]);
  std::cout << fmt::format("make_plan property: {:.2f} s\n", secs);
  CHECK(stats["tinyops"][0] + stats["tinyops"][1] == 150);  // every plan made passed the checker
  CHECK(stats["external"][0] == 150);
}

TEST_CASE("robustness: plans with extreme field values are rejected, never crash the checker") {
  const int64_t extremes[] = {-1, 0, 1, 3, INT32_MAX, INT32_MIN, INT64_MAX / 2, INT64_MIN / 2, INT64_MAX, 1 << 20};
  int rejected = 0, total = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    Case c = make_case(seed);
    const Plan base = test_plan(c);
    std::mt19937 rng(seed * 101u);
    for (int m = 0; m < 60; ++m) {
      Plan p = base;
      const int64_t v = extremes[pick(rng, 0, 9)];
      auto i32 = [&](int32_t& f) { f = static_cast<int32_t>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX)); };
      auto& st = p.steps[static_cast<size_t>(pick(rng, 0, static_cast<int>(p.steps.size()) - 1))];
      auto& buf = p.buffers[static_cast<size_t>(pick(rng, 0, static_cast<int>(p.buffers.size()) - 1))];
      PlanView& view = st.compute.inputs.empty() ? st.compute.output : st.compute.inputs[0];
      switch (pick(rng, 0, 17)) {
        case 0: buf.offset = v; break;
        case 1: buf.size = v; break;
        case 2: i32(buf.alignment); break;
        case 3: buf.first_step = static_cast<int>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX)); break;
        case 4: buf.tensor = static_cast<int>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX)); break;
        case 5: st.dma.src_offset = v; break;
        case 6: st.dma.dst_stride = v; break;
        case 7: i32(st.dma.rows); break;
        case 8: i32(st.dma.row_bytes); break;
        case 9: st.dma.dma = static_cast<int>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX)); break;
        case 10: i32(st.dma.channel); break;
        case 11: view.byte_offset = v; break;
        case 12: i32(view.stride_h); break;
        case 13: i32(view.h); break;
        case 14: i32(view.y0); break;
        case 15: view.buffer = static_cast<int>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX)); break;
        case 16: i32(st.compute.range.y_end); break;
        default: st.compute.scratch_offset = v; break;
      }
      ++total;
      rejected += !check_plan(c.g, c.b, p).ok();
    }
  }
  std::cout << fmt::format("robustness: {} of {} plans with an extreme field rejected, no crash\n", rejected, total);
  CHECK(rejected > total / 2);
}
