// Firmware export on the host: the generated project's contents, its host build's output against the
// reference interpreter, the linker script, error messages and per-op step attribution.
// (The QEMU runs of the same projects are in tests/export.cmake.)
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "export/args_emit.h"
#include "export/export.h"
#include "export/firmware_run.h"
#include "export/plan_emit.h"
#include "export/export_test_model.h"
#include "plan/planner.h"
#include "runtime/interpreter.h"
#include "runtime/prepare.h"

using namespace tinyops;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> test_input(const Graph& g) {
  std::vector<uint8_t> in(g.tensor(g.inputs[0]).bytes());
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>((7 * i + 3) % 256);
  return in;
}

Board qemu_board() {
  auto b = load_board("qemu-mps2-an500");
  REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message));
  return b.value();
}

Plan plan_for(const Graph& g, const Board& board, Strategy s, int64_t budget) {
  PlanOptions o;
  o.strategy = s;
  o.sram_budget = budget;
  o.model = "export_test_model";
  auto p = make_plan(g, board, o);
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message));
  return p.value();
}

bool cmake_available() { return std::system("command -v cmake >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("export: project files, weights images at the plan's offsets, host build prints the interpreter's bytes") {
  const Graph g = testing::make_export_test_model();
  const Board board = qemu_board();
  const std::vector<uint8_t> input = test_input(g);
  auto ref = run_graph(g, TensorBytes{input});
  REQUIRE(ref.ok());
  const std::string want = hex_string(ref.value()[0]);

  struct Case {
    Strategy strategy;
    int64_t budget;
  };
  for (const Case c : {Case{Strategy::TinyOps, 12 * 1024}, Case{Strategy::External, 0}}) {
    const std::string strategy = strategy_name(c.strategy);
    CAPTURE(strategy);
    const Plan plan = plan_for(g, board, c.strategy, c.budget);
    int dma = 0, partitioned = 0;
    for (const PlanStep& s : plan.steps) dma += s.kind == StepKind::DmaStart;
    for (const OpPlan& o : plan.ops) partitioned += o.partitions > 1;
    if (c.strategy == Strategy::TinyOps) {
      // The budget forces overlays: the export must carry DMA steps and partitions.
      CHECK(dma > 0);
      CHECK(partitioned > 0);
    }
    const fs::path dir = fs::path(TINYOPS_BINARY_DIR) / "export_test" / strategy_name(c.strategy);
    fs::remove_all(dir);
    ExportOptions eo;
    eo.out_dir = dir.string();
    eo.input = input;
    auto r = export_firmware(g, board, plan, eo);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    for (const char* f : {"CMakeLists.txt", "arm-none-eabi.cmake", "firmware.ld", "startup.c", "main.cpp",
                          "model_data.cpp", "model_data.h", "model_images.S", "tinyops_dma.cpp", "tinyops_dma.h",
                          "tinyops_marker.c", "tinyops_marker.h", "export.json", "data/input.bin",
                          "src/kernels/kernel.h", "src/kernels/conv.cpp", "src/runtime/executor_core.cpp"})
      CHECK_MESSAGE(fs::exists(dir / f), f);
    CHECK(read_file(dir / "data/input.bin") == std::string(input.begin(), input.end()));
    CHECK(r.value().step_count == static_cast<int64_t>(plan.steps.size()));

    // Every read-only memory's image holds each Weights buffer's tensor bytes at the buffer's offset.
    int weights_checked = 0;
    for (const PlanBuffer& b : plan.buffers) {
      if (b.kind != BufferKind::Weights) continue;
      const Memory* m = board.memory(b.memory);
      REQUIRE(m);
      REQUIRE_FALSE(m->writable);
      const std::string image = read_file(dir / fmt::format("data/mem_{}.bin", b.memory));
      const Tensor& t = g.tensor(b.tensor);
      REQUIRE(image.size() >= static_cast<size_t>(b.offset) + t.data_size);
      CHECK(image.compare(static_cast<size_t>(b.offset), t.data_size,
                          std::string(reinterpret_cast<const char*>(t.data), t.data_size)) == 0);
      ++weights_checked;
    }
    CHECK(weights_checked > 0);

    // One KernelArgs per op, in op order.
    const std::string data = read_file(dir / "model_data.cpp");
    CHECK(data.find(fmt::format("tinyops::KernelArgs tinyops_args[{}]", g.ops.size())) != std::string::npos);
    CHECK(data.find(fmt::format("kSteps[{}]", plan.steps.size())) != std::string::npos);

    if (!cmake_available()) {
      MESSAGE("SKIPPED host build of the exported project: cmake not found");
      continue;
    }
    FirmwareBuild fb;
    fb.cross = false;
    auto built = build_firmware(dir.string(), fb);
    REQUIRE_MESSAGE(built.ok(), (built.ok() ? "" : built.error().message));
    auto run = run_firmware(built.value().binary, "", "", 120);
    REQUIRE(run.ok());
    CHECK(run.value().exit_code == 0);
    CHECK(run.value().text == "output: " + want + "\n");
    MESSAGE(fmt::format("{}: {} steps ({} DMA starts), host build output == run_graph ({} bytes)",
                        strategy_name(c.strategy), plan.steps.size(), dma, ref.value()[0].size()));
  }
}

TEST_CASE("export: linker script from the board's role memories") {
  const Board board = qemu_board();
  const std::string tmpl =
      read_file(fs::path(TINYOPS_SOURCE_DIR) / "src/export/firmware_template/tinyops_firmware.ld.in");
  REQUIRE(!tmpl.empty());
  auto ld = firmware_linker_script(board, tmpl, 0x1800, 0x200);
  REQUIRE(ld.ok());
  const std::string& s = ld.value();
  CHECK(s.find("FLASH     (rx)  : ORIGIN = 0x00000000,     LENGTH = 1048576") != std::string::npos);
  CHECK(s.find("SRAM      (rwx) : ORIGIN = 0x20000000,      LENGTH = 327680") != std::string::npos);
  CHECK(s.find("EXT_FLASH (rx)  : ORIGIN = 0x60800000, LENGTH = 8388608") != std::string::npos);
  CHECK(s.find("EXT_RAM   (rw)  : ORIGIN = 0x60000000,   LENGTH = 8388608") != std::string::npos);
  CHECK(s.find("__stack_size = 0x1800;") != std::string::npos);
  CHECK(s.find("__heap_min_size = 0x200;") != std::string::npos);
  for (const char* left : {"_ORIGIN@", "_LENGTH@", "SIZE@", "@EXTRA_"}) CHECK(s.find(left) == std::string::npos);

  Board no_ext = board;
  no_ext.roles.external_flash.clear();
  auto ld2 = firmware_linker_script(no_ext, tmpl, 0x1800, 0x200);
  REQUIRE(ld2.ok());
  CHECK(ld2.value().find("EXT_FLASH (rx)  : ORIGIN = 0xFFFFFFF0, LENGTH = 0") != std::string::npos);

  Board no_sram = board;
  no_sram.roles.sram.clear();
  auto bad = firmware_linker_script(no_sram, tmpl, 0x1800, 0x200);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "board 'qemu-mps2-an500' has no sram role memory: the firmware needs one for data and stack");
}

TEST_CASE("export: errors name the problem") {
  const Graph g = testing::make_export_test_model();
  const Board board = qemu_board();
  const Plan plan = plan_for(g, board, Strategy::External, 0);
  ExportOptions eo;
  eo.out_dir = (fs::path(TINYOPS_BINARY_DIR) / "export_test" / "errors").string();

  eo.input = {1, 2, 3, 4, 5};
  auto r = export_firmware(g, board, plan, eo);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "export: input has 5 bytes, the model's inputs need 4800");
  eo.input.clear();

  Plan p2 = plan;
  PlanBuffer* w = nullptr;
  for (PlanBuffer& b : p2.buffers)
    if (b.kind == BufferKind::Weights && !w) w = &b;
  REQUIRE(w);
  const std::string wname = w->name;
  const int64_t used = [&] {
    for (const MemoryUse& m : p2.memories)
      if (m.name == w->memory) return m.used;
    return int64_t{0};
  }();
  w->offset = used;  // past the memory's used bytes
  r = export_firmware(g, board, p2, eo);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == fmt::format("plan buffer '{}': bytes [{}, {}) lie outside the {} used bytes of memory '{}'",
                                         wname, used, used + w->size, used, w->memory));

  Plan p3 = plan;
  for (PlanBuffer& b : p3.buffers)
    if (b.name == wname) b.size -= 1;
  r = export_firmware(g, board, p3, eo);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(fmt::format("plan buffer '{}' (Weights): ", wname)) == 0);
  CHECK(r.error().message.find("cannot hold tensor") != std::string::npos);

  ExportOptions bad_cpu = eo;
  bad_cpu.cpu = "cortex-a53";
  r = export_firmware(g, board, plan, bad_cpu);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "export: unsupported cpu 'cortex-a53' (cortex-m4, cortex-m7 or cortex-m55)");
}

TEST_CASE("export: KernelArgs initializers name the op's tables") {
  const Graph g = testing::make_export_test_model();
  auto prepared = prepare_graph(g);
  REQUIRE(prepared.ok());
  const PreparedOp& conv = prepared.value()[0];  // conv 3x3 stride 2, ReLU6
  REQUIRE(conv.args.kind == KernelKind::Conv2D);
  auto init = kernel_args_initializer(conv, [&](const void* p) -> Result<std::string> {
    if (!p) return std::string("nullptr");
    for (const PreparedTable& t : conv.tables())
      if (t.data == p) return "T_" + t.name;
    return Error{"unknown pointer"};
  });
  REQUIRE(init.ok());
  const std::string& s = init.value();
  CHECK(s.find("{tinyops::KernelKind::Conv2D, {.conv = {.stride_h = 2, .stride_w = 2, .dilation_h = 1") == 0);
  CHECK(s.find(".multiplier = T_multiplier, .shift = T_shift, .bias = T_bias") != std::string::npos);
  // A pointer that is not one of the op's tables is an error, not a dangling address.
  auto bad = kernel_args_initializer(conv, [](const void* p) -> Result<std::string> {
    if (!p) return std::string("nullptr");
    return Error{"not a table"};
  });
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "ConvParams.multiplier: not a table");
}

TEST_CASE("export: steps are attributed to ops (write-backs to the producer, prefetches to the consumer)") {
  Plan p;
  auto buf = [&](BufferKind k) {
    PlanBuffer b;
    b.id = static_cast<int>(p.buffers.size());
    b.kind = k;
    p.buffers.push_back(b);
    return b.id;
  };
  const int ext_in = buf(BufferKind::Activation), tile_in = buf(BufferKind::Tile), tile_out = buf(BufferKind::Tile),
            ext_out = buf(BufferKind::Activation);
  auto compute = [&](int op, int out) {
    PlanStep s;
    s.kind = StepKind::Compute;
    s.compute.op = op;
    s.compute.output.buffer = out;
    p.steps.push_back(s);
  };
  auto dma = [&](StepKind k, int id, int src, int dst) {
    PlanStep s;
    s.kind = k;
    s.dma.dma = id;
    s.dma.src_buffer = src;
    s.dma.dst_buffer = dst;
    p.steps.push_back(s);
  };
  dma(StepKind::DmaStart, 0, ext_in, tile_in);   // 0: prefetch for op 3
  dma(StepKind::DmaWait, 0, -1, -1);             // 1
  compute(3, tile_out);                          // 2
  dma(StepKind::DmaStart, 1, tile_out, ext_out); // 3: write-back of op 3
  dma(StepKind::DmaStart, 2, ext_out, tile_in);  // 4: prefetch for op 4 (reads what op 3 wrote)
  dma(StepKind::DmaWait, 1, -1, -1);             // 5: op 3's write-back
  dma(StepKind::DmaWait, 2, -1, -1);             // 6
  compute(4, tile_out);                          // 7
  const std::vector<StepSegment> segs = step_segments(p);
  REQUIRE(segs.size() == 4);
  CHECK((segs[0].op == 3 && segs[0].first == 0 && segs[0].count == 4));
  CHECK((segs[1].op == 4 && segs[1].first == 4 && segs[1].count == 1));
  CHECK((segs[2].op == 3 && segs[2].first == 5 && segs[2].count == 1));
  CHECK((segs[3].op == 4 && segs[3].first == 6 && segs[3].count == 2));
}
