// Kernel-side op kinds and element types: plain enums usable without the STL (firmware-shared).
#pragma once
#include <stdint.h>

namespace tinyops {

// Same values and order as tinyops::OpKind in model/graph.h (prepare.cpp static_asserts this), so a
// host OpKind converts with a static_cast; the kernels never include graph.h.
enum class KernelKind : uint8_t {
  Conv2D,
  DepthwiseConv2D,
  FullyConnected,
  Add,
  Mul,
  AveragePool2D,
  MaxPool2D,
  Mean,
  Pad,
  PadV2,
  Reshape,
  Squeeze,
  Transpose,
  Concatenation,
  Softmax,
  Logistic,
  HardSwish,
  Relu,
  Relu6,
  Quantize,
  Dequantize,
  Count
};

// Element type of a kernel operand.
enum class ElemType : uint8_t { Int8, UInt8, Int16, Int32, Float32 };

inline int32_t elem_size(ElemType t) {
  switch (t) {
    case ElemType::Int8:
    case ElemType::UInt8: return 1;
    case ElemType::Int16: return 2;
    case ElemType::Int32:
    case ElemType::Float32: return 4;
  }
  return 1;
}

const char* kernel_kind_name(KernelKind k);  // TFLite spelling, e.g. "CONV_2D"
const char* elem_type_name(ElemType t);

}  // namespace tinyops
