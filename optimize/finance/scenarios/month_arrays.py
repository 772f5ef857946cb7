"""One month as ``[queue, interval]`` arrays: the requirements (:class:`MonthGrid`) and what any
plan of the month amounts to, heads on the floor by source (:class:`Staffing`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from plan.contracts.workforce import Workforce, minutes_of


@dataclass(frozen=True)
class MonthGrid:
    """Requirements of one month as ``[queue, interval]`` arrays (absent rows are zero demand)."""
    queues: tuple[str, ...]
    intervals: pd.DatetimeIndex
    interval_h: float
    arrivals: np.ndarray          # contacts per interval, before the bot
    bot_handled: np.ndarray       # contacts the bot resolves per interval
    arrivals_human: np.ndarray    # contacts per interval reaching people
    aht_s: np.ndarray             # handle time of human contacts (escalations included)
    required: np.ndarray          # agents to schedule (heads; shrinkage is taken off them) for the targets
    event_day: np.ndarray         # bool per interval (any queue flagged)

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.intervals[0].normalize(), self.intervals[-1].normalize(), freq="D")

    @property
    def per_day(self) -> int:
        return int(round(24 / self.interval_h))


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{month}-01")
    return start, start + pd.offsets.MonthBegin(1)


def month_grid(requirements: pd.DataFrame, workforce: Workforce, month: str) -> MonthGrid:
    """Pivot a requirements table (docs/plan-files.md) for ``month`` into arrays."""
    start, end = month_bounds(month)
    minutes = workforce.site.interval_minutes
    intervals = pd.date_range(start, end, freq=f"{minutes}min", inclusive="left")
    queues = tuple(workforce.queues)
    requirements = requirements.assign(interval_start=pd.to_datetime(requirements["interval_start"]))
    req = requirements[(requirements["interval_start"] >= start) & (requirements["interval_start"] < end)]

    def pivot(column: str, fill: float = 0.0) -> np.ndarray:
        table = req.pivot_table(index="queue", columns="interval_start", values=column, aggfunc="sum")
        return table.reindex(index=list(queues), columns=intervals).fillna(fill).to_numpy(dtype=float)

    aht = req.pivot_table(index="queue", columns="interval_start", values="aht_s", aggfunc="mean")
    aht = aht.reindex(index=list(queues), columns=intervals)
    default_aht = np.array([workforce.queues[q].aht_s for q in queues])[:, None]
    aht_s = np.where(np.isnan(aht.to_numpy(dtype=float)), default_aht, aht.to_numpy(dtype=float))
    if "event_day" in req:
        flags = req.assign(event_day=req["event_day"].astype(bool)).groupby("interval_start")["event_day"].any()
        event_day = flags.reindex(intervals, fill_value=False).to_numpy(dtype=bool)
    else:
        event_day = np.zeros(len(intervals), dtype=bool)
    return MonthGrid(queues=queues, intervals=intervals, interval_h=minutes / 60, arrivals=pivot("arrivals"),
                     bot_handled=pivot("bot_handled"), arrivals_human=pivot("arrivals_human"), aht_s=aht_s,
                     required=pivot("agents_required"), event_day=event_day)


@dataclass
class Staffing:
    """Heads on the floor per ``[queue, interval]`` by source — what any plan of a month amounts to."""
    in_house: np.ndarray
    part_time: np.ndarray
    vendor_seats: dict[str, np.ndarray]
    in_house_ids: tuple[str, ...]
    part_time_cost: float
    part_time_hours: float
    overtime_cost: float = 0.0
    part_time_signature: str = ""  # which part-timers the plan was made with (see part_time_signature)


def part_time_signature(workforce: Workforce) -> str:
    """The part-timers of a config as text: a plan is valid elsewhere only with the same ones."""
    return repr([p.model_dump() for p in workforce.part_time])


def vendor_open_mask(vendor, intervals: pd.DatetimeIndex) -> np.ndarray:
    """Bool per interval: whether the vendor's opening hours (possibly past midnight) cover its start."""
    minute_of_day = (intervals.hour * 60 + intervals.minute).to_numpy()
    open_from, open_to = minutes_of(vendor.hours[0]), minutes_of(vendor.hours[1])
    if open_to > open_from:
        return (minute_of_day >= open_from) & (minute_of_day < open_to)
    return (minute_of_day >= open_from) | (minute_of_day < open_to)
