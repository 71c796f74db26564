// Board files: shipped boards load and are fully sourced, validation errors, JSON round trip.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "board/board.h"

using namespace tinyops;
using nlohmann::json;

namespace {

// A small valid board; the validation tests each break one thing in it.
json minimal_board() {
  return json::parse(R"({
    "format_version": 1,
    "name": "test-board",
    "description": "a board for tests",
    "cpu": {"core": "cortex-m7", "clock_hz": 100000000, "icache_bytes": 4096, "dcache_bytes": 4096,
            "icache_enabled": true, "dcache_enabled": false},
    "memories": [
      {"name": "sram", "kind": "sram", "base": "0x20000000", "size": 327680,
       "read_bandwidth": 400000000, "write_bandwidth": 400000000, "latency_cycles": 1, "wait_states": 0,
       "cpu_read": true, "cpu_write": true, "cpu_execute": true, "dma": true, "writable": true},
      {"name": "flash", "kind": "flash", "base": 134217728, "size": 1048576,
       "read_bandwidth": 100000000, "latency_cycles": 6, "wait_states": 5,
       "cpu_read": true, "cpu_write": false, "cpu_execute": true, "dma": true, "writable": false,
       "sources": {"wait_states": "datasheet", "read_bandwidth": "8 B per 6 cycles"},
       "estimates": ["read_bandwidth"]},
      {"name": "sdram", "kind": "sdram", "base": "0x60000000", "size": 8388608,
       "read_bandwidth": 200000000, "write_bandwidth": 150000000, "latency_cycles": 14, "wait_states": 4,
       "cpu_read": true, "cpu_write": true, "cpu_execute": false, "dma": true, "writable": true}
    ],
    "dma": [{"name": "dma1", "channels": 2, "alignment": 4, "max_transfer_bytes": 65536,
             "bandwidth": 100000000, "setup_cycles": 100}],
    "roles": {"sram": "sram", "internal_flash": "flash", "external_ram": "sdram"}
  })");
}

// Parses the minimal board after `mutate`; returns the error message ("" when it parsed).
std::string error_after(const std::function<void(json&)>& mutate) {
  json j = minimal_board();
  mutate(j);
  auto r = parse_board_json(j.dump(), "test.json");
  return r ? std::string() : r.error().message;
}

json& memory(json& j, const char* name) {
  for (json& m : j["memories"])
    if (m["name"] == name) return m;
  throw std::runtime_error("no such memory in the test board");
}

// The numeric figures of each object; every one must carry a source in a shipped board.
const std::vector<std::string> kCpuFigures = {"clock_hz", "icache_bytes", "dcache_bytes"};
const std::vector<std::string> kMemoryFigures = {"base", "size", "read_bandwidth", "latency_cycles", "wait_states"};
const std::vector<std::string> kDmaFigures = {"channels", "alignment", "max_transfer_bytes", "bandwidth",
                                              "setup_cycles"};

void check_sourced(const Provenance& p, const std::vector<std::string>& figures, const std::string& where) {
  for (const std::string& f : figures) {
    INFO(where << " field " << f);
    REQUIRE(p.source(f) != nullptr);
    CHECK(!p.source(f)->empty());
  }
  for (const std::string& e : p.estimates) {
    INFO(where << " estimate " << e);
    CHECK(p.source(e) != nullptr);
  }
}

}  // namespace

TEST_CASE("the minimal test board parses with the expected values") {
  auto r = parse_board_json(minimal_board().dump(), "test.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  const Board& b = *r;
  CHECK(b.name == "test-board");
  CHECK(b.origin == "test.json");
  CHECK(b.cpu.core == CpuCore::CortexM7);
  CHECK(b.cpu.clock_hz == 100000000u);
  CHECK(b.cpu.icache_enabled);
  CHECK_FALSE(b.cpu.dcache_enabled);
  REQUIRE(b.memories.size() == 3);
  const Memory* flash = b.memory("flash");
  REQUIRE(flash != nullptr);
  CHECK(flash->base == 0x08000000u);  // integer form of the address
  CHECK(flash->kind == MemoryKind::Flash);
  CHECK(flash->write_bandwidth == 0u);
  CHECK(flash->provenance.is_estimate("read_bandwidth"));
  CHECK_FALSE(flash->provenance.is_estimate("wait_states"));
  CHECK(*flash->provenance.source("wait_states") == "datasheet");
  CHECK(b.memory("sdram")->write_bandwidth == 150000000u);
  CHECK(b.memory("nope") == nullptr);
  CHECK(b.sram() == b.memory("sram"));
  CHECK(b.internal_flash() == flash);
  CHECK(b.external_ram() == b.memory("sdram"));
  CHECK(b.external_flash() == nullptr);
  CHECK(b.role(Role::ExternalRam) == b.memory("sdram"));
  CHECK(b.dma_engine("dma1")->alignment == 4u);
  CHECK(b.dma_engine("dma2") == nullptr);
  // Address lookups: inside, straddling the end, outside every memory.
  CHECK(b.memory_at(0x20000000, 327680) == b.memory("sram"));
  CHECK(b.memory_at(0x2004FFFF, 2) == nullptr);
  CHECK(b.memory_at(0x60800000) == nullptr);
  CHECK(b.memory_at(0x607FFFFF) == b.memory("sdram"));
  CHECK(b.memory("sram")->end() == 0x20050000u);
}

TEST_CASE("names of kinds, cores and roles") {
  for (MemoryKind k : {MemoryKind::Tcm, MemoryKind::Sram, MemoryKind::Flash, MemoryKind::Sdram, MemoryKind::QspiFlash})
    CHECK(memory_kind_from_name(memory_kind_name(k)) == k);
  CHECK(std::string(memory_kind_name(MemoryKind::QspiFlash)) == "qspi-flash");
  CHECK_FALSE(memory_kind_from_name("dram").has_value());
  CHECK(is_flash_kind(MemoryKind::QspiFlash));
  CHECK_FALSE(is_flash_kind(MemoryKind::Sdram));
  for (CpuCore c : {CpuCore::CortexM4, CpuCore::CortexM7, CpuCore::CortexM55})
    CHECK(cpu_core_from_name(cpu_core_name(c)) == c);
  CHECK(std::string(cpu_core_name(CpuCore::CortexM55)) == "cortex-m55");
  CHECK(std::string(role_name(Role::ExternalFlash)) == "external_flash");
}

TEST_CASE("every shipped board loads, is named after its file and sources every figure") {
  const std::vector<std::string> names = shipped_board_names();
  const std::vector<std::string> expected = {"qemu-mps2-an500", "stm32f469i-disco", "stm32f746g-disco", "stm32h743",
                                             "stm32h7b3i-dk"};
  for (const std::string& n : expected) {
    INFO(n);
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  }
  for (const std::string& n : names) {
    INFO("board " << n);
    auto r = load_board(n);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    const Board& b = *r;
    CHECK(b.name == n);
    CHECK(!b.description.empty());
    // Every planner role is set and points at a memory fit for it.
    REQUIRE(b.sram() != nullptr);
    CHECK(b.sram()->dma);
    CHECK(b.sram()->writable);
    REQUIRE(b.internal_flash() != nullptr);
    CHECK(is_flash_kind(b.internal_flash()->kind));
    REQUIRE(b.external_ram() != nullptr);
    CHECK(b.external_ram()->writable);
    CHECK(b.external_ram()->dma);
    REQUIRE(b.external_flash() != nullptr);
    CHECK(b.external_flash()->kind == MemoryKind::QspiFlash);
    CHECK(b.external_flash()->dma);
    REQUIRE(!b.dma.empty());
    check_sourced(b.cpu.provenance, kCpuFigures, n + " cpu");
    for (const Memory& m : b.memories) {
      std::vector<std::string> figures = kMemoryFigures;
      if (m.writable) figures.push_back("write_bandwidth");
      check_sourced(m.provenance, figures, n + " memory " + m.name);
    }
    for (const DmaEngine& d : b.dma) check_sourced(d.provenance, kDmaFigures, n + " dma " + d.name);
  }
}

TEST_CASE("key figures of the shipped boards") {
  auto f746 = load_board(kDefaultBoard);
  REQUIRE(f746.ok());
  CHECK(f746->name == "stm32f746g-disco");
  CHECK(f746->cpu.core == CpuCore::CortexM7);
  CHECK(f746->cpu.clock_hz == 216000000u);
  CHECK(f746->cpu.dcache_bytes == 4096u);
  CHECK(f746->sram()->base == 0x20000000u);
  CHECK(f746->sram()->size == 320u * 1024);
  CHECK(f746->internal_flash()->size == 1024u * 1024);
  CHECK(f746->internal_flash()->wait_states == 5u);
  CHECK(f746->external_ram()->base == 0x60000000u);
  CHECK(f746->external_ram()->size == 8u << 20);
  CHECK(f746->external_flash()->base == 0x90000000u);
  CHECK(f746->external_flash()->size == 16u << 20);
  CHECK(f746->dma[0].max_transfer_bytes == 32768u);
  CHECK(f746->dma[0].channels == 2u);
  CHECK(f746->external_ram()->provenance.is_estimate("read_bandwidth"));
  CHECK_FALSE(f746->sram()->provenance.is_estimate("size"));

  auto f469 = load_board("stm32f469i-disco");
  REQUIRE(f469.ok());
  CHECK(f469->cpu.core == CpuCore::CortexM4);
  CHECK(f469->cpu.clock_hz == 180000000u);
  CHECK(f469->sram()->size == 256u * 1024);
  REQUIRE(f469->memory("ccm") != nullptr);
  CHECK(f469->memory("ccm")->size == 64u * 1024);
  CHECK_FALSE(f469->memory("ccm")->dma);
  CHECK(f469->internal_flash()->size == 2u << 20);

  auto h743 = load_board("stm32h743");
  REQUIRE(h743.ok());
  CHECK(h743->cpu.clock_hz == 480000000u);
  CHECK(h743->sram()->name == "axi_sram");
  CHECK(h743->sram()->size == 512u * 1024);
  CHECK(h743->cpu.icache_bytes == 16384u);

  auto h7b3 = load_board("stm32h7b3i-dk");
  REQUIRE(h7b3.ok());
  CHECK(h7b3->cpu.clock_hz == 280000000u);
  uint64_t internal_ram = 0;
  for (const Memory& m : h7b3->memories)
    if (m.kind == MemoryKind::Sram || m.kind == MemoryKind::Tcm) internal_ram += m.size;
  CHECK(internal_ram == 1376u * 1024);  // "about 1.4 MB SRAM"
}

TEST_CASE("qemu-mps2-an500 stays inside QEMU's RAMs and matches the F746 budget") {
  auto q = load_board("qemu-mps2-an500");
  auto f = load_board("stm32f746g-disco");
  REQUIRE(q.ok());
  REQUIRE(f.ok());
  CHECK(q->cpu.core == CpuCore::CortexM7);
  // Implemented RAMs of mps2-an500: code SSRAM, data SSRAM, PSRAM.
  const uint64_t ram_base[] = {0x00000000, 0x20000000, 0x60000000};
  const uint64_t ram_size[] = {4u << 20, 4u << 20, 16u << 20};
  for (const Memory& m : q->memories) {
    INFO(m.name);
    bool inside = false;
    for (int i = 0; i < 3; ++i) inside |= m.base >= ram_base[i] && m.end() <= ram_base[i] + ram_size[i];
    CHECK(inside);
    CHECK_FALSE(m.contains(0x01000000, 1));
    CHECK_FALSE(m.contains(0x21000000, 1));
  }
  CHECK(q->internal_flash()->base == 0u);
  CHECK(q->internal_flash()->size == f->internal_flash()->size);
  CHECK(q->sram()->base == 0x20000000u);
  CHECK(q->sram()->size == f->sram()->size);
  CHECK(q->external_ram()->base == 0x60000000u);
  CHECK(q->external_ram()->size == f->external_ram()->size);
  CHECK(q->external_flash()->base == 0x60800000u);
  CHECK(q->external_flash()->end() == 0x61000000u);
  CHECK(q->external_ram()->read_bandwidth == f->external_ram()->read_bandwidth);
  CHECK(q->dma[0].bandwidth == f->dma[0].bandwidth);
}

TEST_CASE("board_to_json -> parse_board_json round trips") {
  for (const std::string& n : shipped_board_names()) {
    INFO(n);
    auto b = load_board(n);
    REQUIRE(b.ok());
    const json j = board_to_json(*b);
    auto again = parse_board_json(j.dump(2), "roundtrip.json");
    REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message));
    CHECK(*again == *b);
    CHECK(board_to_json(*again) == j);
    // The serialised file carries the same figures as the shipped one (modulo address spelling).
    CHECK(j["memories"][0]["base"].get<std::string>().rfind("0x", 0) == 0);
  }
  auto b = parse_board_json(minimal_board().dump(), "test.json");
  REQUIRE(b.ok());
  auto again = parse_board_json(board_to_json(*b).dump(), "again.json");
  REQUIRE(again.ok());
  CHECK(*again == *b);
  // A changed figure breaks equality.
  Board changed = *b;
  changed.memories[2].latency_cycles += 1;
  CHECK(changed != *b);
  changed = *b;
  changed.memories[1].provenance.estimates.clear();
  CHECK(changed != *b);
}

TEST_CASE("validation errors name the file, the element and the problem") {
  struct Case {
    const char* what;
    std::function<void(json&)> mutate;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"missing top-level field", [](json& j) { j.erase("cpu"); }, "test.json: missing field 'cpu'"},
      {"unknown top-level field", [](json& j) { j["colour"] = "red"; },
       "test.json: unknown field 'colour' (known fields: format_version, name, description, cpu, memories, dma, "
       "roles, notes, sources, estimates)"},
      {"format version", [](json& j) { j["format_version"] = 2; },
       "test.json: unsupported format_version 2 (this build reads version 1)"},
      {"board name", [](json& j) { j["name"] = "My Board"; }, "test.json: name 'My Board' must match"},
      {"description type", [](json& j) { j["description"] = 5; },
       "test.json: field 'description' must be a string, found number 5"},
      {"unknown core", [](json& j) { j["cpu"]["core"] = "cortex-m33"; },
       "test.json: cpu: unknown core 'cortex-m33' (expected one of cortex-m4, cortex-m7, cortex-m55)"},
      {"zero clock", [](json& j) { j["cpu"]["clock_hz"] = 0; }, "test.json: cpu: field 'clock_hz' must be > 0, found 0"},
      {"cache on without size", [](json& j) { j["cpu"]["dcache_enabled"] = true; j["cpu"]["dcache_bytes"] = 0; },
       "test.json: cpu: dcache_enabled is true but dcache_bytes is 0"},
      {"unknown memory field", [](json& j) { memory(j, "sram")["read_bw"] = 1; },
       "test.json: memories[0] 'sram': unknown field 'read_bw' (known fields: name, kind, base, size,"},
      {"missing memory field", [](json& j) { memory(j, "sdram").erase("latency_cycles"); },
       "test.json: memories[2] 'sdram': missing field 'latency_cycles'"},
      {"size as text", [](json& j) { memory(j, "sram")["size"] = "320K"; },
       "test.json: memories[0] 'sram': field 'size' must be an integer (bytes), found string \"320K\""},
      {"fractional bandwidth", [](json& j) { memory(j, "sram")["read_bandwidth"] = 1.5; },
       "memories[0] 'sram': field 'read_bandwidth' must be an integer (bytes/s), found number 1.5"},
      {"boolean as number", [](json& j) { memory(j, "sram")["cpu_read"] = 1; },
       "memories[0] 'sram': field 'cpu_read' must be true or false, found number 1"},
      {"unknown kind", [](json& j) { memory(j, "sdram")["kind"] = "dram"; },
       "memories[2] 'sdram': unknown kind 'dram' (expected one of tcm, sram, flash, sdram, qspi-flash)"},
      {"zero size", [](json& j) { memory(j, "sram")["size"] = 0; }, "memories[0] 'sram': field 'size' must be > 0, found 0"},
      {"negative size", [](json& j) { memory(j, "sram")["size"] = -4; },
       "memories[0] 'sram': field 'size' must be > 0, found -4"},
      {"zero read bandwidth", [](json& j) { memory(j, "flash")["read_bandwidth"] = 0; },
       "memories[1] 'flash': field 'read_bandwidth' must be > 0, found 0"},
      {"negative write bandwidth", [](json& j) { memory(j, "sdram")["write_bandwidth"] = -1; },
       "memories[2] 'sdram': field 'write_bandwidth' must be > 0, found -1"},
      {"base not hex", [](json& j) { memory(j, "sram")["base"] = "20000000"; },
       "memories[0] 'sram': field 'base' must be an address (an integer or a \"0x...\" hexadecimal string), found "
       "string \"20000000\""},
      {"base not hex digits", [](json& j) { memory(j, "sram")["base"] = "0x2000g000"; }, "field 'base' must be an address"},
      {"base above 32 bits", [](json& j) { memory(j, "sram")["base"] = "0x100000000"; },
       "memories[0] 'sram': field 'base' must be a 32-bit address, found 0x100000000"},
      {"base+size overflow", [](json& j) { memory(j, "sdram")["base"] = "0xFFFF0000"; memory(j, "sdram")["size"] = 131072; },
       "memories[2] 'sdram': base 0xffff0000 + size 131072 overflows the 32-bit address space (ends at "
       "0x100010000)"},
      {"overlap",
       [](json& j) {
         json m = memory(j, "sram");
         m["name"] = "sram2";
         m["base"] = "0x20040000";
         j["memories"].push_back(m);
       },
       "test.json: memories 'sram' [0x20000000, 0x20050000) and 'sram2' [0x20040000, 0x20090000) overlap"},
      {"duplicate memory name", [](json& j) { memory(j, "sdram")["name"] = "sram"; }, "test.json: two memories are named 'sram'"},
      {"bad memory name", [](json& j) { memory(j, "sdram")["name"] = "SDRAM"; },
       "memories[2] 'SDRAM': name 'SDRAM' must match [a-z][a-z0-9_]*"},
      {"memory not an object", [](json& j) { j["memories"][1] = 5; },
       "test.json: memories[1]: each memory must be an object, found number 5"},
      {"no memories", [](json& j) { j["memories"] = json::array(); }, "test.json: field 'memories' must list at least one memory"},
      {"memories not an array", [](json& j) { j["memories"] = json::object(); },
       "test.json: field 'memories' must be an array, found object {}"},
      {"flash writable", [](json& j) { memory(j, "flash")["writable"] = true; memory(j, "flash")["write_bandwidth"] = 1; },
       "memories[1] 'flash': a flash memory cannot be writable (set \"writable\": false)"},
      {"qspi flash writable",
       [](json& j) { memory(j, "sdram")["kind"] = "qspi-flash"; },
       "memories[2] 'sdram': a qspi-flash memory cannot be writable"},
      {"cpu write to read-only", [](json& j) { memory(j, "flash")["cpu_write"] = true; },
       "memories[1] 'flash': cpu_write is true but writable is false"},
      {"unreachable memory", [](json& j) { memory(j, "flash")["cpu_read"] = false; memory(j, "flash")["dma"] = false; },
       "memories[1] 'flash': neither the CPU (cpu_read) nor DMA (dma) can reach this memory"},
      {"write bandwidth on read-only", [](json& j) { memory(j, "flash")["write_bandwidth"] = 5; },
       "memories[1] 'flash': write_bandwidth is given but the memory is read-only (writable is false)"},
      {"writable without write bandwidth", [](json& j) { memory(j, "sdram").erase("write_bandwidth"); },
       "memories[2] 'sdram': missing field 'write_bandwidth'"},
      {"no CPU RAM",
       [](json& j) {
         memory(j, "sram")["cpu_write"] = false;
         memory(j, "sdram")["cpu_write"] = false;
       },
       "test.json: no memory is both CPU-readable and CPU-writable"},
      {"estimate without reasoning", [](json& j) { memory(j, "flash")["estimates"].push_back("size"); },
       "memories[1] 'flash': estimates lists 'size' but sources gives no reasoning for it"},
      {"estimate listed twice", [](json& j) { memory(j, "flash")["estimates"].push_back("read_bandwidth"); },
       "memories[1] 'flash': estimates lists 'read_bandwidth' twice"},
      {"source for an unknown field", [](json& j) { memory(j, "flash")["sources"]["sizes"] = "x"; },
       "memories[1] 'flash': sources names 'sizes', which is not a field set in this object"},
      {"source for an absent field", [](json& j) { memory(j, "flash")["sources"]["write_bandwidth"] = "x"; },
       "sources names 'write_bandwidth', which is not a field set in this object"},
      {"empty source", [](json& j) { memory(j, "flash")["sources"]["size"] = ""; },
       "memories[1] 'flash': sources.size must be a non-empty string, found string \"\""},
      {"estimates not a list", [](json& j) { j["cpu"]["estimates"] = "clock_hz"; },
       "cpu: field 'estimates' must be an array of field names, found string \"clock_hz\""},
      {"dma alignment not a power of two", [](json& j) { j["dma"][0]["alignment"] = 3; },
       "test.json: dma[0] 'dma1': alignment must be a power of two, found 3"},
      {"dma alignment zero", [](json& j) { j["dma"][0]["alignment"] = 0; }, "dma[0] 'dma1': field 'alignment' must be > 0, found 0"},
      {"dma max transfer vs alignment", [](json& j) { j["dma"][0]["max_transfer_bytes"] = 65535; },
       "dma[0] 'dma1': max_transfer_bytes 65535 is not a multiple of alignment 4"},
      {"dma channels", [](json& j) { j["dma"][0]["channels"] = 0; }, "dma[0] 'dma1': field 'channels' must be > 0, found 0"},
      {"dma bandwidth", [](json& j) { j["dma"][0]["bandwidth"] = 0; }, "dma[0] 'dma1': field 'bandwidth' must be > 0, found 0"},
      {"dma missing field", [](json& j) { j["dma"][0].erase("setup_cycles"); }, "dma[0] 'dma1': missing field 'setup_cycles'"},
      {"duplicate dma", [](json& j) { j["dma"].push_back(j["dma"][0]); }, "test.json: two DMA engines are named 'dma1'"},
      {"role names a missing memory", [](json& j) { j["roles"]["external_ram"] = "sdram2"; },
       "test.json: roles.external_ram names memory 'sdram2', which is not defined (memories: sram, flash, sdram)"},
      {"unknown role", [](json& j) { j["roles"]["tiles"] = "sram"; }, "test.json: roles: unknown field 'tiles'"},
      {"missing sram role", [](json& j) { j["roles"].erase("sram"); }, "test.json: roles: missing field 'sram'"},
      {"empty role", [](json& j) { j["roles"]["external_flash"] = ""; },
       "test.json: roles: field 'external_flash' must name a memory, found an empty string"},
      {"role used twice", [](json& j) { j["roles"]["external_flash"] = "flash"; },
       "test.json: roles.internal_flash and roles.external_flash both name memory 'flash'"},
      {"sram role on flash", [](json& j) { j["roles"]["sram"] = "flash"; j["roles"].erase("internal_flash"); },
       "test.json: roles.sram names memory 'flash', which is not CPU-readable and writable"},
      {"sram role out of DMA reach", [](json& j) { memory(j, "sram")["dma"] = false; },
       "test.json: roles.sram names memory 'sram', which DMA cannot reach"},
      {"roles not an object", [](json& j) { j["roles"] = json::array(); },
       "test.json: field 'roles' must be an object, found array []"},
  };
  for (const Case& c : cases) {
    INFO(std::string(c.what));
    const std::string message = error_after(c.mutate);
    INFO("message: " << message);
    CHECK(message.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("malformed JSON text gives an error, not an exception") {
  auto bad = parse_board_json("{\"name\": ", "broken.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.rfind("broken.json: not valid JSON: ", 0) == 0);
  auto arr = parse_board_json("[1, 2]", "arr.json");
  REQUIRE_FALSE(arr.ok());
  CHECK(arr.error().message == "arr.json: a board file must hold a JSON object, found array [1,2]");
  auto dup = parse_board_json(R"({"name": "a", "cpu": {"core": "cortex-m4", "core": "cortex-m7"}})", "dup.json");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message == "dup.json: duplicate key 'core'");
  auto empty = parse_board_json("", "empty.json");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message.rfind("empty.json: not valid JSON", 0) == 0);
}

TEST_CASE("load_board: paths, unknown names and misnamed shipped files") {
  auto unknown = load_board("stm32f999");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message ==
        "unknown board 'stm32f999': shipped boards are qemu-mps2-an500, stm32f469i-disco, stm32f746g-disco, "
        "stm32h743, stm32h7b3i-dk (or give a path to a .json board file)");

  auto missing = load_board("/nonexistent/dir/board.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "board file '/nonexistent/dir/board.json' not found");

  namespace fs = std::filesystem;
  const fs::path dir = fs::path(TINYOPS_BINARY_DIR) / "test_board_tmp";
  fs::create_directories(dir);
  const fs::path file = dir / "mine.json";
  {
    std::ofstream(file) << minimal_board().dump(2);
  }
  auto by_path = load_board(file.string());
  REQUIRE(by_path.ok());
  CHECK(by_path->name == "test-board");
  CHECK(by_path->origin == file.string());

  // A broken file names its path in the error.
  {
    json j = minimal_board();
    j["dma"][0]["alignment"] = 6;
    std::ofstream(file) << j.dump(2);
  }
  auto broken = load_board(file.string());
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message == file.string() + ": dma[0] 'dma1': alignment must be a power of two, found 6");

  // A shipped-boards directory whose file name disagrees with the board's name.
  setenv("TINYOPS_BOARDS_DIR", dir.string().c_str(), 1);
  CHECK(shipped_board_names() == std::vector<std::string>{"mine"});
  {
    std::ofstream(file) << minimal_board().dump(2);
  }
  auto misnamed = load_board("mine");
  unsetenv("TINYOPS_BOARDS_DIR");
  REQUIRE_FALSE(misnamed.ok());
  CHECK(misnamed.error().message ==
        (dir / "mine.json").string() + ": board declares name 'test-board' but its file is named 'mine.json'");
  fs::remove_all(dir);
}
