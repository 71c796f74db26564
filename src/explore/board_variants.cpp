#include "explore/board_variants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tinyops {

Result<BoardVariant> make_board_variant(const Board& base, int64_t sram_bytes, double bandwidth_scale) {
  const Memory* sram = base.sram();
  if (!sram) return Error{"board '" + base.name + "' has no SRAM role memory to resize"};
  if (sram_bytes <= 0) return Error{fmt::format("SRAM size must be positive, found {}", sram_bytes)};
  if (!(bandwidth_scale > 0)) return Error{fmt::format("bandwidth scale must be positive, found {}", bandwidth_scale)};
  nlohmann::json j = board_to_json(base);
  const std::string name = fmt::format("{}-sram{}k-bw{}x", base.name, sram_bytes / 1024, bandwidth_scale);
  auto scaled = [&](const nlohmann::json& v) {
    return static_cast<uint64_t>(std::llround(v.get<double>() * bandwidth_scale));
  };
  std::vector<std::string> ext;
  for (Role r : {Role::ExternalRam, Role::ExternalFlash})
    if (const Memory* m = base.role(r)) ext.push_back(m->name);
  for (auto& m : j["memories"]) {
    const std::string n = m["name"].get<std::string>();
    if (n == sram->name) m["size"] = sram_bytes;
    if (std::find(ext.begin(), ext.end(), n) != ext.end()) {
      m["read_bandwidth"] = scaled(m["read_bandwidth"]);
      if (m.contains("write_bandwidth")) m["write_bandwidth"] = scaled(m["write_bandwidth"]);
    }
  }
  for (auto& d : j["dma"]) d["bandwidth"] = scaled(d["bandwidth"]);
  j["name"] = name;
  j["description"] = fmt::format("{} with {} KB SRAM and {}x external memory and DMA bandwidth (derived)",
                                 base.name, sram_bytes / 1024, bandwidth_scale);
  auto b = parse_board_json(j.dump(), name);
  if (!b.ok()) return b.error();
  BoardVariant v;
  v.board = std::move(b.value());
  v.board.origin = "derived from " + (base.origin.empty() ? base.name : base.origin);
  v.sram_bytes = sram_bytes;
  v.bandwidth_scale = bandwidth_scale;
  return v;
}

Result<std::vector<BoardVariant>> make_board_variants(const Board& base, const std::vector<int64_t>& sram_sizes,
                                                      const std::vector<double>& bandwidth_scales) {
  std::vector<BoardVariant> out;
  for (int64_t s : sram_sizes)
    for (double k : bandwidth_scales) {
      auto v = make_board_variant(base, s, k);
      if (!v.ok()) return v.error();
      out.push_back(std::move(v.value()));
    }
  return out;
}

std::vector<size_t> minimal_variants(const std::vector<BoardVariant>& variants, const std::vector<bool>& ok) {
  std::vector<size_t> out;
  for (size_t i = 0; i < variants.size(); ++i) {
    if (!ok[i]) continue;
    bool dominated = false;
    for (size_t j = 0; j < variants.size() && !dominated; ++j) {
      if (j == i || !ok[j]) continue;
      const auto& a = variants[j];
      const auto& b = variants[i];
      dominated = a.sram_bytes <= b.sram_bytes && a.bandwidth_scale <= b.bandwidth_scale &&
                  (a.sram_bytes < b.sram_bytes || a.bandwidth_scale < b.bandwidth_scale);
    }
    if (!dominated) out.push_back(i);
  }
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    if (variants[a].sram_bytes != variants[b].sram_bytes) return variants[a].sram_bytes < variants[b].sram_bytes;
    return variants[a].bandwidth_scale < variants[b].bandwidth_scale;
  });
  return out;
}

}  // namespace tinyops
