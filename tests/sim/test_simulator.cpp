// Event simulator on hand-made plans whose latency follows from arithmetic.
#include <doctest/doctest.h>

#include "sim/simulator.h"
#include "sim_test_support.h"

using namespace tinyops;
using namespace tinyops::simtest;

namespace {
constexpr double kConvSeconds = 32768 / 100e6;  // 32768 MACs at 1 cycle each, 100 MHz
constexpr double kSetup = 100 / 100e6;          // DMA programming, 100 cycles
constexpr double kXfer = 1000 / 100e6;          // 1000 bytes from a 100 MB/s memory
}  // namespace

TEST_CASE("a single compute step takes its cycles divided by the clock") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps.push_back(compute_step(g));
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  CHECK(r->latency_s == doctest::Approx(kConvSeconds).epsilon(1e-12));
  CHECK(r->compute_s == doctest::Approx(kConvSeconds).epsilon(1e-12));
  CHECK(r->stall_s == 0);
  CHECK(r->macs == 32768);
  CHECK(r->lower_bound_s == doctest::Approx(kConvSeconds).epsilon(1e-12));
  REQUIRE(r->ops.size() == 1);
  CHECK(r->ops[0].kind == "CONV_2D");
  CHECK(r->ops[0].cls == "conv1x1");
  CHECK(r->ops[0].compute_s == doctest::Approx(kConvSeconds).epsilon(1e-12));
}

TEST_CASE("a DMA started before a long compute is hidden: no wait, full overlap") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 1000), compute_step(g), dma_wait(0)};
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  CHECK(r->latency_s == doctest::Approx(kSetup + kConvSeconds).epsilon(1e-12));
  CHECK(r->dma_wait_s == 0);
  CHECK(r->dma_setup_s == doctest::Approx(kSetup).epsilon(1e-12));
  CHECK(r->dma_busy_s == doctest::Approx(kXfer).epsilon(1e-12));
  CHECK(r->overlap == doctest::Approx(1.0));
  CHECK(r->dma_bytes == 1000);
  CHECK(r->memories[1].memory == "ext");
  CHECK(r->memories[1].dma_read_bytes == 1000);
  CHECK(r->memories[0].dma_write_bytes == 1000);
}

TEST_CASE("waiting for a DMA right after starting it stalls the CPU for the whole transfer") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_wait(0), compute_step(g)};
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  CHECK(r->latency_s == doctest::Approx(kSetup + kXfer + kConvSeconds).epsilon(1e-12));
  CHECK(r->dma_wait_s == doctest::Approx(kXfer).epsilon(1e-12));
  CHECK(r->overlap == doctest::Approx(0.0));
  // The wait is booked on the op whose compute follows it.
  CHECK(r->ops[0].dma_wait_s == doctest::Approx(kXfer).epsilon(1e-12));
}

TEST_CASE("memory latency, request splitting and re-programming add to a transfer") {
  Board b = test_board();
  b.memories[1].latency_cycles = 50;  // ext: 0.5 us before the first data of each request
  b.dma[0].max_transfer_bytes = 400;  // 1000 bytes = 3 requests
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_wait(0)};
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  CHECK(r->requests == 3);
  const double overhead = 3 * 50 / 100e6 + 2 * kSetup;
  CHECK(r->latency_s == doctest::Approx(kSetup + overhead + kXfer).epsilon(1e-12));
  // A strided copy of 10 rows is 10 requests.
  p.steps[0].dma.rows = 10;
  p.steps[0].dma.row_bytes = 100;
  p.steps[0].dma.src_stride = 200;
  auto r2 = simulate(g, p, test_model(b));
  REQUIRE(r2.ok());
  CHECK(r2->requests == 10);
  CHECK(r2->latency_s == doctest::Approx(kSetup + 10 * 50 / 100e6 + 9 * kSetup + kXfer).epsilon(1e-12));
}

TEST_CASE("two DMAs reading one memory share its bandwidth: each at half rate") {
  Board b = test_board(/*setup_cycles=*/0);
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_wait(0)};
  auto one = simulate(g, p, test_model(b));
  REQUIRE(one.ok());
  CHECK(one->latency_s == doctest::Approx(kXfer).epsilon(1e-12));

  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_start(1, 1, 3, 6, 1000), dma_wait(0), dma_wait(1)};
  auto two = simulate(g, p, test_model(b));
  REQUIRE(two.ok());
  CHECK(two->latency_s == doctest::Approx(2 * kXfer).epsilon(1e-12));
  for (const LaneEvent& e : two->events)
    if (e.kind == LaneEventKind::Transfer) CHECK(e.t1 - e.t0 == doctest::Approx(2 * kXfer).epsilon(1e-12));

  // From two different memories they do not contend (the engine is far faster).
  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_start(1, 1, 4, 6, 1000), dma_wait(0), dma_wait(1)};
  auto apart = simulate(g, p, test_model(b));
  REQUIRE(apart.ok());
  CHECK(apart->latency_s == doctest::Approx(kXfer).epsilon(1e-12));

  // Unequal sizes: both at half rate until the short one ends, then the long one at full rate.
  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_start(1, 1, 3, 6, 3000), dma_wait(0), dma_wait(1)};
  auto uneq = simulate(g, p, test_model(b));
  REQUIRE(uneq.ok());
  CHECK(uneq->latency_s == doctest::Approx(4 * kXfer).epsilon(1e-12));
  double short_end = 0;
  for (const LaneEvent& e : uneq->events)
    if (e.kind == LaneEventKind::Transfer && e.dma == 0) short_end = e.t1;
  CHECK(short_end == doctest::Approx(2 * kXfer).epsilon(1e-12));
}

TEST_CASE("channels of one DMA engine share its bandwidth; one channel runs its transfers in order") {
  Board b = test_board(0, /*dma_bandwidth=*/50000000);  // 50 MB/s engine, slower than the memories
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_start(1, 1, 4, 6, 1000), dma_wait(0), dma_wait(1)};
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  CHECK(r->latency_s == doctest::Approx(2 * 1000 / 50e6).epsilon(1e-12));
  // Same channel: the second waits for the first.
  p.steps = {dma_start(0, 0, 3, 5, 1000), dma_start(1, 0, 4, 6, 1000), dma_wait(0), dma_wait(1)};
  auto q = simulate(g, p, test_model(b));
  REQUIRE(q.ok());
  CHECK(q->latency_s == doctest::Approx(2 * 1000 / 50e6).epsilon(1e-12));
  for (const LaneEvent& e : q->events)
    if (e.kind == LaneEventKind::Transfer && e.dma == 1) CHECK(e.t0 == doctest::Approx(1000 / 50e6).epsilon(1e-12));
}

TEST_CASE("operands in a slow memory stall the CPU, more so when a DMA uses the same memory") {
  Board b = test_board(0);
  b.memories[1].latency_cycles = 20;
  Graph g = conv_graph(16, 32, 32);  // 8 KB input, re-read per pair of output channels (uncached)
  CostModel m = test_model(b);
  m.profile.isa["armv7e-m"][static_cast<size_t>(KernelClass::Conv1x1)].loop = LoopOrder::ChannelOuter;
  m.profile.isa["armv7e-m"][static_cast<size_t>(KernelClass::Conv1x1)].block = 2;
  Plan p = base_plan(g, "ext");
  p.steps = {compute_step(g)};
  auto alone = simulate(g, p, m);
  REQUIRE(alone.ok());
  const double macs = 16 * 16 * 32 * 32;
  CHECK(alone->compute_s == doctest::Approx(macs / 100e6).epsilon(1e-12));
  CHECK(alone->stall_s > 0);
  CHECK(alone->latency_s == doctest::Approx(alone->compute_s + alone->stall_s).epsilon(1e-12));
  // A big transfer from the same memory at the same time slows the CPU's accesses.
  p.steps = {dma_start(0, 0, 3, 5, 1 << 20), compute_step(g), dma_wait(0)};
  auto busy = simulate(g, p, m);
  REQUIRE(busy.ok());
  CHECK(busy->stall_s > alone->stall_s * 1.05);
  CHECK(busy->compute_s == doctest::Approx(alone->compute_s).epsilon(1e-12));
  // The lower bound counts the memory's total busy time.
  CHECK(busy->transfer_bound_resource == "ext");
  CHECK(busy->transfer_bound_s > (1 << 20) / 100e6);
  CHECK(busy->latency_s >= busy->lower_bound_s);
}

TEST_CASE("the lower bound is the larger of total compute and the busiest memory's transfer time") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 100000), compute_step(g), dma_wait(0)};  // 1 ms of transfer
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  CHECK(r->compute_bound_s == doctest::Approx(kConvSeconds).epsilon(1e-12));
  CHECK(r->transfer_bound_s == doctest::Approx(100000 / 100e6).epsilon(1e-9));
  CHECK(r->transfer_bound_resource == "ext");
  CHECK(r->lower_bound_s == r->transfer_bound_s);
  CHECK(r->latency_s == doctest::Approx(kSetup + 100000 / 100e6).epsilon(1e-12));
  CHECK(r->dma_wait_s == doctest::Approx(100000 / 100e6 - kConvSeconds).epsilon(1e-9));
  CHECK(r->overlap == doctest::Approx(kConvSeconds / (100000 / 100e6)).epsilon(1e-9));
}

TEST_CASE("JSON carries the fields tools rely on") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 1000), compute_step(g), dma_wait(0)};
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  const auto j = sim_result_json(r.value());
  for (const char* k : {"latency_ms", "compute_ms", "dma_ms", "stall_ms", "lower_bound_ms", "overlap_efficiency",
                        "dma_wait_ms", "latency_over_lower_bound", "memories", "ops", "dma_bytes"})
    CHECK_MESSAGE(j.contains(k), k);
  CHECK(j["latency_ms"].get<double>() == doctest::Approx((kSetup + kConvSeconds) * 1e3));
  CHECK(j["dma_ms"].get<double>() == doctest::Approx(kXfer * 1e3));
  CHECK(j["ops"].size() == 1);
  CHECK(j["ops"][0]["class"] == "conv1x1");
  CHECK(sim_result_table(r.value()).find("overlap efficiency 100.0%") != std::string::npos);
}

TEST_CASE("malformed plans are reported with the step") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_wait(7)};
  auto r = simulate(g, p, test_model(b));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "step 0: DmaWait for transfer 7 which no earlier DmaStart began");
  p.steps = {dma_start(0, 5, 3, 5, 10), dma_wait(0)};
  r = simulate(g, p, test_model(b));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "step 0: DMA channel 5 but board test-board has 2 channels");
  p.steps = {dma_start(0, 0, 3, 5, 10), dma_start(0, 1, 3, 5, 10)};
  r = simulate(g, p, test_model(b));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "step 1: DMA transfer id 0 started twice");
  p = base_plan(g);
  p.buffers[0].memory = "nowhere";
  p.steps = {compute_step(g)};
  r = simulate(g, p, test_model(b));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "step 0: op 0 (CONV_2D): input buffer 'in' lives in memory 'nowhere', which board test-board does not have");
}
