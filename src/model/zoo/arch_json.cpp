// Networks from JSON architecture descriptions (TinyOps format and ProxylessNAS/OFA/MCUNet net
// configs), and the built-in MCUNet descriptions.
#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

#include "model/zoo/net.h"
#include "model/zoo/zoo.h"

namespace tinyops {
namespace {

using nlohmann::json;
using zoo::Act;
using zoo::Gate;
using zoo::Net;

struct BadArch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Act parse_act(const json& j, const std::string& where) {
  if (j.is_null()) return Act::None;
  if (!j.is_string()) throw BadArch(where + ": activation must be a string");
  const std::string s = j.get<std::string>();
  if (s == "relu") return Act::Relu;
  if (s == "relu6") return Act::Relu6;
  if (s == "hswish" || s == "h_swish" || s == "hard_swish") return Act::HSwish;
  if (s == "none" || s == "linear") return Act::None;
  throw BadArch(where + ": unknown activation '" + s + "', expected relu, relu6, hswish or none");
}

int get_int(const json& j, const char* key, const std::string& where, int fallback = -1) {
  if (!j.contains(key) || j[key].is_null()) {
    if (fallback >= 0) return fallback;
    throw BadArch(where + ": missing \"" + key + "\"");
  }
  const json& v = j[key];
  // ProxylessNAS configs may write square kernels and strides as [k, k].
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[0] == v[1]) return v[0].get<int>();
  if (!v.is_number_integer())
    throw BadArch(where + ": \"" + key + "\" must be an integer" +
                  (v.is_array() ? " (non-square kernels and strides are not supported)" : ""));
  const int n = v.get<int>();
  if (n < 1 || n > 100000) throw BadArch(where + ": \"" + key + "\" = " + std::to_string(n) + " out of range");
  return n;
}

double get_num(const json& j, const char* key, double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (j[key].is_boolean()) return j[key].get<bool>() ? 0.25 : 0.0;
  if (!j[key].is_number()) throw BadArch(std::string("\"") + key + "\" must be a number");
  return j[key].get<double>();
}

struct Scaler {
  double w;
  int ch(int c) const { return w == 1.0 ? c : make_divisible(c * w); }
  int head(int c) const { return w > 1.0 ? make_divisible(c * w) : c; }
};

void tinyops_format(Net& n, const json& j, const Scaler& s, int classes) {
  const Act net_act = parse_act(j.value("act", json("relu6")), "network");
  const json& stem = j.at("stem");
  n.scope("stem");
  n.conv(s.ch(get_int(stem, "out", "stem")), get_int(stem, "kernel", "stem", 3), get_int(stem, "stride", "stem", 2),
         stem.contains("act") ? parse_act(stem["act"], "stem") : net_act, "conv");
  if (!j.contains("blocks") || !j["blocks"].is_array()) throw BadArch("missing \"blocks\" array");
  int index = 0;
  for (const json& b : j["blocks"]) {
    const std::string where = "block " + std::to_string(index);
    const int repeat = get_int(b, "repeat", where, 1);
    const int k = get_int(b, "kernel", where), stride = get_int(b, "stride", where, 1);
    const int out = s.ch(get_int(b, "out", where));
    const double expand = get_num(b, "expand", -1);
    if (!(expand > 0) && !b.contains("mid")) throw BadArch(where + ": missing \"expand\"");
    const double se = get_num(b, "se", 0.0);
    const Act act = b.contains("act") ? parse_act(b["act"], where) : net_act;
    const std::string gate_name = b.value("se_gate", std::string("hsigmoid"));
    if (gate_name != "hsigmoid" && gate_name != "sigmoid")
      throw BadArch(where + ": se_gate '" + gate_name + "', expected hsigmoid or sigmoid");
    const bool skip = b.value("skip", true);
    for (int r = 0; r < repeat; ++r, ++index) {
      n.scope("block" + std::to_string(index + 1));
      const int in = n.channels();
      int mid = b.contains("mid") ? s.ch(get_int(b, "mid", where))
                                  : (s.w == 1.0 ? static_cast<int>(std::lround(in * expand)) : make_divisible(in * expand));
      if (expand == 1.0 && !b.contains("mid")) mid = in;
      const int squeeze = se > 0 ? make_divisible(mid * se) : 0;
      n.mbconv(mid, out, k, r == 0 ? stride : 1, act, squeeze, gate_name == "sigmoid" ? Gate::Sigmoid : Gate::HardSigmoid,
               skip);
    }
  }
  n.scope("head");
  if (j.contains("head") && !j["head"].is_null()) {
    const json& h = j["head"];
    n.conv(s.head(get_int(h, "out", "head")), 1, 1, h.contains("act") ? parse_act(h["act"], "head") : net_act, "conv");
  }
  n.head_mean_fc(classes);
}

void proxyless_format(Net& n, const json& j, const Scaler& s, int classes) {
  const json& fc = j.at("first_conv");
  n.scope("stem");
  n.conv(s.ch(get_int(fc, "out_channels", "first_conv")), get_int(fc, "kernel_size", "first_conv", 3),
         get_int(fc, "stride", "first_conv", 2), parse_act(fc.value("act_func", json("relu6")), "first_conv"), "conv");
  if (!j.contains("blocks") || !j["blocks"].is_array()) throw BadArch("missing \"blocks\" array");
  int index = 0;
  for (const json& b : j["blocks"]) {
    const std::string where = "block " + std::to_string(index++);
    const json conv = b.value("mobile_inverted_conv", json());
    const bool has_shortcut = b.contains("shortcut") && !b["shortcut"].is_null() &&
                              b["shortcut"].value("name", std::string()) != "ZeroLayer";
    if (conv.is_null() || conv.value("name", std::string()) == "ZeroLayer") {
      if (!has_shortcut) throw BadArch(where + ": neither a convolution nor a shortcut");
      continue;  // identity block
    }
    n.scope("block" + std::to_string(index));
    const int in = n.channels();
    if (s.w == 1.0 && conv.contains("in_channels") && get_int(conv, "in_channels", where) != in)
      throw BadArch(where + ": in_channels " + std::to_string(get_int(conv, "in_channels", where)) +
                    ", but the previous layer has " + std::to_string(in) + " channels");
    const double expand = get_num(conv, "expand_ratio", 6.0);
    int mid = conv.contains("mid_channels") && !conv["mid_channels"].is_null()
                  ? s.ch(get_int(conv, "mid_channels", where))
                  : (s.w == 1.0 ? static_cast<int>(std::lround(in * expand)) : make_divisible(in * expand));
    if (expand == 1.0) mid = in;
    const int out = s.ch(get_int(conv, "out_channels", where));
    const int stride = get_int(conv, "stride", where, 1);
    if (has_shortcut && (stride != 1 || in != out))
      throw BadArch(where + ": identity shortcut needs stride 1 and in == out, found stride " +
                    std::to_string(stride) + ", " + std::to_string(in) + " -> " + std::to_string(out));
    const bool use_se = conv.value("use_se", false);
    n.mbconv(mid, out, get_int(conv, "kernel_size", where, 3), stride,
             parse_act(conv.value("act_func", json("relu6")), where), use_se ? make_divisible(mid / 4.0) : 0,
             Gate::HardSigmoid, has_shortcut);
  }
  n.scope("head");
  if (j.contains("feature_mix_layer") && !j["feature_mix_layer"].is_null()) {
    const json& f = j["feature_mix_layer"];
    n.conv(s.head(get_int(f, "out_channels", "feature_mix_layer")), get_int(f, "kernel_size", "feature_mix_layer", 1),
           1, parse_act(f.value("act_func", json("relu6")), "feature_mix_layer"), "conv");
  }
  n.head_mean_fc(classes);
}

// MCUNet ImageNet models (mit-han-lab/mcunet net configs): stem channels, resolution and the
// blocks as {expand, out, stride, kernel}; no feature-mix layer, the classifier reads the last block.
struct McuBlock {
  int t, c, s, k;
};
struct McuNet {
  const char* name;
  const char* config;
  int stem, resolution;
  std::vector<McuBlock> blocks;
};
const std::vector<McuNet>& mcunets() {
  static const std::vector<McuNet> kNets = {
      {"mcunet-in0", "mcunet-10fps_imagenet", 24, 48,
       {{1, 16, 1, 3}, {4, 16, 2, 5}, {3, 16, 1, 3}, {4, 16, 1, 3}, {5, 24, 2, 7}, {4, 24, 1, 5}, {5, 24, 1, 5},
        {5, 48, 2, 7}, {4, 48, 1, 5}, {5, 56, 1, 3}, {4, 56, 1, 5}, {5, 56, 1, 3}, {6, 112, 2, 3}, {4, 112, 1, 5},
        {6, 192, 1, 3}}},
      {"mcunet-in1", "mcunet-5fps_imagenet", 16, 96,
       {{1, 8, 1, 3}, {4, 16, 2, 3}, {3, 16, 1, 3}, {3, 24, 2, 7}, {5, 24, 1, 3}, {5, 40, 2, 3}, {4, 40, 1, 7},
        {4, 48, 1, 5}, {3, 48, 1, 3}, {4, 48, 1, 3}, {5, 96, 2, 7}, {4, 96, 1, 5}, {4, 96, 1, 5}, {6, 160, 1, 3}}},
      {"mcunet-in2", "mcunet-256kb-1mb_imagenet", 16, 160,
       {{1, 8, 1, 3}, {3, 16, 2, 5}, {6, 16, 1, 7}, {5, 16, 1, 3}, {5, 16, 1, 5}, {5, 24, 2, 3}, {6, 24, 1, 7},
        {6, 24, 1, 5}, {4, 40, 2, 7}, {5, 40, 1, 5}, {5, 48, 1, 3}, {5, 48, 1, 5}, {4, 48, 1, 3}, {6, 96, 2, 5},
        {4, 96, 1, 5}, {3, 96, 1, 5}, {4, 96, 1, 3}, {5, 160, 1, 5}}},
      {"mcunet-in3", "mcunet-320kb-1mb_imagenet", 16, 176,
       {{1, 8, 1, 3}, {3, 16, 2, 7}, {5, 16, 1, 3}, {5, 16, 1, 7}, {4, 16, 1, 5}, {5, 24, 2, 5}, {5, 24, 1, 5},
        {5, 24, 1, 5}, {5, 40, 2, 3}, {6, 40, 1, 7}, {4, 40, 1, 5}, {5, 48, 1, 5}, {5, 48, 1, 7}, {5, 48, 1, 3},
        {6, 96, 2, 3}, {5, 96, 1, 7}, {4, 96, 1, 3}, {5, 160, 1, 7}}},
      {"mcunet-in4", "mcunet-512kb-2mb_imagenet", 32, 160,
       {{1, 16, 1, 3}, {3, 24, 2, 7}, {5, 24, 1, 3}, {4, 24, 1, 5}, {5, 40, 2, 7}, {4, 40, 1, 3}, {4, 40, 1, 7},
        {3, 80, 2, 7}, {3, 80, 1, 3}, {3, 80, 1, 7}, {4, 96, 1, 3}, {3, 96, 1, 5}, {3, 96, 1, 5}, {4, 192, 2, 7},
        {3, 192, 1, 7}, {3, 192, 1, 5}, {4, 320, 1, 5}}},
  };
  return kNets;
}

}  // namespace

std::string zoo_arch_json(const std::string& family) {
  for (const McuNet& m : mcunets()) {
    if (family != m.name) continue;
    json j;
    j["name"] = std::string(m.name) + " (" + m.config + ")";
    j["resolution"] = m.resolution;
    j["classes"] = 1000;
    j["act"] = "relu6";
    j["stem"] = {{"out", m.stem}, {"kernel", 3}, {"stride", 2}};
    json blocks = json::array();
    for (const McuBlock& b : m.blocks)
      blocks.push_back({{"expand", b.t}, {"out", b.c}, {"stride", b.s}, {"kernel", b.k}});
    j["blocks"] = blocks;
    return j.dump();
  }
  return {};
}

Result<Graph> make_model_from_arch_json(const std::string& text, const ArchOverrides& ov, const ZooOptions& opts) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return Error{std::string("architecture JSON: ") + e.what()};
  }
  if (!j.is_object()) return Error{"architecture JSON: expected an object at the top level"};
  try {
    const bool proxyless = j.contains("first_conv");
    const int resolution = ov.resolution > 0 ? ov.resolution : get_int(j, "resolution", "architecture");
    int classes = ov.classes;
    if (classes <= 0) {
      if (proxyless && j.contains("classifier") && j["classifier"].is_object())
        classes = get_int(j["classifier"], "out_features", "classifier", 1000);
      else
        classes = get_int(j, "classes", "architecture", 1000);
    }
    const double width = ov.width * get_num(j, "width", 1.0);
    if (!(width >= 0.05 && width <= 4.0)) return Error{"architecture JSON: width out of range, expected 0.05..4"};
    int in_channels = 3;
    if (proxyless) in_channels = get_int(j["first_conv"], "in_channels", "first_conv", 3);
    else in_channels = get_int(j, "input_channels", "architecture", 3);
    const std::string name = j.value("name", std::string("arch"));
    char wbuf[32];
    std::snprintf(wbuf, sizeof(wbuf), "%.2f", width);
    const std::string desc = name + " w" + wbuf + " r" + std::to_string(resolution) + " c" + std::to_string(classes) +
                             " (TinyOps zoo, synthetic weights)";
    Net n(desc, opts.seed ? opts.seed : zoo::config_seed(desc + text), resolution, in_channels, opts);
    const Scaler s{width};
    if (proxyless) proxyless_format(n, j, s, classes);
    else tinyops_format(n, j, s, classes);
    return n.finish();
  } catch (const BadArch& e) {
    return Error{std::string("architecture JSON: ") + e.what()};
  } catch (const json::exception& e) {
    return Error{std::string("architecture JSON: ") + e.what()};
  } catch (const std::invalid_argument& e) {
    return Error{std::string("architecture JSON: ") + e.what()};
  }
}

}  // namespace tinyops
