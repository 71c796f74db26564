// Writes a Graph as a TensorFlow Lite flatbuffer (schema v3, identifier "TFL3").
// The IR keeps some constant operands as attributes (MEAN axes, PAD/PADV2 paddings and pad value,
// TRANSPOSE perm, RESHAPE new shape = output shape); the writer re-creates them as constant int32
// tensors appended after the graph's own tensors, so tensor ids 0..N-1 keep their meaning.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.h"
#include "util/status.h"

namespace tinyops {

// Checks that the graph can be written (ids in range, attrs matching op kinds, constant data sizes),
// then serialises it. Errors name the op index and kind or the tensor.
Result<std::vector<uint8_t>> write_tflite_checked(const Graph& g);

// Same, for graphs known to be well formed; throws std::invalid_argument with the check's message
// otherwise.
std::vector<uint8_t> write_tflite(const Graph& g);

// write_tflite_checked + write to `path`.
Status save_tflite(const Graph& g, const std::string& path);

}  // namespace tinyops
