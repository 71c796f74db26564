#include "export/args_emit.h"

#include <fmt/format.h>

#include <vector>

#include "export/c_emit.h"

namespace tinyops {

namespace {

using cemit::f32;
using cemit::i32;

struct Fields {
  std::vector<std::string> items;
  void add(const char* name, const std::string& value) { items.push_back(fmt::format(".{} = {}", name, value)); }
  void add(const char* name, int32_t v) { add(name, i32(v)); }
  std::string braced() const { return "{" + fmt::format("{}", fmt::join(items, ", ")) + "}"; }
};

std::string arr4(const int32_t* v) { return fmt::format("{{{}, {}, {}, {}}}", i32(v[0]), i32(v[1]), i32(v[2]), i32(v[3])); }

Result<std::string> conv_fields(const ConvParams& p, const TableNamer& name) {
  Fields f;
  f.add("stride_h", p.stride_h);
  f.add("stride_w", p.stride_w);
  f.add("dilation_h", p.dilation_h);
  f.add("dilation_w", p.dilation_w);
  f.add("pad_top", p.pad_top);
  f.add("pad_left", p.pad_left);
  f.add("filter_h", p.filter_h);
  f.add("filter_w", p.filter_w);
  f.add("depth_multiplier", p.depth_multiplier);
  f.add("input_offset", p.input_offset);
  f.add("output_offset", p.output_offset);
  f.add("act_min", p.act_min);
  f.add("act_max", p.act_max);
  const std::pair<const char*, const void*> ptrs[] = {
      {"multiplier", p.multiplier}, {"shift", p.shift}, {"bias", p.bias}, {"bias_sums", p.bias_sums}};
  for (const auto& [field, ptr] : ptrs) {
    auto n = name(ptr);
    if (!n.ok()) return Error{fmt::format("ConvParams.{}: {}", field, n.error().message)};
    f.add(field, n.value());
  }
  return ".conv = " + f.braced();
}

}  // namespace

Result<std::string> kernel_args_initializer(const PreparedOp& op, const TableNamer& namer) {
  const KernelArgs& a = op.args;
  const KernelParams& p = a.p;
  Fields f;
  std::string member;
  switch (a.kind) {
    case KernelKind::Conv2D:
    case KernelKind::DepthwiseConv2D:
    case KernelKind::FullyConnected: {
      auto c = conv_fields(p.conv, namer);
      if (!c.ok()) return c.error();
      member = c.value();
      break;
    }
    case KernelKind::AveragePool2D:
    case KernelKind::MaxPool2D:
      f.add("stride_h", p.pool.stride_h);
      f.add("stride_w", p.pool.stride_w);
      f.add("filter_h", p.pool.filter_h);
      f.add("filter_w", p.pool.filter_w);
      f.add("pad_top", p.pool.pad_top);
      f.add("pad_left", p.pool.pad_left);
      f.add("act_min", p.pool.act_min);
      f.add("act_max", p.pool.act_max);
      member = ".pool = " + f.braced();
      break;
    case KernelKind::Add:
      f.add("input1_offset", p.add.input1_offset);
      f.add("input2_offset", p.add.input2_offset);
      f.add("output_offset", p.add.output_offset);
      f.add("left_shift", p.add.left_shift);
      f.add("input1_multiplier", p.add.input1_multiplier);
      f.add("input1_shift", p.add.input1_shift);
      f.add("input2_multiplier", p.add.input2_multiplier);
      f.add("input2_shift", p.add.input2_shift);
      f.add("output_multiplier", p.add.output_multiplier);
      f.add("output_shift", p.add.output_shift);
      f.add("act_min", p.add.act_min);
      f.add("act_max", p.add.act_max);
      member = ".add = " + f.braced();
      break;
    case KernelKind::Mul:
      f.add("input1_offset", p.mul.input1_offset);
      f.add("input2_offset", p.mul.input2_offset);
      f.add("output_offset", p.mul.output_offset);
      f.add("output_multiplier", p.mul.output_multiplier);
      f.add("output_shift", p.mul.output_shift);
      f.add("act_min", p.mul.act_min);
      f.add("act_max", p.mul.act_max);
      member = ".mul = " + f.braced();
      break;
    case KernelKind::Mean:
      f.add("input_zero_point", p.mean.input_zero_point);
      f.add("output_zero_point", p.mean.output_zero_point);
      f.add("multiplier", p.mean.multiplier);
      f.add("shift", p.mean.shift);
      f.add("num_elements", p.mean.num_elements);
      f.add("requantize", p.mean.requantize);
      f.add("act_min", p.mean.act_min);
      f.add("act_max", p.mean.act_max);
      member = ".mean = " + f.braced();
      break;
    case KernelKind::Pad:
    case KernelKind::PadV2:
      f.add("before", arr4(p.pad.before));
      f.add("after", arr4(p.pad.after));
      f.add("pad_value", p.pad.pad_value);
      member = ".pad = " + f.braced();
      break;
    case KernelKind::Reshape:
    case KernelKind::Squeeze:
      member = "";  // no parameters: a byte copy
      break;
    case KernelKind::Transpose:
      f.add("perm", arr4(p.transpose.perm));
      member = ".transpose = " + f.braced();
      break;
    case KernelKind::Concatenation:
      f.add("axis", p.concat.axis);
      member = ".concat = " + f.braced();
      break;
    case KernelKind::Softmax: {
      f.add("input_multiplier", p.softmax.input_multiplier);
      f.add("input_left_shift", p.softmax.input_left_shift);
      f.add("diff_min", p.softmax.diff_min);
      auto n = namer(p.softmax.exp_lut);
      if (!n.ok()) return Error{"SoftmaxParams.exp_lut: " + n.error().message};
      f.add("exp_lut", n.value());
      member = ".softmax = " + f.braced();
      break;
    }
    case KernelKind::Quantize:
      // float32 input: QuantizeParams; 8-bit input: a requantization LUT (prepare.cpp).
      if (!op.input_types.empty() && op.input_types[0] == ElemType::Float32) {
        f.add("scale", f32(p.quantize.scale));
        f.add("zero_point", p.quantize.zero_point);
        f.add("qmin", p.quantize.qmin);
        f.add("qmax", p.quantize.qmax);
        member = ".quantize = " + f.braced();
        break;
      }
      [[fallthrough]];
    case KernelKind::Logistic:
    case KernelKind::HardSwish:
    case KernelKind::Relu:
    case KernelKind::Relu6:
    case KernelKind::Dequantize: {
      auto n = namer(p.lut.table);
      if (!n.ok()) return Error{"LutParams.table: " + n.error().message};
      f.add("table", n.value());
      member = ".lut = " + f.braced();
      break;
    }
    case KernelKind::Count:
      return Error{fmt::format("op {}: invalid kernel kind", op.op_index)};
  }
  return fmt::format("{{tinyops::KernelKind::{}, {{{}}}}}", [&] {
    switch (a.kind) {
      case KernelKind::Conv2D: return "Conv2D";
      case KernelKind::DepthwiseConv2D: return "DepthwiseConv2D";
      case KernelKind::FullyConnected: return "FullyConnected";
      case KernelKind::Add: return "Add";
      case KernelKind::Mul: return "Mul";
      case KernelKind::AveragePool2D: return "AveragePool2D";
      case KernelKind::MaxPool2D: return "MaxPool2D";
      case KernelKind::Mean: return "Mean";
      case KernelKind::Pad: return "Pad";
      case KernelKind::PadV2: return "PadV2";
      case KernelKind::Reshape: return "Reshape";
      case KernelKind::Squeeze: return "Squeeze";
      case KernelKind::Transpose: return "Transpose";
      case KernelKind::Concatenation: return "Concatenation";
      case KernelKind::Softmax: return "Softmax";
      case KernelKind::Logistic: return "Logistic";
      case KernelKind::HardSwish: return "HardSwish";
      case KernelKind::Relu: return "Relu";
      case KernelKind::Relu6: return "Relu6";
      case KernelKind::Quantize: return "Quantize";
      case KernelKind::Dequantize: return "Dequantize";
      case KernelKind::Count: break;
    }
    return "Count";
  }(), member);
}

}  // namespace tinyops
