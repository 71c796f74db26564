// Host-side preparation of one op for the kernels: validation, TFLite's quantization arithmetic
// (multipliers in double exactly like TFLM), and the constant tables KernelArgs points into.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "kernels/kernel.h"
#include "model/graph.h"
#include "util/status.h"

namespace tinyops {

// A constant table of a prepared op (what the firmware exporter emits as a const C array).
struct PreparedTable {
  std::string name;  // e.g. "multiplier", "shift", "bias", "bias_sums", "lut", "exp_lut"
  ElemType type;
  const void* data;
  size_t bytes;
};

// Everything a kernel call for one op needs besides operand data. Non-copyable (KernelArgs points into
// the owned vectors; moving keeps the vectors' buffers, so moves are safe).
struct PreparedOp {
  int op_index = -1;
  OpKind op_kind = OpKind::Conv2D;
  KernelArgs args{};

  // Operands in kernel order with the 4-D shape and element type the kernel sees them as
  // (build dense views with these shapes; see kernels/kernel.h for the mapping).
  std::vector<int> inputs;  // activation tensor ids (io.in[i])
  std::vector<Shape4> input_shapes;
  std::vector<ElemType> input_types;
  int weights = -1;  // constant weight tensor id (io.weights) or -1
  Shape4 weight_shape;
  ElemType weight_type = ElemType::Int8;
  int output = -1;
  Shape4 output_shape;
  ElemType output_type = ElemType::Int8;
  uint8_t partition_caps = 0;  // kPartitionRows | kPartitionChannels

  // Owned tables.
  std::vector<int32_t> multiplier, shift, bias, bias_sums, exp_lut;
  std::vector<uint8_t> lut8;
  std::vector<float> lut_f32;

  PreparedOp() = default;
  PreparedOp(const PreparedOp&) = delete;
  PreparedOp& operator=(const PreparedOp&) = delete;
  PreparedOp(PreparedOp&&) = default;
  PreparedOp& operator=(PreparedOp&&) = default;

  // Non-empty owned tables, each with its name, element type, address and size.
  std::vector<PreparedTable> tables() const;
};

ElemType elem_type_of(DType t);  // Int8/UInt8/Int16/Int32/Float32 (others map to Int8; prepare rejects them)
// The default 4-D view of a tensor shape (rank <= 4): see kernels/kernel.h.
Shape4 shape4_of(const std::vector<int>& shape);

// Validates the op and fills PreparedOp. Errors name the op index, op name, tensor and expected vs found.
Result<PreparedOp> prepare_op(const Graph& g, const Op& op);
Result<std::vector<PreparedOp>> prepare_graph(const Graph& g);

// KernelIO with dense views over whole tensors (input_data[i] for prepared.inputs[i]; weights = the
// constant tensor's bytes, looked up in g).
KernelIO dense_io(const Graph& g, const PreparedOp& prepared, const std::vector<const void*>& input_data,
                  void* output_data);

}  // namespace tinyops
