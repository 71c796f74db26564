// Small helpers that print C/C++ source text for the firmware exporter. Host code only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/op_kind.h"

namespace tinyops::cemit {

// A C identifier made from `s` (non [A-Za-z0-9_] characters become '_'; a leading digit gets '_').
std::string ident(const std::string& s);
// Exact C literals: INT32_MIN as (-2147483647 - 1); floats as hex-float literals ("0x1.8p-3f").
std::string i32(int32_t v);
std::string f32(float v);
// The C element type for a table of `t` ("int8_t", "uint8_t", "int16_t", "int32_t", "float").
const char* ctype(ElemType t);
// The initializer list body of `count` elements of type `t` read from `data`, 16 per line,
// each line prefixed with `indent`.
std::string array_body(const void* data, size_t count, ElemType t, const std::string& indent = "  ");

}  // namespace tinyops::cemit
