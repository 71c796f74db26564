// Fitting a kernel profile to per-op instruction counts recovers the parameters that produced them.
#include <doctest/doctest.h>

#include "model/builder.h"
#include "sim/calibrate.h"
#include "plan/planner.h"
#include "sim_test_support.h"

using namespace tinyops;

TEST_CASE("plugin counts: op markers kept, DMA and end markers dropped") {
  auto c = op_instructions_from_plugin_json(
      R"({"total": 100, "pre_marker": 5, "markers": [{"id": 0, "calls": 1, "insns": 40},
         {"id": 32768, "calls": 2, "insns": 7}, {"id": 1, "calls": 3, "insns": 30}, {"id": 0, "calls": 1, "insns": 10},
         {"id": 65535, "calls": 1, "insns": 8}]})");
  REQUIRE(c.ok());
  CHECK(c.value() == std::map<int, double>{{0, 50}, {1, 30}});
  auto bad = op_instructions_from_plugin_json("{}");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "instruction counts: expected {\"markers\": [{\"id\", \"insns\"}, ...]}");
}

TEST_CASE("fit recovers per-class parameters from consistent counts") {
  GraphBuilder gb("calib", 5);
  int x = gb.input({1, 12, 12, 8}, 0.05f, 0);
  int a = gb.conv2d(x, 16, 1, 1);
  int b = gb.conv2d(a, 24, 1, 1);
  int c = gb.conv2d(b, 24, 1, 1);
  int d = gb.add(b, c);
  int e = gb.conv2d(d, 40, 1, 1);
  int f = gb.conv2d(e, 24, 1, 1);
  int h = gb.add(f, d);
  gb.output(gb.add(h, d));
  Graph g = gb.finish();
  Board board = simtest::test_board();
  auto plan = make_direct_plan(g, board, "sram", "sram");
  REQUIRE(plan.ok());
  // Truth: conv1x1 2.5/MAC + 30/output + 500/call; add 40/element.
  std::map<int, double> counts;
  for (const Op& op : g.ops) {
    const Work w = op_work(g, op, full_out_range(g, op));
    counts[op.index] = w.cls == KernelClass::Conv1x1 ? 2.5 * w.macs + 30 * w.outputs + 500 : 40 * w.outputs;
  }
  KernelProfile base;
  base.name = "base";
  base.per_op = 0;
  base.isa["armv7e-m"] = {};
  std::vector<ClassFit> report;
  auto fit = fit_measured_profile({{"calib", &g, &plan.value(), counts}}, base, "armv7e-m", &report);
  REQUIRE(fit.ok());
  const auto& cls = fit.value()["isa"]["armv7e-m"]["classes"];
  CHECK(cls["conv1x1"]["per_mac"].get<double>() == doctest::Approx(2.5));
  CHECK(cls["conv1x1"]["per_output"].get<double>() == doctest::Approx(30));
  CHECK(cls["conv1x1"]["per_call"].get<double>() == doctest::Approx(500));
  CHECK(cls["add"]["per_output"].get<double>() == doctest::Approx(40));
  CHECK(fit.value()["per_op"] == 0);
  REQUIRE(report.size() == 2);
  CHECK(report[0].ops == 5);
  CHECK(report[0].max_rel_error < 1e-9);
  // A missing op count is an error naming the op.
  counts.erase(3);
  auto miss = fit_measured_profile({{"calib", &g, &plan.value(), counts}}, base, "armv7e-m", nullptr);
  REQUIRE_FALSE(miss.ok());
  CHECK(miss.error().message == "calib: no instruction count for op 3 (markers missing?)");
}
