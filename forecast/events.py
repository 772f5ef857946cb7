"""Promotion phases: which (kind, day offset from the peak) each date belongs to.

A promotion row covers ``start`` (first pre-sale day) .. ``end`` (peak day, e.g. 11-11). Its effect
on volume is indexed by the day offset from ``end``: negative offsets are pre-sale days (the
final-payment days 10-31 and 11-10 are offsets -11 and -1 of double11), 0 is the peak, and
1..``MODEL_TAIL_DAYS`` the after-sales tail that lags delivery. Offsets are shared by every occurrence of
a kind, so each past occurrence teaches the effect of the same phase-day in the next one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# The forecaster looks further: returns and refunds keep arriving up to three weeks after a peak.
MODEL_TAIL_DAYS = 21


@dataclass(frozen=True)
class PhaseDay:
    kind: str
    offset: int      # days after the event's end (peak); negative = pre-sale
    event_row: int   # position of the events row this day belongs to
    is_start: bool = False  # the first pre-sale day (deposits open at 20:00), whatever its offset

    @property
    def label(self) -> str:
        """Key of this phase-day's own effect and intraday shape: ``start`` or the offset."""
        return "start" if self.is_start else str(self.offset)

    @property
    def phase(self) -> str:
        if self.offset < 0:
            return "pre"
        if self.offset == 0:
            return "peak"
        return "tail_early" if self.offset <= 3 else "tail_late"


def phase_days(events: pd.DataFrame, dates: pd.DatetimeIndex, tail_days: int | None = None) -> dict[pd.Timestamp, list[PhaseDay]]:
    """Map each date (normalised) to the phase-days of every event covering it (overlaps allowed)."""
    tail_days = MODEL_TAIL_DAYS if tail_days is None else tail_days
    wanted = set(pd.DatetimeIndex(dates).normalize())
    out: dict[pd.Timestamp, list[PhaseDay]] = {}
    if events is None or len(events) == 0:
        return out
    for row, ev in enumerate(events.itertuples(index=False)):
        start, end = pd.Timestamp(ev.start).normalize(), pd.Timestamp(ev.end).normalize()
        for day in pd.date_range(start, end + pd.Timedelta(days=tail_days), freq="D"):
            if day in wanted:
                out.setdefault(day, []).append(PhaseDay(str(ev.kind), int((day - end).days), row,
                                                        is_start=bool(day == start and start < end)))
    return out


def peak_day_mask(events: pd.DataFrame, dates: pd.DatetimeIndex, around: int = 1) -> np.ndarray:
    """Dates within ``around`` days of a promotion's peak (the final-payment eve, the peak, the day after)."""
    dates = pd.DatetimeIndex(dates).normalize()
    mask = np.zeros(len(dates), dtype=bool)
    if events is None or len(events) == 0:
        return mask
    for ev in events.itertuples(index=False):
        end = pd.Timestamp(ev.end).normalize()
        mask |= np.asarray(np.abs((dates - end).days) <= around)
    return mask
