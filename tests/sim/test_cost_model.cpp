// Cost model: parameter files (every figure sourced), kernel classes, work of a range, instruction
// formula, and the CPU traffic of operands in slow memories.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "model/builder.h"
#include "sim/cost_model.h"
#include "sim_test_support.h"

using namespace tinyops;

TEST_CASE("every shipped board loads every shipped kernel profile") {
  const auto profiles = kernel_profile_names();
  CHECK(profiles == std::vector<std::string>{"tflm-cmsis-nn", "tinyops"});
  for (const std::string& bname : shipped_board_names()) {
    auto b = load_board(bname);
    REQUIRE(b.ok());
    for (const std::string& p : profiles) {
      auto m = load_cost_model(b.value(), p);
      const std::string what = bname + " " + p + ": " + (m.ok() ? std::string() : m.error().message);
      REQUIRE_MESSAGE(m.ok(), what);
      CHECK(m->core.cycles_per_instruction > 0);
      CHECK(m->params(KernelClass::Conv1x1).per_mac > 0);
      CHECK(m->params(KernelClass::Depthwise3x3).per_mac > 0);
    }
  }
  auto b = load_board("stm32f746g-disco");
  REQUIRE(b.ok());
  auto bad = load_cost_model(b.value(), "nope");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "unknown kernel profile 'nope' (known: tflm-cmsis-nn, tinyops)");
}

TEST_CASE("a figure without a source is refused, as are unknown classes and fields") {
  const std::string base = R"({"kind": "kernel-profile", "name": "x", "per_op": 10,
    "isa": {"armv7e-m": {"classes": {"conv1x1": {"per_mac": 2}}}}, "sources": {SRC}})";
  auto with = [&](const std::string& src) {
    std::string t = base;
    t.replace(t.find("SRC"), 3, src);
    return t;
  };
  auto r = parse_kernel_profile(with(R"("per_op": "estimate")"), "x.json");
  REQUIRE_FALSE(r.ok());  // every class must be present in a base table
  CHECK(r.error().message == "x.json: isa.armv7e-m: kernel class 'conv' missing");

  std::string all = R"({"kind": "kernel-profile", "name": "x", "per_op": 10, "isa": {"armv7e-m": {"classes": {)";
  for (int i = 0; i < kNumKernelClasses; ++i)
    all += std::string(i ? "," : "") + "\"" + kernel_class_name(static_cast<KernelClass>(i)) + "\": {\"per_mac\": 1}";
  all += "}}}, \"sources\": {SRC}}";
  auto with_all = [&](const std::string& src) {
    std::string t = all;
    t.replace(t.find("SRC"), 3, src);
    return t;
  };
  auto ok = parse_kernel_profile(with_all(R"("per_op": "a", "isa.armv7e-m": "b")"), "x.json");
  REQUIRE(ok.ok());
  CHECK(ok->isa.at("armv7e-m")[0].per_mac == 1);
  auto nosrc = parse_kernel_profile(with_all(R"("per_op": "a")"), "x.json");
  REQUIRE_FALSE(nosrc.ok());
  CHECK(nosrc.error().message ==
        "x.json: figure 'isa.armv7e-m.classes.add.per_mac' has no source (add it to \"sources\")");
  std::string unk = with_all(R"("per_op": "a", "isa": "b")");
  unk.replace(unk.find("\"move\""), 6, "\"warp\"");
  auto u = parse_kernel_profile(unk, "x.json");
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().message.find("x.json: isa.armv7e-m: unknown kernel class 'warp'") == 0);
  std::string field = with_all(R"("per_op": "a", "isa": "b")");
  field.replace(field.find("\"move\": {\"per_mac\""), 18, "\"move\": {\"per_max\"");
  auto f = parse_kernel_profile(field, "x.json");
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().message ==
        "x.json: isa.armv7e-m.move: unknown field 'per_max' (expected per_mac, per_output, per_input, per_call, loop, "
        "block)");
}

TEST_CASE("kernel classes and the work of an output range") {
  GraphBuilder gb("classes", 3);
  int x = gb.input({1, 16, 16, 8}, 0.05f, 0);
  int a = gb.conv2d(x, 16, 1, 1);               // conv1x1
  int b = gb.conv2d(a, 16, 3, 2);               // conv (3x3 s2)
  int c = gb.depthwise(b, 3, 1);                // depthwise3x3
  int d = gb.depthwise(c, 5, 1);                // depthwise
  int e = gb.conv2d(d, 8, 1, 2);                // 1x1 stride 2: conv
  int f = gb.avg_pool(e, 0, 1);
  int h = gb.fully_connected(gb.reshape(f, {1, 8}), 10);
  gb.output(gb.softmax(h));
  Graph g = gb.finish();
  const std::vector<std::string> want = {"conv1x1", "conv", "depthwise3x3", "depthwise", "conv", "pool",
                                         "move",    "fully_connected", "softmax"};
  REQUIRE(g.ops.size() == want.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    CHECK(kernel_class_name(kernel_class_of(g, g.ops[i])) == want[i]);
    const Work w = op_work(g, g.ops[i], full_out_range(g, g.ops[i]));
    CHECK(w.macs == static_cast<double>(op_macs(g, g.ops[i])));
  }
  // Row partitions add up to the whole op; channel partitions too.
  const Op& conv = g.ops[1];  // output [1,8,8,16]
  const Work whole = op_work(g, conv, full_out_range(g, conv));
  const Work top = op_work(g, conv, OutRange{0, 3, 0, 16});
  const Work bottom = op_work(g, conv, OutRange{3, 8, 0, 16});
  CHECK(top.macs + bottom.macs == whole.macs);
  CHECK(top.outputs + bottom.outputs == whole.outputs);
  CHECK(top.in_bytes == (2 * 2 + 3) * 16 * 16);  // input rows 0..6 (halo included) x 16 x 16 channels
  const Work left = op_work(g, conv, OutRange{0, 8, 0, 4});
  CHECK(left.macs * 4 == whole.macs);
  CHECK(left.weight_bytes == 4 * 3 * 3 * 16);
}

TEST_CASE("instructions follow the profile's formula; operands in SRAM cost no stall") {
  Board board = simtest::test_board();
  CostModel m = simtest::test_model(board);
  auto& p = m.profile.isa["armv7e-m"][static_cast<size_t>(KernelClass::Conv1x1)];
  p.per_mac = 1.5, p.per_output = 20, p.per_call = 300;
  m.profile.per_op = 50;
  m.core.cycles_per_instruction = 1.25;
  Graph g = simtest::conv_graph();  // 32768 MACs, 2048 outputs
  const StepCost c = op_cost_in_memories(m, g, g.ops[0], "sram", "sram");
  CHECK(c.instructions == 50 + 300 + 1.5 * 32768 + 20 * 2048);
  CHECK(c.compute_cycles == 1.25 * c.instructions);
  CHECK(c.stall_cycles == 0);
  CHECK(c.traffic.empty());
}

TEST_CASE("CMSIS-NN's 1x1 loop re-reads the input per channel pair and re-fills output lines from SDRAM") {
  auto board = load_board("stm32f746g-disco");  // 4 KB D-cache: sets up to 2 KB count as cached
  REQUIRE(board.ok());
  auto m = load_cost_model(board.value(), "tflm-cmsis-nn");
  REQUIRE(m.ok());
  Graph g = simtest::conv_graph(16, 32, 32);  // input and output 16x16x32 = 8 KB each
  const StepCost c = op_cost_in_memories(m.value(), g, g.ops[0], "sdram", "flash");
  std::map<std::string, MemoryTraffic> t;
  for (const auto& x : c.traffic) t[x.memory] = x;
  REQUIRE(t.count("sdram"));
  // Input: 8192 B x 16 channel pairs. Output: 16 passes x 256 pixel lines x 32 B filled and written back.
  CHECK(t["sdram"].read_bytes == 8192 * 16 + 16 * 256 * 32);
  CHECK(t["sdram"].write_bytes == 16 * 256 * 32);
  // Weights (1 KB) stay cached: read once from flash.
  CHECK(t["flash"].read_bytes == 32 * 32);
  // SDRAM line fill: latency 14 + 32 B at 216 MB/s = 46 cycles, minus the SRAM's 2 + 4.
  CHECK(t["sdram"].stall_cycles == doctest::Approx((8192.0 * 16 + 16 * 256 * 32) / 32 * (46 - 6)));
  // The same op with its operands in SRAM: no stall at all, and our kernels' pixel-outer loop reads
  // the input once.
  CHECK(op_cost_in_memories(m.value(), g, g.ops[0], "sram", "sram").stall_cycles == 0);
  auto ours = load_cost_model(board.value(), "tinyops");
  REQUIRE(ours.ok());
  const StepCost o = op_cost_in_memories(ours.value(), g, g.ops[0], "sdram", "sram");
  REQUIRE(o.traffic.size() == 1);
  CHECK(o.traffic[0].read_bytes == 8192);
  CHECK(o.traffic[0].write_bytes == 8192);
}

TEST_CASE("a measured file named by the profile overrides its estimates") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "tinyops_cost_test";
  fs::create_directories(dir);
  fs::copy_file(cost_data_dir() + "/cores.json", dir / "cores.json", fs::copy_options::overwrite_existing);
  fs::copy_file(cost_data_dir() + "/tinyops.json", dir / "tinyops.json", fs::copy_options::overwrite_existing);
  std::ofstream(dir / "tinyops-measured.json")
      << R"({"isa": {"armv7e-m": {"classes": {"conv1x1": {"per_mac": 0.9}, "add": {"per_output": 12}}}}})";
  auto board = load_board("stm32f746g-disco");
  REQUIRE(board.ok());
  auto m = load_cost_model(board.value(), "tinyops", dir.string());
  REQUIRE(m.ok());
  CHECK(m->params(KernelClass::Conv1x1).per_mac == 0.9);
  CHECK(m->params(KernelClass::Add).per_output == 12);
  CHECK(m->params(KernelClass::Conv).per_mac == 2.2);  // untouched
  CHECK(m->profile.merged_files == std::vector<std::string>{"tinyops-measured.json"});
  fs::remove_all(dir);
}
