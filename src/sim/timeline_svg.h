// SVG picture of a simulation: Gantt chart of the CPU lane and the DMA channel lanes (one colour per
// op, time axis in ms), a zoomed window where DMA overlaps compute, and fast-memory (SRAM) occupancy
// over time. Every plan step is one <rect class="step" data-step="i"> in the full chart; every
// transfer one <rect class="dma">.
#pragma once
#include <string>

#include "model/graph.h"
#include "plan/plan.h"
#include "sim/simulator.h"

namespace tinyops {

struct TimelineOptions {
  int width = 1600;        // pixels
  bool zoom = true;        // add the zoomed window panel when the plan has transfers
  double zoom_t0 = -1;     // zoom window in seconds; negative = chosen automatically
  double zoom_t1 = -1;
};

std::string timeline_svg(const SimResult& r, const Graph& g, const Plan& plan, const TimelineOptions& opt = {});

// The window the automatic zoom picks: a few consecutive partitions of the op that moves the most
// DMA bytes (seconds). {0, 0} when the simulation has no transfers.
std::pair<double, double> timeline_zoom_window(const SimResult& r);

}  // namespace tinyops
