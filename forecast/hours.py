"""Opening hours of a queue, inferred from its history: per weekday, the intervals that take contacts.

An interval is closed on a weekday when, over that weekday's recent open days, it (almost) never
took a contact: at most :data:`CLOSED_DAY_SHARE` of those days had any, and together it held less
than :data:`CLOSED_VOLUME_SHARE` of their volume. A quiet open night (an e-mail queue at 03:00)
stays open. Closed intervals are forecast as zero and left out of every accuracy figure.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RECENT_DAYS_PER_WEEKDAY = 12
CLOSED_DAY_SHARE = 0.1
CLOSED_VOLUME_SHARE = 0.002


@dataclass
class OpeningHours:
    """``open`` is 7 x intervals (0 = Monday); ``closed_weekdays`` have no open interval."""

    open: np.ndarray
    interval_minutes: int

    @property
    def closed_weekdays(self) -> list[int]:
        return [d for d in range(7) if not self.open[d].any()]

    def mask(self, days: pd.DatetimeIndex) -> np.ndarray:
        """Days x intervals: True where the queue is open."""
        return self.open[pd.DatetimeIndex(days).day_of_week.to_numpy()]

    def describe(self) -> dict[str, str]:
        """Per weekday, the open spans as text (``07:00-24:00``), for notes and the sidecar JSON."""
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return {names[d]: _spans(self.open[d], self.interval_minutes) for d in range(7)}


@dataclass(frozen=True)
class StatedHours:
    """Opening hours a user stated (the workforce config): per weekday the open minutes of the day
    (7 x 1440, 0 = Monday), and dates the queue is closed. They replace what the history suggests."""

    open_minutes: np.ndarray
    closed_dates: frozenset[pd.Timestamp] = field(default_factory=frozenset)
    source: str = "workforce config"

    def at(self, interval_minutes: int) -> OpeningHours:
        """On an interval grid: an interval is open when any of its minutes is (08:30-22:00 opens 08:00)."""
        slots = 1440 // interval_minutes
        return OpeningHours(self.open_minutes.reshape(7, slots, interval_minutes).any(axis=2), interval_minutes)

    def closed_on(self, days: pd.DatetimeIndex) -> np.ndarray:
        return np.array([d in self.closed_dates for d in pd.DatetimeIndex(days).normalize()], dtype=bool)


def infer_opening_hours(counts: np.ndarray, days: pd.DatetimeIndex, usable: np.ndarray, closed_weekdays: list[int],
                        interval_minutes: int, recent_days: int | None = RECENT_DAYS_PER_WEEKDAY) -> OpeningHours:
    """Opening hours from the most recent usable days of each weekday (``recent_days=None``: all of them)."""
    slots = counts.shape[1]
    dow = days.day_of_week.to_numpy()
    is_open = np.ones((7, slots), dtype=bool)
    for d in range(7):
        if d in closed_weekdays:
            is_open[d] = False
            continue
        rows = np.flatnonzero(usable & (dow == d))[-(recent_days or len(days)):]
        if len(rows) < 2:
            continue
        block = counts[rows]
        busy_share = (block > 0).mean(axis=0)
        volume_share = block.sum(axis=0) / max(block.sum(), 1.0)
        is_open[d] = ~((busy_share <= CLOSED_DAY_SHARE) & (volume_share < CLOSED_VOLUME_SHARE))
    return OpeningHours(is_open, interval_minutes)


def _spans(row: np.ndarray, interval_minutes: int) -> str:
    if not row.any():
        return "closed"
    spans, start = [], None
    for i, value in enumerate(list(row) + [False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            spans.append(f"{_clock(start * interval_minutes)}-{_clock(i * interval_minutes)}")
            start = None
    return ", ".join(spans)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
