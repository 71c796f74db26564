#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>

#include "cli/commands.h"
#include "cli/run_support.h"
#include "model/tflite_reader.h"
#include "runtime/interpreter.h"
#include "util/image.h"

namespace tinyops::cli {

namespace {
bool has_suffix(std::string s, const std::string& suffix) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

Result<std::vector<uint8_t>> read_input_file(const std::string& path, const Tensor& input, const ImagePreprocess& pp) {
  if (has_suffix(path, ".bin") || has_suffix(path, ".raw")) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return Error{fmt::format("cannot open input file '{}'", path)};
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (bytes.size() != input.bytes())
      return Error{fmt::format("input file '{}' has {} bytes; model input '{}' {} {} needs {}", path, bytes.size(),
                               input.name, fmt::format("[{}]", fmt::join(input.shape, ",")), dtype_name(input.dtype),
                               input.bytes())};
    return bytes;
  }
  return image_to_input(path, input, pp);
}

std::vector<float> dequantized_output(const Tensor& t, const std::vector<uint8_t>& bytes) {
  std::vector<float> v(t.num_elements());
  for (size_t i = 0; i < v.size(); ++i) {
    switch (t.dtype) {
      case DType::Int8: v[i] = (static_cast<int8_t>(bytes[i]) - t.quant.zero_point()) * t.quant.scale(); break;
      case DType::UInt8: v[i] = (bytes[i] - t.quant.zero_point()) * t.quant.scale(); break;
      case DType::Float32: std::memcpy(&v[i], &bytes[i * 4], 4); break;
      default: v[i] = 0; break;
    }
  }
  return v;
}

std::string top_k_report(const Tensor& out, const std::vector<uint8_t>& bytes, int k, const std::string& labels_path) {
  std::vector<float> v = dequantized_output(out, bytes);
  std::vector<std::string> labels;
  if (!labels_path.empty()) {
    std::ifstream f(labels_path);
    for (std::string line; std::getline(f, line);) labels.push_back(line);
  }
  // A label file with one extra first line (background) is shifted by one, as for 1000-class ImageNet models.
  const size_t label_offset = labels.size() == v.size() + 1 ? 1 : 0;
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  const size_t kk = std::min(static_cast<size_t>(std::max(k, 0)), v.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<long>(kk), idx.end(),
                    [&](size_t a, size_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
  std::string s = fmt::format("top-{} of output '{}':\n", kk, out.name);
  for (size_t i = 0; i < kk; ++i) {
    const size_t c = idx[i];
    std::string label = c + label_offset < labels.size() ? labels[c + label_offset] : "";
    s += fmt::format("  {:>5}  {:>10.4f}  {}\n", c, v[c], label);
  }
  return s;
}

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run a model on an input (raw .bin tensor or an image) on the host");
  struct Opts {
    std::string model, input, output, labels, board, strategy = "tinyops", resize = "crop";
    int top = 5;
    float mean = 0, scale = 1;
    bool normalize = false;
    int64_t sram_budget = 0;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, ".tflite model")->required();
  cmd->add_option("--input", o->input, "raw input tensor (.bin) or image (PNG, JPEG, BMP, PPM)")->required();
  cmd->add_option("--output", o->output, "write the raw bytes of the output tensor here");
  cmd->add_option("--labels", o->labels, "label file, one per line (for classifiers)");
  cmd->add_option("--top", o->top, "print the top K classes")->capture_default_str();
  cmd->add_option("--resize", o->resize, "image resize: crop (short side to size*256/224 + centre crop) or stretch")
      ->capture_default_str();
  auto* mean_opt = cmd->add_option("--mean", o->mean, "image normalisation: real = (pixel - mean) * scale");
  cmd->add_option("--scale", o->scale, "image normalisation scale (with --mean)")->needs(mean_opt);
  cmd->add_option("--board", o->board, "run the planned execution for this board (name or .json)");
  cmd->add_option("--strategy", o->strategy, "with --board: internal, external or tinyops")->capture_default_str();
  cmd->add_option("--sram-budget", o->sram_budget, "with --board: SRAM bytes the planner may use");
  cmd->callback([o, mean_opt]() {
    auto g = load_tflite(o->model);
    if (!g.ok()) std::exit(report_error(g.error().message));
    const Graph& graph = g.value();
    if (graph.inputs.size() != 1)
      std::exit(report_error(fmt::format("model has {} inputs; `run` feeds single-input models", graph.inputs.size())));
    ImagePreprocess pp;
    pp.mode = o->resize == "stretch" ? ResizeMode::Stretch : ResizeMode::CropCenter;
    pp.normalize = mean_opt->count() > 0;
    pp.mean = o->mean;
    pp.scale = o->scale;
    auto in = read_input_file(o->input, graph.tensor(graph.inputs[0]), pp);
    if (!in.ok()) std::exit(report_error(in.error().message));
    Result<TensorBytes> out = o->board.empty()
                                  ? run_graph(graph, TensorBytes{in.value()})
                                  : run_planned(graph, o->board, o->strategy, o->sram_budget, TensorBytes{in.value()});
    if (!out.ok()) std::exit(report_error(out.error().message));
    const Tensor& out_t = graph.tensor(graph.outputs[0]);
    if (!o->output.empty()) {
      std::ofstream f(o->output, std::ios::binary);
      f.write(reinterpret_cast<const char*>(out.value()[0].data()), static_cast<std::streamsize>(out.value()[0].size()));
      if (!f) std::exit(report_error(fmt::format("cannot write output file '{}'", o->output)));
    }
    if (out_t.rank() >= 1 && out_t.num_elements() > 1 && o->top > 0)
      std::cout << top_k_report(out_t, out.value()[0], o->top, o->labels);
  });
}

}  // namespace tinyops::cli
