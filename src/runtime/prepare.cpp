// Host-side op preparation: validation plus TFLite Micro's prepare-time arithmetic (multipliers from
// double-precision scales, padding, activation ranges, softmax/logistic/hard-swish constants) and the
// tables the kernels read.
#include "runtime/prepare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/fixedpoint.h"
#include "kernels/quant.h"

namespace tinyops {

static_assert(static_cast<int>(KernelKind::Conv2D) == static_cast<int>(OpKind::Conv2D) &&
                  static_cast<int>(KernelKind::Dequantize) == static_cast<int>(OpKind::Dequantize) &&
                  static_cast<int>(KernelKind::Softmax) == static_cast<int>(OpKind::Softmax) &&
                  static_cast<int>(KernelKind::Concatenation) == static_cast<int>(OpKind::Concatenation),
              "KernelKind must mirror OpKind");

ElemType elem_type_of(DType t) {
  switch (t) {
    case DType::Int8: return ElemType::Int8;
    case DType::UInt8: return ElemType::UInt8;
    case DType::Int16: return ElemType::Int16;
    case DType::Int32: return ElemType::Int32;
    case DType::Float32: return ElemType::Float32;
    default: return ElemType::Int8;
  }
}

Shape4 shape4_of(const std::vector<int>& s) {
  switch (s.size()) {
    case 0: return Shape4{1, 1, 1, 1};
    case 1: return Shape4{1, 1, 1, s[0]};
    case 2: return Shape4{1, s[0], 1, s[1]};
    case 3: return Shape4{1, s[0], s[1], s[2]};
    default: return Shape4{s[0], s[1], s[2], s[3]};
  }
}

std::vector<PreparedTable> PreparedOp::tables() const {
  std::vector<PreparedTable> t;
  auto add = [&t](const char* name, ElemType type, const void* data, size_t bytes) {
    if (bytes) t.push_back(PreparedTable{name, type, data, bytes});
  };
  add("multiplier", ElemType::Int32, multiplier.data(), multiplier.size() * sizeof(int32_t));
  add("shift", ElemType::Int32, shift.data(), shift.size() * sizeof(int32_t));
  add("bias", ElemType::Int32, bias.data(), bias.size() * sizeof(int32_t));
  add("bias_sums", ElemType::Int32, bias_sums.data(), bias_sums.size() * sizeof(int32_t));
  add("exp_lut", ElemType::Int32, exp_lut.data(), exp_lut.size() * sizeof(int32_t));
  add("lut", output_type, lut8.data(), lut8.size());
  add("lut_f32", ElemType::Float32, lut_f32.data(), lut_f32.size() * sizeof(float));
  return t;
}

namespace {

// ---- TFLite prepare-time helpers ----

struct Padding2 {
  int top = 0, left = 0, out_h = 0, out_w = 0;
};

int compute_out_size(Padding pad, int in, int filter, int stride, int dilation) {
  const int effective = (filter - 1) * dilation + 1;
  if (pad == Padding::Same) return (in + stride - 1) / stride;
  return (in + stride - effective) / stride;
}

int compute_padding(int stride, int dilation, int in, int filter, int out) {
  const int effective = (filter - 1) * dilation + 1;
  int total = (out - 1) * stride + effective - in;
  total = total > 0 ? total : 0;
  return total / 2;
}

Padding2 compute_padding_hw(Padding pad, int in_h, int in_w, int fh, int fw, int sh, int sw, int dh, int dw) {
  Padding2 p;
  p.out_h = compute_out_size(pad, in_h, fh, sh, dh);
  p.out_w = compute_out_size(pad, in_w, fw, sw, dw);
  p.top = compute_padding(sh, dh, in_h, fh, p.out_h);
  p.left = compute_padding(sw, dw, in_w, fw, p.out_w);
  return p;
}

int32_t qmin_of(DType t) { return t == DType::UInt8 ? 0 : -128; }
int32_t qmax_of(DType t) { return t == DType::UInt8 ? 255 : 127; }

// CalculateActivationRangeQuantized: float f / scale rounded half away from zero, plus zero point.
void activation_range(Activation act, const Tensor& out, int32_t* lo, int32_t* hi) {
  const int32_t qmin = qmin_of(out.dtype), qmax = qmax_of(out.dtype);
  const float scale = out.quant.scale();
  const int32_t zp = out.quant.zero_point();
  auto quantize = [scale, zp](float f) { return zp + static_cast<int32_t>(std::round(f / scale)); };
  *lo = qmin;
  *hi = qmax;
  switch (act) {
    case Activation::None: break;
    case Activation::Relu: *lo = std::max(qmin, quantize(0.0f)); break;
    case Activation::Relu6:
      *lo = std::max(qmin, quantize(0.0f));
      *hi = std::min(qmax, quantize(6.0f));
      break;
    case Activation::ReluN1To1:
      *lo = std::max(qmin, quantize(-1.0f));
      *hi = std::min(qmax, quantize(1.0f));
      break;
  }
}

std::string shape_str(const std::vector<int>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

// Position of dimension d of a rank-r tensor in its default 4-D view (see shape4_of).
int map_dim(int rank, int d) {
  switch (rank) {
    case 1: return 3;
    case 2: return d == 0 ? 1 : 3;
    case 3: return d + 1;
    default: return d;
  }
}

Shape4 front_padded(const std::vector<int>& s) {
  int d[4] = {1, 1, 1, 1};
  const int r = static_cast<int>(s.size());
  for (int i = 0; i < r && i < 4; ++i) d[4 - r + i] = s[static_cast<size_t>(i)];
  return Shape4{d[0], d[1], d[2], d[3]};
}

class Preparer {
 public:
  Preparer(const Graph& g, const Op& op) : g_(g), op_(op) {}

  Result<PreparedOp> run();

 private:
  Error fail(const std::string& msg) const {
    return Error{fmt::format("op {} ({}): {}", op_.index, op_name(op_.kind), msg)};
  }
  std::string tname(int id) const { return fmt::format("tensor '{}'", g_.tensor(id).name); }

  // Checks that operand `id` has one of the dtypes; `role` names it in errors.
  bool check_dtype(int id, std::initializer_list<DType> allowed, const char* role, std::string* err) const {
    const Tensor& t = g_.tensor(id);
    for (DType d : allowed)
      if (t.dtype == d) return true;
    std::string names;
    for (DType d : allowed) names += (names.empty() ? "" : " or ") + std::string(dtype_name(d));
    *err = fmt::format("{} {}: expected {}, found {}", role, tname(id), names, dtype_name(t.dtype));
    return false;
  }
  bool check_quant(int id, const char* role, std::string* err) const {
    const Tensor& t = g_.tensor(id);
    if (!t.quant.present() || !(t.quant.scale() > 0.0f)) {
      *err = fmt::format("{} {}: expected quantization parameters (scale > 0), found none", role, tname(id));
      return false;
    }
    return true;
  }
  bool check_rank(int id, int rank, const char* role, std::string* err) const {
    const Tensor& t = g_.tensor(id);
    if (t.rank() != rank) {
      *err = fmt::format("{} {}: expected rank {}, found rank {} {}", role, tname(id), rank, t.rank(), shape_str(t.shape));
      return false;
    }
    return true;
  }

  Status io_counts(size_t min_in, size_t max_in);
  Result<Ok> conv_like();
  Result<Ok> fully_connected();
  Result<Ok> binary();
  Result<Ok> pool();
  Result<Ok> mean();
  Result<Ok> pad();
  Result<Ok> reshape();
  Result<Ok> transpose();
  Result<Ok> concat();
  Result<Ok> softmax();
  Result<Ok> unary_lut();
  Result<Ok> quantize();
  Result<Ok> dequantize();

  void set_io_default();

  const Graph& g_;
  const Op& op_;
  PreparedOp p_;
};

#define TRY_STATUS(expr)                         \
  do {                                           \
    auto _s = (expr);                            \
    if (!_s.ok()) return Error{_s.error()};      \
  } while (0)

Status Preparer::io_counts(size_t min_in, size_t max_in) {
  if (op_.inputs.size() < min_in || op_.inputs.size() > max_in)
    return fail(fmt::format("expected {} to {} inputs, found {}", min_in, max_in, op_.inputs.size()));
  for (size_t i = 0; i < min_in; ++i)
    if (op_.inputs[i] < 0 || op_.inputs[i] >= static_cast<int>(g_.tensors.size()))
      return fail(fmt::format("input {} is missing", i));
  if (op_.outputs.size() != 1 || op_.outputs[0] < 0 || op_.outputs[0] >= static_cast<int>(g_.tensors.size()))
    return fail(fmt::format("expected 1 output, found {}", op_.outputs.size()));
  return ok_status();
}

void Preparer::set_io_default() {
  for (int id : op_.inputs) {
    if (id < 0) continue;
    p_.inputs.push_back(id);
    p_.input_shapes.push_back(shape4_of(g_.tensor(id).shape));
    p_.input_types.push_back(elem_type_of(g_.tensor(id).dtype));
  }
  p_.output = op_.outputs[0];
  p_.output_shape = shape4_of(g_.tensor(p_.output).shape);
  p_.output_type = elem_type_of(g_.tensor(p_.output).dtype);
}

Result<Ok> Preparer::conv_like() {
  const bool dw = op_.kind == OpKind::DepthwiseConv2D;
  TRY_STATUS(io_counts(2, 3));
  const int in_id = op_.inputs[0], w_id = op_.inputs[1], out_id = op_.outputs[0];
  const int b_id = g_.has_input(op_, 2) ? op_.inputs[2] : -1;
  if (!std::holds_alternative<ConvAttrs>(op_.attrs)) return fail("missing convolution attributes");
  const ConvAttrs& a = op_.attr<ConvAttrs>();
  std::string e;
  if (!check_dtype(in_id, {DType::Int8}, "input", &e) || !check_rank(in_id, 4, "input", &e) ||
      !check_quant(in_id, "input", &e) || !check_dtype(w_id, {DType::Int8}, "weights", &e) ||
      !check_rank(w_id, 4, "weights", &e) || !check_quant(w_id, "weights", &e) ||
      !check_dtype(out_id, {DType::Int8}, "output", &e) || !check_rank(out_id, 4, "output", &e) ||
      !check_quant(out_id, "output", &e))
    return fail(e);
  const Tensor& in = g_.tensor(in_id);
  const Tensor& w = g_.tensor(w_id);
  const Tensor& out = g_.tensor(out_id);
  if (!w.is_constant()) return fail(fmt::format("weights {}: expected a constant tensor", tname(w_id)));
  if (a.stride_h < 1 || a.stride_w < 1 || a.dilation_h < 1 || a.dilation_w < 1)
    return fail(fmt::format("strides {}x{} and dilations {}x{} must be >= 1", a.stride_h, a.stride_w, a.dilation_h,
                            a.dilation_w));
  const int IC = in.dim(3), KH = w.dim(1), KW = w.dim(2);
  int OC, M = 1;
  if (dw) {
    OC = w.dim(3);
    if (w.dim(0) != 1) return fail(fmt::format("weights {}: expected shape [1,KH,KW,C*M], found {}", tname(w_id), shape_str(w.shape)));
    if (IC <= 0 || OC % IC != 0)
      return fail(fmt::format("weights {}: {} output channels is not a multiple of {} input channels", tname(w_id), OC, IC));
    M = OC / IC;
  } else {
    OC = w.dim(0);
    if (w.dim(3) != IC)
      return fail(fmt::format("weights {}: expected {} input channels (OHWI), found shape {}", tname(w_id), IC,
                              shape_str(w.shape)));
  }
  const Padding2 pad = compute_padding_hw(a.padding, in.dim(1), in.dim(2), KH, KW, a.stride_h, a.stride_w,
                                          a.dilation_h, a.dilation_w);
  const std::vector<int> expect_out = {in.dim(0), pad.out_h, pad.out_w, OC};
  if (out.shape != expect_out)
    return fail(fmt::format("output {}: expected shape {}, found {}", tname(out_id), shape_str(expect_out),
                            shape_str(out.shape)));
  const size_t nscales = w.quant.scales.size();
  if (nscales != 1 && nscales != static_cast<size_t>(OC))
    return fail(fmt::format("weights {}: expected 1 or {} per-channel scales, found {}", tname(w_id), OC, nscales));
  for (int64_t zp : w.quant.zero_points)
    if (zp != 0) return fail(fmt::format("weights {}: expected zero point 0 (symmetric), found {}", tname(w_id), zp));
  if (b_id >= 0) {
    const Tensor& b = g_.tensor(b_id);
    if (b.dtype != DType::Int32 || !b.is_constant() || b.num_elements() != static_cast<size_t>(OC))
      return fail(fmt::format("bias {}: expected constant int32 [{}], found {} {}", tname(b_id), OC, dtype_name(b.dtype),
                              shape_str(b.shape)));
  }

  ConvParams& c = p_.args.p.conv;
  c = ConvParams{};
  c.stride_h = a.stride_h;
  c.stride_w = a.stride_w;
  c.dilation_h = a.dilation_h;
  c.dilation_w = a.dilation_w;
  c.pad_top = pad.top;
  c.pad_left = pad.left;
  c.filter_h = KH;
  c.filter_w = KW;
  c.depth_multiplier = M;
  c.input_offset = -in.quant.zero_point();
  c.output_offset = out.quant.zero_point();
  activation_range(a.activation, out, &c.act_min, &c.act_max);

  p_.multiplier.resize(static_cast<size_t>(OC));
  p_.shift.resize(static_cast<size_t>(OC));
  for (int oc = 0; oc < OC; ++oc) {
    const double ws = static_cast<double>(w.quant.scales[nscales == 1 ? 0 : static_cast<size_t>(oc)]);
    const double eff = static_cast<double>(in.quant.scale()) * ws / static_cast<double>(out.quant.scale());
    const QuantizedMultiplier q = quantize_multiplier(eff);
    p_.multiplier[static_cast<size_t>(oc)] = q.multiplier;
    p_.shift[static_cast<size_t>(oc)] = q.shift;
  }
  p_.bias.assign(static_cast<size_t>(OC), 0);
  if (b_id >= 0) {
    const Tensor& b = g_.tensor(b_id);
    for (int oc = 0; oc < OC; ++oc) {
      int32_t v;
      std::memcpy(&v, b.data + 4 * static_cast<size_t>(oc), 4);
      p_.bias[static_cast<size_t>(oc)] = v;
    }
  }
  // bias + input_offset * sum of the channel's weights over the whole filter.
  p_.bias_sums = p_.bias;
  const int8_t* wd = reinterpret_cast<const int8_t*>(w.data);
  for (int oc = 0; oc < OC; ++oc) {
    int64_t sum = 0;
    if (dw) {
      for (int k = 0; k < KH * KW; ++k) sum += wd[static_cast<size_t>(k) * static_cast<size_t>(OC) + static_cast<size_t>(oc)];
    } else {
      const size_t per = static_cast<size_t>(KH) * KW * IC;
      for (size_t k = 0; k < per; ++k) sum += wd[static_cast<size_t>(oc) * per + k];
    }
    p_.bias_sums[static_cast<size_t>(oc)] += static_cast<int32_t>(c.input_offset * sum);
  }
  c.multiplier = p_.multiplier.data();
  c.shift = p_.shift.data();
  c.bias = b_id >= 0 ? p_.bias.data() : nullptr;
  c.bias_sums = p_.bias_sums.data();

  p_.inputs = {in_id};
  p_.input_shapes = {shape4_of(in.shape)};
  p_.input_types = {ElemType::Int8};
  p_.weights = w_id;
  p_.weight_shape = shape4_of(w.shape);
  p_.weight_type = ElemType::Int8;
  p_.output = out_id;
  p_.output_shape = shape4_of(out.shape);
  p_.output_type = ElemType::Int8;
  return Ok{};
}

Result<Ok> Preparer::fully_connected() {
  TRY_STATUS(io_counts(2, 3));
  const int in_id = op_.inputs[0], w_id = op_.inputs[1], out_id = op_.outputs[0];
  const int b_id = g_.has_input(op_, 2) ? op_.inputs[2] : -1;
  const Activation act =
      std::holds_alternative<FullyConnectedAttrs>(op_.attrs) ? op_.attr<FullyConnectedAttrs>().activation : Activation::None;
  std::string e;
  if (!check_dtype(in_id, {DType::Int8}, "input", &e) || !check_quant(in_id, "input", &e) ||
      !check_dtype(w_id, {DType::Int8}, "weights", &e) || !check_rank(w_id, 2, "weights", &e) ||
      !check_quant(w_id, "weights", &e) || !check_dtype(out_id, {DType::Int8}, "output", &e) ||
      !check_quant(out_id, "output", &e))
    return fail(e);
  const Tensor& in = g_.tensor(in_id);
  const Tensor& w = g_.tensor(w_id);
  const Tensor& out = g_.tensor(out_id);
  if (!w.is_constant()) return fail(fmt::format("weights {}: expected a constant tensor", tname(w_id)));
  const int O = w.dim(0), I = w.dim(1);
  const size_t n_in = in.num_elements();
  if (I <= 0 || n_in % static_cast<size_t>(I) != 0)
    return fail(fmt::format("input {}: {} elements are not a multiple of the {} weight columns", tname(in_id), n_in, I));
  const int B = static_cast<int>(n_in / static_cast<size_t>(I));
  if (out.num_elements() != static_cast<size_t>(B) * static_cast<size_t>(O) || out.shape.empty() || out.shape.back() != O)
    return fail(fmt::format("output {}: expected {} rows of {} channels, found {}", tname(out_id), B, O, shape_str(out.shape)));
  const size_t nscales = w.quant.scales.size();
  if (nscales != 1 && nscales != static_cast<size_t>(O))
    return fail(fmt::format("weights {}: expected 1 or {} per-channel scales, found {}", tname(w_id), O, nscales));
  for (int64_t zp : w.quant.zero_points)
    if (zp != 0) return fail(fmt::format("weights {}: expected zero point 0 (symmetric), found {}", tname(w_id), zp));
  if (b_id >= 0) {
    const Tensor& b = g_.tensor(b_id);
    if (b.dtype != DType::Int32 || !b.is_constant() || b.num_elements() != static_cast<size_t>(O))
      return fail(fmt::format("bias {}: expected constant int32 [{}], found {} {}", tname(b_id), O, dtype_name(b.dtype),
                              shape_str(b.shape)));
  }
  ConvParams& c = p_.args.p.conv;
  c = ConvParams{};
  c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = 1;
  c.filter_h = c.filter_w = 1;
  c.depth_multiplier = 1;
  c.input_offset = -in.quant.zero_point();
  c.output_offset = out.quant.zero_point();
  activation_range(act, out, &c.act_min, &c.act_max);
  p_.multiplier.resize(static_cast<size_t>(O));
  p_.shift.resize(static_cast<size_t>(O));
  for (int oc = 0; oc < O; ++oc) {
    const double ws = static_cast<double>(w.quant.scales[nscales == 1 ? 0 : static_cast<size_t>(oc)]);
    const double eff = static_cast<double>(in.quant.scale()) * ws / static_cast<double>(out.quant.scale());
    const QuantizedMultiplier q = quantize_multiplier(eff);
    p_.multiplier[static_cast<size_t>(oc)] = q.multiplier;
    p_.shift[static_cast<size_t>(oc)] = q.shift;
  }
  p_.bias.assign(static_cast<size_t>(O), 0);
  if (b_id >= 0)
    for (int oc = 0; oc < O; ++oc) std::memcpy(&p_.bias[static_cast<size_t>(oc)], g_.tensor(b_id).data + 4 * oc, 4);
  p_.bias_sums = p_.bias;
  const int8_t* wd = reinterpret_cast<const int8_t*>(w.data);
  for (int oc = 0; oc < O; ++oc) {
    int64_t sum = 0;
    for (int i = 0; i < I; ++i) sum += wd[static_cast<size_t>(oc) * static_cast<size_t>(I) + static_cast<size_t>(i)];
    p_.bias_sums[static_cast<size_t>(oc)] += static_cast<int32_t>(c.input_offset * sum);
  }
  c.multiplier = p_.multiplier.data();
  c.shift = p_.shift.data();
  c.bias = b_id >= 0 ? p_.bias.data() : nullptr;
  c.bias_sums = p_.bias_sums.data();
  p_.inputs = {in_id};
  p_.input_shapes = {Shape4{1, B, 1, I}};
  p_.input_types = {ElemType::Int8};
  p_.weights = w_id;
  p_.weight_shape = Shape4{O, 1, 1, I};
  p_.output = out_id;
  p_.output_shape = Shape4{1, B, 1, O};
  p_.output_type = ElemType::Int8;
  return Ok{};
}

Result<Ok> Preparer::binary() {
  TRY_STATUS(io_counts(2, 2));
  const int a_id = op_.inputs[0], b_id = op_.inputs[1], out_id = op_.outputs[0];
  std::string e;
  for (int id : {a_id, b_id})
    if (!check_dtype(id, {DType::Int8}, "input", &e) || !check_quant(id, "input", &e)) return fail(e);
  if (!check_dtype(out_id, {DType::Int8}, "output", &e) || !check_quant(out_id, "output", &e)) return fail(e);
  const Tensor& a = g_.tensor(a_id);
  const Tensor& b = g_.tensor(b_id);
  const Tensor& out = g_.tensor(out_id);
  const int rank = out.rank();
  if (rank > 4 || a.rank() > rank || b.rank() > rank)
    return fail(fmt::format("inputs {} {} and {} {} must broadcast to output {} {} of rank <= 4", tname(a_id),
                            shape_str(a.shape), tname(b_id), shape_str(b.shape), tname(out_id), shape_str(out.shape)));
  // Right-align each input to the output rank, then take the default 4-D view.
  auto aligned = [rank](const std::vector<int>& s) {
    std::vector<int> r(static_cast<size_t>(rank) - s.size(), 1);
    r.insert(r.end(), s.begin(), s.end());
    return r;
  };
  const std::vector<int> as = aligned(a.shape), bs = aligned(b.shape);
  for (int d = 0; d < rank; ++d) {
    const int o = out.dim(d), x = as[static_cast<size_t>(d)], y = bs[static_cast<size_t>(d)];
    if ((x != o && x != 1) || (y != o && y != 1) || (x != o && y != o))
      return fail(fmt::format("inputs {} {} and {} {} do not broadcast to output {} {}", tname(a_id), shape_str(a.shape),
                              tname(b_id), shape_str(b.shape), tname(out_id), shape_str(out.shape)));
  }
  const Activation act =
      std::holds_alternative<ElementwiseAttrs>(op_.attrs) ? op_.attr<ElementwiseAttrs>().activation : Activation::None;
  int32_t lo, hi;
  activation_range(act, out, &lo, &hi);
  if (op_.kind == OpKind::Add) {
    AddParams& p = p_.args.p.add;
    p = AddParams{};
    p.input1_offset = -a.quant.zero_point();
    p.input2_offset = -b.quant.zero_point();
    p.output_offset = out.quant.zero_point();
    p.left_shift = 20;
    const double twice_max_input_scale = 2 * static_cast<double>(std::max(a.quant.scale(), b.quant.scale()));
    const double real1 = static_cast<double>(a.quant.scale()) / twice_max_input_scale;
    const double real2 = static_cast<double>(b.quant.scale()) / twice_max_input_scale;
    const double real_out = twice_max_input_scale / ((1 << p.left_shift) * static_cast<double>(out.quant.scale()));
    const QuantizedMultiplier q1 = quantize_multiplier(real1), q2 = quantize_multiplier(real2),
                              qo = quantize_multiplier(real_out);
    p.input1_multiplier = q1.multiplier;
    p.input1_shift = q1.shift;
    p.input2_multiplier = q2.multiplier;
    p.input2_shift = q2.shift;
    p.output_multiplier = qo.multiplier;
    p.output_shift = qo.shift;
    p.act_min = lo;
    p.act_max = hi;
  } else {
    MulParams& p = p_.args.p.mul;
    p = MulParams{};
    p.input1_offset = -a.quant.zero_point();
    p.input2_offset = -b.quant.zero_point();
    p.output_offset = out.quant.zero_point();
    const double real = static_cast<double>(a.quant.scale()) * static_cast<double>(b.quant.scale()) /
                        static_cast<double>(out.quant.scale());
    const QuantizedMultiplier q = quantize_multiplier(real);
    p.output_multiplier = q.multiplier;
    p.output_shift = q.shift;
    p.act_min = lo;
    p.act_max = hi;
  }
  p_.inputs = {a_id, b_id};
  p_.input_shapes = {shape4_of(as), shape4_of(bs)};
  p_.input_types = {ElemType::Int8, ElemType::Int8};
  p_.output = out_id;
  p_.output_shape = shape4_of(out.shape);
  p_.output_type = ElemType::Int8;
  return Ok{};
}

Result<Ok> Preparer::pool() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  if (!std::holds_alternative<PoolAttrs>(op_.attrs)) return fail("missing pooling attributes");
  const PoolAttrs& a = op_.attr<PoolAttrs>();
  std::string e;
  if (!check_dtype(in_id, {DType::Int8}, "input", &e) || !check_rank(in_id, 4, "input", &e) ||
      !check_quant(in_id, "input", &e) || !check_dtype(out_id, {DType::Int8}, "output", &e) ||
      !check_rank(out_id, 4, "output", &e) || !check_quant(out_id, "output", &e))
    return fail(e);
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  if (in.quant.scale() != out.quant.scale() || in.quant.zero_point() != out.quant.zero_point())
    return fail(fmt::format("input {} (scale {}, zero point {}) and output {} (scale {}, zero point {}) must share "
                            "quantization",
                            tname(in_id), in.quant.scale(), in.quant.zero_point(), tname(out_id), out.quant.scale(),
                            out.quant.zero_point()));
  if (a.stride_h < 1 || a.stride_w < 1 || a.filter_h < 1 || a.filter_w < 1)
    return fail(fmt::format("filter {}x{} and strides {}x{} must be >= 1", a.filter_h, a.filter_w, a.stride_h, a.stride_w));
  const Padding2 pad = compute_padding_hw(a.padding, in.dim(1), in.dim(2), a.filter_h, a.filter_w, a.stride_h,
                                          a.stride_w, 1, 1);
  const std::vector<int> expect_out = {in.dim(0), pad.out_h, pad.out_w, in.dim(3)};
  if (out.shape != expect_out)
    return fail(fmt::format("output {}: expected shape {}, found {}", tname(out_id), shape_str(expect_out),
                            shape_str(out.shape)));
  PoolParams& p = p_.args.p.pool;
  p = PoolParams{};
  p.stride_h = a.stride_h;
  p.stride_w = a.stride_w;
  p.filter_h = a.filter_h;
  p.filter_w = a.filter_w;
  p.pad_top = pad.top;
  p.pad_left = pad.left;
  activation_range(a.activation, out, &p.act_min, &p.act_max);
  set_io_default();
  return Ok{};
}

Result<Ok> Preparer::mean() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  std::string e;
  if (!check_dtype(in_id, {DType::Int8}, "input", &e) || !check_rank(in_id, 4, "input", &e) ||
      !check_quant(in_id, "input", &e) || !check_dtype(out_id, {DType::Int8}, "output", &e) ||
      !check_quant(out_id, "output", &e))
    return fail(e);
  if (!std::holds_alternative<MeanAttrs>(op_.attrs)) return fail("missing axes");
  const MeanAttrs& a = op_.attr<MeanAttrs>();
  if (a.axes != std::vector<int>{1, 2})
    return fail(fmt::format("axes {}: only the mean over H and W (axes [1,2]) is supported", shape_str(a.axes)));
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  const std::vector<int> expect = a.keep_dims ? std::vector<int>{in.dim(0), 1, 1, in.dim(3)}
                                              : std::vector<int>{in.dim(0), in.dim(3)};
  if (out.shape != expect)
    return fail(fmt::format("output {}: expected shape {}, found {}", tname(out_id), shape_str(expect), shape_str(out.shape)));
  MeanParams& p = p_.args.p.mean;
  p = MeanParams{};
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.num_elements = in.dim(1) * in.dim(2);
  p.requantize = 1;
  p.act_min = -128;
  p.act_max = 127;
  // TFLM: multiplier for in_scale / out_scale with 1/num_elements folded in.
  const QuantizedMultiplier q =
      quantize_multiplier(static_cast<double>(in.quant.scale()) / static_cast<double>(out.quant.scale()));
  int32_t mult = q.multiplier;
  int32_t shift = q.shift;
  const int64_t n = p.num_elements;
  if (n <= 0) return fail(fmt::format("input {}: empty spatial extent", tname(in_id)));
  int s = 63 - __builtin_clzll(static_cast<uint64_t>(n));
  s = std::min(s, 32);
  s = std::min(s, 31 + shift);
  mult = static_cast<int32_t>((static_cast<int64_t>(mult) << s) / n);
  shift = shift - s;
  p.multiplier = mult;
  p.shift = shift;
  p_.inputs = {in_id};
  p_.input_shapes = {shape4_of(in.shape)};
  p_.input_types = {ElemType::Int8};
  p_.output = out_id;
  p_.output_shape = Shape4{in.dim(0), 1, 1, in.dim(3)};
  p_.output_type = ElemType::Int8;
  return Ok{};
}

Result<Ok> Preparer::pad() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  std::string e;
  if (!check_dtype(in_id, {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Float32}, "input", &e))
    return fail(e);
  if (out.dtype != in.dtype)
    return fail(fmt::format("output {}: expected {}, found {}", tname(out_id), dtype_name(in.dtype), dtype_name(out.dtype)));
  if (!std::holds_alternative<PadAttrs>(op_.attrs)) return fail("missing paddings");
  const PadAttrs& a = op_.attr<PadAttrs>();
  const int rank = in.rank();
  if (rank > 4 || out.rank() != rank || static_cast<int>(a.before.size()) != rank || static_cast<int>(a.after.size()) != rank)
    return fail(fmt::format("input {} {}: rank <= 4 with one padding pair per dimension expected", tname(in_id),
                            shape_str(in.shape)));
  PadParams& p = p_.args.p.pad;
  p = PadParams{};
  for (int d = 0; d < rank; ++d) {
    const int expect = in.dim(d) + a.before[static_cast<size_t>(d)] + a.after[static_cast<size_t>(d)];
    if (out.dim(d) != expect)
      return fail(fmt::format("output {}: expected dimension {} = {}, found {}", tname(out_id), d, expect, out.dim(d)));
    p.before[map_dim(rank, d)] = a.before[static_cast<size_t>(d)];
    p.after[map_dim(rank, d)] = a.after[static_cast<size_t>(d)];
  }
  p.pad_value = a.pad_value;
  set_io_default();
  return Ok{};
}

Result<Ok> Preparer::reshape() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  if (in.dtype != out.dtype)
    return fail(fmt::format("output {}: expected {}, found {}", tname(out_id), dtype_name(in.dtype), dtype_name(out.dtype)));
  if (in.num_elements() != out.num_elements())
    return fail(fmt::format("output {} {}: expected {} elements like input {} {}, found {}", tname(out_id),
                            shape_str(out.shape), in.num_elements(), tname(in_id), shape_str(in.shape),
                            out.num_elements()));
  auto s4 = [](const Tensor& t) {
    return t.rank() <= 4 ? shape4_of(t.shape) : Shape4{1, 1, 1, static_cast<int32_t>(t.num_elements())};
  };
  p_.inputs = {in_id};
  p_.input_shapes = {s4(in)};
  p_.input_types = {elem_type_of(in.dtype)};
  p_.output = out_id;
  p_.output_shape = s4(out);
  p_.output_type = elem_type_of(out.dtype);
  return Ok{};
}

Result<Ok> Preparer::transpose() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  if (!std::holds_alternative<TransposeAttrs>(op_.attrs)) return fail("missing perm");
  const TransposeAttrs& a = op_.attr<TransposeAttrs>();
  const int rank = in.rank();
  if (rank > 4) return fail(fmt::format("input {}: rank {} > 4 is not supported", tname(in_id), rank));
  if (in.dtype != out.dtype)
    return fail(fmt::format("output {}: expected {}, found {}", tname(out_id), dtype_name(in.dtype), dtype_name(out.dtype)));
  if (static_cast<int>(a.perm.size()) != rank) return fail(fmt::format("perm has {} entries for rank {}", a.perm.size(), rank));
  std::vector<int> expect;
  for (int d = 0; d < rank; ++d) expect.push_back(in.dim(a.perm[static_cast<size_t>(d)]));
  if (out.shape != expect)
    return fail(fmt::format("output {}: expected shape {}, found {}", tname(out_id), shape_str(expect), shape_str(out.shape)));
  TransposeParams& p = p_.args.p.transpose;
  const int lead = 4 - rank;
  for (int i = 0; i < 4; ++i) p.perm[i] = i < lead ? i : a.perm[static_cast<size_t>(i - lead)] + lead;
  p_.inputs = {in_id};
  p_.input_shapes = {front_padded(in.shape)};
  p_.input_types = {elem_type_of(in.dtype)};
  p_.output = out_id;
  p_.output_shape = front_padded(out.shape);
  p_.output_type = elem_type_of(out.dtype);
  return Ok{};
}

Result<Ok> Preparer::concat() {
  if (op_.inputs.empty() || op_.inputs.size() > static_cast<size_t>(kMaxKernelInputs))
    return fail(fmt::format("expected 1 to {} inputs, found {}", kMaxKernelInputs, op_.inputs.size()));
  TRY_STATUS(io_counts(op_.inputs.size(), op_.inputs.size()));
  const int out_id = op_.outputs[0];
  const Tensor& out = g_.tensor(out_id);
  if (!std::holds_alternative<ConcatAttrs>(op_.attrs)) return fail("missing axis");
  const ConcatAttrs& a = op_.attr<ConcatAttrs>();
  const int rank = out.rank();
  if (rank > 4) return fail(fmt::format("output {}: rank {} > 4 is not supported", tname(out_id), rank));
  if (a.activation != Activation::None) return fail("fused activation on CONCATENATION is not supported");
  int total = 0;
  for (int id : op_.inputs) {
    const Tensor& t = g_.tensor(id);
    if (t.dtype != out.dtype)
      return fail(fmt::format("input {}: expected {}, found {}", tname(id), dtype_name(out.dtype), dtype_name(t.dtype)));
    if (t.rank() != rank) return fail(fmt::format("input {}: expected rank {}, found {}", tname(id), rank, t.rank()));
    for (int d = 0; d < rank; ++d)
      if (d != a.axis && t.dim(d) != out.dim(d))
        return fail(fmt::format("input {} {}: dimension {} must be {} as in output {}", tname(id), shape_str(t.shape), d,
                                out.dim(d), shape_str(out.shape)));
    total += t.dim(a.axis);
    if ((out.dtype == DType::Int8 || out.dtype == DType::UInt8) &&
        (t.quant.scale() != out.quant.scale() || t.quant.zero_point() != out.quant.zero_point()))
      return fail(fmt::format("input {} (scale {}, zero point {}) must share the output's quantization (scale {}, "
                              "zero point {})",
                              tname(id), t.quant.scale(), t.quant.zero_point(), out.quant.scale(), out.quant.zero_point()));
    p_.inputs.push_back(id);
    p_.input_shapes.push_back(front_padded(t.shape));
    p_.input_types.push_back(elem_type_of(t.dtype));
  }
  if (total != out.dim(a.axis))
    return fail(fmt::format("output {}: expected {} along axis {}, found {}", tname(out_id), total, a.axis, out.dim(a.axis)));
  p_.args.p.concat.axis = a.axis + 4 - rank;
  p_.output = out_id;
  p_.output_shape = front_padded(out.shape);
  p_.output_type = elem_type_of(out.dtype);
  return Ok{};
}

Result<Ok> Preparer::softmax() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  std::string e;
  if (!check_dtype(in_id, {DType::Int8}, "input", &e) || !check_quant(in_id, "input", &e) ||
      !check_dtype(out_id, {DType::Int8}, "output", &e) || !check_quant(out_id, "output", &e))
    return fail(e);
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  if (in.rank() < 1 || in.rank() > 4 || out.shape != in.shape)
    return fail(fmt::format("output {}: expected shape {} (rank 1..4), found {}", tname(out_id), shape_str(in.shape),
                            shape_str(out.shape)));
  if (out.quant.zero_point() != -128 || out.quant.scale() != 1.0f / 256)
    return fail(fmt::format("output {}: expected scale 1/256 and zero point -128, found scale {} zero point {}",
                            tname(out_id), out.quant.scale(), out.quant.zero_point()));
  const double beta = std::holds_alternative<SoftmaxAttrs>(op_.attrs) ? op_.attr<SoftmaxAttrs>().beta : 1.0;
  // PreprocessSoftmaxScaling with 5 integer bits, then the input radius.
  constexpr int kScaledDiffIntegerBits = 5;
  const double max_real = (1ll << 31) - 1.0;
  const double real =
      std::min<double>(beta * static_cast<double>(in.quant.scale()) * (1 << (31 - kScaledDiffIntegerBits)), max_real);
  const QuantizedMultiplier q = quantize_multiplier(real);
  SoftmaxParams& p = p_.args.p.softmax;
  p = SoftmaxParams{};
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  if (q.shift < 0) return fail(fmt::format("input {}: scale {} * beta {} is too small", tname(in_id), in.quant.scale(), beta));
  const double max_input_rescaled = 1.0 * ((1 << kScaledDiffIntegerBits) - 1) *
                                    static_cast<double>(1ll << (31 - kScaledDiffIntegerBits)) /
                                    static_cast<double>(1ll << q.shift);
  p.diff_min = -static_cast<int32_t>(std::floor(max_input_rescaled));
  p_.exp_lut.assign(256, 0);
  for (int d = 0; d < 256; ++d)
    if (-d >= p.diff_min) p_.exp_lut[static_cast<size_t>(d)] = fp::softmax_exp_term(-d, p.input_multiplier, p.input_left_shift);
  p.exp_lut = p_.exp_lut.data();
  set_io_default();
  return Ok{};
}

Result<Ok> Preparer::unary_lut() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  std::string e;
  if (!check_dtype(in_id, {DType::Int8}, "input", &e) || !check_quant(in_id, "input", &e) ||
      !check_dtype(out_id, {DType::Int8}, "output", &e) || !check_quant(out_id, "output", &e))
    return fail(e);
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  if (in.num_elements() != out.num_elements() || shape4_of(in.shape).c != shape4_of(out.shape).c)
    return fail(fmt::format("output {}: expected shape {}, found {}", tname(out_id), shape_str(in.shape), shape_str(out.shape)));
  const float in_scale = in.quant.scale(), out_scale = out.quant.scale();
  const int32_t in_zp = in.quant.zero_point(), out_zp = out.quant.zero_point();
  p_.lut8.resize(256);
  auto fill = [this](auto fn) {
    for (int v = -128; v <= 127; ++v)
      p_.lut8[static_cast<uint8_t>(static_cast<int8_t>(v))] = static_cast<uint8_t>(fn(static_cast<int8_t>(v)));
  };
  switch (op_.kind) {
    case OpKind::Logistic: {
      if (out_zp != -128)
        return fail(fmt::format("output {}: expected zero point -128, found {}", tname(out_id), out_zp));
      fp::LogisticS8Params lp{};
      lp.input_zero_point = in_zp;
      const double real = static_cast<double>(in_scale) * static_cast<double>(1 << (31 - 4));
      int left_shift = 0;
      const double fr = std::frexp(real, &left_shift);
      const double m = std::round(fr * static_cast<double>(1ll << 31));
      // TFLM casts without renormalising; 2^31 wraps to INT32_MIN on the reference host.
      lp.input_multiplier = m >= 2147483648.0 ? INT32_MIN : static_cast<int32_t>(m);
      lp.input_left_shift = left_shift;
      lp.input_range_radius = static_cast<int32_t>(
          std::floor(1.0 * ((1 << 4) - 1) * static_cast<double>(1ll << (31 - 4)) / std::ldexp(1.0, left_shift)));
      fill([&lp](int8_t v) { return fp::logistic_s8(v, lp); });
      break;
    }
    case OpKind::HardSwish: {
      fp::HardSwishS8Params hp{};
      hp.input_zero_point = in_zp;
      hp.output_zero_point = out_zp;
      const float hires_input_scale = (1.0f / 128.0f) * in_scale;
      const float reluish_scale = 3.0f / 32768.0f;
      auto downscale = [](int32_t m) -> int16_t {
        if (m >= std::numeric_limits<int32_t>::max() - (1 << 15)) return std::numeric_limits<int16_t>::max();
        return static_cast<int16_t>((m + (1 << 15)) >> 16);
      };
      const QuantizedMultiplier qo = quantize_multiplier(static_cast<double>(hires_input_scale / out_scale));
      hp.output_multiplier_fixedpoint_int16 = downscale(qo.multiplier);
      hp.output_multiplier_exponent = qo.shift;
      if (qo.shift > 0)
        return fail(fmt::format("output {}: scale {} is too small for input scale {} (TFLite requires output "
                                "multiplier exponent <= 0)",
                                tname(out_id), out_scale, in_scale));
      const QuantizedMultiplier qr = quantize_multiplier(static_cast<double>(hires_input_scale / reluish_scale));
      hp.reluish_multiplier_fixedpoint_int16 = downscale(qr.multiplier);
      hp.reluish_multiplier_exponent = qr.shift;
      fill([&hp](int8_t v) { return fp::hard_swish_s8(v, hp); });
      break;
    }
    case OpKind::Relu: {
      const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in_scale) / static_cast<double>(out_scale));
      const int32_t lo = std::max<int32_t>(-128, out_zp + static_cast<int32_t>(std::round(0.0f / out_scale)));
      fill([&](int8_t v) {
        const int32_t r = out_zp + multiply_by_quantized_multiplier(v - in_zp, q.multiplier, q.shift);
        return clamp_i32(r, lo, 127);
      });
      break;
    }
    case OpKind::Relu6: {
      // TFLM clamps the input bytes to [zero, six] of the INPUT quantization (no requantization).
      const int32_t zero = in_zp;
      const int32_t six = clamp_i32(static_cast<int32_t>(std::round(6.0f / in_scale)) + in_zp, -128, 127);
      fill([&](int8_t v) { return v > six ? six : (v < zero ? zero : static_cast<int32_t>(v)); });
      break;
    }
    default: return fail("not a table op");
  }
  p_.args.p.lut.table = p_.lut8.data();
  set_io_default();
  return Ok{};
}

Result<Ok> Preparer::quantize() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  std::string e;
  if (!check_dtype(in_id, {DType::Float32, DType::Int8, DType::UInt8}, "input", &e) ||
      !check_dtype(out_id, {DType::Int8, DType::UInt8}, "output", &e) || !check_quant(out_id, "output", &e))
    return fail(e);
  const Tensor& in = g_.tensor(in_id);
  const Tensor& out = g_.tensor(out_id);
  if (in.num_elements() != out.num_elements())
    return fail(fmt::format("output {}: expected {} elements, found {}", tname(out_id), in.num_elements(), out.num_elements()));
  const int32_t qmin = qmin_of(out.dtype), qmax = qmax_of(out.dtype), out_zp = out.quant.zero_point();
  if (in.dtype == DType::Float32) {
    QuantizeParams& p = p_.args.p.quantize;
    p.scale = out.quant.scale();
    p.zero_point = out_zp;
    p.qmin = qmin;
    p.qmax = qmax;
  } else {
    if (!check_quant(in_id, "input", &e)) return fail(e);
    // Requantize: (q - in_zp) * in_scale / out_scale + out_zp, as a table over the 256 input bytes.
    const QuantizedMultiplier q =
        quantize_multiplier(static_cast<double>(in.quant.scale()) / static_cast<double>(out.quant.scale()));
    const int32_t in_zp = in.quant.zero_point();
    p_.lut8.resize(256);
    for (int b = 0; b < 256; ++b) {
      const int32_t v = in.dtype == DType::Int8 ? static_cast<int8_t>(b) : b;
      const int32_t r = multiply_by_quantized_multiplier(v - in_zp, q.multiplier, q.shift) + out_zp;
      const int32_t c = clamp_i32(r, qmin, qmax);
      p_.lut8[static_cast<size_t>(b)] = static_cast<uint8_t>(c);
    }
    p_.args.p.lut.table = p_.lut8.data();
  }
  set_io_default();
  return Ok{};
}

Result<Ok> Preparer::dequantize() {
  TRY_STATUS(io_counts(1, 1));
  const int in_id = op_.inputs[0], out_id = op_.outputs[0];
  std::string e;
  if (!check_dtype(in_id, {DType::Int8, DType::UInt8}, "input", &e) || !check_quant(in_id, "input", &e) ||
      !check_dtype(out_id, {DType::Float32}, "output", &e))
    return fail(e);
  const Tensor& in = g_.tensor(in_id);
  if (in.num_elements() != g_.tensor(out_id).num_elements())
    return fail(fmt::format("output {}: expected {} elements, found {}", tname(out_id), in.num_elements(),
                            g_.tensor(out_id).num_elements()));
  const double scale = static_cast<double>(in.quant.scale());
  const int32_t zp = in.quant.zero_point();
  p_.lut_f32.resize(256);
  for (int b = 0; b < 256; ++b) {
    const int32_t v = in.dtype == DType::Int8 ? static_cast<int8_t>(b) : b;
    p_.lut_f32[static_cast<size_t>(b)] = static_cast<float>(scale * (v - zp));
  }
  p_.args.p.lut.table = p_.lut_f32.data();
  set_io_default();
  return Ok{};
}

Result<PreparedOp> Preparer::run() {
  p_.op_index = op_.index;
  p_.op_kind = op_.kind;
  p_.args.kind = static_cast<KernelKind>(op_.kind);
  Result<Ok> r = Ok{};
  switch (op_.kind) {
    case OpKind::Conv2D:
    case OpKind::DepthwiseConv2D: r = conv_like(); break;
    case OpKind::FullyConnected: r = fully_connected(); break;
    case OpKind::Add:
    case OpKind::Mul: r = binary(); break;
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: r = pool(); break;
    case OpKind::Mean: r = mean(); break;
    case OpKind::Pad:
    case OpKind::PadV2: r = pad(); break;
    case OpKind::Reshape:
    case OpKind::Squeeze: r = reshape(); break;
    case OpKind::Transpose: r = transpose(); break;
    case OpKind::Concatenation: r = concat(); break;
    case OpKind::Softmax: r = softmax(); break;
    case OpKind::Logistic:
    case OpKind::HardSwish:
    case OpKind::Relu:
    case OpKind::Relu6: r = unary_lut(); break;
    case OpKind::Quantize: r = quantize(); break;
    case OpKind::Dequantize: r = dequantize(); break;
  }
  if (!r.ok()) return r.error();
  p_.partition_caps = kernel_partition_caps(p_.args.kind);
  return std::move(p_);
}

}  // namespace

Result<PreparedOp> prepare_op(const Graph& g, const Op& op) { return Preparer(g, op).run(); }

Result<std::vector<PreparedOp>> prepare_graph(const Graph& g) {
  std::vector<PreparedOp> ops;
  ops.reserve(g.ops.size());
  for (const Op& op : g.ops) {
    Result<PreparedOp> p = prepare_op(g, op);
    if (!p.ok()) return p.error();
    ops.push_back(std::move(p).value());
  }
  return ops;
}

namespace {
AnyView dense_any(const void* data, ElemType t, Shape4 s) {
  AnyView v;
  v.data = data;
  v.type = t;
  v.full = s;
  v.n = s.n;
  v.h = s.h;
  v.w = s.w;
  v.c = s.c;
  v.stride_c = 1;
  v.stride_w = s.c;
  v.stride_h = s.w * s.c;
  v.stride_n = s.h * s.w * s.c;
  return v;
}
}  // namespace

KernelIO dense_io(const Graph& g, const PreparedOp& prepared, const std::vector<const void*>& input_data,
                  void* output_data) {
  KernelIO io;
  io.num_inputs = static_cast<int32_t>(prepared.inputs.size());
  for (size_t i = 0; i < prepared.inputs.size() && i < static_cast<size_t>(kMaxKernelInputs); ++i)
    io.in[i] = dense_any(i < input_data.size() ? input_data[i] : nullptr, prepared.input_types[i], prepared.input_shapes[i]);
  if (prepared.weights >= 0)
    io.weights = dense_any(g.tensor(prepared.weights).data, prepared.weight_type, prepared.weight_shape);
  io.out = dense_any(output_data, prepared.output_type, prepared.output_shape);
  return io;
}

}  // namespace tinyops
