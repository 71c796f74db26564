#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/run_support.h"
#include "model/summary.h"
#include "model/tflite_reader.h"
#include "model/tflite_writer.h"
#include "model/zoo/zoo.h"
#include "board/board.h"
#include "runtime/interpreter.h"
#include "sim/compare.h"
#include "sim/cost_model.h"

namespace tinyops::cli {

namespace {
// A deterministic input: a smooth colour gradient with a bright disc, as int8/uint8 pixels.
std::vector<uint8_t> demo_input(const Tensor& t) {
  std::vector<uint8_t> bytes(t.bytes());
  const int h = t.dim(1), w = t.dim(2), c = t.dim(3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) {
        const int dx = x - w / 2, dy = y - h / 3;
        int px = (x * 255 / w + y * 128 / h + k * 60) % 256;
        if (dx * dx + dy * dy < (w * w) / 25) px = 240 - k * 40;
        const size_t i = (static_cast<size_t>(y) * w + x) * c + k;
        bytes[i] = t.dtype == DType::UInt8 ? static_cast<uint8_t>(px) : static_cast<uint8_t>(px - 128);
      }
  return bytes;
}
}  // namespace

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Write the built-in MobileNetV2-style model, inspect it and run it");
  auto out_dir = std::make_shared<std::string>("out/demo");
  cmd->add_option("--out", *out_dir, "directory for demo.tflite, its input and output")->capture_default_str();
  cmd->callback([out_dir]() {
    std::filesystem::create_directories(*out_dir);
    const std::string model_path = *out_dir + "/demo.tflite";
    std::cout << "== 1. built-in model: MobileNetV2 width 0.5, 160x160, 1000 classes, synthetic int8 weights\n";
    if (auto s = save_tflite(make_demo_model(), model_path); !s.ok()) std::exit(report_error(s.error().message));
    auto g = load_tflite(model_path);  // read back what we wrote: the importer is what users run
    if (!g.ok()) std::exit(report_error(g.error().message));
    const Graph& graph = g.value();
    std::cout << "wrote " << model_path << "\n\n== 2. tinyops inspect " << model_path << "\n"
              << graph_summary_table(graph) << "\n";

    const Tensor& in_t = graph.tensor(graph.inputs[0]);
    std::vector<uint8_t> input = demo_input(in_t);
    const std::string input_path = *out_dir + "/input.bin";
    std::ofstream(input_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
    const auto t0 = std::chrono::steady_clock::now();
    auto out = run_graph(graph, TensorBytes{input});
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!out.ok()) std::exit(report_error(out.error().message));
    const std::string output_path = *out_dir + "/output.bin";
    std::ofstream(output_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(out.value()[0].data()), static_cast<std::streamsize>(out.value()[0].size()));
    std::cout << fmt::format("== 3. tinyops run {} --input {} --output {}  ({:.1f} ms on this host)\n", model_path,
                             input_path, output_path, ms)
              << top_k_report(graph.tensor(graph.outputs[0]), out.value()[0], 5, "");

    // 4. The point of TinyOps: the same model on the default board, planned three ways.
    auto board = load_board(kDefaultBoard);
    if (!board.ok()) std::exit(report_error(board.error().message));
    auto cost = load_cost_model(board.value(), kDefaultKernelProfile);
    if (!cost.ok()) std::exit(report_error(cost.error().message));
    auto cmp = compare_strategies(graph, model_path, board.value(), cost.value());
    if (!cmp.ok()) std::exit(report_error(cmp.error().message));
    std::cout << fmt::format("\n== 4. tinyops compare {} --board {}\n", model_path, kDefaultBoard)
              << comparison_table(cmp.value());
  });
}

}  // namespace tinyops::cli
