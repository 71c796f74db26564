// The plan checker on hand-written plans: correct plans pass (and really run bit-exactly on the
// independent test executor); plans broken one way each are rejected with the exact reason.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <random>

#include "model/builder.h"
#include "plan/checker/checker.h"
#include "plan/test_checker_util.h"

using namespace tinyops;
using namespace tinyops::testing;

namespace {

// input [1,8,8,4] -> CONV_2D 3x3 SAME, 8 channels, ReLU -> output [1,8,8,8]
Graph conv_graph() {
  GraphBuilder b("checker-conv", 3);
  int x = b.input({1, 8, 8, 4}, 0.05f, 0);
  int y = b.conv2d(x, 8, 3, 1, Activation::Relu);
  b.output(y);
  return b.finish();
}

const Shape4 kIn{1, 8, 8, 4}, kOut{1, 8, 8, 8}, kW{8, 3, 3, 4};
constexpr ElemType I8 = ElemType::Int8;

enum class Break {
  None,
  ReadBeforeWait,        // partition 1 computes before the wait of its input tile's DMA
  PrefetchIntoTileInUse, // the prefetch of partition 1 targets the tile partition 0 is reading
  PrefetchWaitedEarly,   // same single tile, but waited before partition 0 computes: stale rows
  WriteDmaSource,        // partition 1 writes the output tile whose write-back is in flight
  OverlapLive,           // tileB overlaps tileA while both are live
  Misaligned,            // tileB at an offset that is not a multiple of 16
  MissingWait,           // the last write-back is never waited
  OutputIncomplete,      // the last write-back is missing
  HaloViewMissing,       // partition 1's tile and view lack halo row 3
  HaloRowNotCopied,      // the view claims rows [3,8) but the DMA copies rows [4,8) only
  DmaWriteWrite,         // two in-flight transfers write the same tile
  WeightsInSram,         // the weights' home is SRAM (not loaded before start)
};

// Two row partitions of the conv, double-buffered input tiles, weights fetched once, outputs written
// back by DMA (12 steps).
Plan conv_rows_plan(const Graph& g, const Board& board, Break br) {
  const int x = g.inputs[0], y = g.outputs[0], w = g.ops[0].inputs[1];
  PlanMaker pm(g, board);
  const int in = pm.buffer("in", BufferKind::Input, "sdram", 256, x);
  const int out = pm.buffer("out", BufferKind::Output, "sdram", 512, y);
  const int wb = pm.buffer("w", BufferKind::Weights, br == Break::WeightsInSram ? "sram" : "flash", 288, w);
  const int tileA = pm.buffer("tileA", BufferKind::Tile, "sram", 160, -1, br == Break::WeightsInSram ? 400 : 0);
  int64_t b_off = -1;
  if (br == Break::OverlapLive) b_off = 112;
  if (br == Break::Misaligned) b_off = 168;
  const int tileB = pm.buffer("tileB", BufferKind::Tile, "sram", 160, -1, b_off);
  const int wtile = pm.buffer("wtile", BufferKind::Tile, "sram", 288);
  const int otileA = pm.buffer("otileA", BufferKind::Tile, "sram", 256);
  const int otileB = pm.buffer("otileB", BufferKind::Tile, "sram", 256);
  const bool single_in = br == Break::PrefetchIntoTileInUse || br == Break::PrefetchWaitedEarly;
  const int tile1 = single_in ? tileA : tileB;
  const int otile1 = br == Break::WriteDmaSource ? otileA : otileB;

  int d0 = pm.dma(0, in, 0, 32, tileA, 0, 32, 5, 32);                     // step 0: rows [0,5)
  int d1 = pm.copy(1, wb, 0, wtile, 0, 288);                               // step 1
  pm.wait(d0);                                                             // step 2
  pm.wait(d1);                                                             // step 3
  int d2;                                                                  // step 4: rows [3,8)
  if (br == Break::HaloViewMissing || br == Break::HaloRowNotCopied)
    d2 = pm.dma(0, in, 4 * 32, 32, tile1, br == Break::HaloRowNotCopied ? 32 : 0, 32, 4, 32);
  else if (br == Break::DmaWriteWrite)
    d2 = pm.dma(0, in, 3 * 32, 32, wtile, 0, 32, 5, 32);
  else
    d2 = pm.dma(0, in, 3 * 32, 32, tile1, 0, 32, 5, 32);
  if (br == Break::PrefetchWaitedEarly) pm.wait(d2);
  auto compute = [&](int part, int tile, int otile, int y0) {
    PlanView iv = br == Break::HaloViewMissing && part == 1 ? rows_view(tile, kIn, I8, 4, 4)
                                                            : rows_view(tile, kIn, I8, part == 0 ? 0 : 3, 5);
    pm.compute(0, part, OutRange{y0, y0 + 4, 0, 8}, {iv}, whole_view(wtile, kW, I8), rows_view(otile, kOut, I8, y0, 4));
  };
  compute(0, tileA, otileA, 0);                                            // step 5
  int d3 = pm.copy(1, otileA, 0, out, 0, 256);                             // step 6
  if (br == Break::ReadBeforeWait) {
    compute(1, tile1, otile1, 4);                                          // step 7
    pm.wait(d2);                                                           // step 8
  } else {
    if (br != Break::PrefetchWaitedEarly) pm.wait(d2);                     // step 7
    compute(1, tile1, otile1, 4);                                          // step 8
  }
  int d4 = -1;
  if (br != Break::OutputIncomplete) d4 = pm.copy(0, otile1, 0, out, 256, 256);  // step 9
  pm.wait(d3);                                                             // step 10
  if (br != Break::OutputIncomplete && br != Break::MissingWait) pm.wait(d4);  // step 11
  return pm.finish();
}

// One row partition, two channel partitions with weight slices fetched into separate tiles; the
// output is written by the CPU straight into external memory (8 steps).
Plan conv_channels_plan(const Graph& g, const Board& board, bool wrong_slice) {
  const int x = g.inputs[0], y = g.outputs[0], w = g.ops[0].inputs[1];
  PlanMaker pm(g, board);
  const int in = pm.buffer("in", BufferKind::Input, "sdram", 256, x);
  const int out = pm.buffer("out", BufferKind::Output, "sdram", 512, y);
  const int wb = pm.buffer("w", BufferKind::Weights, "flash", 288, w);
  const int tile = pm.buffer("tile", BufferKind::Tile, "sram", 256);
  const int wA = pm.buffer("wA", BufferKind::Tile, "sram", 144);
  const int wB = pm.buffer("wB", BufferKind::Tile, "sram", 144);
  int d0 = pm.copy(0, in, 0, tile, 0, 256);
  int d1 = pm.copy(1, wb, 0, wA, 0, 144);
  int d2 = pm.copy(1, wb, wrong_slice ? 0 : 144, wB, 0, 144);
  pm.wait(d0);
  pm.wait(d1);
  pm.compute(0, 0, OutRange{0, 8, 0, 4}, {whole_view(tile, kIn, I8)}, box_view(wA, kW, I8, 0, 4, 0, 3, 0, 3, 0, 4),
             whole_view(out, kOut, I8));
  pm.wait(d2);
  pm.compute(0, 1, OutRange{0, 8, 4, 8}, {whole_view(tile, kIn, I8)}, box_view(wB, kW, I8, 4, 4, 0, 3, 0, 3, 0, 4),
             whole_view(out, kOut, I8));
  return pm.finish();
}

// Everything read and written in place in external memory and flash, one step.
Plan conv_direct_plan(const Graph& g, const Board& board, bool output_into_input) {
  const int x = g.inputs[0], y = g.outputs[0], w = g.ops[0].inputs[1];
  PlanMaker pm(g, board);
  const int in = pm.buffer("in", BufferKind::Input, "sdram", 512, x);
  const int out = pm.buffer("out", BufferKind::Output, "sdram", 512, y);
  const int wb = pm.buffer("w", BufferKind::Weights, "flash", 288, w);
  pm.compute(0, 0, OutRange{0, 8, 0, 8}, {whole_view(in, kIn, I8)}, whole_view(wb, kW, I8),
             whole_view(output_into_input ? in : out, kOut, I8));
  return pm.finish();
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

std::string check_error(const Graph& g, const Board& b, const Plan& p) {
  Status s = check_plan(g, b, p);
  return s.ok() ? std::string("<accepted>") : s.error().message;
}

// The plan gives the reference output under both DMA timings.
void expect_runs_exactly(const Graph& g, const Board& b, const Plan& p) {
  TensorBytes in{random_bytes(g.tensor(g.inputs[0]).bytes(), 11)};
  auto ref = run_graph(g, in);
  REQUIRE_MESSAGE(ref.ok(), (ref.ok() ? "" : ref.error().message));
  for (DmaTiming t : {DmaTiming::AtStart, DmaTiming::AtWaitPoisoned}) {
    auto got = execute_plan(g, b, p, in, t);
    REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
    CHECK(got.value() == ref.value());
  }
}

// The broken plan really computes something else under the stated DMA timing.
void expect_runs_wrong(const Graph& g, const Board& b, const Plan& p, DmaTiming t) {
  TensorBytes in{random_bytes(g.tensor(g.inputs[0]).bytes(), 11)};
  auto ref = run_graph(g, in);
  REQUIRE(ref.ok());
  auto got = execute_plan(g, b, p, in, t);
  CHECK((!got.ok() || got.value() != ref.value()));
}

}  // namespace

TEST_CASE("correct hand-written plans pass and run bit-exactly") {
  Graph g = conv_graph();
  Board b = test_board();
  for (const Plan& p : {conv_rows_plan(g, b, Break::None), conv_channels_plan(g, b, false),
                        conv_direct_plan(g, b, false)}) {
    auto r = check_plan_report(g, b, p);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    CHECK(r->bytes_written == 512);  // every output byte once
    expect_runs_exactly(g, b, p);
  }
  auto r = check_plan_report(g, b, conv_rows_plan(g, b, Break::None));
  CHECK(r->compute_steps == 2);
  CHECK(r->dma_transfers == 5);
  CHECK(r->dma_bytes == 160 + 288 + 160 + 256 + 256);
  // Input rows: 5 + 5 rows of 32 bytes; weights twice 288.
  CHECK(r->bytes_read_verified == 320 + 576);
}

TEST_CASE("reading a tile before its DMA wait is rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  Plan p = conv_rows_plan(g, b, Break::ReadBeforeWait);
  const std::string e = check_error(g, b, p);
  CHECK(e.find("step 7 (compute op 0 CONV_2D") != std::string::npos);
  CHECK(e.find("partition 1, rows [4,8) channels [0,8)): input 0 ('" + g.tensor(g.inputs[0]).name +
               "') reads sram+0xa0 in buffer 4 'tileB' (Tile, sram [0xa0, 0x140)), which DMA 2 (started at step 4, "
               "not yet waited) is still writing: read before the DMA wait") != std::string::npos);
  INFO(e);
  expect_runs_wrong(g, b, p, DmaTiming::AtWaitPoisoned);
}

TEST_CASE("a prefetch that overwrites a tile still being read is rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  // In flight while partition 0 reads the tile.
  Plan p = conv_rows_plan(g, b, Break::PrefetchIntoTileInUse);
  std::string e = check_error(g, b, p);
  CHECK(e.find("step 5 (compute op 0") != std::string::npos);
  CHECK(e.find("input 0 ('" + g.tensor(g.inputs[0]).name +
               "') reads sram+0x0 in buffer 3 'tileA' (Tile, sram [0x0, 0xa0)), which DMA 2 (started at step 4, not "
               "yet waited) is still writing") != std::string::npos);
  expect_runs_wrong(g, b, p, DmaTiming::AtStart);
  // Completed before partition 0 reads it: the tile holds rows [3,8) where rows [0,5) are expected.
  p = conv_rows_plan(g, b, Break::PrefetchWaitedEarly);
  e = check_error(g, b, p);
  const std::string x = g.tensor(g.inputs[0]).name;
  CHECK(e.find("step 6 (compute op 0") != std::string::npos);
  CHECK(e.find("input 0 ('" + x + "') element (n=0,y=0,x=0,c=0) byte 0 at sram+0x0 in buffer 3 'tileA' (Tile, sram "
               "[0x0, 0xa0)) holds tensor '" + x + "' byte 96, expected tensor '" + x + "' byte 0") != std::string::npos);
  INFO(e);
  expect_runs_wrong(g, b, p, DmaTiming::AtStart);
}

TEST_CASE("compute writing into the source of an in-flight DMA is rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  Plan p = conv_rows_plan(g, b, Break::WriteDmaSource);
  const std::string e = check_error(g, b, p);
  CHECK(e.find("step 8 (compute op 0") != std::string::npos);
  CHECK(e.find("): output ('" + g.tensor(g.outputs[0]).name +
               "') writes sram+0x260 in buffer 6 'otileA' (Tile, sram [0x260, 0x360)), which DMA 3 (started at step "
               "6, not yet waited) is reading (its source)") != std::string::npos);
  INFO(e);
  expect_runs_wrong(g, b, p, DmaTiming::AtWaitPoisoned);
}

TEST_CASE("two in-flight transfers writing the same bytes are rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  Plan p = conv_rows_plan(g, b, Break::DmaWriteWrite);
  // DMA 1 (weights -> wtile) is waited at step 3, so DMA 2 at step 4 may reuse wtile as far as DMA is
  // concerned; but partition 0 then reads input rows where it expects weights.
  std::string e = check_error(g, b, p);
  CHECK(e.find("step 5 (compute op 0") != std::string::npos);
  CHECK(e.find("weights (") != std::string::npos);
  CHECK(e.find("which DMA 2 (started at step 4, not yet waited) is still writing") != std::string::npos);
  // Move the weights wait after the second start: now the transfers overlap in flight.
  std::swap(p.steps[3], p.steps[4]);
  e = check_error(g, b, p);
  CHECK(e == "step 3 (DMA 2 start): writes sram+0x140 in buffer 5 'wtile' (Tile, sram [0x140, 0x260)), which DMA 1 "
             "(started at step 1, not yet waited) also writes");
}

TEST_CASE("overlapping live buffers, overflow and misalignment are rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  CHECK(check_error(g, b, conv_rows_plan(g, b, Break::OverlapLive)) ==
        "buffer 3 'tileA' (Tile, sram [0x0, 0xa0)) and buffer 4 'tileB' (Tile, sram [0x70, 0x110)) overlap in sram "
        "[0x70, 0xa0) while both are live (steps 0..5 and 4..8)");
  expect_runs_wrong(g, b, conv_rows_plan(g, b, Break::OverlapLive), DmaTiming::AtStart);
  CHECK(check_error(g, b, conv_rows_plan(g, b, Break::Misaligned)) ==
        "buffer 4 'tileB' (Tile, sram [0xa8, 0x148)) is misaligned: address 0x200000a8 is not a multiple of its "
        "alignment 16");
  // 1024 bytes of SRAM: otileB ends at 0x460.
  Board small = test_board(1024);
  CHECK(check_error(g, small, conv_rows_plan(g, small, Break::None)) ==
        "buffer 7 'otileB' (Tile, sram [0x360, 0x460)) overflows memory 'sram' (size 0x400) by 96 bytes");
  // Buffers with disjoint live ranges may share bytes: otileB over tileA (live 0..5 vs 8..11).
  Plan reuse = conv_rows_plan(g, b, Break::None);
  reuse.buffers[7].offset = 0;
  reuse.buffers[7].size = 160;
  refresh_memory_use(reuse, b);
  CHECK(check_error(g, b, reuse).find("output ('" + g.tensor(g.outputs[0]).name + "') view (256 bytes from offset 0) "
                                      "overruns buffer 7 'otileB' (Tile, sram [0x0, 0xa0)) by 96 bytes") !=
        std::string::npos);
  reuse.buffers[7].size = 256;  // now overlaps tileB (live 4..8) at step 8
  refresh_memory_use(reuse, b);
  CHECK(check_error(g, b, reuse).find("overlap in sram [0xa0, 0x100) while both are live (steps 8..11 and 4..8)") !=
        std::string::npos);
}

TEST_CASE("a missing wait and an incomplete output are rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  CHECK(check_error(g, b, conv_rows_plan(g, b, Break::MissingWait)) == "DMA 4 started at step 9 is never waited");
  const std::string y = g.tensor(g.outputs[0]).name;
  Plan p = conv_rows_plan(g, b, Break::OutputIncomplete);
  CHECK(check_error(g, b, p) == "after the last step, output 0 ('" + y +
                                    "') is incomplete: byte 256 at sdram+0x200 in buffer 1 'out' (Output, sdram "
                                    "[0x100, 0x300)) holds undefined data");
  expect_runs_wrong(g, b, p, DmaTiming::AtStart);
}

TEST_CASE("a partition missing its halo row is rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  const std::string x = g.tensor(g.inputs[0]).name;
  CHECK(check_error(g, b, conv_rows_plan(g, b, Break::HaloViewMissing)) ==
        "step 8 (compute op 0 CONV_2D -> '" + g.tensor(g.outputs[0]).name +
            "' partition 1, rows [4,8) channels [0,8)): input 0 ('" + x +
            "') view in buffer 4 'tileB' (Tile, sram [0xa0, 0x140)) holds n[0,1) y[4,8) x[0,8) c[0,4) but the range "
            "needs n[0,1) y[3,8) x[0,8) c[0,4)");
  Plan p = conv_rows_plan(g, b, Break::HaloRowNotCopied);
  const std::string e = check_error(g, b, p);
  CHECK(e.find("input 0 ('" + x + "') element (n=0,y=3,x=0,c=0) byte 0 at sram+0xa0 in buffer 4 'tileB' (Tile, sram "
               "[0xa0, 0x140)) holds undefined data, expected tensor '" + x + "' byte 96") != std::string::npos);
  INFO(e);
  expect_runs_wrong(g, b, p, DmaTiming::AtStart);
}

TEST_CASE("a weight slice of the wrong channels is rejected") {
  Graph g = conv_graph();
  Board b = test_board();
  const std::string w = g.tensor(g.ops[0].inputs[1]).name;
  Plan p = conv_channels_plan(g, b, true);
  const std::string e = check_error(g, b, p);
  CHECK(e.find("step 7 (compute op 0 CONV_2D") != std::string::npos);
  CHECK(e.find("partition 1, rows [0,8) channels [4,8)): weights ('" + w +
               "') element (n=4,y=0,x=0,c=0) byte 0 at sram+0x190 in buffer 5 'wB' (Tile, sram [0x190, 0x220)) holds "
               "tensor '" + w + "' byte 0, expected tensor '" + w + "' byte 144") != std::string::npos);
  INFO(e);
  expect_runs_wrong(g, b, p, DmaTiming::AtStart);
  // A view that claims channels the range does not need is fine as long as the needed ones are right.
  Plan ok = conv_channels_plan(g, b, false);
  CHECK(check_plan(g, b, ok).ok());
}

TEST_CASE("DMA limits of the board are enforced") {
  Graph g = conv_graph();
  Board b = test_board();
  Plan p = conv_rows_plan(g, b, Break::None);
  p.steps[1].dma.channel = 2;
  CHECK(check_error(g, b, p) == "step 1 (DMA 1 start): channel 2 does not exist (board 'test-board' has 2 DMA channels)");
  Board small_max = test_board(64 * 1024, 4, 128);
  CHECK(check_error(g, small_max, conv_rows_plan(g, small_max, Break::None)) ==
        "step 0 (DMA 0 start): 160 bytes exceed the dma2 engine's max transfer of 128 bytes");
  Board wide = test_board(64 * 1024, 64);
  CHECK(check_error(g, wide, conv_rows_plan(g, wide, Break::None)) ==
        "step 0 (DMA 0 start): misaligned for the dma2 engine (alignment 64): src 0xc0000000, dst 0x20000000, "
        "row_bytes 32, strides 32 / 32");
  Board no_dma = test_board();
  no_dma.memories[2].dma = false;
  CHECK(check_error(g, no_dma, conv_rows_plan(g, no_dma, Break::None)) ==
        "step 0 (DMA 0 start): DMA cannot reach memory 'sdram'");
  p = conv_rows_plan(g, b, Break::None);
  p.steps[0].dma.rows = 9;  // 9 rows of 32 bytes from offset 0 overrun the 256-byte input buffer
  CHECK(check_error(g, b, p) == "step 0 (DMA 0 start): source [0x0, 0x120) lies outside buffer 0 'in' (Input, sdram "
                                "[0x0, 0x100))");
  p = conv_rows_plan(g, b, Break::None);
  p.steps[4].dma.dma = 0;  // reuses id 0
  CHECK(check_error(g, b, p) == "step 4 (DMA 0 start): DMA id 0 was already started at step 0 (ids are unique)");
  p = conv_rows_plan(g, b, Break::None);
  p.steps[3].dma.dma = 0;  // waits DMA 0 twice, never DMA 1
  CHECK(check_error(g, b, p) == "step 3 (DMA 0 wait): DMA 0 was already waited at step 2");
  p.steps[3].dma.dma = 42;
  CHECK(check_error(g, b, p) == "step 3 (DMA 42 wait): waits for DMA 42, which was never started");
}

TEST_CASE("placement rules: weights home, memory list, budget, CPU access, in-place writes") {
  Graph g = conv_graph();
  Board b = test_board();
  CHECK(check_error(g, b, conv_rows_plan(g, b, Break::WeightsInSram)) ==
        "buffer 2 'w' (Weights, sram [0x0, 0x120)) holds weights in memory 'sram' (sram), which is not loaded before "
        "start: weights must be in flash or a flash role memory");
  Plan p = conv_rows_plan(g, b, Break::None);
  int64_t sram_used = 0;
  for (MemoryUse& u : p.memories)
    if (u.name == "sram") sram_used = u.used, u.used += 16;
  CHECK(check_error(g, b, p) == fmt::format("plan memory 'sram' says {} bytes used, but its buffers end at {}",
                                            sram_used + 16, sram_used));
  p = conv_rows_plan(g, b, Break::None);
  p.sram_budget = 1000;
  CHECK(check_error(g, b, p) == fmt::format("memory 'sram' (the SRAM role) uses {} bytes, over the plan's SRAM "
                                            "budget of 1000 by {}",
                                            sram_used, sram_used - 1000));
  p.sram_budget = sram_used;
  CHECK(check_plan(g, b, p).ok());
  p.memories.pop_back();  // sdram
  CHECK(check_error(g, b, p) == "memory 'sdram' holds buffers (768 bytes used) but is missing from the plan's memories");
  p = conv_rows_plan(g, b, Break::None);
  p.ops[0].partitions = 3;
  CHECK(check_error(g, b, p).find("plan op summary says op 0 CONV_2D -> '" + g.tensor(g.outputs[0]).name +
                                  "' has 3 partitions, the plan computes it in 2 steps") == 0);

  Board no_read = test_board();
  no_read.memories[0].cpu_read = false;  // flash readable by DMA only
  CHECK(check_error(g, no_read, conv_direct_plan(g, no_read, false)).find(
            "weights ('" + g.tensor(g.ops[0].inputs[1]).name +
            "') view is in buffer 2 'w' (Weights, flash [0x0, 0x120)), but memory 'flash' is not CPU-readable") !=
        std::string::npos);
  // The conv kernel reads a 3x3 neighbourhood: writing its output over its own input is unsafe.
  CHECK(check_error(g, b, conv_direct_plan(g, b, true)).find("writes sdram+0x0 in buffer 0 'in' (Input, sdram [0x0, "
                                                             "0x200)), which the same call reads") != std::string::npos);
}

TEST_CASE("an elementwise op may write in place, element onto the same element") {
  GraphBuilder gb("checker-relu", 5);
  int x = gb.input({1, 4, 4, 8}, 0.1f, -10);
  int y = gb.relu(x);
  gb.output(y);
  Graph g = gb.finish();
  Board b = test_board();
  const Shape4 s{1, 4, 4, 8};
  auto plan = [&](int64_t out_view_offset) {
    PlanMaker pm(g, b);
    const int in = pm.buffer("in", BufferKind::Input, "sram", 128 + 16, g.inputs[0]);
    const int out = pm.buffer("out", BufferKind::Output, "sdram", 128, g.outputs[0]);
    PlanView ov = whole_view(in, s, I8);
    ov.byte_offset = out_view_offset;
    pm.compute(0, 0, OutRange{0, 4, 0, 8}, {whole_view(in, s, I8)}, PlanView{}, ov);
    const int d = pm.copy(0, in, out_view_offset, out, 0, 128);
    pm.wait(d);
    return pm.finish();
  };
  Plan same = plan(0);
  REQUIRE(check_plan(g, b, same).ok());
  expect_runs_exactly(g, b, same);
  // Shifted by 16 bytes, element e lands on element e+2's bytes, which the call still has to read.
  CHECK(check_error(g, b, plan(16)).find("writes sram+0x10 in buffer 0 'in' (Input, sram [0x0, 0x90)), which the "
                                         "same call reads") != std::string::npos);
}

TEST_CASE("a partition that reads no input rows (PAD's padding rows) may pass an empty view") {
  GraphBuilder gb("checker-pad", 9);
  int x = gb.input({1, 4, 4, 2}, 0.1f, 3);
  int y = gb.pad(x, {0, 2, 0, 0}, {0, 1, 0, 0});
  gb.output(y);
  Graph g = gb.finish();
  Board b = test_board();
  const Shape4 is{1, 4, 4, 2}, os{1, 7, 4, 2};
  auto plan = [&](int32_t h0) {
    PlanMaker pm(g, b);
    const int in = pm.buffer("in", BufferKind::Input, "sdram", 32, g.inputs[0]);
    const int out = pm.buffer("out", BufferKind::Output, "sdram", 56, g.outputs[0]);
    pm.compute(0, 0, OutRange{0, 2, 0, 2}, {rows_view(in, is, I8, 0, h0)}, PlanView{}, whole_view(out, os, I8));
    pm.compute(0, 1, OutRange{2, 7, 0, 2}, {whole_view(in, is, I8)}, PlanView{}, whole_view(out, os, I8));
    return pm.finish();
  };
  Plan p = plan(0);
  REQUIRE_MESSAGE(check_plan(g, b, p).ok(), check_error(g, b, p));
  expect_runs_exactly(g, b, p);
  // Rows [0,3) need input row 0.
  p.steps[0].compute.range.y_end = 3;
  p.steps[1].compute.range.y_begin = 3;
  CHECK(check_error(g, b, p).find("input 0 ('" + g.tensor(g.inputs[0]).name + "') view box n[0,1) y[0,0) x[0,4) "
                                  "c[0,2) is empty or outside the tensor [1,4,4,2]") != std::string::npos);
}
