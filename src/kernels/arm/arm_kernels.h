// Cortex-M fast paths for the hot kernels, selected at compile time and bit-exact with the portable
// kernels (src/kernels/*.cpp compute the same bytes; the QEMU tests compare both on M7 and M55):
//   __ARM_FEATURE_MVE (Cortex-M55 Helium)  arm/conv_mve.cpp
//   __ARM_FEATURE_DSP (Cortex-M4/M7/M55)   arm/conv_dsp.cpp  (SMLAD/SXTAB16 packed MACs)
// Host builds compile none of this (the files are empty without the ARM feature macros).
#pragma once
#include "kernels/kernel.h"

#if (defined(__ARM_FEATURE_DSP) || defined(__ARM_FEATURE_MVE)) && !defined(TINYOPS_PORTABLE_KERNELS)
#define TINYOPS_ARM_KERNELS 1

namespace tinyops {
namespace kern {
namespace arm {

// Runs the op on a fast path when one applies (same validation as the portable kernel, which it
// defers to for anything unusual): returns true and sets *status; false = use the portable kernel.
// Called by kernel_invoke after its common checks (range, partition capabilities, scratch size).
bool invoke(const KernelArgs& args, const KernelIO& io, OutRange range, void* scratch, int32_t scratch_bytes,
            KernelStatus* status);

#if defined(__ARM_FEATURE_MVE)
// Helium paths (arm/conv_mve.cpp), offered first by invoke(); same contract.
bool invoke_mve(const KernelArgs& args, const KernelIO& io, OutRange range, void* scratch, int32_t scratch_bytes,
                KernelStatus* status);
#endif

}  // namespace arm
}  // namespace kern
}  // namespace tinyops
#endif
