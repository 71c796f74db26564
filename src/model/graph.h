// The TinyOps graph IR: tensors and ops, independent of the .tflite format.
// Every stage after import (planner, runtime, simulator, exporter) reads only this.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace tinyops {

enum class DType : uint8_t { Float32, Int32, UInt8, Int8, Int16, Int64, Bool };
const char* dtype_name(DType t);
size_t dtype_size(DType t);

// Quantization: real = scale * (q - zero_point). Per-channel when scales.size() > 1, along `axis`.
struct Quant {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int axis = 0;
  bool present() const { return !scales.empty(); }
  bool per_channel() const { return scales.size() > 1; }
  float scale() const { return scales.empty() ? 0.0f : scales[0]; }
  int32_t zero_point() const { return zero_points.empty() ? 0 : static_cast<int32_t>(zero_points[0]); }
};

struct Tensor {
  int id = -1;
  std::string name;
  DType dtype = DType::Int8;
  std::vector<int> shape;  // NHWC for 4-D activations; OHWI for conv weights; [1,H,W,C*M] depthwise
  Quant quant;
  // Constant data: a span into the model bytes owned by the Graph (never copied), or null.
  const uint8_t* data = nullptr;
  size_t data_size = 0;

  bool is_constant() const { return data != nullptr; }
  size_t num_elements() const;
  size_t bytes() const { return num_elements() * dtype_size(dtype); }
  int dim(int i) const { return shape[static_cast<size_t>(i)]; }
  int rank() const { return static_cast<int>(shape.size()); }
};

enum class OpKind : uint8_t {
  Conv2D,
  DepthwiseConv2D,
  FullyConnected,
  Add,
  Mul,
  AveragePool2D,
  MaxPool2D,
  Mean,
  Pad,
  PadV2,
  Reshape,
  Squeeze,
  Transpose,
  Concatenation,
  Softmax,
  Logistic,
  HardSwish,
  Relu,
  Relu6,
  Quantize,
  Dequantize,
};
const char* op_name(OpKind k);  // TFLite spelling, e.g. "CONV_2D"

enum class Activation : uint8_t { None, Relu, ReluN1To1, Relu6 };
enum class Padding : uint8_t { Same, Valid };

struct ConvAttrs {  // CONV_2D and DEPTHWISE_CONV_2D
  Padding padding = Padding::Same;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int depth_multiplier = 1;  // depthwise only
  Activation activation = Activation::None;
};
struct PoolAttrs {
  Padding padding = Padding::Valid;
  int stride_h = 1, stride_w = 1;
  int filter_h = 1, filter_w = 1;
  Activation activation = Activation::None;
};
struct FullyConnectedAttrs {
  Activation activation = Activation::None;
  bool keep_num_dims = false;
};
struct ElementwiseAttrs {  // ADD, MUL
  Activation activation = Activation::None;
};
struct ConcatAttrs {
  int axis = 0;  // normalised to [0, rank)
  Activation activation = Activation::None;
};
struct SoftmaxAttrs {
  float beta = 1.0f;
};
struct MeanAttrs {
  bool keep_dims = false;
  std::vector<int> axes;  // normalised, sorted
};
struct PadAttrs {
  std::vector<int> before, after;  // per dimension
  int32_t pad_value = 0;           // quantized fill value (PAD: the output zero point)
};
struct TransposeAttrs {
  std::vector<int> perm;
};

using OpAttrs = std::variant<std::monostate, ConvAttrs, PoolAttrs, FullyConnectedAttrs, ElementwiseAttrs,
                             ConcatAttrs, SoftmaxAttrs, MeanAttrs, PadAttrs, TransposeAttrs>;

struct Op {
  int index = -1;
  OpKind kind = OpKind::Conv2D;
  std::vector<int> inputs;   // tensor ids; -1 = optional input absent (e.g. no bias)
  std::vector<int> outputs;  // tensor ids
  OpAttrs attrs;

  template <typename A>
  const A& attr() const { return std::get<A>(attrs); }
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Op> ops;  // in execution order
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::string description;
  // The model file bytes that constant tensors point into.
  std::shared_ptr<const std::vector<uint8_t>> storage;

  const Tensor& tensor(int id) const { return tensors[static_cast<size_t>(id)]; }
  const Tensor& input(const Op& op, size_t i) const { return tensor(op.inputs[i]); }
  const Tensor& output(const Op& op, size_t i = 0) const { return tensor(op.outputs[i]); }
  bool has_input(const Op& op, size_t i) const { return i < op.inputs.size() && op.inputs[i] >= 0; }
};

// Multiply-accumulate count of one op (0 for data-movement ops), as commonly reported for CNNs.
int64_t op_macs(const Graph& g, const Op& op);
// Bytes of constant tensors (weights, biases) an op reads.
int64_t op_weight_bytes(const Graph& g, const Op& op);
// Number of parameters (elements of constant tensors, each counted once over the graph).
int64_t graph_params(const Graph& g);
int64_t graph_macs(const Graph& g);
int64_t graph_weight_bytes(const Graph& g);

}  // namespace tinyops
