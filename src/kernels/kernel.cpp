// The single kernel dispatch: partition capabilities, receptive fields, scratch sizes, invocation.
#include "kernels/kernel.h"

#include "kernels/arm/arm_kernels.h"
#include "kernels/internal.h"

namespace tinyops {

const char* kernel_kind_name(KernelKind k) {
  switch (k) {
    case KernelKind::Conv2D: return "CONV_2D";
    case KernelKind::DepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case KernelKind::FullyConnected: return "FULLY_CONNECTED";
    case KernelKind::Add: return "ADD";
    case KernelKind::Mul: return "MUL";
    case KernelKind::AveragePool2D: return "AVERAGE_POOL_2D";
    case KernelKind::MaxPool2D: return "MAX_POOL_2D";
    case KernelKind::Mean: return "MEAN";
    case KernelKind::Pad: return "PAD";
    case KernelKind::PadV2: return "PADV2";
    case KernelKind::Reshape: return "RESHAPE";
    case KernelKind::Squeeze: return "SQUEEZE";
    case KernelKind::Transpose: return "TRANSPOSE";
    case KernelKind::Concatenation: return "CONCATENATION";
    case KernelKind::Softmax: return "SOFTMAX";
    case KernelKind::Logistic: return "LOGISTIC";
    case KernelKind::HardSwish: return "HARD_SWISH";
    case KernelKind::Relu: return "RELU";
    case KernelKind::Relu6: return "RELU6";
    case KernelKind::Quantize: return "QUANTIZE";
    case KernelKind::Dequantize: return "DEQUANTIZE";
    case KernelKind::Count: break;
  }
  return "?";
}

const char* elem_type_name(ElemType t) {
  switch (t) {
    case ElemType::Int8: return "int8";
    case ElemType::UInt8: return "uint8";
    case ElemType::Int16: return "int16";
    case ElemType::Int32: return "int32";
    case ElemType::Float32: return "float32";
  }
  return "?";
}

const char* kernel_status_name(KernelStatus s) {
  switch (s) {
    case KernelStatus::Ok: return "ok";
    case KernelStatus::BadRange: return "bad_range";
    case KernelStatus::BadView: return "bad_view";
    case KernelStatus::BadArgs: return "bad_args";
    case KernelStatus::ScratchTooSmall: return "scratch_too_small";
    case KernelStatus::Unsupported: return "unsupported";
  }
  return "?";
}

uint8_t kernel_partition_caps(KernelKind kind) {
  switch (kind) {
    case KernelKind::Conv2D:
    case KernelKind::DepthwiseConv2D:
    case KernelKind::FullyConnected:
    case KernelKind::Add:
    case KernelKind::Mul:
    case KernelKind::AveragePool2D:
    case KernelKind::MaxPool2D:
    case KernelKind::Pad:
    case KernelKind::PadV2:
    case KernelKind::Logistic:
    case KernelKind::HardSwish:
    case KernelKind::Relu:
    case KernelKind::Relu6:
    case KernelKind::Quantize:
    case KernelKind::Dequantize:
      return kPartitionRows | kPartitionChannels;
    case KernelKind::Softmax:
      return kPartitionRows;
    case KernelKind::Mean:
    case KernelKind::Reshape:
    case KernelKind::Squeeze:
    case KernelKind::Transpose:
    case KernelKind::Concatenation:
    case KernelKind::Count:
      return 0;
  }
  return 0;
}

int32_t kernel_scratch_bytes(const KernelArgs& args, const KernelIO& io, OutRange range) {
  (void)range;
  if (args.kind == KernelKind::Conv2D) return kern::conv2d_s8_scratch_bytes(args.p.conv, io);
  return 0;  // the other kernels work in registers and small stack arrays
}

namespace {

void clip_rows(int32_t b, int32_t e, int32_t h, int32_t* ob, int32_t* oe) {
  b = kern::max_i32(b, 0);
  e = kern::min_i32(e, h);
  if (e < b) e = b;
  *ob = b;
  *oe = e;
}

}  // namespace

void kernel_input_rows_of(const KernelArgs& args, const KernelIO& io, int32_t input, int32_t out_y_begin,
                          int32_t out_y_end, int32_t* in_y_begin, int32_t* in_y_end) {
  const int32_t in_h = (input >= 0 && input < io.num_inputs) ? io.in[input].full.h : 0;
  if (out_y_end <= out_y_begin) {
    clip_rows(0, 0, in_h, in_y_begin, in_y_end);
    return;
  }
  switch (args.kind) {
    case KernelKind::Conv2D:
    case KernelKind::DepthwiseConv2D: {
      const ConvParams& p = args.p.conv;
      clip_rows(out_y_begin * p.stride_h - p.pad_top,
                (out_y_end - 1) * p.stride_h - p.pad_top + (p.filter_h - 1) * p.dilation_h + 1, in_h, in_y_begin,
                in_y_end);
      return;
    }
    case KernelKind::AveragePool2D:
    case KernelKind::MaxPool2D: {
      const PoolParams& p = args.p.pool;
      clip_rows(out_y_begin * p.stride_h - p.pad_top, (out_y_end - 1) * p.stride_h - p.pad_top + p.filter_h, in_h,
                in_y_begin, in_y_end);
      return;
    }
    case KernelKind::Pad:
    case KernelKind::PadV2:
      clip_rows(out_y_begin - args.p.pad.before[1], out_y_end - args.p.pad.before[1], in_h, in_y_begin, in_y_end);
      return;
    case KernelKind::Add:
    case KernelKind::Mul:
      if (in_h == 1 && io.out.full.h != 1) {
        clip_rows(0, 1, in_h, in_y_begin, in_y_end);
        return;
      }
      clip_rows(out_y_begin, out_y_end, in_h, in_y_begin, in_y_end);
      return;
    case KernelKind::FullyConnected:
    case KernelKind::Softmax:
    case KernelKind::Logistic:
    case KernelKind::HardSwish:
    case KernelKind::Relu:
    case KernelKind::Relu6:
    case KernelKind::Quantize:
    case KernelKind::Dequantize:
      clip_rows(out_y_begin, out_y_end, in_h, in_y_begin, in_y_end);
      return;
    case KernelKind::Mean:
    case KernelKind::Reshape:
    case KernelKind::Squeeze:
    case KernelKind::Transpose:
    case KernelKind::Concatenation:
    case KernelKind::Count:
      clip_rows(0, in_h, in_h, in_y_begin, in_y_end);
      return;
  }
  clip_rows(0, in_h, in_h, in_y_begin, in_y_end);
}

void kernel_input_rows(const KernelArgs& args, const KernelIO& io, int32_t out_y_begin, int32_t out_y_end,
                       int32_t* in_y_begin, int32_t* in_y_end) {
  kernel_input_rows_of(args, io, 0, out_y_begin, out_y_end, in_y_begin, in_y_end);
}

void kernel_input_channels(const KernelArgs& args, const KernelIO& io, int32_t input, int32_t out_c_begin,
                           int32_t out_c_end, int32_t* in_c_begin, int32_t* in_c_end) {
  const int32_t in_c = (input >= 0 && input < io.num_inputs) ? io.in[input].full.c : 0;
  if (out_c_end <= out_c_begin) {
    clip_rows(0, 0, in_c, in_c_begin, in_c_end);
    return;
  }
  switch (args.kind) {
    case KernelKind::DepthwiseConv2D: {
      const int32_t m = args.p.conv.depth_multiplier > 0 ? args.p.conv.depth_multiplier : 1;
      clip_rows(out_c_begin / m, (out_c_end - 1) / m + 1, in_c, in_c_begin, in_c_end);
      return;
    }
    case KernelKind::AveragePool2D:
    case KernelKind::MaxPool2D:
    case KernelKind::Logistic:
    case KernelKind::HardSwish:
    case KernelKind::Relu:
    case KernelKind::Relu6:
    case KernelKind::Quantize:
    case KernelKind::Dequantize:
      clip_rows(out_c_begin, out_c_end, in_c, in_c_begin, in_c_end);
      return;
    case KernelKind::Add:
    case KernelKind::Mul:
      if (in_c == 1 && io.out.full.c != 1) {
        clip_rows(0, 1, in_c, in_c_begin, in_c_end);
        return;
      }
      clip_rows(out_c_begin, out_c_end, in_c, in_c_begin, in_c_end);
      return;
    case KernelKind::Pad:
    case KernelKind::PadV2:
      clip_rows(out_c_begin - args.p.pad.before[3], out_c_end - args.p.pad.before[3], in_c, in_c_begin, in_c_end);
      return;
    default:
      clip_rows(0, in_c, in_c, in_c_begin, in_c_end);
      return;
  }
}

KernelStatus kernel_invoke(const KernelArgs& args, const KernelIO& io, OutRange range, void* scratch,
                           int32_t scratch_bytes) {
  const int32_t need = kernel_scratch_bytes(args, io, range);
  if (scratch_bytes < need || (need > 0 && scratch == nullptr)) return KernelStatus::ScratchTooSmall;
  if (!kern::range_ok(range, io.out.full)) return KernelStatus::BadRange;
  const uint8_t caps = kernel_partition_caps(args.kind);
  if (!(caps & kPartitionRows) && (range.y_begin != 0 || range.y_end != io.out.full.h))
    return KernelStatus::BadRange;
  if (!(caps & kPartitionChannels) && (range.c_begin != 0 || range.c_end != io.out.full.c))
    return KernelStatus::BadRange;
  if (io.num_inputs < 1 || io.num_inputs > kMaxKernelInputs) return KernelStatus::BadArgs;
#if defined(TINYOPS_ARM_KERNELS)
  // Cortex-M fast paths (kernels/arm, bit-exact with the portable kernels below).
  {
    KernelStatus fast;
    if (kern::arm::invoke(args, io, range, scratch, scratch_bytes, &fast)) return fast;
  }
#endif
  switch (args.kind) {
    case KernelKind::Conv2D: return kern::conv2d_s8(args.p.conv, io, range, scratch, scratch_bytes);
    case KernelKind::DepthwiseConv2D: return kern::depthwise_conv2d_s8(args.p.conv, io, range);
    case KernelKind::FullyConnected: return kern::fully_connected_s8(args.p.conv, io, range);
    case KernelKind::Add: return kern::add_s8(args.p.add, io, range);
    case KernelKind::Mul: return kern::mul_s8(args.p.mul, io, range);
    case KernelKind::AveragePool2D: return kern::avg_pool_s8(args.p.pool, io, range);
    case KernelKind::MaxPool2D: return kern::max_pool_s8(args.p.pool, io, range);
    case KernelKind::Mean: return kern::mean_s8(args.p.mean, io, range);
    case KernelKind::Pad:
    case KernelKind::PadV2: return kern::pad(args.p.pad, io, range);
    case KernelKind::Reshape:
    case KernelKind::Squeeze: return kern::copy_reshape(io, range);
    case KernelKind::Transpose: return kern::transpose(args.p.transpose, io, range);
    case KernelKind::Concatenation: return kern::concatenation(args.p.concat, io, range);
    case KernelKind::Softmax: return kern::softmax_s8(args.p.softmax, io, range);
    case KernelKind::Logistic:
    case KernelKind::HardSwish:
    case KernelKind::Relu:
    case KernelKind::Relu6: return kern::lut8(args.p.lut, io, range);
    case KernelKind::Quantize:
      if (io.in[0].type == ElemType::Float32) return kern::quantize_f32(args.p.quantize, io, range);
      return kern::lut8(args.p.lut, io, range);
    case KernelKind::Dequantize: return kern::dequantize_lut(args.p.lut, io, range);
    case KernelKind::Count: break;
  }
  return KernelStatus::Unsupported;
}

}  // namespace tinyops
