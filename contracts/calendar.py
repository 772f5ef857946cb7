"""The calendar every stage shares: statutory holidays, 调休, day kinds and event days.

One definition each, used by the forecaster's features, staffing's event targets, the roster's
premiums and finance. ``plan verify`` keeps its own reading on purpose (an independent check).

* **Statutory holiday** (法定节假日): a day the State Council's holiday notice names, paid at
  300 % when worked (Labour Law of the PRC, art. 44(3)). Taken from the ``holidays`` package
  with ``observed=False``, in English names so that the swapped days can be told apart.
* **调休**: a rest day swapped onto a weekday ("Day off (substituted from …)") is a rest day, paid
  at 200 % when worked (art. 44(2)), not a statutory holiday; the weekend day it was swapped from
  is a working day (``weekend_workdays`` of the calendar).
* **Day kind**: ``holiday``, ``rest_day`` or ``workday`` for each date.
* **Event day**: inside an event's ``start..end``, or in the after-sales tail of a big promotion
  (:data:`TAIL_EVENT_KINDS`, :data:`EVENT_TAIL_DAYS` days after its peak). Event days use a
  queue's ``event_targets`` and a vendor's event price.
* **Event phase**: ``run_up`` (an event's days before its last), ``peak`` (its last day) and
  ``tail`` (the after-sales days above); shift templates may be limited to kinds and phases.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays
import numpy as np
import pandas as pd

from plan.contracts.errors import InputError

DAY_KINDS = ("workday", "rest_day", "holiday")
# After-sales tail: the days after a big promotion's peak still count as event days (event targets).
TAIL_EVENT_KINDS = ("double11", "618")
EVENT_TAIL_DAYS = 14
_SWAPPED_REST_MARKER = "substitut"  # "Day off (substituted from …)" in the package's English names


def country_calendar(country: str, years: Iterable[int], *, observed: bool = False) -> holidays.HolidayBase:
    """The ``holidays`` calendar of ``country`` for ``years`` (English names), or a located error."""
    try:
        return holidays.country_holidays(country, years=sorted(set(years)), observed=observed, language="en_US")
    except NotImplementedError:
        raise InputError(None, f"country {country!r} is not known to the holidays package; use an ISO 3166 "
                               f"code such as CN", field="site.country") from None


def is_swapped_rest_day(name: str) -> bool:
    """True for a 调休 rest day's name, a weekday given off in exchange for a weekend day worked."""
    return _SWAPPED_REST_MARKER in name.lower()


def statutory_holidays(country: str, years: Iterable[int]) -> set[dt.date]:
    """The statutory holidays (法定节假日) of ``years``: named days, without 调休 and observed substitutes."""
    calendar = country_calendar(country, years)
    return {day for day, name in calendar.items() if not is_swapped_rest_day(name)}


def day_kinds(days: list[dt.date], country: str) -> list[str]:
    """``holiday`` (statutory), ``rest_day`` (weekend or 调休) or ``workday`` (incl. swapped weekend workdays)."""
    years = {d.year for d in days}
    calendar = country_calendar(country, years)
    statutory = {day for day, name in calendar.items() if not is_swapped_rest_day(name)}
    return ["holiday" if day in statutory else "workday" if calendar.is_working_day(day) else "rest_day"
            for day in days]


def event_day_mask(dates: pd.Series | pd.DatetimeIndex | list, events: pd.DataFrame | None, *,
                   with_tail: bool = True) -> np.ndarray:
    """True where the date is an event day: inside an event (start..end), or, ``with_tail``, up to
    :data:`EVENT_TAIL_DAYS` days after the peak of a :data:`TAIL_EVENT_KINDS` promotion."""
    days = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    mask = np.zeros(len(days), dtype=bool)
    if events is None or len(events) == 0:
        return mask
    for row in events.itertuples(index=False):
        start, end = pd.Timestamp(row.start).normalize(), pd.Timestamp(row.end).normalize()
        if with_tail and str(row.kind) in TAIL_EVENT_KINDS:
            end = end + pd.Timedelta(days=EVENT_TAIL_DAYS)
        mask |= np.asarray((days >= start) & (days <= end))
    return mask


def event_phases(days: list[dt.date], events: pd.DataFrame | None) -> list[set[tuple[str, str]]]:
    """For each day, the (event kind, phase) pairs it lies in: ``run_up``, ``peak`` or ``tail``."""
    out: list[set[tuple[str, str]]] = [set() for _ in days]
    if events is None or len(events) == 0:
        return out
    for row in events.itertuples(index=False):
        start, end = pd.Timestamp(row.start).date(), pd.Timestamp(row.end).date()
        tail_end = end + dt.timedelta(days=EVENT_TAIL_DAYS if str(row.kind) in TAIL_EVENT_KINDS else 0)
        for i, day in enumerate(days):
            if start <= day < end:
                out[i].add((str(row.kind), "run_up"))
            elif day == end:
                out[i].add((str(row.kind), "peak"))
            elif end < day <= tail_end:
                out[i].add((str(row.kind), "tail"))
    return out


def event_windows(event_day: np.ndarray) -> np.ndarray:
    """For each day, the index of the first day of its run of consecutive event days (itself otherwise)."""
    first = np.arange(len(event_day))
    for d in range(1, len(event_day)):
        if event_day[d] and event_day[d - 1]:
            first[d] = first[d - 1]
    return first
