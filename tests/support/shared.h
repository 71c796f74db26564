// Access to ../shared (real models and references). Tests skip with a message when it is absent.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace tinyops::testing {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("TINYOPS_SHARED")) return env;
  return TINYOPS_SHARED_DIR;
}

// True when ../shared is present; otherwise prints why the caller skips.
inline bool have_shared(const char* what) {
  if (std::filesystem::exists(shared_dir() / "README.md")) return true;
  std::cout << "SKIPPED " << what << ": shared data not found at " << shared_dir()
            << " (set TINYOPS_SHARED to its path)\n";
  return false;
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace tinyops::testing
