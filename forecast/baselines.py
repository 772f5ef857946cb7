"""Benchmarks a forecast must beat: seasonal naive, and the same event last year scaled by the level.

Both see only the history before the origin, like the model.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from plan.forecast.events import phase_days

LEVEL_WINDOW_DAYS = 28
YEAR_DAYS = 364  # 52 weeks: the same weekday a year ago


def seasonal_naive(series: pd.Series, origin: pd.Timestamp, stamps: pd.DatetimeIndex) -> np.ndarray:
    """Same interval of the last observed week before ``origin``, repeated over the horizon."""
    week = pd.Timedelta(days=7)
    weeks_back = np.ceil(((stamps - origin) + pd.Timedelta(minutes=1)) / week).astype(int)
    source = stamps - weeks_back * week
    return series.reindex(source).to_numpy(dtype=float)


def last_year_scaled(series: pd.Series, events: pd.DataFrame, origin: pd.Timestamp,
                     stamps: pd.DatetimeIndex) -> np.ndarray:
    """Last year's value of the same moment, times the change of level since then.

    On a promotion phase-day the same phase-day of the kind's previous occurrence is used (aligned
    on the peak day), elsewhere the same weekday 52 weeks back. The level change is the ratio of
    the last 28 days before the origin to the same 28 days a year earlier.
    """
    year = pd.Timedelta(days=YEAR_DAYS)
    window = pd.Timedelta(days=LEVEL_WINDOW_DAYS)
    recent = series[(series.index >= origin - window) & (series.index < origin)].sum()
    before = series[(series.index >= origin - year - window) & (series.index < origin - year)].sum()
    if before <= 0 or recent <= 0:
        return np.full(len(stamps), np.nan)
    shift = np.full(len(stamps), YEAR_DAYS, dtype=int)
    days = stamps.normalize()
    phases = phase_days(events, pd.DatetimeIndex(days.unique()))
    ends = {}
    if events is not None and len(events):
        for ev in events.itertuples(index=False):
            ends.setdefault(str(ev.kind), []).append(pd.Timestamp(ev.end).normalize())
    for i, day in enumerate(days):
        for ph in phases.get(day, []):
            this_end = day - pd.Timedelta(days=ph.offset)
            earlier = [e for e in ends.get(ph.kind, []) if e < this_end and e + pd.Timedelta(days=ph.offset) < origin]
            if earlier:
                shift[i] = (this_end - max(earlier)).days
                break
    source = stamps - pd.to_timedelta(shift, unit="D")
    values = series.reindex(source).to_numpy(dtype=float, copy=True)
    values[np.asarray(source >= origin)] = np.nan
    return values * (recent / before)
