// Timeline SVG: well-formed, one rect per plan step, one per transfer, zoom on the overlap.
#include <doctest/doctest.h>

#include <vector>

#include "sim/timeline_svg.h"
#include "sim_test_support.h"

using namespace tinyops;
using namespace tinyops::simtest;

namespace {

// Minimal XML well-formedness: tags nest, attributes are quoted, one root <svg>.
bool well_formed(const std::string& s, std::string* why) {
  std::vector<std::string> stack;
  size_t i = 0;
  int roots = 0;
  while ((i = s.find('<', i)) != std::string::npos) {
    const size_t j = s.find('>', i);
    if (j == std::string::npos) return *why = "unterminated tag", false;
    std::string tag = s.substr(i + 1, j - i - 1);
    i = j + 1;
    if (tag.empty()) return *why = "empty tag", false;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return *why = "mismatched </" + name + ">", false;
      stack.pop_back();
      continue;
    }
    const bool self = tag.back() == '/';
    const std::string name = tag.substr(0, tag.find_first_of(" /"));
    size_t quotes = 0;
    for (char c : tag) quotes += c == '\'' || c == '"';
    if (quotes % 2) return *why = "unbalanced quotes in <" + name + ">", false;
    if (stack.empty()) ++roots;
    if (!self) stack.push_back(name);
  }
  if (!stack.empty()) return *why = "unclosed <" + stack.back() + ">", false;
  if (roots != 1) return *why = "expected one root element", false;
  return true;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("timeline SVG is well-formed with one rect per step and per transfer") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {dma_start(0, 0, 3, 5, 1000), compute_step(g), dma_start(1, 1, 4, 6, 500), dma_wait(0),
             compute_step(g),             dma_wait(1)};
  for (int i = 0; i < 3; ++i) p.buffers[static_cast<size_t>(i)].last_step = 5;  // input, weights, output
  p.buffers[5].first_step = 0, p.buffers[5].last_step = 3;
  p.buffers[6].first_step = 2, p.buffers[6].last_step = 5;
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  const std::string svg = timeline_svg(r.value(), g, p);
  std::string why;
  CHECK_MESSAGE(well_formed(svg, &why), why);
  CHECK(svg.rfind("<svg xmlns='http://www.w3.org/2000/svg'", 0) == 0);
  CHECK(count(svg, "class='step'") == p.steps.size());
  for (size_t i = 0; i < p.steps.size(); ++i)
    CHECK_MESSAGE(count(svg, "class='step' data-step='" + std::to_string(i) + "'") == 1, i);
  CHECK(count(svg, "class='dma'") == 2);
  CHECK(count(svg, "class='step-zoom'") > 0);  // the zoom panel exists when there are transfers
  CHECK(svg.find("DMA ch1") != std::string::npos);
  CHECK(svg.find("class='sram'") != std::string::npos);
  // Occupancy: tiles live from their first step to their last; their sizes add up at the overlap.
  int64_t peak = 0;
  for (const SramSample& s : r->sram) peak = std::max(peak, s.bytes);
  CHECK(peak == p.buffers[0].size + p.buffers[1].size + p.buffers[2].size + 2 * (1 << 20));
}

TEST_CASE("timeline without transfers has no zoom panel") {
  Board b = test_board();
  Graph g = conv_graph();
  Plan p = base_plan(g);
  p.steps = {compute_step(g)};
  auto r = simulate(g, p, test_model(b));
  REQUIRE(r.ok());
  const std::string svg = timeline_svg(r.value(), g, p);
  std::string why;
  CHECK_MESSAGE(well_formed(svg, &why), why);
  CHECK(count(svg, "class='step'") == 1);
  CHECK(count(svg, "-zoom") == 0);
  CHECK(timeline_zoom_window(r.value()) == std::pair<double, double>{0, 0});
}
