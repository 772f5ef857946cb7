"""The roster as the team lives it: the fairness table of a named roster.

Each figure is a plain count or share a CS manager can check on the printed 排班表, and the soft
rules of :mod:`plan.optimize.roster.assign` are priced on the same definitions:

* nights (shifts touching 00:00-06:00) per person, max − min within each group of interchangeable
  agents (same skills and contract) that has night shifts, among those who did not ask to avoid
  night shifts (their nights count as preference points instead);
* rest days in blocks of two or more days off in a row (leave counts as off; the month's edges cut
  a block);
* people with at least one whole weekend (Saturday and Sunday) off;
* start-time changes per person-week: distinct start times in a calendar week, less one;
* queue switches per person-week: a worked day on another queue than the person's previous worked
  day of the same week;
* stated preferences honoured outside event days: each worked day against ``prefer_shifts`` or
  ``avoid_shifts``, and each ``prefer_rest_days`` weekday, is one stated point;
* quick returns: a shift starting less than ``quick_return_min_rest_h`` after the previous day's ends;
* short rest days: a rest day that a shift from the day before runs into (no whole calendar day off);
* full-timer short shifts: in-house shifts of at most :data:`SHORT_SHIFT_H` paid hours.

``plan verify`` recomputes every figure from roster.csv with its own code.
"""
from __future__ import annotations

from collections import defaultdict

from plan.contracts.workforce import WEEKDAYS
from plan.optimize.roster.instance import Instance, rest_conflicts

SHORT_SHIFT_H = 4.0


def fairness_table(inst: Instance, shift_of: dict[tuple[int, int], int], queue_of: dict[tuple[int, int], int],
                   quick_return_min_rest_h: float) -> dict:
    """The figures above for in-house agents; ``shift_of`` / ``queue_of``: (agent, day) → shift / queue."""
    days_of = defaultdict(dict)
    for (a, d), s in shift_of.items():
        days_of[a][d] = s
    people = range(len(inst.workforce.in_house))
    index = {day: d for d, day in enumerate(inst.days)}
    leave = [{index[day] for day in agent.leave if day in index} for agent in inst.workforce.in_house]
    rest_total, rest_in_blocks = _rest_blocks(inst, days_of, leave)
    stated, honoured = _preferences(inst, days_of, people)
    person_weeks = [(a, week) for a in people for week in inst.weeks if any(d in days_of[a] for d in week)]
    nights = _night_spread(inst, days_of)
    return {
        "night_spread_by_group": nights,
        "nights_max_min": max((g["nights_max"] - g["nights_min"] for g in nights), default=0),
        "rest_days": rest_total,
        "rest_days_in_blocks_of_two": rest_in_blocks,
        "rest_days_in_blocks_share": round(rest_in_blocks / rest_total, 4) if rest_total else 1.0,
        "people": len(people),
        "people_with_whole_weekend_off": sum(_whole_weekend_off(inst, days_of[a]) for a in people),
        "start_time_changes_per_person_week": _per(person_weeks, lambda a, week: _start_changes(inst, days_of[a], week)),
        "queue_switches_per_person_week": _per(person_weeks, lambda a, week: _queue_switches(queue_of, a, days_of[a], week)),
        "preferences_stated": stated,
        "preferences_honoured": honoured,
        "preferences_honoured_share": round(honoured / stated, 4) if stated else 1.0,
        "quick_returns": _quick_returns(inst, days_of, quick_return_min_rest_h),
        "short_rest_days": _short_rest_days(inst, days_of, leave),
        "full_timer_short_shifts": sum(1 for s in shift_of.values() if inst.shift_hours(s) <= SHORT_SHIFT_H + 1e-9),
    }


def _per(person_weeks: list, count) -> float:
    return round(sum(count(a, week) for a, week in person_weeks) / len(person_weeks), 4) if person_weeks else 0.0


def night_eligible(inst: Instance, members) -> list[int]:
    """The agents among ``members`` who share a group's nights: not those who asked to avoid any
    night shift."""
    nights = {shift.code for s, shift in enumerate(inst.workforce.shifts) if inst.night_shift[s]}
    return [a for a in members if not nights & set(inst.workforce.in_house[a].preferences.avoid_shifts)]


def _night_spread(inst: Instance, days_of: dict) -> list[dict]:
    members = defaultdict(list)
    for group in inst.groups:
        if any(inst.night_shift[s] for s in group.shifts):
            members[group.key.split("#")[0]] += night_eligible(inst, group.members)
    return [{"group": key, "people": len(agents),
             "nights_min": min(sum(inst.night_shift[s] for s in days_of[a].values()) for a in agents),
             "nights_max": max(sum(inst.night_shift[s] for s in days_of[a].values()) for a in agents)}
            for key, agents in sorted(members.items()) if agents]


def _rest_blocks(inst: Instance, days_of: dict, leave: list[set[int]]) -> tuple[int, int]:
    total = in_blocks = 0
    for a in range(len(leave)):
        off = [d not in days_of[a] for d in range(inst.n_days)]
        d = 0
        while d < inst.n_days:
            if not off[d]:
                d += 1
                continue
            end = d
            while end < inst.n_days and off[end]:
                end += 1
            rest = sum(1 for k in range(d, end) if k not in leave[a])
            total += rest
            in_blocks += rest if end - d >= 2 else 0
            d = end
    return total, in_blocks


def _whole_weekend_off(inst: Instance, days: dict) -> bool:
    return any(d not in days and d + 1 not in days for d in inst.weekend_saturdays)


def _start_changes(inst: Instance, days: dict, week: list[int]) -> int:
    starts = {inst.workforce.shifts[days[d]].start_min for d in week if d in days}
    return max(0, len(starts) - 1)


def _queue_switches(queue_of: dict, a: int, days: dict, week: list[int]) -> int:
    worked = [queue_of[(a, d)] for d in week if d in days]
    return sum(1 for q1, q2 in zip(worked, worked[1:]) if q1 != q2)


def _preferences(inst: Instance, days_of: dict, people) -> tuple[int, int]:
    stated = honoured = 0
    for a in people:
        pref = inst.workforce.in_house[a].preferences
        for d, day in enumerate(inst.days):
            if inst.event_day[d]:
                continue
            s = days_of[a].get(d)
            points = []
            if s is not None and pref.prefer_shifts:
                points.append(inst.workforce.shifts[s].code in pref.prefer_shifts)
            if s is not None and pref.avoid_shifts:
                points.append(inst.workforce.shifts[s].code not in pref.avoid_shifts)
            if WEEKDAYS[day.weekday()] in pref.prefer_rest_days:
                points.append(s is None)
            stated += len(points)
            honoured += sum(points)
    return stated, honoured


def _quick_returns(inst: Instance, days_of: dict, min_rest_h: float) -> int:
    quick = rest_conflicts(inst.workforce.shifts, min_rest_h)
    return sum(1 for days in days_of.values() for d, s in days.items()
               if d + 1 in days and days[d + 1] in quick[s])


def _short_rest_days(inst: Instance, days_of: dict, leave: list[set[int]]) -> int:
    return sum(1 for a, days in days_of.items() for d, s in days.items()
               if d + 1 < inst.n_days and d + 1 not in days and d + 1 not in leave[a]
               and inst.workforce.shifts[s].crosses_midnight)
