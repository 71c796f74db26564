// libFuzzer target: the importer and op preparation must reject any byte string cleanly.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/tflite_reader.h"
#include "runtime/prepare.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(data, data + size);
  auto g = tinyops::read_tflite(bytes);
  if (g.ok()) (void)tinyops::prepare_graph(g.value());
  return 0;
}
