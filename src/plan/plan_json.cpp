#include "plan/plan_json.h"

#include <fmt/format.h>

#include <map>

namespace tinyops {

using nlohmann::json;

namespace {

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::Compute: return "compute";
    case StepKind::DmaStart: return "dma_start";
    case StepKind::DmaWait: return "dma_wait";
  }
  return "?";
}

int64_t view_box_bytes(const PlanView& v) {
  if (v.buffer < 0) return 0;
  return int64_t{v.n} * v.h * v.w * v.c * elem_size(v.type);
}

json view_json(const PlanView& v) {
  if (v.buffer < 0) return nullptr;
  return json{{"buffer", v.buffer},
              {"byte_offset", v.byte_offset},
              {"type", elem_type_name(v.type)},
              {"full", {v.full.n, v.full.h, v.full.w, v.full.c}},
              {"origin", {v.n0, v.y0, v.x0, v.c0}},
              {"extent", {v.n, v.h, v.w, v.c}},
              {"strides", {v.stride_n, v.stride_h, v.stride_w, v.stride_c}}};
}

// Reading helpers: nlohmann throws on type errors; plan_from_json turns that into an Error naming the path.
struct Reader {
  std::string path;
  template <typename T>
  T get(const json& j, const char* key) const {
    if (!j.is_object() || !j.contains(key)) throw std::runtime_error(fmt::format("{}: missing field '{}'", path, key));
    return j.at(key).get<T>();
  }
};

ElemType elem_type_from(const std::string& s, const std::string& path) {
  for (int i = 0; i <= static_cast<int>(ElemType::Float32); ++i)
    if (s == elem_type_name(static_cast<ElemType>(i))) return static_cast<ElemType>(i);
  throw std::runtime_error(fmt::format("{}: unknown element type '{}'", path, s));
}

BufferKind buffer_kind_from(const std::string& s, const std::string& path) {
  for (int i = 0; i <= static_cast<int>(BufferKind::Scratch); ++i)
    if (s == buffer_kind_name(static_cast<BufferKind>(i))) return static_cast<BufferKind>(i);
  throw std::runtime_error(fmt::format("{}: unknown buffer kind '{}'", path, s));
}

void four(const json& j, const char* key, const std::string& path, int32_t* a, int32_t* b, int32_t* c, int32_t* d) {
  if (!j.contains(key) || !j.at(key).is_array() || j.at(key).size() != 4)
    throw std::runtime_error(fmt::format("{}: field '{}' must be an array of 4 integers", path, key));
  const json& v = j.at(key);
  *a = v[0].get<int32_t>(), *b = v[1].get<int32_t>(), *c = v[2].get<int32_t>(), *d = v[3].get<int32_t>();
}

PlanView view_from(const json& j, const std::string& path) {
  PlanView v;
  if (j.is_null()) return v;
  Reader r{path};
  v.buffer = r.get<int>(j, "buffer");
  v.byte_offset = r.get<int64_t>(j, "byte_offset");
  v.type = elem_type_from(r.get<std::string>(j, "type"), path);
  four(j, "full", path, &v.full.n, &v.full.h, &v.full.w, &v.full.c);
  four(j, "origin", path, &v.n0, &v.y0, &v.x0, &v.c0);
  four(j, "extent", path, &v.n, &v.h, &v.w, &v.c);
  four(j, "strides", path, &v.stride_n, &v.stride_h, &v.stride_w, &v.stride_c);
  return v;
}

}  // namespace

std::vector<PlanMemoryTraffic> plan_traffic(const Plan& plan) {
  std::vector<PlanMemoryTraffic> t;
  std::map<std::string, size_t> index;
  for (const MemoryUse& m : plan.memories) {
    index[m.name] = t.size();
    t.push_back(PlanMemoryTraffic{m.name});
  }
  auto mem_of = [&](int buffer) -> PlanMemoryTraffic* {
    if (buffer < 0 || buffer >= static_cast<int>(plan.buffers.size())) return nullptr;
    auto it = index.find(plan.buffers[static_cast<size_t>(buffer)].memory);
    return it == index.end() ? nullptr : &t[it->second];
  };
  for (const PlanStep& s : plan.steps) {
    if (s.kind == StepKind::DmaStart) {
      if (PlanMemoryTraffic* m = mem_of(s.dma.src_buffer)) m->dma_read += s.dma.bytes();
      if (PlanMemoryTraffic* m = mem_of(s.dma.dst_buffer)) m->dma_write += s.dma.bytes();
    } else if (s.kind == StepKind::Compute) {
      for (const PlanView& v : s.compute.inputs)
        if (PlanMemoryTraffic* m = mem_of(v.buffer)) m->cpu_read += view_box_bytes(v);
      if (PlanMemoryTraffic* m = mem_of(s.compute.weights.buffer)) m->cpu_read += view_box_bytes(s.compute.weights);
      if (PlanMemoryTraffic* m = mem_of(s.compute.output.buffer)) {
        const OutRange& r = s.compute.range;
        m->cpu_write += int64_t{s.compute.output.full.n} * (r.y_end - r.y_begin) * s.compute.output.full.w *
                        (r.c_end - r.c_begin) * elem_size(s.compute.output.type);
      }
    }
  }
  return t;
}

json plan_to_json(const Plan& plan, bool with_steps) {
  json j;
  j["model"] = plan.model;
  j["board"] = plan.board;
  j["strategy"] = plan.strategy;
  j["sram_budget"] = plan.sram_budget;
  j["memories"] = json::array();
  for (const MemoryUse& m : plan.memories)
    j["memories"].push_back({{"name", m.name}, {"kind", m.kind}, {"size", m.size}, {"used", m.used}});
  j["ops"] = json::array();
  int64_t dma_total = 0;
  for (const OpPlan& o : plan.ops) {
    j["ops"].push_back({{"op", o.op},
                        {"partitions", o.partitions},
                        {"axis", o.axis},
                        {"dma_bytes", o.dma_bytes_in + o.dma_bytes_out},
                        {"dma_bytes_in", o.dma_bytes_in},
                        {"dma_bytes_out", o.dma_bytes_out},
                        {"external_read_bytes", o.external_read_bytes},
                        {"external_write_bytes", o.external_write_bytes}});
    dma_total += o.dma_bytes_in + o.dma_bytes_out;
  }
  j["traffic"] = json::array();
  for (const PlanMemoryTraffic& t : plan_traffic(plan))
    j["traffic"].push_back({{"memory", t.memory},
                            {"dma_read", t.dma_read},
                            {"dma_write", t.dma_write},
                            {"cpu_read", t.cpu_read},
                            {"cpu_write", t.cpu_write}});
  int64_t transfers = 0;
  for (const PlanStep& s : plan.steps) transfers += s.kind == StepKind::DmaStart;
  j["totals"] = {{"dma_bytes", dma_total}, {"steps", plan.steps.size()}, {"transfers", transfers}};
  j["buffers"] = json::array();
  for (const PlanBuffer& b : plan.buffers)
    j["buffers"].push_back({{"id", b.id},
                            {"name", b.name},
                            {"kind", buffer_kind_name(b.kind)},
                            {"memory", b.memory},
                            {"offset", b.offset},
                            {"size", b.size},
                            {"alignment", b.alignment},
                            {"tensor", b.tensor},
                            {"first_step", b.first_step},
                            {"last_step", b.last_step}});
  j["input_buffers"] = plan.input_buffers;
  j["output_buffers"] = plan.output_buffers;
  if (with_steps) {
    j["steps"] = json::array();
    for (const PlanStep& s : plan.steps) {
      json o{{"kind", step_kind_name(s.kind)}};
      if (s.kind == StepKind::Compute) {
        const ComputeStep& c = s.compute;
        o["op"] = c.op;
        o["partition"] = c.partition;
        o["range"] = {c.range.y_begin, c.range.y_end, c.range.c_begin, c.range.c_end};
        o["inputs"] = json::array();
        for (const PlanView& v : c.inputs) o["inputs"].push_back(view_json(v));
        o["weights"] = view_json(c.weights);
        o["output"] = view_json(c.output);
        o["scratch"] = {{"buffer", c.scratch_buffer}, {"offset", c.scratch_offset}, {"bytes", c.scratch_bytes}};
      } else if (s.kind == StepKind::DmaStart) {
        const DmaStep& d = s.dma;
        o["dma"] = d.dma;
        o["channel"] = d.channel;
        o["src"] = {{"buffer", d.src_buffer}, {"offset", d.src_offset}, {"stride", d.src_stride}};
        o["dst"] = {{"buffer", d.dst_buffer}, {"offset", d.dst_offset}, {"stride", d.dst_stride}};
        o["rows"] = d.rows;
        o["row_bytes"] = d.row_bytes;
      } else {
        o["dma"] = s.dma.dma;
      }
      j["steps"].push_back(std::move(o));
    }
  }
  return j;
}

Result<Plan> plan_from_json(const json& j) {
  try {
    Plan p;
    Reader r{"plan"};
    p.model = r.get<std::string>(j, "model");
    p.board = r.get<std::string>(j, "board");
    p.strategy = r.get<std::string>(j, "strategy");
    p.sram_budget = r.get<int64_t>(j, "sram_budget");
    const json& mems = r.get<json>(j, "memories");
    for (size_t i = 0; i < mems.size(); ++i) {
      Reader m{fmt::format("memories[{}]", i)};
      MemoryUse u;
      u.name = m.get<std::string>(mems[i], "name");
      u.kind = m.get<std::string>(mems[i], "kind");
      u.size = m.get<int64_t>(mems[i], "size");
      u.used = m.get<int64_t>(mems[i], "used");
      p.memories.push_back(std::move(u));
    }
    const json& ops = r.get<json>(j, "ops");
    for (size_t i = 0; i < ops.size(); ++i) {
      Reader o{fmt::format("ops[{}]", i)};
      OpPlan op;
      op.op = o.get<int>(ops[i], "op");
      op.partitions = o.get<int>(ops[i], "partitions");
      op.axis = o.get<std::string>(ops[i], "axis");
      op.dma_bytes_in = o.get<int64_t>(ops[i], "dma_bytes_in");
      op.dma_bytes_out = o.get<int64_t>(ops[i], "dma_bytes_out");
      op.external_read_bytes = o.get<int64_t>(ops[i], "external_read_bytes");
      op.external_write_bytes = o.get<int64_t>(ops[i], "external_write_bytes");
      p.ops.push_back(std::move(op));
    }
    const json& bufs = r.get<json>(j, "buffers");
    for (size_t i = 0; i < bufs.size(); ++i) {
      const std::string path = fmt::format("buffers[{}]", i);
      Reader b{path};
      PlanBuffer pb;
      pb.id = b.get<int>(bufs[i], "id");
      if (pb.id != static_cast<int>(i)) throw std::runtime_error(fmt::format("{}: id {} must equal its index", path, pb.id));
      pb.name = b.get<std::string>(bufs[i], "name");
      pb.kind = buffer_kind_from(b.get<std::string>(bufs[i], "kind"), path);
      pb.memory = b.get<std::string>(bufs[i], "memory");
      pb.offset = b.get<int64_t>(bufs[i], "offset");
      pb.size = b.get<int64_t>(bufs[i], "size");
      pb.alignment = b.get<int32_t>(bufs[i], "alignment");
      pb.tensor = b.get<int>(bufs[i], "tensor");
      pb.first_step = b.get<int>(bufs[i], "first_step");
      pb.last_step = b.get<int>(bufs[i], "last_step");
      p.buffers.push_back(std::move(pb));
    }
    p.input_buffers = r.get<std::vector<int>>(j, "input_buffers");
    p.output_buffers = r.get<std::vector<int>>(j, "output_buffers");
    if (j.contains("steps")) {
      const json& steps = j.at("steps");
      for (size_t i = 0; i < steps.size(); ++i) {
        const std::string path = fmt::format("steps[{}]", i);
        Reader s{path};
        const json& o = steps[i];
        PlanStep st;
        const std::string kind = s.get<std::string>(o, "kind");
        if (kind == "compute") {
          st.kind = StepKind::Compute;
          ComputeStep& c = st.compute;
          c.op = s.get<int>(o, "op");
          c.partition = s.get<int>(o, "partition");
          four(o, "range", path, &c.range.y_begin, &c.range.y_end, &c.range.c_begin, &c.range.c_end);
          const json& ins = s.get<json>(o, "inputs");
          for (size_t k = 0; k < ins.size(); ++k) c.inputs.push_back(view_from(ins[k], fmt::format("{}.inputs[{}]", path, k)));
          c.weights = view_from(s.get<json>(o, "weights"), path + ".weights");
          c.output = view_from(s.get<json>(o, "output"), path + ".output");
          const json sc = s.get<json>(o, "scratch");
          Reader scr{path + ".scratch"};
          c.scratch_buffer = scr.get<int>(sc, "buffer");
          c.scratch_offset = scr.get<int64_t>(sc, "offset");
          c.scratch_bytes = scr.get<int32_t>(sc, "bytes");
        } else if (kind == "dma_start") {
          st.kind = StepKind::DmaStart;
          DmaStep& d = st.dma;
          d.dma = s.get<int>(o, "dma");
          d.channel = s.get<int>(o, "channel");
          const json src = s.get<json>(o, "src"), dst = s.get<json>(o, "dst");
          Reader rs{path + ".src"}, rd{path + ".dst"};
          d.src_buffer = rs.get<int>(src, "buffer");
          d.src_offset = rs.get<int64_t>(src, "offset");
          d.src_stride = rs.get<int64_t>(src, "stride");
          d.dst_buffer = rd.get<int>(dst, "buffer");
          d.dst_offset = rd.get<int64_t>(dst, "offset");
          d.dst_stride = rd.get<int64_t>(dst, "stride");
          d.rows = s.get<int32_t>(o, "rows");
          d.row_bytes = s.get<int32_t>(o, "row_bytes");
        } else if (kind == "dma_wait") {
          st.kind = StepKind::DmaWait;
          st.dma.dma = s.get<int>(o, "dma");
        } else {
          throw std::runtime_error(fmt::format("{}: unknown step kind '{}'", path, kind));
        }
        p.steps.push_back(std::move(st));
      }
    }
    return p;
  } catch (const std::exception& e) {
    return Error{fmt::format("invalid plan JSON: {}", e.what())};
  }
}

namespace {

std::string kib(int64_t b) { return fmt::format("{:.1f} KB", static_cast<double>(b) / 1024.0); }

}  // namespace

std::string plan_table(const Graph& g, const Plan& plan) {
  std::string s = fmt::format("plan: model {}, board {}, strategy {}, SRAM budget {} bytes ({})\n", plan.model,
                              plan.board, plan.strategy, plan.sram_budget, kib(plan.sram_budget));
  s += "\nmemory map\n";
  s += fmt::format("  {:<10} {:<11} {:>12} {:>12} {:>7}\n", "memory", "kind", "used", "size", "use");
  for (const MemoryUse& m : plan.memories)
    s += fmt::format("  {:<10} {:<11} {:>12} {:>12} {:>6.1f}%\n", m.name, m.kind, m.used, m.size,
                     m.size > 0 ? 100.0 * static_cast<double>(m.used) / static_cast<double>(m.size) : 0.0);
  s += "\nops\n";
  s += fmt::format("  {:>4} {:<18} {:>6} {:<14} {:>11} {:>11} {:>11} {:>11}\n", "op", "type", "parts", "axis",
                   "dma in", "dma out", "ext read", "ext write");
  int64_t in = 0, out = 0, xr = 0, xw = 0;
  for (const OpPlan& o : plan.ops) {
    const char* type = o.op >= 0 && o.op < static_cast<int>(g.ops.size()) ? op_name(g.ops[static_cast<size_t>(o.op)].kind) : "?";
    s += fmt::format("  {:>4} {:<18} {:>6} {:<14} {:>11} {:>11} {:>11} {:>11}\n", o.op, type, o.partitions, o.axis,
                     o.dma_bytes_in, o.dma_bytes_out, o.external_read_bytes, o.external_write_bytes);
    in += o.dma_bytes_in, out += o.dma_bytes_out, xr += o.external_read_bytes, xw += o.external_write_bytes;
  }
  s += fmt::format("  {:>4} {:<18} {:>6} {:<14} {:>11} {:>11} {:>11} {:>11}\n", "", "total", "", "", in, out, xr, xw);
  s += "\nbytes moved per memory\n";
  s += fmt::format("  {:<10} {:>12} {:>12} {:>12} {:>12}\n", "memory", "dma read", "dma write", "cpu read", "cpu write");
  for (const PlanMemoryTraffic& t : plan_traffic(plan))
    s += fmt::format("  {:<10} {:>12} {:>12} {:>12} {:>12}\n", t.memory, t.dma_read, t.dma_write, t.cpu_read,
                     t.cpu_write);
  int64_t transfers = 0;
  for (const PlanStep& st : plan.steps) transfers += st.kind == StepKind::DmaStart;
  s += fmt::format("\n{} steps, {} DMA transfers, {} buffers\n", plan.steps.size(), transfers, plan.buffers.size());
  return s;
}

}  // namespace tinyops
