#include "runtime/executor_core.h"

namespace tinyops {

namespace {

AnyView resolve(const ExecView& v, uint8_t* const* memories) {
  AnyView a;
  if (v.memory < 0) return a;
  a.data = memories[v.memory] + v.offset;
  a.type = v.type;
  a.full = v.full;
  a.n0 = v.n0, a.y0 = v.y0, a.x0 = v.x0, a.c0 = v.c0;
  a.n = v.n, a.h = v.h, a.w = v.w, a.c = v.c;
  a.stride_n = v.stride_n, a.stride_h = v.stride_h, a.stride_w = v.stride_w, a.stride_c = v.stride_c;
  return a;
}

}  // namespace

const char* exec_status_name(ExecStatus s) {
  switch (s) {
    case ExecStatus::Ok: return "ok";
    case ExecStatus::KernelError: return "kernel_error";
    case ExecStatus::DmaError: return "dma_error";
    case ExecStatus::BadStep: return "bad_step";
  }
  return "?";
}

ExecResult exec_run(const ExecPlan* plan, uint8_t* const* memories, const KernelArgs* args, const DmaInterface* dma,
                    const ExecHooks* hooks) {
  ExecResult r;
  r.status = ExecStatus::Ok;
  r.step = 0;
  r.kernel = KernelStatus::Ok;
  for (int32_t i = 0; i < plan->num_steps; ++i) {
    r.step = i;
    const ExecStep& s = plan->steps[i];
    switch (s.kind) {
      case ExecStepKind::Compute: {
        const ExecCompute& c = plan->computes[s.index];
        if (c.num_inputs < 0 || c.num_inputs > kMaxKernelInputs) {
          r.status = ExecStatus::BadStep;
          return r;
        }
        KernelIO io;
        io.num_inputs = c.num_inputs;
        for (int32_t k = 0; k < c.num_inputs; ++k) io.in[k] = resolve(plan->views[c.first_input + k], memories);
        io.weights = resolve(c.weights, memories);
        io.out = resolve(c.output, memories);
        void* scratch = c.scratch_memory >= 0 ? memories[c.scratch_memory] + c.scratch_offset : nullptr;
        if (hooks && hooks->before_compute) hooks->before_compute(hooks->ctx, i, &c);
        const KernelStatus ks = kernel_invoke(args[c.op], io, c.range, scratch, c.scratch_bytes);
        if (hooks && hooks->after_compute) hooks->after_compute(hooks->ctx, i, &c);
        if (ks != KernelStatus::Ok) {
          r.status = ExecStatus::KernelError;
          r.kernel = ks;
          return r;
        }
        break;
      }
      case ExecStepKind::DmaStart: {
        const ExecDma& d = plan->dmas[s.index];
        if (dma->start(dma->ctx, &d, memories[d.src_memory] + d.src_offset, memories[d.dst_memory] + d.dst_offset) != 0) {
          r.status = ExecStatus::DmaError;
          return r;
        }
        break;
      }
      case ExecStepKind::DmaWait:
        if (dma->wait(dma->ctx, s.index) != 0) {
          r.status = ExecStatus::DmaError;
          return r;
        }
        break;
      default:
        r.status = ExecStatus::BadStep;
        return r;
    }
  }
  r.step = plan->num_steps;
  return r;
}

}  // namespace tinyops
