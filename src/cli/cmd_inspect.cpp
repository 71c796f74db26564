#include <iostream>

#include "cli/commands.h"
#include "model/summary.h"
#include "model/tflite_reader.h"

namespace tinyops::cli {

void add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Per-layer shapes, MACs, weight and activation bytes of a .tflite model");
  auto model = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "int8/uint8 .tflite model")->required();
  cmd->add_flag("--json", *json, "Print one JSON object instead of the table");
  cmd->callback([model, json]() {
    auto g = load_tflite(*model);
    if (!g.ok()) std::exit(report_error(g.error().message));
    if (*json)
      std::cout << graph_summary_json(g.value()).dump(1) << "\n";
    else
      std::cout << *model << "\n" << graph_summary_table(g.value());
  });
}

}  // namespace tinyops::cli
