"""What a history does not say: missing intervals and days, closed days, and outlier days.

A gap is "not recorded", never zero: a day with a missing interval has no known total, and is
left out of fitting and scoring. An interval that a history never exports on that weekday (a
night hour absent from most Tuesdays) is taken as closed, i.e. zero. A day whose total is zero on
a holiday is a closed date; zero on an ordinary open weekday is an outage. An outlier day (an
outage, a logging failure, an unexplained spike) is one far from the same weekday in the weeks
around it *and* from its neighbouring days, so that a lasting change of level is not mistaken
for a run of outliers. Each of them is reported once, with where.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# A weekday's interval that is present on fewer than this share of the days a history has rows
# for is one the source does not export (closed), not a gap.
RECORDED_SHARE = 0.5
# A day below this share of its weekday's usual total is empty: closed or an outage.
EMPTY_DAY_SHARE = 0.02
# A weekday empty on at least this share of its days is a closed weekday.
CLOSED_WEEKDAY_SHARE = 0.8
# Outliers: |log deviation| beyond this many robust sigmas of ordinary days, and at least this much
# (log 0.3 = a day 26 % low or 35 % high), both from its weekday and from its neighbours.
OUTLIER_SIGMAS = 4.0
OUTLIER_MIN_LOG = 0.3
REFERENCE_WEEKS = 4
NEIGHBOUR_DAYS = 3


@dataclass
class DayStatus:
    """Per day of one queue's history (aligned with ``days``)."""

    days: pd.DatetimeIndex
    missing: np.ndarray        # not recorded (entirely or partly)
    closed: np.ndarray         # empty on a holiday or a closed weekday
    outlier: np.ndarray        # recorded, open, far from what its weekday and neighbours say
    closed_weekdays: list[int] = field(default_factory=list)

    @property
    def usable(self) -> np.ndarray:
        """Days the model learns from."""
        return ~(self.missing | self.closed | self.outlier)


def day_matrix(group: pd.DataFrame, interval_minutes: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Days x intervals of counts over every calendar day from the first to the last; NaN = not recorded.

    Intervals a history does not export on that weekday (see :data:`RECORDED_SHARE`) are zero.
    """
    series = group.set_index("interval_start")["arrivals"].astype(float)
    stamps = pd.DatetimeIndex(series.index)
    day = stamps.normalize()
    slots = 1440 // interval_minutes
    slot = np.asarray(((stamps - day) / pd.Timedelta(minutes=interval_minutes)).astype(int))
    days = pd.date_range(day.min(), day.max(), freq="D")
    counts = np.full((len(days), slots), np.nan)
    counts[np.asarray((day - days[0]).days), slot] = series.to_numpy()
    present = ~np.isnan(counts)
    has_rows = present.any(axis=1)
    dow = days.day_of_week.to_numpy()
    for d in range(7):
        rows = has_rows & (dow == d)
        if not rows.any():
            continue
        unexported = present[rows].mean(axis=0) < RECORDED_SHARE
        block = counts[dow == d]
        block[:, unexported] = np.where(np.isnan(block[:, unexported]), 0.0, block[:, unexported])
        counts[dow == d] = block
    return counts, days


def classify_days(counts: np.ndarray, days: pd.DatetimeIndex, holiday: np.ndarray, ordinary: np.ndarray
                  ) -> DayStatus:
    """Missing, closed and outlier days.

    ``holiday`` marks public (or optional) holidays; ``ordinary`` the days with no calendar or
    promotion effect, on which the outlier rule is calibrated.
    """
    missing = np.isnan(counts).any(axis=1)
    totals = np.where(missing, np.nan, np.nansum(counts, axis=1))
    dow = days.day_of_week.to_numpy()
    usual = _weekday_usual(totals, dow, ordinary & ~missing)
    empty = ~missing & (totals <= EMPTY_DAY_SHARE * np.maximum(usual, 1.0))
    closed_weekdays = [d for d in range(7)
                       if ((dow == d) & ~missing).any() and empty[(dow == d) & ~missing].mean() >= CLOSED_WEEKDAY_SHARE]
    closed = empty & (holiday | np.isin(dow, closed_weekdays))
    outlier = empty & ~closed
    # Only ordinary days are judged against their weekday: a holiday or a promotion day is far from
    # it by design, and its own effect is learned robustly (Huber weights) by the daily model.
    outlier |= _far_days(np.log1p(totals), dow, ~missing & ~empty & ordinary)
    return DayStatus(days, missing, closed, outlier & ~missing, closed_weekdays)


def holiday_mask(cal: pd.DataFrame) -> np.ndarray:
    """Public and optional holidays of a calendar frame (``plan.forecast.calendar``)."""
    return (cal["holiday"] | cal["holiday_offday"] | cal["optional_holiday"]).to_numpy().astype(bool)


def ordinary_mask(cal: pd.DataFrame, phases: dict) -> np.ndarray:
    """Days without any calendar or promotion effect: where "usual" and "outlier" are judged."""
    flags = [c for c in ("holiday", "holiday_offday", "optional_holiday", "swapped_workday", "eve", "after_holiday",
                         "bridge", "pre_long_1_3", "pre_long_4_7", "post_long_1_3") if c in cal.columns]
    special = cal[flags].to_numpy().any(axis=1) | (cal["long_block"].to_numpy() != "")
    promo = np.array([bool(phases.get(d)) for d in cal.index])
    return ~(special | promo)


def _weekday_usual(totals: np.ndarray, dow: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each day's weekday median over the whole history (ordinary recorded days)."""
    out = np.full(len(totals), np.nan)
    for d in range(7):
        pick = rows & (dow == d)
        out[dow == d] = np.median(totals[pick]) if pick.any() else np.nan
    overall = np.nanmedian(totals[rows]) if rows.any() else 0.0
    return np.where(np.isnan(out), overall, out)


def _far_days(log_total: np.ndarray, dow: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Days far from the same weekday around them and from their neighbours (see module doc)."""
    n = len(log_total)
    reference = np.full(n, np.nan)
    known = candidates
    for i in range(n):
        others = [i + 7 * k for k in range(-REFERENCE_WEEKS, REFERENCE_WEEKS + 1) if k and 0 <= i + 7 * k < n]
        values = log_total[[j for j in others if known[j]]]
        if len(values) >= 3:
            reference[i] = np.median(values)
    deviation = log_total - reference
    base = deviation[known & ~np.isnan(deviation)]
    if len(base) < 14:
        return np.zeros(n, dtype=bool)
    sigma = 1.4826 * float(np.median(np.abs(base - np.median(base))))
    limit = max(OUTLIER_SIGMAS * sigma, OUTLIER_MIN_LOG)
    far = candidates & (np.abs(deviation) > limit)
    out = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(far):
        around = [j for j in range(i - NEIGHBOUR_DAYS, i + NEIGHBOUR_DAYS + 1)
                  if j != i and 0 <= j < n and candidates[j] and not np.isnan(deviation[j])]
        local = np.median(deviation[around]) if around else 0.0
        out[i] = abs(deviation[i] - local) > limit
    return out


def day_ranges(days: pd.DatetimeIndex, limit: int = 6) -> str:
    """'2025-03-04, 2025-03-10..2025-03-12 and 3 more': consecutive days joined."""
    if len(days) == 0:
        return ""
    days = pd.DatetimeIndex(sorted(days))
    runs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for d in days:
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    text = [f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d}..{b:%Y-%m-%d}" for a, b in runs[:limit]]
    more = f" and {len(runs) - limit} more" if len(runs) > limit else ""
    return ", ".join(text) + more
