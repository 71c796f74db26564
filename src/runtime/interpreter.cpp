// Host reference interpreter over the kernel interface (one dense buffer per tensor), and a
// partitioned variant whose partitions read from / write to separate tile buffers.
#include "runtime/interpreter.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>

#include "kernels/kernel.h"
#include "runtime/prepare.h"

namespace tinyops {
namespace {

struct Buffers {
  std::vector<std::vector<uint8_t>> data;  // per tensor id (empty for constants)
};

const void* tensor_ptr(const Graph& g, const Buffers& b, int id) {
  const Tensor& t = g.tensor(id);
  if (t.is_constant()) return t.data;
  return b.data[static_cast<size_t>(id)].data();
}

Status load_inputs(const Graph& g, const TensorBytes& inputs, Buffers* b) {
  if (inputs.size() != g.inputs.size())
    return Error{fmt::format("run_graph: expected {} input tensors, found {}", g.inputs.size(), inputs.size())};
  b->data.assign(g.tensors.size(), {});
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.tensor(g.inputs[i]);
    if (inputs[i].size() != t.bytes())
      return Error{fmt::format("run_graph: input {} (tensor '{}', {} {}): expected {} bytes, found {}", i, t.name,
                               dtype_name(t.dtype), t.num_elements(), t.bytes(), inputs[i].size())};
    b->data[static_cast<size_t>(g.inputs[i])] = inputs[i];
  }
  return ok_status();
}

TensorBytes collect_outputs(const Graph& g, const Buffers& b) {
  TensorBytes out;
  for (int id : g.outputs) {
    const Tensor& t = g.tensor(id);
    if (t.is_constant())
      out.emplace_back(t.data, t.data + t.bytes());
    else
      out.push_back(b.data[static_cast<size_t>(id)]);
  }
  return out;
}

Error kernel_error(const PreparedOp& p, KernelStatus s, const char* what) {
  return Error{fmt::format("op {} ({}): kernel returned {} ({})", p.op_index, op_name(p.op_kind), kernel_status_name(s), what)};
}

// Copies the box [n0,n1) x [y0,y1) x [x0,x1) x [c0,c1) of a dense tensor into `tile` and returns a
// view of it in absolute tensor coordinates.
AnyView tile_of(const void* src, ElemType t, Shape4 s, int32_t n0, int32_t n1, int32_t y0, int32_t y1, int32_t x0,
                int32_t x1, int32_t c0, int32_t c1, std::vector<uint8_t>* tile) {
  const size_t es = static_cast<size_t>(elem_size(t));
  const int32_t n = n1 - n0, h = y1 - y0, w = x1 - x0, c = c1 - c0;
  tile->assign(static_cast<size_t>(n) * h * w * c * es + 1, 0);  // +1: never a null data pointer
  const uint8_t* s8 = static_cast<const uint8_t*>(src);
  for (int32_t in = 0; in < n; ++in)
    for (int32_t iy = 0; iy < h; ++iy)
      for (int32_t ix = 0; ix < w; ++ix) {
        const size_t from = ((static_cast<size_t>(n0 + in) * s.h + (y0 + iy)) * s.w + (x0 + ix)) * s.c + c0;
        const size_t to = ((static_cast<size_t>(in) * h + iy) * w + ix) * c;
        std::memcpy(tile->data() + to * es, s8 + from * es, static_cast<size_t>(c) * es);
      }
  AnyView v;
  v.data = tile->data();
  v.type = t;
  v.full = s;
  v.n0 = n0, v.y0 = y0, v.x0 = x0, v.c0 = c0;
  v.n = n, v.h = h, v.w = w, v.c = c;
  v.stride_c = 1;
  v.stride_w = c;
  v.stride_h = w * c;
  v.stride_n = h * w * c;
  return v;
}

std::vector<std::pair<int32_t, int32_t>> split(int32_t total, int parts) {
  std::vector<std::pair<int32_t, int32_t>> r;
  if (parts < 1) parts = 1;
  for (int i = 0; i < parts; ++i) {
    const int32_t b = static_cast<int32_t>(static_cast<int64_t>(total) * i / parts);
    const int32_t e = static_cast<int32_t>(static_cast<int64_t>(total) * (i + 1) / parts);
    if (e > b) r.emplace_back(b, e);
  }
  if (r.empty()) r.emplace_back(0, total);
  return r;
}

Result<TensorBytes> run(const Graph& g, const TensorBytes& inputs, const PartitionSpec* spec) {
  Result<std::vector<PreparedOp>> prepared = prepare_graph(g);
  if (!prepared.ok()) return prepared.error();
  Buffers b;
  Status st = load_inputs(g, inputs, &b);
  if (!st.ok()) return st.error();
  for (const PreparedOp& p : prepared.value()) {
    std::vector<uint8_t>& out = b.data[static_cast<size_t>(p.output)];
    out.assign(g.tensor(p.output).bytes(), 0);
    std::vector<const void*> in_ptrs;
    for (int id : p.inputs) in_ptrs.push_back(tensor_ptr(g, b, id));
    const KernelIO io = dense_io(g, p, in_ptrs, out.data());
    const int32_t scratch_bytes = kernel_scratch_bytes(p.args, io, full_range(p.output_shape));
    std::vector<int32_t> scratch(static_cast<size_t>(scratch_bytes) / 4 + 1);
    if (!spec) {
      const KernelStatus s = kernel_invoke(p.args, io, full_range(p.output_shape), scratch.data(), scratch_bytes);
      if (s != KernelStatus::Ok) return kernel_error(p, s, "full range");
      continue;
    }
    const Shape4 os = p.output_shape;
    const auto rows = split(os.h, (p.partition_caps & kPartitionRows) ? spec->row_parts : 1);
    const auto chans = split(os.c, (p.partition_caps & kPartitionChannels) ? spec->channel_parts : 1);
    for (const auto& ry : rows)
      for (const auto& rc : chans) {
        const OutRange r{ry.first, ry.second, rc.first, rc.second};
        KernelIO tio = io;
        std::vector<std::vector<uint8_t>> tiles(static_cast<size_t>(io.num_inputs) + 2);
        for (int32_t i = 0; i < io.num_inputs; ++i) {
          int32_t y0, y1, c0, c1;
          kernel_input_rows_of(p.args, io, i, r.y_begin, r.y_end, &y0, &y1);
          kernel_input_channels(p.args, io, i, r.c_begin, r.c_end, &c0, &c1);
          const AnyView& d = io.in[i];
          tio.in[i] = tile_of(d.data, d.type, d.full, 0, d.full.n, y0, y1, 0, d.full.w, c0, c1, &tiles[static_cast<size_t>(i)]);
        }
        if (p.weights >= 0) {
          const AnyView& w = io.weights;
          if (p.op_kind == OpKind::DepthwiseConv2D)
            tio.weights = tile_of(w.data, w.type, w.full, 0, w.full.n, 0, w.full.h, 0, w.full.w, r.c_begin, r.c_end,
                                  &tiles[static_cast<size_t>(io.num_inputs)]);
          else
            tio.weights = tile_of(w.data, w.type, w.full, r.c_begin, r.c_end, 0, w.full.h, 0, w.full.w, 0, w.full.c,
                                  &tiles[static_cast<size_t>(io.num_inputs)]);
        }
        // The output partition goes to its own tile, then back into the tensor.
        std::vector<uint8_t>& otile = tiles[static_cast<size_t>(io.num_inputs) + 1];
        tio.out = tile_of(out.data(), p.output_type, os, 0, os.n, r.y_begin, r.y_end, 0, os.w, r.c_begin, r.c_end, &otile);
        const KernelStatus s = kernel_invoke(p.args, tio, r, scratch.data(), scratch_bytes);
        if (s != KernelStatus::Ok) return kernel_error(p, s, "partition");
        const size_t es = static_cast<size_t>(elem_size(p.output_type));
        const int32_t h = r.y_end - r.y_begin, c = r.c_end - r.c_begin;
        for (int32_t n = 0; n < os.n; ++n)
          for (int32_t y = 0; y < h; ++y)
            for (int32_t x = 0; x < os.w; ++x) {
              const size_t to = ((static_cast<size_t>(n) * os.h + r.y_begin + y) * os.w + x) * os.c + r.c_begin;
              const size_t from = ((static_cast<size_t>(n) * h + y) * os.w + x) * c;
              std::memcpy(out.data() + to * es, otile.data() + from * es, static_cast<size_t>(c) * es);
            }
      }
  }
  return collect_outputs(g, b);
}

}  // namespace

Result<TensorBytes> run_graph(const Graph& g, const TensorBytes& inputs) { return run(g, inputs, nullptr); }

struct Interpreter::State {
  const Graph* g = nullptr;
  std::vector<PreparedOp> ops;
  std::vector<KernelIO> ios;
  Buffers b;
  std::vector<int32_t> scratch;  // shared by all ops: the largest need (int32 keeps it 4-byte aligned)
};

Interpreter::Interpreter(std::unique_ptr<State> s) : s_(std::move(s)) {}
Interpreter::Interpreter(Interpreter&&) noexcept = default;
Interpreter& Interpreter::operator=(Interpreter&&) noexcept = default;
Interpreter::~Interpreter() = default;

Result<Interpreter> Interpreter::create(const Graph& g) {
  auto s = std::make_unique<State>();
  s->g = &g;
  Result<std::vector<PreparedOp>> prepared = prepare_graph(g);
  if (!prepared.ok()) return prepared.error();
  s->ops = std::move(prepared).value();
  s->b.data.assign(g.tensors.size(), {});
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (!g.tensors[i].is_constant()) s->b.data[i].assign(g.tensors[i].bytes(), 0);
  for (const PreparedOp& p : s->ops) {
    std::vector<const void*> in_ptrs;
    for (int id : p.inputs) in_ptrs.push_back(tensor_ptr(g, s->b, id));
    s->ios.push_back(dense_io(g, p, in_ptrs, s->b.data[static_cast<size_t>(p.output)].data()));
    const int32_t need = kernel_scratch_bytes(p.args, s->ios.back(), full_range(p.output_shape));
    if (static_cast<size_t>(need) > s->scratch.size() * 4) s->scratch.resize(static_cast<size_t>(need + 3) / 4);
  }
  return Interpreter(std::move(s));
}

Status Interpreter::set_input(size_t i, const std::vector<uint8_t>& bytes) {
  const Graph& g = *s_->g;
  if (i >= g.inputs.size()) return Error{fmt::format("set_input: graph has {} inputs, found index {}", g.inputs.size(), i)};
  std::vector<uint8_t>& dst = s_->b.data[static_cast<size_t>(g.inputs[i])];
  if (bytes.size() != dst.size())
    return Error{fmt::format("set_input: input {} (tensor '{}'): expected {} bytes, found {}", i,
                             g.tensor(g.inputs[i]).name, dst.size(), bytes.size())};
  std::memcpy(dst.data(), bytes.data(), bytes.size());
  return ok_status();
}

Status Interpreter::invoke(std::vector<double>* op_seconds) {
  if (op_seconds) op_seconds->assign(s_->ops.size(), 0.0);
  for (size_t i = 0; i < s_->ops.size(); ++i) {
    const PreparedOp& p = s_->ops[i];
    const auto t0 = std::chrono::steady_clock::now();
    const KernelStatus st = kernel_invoke(p.args, s_->ios[i], full_range(p.output_shape), s_->scratch.data(),
                                          static_cast<int32_t>(s_->scratch.size() * 4));
    if (op_seconds) (*op_seconds)[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (st != KernelStatus::Ok) return kernel_error(p, st, "full range");
  }
  return ok_status();
}

const std::vector<uint8_t>& Interpreter::output(size_t i) const {
  return s_->b.data[static_cast<size_t>(s_->g->outputs[i])];
}

Result<TensorBytes> run_graph_partitioned(const Graph& g, const TensorBytes& inputs, PartitionSpec spec) {
  return run(g, inputs, &spec);
}

}  // namespace tinyops
