#include "explore/explore.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>

#include "model/graph.h"
#include "model/zoo/zoo.h"
#include "sim/simulator.h"

namespace tinyops {

using nlohmann::json;

namespace {

std::string config_key(const ExploreConfig& c) { return fmt::format("{}|{:.4f}|{}", c.family, c.width, c.resolution); }

int64_t role_used(const Plan& p, const Board& b, Role r) {
  const Memory* m = b.role(r);
  if (!m) return 0;
  for (const MemoryUse& u : p.memories)
    if (u.name == m->name) return u.used;
  return 0;
}

StrategyEval eval_strategy(const Graph& g, const std::string& name, const CostModel& cost, Strategy s) {
  StrategyEval e;
  e.strategy = strategy_name(s);
  PlanOptions po;
  po.strategy = s;
  po.model = name;
  po.call_cycles = planner_call_cycles(cost);
  auto plan = make_plan(g, cost.board, po);
  if (!plan.ok()) {
    e.reason = plan.error().message;
    return e;
  }
  SimOptions so;
  so.timeline = false;
  auto r = simulate(g, plan.value(), cost, so);
  if (!r.ok()) {
    e.reason = "simulator: " + r.error().message;
    return e;
  }
  e.fits = true;
  e.latency_ms = r->latency_s * 1e3;
  e.dma_bytes = r->dma_bytes;
  e.steps = static_cast<int>(plan->steps.size());
  e.sram_bytes = role_used(plan.value(), cost.board, Role::Sram);
  e.internal_flash_bytes = role_used(plan.value(), cost.board, Role::InternalFlash);
  e.external_flash_bytes = role_used(plan.value(), cost.board, Role::ExternalFlash);
  e.external_ram_bytes = role_used(plan.value(), cost.board, Role::ExternalRam);
  return e;
}

std::string width_str(double w) { return fmt::format("{:.2f}", w); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

}  // namespace

const StrategyEval* ConfigEval::strategy(const std::string& name) const {
  for (const StrategyEval& s : strategies)
    if (s.strategy == name) return &s;
  return nullptr;
}

bool ConfigEval::usable(const std::string& name, double budget_ms) const {
  const StrategyEval* s = strategy(name);
  return s && s->fits && (budget_ms <= 0 || s->latency_ms <= budget_ms);
}

std::vector<Strategy> all_strategies() {
  std::vector<Strategy> s;
  for (Strategy x : {Strategy::Internal, Strategy::External, Strategy::TinyOps}) s.push_back(x);
  return s;
}

const std::vector<std::string>& default_families() {
  static const std::vector<std::string> f = {"mobilenet-v1", "mobilenet-v2", "mobilenet-v3-large",
                                             "mobilenet-v3-large-minimalistic", "mnasnet-b1",   "proxylessnas-mobile", "mcunet-in1",
                                             "mcunet-in2",   "mcunet-in3",   "mcunet-in4"};
  return f;
}
const std::vector<double>& default_widths() {
  static const std::vector<double> w = {0.35, 0.5, 0.75, 1.0};
  return w;
}
const std::vector<int>& default_resolutions() {
  static const std::vector<int> r = {96, 128, 160, 176, 224};
  return r;
}

Result<std::vector<ExploreConfig>> sweep_configs(const ExploreOptions& opts) {
  const auto& fams = opts.families.empty() ? default_families() : opts.families;
  const auto& widths = opts.widths.empty() ? default_widths() : opts.widths;
  const auto& res = opts.resolutions.empty() ? default_resolutions() : opts.resolutions;
  std::string names;
  for (const ZooFamily& f : zoo_families()) names += (names.empty() ? "" : ", ") + f.name;
  auto known = [](const std::string& n) {
    for (const ZooFamily& f : zoo_families())
      if (f.name == n) return true;
    return false;
  };
  std::vector<ExploreConfig> out;
  std::set<std::string> seen;
  auto add = [&](const ExploreConfig& c) -> Status {
    if (!known(c.family)) return Error{"unknown zoo family '" + c.family + "'; expected one of: " + names};
    if (!(c.width >= 0.05 && c.width <= 4.0))
      return Error{fmt::format("{}: width {} out of range, expected 0.05..4", c.family, c.width)};
    if (c.resolution < 8 || c.resolution > 2048)
      return Error{fmt::format("{}: resolution {} out of range, expected 8..2048", c.family, c.resolution)};
    if (seen.insert(config_key(c)).second) out.push_back(c);
    return ok_status();
  };
  for (const std::string& f : fams)
    for (double w : widths)
      for (int r : res)
        if (auto s = add({f, w, r}); !s.ok()) return s.error();
  for (const ExploreConfig& c : opts.extra)
    if (auto s = add(c); !s.ok()) return s.error();
  return out;
}

Result<int64_t> config_macs(const ExploreConfig& c) { return AccuracyModel::zoo_macs(c.family, c.width, c.resolution); }

std::vector<std::vector<ConfigEval>> evaluate_on_boards(const std::vector<ExploreConfig>& configs,
                                                        const std::vector<CostModel>& costs, const AccuracyModel* acc,
                                                        const ExploreOptions& opts) {
  std::vector<std::vector<ConfigEval>> out(costs.size(), std::vector<ConfigEval>(configs.size()));
  int jobs = opts.jobs > 0 ? opts.jobs : static_cast<int>(std::thread::hardware_concurrency());
  jobs = std::max(1, std::min(jobs, static_cast<int>(configs.size())));
  std::atomic<size_t> next{0};
  std::mutex progress_mutex;
  int done = 0;
  const auto t0 = std::chrono::steady_clock::now();

  auto work = [&](size_t i) {
    const ExploreConfig& c = configs[i];
    const auto c0 = std::chrono::steady_clock::now();
    std::vector<ConfigEval> ev(costs.size());
    for (ConfigEval& e : ev) e.config = c;
    try {
      auto g = make_zoo_model(c.family, c.width, c.resolution, opts.classes);
      if (!g.ok()) {
        for (ConfigEval& e : ev) e.error = g.error().message;
      } else {
        const int64_t macs = graph_macs(g.value()), params = graph_params(g.value());
        const int64_t wbytes = graph_weight_bytes(g.value());
        if (opts.classes == 1000) remember_zoo_macs(c.family, c.width, c.resolution, macs);
        AccuracyFigure fig;
        if (acc) fig = acc->accuracy(c.family, c.width, c.resolution, static_cast<double>(macs));
        const bool skip = acc && opts.min_accuracy > 0 && fig.top1 < opts.min_accuracy;
        const std::string name = fmt::format("{} w{} r{}", c.family, width_str(c.width), c.resolution);
        for (size_t b = 0; b < costs.size(); ++b) {
          ConfigEval& e = ev[b];
          e.macs = macs, e.params = params, e.weight_bytes = wbytes, e.accuracy = fig;
          if (skip) {
            e.error = fmt::format("accuracy {:.1f} below the target {:.1f} (not planned)", fig.top1, opts.min_accuracy);
            continue;
          }
          for (Strategy s : opts.strategies) e.strategies.push_back(eval_strategy(g.value(), name, costs[b], s));
        }
      }
    } catch (const std::exception& ex) {
      for (ConfigEval& e : ev) e.error = std::string("exception: ") + ex.what();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    std::lock_guard<std::mutex> lock(progress_mutex);
    for (size_t b = 0; b < costs.size(); ++b) {
      ev[b].seconds = secs;
      out[b][i] = std::move(ev[b]);
    }
    ++done;
    if (opts.progress) {
      ExploreProgress p;
      p.done = done;
      p.total = static_cast<int>(configs.size());
      p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      p.last = costs.empty() ? nullptr : &out[0][i];
      opts.progress(p);
    }
  };
  auto worker = [&]() {
    for (size_t i = next++; i < configs.size(); i = next++) work(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < jobs; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  return out;
}

std::vector<ConfigEval> evaluate_configs(const std::vector<ExploreConfig>& configs, const CostModel& cost,
                                         const AccuracyModel* acc, const ExploreOptions& opts) {
  return std::move(evaluate_on_boards(configs, {cost}, acc, opts)[0]);
}

void assign_accuracy(std::vector<ConfigEval>& evals, const AccuracyModel& acc) {
  for (ConfigEval& e : evals)
    if (e.macs > 0)
      e.accuracy = acc.accuracy(e.config.family, e.config.width, e.config.resolution, static_cast<double>(e.macs));
}

std::vector<std::string> accuracy_groups(const std::vector<ExploreConfig>& configs) {
  std::vector<std::string> g;
  for (const ExploreConfig& c : configs) {
    const std::string a = accuracy_group(c.family);
    if (!a.empty() && std::find(g.begin(), g.end(), a) == g.end()) g.push_back(a);
  }
  return g;
}

Result<AccuracyModel> load_accuracy(const std::string& path, const std::vector<ExploreConfig>& configs,
                                    std::string* note) {
  if (path == "none") {
    if (note) *note = "accuracy table disabled (--accuracy none): every accuracy is an estimate from the built-in fit";
    return AccuracyModel::builtin();
  }
  const std::string p = path.empty() ? default_accuracy_csv() : path;
  if (p.empty()) {
    if (note) *note = "accuracy.csv not found (give --accuracy FILE): every accuracy is an estimate from the built-in fit";
    return AccuracyModel::builtin();
  }
  auto m = AccuracyModel::load(p, AccuracyModel::zoo_macs, accuracy_groups(configs));
  if (m.ok() && note) *note = "accuracy: " + p;
  return m;
}

std::vector<ExploreConfig> listed_configs(const std::vector<AccuracyRow>& rows, const std::vector<std::string>& families) {
  std::vector<ExploreConfig> out;
  for (const AccuracyRow& r : rows)
    if (!r.family.empty() && !r.kind.empty() && r.resolution > 0 &&
        std::find(families.begin(), families.end(), r.family) != families.end())
      out.push_back({r.family, r.width, r.resolution});
  return out;
}

std::function<void(const ExploreProgress&)> stderr_progress(const std::string& label) {
  const bool tty = isatty(2) != 0;
  return [tty, label](const ExploreProgress& p) {
    const double eta = p.done > 0 ? p.elapsed_s / p.done * (p.total - p.done) : 0;
    std::string what;
    if (p.last)
      what = fmt::format("{} w{} r{}", p.last->config.family, width_str(p.last->config.width), p.last->config.resolution);
    const std::string line = fmt::format("{}[{}/{}] {:.0f} s elapsed, ~{:.0f} s left  {}", label, p.done, p.total,
                                         p.elapsed_s, eta, what);
    if (tty) {
      std::fprintf(stderr, "\r%-100s", line.c_str());
      if (p.done == p.total) std::fprintf(stderr, "\n");
    } else {
      const int step = std::max(1, p.total / 10);
      if (p.done % step == 0 || p.done == p.total) std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  };
}

std::vector<size_t> pareto_front(const std::vector<ParetoPoint>& pts) {
  std::vector<size_t> order(pts.size());
  for (size_t i = 0; i < pts.size(); ++i) order[i] = i;
  // By latency, then accuracy descending, then index: a point is on the front exactly when its
  // accuracy beats every point before it in this order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (pts[a].latency != pts[b].latency) return pts[a].latency < pts[b].latency;
    return pts[a].accuracy > pts[b].accuracy;
  });
  std::vector<size_t> front;
  bool any = false;
  double best = 0;
  for (size_t i : order) {
    if (any && pts[i].accuracy <= best) continue;
    front.push_back(i);
    best = pts[i].accuracy, any = true;
  }
  return front;
}

std::vector<size_t> strategy_front(const std::vector<ConfigEval>& evals, const std::string& strategy, double budget_ms) {
  std::vector<size_t> idx;
  std::vector<ParetoPoint> pts;
  for (size_t i = 0; i < evals.size(); ++i)
    if (evals[i].usable(strategy, budget_ms)) {
      idx.push_back(i);
      pts.push_back({evals[i].strategy(strategy)->latency_ms, evals[i].accuracy.top1});
    }
  std::vector<size_t> out;
  for (size_t k : pareto_front(pts)) out.push_back(idx[k]);
  return out;
}

std::optional<size_t> best_within(const std::vector<ConfigEval>& evals, const std::string& strategy, double budget_ms) {
  std::optional<size_t> best;
  for (size_t i = 0; i < evals.size(); ++i) {
    if (!evals[i].usable(strategy, budget_ms)) continue;
    if (!best) {
      best = i;
      continue;
    }
    const ConfigEval& a = evals[i];
    const ConfigEval& b = evals[*best];
    if (a.accuracy.top1 > b.accuracy.top1 ||
        (a.accuracy.top1 == b.accuracy.top1 && a.strategy(strategy)->latency_ms < b.strategy(strategy)->latency_ms))
      best = i;
  }
  return best;
}

Headline headline(const std::vector<ConfigEval>& evals, double budget_ms) {
  Headline h;
  h.internal = best_within(evals, "internal", budget_ms);
  if (!h.internal) return h;
  const ConfigEval& in = evals[*h.internal];
  const double lat = in.strategy("internal")->latency_ms;
  h.tinyops = best_within(evals, "tinyops", lat);
  if (h.tinyops) {
    const ConfigEval& t = evals[*h.tinyops];
    h.accuracy_gain = t.accuracy.top1 - in.accuracy.top1;
    h.speedup = lat / t.strategy("tinyops")->latency_ms;
  }
  for (size_t i = 0; i < evals.size(); ++i) {
    if (!evals[i].usable("tinyops", budget_ms) || evals[i].accuracy.top1 < in.accuracy.top1) continue;
    if (!h.tinyops_fastest ||
        evals[i].strategy("tinyops")->latency_ms < evals[*h.tinyops_fastest].strategy("tinyops")->latency_ms)
      h.tinyops_fastest = i;
  }
  if (h.tinyops_fastest) h.speedup_same_accuracy = lat / evals[*h.tinyops_fastest].strategy("tinyops")->latency_ms;
  return h;
}

json config_json(const ConfigEval& e, int classes) {
  json j;
  j["family"] = e.config.family;
  j["width"] = e.config.width;
  j["resolution"] = e.config.resolution;
  j["classes"] = classes;
  j["macs"] = e.macs;
  j["params"] = e.params;
  j["weight_bytes"] = e.weight_bytes;
  j["accuracy"] = e.accuracy.top1;
  j["accuracy_is_estimate"] = e.accuracy.is_estimate;
  j["accuracy_source"] = e.accuracy.source;
  if (!e.error.empty()) j["error"] = e.error;
  json s = json::object();
  for (const StrategyEval& st : e.strategies) {
    json x;
    x["fits"] = st.fits;
    x["latency_ms"] = st.fits ? json(st.latency_ms) : json(nullptr);
    if (st.fits) {
      x["sram_bytes"] = st.sram_bytes;
      x["internal_flash_bytes"] = st.internal_flash_bytes;
      x["external_flash_bytes"] = st.external_flash_bytes;
      x["external_ram_bytes"] = st.external_ram_bytes;
      x["dma_bytes"] = st.dma_bytes;
      x["steps"] = st.steps;
    } else {
      x["reason"] = st.reason;
    }
    s[st.strategy] = x;
  }
  j["strategies"] = s;
  return j;
}

json explore_json(const std::vector<ConfigEval>& evals, int classes) {
  json a = json::array();
  for (const ConfigEval& e : evals) a.push_back(config_json(e, classes));
  return a;
}

json headline_json(const std::vector<ConfigEval>& evals, const Headline& h) {
  auto pick = [&](const std::optional<size_t>& i, const char* strategy) -> json {
    if (!i) return nullptr;
    const ConfigEval& e = evals[*i];
    return {{"family", e.config.family},
            {"width", e.config.width},
            {"resolution", e.config.resolution},
            {"macs", e.macs},
            {"params", e.params},
            {"accuracy", e.accuracy.top1},
            {"accuracy_is_estimate", e.accuracy.is_estimate},
            {"latency_ms", e.strategy(strategy)->latency_ms}};
  };
  json j;
  j["internal"] = pick(h.internal, "internal");
  j["tinyops"] = pick(h.tinyops, "tinyops");
  j["tinyops_fastest_same_accuracy"] = pick(h.tinyops_fastest, "tinyops");
  j["accuracy_gain"] = h.accuracy_gain;
  j["speedup"] = h.speedup;
  j["speedup_same_accuracy"] = h.speedup_same_accuracy;
  return j;
}

std::string explore_csv(const std::vector<ConfigEval>& evals, const std::vector<Strategy>& strategies) {
  std::ostringstream o;
  o << "family,width,resolution,macs,params,weight_bytes,accuracy,accuracy_is_estimate,accuracy_source,error";
  for (Strategy s : strategies)
    for (const char* col : {"fits", "latency_ms", "sram_bytes", "internal_flash_bytes", "external_flash_bytes",
                            "external_ram_bytes", "dma_bytes", "reason"})
      o << "," << strategy_name(s) << "_" << col;
  o << "\n";
  for (const ConfigEval& e : evals) {
    o << e.config.family << "," << width_str(e.config.width) << "," << e.config.resolution << "," << e.macs << ","
      << e.params << "," << e.weight_bytes << "," << fmt::format("{:.2f}", e.accuracy.top1) << ","
      << (e.accuracy.is_estimate ? 1 : 0) << "," << csv_field(e.accuracy.source) << "," << csv_field(e.error);
    for (Strategy s : strategies) {
      const StrategyEval* st = e.strategy(strategy_name(s));
      if (!st) {
        o << ",,,,,,,,";
        continue;
      }
      if (st->fits)
        o << ",1," << fmt::format("{:.3f}", st->latency_ms) << "," << st->sram_bytes << "," << st->internal_flash_bytes
          << "," << st->external_flash_bytes << "," << st->external_ram_bytes << "," << st->dma_bytes << ",";
      else
        o << ",0,,,,,,," << csv_field(st->reason);
    }
    o << "\n";
  }
  return o.str();
}

namespace {

std::string config_line(const ConfigEval& e, const std::string& strategy) {
  const StrategyEval* s = e.strategy(strategy);
  return fmt::format("  {:<20} {:>5} {:>4} {:>8.1f} {:>7.2f} {:>6.1f}{:1} {:>10.1f} {:>9.1f}", e.config.family,
                     width_str(e.config.width), e.config.resolution, e.macs / 1e6, e.params / 1e6, e.accuracy.top1,
                     e.accuracy.is_estimate ? "*" : "", s ? s->latency_ms : 0.0, s ? s->sram_bytes / 1024.0 : 0.0);
}

std::string column_header() {
  return fmt::format("  {:<20} {:>5} {:>4} {:>8} {:>7} {:>7} {:>10} {:>9}\n", "family", "width", "res", "MACs M",
                     "params M", "top-1", "latency ms", "SRAM KB");
}

}  // namespace

std::string explore_report(const std::vector<ConfigEval>& evals, const std::vector<Strategy>& strategies,
                           double budget_ms, const std::string& header) {
  std::ostringstream o;
  o << header;
  int estimates = 0, errors = 0;
  for (const ConfigEval& e : evals) {
    estimates += e.accuracy.is_estimate ? 1 : 0;
    errors += e.error.empty() ? 0 : 1;
  }
  o << fmt::format("{} configurations; accuracy: {} listed, {} estimated (marked *)", evals.size(),
                   static_cast<int>(evals.size()) - estimates, estimates);
  if (errors) o << fmt::format("; {} not evaluated (see the CSV/JSON error column)", errors);
  o << "\n";
  for (Strategy s : strategies) {
    const std::string name = strategy_name(s);
    int fits = 0, within = 0;
    for (const ConfigEval& e : evals) {
      fits += e.usable(name) ? 1 : 0;
      within += e.usable(name, budget_ms) ? 1 : 0;
    }
    const auto front = strategy_front(evals, name, budget_ms);
    o << fmt::format("\n{}: {} configurations fit", name, fits);
    if (budget_ms > 0) o << fmt::format(", {} within {:.0f} ms", within, budget_ms);
    o << fmt::format("; Pareto front (accuracy vs latency), {} points:\n", front.size());
    if (front.empty()) continue;
    o << column_header();
    for (size_t i : front) o << config_line(evals[i], name) << "\n";
  }
  const bool have_internal = std::find(strategies.begin(), strategies.end(), Strategy::Internal) != strategies.end();
  const bool have_tinyops = std::find(strategies.begin(), strategies.end(), Strategy::TinyOps) != strategies.end();
  if (have_internal && have_tinyops) {
    const Headline h = headline(evals, budget_ms);
    o << "\ninternal-only vs tinyops:\n";
    if (!h.internal) {
      o << "  no configuration fits internally" << (budget_ms > 0 ? " within the budget" : "") << "\n";
    } else {
      o << column_header();
      o << config_line(evals[*h.internal], "internal") << "  best internal-only\n";
      if (h.tinyops)
        o << config_line(evals[*h.tinyops], "tinyops") << "  best tinyops at equal or lower latency\n";
      if (h.tinyops_fastest)
        o << config_line(evals[*h.tinyops_fastest], "tinyops") << "  fastest tinyops at equal or higher accuracy\n";
      if (h.tinyops)
        o << fmt::format("  tinyops: {:+.1f} points top-1 at {:.2f}x lower latency", h.accuracy_gain, h.speedup);
      if (h.tinyops_fastest) o << fmt::format("; same accuracy {:.2f}x faster", h.speedup_same_accuracy);
      o << "\n";
    }
  }
  return o.str();
}

}  // namespace tinyops
