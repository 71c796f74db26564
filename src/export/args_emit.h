// C++ initializers for KernelArgs (kernels/kernel.h) as the firmware's const tables. Host code only.
#pragma once
#include <functional>
#include <string>

#include "runtime/prepare.h"
#include "util/status.h"

namespace tinyops {

// Maps a table pointer held in KernelArgs to the C expression naming its emitted array
// (or an error when the pointer is not one of the op's tables). Null pointers print "nullptr".
using TableNamer = std::function<Result<std::string>(const void* ptr)>;

// "{tinyops::KernelKind::X, {.member = {.field = value, ...}}}" for the op's KernelArgs, with the
// union member the prepared op uses (GNU designated initializers, every field in declaration order).
Result<std::string> kernel_args_initializer(const PreparedOp& op, const TableNamer& namer);

}  // namespace tinyops
