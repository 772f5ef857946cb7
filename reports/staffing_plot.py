"""Plot of a requirements table: agents required per interval, and the average day by hour."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from plan.reports.png import save_png


def _event_spans(days: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Contiguous runs of event days as (first day, day after the last)."""
    spans, start, previous = [], None, None
    for day in sorted(days.unique()):
        day = pd.Timestamp(day)
        if start is None:
            start = day
        elif day - previous > pd.Timedelta(days=1):
            spans.append((start, previous + pd.Timedelta(days=1)))
            start = day
        previous = day
    if start is not None:
        spans.append((start, previous + pd.Timedelta(days=1)))
    return spans


def plot_requirements(requirements: pd.DataFrame, target: str | Path, title: str | None = None) -> Path:
    """Write a PNG: top, scheduled agents required per interval and queue (event days shaded);
    bottom, mean agents required by hour of day, normal days solid and event days dashed."""
    frame = requirements.copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    frame["event_day"] = frame["event_day"].astype(str).str.lower().isin(["true", "1"])
    figure, (timeline, by_hour) = plt.subplots(2, 1, figsize=(14, 8.5), gridspec_kw={"height_ratios": [3, 2]})
    colours = {}
    for queue, part in frame.groupby("queue", sort=False):
        line, = timeline.plot(part["interval_start"], part["agents_required"], lw=0.9, label=queue)
        colours[queue] = line.get_color()
    event_days = frame.loc[frame["event_day"], "interval_start"].dt.normalize()
    for i, (start, end) in enumerate(_event_spans(event_days)):
        timeline.axvspan(start, end, color="tab:red", alpha=0.07, lw=0, label="event days" if i == 0 else None)
    timeline.set_ylabel("agents required (scheduled, after shrinkage)")
    timeline.set_title(title or "Staffing requirement by interval")
    timeline.legend(loc="upper left", ncol=5, fontsize=8)
    timeline.grid(alpha=0.3)

    frame["hour"] = frame["interval_start"].dt.hour + frame["interval_start"].dt.minute / 60.0
    for (queue, is_event), part in frame.groupby(["queue", "event_day"], sort=False):
        mean = part.groupby("hour")["agents_required"].mean()
        by_hour.plot(mean.index, mean.to_numpy(), color=colours[queue], ls="--" if is_event else "-",
                     label=f"{queue} ({'event' if is_event else 'normal'} days)")
    by_hour.set_xlabel("hour of day")
    by_hour.set_ylabel("mean agents required")
    by_hour.set_xticks(range(0, 25, 2))
    by_hour.grid(alpha=0.3)
    by_hour.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    return save_png(figure, target)
