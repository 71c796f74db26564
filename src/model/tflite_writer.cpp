#include "model/tflite_writer.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "tflite_subset_generated.h"

namespace tinyops {
namespace {

namespace fb = flatbuffers;

tflite::TensorType to_tflite(DType t) {
  switch (t) {
    case DType::Float32: return tflite::TensorType::FLOAT32;
    case DType::Int32: return tflite::TensorType::INT32;
    case DType::UInt8: return tflite::TensorType::UINT8;
    case DType::Int8: return tflite::TensorType::INT8;
    case DType::Int16: return tflite::TensorType::INT16;
    case DType::Int64: return tflite::TensorType::INT64;
    case DType::Bool: return tflite::TensorType::BOOL;
  }
  return tflite::TensorType::INT8;
}

tflite::BuiltinOperator to_tflite(OpKind k) {
  using B = tflite::BuiltinOperator;
  switch (k) {
    case OpKind::Conv2D: return B::CONV_2D;
    case OpKind::DepthwiseConv2D: return B::DEPTHWISE_CONV_2D;
    case OpKind::FullyConnected: return B::FULLY_CONNECTED;
    case OpKind::Add: return B::ADD;
    case OpKind::Mul: return B::MUL;
    case OpKind::AveragePool2D: return B::AVERAGE_POOL_2D;
    case OpKind::MaxPool2D: return B::MAX_POOL_2D;
    case OpKind::Mean: return B::MEAN;
    case OpKind::Pad: return B::PAD;
    case OpKind::PadV2: return B::PADV2;
    case OpKind::Reshape: return B::RESHAPE;
    case OpKind::Squeeze: return B::SQUEEZE;
    case OpKind::Transpose: return B::TRANSPOSE;
    case OpKind::Concatenation: return B::CONCATENATION;
    case OpKind::Softmax: return B::SOFTMAX;
    case OpKind::Logistic: return B::LOGISTIC;
    case OpKind::HardSwish: return B::HARD_SWISH;
    case OpKind::Relu: return B::RELU;
    case OpKind::Relu6: return B::RELU6;
    case OpKind::Quantize: return B::QUANTIZE;
    case OpKind::Dequantize: return B::DEQUANTIZE;
  }
  return B::CUSTOM;
}

// Operator versions as the TFLite converter assigns them for the int8 variants we emit.
// Informational only: TFLM and our reader do not dispatch on them.
int op_version(const Graph& g, const Op& op) {
  const bool int8 = !op.inputs.empty() && op.inputs[0] >= 0 && g.tensor(op.inputs[0]).dtype == DType::Int8;
  switch (op.kind) {
    case OpKind::Conv2D: return int8 ? 3 : 1;
    case OpKind::DepthwiseConv2D: return int8 ? 3 : 1;
    case OpKind::FullyConnected: return int8 ? 4 : 1;
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::HardSwish: return 1;
    case OpKind::Quantize: return int8 ? 2 : 1;
    default: return int8 ? 2 : 1;
  }
}

tflite::ActivationFunctionType to_tflite(Activation a) {
  switch (a) {
    case Activation::None: return tflite::ActivationFunctionType::NONE;
    case Activation::Relu: return tflite::ActivationFunctionType::RELU;
    case Activation::ReluN1To1: return tflite::ActivationFunctionType::RELU_N1_TO_1;
    case Activation::Relu6: return tflite::ActivationFunctionType::RELU6;
  }
  return tflite::ActivationFunctionType::NONE;
}

tflite::Padding to_tflite(Padding p) {
  return p == Padding::Same ? tflite::Padding::SAME : tflite::Padding::VALID;
}

std::string op_label(const Op& op) {
  return "op " + std::to_string(op.index) + " (" + op_name(op.kind) + ")";
}

template <typename A>
bool holds(const Op& op) {
  return std::holds_alternative<A>(op.attrs);
}

// The attribute type each op kind needs; monostate is accepted where defaults are meaningful.
Status check_attrs(const Op& op) {
  bool ok = true;
  const char* want = "";
  switch (op.kind) {
    case OpKind::Conv2D:
    case OpKind::DepthwiseConv2D: ok = holds<ConvAttrs>(op); want = "ConvAttrs"; break;
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: ok = holds<PoolAttrs>(op); want = "PoolAttrs"; break;
    case OpKind::Mean: ok = holds<MeanAttrs>(op); want = "MeanAttrs"; break;
    case OpKind::Pad:
    case OpKind::PadV2: ok = holds<PadAttrs>(op); want = "PadAttrs"; break;
    case OpKind::Transpose: ok = holds<TransposeAttrs>(op); want = "TransposeAttrs"; break;
    case OpKind::Concatenation: ok = holds<ConcatAttrs>(op); want = "ConcatAttrs"; break;
    case OpKind::FullyConnected:
      ok = holds<FullyConnectedAttrs>(op) || holds<std::monostate>(op); want = "FullyConnectedAttrs"; break;
    case OpKind::Add:
    case OpKind::Mul:
      ok = holds<ElementwiseAttrs>(op) || holds<std::monostate>(op); want = "ElementwiseAttrs"; break;
    case OpKind::Softmax: ok = holds<SoftmaxAttrs>(op) || holds<std::monostate>(op); want = "SoftmaxAttrs"; break;
    default: break;
  }
  if (!ok) return Error{op_label(op) + ": expected attributes " + want + ", found variant index " +
                        std::to_string(op.attrs.index())};
  return ok_status();
}

Status check_graph(const Graph& g) {
  const int n = static_cast<int>(g.tensors.size());
  for (int i = 0; i < n; ++i) {
    const Tensor& t = g.tensors[static_cast<size_t>(i)];
    if (t.id != i)
      return Error{"tensor " + std::to_string(i) + " '" + t.name + "': expected id " + std::to_string(i) +
                   ", found " + std::to_string(t.id)};
    if (t.is_constant() && t.data_size != t.bytes())
      return Error{"tensor " + std::to_string(i) + " '" + t.name + "': constant data of " +
                   std::to_string(t.data_size) + " bytes, expected " + std::to_string(t.bytes()) +
                   " for its shape and dtype"};
    if (t.quant.zero_points.size() > 1 && t.quant.zero_points.size() != t.quant.scales.size())
      return Error{"tensor " + std::to_string(i) + " '" + t.name + "': " +
                   std::to_string(t.quant.scales.size()) + " scales but " +
                   std::to_string(t.quant.zero_points.size()) + " zero points"};
  }
  auto check_id = [&](int id, bool optional, const std::string& where) -> Status {
    if ((optional && id == -1) || (id >= 0 && id < n)) return ok_status();
    return Error{where + ": tensor id " + std::to_string(id) + " out of range [0, " + std::to_string(n) + ")"};
  };
  for (int id : g.inputs)
    if (auto s = check_id(id, false, "graph input"); !s) return s;
  for (int id : g.outputs)
    if (auto s = check_id(id, false, "graph output"); !s) return s;
  for (const Op& op : g.ops) {
    for (int id : op.inputs)
      if (auto s = check_id(id, true, op_label(op) + " input"); !s) return s;
    if (op.outputs.empty()) return Error{op_label(op) + ": expected at least 1 output, found 0"};
    for (int id : op.outputs)
      if (auto s = check_id(id, false, op_label(op) + " output"); !s) return s;
    if (auto s = check_attrs(op); !s) return s;
    const bool needs_data_input = op.kind != OpKind::Concatenation;
    if (needs_data_input && (op.inputs.empty() || op.inputs[0] < 0))
      return Error{op_label(op) + ": expected a data input, found none"};
    if (op.kind == OpKind::Pad || op.kind == OpKind::PadV2) {
      const auto& a = op.attr<PadAttrs>();
      const int rank = g.input(op, 0).rank();
      if (static_cast<int>(a.before.size()) != rank || static_cast<int>(a.after.size()) != rank)
        return Error{op_label(op) + ": paddings for " + std::to_string(a.before.size()) + "/" +
                     std::to_string(a.after.size()) + " dimensions, expected " + std::to_string(rank) +
                     " (rank of input '" + g.input(op, 0).name + "')"};
    }
  }
  return ok_status();
}

class Writer {
 public:
  explicit Writer(const Graph& g) : g_(g) {}

  std::vector<uint8_t> run() {
    // Buffer 0 is the empty sentinel every non-constant tensor points at.
    buffers_.push_back(tflite::CreateBuffer(fbb_));
    for (const Tensor& t : g_.tensors) tensors_.push_back(make_tensor(t));
    std::vector<fb::Offset<tflite::Operator>> ops;
    for (const Op& op : g_.ops) ops.push_back(make_op(op));

    auto subgraph = tflite::CreateSubGraph(fbb_, fbb_.CreateVector(tensors_), fbb_.CreateVector(g_.inputs),
                                           fbb_.CreateVector(g_.outputs), fbb_.CreateVector(ops),
                                           fbb_.CreateString("main"));
    std::vector<fb::Offset<tflite::OperatorCode>> codes;
    for (const auto& [code, version] : codes_)
      codes.push_back(tflite::CreateOperatorCode(fbb_, static_cast<int8_t>(std::min(static_cast<int>(code), 127)),
                                                 0, version, code));
    const std::string desc = g_.description.empty() ? std::string("TinyOps") : g_.description;
    auto model = tflite::CreateModel(fbb_, 3, fbb_.CreateVector(codes), fbb_.CreateVector(&subgraph, 1),
                                     fbb_.CreateString(desc), fbb_.CreateVector(buffers_));
    tflite::FinishModelBuffer(fbb_, model);
    return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
  }

 private:
  uint32_t add_buffer(const uint8_t* data, size_t size) {
    fbb_.ForceVectorAlignment(size, sizeof(uint8_t), 16);
    auto vec = fbb_.CreateVector(data, size);
    buffers_.push_back(tflite::CreateBuffer(fbb_, vec));
    return static_cast<uint32_t>(buffers_.size() - 1);
  }

  fb::Offset<tflite::QuantizationParameters> make_quant(const Quant& q) {
    if (!q.present()) return 0;
    std::vector<int64_t> zps = q.zero_points;
    if (zps.empty()) zps.assign(q.scales.size(), 0);
    return tflite::CreateQuantizationParameters(fbb_, 0, 0, fbb_.CreateVector(q.scales), fbb_.CreateVector(zps),
                                                q.axis);
  }

  fb::Offset<tflite::Tensor> make_tensor(const Tensor& t) {
    const uint32_t buffer = t.is_constant() ? add_buffer(t.data, t.data_size) : 0;
    return tflite::CreateTensor(fbb_, fbb_.CreateVector(t.shape), to_tflite(t.dtype), buffer,
                                fbb_.CreateString(t.name), make_quant(t.quant));
  }

  // Appends a constant tensor (for operands the IR keeps as attributes); returns its id.
  int add_const(const std::string& name, DType dtype, const std::vector<int>& shape, const void* data,
                size_t size, const Quant& quant = {}) {
    const uint32_t buffer = add_buffer(static_cast<const uint8_t*>(data), size);
    tensors_.push_back(tflite::CreateTensor(fbb_, fbb_.CreateVector(shape), to_tflite(dtype), buffer,
                                            fbb_.CreateString(name), make_quant(quant)));
    return static_cast<int>(tensors_.size() - 1);
  }

  int add_int32(const std::string& name, const std::vector<int>& shape, const std::vector<int32_t>& values) {
    return add_const(name, DType::Int32, shape, values.data(), values.size() * sizeof(int32_t));
  }

  uint32_t opcode_index(tflite::BuiltinOperator code, int version) {
    const auto key = std::make_pair(code, version);
    auto it = std::find(codes_.begin(), codes_.end(), key);
    if (it == codes_.end()) it = codes_.insert(codes_.end(), key);
    return static_cast<uint32_t>(it - codes_.begin());
  }

  std::string extra_name(const Op& op, const char* what) const {
    const std::string base = g_.output(op).name.empty() ? std::string(op_name(op.kind)) : g_.output(op).name;
    return base + "/" + what;
  }

  fb::Offset<tflite::Operator> make_op(const Op& op) {
    std::vector<int> inputs = op.inputs;
    tflite::BuiltinOptions type = tflite::BuiltinOptions::NONE;
    fb::Offset<void> options = 0;
    switch (op.kind) {
      case OpKind::Conv2D: {
        const auto& a = op.attr<ConvAttrs>();
        type = tflite::BuiltinOptions::Conv2DOptions;
        options = tflite::CreateConv2DOptions(fbb_, to_tflite(a.padding), a.stride_w, a.stride_h,
                                              to_tflite(a.activation), a.dilation_w, a.dilation_h)
                      .Union();
        break;
      }
      case OpKind::DepthwiseConv2D: {
        const auto& a = op.attr<ConvAttrs>();
        type = tflite::BuiltinOptions::DepthwiseConv2DOptions;
        options = tflite::CreateDepthwiseConv2DOptions(fbb_, to_tflite(a.padding), a.stride_w, a.stride_h,
                                                       a.depth_multiplier, to_tflite(a.activation), a.dilation_w,
                                                       a.dilation_h)
                      .Union();
        break;
      }
      case OpKind::AveragePool2D:
      case OpKind::MaxPool2D: {
        const auto& a = op.attr<PoolAttrs>();
        type = tflite::BuiltinOptions::Pool2DOptions;
        options = tflite::CreatePool2DOptions(fbb_, to_tflite(a.padding), a.stride_w, a.stride_h, a.filter_w,
                                              a.filter_h, to_tflite(a.activation))
                      .Union();
        break;
      }
      case OpKind::FullyConnected: {
        FullyConnectedAttrs a;
        if (holds<FullyConnectedAttrs>(op)) a = op.attr<FullyConnectedAttrs>();
        type = tflite::BuiltinOptions::FullyConnectedOptions;
        options = tflite::CreateFullyConnectedOptions(fbb_, to_tflite(a.activation),
                                                      tflite::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                                      a.keep_num_dims)
                      .Union();
        break;
      }
      case OpKind::Add:
      case OpKind::Mul: {
        ElementwiseAttrs a;
        if (holds<ElementwiseAttrs>(op)) a = op.attr<ElementwiseAttrs>();
        if (op.kind == OpKind::Add) {
          type = tflite::BuiltinOptions::AddOptions;
          options = tflite::CreateAddOptions(fbb_, to_tflite(a.activation)).Union();
        } else {
          type = tflite::BuiltinOptions::MulOptions;
          options = tflite::CreateMulOptions(fbb_, to_tflite(a.activation)).Union();
        }
        break;
      }
      case OpKind::Concatenation: {
        const auto& a = op.attr<ConcatAttrs>();
        type = tflite::BuiltinOptions::ConcatenationOptions;
        options = tflite::CreateConcatenationOptions(fbb_, a.axis, to_tflite(a.activation)).Union();
        break;
      }
      case OpKind::Softmax: {
        SoftmaxAttrs a;
        if (holds<SoftmaxAttrs>(op)) a = op.attr<SoftmaxAttrs>();
        type = tflite::BuiltinOptions::SoftmaxOptions;
        options = tflite::CreateSoftmaxOptions(fbb_, a.beta).Union();
        break;
      }
      case OpKind::Mean: {
        const auto& a = op.attr<MeanAttrs>();
        std::vector<int32_t> axes(a.axes.begin(), a.axes.end());
        inputs.resize(1);
        inputs.push_back(add_int32(extra_name(op, "axes"), {static_cast<int>(axes.size())}, axes));
        type = tflite::BuiltinOptions::ReducerOptions;
        options = tflite::CreateReducerOptions(fbb_, a.keep_dims).Union();
        break;
      }
      case OpKind::Pad:
      case OpKind::PadV2: {
        const auto& a = op.attr<PadAttrs>();
        std::vector<int32_t> paddings;
        for (size_t d = 0; d < a.before.size(); ++d) {
          paddings.push_back(a.before[d]);
          paddings.push_back(a.after[d]);
        }
        inputs.resize(1);
        inputs.push_back(
            add_int32(extra_name(op, "paddings"), {static_cast<int>(a.before.size()), 2}, paddings));
        if (op.kind == OpKind::PadV2) {
          // constant_values: one element of the data type, quantized like the output.
          const Tensor& out = g_.output(op);
          uint8_t bytes[8] = {};
          const size_t size = dtype_size(out.dtype);
          if (out.dtype == DType::Int8) {
            const int8_t v = static_cast<int8_t>(a.pad_value);
            std::memcpy(bytes, &v, 1);
          } else if (out.dtype == DType::UInt8) {
            bytes[0] = static_cast<uint8_t>(a.pad_value);
          } else if (out.dtype == DType::Int16) {
            const int16_t v = static_cast<int16_t>(a.pad_value);
            std::memcpy(bytes, &v, 2);
          } else if (out.dtype == DType::Float32) {
            const float v = static_cast<float>(a.pad_value);
            std::memcpy(bytes, &v, 4);
          } else {
            const int32_t v = a.pad_value;
            std::memcpy(bytes, &v, std::min<size_t>(size, 4));
          }
          inputs.push_back(add_const(extra_name(op, "constant_values"), out.dtype, {1}, bytes, size, out.quant));
          type = tflite::BuiltinOptions::PadV2Options;
          options = tflite::CreatePadV2Options(fbb_).Union();
        } else {
          type = tflite::BuiltinOptions::PadOptions;
          options = tflite::CreatePadOptions(fbb_).Union();
        }
        break;
      }
      case OpKind::Transpose: {
        const auto& a = op.attr<TransposeAttrs>();
        std::vector<int32_t> perm(a.perm.begin(), a.perm.end());
        inputs.resize(1);
        inputs.push_back(add_int32(extra_name(op, "perm"), {static_cast<int>(perm.size())}, perm));
        type = tflite::BuiltinOptions::TransposeOptions;
        options = tflite::CreateTransposeOptions(fbb_).Union();
        break;
      }
      case OpKind::Reshape: {
        const std::vector<int32_t> shape(g_.output(op).shape.begin(), g_.output(op).shape.end());
        inputs.resize(1);
        inputs.push_back(add_int32(extra_name(op, "shape"), {static_cast<int>(shape.size())}, shape));
        type = tflite::BuiltinOptions::ReshapeOptions;
        options = tflite::CreateReshapeOptions(fbb_, fbb_.CreateVector(shape)).Union();
        break;
      }
      case OpKind::Squeeze: {
        // squeeze_dims: the size-1 input dimensions absent from the output.
        const auto& in = g_.input(op, 0).shape;
        const auto& out = g_.output(op).shape;
        std::vector<int32_t> dims;
        size_t j = 0;
        for (size_t d = 0; d < in.size(); ++d) {
          if (j < out.size() && in[d] == out[j]) {
            ++j;
          } else {
            dims.push_back(static_cast<int32_t>(d));
          }
        }
        type = tflite::BuiltinOptions::SqueezeOptions;
        options = tflite::CreateSqueezeOptions(fbb_, fbb_.CreateVector(dims)).Union();
        break;
      }
      case OpKind::Quantize:
        type = tflite::BuiltinOptions::QuantizeOptions;
        options = tflite::CreateQuantizeOptions(fbb_).Union();
        break;
      case OpKind::Dequantize:
        type = tflite::BuiltinOptions::DequantizeOptions;
        options = tflite::CreateDequantizeOptions(fbb_).Union();
        break;
      case OpKind::HardSwish:
        type = tflite::BuiltinOptions::HardSwishOptions;
        options = tflite::CreateHardSwishOptions(fbb_).Union();
        break;
      case OpKind::Logistic:
      case OpKind::Relu:
      case OpKind::Relu6:
        break;
    }
    const uint32_t code = opcode_index(to_tflite(op.kind), op_version(g_, op));
    return tflite::CreateOperator(fbb_, code, fbb_.CreateVector(inputs), fbb_.CreateVector(op.outputs), type,
                                  options);
  }

  const Graph& g_;
  fb::FlatBufferBuilder fbb_{1 << 16};
  std::vector<fb::Offset<tflite::Buffer>> buffers_;
  std::vector<fb::Offset<tflite::Tensor>> tensors_;
  std::vector<std::pair<tflite::BuiltinOperator, int>> codes_;  // operator codes in first-use order
};

}  // namespace

Result<std::vector<uint8_t>> write_tflite_checked(const Graph& g) {
  if (auto s = check_graph(g); !s) return s.error();
  return Writer(g).run();
}

std::vector<uint8_t> write_tflite(const Graph& g) {
  auto r = write_tflite_checked(g);
  if (!r) throw std::invalid_argument("write_tflite: " + r.error().message);
  return std::move(r).value();
}

Status save_tflite(const Graph& g, const std::string& path) {
  auto bytes = write_tflite_checked(g);
  if (!bytes) return bytes.error();
  std::ofstream f(path, std::ios::binary);
  if (!f) return Error{"cannot open '" + path + "' for writing"};
  f.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  if (!f) return Error{"cannot write " + std::to_string(bytes->size()) + " bytes to '" + path + "'"};
  return ok_status();
}

}  // namespace tinyops
