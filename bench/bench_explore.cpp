// Paper reproduction (issue 6 item 4): the explorer on stm32f746g-disco and stm32f469i-disco, side by
// side with the TinyOps paper's table (../shared/facts/published.md, section 1): the best
// internal-only model and the best tinyops model at equal or lower latency, their accuracy and
// latency, for the tflm-cmsis-nn kernel profile (what the paper ran) and our tinyops profile.
//
//   bench_explore [--jobs N] [--json bench_explore.json] [--accuracy FILE] [--quick]
//
// Each model is built once and planned + simulated on every (board, kernels) pair. The sweep is the
// explorer's default grid plus the configurations listed in accuracy.csv and the paper's own models.
// Not a test: prints tables and writes JSON, asserts nothing.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "explore/explore.h"
#include "model/zoo/zoo.h"

using namespace tinyops;
using nlohmann::json;

namespace {

std::string shared_dir() {
  if (const char* e = std::getenv("TINYOPS_SHARED")) return e;
  return TINYOPS_SHARED_DIR;
}

// One row of published.md section 1 (the TinyOps repository's model zoo).
struct PaperRow {
  std::string board;   // "F746"
  std::string model;   // "MobileNetV3 w0.55-r128"
  std::string space;   // "Internal" or "TinyOps"
  double macs_m = 0, params_m = 0, top1 = 0, latency_ms = 0;
  ExploreConfig config;  // our zoo configuration of the same architecture
};

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|') {
      size_t a = cur.find_first_not_of(' '), b = cur.find_last_not_of(' ');
      out.push_back(a == std::string::npos ? "" : cur.substr(a, b - a + 1));
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  return out;
}

// Our configuration for the paper's model name; family empty when we have none.
ExploreConfig paper_config(const std::string& model) {
  ExploreConfig c;
  std::smatch m;
  double w = 1.0;
  int r = 0;
  if (std::regex_search(model, m, std::regex("w([0-9.]+)-r([0-9]+)"))) w = std::stod(m[1]), r = std::stoi(m[2]);
  if (model.rfind("ProxylessNAS", 0) == 0) c.family = "proxylessnas-mobile";
  // The TinyOps w1.00 MobileNetV3 is Large-minimalistic (3.96 M params; explore/accuracy.cpp).
  else if (model.rfind("MobileNetV3", 0) == 0)
    c.family = w >= 1.0 ? "mobilenet-v3-large-minimalistic" : "mobilenet-v3-large";
  else if (model.rfind("MnasNet", 0) == 0) c.family = "mnasnet-b1";
  else if (model.rfind("MCUNetV1", 0) == 0) c.family = "mcunet-in3", r = 176;
  c.width = w;
  c.resolution = r;
  return c;
}

std::vector<PaperRow> read_paper_table(const std::string& path) {
  std::ifstream f(path);
  std::vector<PaperRow> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(f, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line.rfind("## 1.", 0) == 0;
    if (!in_section || line.rfind("| F", 0) != 0) continue;
    auto c = cells(line);
    if (c.size() < 7) continue;
    PaperRow r;
    r.board = c[0], r.model = c[1], r.space = c[2];
    r.macs_m = std::atof(c[3].c_str()), r.params_m = std::atof(c[4].c_str());
    r.top1 = std::atof(c[5].c_str()), r.latency_ms = std::atof(c[6].c_str());
    r.config = paper_config(r.model);
    rows.push_back(r);
  }
  return rows;
}

std::string board_of(const std::string& short_name) {
  if (short_name == "F746") return "stm32f746g-disco";
  if (short_name == "F469") return "stm32f469i-disco";
  return "";
}

const ConfigEval* find_eval(const std::vector<ConfigEval>& ev, const ExploreConfig& c) {
  for (const ConfigEval& e : ev)
    if (e.config.family == c.family && std::abs(e.config.width - c.width) < 1e-9 && e.config.resolution == c.resolution)
      return &e;
  return nullptr;
}

std::string cfg_name(const ConfigEval& e) {
  return fmt::format("{} w{:.2f} r{}", e.config.family, e.config.width, e.config.resolution);
}

std::string acc_str(const ConfigEval& e) { return fmt::format("{:.1f}%{}", e.accuracy.top1, e.accuracy.is_estimate ? "*" : ""); }

json side_by_side(const std::vector<ConfigEval>& ev, const std::vector<PaperRow>& paper, const std::string& board_short,
                  const char* label, bool listed_only) {
  std::vector<ConfigEval> pool;
  for (const ConfigEval& e : ev)
    if (!listed_only || !e.accuracy.is_estimate) pool.push_back(e);
  const Headline h = headline(pool);
  // The paper: best internal, and the best TinyOps row at equal or lower latency.
  const PaperRow* pin = nullptr;
  const PaperRow* pti = nullptr;
  for (const PaperRow& r : paper)
    if (r.board == board_short && r.space == "Internal" && (!pin || r.top1 > pin->top1)) pin = &r;
  if (pin)
    for (const PaperRow& r : paper)
      if (r.board == board_short && r.space == "TinyOps" && r.latency_ms <= pin->latency_ms &&
          (!pti || r.top1 > pti->top1))
        pti = &r;
  std::printf("  %s\n", label);
  std::printf("    %-28s %-40s %-44s\n", "", "published (TinyOps paper, measured)", "ours (planner + simulator)");
  auto ours = [&](const std::optional<size_t>& i, const char* strategy) {
    if (!i) return std::string("none");
    const ConfigEval& e = pool[*i];
    return fmt::format("{} {} {:.0f} ms", cfg_name(e), acc_str(e), e.strategy(strategy)->latency_ms);
  };
  auto theirs = [](const PaperRow* r) {
    return r ? fmt::format("{} {:.1f}% {:.0f} ms", r->model, r->top1, r->latency_ms) : std::string("no published row");
  };
  std::printf("    %-28s %-40s %-44s\n", "best internal-only", theirs(pin).c_str(), ours(h.internal, "internal").c_str());
  std::printf("    %-28s %-40s %-44s\n", "best tinyops <= its latency", theirs(pti).c_str(),
              ours(h.tinyops, "tinyops").c_str());
  const std::string pg = pin && pti ? fmt::format("{:+.1f} points, {:.2f}x lower latency", pti->top1 - pin->top1,
                                                  pin->latency_ms / pti->latency_ms)
                                    : "-";
  const std::string og = h.internal && h.tinyops
                             ? fmt::format("{:+.1f} points, {:.2f}x lower latency", h.accuracy_gain, h.speedup)
                             : "-";
  std::printf("    %-28s %-40s %-44s\n", "tinyops gain", pg.c_str(), og.c_str());
  if (h.tinyops_fastest)
    std::printf("    %-28s %-40s %-44s\n", "fastest tinyops >= its acc.", "",
                fmt::format("{} ({:.2f}x lower latency)", ours(h.tinyops_fastest, "tinyops"), h.speedup_same_accuracy)
                    .c_str());
  json j = headline_json(pool, h);
  j["configurations"] = pool.size();
  if (pin && pti)
    j["published"] = {{"internal", {{"model", pin->model}, {"top1", pin->top1}, {"latency_ms", pin->latency_ms}}},
                      {"tinyops", {{"model", pti->model}, {"top1", pti->top1}, {"latency_ms", pti->latency_ms}}},
                      {"accuracy_gain", pti->top1 - pin->top1},
                      {"speedup", pin->latency_ms / pti->latency_ms}};
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "bench_explore.json", accuracy;
  int jobs = 0;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--jobs") && i + 1 < argc) jobs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--accuracy") && i + 1 < argc) accuracy = argv[++i];
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h"))
      return std::printf("usage: bench_explore [--jobs N] [--json FILE] [--accuracy FILE] [--quick]\n"
                         "  design-space study: families x width x resolution on the F746 and F469, the\n"
                         "  internal-only vs external-memory comparison of the paper, Pareto fronts\n"), 0;
    else return std::fprintf(stderr, "usage: bench_explore [--jobs N] [--json FILE] [--accuracy FILE] [--quick]\n"), 2;
  }
  const std::vector<std::string> boards = {"stm32f746g-disco", "stm32f469i-disco"};
  const std::vector<std::string> kernels = {"tflm-cmsis-nn", "tinyops"};

  const std::string published = shared_dir() + "/facts/published.md";
  const std::vector<PaperRow> paper = read_paper_table(published);
  if (paper.empty()) std::printf("note: %s not found or without the TinyOps table: ours only\n", published.c_str());
  if (accuracy.empty()) {
    const std::string p = shared_dir() + "/facts/accuracy.csv";
    if (std::ifstream(p)) accuracy = p;
  }

  ExploreOptions opts;
  opts.jobs = jobs;
  if (quick) {
    opts.families = {"mobilenet-v3-large", "mobilenet-v3-large-minimalistic", "mnasnet-b1", "mcunet-in3"};
    opts.widths = {0.5, 1.0};
    opts.resolutions = {128, 160};
  }
  const auto families = opts.families.empty() ? default_families() : opts.families;
  if (!accuracy.empty()) {
    auto rows = read_accuracy_csv(accuracy);
    if (!rows.ok()) return std::fprintf(stderr, "%s\n", rows.error().message.c_str()), 1;
    opts.extra = listed_configs(rows.value(), families);
  }
  for (const PaperRow& r : paper)
    if (!r.config.family.empty()) opts.extra.push_back(r.config);
  auto configs = sweep_configs(opts);
  if (!configs.ok()) return std::fprintf(stderr, "%s\n", configs.error().message.c_str()), 1;

  std::vector<CostModel> costs;
  for (const std::string& b : boards) {
    auto board = load_board(b);
    if (!board.ok()) return std::fprintf(stderr, "%s\n", board.error().message.c_str()), 1;
    for (const std::string& k : kernels) {
      auto c = load_cost_model(board.value(), k);
      if (!c.ok()) return std::fprintf(stderr, "%s\n", c.error().message.c_str()), 1;
      costs.push_back(std::move(c.value()));
    }
  }
  std::printf("Paper reproduction: %zu configurations x %zu boards x %zu kernel profiles x 3 strategies\n",
              configs->size(), boards.size(), kernels.size());
  opts.progress = stderr_progress("bench_explore ");
  const auto t0 = std::chrono::steady_clock::now();
  auto results = evaluate_on_boards(configs.value(), costs, nullptr, opts);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string note;
  auto acc = load_accuracy(accuracy.empty() ? "none" : accuracy, configs.value(), &note);
  if (!acc.ok()) return std::fprintf(stderr, "%s\n", acc.error().message.c_str()), 1;
  for (auto& r : results) assign_accuracy(r, acc.value());
  int listed = 0;
  for (const ConfigEval& e : results[0]) listed += e.accuracy.is_estimate ? 0 : 1;
  std::printf("%s; %d of %zu configurations have a published top-1, the others are estimates (*)\n", note.c_str(),
              listed, configs->size());
  std::printf("evaluated in %.0f s\n", secs);

  json out;
  out["configurations"] = configs->size();
  out["seconds"] = secs;
  out["accuracy_note"] = note;
  json runs = json::array();
  for (size_t bi = 0; bi < boards.size(); ++bi)
    for (size_t ki = 0; ki < kernels.size(); ++ki) {
      const size_t ci = bi * kernels.size() + ki;
      const auto& ev = results[ci];
      const std::string board_short = boards[bi] == "stm32f746g-disco" ? "F746" : "F469";
      std::printf("\n== %s, kernels %s\n", boards[bi].c_str(), kernels[ki].c_str());
      json run;
      run["board"] = boards[bi];
      run["kernels"] = kernels[ki];
      // The paper's own models (published rows for this board) as we plan and simulate them.
      json models = json::array();
      bool header = false;
      for (const PaperRow& r : paper) {
        if (board_of(r.board) != boards[bi] || r.config.family.empty()) continue;
        const ConfigEval* e = find_eval(ev, r.config);
        if (!e || !e->error.empty()) continue;
        if (!header) {
          std::printf("  %-24s %-8s %5s %6s %6s | %-31s %7s %8s %8s %10s\n", "the paper's models", "space", "MACs",
                      "top-1", "ms", "ours", "MACs", "internal", "tinyops", "ours/paper");
          header = true;
        }
        const StrategyEval* in = e->strategy("internal");
        const StrategyEval* ti = e->strategy("tinyops");
        const StrategyEval* mine = r.space == "Internal" ? in : ti;
        const std::string ratio = mine && mine->fits ? fmt::format("{:.2f}", mine->latency_ms / r.latency_ms) : "-";
        std::printf("  %-24s %-8s %4.0fM %5.1f%% %6.0f | %-31s %6.1fM %8s %8s %10s\n", r.model.c_str(), r.space.c_str(),
                    r.macs_m, r.top1, r.latency_ms, cfg_name(*e).c_str(), e->macs / 1e6,
                    in && in->fits ? fmt::format("{:.0f}", in->latency_ms).c_str() : "no fit",
                    ti && ti->fits ? fmt::format("{:.0f}", ti->latency_ms).c_str() : "no fit", ratio.c_str());
        models.push_back({{"model", r.model}, {"space", r.space}, {"published_latency_ms", r.latency_ms},
                          {"published_top1", r.top1}, {"ours", config_json(*e, 1000)}});
      }
      for (const PaperRow& r : paper) {
        if (board_of(r.board) != boards[bi] || r.space != "Internal") continue;
        const ConfigEval* e = find_eval(ev, r.config);
        const StrategyEval* in = e ? e->strategy("internal") : nullptr;
        if (in && !in->fits) std::printf("  %s does not fit internally here: %s\n", r.model.c_str(), in->reason.c_str());
      }
      run["paper_models"] = models;
      run["all"] = side_by_side(ev, paper, board_short, "all configurations (* = estimated top-1):", false);
      run["listed_only"] =
          side_by_side(ev, paper, board_short, "only configurations with a published top-1:", true);
      int fit_in = 0, fit_ti = 0;
      for (const ConfigEval& e : ev) {
        fit_in += e.usable("internal") ? 1 : 0;
        fit_ti += e.usable("tinyops") ? 1 : 0;
      }
      std::printf("  %d configurations fit internally, %d with tinyops\n", fit_in, fit_ti);
      run["fit_internal"] = fit_in;
      run["fit_tinyops"] = fit_ti;
      run["explore"] = explore_json(ev, 1000);
      runs.push_back(run);
    }
  out["runs"] = runs;
  std::ofstream(json_path) << out.dump(1) << "\n";
  std::printf("\nJSON: %s\n", json_path.c_str());
  return 0;
}
