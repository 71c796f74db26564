#include "model/graph.h"

#include <set>

namespace tinyops {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Int32: return "int32";
    case DType::UInt8: return "uint8";
    case DType::Int8: return "int8";
    case DType::Int16: return "int16";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Int32: return 4;
    case DType::UInt8: return 1;
    case DType::Int8: return 1;
    case DType::Int16: return 2;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 1;
}

const char* op_name(OpKind k) {
  switch (k) {
    case OpKind::Conv2D: return "CONV_2D";
    case OpKind::DepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case OpKind::FullyConnected: return "FULLY_CONNECTED";
    case OpKind::Add: return "ADD";
    case OpKind::Mul: return "MUL";
    case OpKind::AveragePool2D: return "AVERAGE_POOL_2D";
    case OpKind::MaxPool2D: return "MAX_POOL_2D";
    case OpKind::Mean: return "MEAN";
    case OpKind::Pad: return "PAD";
    case OpKind::PadV2: return "PADV2";
    case OpKind::Reshape: return "RESHAPE";
    case OpKind::Squeeze: return "SQUEEZE";
    case OpKind::Transpose: return "TRANSPOSE";
    case OpKind::Concatenation: return "CONCATENATION";
    case OpKind::Softmax: return "SOFTMAX";
    case OpKind::Logistic: return "LOGISTIC";
    case OpKind::HardSwish: return "HARD_SWISH";
    case OpKind::Relu: return "RELU";
    case OpKind::Relu6: return "RELU6";
    case OpKind::Quantize: return "QUANTIZE";
    case OpKind::Dequantize: return "DEQUANTIZE";
  }
  return "?";
}

size_t Tensor::num_elements() const {
  size_t n = 1;
  for (int d : shape) n *= static_cast<size_t>(d < 0 ? 0 : d);
  return n;
}

int64_t op_macs(const Graph& g, const Op& op) {
  const Tensor& out = g.output(op);
  switch (op.kind) {
    case OpKind::Conv2D: {
      const Tensor& w = g.input(op, 1);  // [O, KH, KW, I]
      return static_cast<int64_t>(out.num_elements()) * w.dim(1) * w.dim(2) * w.dim(3);
    }
    case OpKind::DepthwiseConv2D: {
      const Tensor& w = g.input(op, 1);  // [1, KH, KW, C*M]
      return static_cast<int64_t>(out.num_elements()) * w.dim(1) * w.dim(2);
    }
    case OpKind::FullyConnected: {
      const Tensor& w = g.input(op, 1);  // [O, I]
      return static_cast<int64_t>(out.num_elements()) * w.dim(w.rank() - 1);
    }
    default:
      return 0;
  }
}

int64_t op_weight_bytes(const Graph& g, const Op& op) {
  int64_t bytes = 0;
  for (int id : op.inputs)
    if (id >= 0 && g.tensor(id).is_constant()) bytes += static_cast<int64_t>(g.tensor(id).bytes());
  return bytes;
}

int64_t graph_params(const Graph& g) {
  std::set<int> seen;
  int64_t n = 0;
  for (const Op& op : g.ops)
    for (int id : op.inputs)
      if (id >= 0 && g.tensor(id).is_constant() && seen.insert(id).second)
        n += static_cast<int64_t>(g.tensor(id).num_elements());
  return n;
}

int64_t graph_macs(const Graph& g) {
  int64_t n = 0;
  for (const Op& op : g.ops) n += op_macs(g, op);
  return n;
}

int64_t graph_weight_bytes(const Graph& g) {
  std::set<int> seen;
  int64_t n = 0;
  for (const Op& op : g.ops)
    for (int id : op.inputs)
      if (id >= 0 && g.tensor(id).is_constant() && seen.insert(id).second)
        n += static_cast<int64_t>(g.tensor(id).bytes());
  return n;
}

}  // namespace tinyops
