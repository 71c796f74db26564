#include "model/summary.h"

#include <fmt/format.h>

#include "plan/arena.h"

namespace tinyops {

std::string shape_str(const std::vector<int>& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

namespace {
int64_t activation_bytes(const Graph& g, const Op& op) {
  int64_t b = 0;
  for (int id : op.inputs)
    if (id >= 0 && !g.tensor(id).is_constant()) b += static_cast<int64_t>(g.tensor(id).bytes());
  for (int id : op.outputs) b += static_cast<int64_t>(g.tensor(id).bytes());
  return b;
}
std::string data_inputs(const Graph& g, const Op& op) {
  std::vector<std::string> parts;
  for (int id : op.inputs)
    if (id >= 0 && !g.tensor(id).is_constant()) parts.push_back(shape_str(g.tensor(id).shape));
  return fmt::format("{}", fmt::join(parts, " "));
}
}  // namespace

nlohmann::json graph_summary_json(const Graph& g) {
  nlohmann::json j;
  nlohmann::json layers = nlohmann::json::array();
  for (const Op& op : g.ops) {
    nlohmann::json l;
    l["index"] = op.index;
    l["op"] = op_name(op.kind);
    nlohmann::json ins = nlohmann::json::array();
    for (int id : op.inputs)
      if (id >= 0 && !g.tensor(id).is_constant()) ins.push_back(g.tensor(id).shape);
    l["input_shapes"] = ins;
    l["output_shape"] = g.output(op).shape;
    l["output"] = g.output(op).name;
    l["macs"] = op_macs(g, op);
    l["weight_bytes"] = op_weight_bytes(g, op);
    l["activation_bytes"] = activation_bytes(g, op);
    layers.push_back(l);
  }
  const ArenaPlan arena = plan_arena(g);
  j["layers"] = layers;
  auto io = [&](const std::vector<int>& ids) {
    nlohmann::json a = nlohmann::json::array();
    for (int id : ids) {
      const Tensor& t = g.tensor(id);
      a.push_back({{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape},
                   {"scale", t.quant.scale()}, {"zero_point", t.quant.zero_point()}});
    }
    return a;
  };
  j["inputs"] = io(g.inputs);
  j["outputs"] = io(g.outputs);
  j["totals"] = {{"ops", g.ops.size()},
                 {"macs", graph_macs(g)},
                 {"params", graph_params(g)},
                 {"weight_bytes", graph_weight_bytes(g)},
                 {"peak_activation_bytes", arena.arena_bytes},
                 {"live_peak_activation_bytes", arena.live_peak_bytes},
                 {"live_peak_op", arena.live_peak_op}};
  j["macs"] = graph_macs(g);  // the totals scripts ask for most, also at the top level
  j["params"] = graph_params(g);
  return j;
}

std::string graph_summary_table(const Graph& g) {
  std::string s;
  s += fmt::format("{:>4}  {:<18} {:<28} {:<18} {:>12} {:>10} {:>10}\n", "#", "op", "input", "output", "MACs",
                   "weights", "act bytes");
  for (const Op& op : g.ops)
    s += fmt::format("{:>4}  {:<18} {:<28} {:<18} {:>12} {:>10} {:>10}\n", op.index, op_name(op.kind),
                     data_inputs(g, op), shape_str(g.output(op).shape), op_macs(g, op), op_weight_bytes(g, op),
                     activation_bytes(g, op));
  const ArenaPlan arena = plan_arena(g);
  s += fmt::format("\ntotals: {} ops, {:.2f} M MACs, {:.3f} M params, {:.1f} KB weights\n", g.ops.size(),
                   graph_macs(g) / 1e6, graph_params(g) / 1e6, graph_weight_bytes(g) / 1024.0);
  s += fmt::format("peak activation memory (in-order schedule, greedy offset planner): {:.1f} KB "
                   "(live tensors peak {:.1f} KB at op {})\n",
                   arena.arena_bytes / 1024.0, arena.live_peak_bytes / 1024.0, arena.live_peak_op);
  return s;
}

}  // namespace tinyops
