#include "sim/timeline_svg.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

namespace tinyops {

namespace {

std::string op_colour(int op) {
  if (op < 0) return "#999999";
  const double hue = std::fmod(op * 137.508, 360.0);  // golden angle: neighbours differ strongly
  const int light = 45 + (op % 3) * 8;
  return fmt::format("hsl({:.0f},70%,{}%)", hue, light);
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

double nice_step(double span, int target) {
  const double raw = span / std::max(1, target);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

struct Panel {
  double x0, x1;  // pixel range of the time axis
  double t0, t1;  // seconds shown
  double x(double t) const { return x0 + (t - t0) / std::max(1e-12, t1 - t0) * (x1 - x0); }
};

void time_axis(std::ostringstream& o, const Panel& p, double y, double top) {
  const double span_ms = (p.t1 - p.t0) * 1e3;
  const double step = nice_step(span_ms, 10);
  o << fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>\n", p.x0, y, p.x1, y);
  const double first = std::ceil(p.t0 * 1e3 / step) * step;
  for (double ms = first; ms <= p.t1 * 1e3 + 1e-9; ms += step) {
    const double x = p.x(ms / 1e3);
    o << fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#ddd'/>\n", x, top, x, y);
    o << fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>\n", x, y, x, y + 4);
    const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
    o << fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='middle'>{:.{}f}</text>\n", x, y + 16,
                     ms, decimals);
  }
  o << fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='end'>ms</text>\n", p.x1, y + 30);
}

// Draws the lanes of [p.t0, p.t1]. `cls_suffix` keeps the zoom panel's rects apart from the
// one-rect-per-step full chart.
void lanes(std::ostringstream& o, const SimResult& r, const Panel& p, double y, double lane_h, double gap,
           const std::string& cls_suffix, bool label_ops) {
  const int nl = 1 + r.dma_lanes;
  for (int l = 0; l < nl; ++l) {
    const double ly = y + l * (lane_h + gap);
    o << fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='#f4f4f4'/>\n", p.x0, ly,
                     p.x1 - p.x0, lane_h);
    o << fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='12' text-anchor='end'>{}</text>\n", p.x0 - 6,
                     ly + lane_h / 2 + 4, l == 0 ? "CPU" : fmt::format("DMA ch{}", l - 1));
  }
  o << "<g>\n";
  for (const LaneEvent& e : r.events) {
    if (e.t1 < p.t0 || e.t0 > p.t1) continue;
    const double a = p.x(std::max(e.t0, p.t0)), b = p.x(std::min(e.t1, p.t1));
    const double ly = y + e.lane * (lane_h + gap);
    double w = std::max(0.0, b - a);
    std::string fill, cls, extra;
    double h = lane_h, yy = ly;
    switch (e.kind) {
      case LaneEventKind::Compute:
        fill = op_colour(e.op), cls = "step", w = std::max(w, 0.15);
        break;
      case LaneEventKind::DmaSetup:
        fill = "#555555", cls = "step", h = lane_h * 0.35, yy = ly + lane_h * 0.65;
        break;
      case LaneEventKind::DmaWait:
        fill = "#e00000", cls = "step";
        break;
      case LaneEventKind::Transfer:
        fill = op_colour(e.op), cls = "dma", w = std::max(w, 0.15);
        if (w >= 4) extra = " stroke='#000' stroke-width='0.5'";  // outlines only where they do not swamp the colour
        break;
    }
    o << fmt::format("<rect class='{}{}' data-step='{}' x='{:.2f}' y='{:.1f}' width='{:.2f}' height='{:.1f}' "
                     "fill='{}'{}><title>",
                     cls, cls_suffix, e.step, a, yy, w, h, fill, extra);
    const char* what = e.kind == LaneEventKind::Compute    ? "compute"
                       : e.kind == LaneEventKind::DmaSetup ? "DMA setup"
                       : e.kind == LaneEventKind::DmaWait  ? "DMA wait"
                                                           : "transfer";
    o << fmt::format("step {} {} op {} {:.3f}-{:.3f} ms", e.step, what, e.op, e.t0 * 1e3, e.t1 * 1e3);
    if (e.bytes) o << fmt::format(" {} B", e.bytes);
    if (e.stall > 0) o << fmt::format(" (stall {:.3f} ms)", e.stall * 1e3);
    o << "</title></rect>\n";
    if (e.kind == LaneEventKind::Compute && e.stall > 0 && e.t1 > e.t0) {
      // Darker band along the bottom: the share of the step spent stalled on slow memory.
      const double frac = std::min(1.0, e.stall / (e.t1 - e.t0));
      o << fmt::format("<rect class='stall{}' x='{:.2f}' y='{:.1f}' width='{:.2f}' height='{:.1f}' fill='#000' "
                       "fill-opacity='0.45'/>\n",
                       cls_suffix, a, ly + lane_h * (1 - 0.5 * frac), w, lane_h * 0.5 * frac);
    }
  }
  o << "</g>\n";
  if (label_ops) {
    // Op numbers over wide runs of one op on the CPU lane.
    std::map<int, std::pair<double, double>> span;
    for (const LaneEvent& e : r.events) {
      if (e.kind != LaneEventKind::Compute || e.t1 < p.t0 || e.t0 > p.t1) continue;
      auto it = span.find(e.op);
      if (it == span.end()) span[e.op] = {e.t0, e.t1};
      else it->second = {std::min(it->second.first, e.t0), std::max(it->second.second, e.t1)};
    }
    for (const auto& [op, s] : span) {
      const double a = p.x(std::max(s.first, p.t0)), b = p.x(std::min(s.second, p.t1));
      if (b - a < 22) continue;
      o << fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='10' text-anchor='middle' fill='#fff'>{}</text>\n",
                       (a + b) / 2, y + lane_h / 2 + 4, op);
    }
  }
}

}  // namespace

std::pair<double, double> timeline_zoom_window(const SimResult& r) {
  // The op where transfers and computation are both substantial (largest min(compute, transfer
  // time)), then the time from its first transfer to the end of its ~6th compute step.
  std::map<int, double> xfer, comp;
  for (const LaneEvent& e : r.events) {
    if (e.op < 0) continue;
    if (e.kind == LaneEventKind::Transfer) xfer[e.op] += e.t1 - e.t0;
    if (e.kind == LaneEventKind::Compute) comp[e.op] += e.t1 - e.t0;
  }
  if (xfer.empty()) return {0, 0};
  int best = -1;
  double score = -1;
  for (const auto& [op, x] : xfer) {
    const double sc = std::min(x, comp[op]) + 1e-6 * x;
    if (sc > score) score = sc, best = op;
  }
  double t0 = 1e300, t1 = 0;
  int computes = 0;
  for (const LaneEvent& e : r.events) {
    if (e.op != best) continue;
    if (e.kind == LaneEventKind::Transfer || e.kind == LaneEventKind::DmaSetup) t0 = std::min(t0, e.t0);
    if (e.kind == LaneEventKind::Compute) {
      t0 = std::min(t0, e.t0);
      if (computes < 6) t1 = std::max(t1, e.t1);
      ++computes;
    }
  }
  if (t1 <= t0) t1 = t0 + r.latency_s * 0.02;
  const double pad = (t1 - t0) * 0.05;
  return {std::max(0.0, t0 - pad), std::min(r.latency_s, t1 + pad)};
}

std::string timeline_svg(const SimResult& r, const Graph& g, const Plan& plan, const TimelineOptions& opt) {
  std::ostringstream o;
  const double W = opt.width;
  const double left = 90, right = W - 20;
  const double lane_h = 26, gap = 6;
  const int nl = 1 + r.dma_lanes;
  const double lanes_h = nl * lane_h + (nl - 1) * gap;
  std::pair<double, double> zw{opt.zoom_t0, opt.zoom_t1};
  if (zw.first < 0 || zw.second <= zw.first) zw = timeline_zoom_window(r);
  const bool zoom = opt.zoom && r.transfers > 0 && zw.second > zw.first;
  const double mem_h = 150;
  double y = 0;
  const double title_h = 58;
  const double panel_h = 26 + lanes_h + 44;
  const double H = title_h + panel_h * (zoom ? 2 : 1) + 26 + mem_h + 60 + 40;
  o << fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{:.0f}' height='{:.0f}' "
                   "font-family='DejaVu Sans, Arial, sans-serif'>\n",
                   W, H);
  o << fmt::format("<rect x='0' y='0' width='{:.0f}' height='{:.0f}' fill='#fff'/>\n", W, H);
  o << fmt::format("<text x='{:.0f}' y='22' font-size='16' font-weight='bold'>{} on {}: strategy {}, kernels "
                   "{}</text>\n",
                   left, esc(r.model.substr(r.model.find_last_of('/') + 1)), esc(r.board), esc(r.strategy),
                   esc(r.kernels));
  o << fmt::format("<text x='{:.0f}' y='42' font-size='13'>latency {:.2f} ms = {:.2f}x lower bound {:.2f} ms; "
                   "compute {:.2f} ms, stalls {:.2f} ms, DMA wait {:.2f} ms; DMA busy {:.2f} ms, overlap "
                   "efficiency {:.1f}%; {} steps, {} transfers ({:.2f} MB)</text>\n",
                   left, r.latency_s * 1e3, r.lower_bound_s > 0 ? r.latency_s / r.lower_bound_s : 0.0,
                   r.lower_bound_s * 1e3, r.compute_s * 1e3, r.stall_s * 1e3, r.dma_wait_s * 1e3, r.dma_busy_s * 1e3,
                   r.overlap * 100, plan.steps.size(), r.transfers, r.dma_bytes / 1e6);
  y = title_h;
  const Panel full{left, right, 0, std::max(r.latency_s, 1e-9)};
  o << fmt::format("<text x='{:.0f}' y='{:.1f}' font-size='13' font-weight='bold'>Whole inference (one colour "
                   "per op; numbers = op index)</text>\n",
                   left, y + 14);
  lanes(o, r, full, y + 22, lane_h, gap, "", true);
  time_axis(o, full, y + 22 + lanes_h + 4, y + 22);
  y += panel_h;
  if (zoom) {
    const Panel zp{left, right, zw.first, zw.second};
    // Mark the window on the full chart.
    o << fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='none' stroke='#000' "
                     "stroke-dasharray='4,2'/>\n",
                     full.x(zw.first) - 1, title_h + 20, std::max(2.0, full.x(zw.second) - full.x(zw.first) + 2),
                     lanes_h + 4);
    o << fmt::format("<text x='{:.0f}' y='{:.1f}' font-size='13' font-weight='bold'>Zoom {:.2f}-{:.2f} ms "
                     "(dashed box above): transfers (outlined) run while the CPU computes; red = CPU waits</text>\n",
                     left, y + 14, zw.first * 1e3, zw.second * 1e3);
    lanes(o, r, zp, y + 22, lane_h, gap, "-zoom", true);
    time_axis(o, zp, y + 22 + lanes_h + 4, y + 22);
    y += panel_h;
  }
  // Fast-memory occupancy.
  int64_t peak = 0;
  for (const SramSample& s : r.sram) peak = std::max(peak, s.bytes);
  const double cap = static_cast<double>(std::max<int64_t>({r.sram_capacity, plan.sram_budget, peak, 1}));
  o << fmt::format("<text x='{:.0f}' y='{:.1f}' font-size='13' font-weight='bold'>Fast memory in use ({}): "
                   "peak {:.1f} KB of {:.1f} KB{}</text>\n",
                   left, y + 14, esc(r.fast_memories), peak / 1024.0, r.sram_capacity / 1024.0,
                   plan.sram_budget > 0 ? fmt::format(" (budget {:.1f} KB)", plan.sram_budget / 1024.0) : "");
  const double my0 = y + 24, my1 = my0 + mem_h;
  auto ym = [&](double bytes) { return my1 - bytes / cap * mem_h; };
  o << fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='#f4f4f4'/>\n", left, my0,
                   right - left, mem_h);
  if (!r.sram.empty()) {
    std::string d = fmt::format("M{:.2f},{:.2f}", full.x(0), ym(0));
    double prev = 0;
    for (const SramSample& s : r.sram) {
      d += fmt::format(" L{:.2f},{:.2f} L{:.2f},{:.2f}", full.x(s.t), ym(prev), full.x(s.t), ym(s.bytes));
      prev = static_cast<double>(s.bytes);
    }
    d += fmt::format(" L{:.2f},{:.2f} L{:.2f},{:.2f} Z", full.x(r.latency_s), ym(prev), full.x(r.latency_s), ym(0));
    o << "<path class='sram' d='" << d << "' fill='#4a90d9' fill-opacity='0.6' stroke='#1f5fa0' stroke-width='0.8'/>\n";
  }
  if (r.sram_capacity > 0)
    o << fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#c00' stroke-width='1.2'/>"
                     "<text x='{:.1f}' y='{:.1f}' font-size='11' fill='#c00' text-anchor='end'>capacity</text>\n",
                     left, ym(static_cast<double>(r.sram_capacity)), right, ym(static_cast<double>(r.sram_capacity)),
                     right - 4, ym(static_cast<double>(r.sram_capacity)) - 3);
  if (plan.sram_budget > 0)
    o << fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#c60' stroke-dasharray='6,3'/>"
                     "<text x='{:.1f}' y='{:.1f}' font-size='11' fill='#c60' text-anchor='end'>budget</text>\n",
                     left, ym(static_cast<double>(plan.sram_budget)), right, ym(static_cast<double>(plan.sram_budget)),
                     right - 70, ym(static_cast<double>(plan.sram_budget)) - 3);
  for (int k = 0; k <= 4; ++k) {
    const double b = cap * k / 4;
    o << fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='end'>{:.0f} KB</text>\n", left - 6,
                     ym(b) + 4, b / 1024);
  }
  time_axis(o, full, my1 + 2, my0);
  y = my1 + 44;
  // Legend.
  double lx = left;
  auto legend = [&](const std::string& fill, const std::string& text, const std::string& extra = "") {
    o << fmt::format("<rect x='{:.1f}' y='{:.1f}' width='18' height='12' fill='{}'{}/>", lx, y, fill, extra);
    o << fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='12'>{}</text>\n", lx + 24, y + 11, esc(text));
    lx += 40 + 7.2 * static_cast<double>(text.size());
  };
  legend(op_colour(3), "compute (colour = op)");
  legend("#444", "stall on slow memory (dark band)", " fill-opacity='0.6'");
  legend("#e00000", "CPU waits for DMA");
  legend("#555555", "DMA programming");
  legend(op_colour(3), "DMA transfer (op it feeds / drains)", " stroke='#000' stroke-width='0.6'");
  legend("#4a90d9", "SRAM occupancy", " fill-opacity='0.6'");
  (void)g;
  o << "</svg>\n";
  return o.str();
}

}  // namespace tinyops
