"""Today's picture after a same-day re-plan: per queue, actual contacts so far, the published
forecast, the re-forecast with its band, and the effective agents before and after the changes."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from plan.reports.png import save_png  # noqa: E402


def _day(frame: pd.DataFrame, queue: str, day: pd.Timestamp) -> pd.DataFrame:
    part = frame[(frame["queue"] == queue) & (frame["interval_start"] >= day)
                 & (frame["interval_start"] < day + pd.Timedelta(days=1))]
    return part.sort_values("interval_start")


def plot_intraday(result, target: str | Path) -> Path:
    """``result``: a :class:`plan.optimize.intraday.replan.Replan`."""
    day = result.now.normalize()
    queues = list(result.plan.workforce.queues)
    figure, axes = plt.subplots(len(queues), 1, figsize=(11, 2.6 * len(queues)), sharex=True, squeeze=False)
    old_cov = result.plan.coverage
    new_cov = result.coverage.assign(interval_start=pd.to_datetime(result.coverage["interval_start"]))
    weights = result.level.table.set_index("queue")
    for ax, queue in zip(axes[:, 0], queues):
        old, new = _day(result.forecast_old, queue, day), _day(result.forecast_new, queue, day)
        seen = _day(result.actuals, queue, day)
        ax.step(old["interval_start"], old["arrivals"], where="post", color="0.45", label="published forecast")
        ax.step(new["interval_start"], new["arrivals"], where="post", color="tab:blue", label="re-forecast")
        ahead = new[new["interval_start"] >= result.now]
        if {"p10", "p90"} <= set(new.columns):
            ax.fill_between(ahead["interval_start"], ahead["p10"], ahead["p90"], step="post", color="tab:blue",
                            alpha=0.15, label="re-forecast p10-p90")
        ax.bar(seen["interval_start"] + pd.Timedelta(minutes=30), seen["arrivals"], width=0.03, color="black",
               label="actual contacts")
        ax.axvline(result.now, color="tab:red", linestyle="--", linewidth=1)
        ax.set_ylabel("contacts / h")
        level = weights.loc[queue]
        ax.set_title(f"{queue}: level ×{level['ratio']:.2f} (seen ×{level['ratio_raw']:.2f}, weight "
                     f"{level['weight']:.2f})", fontsize=9, loc="left")
        twin = ax.twinx()
        before, after = _day(old_cov, queue, day), _day(new_cov, queue, day)
        twin.step(before["interval_start"], before["staffed_effective"], where="post", color="tab:orange",
                  linestyle=":", label="agents before")
        twin.step(after["interval_start"], after["staffed_effective"], where="post", color="tab:green",
                  label="agents after")
        twin.step(after["interval_start"], after["required"] * (1 - result.plan.workforce.queues[queue].shrinkage),
                  where="post", color="tab:purple", linestyle="--", linewidth=0.8, label="agents required")
        twin.set_ylabel("effective agents")
        twin.set_ylim(bottom=0)
        ax.set_ylim(bottom=0)
    handles = [h for a in (axes[0, 0], axes[0, 0].figure.axes[len(queues)]) for h in a.get_legend_handles_labels()[0]]
    labels = [t for a in (axes[0, 0], axes[0, 0].figure.axes[len(queues)]) for t in a.get_legend_handles_labels()[1]]
    lag_h = result.level.lag_h
    shape = f"; today's shape read {abs(lag_h):g} h {'late' if lag_h > 0 else 'early'}" if lag_h else ""
    figure.suptitle(f"{day:%Y-%m-%d}: re-plan at {result.now:%H:%M} (red line){shape}; contacts left axis, "
                    f"effective agents right axis", y=0.995, fontsize=11)
    figure.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=4, fontsize=8,
                  frameon=False)
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    return save_png(figure, target)
