/* Region markers for per-op instruction counts under QEMU (tools/qemu_insn_plugin).
 * tinyops_marker(id) does one byte load from __tinyops_marker_base + id; the plugin recognises the
 * load by the function's symbol and takes id from the low 16 bits of its address. On hardware the
 * call costs a few cycles; define TINYOPS_NO_MARKERS to compile the calls away. */
#ifndef TINYOPS_MARKER_H
#define TINYOPS_MARKER_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

#define TINYOPS_MARKER_MAX 65535u

#ifdef TINYOPS_NO_MARKERS
static inline void tinyops_marker(uint32_t id) { (void)id; }
#else
void tinyops_marker(uint32_t id);
#endif

#ifdef __cplusplus
}
#endif
#endif
