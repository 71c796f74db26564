// Import of .tflite flatbuffers into the graph IR. The flatbuffers verifier runs before anything is
// read; every later check (indices, buffer sizes, shapes, op operands) names the element at fault.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/graph.h"
#include "util/status.h"

namespace tinyops {

Result<Graph> read_tflite(std::shared_ptr<const std::vector<uint8_t>> bytes);
Result<Graph> load_tflite(const std::string& path);

}  // namespace tinyops
