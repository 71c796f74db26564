// Helpers shared by `tinyops simulate` and `tinyops compare`.
#pragma once
#include <string>

#include "model/graph.h"
#include "model/tflite_reader.h"
#include "model/zoo/zoo.h"
#include "util/status.h"

namespace tinyops::cli {

struct NamedGraph {
  Graph graph;
  std::string name;
};

// A .tflite path, or the built-in demo model when `model` is empty or "demo".
Result<NamedGraph> load_model_or_demo(const std::string& model);

}  // namespace tinyops::cli
