// Host reference interpreter: runs a Graph op by op with one dense buffer per tensor.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "model/graph.h"
#include "util/status.h"

namespace tinyops {

using TensorBytes = std::vector<std::vector<uint8_t>>;

// Runs every op over its full output. `inputs` holds the raw bytes of each graph input, in
// Graph::inputs order; returns the bytes of each graph output in Graph::outputs order.
Result<TensorBytes> run_graph(const Graph& g, const TensorBytes& inputs);

// Same, but each op's output is computed as row_parts x channel_parts partitions (as far as the op
// supports them, see kernel_partition_caps). Each partition reads its input rows from a separate buffer
// holding only the rows it needs (halo included) and its weights from a buffer holding only its
// output channels, so the result proves that offset views give identical bytes.
struct PartitionSpec {
  int row_parts = 1;
  int channel_parts = 1;
};
Result<TensorBytes> run_graph_partitioned(const Graph& g, const TensorBytes& inputs, PartitionSpec spec);

// Prepares once, then invokes repeatedly (benchmarks): buffers are allocated at creation.
// The Graph must outlive the Interpreter.
class Interpreter {
 public:
  static Result<Interpreter> create(const Graph& g);
  Interpreter(Interpreter&&) noexcept;
  Interpreter& operator=(Interpreter&&) noexcept;
  ~Interpreter();

  // Copies the bytes of graph input i (size checked).
  Status set_input(size_t i, const std::vector<uint8_t>& bytes);
  // Runs every op; op_seconds (optional) receives the wall time of each op in execution order.
  Status invoke(std::vector<double>* op_seconds = nullptr);
  const std::vector<uint8_t>& output(size_t i) const;

 private:
  struct State;
  explicit Interpreter(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace tinyops
