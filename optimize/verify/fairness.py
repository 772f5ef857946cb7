"""The fairness table of summary.json recomputed from roster.csv (docs/plan-files.md, "fairness").

Written from the file's rows and timestamps, apart from the optimiser's own count, so that a
figure the roster does not bear out shows up as ``fairness_mismatch``.
"""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from plan.contracts.plan_files import PlanFiles
from plan.optimize.verify.calendar_rules import event_days
from plan.optimize.verify.findings import Violation

SUMMARY = "summary.json"
SHORT_SHIFT_H = 4.0
NIGHT_END_H = 6
COUNTS = ("nights_max_min", "rest_days", "rest_days_in_blocks_of_two", "people", "people_with_whole_weekend_off",
          "preferences_stated", "preferences_honoured", "quick_returns", "short_rest_days", "full_timer_short_shifts")
SHARES = ("rest_days_in_blocks_share", "start_time_changes_per_person_week", "queue_switches_per_person_week",
          "preferences_honoured_share")


def _touches_night(start: pd.Timestamp, end: pd.Timestamp) -> bool:
    """Work from ``start`` to ``end`` overlaps 00:00-06:00 of any day it spans."""
    day = start.normalize()
    while day < end:
        if start < day + pd.Timedelta(hours=NIGHT_END_H) and day < end:
            return True
        day += pd.Timedelta(days=1)
    return False


def _days_by_person(plan: PlanFiles) -> dict[str, dict[pd.Timestamp, tuple]]:
    """Each in-house agent's rows as {date: (shift_code, start, end, queue, paid_hours)} in date order
    (plain tuples: a month of 1,000 agents is counted person by person)."""
    roster = plan.roster[plan.roster["type"] == "in_house"].sort_values(["id", "date"])
    out: dict[str, dict[pd.Timestamp, tuple]] = {}
    for pid, date, *row in zip(roster["id"], roster["date"], roster["shift_code"], roster["start"], roster["end"],
                               roster["queue"], roster["paid_hours"].astype(float)):
        out.setdefault(pid, {})[date] = tuple(row)
    return out


def recompute_fairness(plan: PlanFiles) -> dict:
    workforce = plan.workforce
    days = pd.date_range(plan.month.start_time, plan.month.end_time.normalize(), freq="D")
    on_event = dict(zip(days, event_days(plan.events, days)))
    by_person = _days_by_person(plan)
    quick_min = workforce.soft_rules.quick_return_min_rest_h
    figures = dict.fromkeys(COUNTS, 0)
    person_weeks = start_changes = switches = 0
    nights: dict[str, list[int]] = {}
    for agent in workforce.in_house:
        mine = by_person.get(agent.id, {})
        worked = {day: row for day, row in mine.items() if row[0] not in ("REST", "LEAVE")}
        leave = {day for day, row in mine.items() if row[0] == "LEAVE"}
        off = [day not in worked for day in days]
        figures["people"] += 1
        _count_rest(figures, days, off, leave)
        figures["people_with_whole_weekend_off"] += any(
            day.day_of_week == 5 and i + 1 < len(days) and off[i] and off[i + 1] for i, day in enumerate(days))
        weeks: dict[pd.Timestamp, list[tuple]] = {}
        for day, row in worked.items():
            weeks.setdefault(day - pd.Timedelta(days=day.day_of_week), []).append(row)
        for week in weeks.values():
            person_weeks += 1
            start_changes += len({(row[1].hour, row[1].minute) for row in week}) - 1
            switches += sum(1 for a, b in zip(week, week[1:]) if a[3] != b[3])
        _count_preferences(figures, agent.preferences, days, worked, on_event)
        _count_rest_and_returns(figures, days, worked, leave, quick_min)
        figures["full_timer_short_shifts"] += sum(row[4] <= SHORT_SHIFT_H + 1e-9 for row in worked.values())
        if _night_group(workforce, agent) is not None:
            count = sum(_touches_night(row[1], row[2]) for row in worked.values())
            nights.setdefault(_night_group(workforce, agent), []).append(count)
    figures["nights_max_min"] = max((max(c) - min(c) for c in nights.values()), default=0)
    figures["rest_days_in_blocks_share"] = (figures["rest_days_in_blocks_of_two"] / figures["rest_days"]
                                            if figures["rest_days"] else 1.0)
    figures["start_time_changes_per_person_week"] = start_changes / person_weeks if person_weeks else 0.0
    figures["queue_switches_per_person_week"] = switches / person_weeks if person_weeks else 0.0
    figures["preferences_honoured_share"] = (figures["preferences_honoured"] / figures["preferences_stated"]
                                             if figures["preferences_stated"] else 1.0)
    return figures


def _night_group(workforce, agent) -> str | None:
    """Agents of the same skills and contract form a group when a night shift fits their contract;
    who asked to avoid a night shift stays out of the spread."""
    contract = workforce.contracts[agent.contract]
    at_night = [s for s in workforce.shifts if _touches_night(
        pd.Timestamp("2000-01-01") + pd.Timedelta(minutes=s.start_min),
        pd.Timestamp("2000-01-01") + pd.Timedelta(minutes=s.start_min + s.length_min))]
    if (not any(s.paid_hours <= contract.max_hours_day + 1e-9 for s in at_night)
            or {s.code for s in at_night} & set(agent.preferences.avoid_shifts)):
        return None
    return f"{'+'.join(sorted(agent.skills))}/{agent.contract}"


def _count_rest(figures: dict, days: pd.DatetimeIndex, off: list[bool], leave: set) -> None:
    i = 0
    while i < len(days):
        if not off[i]:
            i += 1
            continue
        j = i
        while j < len(days) and off[j]:
            j += 1
        rest = sum(1 for k in range(i, j) if days[k] not in leave)
        figures["rest_days"] += rest
        figures["rest_days_in_blocks_of_two"] += rest if j - i >= 2 else 0
        i = j


def _count_preferences(figures: dict, pref, days: pd.DatetimeIndex, worked: dict, on_event: dict) -> None:
    weekday_names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for day in days:
        if on_event[day]:
            continue
        code = worked[day][0] if day in worked else None
        points = []
        if code is not None and pref.prefer_shifts:
            points.append(code in pref.prefer_shifts)
        if code is not None and pref.avoid_shifts:
            points.append(code not in pref.avoid_shifts)
        if weekday_names[day.day_of_week] in pref.prefer_rest_days:
            points.append(code is None)
        figures["preferences_stated"] += len(points)
        figures["preferences_honoured"] += sum(points)


def _count_rest_and_returns(figures: dict, days: pd.DatetimeIndex, worked: dict, leave: set,
                            quick_min_h: float) -> None:
    """``worked``: {date: (shift_code, start, end, queue, paid_hours)}."""
    for day, (_, _, end, _, _) in worked.items():
        nxt = day + pd.Timedelta(days=1)
        if nxt in worked:
            if worked[nxt][1] - end < pd.Timedelta(hours=quick_min_h):
                figures["quick_returns"] += 1
        elif nxt <= days[-1] and nxt not in leave and end > nxt:
            figures["short_rest_days"] += 1


def check_fairness(plan: PlanFiles) -> Iterator[Violation]:
    """Every figure of summary.json's ``fairness`` against the roster (plans written before it: none)."""
    reported = plan.summary.get("fairness")
    if not isinstance(reported, dict) or plan.roster.duplicated(["id", "date"]).any():
        return  # two rows for one person-day are reported as such; no figure can be recounted from them
    mine = recompute_fairness(plan)
    for key in COUNTS + SHARES:
        theirs = reported.get(key)
        if not isinstance(theirs, (int, float)):
            yield Violation(SUMMARY, None, "fairness_mismatch", f"fairness.{key}", f"reported {theirs!r}, not a number")
        elif abs(float(theirs) - mine[key]) > (0 if key in COUNTS else 1e-3):
            yield Violation(SUMMARY, None, "fairness_mismatch", f"fairness.{key}",
                            f"reported {theirs:g} but roster.csv gives {mine[key]:g}")
