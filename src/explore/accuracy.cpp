#include "explore/accuracy.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "model/graph.h"
#include "model/zoo/zoo.h"

namespace tinyops {

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// One CSV record (double-quoted fields may hold commas; "" is a quote).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (ch == '"') quoted = false;
      else out.back() += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  for (auto& f : out) f = trim(f);
  return out;
}

const ZooFamily* zoo_family(const std::string& name) {
  for (const ZooFamily& f : zoo_families())
    if (f.name == name) return &f;
  return nullptr;
}

// accuracy.csv family -> zoo family. The *_tinyops rows are the TinyOps repository's models,
// which use our families' block structure (their MACs are checked per row against ours).
// The TinyOps MobileNetV3 w1.00 (3.96 M params) is Large-minimalistic (3.9 M; the standard Large has
// 5.4 M); its w0.55 matches the standard Large's MACs (28 M) and params (1.55 M).
std::string zoo_family_of(const std::string& csv_family, double width) {
  if (csv_family == "proxylessnas_tinyops") return "proxylessnas-mobile";
  if (csv_family == "mobilenet_v3_tinyops")
    return width >= 1.0 ? "mobilenet-v3-large-minimalistic" : "mobilenet-v3-large";
  if (csv_family == "mnasnet_tinyops") return "mnasnet-b1";
  std::string z = csv_family;
  std::replace(z.begin(), z.end(), '_', '-');
  return zoo_family(z) ? z : "";
}

struct Point {
  std::string group, family;
  double x = 0, y = 0;
};

// Least squares: minimise |A p - y|^2 via the normal equations (A is small and well scaled).
std::vector<double> least_squares(const std::vector<std::vector<double>>& a, const std::vector<double>& y) {
  const size_t n = a.empty() ? 0 : a[0].size();
  std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0.0));
  for (size_t r = 0; r < a.size(); ++r)
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) m[i][j] += a[r][i] * a[r][j];
      m[i][n] += a[r][i] * y[r];
    }
  for (size_t i = 0; i < n; ++i) m[i][i] += 1e-9;  // keeps a rank-deficient system solvable
  for (size_t col = 0; col < n; ++col) {
    size_t piv = col;
    for (size_t r = col + 1; r < n; ++r)
      if (std::abs(m[r][col]) > std::abs(m[piv][col])) piv = r;
    std::swap(m[col], m[piv]);
    for (size_t r = 0; r < n; ++r) {
      if (r == col || m[col][col] == 0) continue;
      const double f = m[r][col] / m[col][col];
      for (size_t j = col; j <= n; ++j) m[r][j] -= f * m[col][j];
    }
  }
  std::vector<double> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = m[i][i] != 0 ? m[i][n] / m[i][i] : 0;
  return p;
}

std::string macs_key(const std::string& family, double width, int resolution) {
  return fmt::format("{}|{:.4f}|{}", family, width, resolution);
}

std::mutex g_macs_mutex;
std::map<std::string, int64_t>& macs_cache() {
  static std::map<std::string, int64_t> cache;
  return cache;
}

}  // namespace

std::string accuracy_group(const std::string& family) {
  if (!zoo_family(family)) return "";
  if (family.rfind("mnasnet", 0) == 0) return "mnasnet";
  if (family.rfind("proxylessnas", 0) == 0) return "proxylessnas";
  if (family.rfind("efficientnet-lite", 0) == 0) return "efficientnet-lite";
  if (family.rfind("mcunet", 0) == 0) return "mcunet";
  return family;
}

double AccuracyFit::predict(double macs) const {
  const double x = std::log(std::max(macs, 1.0) / 1e6);
  double hi = x_max;
  if (c < 0) hi = std::min(hi, std::max(x_min, -b / (2 * c)));  // stop at the parabola's peak
  const double xe = std::clamp(x, x_min, hi);
  const double slope = std::max(0.0, b + 2 * c * xe);
  const double y = a + b * xe + c * xe * xe + slope * (x - xe);
  return std::clamp(y, 0.0, 100.0);
}

void remember_zoo_macs(const std::string& family, double width, int resolution, int64_t macs) {
  std::lock_guard<std::mutex> lock(g_macs_mutex);
  macs_cache()[macs_key(family, width, resolution)] = macs;
}

Result<int64_t> AccuracyModel::zoo_macs(const std::string& family, double width, int resolution) {
  const std::string key = macs_key(family, width, resolution);
  {
    std::lock_guard<std::mutex> lock(g_macs_mutex);
    auto it = macs_cache().find(key);
    if (it != macs_cache().end()) return it->second;
  }
  auto g = make_zoo_model(family, width, resolution, 1000);
  if (!g.ok()) return g.error();
  const int64_t macs = graph_macs(g.value());
  remember_zoo_macs(family, width, resolution, macs);
  return macs;
}

Result<std::vector<AccuracyRow>> parse_accuracy_csv(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  std::map<std::string, int> col;
  std::vector<AccuracyRow> rows;
  std::string last_source;
  const char* kColumns[] = {"family", "width", "resolution", "top1_float", "top1_int8", "macs_m", "params_m", "source"};
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    auto f = split_csv(line);
    if (col.empty()) {
      for (size_t i = 0; i < f.size(); ++i) col[f[i]] = static_cast<int>(i);
      for (const char* c : kColumns)
        if (!col.count(c)) return Error{fmt::format("{}:{}: header lacks column '{}'", origin, lineno, c)};
      continue;
    }
    if (f.size() != col.size())
      return Error{fmt::format("{}:{}: expected {} fields, found {}", origin, lineno, col.size(), f.size())};
    auto field = [&](const char* name) { return f[static_cast<size_t>(col[name])]; };
    auto number = [&](const char* name, double& v) -> Status {
      const std::string s = field(name);
      if (s.empty()) return ok_status();
      char* end = nullptr;
      v = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
        return Error{fmt::format("{}:{}: column '{}': expected a non-negative number, found '{}'", origin, lineno,
                                 name, s)};
      return ok_status();
    };
    AccuracyRow r;
    r.line = lineno;
    r.csv_family = field("family");
    double width = 0, res = 0, fl = -1, i8 = -1, m = 0, p = 0;
    for (auto [name, v] : {std::pair<const char*, double*>{"width", &width}, {"resolution", &res},
                           {"top1_float", &fl}, {"top1_int8", &i8}, {"macs_m", &m}, {"params_m", &p}})
      if (auto s = number(name, *v); !s.ok()) return s.error();
    r.width = width > 0 ? width : 1.0;
    r.family = zoo_family_of(r.csv_family, r.width);
    r.resolution = static_cast<int>(std::lround(res));
    if (r.resolution == 0 && !r.family.empty()) r.resolution = zoo_family(r.family)->resolution;
    if (i8 >= 0) r.top1 = i8, r.kind = "int8";
    else if (fl >= 0) r.top1 = fl, r.kind = "float";
    r.macs = m * 1e6;
    r.params = p * 1e6;
    std::string src = field("source");
    if (src.rfind("same", 0) == 0) src = last_source + src.substr(4);  // "same (= x)" -> "<previous> (= x)"
    else last_source = src;
    r.source = src;
    rows.push_back(std::move(r));
  }
  if (col.empty()) return Error{origin + ": empty file (expected a header line)"};
  return rows;
}

Result<std::vector<AccuracyRow>> read_accuracy_csv(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{"cannot read accuracy table '" + path + "'"};
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_accuracy_csv(ss.str(), path);
}

Result<AccuracyModel> AccuracyModel::from_csv(const std::string& text, const std::string& origin,
                                              const MacsFn& macs, const std::vector<std::string>& groups) {
  auto rows = parse_accuracy_csv(text, origin);
  if (!rows.ok()) return rows.error();
  return fit(std::move(rows.value()), macs, origin, groups);
}

Result<AccuracyModel> AccuracyModel::load(const std::string& path, const MacsFn& macs,
                                          const std::vector<std::string>& groups) {
  auto rows = read_accuracy_csv(path);
  if (!rows.ok()) return rows.error();
  return fit(std::move(rows.value()), macs, path, groups);
}

AccuracyModel AccuracyModel::fit(std::vector<AccuracyRow> rows, const MacsFn& macs, const std::string& origin,
                                 const std::vector<std::string>& groups) {
  AccuracyModel m;
  m.origin_ = origin;
  m.has_data_ = true;
  const AccuracyModel base = builtin();
  const std::set<std::string> wanted(groups.begin(), groups.end());
  auto needed = [&](const std::string& g) { return wanted.empty() || wanted.count(g) > 0; };

  // Figures per group; x from the published MACs, else from our zoo model (only for the groups needed).
  std::map<std::string, std::vector<Point>> pts;
  std::vector<Point> published;  // rows with published MACs: the shared shape's data
  std::map<std::string, int> skipped_no_macs;
  for (const AccuracyRow& r : rows) {
    if (r.family.empty()) {
      m.notes_.push_back(fmt::format("{}:{} {}: not a zoo family (not used)", origin, r.line, r.csv_family));
      continue;
    }
    if (r.kind.empty()) {
      m.notes_.push_back(fmt::format("{}:{} {}: no top-1 figure (not used)", origin, r.line, r.csv_family));
      continue;
    }
    const std::string g = accuracy_group(r.family);
    double x_macs = r.macs;
    if (x_macs <= 0) {
      if (!needed(g) || !macs) {
        ++skipped_no_macs[g];
        continue;
      }
      auto mm = macs(r.family, r.width, r.resolution);
      if (!mm.ok()) {
        m.notes_.push_back(fmt::format("{}:{} {}: {} (not used)", origin, r.line, r.csv_family, mm.error().message));
        continue;
      }
      x_macs = static_cast<double>(mm.value());
    } else {
      published.push_back({g, r.family, std::log(x_macs / 1e6), r.top1});
    }
    pts[g].push_back({g, r.family, std::log(x_macs / 1e6), r.top1});
  }

  // Shared shape: y = a_g + b x + c x^2 over the published-MACs figures, one intercept per group.
  std::vector<std::string> pub_groups;
  for (const Point& p : published)
    if (std::find(pub_groups.begin(), pub_groups.end(), p.group) == pub_groups.end()) pub_groups.push_back(p.group);
  // Too few figures to pin the shape down (two more than unknowns): the built-in shape.
  const AccuracyFit& bshape = base.fits_.at("mcunet");
  double sb = bshape.b, sc = bshape.c, sx_min = bshape.x_min, sx_max = bshape.x_max;
  if (published.size() >= pub_groups.size() + 4) {
    std::vector<std::vector<double>> a;
    std::vector<double> y;
    sx_min = sx_max = published[0].x;
    for (const Point& p : published) {
      std::vector<double> row(2 + pub_groups.size(), 0.0);
      row[0] = p.x, row[1] = p.x * p.x;
      row[2 + static_cast<size_t>(std::find(pub_groups.begin(), pub_groups.end(), p.group) - pub_groups.begin())] = 1;
      a.push_back(row);
      y.push_back(p.y);
      sx_min = std::min(sx_min, p.x), sx_max = std::max(sx_max, p.x);
    }
    auto sol = least_squares(a, y);
    sb = sol[0], sc = sol[1];
  }

  for (auto& [g, ps] : pts) {
    AccuracyFit f;
    f.group = g;
    f.points = static_cast<int>(ps.size());
    if (f.points >= kOwnShapeMinPoints) {
      std::vector<std::vector<double>> a;
      std::vector<double> y;
      f.x_min = f.x_max = ps[0].x;
      for (const Point& p : ps) {
        a.push_back({1.0, p.x, p.x * p.x});
        y.push_back(p.y);
        f.x_min = std::min(f.x_min, p.x), f.x_max = std::max(f.x_max, p.x);
      }
      auto sol = least_squares(a, y);
      f.a = sol[0], f.b = sol[1], f.c = sol[2];
      f.own_shape = true;
    } else {
      f.b = sb, f.c = sc, f.x_min = sx_min, f.x_max = sx_max;
      double s = 0;
      for (const Point& p : ps) s += p.y - (sb * p.x + sc * p.x * p.x);
      f.a = s / static_cast<double>(ps.size());
    }
    double e2 = 0;
    for (const Point& p : ps) {
      const double d = f.predict(std::exp(p.x) * 1e6) - p.y;
      e2 += d * d;
    }
    f.rms = std::sqrt(e2 / static_cast<double>(ps.size()));
    m.fits_[g] = f;
    // Families sharing a group (mcunet-in0..in4, mnasnet-b1/a1, ...): each one's curve is shifted
    // through its own figures.
    std::map<std::string, std::pair<double, int>> res;
    for (const Point& p : ps) {
      res[p.family].first += p.y - f.predict(std::exp(p.x) * 1e6);
      ++res[p.family].second;
    }
    if (res.size() > 1 || ps[0].family != g)
      for (const auto& [fam, r] : res)
        if (std::abs(r.first / r.second) > 1e-6) m.family_offsets_[fam] = r.first / r.second;
  }
  // Groups without a figure of their own: the built-in coefficients.
  for (const auto& [g, f] : base.fits_)
    if (!m.fits_.count(g)) {
      m.fits_[g] = f;
      for (const auto& [fam, off] : base.family_offsets_)
        if (accuracy_group(fam) == g) m.family_offsets_[fam] = off;
      if (skipped_no_macs.count(g))
        m.notes_.push_back(fmt::format("group {}: not fitted ({} rows without MACs, group not requested); built-in "
                                       "coefficients", g, skipped_no_macs[g]));
    }
  m.rows_ = std::move(rows);
  return m;
}

std::optional<AccuracyFigure> AccuracyModel::lookup(const std::string& family, double width, int resolution,
                                                    double macs) const {
  for (const AccuracyRow& r : rows_) {
    if (r.family != family || r.kind.empty() || r.resolution != resolution || std::abs(r.width - width) > 1e-6)
      continue;
    if (macs > 0 && r.macs > 0 && std::abs(macs / r.macs - 1) > kMacsTolerance) continue;
    AccuracyFigure fig;
    fig.top1 = r.top1;
    fig.is_estimate = false;
    fig.source = fmt::format("{}:{} top-1 {} ({})", std::filesystem::path(origin_).filename().string(), r.line,
                             r.kind, r.source);
    return fig;
  }
  return std::nullopt;
}

double AccuracyModel::family_offset(const std::string& family) const {
  auto it = family_offsets_.find(family);
  return it == family_offsets_.end() ? 0.0 : it->second;
}

std::optional<double> AccuracyModel::estimate(const std::string& family, double macs) const {
  auto it = fits_.find(accuracy_group(family));
  if (it == fits_.end()) return std::nullopt;
  return std::clamp(it->second.predict(macs) + family_offset(family), 0.0, 100.0);
}

AccuracyFigure AccuracyModel::accuracy(const std::string& family, double width, int resolution, double macs) const {
  if (auto f = lookup(family, width, resolution, macs)) return *f;
  AccuracyFigure fig;
  fig.is_estimate = true;
  auto it = fits_.find(accuracy_group(family));
  if (it == fits_.end()) {
    fig.top1 = 0;
    fig.source = "estimate: no fit for family " + family;
    return fig;
  }
  const AccuracyFit& f = it->second;
  fig.top1 = *estimate(family, macs);
  const double off = family_offset(family);
  const std::string shift = off != 0 ? fmt::format(", {} offset {:+.1f}", family, off) : "";
  if (!has_data_)
    fig.source = fmt::format("estimate: built-in {} fit of top-1 vs ln MACs{} (accuracy.csv not loaded)", f.group, shift);
  else
    fig.source = fmt::format("estimate: {} fit of top-1 vs ln MACs ({} figure{}, {} shape, rms {:.1f}{})", f.group,
                             f.points, f.points == 1 ? "" : "s", f.own_shape ? "own" : "shared", f.rms, shift);
  return fig;
}

std::string AccuracyModel::fit_table() const {
  std::string s = fmt::format("{:<20} {:>6} {:>6} {:>9} {:>9} {:>9} {:>17} {:>6}\n", "group", "points", "shape",
                              "a", "b", "c", "MACs range (M)", "rms");
  for (const auto& [g, f] : fits_)
    s += fmt::format("{:<20} {:>6} {:>6} {:>9.3f} {:>9.4f} {:>9.5f} {:>8.1f}..{:<8.1f} {:>6.2f}\n", g, f.points,
                     f.own_shape ? "own" : "shared", f.a, f.b, f.c, std::exp(f.x_min), std::exp(f.x_max), f.rms);
  for (const auto& [fam, off] : family_offsets_) s += fmt::format("  offset of {}: {:+.2f}\n", fam, off);
  return s;
}

std::string AccuracyModel::fit_cpp() const {
  std::string s;
  for (const auto& [g, f] : fits_)
    s += fmt::format("      {{\"{}\", {:.6f}, {:.6f}, {:.6f}, {:.6f}, {:.6f}, {}, {}, {:.4f}}},\n", g, f.a, f.b, f.c,
                     f.x_min, f.x_max, f.points, f.own_shape ? "true" : "false", f.rms);
  s += "  // family offsets\n";
  for (const auto& [fam, off] : family_offsets_) s += fmt::format("      {{\"{}\", {:.6f}}},\n", fam, off);
  return s;
}

AccuracyModel AccuracyModel::builtin() {
  struct B {
    const char* group;
    double a, b, c, x_min, x_max;
    int points;
    bool own;
    double rms;
  };
  // Printed by fit_cpp() on ../shared/facts/accuracy.csv (all groups); tests/explore checks that a
  // fresh fit still gives these figures.
  static const B kBuiltin[] = {
      {"efficientnet-lite", 18.692073, 13.790408, -0.744676, 1.856298, 6.366470, 1, false, 0.0000},
      {"mcunet", 17.326676, 13.790408, -0.744676, 1.856298, 6.366470, 5, false, 1.6669},
      {"mnasnet", 20.014880, 13.790408, -0.744676, 1.856298, 6.366470, 1, false, 0.0000},
      {"mobilenet-v1", 0.049101, 18.299925, -1.112984, 2.607865, 6.343424, 16, true, 1.0873},
      {"mobilenet-v2", 12.695286, 16.007469, -0.980032, 2.397895, 6.366470, 22, true, 0.6289},
      {"mobilenet-v3-large", 21.523092, 13.790408, -0.744676, 1.856298, 6.366470, 3, false, 0.8668},
      {"mobilenet-v3-large-minimalistic", 19.325395, 13.790408, -0.744676, 1.856298, 6.366470, 2, false, 0.4449},
      {"mobilenet-v3-small", 22.036350, 13.790408, -0.744676, 1.856298, 6.366470, 2, false, 1.8420},
      {"proxylessnas", 14.850629, 13.790408, -0.744676, 1.856298, 6.366470, 1, false, 0.0000},
  };
  static const std::pair<const char*, double> kOffsets[] = {
      {"mcunet-in0", 0.040252},  {"mcunet-in1", 2.255581},  {"mcunet-in2", -1.879274},
      {"mcunet-in3", -1.818494},  {"mcunet-in4", 1.401935},
  };
  AccuracyModel m;
  m.origin_ = "built-in";
  for (const auto& [fam, off] : kOffsets) m.family_offsets_[fam] = off;
  for (const B& b : kBuiltin) {
    AccuracyFit f;
    f.group = b.group, f.a = b.a, f.b = b.b, f.c = b.c, f.x_min = b.x_min, f.x_max = b.x_max;
    f.points = b.points, f.own_shape = b.own, f.rms = b.rms;
    m.fits_[f.group] = f;
  }
  return m;
}

std::string default_accuracy_csv() {
  const char* env = std::getenv("TINYOPS_SHARED");
  const std::filesystem::path shared =
      env ? std::filesystem::path(env) : std::filesystem::path(TINYOPS_SOURCE_DIR) / ".." / "shared";
  const std::filesystem::path p = shared / "facts" / "accuracy.csv";
  std::error_code ec;
  if (std::filesystem::exists(p, ec)) return std::filesystem::weakly_canonical(p, ec).string();
  return "";
}

}  // namespace tinyops
