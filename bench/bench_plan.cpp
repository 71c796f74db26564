// Planner benchmark: for each shared model and board, does the internal strategy fit, the peak SRAM of
// each strategy, bytes moved per memory by the tinyops plan, and the planning time (median of runs).
// Prints a table and one JSON object (also written to the file given as first argument, if any).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "model/tflite_reader.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "sim/cost_model.h"

using namespace tinyops;
namespace fs = std::filesystem;

namespace {

struct Timed {
  Result<Plan> plan = Error{""};
  double ms = 0;
};

Timed plan_timed(const Graph& g, const Board& b, const PlanOptions& o, int runs) {
  Timed t;
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    t.plan = make_plan(g, b, o);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  t.ms = times[times.size() / 2];
  return t;
}

int64_t used_of(const Plan& p, const std::string& memory) {
  for (const MemoryUse& m : p.memories)
    if (m.name == memory) return m.used;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
    std::cout << "usage: bench_plan [JSON_FILE]\n"
                 "  for each shared model and board: does the internal strategy fit, peak SRAM per strategy,\n"
                 "  DMA bytes of the tinyops plan, estimated latency per strategy and planning time\n";
    return 0;
  }
  const fs::path shared = TINYOPS_SHARED_DIR;
  if (!fs::exists(shared / "refs" / "index.json")) {
    std::cout << "bench_plan: shared data not found at " << shared << ", nothing to measure\n";
    return 0;
  }
  std::ifstream f(shared / "refs" / "index.json");
  const auto index = nlohmann::json::parse(f);
  std::vector<std::string> models;
  for (const auto& c : index) {
    const std::string m = c["model"].get<std::string>();
    if (std::find(models.begin(), models.end(), m) == models.end()) models.push_back(m);
  }
  const std::vector<std::string> boards = {"stm32f746g-disco", "stm32f469i-disco", "stm32h743", "stm32h7b3i-dk",
                                           "qemu-mps2-an500"};
  nlohmann::json out = nlohmann::json::array();
  std::cout << fmt::format("{:<34} {:<17} {:>9} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}\n", "model", "board",
                           "internal", "int SRAM", "ext SRAM", "tops SRAM", "tops DMA", "t int ms", "t ext ms",
                           "t tops ms");
  for (const std::string& model : models) {
    auto g = load_tflite((shared / "models" / model).string());
    if (!g.ok()) {
      std::cerr << g.error().message << "\n";
      return 1;
    }
    for (const std::string& bn : boards) {
      auto b = load_board(bn);
      if (!b.ok()) {
        std::cerr << b.error().message << "\n";
        return 1;
      }
      nlohmann::json row{{"model", model}, {"board", bn}};
      const std::string sram = b->sram()->name;
      // Partitions chosen with our kernels' costs, as `tinyops plan` and `export` do.
      PlanOptions costed;
      if (Status st = use_kernel_profile(costed, b.value()); !st.ok()) {
        std::cout << st.error().message << "\n";
        return 1;
      }
      Timed t[3];
      const Strategy strategies[3] = {Strategy::Internal, Strategy::External, Strategy::TinyOps};
      for (int s = 0; s < 3; ++s) {
        PlanOptions o = costed;
        o.strategy = strategies[s];
        o.model = model;
        t[s] = plan_timed(g.value(), b.value(), o, 3);
        nlohmann::json js{{"plan_ms", t[s].ms}, {"fits", t[s].plan.ok()}};
        if (t[s].plan.ok()) {
          const Plan& p = t[s].plan.value();
          js["peak_sram"] = used_of(p, sram);
          js["sram_budget"] = p.sram_budget;
          js["memories"] = plan_to_json(p, false)["memories"];
          js["traffic"] = plan_to_json(p, false)["traffic"];
          int64_t dma = 0, parts = 0;
          for (const OpPlan& op : p.ops) dma += op.dma_bytes_in + op.dma_bytes_out, parts += op.partitions;
          js["dma_bytes"] = dma;
          js["partitions"] = parts;
          js["steps"] = p.steps.size();
        } else {
          js["error"] = t[s].plan.error().message;
        }
        row[strategy_name(strategies[s])] = js;
      }
      // Internal's SRAM need when only the flash is too small: plan again with a flash large enough.
      if (!t[0].plan.ok() && t[0].plan.error().message.find("memory '" + sram + "'") == std::string::npos) {
        Board big = b.value();
        for (Memory& m : big.memories)
          if (m.name == big.roles.internal_flash) m.size = 64u << 20;
        PlanOptions o;
        o.strategy = Strategy::Internal;
        auto p = make_plan(g.value(), big, o);
        if (p.ok()) row["internal"]["peak_sram_if_flash_fit"] = used_of(p.value(), sram);
      }
      auto cell = [](const Timed& x, const std::string& mem) {
        return x.plan.ok() ? fmt::format("{}", used_of(x.plan.value(), mem)) : std::string("-");
      };
      std::string fits = t[0].plan.ok() ? "yes" : "no";
      if (!t[0].plan.ok() && row["internal"].contains("peak_sram_if_flash_fit")) fits = "no:flash";
      else if (!t[0].plan.ok()) fits = "no:sram";
      std::string int_sram = cell(t[0], sram);
      if (row["internal"].contains("peak_sram_if_flash_fit"))
        int_sram = fmt::format("({})", row["internal"]["peak_sram_if_flash_fit"].get<int64_t>());
      const std::string tops_dma =
          t[2].plan.ok() ? fmt::format("{:.2f}MB", row["tinyops"]["dma_bytes"].get<int64_t>() / 1e6) : "-";
      std::cout << fmt::format("{:<34} {:<17} {:>9} {:>10} {:>10} {:>10} {:>10} {:>9.1f} {:>9.1f} {:>9.1f}\n",
                               fs::path(model).filename().string().substr(0, 34), bn, fits, int_sram, cell(t[1], sram),
                               cell(t[2], sram), tops_dma, t[0].ms, t[1].ms, t[2].ms);
      out.push_back(row);
    }
  }
  // Bytes moved per memory by the tinyops plans on the default board.
  std::cout << "\nbytes moved per memory, tinyops plans on stm32f746g-disco (DMA read/write, CPU read/write)\n";
  for (const auto& row : out) {
    if (row["board"] != "stm32f746g-disco" || !row["tinyops"]["fits"].get<bool>()) continue;
    std::cout << "  " << fs::path(row["model"].get<std::string>()).filename().string() << "\n";
    for (const auto& t : row["tinyops"]["traffic"])
      if (t["dma_read"].get<int64_t>() + t["dma_write"].get<int64_t>() + t["cpu_read"].get<int64_t>() +
              t["cpu_write"].get<int64_t>() > 0)
        std::cout << fmt::format("    {:<10} dma {:>10} / {:>10}   cpu {:>11} / {:>10}\n", t["memory"].get<std::string>(),
                                 t["dma_read"].get<int64_t>(), t["dma_write"].get<int64_t>(),
                                 t["cpu_read"].get<int64_t>(), t["cpu_write"].get<int64_t>());
  }
  std::cout << "\n(internal SRAM in parentheses: the plan's SRAM if the internal flash were large enough)\n";
  const std::string json = nlohmann::json{{"bench", "plan"}, {"rows", out}}.dump(1);
  std::cout << json << "\n";
  if (argc > 1) std::ofstream(argv[1]) << json << "\n";
  return 0;
}
