// Design-space exploration: zoo configurations (family x width x resolution) x strategies on one
// board. Each configuration is built in memory, planned with every strategy (make_plan), simulated
// (latency), and given an accuracy (accuracy.h). Pareto fronts of accuracy vs latency per strategy.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "board/board.h"
#include "explore/accuracy.h"
#include "plan/planner.h"
#include "sim/cost_model.h"
#include "util/status.h"

namespace tinyops {

struct ExploreConfig {
  std::string family;
  double width = 1.0;
  int resolution = 224;
};

struct StrategyEval {
  std::string strategy;
  bool fits = false;
  std::string reason;   // planner (or simulator) error when it does not fit
  double latency_ms = 0;
  int64_t sram_bytes = 0;           // peak use of the SRAM role memory
  int64_t internal_flash_bytes = 0; // use of the internal-flash role memory (weights)
  int64_t external_flash_bytes = 0;
  int64_t external_ram_bytes = 0;
  int64_t dma_bytes = 0;
  int steps = 0;
};

struct ConfigEval {
  ExploreConfig config;
  int64_t macs = 0, params = 0, weight_bytes = 0;
  AccuracyFigure accuracy;
  std::vector<StrategyEval> strategies;  // ExploreOptions::strategies order
  std::string error;                     // the model could not be built (then no strategies)
  double seconds = 0;                    // wall time to build, plan and simulate

  const StrategyEval* strategy(const std::string& name) const;
  // Fits with `name` and (budget_ms > 0) its latency is within the budget.
  bool usable(const std::string& name, double budget_ms = 0) const;
};

struct ExploreProgress {
  int done = 0, total = 0;
  double elapsed_s = 0;
  const ConfigEval* last = nullptr;
};

// internal, external, tinyops.
std::vector<Strategy> all_strategies();

struct ExploreOptions {
  std::vector<std::string> families;  // empty = default_families()
  std::vector<double> widths;         // empty = default_widths()
  std::vector<int> resolutions;       // empty = default_resolutions()
  std::vector<ExploreConfig> extra;   // evaluated as well (e.g. listed_configs of the families)
  std::vector<Strategy> strategies = all_strategies();
  int classes = 1000;
  int jobs = 0;               // worker threads; 0 = std::thread::hardware_concurrency()
  // Skip configurations whose accuracy is below this before building them (0 = keep all).
  double min_accuracy = 0;
  std::function<void(const ExploreProgress&)> progress;  // called under a lock after each config
};

const std::vector<std::string>& default_families();
const std::vector<double>& default_widths();
const std::vector<int>& default_resolutions();

// The configurations of the sweep: families x widths x resolutions, then `extra`, without duplicates.
// Errors name an unknown family and list the valid ones.
Result<std::vector<ExploreConfig>> sweep_configs(const ExploreOptions& opts);

// Evaluates configurations on several boards (one cost model each, CostModel::board) with a pool
// of opts.jobs threads: each model is built once, then planned and simulated on every board.
// Result [b][i] = configuration i on board b. With `acc`, accuracy is assigned as models are built
// and configurations below opts.min_accuracy are not planned (their error says why); without it,
// call assign_accuracy afterwards.
std::vector<std::vector<ConfigEval>> evaluate_on_boards(const std::vector<ExploreConfig>& configs,
                                                        const std::vector<CostModel>& costs, const AccuracyModel* acc,
                                                        const ExploreOptions& opts);
std::vector<ConfigEval> evaluate_configs(const std::vector<ExploreConfig>& configs, const CostModel& cost,
                                         const AccuracyModel* acc, const ExploreOptions& opts);
// Accuracy of every evaluated configuration: the listed figure (matched with our MACs) or the estimate.
void assign_accuracy(std::vector<ConfigEval>& evals, const AccuracyModel& acc);
// The accuracy fit groups of the families (for AccuracyModel::load).
std::vector<std::string> accuracy_groups(const std::vector<ExploreConfig>& configs);

// Zoo MACs of configurations without planning (cached per configuration).
Result<int64_t> config_macs(const ExploreConfig& c);

// Pareto front (maximise accuracy, minimise latency): indices of points no other point dominates
// (another point with latency <= and accuracy >= and at least one strict). Of identical points the
// first is kept. Sorted by increasing latency.
struct ParetoPoint {
  double latency = 0, accuracy = 0;
};
std::vector<size_t> pareto_front(const std::vector<ParetoPoint>& pts);

// The front of one strategy over configurations: indices into `evals` of configs that fit (within
// budget_ms when > 0), sorted by latency.
std::vector<size_t> strategy_front(const std::vector<ConfigEval>& evals, const std::string& strategy,
                                   double budget_ms = 0);

// The most accurate configuration that fits `strategy` within budget_ms (0 = no budget); ties go to
// the lower latency. nullopt when none fits.
std::optional<size_t> best_within(const std::vector<ConfigEval>& evals, const std::string& strategy,
                                  double budget_ms = 0);

// accuracy.csv at `path`, or default_accuracy_csv() when `path` is empty; when that does not exist
// either, or `path` is "none", the built-in fit (every figure an estimate) and *note says so. Fits the groups of `configs`.
Result<AccuracyModel> load_accuracy(const std::string& path, const std::vector<ExploreConfig>& configs,
                                    std::string* note);

// The configurations listed in accuracy.csv rows (published figures) of the given families.
std::vector<ExploreConfig> listed_configs(const std::vector<AccuracyRow>& rows, const std::vector<std::string>& families);

// Progress on stderr: a self-overwriting line on a terminal, else about every 10% (and the last).
std::function<void(const ExploreProgress&)> stderr_progress(const std::string& label);

// The paper's comparison: the most accurate internal-only configuration, the most accurate tinyops
// configuration at equal or lower latency, and the fastest tinyops configuration at equal or
// higher accuracy (all within budget_ms when > 0).
struct Headline {
  std::optional<size_t> internal;         // best internal-only
  std::optional<size_t> tinyops;          // best tinyops with latency <= internal's
  std::optional<size_t> tinyops_fastest;  // fastest tinyops with accuracy >= internal's
  double accuracy_gain = 0;  // tinyops - internal, percentage points
  double speedup = 0;        // internal latency / tinyops latency
  double speedup_same_accuracy = 0;  // internal latency / tinyops_fastest latency
};
Headline headline(const std::vector<ConfigEval>& evals, double budget_ms = 0);
nlohmann::json headline_json(const std::vector<ConfigEval>& evals, const Headline& h);

// JSON: one object per configuration (issue 6 interface): family, width, resolution, classes,
// macs, params, weight_bytes, accuracy, accuracy_is_estimate, accuracy_source, and "strategies":
// {name: {fits, latency_ms (null when not fitting), sram_bytes, internal_flash_bytes,
// external_flash_bytes, external_ram_bytes, dma_bytes, steps, reason}}.
nlohmann::json config_json(const ConfigEval& e, int classes);
nlohmann::json explore_json(const std::vector<ConfigEval>& evals, int classes);
// CSV: one line per configuration, strategies as column groups.
std::string explore_csv(const std::vector<ConfigEval>& evals, const std::vector<Strategy>& strategies);
// Text: the front per strategy and the best configuration per strategy (within the budget).
std::string explore_report(const std::vector<ConfigEval>& evals, const std::vector<Strategy>& strategies,
                           double budget_ms, const std::string& header);

}  // namespace tinyops
