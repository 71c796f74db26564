#include "cli/commands.h"
namespace tinyops::cli {
void add_demo_command(CLI::App&) {}
}  // namespace tinyops::cli
