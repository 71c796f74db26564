// Pareto fronts, best-within-budget and the internal-vs-tinyops headline on hand-made points.
#include <doctest/doctest.h>

#include "explore/explore.h"

using namespace tinyops;

TEST_CASE("pareto_front keeps exactly the non-dominated points, sorted by latency") {
  //                               0          1          2          3          4          5
  std::vector<ParetoPoint> pts = {{100, 50}, {200, 60}, {150, 55}, {150, 52}, {300, 60}, {250, 70},
                                  //  6          7          8          9
                                  {200, 60}, {90, 40}, {400, 69}, {120, 50}};
  // 3 loses to 2 (same latency, lower accuracy); 4 to 1 (slower, same accuracy); 6 duplicates 1
  // (the first is kept); 8 loses to 5; 9 loses to 0 (slower, same accuracy).
  CHECK(pareto_front(pts) == std::vector<size_t>{7, 0, 2, 1, 5});
  CHECK(pareto_front({}).empty());
  CHECK(pareto_front({{5, 1}}) == std::vector<size_t>{0});
  // Every point off the front is dominated by a front point; front points by none.
  const auto front = pareto_front(pts);
  for (size_t i = 0; i < pts.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < pts.size(); ++j)
      dominated = dominated || (j != i && pts[j].latency <= pts[i].latency && pts[j].accuracy >= pts[i].accuracy &&
                                (pts[j].latency < pts[i].latency || pts[j].accuracy > pts[i].accuracy));
    const bool on = std::find(front.begin(), front.end(), i) != front.end();
    INFO("point " << i);
    CHECK((on ? !dominated : (dominated || i == 6)));
  }
}

namespace {

ConfigEval point(const char* family, double acc, double internal_ms, double tinyops_ms) {
  ConfigEval e;
  e.config = {family, 1.0, 128};
  e.macs = 1000;
  e.accuracy.top1 = acc;
  e.accuracy.is_estimate = false;
  StrategyEval in, ti;
  in.strategy = "internal", ti.strategy = "tinyops";
  in.fits = internal_ms > 0, in.latency_ms = internal_ms;
  ti.fits = tinyops_ms > 0, ti.latency_ms = tinyops_ms;
  if (!in.fits) in.reason = "too big";
  e.strategies = {in, ti};
  return e;
}

}  // namespace

TEST_CASE("strategy fronts, budgets and the internal-vs-tinyops headline") {
  // The paper's F746 table as points: internal-only ProxylessNAS and MCUNet, TinyOps MbV3/MnasNet.
  std::vector<ConfigEval> ev = {point("proxylessnas-mobile", 53.7, 686, 686), point("mobilenet-v3-large", 58.3, 0, 460),
                                point("mcunet-in3", 61.5, 1838, 1838), point("mnasnet-b1", 68.0, 0, 1367),
                                point("mobilenet-v3-large", 68.2, 0, 1307)};
  CHECK(strategy_front(ev, "internal") == std::vector<size_t>{0, 2});
  CHECK(strategy_front(ev, "tinyops") == std::vector<size_t>{1, 4});
  CHECK(strategy_front(ev, "internal", 1000) == std::vector<size_t>{0});
  CHECK(strategy_front(ev, "external").empty());
  CHECK(best_within(ev, "internal") == std::optional<size_t>(2));
  CHECK(best_within(ev, "internal", 700) == std::optional<size_t>(0));
  CHECK_FALSE(best_within(ev, "internal", 500).has_value());
  CHECK(best_within(ev, "tinyops", 1350) == std::optional<size_t>(4));

  const Headline h = headline(ev);
  REQUIRE(h.internal == std::optional<size_t>(2));
  REQUIRE(h.tinyops == std::optional<size_t>(4));
  CHECK(h.accuracy_gain == doctest::Approx(6.7));
  CHECK(h.speedup == doctest::Approx(1838.0 / 1307.0));  // the paper's 1.4x
  REQUIRE(h.tinyops_fastest == std::optional<size_t>(4));  // fastest with >= 61.5%
  const auto j = headline_json(ev, h);
  CHECK(j["internal"]["family"] == "mcunet-in3");
  CHECK(j["tinyops"]["latency_ms"] == 1307.0);
  // Within 1000 ms the best internal is ProxylessNAS; MbV3 0.55 beats it (58.3% at 460 ms).
  const Headline hb = headline(ev, 1000);
  REQUIRE(hb.internal == std::optional<size_t>(0));
  CHECK(hb.tinyops == std::optional<size_t>(1));
  CHECK(hb.accuracy_gain == doctest::Approx(4.6));
  // No internal configuration: no headline.
  CHECK_FALSE(headline({point("mnasnet-b1", 68.0, 0, 1367)}).internal.has_value());
}
