"""The day calendar of a country: public holidays, swapped working days (调休), eves, bridges, long blocks.

Everything comes from the ``holidays`` package (``holidays.country_holidays``), which computes any
year; the swapped working days are its ``weekend_workdays`` (published only for years the State
Council has announced: :func:`unpublished_swap_years` says which requested years lack them).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import re

import holidays
import numpy as np
import pandas as pd

from plan.contracts.calendar import country_calendar

# Holiday blocks of at least this many consecutive days off get pre/post windows of their own:
# Spring Festival and Golden Week move couriers and shoppers for days around them.
LONG_BLOCK_DAYS = 3

CALENDAR_FLAGS = [
    "holiday",            # public holiday on a normal working day
    "holiday_offday",     # public holiday falling on a weekend day
    "holiday_long",       # any day inside a long holiday block
    "optional_holiday",   # other categories (IL optional / chol hamoed, CN half days)
    "swapped_workday",    # weekend day made a working day (调休)
    "eve",                # day just before the first public holiday of a block
    "after_holiday",      # first working day after a holiday block (rebound)
    "bridge",             # working day squeezed between a holiday and the weekend
    "pre_long_1_3",       # 1-3 days before a long block
    "pre_long_4_7",       # 4-7 days before a long block
    "post_long_1_3",      # 1-3 days after a long block
]


# Windows around a named long block (Spring Festival, Golden Week, Passover), by day offset from the
# block's first day ("pre...") or last day ("post..."): couriers stop a week before 春节 and shipping
# resumes after 初七, so each named block gets effects of its own, learned from its past years.
LONG_BLOCK_WINDOWS = (("pre8_14", -14, -8), ("pre2_7", -7, -2), ("pre1", -1, -1), ("in", 0, 0),
                      ("post1_3", 1, 3), ("post4_7", 4, 7), ("post8_14", 8, 14))


def _block_name(names: list[str]) -> str:
    """The holiday a block is named after: its most frequent holiday name, without '(observed)' etc."""
    cleaned = [re.sub(r"\s*\(.*?\)\s*", " ", n).strip() for n in names]
    cleaned = [n for n in cleaned if not n.lower().startswith("day off")] or cleaned
    return max(sorted(set(cleaned)), key=cleaned.count) if cleaned else "holiday"


@dataclass
class CountryCalendar:
    """Daily calendar flags for one country; build once, query any date range."""

    country: str = "CN"
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        country_calendar(self.country, [2000])  # an unknown country is a located error at once

    def _holidays(self, years: list[int]) -> tuple[dict, set, set, set]:
        public = country_calendar(self.country, years, observed=True)
        categories = [c for c in getattr(public, "supported_categories", ("public",)) if c != "public"]
        other = holidays.country_holidays(self.country, years=years, categories=tuple(categories)) if categories else {}
        weekend = set(public.weekend)
        swapped = {pd.Timestamp(d) for d in getattr(public, "weekend_workdays", set())}
        return ({pd.Timestamp(d): name for d, name in public.items()}, {pd.Timestamp(d) for d in other},
                weekend, swapped)

    def flags(self, dates: pd.DatetimeIndex) -> pd.DataFrame:
        """One row per date: ``dow`` (0=Monday), ``day_off`` and the :data:`CALENDAR_FLAGS` as 0/1."""
        dates = pd.DatetimeIndex(dates).normalize()
        # Look a little beyond the range so eves, bridges and windows at the edges are right.
        span = pd.date_range(dates.min() - pd.Timedelta(days=10), dates.max() + pd.Timedelta(days=10), freq="D")
        public, other, weekend, swapped = self._holidays(sorted(set(span.year)))
        dow = span.day_of_week.to_numpy()
        is_public = np.array([d in public for d in span])
        is_weekend = np.isin(dow, sorted(weekend)) & ~np.array([d in swapped for d in span])
        off = is_public | is_weekend
        out = pd.DataFrame(0, index=span, columns=CALENDAR_FLAGS, dtype=np.int8)
        out["dow"] = dow
        out["day_off"] = off.astype(np.int8)
        out["holiday"] = (is_public & ~np.isin(dow, sorted(weekend))).astype(np.int8)
        out["holiday_offday"] = (is_public & np.isin(dow, sorted(weekend))).astype(np.int8)
        out["optional_holiday"] = (np.array([d in other for d in span]) & ~is_public).astype(np.int8)
        out["swapped_workday"] = np.array([d in swapped for d in span]).astype(np.int8)
        self._mark_blocks(out, is_public, off, [public.get(d, "") for d in span])
        return out.loc[dates]

    @staticmethod
    def _mark_blocks(out: pd.DataFrame, is_public: np.ndarray, off: np.ndarray, names: list[str]) -> None:
        """Eves, rebounds, bridges and long-block windows around each run of days off holding a holiday."""
        n = len(off)
        blocks = [""] * n
        i = 0
        while i < n:
            if not off[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and off[j + 1]:
                j += 1
            if is_public[i:j + 1].any():
                # The eve is the day before the first holiday (in IL often the Friday half-day before a
                # Saturday feast), not merely the last working day before the block.
                first = i + int(np.argmax(is_public[i:j + 1]))
                if first - 1 >= 0 and not is_public[first - 1]:
                    out.iloc[first - 1, out.columns.get_loc("eve")] = 1
                if j + 1 < n:
                    out.iloc[j + 1, out.columns.get_loc("after_holiday")] = 1
                # A single working day between this block and another day off is a bridge.
                for k in (i - 1, j + 1):
                    if 0 <= k < n and not off[k]:
                        left = off[k - 1] if k - 1 >= 0 else False
                        right = off[k + 1] if k + 1 < n else False
                        if left and right:
                            out.iloc[k, out.columns.get_loc("bridge")] = 1
                if j - i + 1 >= LONG_BLOCK_DAYS:
                    out.iloc[i:j + 1, out.columns.get_loc("holiday_long")] = 1
                    for k, column in ((range(i - 3, i), "pre_long_1_3"), (range(i - 7, i - 3), "pre_long_4_7"),
                                      (range(j + 1, j + 4), "post_long_1_3")):
                        for m in k:
                            if 0 <= m < n and not off[m]:
                                out.iloc[m, out.columns.get_loc(column)] = 1
                    name = _block_name([names[m] for m in range(i, j + 1) if names[m]])
                    for label, first, last in LONG_BLOCK_WINDOWS:
                        lo, hi = (i + first, i + last) if label.startswith("pre") else (j + first, j + last)
                        if label == "in":
                            lo, hi = i, j
                        for m in range(max(lo, 0), min(hi, n - 1) + 1):
                            if not blocks[m]:
                                blocks[m] = f"{name}|{label}"
            i = j + 1
        out["long_block"] = blocks

    def holiday_names(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """The public holiday each date is ('' when none), without '(observed)' and the like, so that the
        same feast matches across years; a bare "Day off" takes the name of the holiday it extends."""
        dates = pd.DatetimeIndex(dates).normalize()
        span = pd.date_range(dates.min() - pd.Timedelta(days=7), dates.max(), freq="D")
        public = country_calendar(self.country, sorted(set(span.year)), observed=True)
        raw = {pd.Timestamp(d): _block_name(name.split(";")) for d, name in public.items()}
        names, last_named = {}, ("", None)
        for day in span:
            name = raw.get(day, "")
            if name.lower().startswith("day off") and last_named[1] is not None and (day - last_named[1]).days <= 7:
                name = last_named[0]
            elif name:
                last_named = (name, day)
            names[day] = name
        return np.array([names[d] for d in dates], dtype=object)

    @property
    def weekend_days(self) -> list[int]:
        """Weekday numbers (0=Monday) of the country's weekend: CN Sat/Sun, IL Fri/Sat."""
        return sorted(country_calendar(self.country, [2000]).weekend)

    def unpublished_swap_years(self, years: list[int]) -> list[int]:
        """Years for which the country uses swapped workdays but none are published yet (CN beyond the decree)."""
        public = country_calendar(self.country, years, observed=True)
        published = {d.year for d in getattr(public, "weekend_workdays", set())}
        if not published:
            return []
        return [y for y in sorted(set(years)) if y not in published]
