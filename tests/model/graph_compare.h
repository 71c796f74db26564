// Structural comparison of two graphs for the writer/zoo tests: returns the first difference.
#pragma once
#include <cstring>
#include <sstream>
#include <string>

#include "model/graph.h"

namespace tinyops::testing {

inline std::string join(const std::vector<int>& v) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << v[i];
  s << "]";
  return s.str();
}

// Canonical text of an op's attributes.
inline std::string attrs_str(const Op& op) {
  std::ostringstream s;
  if (const auto* a = std::get_if<ConvAttrs>(&op.attrs))
    s << "conv pad=" << int(a->padding) << " s=" << a->stride_h << "," << a->stride_w << " d=" << a->dilation_h
      << "," << a->dilation_w << " m=" << a->depth_multiplier << " act=" << int(a->activation);
  else if (const auto* p = std::get_if<PoolAttrs>(&op.attrs))
    s << "pool pad=" << int(p->padding) << " s=" << p->stride_h << "," << p->stride_w << " f=" << p->filter_h << ","
      << p->filter_w << " act=" << int(p->activation);
  else if (const auto* f = std::get_if<FullyConnectedAttrs>(&op.attrs))
    s << "fc act=" << int(f->activation) << " keep=" << f->keep_num_dims;
  else if (const auto* e = std::get_if<ElementwiseAttrs>(&op.attrs))
    s << "elementwise act=" << int(e->activation);
  else if (const auto* c = std::get_if<ConcatAttrs>(&op.attrs))
    s << "concat axis=" << c->axis << " act=" << int(c->activation);
  else if (const auto* sm = std::get_if<SoftmaxAttrs>(&op.attrs))
    s << "softmax beta=" << sm->beta;
  else if (const auto* m = std::get_if<MeanAttrs>(&op.attrs))
    s << "mean keep=" << m->keep_dims << " axes=" << join(m->axes);
  else if (const auto* pd = std::get_if<PadAttrs>(&op.attrs))
    s << "pad before=" << join(pd->before) << " after=" << join(pd->after) << " value=" << pd->pad_value;
  else if (const auto* t = std::get_if<TransposeAttrs>(&op.attrs))
    s << "transpose perm=" << join(t->perm);
  else
    s << "none";
  return s.str();
}

inline std::string tensor_diff(const Tensor& a, const Tensor& b) {
  const std::string who = "tensor " + std::to_string(a.id) + " '" + a.name + "'";
  if (a.id != b.id) return who + ": id " + std::to_string(b.id);
  if (a.name != b.name) return who + ": name '" + b.name + "'";
  if (a.dtype != b.dtype) return who + ": dtype " + dtype_name(b.dtype);
  if (a.shape != b.shape) return who + ": shape " + join(a.shape) + " vs " + join(b.shape);
  if (a.quant.scales != b.quant.scales) return who + ": scales differ";
  if (a.quant.zero_points != b.quant.zero_points) return who + ": zero points differ";
  if (a.quant.per_channel() && a.quant.axis != b.quant.axis)
    return who + ": quantized axis " + std::to_string(a.quant.axis) + " vs " + std::to_string(b.quant.axis);
  if (a.is_constant() != b.is_constant()) return who + ": constness differs";
  if (a.is_constant() && (a.data_size != b.data_size || std::memcmp(a.data, b.data, a.data_size) != 0))
    return who + ": constant data differs";
  return {};
}

// Compares graph b against a: b may have extra tensors after a's (the writer's re-created
// constant operands); everything else must be identical.
inline std::string graph_diff(const Graph& a, const Graph& b) {
  if (b.tensors.size() < a.tensors.size())
    return "tensor count " + std::to_string(a.tensors.size()) + " vs " + std::to_string(b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i)
    if (auto d = tensor_diff(a.tensors[i], b.tensors[i]); !d.empty()) return d;
  if (a.inputs != b.inputs) return "graph inputs " + join(a.inputs) + " vs " + join(b.inputs);
  if (a.outputs != b.outputs) return "graph outputs " + join(a.outputs) + " vs " + join(b.outputs);
  if (a.ops.size() != b.ops.size())
    return "op count " + std::to_string(a.ops.size()) + " vs " + std::to_string(b.ops.size());
  for (size_t i = 0; i < a.ops.size(); ++i) {
    const Op &x = a.ops[i], &y = b.ops[i];
    const std::string who = "op " + std::to_string(i) + " (" + op_name(x.kind) + ")";
    if (x.kind != y.kind) return who + ": kind " + op_name(y.kind);
    if (x.index != y.index) return who + ": index " + std::to_string(y.index);
    if (x.inputs != y.inputs) return who + ": inputs " + join(x.inputs) + " vs " + join(y.inputs);
    if (x.outputs != y.outputs) return who + ": outputs " + join(x.outputs) + " vs " + join(y.outputs);
    if (attrs_str(x) != attrs_str(y)) return who + ": attrs '" + attrs_str(x) + "' vs '" + attrs_str(y) + "'";
  }
  if (a.description != b.description) return "description '" + a.description + "' vs '" + b.description + "'";
  return {};
}

}  // namespace tinyops::testing
