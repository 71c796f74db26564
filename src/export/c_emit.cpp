#include "export/c_emit.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

namespace tinyops::cemit {

std::string ident(const std::string& s) {
  std::string r;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    r += ok ? ch : '_';
  }
  if (r.empty() || (r[0] >= '0' && r[0] <= '9')) r = "_" + r;
  return r;
}

std::string i32(int32_t v) {
  if (v == INT32_MIN) return "(-2147483647 - 1)";
  return std::to_string(v);
}

std::string f32(float v) {
  if (std::isnan(v)) return "__builtin_nanf(\"\")";
  if (std::isinf(v)) return v > 0 ? "__builtin_inff()" : "(-__builtin_inff())";
  // %a prints the exact binary value of the (float-widened) double.
  return fmt::format("{:a}f", static_cast<double>(v));
}

const char* ctype(ElemType t) {
  switch (t) {
    case ElemType::Int8: return "int8_t";
    case ElemType::UInt8: return "uint8_t";
    case ElemType::Int16: return "int16_t";
    case ElemType::Int32: return "int32_t";
    case ElemType::Float32: return "float";
  }
  return "uint8_t";
}

std::string array_body(const void* data, size_t count, ElemType t, const std::string& indent) {
  const auto* p = static_cast<const uint8_t*>(data);
  std::string s;
  for (size_t i = 0; i < count; ++i) {
    if (i % 16 == 0) s += (i ? ",\n" : "") + indent;
    else s += ", ";
    switch (t) {
      case ElemType::Int8: s += std::to_string(static_cast<int8_t>(p[i])); break;
      case ElemType::UInt8: s += std::to_string(p[i]); break;
      case ElemType::Int16: {
        int16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        s += std::to_string(v);
        break;
      }
      case ElemType::Int32: {
        int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        s += i32(v);
        break;
      }
      case ElemType::Float32: {
        float v;
        std::memcpy(&v, p + 4 * i, 4);
        s += f32(v);
        break;
      }
    }
  }
  return s;
}

}  // namespace tinyops::cemit
