"""Forecast chart for a manager's slide: history tail, forecast with its 10-90 band, event days shaded."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from plan.contracts.calendar import event_day_mask  # noqa: E402
from plan.reports.png import save_png

HISTORY_COLOUR = "#7f7f7f"
FORECAST_COLOUR = "#1f5fa8"
BAND_COLOUR = "#9cc3ec"
EVENT_COLOUR = "#fbe9cf"
PEAK_COLOUR = "#f0a848"


def event_spans(days: pd.DatetimeIndex, events: pd.DataFrame | None) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Contiguous runs of event days within ``days`` as (first day, day after the last)."""
    days = pd.DatetimeIndex(sorted(set(pd.DatetimeIndex(days).normalize())))
    flagged = days[event_day_mask(days, events)] if len(days) else days
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for day in flagged:
        if spans and day == spans[-1][1]:
            spans[-1] = (spans[-1][0], day + pd.Timedelta(days=1))
        else:
            spans.append((day, day + pd.Timedelta(days=1)))
    return spans


def _event_labels(axis, events: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp) -> None:
    if events is None or len(events) == 0:
        return
    for ev in events.itertuples(index=False):
        peak = pd.Timestamp(ev.end)
        if start <= peak <= end:
            axis.axvspan(peak, peak + pd.Timedelta(days=1), color=PEAK_COLOUR, alpha=0.35, lw=0, zorder=0)
            axis.annotate(f"{ev.name} {peak:%m-%d}", xy=(peak + pd.Timedelta(hours=12), 1.0), xycoords=("data", "axes fraction"),
                          xytext=(0, -4), textcoords="offset points", ha="center", va="top", fontsize=8,
                          color="#8a5a00")


def plot_forecast(forecast: pd.DataFrame, history: pd.DataFrame | None, target: str | Path,
                  events: pd.DataFrame | None = None, history_days: int = 21, title: str | None = None) -> Path:
    """Write a PNG with one panel per queue: the last ``history_days`` of actuals (grey), the mean
    forecast (blue) in its p10-p90 band, event days shaded; plus each queue's daily totals."""
    fc = forecast.copy()
    fc["interval_start"] = pd.to_datetime(fc["interval_start"])
    queues = list(dict.fromkeys(fc["queue"]))
    start, end = fc["interval_start"].min(), fc["interval_start"].max()
    figure, axes = plt.subplots(len(queues), 2, figsize=(16, 2.9 * len(queues) + 0.8), squeeze=False,
                                gridspec_kw={"width_ratios": [3.2, 1]})
    for row, queue in enumerate(queues):
        part = fc[fc["queue"] == queue]
        hourly, daily = axes[row]
        past = None
        if history is not None:
            hq = history[history["queue"] == queue]
            past = hq[hq["interval_start"] >= start - pd.Timedelta(days=history_days)]
        left = past["interval_start"].min() if past is not None and len(past) else start
        for first, after in event_spans(pd.date_range(left.normalize(), end.normalize()), events):
            for axis in (hourly,):
                axis.axvspan(first, after, color=EVENT_COLOUR, alpha=0.55, lw=0, zorder=0)
        if past is not None and len(past):
            hourly.plot(past["interval_start"], past["arrivals"], color=HISTORY_COLOUR, lw=0.7, label="history")
        hourly.fill_between(part["interval_start"], part["p10"], part["p90"], color=BAND_COLOUR, alpha=0.7, lw=0,
                            label="p10-p90")
        hourly.plot(part["interval_start"], part["arrivals"], color=FORECAST_COLOUR, lw=0.8, label="forecast (mean)")
        hourly.axvline(start, color="black", lw=0.8, ls=":")
        peak = part.loc[part["arrivals"].idxmax()]
        hourly.annotate(f"peak {peak['arrivals']:.0f}/h (p90 {peak['p90']:.0f})\n{peak['interval_start']:%m-%d %H:%M}",
                        xy=(peak["interval_start"], peak["arrivals"]), xytext=(8, -2), textcoords="offset points",
                        fontsize=8, va="top", color=FORECAST_COLOUR)
        _event_labels(hourly, events, left, end)
        hourly.set_title(queue, loc="left", fontsize=11, fontweight="bold")
        hourly.set_ylabel("contacts per interval")
        hourly.set_xlim(left, end + pd.Timedelta(hours=1))
        hourly.set_ylim(bottom=0)
        hourly.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, int((end - left).days // 14))))
        hourly.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        hourly.grid(axis="y", alpha=0.3)
        _daily_panel(daily, part, events)
        if row == 0:
            hourly.legend(loc="upper left", fontsize=8, ncol=3, frameon=False)
    shaded = " (shaded: promotion days and after-sales tail; darker: peak day)" if events is not None and len(events) else ""
    figure.suptitle(title or f"Contact forecast {start:%Y-%m-%d} .. {end:%Y-%m-%d}{shaded}",
                    fontsize=13, x=0.01, ha="left")
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    return save_png(figure, target)


def _daily_panel(axis, part: pd.DataFrame, events: pd.DataFrame | None) -> None:
    """Daily totals as bars, event days in amber, with the sum of p10/p90 as a rough whisker."""
    day = part["interval_start"].dt.normalize()
    totals = part.groupby(day)[["arrivals"]].sum()
    flags = event_day_mask(pd.DatetimeIndex(totals.index), events)
    colours = np.where(flags, "#e59a2f", FORECAST_COLOUR)
    axis.bar(totals.index, totals["arrivals"], width=0.8, color=colours)
    axis.set_title("contacts per day (amber: event day)", loc="left", fontsize=9)
    axis.xaxis.set_major_locator(mdates.DayLocator(interval=7))
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    axis.grid(axis="y", alpha=0.3)
    axis.tick_params(labelsize=8)
