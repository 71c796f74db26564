// Building an exported firmware project and running it under QEMU with the instruction-counting
// plugin (tools/qemu_insn_plugin): used by the export tests and the instruction-count bench.
// Host code only; shells out to cmake, qemu-system-arm and timeout.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/status.h"

namespace tinyops {

// Empty when cmake, arm-none-eabi-g++ and qemu-system-arm are on PATH; otherwise what is missing.
std::string firmware_tools_missing();
inline constexpr const char* kFirmwareAptLine =
    "sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib "
    "binutils-arm-none-eabi qemu-system-arm";

struct FirmwareBuild {
  bool cross = true;              // false: the host build (build-host/firmware_host)
  bool markers = true;            // false: -DTINYOPS_NO_MARKERS=ON
  std::string build_subdir;       // default "build" (cross) / "build-host"
  std::vector<std::string> cmake_args;
  int jobs = 2;
};

struct BuiltFirmware {
  std::string binary;  // firmware.elf or firmware_host
  std::string log;     // configure + build output
};

// Configures and builds `project_dir`. On failure the error carries the build log (linker messages).
Result<BuiltFirmware> build_firmware(const std::string& project_dir, const FirmwareBuild& options);

struct InsnCounts {
  int64_t total = 0;
  int64_t pre_marker = 0;
  std::map<int64_t, int64_t> markers;  // marker id -> instructions
};

struct FirmwareRun {
  int exit_code = -1;
  std::string text;        // stdout + stderr
  std::string output_hex;  // the hex of the `output:` line ("" when absent)
  bool has_counts = false;
  InsnCounts counts;
  double seconds = 0;
};

// Runs an ELF under qemu-system-arm -M `machine` with semihosting (and the plugin when plugin is
// not empty), or a host binary directly when machine is empty.
Result<FirmwareRun> run_firmware(const std::string& binary, const std::string& machine, const std::string& plugin,
                                 int timeout_seconds = 600);

Result<InsnCounts> parse_insn_counts(const std::string& json_text);

// Section sizes of an ELF (arm-none-eabi-size -A): name -> bytes.
Result<std::map<std::string, int64_t>> elf_section_sizes(const std::string& elf);

std::string hex_string(const std::vector<uint8_t>& bytes);

}  // namespace tinyops
