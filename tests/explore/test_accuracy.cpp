// Accuracy table: listed figures vs estimates and their labels, CSV errors, the fit itself, the
// built-in coefficients, and the real accuracy.csv (when ../shared is present).
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>

#include <cmath>

#include "explore/accuracy.h"
#include "support/shared.h"

using namespace tinyops;

namespace {

// MACs callback for CSV rows without MACs: a fixed figure, counting the calls.
struct FakeMacs {
  int calls = 0;
  AccuracyModel::MacsFn fn() {
    return [this](const std::string&, double w, int r) -> Result<int64_t> {
      ++calls;
      return static_cast<int64_t>(1e6 * 100 * w * r / 224.0);
    };
  }
};

const char* kHeader = "family,width,resolution,top1_float,top1_int8,macs_m,params_m,source\n";

}  // namespace

TEST_CASE("a listed configuration gets its figure, others an estimate, each labelled") {
  FakeMacs fm;
  const std::string csv = std::string(kHeader) +
                          "mobilenet_v2,1.0,224,71.8,,300,3.47,slim README\n"
                          "mobilenet_v2,0.5,160,61.0,60.1,50,1.95,same\n"
                          "mcunet_in3,,,62.2,61.8,81.8,0.74,mcunet README\n"
                          "mobilenet_v3_small,1.0,224,67.5,64.9,66,2.9,slim v3\n"
                          "mbv2_320kb,0.35,,49.7,49.0,23.5,,mcunet\n";
  auto m = AccuracyModel::from_csv(csv, "/x/acc.csv", fm.fn());
  REQUIRE_MESSAGE(m.ok(), m.error().message);
  CHECK(m->has_data());
  CHECK(fm.calls == 0);  // every usable row gives its MACs

  auto a = m->accuracy("mobilenet-v2", 1.0, 224, 300.78e6);
  CHECK(a.top1 == 71.8);
  CHECK_FALSE(a.is_estimate);
  CHECK(a.source == "acc.csv:2 top-1 float (slim README)");
  // int8 preferred; "same" names the previous source.
  auto b = m->accuracy("mobilenet-v2", 0.5, 160, 50.2e6);
  CHECK(b.top1 == 60.1);
  CHECK(b.source == "acc.csv:3 top-1 int8 (slim README)");
  // Blank width = 1.0, blank resolution = the zoo family's default (176 for mcunet-in3).
  auto c = m->accuracy("mcunet-in3", 1.0, 176, 81.8e6);
  CHECK(c.top1 == 61.8);
  CHECK_FALSE(c.is_estimate);
  CHECK(m->rows()[2].resolution == 176);
  CHECK(m->rows()[2].width == 1.0);
  // Our MobileNetV3-Small 1.0/224 has 56.5 M MACs, 14% below the row's 66: another architecture.
  auto d = m->accuracy("mobilenet-v3-small", 1.0, 224, 56.5e6);
  CHECK(d.is_estimate);
  CHECK(d.source.rfind("estimate: mobilenet-v3-small fit", 0) == 0);
  CHECK_FALSE(m->lookup("mobilenet-v3-small", 1.0, 224, 56.5e6).has_value());
  CHECK(m->lookup("mobilenet-v3-small", 1.0, 224, 64e6).has_value());  // within 10%
  CHECK(m->lookup("mobilenet-v3-small", 1.0, 224).has_value());       // MACs unknown: taken
  // Unlisted configuration: an estimate, labelled.
  auto e = m->accuracy("mobilenet-v2", 0.75, 160, 107e6);
  CHECK(e.is_estimate);
  CHECK(e.top1 > 61.0);
  CHECK(e.top1 < 71.8);
  // Not one of our families: noted, not used.
  REQUIRE(m->notes().size() == 1);
  CHECK(m->notes()[0] == "/x/acc.csv:6 mbv2_320kb: not a zoo family (not used)");
}

TEST_CASE("rows without MACs are placed with the callback only for the groups asked for") {
  FakeMacs fm;
  const std::string csv = std::string(kHeader) + "mobilenet_v1,1.0,224,70.9,,,,slim\n" +
                          "mobilenet_v1,0.5,224,63.3,,,,same\n" + "mobilenet_v2,1.0,224,71.8,,300,3.47,slim\n";
  auto m = AccuracyModel::from_csv(csv, "a.csv", fm.fn(), {"mobilenet-v2"});
  REQUIRE(m.ok());
  CHECK(fm.calls == 0);
  // The mobilenet-v1 group keeps the built-in coefficients; the rows are still listed figures.
  CHECK(m->fits().at("mobilenet-v1").points == AccuracyModel::builtin().fits().at("mobilenet-v1").points);
  CHECK(m->accuracy("mobilenet-v1", 0.5, 224, 150e6).top1 == 63.3);
  auto m2 = AccuracyModel::from_csv(csv, "a.csv", fm.fn(), {"mobilenet-v1"});
  REQUIRE(m2.ok());
  CHECK(fm.calls == 2);
  CHECK(m2->fits().at("mobilenet-v1").points == 2);
}

TEST_CASE("CSV errors name the line and column") {
  FakeMacs fm;
  auto bad = AccuracyModel::from_csv(std::string(kHeader) + "mobilenet_v2,abc,224,71.8,,300,3.47,s\n", "t.csv",
                                     fm.fn());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "t.csv:2: column 'width': expected a non-negative number, found 'abc'");
  auto fields = AccuracyModel::from_csv(std::string(kHeader) + "mobilenet_v2,1.0,224\n", "t.csv", fm.fn());
  REQUIRE_FALSE(fields.ok());
  CHECK(fields.error().message == "t.csv:2: expected 8 fields, found 3");
  auto header = AccuracyModel::from_csv("family,width,resolution\n", "t.csv", fm.fn());
  REQUIRE_FALSE(header.ok());
  CHECK(header.error().message == "t.csv:1: header lacks column 'top1_float'");
  auto empty = AccuracyModel::from_csv("\n", "t.csv", fm.fn());
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message == "t.csv: empty file (expected a header line)");
  auto missing = AccuracyModel::load("/nonexistent/acc.csv", fm.fn());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "cannot read accuracy table '/nonexistent/acc.csv'");
}

TEST_CASE("a family with enough figures gets its own quadratic in ln MACs, continued linearly outside") {
  // Figures on an exact curve: y = 10 + 12 x - 0.8 x^2 (x = ln MACs in millions), x in [2.5, 6].
  std::vector<AccuracyRow> rows;
  int line = 2;
  for (double x : {2.5, 3.0, 3.7, 4.4, 5.0, 5.5, 6.0}) {
    AccuracyRow r;
    r.line = line++;
    r.csv_family = "mobilenet_v2";
    r.family = "mobilenet-v2";
    r.width = x / 10;  // distinct configurations
    r.resolution = 224;
    r.top1 = 10 + 12 * x - 0.8 * x * x;
    r.kind = "float";
    r.macs = std::exp(x) * 1e6;
    r.source = "synthetic";
    rows.push_back(r);
  }
  auto m = AccuracyModel::fit(rows, nullptr, "syn");
  const AccuracyFit& f = m.fits().at("mobilenet-v2");
  CHECK(f.own_shape);
  CHECK(f.points == 7);
  CHECK(f.a == doctest::Approx(10).epsilon(1e-6));
  CHECK(f.b == doctest::Approx(12).epsilon(1e-6));
  CHECK(f.c == doctest::Approx(-0.8).epsilon(1e-6));
  CHECK(f.rms < 1e-6);
  // Inside the range: the curve. Above the range: the tangent at x = 6 (slope 12 - 9.6 = 2.4).
  CHECK(*m.estimate("mobilenet-v2", std::exp(4.0) * 1e6) == doctest::Approx(10 + 48 - 12.8));
  const double y6 = 10 + 72 - 28.8;
  CHECK(*m.estimate("mobilenet-v2", std::exp(7.0) * 1e6) == doctest::Approx(y6 + 2.4));
  // Below the range: the tangent at 2.5 (slope 12 - 4 = 8).
  const double y25 = 10 + 30 - 5;
  CHECK(*m.estimate("mobilenet-v2", std::exp(2.0) * 1e6) == doctest::Approx(y25 - 4));
  // A family sharing the shape with a single figure: its intercept puts the curve through it.
  AccuracyRow one = rows[3];
  one.csv_family = "mnasnet_tinyops", one.family = "mnasnet-b1", one.top1 = 60;
  rows.push_back(one);
  // Shared shape from the published-MACs rows: the same curve, one intercept per group.
  auto m2 = AccuracyModel::fit(rows, nullptr, "syn");
  const AccuracyFit& g = m2.fits().at("mnasnet");
  CHECK_FALSE(g.own_shape);
  CHECK(g.b == doctest::Approx(12).epsilon(1e-4));
  CHECK(*m2.estimate("mnasnet-a1", one.macs) == doctest::Approx(60).epsilon(1e-6));
  CHECK_FALSE(m2.estimate("no-such-family", 1e8).has_value());
  // Two families of one group, 1 point above and 1 point below the shared curve: the group's
  // curve goes between them and each family is shifted through its own figure.
  AccuracyRow in1 = rows[1], in4 = rows[5];
  in1.csv_family = "mcunet_in1", in1.family = "mcunet-in1", in1.top1 += 1;
  in4.csv_family = "mcunet_in4", in4.family = "mcunet-in4", in4.top1 -= 1;
  rows.push_back(in1);
  rows.push_back(in4);
  auto m3 = AccuracyModel::fit(rows, nullptr, "syn");
  CHECK(m3.family_offset("mcunet-in1") > 0.5);
  CHECK(m3.family_offset("mcunet-in4") < -0.5);
  CHECK(*m3.estimate("mcunet-in1", in1.macs) == doctest::Approx(in1.top1).epsilon(1e-6));
  CHECK(*m3.estimate("mcunet-in4", in4.macs) == doctest::Approx(in4.top1).epsilon(1e-6));
  // A family without figures (in2) follows the group curve.
  CHECK(*m3.estimate("mcunet-in2", in1.macs) ==
        doctest::Approx(in1.top1 - m3.family_offset("mcunet-in1")).epsilon(1e-6));
  CHECK(m3.accuracy("mcunet-in4", 2.0, 224, in4.macs).source.find(", mcunet-in4 offset -") != std::string::npos);
}

TEST_CASE("without accuracy.csv every figure is a labelled estimate from the built-in fit") {
  const AccuracyModel m = AccuracyModel::builtin();
  CHECK_FALSE(m.has_data());
  for (const char* fam : {"mobilenet-v1", "mobilenet-v2", "mobilenet-v3-large", "mobilenet-v3-small", "mnasnet-b1",
                          "mnasnet-a1", "proxylessnas-mobile", "efficientnet-lite0", "efficientnet-lite4",
                          "mcunet-in0", "mcunet-in4"}) {
    auto a = m.accuracy(fam, 1.0, 224, 300e6);
    INFO(fam);
    CHECK(a.is_estimate);
    CHECK(a.source.find("built-in") != std::string::npos);
    CHECK(a.top1 > 50);
    CHECK(a.top1 < 85);
  }
  // More MACs never lower the estimate.
  double prev = 0;
  for (double macs = 1e6; macs < 1e10; macs *= 1.5) {
    const double y = *m.estimate("mobilenet-v2", macs);
    CHECK(y >= prev);
    prev = y;
  }
}

TEST_CASE("the real accuracy.csv: listed figures, and the built-in coefficients are its fit") {
  if (!tinyops::testing::have_shared("accuracy.csv checks")) return;
  const std::string path = (tinyops::testing::shared_dir() / "facts" / "accuracy.csv").string();
  auto m = AccuracyModel::load(path, AccuracyModel::zoo_macs);
  REQUIRE_MESSAGE(m.ok(), m.error().message);
  struct Listed {
    const char* family;
    double width;
    int res;
    double macs, top1;
  };
  // Our MACs (docs/zoo.md) and the published top-1 (int8 when given).
  for (Listed l : {Listed{"mobilenet-v2", 1.0, 224, 300.78e6, 71.8}, Listed{"mobilenet-v2", 0.35, 96, 11.94e6, 45.5},
                   Listed{"mcunet-in3", 1.0, 176, 81.8e6, 61.8}, Listed{"mnasnet-b1", 1.0, 128, 103.5e6, 68.0},
                   Listed{"mobilenet-v3-large", 0.55, 128, 27.6e6, 58.3},
                   Listed{"mobilenet-v3-large-minimalistic", 1.0, 160, 107.9e6, 68.2},
                   Listed{"mobilenet-v3-large", 1.0, 224, 216.6e6, 73.9}, Listed{"mobilenet-v1", 0.25, 128, 0, 41.5},
                   Listed{"efficientnet-lite0", 1.0, 224, 385e6, 74.4}}) {
    INFO(l.family << " " << l.width << " " << l.res);
    auto a = m->accuracy(l.family, l.width, l.res, l.macs);
    CHECK_FALSE(a.is_estimate);
    CHECK(a.top1 == l.top1);
  }
  // ProxylessNAS 0.30/176 of the TinyOps repo: 32 M MACs, ours 40.8 M (+27%): an estimate.
  CHECK(m->accuracy("proxylessnas-mobile", 0.3, 176, 40.8e6).is_estimate);
  // builtin() holds this fit's coefficients (re-run fit_cpp() and paste when accuracy.csv changes).
  if (std::getenv("TINYOPS_PRINT_FIT")) std::cout << m->fit_cpp();  // the table to paste into builtin()
  const AccuracyModel b = AccuracyModel::builtin();
  REQUIRE(b.fits().size() == m->fits().size());
  for (const auto& entry : m->fits()) {
    const auto& g = entry.first;
    const auto& f = entry.second;
    INFO(g);
    const AccuracyFit& bf = b.fits().at(g);
    CHECK(bf.points == f.points);
    for (double macs : {5e6, 30e6, 100e6, 400e6, 2000e6}) CHECK(bf.predict(macs) == doctest::Approx(f.predict(macs)).epsilon(1e-4));
  }
  REQUIRE(b.family_offsets().size() == m->family_offsets().size());
  for (const auto& entry : m->family_offsets())
    CHECK(b.family_offset(entry.first) == doctest::Approx(entry.second).epsilon(1e-4));
  // MCUNet in0..in4 share a curve, each shifted through its own figure (in4 lies 1.4 points above).
  CHECK(m->family_offset("mcunet-in4") == doctest::Approx(1.40).epsilon(0.01));
  CHECK(*m->estimate("mcunet-in4", 125.9e6) == doctest::Approx(68.0).epsilon(1e-6));
  CHECK(*m->estimate("mcunet-in0", 6.4e6) == doctest::Approx(40.4).epsilon(1e-6));
  CHECK(m->family_offset("mobilenet-v2") == 0);
  // Residuals stay small: the fit describes the figures (percentage points).
  CHECK(m->fits().at("mobilenet-v2").rms < 1.0);
  CHECK(m->fits().at("mobilenet-v1").rms < 1.5);
}
