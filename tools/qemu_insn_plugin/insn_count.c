/* TinyOps QEMU TCG plugin: exact executed-instruction counts, total and per marker region.
 *
 * Usage: qemu-system-arm ... -plugin libtinyops_insn_count.so,out=counts.json[,marker=SYM]
 *
 * Every translated instruction gets an inline "counter += 1" op, so `total` is exact even when a
 * translation block is left early. The firmware calls tinyops_marker(id), which performs one byte
 * load from __tinyops_marker_base + id (base aligned to 64 KiB). The plugin puts a memory callback
 * on the instructions of the symbol `marker` (default "tinyops_marker"); a byte load there ends the
 * current region at that instruction and starts region id = vaddr & 0xFFFF. Plugin API v1 cannot
 * read r0, so the id travels in the load address. We declare the few API v1 functions ourselves
 * (Debian ships no qemu-plugin.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- QEMU plugin API v1 subset (signatures as in QEMU 7.2 include/qemu/qemu-plugin.h) --- */
typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
  const char *target_name;
  struct { int min, cur; } version;
  _Bool system_emulation;
  union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu, qemu_plugin_meminfo_t info,
                                          uint64_t vaddr, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw,
                                      void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const char *qemu_plugin_insn_symbol(const struct qemu_plugin_insn *insn);
unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t info);
_Bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
void qemu_plugin_outs(const char *string);
__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* --- counting state (single vCPU: M-profile boards) --- */
#define MAX_REGIONS 65536u
static uint64_t total;          /* bumped inline before every executed instruction */
static uint64_t region_start;   /* `total` when the current region began */
static int64_t current = -1;    /* -1: before the first marker */
static uint64_t pre_marker;     /* instructions before the first marker */
static uint64_t *insns;         /* per-id instruction counts */
static uint64_t *calls;         /* per-id marker hits */
static const char *out_path = "insn_counts.json";
static const char *marker_sym = "tinyops_marker";
/* `total` when an instruction of the marker function started. QEMU 7.2 also calls the last installed
 * memory callback for memory accesses made by helpers (e.g. MVE VLDRB element loads), so a load counts
 * as a marker only inside a marker instruction (same `total`). */
static uint64_t armed_at = ~0ull;

static void close_region(void) {
  uint64_t n = total - region_start;
  if (current < 0) pre_marker += n; else insns[current] += n;
  region_start = total;
}

static void on_marker_load(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *u) {
  /* Only the marker's byte load (not a literal-pool word load, not a store). */
  if (total != armed_at || qemu_plugin_mem_is_store(info) || qemu_plugin_mem_size_shift(info) != 0) return;
  close_region(); /* the marker load itself is the last instruction of the old region */
  current = (int64_t)(vaddr & (MAX_REGIONS - 1));
  calls[current]++;
}

/* runs before the instruction's inline count: its loads see total == armed_at */
static void on_marker_insn(unsigned int vcpu, void *u) { armed_at = total + 1; }

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &total, 1);
    const char *sym = qemu_plugin_insn_symbol(insn);
    /* MEM_RW, filtered in the callback: QEMU 7.2 (Debian) reports no loads for a MEM_R-only cb. */
    if (sym && strcmp(sym, marker_sym) == 0) {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker_insn, QEMU_PLUGIN_CB_NO_REGS, NULL);
      qemu_plugin_register_vcpu_mem_cb(insn, on_marker_load, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
    }
  }
}

static void write_json(qemu_plugin_id_t id, void *u) {
  close_region();
  FILE *f = fopen(out_path, "w");
  if (!f) { qemu_plugin_outs("insn_count: cannot open output file\n"); return; }
  fprintf(f, "{\n  \"total\": %llu,\n  \"pre_marker\": %llu,\n  \"markers\": [",
          (unsigned long long)total, (unsigned long long)pre_marker);
  const char *sep = "";
  for (uint32_t i = 0; i < MAX_REGIONS; i++) {
    if (!calls[i]) continue;
    fprintf(f, "%s\n    {\"id\": %u, \"calls\": %llu, \"insns\": %llu}", sep, i,
            (unsigned long long)calls[i], (unsigned long long)insns[i]);
    sep = ",";
  }
  fprintf(f, "\n  ]\n}\n");
  fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "out=", 4) == 0) out_path = argv[i] + 4;
    else if (strncmp(argv[i], "marker=", 7) == 0) marker_sym = argv[i] + 7;
    else { fprintf(stderr, "insn_count: unknown argument '%s' (want out=FILE, marker=SYMBOL)\n", argv[i]); return -1; }
  }
  if (info->system_emulation && info->system.max_vcpus > 1) {
    fprintf(stderr, "insn_count: needs a single vCPU, got %d\n", info->system.max_vcpus);
    return -1;
  }
  insns = calloc(MAX_REGIONS, sizeof *insns);
  calls = calloc(MAX_REGIONS, sizeof *calls);
  if (!insns || !calls) return -1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
  qemu_plugin_register_atexit_cb(id, write_json, NULL);
  return 0;
}
