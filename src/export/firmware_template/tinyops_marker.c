/* See tinyops_marker.h. __tinyops_marker_base is 64 KiB aligned (linker script ASSERT). */
#include "tinyops_marker.h"

#ifndef TINYOPS_NO_MARKERS
extern const volatile uint8_t __tinyops_marker_base[];

__attribute__((noinline)) void tinyops_marker(uint32_t id) {
  (void)__tinyops_marker_base[id & TINYOPS_MARKER_MAX];
}
#endif
