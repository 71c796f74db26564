// Latency cost model: CPU cycles of one Compute step of a Plan on a board's core, and the extra
// (stall) cycles its operands cost when they live in slow memories.
//
//   instructions = per_call + per_op + per_mac * MACs + per_output * outputs + per_input * inputs
//   compute cycles = instructions * cycles_per_instruction(core)
//   stall cycles = sum over operands in flash / SDRAM / QSPI of the CPU traffic (from the kernel's
//                  loop order and the D-cache) times the per-line (cached) or per-access (uncached)
//                  penalty relative to internal SRAM.
// Parameters live in data/cost/*.json (cores.json plus one file per kernel profile), each figure with
// its source. Host code only.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "plan/planner.h"
#include "util/status.h"

namespace tinyops {

// Kernel variants with distinct cost behaviour.
enum class KernelClass : uint8_t {
  Conv1x1,       // CONV_2D 1x1, stride 1, no padding
  Conv,          // other CONV_2D
  Depthwise3x3,  // DEPTHWISE_CONV_2D 3x3, multiplier 1, dilation 1
  Depthwise,     // other DEPTHWISE_CONV_2D
  FullyConnected,
  Pool,          // AVERAGE_POOL_2D, MAX_POOL_2D (inputs = window elements)
  Add,
  Mul,
  Mean,          // inputs = elements reduced
  Lut,           // RELU, RELU6, LOGISTIC, QUANTIZE, DEQUANTIZE: one table look-up per element
  HardSwish,
  Softmax,
  Move,          // PAD, PADV2, RESHAPE, SQUEEZE, TRANSPOSE, CONCATENATION: outputs = bytes
  Count
};
inline constexpr int kNumKernelClasses = static_cast<int>(KernelClass::Count);
const char* kernel_class_name(KernelClass c);  // "conv1x1", "conv", "depthwise3x3", ...
KernelClass kernel_class_of(const Graph& g, const Op& op);

// How a kernel walks memory: decides how often an operand is fetched again when its reused part
// does not fit the D-cache.
enum class LoopOrder : uint8_t {
  Stream,        // every operand read once, output written once
  ChannelOuter,  // blocks of `block` output channels outer, pixels inner (CMSIS-NN 1x1 GEMM):
                 // the input is re-read per channel block, output lines are touched per block
  PixelOuter,    // blocks of `block` output pixels outer, all channels inner (im2col + GEMM,
                 // depthwise): the weights are re-read per pixel block
};

struct KernelClassParams {
  double per_mac = 0, per_output = 0, per_input = 0, per_call = 0;  // instructions
  LoopOrder loop = LoopOrder::Stream;
  int block = 1;
};

// One kernel library's instruction costs (data/cost/<name>.json), per instruction set.
struct KernelProfile {
  std::string name;
  std::string description;
  double per_op = 0;  // framework instructions per kernel call (interpreter dispatch, views)
  // isa ("armv7e-m", "armv8.1-m.main-mve") -> per class params.
  std::map<std::string, std::array<KernelClassParams, kNumKernelClasses>> isa;
  std::map<std::string, double> cycles_per_instruction;  // per core name; overrides cores.json
  std::vector<std::string> merged_files;                  // measured files folded in
};

// A core's execution and memory-system parameters (data/cost/cores.json).
struct CoreParams {
  std::string core;      // "cortex-m7"
  std::string isa;       // which KernelProfile::isa table applies
  double cycles_per_instruction = 1.0;  // data and code in internal memories
  int cache_line_bytes = 32;
  double cache_fit_fraction = 0.5;  // a reused set "fits" the D-cache when <= this share of it
  int uncached_access_bytes = 4;    // bytes per CPU load when the memory is not cached
};

struct CostModel {
  Board board;
  CoreParams core;
  KernelProfile profile;
  std::string profile_name;

  const KernelClassParams& params(KernelClass c) const;
  double clock_hz() const { return static_cast<double>(board.cpu.clock_hz); }
  double cache_budget() const;  // bytes of D-cache a reused set may occupy; 0 without a D-cache
};

// Directory of the cost files: $TINYOPS_COST_DIR, else <source>/data/cost.
std::string cost_data_dir();
// Our own kernels (what `tinyops export` ships): the default profile of simulate, compare, explore, demo.
inline constexpr const char* kDefaultKernelProfile = "tinyops";
std::vector<std::string> kernel_profile_names();  // profiles shipped in cost_data_dir()

Result<KernelProfile> parse_kernel_profile(const std::string& json_text, const std::string& origin);
Result<std::vector<CoreParams>> parse_core_params(const std::string& json_text, const std::string& origin);
// Loads cores.json and <profile>.json (+ the measured file it names, when present) for the board's core.
Result<CostModel> load_cost_model(const Board& board, const std::string& profile, const std::string& dir = "");
Result<CostModel> make_cost_model(const Board& board, const KernelProfile& profile,
                                  const std::vector<CoreParams>& cores);

// The work of one kernel call on an output range.
struct Work {
  KernelClass cls = KernelClass::Move;
  double macs = 0, outputs = 0, inputs = 0;
  int64_t pixels = 0;        // output (n, y, x) positions in the range
  int64_t channels = 0;      // output channels in the range
  int64_t in_bytes = 0;      // bytes of activation input 0 the range needs
  int64_t in_window_bytes = 0;   // bytes of one output row's input band (filter rows x width x channels)
  int64_t in_patch_bytes = 0;    // bytes of one output pixel's receptive field
  int32_t filter_h = 1, filter_w = 1, stride_h = 1, stride_w = 1;
  int64_t weight_bytes = 0;  // bytes of the weights the range reads
  int64_t out_bytes = 0;
  int64_t out_pixel_bytes = 0;   // bytes of one output pixel over the range's channels
};
Work op_work(const Graph& g, const Op& op, OutRange range);
OutRange full_out_range(const Graph& g, const Op& op);
Shape4 shape4_from(const std::vector<int>& shape);

// CPU traffic and stall of one operand class on one memory.
struct MemoryTraffic {
  std::string memory;
  double read_bytes = 0;    // bytes the CPU fetches (line fills or uncached loads)
  double write_bytes = 0;   // bytes the CPU writes back (evictions or uncached stores)
  double stall_cycles = 0;  // isolated stall, relative to internal SRAM
  double busy_seconds = 0;  // time this traffic occupies the memory (for contention)
};

struct StepCost {
  Work work;
  double instructions = 0;
  double compute_cycles = 0;
  double stall_cycles = 0;
  std::vector<MemoryTraffic> traffic;  // one entry per slow memory touched (flash, SDRAM, QSPI)
};

// Cost of a Compute step in isolation (no contention). Errors name the step's op and buffer.
Result<StepCost> compute_step_cost(const CostModel& model, const Graph& g, const Plan& plan,
                                   const ComputeStep& step);
// Same for an op on its whole output with operands in the given memories (no plan needed).
StepCost op_cost_in_memories(const CostModel& model, const Graph& g, const Op& op, const std::string& act_memory,
                             const std::string& weight_memory);

// Instructions of one kernel call doing `work`: per_op + per_call + per_mac*MACs + per_output*outputs +
// per_input*inputs of its class.
double call_instructions(const CostModel& model, const Work& work);
// The planner's per-call compute estimate (PlanOptions::call_cycles) from this model: instructions of
// one kernel call on the range times the core's cycles per instruction, no stalls.
CallCycles planner_call_cycles(const CostModel& model);
// Loads `profile` for the board and sets options.call_cycles from it (errors name the profile).
Status use_kernel_profile(PlanOptions& options, const Board& board, const std::string& profile = kDefaultKernelProfile);

bool is_fast_memory(const Memory& m);  // tcm and sram: the baseline the CPI was measured with

}  // namespace tinyops
