#include "export/export.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "export/args_emit.h"
#include "export/c_emit.h"
#include "export/plan_emit.h"
#include "runtime/executor_core.h"
#include "runtime/prepare.h"

namespace tinyops {

namespace fs = std::filesystem;

namespace {

std::string source_root(const ExportOptions& o) {
  if (!o.source_dir.empty()) return o.source_dir;
  if (const char* env = std::getenv("TINYOPS_SOURCE_DIR")) return env;
  return TINYOPS_SOURCE_DIR;
}

Result<std::string> read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return Error{fmt::format("cannot read '{}'", p.string())};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

std::string hex32(uint64_t v) { return fmt::format("0x{:08X}", v); }

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Which linker region and input section hold the array of a board memory.
struct Placement {
  std::string region;
  std::string section;
  bool flash = false;  // read-only memory: its array is an initialised image
  bool extra = false;  // not one of the four template regions
};

Placement placement_of(const Board& b, const Memory& m) {
  const std::string id = cemit::ident(m.name);
  const bool flash = !m.writable;
  auto is_role = [&](Role r) { return b.roles.get(r) == m.name; };
  if (is_role(Role::InternalFlash)) return {"FLASH", ".rodata.tinyops_mem_" + id, true, false};
  if (is_role(Role::ExternalFlash)) return {"EXT_FLASH", ".ext_flash_weights.tinyops_mem_" + id, true, false};
  if (is_role(Role::Sram)) return {"SRAM", ".sram_buffers.tinyops_mem_" + id, flash, false};
  if (is_role(Role::ExternalRam)) return {"EXT_RAM", ".ext_ram_buffers.tinyops_mem_" + id, flash, false};
  return {"MEM_" + upper(id), ".tinyops_mem_" + id, flash, true};
}

// Extra MEMORY lines and output sections for memories outside the four roles.
void extra_linker_parts(const Board& b, const std::vector<const Memory*>& extra, std::string* memory_lines,
                        std::string* section_lines) {
  for (const Memory* m : extra) {
    const Placement p = placement_of(b, *m);
    *memory_lines += fmt::format("{:<9} ({}) : ORIGIN = {}, LENGTH = {}\n  ", p.region, p.flash ? "rx" : "rw",
                                 hex32(m->base), m->size);
    if (p.flash)
      *section_lines += fmt::format("{0} : ALIGN(32)\n  {{\n    KEEP(*({0} {0}.*))\n  }} > {1}\n  ", p.section, p.region);
    else
      *section_lines += fmt::format("{0} (NOLOAD) : ALIGN(32)\n  {{\n    *({0} {0}.*)\n  }} > {1}\n  ", p.section,
                                    p.region);
  }
}

Result<std::string> fill_linker(const Board& board, const std::string& tmpl, int64_t stack_bytes, int64_t heap_bytes,
                                const std::vector<const Memory*>& extra) {
  std::string s = tmpl;
  struct Slot {
    const char* name;
    Role role;
  };
  const Slot slots[] = {{"FLASH", Role::InternalFlash},
                        {"SRAM", Role::Sram},
                        {"EXT_FLASH", Role::ExternalFlash},
                        {"EXT_RAM", Role::ExternalRam}};
  for (const Slot& slot : slots) {
    const Memory* m = board.role(slot.role);
    if (!m && (slot.role == Role::InternalFlash || slot.role == Role::Sram))
      return Error{fmt::format("board '{}' has no {} role memory: the firmware needs one for {}", board.name,
                               role_name(slot.role), slot.role == Role::Sram ? "data and stack" : "code")};
    // A missing optional role becomes an empty region at the top of the address space.
    s = replace_all(s, fmt::format("@{}_ORIGIN@", slot.name), m ? hex32(m->base) : "0xFFFFFFF0");
    s = replace_all(s, fmt::format("@{}_LENGTH@", slot.name), m ? std::to_string(m->size) : "0");
  }
  s = replace_all(s, "@STACK_SIZE@", fmt::format("0x{:X}", stack_bytes));
  s = replace_all(s, "@HEAP_SIZE@", fmt::format("0x{:X}", heap_bytes));
  std::string mem_lines, sec_lines;
  extra_linker_parts(board, extra, &mem_lines, &sec_lines);
  s = replace_all(s, "@EXTRA_MEMORY@", mem_lines);
  s = replace_all(s, "@EXTRA_SECTIONS@", sec_lines);
  if (s.find('@') != std::string::npos) {
    const size_t at = s.find('@');
    const size_t end = s.find('@', at + 1);
    if (end != std::string::npos && end - at < 40 && s.find('\n', at) > end)
      return Error{fmt::format("linker template: unfilled placeholder {}", s.substr(at, end - at + 1))};
  }
  return s;
}

class ProjectWriter {
 public:
  ProjectWriter(fs::path root, ExportSummary* summary) : root_(std::move(root)), summary_(summary) {}

  Status write(const std::string& rel, const std::string& content) {
    const fs::path p = root_ / rel;
    summary_->files.push_back(rel);
    // Unchanged files keep their time stamps: re-exporting with another input rebuilds little.
    if (auto old = read_text(p); old.ok() && old.value() == content) return Ok{};
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f) return Error{fmt::format("cannot write '{}'", p.string())};
    return Ok{};
  }
  Status write_bytes(const std::string& rel, const std::vector<uint8_t>& bytes) {
    return write(rel, std::string(bytes.begin(), bytes.end()));
  }
  Status copy(const fs::path& from, const std::string& rel) {
    auto t = read_text(from);
    if (!t.ok()) return t.error();
    return write(rel, t.value());
  }

 private:
  fs::path root_;
  ExportSummary* summary_;
};

#define EXPORT_TRY(expr)                      \
  do {                                        \
    auto _r = (expr);                         \
    if (!_r.ok()) return _r.error();          \
  } while (0)

// One memory of the plan as the firmware sees it.
struct MemInfo {
  const Memory* board_memory = nullptr;
  Placement place;
  int64_t used = 0;
  int32_t alignment = 32;
  std::vector<uint8_t> image;  // flash memories: the weights at their offsets
  std::string symbol;          // C array name
};

struct CopyItem {
  int memory = 0;
  int64_t offset = 0;
  int64_t bytes = 0;
  std::string src;  // C expression, empty = zero fill
};

}  // namespace

Result<std::string> firmware_linker_script(const Board& board, const std::string& template_text, int64_t stack_bytes,
                                           int64_t heap_bytes) {
  return fill_linker(board, template_text, stack_bytes, heap_bytes, {});
}

Result<ExportSummary> export_firmware(const Graph& g, const Board& board, const Plan& plan, const ExportOptions& opts) {
  ExportSummary summary;
  if (opts.out_dir.empty()) return Error{"export: no output directory given"};
  const fs::path src_root = source_root(opts);
  const fs::path tmpl_dir = src_root / "src" / "export" / "firmware_template";
  if (!fs::exists(tmpl_dir / "tinyops_firmware.ld.in"))
    return Error{fmt::format("export: firmware template not found in '{}' (set TINYOPS_SOURCE_DIR to the TinyOps source tree)",
                             tmpl_dir.string())};

  // Core for the toolchain file.
  std::string cpu = opts.cpu.empty() ? cpu_core_name(board.cpu.core) : opts.cpu;
  if (cpu != "cortex-m4" && cpu != "cortex-m7" && cpu != "cortex-m55")
    return Error{fmt::format("export: unsupported cpu '{}' (cortex-m4, cortex-m7 or cortex-m55)", cpu)};
  summary.cpu = cpu;

  auto prepared_r = prepare_graph(g);
  if (!prepared_r.ok()) return prepared_r.error();
  const std::vector<PreparedOp>& prepared = prepared_r.value();

  // ---- memories ----
  std::vector<MemInfo> mems(plan.memories.size());
  std::map<std::string, int> mem_index;
  for (size_t i = 0; i < plan.memories.size(); ++i) {
    const MemoryUse& mu = plan.memories[i];
    const Memory* m = board.memory(mu.name);
    if (!m) return Error{fmt::format("plan memory '{}' is not a memory of board '{}'", mu.name, board.name)};
    MemInfo& mi = mems[i];
    mi.board_memory = m;
    mi.place = placement_of(board, *m);
    mi.used = mu.used;
    mi.symbol = "tinyops_mem_" + cemit::ident(mu.name);
    mem_index[mu.name] = static_cast<int>(i);
  }
  for (const PlanBuffer& b : plan.buffers) {
    auto it = mem_index.find(b.memory);
    if (it == mem_index.end())
      return Error{fmt::format("plan buffer '{}': memory '{}' is not in the plan's memory list", b.name, b.memory)};
    MemInfo& mi = mems[static_cast<size_t>(it->second)];
    if (b.offset < 0 || b.size < 0 || b.offset + b.size > mi.used)
      return Error{fmt::format("plan buffer '{}': bytes [{}, {}) lie outside the {} used bytes of memory '{}'", b.name,
                               b.offset, b.offset + b.size, mi.used, b.memory)};
    mi.alignment = std::max(mi.alignment, b.alignment);
  }

  // Weights: images of read-only memories; writable memories get them copied at start-up from a
  // const array in the external flash (or the internal flash when the board has none).
  const Memory* ext_flash = board.external_flash();
  const std::string const_section = ext_flash ? ".ext_flash_weights.tinyops_const" : ".rodata.tinyops_const";
  std::vector<CopyItem> init_copies;
  struct Blob {
    std::string symbol, file, section;
    int32_t align = 16;
  };
  std::vector<Blob> blobs;
  ProjectWriter out(opts.out_dir, &summary);
  for (const PlanBuffer& b : plan.buffers) {
    if (b.kind != BufferKind::Weights) continue;
    if (b.tensor < 0 || b.tensor >= static_cast<int>(g.tensors.size()) || !g.tensor(b.tensor).is_constant())
      return Error{fmt::format("plan buffer '{}' (Weights): tensor {} is not a constant tensor", b.name, b.tensor)};
    const Tensor& t = g.tensor(b.tensor);
    if (static_cast<int64_t>(t.data_size) > b.size)
      return Error{fmt::format("plan buffer '{}' (Weights): {} bytes cannot hold tensor '{}' ({} bytes)", b.name, b.size,
                               t.name, t.data_size)};
    const int mi_idx = mem_index[b.memory];
    MemInfo& mi = mems[static_cast<size_t>(mi_idx)];
    if (mi.place.flash) {
      if (mi.image.empty()) mi.image.assign(static_cast<size_t>(mi.used), 0);
      std::copy(t.data, t.data + t.data_size, mi.image.begin() + b.offset);
    } else {
      Blob blob{fmt::format("tinyops_init_{}", b.id), fmt::format("data/init_{}.bin", b.id), const_section, 16};
      EXPORT_TRY(out.write_bytes(blob.file, std::vector<uint8_t>(t.data, t.data + t.data_size)));
      init_copies.push_back(CopyItem{mi_idx, b.offset, b.size, blob.symbol});
      blobs.push_back(blob);
      summary.init_copy_bytes += b.size;
    }
  }
  for (MemInfo& mi : mems) {
    if (mi.place.flash && mi.used > 0) {
      if (mi.image.empty()) mi.image.assign(static_cast<size_t>(mi.used), 0);
      const std::string file = fmt::format("data/mem_{}.bin", cemit::ident(mi.board_memory->name));
      EXPORT_TRY(out.write_bytes(file, mi.image));
      blobs.push_back(Blob{mi.symbol, file, mi.place.section, mi.alignment});
    }
  }

  // Inputs: copied from the embedded input (or zero-filled) into the input buffers before the inference.
  std::vector<CopyItem> input_copies;
  if (plan.input_buffers.size() != g.inputs.size())
    return Error{fmt::format("plan has {} input buffers, the graph {} inputs", plan.input_buffers.size(), g.inputs.size())};
  int64_t total_in = 0;
  for (int id : g.inputs) total_in += static_cast<int64_t>(g.tensor(id).bytes());
  if (!opts.input.empty() && static_cast<int64_t>(opts.input.size()) != total_in)
    return Error{fmt::format("export: input has {} bytes, the model's inputs need {}", opts.input.size(), total_in)};
  if (!opts.input.empty()) {
    EXPORT_TRY(out.write_bytes("data/input.bin", opts.input));
    blobs.push_back(Blob{"tinyops_input", "data/input.bin", const_section, 16});
  }
  int64_t in_pos = 0;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int bid = plan.input_buffers[i];
    if (bid < 0 || bid >= static_cast<int>(plan.buffers.size()))
      return Error{fmt::format("plan input buffer {} of input {} does not exist", bid, i)};
    const PlanBuffer& b = plan.buffers[static_cast<size_t>(bid)];
    const int64_t bytes = static_cast<int64_t>(g.tensor(g.inputs[i]).bytes());
    if (b.size < bytes)
      return Error{fmt::format("plan input buffer '{}' has {} bytes, input '{}' needs {}", b.name, b.size,
                               g.tensor(g.inputs[i]).name, bytes)};
    input_copies.push_back(CopyItem{mem_index[b.memory], b.offset, bytes,
                                    opts.input.empty() ? "" : fmt::format("tinyops_input + {}", in_pos)});
    in_pos += bytes;
  }
  std::vector<CopyItem> outputs;
  if (plan.output_buffers.size() != g.outputs.size())
    return Error{fmt::format("plan has {} output buffers, the graph {} outputs", plan.output_buffers.size(), g.outputs.size())};
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const int bid = plan.output_buffers[i];
    if (bid < 0 || bid >= static_cast<int>(plan.buffers.size()))
      return Error{fmt::format("plan output buffer {} of output {} does not exist", bid, i)};
    const PlanBuffer& b = plan.buffers[static_cast<size_t>(bid)];
    outputs.push_back(CopyItem{mem_index[b.memory], b.offset, static_cast<int64_t>(g.tensor(g.outputs[i]).bytes()), ""});
  }

  // ---- model_images.S: the initialised images, by .incbin ----
  {
    std::string s =
        "/* Generated by tinyops export: weights images and the embedded input (.incbin of data/*.bin). */\n";
    for (const Blob& b : blobs) {
      s += fmt::format(
          "#if defined(__arm__)\n  .section {0},\"a\",%progbits\n#else\n  .section .rodata\n#endif\n"
          "  .balign {1}\n  .global {2}\n  .type {2}, %object\n{2}:\n  .incbin \"{3}\"\n  .size {2}, . - {2}\n\n",
          b.section, b.align, b.symbol, b.file);
    }
    s += "#if defined(__linux__) && defined(__ELF__)\n  .section .note.GNU-stack,\"\",%progbits\n#endif\n";
    EXPORT_TRY(out.write("model_images.S", s));
  }

  // ---- model_data.cpp: memories, tables, KernelArgs, plan tables, copies ----
  std::string hdr, src;
  hdr += fmt::format(
      "// Generated by tinyops export: model '{}', board '{}', strategy '{}'. Do not edit.\n"
      "#pragma once\n#include <stddef.h>\n#include <stdint.h>\n\nnamespace tinyops_fw {{\n\n"
      "// A byte range of a memory filled before the inference from src (nullptr: zeros).\n"
      "struct Copy {{\n  uint32_t memory;\n  uint32_t offset;\n  const uint8_t* src;\n  uint32_t bytes;\n}};\n"
      "struct Span {{\n  uint32_t memory;\n  uint32_t offset;\n  uint32_t bytes;\n}};\n\n"
      "constexpr uint32_t kNumMemories = {};\n"
      "extern uint8_t* const memory_base[kNumMemories];  // one array per plan memory (nullptr when unused)\n"
      "extern const Copy init_copies[];\nextern const uint32_t num_init_copies;\n"
      "extern const Copy input_copies[];\nextern const uint32_t num_input_copies;\n"
      "extern const Span outputs[];\nextern const uint32_t num_outputs;\n\n"
      "// Runs every step of the plan; false with a message in err on a failed step.\n"
      "bool run_inference(char* err, size_t err_size);\n\n}}  // namespace tinyops_fw\n",
      plan.model, plan.board, plan.strategy, std::max<size_t>(mems.size(), 1));

  src += "// Generated by tinyops export. Do not edit.\n#include \"model_data.h\"\n\n"
         "#include \"kernels/kernel.h\"\n#include \"tinyops_dma.h\"\n#include \"tinyops_marker.h\"\n\n"
         "#if defined(__arm__)\n#define TINYOPS_SECTION(s) __attribute__((section(s)))\n#else\n"
         "#define TINYOPS_SECTION(s)\n#endif\n\n";
  // Memories.
  src += "// ---- memories (arrays at the plan's offsets) ----\n";
  for (const Blob& b : blobs) src += fmt::format("extern \"C\" const uint8_t {}[];\n", b.symbol);
  for (MemInfo& mi : mems) {
    ExportedMemory em{mi.board_memory->name, mi.place.region, mi.place.section, mi.used, mi.place.flash};
    summary.memories.push_back(em);
    if (mi.used == 0 || mi.place.flash) continue;
    src += fmt::format("TINYOPS_SECTION(\"{}\") alignas({}) uint8_t {}[{}];\n", mi.place.section, mi.alignment,
                       mi.symbol, mi.used);
  }
  src += "\nnamespace tinyops_fw {\n\nuint8_t* const memory_base[kNumMemories] = {\n";
  for (const MemInfo& mi : mems) {
    if (mi.used == 0) src += fmt::format("    nullptr,  // {}: unused\n", mi.board_memory->name);
    else if (mi.place.flash)
      src += fmt::format("    const_cast<uint8_t*>({}),  // {} ({}), read-only\n", mi.symbol, mi.board_memory->name,
                         mi.place.region);
    else src += fmt::format("    {},  // {} ({})\n", mi.symbol, mi.board_memory->name, mi.place.region);
  }
  if (mems.empty()) src += "    nullptr,\n";
  src += "};\n\n";
  auto copies_text = [](const char* name, const std::vector<CopyItem>& items, bool with_src) {
    std::string s = fmt::format("const {} {}[] = {{\n", with_src ? "Copy" : "Span", name);
    for (const CopyItem& c : items) {
      if (with_src)
        s += fmt::format("    {{{}, {}, {}, {}}},\n", c.memory, c.offset, c.src.empty() ? "nullptr" : c.src, c.bytes);
      else s += fmt::format("    {{{}, {}, {}}},\n", c.memory, c.offset, c.bytes);
    }
    if (items.empty()) s += with_src ? "    {0, 0, nullptr, 0},\n" : "    {0, 0, 0},\n";
    s += fmt::format("}};\nconst uint32_t num_{} = {};\n\n", name, items.size());
    return s;
  };
  src += copies_text("init_copies", init_copies, true);
  src += copies_text("input_copies", input_copies, true);
  src += copies_text("outputs", outputs, false);
  src += "}  // namespace tinyops_fw\n\n";

  // Per-op constant tables and KernelArgs.
  src += "// ---- per-op constant tables (internal flash) ----\n";
  std::vector<std::string> args_init(prepared.size());
  for (size_t i = 0; i < prepared.size(); ++i) {
    const PreparedOp& op = prepared[i];
    std::map<const void*, std::string> names;
    for (const PreparedTable& t : op.tables()) {
      const std::string name = fmt::format("tinyops_op{}_{}", op.op_index, cemit::ident(t.name));
      const size_t count = t.bytes / static_cast<size_t>(elem_size(t.type));
      src += fmt::format("alignas(4) static const {} {}[{}] = {{\n{}}};\n", cemit::ctype(t.type), name, count,
                         cemit::array_body(t.data, count, t.type, "    "));
      names[t.data] = name;
      summary.table_bytes += static_cast<int64_t>(t.bytes);
    }
    auto init = kernel_args_initializer(op, [&](const void* p) -> Result<std::string> {
      if (!p) return std::string("nullptr");
      auto it = names.find(p);
      if (it == names.end()) return Error{fmt::format("op {}: pointer is not one of the op's tables", op.op_index)};
      return it->second;
    });
    if (!init.ok()) return Error{fmt::format("export: op {}: {}", op.op_index, init.error().message)};
    args_init[i] = init.value();
  }
  src += "\n// ---- KernelArgs per op (graph op order) ----\n";
  if (prepared.size() != g.ops.size()) return Error{"export: prepare_graph returned a different number of ops"};
  src += fmt::format("static const tinyops::KernelArgs tinyops_args[{}] = {{\n", std::max<size_t>(prepared.size(), 1));
  for (size_t i = 0; i < prepared.size(); ++i) {
    if (prepared[i].op_index != static_cast<int>(i))
      return Error{fmt::format("export: prepared op {} has op index {}", i, prepared[i].op_index)};
    src += fmt::format("    /* op {} {} */ {},\n", prepared[i].op_index, kernel_kind_name(prepared[i].args.kind),
                       args_init[i]);
  }
  src += "};\n\n";

  // Plan steps and the inference loop (executor_core).
  // The step tables can be large (MobileNetV2: ~1 MB): external flash when the board has one.
  PlanEmitInput pe{g, board, plan, prepared, mems.size(), ext_flash ? ".ext_flash_weights.tinyops_plan" : ""};
  auto steps = emit_plan_tables(pe);
  if (!steps.ok()) return steps.error();
  src += steps.value().source;
  summary.step_count = static_cast<int64_t>(plan.steps.size());
  EXPORT_TRY(out.write("model_data.h", hdr));
  EXPORT_TRY(out.write("model_data.cpp", src));

  // ---- linker script, build files, sources ----
  std::vector<const Memory*> extra;
  for (const MemInfo& mi : mems)
    if (mi.place.extra && mi.used > 0) extra.push_back(mi.board_memory);
  auto ld_tmpl = read_text(tmpl_dir / "tinyops_firmware.ld.in");
  if (!ld_tmpl.ok()) return ld_tmpl.error();
  auto ld = fill_linker(board, ld_tmpl.value(), opts.stack_bytes, opts.heap_bytes, extra);
  if (!ld.ok()) return ld.error();
  EXPORT_TRY(out.write("firmware.ld", ld.value()));

  auto cm = read_text(tmpl_dir / "firmware_CMakeLists.txt.in");
  if (!cm.ok()) return cm.error();
  std::string cmake = cm.value();
  cmake = replace_all(cmake, "@MODEL_NAME@", plan.model);
  cmake = replace_all(cmake, "@BOARD_NAME@", plan.board);
  cmake = replace_all(cmake, "@STRATEGY@", plan.strategy);
  cmake = replace_all(cmake, "@CPU@", cpu);
  EXPORT_TRY(out.write("CMakeLists.txt", cmake));

  const std::pair<const char*, const char*> template_files[] = {
      {"arm-none-eabi.cmake", "arm-none-eabi.cmake"}, {"startup.c", "startup.c"},
      {"tinyops_marker.h", "tinyops_marker.h"},       {"tinyops_marker.c", "tinyops_marker.c"},
      {"firmware_main.cpp.in", "main.cpp"},           {"tinyops_dma.h.in", "tinyops_dma.h"},
      {"tinyops_dma.cpp.in", "tinyops_dma.cpp"}};
  for (const auto& [from, to] : template_files) EXPORT_TRY(out.copy(tmpl_dir / from, to));
  // Kernel sources (portable + arch-specific) and the shared step loop.
  for (const auto& e : fs::recursive_directory_iterator(src_root / "src" / "kernels")) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".h" && ext != ".cpp") continue;
    const std::string rel = fs::relative(e.path(), src_root).generic_string();
    EXPORT_TRY(out.copy(e.path(), rel));
  }
  for (const char* f : kRuntimeSources) EXPORT_TRY(out.copy(src_root / f, f));

  // ---- export.json: what the benchmarks attribute per-op counts with ----
  nlohmann::json j;
  j["model"] = plan.model;
  j["board"] = plan.board;
  j["strategy"] = plan.strategy;
  j["cpu"] = cpu;
  j["steps"] = plan.steps.size();
  j["table_bytes"] = summary.table_bytes;
  j["init_copy_bytes"] = summary.init_copy_bytes;
  for (const ExportedMemory& m : summary.memories)
    j["memories"].push_back({{"name", m.name}, {"region", m.region}, {"section", m.section}, {"bytes", m.bytes},
                             {"image", m.image}});
  for (const Op& op : g.ops) {
    nlohmann::json o = {{"index", op.index}, {"kind", op_name(op.kind)}, {"macs", op_macs(g, op)}};
    j["ops"].push_back(o);
  }
  EXPORT_TRY(out.write("export.json", j.dump(2) + "\n"));
  return summary;
}

}  // namespace tinyops
