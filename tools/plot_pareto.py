#!/usr/bin/python3
"""Accuracy vs latency of a `tinyops explore` run, internal-only vs tinyops (like the TinyOps paper's
Pareto figure). Usage: plot_pareto.py explore.json out.png [--strategies internal,tinyops]

Points: one per configuration that fits the strategy; filled = published accuracy, hollow = estimate.
Lines: each strategy's Pareto front (configurations no other one beats on both axes).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

STYLE = {
    "internal": dict(color="#1f77b4", marker="o", label="internal only"),
    "external": dict(color="#7f7f7f", marker="^", label="external (no overlays)"),
    "tinyops": dict(color="#ff7f0e", marker="s", label="TinyOps"),
}


def front(points):
    """points: list of (latency, accuracy, cfg); the non-dominated ones sorted by latency."""
    out, best = [], None
    for p in sorted(points, key=lambda p: (p[0], -p[1])):
        if best is None or p[1] > best:
            out.append(p)
            best = p[1]
    return out


def short(c):
    fam = c["family"].replace("mobilenet-v", "mbv").replace("proxylessnas-mobile", "proxyless")
    return "%s w%.2g r%d" % (fam, c["width"], c["resolution"])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    doc = json.load(open(sys.argv[1]))
    strategies = ["internal", "tinyops"]
    if len(sys.argv) > 4 and sys.argv[3] == "--strategies":
        strategies = sys.argv[4].split(",")
    configs = doc["configurations"] if isinstance(doc, dict) else doc
    budget = doc.get("latency_budget_ms", 0) if isinstance(doc, dict) else 0

    fig, ax = plt.subplots(figsize=(10, 6.5))
    for z, s in enumerate(strategies):
        st = STYLE.get(s, dict(color="k", marker="x", label=s))
        pts = []
        for c in configs:
            e = c.get("strategies", {}).get(s)
            if e and e["fits"] and (not budget or e["latency_ms"] <= budget):
                pts.append((e["latency_ms"], c["accuracy"], c))
        if not pts:
            continue
        listed = [p for p in pts if not p[2]["accuracy_is_estimate"]]
        est = [p for p in pts if p[2]["accuracy_is_estimate"]]
        ax.scatter([p[0] for p in listed], [p[1] for p in listed], color=st["color"], marker=st["marker"],
                   s=30 if s == "internal" else 45, alpha=0.8, zorder=3 - z, label="%s (%d fit; filled = published top-1)" % (st["label"], len(pts)))
        ax.scatter([p[0] for p in est], [p[1] for p in est], facecolors="none", edgecolors=st["color"],
                   marker=st["marker"], s=30 if s == "internal" else 45, alpha=0.7, zorder=3 - z)
        f = front(pts)
        xs, ys = [], []
        for i, p in enumerate(f):  # staircase: accuracy reachable within a latency
            if i:
                xs.append(p[0])
                ys.append(f[i - 1][1])
            xs.append(p[0])
            ys.append(p[1])
        ax.plot(xs, ys, color=st["color"], lw=2, label="%s Pareto front" % st["label"])
        last = None
        for p in f:  # label front points at least 1.2 points of top-1 apart
            if last is not None and p[1] - last < 1.2:
                continue
            last = p[1]
            ax.annotate(short(p[2]) + ("*" if p[2]["accuracy_is_estimate"] else ""), (p[0], p[1]),
                        textcoords="offset points", xytext=(4, -10), fontsize=7, color=st["color"])
    if budget:
        ax.axvline(budget, color="r", ls="--", lw=1, label="latency budget %g ms" % budget)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: "%g" % v))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: "%g" % v if str(int(v))[0] in "25" else ""))
    ax.set_xlabel("predicted latency (ms, log scale)")
    ax.set_ylabel("ImageNet top-1 (%)  (hollow / * = estimate)")
    title = "Accuracy vs latency"
    if isinstance(doc, dict):
        title += " on %s (kernels %s)" % (doc.get("board", "?"), doc.get("kernels", "?"))
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=120)


if __name__ == "__main__":
    main()
