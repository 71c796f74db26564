// Model zoo: MACs/params against published figures, architectures against the real models in
// ../shared, every family through writer -> reader -> interpreter, quantization sanity, the demo
// model's size class, arch-JSON networks and error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/builder.h"
#include "model/graph_compare.h"
#include "model/tflite_reader.h"
#include "model/tflite_writer.h"
#include "model/zoo/zoo.h"
#include "runtime/interpreter.h"
#include "support/shared.h"

using namespace tinyops;
using tinyops::testing::graph_diff;

namespace {

Graph zoo(const std::string& family, double width, int resolution, int classes, const ZooOptions& o = {}) {
  auto g = make_zoo_model(family, width, resolution, classes, o);
  REQUIRE_MESSAGE(g.ok(), g.error().message);
  return std::move(g).value();
}

double rel_err(double got, double want) { return std::fabs(got - want) / want; }

TensorBytes lcg_inputs(const Graph& g, uint32_t seed = 12345) {
  TensorBytes in;
  for (int id : g.inputs) {
    std::vector<uint8_t> b(g.tensor(id).bytes());
    for (auto& v : b) {
      seed = seed * 1664525u + 1013904223u;
      v = static_cast<uint8_t>(seed >> 24);
    }
    in.push_back(b);
  }
  return in;
}

// Peak bytes of live activations at any op (inputs, outputs and tensors waiting for later ops).
size_t peak_activation_bytes(const Graph& g) {
  std::map<int, int> first, last;
  for (int id : g.inputs) first[id] = -1;
  for (const Op& op : g.ops) {
    for (int o : op.outputs) first[o] = op.index;
    for (int i : op.inputs)
      if (i >= 0 && !g.tensor(i).is_constant()) last[i] = op.index;
  }
  for (int id : g.outputs) last[id] = static_cast<int>(g.ops.size());
  size_t peak = 0;
  for (const Op& op : g.ops) {
    size_t sum = 0;
    for (const auto& [id, f] : first) {
      const int l = last.count(id) ? last[id] : f;
      if (f <= op.index && l >= op.index) sum += g.tensor(id).bytes();
    }
    peak = std::max(peak, sum);
  }
  return peak;
}

// Weight shapes of the conv / depthwise / fully-connected ops, in execution order. A 1x1 conv on a
// 1x1 input (how converters often write the classifier) is listed as the equivalent [O, I].
std::vector<std::vector<int>> weight_shapes(const Graph& g) {
  std::vector<std::vector<int>> r;
  for (const Op& op : g.ops) {
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected) continue;
    const std::vector<int>& w = g.input(op, 1).shape;
    const std::vector<int>& in = g.input(op, 0).shape;
    const bool fc_like = op.kind == OpKind::Conv2D && w[1] == 1 && w[2] == 1 && in[1] == 1 && in[2] == 1;
    r.push_back(fc_like ? std::vector<int>{w[0], w[3]} : w);
  }
  return r;
}

}  // namespace

TEST_CASE("make_divisible follows the reference rounding") {
  CHECK(make_divisible(32 * 0.35) == 16);   // 11.2 -> 8 is more than 10% below, so 16
  CHECK(make_divisible(16 * 0.35) == 8);
  CHECK(make_divisible(24 * 0.75) == 24);   // 18 -> 16 < 16.2 -> 24
  CHECK(make_divisible(1280 * 1.4) == 1792);
  CHECK(make_divisible(96 * 0.5) == 48);
  CHECK(make_divisible(3.0) == 8);          // at least the divisor
}

TEST_CASE("MACs and params of the standard configurations are within 2% of the published figures") {
  struct Row {
    const char* family;
    double width;
    int res, classes;
    double macs_m, params_m;
  };
  // MobileNetV1/V2/V3 checkpoints (TF-slim) have 1001 classes; torchvision/TF tpu models 1000.
  const Row rows[] = {{"mobilenet-v2", 1.0, 224, 1001, 300, 3.47},
                      {"mobilenet-v3-large", 1.0, 224, 1001, 217, 5.4},
                      {"mobilenet-v3-large-minimalistic", 1.0, 224, 1001, 209, 3.9},
                      {"mnasnet-b1", 1.0, 224, 1000, 312, 4.38},
                      {"mobilenet-v1", 1.0, 224, 1001, 569, 4.2},
                      {"mnasnet-a1", 1.0, 224, 1000, 312, 3.9}};  // MnasNet paper, Table 1
  for (const Row& r : rows) {
    const Graph g = zoo(r.family, r.width, r.res, r.classes);
    const double macs = graph_macs(g) / 1e6, params = graph_params(g) / 1e6;
    std::printf("%-20s %.2f/%d: %.2f M MACs (published %.0f), %.3f M params (published %.2f)\n", r.family, r.width,
                r.res, macs, r.macs_m, params, r.params_m);
    CAPTURE(r.family);
    CHECK(rel_err(macs, r.macs_m) < 0.02);
    CHECK(rel_err(params, r.params_m) < 0.02);
  }
  // Exact counts pin the architectures (conv + FC MACs; weights + biases).
  CHECK(graph_macs(zoo("mobilenet-v2", 1.0, 224, 1001)) == 300775552);
  CHECK(graph_params(zoo("mobilenet-v2", 1.0, 224, 1001)) == 3489097);  // = the TF2 MobileNetV2 .tflite in ../shared
}

TEST_CASE("accuracy.csv: every row our families cover, compared within 2% (or equal after truncation)") {
  if (!tinyops::testing::have_shared("accuracy.csv comparison")) return;
  std::ifstream f(tinyops::testing::shared_dir() / "facts" / "accuracy.csv");
  REQUIRE(f.good());
  // csv family -> (zoo family, classes of the published checkpoint)
  const std::map<std::string, std::pair<std::string, int>> families = {
      {"mobilenet_v2", {"mobilenet-v2", 1001}},         {"mobilenet_v3_large", {"mobilenet-v3-large", 1001}},
      {"mobilenet_v3_small", {"mobilenet-v3-small", 1001}}, {"efficientnet_lite0", {"efficientnet-lite0", 1000}},
      {"mcunet_in0", {"mcunet-in0", 1000}},             {"mcunet_in1", {"mcunet-in1", 1000}},
      {"mcunet_in2", {"mcunet-in2", 1000}},             {"mcunet_in3", {"mcunet-in3", 1000}},
      {"mcunet_in4", {"mcunet-in4", 1000}},             {"proxylessnas_tinyops", {"proxylessnas-mobile", 1000}},
      {"mobilenet_v3_tinyops", {"mobilenet-v3-large", 1000}}, {"mnasnet_tinyops", {"mnasnet-b1", 1000}},
      {"mobilenet_v3_large_minimalistic", {"mobilenet-v3-large-minimalistic", 1001}}};
  // Figures we do not reproduce (see docs/zoo.md): the slim README's MobileNetV3-Small figures
  // (66 M / 2.9 M) are those of the paper's first version, ours match the final paper and
  // torchvision (56 M, 2.54 M); the TinyOps-repo models use their own unpublished configs.
  const std::set<std::string> known_mismatch = {
      "mobilenet_v3_small 1.0 224 macs", "mobilenet_v3_small 1.0 224 params", "mobilenet_v3_small 0.75 224 params",
      "proxylessnas_tinyops 0.30 176 macs", "proxylessnas_tinyops 0.30 176 params",
      "mobilenet_v3_tinyops 0.55 128 params",
      // w1.00 is Large-minimalistic (params 3.91 vs 3.96 M); its 111 M MACs are 4% above slim's own
      // 209 M at 224 scaled to 160 (106.6 M): ours 107.9 M.
      "mobilenet_v3_tinyops 1.00 160 macs"};
  std::string line;
  std::getline(f, line);  // header
  std::set<std::string> mismatches;
  int compared = 0, within = 0, rows_covered = 0, rows_skipped = 0;
  while (std::getline(f, line)) {
    std::vector<std::string> c;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) c.push_back(cell);
    REQUIRE(c.size() >= 7);
    const std::string& fam = c[0];
    const bool has_numbers = !c[5].empty() || !c[6].empty();
    auto it = families.find(fam);
    if (it == families.end() || !has_numbers) {
      std::printf("csv %-32s %-5s %-4s: not compared (%s)\n", fam.c_str(), c[1].c_str(), c[2].c_str(),
                  it == families.end() ? "family not in the zoo or no resolution" : "no MACs/params listed");
      ++rows_skipped;
      continue;
    }
    ++rows_covered;
    const double width = c[1].empty() ? 1.0 : std::stod(c[1]);
    // The TinyOps MobileNetV3 w1.00 (3.96 M params) is Large-minimalistic (explore/accuracy.cpp).
    const std::string zf =
        fam == "mobilenet_v3_tinyops" && width >= 1.0 ? "mobilenet-v3-large-minimalistic" : it->second.first;
    int res = c[2].empty() ? 0 : std::stoi(c[2]);
    if (res == 0)
      for (const ZooFamily& z : zoo_families())
        if (z.name == zf) res = z.resolution;
    const Graph g = zoo(zf, width, res, it->second.second);
    const std::string key = fam + " " + c[1] + " " + std::to_string(res);
    const double macs = graph_macs(g) / 1e6, params = graph_params(g) / 1e6;
    std::string report = "csv " + key + ":";
    for (int m = 0; m < 2; ++m) {
      const std::string& cell = c[static_cast<size_t>(5 + m)];
      if (cell.empty()) continue;
      const double want = std::stod(cell), got = m == 0 ? macs : params;
      // Whole-million figures are truncated, not rounded (every MobileNetV2 row: 11.94 -> 11).
      const bool truncated = cell.find('.') == std::string::npos && std::floor(got) == want;
      const bool ok = rel_err(got, want) < 0.02 || truncated;
      ++compared;
      within += ok;
      if (!ok) mismatches.insert(key + (m == 0 ? " macs" : " params"));
      char buf[128];
      std::snprintf(buf, sizeof(buf), " %s %.3f vs %.3f (%+.1f%%)%s", m == 0 ? "MACs(M)" : "params(M)", got, want,
                    100.0 * (got - want) / want, !ok ? " MISMATCH" : rel_err(got, want) < 0.02 ? "" : " (= truncated)");
      report += buf;
    }
    std::printf("%s\n", report.c_str());
  }
  std::printf("accuracy.csv: %d rows compared (%d skipped), %d/%d figures within 2%% or equal after truncation\n",
              rows_covered, rows_skipped, within, compared);
  CHECK(rows_covered == 37);
  CHECK(mismatches == known_mismatch);
  CHECK(within == compared - static_cast<int>(known_mismatch.size()));
}

TEST_CASE("zoo architectures equal the real models in ../shared layer for layer") {
  if (!tinyops::testing::have_shared("zoo vs shared model architectures")) return;
  const auto dir = tinyops::testing::shared_dir() / "models" / "imagenet";
  struct Case {
    const char* file;
    const char* family;
    int res, classes;
  };
  const Case cases[] = {{"mcunet-320kb-1mb_imagenet.tflite", "mcunet-in3", 176, 1000},
                        {"tf2_mobilenet_v2_1.0_224_ptq.tflite", "mobilenet-v2", 224, 1001}};
  for (const Case& c : cases) {
    CAPTURE(c.file);
    auto real = load_tflite((dir / c.file).string());
    REQUIRE_MESSAGE(real.ok(), real.error().message);
    const Graph ours = zoo(c.family, 1.0, c.res, c.classes);
    CHECK(weight_shapes(*real).size() == weight_shapes(ours).size());
    CHECK(weight_shapes(*real) == weight_shapes(ours));
    CHECK(graph_macs(*real) == graph_macs(ours));
    CHECK(graph_params(*real) == graph_params(ours));
    std::printf("%s: %.2f M MACs, %.3f M params; zoo %s identical\n", c.file, graph_macs(*real) / 1e6,
                graph_params(*real) / 1e6, c.family);
  }
}

TEST_CASE("every zoo family builds, writes, reads back identically and runs") {
  for (const ZooFamily& f : zoo_families()) {
    CAPTURE(f.name);
    const Graph g = zoo(f.name, 0.35, 64, 50);
    const auto bytes = write_tflite(g);
    auto back = read_tflite(std::make_shared<const std::vector<uint8_t>>(bytes));
    REQUIRE_MESSAGE(back.ok(), back.error().message);
    CHECK(graph_diff(g, *back) == "");
    const TensorBytes in = lcg_inputs(g);
    auto a = run_graph(g, in);
    REQUIRE_MESSAGE(a.ok(), a.error().message);
    auto b = run_graph(*back, in);
    REQUIRE_MESSAGE(b.ok(), b.error().message);
    CHECK(*a == *b);
    REQUIRE(a->size() == 1);
    REQUIRE(a->at(0).size() == 50);
    const std::set<uint8_t> distinct(a->at(0).begin(), a->at(0).end());
    CHECK(distinct.size() >= 15);  // logits spread over the int8 range, not collapsed
    const Tensor& in_t = g.tensor(g.inputs[0]);
    CHECK(in_t.shape == std::vector<int>{1, 64, 64, 3});
    CHECK(in_t.dtype == DType::Int8);
    CHECK(g.tensor(g.outputs[0]).shape == std::vector<int>{1, 50});
  }
}

TEST_CASE("synthetic quantization: activations use the int8 range without saturating") {
  // Every int8 activation tensor of >= 256 elements, for a random input (LCG bytes).
  const char* families[] = {"mobilenet-v1", "mobilenet-v2", "mobilenet-v3-large", "mnasnet-a1", "efficientnet-lite0",
                            "mcunet-in3"};
  for (const char* fam : families) {
    CAPTURE(fam);
    Graph g = zoo(fam, 0.5, 96, 100);
    std::vector<int> acts;
    std::vector<OpKind> kinds;
    for (const Op& op : g.ops)
      if (g.output(op).dtype == DType::Int8) {
        acts.push_back(op.outputs[0]);
        kinds.push_back(op.kind);
      }
    g.outputs = acts;  // the interpreter returns every activation
    auto out = run_graph(g, lcg_inputs(g));
    REQUIRE_MESSAGE(out.ok(), out.error().message);
    double worst_high = 0, worst_low = 0, min_sd = 1e9;
    size_t min_distinct = 256;
    for (size_t i = 0; i < acts.size(); ++i) {
      const Tensor& t = g.tensor(acts[i]);
      const auto& v = out->at(i);
      if (v.size() < 256) continue;
      double high = 0, low = 0, m = 0, m2 = 0;
      std::set<int> distinct;
      for (uint8_t byte : v) {
        const int q = static_cast<int8_t>(byte);
        high += q == 127, low += q == -128, m += q, m2 += q * q;
        distinct.insert(q);
      }
      const double n = static_cast<double>(v.size());
      m /= n;
      // Hard-sigmoid gates clamp at 1 by definition; -128 is real 0 for ReLU-style outputs (zp -128)
      // and hard-swish's minimum -0.375: those are not saturation.
      if (t.name.find("hard_sigmoid") == std::string::npos) worst_high = std::max(worst_high, high / n);
      if (t.quant.zero_point() > -120 && kinds[i] != OpKind::HardSwish) worst_low = std::max(worst_low, low / n);
      min_sd = std::min(min_sd, std::sqrt(m2 / n - m * m));
      min_distinct = std::min(min_distinct, distinct.size());
    }
    std::printf("%-20s 0.5/96: saturation high %.2f%% low %.2f%%, min std %.1f LSB, min distinct %zu\n", fam,
                100 * worst_high, 100 * worst_low, min_sd, min_distinct);
    CHECK(worst_high < 0.03);
    CHECK(worst_low < 0.05);
    CHECK(min_sd > 12.0);
    CHECK(min_distinct >= 48);
  }
}

TEST_CASE("builder weights: per-channel symmetric int8, bias scale = input scale x weight scale") {
  const Graph g = zoo("mnasnet-a1", 0.5, 64, 10);
  int checked = 0;
  for (const Op& op : g.ops) {
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected) continue;
    const Tensor& in = g.input(op, 0);
    const Tensor& w = g.input(op, 1);
    const Tensor& b = g.input(op, 2);
    const bool dw = op.kind == OpKind::DepthwiseConv2D;
    const int channels = dw ? w.dim(3) : w.dim(0);
    const size_t per = w.num_elements() / static_cast<size_t>(channels);
    const auto* q = reinterpret_cast<const int8_t*>(w.data);
    CAPTURE(w.name);
    CHECK(w.quant.zero_points == std::vector<int64_t>(w.quant.scales.size(), 0));
    CHECK(b.quant.scales.size() == w.quant.scales.size());
    for (size_t s = 0; s < w.quant.scales.size(); ++s)
      CHECK(b.quant.scales[s] == static_cast<float>(static_cast<double>(in.quant.scale()) * w.quant.scales[s]));
    if (op.kind == OpKind::FullyConnected) {
      REQUIRE(w.quant.scales.size() == 1);
      int max_abs = 0;
      for (size_t i = 0; i < w.num_elements(); ++i) max_abs = std::max(max_abs, std::abs(static_cast<int>(q[i])));
      CHECK(max_abs == 127);
    } else {
      REQUIRE(w.quant.scales.size() == static_cast<size_t>(channels));
      CHECK(w.quant.axis == (dw ? 3 : 0));
      for (int c = 0; c < channels; ++c) {
        int max_abs = 0;
        for (size_t j = 0; j < per; ++j) {
          const size_t idx = dw ? j * static_cast<size_t>(channels) + static_cast<size_t>(c) : static_cast<size_t>(c) * per + j;
          max_abs = std::max(max_abs, std::abs(static_cast<int>(q[idx])));
        }
        CHECK(max_abs == 127);  // scale = max|w| / 127
      }
    }
    ++checked;
  }
  CHECK(checked > 30);
}

TEST_CASE("zoo models are deterministic; the seed changes only the weights") {
  const auto a = write_tflite(zoo("mobilenet-v3-small", 0.5, 64, 10));
  const auto b = write_tflite(zoo("mobilenet-v3-small", 0.5, 64, 10));
  CHECK(a == b);
  ZooOptions o;
  o.seed = 42;
  const Graph c = zoo("mobilenet-v3-small", 0.5, 64, 10, o);
  const Graph d = zoo("mobilenet-v3-small", 0.5, 64, 10);
  CHECK(write_tflite(c) != a);
  CHECK(weight_shapes(c) == weight_shapes(d));
  CHECK(graph_macs(c) == graph_macs(d));
  // Weights come from integer-only PRNG arithmetic: these bytes are the same on every platform.
  const Tensor& w0 = d.tensor(d.ops[0].inputs[1]);
  CHECK(w0.shape == std::vector<int>{8, 3, 3, 3});
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < w0.data_size; ++i) h = (h ^ w0.data[i]) * 0x100000001b3ull;
  std::printf("first conv weights FNV-1a: %016llx\n", static_cast<unsigned long long>(h));
  CHECK(h == 0xda0054b521761df0ull);
}

TEST_CASE("demo model: MobileNetV2 0.5/160, too big for 320 KB SRAM only when placed naively") {
  const Graph g = make_demo_model();
  CHECK(g.tensor(g.inputs[0]).shape == std::vector<int>{1, 160, 160, 3});
  CHECK(g.tensor(g.inputs[0]).dtype == DType::Int8);
  CHECK(g.tensor(g.outputs[0]).shape == std::vector<int>{1, 1000});
  CHECK(g.tensor(g.outputs[0]).dtype == DType::Int8);
  const size_t peak = peak_activation_bytes(g);
  const double weights_mb = graph_weight_bytes(g) / 1e6;
  std::printf("demo: %.1f M MACs, %.3f M params, weights %.2f MB, peak live activations %zu KB\n",
              graph_macs(g) / 1e6, graph_params(g) / 1e6, weights_mb, peak / 1024);
  CHECK(peak > 320 * 1024);
  CHECK(peak < 600 * 1024);
  CHECK(peak == 384000);  // block 2's depthwise: 48x80x80 in + 48x40x40 out
  CHECK(weights_mb > 1.0);
  CHECK(weights_mb < 2.1);
  // The largest single tensor fits in SRAM, so row partitioning can stream it.
  size_t largest = 0;
  for (const Tensor& t : g.tensors)
    if (!t.is_constant()) largest = std::max(largest, t.bytes());
  CHECK(largest < 320 * 1024);
  auto out = run_graph(g, lcg_inputs(g));
  REQUIRE_MESSAGE(out.ok(), out.error().message);
  CHECK(out->at(0).size() == 1000);
}

TEST_CASE("arch JSON: TinyOps and ProxylessNAS formats describe the same network") {
  const std::string tinyops_json = R"({
    "name": "tiny", "resolution": 64, "classes": 10, "act": "relu6",
    "stem": {"out": 16, "kernel": 3, "stride": 2},
    "blocks": [
      {"kernel": 3, "expand": 1, "stride": 1, "out": 8},
      {"kernel": 5, "expand": 3, "stride": 2, "out": 16},
      {"kernel": 7, "expand": 6, "stride": 1, "out": 16, "se": 0.25},
      {"kernel": 3, "expand": 4, "stride": 2, "out": 24, "act": "hswish"}
    ],
    "head": {"out": 64}
  })";
  const std::string proxyless_json = R"({
    "name": "tiny", "resolution": 64,
    "first_conv": {"name": "ConvLayer", "in_channels": 3, "out_channels": 16, "kernel_size": 3, "stride": 2, "act_func": "relu6"},
    "blocks": [
      {"name": "MobileInvertedResidualBlock", "mobile_inverted_conv": {"name": "MBInvertedConvLayer", "in_channels": 16,
        "out_channels": 8, "kernel_size": 3, "stride": 1, "expand_ratio": 1, "mid_channels": null, "act_func": "relu6", "use_se": false}, "shortcut": null},
      {"name": "MobileInvertedResidualBlock", "mobile_inverted_conv": {"name": "MBInvertedConvLayer", "in_channels": 8,
        "out_channels": 16, "kernel_size": 5, "stride": 2, "expand_ratio": 3, "mid_channels": 24, "act_func": "relu6", "use_se": false}, "shortcut": null},
      {"name": "MobileInvertedResidualBlock", "mobile_inverted_conv": {"name": "MBInvertedConvLayer", "in_channels": 16,
        "out_channels": 16, "kernel_size": 7, "stride": 1, "expand_ratio": 6, "mid_channels": 96, "act_func": "relu6", "use_se": true},
        "shortcut": {"name": "IdentityLayer", "in_channels": [16], "out_channels": [16]}},
      {"name": "MobileInvertedResidualBlock", "mobile_inverted_conv": {"name": "ZeroLayer", "stride": 1},
        "shortcut": {"name": "IdentityLayer", "in_channels": [16], "out_channels": [16]}},
      {"name": "MobileInvertedResidualBlock", "mobile_inverted_conv": {"name": "MBInvertedConvLayer", "in_channels": 16,
        "out_channels": 24, "kernel_size": 3, "stride": 2, "expand_ratio": 4, "act_func": "h_swish", "use_se": false}, "shortcut": null}
    ],
    "feature_mix_layer": {"name": "ConvLayer", "in_channels": 24, "out_channels": 64, "kernel_size": 1, "stride": 1, "act_func": "relu6"},
    "classifier": {"name": "LinearLayer", "in_features": 64, "out_features": 10}
  })";
  auto a = make_model_from_arch_json(tinyops_json);
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  auto b = make_model_from_arch_json(proxyless_json);
  REQUIRE_MESSAGE(b.ok(), b.error().message);
  CHECK(weight_shapes(*a) == weight_shapes(*b));
  std::vector<OpKind> ka, kb;
  for (const Op& op : a->ops) ka.push_back(op.kind);
  for (const Op& op : b->ops) kb.push_back(op.kind);
  CHECK(ka == kb);
  // stem 3x3x3x16; block0 dw + project; block1 expand 24, dw 5x5 s2, project; block2 expand 96,
  // dw 7x7, SE 96->24->96, project + add; block3 expand 64, dw, project; head 64; FC 10: 16 layers.
  CHECK(weight_shapes(*a).size() == 16);
  CHECK(graph_macs(*a) == graph_macs(*b));
  int adds = 0, muls = 0, hswish = 0;
  for (OpKind k : ka) adds += k == OpKind::Add, muls += k == OpKind::Mul, hswish += k == OpKind::HardSwish;
  CHECK(adds == 1);
  CHECK(muls == 1);
  CHECK(hswish == 2);
  // Overrides: resolution, classes and width.
  ArchOverrides o;
  o.resolution = 32;
  o.classes = 7;
  o.width = 2.0;
  auto c = make_model_from_arch_json(tinyops_json, o);
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  CHECK(c->tensor(c->inputs[0]).shape == std::vector<int>{1, 32, 32, 3});
  CHECK(c->tensor(c->outputs[0]).shape == std::vector<int>{1, 7});
  CHECK(c->tensor(c->ops[0].inputs[1]).shape == std::vector<int>{32, 3, 3, 3});
  // A built-in description is plain JSON in the TinyOps format.
  const std::string in3 = zoo_arch_json("mcunet-in3");
  REQUIRE_FALSE(in3.empty());
  auto d = make_model_from_arch_json(in3);
  REQUIRE_MESSAGE(d.ok(), d.error().message);
  CHECK(graph_macs(*d) == graph_macs(zoo("mcunet-in3", 1.0, 176, 1000)));
  CHECK(zoo_arch_json("mobilenet-v2").empty());
}

TEST_CASE("zoo and arch JSON errors name what is wrong") {
  auto e = make_zoo_model("resnet-50", 1.0, 224, 1000);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.rfind("unknown zoo family 'resnet-50'; expected one of: mobilenet-v1, mobilenet-v2,", 0) == 0);
  e = make_zoo_model("mobilenet-v2", 0.0, 224, 1000);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message == "mobilenet-v2: width 0.00 out of range, expected 0.05..4");
  e = make_zoo_model("mobilenet-v2", 1.0, 4, 1000);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message == "mobilenet-v2: resolution 4 out of range, expected 8..2048");
  e = make_zoo_model("mobilenet-v2", 1.0, 224, 0);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message == "mobilenet-v2: classes 0 out of range, expected 1..100000");

  auto j = make_model_from_arch_json("{not json");
  REQUIRE_FALSE(j.ok());
  CHECK(j.error().message.rfind("architecture JSON: [json.exception.parse_error", 0) == 0);
  j = make_model_from_arch_json(R"({"resolution": 32, "stem": {"out": 8}, "blocks": [{"kernel": 3, "stride": 1, "out": 8}]})");
  REQUIRE_FALSE(j.ok());
  CHECK(j.error().message == "architecture JSON: block 0: missing \"expand\"");
  j = make_model_from_arch_json(R"({"resolution": 32, "stem": {"out": 8}, "blocks": [{"kernel": 3, "expand": 2, "out": 8, "act": "gelu"}]})");
  REQUIRE_FALSE(j.ok());
  CHECK(j.error().message == "architecture JSON: block 0: unknown activation 'gelu', expected relu, relu6, hswish or none");
  j = make_model_from_arch_json(R"({"stem": {"out": 8}, "blocks": []})");
  REQUIRE_FALSE(j.ok());
  CHECK(j.error().message == "architecture JSON: architecture: missing \"resolution\"");
  j = make_model_from_arch_json(R"({"resolution": 32, "first_conv": {"out_channels": 8},
      "blocks": [{"mobile_inverted_conv": {"in_channels": 16, "out_channels": 8, "kernel_size": 3, "expand_ratio": 3}, "shortcut": null}]})");
  REQUIRE_FALSE(j.ok());
  CHECK(j.error().message == "architecture JSON: block 0: in_channels 16, but the previous layer has 8 channels");
  j = make_model_from_arch_json(R"({"resolution": 32, "first_conv": {"out_channels": 8},
      "blocks": [{"mobile_inverted_conv": {"in_channels": 8, "out_channels": 16, "kernel_size": [3, 5], "expand_ratio": 3}, "shortcut": null}]})");
  REQUIRE_FALSE(j.ok());
  CHECK(j.error().message ==
        "architecture JSON: block 0: \"kernel_size\" must be an integer (non-square kernels and strides are not supported)");
}
