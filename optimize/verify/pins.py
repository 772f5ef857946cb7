"""Pins and the carried-in state, re-checked from ``inputs/pins.csv`` and ``inputs/carry_in.csv``.

Pinned days must be in roster.csv as pinned, unless the plan lists the pin in ``summary.json``
``pins.unmet`` (a pin the labour rules did not let it keep, with the reason). The carried-in state
is each person's state before the month's first day: the rules that cross that edge are checked
here with it, where :mod:`plan.optimize.verify.people` assumes a rested start — consecutive days
worked, rest after the last shift, the first calendar week's regular hours and rest days. Each
finding here is one the month-only checks cannot see (they report the rest).
"""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from plan.contracts.pins import CarryIn, Pin, read_carry_in, read_pins
from plan.contracts.plan_files import NOT_WORKING, PlanFiles
from plan.optimize.verify.findings import Violation, hours

ROSTER = "roster.csv"
TOLERANCE_H = 1e-6


def _input(plan: PlanFiles, name: str):
    path = plan.directory / "inputs" / name
    return path if path.exists() else None


def _declared_unmet(plan: PlanFiles) -> set[tuple[str, str, str]]:
    unmet = (plan.summary.get("pins") or {}).get("unmet") or []
    return {(str(u.get("agent_id")), str(u.get("date")), str(u.get("shift_code"))) for u in unmet if isinstance(u, dict)}


def check_pins_kept(plan: PlanFiles, pins: list[Pin]) -> Iterator[Violation]:
    """Each pinned person-day carries the pinned code, or the plan says why not."""
    rows = {(row.id, row.date.date()): row for row in plan.roster.itertuples(index=False)}
    declared = _declared_unmet(plan)
    for pin in pins:
        if (pin.agent_id, f"{pin.date:%Y-%m-%d}", pin.shift_code) in declared:
            continue
        row = rows.get((pin.agent_id, pin.date))
        if row is None:
            yield Violation("inputs/pins.csv", pin.line, "pin_not_kept", f"{pin.agent_id} {pin.date:%Y-%m-%d}",
                            f"pinned {pin.shift_code}, but roster.csv has no row for it")
        elif row.shift_code != pin.shift_code:
            yield Violation(ROSTER, int(row.line), "pin_not_kept", f"{row.id} {row.name} {pin.date:%Y-%m-%d}",
                            f"{row.shift_code} on a day pinned to {pin.shift_code} (inputs/pins.csv line {pin.line}), "
                            f"and summary.json pins.unmet does not list it")


def _working(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[~rows["shift_code"].isin(NOT_WORKING)]


def check_carried_consecutive_days(plan: PlanFiles, state: CarryIn, rows: pd.DataFrame) -> Iterator[Violation]:
    limit = plan.workforce.labour_rules.max_consecutive_days
    working = set(_working(rows)["date"])
    run = 0
    while run < len(plan.days) and plan.days[run] in working:
        run += 1
    if 0 < run <= limit < state.consecutive_days_worked + run:
        day = plan.days[max(0, limit - state.consecutive_days_worked)]
        row = rows[rows["date"] == day].iloc[0]
        yield Violation(ROSTER, int(row.line), "consecutive_days", f"{row.id} {row['name']} {day:%Y-%m-%d}",
                        f"{state.consecutive_days_worked} day(s) worked before the month and {run} at its start "
                        f"make a run of {state.consecutive_days_worked + run} (max {limit})")


def check_carried_rest_between_shifts(plan: PlanFiles, state: CarryIn, rows: pd.DataFrame) -> Iterator[Violation]:
    if state.last_shift_end is None:
        return
    minimum = plan.workforce.labour_rules.min_rest_between_shifts_h
    work = _working(rows).dropna(subset=["start"]).sort_values("start")
    if work.empty:
        return
    first = work.iloc[0]
    rest = (first["start"] - pd.Timestamp(state.last_shift_end)) / pd.Timedelta(hours=1)
    if rest < minimum - TOLERANCE_H:
        yield Violation(ROSTER, int(first.line), "rest_between_shifts", f"{first.id} {first['name']} "
                        f"{first['date']:%Y-%m-%d}", f"{hours(rest)} rest after the carried-in shift ending "
                        f"{state.last_shift_end:%m-%d %H:%M} (min {hours(minimum)})")


def _first_week(plan: PlanFiles) -> pd.DatetimeIndex:
    """The month's days in the calendar week (Mon-Sun) it starts in."""
    days = plan.days
    return days[: 7 - days[0].day_of_week]


def check_carried_week_hours(plan: PlanFiles, state: CarryIn, contract, rows: pd.DataFrame) -> Iterator[Violation]:
    if contract.system != "standard" or state.hours_this_week <= 0:
        return
    work = _working(rows)
    work = work[work["date"].isin(_first_week(plan))]
    inside = float((work["paid_hours"] - work["overtime_hours"]).sum())
    cap = contract.max_hours_week
    if inside <= cap + TOLERANCE_H < inside + state.hours_this_week:
        row = work.iloc[0] if len(work) else rows.iloc[0]
        yield Violation(ROSTER, int(row.line), "weekly_hours", f"{row.id} {row['name']} week of "
                        f"{plan.days[0] - pd.Timedelta(days=plan.days[0].day_of_week):%Y-%m-%d}",
                        f"{hours(inside)} regular hours in the month's part of the week and {hours(state.hours_this_week)} "
                        f"carried in before it (max {hours(cap)}; the excess must be counted overtime)")


def check_carried_rest_days_week(plan: PlanFiles, state: CarryIn, rows: pd.DataFrame) -> Iterator[Violation]:
    """The first calendar week: of its days before the month, the last ``consecutive_days_worked``
    were worked, so the month's part holds the rest days they did not."""
    minimum = plan.workforce.labour_rules.min_rest_days_per_week
    week = _first_week(plan)
    before = 7 - len(week)
    worked_before = min(state.consecutive_days_worked, before)
    needed = max(0, minimum - (before - worked_before))
    working = set(_working(rows)["date"])
    rested = sum(day not in working for day in week)
    if max(0, minimum - before) <= rested < needed:
        row = rows[rows["date"].isin(week)].iloc[0]
        yield Violation(ROSTER, int(row.line), "rest_days_week", f"{row.id} {row['name']} week of "
                        f"{week[0] - pd.Timedelta(days=week[0].day_of_week):%Y-%m-%d}",
                        f"{rested} rest day(s) in the month's part of the week after {worked_before} day(s) worked "
                        f"before it (min {minimum} in the week)")


def check_carry_in(plan: PlanFiles, carry: list[CarryIn]) -> Iterator[Violation]:
    agents = {a.id: a for a in plan.workforce.in_house}
    by_person = {person: rows.sort_values("date") for person, rows in plan.roster.groupby("id", sort=False)}
    for state in carry:
        agent, rows = agents.get(state.agent_id), by_person.get(state.agent_id)
        if agent is None or rows is None or rows.empty:
            yield Violation("inputs/carry_in.csv", state.line, "unknown_person", state.agent_id,
                            "carried-in state for someone with no in-house rows in roster.csv")
            continue
        yield from check_carried_consecutive_days(plan, state, rows)
        yield from check_carried_rest_between_shifts(plan, state, rows)
        yield from check_carried_week_hours(plan, state, plan.workforce.contracts[agent.contract], rows)
        yield from check_carried_rest_days_week(plan, state, rows)


def check_pins_and_carry_in(plan: PlanFiles) -> Iterator[Violation]:
    """Both checks, each when the plan carries its input (a plan made without pins has none)."""
    pins_path, carry_path = _input(plan, "pins.csv"), _input(plan, "carry_in.csv")
    if pins_path is not None:
        yield from check_pins_kept(plan, read_pins(pins_path))
    if carry_path is not None:
        yield from check_carry_in(plan, read_carry_in(carry_path))
