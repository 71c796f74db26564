#include "model/tflite_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "tflite_subset_generated.h"

namespace tinyops {
namespace {

constexpr size_t kMaxRank = 6;
constexpr int64_t kMaxDim = 1 << 24;

Error fail(std::string msg) { return Error{std::move(msg)}; }

Result<DType> convert_dtype(tflite::TensorType t, const std::string& tensor) {
  switch (t) {
    case tflite::TensorType::FLOAT32: return DType::Float32;
    case tflite::TensorType::INT32: return DType::Int32;
    case tflite::TensorType::UINT8: return DType::UInt8;
    case tflite::TensorType::INT8: return DType::Int8;
    case tflite::TensorType::INT16: return DType::Int16;
    case tflite::TensorType::INT64: return DType::Int64;
    case tflite::TensorType::BOOL: return DType::Bool;
    default:
      return fail(fmt::format("tensor '{}': unsupported dtype {} ({})", tensor, tflite::EnumNameTensorType(t),
                              static_cast<int>(t)));
  }
}

Activation convert_activation(tflite::ActivationFunctionType a, bool* ok) {
  *ok = true;
  switch (a) {
    case tflite::ActivationFunctionType::NONE: return Activation::None;
    case tflite::ActivationFunctionType::RELU: return Activation::Relu;
    case tflite::ActivationFunctionType::RELU_N1_TO_1: return Activation::ReluN1To1;
    case tflite::ActivationFunctionType::RELU6: return Activation::Relu6;
    default: *ok = false; return Activation::None;
  }
}

Padding convert_padding(tflite::Padding p) { return p == tflite::Padding::VALID ? Padding::Valid : Padding::Same; }

struct OpContext {
  int index;
  const char* name;
  std::string where() const { return fmt::format("op {} ({})", index, name); }
};

// Reads a small constant int32/int64 tensor (axes, paddings, perm) into a vector.
Result<std::vector<int64_t>> read_const_ints(const Graph& g, int id, const OpContext& ctx, const char* what) {
  if (id < 0) return fail(fmt::format("{}: missing {} operand", ctx.where(), what));
  const Tensor& t = g.tensor(id);
  if (!t.is_constant())
    return fail(fmt::format("{}: {} tensor '{}' must be constant (dynamic shapes are not supported)", ctx.where(),
                            what, t.name));
  std::vector<int64_t> v(t.num_elements());
  if (t.dtype == DType::Int32) {
    for (size_t i = 0; i < v.size(); ++i) {
      int32_t x;
      std::copy_n(t.data + 4 * i, 4, reinterpret_cast<uint8_t*>(&x));
      v[i] = x;
    }
  } else if (t.dtype == DType::Int64) {
    for (size_t i = 0; i < v.size(); ++i) {
      int64_t x;
      std::copy_n(t.data + 8 * i, 8, reinterpret_cast<uint8_t*>(&x));
      v[i] = x;
    }
  } else {
    return fail(fmt::format("{}: {} tensor '{}' has dtype {}, expected int32 or int64", ctx.where(), what, t.name,
                            dtype_name(t.dtype)));
  }
  return v;
}

template <typename OptionsT>
const OptionsT* options_or_null(const tflite::Operator* op) {
  return op->builtin_options_as<OptionsT>();
}

// Checks operand counts and fills typed attributes; normalises constant operands into attrs.
Status convert_op(Graph& g, const tflite::Operator* fop, tflite::BuiltinOperator code, Op& op) {
  OpContext ctx{op.index, op_name(op.kind)};
  auto need_inputs = [&](size_t lo, size_t hi) -> Status {
    if (op.inputs.size() < lo || op.inputs.size() > hi)
      return fail(fmt::format("{}: expected {}{} inputs, found {}", ctx.where(), lo,
                              hi == lo ? "" : fmt::format("..{}", hi), op.inputs.size()));
    for (size_t i = 0; i < lo; ++i)
      if (op.inputs[i] < 0) return fail(fmt::format("{}: required input {} is missing", ctx.where(), i));
    return ok_status();
  };
  auto act_of = [&](tflite::ActivationFunctionType a) -> Result<Activation> {
    bool ok = false;
    Activation r = convert_activation(a, &ok);
    if (!ok)
      return fail(fmt::format("{}: unsupported fused activation {}", ctx.where(),
                              tflite::EnumNameActivationFunctionType(a)));
    return r;
  };
#define TRY(expr)                          \
  do {                                     \
    auto _s = (expr);                      \
    if (!_s.ok()) return _s.error();       \
  } while (0)
#define TRY_ASSIGN(var, expr)              \
  auto var##_r = (expr);                   \
  if (!var##_r.ok()) return var##_r.error(); \
  auto var = std::move(var##_r.value())

  if (op.outputs.size() != 1 && op.kind != OpKind::Concatenation)
    return fail(fmt::format("{}: expected 1 output, found {}", ctx.where(), op.outputs.size()));
  if (op.outputs.empty()) return fail(fmt::format("{}: has no outputs", ctx.where()));

  switch (op.kind) {
    case OpKind::Conv2D: {
      TRY(need_inputs(2, 3));
      const auto* o = options_or_null<tflite::Conv2DOptions>(fop);
      ConvAttrs a;
      if (o) {
        a.padding = convert_padding(o->padding());
        a.stride_w = o->stride_w();
        a.stride_h = o->stride_h();
        a.dilation_w = o->dilation_w_factor();
        a.dilation_h = o->dilation_h_factor();
        TRY_ASSIGN(act, act_of(o->fused_activation_function()));
        a.activation = act;
      }
      op.attrs = a;
      break;
    }
    case OpKind::DepthwiseConv2D: {
      TRY(need_inputs(2, 3));
      const auto* o = options_or_null<tflite::DepthwiseConv2DOptions>(fop);
      ConvAttrs a;
      if (o) {
        a.padding = convert_padding(o->padding());
        a.stride_w = o->stride_w();
        a.stride_h = o->stride_h();
        a.dilation_w = o->dilation_w_factor();
        a.dilation_h = o->dilation_h_factor();
        a.depth_multiplier = o->depth_multiplier();
        TRY_ASSIGN(act, act_of(o->fused_activation_function()));
        a.activation = act;
      }
      // depth_multiplier in the options is advisory in newer models: derive it from the shapes.
      const Tensor& in = g.tensor(op.inputs[0]);
      const Tensor& w = g.tensor(op.inputs[1]);
      if (in.rank() == 4 && w.rank() == 4 && in.dim(3) > 0) a.depth_multiplier = w.dim(3) / in.dim(3);
      op.attrs = a;
      break;
    }
    case OpKind::FullyConnected: {
      TRY(need_inputs(2, 3));
      const auto* o = options_or_null<tflite::FullyConnectedOptions>(fop);
      FullyConnectedAttrs a;
      if (o) {
        if (o->weights_format() != tflite::FullyConnectedOptionsWeightsFormat::DEFAULT)
          return fail(fmt::format("{}: shuffled weights format is not supported", ctx.where()));
        TRY_ASSIGN(act, act_of(o->fused_activation_function()));
        a.activation = act;
        a.keep_num_dims = o->keep_num_dims();
      }
      op.attrs = a;
      break;
    }
    case OpKind::Add:
    case OpKind::Mul: {
      TRY(need_inputs(2, 2));
      ElementwiseAttrs a;
      if (op.kind == OpKind::Add) {
        if (const auto* o = options_or_null<tflite::AddOptions>(fop)) {
          TRY_ASSIGN(act, act_of(o->fused_activation_function()));
          a.activation = act;
        }
      } else if (const auto* o = options_or_null<tflite::MulOptions>(fop)) {
        TRY_ASSIGN(act, act_of(o->fused_activation_function()));
        a.activation = act;
      }
      op.attrs = a;
      break;
    }
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: {
      TRY(need_inputs(1, 1));
      const auto* o = options_or_null<tflite::Pool2DOptions>(fop);
      if (!o) return fail(fmt::format("{}: missing Pool2DOptions", ctx.where()));
      PoolAttrs a;
      a.padding = convert_padding(o->padding());
      a.stride_w = o->stride_w();
      a.stride_h = o->stride_h();
      a.filter_w = o->filter_width();
      a.filter_h = o->filter_height();
      TRY_ASSIGN(act, act_of(o->fused_activation_function()));
      a.activation = act;
      op.attrs = a;
      break;
    }
    case OpKind::Mean: {
      TRY(need_inputs(2, 2));
      MeanAttrs a;
      if (const auto* o = options_or_null<tflite::ReducerOptions>(fop)) a.keep_dims = o->keep_dims();
      TRY_ASSIGN(axes, read_const_ints(g, op.inputs[1], ctx, "axis"));
      const int rank = g.tensor(op.inputs[0]).rank();
      for (int64_t ax : axes) {
        int64_t n = ax < 0 ? ax + rank : ax;
        if (n < 0 || n >= rank)
          return fail(fmt::format("{}: axis {} out of range for rank {}", ctx.where(), ax, rank));
        if (std::find(a.axes.begin(), a.axes.end(), static_cast<int>(n)) == a.axes.end())
          a.axes.push_back(static_cast<int>(n));
      }
      std::sort(a.axes.begin(), a.axes.end());
      op.inputs.resize(1);
      op.attrs = a;
      break;
    }
    case OpKind::Pad:
    case OpKind::PadV2: {
      TRY(need_inputs(2, op.kind == OpKind::PadV2 ? 3 : 2));
      PadAttrs a;
      TRY_ASSIGN(pads, read_const_ints(g, op.inputs[1], ctx, "paddings"));
      const Tensor& pt = g.tensor(op.inputs[1]);
      const int rank = g.tensor(op.inputs[0]).rank();
      if (pt.rank() != 2 || pt.dim(0) != rank || pt.dim(1) != 2)
        return fail(fmt::format("{}: paddings tensor '{}' must have shape [{},2]", ctx.where(), pt.name, rank));
      for (int d = 0; d < rank; ++d) {
        int64_t b = pads[static_cast<size_t>(2 * d)], e = pads[static_cast<size_t>(2 * d + 1)];
        if (b < 0 || e < 0 || b > kMaxDim || e > kMaxDim)
          return fail(fmt::format("{}: invalid padding [{}, {}] in dimension {}", ctx.where(), b, e, d));
        a.before.push_back(static_cast<int>(b));
        a.after.push_back(static_cast<int>(e));
      }
      const Tensor& out = g.tensor(op.outputs[0]);
      a.pad_value = out.quant.zero_point();
      if (op.kind == OpKind::PadV2 && op.inputs.size() == 3 && op.inputs[2] >= 0) {
        const Tensor& cv = g.tensor(op.inputs[2]);
        if (!cv.is_constant() || cv.num_elements() != 1 || (cv.dtype != DType::Int8 && cv.dtype != DType::UInt8))
          return fail(fmt::format("{}: constant_values '{}' must be one constant int8/uint8 value", ctx.where(),
                                  cv.name));
        a.pad_value = cv.dtype == DType::Int8 ? static_cast<int8_t>(cv.data[0]) : cv.data[0];
      }
      op.inputs.resize(1);
      op.attrs = a;
      break;
    }
    case OpKind::Transpose: {
      TRY(need_inputs(2, 2));
      TRY_ASSIGN(perm, read_const_ints(g, op.inputs[1], ctx, "perm"));
      const int rank = g.tensor(op.inputs[0]).rank();
      TransposeAttrs a;
      std::vector<bool> seen(static_cast<size_t>(rank), false);
      if (static_cast<int>(perm.size()) != rank)
        return fail(fmt::format("{}: perm has {} entries, input rank is {}", ctx.where(), perm.size(), rank));
      for (int64_t p : perm) {
        if (p < 0 || p >= rank || seen[static_cast<size_t>(p)])
          return fail(fmt::format("{}: perm is not a permutation of 0..{}", ctx.where(), rank - 1));
        seen[static_cast<size_t>(p)] = true;
        a.perm.push_back(static_cast<int>(p));
      }
      op.inputs.resize(1);
      op.attrs = a;
      break;
    }
    case OpKind::Reshape:
    case OpKind::Squeeze:
      TRY(need_inputs(1, 2));
      op.inputs.resize(1);
      break;
    case OpKind::Concatenation: {
      if (op.inputs.empty()) return fail(fmt::format("{}: has no inputs", ctx.where()));
      if (op.outputs.size() != 1)
        return fail(fmt::format("{}: expected 1 output, found {}", ctx.where(), op.outputs.size()));
      for (size_t i = 0; i < op.inputs.size(); ++i)
        if (op.inputs[i] < 0) return fail(fmt::format("{}: input {} is missing", ctx.where(), i));
      ConcatAttrs a;
      const int rank = g.tensor(op.outputs[0]).rank();
      if (const auto* o = options_or_null<tflite::ConcatenationOptions>(fop)) {
        int ax = o->axis() < 0 ? o->axis() + rank : o->axis();
        if (ax < 0 || ax >= rank)
          return fail(fmt::format("{}: axis {} out of range for rank {}", ctx.where(), o->axis(), rank));
        a.axis = ax;
        TRY_ASSIGN(act, act_of(o->fused_activation_function()));
        a.activation = act;
      }
      op.attrs = a;
      break;
    }
    case OpKind::Softmax: {
      TRY(need_inputs(1, 1));
      SoftmaxAttrs a;
      if (const auto* o = options_or_null<tflite::SoftmaxOptions>(fop)) a.beta = o->beta();
      op.attrs = a;
      break;
    }
    case OpKind::Logistic:
    case OpKind::HardSwish:
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Quantize:
    case OpKind::Dequantize:
      TRY(need_inputs(1, 1));
      break;
  }
  (void)code;
  return ok_status();
#undef TRY
#undef TRY_ASSIGN
}

bool map_builtin(tflite::BuiltinOperator code, OpKind* kind) {
  using B = tflite::BuiltinOperator;
  switch (code) {
    case B::CONV_2D: *kind = OpKind::Conv2D; return true;
    case B::DEPTHWISE_CONV_2D: *kind = OpKind::DepthwiseConv2D; return true;
    case B::FULLY_CONNECTED: *kind = OpKind::FullyConnected; return true;
    case B::ADD: *kind = OpKind::Add; return true;
    case B::MUL: *kind = OpKind::Mul; return true;
    case B::AVERAGE_POOL_2D: *kind = OpKind::AveragePool2D; return true;
    case B::MAX_POOL_2D: *kind = OpKind::MaxPool2D; return true;
    case B::MEAN: *kind = OpKind::Mean; return true;
    case B::PAD: *kind = OpKind::Pad; return true;
    case B::PADV2: *kind = OpKind::PadV2; return true;
    case B::RESHAPE: *kind = OpKind::Reshape; return true;
    case B::SQUEEZE: *kind = OpKind::Squeeze; return true;
    case B::TRANSPOSE: *kind = OpKind::Transpose; return true;
    case B::CONCATENATION: *kind = OpKind::Concatenation; return true;
    case B::SOFTMAX: *kind = OpKind::Softmax; return true;
    case B::LOGISTIC: *kind = OpKind::Logistic; return true;
    case B::HARD_SWISH: *kind = OpKind::HardSwish; return true;
    case B::RELU: *kind = OpKind::Relu; return true;
    case B::RELU6: *kind = OpKind::Relu6; return true;
    case B::QUANTIZE: *kind = OpKind::Quantize; return true;
    case B::DEQUANTIZE: *kind = OpKind::Dequantize; return true;
    default: return false;
  }
}

// Upstream BuiltinOperator names by code, for error messages about ops we do not support.
constexpr const char* kBuiltinNames[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE",
    "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
    "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
    "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN",
    "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN",
    "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
    "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL",
    "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL",
    "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD",
    "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
    "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
    "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE",
    "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE",
    "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE",
    "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM",
    "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D",
    "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
    "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU",
    "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX",
    "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT",
};

std::string builtin_name(int32_t code) {
  constexpr int32_t count = static_cast<int32_t>(sizeof(kBuiltinNames) / sizeof(kBuiltinNames[0]));
  if (code >= 0 && code < count) return kBuiltinNames[code];
  return fmt::format("builtin code {}", code);
}

}  // namespace

Result<Graph> read_tflite(std::shared_ptr<const std::vector<uint8_t>> bytes) {
  if (!bytes || bytes->size() < 8)
    return fail(fmt::format("not a .tflite model: file is {} bytes, too small for a flatbuffer",
                            bytes ? bytes->size() : 0));
  const uint8_t* base = bytes->data();
  if (!flatbuffers::BufferHasIdentifier(base, tflite::ModelIdentifier()))
    return fail("not a .tflite model: missing the 'TFL3' file identifier at byte 4");
  flatbuffers::Verifier::Options vopts;
  vopts.max_depth = 64;
  vopts.max_tables = 10000000;
  flatbuffers::Verifier verifier(base, bytes->size(), vopts);
  if (!tflite::VerifyModelBuffer(verifier))
    return fail("corrupt .tflite model: the flatbuffers verifier rejected the file (truncated or damaged)");

  const tflite::Model* model = tflite::GetModel(base);
  Graph g;
  g.storage = bytes;
  if (model->version() != 3)
    return fail(fmt::format("unsupported .tflite schema version {} (expected 3)", model->version()));
  if (model->description()) g.description = model->description()->str();
  if (!model->subgraphs() || model->subgraphs()->size() == 0) return fail("model has no subgraphs");
  if (model->subgraphs()->size() > 1)
    return fail(fmt::format("model has {} subgraphs; only single-subgraph models are supported",
                            model->subgraphs()->size()));
  const tflite::SubGraph* sg = model->subgraphs()->Get(0);
  const auto* buffers = model->buffers();
  const size_t num_buffers = buffers ? buffers->size() : 0;

  // Tensors.
  const size_t num_tensors = sg->tensors() ? sg->tensors()->size() : 0;
  if (num_tensors == 0) return fail("subgraph 0 has no tensors");
  g.tensors.resize(num_tensors);
  for (size_t i = 0; i < num_tensors; ++i) {
    const tflite::Tensor* ft = sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i));
    Tensor& t = g.tensors[i];
    t.id = static_cast<int>(i);
    t.name = ft->name() ? ft->name()->str() : fmt::format("tensor_{}", i);
    auto dt = convert_dtype(ft->type(), t.name);
    if (!dt.ok()) return dt.error();
    t.dtype = dt.value();
    if (ft->sparsity()) return fail(fmt::format("tensor '{}': sparse tensors are not supported", t.name));
    if (ft->shape()) {
      if (ft->shape()->size() > kMaxRank)
        return fail(fmt::format("tensor '{}': rank {} exceeds the supported maximum {}", t.name,
                                ft->shape()->size(), kMaxRank));
      int64_t elems = 1;
      for (int32_t d : *ft->shape()) {
        if (d < 0 || d > kMaxDim)
          return fail(fmt::format("tensor '{}': invalid dimension {} (dynamic or out of range)", t.name, d));
        elems *= d;
        if (elems > (int64_t{1} << 31))
          return fail(fmt::format("tensor '{}': more than 2^31 elements", t.name));
        t.shape.push_back(d);
      }
    }
    if (const auto* q = ft->quantization()) {
      if (q->scale()) t.quant.scales.assign(q->scale()->begin(), q->scale()->end());
      if (const auto* zp = q->zero_point()) {
        // The verifier aligns a vector's length word (4 bytes), not its int64 elements: copy bytes.
        t.quant.zero_points.resize(zp->size());
        if (zp->size() > 0) std::memcpy(t.quant.zero_points.data(), zp->Data(), zp->size() * sizeof(int64_t));
      }
      t.quant.axis = q->quantized_dimension();
      if (t.quant.scales.size() > 1 || t.quant.zero_points.size() > 1) {
        // Some converters write the weights' quantized_dimension on rank-1 biases too.
        if (t.rank() == 1 && t.quant.axis != 0 && t.quant.scales.size() == static_cast<size_t>(t.dim(0)))
          t.quant.axis = 0;
        if (t.quant.axis < 0 || t.quant.axis >= t.rank())
          return fail(fmt::format("tensor '{}': quantized_dimension {} out of range for rank {}", t.name,
                                  t.quant.axis, t.rank()));
        const size_t channels = static_cast<size_t>(t.dim(t.quant.axis));
        if (t.quant.scales.size() != channels ||
            (t.quant.zero_points.size() != channels && t.quant.zero_points.size() != 1))
          return fail(fmt::format("tensor '{}': {} scales and {} zero points for {} channels on axis {}", t.name,
                                  t.quant.scales.size(), t.quant.zero_points.size(), channels, t.quant.axis));
      }
      // Constants (biases) can carry odd scales that kernels never read; activations must be positive.
      const bool is_constant_tensor = ft->buffer() != 0 && buffers && ft->buffer() < num_buffers &&
                                      buffers->Get(ft->buffer())->data() &&
                                      buffers->Get(ft->buffer())->data()->size() > 0;
      for (float s : t.quant.scales)
        if (!std::isfinite(s) || (!is_constant_tensor && !(s > 0.0f)))
          return fail(fmt::format("tensor '{}': invalid quantization scale {}", t.name, s));
    }
    const uint32_t bi = ft->buffer();
    if (bi >= num_buffers && bi != 0)
      return fail(fmt::format("tensor '{}': buffer index {} out of range (model has {} buffers)", t.name, bi,
                              num_buffers));
    if (bi != 0 && bi < num_buffers) {
      const tflite::Buffer* fb = buffers->Get(bi);
      if (fb->offset() > 1)
        return fail(fmt::format("tensor '{}': data stored outside the flatbuffer (>2 GB models) is not supported",
                                t.name));
      if (fb->data() && fb->data()->size() > 0) {
        t.data = fb->data()->data();
        t.data_size = fb->data()->size();
        if (t.data_size != t.bytes())
          return fail(fmt::format("tensor '{}': constant data has {} bytes, shape {} x {} needs {}", t.name,
                                  t.data_size, fmt::join(t.shape, "x"), dtype_name(t.dtype), t.bytes()));
      }
    }
  }

  auto check_tensor_list = [&](const flatbuffers::Vector<int32_t>* v, const std::string& what,
                               std::vector<int>& out, bool allow_missing) -> Status {
    if (!v) return ok_status();
    for (int32_t id : *v) {
      if (id == -1 && allow_missing) {
        out.push_back(-1);
        continue;
      }
      if (id < 0 || static_cast<size_t>(id) >= num_tensors)
        return fail(fmt::format("{}: tensor index {} out of range (subgraph has {} tensors)", what, id,
                                num_tensors));
      out.push_back(id);
    }
    return ok_status();
  };
  if (auto s = check_tensor_list(sg->inputs(), "subgraph inputs", g.inputs, false); !s.ok()) return s.error();
  if (auto s = check_tensor_list(sg->outputs(), "subgraph outputs", g.outputs, false); !s.ok()) return s.error();
  if (g.inputs.empty() || g.outputs.empty()) return fail("subgraph 0 declares no inputs or no outputs");

  // Operators.
  const auto* codes = model->operator_codes();
  const size_t num_ops = sg->operators() ? sg->operators()->size() : 0;
  for (size_t i = 0; i < num_ops; ++i) {
    const tflite::Operator* fop = sg->operators()->Get(static_cast<flatbuffers::uoffset_t>(i));
    Op op;
    op.index = static_cast<int>(i);
    if (!codes || fop->opcode_index() >= codes->size())
      return fail(fmt::format("op {}: opcode index {} out of range (model has {} operator codes)", i,
                              fop->opcode_index(), codes ? codes->size() : 0));
    const tflite::OperatorCode* oc = codes->Get(fop->opcode_index());
    const int32_t code = std::max<int32_t>(oc->deprecated_builtin_code(), static_cast<int32_t>(oc->builtin_code()));
    if (code == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM))
      return fail(fmt::format("op {}: custom op '{}' is not supported", i,
                              oc->custom_code() ? oc->custom_code()->str() : std::string("?")));
    if (!map_builtin(static_cast<tflite::BuiltinOperator>(code), &op.kind))
      return fail(fmt::format("op {}: unsupported op {}; supported: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, "
                              "ADD, MUL, AVERAGE_POOL_2D, MAX_POOL_2D, MEAN, PAD, PADV2, RESHAPE, SQUEEZE, "
                              "TRANSPOSE, CONCATENATION, SOFTMAX, LOGISTIC, HARD_SWISH, RELU, RELU6, QUANTIZE, "
                              "DEQUANTIZE",
                              i, builtin_name(code)));
    const std::string where = fmt::format("op {} ({})", i, op_name(op.kind));
    if (auto s = check_tensor_list(fop->inputs(), where + " inputs", op.inputs, true); !s.ok()) return s.error();
    if (auto s = check_tensor_list(fop->outputs(), where + " outputs", op.outputs, false); !s.ok())
      return s.error();
    for (int out : op.outputs)
      if (g.tensor(out).is_constant())
        return fail(fmt::format("{}: output tensor '{}' is a constant", where, g.tensor(out).name));
    if (auto s = convert_op(g, fop, static_cast<tflite::BuiltinOperator>(code), op); !s.ok()) return s.error();
    g.ops.push_back(std::move(op));
  }

  // Execution order: every op input is a graph input, a constant or an earlier op's output.
  std::vector<bool> available(num_tensors, false);
  for (int id : g.inputs) available[static_cast<size_t>(id)] = true;
  for (const Tensor& t : g.tensors)
    if (t.is_constant()) available[static_cast<size_t>(t.id)] = true;
  for (const Op& op : g.ops) {
    for (int id : op.inputs)
      if (id >= 0 && !available[static_cast<size_t>(id)])
        return fail(fmt::format("op {} ({}): input tensor '{}' is neither a model input, a constant nor produced by "
                                "an earlier op",
                                op.index, op_name(op.kind), g.tensor(id).name));
    for (int id : op.outputs) {
      if (available[static_cast<size_t>(id)] && !g.tensor(id).is_constant())
        return fail(fmt::format("op {} ({}): output tensor '{}' is written twice", op.index, op_name(op.kind),
                                g.tensor(id).name));
      available[static_cast<size_t>(id)] = true;
    }
  }
  for (int id : g.outputs)
    if (!available[static_cast<size_t>(id)])
      return fail(fmt::format("model output '{}' is never produced", g.tensor(id).name));
  return g;
}

Result<Graph> load_tflite(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(fmt::format("cannot open model file '{}'", path));
  auto bytes = std::make_shared<std::vector<uint8_t>>((std::istreambuf_iterator<char>(f)),
                                                      std::istreambuf_iterator<char>());
  auto g = read_tflite(bytes);
  if (!g.ok()) return fail(fmt::format("{}: {}", path, g.error().message));
  return g;
}

}  // namespace tinyops
