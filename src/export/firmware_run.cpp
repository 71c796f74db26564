#include "export/firmware_run.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace tinyops {

namespace fs = std::filesystem;

namespace {

std::string quote(const std::string& s) {
  std::string r = "'";
  for (char ch : s) r += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return r + "'";
}

struct Shell {
  int code = -1;
  std::string out;
};

// Runs a shell command, capturing stdout and stderr together.
Shell sh(const std::string& cmd) {
  Shell r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool on_path(const char* tool) { return sh(fmt::format("command -v {} >/dev/null", tool)).code == 0; }

std::string tail(const std::string& s, size_t n) { return s.size() <= n ? s : "..." + s.substr(s.size() - n); }

}  // namespace

std::string firmware_tools_missing() {
  std::string missing;
  for (const char* t : {"cmake", "arm-none-eabi-g++", "qemu-system-arm", "timeout"})
    if (!on_path(t)) missing += (missing.empty() ? "" : ", ") + std::string(t);
  return missing;
}

Result<BuiltFirmware> build_firmware(const std::string& project_dir, const FirmwareBuild& o) {
  const std::string sub = o.build_subdir.empty() ? (o.cross ? "build" : "build-host") : o.build_subdir;
  const fs::path bin = fs::path(project_dir) / sub;
  std::string cfg = fmt::format("cmake -S {} -B {}", quote(project_dir), quote(bin.string()));
  if (o.cross) cfg += " -DCMAKE_TOOLCHAIN_FILE=" + quote((fs::path(project_dir) / "arm-none-eabi.cmake").string());
  cfg += o.markers ? " -DTINYOPS_NO_MARKERS=OFF" : " -DTINYOPS_NO_MARKERS=ON";
  for (const std::string& a : o.cmake_args) cfg += " " + quote(a);
  BuiltFirmware b;
  Shell c = sh(cfg);
  b.log = c.out;
  if (c.code != 0) return Error{fmt::format("configuring {} failed:\n{}", project_dir, tail(c.out, 4000))};
  Shell m = sh(fmt::format("cmake --build {} -j{}", quote(bin.string()), o.jobs));
  b.log += m.out;
  if (m.code != 0) return Error{fmt::format("building {} failed:\n{}", project_dir, tail(m.out, 6000))};
  b.binary = (bin / (o.cross ? "firmware.elf" : "firmware_host")).string();
  if (!fs::exists(b.binary) && o.cmake_args.empty())
    return Error{fmt::format("build of {} produced no {}", project_dir, b.binary)};
  return b;
}

Result<InsnCounts> parse_insn_counts(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    InsnCounts c;
    c.total = j.at("total").get<int64_t>();
    c.pre_marker = j.at("pre_marker").get<int64_t>();
    for (const auto& m : j.at("markers")) c.markers[m.at("id").get<int64_t>()] += m.at("insns").get<int64_t>();
    return c;
  } catch (const std::exception& e) {
    return Error{std::string("instruction counts JSON: ") + e.what()};
  }
}

Result<FirmwareRun> run_firmware(const std::string& binary, const std::string& machine, const std::string& plugin,
                                 int timeout_seconds) {
  FirmwareRun r;
  const std::string json = binary + ".counts.json";
  std::string cmd;
  if (machine.empty()) {
    cmd = fmt::format("timeout {} {}", timeout_seconds, quote(binary));
  } else {
    cmd = fmt::format("timeout {} qemu-system-arm -M {} -nographic -semihosting-config enable=on,target=native -kernel {}",
                      timeout_seconds, machine, quote(binary));
    if (!plugin.empty()) {
      fs::remove(json);
      cmd += " -plugin " + quote(plugin + ",out=" + json);
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  Shell s = sh(cmd);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.exit_code = s.code;
  r.text = s.out;
  std::smatch m;
  if (std::regex_search(r.text, m, std::regex("output: ([0-9a-f]*)"))) r.output_hex = m[1];
  if (!machine.empty() && !plugin.empty()) {
    std::ifstream f(json);
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      auto c = parse_insn_counts(ss.str());
      if (!c.ok()) return c.error();
      r.counts = c.value();
      r.has_counts = true;
    }
  }
  return r;
}

Result<std::map<std::string, int64_t>> elf_section_sizes(const std::string& elf) {
  Shell s = sh(fmt::format("arm-none-eabi-size -A -d {}", quote(elf)));
  if (s.code != 0) return Error{"arm-none-eabi-size failed: " + tail(s.out, 1000)};
  std::map<std::string, int64_t> sizes;
  std::istringstream in(s.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    int64_t size = 0;
    if (ls >> name >> size && !name.empty() && name[0] == '.') sizes[name] = size;
  }
  return sizes;
}

std::string hex_string(const std::vector<uint8_t>& bytes) {
  static const char* k = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += k[b >> 4];
    s += k[b & 15];
  }
  return s;
}

}  // namespace tinyops
