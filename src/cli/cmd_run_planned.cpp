#include "cli/run_support.h"

namespace tinyops::cli {

// Replaced by the planner-backed implementation once the planner and executor land.
Result<TensorBytes> run_planned(const Graph&, const std::string& board, const std::string&, int64_t,
                                const TensorBytes&) {
  return Error{"planned execution (--board " + board + ") is not available in this build yet"};
}

}  // namespace tinyops::cli
