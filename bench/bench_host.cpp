// Host invoke time of every shared model (median of several invokes after one warm-up), next to the
// TensorFlow Lite Micro figures recorded in ../shared/refs/index.json (reference kernels and CMSIS-NN's
// portable C kernels, same machine). Prints a table and writes JSON (path = argv[1], default
// bench_host.json). Columns: wall-clock and thread CPU time medians (read the CPU time on a loaded
// machine); vs_cmsis = CMSIS-NN ms / our wall ms. --ops also prints the time per op kind; --model
// SUBSTRING selects models. Not a test: it asserts nothing about time, but it reports whether the output
// bytes equal the recorded ones.
#include <nlohmann/json.hpp>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "model/tflite_reader.h"
#include "runtime/interpreter.h"

using namespace tinyops;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// CPU time of this thread: unaffected by other processes competing for the cores.
double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "bench_host.json";
  bool per_op = false;
  std::string only;  // --model SUBSTRING: benchmark only matching models
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf(
          "usage: bench_host [--ops] [--model SUBSTRING] [JSON_FILE]\n"
          "  host invoke time of every shared model vs the TFLM figures in ../shared/refs/index.json\n"
          "  --ops     also print the time per op kind\n"
          "  --model   benchmark only models whose path contains SUBSTRING\n"
          "  JSON_FILE where to write the results (default bench_host.json)\n");
      return 0;
    } else if (std::strcmp(argv[i], "--ops") == 0)
      per_op = true;
    else if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc)
      only = argv[++i];
    else
      json_path = argv[i];
  }
  fs::path shared = TINYOPS_SHARED_DIR;
  if (const char* env = std::getenv("TINYOPS_SHARED")) shared = env;
  std::ifstream f(shared / "refs" / "index.json");
  if (!f) {
    std::cout << "SKIPPED bench_host: shared data not found at " << shared << "\n";
    return 0;
  }
  const nlohmann::json index = nlohmann::json::parse(f);
  // One row per model: the first case's input, TFLM figures = median over the model's cases.
  std::map<std::string, std::vector<const nlohmann::json*>> by_model;
  std::vector<std::string> order;
  for (const auto& c : index) {
    const std::string m = c["model"].get<std::string>();
    if (!by_model.count(m)) order.push_back(m);
    by_model[m].push_back(&c);
  }
  nlohmann::json out = nlohmann::json::array();
  std::printf("%-44s %7s %4s %8s %8s %8s %8s %8s %s\n", "model", "MMACs", "runs", "wall_ms", "cpu_ms",
              "tflm_ref", "cmsis_nn", "vs_cmsis", "bit-exact");
  for (const std::string& m : order) {
    if (!only.empty() && m.find(only) == std::string::npos) continue;
    Result<Graph> g = load_tflite((shared / "models" / m).string());
    if (!g.ok()) {
      std::cout << m << ": " << g.error().message << "\n";
      return 1;
    }
    Result<Interpreter> interp = Interpreter::create(g.value());
    if (!interp.ok()) {
      std::cout << m << ": " << interp.error().message << "\n";
      return 1;
    }
    std::vector<double> ref_ms, cmsis_ms;
    for (const auto* c : by_model[m]) {
      ref_ms.push_back((*c)["invoke_ms_median_ref"].get<double>());
      cmsis_ms.push_back((*c)["invoke_ms_median_cmsis_nn"].get<double>());
    }
    // Bit-exactness over every case of the model.
    bool exact = true;
    for (const auto* c : by_model[m]) {
      const auto input = read_bytes(shared / "refs" / (*c)["input_file"].get<std::string>());
      const auto expect = read_bytes(shared / "refs" / (*c)["output_file"].get<std::string>());
      Status s = interp->set_input(0, input);
      if (s.ok()) s = interp->invoke();
      if (!s.ok()) {
        std::cout << m << ": " << s.error().message << "\n";
        return 1;
      }
      exact = exact && interp->output(0) == expect;
    }
    const auto input = read_bytes(shared / "refs" / (*by_model[m][0])["input_file"].get<std::string>());
    (void)interp->set_input(0, input);
    const int64_t macs = graph_macs(g.value());
    const int runs = macs > 100000000 ? 7 : (macs > 10000000 ? 15 : 31);
    std::vector<double> times, cpu_times;
    std::map<std::string, double> kind_s;
    std::vector<double> op_s;
    (void)interp->invoke();  // warm-up
    for (int r = 0; r < runs; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = thread_cpu_ms();
      (void)interp->invoke(per_op ? &op_s : nullptr);
      cpu_times.push_back(thread_cpu_ms() - c0);
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (per_op)
        for (size_t i = 0; i < op_s.size(); ++i) kind_s[op_name(g->ops[i].kind)] += op_s[i] / runs;
    }
    const double ms = median(times), cpu = median(cpu_times), ref = median(ref_ms), cmsis = median(cmsis_ms);
    std::printf("%-44s %7.1f %4d %8.3f %8.3f %8.3f %8.3f %7.2fx %s\n", m.c_str(), macs / 1e6, runs, ms, cpu, ref, cmsis,
                cmsis / ms, exact ? "yes" : "NO");
    if (per_op)
      for (const auto& [k, s] : kind_s) std::printf("    %-20s %9.3f ms\n", k.c_str(), s * 1e3);
    out.push_back({{"model", m},
                   {"macs", macs},
                   {"runs", runs},
                   {"invoke_ms_median", ms},
                   {"invoke_cpu_ms_median", cpu},
                   {"tflm_ref_ms_median", ref},
                   {"cmsis_nn_ms_median", cmsis},
                   {"speedup_vs_cmsis_nn", cmsis / ms},
                   {"speedup_vs_tflm_ref", ref / ms},
                   {"bit_exact_all_cases", exact},
                   {"cases", by_model[m].size()}});
  }
  std::ofstream(json_path) << out.dump(2) << "\n";
  std::cout << "wrote " << json_path << "\n";
  return 0;
}
