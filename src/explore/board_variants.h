// Board variants for "what board do I need": a base board with another SRAM size and/or faster or
// slower external memory. Each variant is re-validated by parse_board_json.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "board/board.h"
#include "util/status.h"

namespace tinyops {

struct BoardVariant {
  Board board;
  int64_t sram_bytes = 0;  // size of the SRAM role memory
  double bandwidth_scale = 1;  // factor on the external memories' and DMA engines' bandwidth
};

// The base board with its SRAM role memory resized to `sram_bytes` and the read/write bandwidth of
// its external_ram and external_flash role memories and of every DMA engine multiplied by
// `bandwidth_scale` (the DMA engine usually limits overlay transfers, so it scales with them).
// Named "<base>-sram<K>k-bw<scale>x". Errors: no SRAM role, size 0, scale <= 0, or the resized
// SRAM overlapping another memory (the validator's message).
Result<BoardVariant> make_board_variant(const Board& base, int64_t sram_bytes, double bandwidth_scale);

// Every combination, SRAM sizes outer.
Result<std::vector<BoardVariant>> make_board_variants(const Board& base, const std::vector<int64_t>& sram_sizes,
                                                      const std::vector<double>& bandwidth_scales);

// Indices of the minimal variants among those marked ok: no other ok variant has SRAM <= and
// bandwidth scale <= with one of them strictly smaller. Sorted by SRAM, then bandwidth.
std::vector<size_t> minimal_variants(const std::vector<BoardVariant>& variants, const std::vector<bool>& ok);

}  // namespace tinyops
