"""Pins, the planning window and the carried-in state, as the roster's models read them.

:func:`apply_window` checks the pins and carried-in state against the workforce and the month
(:mod:`plan.contracts.pins`), then sets them on the :class:`~plan.optimize.roster.instance.Instance`:

* the **window** starts at ``first_day``; every in-house day before it is fixed: to its pin, else to
  rest (not planned by this plan), and the demand of those days is left out
  (:func:`window_requirements`: nothing is bought or priced for them);
* a **rest pin** takes the person off that day like leave (and out of the hours the contract is
  owed, which the plan cannot be asked to make up);
* a **shift pin** is kept when the labour rules allow it together with the pins before it and the
  carried-in state (rest between shifts, consecutive days, the rest day in every 7 days, the
  month's overtime cap); otherwise it is not kept and listed with its reason
  (``Instance.unmet_pins``, the plan's ``summary.json`` ``pins.unmet``). Kept pins are lower bounds
  on the aggregate counts and fixed days when naming;
* the **carried-in state** (before the month's first day) bars day-one shifts that start too soon
  after the last shift, shortens the first run of working days allowed, and lowers the first
  calendar week's regular hours by the hours already worked in it;
* the **month's end** leaves the next month a free start (:func:`month_end_windows`): every agent
  may work its first day, because no run at the end reaches the consecutive-days limit and the
  last six days hold the weekly rest days. The calendar week the two months share is split by
  :func:`plan.optimize.roster.instance.agent_week_caps`; :func:`next_month_summary` says what the
  next month inherits.

The model rules that read these are ``add_pinned_shifts``, ``add_carried_rest_days``,
``add_carried_min_rest`` and ``add_month_end_room`` in :mod:`~plan.optimize.roster.model` (aggregate form) and
:mod:`~plan.optimize.roster.assign` (per person).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.pins import REST, CarryIn, Pin, carry_in_from_roster, check_carry_in, check_pins
from plan.optimize.roster.instance import DAY_MIN, Instance, agent_week_caps, contracted_hours, \
    open_week_allowance

DEMAND_COLUMNS = ("arrivals", "bot_handled", "arrivals_human", "agents_required")


def window_start(days: list[dt.date], first_day: dt.date | None) -> int:
    """Index of the window's first day in the month (0 when None)."""
    if first_day is None:
        return 0
    if not days[0] <= first_day <= days[-1]:
        raise InputError(None, f"first day {first_day:%Y-%m-%d} is outside the month planned "
                               f"({days[0]:%Y-%m-%d}..{days[-1]:%Y-%m-%d})", field="first_day")
    return (first_day - days[0]).days


def window_requirements(requirements: pd.DataFrame, first_day: dt.date | None) -> pd.DataFrame:
    """The requirements with the demand before ``first_day`` set to zero: those days are not
    planned. A plan made from a window is verified against these (write them as its inputs)."""
    if first_day is None:
        return requirements
    out = requirements.copy()
    before = pd.to_datetime(out["interval_start"]) < pd.Timestamp(first_day)
    for column in DEMAND_COLUMNS:
        if column in out.columns:
            out.loc[before, column] = 0
    return out


# ---------------------------------------------------------------- carried-in state

def carried_bars(inst: Instance, last_end: dt.datetime) -> dict[int, set[int]]:
    """{day: shifts starting less than the minimum rest after ``last_end``} for the month's first days."""
    month_start = dt.datetime.combine(inst.days[0], dt.time())
    end_min = (last_end - month_start) / dt.timedelta(minutes=1)
    rest_min = inst.workforce.labour_rules.min_rest_between_shifts_h * 60
    out = {}
    for d in range(min(2, inst.n_days)):
        barred = {s for s, shift in enumerate(inst.workforce.shifts) if d * DAY_MIN + shift.start_min - end_min < rest_min}
        if barred:
            out[d] = barred
    return out


def carried_rest_windows(inst: Instance, a: int) -> list[tuple[int, int]]:
    """(length L, most working days in the first L days) that the days worked before the month
    leave agent ``a``: a run of c days allows K − c more (the day after them a rest day at the
    latest), and the 7-day window ending c days in holds its rest days inside the month."""
    c = inst.carried_days[a] if inst.carried_days else 0
    if c <= 0:
        return []
    rules = inst.workforce.labour_rules
    k = rules.max_consecutive_days
    length = max(1, k + 1 - c)
    out = [(length, max(0, min(length - 1, k - c)))]
    if rules.min_rest_days_per_week > 0:
        length = 7 - min(c, 6)
        out.append((length, max(0, length - rules.min_rest_days_per_week)))
    return [(min(L, inst.n_days), m) for L, m in out]


def month_end_windows(inst: Instance) -> list[tuple[int, int]]:
    """(length L, most working days in the month's last L days) for every agent, so that the next
    month may put anyone on its first day: a run at the end shorter than the consecutive-days limit
    K (L = K, at most K − 1), and the 7-day window through the next month's first day holding its
    rest days inside this month (L = 6, at most 6 − rest days a week)."""
    rules = inst.workforce.labour_rules
    out = {(rules.max_consecutive_days, rules.max_consecutive_days - 1)}
    if rules.min_rest_days_per_week > 0:
        out.add((6, 6 - rules.min_rest_days_per_week))
    return sorted((min(L, inst.n_days), most) for L, most in out if most < min(L, inst.n_days))


def next_month_summary(inst: Instance, roster: pd.DataFrame) -> dict:
    """What the next month inherits from this plan's roster (the state ``--previous`` reads): the
    runs of working days at the end, the shifts that end in the next month, the regular hours of
    the calendar week the two months share, and the rules that kept it a legal start."""
    first = inst.days[-1] + dt.timedelta(days=1)
    carry = carry_in_from_roster(roster, first)
    runs = [c.consecutive_days_worked for c in carry]
    month_start = dt.datetime.combine(first, dt.time())
    late = [c.last_shift_end for c in carry if c.last_shift_end is not None and c.last_shift_end > month_start]
    rules = inst.workforce.labour_rules
    out = {"first_day": f"{first:%Y-%m-%d}", "people": len(carry),
           "longest_run_at_end": max(runs, default=0), "max_consecutive_days": rules.max_consecutive_days,
           "rest_first_day": sorted(c.agent_id for c in carry
                                    if c.consecutive_days_worked >= rules.max_consecutive_days),
           "shifts_ending_in_next_month": len(late),
           "latest_shift_end": f"{max(late):%Y-%m-%d %H:%M}" if late else None,
           "rule": "every run at the month's end is shorter than the consecutive-days limit and the last six "
                   "days hold the weekly rest days, so anyone may work the next month's first day"}
    if first.weekday() != 0:
        week = inst.weeks[-1]
        wf = inst.workforce
        standard = {a.id for a in wf.in_house if wf.contracts[a.contract].system == "standard"}
        limit = min((c.max_hours_week for c in wf.contracts.values() if c.system == "standard"), default=None)
        out["open_week"] = {"days": [f"{inst.days[d]:%Y-%m-%d}" for d in week],
                            "regular_hours_most": max((c.hours_this_week for c in carry if c.agent_id in standard),
                                                      default=0.0),
                            "regular_hours_allowed": None if limit is None else open_week_allowance(limit, len(week)),
                            "weekly_limit": limit,
                            "rule": "standard contracts: this month may use the weekly limit ÷ 5 for each of the "
                                    "week's Monday-Friday days it holds; hours beyond are overtime here, the rest "
                                    "is the next month's (comprehensive contracts average over the month)"}
    return out


def work_allowed(inst: Instance, a: int, length: int) -> int:
    """Most days agent ``a`` may work among the month's first ``length`` days given the carried-in
    state and leave (a valid bound for every roster)."""
    present = sum(1 for d in range(length) if d not in inst.leave[a])
    allowed = length
    for L, most in carried_rest_windows(inst, a):
        if L <= length:
            allowed = min(allowed, most + (length - L))
    return min(present, allowed)


def _apply_carry_in(inst: Instance, index: dict[str, int], carry: list[CarryIn]) -> None:
    n = len(inst.workforce.in_house)
    inst.carried_days, inst.carried_week_h = [0] * n, [0.0] * n
    for state in carry:
        a = index[state.agent_id]
        inst.carried_days[a] = state.consecutive_days_worked
        inst.carried_week_h[a] = state.hours_this_week
        if state.last_shift_end is not None:
            for d, shifts in carried_bars(inst, state.last_shift_end).items():
                inst.carried_bars[(a, d)] = shifts


# ---------------------------------------------------------------- pins

def forced_overtime_h(inst: Instance, a: int, shifts: dict[int, int]) -> tuple[float, float]:
    """(ordinary-day overtime, statutory-holiday hours) that working ``shifts`` ({day: shift}) alone
    costs agent ``a``: standard contracts, each week's hours beyond its cap; comprehensive, the
    month's beyond the hours owed."""
    wf = inst.workforce
    contract = wf.contracts[wf.in_house[a].contract]
    ordinary = {d: inst.shift_hours(s) for d, s in shifts.items() if inst.day_kind[d] != "holiday"}
    holiday_h = sum(inst.shift_hours(s) for d, s in shifts.items() if inst.day_kind[d] == "holiday")
    if contract.system == "comprehensive":
        return max(0.0, sum(ordinary.values()) - inst.contracted_h[a]), holiday_h
    caps = agent_week_caps(inst, a, contract.max_hours_week)
    over = sum(max(0.0, sum(ordinary.get(d, 0.0) for d in week) - cap) for week, cap in zip(inst.weeks, caps))
    return over, holiday_h


def _date(inst: Instance, d: int) -> str:
    return f"{inst.days[d]:%Y-%m-%d}"


def pin_conflict(inst: Instance, a: int, kept: dict[int, int], d: int, s: int) -> str | None:
    """Why agent ``a`` cannot work shift ``s`` on day ``d`` next to the pins ``kept`` before it
    and the carried-in state, or None when the rules allow it."""
    wf = inst.workforce
    rules = wf.labour_rules
    code = wf.shifts[s].code
    group = next(grp for grp in inst.groups if a in grp.members)
    if s not in group.shifts_on(d):
        return f"{code} may not be worked on {_date(inst, d)} by this agent (its template's validity or daily hours)"
    previous = kept.get(d - 1)
    if previous is not None and s in inst.rest_conflicts[previous]:
        return (f"less than {rules.min_rest_between_shifts_h:g} h rest after the pinned "
                f"{wf.shifts[previous].code} of {_date(inst, d - 1)}")
    if s in inst.carried_bars.get((a, d), ()):
        return f"{code} starts less than {rules.min_rest_between_shifts_h:g} h after the carried-in last shift end"
    run = 1
    while d - run >= 0 and (d - run) in kept:
        run += 1
    if run > d:
        run += inst.carried_days[a] if inst.carried_days else 0
    if run > rules.max_consecutive_days:
        return f"it would be consecutive working day {run} (max {rules.max_consecutive_days})"
    window_work = 1 + sum(1 for dd in range(max(0, d - 6), d) if dd in kept)
    if d < 6 and inst.carried_days:
        window_work += min(inst.carried_days[a], 6 - d)
    if window_work > 7 - rules.min_rest_days_per_week:
        return f"the 7 days to {_date(inst, d)} would hold fewer than {rules.min_rest_days_per_week} rest day(s)"
    for length, most in month_end_windows(inst):
        if d >= inst.n_days - length and 1 + sum(1 for dd in range(inst.n_days - length, d) if dd in kept) > most:
            return (f"it would leave the next month no free start: at most {most} working day(s) in the month's "
                    f"last {length}")
    ordinary, holiday_h = forced_overtime_h(inst, a, {**kept, d: s})
    if ordinary + holiday_h > rules.overtime_max_h_month + 1e-9:
        return (f"the pinned shifts alone would take {ordinary + holiday_h:g} h of overtime in the month "
                f"(max {rules.overtime_max_h_month:g} h)")
    return None


def _unmet(pin: Pin, reason: str) -> dict:
    return {"agent_id": pin.agent_id, "date": f"{pin.date:%Y-%m-%d}", "shift_code": pin.shift_code, "reason": reason}


def _apply_rest(inst: Instance, index: dict[str, int], pins: Iterable[Pin]) -> None:
    """Rest pins, and every unpinned in-house day before the window, off like leave."""
    n = len(inst.workforce.in_house)
    inst.pinned_rest = [set() for _ in range(n)]
    pinned = {(index[p.agent_id], (p.date - inst.days[0]).days) for p in pins}
    for p in pins:
        if p.shift_code == REST:
            inst.pinned_rest[index[p.agent_id]].add((p.date - inst.days[0]).days)
    for a in range(n):
        inst.pinned_rest[a] |= {d for d in range(inst.first_day) if (a, d) not in pinned and d not in inst.leave[a]}
    _take_off(inst)


def _take_off(inst: Instance) -> None:
    """Days pinned to rest off like leave, and out of the hours the contract is owed."""
    inst.leave = [leave | rest for leave, rest in zip(inst.leave, inst.pinned_rest)]
    inst.contracted_h = contracted_hours(inst.workforce, inst.days, inst.day_kind, inst.pinned_rest)


def _apply_shifts(inst: Instance, index: dict[str, int], pins: Iterable[Pin]) -> None:
    """Shift pins, person by person in date order, kept while the rules allow them."""
    code_index = {shift.code: s for s, shift in enumerate(inst.workforce.shifts)}
    by_agent = defaultdict(list)
    for p in pins:
        if p.shift_code != REST:
            by_agent[index[p.agent_id]].append(p)
    for a, agent_pins in by_agent.items():
        kept: dict[int, int] = {}
        for p in sorted(agent_pins, key=lambda p: p.date):
            d, s = (p.date - inst.days[0]).days, code_index[p.shift_code]
            reason = pin_conflict(inst, a, kept, d, s)
            if reason is None:
                kept[d] = s
                inst.pinned_shift[(a, d)] = s
            else:
                inst.unmet_pins.append(_unmet(p, reason))
                if d < inst.first_day:  # before the window nothing is planned: the day stays off
                    inst.pinned_rest[a].add(d)
    _take_off(inst)


def apply_window(inst: Instance, pins: list[Pin] | None = None, carry_in: list[CarryIn] | None = None,
                 first_day: dt.date | None = None) -> None:
    """Check the pins and carried-in state (an :class:`InputError` names the first bad one) and set
    them, with the window's first day, on ``inst`` (see the module's docstring)."""
    wf = inst.workforce
    pins, carry_in = list(pins or []), list(carry_in or [])
    check_pins(wf, inst.days, pins)
    check_carry_in(wf, inst.days, carry_in)
    inst.first_day = window_start(inst.days, first_day)
    index = {agent.id: a for a, agent in enumerate(wf.in_house)}
    _apply_carry_in(inst, index, carry_in)
    _apply_rest(inst, index, pins)
    _apply_shifts(inst, index, pins)


def pinned_heads(inst: Instance) -> dict[tuple[int, int, int], int]:
    """{(group, day, shift): agents pinned to it}."""
    group_of = {a: g for g, group in enumerate(inst.groups) for a in group.members}
    out: dict[tuple[int, int, int], int] = defaultdict(int)
    for (a, d), s in inst.pinned_shift.items():
        out[(group_of[a], d, s)] += 1
    return dict(out)


def forced_overtime_of(inst: Instance, members: Iterable[int]) -> float:
    """Ordinary-day overtime the kept pins alone cost ``members`` (naming must be allowed it)."""
    by_agent = defaultdict(dict)
    for (a, d), s in inst.pinned_shift.items():
        by_agent[a][d] = s
    return sum(forced_overtime_h(inst, a, by_agent[a])[0] for a in members if a in by_agent)


def unmet_after_naming(inst: Instance, chosen: dict[tuple[int, int], int]) -> list[dict]:
    """Kept pins the named roster does not hold (naming fell back to a roster without them)."""
    out = []
    for (a, d), s in sorted(inst.pinned_shift.items()):
        if chosen.get((a, d)) != s:
            out.append({"agent_id": inst.workforce.in_house[a].id, "date": _date(inst, d),
                        "shift_code": inst.workforce.shifts[s].code,
                        "reason": "no legal roster of the person's group held every pin with the other rules "
                                  "(e.g. the contract's hours)"})
    return out


def pins_summary(inst: Instance, pins: list[Pin] | None, carry_in: list[CarryIn] | None) -> dict:
    """The plan summary's ``pins`` entry: the window, how many pins were asked and kept, and why
    the others were not."""
    return {"first_day": _date(inst, inst.first_day), "pins": len(pins or []),
            "carried_in": len(carry_in or []), "unmet": list(inst.unmet_pins)}
