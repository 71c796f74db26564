// `tinyops zoo FAMILY --width W --resolution R [--classes N] [--softmax] -o model.tflite` and
// `tinyops zoo --list`: write a zoo model (synthetic int8 weights) as a .tflite file.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "model/graph.h"
#include "model/tflite_writer.h"
#include "model/zoo/zoo.h"

namespace tinyops::cli {

void add_zoo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("zoo", "Write a model of a published CNN family (synthetic int8 weights) as .tflite");
  struct Opts {
    std::string family, out;
    double width = 0;    // 0 = the family's default
    int resolution = 0;  // 0 = the family's default
    int classes = 1000;
    bool softmax = false, list = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("family", o->family, "model family (see --list)");
  cmd->add_option("--width", o->width, "width multiplier (default: the family's)");
  cmd->add_option("--resolution", o->resolution, "square input size in pixels (default: the family's)");
  cmd->add_option("--classes", o->classes, "number of output classes")->capture_default_str();
  cmd->add_flag("--softmax", o->softmax, "append a SOFTMAX after the logits");
  cmd->add_option("-o,--output", o->out, "output .tflite path");
  cmd->add_flag("--list", o->list, "list the families with their default width and resolution");
  cmd->callback([o]() {
    if (o->list) {
      std::cout << fmt::format("{:<20} {:>6} {:>11}  {}\n", "family", "width", "resolution", "about");
      for (const ZooFamily& f : zoo_families())
        std::cout << fmt::format("{:<20} {:>6.2f} {:>11}  {}\n", f.name, f.width, f.resolution, f.about);
      return;
    }
    std::string names;
    const ZooFamily* fam = nullptr;
    for (const ZooFamily& f : zoo_families()) {
      names += (names.empty() ? "" : ", ") + f.name;
      if (f.name == o->family) fam = &f;
    }
    if (o->family.empty()) std::exit(report_error("zoo: give a FAMILY (one of: " + names + ") or --list"));
    if (!fam) std::exit(report_error("unknown zoo family '" + o->family + "'; expected one of: " + names));
    if (o->out.empty()) std::exit(report_error("zoo: give the output path with -o FILE"));
    const double width = o->width > 0 ? o->width : fam->width;
    const int resolution = o->resolution > 0 ? o->resolution : fam->resolution;
    ZooOptions zo;
    zo.softmax = o->softmax;
    auto g = make_zoo_model(fam->name, width, resolution, o->classes, zo);
    if (!g.ok()) std::exit(report_error(g.error().message));
    if (auto s = save_tflite(g.value(), o->out); !s.ok()) std::exit(report_error(s.error().message));
    std::cout << fmt::format("{} width {:.2f} resolution {} classes {}: {:.2f} M MACs, {:.3f} M params, {} ops -> {}\n",
                             fam->name, width, resolution, o->classes, graph_macs(g.value()) / 1e6,
                             graph_params(g.value()) / 1e6, g->ops.size(), o->out);
  });
}

}  // namespace tinyops::cli
