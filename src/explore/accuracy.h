// ImageNet top-1 accuracy of zoo configurations: published figures (accuracy.csv) where a
// configuration is listed, elsewhere an estimate from a per-family fit of top-1 against log MACs.
//
// The fit: top1 = a_g + b_g x + c_g x^2 with x = ln(MACs / 1e6), one group g per family lineage
// (mobilenet-v1, mobilenet-v2, mobilenet-v3-large, mobilenet-v3-small, mnasnet, proxylessnas,
// efficientnet-lite, mcunet). Groups with >= kOwnShapeMinPoints figures get their own a, b, c;
// the others share b, c (fitted jointly over the figures with published MACs, one intercept per
// group; the built-in shape when there are fewer than groups + 4 such figures) and get their own
// intercept. Outside the x range of the fitted figures the curve continues as a straight
// line with the slope at the edge (never decreasing). When a group holds several families (mcunet-in0..
// in4, mnasnet-b1/a1, efficientnet-lite0..4), a family with figures of its own is shifted by their
// mean residual, so its curve passes through them. Without accuracy.csv a built-in copy of the
// fitted coefficients is used and every figure is an estimate.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace tinyops {

// One row of accuracy.csv.
struct AccuracyRow {
  int line = 0;             // 1-based line in the file
  std::string csv_family;   // e.g. "mobilenet_v2", "mnasnet_tinyops"
  std::string family;       // zoo family it describes, empty when none of ours
  double width = 1.0;       // blank in the file = 1.0
  int resolution = 0;       // blank in the file = the zoo family's default (0 when no family)
  double top1 = 0;          // int8 figure when given, else float
  std::string kind;         // "int8" or "float"
  double macs = 0;          // published MACs (0 = not given)
  double params = 0;        // published parameters (0 = not given)
  std::string source;
};

// Parses accuracy.csv (header: family,width,resolution,top1_float,top1_int8,macs_m,params_m,source).
// Errors name the line and column.
Result<std::vector<AccuracyRow>> parse_accuracy_csv(const std::string& text, const std::string& origin);
Result<std::vector<AccuracyRow>> read_accuracy_csv(const std::string& path);

struct AccuracyFigure {
  double top1 = 0;
  bool is_estimate = true;
  std::string source;  // "accuracy.csv:12 int8 (<source>)" or "estimate: <group> fit ..."
};

struct AccuracyFit {
  std::string group;
  double a = 0, b = 0, c = 0;  // top1 = a + b x + c x^2, x = ln(MACs in millions)
  double x_min = 0, x_max = 0; // range of the figures the shape was fitted on
  int points = 0;              // figures of this group
  bool own_shape = false;      // b, c fitted on this group alone
  double rms = 0;              // residual RMS on this group's figures (percentage points)
  double predict(double macs) const;
};

// The fit group of a zoo family ("mobilenet-v2" -> "mobilenet-v2", "mnasnet-a1" -> "mnasnet",
// "efficientnet-lite3" -> "efficientnet-lite", "mcunet-in2" -> "mcunet"), empty when unknown.
std::string accuracy_group(const std::string& family);

class AccuracyModel {
 public:
  static constexpr int kOwnShapeMinPoints = 6;
  // Relative MACs difference above which a listed row is not taken as a figure for our
  // configuration (the row describes a different architecture); it still enters the fit.
  static constexpr double kMacsTolerance = 0.10;

  // MACs of a zoo configuration (to place rows that give none, and to compare the others).
  using MacsFn = std::function<Result<int64_t>(const std::string& family, double width, int resolution)>;

  // Parses accuracy.csv text (header: family,width,resolution,top1_float,top1_int8,macs_m,params_m,
  // source) and fits. Errors name the line and column. `groups` (empty = all): the fit groups whose
  // rows without published MACs are placed with `macs` (a zoo build each); other groups without
  // figures of their own keep the built-in coefficients.
  static Result<AccuracyModel> from_csv(const std::string& text, const std::string& origin, const MacsFn& macs,
                                        const std::vector<std::string>& groups = {});
  static Result<AccuracyModel> load(const std::string& path, const MacsFn& macs,
                                    const std::vector<std::string>& groups = {});
  // Built-in coefficients (fitted on accuracy.csv, see accuracy.cpp); every figure an estimate.
  static AccuracyModel builtin();
  // Fits on the given rows (rows without a family of ours are kept but not used). The shared shape
  // uses only rows with published MACs, so it does not depend on `groups`.
  static AccuracyModel fit(std::vector<AccuracyRow> rows, const MacsFn& macs, const std::string& origin,
                           const std::vector<std::string>& groups = {});

  // The listed figure for (family, width, resolution) when one matches, else nullopt. `macs` (0 =
  // unknown) is compared with the row's published MACs (kMacsTolerance).
  std::optional<AccuracyFigure> lookup(const std::string& family, double width, int resolution,
                                       double macs = 0) const;
  // lookup, else the estimate.
  AccuracyFigure accuracy(const std::string& family, double width, int resolution, double macs) const;
  // The fitted estimate alone; nullopt for an unknown family.
  std::optional<double> estimate(const std::string& family, double macs) const;

  bool has_data() const { return has_data_; }
  const std::string& origin() const { return origin_; }
  const std::vector<AccuracyRow>& rows() const { return rows_; }
  const std::map<std::string, AccuracyFit>& fits() const { return fits_; }
  // Shift of a family's curve from its group's (mean residual of its own figures; 0 when none or
  // when the family is its group's only one).
  double family_offset(const std::string& family) const;
  const std::map<std::string, double>& family_offsets() const { return family_offsets_; }
  // Rows used as figures and rows skipped, with the reason.
  std::vector<std::string> notes() const { return notes_; }
  // The fits as a table (group, points, a, b, c, range, rms) and as C++ initialisers (for builtin()).
  std::string fit_table() const;
  std::string fit_cpp() const;

  // MACs from the zoo (builds the model); thread-safe, cached.
  static Result<int64_t> zoo_macs(const std::string& family, double width, int resolution);

 private:
  bool has_data_ = false;
  std::string origin_;
  std::vector<AccuracyRow> rows_;
  std::map<std::string, AccuracyFit> fits_;
  std::map<std::string, double> family_offsets_;
  std::vector<std::string> notes_;
};

// Seeds zoo_macs's cache (the explorer knows the MACs of every model it built).
void remember_zoo_macs(const std::string& family, double width, int resolution, int64_t macs);

// facts/accuracy.csv in $TINYOPS_SHARED, else in ../shared next to the source tree, or "" when it
// does not exist.
std::string default_accuracy_csv();

}  // namespace tinyops
