// Per-layer summary of a graph: what `tinyops inspect` prints.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "model/graph.h"

namespace tinyops {

std::string shape_str(const std::vector<int>& shape);
nlohmann::json graph_summary_json(const Graph& g);
std::string graph_summary_table(const Graph& g);

}  // namespace tinyops
