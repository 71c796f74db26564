// `tinyops explore`: sweep zoo configurations on a board (accuracy vs latency per strategy, Pareto
// fronts, CSV/JSON/plot), or with --target-accuracy find the board variants that reach a target.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "explore/board_variants.h"
#include "explore/explore.h"
#include "plan/planner.h"
#include "sim/cost_model.h"

namespace tinyops::cli {

namespace {

struct Opts {
  std::string board = kDefaultBoard, kernels = kDefaultKernelProfile, out, accuracy;
  std::vector<std::string> families;
  std::vector<double> widths;
  std::vector<int> resolutions;
  double budget_ms = 0, target = 0;
  int jobs = 0, classes = 1000;
  bool json = false, no_plot = false, quiet = false, no_listed = false;
  std::vector<int64_t> sram_kb = {128, 192, 256, 320, 384, 512, 768, 1024};
  std::vector<double> bw_scales = {0.5, 1, 2, 4};
};

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) std::exit(report_error("cannot write " + p.string()));
}

ExploreOptions explore_options(const Opts& o) {
  ExploreOptions eo;
  eo.families = o.families;
  eo.widths = o.widths;
  eo.resolutions = o.resolutions;
  eo.classes = o.classes;
  eo.jobs = o.jobs;
  if (!o.quiet) eo.progress = stderr_progress("explore ");
  // The configurations with a published figure (accuracy.csv rows of the swept families).
  const std::string acc_path = o.accuracy.empty() ? default_accuracy_csv() : o.accuracy;
  if (!o.no_listed && !acc_path.empty() && acc_path != "none") {
    auto rows = read_accuracy_csv(acc_path);
    if (!rows.ok()) std::exit(report_error(rows.error().message));
    eo.extra = listed_configs(rows.value(), o.families.empty() ? default_families() : o.families);
  }
  return eo;
}

// Runs tools/plot_pareto.py on the JSON; a missing Python/matplotlib is a warning, not an error.
void plot(const std::filesystem::path& json_path, const std::filesystem::path& png) {
  const std::string script = std::string(TINYOPS_SOURCE_DIR) + "/tools/plot_pareto.py";
  const std::string cmd = fmt::format("/usr/bin/python3 '{}' '{}' '{}' 1>&2", script, json_path.string(), png.string());
  if (std::system(cmd.c_str()) != 0)
    std::cerr << "warning: the plot was not written (" << cmd << " failed)\n";
}

void run_sweep(const Opts& o) {
  auto board = load_board(o.board);
  if (!board.ok()) std::exit(report_error(board.error().message));
  auto cost = load_cost_model(board.value(), o.kernels);
  if (!cost.ok()) std::exit(report_error(cost.error().message));
  ExploreOptions eo = explore_options(o);
  auto configs = sweep_configs(eo);
  if (!configs.ok()) std::exit(report_error(configs.error().message));

  auto evals = evaluate_configs(configs.value(), cost.value(), nullptr, eo);
  std::string note;
  auto acc = load_accuracy(o.accuracy, configs.value(), &note);
  if (!acc.ok()) std::exit(report_error(acc.error().message));
  assign_accuracy(evals, acc.value());

  const std::string header =
      fmt::format("explore on {} (kernels {}, {} classes{})\n{}\n", board->name, o.kernels, o.classes,
                  o.budget_ms > 0 ? fmt::format(", latency budget {:.0f} ms", o.budget_ms) : "", note);
  const std::string report = explore_report(evals, eo.strategies, o.budget_ms, header);

  const std::filesystem::path dir = o.out.empty() ? "out/explore-" + board->name : o.out;
  std::filesystem::create_directories(dir);
  nlohmann::json doc;
  doc["board"] = board->name;
  doc["kernels"] = o.kernels;
  doc["classes"] = o.classes;
  doc["latency_budget_ms"] = o.budget_ms;
  doc["accuracy_note"] = note;
  doc["configurations"] = explore_json(evals, o.classes);
  nlohmann::json fronts = nlohmann::json::object();
  for (Strategy s : eo.strategies) fronts[strategy_name(s)] = strategy_front(evals, strategy_name(s), o.budget_ms);
  doc["fronts"] = fronts;
  doc["headline"] = headline_json(evals, headline(evals, o.budget_ms));
  write_file(dir / "explore.json", doc.dump(1) + "\n");
  write_file(dir / "explore.csv", explore_csv(evals, eo.strategies));
  write_file(dir / "report.txt", report);
  if (!o.no_plot) plot(dir / "explore.json", dir / "pareto.png");

  if (o.json) {
    std::cout << explore_json(evals, o.classes).dump(1) << "\n";
  } else {
    std::cout << report;
    std::cout << fmt::format("\nwrote {0}/explore.csv, {0}/explore.json, {0}/report.txt{1}\n", dir.string(),
                             o.no_plot ? "" : ", " + (dir / "pareto.png").string());
  }
}

void run_target(const Opts& o) {
  if (o.budget_ms <= 0) std::exit(report_error("--target-accuracy needs --latency-budget MS"));
  auto base = load_board(o.board);
  if (!base.ok()) std::exit(report_error(base.error().message));
  std::vector<int64_t> sizes;
  for (int64_t kb : o.sram_kb) sizes.push_back(kb * 1024);
  auto variants = make_board_variants(base.value(), sizes, o.bw_scales);
  if (!variants.ok()) std::exit(report_error(variants.error().message));
  std::vector<CostModel> costs;
  for (const BoardVariant& v : variants.value()) {
    auto c = load_cost_model(v.board, o.kernels);
    if (!c.ok()) std::exit(report_error(c.error().message));
    costs.push_back(std::move(c.value()));
  }
  ExploreOptions eo = explore_options(o);
  eo.min_accuracy = o.target;
  auto configs = sweep_configs(eo);
  if (!configs.ok()) std::exit(report_error(configs.error().message));
  std::string note;
  auto acc = load_accuracy(o.accuracy, configs.value(), &note);
  if (!acc.ok()) std::exit(report_error(acc.error().message));
  auto results = evaluate_on_boards(configs.value(), costs, &acc.value(), eo);

  // Per variant: the fastest configuration (any strategy) reaching the target within the budget.
  struct Best {
    const ConfigEval* e = nullptr;
    const StrategyEval* s = nullptr;
  };
  std::vector<Best> best(variants->size());
  std::vector<bool> ok(variants->size(), false);
  int candidates = 0;
  for (const ConfigEval& e : results[0]) candidates += e.error.empty() ? 1 : 0;
  for (size_t v = 0; v < variants->size(); ++v) {
    for (const ConfigEval& e : results[v]) {
      if (!e.error.empty() || e.accuracy.top1 < o.target) continue;
      for (const StrategyEval& s : e.strategies)
        if (s.fits && s.latency_ms <= o.budget_ms && (!best[v].s || s.latency_ms < best[v].s->latency_ms))
          best[v] = {&e, &s};
    }
    ok[v] = best[v].s != nullptr;
  }
  const auto minimal = minimal_variants(variants.value(), ok);

  auto best_json = [&](size_t v) -> nlohmann::json {
    if (!best[v].s) return nullptr;
    const ConfigEval& e = *best[v].e;
    return {{"family", e.config.family}, {"width", e.config.width}, {"resolution", e.config.resolution},
            {"macs", e.macs}, {"params", e.params}, {"accuracy", e.accuracy.top1},
            {"accuracy_is_estimate", e.accuracy.is_estimate}, {"strategy", best[v].s->strategy},
            {"latency_ms", best[v].s->latency_ms}};
  };
  const std::filesystem::path dir = o.out.empty() ? "out/explore-target-" + base->name : o.out;
  std::filesystem::create_directories(dir);
  nlohmann::json doc;
  doc["base_board"] = base->name;
  doc["kernels"] = o.kernels;
  doc["target_accuracy"] = o.target;
  doc["latency_budget_ms"] = o.budget_ms;
  doc["accuracy_note"] = note;
  doc["candidates"] = candidates;
  nlohmann::json vs = nlohmann::json::array();
  for (size_t v = 0; v < variants->size(); ++v)
    vs.push_back({{"board", variants->at(v).board.name}, {"sram_bytes", variants->at(v).sram_bytes},
                  {"bandwidth_scale", variants->at(v).bandwidth_scale}, {"reaches_target", ok[v]},
                  {"best", best_json(v)}});
  doc["variants"] = vs;
  nlohmann::json mins = nlohmann::json::array();
  for (size_t v : minimal) {
    mins.push_back(variants->at(v).board.name);
    write_file(dir / (variants->at(v).board.name + ".json"), board_to_json(variants->at(v).board).dump(2) + "\n");
  }
  doc["minimal"] = mins;
  write_file(dir / "target.json", doc.dump(1) + "\n");
  if (o.json) {
    std::cout << doc.dump(1) << "\n";
    return;
  }

  std::cout << fmt::format("what board reaches top-1 >= {:.1f}% within {:.0f} ms? (base {}, kernels {})\n{}\n",
                           o.target, o.budget_ms, base->name, o.kernels, note);
  std::cout << fmt::format("{} of {} configurations reach the accuracy; fastest latency (ms) per variant, strategy "
                           "i/e/t = internal/external/tinyops:\n",
                           candidates, configs->size());
  std::cout << fmt::format("{:>10}", "SRAM \\ bw");
  for (double k : o.bw_scales) std::cout << fmt::format(" {:>10}", fmt::format("{}x", k));
  std::cout << "\n";
  for (size_t si = 0; si < o.sram_kb.size(); ++si) {
    std::cout << fmt::format("{:>7} KB", o.sram_kb[si]);
    for (size_t bi = 0; bi < o.bw_scales.size(); ++bi) {
      const size_t v = si * o.bw_scales.size() + bi;
      std::string cell = "-";
      if (best[v].s) cell = fmt::format("{:.0f} {}", best[v].s->latency_ms, best[v].s->strategy[0]);
      std::cout << fmt::format(" {:>10}", cell);
    }
    std::cout << "\n";
  }
  if (minimal.empty()) {
    std::cout << "no variant reaches the target within the budget: raise the budget, lower the target, or widen "
                 "--sram-sizes / --bandwidth-scales\n";
  } else {
    std::cout << "cheapest variants (no other qualifying variant has both less or equal SRAM and bandwidth):\n";
    for (size_t v : minimal) {
      const ConfigEval& e = *best[v].e;
      std::cout << fmt::format("  {:<44} {} w{:.2f} r{} top-1 {:.1f}{} {} {:.0f} ms\n", variants->at(v).board.name,
                               e.config.family, e.config.width, e.config.resolution, e.accuracy.top1,
                               e.accuracy.is_estimate ? " (estimate)" : "", best[v].s->strategy, best[v].s->latency_ms);
    }
  }
  std::cout << fmt::format("wrote {0}/target.json and the cheapest variants' board files in {0}\n", dir.string());
}

}  // namespace

void add_explore_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "explore", "Sweep zoo models on a board: accuracy vs latency per strategy, Pareto fronts, CSV/JSON/plot");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--board", o->board, "board name or .json (with --target-accuracy: the base board)")
      ->capture_default_str();
  cmd->add_option("--families", o->families, "zoo families (comma-separated; default: a paper-like set)")
      ->delimiter(',');
  cmd->add_option("--widths", o->widths, "width multipliers (comma-separated)")->delimiter(',');
  cmd->add_option("--resolutions", o->resolutions, "input resolutions (comma-separated)")->delimiter(',');
  cmd->add_option("--latency-budget", o->budget_ms, "only configurations within this latency (ms)");
  cmd->add_option("--kernels", o->kernels, "kernel cost profile: tflm-cmsis-nn or tinyops")->capture_default_str();
  cmd->add_option("--jobs", o->jobs, "worker threads (default: all cores)");
  cmd->add_option("--out", o->out, "output directory (default out/explore-<board>)");
  cmd->add_option("--accuracy", o->accuracy, "accuracy.csv (default ../shared/facts/accuracy.csv next to the source; 'none' = estimates only)");
  cmd->add_option("--classes", o->classes, "output classes of every model")->capture_default_str();
  cmd->add_flag("--json", o->json, "print the configurations as a JSON list instead of the report");
  cmd->add_flag("--no-plot", o->no_plot, "do not write pareto.png");
  cmd->add_flag("--quiet", o->quiet, "no progress on stderr");
  cmd->add_flag("--no-listed", o->no_listed,
                "do not add the configurations listed in accuracy.csv for the swept families to the grid");
  cmd->add_option("--target-accuracy", o->target,
                  "find the board variants (SRAM size x external bandwidth) reaching this top-1 within the budget");
  cmd->add_option("--sram-sizes", o->sram_kb, "SRAM sizes in KB for --target-accuracy")->delimiter(',');
  cmd->add_option("--bandwidth-scales", o->bw_scales, "external memory + DMA bandwidth factors for --target-accuracy")
      ->delimiter(',');
  cmd->callback([o]() {
    if (o->target > 0)
      run_target(*o);
    else
      run_sweep(*o);
  });
}

}  // namespace tinyops::cli
