// Calibration of a kernel profile from measured per-op instruction counts (the QEMU plugin's marker
// regions of an exported firmware: marker id = op index, ids >= 0x8000 are DMA programming).
// The fit runs per kernel class over every op of every run, least squares with non-negative
// coefficients on the features the class uses (MACs, outputs, inputs, calls = compute steps).
// The result is the measured-file JSON that load_cost_model merges into a profile
// (data/cost/tinyops-measured.json for the `tinyops` profile).
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/graph.h"
#include "plan/plan.h"
#include "sim/cost_model.h"
#include "util/status.h"

namespace tinyops {

// Instructions per op from the plugin's JSON ({"total", "pre_marker", "markers": [{"id", "calls",
// "insns"}]}); DMA markers (id >= 0x8000) and the end marker are left out.
Result<std::map<int, double>> op_instructions_from_plugin_json(const std::string& text);

struct MeasuredRun {
  std::string name;
  const Graph* graph = nullptr;
  const Plan* plan = nullptr;
  std::map<int, double> op_instructions;
};

struct ClassFit {
  KernelClass cls = KernelClass::Move;
  int ops = 0;
  KernelClassParams params;     // fitted (unfitted fields keep the base profile's values)
  std::vector<std::string> fitted;  // which fields were fitted
  double measured = 0, predicted = 0;  // instruction totals over the class's ops
  double max_rel_error = 0;            // worst op
};

// Fits `base`'s `isa` table to the runs. Classes without measured ops keep the base values and are
// not written. per_op is folded into per_call (the measured file sets per_op 0).
Result<nlohmann::json> fit_measured_profile(const std::vector<MeasuredRun>& runs, const KernelProfile& base,
                                            const std::string& isa, std::vector<ClassFit>* report);

}  // namespace tinyops
