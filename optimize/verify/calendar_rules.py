"""The verifier's own reading of the calendar rules it checks (day premiums, event targets).

Written apart from :mod:`plan.contracts.calendar` on purpose: ``plan verify`` is an independent
check of the roster, so a mistake in the shared definition shows up as a violation here instead
of being repeated by both.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def event_days(events: pd.DataFrame, days: pd.DatetimeIndex, *, tail_days: int = 14,
               tail_kinds: tuple[str, ...] = ("double11", "618")) -> np.ndarray:
    """Boolean per day: inside an event's [start, end], or within ``tail_days`` after the end of a
    double11 / 618 (the after-sales tail), as the shared brief defines an event day."""
    flags = np.zeros(len(days), dtype=bool)
    for row in events.itertuples(index=False):
        last = row.end + pd.Timedelta(days=tail_days) if row.kind in tail_kinds else row.end
        flags |= np.asarray((days >= row.start) & (days <= last))
    return flags


def event_phase_pairs(events: pd.DataFrame, day: pd.Timestamp, *, tail_days: int = 14,
                      tail_kinds: tuple[str, ...] = ("double11", "618")) -> set[tuple[str, str]]:
    """(kind, phase) of every event ``day`` falls in: ``run_up`` before the event's last day, ``peak``
    on it, ``tail`` in the after-sales days of a double11 / 618 (the shift templates' validity)."""
    pairs = set()
    for row in events.itertuples(index=False):
        if row.start <= day < row.end:
            pairs.add((row.kind, "run_up"))
        elif day == row.end:
            pairs.add((row.kind, "peak"))
        elif row.kind in tail_kinds and row.end < day <= row.end + pd.Timedelta(days=tail_days):
            pairs.add((row.kind, "tail"))
    return pairs


def statutory_holidays(country: str, years: list[int]) -> set[dt.date]:
    """Statutory public holidays (法定节假日), the days paid at the holiday premium.

    Swapped days off (调休) are rest days, not statutory holidays, so they are left out, as are
    observed substitutes; both are paid at the rest-day premium under PRC labour law.
    """
    import holidays

    try:
        calendar = holidays.country_holidays(country, years=years, observed=False)
    except NotImplementedError:
        return set()
    return {day for day, name in calendar.items() if "substitut" not in name.lower()}
