// Kernels given views that may lack rows or channels: when a view holds everything the range needs
// (per kernel_input_rows_of / kernel_input_channels) the result equals the dense one; otherwise the call
// returns bad_view and writes nothing. Run under ASan this also proves no out-of-view reads.
#include "kernels/kernel_test_util.h"

using namespace ktest;

namespace {

struct Case {
  KernelArgs a{};
  KernelIO io;
  std::vector<std::vector<int8_t>> inputs;
  std::vector<int8_t> weights;
  std::vector<int32_t> mult, shift, bias;
  std::vector<uint8_t> table;
};

// Builds a random op of the given kind with dense views (output data left null).
void make(Rng& rng, KernelKind kind, Case* c) {
  c->a.kind = kind;
  const Shape4 in{1, rng.uniform(2, 9), rng.uniform(1, 7), rng.uniform(1, 24)};
  c->inputs.push_back(rng.bytes(static_cast<size_t>(count(in))));
  c->io.num_inputs = 1;
  c->io.in[0] = dense(c->inputs[0].data(), ElemType::Int8, in);
  Shape4 out = in;
  switch (kind) {
    case KernelKind::Conv2D:
    case KernelKind::DepthwiseConv2D: {
      ConvParams& p = c->a.p.conv;
      p.filter_h = p.filter_w = 3;
      p.stride_h = rng.uniform(1, 2);
      p.stride_w = 1;
      p.dilation_h = p.dilation_w = 1;
      p.depth_multiplier = 1;
      p.pad_top = p.pad_left = 1;
      p.input_offset = 5;
      p.act_min = -128;
      p.act_max = 127;
      out = Shape4{1, (in.h - 1) / p.stride_h + 1, in.w, kind == KernelKind::Conv2D ? rng.uniform(1, 12) : in.c};
      const Shape4 ws = kind == KernelKind::Conv2D ? Shape4{out.c, 3, 3, in.c} : Shape4{1, 3, 3, in.c};
      c->weights = rng.bytes(static_cast<size_t>(count(ws)));
      c->io.weights = dense(c->weights.data(), ElemType::Int8, ws);
      random_multipliers(rng, out.c, &c->mult, &c->shift);
      p.multiplier = c->mult.data();
      p.shift = c->shift.data();
      break;
    }
    case KernelKind::AveragePool2D: {
      PoolParams& p = c->a.p.pool;
      p.filter_h = p.filter_w = 2;
      p.stride_h = p.stride_w = 1;
      p.act_min = -128;
      p.act_max = 127;
      out = Shape4{1, in.h - 1, std::max(1, in.w - 1), in.c};
      if (in.w == 1) p.filter_w = 1;
      break;
    }
    case KernelKind::Add: {
      c->inputs.push_back(rng.bytes(static_cast<size_t>(in.c)));
      c->io.num_inputs = 2;
      c->io.in[1] = dense(c->inputs[1].data(), ElemType::Int8, Shape4{1, 1, 1, in.c});
      AddParams& p = c->a.p.add;
      p.left_shift = 20;
      p.input1_multiplier = p.input2_multiplier = p.output_multiplier = 1 << 30;
      p.input1_shift = p.input2_shift = -1;
      p.output_shift = -18;
      p.act_min = -128;
      p.act_max = 127;
      break;
    }
    case KernelKind::Pad: {
      PadParams& p = c->a.p.pad;
      p.before[1] = 1;
      p.after[1] = 2;
      p.before[3] = 2;
      out = Shape4{1, in.h + 3, in.w, in.c + 2};
      break;
    }
    default: {  // table lookup
      c->table.resize(256);
      for (auto& v : c->table) v = static_cast<uint8_t>(rng.uniform(0, 255));
      c->a.p.lut.table = c->table.data();
      break;
    }
  }
  c->io.out = dense(nullptr, ElemType::Int8, out);
}

}  // namespace

TEST_CASE("views lacking needed rows or channels are rejected without writes; sufficient views are exact") {
  Rng rng(77);
  const KernelKind kinds[] = {KernelKind::Conv2D, KernelKind::DepthwiseConv2D, KernelKind::AveragePool2D,
                              KernelKind::Add, KernelKind::Pad, KernelKind::Relu};
  int rejected = 0, accepted = 0;
  for (int t = 0; t < 600; ++t) {
    Case c;
    make(rng, kinds[t % 6], &c);
    CAPTURE(t);
    const std::vector<uint8_t> full = run_full(c.a, c.io);
    const Shape4 os = c.io.out.full;
    const uint8_t caps = kernel_partition_caps(c.a.kind);
    OutRange r = full_range(os);
    if (caps & kPartitionRows) {
      r.y_begin = rng.uniform(0, os.h - 1);
      r.y_end = rng.uniform(r.y_begin + 1, os.h);
    }
    if (caps & kPartitionChannels) {
      r.c_begin = rng.uniform(0, os.c - 1);
      r.c_end = rng.uniform(r.c_begin + 1, os.c);
    }
    int32_t y0, y1, c0, c1;
    kernel_input_rows_of(c.a, c.io, 0, r.y_begin, r.y_end, &y0, &y1);
    kernel_input_channels(c.a, c.io, 0, r.c_begin, r.c_end, &c0, &c1);
    // A random box of input 0: sometimes exactly the needed one, sometimes one row/channel short.
    const Shape4 is = c.io.in[0].full;
    int ty0 = y0, ty1 = y1, tc0 = c0, tc1 = c1;
    const int shrink = rng.uniform(0, 4);
    if (shrink == 1 && ty1 - ty0 > 0) ++ty0;
    if (shrink == 2 && ty1 - ty0 > 0) --ty1;
    if (shrink == 3 && tc1 - tc0 > 0) ++tc0;
    if (shrink == 4) {  // a larger box than needed is fine
      ty0 = std::max(0, ty0 - 1);
      ty1 = std::min(is.h, ty1 + 1);
    }
    // When the range needs nothing of input 0 (e.g. PAD output channels all in padding) any box will do.
    const bool needs_nothing = y1 <= y0 || c1 <= c0;
    const bool enough = needs_nothing || (ty0 <= y0 && ty1 >= y1 && tc0 <= c0 && tc1 >= c1);
    std::vector<uint8_t> tb, ob(static_cast<size_t>(count(os)), 0x33);
    KernelIO io = c.io;
    io.in[0] = tile(c.inputs[0].data(), ElemType::Int8, is, 0, 1, ty0, ty1, 0, is.w, tc0, tc1, &tb);
    io.out = dense(ob.data(), ElemType::Int8, os);
    const KernelStatus s = invoke_with_scratch(c.a, io, r);
    if (!enough) {
      REQUIRE(s == KernelStatus::BadView);
      CHECK(std::all_of(ob.begin(), ob.end(), [](uint8_t b) { return b == 0x33; }));
      ++rejected;
      continue;
    }
    REQUIRE(s == KernelStatus::Ok);
    ++accepted;
    for (int y = 0; y < os.h; ++y)
      for (int x = 0; x < os.w; ++x)
        for (int ch = 0; ch < os.c; ++ch) {
          const size_t i = idx(os, 0, y, x, ch);
          const bool in_range = y >= r.y_begin && y < r.y_end && ch >= r.c_begin && ch < r.c_end;
          REQUIRE(ob[i] == (in_range ? full[i] : 0x33));  // exactly the range is written
        }
  }
  CHECK(rejected > 150);
  CHECK(accepted > 150);
}
