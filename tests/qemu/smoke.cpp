// QEMU smoke program: weights table in .ext_flash_weights, a buffer in .ext_ram_buffers and
// accumulators in .sram_buffers; three marked stages; prints "output: <crc32 hex>" and returns 0.
// Built for the firmware (arm-none-eabi) and natively for the host (same output expected).
#include <stdint.h>
#include <stdio.h>

#include "tinyops_marker.h"

#if defined(__arm__)
#define SECTION(name) __attribute__((section(name), aligned(16)))
#else
#define SECTION(name)
#endif

namespace {

constexpr uint32_t kRows = 64;
constexpr uint32_t kCols = 256;
constexpr uint32_t kBytes = kRows * kCols;

struct Table {
  uint8_t v[kBytes];
};

// 32-bit LCG (Numerical Recipes constants), high byte of each state.
constexpr Table make_table() {
  Table t{};
  uint32_t s = 12345u;
  for (uint32_t i = 0; i < kBytes; ++i) {
    s = s * 1664525u + 1013904223u;
    t.v[i] = static_cast<uint8_t>(s >> 24);
  }
  return t;
}

SECTION(".ext_flash_weights") const Table kWeights = make_table();

#ifdef SMOKE_OVERSIZE_BYTES
// Deliberately too large for EXT_FLASH: the link must fail with the region-overflow message.
SECTION(".ext_flash_weights") __attribute__((used)) const uint8_t kOversize[SMOKE_OVERSIZE_BYTES] = {1};
#endif
#ifdef SMOKE_SRAM_OVERSIZE_BYTES
// Deliberately too large for SRAM together with heap and stack.
SECTION(".sram_buffers") __attribute__((used)) uint8_t g_sram_oversize[SMOKE_SRAM_OVERSIZE_BYTES];
#endif

SECTION(".ext_ram_buffers") uint8_t g_ext[kBytes];
SECTION(".sram_buffers") int32_t g_acc[kRows];

uint32_t crc32_update(uint32_t crc, const uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc;
}

}  // namespace

int main() {
#ifdef SMOKE_FAULT
  __asm__ volatile("udf #0");  // permanently undefined: UsageFault escalates to HardFault
#endif
  tinyops_marker(1);  // stage 1: transform weights into the external RAM buffer
  for (uint32_t i = 0; i < kBytes; ++i) g_ext[i] = static_cast<uint8_t>(kWeights.v[i] * 3u + (i >> 8));

  tinyops_marker(2);  // stage 2: int8 row dot products against the first weight row
  for (uint32_t r = 0; r < kRows; ++r) {
    int32_t acc = 0;
    for (uint32_t k = 0; k < kCols; ++k)
      acc += static_cast<int8_t>(g_ext[r * kCols + k]) * static_cast<int8_t>(kWeights.v[k]);
    g_acc[r] = acc;
  }

  tinyops_marker(3);  // stage 3: CRC-32 over the buffer and the accumulators (little-endian)
  uint32_t crc = crc32_update(0xFFFFFFFFu, g_ext, kBytes);
  for (uint32_t r = 0; r < kRows; ++r) {
    const uint32_t a = static_cast<uint32_t>(g_acc[r]);
    const uint8_t le[4] = {static_cast<uint8_t>(a), static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a >> 16),
                           static_cast<uint8_t>(a >> 24)};
    crc = crc32_update(crc, le, 4);
  }
  crc ^= 0xFFFFFFFFu;

  tinyops_marker(4);  // stage 4: report
  printf("output: %08lx\n", static_cast<unsigned long>(crc));
  return 0;
}
