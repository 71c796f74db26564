// GraphBuilder: builds int8 graphs with deterministic synthetic weights and sane quantization.
//
// Weights: per layer a fixed PRNG (seeded from the builder seed and the layer number) draws
// approximately Gaussian values; conv/depthwise weights are quantized per output channel,
// symmetric (scale = max|w|/127, zero point 0); fully-connected weights per tensor, symmetric;
// int32 biases use scale = input_scale * weight_scale.
// Quantization of activations comes from a simple range propagation: every tensor carries an
// estimated mean/variance per channel. Conv/depthwise/FC weights are scaled per output channel so
// the pre-activation has a chosen std (times a random gain in [0.7, 1.3]), and the bias centres
// each channel on a small random offset: the layer behaves like a trained one with its batch norm
// folded in. Output ranges: no activation or ReLU: mean +- 4 std over the whole tensor (clipped at
// 0 for ReLU); ReLU6: scale 6/255, zero point -128; SOFTMAX/LOGISTIC: 1/256, -128; pools, RELU6,
// reshapes, pads keep the input's quantization (TFLM requires it for pools and ignores it for
// RELU6); MEAN, ADD, MUL, HARD_SWISH, RELU requantize to their estimated output range.
//
// The finished Graph owns its constant data: Graph::storage holds every weight and bias, and
// Tensor::data points into it, so the graph is directly runnable and writable.
// Misuse (wrong ranks, unknown ids) throws std::invalid_argument naming the layer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.h"

namespace tinyops {

struct LayerOpts {
  Padding padding = Padding::Same;
  int dilation = 1;
  // Target std of the pre-activation (real units). 0 = default: 2 before a fused ReLU6, else 1.
  float preact_std = 0.0f;
  // Mean of the pre-activation, added through the bias (e.g. the +0.5 of a hard sigmoid).
  float preact_mean = 0.0f;
  // Explicit real output range [out_min, out_max]; both 0 = derived from the activation.
  float out_min = 0.0f, out_max = 0.0f;
  std::string name;  // output tensor name within the current scope; empty = automatic
};

// Estimated distribution of a tensor's real values, per channel (last dimension): mean and
// variance over positions. Channels are treated as independent, positions as uncorrelated.
struct ChannelStats {
  std::vector<double> mean, var;
  double overall_mean() const;
  double overall_std() const;  // of the mixture of all channels
};

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string description, uint64_t seed = 1);

  // Graph input [N,H,W,C] (or any shape) with the given quantization.
  int input(const std::vector<int>& shape, float scale, int zero_point, DType dtype = DType::Int8,
            const std::string& name = "input");

  int conv2d(int x, int out_channels, int kernel, int stride, Activation act = Activation::None,
             const LayerOpts& opts = {});
  int depthwise(int x, int kernel, int stride, Activation act = Activation::None, int multiplier = 1,
                const LayerOpts& opts = {});
  // Input [N, I] or [N,1,1,I] (flattened); output [N, out_features].
  int fully_connected(int x, int out_features, Activation act = Activation::None, const LayerOpts& opts = {});
  int add(int a, int b, Activation act = Activation::None, const std::string& name = {});
  // Elementwise product with broadcasting (e.g. squeeze-excite: [1,H,W,C] x [1,1,1,C]).
  int mul(int a, int b, const std::string& name = {});
  // kernel 0 = global pooling over H,W (VALID).
  int avg_pool(int x, int kernel, int stride, Padding padding = Padding::Valid, const std::string& name = {});
  int max_pool(int x, int kernel, int stride, Padding padding = Padding::Valid, const std::string& name = {});
  int mean(int x, const std::vector<int>& axes = {1, 2}, bool keep_dims = true, const std::string& name = {});
  // PAD fills with the zero point (real 0); PADV2 with `value` (real, quantized with x's parameters).
  int pad(int x, const std::vector<int>& before, const std::vector<int>& after, const std::string& name = {});
  int padv2(int x, const std::vector<int>& before, const std::vector<int>& after, float value,
            const std::string& name = {});
  int hard_swish(int x, const std::string& name = {});
  int logistic(int x, const std::string& name = {});
  int relu(int x, const std::string& name = {});
  int relu6(int x, const std::string& name = {});
  int softmax(int x, float beta = 1.0f, const std::string& name = {});
  int reshape(int x, const std::vector<int>& shape, const std::string& name = {});
  int squeeze(int x, const std::vector<int>& dims, const std::string& name = {});
  int transpose(int x, const std::vector<int>& perm, const std::string& name = {});
  // Inputs whose quantization differs from the output's are requantized first (QUANTIZE int8->int8),
  // because TFLM's int8 CONCATENATION needs one shared scale/zero point.
  int concat(const std::vector<int>& xs, int axis, const std::string& name = {});
  // QUANTIZE to `dtype` with the given parameters (float32/uint8/int8 input).
  int quantize(int x, DType dtype, float scale, int zero_point, const std::string& name = {});
  int dequantize(int x, const std::string& name = {});

  void output(int x);
  // Names of later layers are prefixed with "<scope>/".
  void set_scope(const std::string& scope) { scope_ = scope; }

  const Tensor& tensor(int id) const;
  const std::vector<int>& shape(int id) const { return tensor(id).shape; }
  // The range propagation's estimate for a tensor.
  const ChannelStats& est_stats(int id) const;

  // Moves constant data into Graph::storage and returns the graph. The builder is empty afterwards.
  Graph finish();

 private:
  using Stats = ChannelStats;
  struct Range {
    double lo, hi;
  };

  int add_tensor(const std::string& name, DType dtype, std::vector<int> shape, Quant quant);
  int add_const(const std::string& name, DType dtype, std::vector<int> shape, Quant quant,
                const void* data, size_t bytes);
  int add_op(OpKind kind, std::vector<int> inputs, int output, OpAttrs attrs);
  std::string full_name(const std::string& name, const char* kind);
  const Tensor& checked(int id, const char* what) const;
  int new_activation(const std::string& name, std::vector<int> shape, Quant quant, Stats stats);
  int weighted_layer(OpKind kind, int x, int out_channels, int kernel, int stride, int multiplier,
                     Activation act, const LayerOpts& opts);
  int activation_op(OpKind kind, int x, const std::string& name);
  int pool(OpKind kind, int x, int kernel, int stride, Padding padding, const std::string& name);
  Range range_of(int id) const;

  Graph g_;
  std::vector<uint8_t> storage_;
  std::vector<size_t> data_offset_;  // per tensor: offset into storage_ (constants only)
  std::vector<Stats> stats_;
  uint64_t seed_;
  int layer_ = 0;
  int counter_ = 0;
  std::string scope_;
};

}  // namespace tinyops
