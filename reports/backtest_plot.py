"""Backtest chart: error by method and horizon, band coverage, and each origin's WAPE."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from plan.reports.png import save_png

METHOD_STYLE = {"model": ("#1f5fa8", "model"), "snaive": ("#999999", "seasonal naive (last week)"),
                "last_year": ("#e59a2f", "same event last year x level")}


def _wape(frame: pd.DataFrame, method: str) -> float:
    rows = frame[method].notna()
    total = frame.loc[rows, "actual"].sum()
    return float((frame.loc[rows, method] - frame.loc[rows, "actual"]).abs().sum() / total) if total > 0 else np.nan


def plot_backtest(hourly: pd.DataFrame, summary: dict, target: str | Path, title: str | None = None) -> Path:
    """Write a PNG: (1) hourly WAPE by forecast week per method, (2) all days vs event days,
    (3) WAPE per origin, (4) the model's band coverage by week against the 75-85% target zone."""
    frame = hourly.copy()
    frame["week"] = (frame["horizon_day"] - 1) // 7 + 1
    figure, axes = plt.subplots(2, 2, figsize=(14, 8.5))
    by_week, split, per_origin, cover = axes.ravel()

    weeks = sorted(frame["week"].unique())
    for method, (colour, label) in METHOD_STYLE.items():
        values = [_wape(frame[frame["week"] == w], method) for w in weeks]
        by_week.plot(weeks, values, marker="o", color=colour, label=label)
    by_week.set_title("hourly WAPE by forecast week", loc="left")
    by_week.set_xlabel("week ahead")
    by_week.set_xticks(weeks)
    by_week.legend(frameon=False, fontsize=9)
    by_week.grid(alpha=0.3)

    groups = [("all days", summary["overall"]), ("event days", summary.get("event_days"))]
    width = 0.25
    for i, (method, (colour, label)) in enumerate(METHOD_STYLE.items()):
        heights = [g[method]["wape_hourly"] if g else np.nan for _, g in groups]
        bars = split.bar(np.arange(len(groups)) + (i - 1) * width, heights, width, color=colour, label=label)
        split.bar_label(bars, fmt="%.2f", fontsize=8)
    split.set_xticks(np.arange(len(groups)), [name for name, _ in groups])
    split.set_title("hourly WAPE, all days vs event days", loc="left")
    split.grid(axis="y", alpha=0.3)

    origins = sorted(frame["origin"].unique())
    x = np.arange(len(origins))
    for i, (method, (colour, label)) in enumerate(METHOD_STYLE.items()):
        values = [_wape(frame[frame["origin"] == o], method) for o in origins]
        per_origin.bar(x + (i - 1) * width, values, width, color=colour, label=label)
    per_origin.set_xticks(x, [pd.Timestamp(o).strftime("%Y-%m-%d") for o in origins], rotation=45, ha="right",
                          fontsize=8)
    per_origin.set_title("hourly WAPE per origin", loc="left")
    per_origin.grid(axis="y", alpha=0.3)

    inside = ((frame["actual"] >= frame["p10"]) & (frame["actual"] <= frame["p90"]))
    coverage = [float(inside[frame["week"] == w].mean()) for w in weeks]
    event_cov = [float(inside[(frame["week"] == w) & frame["event_day"]].mean())
                 if ((frame["week"] == w) & frame["event_day"]).any() else np.nan for w in weeks]
    cover.axhspan(0.75, 0.85, color="#d8ecd3", label="target 75-85%")
    cover.plot(weeks, coverage, marker="o", color=METHOD_STYLE["model"][0], label="all hours")
    cover.plot(weeks, event_cov, marker="s", ls="--", color="#e59a2f", label="event-day hours")
    cover.set_ylim(0.5, 1.0)
    cover.set_xticks(weeks)
    cover.set_xlabel("week ahead")
    cover.set_title("share of actual hours inside the p10-p90 band", loc="left")
    cover.legend(frameon=False, fontsize=9)
    cover.grid(alpha=0.3)

    overall = summary["overall"]
    figure.suptitle(title or f"Backtest: {len(origins)} origins, model/seasonal-naive hourly WAPE "
                             f"{overall['ratio_hourly']:.2f}, band coverage {overall['model']['band_coverage']:.0%}",
                    fontsize=13, x=0.01, ha="left")
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    return save_png(figure, target)
