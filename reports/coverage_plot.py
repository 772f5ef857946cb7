"""coverage.png: per queue, required vs staffed, both in effective agents on the floor, by source.

One row of panels per queue: the whole month hour by hour on the left, a three-day zoom on the
peak (the double11/618 peak day ±1 when the month has one, else the busiest required day) on
the right. Sources are stacked in *effective* agents (heads × (1 − shrinkage), vendor seats ÷
their AHT factor) and the requirement is drawn in the same unit (reports/coverage_units.py), so
the area meets the line exactly where the interval's target is met; shortfall is filled red,
bot-contained contacts are a dotted line on a right axis, event days are shaded. Labels are Chinese (reports/png.py makes sure a CJK font is there), English otherwise.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from plan.contracts.calendar import event_day_mask  # noqa: E402
from plan.contracts.plan_files import PlanFiles, read_plan  # noqa: E402
from plan.reports.coverage_units import below_requirement, effective_coverage  # noqa: E402
from plan.reports.png import CJK_FONT, save_png  # noqa: E402

SOURCE_COLOURS = {"in_house": "#4472C4", "part_time": "#70AD47", "vendor": "#ED7D31"}
REQUIRED_COLOUR, SHORTFALL_COLOUR, BOT_COLOUR = "#1F1F1F", "#E06666", "#7030A0"
PEAK_KINDS = ("double11", "618")
LABELS = {
    "en": {"in_house": "in-house", "part_time": "part-time", "vendor": "vendor",
           "required": "required at the interval target (effective agents)",
           "shortfall": "below the interval requirement", "bot": "bot-contained contacts/h (zoom, right axis)",
           "event": "promotion days", "tail": "after-sales tail",
           "agents": "effective agents", "bot_axis": "bot contacts/h", "zoom": "zoom",
           "title": "Coverage {month}: required vs effective agents on the floor by source",
           "sl": "SL {sl}  ASA {asa}  contacts {contacts}", "bot_share": "bot {share} of arrivals",
           "below": "below requirement {hours} h", "deferrable": "deferrable: resolved within {hours} h",
           "units": "effective agents = heads x (1 - shrinkage), vendor seats "
           "/ AHT factor; period targets let an hour dip below its interval requirement down to the floor"},
    "zh": {"in_house": "本部", "part_time": "兼职", "vendor": "外包", "required": "时段目标需求（有效坐席）",
           "shortfall": "低于时段需求",
           "bot": "机器人承接 会话/小时 (放大图右轴)", "event": "大促", "tail": "售后尾峰", "agents": "有效坐席",
           "bot_axis": "机器人 会话/小时", "zoom": "放大",
           "title": "{month} 排班覆盖：需求 vs 各来源有效坐席",
           "sl": "服务水平 {sl}  ASA {asa}  会话 {contacts}", "bot_share": "机器人承接 {share}",
           "below": "低于需求 {hours} 小时", "deferrable": "可延后处理：{hours} 小时内解决",
           "units": "有效坐席 = 在岗人数 × (1 − 损耗率)，外包座席 ÷ AHT 系数；"
           "按时段汇总的目标允许个别小时低于时段需求（不低于下限）"},
}


def peak_window(plan: PlanFiles) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Three days around the month's peak: a double11/618 peak day when inside the month, else the
    day with the most required agent-hours."""
    days = plan.days
    events = plan.events
    peaks = [row.end for row in events.itertuples(index=False)
             if row.kind in PEAK_KINDS and days[0] <= row.end <= days[-1]]
    if peaks:
        centre = peaks[0]
    else:
        daily = plan.coverage.groupby(plan.coverage["interval_start"].dt.normalize())["required"].sum()
        centre = daily.idxmax() if len(daily) else days[len(days) // 2]
    first = max(days[0], centre - pd.Timedelta(days=1))
    last = min(days[-1] + pd.Timedelta(days=1), first + pd.Timedelta(days=3))
    return first, last


def event_spans(plan: PlanFiles) -> tuple[np.ndarray, np.ndarray]:
    """Per day: inside a promotion's [start, end]; in the after-sales tail only."""
    days = plan.days
    promotion = event_day_mask(days, plan.events, with_tail=False)
    return promotion, event_day_mask(days, plan.events) & ~promotion


def _shade_events(ax, plan: PlanFiles, text: dict | None) -> None:
    promotion, tail = event_spans(plan)
    for flags, colour, alpha, key in ((promotion, "#FFD966", 0.45, "event"), (tail, "#FFE699", 0.2, "tail")):
        label = text[key] if text else None
        for day, flag in zip(plan.days, flags):
            if flag:
                ax.axvspan(day, day + pd.Timedelta(days=1), color=colour, alpha=alpha, lw=0, zorder=0, label=label)
                label = None


def _with_end(frame: pd.DataFrame) -> pd.DataFrame:
    """Repeat the last interval at its end so post-steps draw the last interval in full."""
    if len(frame) < 2:
        return frame
    last = frame.iloc[[-1]].copy()
    last["interval_start"] = last["interval_start"] + (frame["interval_start"].iloc[-1]
                                                       - frame["interval_start"].iloc[-2])
    return pd.concat([frame, last], ignore_index=True)


def _panel(ax, frame: pd.DataFrame, text: dict, *, legend: bool) -> None:
    frame = _with_end(frame)
    times = frame["interval_start"]
    stacks = [frame[source].to_numpy() for source in SOURCE_COLOURS]
    ax.stackplot(times, *stacks, colors=list(SOURCE_COLOURS.values()), alpha=0.85, step="post",
                 labels=[text[s] for s in SOURCE_COLOURS] if legend else (), zorder=2)
    total = np.sum(stacks, axis=0)
    required = frame["required_effective"].to_numpy()
    ax.fill_between(times, total, required, where=below_requirement(frame).to_numpy(), step="post",
                    color=SHORTFALL_COLOUR, alpha=0.4, lw=0, zorder=3, label=text["shortfall"] if legend else None)
    ax.step(times, required, where="post", color=REQUIRED_COLOUR, lw=0.9, zorder=4,
            label=text["required"] if legend else None)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#D9D9D9", lw=0.6, zorder=1)
    ax.spines[["top"]].set_visible(False)


def _bot_axis(ax, frame: pd.DataFrame, text: dict, *, legend: bool, per_hour: float):
    if not (frame["bot_handled"] > 0).any():
        return None
    twin = ax.twinx()
    frame = _with_end(frame)
    twin.step(frame["interval_start"], frame["bot_handled"] * per_hour, where="post", color=BOT_COLOUR, lw=1.0,
              ls="--", alpha=0.8, label=text["bot"] if legend else None)
    twin.set_ylim(bottom=0)
    twin.tick_params(axis="y", labelsize=7, colors=BOT_COLOUR)
    twin.spines[["top"]].set_visible(False)
    return twin


def _duration(seconds) -> str:
    """ASA for a slide: 1.4s, 25s, 3.2h (email response times run to hours)."""
    if not isinstance(seconds, (int, float)) or seconds != seconds:
        return "-"
    if seconds == float("inf"):
        return "∞"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"


def _service_line(plan: PlanFiles, queue: str, text: dict) -> str:
    figures = plan.summary.get("service", {}).get(queue, {})
    if not isinstance(figures, dict):
        return ""
    sl, asa, contacts = figures.get("service_level"), figures.get("asa_s"), figures.get("contacts")
    return text["sl"].format(sl=f"{sl:.1%}" if isinstance(sl, (int, float)) else "-",
                             asa=_duration(asa),
                             contacts=f"{contacts:,.0f}" if isinstance(contacts, (int, float)) else "-")


def draw_coverage(plan: PlanFiles) -> plt.Figure:
    text = LABELS["zh" if CJK_FONT else "en"]
    rc = {"font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold"}
    frame = effective_coverage(plan)
    zoom_first, zoom_last = peak_window(plan)
    queues = [q for q in plan.workforce.queues if (frame["queue"] == q).any()]
    with plt.rc_context(rc):
        fig, axes = plt.subplots(len(queues), 2, figsize=(16, 2.9 * len(queues) + 0.9), squeeze=False,
                                 gridspec_kw={"width_ratios": [3.2, 1.2], "wspace": 0.12, "hspace": 0.45})
        per_hour = 60 / plan.workforce.site.interval_minutes
        bot = None
        for i, queue in enumerate(queues):
            mine = frame[frame["queue"] == queue]
            month_ax, zoom_ax = axes[i]
            first = i == 0
            _shade_events(month_ax, plan, text if first else None)
            _panel(month_ax, mine, text, legend=first)
            month_ax.set_xlim(plan.days[0], plan.days[-1] + pd.Timedelta(days=1))
            month_ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
            month_ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
            month_ax.tick_params(axis="x", labelsize=7)
            month_ax.set_ylabel(text["agents"])
            title = f"{queue}   {_service_line(plan, queue, text)}"
            arrivals, contained = mine["arrivals"].sum(), mine["bot_handled"].sum()
            if contained > 0 and arrivals > 0:
                title += "   " + text["bot_share"].format(share=f"{contained / arrivals:.0%}")
            deadline = plan.workforce.queues[queue].targets.resolve_within_h
            title += "   " + (text["deferrable"].format(hours=f"{deadline:g}") if mine["deferrable"].any() else
                              text["below"].format(hours=f"{below_requirement(mine).sum() / per_hour:,.0f}"))
            month_ax.set_title(title, loc="left")

            zoomed = mine[(mine["interval_start"] >= zoom_first) & (mine["interval_start"] < zoom_last)]
            _shade_events(zoom_ax, plan, None)
            _panel(zoom_ax, zoomed, text, legend=False)
            bot = _bot_axis(zoom_ax, zoomed, text, legend=True, per_hour=per_hour) or bot
            zoom_ax.set_xlim(zoom_first, zoom_last)
            zoom_ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[0, 12]))
            zoom_ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d\n%H:%M"))
            zoom_ax.tick_params(axis="x", labelsize=7)
            zoom_ax.set_title(f"{text['zoom']} {zoom_first:%m-%d}..{zoom_last - pd.Timedelta(days=1):%m-%d}",
                              loc="left")
        handles, labels = axes[0][0].get_legend_handles_labels()
        if bot is not None:
            more_handles, more_labels = bot.get_legend_handles_labels()
            handles, labels = handles + more_handles[:1], labels + more_labels[:1]
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False,
                   bbox_to_anchor=(0.5, 1 - 0.35 / fig.get_figheight()))
        fig.suptitle(text["title"].format(month=plan.month), fontsize=13, fontweight="bold", x=0.01, ha="left",
                     y=1 - 0.08 / fig.get_figheight())
        fig.text(0.99, 1 - 0.12 / fig.get_figheight(), text["units"], ha="right", va="top", fontsize=8,
                 color="#595959")
        fig.subplots_adjust(left=0.05, right=0.97, bottom=0.06, top=1 - 0.85 / fig.get_figheight())
    return fig


def plot_coverage(plan_dir: str | Path) -> Path:
    """Write ``coverage.png`` into the plan directory (atomically) and return its path."""
    plan = read_plan(plan_dir)
    figure = draw_coverage(plan)
    return save_png(figure, Path(plan_dir) / "coverage.png", dpi=130)
