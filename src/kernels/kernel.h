// The kernel-call interface: one dispatch over all op families (one source file per family behind it).
//
// A call computes output rows [y_begin, y_end) x output channels [c_begin, c_end) (OutRange, view.h)
// and reads every operand through a view in ABSOLUTE tensor coordinates, so a planner partition (a row
// tile with its halo in SRAM, a slice of weight channels) is just a view with another origin/extent.
//
// How tensors are seen as 4-D (the host prepare step records the Shape4 of every operand):
//   activations   NHWC; rank 3 [A,B,C] -> [1,A,B,C]; rank 2 [B,C] -> [1,B,1,C]; rank 1 [C] -> [1,1,1,C].
//                 Rows are dim 1 (H). FULLY_CONNECTED flattens its input to [1,B,1,I], output [1,B,1,O].
//                 TRANSPOSE and CONCATENATION pad ranks < 4 with leading 1s ([B,C] -> [1,1,B,C]).
//   weights       CONV_2D OHWI [O,KH,KW,I] (O = view dim n), DEPTHWISE [1,KH,KW,C*M] (channels = dim c),
//                 FULLY_CONNECTED [O,I] seen as [O,1,1,I] (O = view dim n).
//   broadcasting  ADD/MUL: an input whose full size in a dim is 1 while the output's is larger is read
//                 at index 0 of that dim (a view with stride 0 and full = output shape works too).
// Per-channel tables (multiplier, shift, bias, ...) are indexed by ABSOLUTE output channel.
//
// Rules: no heap, no exceptions, no globals. Every call checks once that the views contain what the
// requested range needs and that the range lies in the output; otherwise it returns an error status and
// writes nothing.
#pragma once
#include <stdint.h>

#include "kernels/op_kind.h"
#include "kernels/view.h"

namespace tinyops {

enum class KernelStatus : uint8_t {
  Ok,
  BadRange,         // OutRange empty or outside the output tensor
  BadView,          // an operand view lacks elements the range needs, or has the wrong element type
  BadArgs,          // inconsistent parameters (e.g. missing per-channel tables)
  ScratchTooSmall,  // scratch_bytes < kernel_scratch_bytes(...)
  Unsupported,      // kind / type combination not implemented
};
const char* kernel_status_name(KernelStatus s);

// ---- per-op parameters (plain data; tables are owned elsewhere: PreparedOp on the host, const arrays
// in firmware) ----

// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (filter 1x1, strides 1, no padding).
struct ConvParams {
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left;   // output (y,x) reads input rows y*stride_h - pad_top + ky*dilation_h
  int32_t filter_h, filter_w;
  int32_t depth_multiplier;    // depthwise: output channel c reads input channel c / depth_multiplier
  int32_t input_offset;        // -input zero point
  int32_t output_offset;       // output zero point
  int32_t act_min, act_max;    // quantized clamp (fused activation and dtype range)
  const int32_t* multiplier;   // [out channels]  (per-tensor: all entries equal)
  const int32_t* shift;        // [out channels]  TFLite convention: > 0 left shift
  const int32_t* bias;         // [out channels] or null
  // [out channels] or null: bias + input_offset * (sum of the channel's weights over the whole
  // filter). Used where the receptive field lies fully inside the input.
  const int32_t* bias_sums;
};

// AVERAGE_POOL_2D, MAX_POOL_2D (input and output share quantization, as TFLM requires).
struct PoolParams {
  int32_t stride_h, stride_w;
  int32_t filter_h, filter_w;
  int32_t pad_top, pad_left;
  int32_t act_min, act_max;
};

// ADD (TFLite's int8 scheme: inputs shifted left by left_shift (20) and rescaled, sum rescaled).
struct AddParams {
  int32_t input1_offset, input2_offset, output_offset;
  int32_t left_shift;
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
};

// MUL
struct MulParams {
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
};

// MEAN over H and W of a 4-D input (output [1,1,1,C]); TFLM's integer path.
struct MeanParams {
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;  // requantization with the element count folded in (when requantize)
  int32_t num_elements;       // H*W
  int32_t requantize;         // 1: TFLM's path (prepare always sets it); 0: older TFLM's truncating
                              // integer average sum / num_elements (no zero points, same qparams only)
  int32_t act_min, act_max;
};

// PAD, PADV2 (any element type; pad_value is the quantized fill value for 8-bit types)
struct PadParams {
  int32_t before[4], after[4];  // NHWC
  int32_t pad_value;
};

// TRANSPOSE: output dim i = input dim perm[i] (4-D after padding with leading 1s)
struct TransposeParams {
  int32_t perm[4];
};

// CONCATENATION (inputs share the output's quantization): axis in 4-D coordinates
struct ConcatParams {
  int32_t axis;
};

// SOFTMAX int8 -> int8 (output scale 1/256, zero point -128), TFLite's fixed-point exp path.
struct SoftmaxParams {
  int32_t input_multiplier, input_left_shift;
  int32_t diff_min;
  const int32_t* exp_lut;  // [256] or null: exp term for input diff d in [-255, 0] at index -d
};

// 8-bit -> 8-bit elementwise maps as a 256-entry table indexed by the input byte (uint8 view of it):
// LOGISTIC, HARD_SWISH, RELU, RELU6, QUANTIZE (uint8/int8 -> uint8/int8). The host computes the table
// with TFLite's exact integer arithmetic. DEQUANTIZE (8-bit -> float32) uses a 256-entry float table.
struct LutParams {
  const void* table;  // 256 entries of the output element type
};

// QUANTIZE float32 -> int8/uint8: q = clamp(round(x / scale) + zero_point)
struct QuantizeParams {
  float scale;
  int32_t zero_point;
  int32_t qmin, qmax;
};

union KernelParams {
  ConvParams conv;  // also FULLY_CONNECTED
  PoolParams pool;
  AddParams add;
  MulParams mul;
  MeanParams mean;
  PadParams pad;
  TransposeParams transpose;
  ConcatParams concat;
  SoftmaxParams softmax;
  LutParams lut;
  QuantizeParams quantize;
};

struct KernelArgs {
  KernelKind kind;
  KernelParams p;
};

// ---- operands ----

// A type-erased View4 (view.h): same geometry, element type attached.
struct AnyView {
  const void* data = nullptr;
  ElemType type = ElemType::Int8;
  Shape4 full;
  int32_t n0 = 0, y0 = 0, x0 = 0, c0 = 0;
  int32_t n = 1, h = 1, w = 1, c = 1;
  int32_t stride_n = 0, stride_h = 0, stride_w = 0, stride_c = 1;

  template <typename T>
  View4<T> as() const {  // T may be const-qualified; outputs use a non-const T
    View4<T> v;
    v.data = static_cast<T*>(const_cast<void*>(data));
    v.full = full;
    v.n0 = n0, v.y0 = y0, v.x0 = x0, v.c0 = c0;
    v.n = n, v.h = h, v.w = w, v.c = c;
    v.stride_n = stride_n, v.stride_h = stride_h, v.stride_w = stride_w, v.stride_c = stride_c;
    return v;
  }
};

template <typename T>
inline AnyView any_view(const View4<T>& v, ElemType type) {
  AnyView a;
  a.data = v.data;
  a.type = type;
  a.full = v.full;
  a.n0 = v.n0, a.y0 = v.y0, a.x0 = v.x0, a.c0 = v.c0;
  a.n = v.n, a.h = v.h, a.w = v.w, a.c = v.c;
  a.stride_n = v.stride_n, a.stride_h = v.stride_h, a.stride_w = v.stride_w, a.stride_c = v.stride_c;
  return a;
}

constexpr int32_t kMaxKernelInputs = 8;

struct KernelIO {
  AnyView in[kMaxKernelInputs];  // activation inputs in op order (ADD/MUL: 2, CONCATENATION: n)
  int32_t num_inputs = 0;
  AnyView weights;               // CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED only
  AnyView out;
};

// ---- entry points ----

// Which partitions of the output a kind supports.
enum : uint8_t { kPartitionRows = 1, kPartitionChannels = 2 };
uint8_t kernel_partition_caps(KernelKind kind);

// Exact scratch bytes kernel_invoke needs for this range (0 for most kernels).
int32_t kernel_scratch_bytes(const KernelArgs& args, const KernelIO& io, OutRange range);

KernelStatus kernel_invoke(const KernelArgs& args, const KernelIO& io, OutRange range, void* scratch,
                           int32_t scratch_bytes);

// Rows [*in_y_begin, *in_y_end) of input 0 that output rows [out_y_begin, out_y_end) read (receptive
// field incl. halo, clipped to the input tensor). Geometry comes from io's full shapes.
void kernel_input_rows(const KernelArgs& args, const KernelIO& io, int32_t out_y_begin, int32_t out_y_end,
                       int32_t* in_y_begin, int32_t* in_y_end);
// Same for any activation input (index into io.in).
void kernel_input_rows_of(const KernelArgs& args, const KernelIO& io, int32_t input, int32_t out_y_begin,
                          int32_t out_y_end, int32_t* in_y_begin, int32_t* in_y_end);
// Channels of activation input `input` that output channels [out_c_begin, out_c_end) read.
void kernel_input_channels(const KernelArgs& args, const KernelIO& io, int32_t input, int32_t out_c_begin,
                           int32_t out_c_end, int32_t* in_c_begin, int32_t* in_c_end);

}  // namespace tinyops
