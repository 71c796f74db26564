// Board descriptions: CPU, memory hierarchy and DMA engines of a target, loaded from boards/*.json.
// The format is documented in docs/boards.md. Host code only (uses the STL and nlohmann::json).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace tinyops {

enum class MemoryKind : uint8_t { Tcm, Sram, Flash, Sdram, QspiFlash };
const char* memory_kind_name(MemoryKind k);  // "tcm", "sram", "flash", "sdram", "qspi-flash"
std::optional<MemoryKind> memory_kind_from_name(std::string_view s);
bool is_flash_kind(MemoryKind k);  // flash and qspi-flash

enum class CpuCore : uint8_t { CortexM4, CortexM7, CortexM55 };
const char* cpu_core_name(CpuCore c);  // "cortex-m4", "cortex-m7", "cortex-m55"
std::optional<CpuCore> cpu_core_from_name(std::string_view s);

// Where each figure of one JSON object comes from: free text per field name, and which fields
// are estimates (derived, not read in a source). Every estimate carries its reasoning in sources.
struct Provenance {
  std::map<std::string, std::string> sources;
  std::vector<std::string> estimates;

  bool is_estimate(const std::string& field) const;
  const std::string* source(const std::string& field) const;  // null when none given
  bool operator==(const Provenance& o) const { return sources == o.sources && estimates == o.estimates; }
};

struct Cpu {
  CpuCore core = CpuCore::CortexM7;
  uint64_t clock_hz = 0;
  uint32_t icache_bytes = 0;  // L1 instruction cache, 0 = none
  uint32_t dcache_bytes = 0;  // L1 data cache, 0 = none
  bool icache_enabled = false;
  bool dcache_enabled = false;
  std::string notes;
  Provenance provenance;
  bool operator==(const Cpu& o) const;
};

struct Memory {
  std::string name;  // C identifier-like: [a-z][a-z0-9_]*
  MemoryKind kind = MemoryKind::Sram;
  uint64_t base = 0;             // byte address in the 32-bit CPU address space
  uint64_t size = 0;             // bytes; base + size <= 2^32
  uint64_t read_bandwidth = 0;   // bytes/s, sustained sequential reads
  uint64_t write_bandwidth = 0;  // bytes/s; 0 exactly when the memory is read-only
  uint32_t latency_cycles = 0;   // CPU cycles from an uncached read request to its first data
  uint32_t wait_states = 0;      // configured CPU wait states (flash ACR latency, FMC, ...)
  bool cpu_read = false;
  bool cpu_write = false;
  bool cpu_execute = false;
  bool dma = false;       // reachable by the board's DMA engines
  bool writable = false;  // can be written at run time (by the CPU or DMA); never true for flash
  std::string notes;
  Provenance provenance;

  uint64_t end() const { return base + size; }
  // True when [addr, addr + bytes) lies inside this memory.
  bool contains(uint64_t addr, uint64_t bytes) const {
    return addr >= base && bytes <= size && addr - base <= size - bytes;
  }
  bool operator==(const Memory& o) const;
};

struct DmaEngine {
  std::string name;
  uint32_t channels = 0;             // independent channels/streams; they share `bandwidth`
  uint32_t alignment = 1;            // bytes; addresses and lengths must be multiples; power of two
  uint64_t max_transfer_bytes = 0;   // largest single request; the runtime splits longer copies
  uint64_t bandwidth = 0;            // bytes/s memory-to-memory, before the memories' own limits
  uint32_t setup_cycles = 0;         // CPU cycles to program and start one request
  std::string notes;
  Provenance provenance;
  bool operator==(const DmaEngine& o) const;
};

// Planner hints: which memory plays which part. Empty string = the board has no such memory.
enum class Role : uint8_t { Sram, InternalFlash, ExternalRam, ExternalFlash };
const char* role_name(Role r);  // "sram", "internal_flash", "external_ram", "external_flash"
inline constexpr Role kAllRoles[] = {Role::Sram, Role::InternalFlash, Role::ExternalRam,
                                     Role::ExternalFlash};

struct Roles {
  std::string sram;            // default fast SRAM for tiles and overlay buffers (required)
  std::string internal_flash;  // holds code and weights that fit internally
  std::string external_ram;    // large activations that do not fit SRAM
  std::string external_flash;  // weights that do not fit internal flash
  const std::string& get(Role r) const;
  std::string& get(Role r);
  bool operator==(const Roles& o) const;
};

struct Board {
  int format_version = 1;
  std::string name;
  std::string description;
  Cpu cpu;
  std::vector<Memory> memories;
  std::vector<DmaEngine> dma;
  Roles roles;
  std::string notes;
  Provenance provenance;
  std::string origin;  // file or label it was parsed from; not part of equality or JSON

  const Memory* memory(const std::string& memory_name) const;
  const DmaEngine* dma_engine(const std::string& engine_name) const;
  const Memory* role(Role r) const;  // null when the role is unset
  const Memory* sram() const { return role(Role::Sram); }
  const Memory* internal_flash() const { return role(Role::InternalFlash); }
  const Memory* external_ram() const { return role(Role::ExternalRam); }
  const Memory* external_flash() const { return role(Role::ExternalFlash); }
  // The memory holding [addr, addr + bytes), or null.
  const Memory* memory_at(uint64_t addr, uint64_t bytes = 1) const;
  bool operator==(const Board& o) const;
  bool operator!=(const Board& o) const { return !(*this == o); }
};

// Parses and validates a board description. `origin` names it in error messages (usually the path).
Result<Board> parse_board_json(const std::string& text, const std::string& origin);
// A path to a .json file, or the name of a shipped board (boards/<name>.json in the source tree,
// or in $TINYOPS_BOARDS_DIR when set).
Result<Board> load_board(const std::string& name_or_path);
std::vector<std::string> shipped_board_names();  // sorted
std::string shipped_boards_dir();
inline constexpr const char* kDefaultBoard = "stm32f746g-disco";
// Serialises a board; parse_board_json(board_to_json(b).dump()) == b.
nlohmann::json board_to_json(const Board& board);

}  // namespace tinyops
