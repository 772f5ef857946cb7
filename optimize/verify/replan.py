"""A re-plan's past, re-checked from the files: nothing before its first day differs from the parent.

A plan written by ``plan reroster`` says in summary.json ``replan`` which plan it re-plans (``parent``,
a path relative to the plan directory) and from which day (``from``). Every roster.csv row of the
parent dated before that day must be in the new roster.csv with the same shift, times, breaks,
queues, paid hours and overtime, and the parent's vendor seats before that day must be the new
plan's. The rules across the boundary (rest, consecutive days, weekly hours) are the month's own
checks (:mod:`plan.optimize.verify.people`): the new roster holds the whole month.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.plan_files import PlanFiles, read_roster, read_vendor_seats
from plan.optimize.verify.findings import Violation

SUMMARY, ROSTER, SEATS = "summary.json", "roster.csv", "vendor_seats.csv"
COMPARED = ("type", "shift_code", "start", "end", "breaks", "queue", "queue_moves", "paid_hours", "overtime_hours",
            "overtime_kind")
TOLERANCE_H = 1e-6


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if pd.isna(a) and pd.isna(b):
            return True
        try:
            return abs(float(a) - float(b)) <= TOLERANCE_H
        except (TypeError, ValueError):
            return False
    return (pd.isna(a) and pd.isna(b)) or a == b


def _parent_files(plan: PlanFiles, replan: dict) -> tuple[Path | None, str | None]:
    parent = replan.get("parent")
    if not isinstance(parent, str) or not parent:
        return None, "summary.json replan.parent is missing: the past cannot be compared"
    path = (plan.directory / parent) if not Path(parent).is_absolute() else Path(parent)
    if not (path / ROSTER).exists():
        return None, f"the parent plan {parent} (from the plan directory) is not there: the past cannot be compared"
    return path, None


def check_past_rows(plan: PlanFiles, parent_roster: pd.DataFrame, first: pd.Timestamp) -> Iterator[Violation]:
    mine = {(r.id, r.date): r for r in plan.roster.itertuples(index=False)}
    for old in parent_roster[parent_roster["date"] < first].itertuples(index=False):
        new = mine.get((old.id, old.date))
        subject = f"{old.id} {old.name} {old.date:%Y-%m-%d}"
        if new is None:
            yield Violation(ROSTER, None, "past_changed", subject, f"the parent's row (its roster.csv line "
                                                                  f"{old.line}) is missing, before {first:%Y-%m-%d}")
            continue
        differ = [c for c in COMPARED if not _same(getattr(old, c), getattr(new, c))]
        if differ:
            yield Violation(ROSTER, int(new.line), "past_changed", subject,
                            f"{', '.join(differ)} differ from the parent plan (its roster.csv line {old.line}: "
                            f"{old.shift_code}, here {new.shift_code}) before the re-plan's first day "
                            f"{first:%Y-%m-%d}")


def _seat_set(seats: pd.DataFrame, first: pd.Timestamp) -> set[tuple]:
    past = seats[seats["interval_start"] < first]
    return {(r.vendor, r.queue, r.interval_start, float(r.seats)) for r in past.itertuples(index=False) if r.seats}


def check_past_seats(plan: PlanFiles, parent_seats: pd.DataFrame, first: pd.Timestamp) -> Iterator[Violation]:
    before, now = _seat_set(parent_seats, first), _seat_set(plan.vendor_seats, first)
    for vendor, queue, start, seats in sorted(before ^ now)[:1]:
        yield Violation(SEATS, None, "past_changed", f"{vendor} {queue} {start:%Y-%m-%d %H:%M}",
                        f"{len(before ^ now)} vendor seat row(s) before {first:%Y-%m-%d} differ from the parent plan's")


def check_replan_past(plan: PlanFiles) -> Iterator[Violation]:
    """When the plan is a re-plan (summary.json ``replan``): its past is the parent's, row for row."""
    replan = plan.summary.get("replan")
    if not isinstance(replan, dict):
        return
    try:
        first = pd.Timestamp(str(replan.get("from")))
    except ValueError:
        yield Violation(SUMMARY, None, "replan_unreadable", "replan.from", f"not a date: {replan.get('from')!r}")
        return
    parent, problem = _parent_files(plan, replan)
    if parent is None:
        yield Violation(SUMMARY, None, "replan_parent_missing", "replan.parent", problem)
        return
    try:
        parent_roster, parent_seats = read_roster(parent / ROSTER), read_vendor_seats(parent / SEATS)
    except InputError as exc:
        yield Violation(SUMMARY, None, "replan_parent_unreadable", "replan.parent", exc.one_line())
        return
    yield from check_past_rows(plan, parent_roster, first)
    yield from check_past_seats(plan, parent_seats, first)
