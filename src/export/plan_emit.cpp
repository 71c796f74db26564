#include "export/plan_emit.h"

#include <fmt/format.h>

#include <map>

#include "export/c_emit.h"
#include "runtime/executor.h"

namespace tinyops {

namespace {

const char* elem_type_enum(ElemType t) {
  switch (t) {
    case ElemType::Int8: return "Int8";
    case ElemType::UInt8: return "UInt8";
    case ElemType::Int16: return "Int16";
    case ElemType::Int32: return "Int32";
    case ElemType::Float32: return "Float32";
  }
  return "Int8";
}

std::string view_text(const ExecView& v) {
  if (v.memory < 0) return "kNoView";
  return fmt::format("V({}, {}u, tinyops::ElemType::{}, {{{}, {}, {}, {}}}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                     v.memory, v.offset, elem_type_enum(v.type), v.full.n, v.full.h, v.full.w, v.full.c, v.n0, v.y0,
                     v.x0, v.c0, v.n, v.h, v.w, v.c, v.stride_n, v.stride_h, v.stride_w, v.stride_c);
}

// Field-by-field constructors (a renamed or removed field is a compile error in the firmware, and
// the tables stay constant-initialised in flash).
constexpr const char* kHelpers = R"(namespace {

using tinyops::ExecCompute;
using tinyops::ExecDma;
using tinyops::ExecStep;
using tinyops::ExecStepKind;
using tinyops::ExecView;

constexpr ExecView V(int32_t memory, uint32_t offset, tinyops::ElemType type, tinyops::Shape4 full, int32_t n0,
                     int32_t y0, int32_t x0, int32_t c0, int32_t n, int32_t h, int32_t w, int32_t c, int32_t sn,
                     int32_t sh, int32_t sw, int32_t sc) {
  ExecView v{};
  v.memory = memory;
  v.offset = offset;
  v.type = type;
  v.full = full;
  v.n0 = n0, v.y0 = y0, v.x0 = x0, v.c0 = c0;
  v.n = n, v.h = h, v.w = w, v.c = c;
  v.stride_n = sn, v.stride_h = sh, v.stride_w = sw, v.stride_c = sc;
  return v;
}

constexpr ExecView make_no_view() {
  ExecView v{};
  v.memory = -1;
  return v;
}
constexpr ExecView kNoView = make_no_view();

constexpr ExecCompute C(int32_t op, int32_t partition, int32_t y_begin, int32_t y_end, int32_t c_begin, int32_t c_end,
                        int32_t first_input, int32_t num_inputs, ExecView weights, ExecView output,
                        int32_t scratch_memory, uint32_t scratch_offset, int32_t scratch_bytes) {
  ExecCompute c{};
  c.op = op;
  c.partition = partition;
  c.range.y_begin = y_begin, c.range.y_end = y_end, c.range.c_begin = c_begin, c.range.c_end = c_end;
  c.first_input = first_input;
  c.num_inputs = num_inputs;
  c.weights = weights;
  c.output = output;
  c.scratch_memory = scratch_memory;
  c.scratch_offset = scratch_offset;
  c.scratch_bytes = scratch_bytes;
  return c;
}

constexpr ExecDma D(int32_t id, int32_t channel, int32_t src_memory, uint32_t src_offset, int32_t src_stride,
                    int32_t dst_memory, uint32_t dst_offset, int32_t dst_stride, int32_t rows, int32_t row_bytes) {
  ExecDma d{};
  d.id = id;
  d.channel = channel;
  d.src_memory = src_memory;
  d.src_offset = src_offset;
  d.src_stride = src_stride;
  d.dst_memory = dst_memory;
  d.dst_offset = dst_offset;
  d.dst_stride = dst_stride;
  d.rows = rows;
  d.row_bytes = row_bytes;
  return d;
}

constexpr ExecStep S(ExecStepKind kind, int32_t index) {
  ExecStep s{};
  s.kind = kind;
  s.index = index;
  return s;
}
constexpr ExecStepKind kC = ExecStepKind::Compute;
constexpr ExecStepKind kS = ExecStepKind::DmaStart;
constexpr ExecStepKind kW = ExecStepKind::DmaWait;

}  // namespace

)";

}  // namespace

std::vector<StepSegment> step_segments(const Plan& plan) {
  const int n = static_cast<int>(plan.steps.size());
  std::vector<int> owner(static_cast<size_t>(n), -1);
  std::vector<int> next_compute_op(static_cast<size_t>(n) + 1, -1);
  for (int i = n - 1; i >= 0; --i) {
    const PlanStep& s = plan.steps[static_cast<size_t>(i)];
    next_compute_op[static_cast<size_t>(i)] =
        s.kind == StepKind::Compute ? s.compute.op : next_compute_op[static_cast<size_t>(i) + 1];
  }
  auto kind_of = [&](int buffer) {
    return buffer >= 0 && buffer < static_cast<int>(plan.buffers.size()) ? plan.buffers[static_cast<size_t>(buffer)].kind
                                                                          : BufferKind::Activation;
  };
  std::map<int, int> last_writer;  // buffer -> op of the latest compute writing it
  std::map<int, int> start_owner;  // transfer id -> owner
  int prev_op = -1;
  for (int i = 0; i < n; ++i) {
    const PlanStep& s = plan.steps[static_cast<size_t>(i)];
    int o = -1;
    if (s.kind == StepKind::Compute) {
      o = s.compute.op;
      last_writer[s.compute.output.buffer] = o;
      prev_op = o;
    } else if (s.kind == StepKind::DmaStart) {
      const bool into_fast = kind_of(s.dma.dst_buffer) == BufferKind::Tile || kind_of(s.dma.dst_buffer) == BufferKind::Scratch;
      auto w = last_writer.find(s.dma.src_buffer);
      if (!into_fast && w != last_writer.end()) o = w->second;  // write-back of a computed tile
      else o = next_compute_op[static_cast<size_t>(i)];         // prefetch for the next compute
      if (o < 0) o = prev_op;
      start_owner[s.dma.dma] = o;
    } else {
      auto it = start_owner.find(s.dma.dma);
      o = it != start_owner.end() ? it->second : prev_op;
    }
    owner[static_cast<size_t>(i)] = o < 0 ? 0 : o;
  }
  std::vector<StepSegment> segs;
  for (int i = 0; i < n; ++i) {
    if (segs.empty() || segs.back().op != owner[static_cast<size_t>(i)])
      segs.push_back(StepSegment{owner[static_cast<size_t>(i)], i, 0});
    ++segs.back().count;
  }
  return segs;
}

Result<PlanEmitOutput> emit_plan_tables(const PlanEmitInput& in) {
  auto lowered = lower_plan(in.g, in.plan);
  if (!lowered.ok()) return Error{"export: " + lowered.error().message};
  const LoweredPlan& lp = lowered.value();
  if (lp.memory_names.size() != in.num_memories)
    return Error{fmt::format("export: lowered plan has {} memories, expected {}", lp.memory_names.size(), in.num_memories)};

  PlanEmitOutput out;
  std::string& s = out.source;
  s += "// ---- the plan, lowered for executor_core ----\n";
  s += kHelpers;
  const std::string attr = in.table_section.empty() ? "" : fmt::format("TINYOPS_SECTION(\"{}\") ", in.table_section);
  s += fmt::format("{}static const ExecStep kSteps[{}] = {{\n", attr, std::max<size_t>(lp.steps.size(), 1));
  for (size_t i = 0; i < lp.steps.size(); ++i) {
    const ExecStep& st = lp.steps[i];
    const char* k = st.kind == ExecStepKind::Compute ? "kC" : st.kind == ExecStepKind::DmaStart ? "kS" : "kW";
    s += fmt::format("{}S({}, {}),", i % 8 == 0 ? (i ? "\n    " : "    ") : " ", k, st.index);
  }
  if (lp.steps.empty()) s += "    S(kC, 0),";
  s += "\n};\n";
  s += fmt::format("{}static const ExecCompute kComputes[{}] = {{\n", attr, std::max<size_t>(lp.computes.size(), 1));
  for (const ExecCompute& c : lp.computes)
    s += fmt::format("    C({}, {}, {}, {}, {}, {}, {}, {},\n      {},\n      {},\n      {}, {}u, {}),\n", c.op, c.partition,
                     c.range.y_begin, c.range.y_end, c.range.c_begin, c.range.c_end, c.first_input, c.num_inputs,
                     view_text(c.weights), view_text(c.output), c.scratch_memory, c.scratch_offset, c.scratch_bytes);
  if (lp.computes.empty()) s += "    C(0, 0, 0, 0, 0, 0, 0, 0, kNoView, kNoView, -1, 0u, 0),\n";
  s += "};\n";
  s += fmt::format("{}static const ExecView kViews[{}] = {{\n", attr, std::max<size_t>(lp.views.size(), 1));
  for (const ExecView& v : lp.views) s += fmt::format("    {},\n", view_text(v));
  if (lp.views.empty()) s += "    kNoView,\n";
  s += "};\n";
  s += fmt::format("{}static const ExecDma kDmas[{}] = {{\n", attr, std::max<size_t>(lp.dmas.size(), 1));
  for (const ExecDma& d : lp.dmas)
    s += fmt::format("    D({}, {}, {}, {}u, {}, {}, {}u, {}, {}, {}),\n", d.id, d.channel, d.src_memory, d.src_offset,
                     d.src_stride, d.dst_memory, d.dst_offset, d.dst_stride, d.rows, d.row_bytes);
  if (lp.dmas.empty()) s += "    D(0, 0, 0, 0u, 0, 0, 0u, 0, 0, 0),\n";
  s += "};\n";
  s += fmt::format(
      "static const tinyops::ExecPlan kPlan = {{kSteps, {}, kComputes, kViews, kDmas, {}}};\n\n", lp.steps.size(),
      lp.memory_names.size());

  // Segments: the marker of op k precedes the steps attributed to op k.
  const std::vector<StepSegment> segs = step_segments(in.plan);
  out.segments = segs.size();
  s += "#ifndef TINYOPS_NO_MARKERS\n// {op (marker id), first step, step count}\n";
  s += fmt::format("{}static const uint32_t kSegments[{}][3] = {{\n", attr, std::max<size_t>(segs.size(), 1));
  for (const StepSegment& g : segs) s += fmt::format("    {{{}u, {}u, {}u}},\n", g.op, g.first, g.count);
  if (segs.empty()) s += "    {0u, 0u, 0u},\n";
  s += "};\n#endif\n\n";

  s += fmt::format(R"(namespace tinyops_fw {{

namespace {{
// Writes "<prefix><number>" into err (no printf: the firmware has no heap for stdio).
void put_msg(char* err, size_t size, const char* a, int32_t step, const char* b) {{
  size_t n = 0;
  auto put = [&](const char* s) {{
    while (*s && n + 1 < size) err[n++] = *s++;
  }};
  char num[12];
  int k = 0;
  uint32_t v = step < 0 ? 0u : static_cast<uint32_t>(step);
  do {{
    num[k++] = static_cast<char>('0' + v % 10);
    v /= 10;
  }} while (v);
  put(a);
  while (k > 0 && n + 1 < size) err[n++] = num[--k];
  put(b);
  if (size) err[n] = 0;
}}

#ifndef TINYOPS_NO_MARKERS
// Counting wrapper around the DMA engine: a transfer's start (the CPU copy of the memcpy engine, or
// programming a real DMA) is region 0x8000 + op, so per-op counts separate kernels from copies.
uint32_t g_op = 0;
const tinyops::DmaInterface* g_engine = nullptr;
int32_t counted_start(void*, const tinyops::ExecDma* t, const uint8_t* src, uint8_t* dst) {{
  tinyops_marker(0x8000u | g_op);
  const int32_t r = g_engine->start(g_engine->ctx, t, src, dst);
  tinyops_marker(g_op);
  return r;
}}
int32_t counted_wait(void*, int32_t id) {{ return g_engine->wait(g_engine->ctx, id); }}
const tinyops::DmaInterface kCounted = {{nullptr, counted_start, counted_wait}};
#endif
}}  // namespace

bool run_inference(char* err, size_t err_size) {{
  tinyops::ExecResult r{{}};
#ifdef TINYOPS_NO_MARKERS
  r = tinyops::exec_run(&kPlan, memory_base, tinyops_args, tinyops_dma_interface(), nullptr);
#else
  g_engine = tinyops_dma_interface();
  const tinyops::DmaInterface* dma = &kCounted;
  for (uint32_t i = 0; i < {}u; ++i) {{
    g_op = kSegments[i][0];
    tinyops_marker(kSegments[i][0]);
    tinyops::ExecPlan part = kPlan;
    part.steps = kSteps + kSegments[i][1];
    part.num_steps = static_cast<int32_t>(kSegments[i][2]);
    r = tinyops::exec_run(&part, memory_base, tinyops_args, dma, nullptr);
    if (r.status != tinyops::ExecStatus::Ok) {{
      r.step += static_cast<int32_t>(kSegments[i][1]);
      break;
    }}
  }}
#endif
  if (r.status == tinyops::ExecStatus::Ok) return true;
  put_msg(err, err_size, "step ", r.step, r.status == tinyops::ExecStatus::KernelError ? ": kernel failed" : ": failed");
  if (r.status == tinyops::ExecStatus::KernelError) {{
    size_t n = 0;
    while (n < err_size && err[n]) ++n;
    const char* k = tinyops::kernel_status_name(r.kernel);
    if (n + 2 < err_size) {{
      err[n++] = ' ';
      while (*k && n + 1 < err_size) err[n++] = *k++;
      err[n] = 0;
    }}
  }}
  return false;
}}

}}  // namespace tinyops_fw
)",
                   segs.size());
  return out;
}

}  // namespace tinyops
