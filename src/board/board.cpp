// Board file parsing, validation, lookup and serialisation (format: docs/boards.md).
#include "board/board.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace tinyops {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Names

namespace {
constexpr const char* kKindNames[] = {"tcm", "sram", "flash", "sdram", "qspi-flash"};
constexpr const char* kCoreNames[] = {"cortex-m4", "cortex-m7", "cortex-m55"};
constexpr const char* kRoleNames[] = {"sram", "internal_flash", "external_ram", "external_flash"};

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

template <size_t N>
std::string join_names(const char* const (&names)[N]) {
  return join(std::vector<std::string>(names, names + N));
}
}  // namespace

const char* memory_kind_name(MemoryKind k) { return kKindNames[static_cast<size_t>(k)]; }

std::optional<MemoryKind> memory_kind_from_name(std::string_view s) {
  for (size_t i = 0; i < std::size(kKindNames); ++i)
    if (s == kKindNames[i]) return static_cast<MemoryKind>(i);
  return std::nullopt;
}

bool is_flash_kind(MemoryKind k) { return k == MemoryKind::Flash || k == MemoryKind::QspiFlash; }

const char* cpu_core_name(CpuCore c) { return kCoreNames[static_cast<size_t>(c)]; }

std::optional<CpuCore> cpu_core_from_name(std::string_view s) {
  for (size_t i = 0; i < std::size(kCoreNames); ++i)
    if (s == kCoreNames[i]) return static_cast<CpuCore>(i);
  return std::nullopt;
}

const char* role_name(Role r) { return kRoleNames[static_cast<size_t>(r)]; }

// ---------------------------------------------------------------------------------------------
// Struct members

bool Provenance::is_estimate(const std::string& field) const {
  return std::find(estimates.begin(), estimates.end(), field) != estimates.end();
}

const std::string* Provenance::source(const std::string& field) const {
  auto it = sources.find(field);
  return it == sources.end() ? nullptr : &it->second;
}

bool Cpu::operator==(const Cpu& o) const {
  return core == o.core && clock_hz == o.clock_hz && icache_bytes == o.icache_bytes &&
         dcache_bytes == o.dcache_bytes && icache_enabled == o.icache_enabled &&
         dcache_enabled == o.dcache_enabled && notes == o.notes && provenance == o.provenance;
}

bool Memory::operator==(const Memory& o) const {
  return name == o.name && kind == o.kind && base == o.base && size == o.size &&
         read_bandwidth == o.read_bandwidth && write_bandwidth == o.write_bandwidth &&
         latency_cycles == o.latency_cycles && wait_states == o.wait_states && cpu_read == o.cpu_read &&
         cpu_write == o.cpu_write && cpu_execute == o.cpu_execute && dma == o.dma &&
         writable == o.writable && notes == o.notes && provenance == o.provenance;
}

bool DmaEngine::operator==(const DmaEngine& o) const {
  return name == o.name && channels == o.channels && alignment == o.alignment &&
         max_transfer_bytes == o.max_transfer_bytes && bandwidth == o.bandwidth &&
         setup_cycles == o.setup_cycles && notes == o.notes && provenance == o.provenance;
}

const std::string& Roles::get(Role r) const {
  switch (r) {
    case Role::Sram: return sram;
    case Role::InternalFlash: return internal_flash;
    case Role::ExternalRam: return external_ram;
    case Role::ExternalFlash: break;
  }
  return external_flash;
}

std::string& Roles::get(Role r) { return const_cast<std::string&>(static_cast<const Roles*>(this)->get(r)); }

bool Roles::operator==(const Roles& o) const {
  return sram == o.sram && internal_flash == o.internal_flash && external_ram == o.external_ram &&
         external_flash == o.external_flash;
}

const Memory* Board::memory(const std::string& memory_name) const {
  for (const Memory& m : memories)
    if (m.name == memory_name) return &m;
  return nullptr;
}

const DmaEngine* Board::dma_engine(const std::string& engine_name) const {
  for (const DmaEngine& d : dma)
    if (d.name == engine_name) return &d;
  return nullptr;
}

const Memory* Board::role(Role r) const {
  const std::string& n = roles.get(r);
  return n.empty() ? nullptr : memory(n);
}

const Memory* Board::memory_at(uint64_t addr, uint64_t bytes) const {
  for (const Memory& m : memories)
    if (m.contains(addr, bytes)) return &m;
  return nullptr;
}

bool Board::operator==(const Board& o) const {
  return format_version == o.format_version && name == o.name && description == o.description &&
         cpu == o.cpu && memories == o.memories && dma == o.dma && roles == o.roles &&
         notes == o.notes && provenance == o.provenance;
}

// ---------------------------------------------------------------------------------------------
// Parsing

namespace {

constexpr uint64_t kAddressSpace = uint64_t{1} << 32;
constexpr uint64_t kMaxBandwidth = 1000000000000ull;  // 1 TB/s: far above any MCU bus

// Internal: thrown by the readers below, turned into an Error at parse_board_json's boundary.
struct BoardError {
  std::string message;
};

std::string hex(uint64_t v) { return fmt::format("0x{:08x}", v); }

// A short rendering of a JSON value for error messages.
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return std::string(v.type_name()) + " " + s;
}

// Reads one JSON object: rejects unknown keys, reads typed fields, checks provenance keys.
class ObjectReader {
 public:
  ObjectReader(const json& obj, std::string where, std::vector<std::string> known)
      : obj_(obj), where_(std::move(where)), known_(std::move(known)) {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (std::find(known_.begin(), known_.end(), it.key()) == known_.end())
        fail(fmt::format("unknown field '{}' (known fields: {})", it.key(), join(known_)));
    }
  }

  [[noreturn]] void fail(const std::string& msg) const { throw BoardError{where_ + ": " + msg}; }
  const std::string& where() const { return where_; }
  bool has(const char* key) const { return obj_.contains(key); }

  const json& need(const char* key) const {
    auto it = obj_.find(key);
    if (it == obj_.end()) fail(fmt::format("missing field '{}'", key));
    return *it;
  }

  std::string str(const char* key, bool required = true) const {
    if (!required && !has(key)) return {};
    const json& v = need(key);
    if (!v.is_string()) fail(fmt::format("field '{}' must be a string, found {}", key, shown(v)));
    return v.get<std::string>();
  }

  bool boolean(const char* key) const {
    const json& v = need(key);
    if (!v.is_boolean()) fail(fmt::format("field '{}' must be true or false, found {}", key, shown(v)));
    return v.get<bool>();
  }

  uint64_t uint(const char* key, uint64_t min, uint64_t max, const char* unit) const {
    const json& v = need(key);
    if (!v.is_number_integer())
      fail(fmt::format("field '{}' must be an integer ({}), found {}", key, unit, shown(v)));
    if (v.is_number_unsigned()) return check_range(key, v.get<uint64_t>(), min, max);
    const int64_t i = v.get<int64_t>();
    if (i < 0) fail(fmt::format("field '{}' must be {}, found {}", key, lower_bound(min), i));
    return check_range(key, static_cast<uint64_t>(i), min, max);
  }

  // An address: an integer or a "0x..." hexadecimal string, below 2^32.
  uint64_t address(const char* key) const {
    const json& v = need(key);
    if (v.is_number_integer()) return uint(key, 0, kAddressSpace - 1, "byte address");
    const std::string bad = fmt::format(
        "field '{}' must be an address (an integer or a \"0x...\" hexadecimal string), found {}", key,
        shown(v));
    if (!v.is_string()) fail(bad);
    const std::string s = v.get<std::string>();
    if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) fail(bad);
    uint64_t value = 0;
    for (size_t i = 2; i < s.size(); ++i) {
      const char c = s[i];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else fail(bad);
      value = value * 16 + static_cast<uint64_t>(d);
    }
    if (value >= kAddressSpace)
      fail(fmt::format("field '{}' must be a 32-bit address, found {}", key, s));
    return value;
  }

  // sources / estimates: may name only fields this object sets (other than the free-text ones).
  Provenance provenance() const {
    Provenance p;
    if (has("sources")) {
      const json& s = obj_.at("sources");
      if (!s.is_object())
        fail(fmt::format("field 'sources' must be an object {{\"field\": \"text\"}}, found {}", shown(s)));
      for (auto it = s.begin(); it != s.end(); ++it) {
        check_figure_name("sources", it.key());
        if (!it.value().is_string() || it.value().get<std::string>().empty())
          fail(fmt::format("sources.{} must be a non-empty string, found {}", it.key(), shown(it.value())));
        p.sources[it.key()] = it.value().get<std::string>();
      }
    }
    if (has("estimates")) {
      const json& e = obj_.at("estimates");
      if (!e.is_array())
        fail(fmt::format("field 'estimates' must be an array of field names, found {}", shown(e)));
      for (const json& f : e) {
        if (!f.is_string()) fail(fmt::format("estimates must hold field names, found {}", shown(f)));
        const std::string name = f.get<std::string>();
        check_figure_name("estimates", name);
        if (p.is_estimate(name)) fail(fmt::format("estimates lists '{}' twice", name));
        if (!p.source(name))
          fail(fmt::format("estimates lists '{}' but sources gives no reasoning for it", name));
        p.estimates.push_back(name);
      }
    }
    return p;
  }

 private:
  static std::string lower_bound(uint64_t min) {
    return min == 1 ? std::string("> 0") : fmt::format(">= {}", min);
  }

  uint64_t check_range(const char* key, uint64_t v, uint64_t min, uint64_t max) const {
    if (v < min) fail(fmt::format("field '{}' must be {}, found {}", key, lower_bound(min), v));
    if (v > max) fail(fmt::format("field '{}' must be <= {}, found {}", key, max, v));
    return v;
  }

  void check_figure_name(const char* list, const std::string& field) const {
    static const std::set<std::string> free_text = {"name", "notes", "sources", "estimates"};
    if (free_text.count(field) || !obj_.contains(field))
      fail(fmt::format("{} names '{}', which is not a field set in this object", list, field));
  }

  const json& obj_;
  std::string where_;
  std::vector<std::string> known_;
};

// Checks a value is a JSON object before reading it.
const json& object_at(const json& v, const std::string& where, const char* what) {
  if (!v.is_object()) throw BoardError{fmt::format("{}: {} must be an object, found {}", where, what, shown(v))};
  return v;
}

bool is_memory_name(const std::string& s) {
  if (s.empty() || s.size() > 32 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_board_name(const std::string& s) {
  if (s.empty() || s.size() > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

Cpu read_cpu(const json& v, const std::string& where) {
  ObjectReader r(object_at(v, where, "field 'cpu'"), where,
                 {"core", "clock_hz", "icache_bytes", "dcache_bytes", "icache_enabled", "dcache_enabled",
                  "notes", "sources", "estimates"});
  Cpu c;
  const std::string core = r.str("core");
  auto parsed = cpu_core_from_name(core);
  if (!parsed) r.fail(fmt::format("unknown core '{}' (expected one of {})", core, join_names(kCoreNames)));
  c.core = *parsed;
  c.clock_hz = r.uint("clock_hz", 1, 10000000000ull, "Hz");
  c.icache_bytes = static_cast<uint32_t>(r.uint("icache_bytes", 0, 1u << 20, "bytes"));
  c.dcache_bytes = static_cast<uint32_t>(r.uint("dcache_bytes", 0, 1u << 20, "bytes"));
  c.icache_enabled = r.boolean("icache_enabled");
  c.dcache_enabled = r.boolean("dcache_enabled");
  if (c.icache_enabled && c.icache_bytes == 0) r.fail("icache_enabled is true but icache_bytes is 0");
  if (c.dcache_enabled && c.dcache_bytes == 0) r.fail("dcache_enabled is true but dcache_bytes is 0");
  c.notes = r.str("notes", false);
  c.provenance = r.provenance();
  return c;
}

Memory read_memory(const json& v, const std::string& origin, size_t index) {
  std::string where = fmt::format("{}: memories[{}]", origin, index);
  const json& obj = object_at(v, where, "each memory");
  if (obj.contains("name") && obj["name"].is_string()) where += " '" + obj["name"].get<std::string>() + "'";
  ObjectReader r(obj, where,
                 {"name", "kind", "base", "size", "read_bandwidth", "write_bandwidth", "latency_cycles",
                  "wait_states", "cpu_read", "cpu_write", "cpu_execute", "dma", "writable", "notes",
                  "sources", "estimates"});
  Memory m;
  m.name = r.str("name");
  if (!is_memory_name(m.name))
    r.fail(fmt::format("name '{}' must match [a-z][a-z0-9_]* (at most 32 characters): it becomes a "
                       "linker region and C identifier", m.name));
  const std::string kind = r.str("kind");
  auto parsed = memory_kind_from_name(kind);
  if (!parsed) r.fail(fmt::format("unknown kind '{}' (expected one of {})", kind, join_names(kKindNames)));
  m.kind = *parsed;
  m.base = r.address("base");
  m.size = r.uint("size", 1, kAddressSpace, "bytes");
  if (m.base + m.size > kAddressSpace)
    r.fail(fmt::format("base {} + size {} overflows the 32-bit address space (ends at {})", hex(m.base),
                       m.size, hex(m.base + m.size)));
  m.read_bandwidth = r.uint("read_bandwidth", 1, kMaxBandwidth, "bytes/s");
  m.latency_cycles = static_cast<uint32_t>(r.uint("latency_cycles", 0, 100000, "CPU cycles"));
  m.wait_states = static_cast<uint32_t>(r.uint("wait_states", 0, 1000, "CPU wait states"));
  m.cpu_read = r.boolean("cpu_read");
  m.cpu_write = r.boolean("cpu_write");
  m.cpu_execute = r.boolean("cpu_execute");
  m.dma = r.boolean("dma");
  m.writable = r.boolean("writable");
  if (m.writable && is_flash_kind(m.kind))
    r.fail(fmt::format("a {} memory cannot be writable (set \"writable\": false)", memory_kind_name(m.kind)));
  if (m.cpu_write && !m.writable) r.fail("cpu_write is true but writable is false");
  if (!m.cpu_read && !m.dma) r.fail("neither the CPU (cpu_read) nor DMA (dma) can reach this memory");
  if (m.writable) {
    m.write_bandwidth = r.uint("write_bandwidth", 1, kMaxBandwidth, "bytes/s");
  } else if (r.has("write_bandwidth")) {
    r.fail("write_bandwidth is given but the memory is read-only (writable is false)");
  }
  m.notes = r.str("notes", false);
  m.provenance = r.provenance();
  return m;
}

DmaEngine read_dma(const json& v, const std::string& origin, size_t index) {
  std::string where = fmt::format("{}: dma[{}]", origin, index);
  const json& obj = object_at(v, where, "each DMA engine");
  if (obj.contains("name") && obj["name"].is_string()) where += " '" + obj["name"].get<std::string>() + "'";
  ObjectReader r(obj, where,
                 {"name", "channels", "alignment", "max_transfer_bytes", "bandwidth", "setup_cycles", "notes",
                  "sources", "estimates"});
  DmaEngine d;
  d.name = r.str("name");
  if (!is_memory_name(d.name)) r.fail(fmt::format("name '{}' must match [a-z][a-z0-9_]*", d.name));
  d.channels = static_cast<uint32_t>(r.uint("channels", 1, 64, "count"));
  d.alignment = static_cast<uint32_t>(r.uint("alignment", 1, 4096, "bytes"));
  if ((d.alignment & (d.alignment - 1)) != 0)
    r.fail(fmt::format("alignment must be a power of two, found {}", d.alignment));
  d.max_transfer_bytes = r.uint("max_transfer_bytes", 1, kAddressSpace, "bytes");
  if (d.max_transfer_bytes % d.alignment != 0)
    r.fail(fmt::format("max_transfer_bytes {} is not a multiple of alignment {}", d.max_transfer_bytes,
                       d.alignment));
  d.bandwidth = r.uint("bandwidth", 1, kMaxBandwidth, "bytes/s");
  d.setup_cycles = static_cast<uint32_t>(r.uint("setup_cycles", 0, 1000000, "CPU cycles"));
  d.notes = r.str("notes", false);
  d.provenance = r.provenance();
  return d;
}

void validate_board(const Board& b, const std::string& origin) {
  auto fail = [&](const std::string& msg) -> void { throw BoardError{origin + ": " + msg}; };

  // Unique names.
  std::set<std::string> names;
  for (const Memory& m : b.memories)
    if (!names.insert(m.name).second) fail(fmt::format("two memories are named '{}'", m.name));
  names.clear();
  for (const DmaEngine& d : b.dma)
    if (!names.insert(d.name).second) fail(fmt::format("two DMA engines are named '{}'", d.name));

  // Disjoint address ranges: after sorting by base, only neighbours can overlap first.
  std::vector<const Memory*> by_base;
  for (const Memory& m : b.memories) by_base.push_back(&m);
  std::sort(by_base.begin(), by_base.end(), [](const Memory* x, const Memory* y) { return x->base < y->base; });
  for (size_t i = 1; i < by_base.size(); ++i) {
    const Memory& a = *by_base[i - 1];
    const Memory& c = *by_base[i];
    if (a.end() > c.base)
      fail(fmt::format("memories '{}' [{}, {}) and '{}' [{}, {}) overlap", a.name, hex(a.base), hex(a.end()),
                       c.name, hex(c.base), hex(c.end())));
  }

  if (std::none_of(b.memories.begin(), b.memories.end(),
                   [](const Memory& m) { return m.cpu_read && m.cpu_write && m.writable; }))
    fail("no memory is both CPU-readable and CPU-writable: the CPU needs RAM for its stack and data");

  // Roles.
  std::vector<std::string> memory_names;
  for (const Memory& m : b.memories) memory_names.push_back(m.name);
  std::map<std::string, Role> used;
  for (Role role : kAllRoles) {
    const std::string& n = b.roles.get(role);
    if (n.empty()) continue;
    const Memory* m = b.memory(n);
    if (!m)
      fail(fmt::format("roles.{} names memory '{}', which is not defined (memories: {})", role_name(role), n,
                       join(memory_names)));
    auto [it, fresh] = used.emplace(n, role);
    if (!fresh)
      fail(fmt::format("roles.{} and roles.{} both name memory '{}'", role_name(it->second), role_name(role), n));
    switch (role) {
      case Role::Sram:
      case Role::ExternalRam:
        if (!m->cpu_read || !m->cpu_write || !m->writable)
          fail(fmt::format("roles.{} names memory '{}', which is not CPU-readable and writable", role_name(role),
                           n));
        break;
      case Role::InternalFlash:
      case Role::ExternalFlash:
        if (!m->cpu_read && !m->dma)
          fail(fmt::format("roles.{} names memory '{}', which neither the CPU nor DMA can read", role_name(role),
                           n));
        break;
    }
    if (role == Role::Sram && !b.dma.empty() && !m->dma)
      fail(fmt::format("roles.sram names memory '{}', which DMA cannot reach (the overlay buffers live there)", n));
  }
}

Roles read_roles(const json& v, const std::string& origin) {
  const std::string where = origin + ": roles";
  ObjectReader r(object_at(v, origin, "field 'roles'"), where,
                 {"sram", "internal_flash", "external_ram", "external_flash"});
  Roles roles;
  for (Role role : kAllRoles) {
    const bool required = role == Role::Sram;
    roles.get(role) = r.str(role_name(role), required);
    if (r.has(role_name(role)) && roles.get(role).empty())
      r.fail(fmt::format("field '{}' must name a memory, found an empty string", role_name(role)));
  }
  return roles;
}

Board read_board(const json& doc, const std::string& origin) {
  if (!doc.is_object())
    throw BoardError{fmt::format("{}: a board file must hold a JSON object, found {}", origin, shown(doc))};
  ObjectReader r(doc, origin,
                 {"format_version", "name", "description", "cpu", "memories", "dma", "roles", "notes", "sources",
                  "estimates"});
  Board b;
  b.origin = origin;
  const uint64_t version = r.uint("format_version", 1, 1000000, "number");
  if (version != 1) r.fail(fmt::format("unsupported format_version {} (this build reads version 1)", version));
  b.format_version = 1;
  b.name = r.str("name");
  if (!is_board_name(b.name))
    r.fail(fmt::format("name '{}' must match [a-z0-9][a-z0-9._-]* (at most 64 characters)", b.name));
  b.description = r.str("description");
  b.cpu = read_cpu(r.need("cpu"), origin + ": cpu");

  const json& mems = r.need("memories");
  if (!mems.is_array()) r.fail(fmt::format("field 'memories' must be an array, found {}", shown(mems)));
  if (mems.empty()) r.fail("field 'memories' must list at least one memory");
  for (size_t i = 0; i < mems.size(); ++i) b.memories.push_back(read_memory(mems[i], origin, i));

  const json& dmas = r.need("dma");
  if (!dmas.is_array()) r.fail(fmt::format("field 'dma' must be an array (may be empty), found {}", shown(dmas)));
  for (size_t i = 0; i < dmas.size(); ++i) b.dma.push_back(read_dma(dmas[i], origin, i));

  b.roles = read_roles(r.need("roles"), origin);
  b.notes = r.str("notes", false);
  b.provenance = r.provenance();
  validate_board(b, origin);
  return b;
}

}  // namespace

Result<Board> parse_board_json(const std::string& text, const std::string& origin) {
  // Duplicate keys would silently keep the last value: detect them while parsing.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      const std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  try {
    const json doc = json::parse(text, callback);
    if (!duplicate.empty()) return Error{fmt::format("{}: duplicate key '{}'", origin, duplicate)};
    return read_board(doc, origin);
  } catch (const json::parse_error& e) {
    return Error{fmt::format("{}: not valid JSON: {}", origin, e.what())};
  } catch (const json::exception& e) {
    return Error{fmt::format("{}: {}", origin, e.what())};
  } catch (const BoardError& e) {
    return Error{e.message};
  }
}

std::string shipped_boards_dir() {
  if (const char* env = std::getenv("TINYOPS_BOARDS_DIR"); env && *env) return env;
#ifdef TINYOPS_SOURCE_DIR
  return std::string(TINYOPS_SOURCE_DIR) + "/boards";
#else
  return "boards";
#endif
}

std::vector<std::string> shipped_board_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(shipped_boards_dir(), ec)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {
Result<std::string> read_text(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Error{fmt::format("board file '{}' not found", path.string())};
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (!f) return Error{fmt::format("cannot read board file '{}'", path.string())};
  return ss.str();
}
}  // namespace

Result<Board> load_board(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".json");
  if (is_path) {
    auto text = read_text(name_or_path);
    if (!text) return text.error();
    return parse_board_json(*text, name_or_path);
  }
  const std::vector<std::string> shipped = shipped_board_names();
  if (std::find(shipped.begin(), shipped.end(), name_or_path) == shipped.end())
    return Error{fmt::format("unknown board '{}': shipped boards are {} (or give a path to a .json board file)",
                             name_or_path, shipped.empty() ? "none (no " + shipped_boards_dir() + ")" : join(shipped))};
  const std::string path = shipped_boards_dir() + "/" + name_or_path + ".json";
  auto text = read_text(path);
  if (!text) return text.error();
  auto board = parse_board_json(*text, path);
  if (board && board->name != name_or_path)
    return Error{fmt::format("{}: board declares name '{}' but its file is named '{}.json'", path, board->name,
                             name_or_path)};
  return board;
}

// ---------------------------------------------------------------------------------------------
// Serialisation

namespace {
void put_common(json& j, const std::string& notes, const Provenance& p) {
  if (!notes.empty()) j["notes"] = notes;
  if (!p.sources.empty()) j["sources"] = p.sources;
  if (!p.estimates.empty()) j["estimates"] = p.estimates;
}
}  // namespace

json board_to_json(const Board& b) {
  json j;
  j["format_version"] = b.format_version;
  j["name"] = b.name;
  j["description"] = b.description;

  json cpu;
  cpu["core"] = cpu_core_name(b.cpu.core);
  cpu["clock_hz"] = b.cpu.clock_hz;
  cpu["icache_bytes"] = b.cpu.icache_bytes;
  cpu["dcache_bytes"] = b.cpu.dcache_bytes;
  cpu["icache_enabled"] = b.cpu.icache_enabled;
  cpu["dcache_enabled"] = b.cpu.dcache_enabled;
  put_common(cpu, b.cpu.notes, b.cpu.provenance);
  j["cpu"] = cpu;

  json mems = json::array();
  for (const Memory& m : b.memories) {
    json o;
    o["name"] = m.name;
    o["kind"] = memory_kind_name(m.kind);
    o["base"] = hex(m.base);
    o["size"] = m.size;
    o["read_bandwidth"] = m.read_bandwidth;
    if (m.writable) o["write_bandwidth"] = m.write_bandwidth;
    o["latency_cycles"] = m.latency_cycles;
    o["wait_states"] = m.wait_states;
    o["cpu_read"] = m.cpu_read;
    o["cpu_write"] = m.cpu_write;
    o["cpu_execute"] = m.cpu_execute;
    o["dma"] = m.dma;
    o["writable"] = m.writable;
    put_common(o, m.notes, m.provenance);
    mems.push_back(o);
  }
  j["memories"] = mems;

  json dmas = json::array();
  for (const DmaEngine& d : b.dma) {
    json o;
    o["name"] = d.name;
    o["channels"] = d.channels;
    o["alignment"] = d.alignment;
    o["max_transfer_bytes"] = d.max_transfer_bytes;
    o["bandwidth"] = d.bandwidth;
    o["setup_cycles"] = d.setup_cycles;
    put_common(o, d.notes, d.provenance);
    dmas.push_back(o);
  }
  j["dma"] = dmas;

  json roles = json::object();
  for (Role role : kAllRoles)
    if (!b.roles.get(role).empty()) roles[role_name(role)] = b.roles.get(role);
  j["roles"] = roles;
  put_common(j, b.notes, b.provenance);
  return j;
}

}  // namespace tinyops
