"""Preflight: what the pipeline will make of a set of inputs, before any stage runs.

Every input here is legal on its own (the readers have validated it). What this module finds is
either *almost surely wrong* (a shift nobody may work, a vendor with no seats that is still paid
its commitment, a month years past the history) — a warning — or *refused later* by a stage (a
queue with too little history to forecast, a new promotion kind with no intensity, a configured
queue with no forecast) — a refusal, named with the command that refuses. ``plan check`` prints
both; ``plan forecast / staffing / roster / scenarios`` print the warnings and stop on their own
refusals before any work. One function, :func:`preflight`, computes the list for all of them.

The rules mirror the stages they speak for: shifts a contract may work and the part-time blocks
come from the roster's instance builder, the history and event rules from the forecaster.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.workforce import Workforce

# A day above this multiple of the queue's median history day is a jump no promotion explains
# (a big promotion day stays well below it): an export in another unit, a duplicated load, a typo.
JUMP_FACTOR = 10.0
# The forecast extrapolates trend and seasonality; beyond this many days past the history's last
# day the figures are guesses a planner should know about.
FAR_BEYOND_DAYS = 62


@dataclass(frozen=True)
class Finding:
    """One line for the user: where (file or config path), what, and the command that refuses it
    (``None``: a warning, the commands go on)."""
    where: str
    text: str
    refused_by: str | None = None

    def line(self) -> str:
        return f"{self.where}: {self.text}"

    def error(self) -> InputError:
        return InputError(self.where, self.text)


def warnings_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.refused_by is None]


def refusals_of(findings: list[Finding], commands: tuple[str, ...] | None = None) -> list[Finding]:
    return [f for f in findings if f.refused_by is not None and (commands is None or f.refused_by in commands)]


def preflight(workforce: Workforce | None = None, history: pd.DataFrame | None = None,
              events: pd.DataFrame | None = None, month: str | None = None,
              forecast: pd.DataFrame | None = None, *, config: str = "workforce",
              horizon: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> list[Finding]:
    """Warnings and refusals for these inputs, in a stable order. Any argument may be missing: a
    command passes what it has (``plan forecast`` has no workforce, ``plan roster`` given a forecast
    file reads no history). ``month`` is ``YYYY-MM``; ``history``/``events``/``forecast`` are the
    frames the readers return (their ``attrs['path']`` names them). ``horizon`` (first and last day)
    stands for ``month`` where a command plans other days than a calendar month."""
    days = _month_days(month) if horizon is None else list(pd.date_range(*horizon, freq="D").date)
    found: list[Finding] = []
    if workforce is not None:
        found += unknown_country(workforce, config)
        found += dead_shifts(workforce, config)
        found += contracts_without_shifts(workforce, config)
        found += breaks_that_do_not_fit(workforce, config)
        found += unusable_part_timers(workforce, config, days)
        found += vendors_without_seats(workforce, config)
        if days:
            found += leave_outside_month(workforce, config, days)
    if history is not None and len(history):
        hist_name = str(history.attrs.get("path", "history"))
        if workforce is not None:
            found += queues_without_history(workforce, history, hist_name, config)
            found += interval_against_site(workforce, history, hist_name, config)
        found += short_histories(history, hist_name)
        found += silent_queues(history, hist_name)
        found += volume_jumps(history, history, hist_name, "history")
        if days:
            found += month_far_from_history(history, days, hist_name)
        if events is not None and len(events):
            found += unseen_kinds_without_intensity(history, events, days)
        if forecast is not None and len(forecast):
            found += volume_jumps(forecast, history, str(forecast.attrs.get("path", "forecast")), "forecast")
    if forecast is not None and workforce is not None:
        found += queues_without_forecast(workforce, forecast, str(forecast.attrs.get("path", "forecast")), config)
    return found


def _month_days(month: str | None) -> list[dt.date]:
    if not month:
        return []
    from plan.optimize.roster.instance import month_days
    return month_days(month)


# ---------------------------------------------------------------- workforce

def unknown_country(workforce: Workforce, config: str) -> list[Finding]:
    """The roster and the forecast take public holidays and 调休 from the site's country."""
    from plan.forecast.calendar import CountryCalendar

    try:
        CountryCalendar(workforce.site.country)
    except InputError as exc:
        return [Finding(f"{config}: site.country", exc.problem, refused_by="roster")]
    return []


def contracts_without_shifts(workforce: Workforce, config: str) -> list[Finding]:
    """Agents on a contract whose daily limit no shift fits are paid but can never be rostered."""
    out = []
    for name, contract in workforce.contracts.items():
        agents = [a.id for a in workforce.in_house if a.contract == name]
        if agents and not any(s.paid_hours <= contract.max_hours_day + 1e-9 for s in workforce.shifts):
            shortest = min(s.paid_hours for s in workforce.shifts)
            out.append(Finding(f"{config}: contracts.{name}.max_hours_day",
                               f"{contract.max_hours_day:g} h a day fits no shift (the shortest pays {shortest:g} h): "
                               f"its {len(agents)} agent(s) ({', '.join(agents[:3])}{', …' if len(agents) > 3 else ''}) "
                               f"are paid but can never be rostered"))
    return out


def dead_shifts(workforce: Workforce, config: str) -> list[Finding]:
    """Shifts no contract may work (the roster only offers a contract the shifts within its daily
    limit), and shifts too short to cover one planning interval."""
    out = []
    longest_day = max((c.max_hours_day for c in workforce.contracts.values()), default=0.0)
    interval_min = workforce.site.interval_minutes
    for i, shift in enumerate(workforce.shifts):
        where = f"{config}: shifts.{i} ({shift.code} {shift.start}-{shift.end})"
        if shift.paid_hours > longest_day + 1e-9:
            why = "its end equals its start, so it lasts 24 h" if shift.length_min == 24 * 60 else \
                f"it is {shift.length_min / 60:g} h long"
            out.append(Finding(where, f"dead shift: {why}; its {shift.paid_hours:g} paid h exceed every contract's "
                                      f"daily limit (at most {longest_day:g} h), so nobody can be given it"))
        elif shift.paid_hours * 60 < interval_min:
            out.append(Finding(where, f"dead shift: {shift.paid_hours * 60:g} paid min cover no whole "
                                      f"{interval_min}-min interval"))
    return out


def breaks_that_do_not_fit(workforce: Workforce, config: str) -> list[Finding]:
    """The roster refuses a shift whose meal break has no place inside its window and the shift."""
    from plan.optimize.roster.instance import DAY_MIN, shift_variants

    interval_min = workforce.site.interval_minutes
    out = []
    for i, shift in enumerate(workforce.shifts):
        try:
            shift_variants(i, shift, interval_min, DAY_MIN // interval_min)
        except InputError as exc:
            out.append(Finding(f"{config}: shifts.{i}.breaks", exc.problem, refused_by="roster"))
    return out


def unusable_part_timers(workforce: Workforce, config: str, days: list[dt.date]) -> list[Finding]:
    """Part-timers for whom the roster can place no block (availability shorter than the minimum
    block, a minimum block above the daily cap, or every available day marked unavailable)."""
    from plan.optimize.roster.instance import part_time_blocks

    span = days or [dt.date(2026, 1, 5) + dt.timedelta(days=k) for k in range(7)]  # any whole week
    out = []
    for i, person in enumerate(workforce.part_time):
        if any(part_time_blocks(workforce, person, span, workforce.site.interval_minutes)):
            continue
        windows = ", ".join(f"{'/'.join(w.days)} {w.start}-{w.end}" for w in person.availability)
        when = "in the month" if days else "in any week"
        out.append(Finding(f"{config}: part_time.{i} ({person.id} {person.name})",
                           f"never usable {when}: available {windows}, but a block is {person.min_block_hours:g}-"
                           f"{person.max_hours_day:g} h"))
    return out


def vendors_without_seats(workforce: Workforce, config: str) -> list[Finding]:
    out = []
    for i, vendor in enumerate(workforce.vendors):
        if vendor.max_seats > 0:
            continue
        where = f"{config}: vendors.{i}.max_seats ({vendor.id} {vendor.name})"
        if vendor.min_monthly_seat_hours > 0:
            cost = vendor.min_monthly_seat_hours * vendor.price_per_seat_hour
            out.append(Finding(where, f"0 seats, yet its commitment of {vendor.min_monthly_seat_hours:g} seat-h "
                                      f"({cost:,.0f} {workforce.site.currency}) is charged every month"))
        else:
            out.append(Finding(where, "0 seats: the vendor can never take a contact"))
    return out


def leave_outside_month(workforce: Workforce, config: str, days: list[dt.date]) -> list[Finding]:
    first, last = days[0], days[-1]
    outside = [(i, a, [d for d in a.leave if not first <= d <= last]) for i, a in enumerate(workforce.in_house)]
    outside = [(i, a, d) for i, a, d in outside if d]
    if not outside:
        return []
    people = ", ".join(f"{a.id} {min(d):%Y-%m-%d}" + (f" (+{len(d) - 1})" if len(d) > 1 else "")
                       for _, a, d in outside[:4])
    more = f" and {len(outside) - 4} more" if len(outside) > 4 else ""
    count = sum(len(d) for *_, d in outside)
    return [Finding(f"{config}: in_house.{outside[0][0]}.leave",
                    f"{count} leave day(s) outside {first:%Y-%m} are ignored by this plan: {people}{more}")]


# ---------------------------------------------------------------- history, events, forecast

def _daily_totals(frame: pd.DataFrame) -> pd.DataFrame:
    stamps = pd.to_datetime(frame["interval_start"])
    return (frame.assign(day=stamps.dt.normalize()).groupby(["queue", "day"], sort=True)["arrivals"].sum()
            .reset_index())


def _interval_minutes(history: pd.DataFrame) -> int:
    if "interval_minutes" in history.attrs:
        return int(history.attrs["interval_minutes"])
    step = history.groupby("queue")["interval_start"].diff().min()
    return int(step / pd.Timedelta(minutes=1)) if pd.notna(step) else 60


def _full_days(history: pd.DataFrame) -> pd.Series:
    """Complete days per queue, as the forecaster counts them (every interval the source exports on
    that weekday present: ``plan.forecast.gaps.day_matrix``)."""
    from plan.forecast.gaps import day_matrix

    minutes = _interval_minutes(history)
    return pd.Series({queue: int((~np.isnan(day_matrix(group, minutes)[0]).any(axis=1)).sum())
                      for queue, group in history.groupby("queue", sort=True)}, dtype=int)


def gaps_in_history(history: pd.DataFrame, name: str) -> list[Finding]:
    """Missing intervals a reader left out (``missing="unknown"``): what plan forecast will not know."""
    from plan.forecast.gaps import day_ranges

    days = history.attrs.get("missing_days", {})
    return [Finding(name, f"queue {queue}: {count} missing interval(s) on {len(days.get(queue, []))} day(s) "
                          f"({day_ranges(pd.DatetimeIndex(days.get(queue, [])))}): plan forecast leaves those days out "
                          f"as not recorded; --fill-missing would count the gaps as zero contacts")
            for queue, count in history.attrs.get("missing_intervals", [])]


def interval_against_site(workforce: Workforce, history: pd.DataFrame, name: str, config: str) -> list[Finding]:
    minutes = history.attrs.get("interval_minutes")
    if minutes is None or minutes == workforce.site.interval_minutes:
        return []
    if minutes == 1440:
        return [Finding(name, "holds daily totals: plan forecast forecasts them by day and splits the days into "
                              f"{workforce.site.interval_minutes}-minute intervals by a profile; plan staffing and "
                              "roster need that forecast (they refuse the daily history itself)")]
    return [Finding(name, f"has {minutes}-minute intervals but {config} says site.interval_minutes "
                          f"{workforce.site.interval_minutes}: plan staffing and roster plan on the config's intervals; "
                          f"make the two agree", refused_by="staffing")]


def queues_without_history(workforce: Workforce, history: pd.DataFrame, name: str, config: str) -> list[Finding]:
    present = set(history["queue"])
    return [Finding(f"{config}: queues.{queue}",
                    f"configured but absent from {name}: plan forecast leaves it out, and plan roster cannot plan "
                    f"it without a forecast; add its history (or a forecast file that has it) or remove the queue",
                    refused_by="roster")
            for queue in workforce.queues if queue not in present]


def queues_without_forecast(workforce: Workforce, forecast: pd.DataFrame, name: str, config: str) -> list[Finding]:
    present = set(forecast["queue"])
    return [Finding(name, f"queue {queue} is configured in {config} but has no forecast rows: the roster cannot "
                          f"plan it; forecast it (its history is needed) or remove it from the config",
                    refused_by="roster")
            for queue in workforce.queues if queue not in present]


def short_histories(history: pd.DataFrame, name: str) -> list[Finding]:
    from plan.forecast.model import MIN_HISTORY_DAYS

    full = _full_days(history)
    return [Finding(name, f"queue {queue}: only {int(n)} full day(s) of history; plan forecast needs at least "
                          f"{MIN_HISTORY_DAYS}", refused_by="forecast")
            for queue, n in full.items() if n < MIN_HISTORY_DAYS]


def silent_queues(history: pd.DataFrame, name: str) -> list[Finding]:
    totals = history.groupby("queue")["arrivals"].sum()
    return [Finding(name, f"queue {queue}: no contact in the whole history, so its forecast is zero")
            for queue, total in totals.items() if total <= 0]


def volume_jumps(frame: pd.DataFrame, history: pd.DataFrame, name: str, what: str) -> list[Finding]:
    """Days of ``frame`` above JUMP_FACTOR times the queue's median history day (the first per queue)."""
    typical = _daily_totals(history).groupby("queue")["arrivals"].median()
    out = []
    for queue, days in _daily_totals(frame).groupby("queue", sort=True):
        base = typical.get(queue)
        if base is None or not base > 0:
            continue
        jump = days[days["arrivals"] > JUMP_FACTOR * base]
        if len(jump):
            worst = jump.loc[jump["arrivals"].idxmax()]
            out.append(Finding(name, f"queue {queue}: {len(jump)} day(s) of the {what} above {JUMP_FACTOR:g}x its "
                                     f"median history day ({base:,.0f}); {worst['day']:%Y-%m-%d} has "
                                     f"{worst['arrivals']:,.0f} ({worst['arrivals'] / base:,.0f}x): another unit, "
                                     f"a double load or a typo?"))
    return out


def month_far_from_history(history: pd.DataFrame, days: list[dt.date], name: str) -> list[Finding]:
    last = history["interval_start"].max().normalize()
    first = pd.Timestamp(days[0])
    if first <= last:
        return [Finding(name, f"{first:%Y-%m} starts inside the history (which ends {last:%Y-%m-%d}): plan forecast "
                              f"forecasts only days after it", refused_by="forecast")]
    gap = (first - last).days
    if gap <= FAR_BEYOND_DAYS:
        return []
    months = (first.year - last.year) * 12 + first.month - last.month
    return [Finding(name, f"{first:%Y-%m} is {months} months after the history's last day ({last:%Y-%m-%d}): the "
                          f"forecast extrapolates that far on trend and seasonality alone")]


def unseen_kinds_without_intensity(history: pd.DataFrame, events: pd.DataFrame, days: list[dt.date]
                                   ) -> list[Finding]:
    """Future events of a kind with no past occurrence need an intensity (> 0): the forecaster
    refuses a horizon that reaches one without it."""
    from plan.forecast.events import MODEL_TAIL_DAYS

    name = str(events.attrs.get("path", "events"))
    last = history["interval_start"].max().normalize()
    learned = set(events.loc[events["end"] <= last, "kind"])
    unseen = events[(events["end"] > last) & ~events["kind"].isin(learned)]
    if days:  # only the events whose days the month's forecast reaches
        first, final = pd.Timestamp(days[0]), pd.Timestamp(days[-1])
        reach = unseen["end"] + pd.Timedelta(days=MODEL_TAIL_DAYS)
        unseen = unseen[(unseen["start"] <= final) & (reach >= first)]
    out = []
    for row, event in unseen.iterrows():
        intensity = event.get("intensity", np.nan)
        if pd.isna(intensity) or intensity <= 0:
            problem = "has no intensity" if pd.isna(intensity) else f"has intensity {intensity:g} (must be > 0)"
            out.append(Finding(f"{name}:{row + 2}", f"event {event['name']!r} is of kind {event['kind']!r}, never seen "
                                                    f"in the history, and {problem}: plan forecast refuses a horizon "
                                                    f"that reaches it", refused_by="forecast"))
    return out
