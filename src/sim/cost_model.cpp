#include "sim/cost_model.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tinyops {

using nlohmann::json;

namespace {

constexpr const char* kClassNames[kNumKernelClasses] = {
    "conv1x1", "conv", "depthwise3x3", "depthwise", "fully_connected", "pool", "add",
    "mul",     "mean", "lut",          "hard_swish", "softmax",        "move"};

constexpr const char* kLoopNames[] = {"stream", "channel_outer", "pixel_outer"};

Result<std::string> read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{"cannot open cost file " + path};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

double ceil_div(double a, double b) { return b <= 0 ? a : std::ceil(a / b); }

}  // namespace

const char* kernel_class_name(KernelClass c) { return kClassNames[static_cast<size_t>(c)]; }

KernelClass kernel_class_of(const Graph& g, const Op& op) {
  switch (op.kind) {
    case OpKind::Conv2D: {
      const Tensor& w = g.input(op, 1);
      const auto& a = op.attr<ConvAttrs>();
      const bool one = w.dim(1) == 1 && w.dim(2) == 1 && a.stride_h == 1 && a.stride_w == 1;
      return one ? KernelClass::Conv1x1 : KernelClass::Conv;
    }
    case OpKind::DepthwiseConv2D: {
      const Tensor& w = g.input(op, 1);
      const auto& a = op.attr<ConvAttrs>();
      const bool three = w.dim(1) == 3 && w.dim(2) == 3 && a.depth_multiplier == 1 && a.dilation_h == 1 &&
                         a.dilation_w == 1;
      return three ? KernelClass::Depthwise3x3 : KernelClass::Depthwise;
    }
    case OpKind::FullyConnected: return KernelClass::FullyConnected;
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: return KernelClass::Pool;
    case OpKind::Add: return KernelClass::Add;
    case OpKind::Mul: return KernelClass::Mul;
    case OpKind::Mean: return KernelClass::Mean;
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Logistic:
    case OpKind::Quantize:
    case OpKind::Dequantize: return KernelClass::Lut;
    case OpKind::HardSwish: return KernelClass::HardSwish;
    case OpKind::Softmax: return KernelClass::Softmax;
    case OpKind::Pad:
    case OpKind::PadV2:
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Transpose:
    case OpKind::Concatenation: return KernelClass::Move;
  }
  return KernelClass::Move;
}

Shape4 shape4_from(const std::vector<int>& s) {
  switch (s.size()) {
    case 0: return Shape4{1, 1, 1, 1};
    case 1: return Shape4{1, 1, 1, s[0]};
    case 2: return Shape4{1, s[0], 1, s[1]};
    case 3: return Shape4{1, s[0], s[1], s[2]};
    default: return Shape4{s[0], s[1], s[2], s[3]};
  }
}

OutRange full_out_range(const Graph& g, const Op& op) { return full_range(shape4_from(g.output(op).shape)); }

Work op_work(const Graph& g, const Op& op, OutRange r) {
  Work w;
  w.cls = kernel_class_of(g, op);
  const Tensor& out_t = g.output(op);
  const Shape4 os = shape4_from(out_t.shape);
  const int64_t rows = std::max(0, r.y_end - r.y_begin);
  const int64_t chans = std::max(0, r.c_end - r.c_begin);
  const int64_t out_esize = static_cast<int64_t>(dtype_size(out_t.dtype));
  w.pixels = static_cast<int64_t>(os.n) * rows * os.w;
  w.channels = chans;
  w.outputs = static_cast<double>(w.pixels * chans);
  w.out_bytes = w.pixels * chans * out_esize;
  w.out_pixel_bytes = chans * out_esize;

  const bool has_in = !op.inputs.empty() && op.inputs[0] >= 0;
  const Tensor* in_t = has_in ? &g.tensor(op.inputs[0]) : nullptr;
  const Shape4 is = in_t ? shape4_from(in_t->shape) : os;
  const int64_t in_esize = in_t ? static_cast<int64_t>(dtype_size(in_t->dtype)) : 1;

  // Input rows needed by the output rows (receptive field, ignoring padding), clipped to the input.
  auto window_rows = [&](int fh, int sh, int dh) {
    const int64_t need = rows == 0 ? 0 : (rows - 1) * sh + static_cast<int64_t>(fh - 1) * dh + 1;
    return std::min<int64_t>(need, is.h);
  };
  switch (op.kind) {
    case OpKind::Conv2D:
    case OpKind::DepthwiseConv2D: {
      const auto& a = op.attr<ConvAttrs>();
      const Tensor& wt = g.input(op, 1);
      const int kh = wt.dim(1), kw = wt.dim(2);
      w.filter_h = kh, w.filter_w = kw, w.stride_h = a.stride_h, w.stride_w = a.stride_w;
      const bool dw = op.kind == OpKind::DepthwiseConv2D;
      const int64_t in_c = dw ? (chans + a.depth_multiplier - 1) / a.depth_multiplier : is.c;
      w.in_bytes = static_cast<int64_t>(is.n) * window_rows(kh, a.stride_h, a.dilation_h) * is.w * in_c * in_esize;
      w.in_window_bytes = static_cast<int64_t>(kh) * is.w * in_c * in_esize;
      w.in_patch_bytes = static_cast<int64_t>(kh) * kw * in_c * in_esize;
      const int64_t per_out = dw ? static_cast<int64_t>(kh) * kw : static_cast<int64_t>(kh) * kw * is.c;
      w.macs = w.outputs * static_cast<double>(per_out);
      // inputs = receptive-field elements gathered per output pixel (im2col for CONV_2D).
      w.inputs = dw ? w.macs : static_cast<double>(w.pixels) * kh * kw * is.c;
      w.weight_bytes = (dw ? static_cast<int64_t>(kh) * kw : static_cast<int64_t>(kh) * kw * is.c) * chans *
                       static_cast<int64_t>(dtype_size(wt.dtype));
      break;
    }
    case OpKind::FullyConnected: {
      const Tensor& wt = g.input(op, 1);
      const int64_t in_features = wt.dim(wt.rank() - 1);
      w.macs = w.outputs * static_cast<double>(in_features);
      w.inputs = w.macs;
      w.in_bytes = static_cast<int64_t>(os.n) * rows * in_features * in_esize;
      w.in_window_bytes = w.in_patch_bytes = in_features * in_esize;
      w.weight_bytes = chans * in_features * static_cast<int64_t>(dtype_size(wt.dtype));
      break;
    }
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: {
      const auto& a = op.attr<PoolAttrs>();
      w.filter_h = a.filter_h, w.filter_w = a.filter_w, w.stride_h = a.stride_h, w.stride_w = a.stride_w;
      w.inputs = w.outputs * a.filter_h * a.filter_w;
      w.in_bytes = static_cast<int64_t>(is.n) * window_rows(a.filter_h, a.stride_h, 1) * is.w * chans * in_esize;
      w.in_window_bytes = static_cast<int64_t>(a.filter_h) * is.w * chans * in_esize;
      w.in_patch_bytes = static_cast<int64_t>(a.filter_h) * a.filter_w * chans * in_esize;
      break;
    }
    case OpKind::Mean: {
      const int64_t reduced = is.c > 0 ? static_cast<int64_t>(is.n) * is.h * is.w * is.c / std::max(1, is.c) : 0;
      w.inputs = static_cast<double>(reduced * chans);
      w.in_bytes = reduced * chans * in_esize;
      w.in_window_bytes = w.in_patch_bytes = w.in_bytes;
      break;
    }
    case OpKind::Pad:
    case OpKind::PadV2:
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Transpose:
    case OpKind::Concatenation: {
      // Data movement: cost per output byte; reads about as many bytes as it writes.
      w.outputs = static_cast<double>(w.out_bytes);
      int64_t in_total = 0;
      for (int id : op.inputs)
        if (id >= 0 && !g.tensor(id).is_constant()) in_total += static_cast<int64_t>(g.tensor(id).bytes());
      const int64_t out_total = static_cast<int64_t>(out_t.bytes());
      const double share = out_total > 0 ? static_cast<double>(w.out_bytes) / static_cast<double>(out_total) : 0;
      w.in_bytes = static_cast<int64_t>(std::llround(static_cast<double>(in_total) * share));
      w.in_window_bytes = w.in_patch_bytes = w.in_bytes;
      w.inputs = static_cast<double>(w.in_bytes);
      break;
    }
    default: {
      // Elementwise (ADD, MUL, LUT ops, SOFTMAX): inputs as big as the range (broadcast operands less).
      int64_t in_total = 0;
      for (int id : op.inputs) {
        if (id < 0 || g.tensor(id).is_constant()) continue;
        const Tensor& t = g.tensor(id);
        const Shape4 s = shape4_from(t.shape);
        const int64_t r_rows = s.h == 1 ? std::min<int64_t>(rows, 1) : rows;
        const int64_t r_w = s.w == 1 ? 1 : os.w;
        const int64_t r_c = s.c == 1 ? 1 : chans;
        in_total += static_cast<int64_t>(s.n) * r_rows * r_w * r_c * static_cast<int64_t>(dtype_size(t.dtype));
      }
      w.in_bytes = in_total;
      w.in_window_bytes = w.in_patch_bytes = w.in_bytes;
      w.inputs = w.outputs;
      break;
    }
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// Parameter files

const KernelClassParams& CostModel::params(KernelClass c) const {
  static const KernelClassParams kZero{};
  auto it = profile.isa.find(core.isa);
  if (it == profile.isa.end()) return kZero;
  return it->second[static_cast<size_t>(c)];
}

double CostModel::cache_budget() const {
  if (!board.cpu.dcache_enabled || board.cpu.dcache_bytes == 0) return 0;
  return core.cache_fit_fraction * board.cpu.dcache_bytes;
}

std::string cost_data_dir() {
  if (const char* env = std::getenv("TINYOPS_COST_DIR"); env && *env) return env;
#ifdef TINYOPS_SOURCE_DIR
  return std::string(TINYOPS_SOURCE_DIR) + "/data/cost";
#else
  return "data/cost";
#endif
}

std::vector<std::string> kernel_profile_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(cost_data_dir(), ec)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream f(e.path());
    json j = json::parse(f, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "kernel-profile") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

Status parse_class_table(const json& classes, const std::string& where,
                         std::array<KernelClassParams, kNumKernelClasses>& table, bool require_all) {
  if (!classes.is_object()) return Error{where + ": 'classes' must be an object"};
  for (auto it = classes.begin(); it != classes.end(); ++it) {
    int idx = -1;
    for (int i = 0; i < kNumKernelClasses; ++i)
      if (it.key() == kClassNames[i]) idx = i;
    if (idx < 0) {
      std::string known;
      for (int i = 0; i < kNumKernelClasses; ++i) known += std::string(i ? ", " : "") + kClassNames[i];
      return Error{fmt::format("{}: unknown kernel class '{}' (expected one of {})", where, it.key(), known)};
    }
    const json& c = it.value();
    if (!c.is_object()) return Error{where + "." + it.key() + ": expected an object"};
    KernelClassParams& p = table[static_cast<size_t>(idx)];
    for (auto f = c.begin(); f != c.end(); ++f) {
      const std::string& k = f.key();
      if (k == "loop") {
        const std::string v = f.value().is_string() ? f.value().get<std::string>() : "";
        int li = -1;
        for (int i = 0; i < 3; ++i)
          if (v == kLoopNames[i]) li = i;
        if (li < 0)
          return Error{fmt::format("{}.{}.loop: expected stream, channel_outer or pixel_outer, found {}", where,
                                   it.key(), f.value().dump())};
        p.loop = static_cast<LoopOrder>(li);
        continue;
      }
      if (!f.value().is_number() || f.value().get<double>() < 0)
        return Error{fmt::format("{}.{}.{}: expected a number >= 0, found {}", where, it.key(), k, f.value().dump())};
      const double v = f.value().get<double>();
      if (k == "per_mac") p.per_mac = v;
      else if (k == "per_output") p.per_output = v;
      else if (k == "per_input") p.per_input = v;
      else if (k == "per_call") p.per_call = v;
      else if (k == "block") p.block = std::max(1, static_cast<int>(v));
      else
        return Error{fmt::format("{}.{}: unknown field '{}' (expected per_mac, per_output, per_input, per_call, "
                                 "loop, block)",
                                 where, it.key(), k)};
    }
  }
  if (require_all)
    for (int i = 0; i < kNumKernelClasses; ++i)
      if (!classes.contains(kClassNames[i]))
        return Error{fmt::format("{}: kernel class '{}' missing", where, kClassNames[i])};
  return ok_status();
}

// Every number in `obj` (recursively, by dotted path) must have an entry in sources, either for its
// own path or for a parent path.
Status check_sources(const json& obj, const std::string& path, const json& sources, const std::string& origin) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string p = path.empty() ? it.key() : path + "." + it.key();
    if (it.value().is_object()) {
      if (auto s = check_sources(it.value(), p, sources, origin); !s.ok()) return s;
    } else if (it.value().is_number()) {
      bool found = false;
      std::string q = p;
      while (!found) {
        if (sources.contains(q)) found = true;
        const size_t dot = q.rfind('.');
        if (dot == std::string::npos) break;
        q = q.substr(0, dot);
      }
      if (!found) return Error{fmt::format("{}: figure '{}' has no source (add it to \"sources\")", origin, p)};
    }
  }
  return ok_status();
}

}  // namespace

Result<KernelProfile> parse_kernel_profile(const std::string& text, const std::string& origin) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{origin + ": not a JSON object"};
  if (j.value("kind", "") != "kernel-profile")
    return Error{origin + ": expected \"kind\": \"kernel-profile\", found " + (j.contains("kind") ? j["kind"].dump() : "none")};
  KernelProfile p;
  p.name = j.value("name", "");
  p.description = j.value("description", "");
  if (p.name.empty()) return Error{origin + ": \"name\" missing"};
  const json sources = j.value("sources", json::object());
  json figures = json::object();
  if (j.contains("per_op")) {
    if (!j["per_op"].is_number()) return Error{origin + ": per_op must be a number"};
    p.per_op = j["per_op"].get<double>();
    figures["per_op"] = p.per_op;
  }
  if (!j.contains("isa") || !j["isa"].is_object()) return Error{origin + ": \"isa\" (per instruction set tables) missing"};
  for (auto it = j["isa"].begin(); it != j["isa"].end(); ++it) {
    const json& isa = it.value();
    std::array<KernelClassParams, kNumKernelClasses> table{};
    if (isa.contains("base")) {  // start from another isa's table, then override
      const std::string base = isa["base"].get<std::string>();
      auto b = p.isa.find(base);
      if (b == p.isa.end())
        return Error{fmt::format("{}: isa '{}' bases on '{}', which must come first", origin, it.key(), base)};
      table = b->second;
    }
    if (auto s = parse_class_table(isa.value("classes", json::object()), origin + ": isa." + it.key(), table,
                                   !isa.contains("base"));
        !s.ok())
      return s.error();
    p.isa[it.key()] = table;
    figures["isa"][it.key()] = isa;
  }
  if (j.contains("cycles_per_instruction")) {
    for (auto it = j["cycles_per_instruction"].begin(); it != j["cycles_per_instruction"].end(); ++it)
      p.cycles_per_instruction[it.key()] = it.value().get<double>();
    figures["cycles_per_instruction"] = j["cycles_per_instruction"];
  }
  if (auto s = check_sources(figures, "", sources, origin); !s.ok()) return s.error();
  return p;
}

Result<std::vector<CoreParams>> parse_core_params(const std::string& text, const std::string& origin) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("cores"))
    return Error{origin + ": expected an object with \"cores\""};
  std::vector<CoreParams> out;
  for (auto it = j["cores"].begin(); it != j["cores"].end(); ++it) {
    if (!cpu_core_from_name(it.key())) return Error{origin + ": unknown core '" + it.key() + "'"};
    const json& c = it.value();
    CoreParams p;
    p.core = it.key();
    p.isa = c.value("isa", "");
    if (p.isa.empty()) return Error{origin + ": cores." + it.key() + ".isa missing"};
    p.cycles_per_instruction = c.value("cycles_per_instruction", 0.0);
    if (!(p.cycles_per_instruction > 0))
      return Error{origin + ": cores." + it.key() + ".cycles_per_instruction must be > 0"};
    p.cache_line_bytes = c.value("cache_line_bytes", 32);
    p.cache_fit_fraction = c.value("cache_fit_fraction", 0.5);
    p.uncached_access_bytes = c.value("uncached_access_bytes", 4);
    out.push_back(p);
  }
  json figures = json::object();
  figures["cores"] = j["cores"];
  if (auto s = check_sources(figures, "", j.value("sources", json::object()), origin); !s.ok()) return s.error();
  return out;
}

Result<CostModel> make_cost_model(const Board& board, const KernelProfile& profile,
                                  const std::vector<CoreParams>& cores) {
  const std::string core = cpu_core_name(board.cpu.core);
  CostModel m;
  m.board = board;
  m.profile = profile;
  m.profile_name = profile.name;
  bool found = false;
  for (const CoreParams& c : cores)
    if (c.core == core) m.core = c, found = true;
  if (!found) return Error{"cost model: no parameters for core " + core + " in cores.json"};
  if (!profile.isa.count(m.core.isa))
    return Error{fmt::format("cost model: kernel profile '{}' has no table for instruction set '{}' (core {})",
                             profile.name, m.core.isa, core)};
  if (auto it = profile.cycles_per_instruction.find(core); it != profile.cycles_per_instruction.end())
    m.core.cycles_per_instruction = it->second;
  return m;
}

Result<CostModel> load_cost_model(const Board& board, const std::string& profile, const std::string& dir_in) {
  const std::string dir = dir_in.empty() ? cost_data_dir() : dir_in;
  auto cores_text = read_text(dir + "/cores.json");
  if (!cores_text.ok()) return cores_text.error();
  auto cores = parse_core_params(cores_text.value(), dir + "/cores.json");
  if (!cores.ok()) return cores.error();
  const std::string path = dir + "/" + profile + ".json";
  if (!std::filesystem::exists(path)) {
    std::string known;
    for (const auto& n : kernel_profile_names()) known += (known.empty() ? "" : ", ") + n;
    return Error{fmt::format("unknown kernel profile '{}' (known: {})", profile, known.empty() ? "none" : known)};
  }
  auto text = read_text(path);
  if (!text.ok()) return text.error();
  auto prof = parse_kernel_profile(text.value(), path);
  if (!prof.ok()) return prof.error();
  // A profile may name a measured file that overrides its estimates once it exists
  // (data/cost/tinyops-measured.json, written from QEMU instruction counts).
  json j = json::parse(text.value(), nullptr, false);
  const std::string measured = j.value("measured_file", "");
  if (!measured.empty() && std::filesystem::exists(dir + "/" + measured)) {
    auto mtext = read_text(dir + "/" + measured);
    if (!mtext.ok()) return mtext.error();
    json mj = json::parse(mtext.value(), nullptr, false);
    if (mj.is_discarded() || !mj.is_object()) return Error{dir + "/" + measured + ": not a JSON object"};
    if (!mj.contains("isa") || !mj["isa"].is_object())
      return Error{dir + "/" + measured +
                   ": expected {\"isa\": {\"armv7e-m\": {\"classes\": {\"conv1x1\": {\"per_mac\": ...}}}}} "
                   "(write it with bench_latency --fit-measured)"};
    {
      for (auto it = mj["isa"].begin(); it != mj["isa"].end(); ++it) {
        auto& table = prof->isa[it.key()];
        if (auto s = parse_class_table(it.value().value("classes", json::object()),
                                       dir + "/" + measured + ": isa." + it.key(), table, false);
            !s.ok())
          return s.error();
      }
      if (mj.contains("per_op") && mj["per_op"].is_number()) prof->per_op = mj["per_op"].get<double>();
      prof->merged_files.push_back(measured);
    }
  }
  return make_cost_model(board, prof.value(), cores.value());
}

// ---------------------------------------------------------------------------------------------
// Step costs

bool is_fast_memory(const Memory& m) { return m.kind == MemoryKind::Tcm || m.kind == MemoryKind::Sram; }

namespace {

struct OperandUse {
  const Memory* mem = nullptr;
  double read_bytes = 0;       // loads (line fills when cached)
  double strided_fill = 0;     // write-allocate fills of partially written lines (cached)
  double write_bytes = 0;      // stores / write-backs
};

// Traffic of one operand given the kernel's loop order and the D-cache budget.
void input_traffic(const KernelClassParams& p, const Work& w, double in_bytes, double budget, OperandUse& u) {
  double passes = 1;
  if (p.loop == LoopOrder::ChannelOuter) {
    if (in_bytes > budget) passes = ceil_div(static_cast<double>(w.channels), p.block);
  } else if (w.filter_h > 1 || w.filter_w > 1) {
    if (static_cast<double>(w.in_window_bytes) <= budget) passes = 1;
    else if (static_cast<double>(w.in_patch_bytes) <= budget) passes = ceil_div(w.filter_h, w.stride_h);
    else
      passes = std::max(1.0, static_cast<double>(w.filter_h) * w.filter_w / (w.stride_h * w.stride_w));
  }
  u.read_bytes += in_bytes * passes;
}

void weight_traffic(const KernelClassParams& p, const Work& w, double budget, OperandUse& u) {
  const double bytes = static_cast<double>(w.weight_bytes);
  double passes = 1;
  if (p.loop == LoopOrder::ChannelOuter) {
    const double set = w.channels > 0 ? bytes / static_cast<double>(w.channels) * p.block : bytes;
    if (set > budget) passes = ceil_div(static_cast<double>(w.pixels), 2);
  } else if (p.loop == LoopOrder::PixelOuter) {
    if (bytes > budget) passes = ceil_div(static_cast<double>(w.pixels), p.block);
  }
  u.read_bytes += bytes * passes;
}

void output_traffic(const KernelClassParams& p, const Work& w, double budget, double line, OperandUse& u) {
  const double bytes = static_cast<double>(w.out_bytes);
  if (p.loop == LoopOrder::ChannelOuter && bytes > budget && budget > 0) {
    // Each channel block writes a few bytes into every output pixel's line: write-allocate fills
    // and write-backs per pass.
    const double passes = ceil_div(static_cast<double>(w.channels), p.block);
    const double lines = std::min(static_cast<double>(w.pixels), std::ceil(bytes / line));
    u.strided_fill += passes * lines * line;
    u.write_bytes += passes * lines * line;
  } else {
    u.write_bytes += bytes;  // sequential stores: the write buffer streams them out
  }
}

}  // namespace

namespace {

StepCost cost_from_uses(const CostModel& model, const Work& work, const std::vector<OperandUse>& uses) {
  StepCost c;
  c.work = work;
  c.instructions = call_instructions(model, work);
  c.compute_cycles = c.instructions * model.core.cycles_per_instruction;

  const double clk = model.clock_hz();
  const double line = model.core.cache_line_bytes;
  const bool cached = model.cache_budget() > 0;
  const Memory* base = model.board.sram();
  auto read_cost = [&](const Memory& m, double unit) {  // cycles to fetch `unit` bytes
    const double bw = m.read_bandwidth > 0 ? static_cast<double>(m.read_bandwidth) : 1.0;
    return m.latency_cycles + unit * clk / bw;
  };
  const double unit = cached ? line : model.core.uncached_access_bytes;
  const double base_read = base ? read_cost(*base, unit) : 0;
  const double base_write = base && base->write_bandwidth ? clk / static_cast<double>(base->write_bandwidth) : 0;

  std::map<std::string, MemoryTraffic> per_mem;
  double write_cycles_total = 0;
  for (const OperandUse& u : uses) {
    if (!u.mem || is_fast_memory(*u.mem)) continue;
    const Memory& m = *u.mem;
    MemoryTraffic& t = per_mem[m.name];
    t.memory = m.name;
    const double reads = u.read_bytes + u.strided_fill;
    t.read_bytes += reads;
    t.write_bytes += u.write_bytes;
    t.stall_cycles += reads / unit * std::max(0.0, read_cost(m, unit) - base_read);
    const double wbw = m.write_bandwidth > 0 ? static_cast<double>(m.write_bandwidth) : 1.0;
    write_cycles_total += u.write_bytes * std::max(0.0, clk / wbw - base_write);
    t.busy_seconds += reads / std::max<double>(1.0, static_cast<double>(m.read_bandwidth)) + u.write_bytes / wbw;
  }
  // Buffered stores overlap with computation; only a write stream faster than the memory stalls.
  const double write_stall = std::max(0.0, write_cycles_total - c.compute_cycles);
  for (auto& [name, t] : per_mem) {
    (void)name;
    c.stall_cycles += t.stall_cycles;
  }
  if (write_stall > 0 && !per_mem.empty()) {
    // Attribute the write stall to the memories in proportion to their write bytes.
    double wsum = 0;
    for (auto& kv : per_mem) wsum += kv.second.write_bytes;
    for (auto& kv : per_mem)
      if (wsum > 0) kv.second.stall_cycles += write_stall * kv.second.write_bytes / wsum;
    c.stall_cycles += write_stall;
  }
  for (auto& kv : per_mem) c.traffic.push_back(kv.second);
  return c;
}

std::vector<OperandUse> uses_for(const CostModel& model, const Work& work, const std::vector<const Memory*>& in_mems,
                                 const std::vector<double>& in_bytes, const Memory* w_mem, const Memory* out_mem) {
  const KernelClassParams& p = model.params(work.cls);
  const double budget = model.cache_budget();
  std::vector<OperandUse> uses;
  for (size_t i = 0; i < in_mems.size(); ++i) {
    OperandUse u;
    u.mem = in_mems[i];
    input_traffic(p, work, in_bytes[i], budget, u);
    uses.push_back(u);
  }
  if (w_mem && work.weight_bytes > 0) {
    OperandUse u;
    u.mem = w_mem;
    weight_traffic(p, work, budget, u);
    uses.push_back(u);
  }
  OperandUse o;
  o.mem = out_mem;
  output_traffic(p, work, budget, model.core.cache_line_bytes, o);
  uses.push_back(o);
  return uses;
}

}  // namespace

Result<StepCost> compute_step_cost(const CostModel& model, const Graph& g, const Plan& plan, const ComputeStep& s) {
  if (s.op < 0 || s.op >= static_cast<int>(g.ops.size()))
    return Error{fmt::format("compute step: op index {} outside the graph's {} ops", s.op, g.ops.size())};
  const Op& op = g.ops[static_cast<size_t>(s.op)];
  auto memory_of = [&](int buffer, const char* what) -> Result<const Memory*> {
    if (buffer < 0) return static_cast<const Memory*>(nullptr);
    if (buffer >= static_cast<int>(plan.buffers.size()))
      return Error{fmt::format("op {} ({}): {} buffer {} not in the plan ({} buffers)", s.op, op_name(op.kind), what,
                               buffer, plan.buffers.size())};
    const PlanBuffer& b = plan.buffers[static_cast<size_t>(buffer)];
    const Memory* m = model.board.memory(b.memory);
    if (!m)
      return Error{fmt::format("op {} ({}): {} buffer '{}' lives in memory '{}', which board {} does not have", s.op,
                               op_name(op.kind), what, b.name, b.memory, model.board.name)};
    return m;
  };
  Work work = op_work(g, op, s.range);
  std::vector<const Memory*> in_mems;
  std::vector<double> in_bytes;
  // Activation inputs: input 0 carries the geometry; further inputs (ADD, MUL, CONCATENATION) share
  // the elementwise estimate split evenly.
  const size_t n_in = s.inputs.size();
  for (size_t i = 0; i < n_in; ++i) {
    auto m = memory_of(s.inputs[i].buffer, "input");
    if (!m.ok()) return m.error();
    if (!m.value()) continue;
    const PlanView& v = s.inputs[i];
    const double box = static_cast<double>(v.n) * v.h * v.w * v.c * elem_size(v.type);
    double need = static_cast<double>(work.in_bytes) / static_cast<double>(std::max<size_t>(1, n_in));
    if (work.cls == KernelClass::Conv || work.cls == KernelClass::Conv1x1 || work.cls == KernelClass::Depthwise ||
        work.cls == KernelClass::Depthwise3x3 || work.cls == KernelClass::Pool || work.cls == KernelClass::FullyConnected)
      need = static_cast<double>(work.in_bytes);
    in_mems.push_back(m.value());
    in_bytes.push_back(std::min(need, box));
  }
  auto wm = memory_of(s.weights.buffer, "weights");
  if (!wm.ok()) return wm.error();
  auto om = memory_of(s.output.buffer, "output");
  if (!om.ok()) return om.error();
  auto uses = uses_for(model, work, in_mems, in_bytes, wm.value(), om.value());
  if (s.scratch_buffer >= 0 && s.scratch_bytes > 0) {
    auto sm = memory_of(s.scratch_buffer, "scratch");
    if (!sm.ok()) return sm.error();
    // Scratch (im2col columns) is written and read back once per call.
    OperandUse u;
    u.mem = sm.value();
    u.read_bytes = s.scratch_bytes;
    u.write_bytes = s.scratch_bytes;
    uses.push_back(u);
  }
  return cost_from_uses(model, work, uses);
}

StepCost op_cost_in_memories(const CostModel& model, const Graph& g, const Op& op, const std::string& act_memory,
                             const std::string& weight_memory) {
  Work work = op_work(g, op, full_out_range(g, op));
  const Memory* am = model.board.memory(act_memory);
  const Memory* wm = model.board.memory(weight_memory);
  std::vector<const Memory*> in_mems;
  std::vector<double> in_bytes;
  int n_act = 0;
  for (int id : op.inputs)
    if (id >= 0 && !g.tensor(id).is_constant()) ++n_act;
  const bool geometric = work.cls == KernelClass::Conv || work.cls == KernelClass::Conv1x1 ||
                         work.cls == KernelClass::Depthwise || work.cls == KernelClass::Depthwise3x3 ||
                         work.cls == KernelClass::Pool || work.cls == KernelClass::FullyConnected;
  for (int i = 0; i < n_act; ++i) {
    in_mems.push_back(am);
    in_bytes.push_back(geometric ? static_cast<double>(work.in_bytes)
                                 : static_cast<double>(work.in_bytes) / std::max(1, n_act));
  }
  return cost_from_uses(model, work, uses_for(model, work, in_mems, in_bytes, wm, am));
}

double call_instructions(const CostModel& model, const Work& work) {
  const KernelClassParams& p = model.params(work.cls);
  return model.profile.per_op + p.per_call + p.per_mac * work.macs + p.per_output * work.outputs +
         p.per_input * work.inputs;
}

CallCycles planner_call_cycles(const CostModel& model) {
  auto m = std::make_shared<const CostModel>(model);
  return [m](const Graph& g, const Op& op, OutRange range) {
    return call_instructions(*m, op_work(g, op, range)) * m->core.cycles_per_instruction;
  };
}

Status use_kernel_profile(PlanOptions& options, const Board& board, const std::string& profile) {
  auto model = load_cost_model(board, profile);
  if (!model.ok()) return model.error();
  options.call_cycles = planner_call_cycles(model.value());
  return ok_status();
}

}  // namespace tinyops
