#include "sim/simulator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>

namespace tinyops {

using nlohmann::json;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Coef {
  int res;
  double per_unit;  // seconds of resource time per unit of progress
};

// A bandwidth-consuming activity: `remaining` units of progress, at most `cap` units/s.
struct Flow {
  std::vector<Coef> coefs;
  double cap = kInf;
  double remaining = 1;
  double rate = 0;
  double scale = 0;  // seconds of its most-used resource per unit
  bool active = false;
  // CPU steps: pure compute time and isolated stall time per memory. Their accesses queue behind
  // DMA traffic on the same memory: stall / (1 - share the DMA uses), the share capped at 1/2
  // (round-robin arbitration: each CPU access waits for at most one DMA access).
  bool cpu = false;
  double compute_s = 0;
  std::vector<std::pair<int, double>> stalls;
};

// Max-min fair rates: raise a common level (share of its most-used resource per flow) until a
// resource saturates or a flow reaches its cap; freeze those flows; repeat.
void allocate_once(std::vector<Flow>& flows, const std::vector<int>& active, int num_res) {
  std::vector<double> used(static_cast<size_t>(num_res), 0.0);
  std::vector<int> open;
  for (int f : active) {
    Flow& fl = flows[static_cast<size_t>(f)];
    double m = 0;
    for (const Coef& c : fl.coefs) m = std::max(m, c.per_unit);
    fl.scale = m;
    fl.rate = 0;
    if (m <= 0) fl.rate = fl.cap;  // uses no resource
    else open.push_back(f);
  }
  std::vector<double> demand(static_cast<size_t>(num_res));
  while (!open.empty()) {
    std::fill(demand.begin(), demand.end(), 0.0);
    double best = kInf;
    int best_flow = -1, best_res = -1;
    for (int f : open) {
      const Flow& fl = flows[static_cast<size_t>(f)];
      for (const Coef& c : fl.coefs) demand[static_cast<size_t>(c.res)] += c.per_unit / fl.scale;
      const double lam = fl.cap * fl.scale;
      if (lam < best) best = lam, best_flow = f;
    }
    for (int r = 0; r < num_res; ++r) {
      if (demand[static_cast<size_t>(r)] <= 0) continue;
      const double lam = std::max(0.0, 1.0 - used[static_cast<size_t>(r)]) / demand[static_cast<size_t>(r)];
      if (lam < best) best = lam, best_res = r, best_flow = -1;
    }
    std::vector<int> freeze;
    if (best_res >= 0) {
      for (int f : open)
        for (const Coef& c : flows[static_cast<size_t>(f)].coefs)
          if (c.res == best_res && c.per_unit > 0) {
            freeze.push_back(f);
            break;
          }
    } else {
      freeze.push_back(best_flow);
    }
    for (int f : freeze) {
      Flow& fl = flows[static_cast<size_t>(f)];
      fl.rate = std::min(fl.cap, best / fl.scale);
      for (const Coef& c : fl.coefs) used[static_cast<size_t>(c.res)] += c.per_unit * fl.rate;
      open.erase(std::remove(open.begin(), open.end(), f), open.end());
    }
  }
}

void allocate_rates(std::vector<Flow>& flows, const std::vector<int>& active, int num_res) {
  bool any_cpu = false, any_dma = false;
  for (int f : active) (flows[static_cast<size_t>(f)].cpu ? any_cpu : any_dma) = true;
  for (int f : active) {
    Flow& fl = flows[static_cast<size_t>(f)];
    if (!fl.cpu) continue;
    double d = fl.compute_s;
    for (const auto& st : fl.stalls) d += st.second;
    fl.cap = 1.0 / d;
  }
  allocate_once(flows, active, num_res);
  if (!any_cpu || !any_dma) return;
  std::vector<double> dma_share(static_cast<size_t>(num_res), 0.0);
  for (int f : active) {
    const Flow& fl = flows[static_cast<size_t>(f)];
    if (fl.cpu) continue;
    for (const Coef& c : fl.coefs) dma_share[static_cast<size_t>(c.res)] += c.per_unit * fl.rate;
  }
  for (int f : active) {
    Flow& fl = flows[static_cast<size_t>(f)];
    if (!fl.cpu) continue;
    double d = fl.compute_s;
    for (const auto& st : fl.stalls) d += st.second / (1.0 - std::min(0.5, dma_share[static_cast<size_t>(st.first)]));
    fl.cap = 1.0 / d;
  }
  allocate_once(flows, active, num_res);
}

struct Transfer {
  int step = -1;
  int id = -1;
  int channel = 0;
  int engine = 0;
  int src_mem = -1, dst_mem = -1;
  int64_t bytes = 0;
  int requests = 0;
  double overhead_s = 0;  // request latencies and re-programming
  int op = -1;            // for colours and per-op bytes
  enum State { NotStarted, Queued, Overhead, Flowing, Done } state = NotStarted;
  double t_start = 0, t_end = 0;
  double overhead_end = 0;
  int flow = -1;
};

}  // namespace

Result<SimResult> simulate(const Graph& g, const Plan& plan, const CostModel& model, const SimOptions& opt) {
  const auto wall0 = std::chrono::steady_clock::now();
  const Board& board = model.board;
  const double clk = model.clock_hz();
  if (clk <= 0) return Error{"board " + board.name + ": CPU clock is 0"};
  SimResult R;
  R.model = plan.model, R.board = board.name, R.strategy = plan.strategy, R.kernels = model.profile_name;
  R.clock_hz = clk;

  // Resources: memories, then DMA engines.
  const int num_mem = static_cast<int>(board.memories.size());
  const int num_res = num_mem + static_cast<int>(board.dma.size());
  std::map<std::string, int> mem_index;
  for (int i = 0; i < num_mem; ++i) mem_index[board.memories[static_cast<size_t>(i)].name] = i;
  std::vector<int> channel_engine;
  for (size_t e = 0; e < board.dma.size(); ++e)
    for (uint32_t c = 0; c < board.dma[e].channels; ++c) channel_engine.push_back(static_cast<int>(e));
  R.dma_lanes = static_cast<int>(channel_engine.size());
  R.memories.resize(static_cast<size_t>(num_mem));
  for (int i = 0; i < num_mem; ++i) {
    R.memories[static_cast<size_t>(i)].memory = board.memories[static_cast<size_t>(i)].name;
    R.memories[static_cast<size_t>(i)].kind = memory_kind_name(board.memories[static_cast<size_t>(i)].kind);
  }
  auto buffer_mem = [&](int buffer, int step) -> Result<int> {
    if (buffer < 0 || buffer >= static_cast<int>(plan.buffers.size()))
      return Error{fmt::format("step {}: buffer {} not in the plan ({} buffers)", step, buffer, plan.buffers.size())};
    const PlanBuffer& b = plan.buffers[static_cast<size_t>(buffer)];
    auto it = mem_index.find(b.memory);
    if (it == mem_index.end())
      return Error{fmt::format("step {}: buffer '{}' lives in memory '{}', which board {} does not have", step, b.name,
                               b.memory, board.name)};
    return it->second;
  };

  const size_t n = plan.steps.size();
  // Op attribution of DMA steps: the next compute's op (else the previous one).
  std::vector<int> attr_op(n, -1);
  {
    int next = -1;
    for (size_t i = n; i-- > 0;) {
      if (plan.steps[i].kind == StepKind::Compute) next = plan.steps[i].compute.op;
      attr_op[i] = next;
    }
    int prev = -1;
    for (size_t i = 0; i < n; ++i) {
      if (plan.steps[i].kind == StepKind::Compute) prev = plan.steps[i].compute.op;
      if (attr_op[i] < 0) attr_op[i] = prev;
    }
  }
  // Transfer colours: data going into fast memory belongs to its first reader after the start,
  // data leaving it to the last writer before the start.
  std::vector<int> next_reader(n, -1), last_writer(n, -1);
  {
    std::map<int, int> reader, writer;
    for (size_t i = n; i-- > 0;) {
      const PlanStep& s = plan.steps[i];
      if (s.kind == StepKind::Compute) {
        for (const PlanView& v : s.compute.inputs)
          if (v.buffer >= 0) reader[v.buffer] = s.compute.op;
        if (s.compute.weights.buffer >= 0) reader[s.compute.weights.buffer] = s.compute.op;
      } else if (s.kind == StepKind::DmaStart) {
        auto it = reader.find(s.dma.dst_buffer);
        next_reader[i] = it == reader.end() ? -1 : it->second;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const PlanStep& s = plan.steps[i];
      if (s.kind == StepKind::Compute) {
        if (s.compute.output.buffer >= 0) writer[s.compute.output.buffer] = s.compute.op;
      } else if (s.kind == StepKind::DmaStart) {
        auto it = writer.find(s.dma.src_buffer);
        last_writer[i] = it == writer.end() ? -1 : it->second;
      }
    }
  }

  // Per-step preparation.
  std::vector<StepCost> costs(n);
  std::vector<Transfer> transfers;
  std::map<int, int> transfer_of_id;
  std::map<int, size_t> op_slot;
  auto op_entry = [&](int op) -> OpTime& {
    auto it = op_slot.find(op);
    if (it != op_slot.end()) return R.ops[it->second];
    op_slot[op] = R.ops.size();
    OpTime t;
    t.op = op;
    if (op >= 0 && op < static_cast<int>(g.ops.size())) {
      t.kind = op_name(g.ops[static_cast<size_t>(op)].kind);
      t.cls = kernel_class_name(kernel_class_of(g, g.ops[static_cast<size_t>(op)]));
    }
    R.ops.push_back(t);
    return R.ops.back();
  };
  std::vector<double> resource_demand(static_cast<size_t>(num_res), 0.0);  // seconds, for the lower bound
  for (size_t i = 0; i < n; ++i) {
    const PlanStep& s = plan.steps[i];
    if (s.kind == StepKind::Compute) {
      auto c = compute_step_cost(model, g, plan, s.compute);
      if (!c.ok()) return Error{fmt::format("step {}: {}", i, c.error().message)};
      costs[i] = c.value();
      R.compute_bound_s += costs[i].compute_cycles / clk;
      R.instructions += costs[i].instructions;
      R.macs += costs[i].work.macs;
      OpTime& ot = op_entry(s.compute.op);
      ot.steps++;
      ot.macs += costs[i].work.macs;
      for (const MemoryTraffic& t : costs[i].traffic) {
        const int m = mem_index[t.memory];
        R.memories[static_cast<size_t>(m)].cpu_read_bytes += t.read_bytes;
        R.memories[static_cast<size_t>(m)].cpu_write_bytes += t.write_bytes;
        resource_demand[static_cast<size_t>(m)] += t.busy_seconds;
      }
    } else if (s.kind == StepKind::DmaStart) {
      const DmaStep& d = s.dma;
      if (transfer_of_id.count(d.dma)) return Error{fmt::format("step {}: DMA transfer id {} started twice", i, d.dma)};
      if (d.channel < 0 || d.channel >= static_cast<int>(channel_engine.size()))
        return Error{fmt::format("step {}: DMA channel {} but board {} has {} channels", i, d.channel, board.name,
                                 channel_engine.size())};
      auto sm = buffer_mem(d.src_buffer, static_cast<int>(i));
      if (!sm.ok()) return sm.error();
      auto dm = buffer_mem(d.dst_buffer, static_cast<int>(i));
      if (!dm.ok()) return dm.error();
      Transfer t;
      t.step = static_cast<int>(i);
      t.id = d.dma;
      t.channel = d.channel;
      t.engine = channel_engine[static_cast<size_t>(d.channel)];
      t.src_mem = sm.value();
      t.dst_mem = dm.value();
      t.bytes = d.bytes();
      const DmaEngine& e = board.dma[static_cast<size_t>(t.engine)];
      const int64_t max_req = e.max_transfer_bytes > 0 ? static_cast<int64_t>(e.max_transfer_bytes) : INT64_MAX;
      const bool contiguous = d.rows <= 1 || (d.src_stride == d.row_bytes && d.dst_stride == d.row_bytes);
      if (t.bytes <= 0) t.requests = 0;
      else if (contiguous) t.requests = static_cast<int>((t.bytes - 1) / max_req + 1);  // ceil, no overflow
      else t.requests = d.rows * static_cast<int>(d.row_bytes > 0 ? (d.row_bytes - 1) / max_req + 1 : 0);
      const Memory& src = board.memories[static_cast<size_t>(t.src_mem)];
      const Memory& dst = board.memories[static_cast<size_t>(t.dst_mem)];
      t.overhead_s = t.requests * static_cast<double>(src.latency_cycles + dst.latency_cycles) / clk +
                     std::max(0, t.requests - 1) * static_cast<double>(e.setup_cycles) / clk;
      const bool into_fast = is_fast_memory(dst) && !is_fast_memory(src);
      t.op = into_fast ? (next_reader[i] >= 0 ? next_reader[i] : attr_op[i])
                       : (last_writer[i] >= 0 ? last_writer[i] : attr_op[i]);
      transfer_of_id[d.dma] = static_cast<int>(transfers.size());
      transfers.push_back(t);
      R.dma_bytes += t.bytes;
      R.requests += t.requests;
      R.memories[static_cast<size_t>(t.src_mem)].dma_read_bytes += t.bytes;
      R.memories[static_cast<size_t>(t.dst_mem)].dma_write_bytes += t.bytes;
      const double rbw = std::max<double>(1.0, static_cast<double>(src.read_bandwidth));
      const double wbw = std::max<double>(1.0, static_cast<double>(dst.write_bandwidth));
      resource_demand[static_cast<size_t>(t.src_mem)] += t.bytes / rbw;
      resource_demand[static_cast<size_t>(t.dst_mem)] += t.bytes / wbw;
      resource_demand[static_cast<size_t>(num_mem + t.engine)] +=
          t.bytes / std::max<double>(1.0, static_cast<double>(e.bandwidth));
      if (t.op >= 0) op_entry(t.op).dma_bytes += t.bytes;
    } else {
      if (!transfer_of_id.count(s.dma.dma))
        return Error{fmt::format("step {}: DmaWait for transfer {} which no earlier DmaStart began", i, s.dma.dma)};
    }
  }
  R.transfers = static_cast<int>(transfers.size());
  // Lower bound: all compute back to back, or the busiest slow memory / DMA engine.
  for (int r = 0; r < num_res; ++r) {
    const bool slow_mem = r < num_mem && !is_fast_memory(board.memories[static_cast<size_t>(r)]);
    if (!(slow_mem || r >= num_mem)) continue;
    if (resource_demand[static_cast<size_t>(r)] > R.transfer_bound_s) {
      R.transfer_bound_s = resource_demand[static_cast<size_t>(r)];
      R.transfer_bound_resource =
          r < num_mem ? board.memories[static_cast<size_t>(r)].name : board.dma[static_cast<size_t>(r - num_mem)].name;
    }
  }
  R.lower_bound_s = std::max(R.compute_bound_s, R.transfer_bound_s);

  // ---- event loop ----
  enum class CpuState { Idle, Timer, Flow, Blocked, Done };
  CpuState cpu = CpuState::Idle;
  size_t pc = 0;
  double t = 0, cpu_end = 0, cpu_t0 = 0;
  int cpu_flow = -1, blocked_on = -1;
  std::vector<Flow> flows;
  std::vector<int> active_flows;
  std::vector<std::deque<int>> queue(channel_engine.size());
  std::vector<int> running(channel_engine.size(), -1);
  std::vector<double> step_t0(n, 0), step_t1(n, 0);
  double blocked_during_dma = 0;

  auto add_flow = [&](Flow f) {
    f.active = true;
    flows.push_back(std::move(f));
    active_flows.push_back(static_cast<int>(flows.size()) - 1);
    return static_cast<int>(flows.size()) - 1;
  };
  auto remove_flow = [&](int f) {
    flows[static_cast<size_t>(f)].active = false;
    active_flows.erase(std::remove(active_flows.begin(), active_flows.end(), f), active_flows.end());
  };
  auto record = [&](LaneEvent e) {
    if (opt.timeline) R.events.push_back(e);
  };
  auto finish_cpu_step = [&]() {
    const PlanStep& s = plan.steps[pc];
    step_t1[pc] = t;
    if (s.kind == StepKind::Compute) {
      const double compute = costs[pc].compute_cycles / clk;
      OpTime& ot = op_entry(s.compute.op);
      ot.compute_s += compute;
      ot.stall_s += std::max(0.0, (t - cpu_t0) - compute);
      R.compute_s += compute;
      R.stall_s += std::max(0.0, (t - cpu_t0) - compute);
      record({LaneEventKind::Compute, 0, static_cast<int>(pc), s.compute.op, -1, cpu_t0, t,
              std::max(0.0, (t - cpu_t0) - compute), 0});
    } else if (s.kind == StepKind::DmaStart) {
      Transfer& tr = transfers[static_cast<size_t>(transfer_of_id[s.dma.dma])];
      tr.state = Transfer::Queued;
      queue[static_cast<size_t>(tr.channel)].push_back(transfer_of_id[s.dma.dma]);
      op_entry(attr_op[pc]).dma_setup_s += t - cpu_t0;
      R.dma_setup_s += t - cpu_t0;
      record({LaneEventKind::DmaSetup, 0, static_cast<int>(pc), attr_op[pc], s.dma.dma, cpu_t0, t, 0, tr.bytes});
    } else {
      op_entry(attr_op[pc]).dma_wait_s += t - cpu_t0;
      R.dma_wait_s += t - cpu_t0;
      record({LaneEventKind::DmaWait, 0, static_cast<int>(pc), attr_op[pc], s.dma.dma, cpu_t0, t, 0, 0});
    }
    ++pc;
    cpu = CpuState::Idle;
  };

  const double eps = 1e-15;
  while (true) {
    // Advance the CPU through instantaneous steps.
    while (cpu == CpuState::Idle) {
      if (pc >= n) {
        cpu = CpuState::Done;
        cpu_end = t;
        break;
      }
      const PlanStep& s = plan.steps[pc];
      step_t0[pc] = t;
      cpu_t0 = t;
      if (s.kind == StepKind::Compute) {
        const StepCost& c = costs[pc];
        const double d = (c.compute_cycles + c.stall_cycles) / clk;
        if (c.traffic.empty() || d <= 0) {
          cpu = CpuState::Timer;
          cpu_end = t + d;
        } else {
          Flow f;
          f.cpu = true;
          f.cap = 1.0 / d;
          f.compute_s = c.compute_cycles / clk;
          for (const MemoryTraffic& tr : c.traffic) {
            if (tr.busy_seconds > 0) f.coefs.push_back({mem_index[tr.memory], tr.busy_seconds});
            if (tr.stall_cycles > 0) f.stalls.push_back({mem_index[tr.memory], tr.stall_cycles / clk});
          }
          cpu_flow = add_flow(f);
          cpu = CpuState::Flow;
        }
      } else if (s.kind == StepKind::DmaStart) {
        const Transfer& tr = transfers[static_cast<size_t>(transfer_of_id[s.dma.dma])];
        cpu = CpuState::Timer;
        cpu_end = t + board.dma[static_cast<size_t>(tr.engine)].setup_cycles / clk;
      } else {
        const int ti = transfer_of_id[s.dma.dma];
        if (transfers[static_cast<size_t>(ti)].state == Transfer::NotStarted)
          return Error{fmt::format("step {}: DmaWait for transfer {} before its DmaStart", pc, s.dma.dma)};
        if (transfers[static_cast<size_t>(ti)].state == Transfer::Done) {
          finish_cpu_step();
        } else {
          cpu = CpuState::Blocked;
          blocked_on = ti;
        }
      }
    }
    // Start queued transfers on idle channels.
    for (size_t ch = 0; ch < queue.size(); ++ch) {
      if (running[ch] >= 0 || queue[ch].empty()) continue;
      const int ti = queue[ch].front();
      queue[ch].pop_front();
      Transfer& tr = transfers[static_cast<size_t>(ti)];
      running[ch] = ti;
      tr.t_start = t;
      tr.state = Transfer::Overhead;
      tr.overhead_end = t + tr.overhead_s;
    }
    // Overheads that are already over become flows.
    for (size_t ch = 0; ch < queue.size(); ++ch) {
      const int ti = running[ch];
      if (ti < 0) continue;
      Transfer& tr = transfers[static_cast<size_t>(ti)];
      if (tr.state == Transfer::Overhead && tr.overhead_end <= t + eps) {
        if (tr.bytes > 0) {
          Flow f;
          f.remaining = static_cast<double>(tr.bytes);
          const Memory& src = board.memories[static_cast<size_t>(tr.src_mem)];
          const Memory& dst = board.memories[static_cast<size_t>(tr.dst_mem)];
          const DmaEngine& e = board.dma[static_cast<size_t>(tr.engine)];
          f.coefs.push_back({tr.src_mem, 1.0 / std::max<double>(1.0, static_cast<double>(src.read_bandwidth))});
          if (tr.dst_mem == tr.src_mem)
            f.coefs.back().per_unit += 1.0 / std::max<double>(1.0, static_cast<double>(dst.write_bandwidth));
          else
            f.coefs.push_back({tr.dst_mem, 1.0 / std::max<double>(1.0, static_cast<double>(dst.write_bandwidth))});
          f.coefs.push_back({num_mem + tr.engine, 1.0 / std::max<double>(1.0, static_cast<double>(e.bandwidth))});
          tr.flow = add_flow(f);
          tr.state = Transfer::Flowing;
        } else {
          tr.state = Transfer::Done;
          tr.t_end = t;
        }
      }
    }
    // Transfers that finished at this instant.
    bool progressed = false;
    for (size_t ch = 0; ch < queue.size(); ++ch) {
      const int ti = running[ch];
      if (ti < 0) continue;
      Transfer& tr = transfers[static_cast<size_t>(ti)];
      if (tr.state == Transfer::Done) {
        tr.t_end = t;
        running[ch] = -1;
        record({LaneEventKind::Transfer, 1 + static_cast<int>(ch), tr.step, tr.op, tr.id, tr.t_start, tr.t_end, 0,
                tr.bytes});
        R.dma_transfer_s += tr.t_end - tr.t_start;
        progressed = true;
      }
    }
    if (cpu == CpuState::Blocked && transfers[static_cast<size_t>(blocked_on)].state == Transfer::Done) {
      finish_cpu_step();
      progressed = true;
    }
    if (progressed) continue;

    bool dma_active = false;
    for (size_t ch = 0; ch < queue.size(); ++ch) dma_active |= running[ch] >= 0 || !queue[ch].empty();
    if (cpu == CpuState::Done && !dma_active) break;
    if (cpu == CpuState::Blocked && !dma_active)
      return Error{fmt::format("step {}: DmaWait for transfer {} can never finish", pc,
                               transfers[static_cast<size_t>(blocked_on)].id)};

    // Next event.
    allocate_rates(flows, active_flows, num_res);
    double next = kInf;
    if (cpu == CpuState::Timer) next = std::min(next, cpu_end);
    for (size_t ch = 0; ch < queue.size(); ++ch) {
      const int ti = running[ch];
      if (ti >= 0 && transfers[static_cast<size_t>(ti)].state == Transfer::Overhead)
        next = std::min(next, transfers[static_cast<size_t>(ti)].overhead_end);
    }
    int finishing = -1;
    for (int f : active_flows) {
      const Flow& fl = flows[static_cast<size_t>(f)];
      if (fl.rate <= 0) continue;
      const double te = t + fl.remaining / fl.rate;
      if (te < next) next = te, finishing = f;
    }
    if (!(next < kInf)) return Error{"simulation stalled: no event can happen (a resource has zero bandwidth?)"};
    const double dt = std::max(0.0, next - t);
    int running_transfers = 0;
    for (size_t ch = 0; ch < queue.size(); ++ch) running_transfers += running[ch] >= 0;
    if (running_transfers > 0) {
      R.dma_busy_s += dt;
      if (cpu == CpuState::Blocked) blocked_during_dma += dt;
    }
    for (int f : active_flows) {
      Flow& fl = flows[static_cast<size_t>(f)];
      fl.remaining = f == finishing ? 0 : std::max(0.0, fl.remaining - fl.rate * dt);
    }
    t = next;
    // Completions.
    std::vector<int> done_flows;
    for (int f : active_flows)
      if (flows[static_cast<size_t>(f)].remaining <= 1e-9) done_flows.push_back(f);
    for (int f : done_flows) {
      remove_flow(f);
      if (cpu == CpuState::Flow && f == cpu_flow) {
        cpu_flow = -1;
        finish_cpu_step();
      }
      for (size_t ch = 0; ch < queue.size(); ++ch) {
        const int ti = running[ch];
        if (ti >= 0 && transfers[static_cast<size_t>(ti)].flow == f) transfers[static_cast<size_t>(ti)].state = Transfer::Done;
      }
    }
    if (cpu == CpuState::Timer && cpu_end <= t + eps) finish_cpu_step();
  }
  R.latency_s = std::max(t, cpu_end);
  R.overlap = R.dma_busy_s > 0 ? 1.0 - blocked_during_dma / R.dma_busy_s : 1.0;
  for (int m = 0; m < num_mem; ++m) R.memories[static_cast<size_t>(m)].busy_s = resource_demand[static_cast<size_t>(m)];
  std::sort(R.ops.begin(), R.ops.end(), [](const OpTime& a, const OpTime& b) { return a.op < b.op; });

  // Fast-memory occupancy: buffers live from their first step's start to their last step's end.
  if (opt.timeline && n > 0) {
    std::vector<std::pair<double, int64_t>> deltas;
    for (const PlanBuffer& b : plan.buffers) {
      const Memory* m = board.memory(b.memory);
      if (!m || !is_fast_memory(*m)) continue;
      const int f = std::clamp(b.first_step, 0, static_cast<int>(n) - 1);
      const int l = std::clamp(b.last_step, f, static_cast<int>(n) - 1);
      deltas.push_back({step_t0[static_cast<size_t>(f)], b.size});
      deltas.push_back({step_t1[static_cast<size_t>(l)], -b.size});
    }
    std::sort(deltas.begin(), deltas.end(), [](const auto& a, const auto& b) {
      return a.first < b.first || (a.first == b.first && a.second < b.second);
    });
    int64_t cur = 0;
    R.sram.push_back({0, 0});
    for (const auto& [time, d] : deltas) {
      cur += d;
      if (!R.sram.empty() && R.sram.back().t == time) R.sram.back().bytes = cur;
      else R.sram.push_back({time, cur});
    }
  }
  for (const MemoryUse& mu : plan.memories) {
    const Memory* m = board.memory(mu.name);
    if (m && is_fast_memory(*m) && mu.used > 0) {
      R.sram_capacity += static_cast<int64_t>(m->size);
      R.fast_memories += (R.fast_memories.empty() ? "" : " + ") + m->name;
    }
  }
  if (R.sram_capacity == 0 && board.sram()) {
    R.sram_capacity = static_cast<int64_t>(board.sram()->size);
    R.fast_memories = board.sram()->name;
  }
  R.sim_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return R;
}

json sim_result_json(const SimResult& r, bool with_ops) {
  json j;
  j["model"] = r.model;
  j["board"] = r.board;
  j["strategy"] = r.strategy;
  j["kernels"] = r.kernels;
  j["latency_ms"] = r.latency_s * 1e3;
  j["compute_ms"] = r.compute_s * 1e3;
  j["stall_ms"] = r.stall_s * 1e3;
  j["dma_ms"] = r.dma_busy_s * 1e3;
  j["dma_transfer_sum_ms"] = r.dma_transfer_s * 1e3;
  j["dma_wait_ms"] = r.dma_wait_s * 1e3;
  j["dma_setup_ms"] = r.dma_setup_s * 1e3;
  j["overlap_efficiency"] = r.overlap;
  j["lower_bound_ms"] = r.lower_bound_s * 1e3;
  j["compute_bound_ms"] = r.compute_bound_s * 1e3;
  j["transfer_bound_ms"] = r.transfer_bound_s * 1e3;
  j["transfer_bound_resource"] = r.transfer_bound_resource;
  j["latency_over_lower_bound"] = r.lower_bound_s > 0 ? r.latency_s / r.lower_bound_s : 0.0;
  j["dma_bytes"] = r.dma_bytes;
  j["transfers"] = r.transfers;
  j["dma_requests"] = r.requests;
  j["macs"] = r.macs;
  j["instructions"] = r.instructions;
  j["clock_hz"] = r.clock_hz;
  j["simulation_s"] = r.sim_seconds;
  json mems = json::array();
  for (const MemoryStats& m : r.memories)
    mems.push_back({{"name", m.memory},
                    {"kind", m.kind},
                    {"dma_read_bytes", m.dma_read_bytes},
                    {"dma_write_bytes", m.dma_write_bytes},
                    {"cpu_read_bytes", static_cast<int64_t>(std::llround(m.cpu_read_bytes))},
                    {"cpu_write_bytes", static_cast<int64_t>(std::llround(m.cpu_write_bytes))},
                    {"busy_ms", m.busy_s * 1e3}});
  j["memories"] = mems;
  if (with_ops) {
    json ops = json::array();
    for (const OpTime& o : r.ops)
      ops.push_back({{"op", o.op},
                     {"kind", o.kind},
                     {"class", o.cls},
                     {"partitions", o.steps},
                     {"macs", o.macs},
                     {"compute_ms", o.compute_s * 1e3},
                     {"stall_ms", o.stall_s * 1e3},
                     {"dma_wait_ms", o.dma_wait_s * 1e3},
                     {"dma_setup_ms", o.dma_setup_s * 1e3},
                     {"dma_bytes", o.dma_bytes},
                     {"total_ms", o.total_s() * 1e3}});
    j["ops"] = ops;
  }
  return j;
}

std::string sim_result_table(const SimResult& r, int top_ops) {
  std::ostringstream o;
  o << fmt::format("{} on {} (strategy {}, kernels {})\n", r.model, r.board, r.strategy, r.kernels);
  o << fmt::format("  latency      {:10.2f} ms   ({:.2f}x the lower bound {:.2f} ms: {})\n", r.latency_s * 1e3,
                   r.lower_bound_s > 0 ? r.latency_s / r.lower_bound_s : 0.0, r.lower_bound_s * 1e3,
                   r.compute_bound_s >= r.transfer_bound_s ? "compute"
                                                          : "transfers on " + r.transfer_bound_resource);
  o << fmt::format("  compute      {:10.2f} ms\n", r.compute_s * 1e3);
  o << fmt::format("  stalls       {:10.2f} ms   (CPU reading/writing slow memories directly)\n", r.stall_s * 1e3);
  o << fmt::format("  DMA wait     {:10.2f} ms   setup {:.2f} ms\n", r.dma_wait_s * 1e3, r.dma_setup_s * 1e3);
  o << fmt::format("  DMA busy     {:10.2f} ms   {} transfers, {} requests, {:.2f} MB; overlap efficiency {:.1f}%\n",
                   r.dma_busy_s * 1e3, r.transfers, r.requests, r.dma_bytes / 1e6, r.overlap * 100);
  o << "  memory        DMA read    DMA write    CPU read    CPU write    busy ms\n";
  for (const MemoryStats& m : r.memories) {
    if (m.dma_read_bytes == 0 && m.dma_write_bytes == 0 && m.cpu_read_bytes == 0 && m.cpu_write_bytes == 0) continue;
    o << fmt::format("  {:<10} {:>11} {:>12} {:>11.0f} {:>12.0f} {:>10.2f}\n", m.memory, m.dma_read_bytes,
                     m.dma_write_bytes, m.cpu_read_bytes, m.cpu_write_bytes, m.busy_s * 1e3);
  }
  std::vector<OpTime> ops = r.ops;
  std::sort(ops.begin(), ops.end(), [](const OpTime& a, const OpTime& b) { return a.total_s() > b.total_s(); });
  if (top_ops > 0 && !ops.empty()) {
    o << fmt::format("  slowest ops (of {}):\n", ops.size());
    o << "    op  kind               parts  compute ms  stall ms  wait ms   total ms\n";
    for (int i = 0; i < std::min<int>(top_ops, static_cast<int>(ops.size())); ++i) {
      const OpTime& x = ops[static_cast<size_t>(i)];
      o << fmt::format("  {:>4}  {:<18} {:>5} {:>11.2f} {:>9.2f} {:>8.2f} {:>10.2f}\n", x.op, x.kind, x.steps,
                       x.compute_s * 1e3, x.stall_s * 1e3, x.dma_wait_s * 1e3, x.total_s() * 1e3);
    }
  }
  return o.str();
}

}  // namespace tinyops
