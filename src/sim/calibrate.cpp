#include "sim/calibrate.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tinyops {

using nlohmann::json;

Result<std::map<int, double>> op_instructions_from_plugin_json(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("markers") || !j["markers"].is_array())
    return Error{"instruction counts: expected {\"markers\": [{\"id\", \"insns\"}, ...]}"};
  std::map<int, double> out;
  for (const json& m : j["markers"]) {
    if (!m.contains("id") || !m.contains("insns")) return Error{"instruction counts: marker without id/insns"};
    const int id = m["id"].get<int>();
    if (id < 0 || id >= 0x8000) continue;
    out[id] += m["insns"].get<double>();
  }
  return out;
}

namespace {

enum Feature { kMacs, kOutputs, kInputs, kCalls, kNumFeatures };
constexpr const char* kFeatureField[kNumFeatures] = {"per_mac", "per_output", "per_input", "per_call"};

std::vector<int> features_of(KernelClass c) {
  switch (c) {
    case KernelClass::Conv1x1:
    case KernelClass::FullyConnected: return {kMacs, kOutputs, kCalls};
    case KernelClass::Conv: return {kMacs, kOutputs, kInputs, kCalls};
    case KernelClass::Depthwise3x3:
    case KernelClass::Depthwise: return {kMacs, kOutputs, kCalls};
    case KernelClass::Pool:
    case KernelClass::Mean: return {kInputs, kOutputs, kCalls};
    default: return {kOutputs, kCalls};
  }
}

double& field(KernelClassParams& p, int f) {
  switch (f) {
    case kMacs: return p.per_mac;
    case kOutputs: return p.per_output;
    case kInputs: return p.per_input;
    default: return p.per_call;
  }
}

// Least squares via normal equations with Gaussian elimination; false when singular.
bool solve_ls(const std::vector<std::vector<double>>& A, const std::vector<double>& b, std::vector<double>* x) {
  const size_t n = A.empty() ? 0 : A[0].size();
  std::vector<std::vector<double>> M(n, std::vector<double>(n + 1, 0));
  for (size_t r = 0; r < A.size(); ++r)
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) M[i][j] += A[r][i] * A[r][j];
      M[i][n] += A[r][i] * b[r];
    }
  for (size_t i = 0; i < n; ++i) {
    size_t p = i;
    for (size_t k = i + 1; k < n; ++k)
      if (std::fabs(M[k][i]) > std::fabs(M[p][i])) p = k;
    std::swap(M[i], M[p]);
    if (std::fabs(M[i][i]) < 1e-9 * (1 + std::fabs(M[i][n]))) return false;
    for (size_t k = 0; k < n; ++k) {
      if (k == i) continue;
      const double f = M[k][i] / M[i][i];
      for (size_t j = i; j <= n; ++j) M[k][j] -= f * M[i][j];
    }
  }
  x->assign(n, 0);
  for (size_t i = 0; i < n; ++i) (*x)[i] = M[i][n] / M[i][i];
  return true;
}

}  // namespace

Result<json> fit_measured_profile(const std::vector<MeasuredRun>& runs, const KernelProfile& base,
                                  const std::string& isa, std::vector<ClassFit>* report) {
  auto bit = base.isa.find(isa);
  if (bit == base.isa.end()) return Error{fmt::format("profile {} has no table for {}", base.name, isa)};
  // Per op: class, features, measured instructions.
  struct Sample {
    KernelClass cls;
    double f[kNumFeatures];
    double y;
  };
  std::vector<Sample> samples;
  for (const MeasuredRun& r : runs) {
    std::map<int, Sample> per_op;
    for (const PlanStep& s : r.plan->steps) {
      if (s.kind != StepKind::Compute) continue;
      const int op = s.compute.op;
      const Work w = op_work(*r.graph, r.graph->ops[static_cast<size_t>(op)], s.compute.range);
      auto [it, fresh] = per_op.try_emplace(op, Sample{w.cls, {0, 0, 0, 0}, 0});
      (void)fresh;
      it->second.f[kMacs] += w.macs;
      it->second.f[kOutputs] += w.outputs;
      it->second.f[kInputs] += w.inputs;
      it->second.f[kCalls] += 1;
    }
    for (auto& [op, s] : per_op) {
      auto c = r.op_instructions.find(op);
      if (c == r.op_instructions.end())
        return Error{fmt::format("{}: no instruction count for op {} (markers missing?)", r.name, op)};
      s.y = c->second;
      samples.push_back(s);
    }
  }
  json classes = json::object(), fit = json::object();
  for (int ci = 0; ci < kNumKernelClasses; ++ci) {
    const KernelClass cls = static_cast<KernelClass>(ci);
    std::vector<const Sample*> rows;
    for (const Sample& s : samples)
      if (s.cls == cls) rows.push_back(&s);
    if (rows.empty()) continue;
    KernelClassParams p = bit->second[static_cast<size_t>(ci)];
    p.per_call += base.per_op;  // the measured file has per_op 0
    std::vector<int> feats = features_of(cls);
    // Fewer ops than features: keep per_call, then per_input, from the base profile.
    while (feats.size() > rows.size() && feats.size() > 1) feats.pop_back();
    std::vector<double> x;
    while (!feats.empty()) {
      std::vector<std::vector<double>> A;
      std::vector<double> b;
      for (const Sample* s : rows) {
        std::vector<double> a;
        double y = s->y;
        for (int f = 0; f < kNumFeatures; ++f) {
          if (std::find(feats.begin(), feats.end(), f) != feats.end()) a.push_back(s->f[f]);
          else y -= field(p, f) * s->f[f];
        }
        A.push_back(a);
        b.push_back(y);
      }
      if (!solve_ls(A, b, &x)) {
        feats.pop_back();
        continue;
      }
      // Non-negative: drop the most negative coefficient (it keeps the base value) and refit.
      size_t worst = feats.size();
      for (size_t i = 0; i < feats.size(); ++i)
        if (x[i] < 0 && (worst == feats.size() || x[i] < x[worst])) worst = i;
      if (worst == feats.size()) break;
      field(p, feats[worst]) = 0;
      feats.erase(feats.begin() + static_cast<long>(worst));
    }
    for (size_t i = 0; i < feats.size(); ++i) field(p, feats[i]) = x[i];
    ClassFit cf;
    cf.cls = cls;
    cf.ops = static_cast<int>(rows.size());
    cf.params = p;
    json jc = json::object();
    for (int f : feats) cf.fitted.push_back(kFeatureField[f]);
    for (int f = 0; f < kNumFeatures; ++f) jc[kFeatureField[f]] = field(p, f);
    for (const Sample* s : rows) {
      double pred = 0;
      for (int f = 0; f < kNumFeatures; ++f) pred += field(p, f) * s->f[f];
      cf.measured += s->y;
      cf.predicted += pred;
      if (s->y > 0) cf.max_rel_error = std::max(cf.max_rel_error, std::fabs(pred / s->y - 1));
    }
    classes[kernel_class_name(cls)] = jc;
    fit[kernel_class_name(cls)] = {{"ops", cf.ops},
                                   {"fitted", cf.fitted},
                                   {"measured_instructions", cf.measured},
                                   {"model_instructions", cf.predicted},
                                   {"max_op_error", cf.max_rel_error}};
    if (report) report->push_back(cf);
  }
  json out;
  out["kind"] = "kernel-profile-measurements";
  out["per_op"] = 0;
  out["isa"][isa]["classes"] = classes;
  out["fit"] = fit;
  std::vector<std::string> names;
  for (const MeasuredRun& r : runs) names.push_back(r.name);
  out["runs"] = names;
  return out;
}

}  // namespace tinyops
