// libFuzzer target: parse_board_json must never crash or throw, and anything it accepts must
// serialise and parse back to an equal board.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "board/board.h"
// Compiled into this target so the parser itself is coverage-instrumented: the fuzz targets get
// -fsanitize=fuzzer but tinyops_core does not. The library's copy of board.cpp.o is then never
// pulled from the archive (every symbol it defines is already defined here).
#include "board/board.cpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // nlohmann throws; parse_board_json catches at its boundary, so nothing may escape here.
  auto board = tinyops::parse_board_json(text, "fuzz.json");
  if (!board.ok()) {
    if (board.error().message.empty()) std::abort();  // every error must say something
    return 0;
  }
  const std::string again_text = tinyops::board_to_json(*board).dump();
  auto again = tinyops::parse_board_json(again_text, "fuzz-roundtrip.json");
  if (!again.ok() || !(*again == *board)) std::abort();  // round trip must be exact
  return 0;
}
