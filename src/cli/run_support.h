// Helpers shared by the commands that run models.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.h"
#include "runtime/interpreter.h"
#include "util/image.h"
#include "util/status.h"

namespace tinyops::cli {

// A raw tensor file (.bin/.raw, size checked) or an image converted to the input tensor.
Result<std::vector<uint8_t>> read_input_file(const std::string& path, const Tensor& input, const ImagePreprocess& pp);
std::string top_k_report(const Tensor& out, const std::vector<uint8_t>& bytes, int k, const std::string& labels_path);
// Plans the model for a board and runs the plan on the host's memory model (cmd_run_planned.cpp).
Result<TensorBytes> run_planned(const Graph& g, const std::string& board, const std::string& strategy,
                                int64_t sram_budget, const TensorBytes& inputs);

}  // namespace tinyops::cli
