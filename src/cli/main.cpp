#include <iostream>

#include "cli/commands.h"

namespace tinyops::cli {
int report_error(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}
}  // namespace tinyops::cli

int main(int argc, char** argv) {
  CLI::App app{"TinyOps: run int8 .tflite networks on microcontrollers with external memory"};
  app.require_subcommand(1);
  tinyops::cli::add_inspect_command(app);
  tinyops::cli::add_run_command(app);
  tinyops::cli::add_demo_command(app);
  tinyops::cli::add_plan_command(app);
  tinyops::cli::add_export_command(app);
  tinyops::cli::add_simulate_command(app);
  tinyops::cli::add_compare_command(app);
  tinyops::cli::add_zoo_command(app);
  tinyops::cli::add_explore_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
