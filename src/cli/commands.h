// Each `tinyops` subcommand registers itself on the CLI11 app; main.cpp lists them.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace tinyops::cli {

void add_inspect_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_zoo_command(CLI::App& app);
void add_explore_command(CLI::App& app);

// Prints "error: <message>" to stderr and returns the exit code for failures.
int report_error(const std::string& message);

}  // namespace tinyops::cli
