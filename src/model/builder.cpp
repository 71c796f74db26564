#include "model/builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

namespace tinyops {
namespace {

// splitmix64: a small, fast, well-distributed 64-bit generator; identical on every platform.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    s += 0x9E3779B97F4A7C15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Irwin-Hall(4), rescaled to unit variance: close to N(0,1) and free of libm calls, so the
  // weights are bit-identical across platforms.
  double gauss() { return (uniform() + uniform() + uniform() + uniform() - 2.0) * 1.7320508075688772; }
};

constexpr double kBiasSpread = 0.25;  // random per-channel pre-activation offset, in units of its std
constexpr double kRangeStds = 4.0;    // derived ranges cover mean +- 4 std

// Rounds a derived scale to 12 significant bits so tiny libm differences cannot change it.
double round_scale(double s) {
  int e = 0;
  const double m = std::frexp(s, &e);
  return std::ldexp(std::round(m * 4096.0) / 4096.0, e);
}

double hard_swish_fn(double x) { return x * std::min(6.0, std::max(0.0, x + 3.0)) / 6.0; }
double sigmoid_fn(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double apply_act(Activation a, double x) {
  switch (a) {
    case Activation::None: return x;
    case Activation::Relu: return std::max(0.0, x);
    case Activation::ReluN1To1: return std::min(1.0, std::max(-1.0, x));
    case Activation::Relu6: return std::min(6.0, std::max(0.0, x));
  }
  return x;
}

struct Moments {
  double mean, var;
};

// Mean and variance of clamp(f(z), lo, hi) for z ~ N(mean, std^2), by quadrature on a fixed grid.
template <typename F>
Moments moments(double mean, double std, F f, double lo, double hi) {
  constexpr int kSteps = 100;  // nodes at t = 8 i / kSteps, i in [-kSteps, kSteps]
  static const std::vector<double> weights = [] {
    std::vector<double> w(2 * kSteps + 1);
    double sum = 0;
    for (int i = -kSteps; i <= kSteps; ++i) {
      const double t = 8.0 * i / kSteps;
      sum += w[static_cast<size_t>(i + kSteps)] = std::exp(-0.5 * t * t);
    }
    for (double& v : w) v /= sum;
    return w;
  }();
  double m1 = 0, m2 = 0;
  for (int i = -kSteps; i <= kSteps; ++i) {
    const double v = std::min(hi, std::max(lo, f(mean + std * 8.0 * i / kSteps)));
    const double w = weights[static_cast<size_t>(i + kSteps)];
    m1 += w * v;
    m2 += w * v * v;
  }
  return {m1, std::max(0.0, m2 - m1 * m1)};
}

using Stats = ChannelStats;

// Averaging n positions shrinks the variance less than n-fold: neighbouring outputs of
// convolutions share inputs (and the per-channel means are only estimates), so count at most 4
// independent samples.
double effective_count(double n) { return std::min(n, 4.0); }

Stats uniform_stats(size_t channels, double mean, double var) {
  return Stats{std::vector<double>(channels, mean), std::vector<double>(channels, var)};
}

// Per-channel stats of f applied elementwise (then clamped to [lo, hi]).
template <typename F>
Stats through(const Stats& s, F f, double lo, double hi) {
  Stats r = s;
  for (size_t c = 0; c < s.mean.size(); ++c) {
    const Moments m = moments(s.mean[c], std::sqrt(s.var[c]), f, lo, hi);
    r.mean[c] = m.mean;
    r.var[c] = m.var;
  }
  return r;
}

// Channel c of a tensor's stats, broadcasting a single channel.
double mean_at(const Stats& s, size_t c) { return s.mean[s.mean.size() == 1 ? 0 : c % s.mean.size()]; }
double var_at(const Stats& s, size_t c) { return s.var[s.var.size() == 1 ? 0 : c % s.var.size()]; }

// The same distribution spread over `channels` channels (when the channel axis changes meaning).
Stats flattened(const Stats& s, size_t channels) {
  const double m = s.overall_mean(), sd = s.overall_std();
  return uniform_stats(channels, m, sd * sd);
}

Quant make_quant(double lo, double hi, bool exact) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (hi - lo < 1e-6) hi = lo + 1e-6;
  double scale = (hi - lo) / 255.0;
  if (!exact) scale = round_scale(scale);
  const long zp = std::lround(-128.0 - lo / scale);
  Quant q;
  q.scales = {static_cast<float>(scale)};
  q.zero_points = {std::clamp<long>(zp, -128, 127)};
  return q;
}

Quant fixed_quant(float scale, int zp) {
  Quant q;
  q.scales = {scale};
  q.zero_points = {zp};
  return q;
}

bool same_quant(const Quant& a, const Quant& b) {
  return a.scales == b.scales && a.zero_point() == b.zero_point();
}

int conv_out_size(int in, int k, int stride, int dilation, Padding p) {
  if (p == Padding::Same) return (in + stride - 1) / stride;
  const int eff = (k - 1) * dilation + 1;
  return in >= eff ? (in - eff) / stride + 1 : 0;
}

std::string dims_str(const std::vector<int>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

std::vector<int> broadcast_shape(const std::vector<int>& a, const std::vector<int>& b, const std::string& where) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument(where + ": shapes " + dims_str(a) + " and " + dims_str(b) +
                                  " do not broadcast");
    out[i] = std::max(da, db);
  }
  return out;
}

// Stats for a tensor whose layout changed: per-channel stats survive when the last dimension did.
ChannelStats relaid(const ChannelStats& s, int old_last, int new_last) {
  if (old_last == new_last) return s;
  return flattened(s, static_cast<size_t>(std::max(1, new_last)));
}

}  // namespace

double ChannelStats::overall_mean() const {
  double m = 0;
  for (double v : mean) m += v;
  return mean.empty() ? 0.0 : m / static_cast<double>(mean.size());
}

double ChannelStats::overall_std() const {
  if (mean.empty()) return 0.0;
  const double m = overall_mean();
  double v = 0;
  for (size_t c = 0; c < mean.size(); ++c) v += var[c] + (mean[c] - m) * (mean[c] - m);
  return std::sqrt(v / static_cast<double>(mean.size()));
}

GraphBuilder::GraphBuilder(std::string description, uint64_t seed) : seed_(seed) {
  g_.description = std::move(description);
}

const Tensor& GraphBuilder::tensor(int id) const { return checked(id, "tensor"); }

const Tensor& GraphBuilder::checked(int id, const char* what) const {
  if (id < 0 || id >= static_cast<int>(g_.tensors.size()))
    throw std::invalid_argument(std::string(what) + ": tensor id " + std::to_string(id) + " out of range [0, " +
                                std::to_string(g_.tensors.size()) + ")");
  return g_.tensors[static_cast<size_t>(id)];
}

const ChannelStats& GraphBuilder::est_stats(int id) const {
  checked(id, "est_stats");
  return stats_[static_cast<size_t>(id)];
}

std::string GraphBuilder::full_name(const std::string& name, const char* kind) {
  std::string base = name;
  if (base.empty()) {
    base = kind;
    std::transform(base.begin(), base.end(), base.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    base += "_" + std::to_string(counter_);
  }
  ++counter_;
  return scope_.empty() ? base : scope_ + "/" + base;
}

int GraphBuilder::add_tensor(const std::string& name, DType dtype, std::vector<int> shape, Quant quant) {
  Tensor t;
  t.id = static_cast<int>(g_.tensors.size());
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.quant = std::move(quant);
  g_.tensors.push_back(std::move(t));
  data_offset_.push_back(0);
  stats_.push_back(uniform_stats(1, 0.0, 1.0));
  return g_.tensors.back().id;
}

int GraphBuilder::add_const(const std::string& name, DType dtype, std::vector<int> shape, Quant quant,
                            const void* data, size_t bytes) {
  const int id = add_tensor(name, dtype, std::move(shape), std::move(quant));
  const size_t offset = (storage_.size() + 15) / 16 * 16;  // 16-byte aligned, like .tflite buffers
  storage_.resize(offset + bytes);
  std::memcpy(storage_.data() + offset, data, bytes);
  data_offset_[static_cast<size_t>(id)] = offset;
  g_.tensors[static_cast<size_t>(id)].data_size = bytes;
  return id;
}

int GraphBuilder::add_op(OpKind kind, std::vector<int> inputs, int output, OpAttrs attrs) {
  Op op;
  op.index = static_cast<int>(g_.ops.size());
  op.kind = kind;
  op.inputs = std::move(inputs);
  op.outputs = {output};
  op.attrs = std::move(attrs);
  g_.ops.push_back(std::move(op));
  return output;
}

int GraphBuilder::new_activation(const std::string& name, std::vector<int> shape, Quant quant, Stats stats) {
  const int id = add_tensor(name, DType::Int8, std::move(shape), std::move(quant));
  stats_[static_cast<size_t>(id)] = std::move(stats);
  return id;
}

GraphBuilder::Range GraphBuilder::range_of(int id) const {
  const Tensor& t = checked(id, "range");
  const double s = t.quant.scale();
  const double zp = t.quant.zero_point();
  return {s * (-128.0 - zp), s * (127.0 - zp)};
}

int GraphBuilder::input(const std::vector<int>& shape, float scale, int zero_point, DType dtype,
                        const std::string& name) {
  const int id = add_tensor(full_name(name, "input"), dtype, shape,
                            dtype == DType::Float32 ? Quant{} : fixed_quant(scale, zero_point));
  const size_t channels = shape.empty() ? 1 : static_cast<size_t>(std::max(1, shape.back()));
  // Uniform over the representable range (float inputs: unit Gaussian).
  const double lo = dtype == DType::UInt8 ? 0.0 : -128.0;
  const double width = scale * 255.0;
  stats_[static_cast<size_t>(id)] = dtype == DType::Float32
                                        ? uniform_stats(channels, 0.0, 1.0)
                                        : uniform_stats(channels, scale * (lo + 127.5 - zero_point), width * width / 12.0);
  g_.inputs.push_back(id);
  return id;
}

int GraphBuilder::weighted_layer(OpKind kind, int x, int out_channels, int kernel, int stride, int multiplier,
                                 Activation act, const LayerOpts& opts) {
  const Tensor& in = checked(x, op_name(kind));
  const std::vector<int> ishape = in.shape;
  const Quant iq = in.quant;
  const Stats sx = stats_[static_cast<size_t>(x)];
  const std::string name = full_name(opts.name, op_name(kind));
  if (in.dtype != DType::Int8 || !iq.present())
    throw std::invalid_argument(name + ": input '" + in.name + "' must be quantized int8");

  std::vector<int> oshape, wshape;
  int taps = 0, channels = 0, cin = 0, axis = 0;  // taps: weights per output channel
  ConvAttrs ca;
  if (kind == OpKind::FullyConnected) {
    const int features = ishape.back();
    const int batch = static_cast<int>(in.num_elements()) / std::max(1, features);
    channels = out_channels;
    oshape = {batch, channels};
    wshape = {channels, features};
    taps = cin = features;
  } else {
    if (ishape.size() != 4)
      throw std::invalid_argument(name + ": input '" + in.name + "' must be NHWC, found shape " + dims_str(ishape));
    if (kernel < 1 || stride < 1 || opts.dilation < 1)
      throw std::invalid_argument(name + ": kernel, stride and dilation must be >= 1");
    cin = ishape[3];
    const int oh = conv_out_size(ishape[1], kernel, stride, opts.dilation, opts.padding);
    const int ow = conv_out_size(ishape[2], kernel, stride, opts.dilation, opts.padding);
    if (oh < 1 || ow < 1)
      throw std::invalid_argument(name + ": kernel " + std::to_string(kernel) + " does not fit input " +
                                  dims_str(ishape) + " with VALID padding");
    ca.padding = opts.padding;
    ca.stride_h = ca.stride_w = stride;
    ca.dilation_h = ca.dilation_w = opts.dilation;
    ca.activation = act;
    if (kind == OpKind::Conv2D) {
      channels = out_channels;
      wshape = {channels, kernel, kernel, cin};
      taps = kernel * kernel * cin;
    } else {
      channels = cin * multiplier;
      ca.depth_multiplier = multiplier;
      wshape = {1, kernel, kernel, channels};
      taps = kernel * kernel;
      axis = 3;
    }
    oshape = {ishape[0], oh, ow, channels};
  }
  const bool dw = kind == OpKind::DepthwiseConv2D;
  // Element j of output channel c: its index in the weight tensor and the input channel it reads.
  auto index = [&](int c, int j) -> size_t {
    return dw ? static_cast<size_t>(j) * static_cast<size_t>(channels) + static_cast<size_t>(c)
              : static_cast<size_t>(c) * static_cast<size_t>(taps) + static_cast<size_t>(j);
  };
  auto in_channel = [&](int c, int j) -> size_t {
    return dw ? static_cast<size_t>(c / multiplier) : static_cast<size_t>(j % cin);
  };

  // Weights: Gaussian, then each output channel scaled so its pre-activation std is sigma * gain
  // (a folded batch norm); the bias centres the channel on preact_mean + a random offset.
  Rng rng(seed_ * 0x100000001B3ull + static_cast<uint64_t>(++layer_) * 0x9E3779B97F4A7C15ull);
  const double sigma = opts.preact_std > 0 ? opts.preact_std : (act == Activation::Relu6 ? 2.0 : 1.0);
  std::vector<double> w(static_cast<size_t>(channels) * static_cast<size_t>(taps));
  std::vector<double> target(static_cast<size_t>(channels)), centre(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    const double gain = 0.7 + 0.6 * rng.uniform();
    target[static_cast<size_t>(c)] = sigma * gain;
    centre[static_cast<size_t>(c)] = opts.preact_mean + kBiasSpread * sigma * rng.gauss();
    double v = 0;
    for (int j = 0; j < taps; ++j) {
      const double r = rng.gauss();
      w[index(c, j)] = r;
      v += r * r * var_at(sx, in_channel(c, j));
    }
    const double k = target[static_cast<size_t>(c)] / std::sqrt(std::max(v, 1e-20));
    for (int j = 0; j < taps; ++j) w[index(c, j)] *= k;
  }
  // Quantize: per output channel (conv, depthwise) or per tensor (fully connected), symmetric.
  const bool per_tensor = kind == OpKind::FullyConnected;
  std::vector<float> wscales(per_tensor ? 1 : static_cast<size_t>(channels), 0.0f);
  for (int c = 0; c < channels; ++c) {
    double m = 0;
    for (int j = 0; j < taps; ++j) m = std::max(m, std::fabs(w[index(c, j)]));
    float& s = wscales[per_tensor ? 0 : static_cast<size_t>(c)];
    s = std::max(s, static_cast<float>(m / 127.0));
  }
  for (float& s : wscales)
    if (!(s > 0)) s = 1.0f / 127.0f;
  std::vector<int8_t> wq(w.size());
  std::vector<int32_t> bq(static_cast<size_t>(channels));
  std::vector<float> bscales(wscales.size());
  const double in_scale = iq.scale();
  for (size_t s = 0; s < wscales.size(); ++s) bscales[s] = static_cast<float>(in_scale * wscales[s]);
  Stats pre = uniform_stats(static_cast<size_t>(channels), 0.0, 0.0);
  for (int c = 0; c < channels; ++c) {
    const float ws = wscales[per_tensor ? 0 : static_cast<size_t>(c)];
    double mean = 0, var = 0;  // of sum_j w_j x_j with the quantized weights
    for (int j = 0; j < taps; ++j) {
      const long q = std::clamp<long>(std::lround(w[index(c, j)] / ws), -127, 127);
      wq[index(c, j)] = static_cast<int8_t>(q);
      const double real = static_cast<double>(q) * ws;
      mean += real * mean_at(sx, in_channel(c, j));
      var += real * real * var_at(sx, in_channel(c, j));
    }
    const double b = centre[static_cast<size_t>(c)] - mean;
    const double bs = in_scale * static_cast<double>(ws);
    bq[static_cast<size_t>(c)] = static_cast<int32_t>(std::clamp<double>(std::round(b / bs), -2147483647.0, 2147483647.0));
    pre.mean[static_cast<size_t>(c)] = centre[static_cast<size_t>(c)];
    pre.var[static_cast<size_t>(c)] = var;
  }

  Quant wquant;
  wquant.scales = wscales;
  wquant.zero_points.assign(wscales.size(), 0);
  wquant.axis = per_tensor ? 0 : axis;
  Quant bquant;
  bquant.scales = bscales;
  bquant.zero_points.assign(bscales.size(), 0);
  const int wid = add_const(name + "/weights", DType::Int8, wshape, wquant, wq.data(), wq.size());
  const int bid = add_const(name + "/bias", DType::Int32, {channels}, bquant, bq.data(), bq.size() * sizeof(int32_t));

  // Output quantization from the pre-activation's estimated distribution over the whole tensor.
  const double m = pre.overall_mean(), sd = pre.overall_std();
  Quant oq;
  double lo = 0, hi = 0;
  if (opts.out_min != 0.0f || opts.out_max != 0.0f) {
    lo = opts.out_min;
    hi = opts.out_max;
    oq = make_quant(lo, hi, true);
  } else if (act == Activation::Relu6) {
    lo = 0, hi = 6;
    oq = fixed_quant(static_cast<float>(6.0 / 255.0), -128);
  } else if (act == Activation::ReluN1To1) {
    lo = -1, hi = 1;
    oq = fixed_quant(static_cast<float>(2.0 / 255.0), 0);
  } else if (act == Activation::Relu) {
    lo = 0, hi = std::max(m + kRangeStds * sd, 1e-3);
    oq = make_quant(lo, hi, false);
  } else {
    lo = m - kRangeStds * sd, hi = m + kRangeStds * sd;
    oq = make_quant(lo, hi, false);
  }
  Stats post = through(pre, [act](double z) { return apply_act(act, z); }, lo, hi);
  const int out = new_activation(name, oshape, oq, std::move(post));

  OpAttrs attrs;
  if (kind == OpKind::FullyConnected) {
    FullyConnectedAttrs fa;
    fa.activation = act;
    attrs = fa;
  } else {
    attrs = ca;
  }
  return add_op(kind, {x, wid, bid}, out, attrs);
}

int GraphBuilder::conv2d(int x, int out_channels, int kernel, int stride, Activation act, const LayerOpts& opts) {
  if (out_channels < 1) throw std::invalid_argument("conv2d: out_channels must be >= 1");
  return weighted_layer(OpKind::Conv2D, x, out_channels, kernel, stride, 1, act, opts);
}

int GraphBuilder::depthwise(int x, int kernel, int stride, Activation act, int multiplier, const LayerOpts& opts) {
  if (multiplier < 1) throw std::invalid_argument("depthwise: multiplier must be >= 1");
  return weighted_layer(OpKind::DepthwiseConv2D, x, 0, kernel, stride, multiplier, act, opts);
}

int GraphBuilder::fully_connected(int x, int out_features, Activation act, const LayerOpts& opts) {
  if (out_features < 1) throw std::invalid_argument("fully_connected: out_features must be >= 1");
  return weighted_layer(OpKind::FullyConnected, x, out_features, 1, 1, 1, act, opts);
}

int GraphBuilder::add(int a, int b, Activation act, const std::string& name_in) {
  const std::string name = full_name(name_in, "ADD");
  const std::vector<int> shape = broadcast_shape(checked(a, "add").shape, checked(b, "add").shape, name);
  const Stats& sa = stats_[static_cast<size_t>(a)];
  const Stats& sb = stats_[static_cast<size_t>(b)];
  const size_t channels = std::max(sa.mean.size(), sb.mean.size());
  Stats sum = uniform_stats(channels, 0.0, 0.0);
  for (size_t c = 0; c < channels; ++c) {  // independent summands
    sum.mean[c] = mean_at(sa, c) + mean_at(sb, c);
    sum.var[c] = var_at(sa, c) + var_at(sb, c);
  }
  const double m = sum.overall_mean(), sd = sum.overall_std();
  const double lo = apply_act(act, m - kRangeStds * sd), hi = apply_act(act, m + kRangeStds * sd);
  Stats out_stats = through(sum, [act](double z) { return apply_act(act, z); }, lo, hi);
  const int out = new_activation(name, shape, make_quant(lo, hi, false), std::move(out_stats));
  ElementwiseAttrs ea;
  ea.activation = act;
  return add_op(OpKind::Add, {a, b}, out, ea);
}

int GraphBuilder::mul(int a, int b, const std::string& name_in) {
  const std::string name = full_name(name_in, "MUL");
  const std::vector<int> shape = broadcast_shape(checked(a, "mul").shape, checked(b, "mul").shape, name);
  const Stats& sa = stats_[static_cast<size_t>(a)];
  const Stats& sb = stats_[static_cast<size_t>(b)];
  const size_t channels = std::max(sa.mean.size(), sb.mean.size());
  Stats prod = uniform_stats(channels, 0.0, 0.0);
  for (size_t c = 0; c < channels; ++c) {  // independent factors: E[ab] = E[a]E[b], E[(ab)^2] = E[a^2]E[b^2]
    const double ma = mean_at(sa, c), mb = mean_at(sb, c);
    prod.mean[c] = ma * mb;
    prod.var[c] = std::max(0.0, (ma * ma + var_at(sa, c)) * (mb * mb + var_at(sb, c)) - ma * ma * mb * mb);
  }
  const Range ra = range_of(a), rb = range_of(b);
  const double corners[4] = {ra.lo * rb.lo, ra.lo * rb.hi, ra.hi * rb.lo, ra.hi * rb.hi};
  const double m = prod.overall_mean(), sd = prod.overall_std();
  // The estimate, kept within what the factors' ranges allow.
  const double lo = std::max(*std::min_element(corners, corners + 4), m - kRangeStds * sd);
  const double hi = std::min(*std::max_element(corners, corners + 4), m + kRangeStds * sd);
  const int out = new_activation(name, shape, make_quant(lo, hi, false), std::move(prod));
  return add_op(OpKind::Mul, {a, b}, out, ElementwiseAttrs{});
}

int GraphBuilder::pool(OpKind kind, int x, int kernel, int stride, Padding padding, const std::string& name_in) {
  const std::string name = full_name(name_in, op_name(kind));
  const Tensor& in = checked(x, op_name(kind));
  if (in.rank() != 4) throw std::invalid_argument(name + ": input must be NHWC, found " + dims_str(in.shape));
  PoolAttrs pa;
  pa.padding = kernel == 0 ? Padding::Valid : padding;
  pa.filter_h = kernel == 0 ? in.dim(1) : kernel;
  pa.filter_w = kernel == 0 ? in.dim(2) : kernel;
  pa.stride_h = pa.stride_w = kernel == 0 ? 1 : stride;
  const int oh = conv_out_size(in.dim(1), pa.filter_h, pa.stride_h, 1, pa.padding);
  const int ow = conv_out_size(in.dim(2), pa.filter_w, pa.stride_w, 1, pa.padding);
  if (oh < 1 || ow < 1 || pa.stride_h < 1)
    throw std::invalid_argument(name + ": pool window larger than input " + dims_str(in.shape));
  Stats s = stats_[static_cast<size_t>(x)];
  const double n = static_cast<double>(pa.filter_h) * pa.filter_w;
  for (size_t c = 0; c < s.mean.size(); ++c) {
    if (kind == OpKind::AveragePool2D) {
      s.var[c] /= effective_count(n);
    } else {
      s.mean[c] += std::sqrt(s.var[c]) * std::min(1.5, 0.5 * std::log2(n));  // a window's max sits above the mean
      s.var[c] *= 0.5;
    }
  }
  // Pools keep the input's quantization: TFLM's int8 pooling does not rescale.
  const int out = new_activation(name, {in.dim(0), oh, ow, in.dim(3)}, in.quant, std::move(s));
  return add_op(kind, {x}, out, pa);
}

int GraphBuilder::avg_pool(int x, int kernel, int stride, Padding padding, const std::string& name) {
  return pool(OpKind::AveragePool2D, x, kernel, stride, padding, name);
}

int GraphBuilder::max_pool(int x, int kernel, int stride, Padding padding, const std::string& name) {
  return pool(OpKind::MaxPool2D, x, kernel, stride, padding, name);
}

int GraphBuilder::mean(int x, const std::vector<int>& axes_in, bool keep_dims, const std::string& name_in) {
  const std::string name = full_name(name_in, "MEAN");
  const Tensor& in = checked(x, "mean");
  std::vector<int> axes;
  for (int a : axes_in) {
    const int n = a < 0 ? a + in.rank() : a;
    if (n < 0 || n >= in.rank()) throw std::invalid_argument(name + ": axis " + std::to_string(a) + " out of range");
    axes.push_back(n);
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  std::vector<int> shape;
  double count = 1;
  for (int d = 0; d < in.rank(); ++d) {
    const bool reduced = std::binary_search(axes.begin(), axes.end(), d);
    if (reduced) count *= in.dim(d);
    if (!reduced) shape.push_back(in.dim(d));
    else if (keep_dims) shape.push_back(1);
  }
  Stats s = stats_[static_cast<size_t>(x)];
  const bool channels_reduced = std::binary_search(axes.begin(), axes.end(), in.rank() - 1);
  if (channels_reduced) s = flattened(s, shape.empty() ? 1 : static_cast<size_t>(shape.back()));
  for (double& v : s.var) v /= effective_count(count);
  const Range r = range_of(x);
  const double m = s.overall_mean(), sd = s.overall_std();
  const double lo = std::max(r.lo, m - kRangeStds * sd), hi = std::min(r.hi, m + kRangeStds * sd);
  const int out = new_activation(name, shape, make_quant(lo, hi, false), std::move(s));
  MeanAttrs ma;
  ma.keep_dims = keep_dims;
  ma.axes = axes;
  return add_op(OpKind::Mean, {x}, out, ma);
}

int GraphBuilder::pad(int x, const std::vector<int>& before, const std::vector<int>& after, const std::string& name_in) {
  const std::string name = full_name(name_in, "PAD");
  const Tensor& in = checked(x, "pad");
  if (static_cast<int>(before.size()) != in.rank() || static_cast<int>(after.size()) != in.rank())
    throw std::invalid_argument(name + ": paddings need " + std::to_string(in.rank()) + " dimensions");
  std::vector<int> shape = in.shape;
  for (size_t d = 0; d < shape.size(); ++d) shape[d] += before[d] + after[d];
  PadAttrs pa;
  pa.before = before;
  pa.after = after;
  pa.pad_value = in.quant.zero_point();
  const int out = new_activation(name, shape, in.quant, stats_[static_cast<size_t>(x)]);
  return add_op(OpKind::Pad, {x}, out, pa);
}

int GraphBuilder::padv2(int x, const std::vector<int>& before, const std::vector<int>& after, float value,
                        const std::string& name_in) {
  const std::string name = full_name(name_in, "PADV2");
  const Tensor& in = checked(x, "padv2");
  if (static_cast<int>(before.size()) != in.rank() || static_cast<int>(after.size()) != in.rank())
    throw std::invalid_argument(name + ": paddings need " + std::to_string(in.rank()) + " dimensions");
  std::vector<int> shape = in.shape;
  for (size_t d = 0; d < shape.size(); ++d) shape[d] += before[d] + after[d];
  PadAttrs pa;
  pa.before = before;
  pa.after = after;
  const long q = std::lround(value / in.quant.scale()) + in.quant.zero_point();
  pa.pad_value = static_cast<int32_t>(std::clamp<long>(q, -128, 127));
  const int out = new_activation(name, shape, in.quant, stats_[static_cast<size_t>(x)]);
  return add_op(OpKind::PadV2, {x}, out, pa);
}

int GraphBuilder::activation_op(OpKind kind, int x, const std::string& name_in) {
  const std::string name = full_name(name_in, op_name(kind));
  const Tensor& in = checked(x, op_name(kind));
  const std::vector<int> shape = in.shape;
  const Quant iq = in.quant;
  const Stats& s = stats_[static_cast<size_t>(x)];
  const Range r = range_of(x);
  Quant oq;
  Stats os;
  switch (kind) {
    case OpKind::HardSwish: {
      // hard_swish decreases down to -0.375 at -1.5, then increases.
      const double lo = r.lo < -1.5 ? -0.375 : hard_swish_fn(r.lo);
      const double hi = std::max(hard_swish_fn(r.hi), hard_swish_fn(r.lo));
      oq = make_quant(lo, hi, false);
      os = through(s, hard_swish_fn, lo, hi);
      break;
    }
    case OpKind::Logistic:
      oq = fixed_quant(1.0f / 256.0f, -128);
      os = through(s, sigmoid_fn, 0.0, 1.0);
      break;
    case OpKind::Relu:
      oq = make_quant(0.0, std::max(r.hi, 1e-3), false);
      os = through(s, [](double z) { return std::max(0.0, z); }, 0.0, r.hi);
      break;
    case OpKind::Relu6:
      oq = iq;  // TFLM clamps RELU6 input bytes without requantizing: keep the input's parameters
      os = through(s, [](double z) { return std::min(6.0, std::max(0.0, z)); }, r.lo, r.hi);
      break;
    default:
      throw std::invalid_argument(name + ": not an activation");
  }
  const int out = new_activation(name, shape, oq, std::move(os));
  return add_op(kind, {x}, out, std::monostate{});
}

int GraphBuilder::hard_swish(int x, const std::string& name) { return activation_op(OpKind::HardSwish, x, name); }
int GraphBuilder::logistic(int x, const std::string& name) { return activation_op(OpKind::Logistic, x, name); }
int GraphBuilder::relu(int x, const std::string& name) { return activation_op(OpKind::Relu, x, name); }
int GraphBuilder::relu6(int x, const std::string& name) { return activation_op(OpKind::Relu6, x, name); }

int GraphBuilder::softmax(int x, float beta, const std::string& name_in) {
  const std::string name = full_name(name_in, "SOFTMAX");
  const std::vector<int> shape = checked(x, "softmax").shape;
  const size_t n = static_cast<size_t>(std::max(1, shape.empty() ? 1 : shape.back()));
  const double p = 1.0 / static_cast<double>(n);
  const int out = new_activation(name, shape, fixed_quant(1.0f / 256.0f, -128), uniform_stats(n, p, p * p));
  SoftmaxAttrs sa;
  sa.beta = beta;
  return add_op(OpKind::Softmax, {x}, out, sa);
}

int GraphBuilder::reshape(int x, const std::vector<int>& shape_in, const std::string& name_in) {
  const std::string name = full_name(name_in, "RESHAPE");
  const Tensor& in = checked(x, "reshape");
  std::vector<int> shape = shape_in;
  size_t known = 1;
  int unknown = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      if (unknown >= 0) throw std::invalid_argument(name + ": more than one -1 in " + dims_str(shape_in));
      unknown = static_cast<int>(d);
    } else {
      known *= static_cast<size_t>(shape[d]);
    }
  }
  if (unknown >= 0 && known > 0) shape[static_cast<size_t>(unknown)] = static_cast<int>(in.num_elements() / known);
  size_t total = 1;
  for (int d : shape) total *= static_cast<size_t>(d);
  if (total != in.num_elements())
    throw std::invalid_argument(name + ": cannot reshape " + dims_str(in.shape) + " to " + dims_str(shape_in));
  Stats s = relaid(stats_[static_cast<size_t>(x)], in.shape.empty() ? 1 : in.shape.back(), shape.empty() ? 1 : shape.back());
  const int out = add_tensor(name, in.dtype, shape, in.quant);
  stats_[static_cast<size_t>(out)] = std::move(s);
  return add_op(OpKind::Reshape, {x}, out, std::monostate{});
}

int GraphBuilder::squeeze(int x, const std::vector<int>& dims, const std::string& name_in) {
  const std::string name = full_name(name_in, "SQUEEZE");
  const Tensor& in = checked(x, "squeeze");
  std::vector<int> shape;
  for (int d = 0; d < in.rank(); ++d) {
    const bool drop = std::find(dims.begin(), dims.end(), d) != dims.end() ||
                      std::find(dims.begin(), dims.end(), d - in.rank()) != dims.end();
    if (drop && in.dim(d) != 1)
      throw std::invalid_argument(name + ": dimension " + std::to_string(d) + " of " + dims_str(in.shape) + " is not 1");
    if (!drop) shape.push_back(in.dim(d));
  }
  Stats s = relaid(stats_[static_cast<size_t>(x)], in.shape.empty() ? 1 : in.shape.back(), shape.empty() ? 1 : shape.back());
  const int out = add_tensor(name, in.dtype, shape, in.quant);
  stats_[static_cast<size_t>(out)] = std::move(s);
  return add_op(OpKind::Squeeze, {x}, out, std::monostate{});
}

int GraphBuilder::transpose(int x, const std::vector<int>& perm, const std::string& name_in) {
  const std::string name = full_name(name_in, "TRANSPOSE");
  const Tensor& in = checked(x, "transpose");
  std::vector<int> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<int>(i) || static_cast<int>(perm.size()) != in.rank())
      throw std::invalid_argument(name + ": " + dims_str(perm) + " is not a permutation of " +
                                  std::to_string(in.rank()) + " dimensions");
  std::vector<int> shape;
  for (int p : perm) shape.push_back(in.dim(p));
  const bool last_kept = !perm.empty() && perm.back() == in.rank() - 1;
  Stats s = last_kept ? stats_[static_cast<size_t>(x)] : flattened(stats_[static_cast<size_t>(x)], static_cast<size_t>(shape.back()));
  const int out = add_tensor(name, in.dtype, shape, in.quant);
  stats_[static_cast<size_t>(out)] = std::move(s);
  TransposeAttrs ta;
  ta.perm = perm;
  return add_op(OpKind::Transpose, {x}, out, ta);
}

int GraphBuilder::concat(const std::vector<int>& xs_in, int axis_in, const std::string& name_in) {
  const std::string name = full_name(name_in, "CONCATENATION");
  if (xs_in.empty()) throw std::invalid_argument(name + ": no inputs");
  const std::vector<int> first = checked(xs_in[0], "concat").shape;
  const Quant first_quant = checked(xs_in[0], "concat").quant;
  const int rank = static_cast<int>(first.size());
  const int axis = axis_in < 0 ? axis_in + rank : axis_in;
  if (axis < 0 || axis >= rank) throw std::invalid_argument(name + ": axis " + std::to_string(axis_in) + " out of range");
  std::vector<int> shape = first;
  shape[static_cast<size_t>(axis)] = 0;
  double lo = 0, hi = 0;
  bool all_same = true;
  Stats s;
  for (int x : xs_in) {
    const Tensor& t = checked(x, "concat");
    for (int d = 0; d < rank; ++d)
      if (d != axis && (t.rank() != rank || t.dim(d) != first[static_cast<size_t>(d)]))
        throw std::invalid_argument(name + ": input " + dims_str(t.shape) + " does not match " + dims_str(first));
    shape[static_cast<size_t>(axis)] += t.dim(axis);
    const Range r = range_of(x);
    lo = std::min(lo, r.lo), hi = std::max(hi, r.hi);
    all_same = all_same && same_quant(t.quant, first_quant);
    const Stats& sx = stats_[static_cast<size_t>(x)];
    s.mean.insert(s.mean.end(), sx.mean.begin(), sx.mean.end());
    s.var.insert(s.var.end(), sx.var.begin(), sx.var.end());
  }
  if (axis != rank - 1) s = flattened(s, static_cast<size_t>(shape.back()));
  const Quant oq = all_same ? first_quant : make_quant(lo, hi, false);
  std::vector<int> xs;
  for (int x : xs_in) {
    if (same_quant(g_.tensors[static_cast<size_t>(x)].quant, oq)) xs.push_back(x);
    else xs.push_back(quantize(x, DType::Int8, oq.scales[0], oq.zero_point()));
  }
  const int out = new_activation(name, shape, oq, std::move(s));
  ConcatAttrs ca;
  ca.axis = axis;
  return add_op(OpKind::Concatenation, xs, out, ca);
}

int GraphBuilder::quantize(int x, DType dtype, float scale, int zero_point, const std::string& name_in) {
  const std::string name = full_name(name_in, "QUANTIZE");
  const std::vector<int> shape = checked(x, "quantize").shape;
  Stats s = stats_[static_cast<size_t>(x)];
  const int out = add_tensor(name, dtype, shape, fixed_quant(scale, zero_point));
  stats_[static_cast<size_t>(out)] = std::move(s);
  return add_op(OpKind::Quantize, {x}, out, std::monostate{});
}

int GraphBuilder::dequantize(int x, const std::string& name_in) {
  const std::string name = full_name(name_in, "DEQUANTIZE");
  const std::vector<int> shape = checked(x, "dequantize").shape;
  Stats s = stats_[static_cast<size_t>(x)];
  const int out = add_tensor(name, DType::Float32, shape, Quant{});
  stats_[static_cast<size_t>(out)] = std::move(s);
  return add_op(OpKind::Dequantize, {x}, out, std::monostate{});
}

void GraphBuilder::output(int x) {
  checked(x, "output");
  g_.outputs.push_back(x);
}

Graph GraphBuilder::finish() {
  auto storage = std::make_shared<std::vector<uint8_t>>(std::move(storage_));
  for (Tensor& t : g_.tensors)
    if (t.data_size > 0) t.data = storage->data() + data_offset_[static_cast<size_t>(t.id)];
  g_.storage = std::move(storage);
  Graph out = std::move(g_);
  g_ = Graph{};
  storage_.clear();
  data_offset_.clear();
  stats_.clear();
  return out;
}

}  // namespace tinyops
