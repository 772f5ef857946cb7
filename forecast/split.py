"""A daily forecast split into intervals by an intraday profile per queue and day type.

The profile comes from, in this order of preference: an interval history the user gives
(:func:`shape_from_history`: the same recency-weighted day-type profiles and inferred opening
hours as the forecaster's own), a profile file (:mod:`plan.contracts.intraday_profile`), or the
default profile shipped in ``plan/data`` (:data:`DEFAULT_PROFILE`). Every column (mean, p10, p50,
p90) of a day is multiplied by the same shares, so each day's totals are kept exactly and the
quantiles stay ordered; the interval bands then move with the day (they leave out an interval's
own noise around its share, which an interval history would add).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.intraday_profile import ProfileTable, read_intraday_profile
from plan.contracts.paths import SAMPLE_DIR
from plan.contracts.workforce import WEEKDAYS
from plan.forecast.calendar import CountryCalendar
from plan.forecast.events import PhaseDay, phase_days
from plan.forecast.gaps import classify_days, day_matrix, holiday_mask, ordinary_mask
from plan.forecast.hours import OpeningHours, StatedHours, infer_opening_hours
from plan.forecast.intraday import IntradayProfiles

DEFAULT_PROFILE = SAMPLE_DIR / "intraday_profile.csv"
# An interval history must have this many usable days of a queue for its profile to be learned.
MIN_PROFILE_DAYS = 14
COLUMNS = ("arrivals", "p10", "p50", "p90")


def day_type_chain(flags: pd.Series, weekend_days: list[int]) -> list[str]:
    """Profile day types for one day, most specific first (see the profile contract)."""
    dow = int(flags["dow"])
    rest = WEEKDAYS[weekend_days[-1] if weekend_days else 6]
    if flags["holiday"] or flags["holiday_offday"]:
        return ["holiday", rest, "weekend", "all"]
    if flags["swapped_workday"]:
        return ["weekday", "mon", "all"]
    return [WEEKDAYS[dow], "weekend" if dow in weekend_days else "weekday", "all"]


@dataclass
class IntradayShape:
    """Where each queue's intraday shares come from; ``describe`` says it for the command and the sidecar."""

    interval_minutes: int
    source: str                                   # "profile history", "profile file", "default profile"
    path: str
    table: ProfileTable | None = None             # profile file or default: day-type rows
    learned: dict[str, tuple[IntradayProfiles, OpeningHours]] = field(default_factory=dict)
    fallback: "IntradayShape | None" = None        # for queues the profile history does not have

    def describe(self) -> dict:
        out = {"source": self.source, "path": self.path, "interval_minutes": self.interval_minutes}
        if self.learned:
            out["queues"] = sorted(self.learned)
        return out

    def shares(self, queue: str, days: pd.DatetimeIndex, calendar: CountryCalendar, events: pd.DataFrame
               ) -> tuple[np.ndarray, OpeningHours | None, str]:
        """Days x intervals of shares (rows sum to 1), the opening hours learned with them, and where they came from."""
        flags = calendar.flags(days)
        if queue in self.learned:
            profiles, hours = self.learned[queue]
            phases = phase_days(events, days)
            rows = [profiles.profile(d, flags.loc[d], _first_phase(phases.get(d))) for d in days]
            return np.vstack(rows), hours, f"{self.source} {self.path}"
        if self.table is None:
            return self.fallback.shares(queue, days, calendar, events)
        rows = []
        for day in days:
            chain = day_type_chain(flags.loc[day], calendar.weekend_days)
            found = self.table.lookup(queue, chain)
            if found is None:
                raise InputError(self.path, f"no profile for queue {queue} on {day:%Y-%m-%d} (day types "
                                            f"{', '.join(chain)}); add rows for {queue} or * with day_type all",
                                 field="day_type")
            rows.append(found)
        return np.vstack(rows), None, f"{self.source} {self.path}"


def shape_from_file(path) -> IntradayShape:
    table = read_intraday_profile(path)
    return IntradayShape(table.interval_minutes, "profile file", str(path), table=table)


def default_shape() -> IntradayShape:
    table = read_intraday_profile(DEFAULT_PROFILE)
    return IntradayShape(table.interval_minutes, "default profile", str(DEFAULT_PROFILE), table=table)


def shape_from_history(history: pd.DataFrame, events: pd.DataFrame, calendar: CountryCalendar,
                       fallback: IntradayShape) -> IntradayShape:
    """Per queue, the forecaster's intraday profiles and opening hours learned from an interval history."""
    from plan.forecast.model import rest_day

    source = str(history.attrs.get("path", "profile history"))
    minutes = int(history.attrs.get("interval_minutes", 60))
    if minutes == 1440:
        raise InputError(source, "holds daily totals: a profile history needs 60-, 30- or 15-minute intervals",
                         field="interval_start")
    learned = {}
    workdays = [d for d in range(7) if d not in calendar.weekend_days]
    for queue, group in history.groupby("queue", sort=True):
        counts, days = day_matrix(group, minutes)
        flags = calendar.flags(days)
        phases = phase_days(events, days)
        status = classify_days(counts, days, holiday_mask(flags), ordinary_mask(flags, phases))
        usable = status.usable
        if usable.sum() < MIN_PROFILE_DAYS:
            raise InputError(source, f"queue {queue}: only {int(usable.sum())} full recorded day(s); an intraday "
                                     f"profile needs at least {MIN_PROFILE_DAYS}", field="interval_start")
        totals = np.nansum(counts[usable], axis=1)
        rest = rest_day(totals, flags[usable], calendar.weekend_days)
        chosen = {d: _first_phase(p) for d, p in phases.items()}
        profiles = IntradayProfiles(1440 // minutes, rest_dow=rest, workdays=tuple(workdays)).fit(
            counts[usable], days[usable], flags[usable], chosen)
        hours = infer_opening_hours(counts, days, usable, status.closed_weekdays, minutes)
        learned[queue] = (profiles, hours)
    return IntradayShape(minutes, "profile history", source, learned=learned, fallback=fallback)


def split_daily(daily: pd.DataFrame, shape: IntradayShape, calendar: CountryCalendar, events: pd.DataFrame,
                stated: dict[str, StatedHours] | None = None) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Intervals from daily rows (``queue, interval_start`` at 00:00, ``arrivals, p10, p50, p90``).

    Returns the interval table, the profile used per queue, and notes. Stated opening hours (or
    those learned with a profile history) close intervals: their share moves to the open ones.
    """
    stated = stated or {}
    slots = 1440 // shape.interval_minutes
    offsets = np.arange(slots) * np.timedelta64(shape.interval_minutes, "m")
    tables, used, notes = [], {}, []
    for queue, part in daily.groupby("queue", sort=False):
        days = pd.DatetimeIndex(part["interval_start"]).normalize()
        shares, learned_hours, used[queue] = shape.shares(queue, days, calendar, events)
        hours = stated[queue].at(shape.interval_minutes) if queue in stated else learned_hours
        if hours is not None:
            shares, unmovable = _open_only(shares, hours.mask(days))
            unmovable &= part["arrivals"].to_numpy() > 0
            if unmovable.any():
                notes.append(f"queue {queue}: the opening hours close every interval of {int(unmovable.sum())} "
                             f"forecast day(s) with contacts; those days keep the profile's shares")
        values = {c: part[c].to_numpy(dtype=float)[:, None] * shares for c in COLUMNS if c in part}
        tables.append(pd.DataFrame({"queue": queue, "interval_start": (days.to_numpy()[:, None] + offsets).ravel(),
                                    **{c: v.ravel() for c, v in values.items()}}))
    return pd.concat(tables, ignore_index=True), used, notes


def _open_only(shares: np.ndarray, open_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares of closed intervals moved to the open ones; a day the mask closes entirely keeps its shares."""
    kept = shares * open_mask
    total = kept.sum(axis=1, keepdims=True)
    unmovable = total[:, 0] <= 0
    return np.where(unmovable[:, None], shares, kept / np.where(total > 0, total, 1.0)), unmovable


def _first_phase(phases: list[PhaseDay] | None) -> PhaseDay | None:
    return phases[0] if phases else None
