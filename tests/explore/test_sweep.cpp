// A tiny sweep (2 families x 2 widths x 1 small resolution) through the library: fields, the JSON
// interface, invariants between strategies, determinism across thread counts; configuration
// errors; board variants.
#include <doctest/doctest.h>

#include "explore/board_variants.h"
#include "explore/explore.h"
#include "model/graph.h"
#include "model/zoo/zoo.h"

using namespace tinyops;

namespace {

ExploreOptions tiny_options(int jobs) {
  ExploreOptions o;
  o.families = {"mobilenet-v2", "mcunet-in3"};
  o.widths = {0.35, 0.5};
  o.resolutions = {96};
  o.jobs = jobs;
  return o;
}

}  // namespace

TEST_CASE("a tiny sweep evaluates every configuration on every strategy") {
  auto board = load_board("stm32f746g-disco");
  REQUIRE(board.ok());
  auto cost = load_cost_model(board.value(), "tflm-cmsis-nn");
  REQUIRE(cost.ok());
  const ExploreOptions opts = tiny_options(2);
  auto configs = sweep_configs(opts);
  REQUIRE(configs.ok());
  REQUIRE(configs->size() == 4);
  CHECK(configs->at(1).family == "mobilenet-v2");
  CHECK(configs->at(1).width == 0.5);
  CHECK(configs->at(2).family == "mcunet-in3");

  int calls = 0;
  ExploreOptions with_progress = opts;
  with_progress.progress = [&](const ExploreProgress& p) {
    ++calls;
    CHECK(p.total == 4);
    CHECK(p.done == calls);
  };
  auto evals = evaluate_configs(configs.value(), cost.value(), nullptr, with_progress);
  CHECK(calls == 4);
  const AccuracyModel acc = AccuracyModel::builtin();
  assign_accuracy(evals, acc);
  REQUIRE(evals.size() == 4);
  for (const ConfigEval& e : evals) {
    INFO(e.config.family << " " << e.config.width);
    CHECK(e.error.empty());
    auto g = make_zoo_model(e.config.family, e.config.width, e.config.resolution, 1000);
    REQUIRE(g.ok());
    CHECK(e.macs == graph_macs(g.value()));
    CHECK(e.params == graph_params(g.value()));
    CHECK(e.accuracy.is_estimate);
    CHECK(e.accuracy.top1 == doctest::Approx(*acc.estimate(e.config.family, static_cast<double>(e.macs))));
    REQUIRE(e.strategies.size() == 3);
    const StrategyEval* in = e.strategy("internal");
    const StrategyEval* ti = e.strategy("tinyops");
    const StrategyEval* ex = e.strategy("external");
    REQUIRE((in && ti && ex));
    // Everything fits in the external memories; tinyops fits whenever internal does.
    CHECK(ex->fits);
    CHECK(ti->fits);
    CHECK(ex->sram_bytes == 0);
    if (in->fits) {
      CHECK(in->external_flash_bytes == 0);
      CHECK(in->external_ram_bytes == 0);
      CHECK(in->sram_bytes <= default_sram_budget(board.value()));
    } else {
      CHECK_FALSE(in->reason.empty());
    }
    CHECK(ti->sram_bytes <= default_sram_budget(board.value()));
    CHECK(ti->latency_ms > 0);
    CHECK(ti->latency_ms <= ex->latency_ms);
  }
  // MobileNetV2's 1000-class classifier alone (1.28 M weights) overflows the internal flash budget.
  CHECK_FALSE(evals[0].strategy("internal")->fits);
  CHECK(evals[0].strategy("internal")->reason.find("memory 'flash'") != std::string::npos);
  // MCUNet in3 at 0.35/96 (0.15 M params) fits internally.
  CHECK(evals[2].strategy("internal")->fits);

  // The JSON interface of issue 6.
  const auto j = explore_json(evals, 1000);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 4);
  for (const auto& c : j) {
    for (const char* k : {"family", "width", "resolution", "macs", "params", "accuracy", "accuracy_is_estimate"})
      CHECK_MESSAGE(c.contains(k), k);
    for (const char* s : {"internal", "external", "tinyops"}) {
      REQUIRE(c["strategies"].contains(s));
      CHECK(c["strategies"][s]["fits"].is_boolean());
      CHECK(c["strategies"][s].contains("latency_ms"));
      CHECK(c["strategies"][s]["latency_ms"].is_null() == !c["strategies"][s]["fits"].get<bool>());
    }
  }
  CHECK(j[0]["strategies"]["internal"]["fits"] == false);
  CHECK(j[0]["width"] == 0.35);

  // The same sweep on one thread gives the same results.
  auto serial = evaluate_configs(configs.value(), cost.value(), nullptr, tiny_options(1));
  assign_accuracy(serial, acc);
  CHECK(explore_json(serial, 1000) == j);

  // CSV: header + one line per configuration.
  const std::string csv = explore_csv(evals, opts.strategies);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);
  CHECK(csv.rfind("family,width,resolution,macs,params,weight_bytes,accuracy,accuracy_is_estimate,", 0) == 0);
  const std::string report = explore_report(evals, opts.strategies, 0, "");
  CHECK(report.find("4 configurations; accuracy: 0 listed, 4 estimated (marked *)") != std::string::npos);
  CHECK(report.find("best internal-only") != std::string::npos);

  // min_accuracy: configurations below it are not planned.
  ExploreOptions high = opts;
  high.min_accuracy = 200;
  auto skipped = evaluate_configs(configs.value(), cost.value(), &acc, high);
  for (const ConfigEval& e : skipped) {
    CHECK(e.strategies.empty());
    CHECK(e.error.find("below the target 200.0 (not planned)") != std::string::npos);
  }
}

TEST_CASE("sweep configuration errors name the problem") {
  ExploreOptions o;
  o.families = {"mobilenet-v9"};
  auto r = sweep_configs(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("unknown zoo family 'mobilenet-v9'; expected one of: mobilenet-v1, mobilenet-v2,", 0) ==
        0);
  o.families = {"mobilenet-v2"};
  o.widths = {5};
  CHECK(sweep_configs(o).error().message == "mobilenet-v2: width 5 out of range, expected 0.05..4");
  o.widths = {1};
  o.resolutions = {4};
  CHECK(sweep_configs(o).error().message == "mobilenet-v2: resolution 4 out of range, expected 8..2048");
  // Duplicates (grid and extra) are evaluated once; defaults fill empty axes.
  o.resolutions = {96};
  o.extra = {{"mobilenet-v2", 1.0, 96}, {"mcunet-in3", 1.0, 176}};
  auto d = sweep_configs(o);
  REQUIRE(d.ok());
  CHECK(d->size() == 2);
  ExploreOptions def;
  CHECK(sweep_configs(def)->size() ==
        default_families().size() * default_widths().size() * default_resolutions().size());
}

TEST_CASE("board variants: resized SRAM, scaled external bandwidth, validated; minimal variants") {
  auto base = load_board("stm32f746g-disco");
  REQUIRE(base.ok());
  auto v = make_board_variant(base.value(), 512 * 1024, 2);
  REQUIRE_MESSAGE(v.ok(), v.error().message);
  const Board& b = v->board;
  CHECK(b.name == "stm32f746g-disco-sram512k-bw2x");
  CHECK(b.sram()->size == 512u * 1024);
  CHECK(b.external_ram()->read_bandwidth == 2 * base->external_ram()->read_bandwidth);
  CHECK(b.external_ram()->write_bandwidth == 2 * base->external_ram()->write_bandwidth);
  CHECK(b.external_flash()->read_bandwidth == 2 * base->external_flash()->read_bandwidth);
  CHECK(b.dma[0].bandwidth == 2 * base->dma[0].bandwidth);
  CHECK(b.internal_flash()->read_bandwidth == base->internal_flash()->read_bandwidth);
  CHECK(b.cpu == base->cpu);
  // A variant is a valid board: it survives the JSON round trip.
  auto again = parse_board_json(board_to_json(b).dump(), "again");
  REQUIRE(again.ok());
  CHECK(again.value() == b);
  // A SRAM reaching into the SDRAM's addresses is rejected by the board validator.
  auto overlap = make_board_variant(base.value(), int64_t{0x40000000} + 1024, 1);
  REQUIRE_FALSE(overlap.ok());
  CHECK(overlap.error().message.find("overlap") != std::string::npos);
  CHECK(make_board_variant(base.value(), 0, 1).error().message == "SRAM size must be positive, found 0");
  CHECK(make_board_variant(base.value(), 1024, 0).error().message == "bandwidth scale must be positive, found 0");

  auto all = make_board_variants(base.value(), {128 * 1024, 256 * 1024, 512 * 1024}, {0.5, 1, 2});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 9);
  CHECK(all->at(5).sram_bytes == 256 * 1024);
  CHECK(all->at(5).bandwidth_scale == 2);
  // ok:            bw 0.5  1     2
  //   128 KB        no     no    yes
  //   256 KB        no     yes   yes
  //   512 KB        yes    yes   yes
  const std::vector<bool> ok = {false, false, true, false, true, true, true, true, true};
  CHECK(minimal_variants(all.value(), ok) == std::vector<size_t>{2, 4, 6});
  CHECK(minimal_variants(all.value(), std::vector<bool>(9, false)).empty());
}
