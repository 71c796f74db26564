// Firmware export: turns a model + board + plan into a self-contained Cortex-M project (docs/export.md).
//
// The project holds the plan's memories as arrays placed by linker section (weights images in internal
// or external flash, NOLOAD arenas in SRAM / external RAM at the plan's offsets), the prepared ops'
// constant tables and KernelArgs, the plan's steps as const tables for the shared step loop
// (runtime/executor_core), copies of the kernel and runtime sources, a linker script filled from the
// board's memories, the toolchain file, a CMakeLists.txt, a DMA hook and a main.cpp that runs one
// inference and prints `output: <hex bytes>`. Host code only.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "board/board.h"
#include "model/graph.h"
#include "plan/plan.h"
#include "util/status.h"

namespace tinyops {

struct ExportOptions {
  std::string out_dir;
  // Raw bytes of every graph input, concatenated in Graph::inputs order; empty = all zeros.
  std::vector<uint8_t> input;
  // Target core for the toolchain file: "cortex-m4", "cortex-m7", "cortex-m55"; "" = the board's core.
  std::string cpu;
  int64_t stack_bytes = 6144;  // measured high-water mark 4.6 KB (MobileNetV2, MCUNet; TINYOPS_STACK_REPORT)
  int64_t heap_bytes = 256;   // newlib minimum heap; main prints with write(), not printf
  // TinyOps source tree whose kernels/runtime are copied into the project ("" = TINYOPS_SOURCE_DIR,
  // or $TINYOPS_SOURCE_DIR when set).
  std::string source_dir;
};

// Where one board memory ends up in the firmware.
struct ExportedMemory {
  std::string name;     // board memory
  std::string region;   // linker MEMORY region (FLASH, SRAM, EXT_FLASH, EXT_RAM, or MEM_<NAME>)
  std::string section;  // input section of the memory's array
  int64_t bytes = 0;    // array size (= the plan's used bytes)
  bool image = false;   // true: initialised from the weights image (flash), false: NOLOAD arena
};

struct ExportSummary {
  std::string cpu;
  std::vector<ExportedMemory> memories;
  int64_t table_bytes = 0;        // per-op constant tables (multipliers, shifts, biases, LUTs)
  int64_t step_count = 0;
  int64_t init_copy_bytes = 0;    // weights copied at start-up into writable memories
  std::vector<std::string> files; // written, relative to out_dir
};

// Writes the project into opts.out_dir (created; existing generated files are overwritten).
Result<ExportSummary> export_firmware(const Graph& g, const Board& board, const Plan& plan,
                                      const ExportOptions& opts);

// The linker script for `board` (the template filled from the board's role memories); exposed for
// tests. Missing roles get a zero-length region.
Result<std::string> firmware_linker_script(const Board& board, const std::string& template_text,
                                           int64_t stack_bytes, int64_t heap_bytes);

}  // namespace tinyops
