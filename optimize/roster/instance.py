"""The month as the optimiser sees it: time grid, shift coverage, eligibility, groups and demand.

Everything here is plain numbers derived once from the validated :class:`~plan.contracts.workforce.Workforce`
and the requirements table (docs/plan-files.md), so the model modules never touch pandas or YAML.

Conventions: the month has ``n_days`` days of ``per_day`` intervals; interval ``i = d * per_day + k``.
A shift worked on day ``d`` covers intervals from ``d * per_day + start`` on, and a shift crossing
midnight covers the next day's first intervals (intervals past the month's end are dropped: they
belong to next month's plan). Meal-break placements are enumerated as *shift variants*, so the
coverage of every variant is exact interval by interval.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd

from plan.contracts.calendar import day_kinds, event_day_mask, event_phases
from plan.contracts.errors import InputError
from plan.contracts.workforce import WEEKDAYS, Shift, Workforce, minutes_of
from plan.optimize.staffing.requirements import agent_seconds_per_contact, bot_cap_split

DAY_MIN = 24 * 60


@dataclass(frozen=True)
class ShiftVariant:
    """A shift template with its meal breaks placed; ``coverage[k]`` is the share of interval ``k``
    (counted from the shift day's 00:00, up to two days) that the agent is on the floor."""
    shift: int
    breaks: tuple[tuple[int, int], ...]  # (start, end) minutes from the shift day's 00:00
    coverage: np.ndarray


@dataclass
class InHouseGroup:
    """In-house agents who are interchangeable for the aggregate model: same skills and contract."""
    key: str
    members: list[int]
    skills: tuple[str, ...]
    contract: str
    shifts: list[int]          # shift templates within the contract's daily hours
    day_shifts: list[list[int]] = field(default_factory=list)  # per day: those valid that day

    def shifts_on(self, d: int) -> list[int]:
        """The group's shift templates valid on day ``d`` (their ``valid`` dates, weekdays, events, contracts)."""
        return self.day_shifts[d]


@dataclass(frozen=True)
class PartTimeBlock:
    start: int   # interval offset from the day's 00:00
    length: int  # intervals

    def hours(self, interval_h: float) -> float:
        return self.length * interval_h


@dataclass
class PartTimeGroup:
    """Part-timers with identical skills, pay, limits, availability and unavailable dates."""
    key: str
    members: list[int]
    skills: tuple[str, ...]
    hourly_rate: float
    max_hours_week: float
    blocks: list[list[PartTimeBlock]]  # per day: the blocks any member may work


@dataclass
class Instance:
    workforce: Workforce
    month: str
    days: list[dt.date]
    interval_min: int
    per_day: int
    queues: list[str]
    day_kind: list[str]                 # workday | rest_day | holiday, per day
    event_day: np.ndarray               # bool per day (service targets)
    arrivals: np.ndarray                # [queue, interval]
    bot_handled: np.ndarray
    arrivals_human: np.ndarray
    aht_s: np.ndarray
    agents_required: np.ndarray
    variants: list[ShiftVariant]
    variants_of_shift: list[list[int]]
    night_shift: list[bool]
    rest_conflicts: dict[int, list[int]]  # shift s on day d forbids these shifts on day d+1
    groups: list[InHouseGroup]
    pt_groups: list[PartTimeGroup]
    leave: list[set[int]]               # per in-house agent, day indices off the plan: leave and pinned rest
    contracted_h: np.ndarray            # per in-house agent, regular hours owed this month
    weeks: list[list[int]]              # calendar weeks (Mon-Sun) cut to the month, day indices
    week_cap_h: list[float]             # standard-system regular hours per (partial) week
    vendor_open: np.ndarray             # [vendor, interval] bool: vendor may staff the interval
    notes: list[str] = field(default_factory=list)
    # pins and the carried-in state (:mod:`plan.optimize.roster.pins`); empty when none are given
    first_day: int = 0                  # the planning window's first day; every in-house day before it is pinned
    pinned_shift: dict[tuple[int, int], int] = field(default_factory=dict)  # (agent, day) -> shift, kept pins
    pinned_rest: list[set[int]] = field(default_factory=list)   # per agent, days pinned to rest (also in leave)
    carried_days: list[int] = field(default_factory=list)       # per agent, consecutive days worked before day 0
    carried_bars: dict[tuple[int, int], set[int]] = field(default_factory=dict)  # (agent, day) -> shifts too soon
    carried_week_h: list[float] = field(default_factory=list)   # per agent, regular hours already in week 0
    unmet_pins: list[dict] = field(default_factory=list)        # pins the rules did not let the plan keep
    reference: object | None = None     # a published plan re-planned (:mod:`plan.optimize.roster.replan`)

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def n_int(self) -> int:
        return self.n_days * self.per_day

    @property
    def interval_h(self) -> float:
        return self.interval_min / 60.0

    @property
    def weekend_saturdays(self) -> list[int]:
        """Day index of each Saturday whose Sunday is in the month too (a whole weekend)."""
        return [d for d, day in enumerate(self.days) if day.weekday() == 5 and d + 1 < self.n_days]

    def interval_starts(self) -> pd.DatetimeIndex:
        return pd.date_range(pd.Timestamp(self.days[0]), periods=self.n_int, freq=f"{self.interval_min}min")

    def shift_hours(self, s: int) -> float:
        return self.workforce.shifts[s].paid_hours

    def coverage_on_month(self, v: int, d: int) -> tuple[int, np.ndarray]:
        """(first interval, coverage slice) of variant ``v`` worked on day ``d``, cut at the month end."""
        cov = self.variants[v].coverage
        first = d * self.per_day
        last = min(first + len(cov), self.n_int)
        return first, cov[: last - first]


# ---------------------------------------------------------------- calendar

def month_days(month: str) -> list[dt.date]:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InputError(None, f"month {month!r} is not YYYY-MM", field="month") from None
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


def calendar_weeks(days: list[dt.date]) -> list[list[int]]:
    weeks: dict[tuple[int, int], list[int]] = {}
    for i, day in enumerate(days):
        weeks.setdefault(day.isocalendar()[:2], []).append(i)
    return list(weeks.values())


# ---------------------------------------------------------------- shifts

def _window_after(start_min: int, window_min: int) -> int:
    """A break window written as a clock time, placed on or after the shift start."""
    return window_min if window_min >= start_min else window_min + DAY_MIN


def shift_variants(shift_index: int, shift: Shift, interval_min: int, per_day: int) -> list[ShiftVariant]:
    """Every placement of the shift's meal breaks, each starting on a step of min(interval, 30 min)
    inside its window; the coverage of each interval is the exact share of minutes worked."""
    step = min(interval_min, 30)
    start, end = shift.start_min, shift.start_min + shift.length_min
    options = []
    for brk in shift.breaks:
        w0 = _window_after(start, minutes_of(brk.window_start))
        w1 = _window_after(start, minutes_of(brk.window_end))
        if w1 <= w0:
            w1 += DAY_MIN
        first = max(w0, start)
        first = first + (-first) % step
        places = [(b, b + brk.minutes) for b in range(first, min(w1, end) - brk.minutes + 1, step)]
        if not places:
            raise InputError(None, f"shift {shift.code}: the {brk.minutes}-min break does not fit its window "
                                   f"{brk.window_start}-{brk.window_end} inside {shift.start}-{shift.end}",
                             field="shifts")
        options.append(places)
    variants = []
    for combo in product(*options) if options else [()]:
        spans = sorted(combo)
        if any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
            continue  # overlapping breaks
        minutes = np.zeros(2 * per_day * interval_min, dtype=bool)
        minutes[start:end] = True
        for b0, b1 in spans:
            minutes[b0:b1] = False
        coverage = minutes.reshape(2 * per_day, interval_min).mean(axis=1)
        variants.append(ShiftVariant(shift_index, tuple(spans), coverage))
    return variants


def rest_conflicts(shifts: list[Shift], min_rest_h: float) -> dict[int, list[int]]:
    """Shift pairs (s on day d, s2 on day d+1) leaving less than the minimum rest between them."""
    out: dict[int, list[int]] = {}
    for i, s1 in enumerate(shifts):
        end1 = s1.start_min + s1.length_min
        out[i] = [j for j, s2 in enumerate(shifts) if DAY_MIN + s2.start_min - end1 < min_rest_h * 60]
    return out


# ---------------------------------------------------------------- people

def _available_days(days: list[dt.date], excluded: list[dt.date]) -> set[int]:
    blocked = set(excluded)
    return {i for i, day in enumerate(days) if day not in blocked}


def contracted_hours(workforce: Workforce, days: list[dt.date], kinds: list[str],
                     off: list[set[int]] | None = None) -> np.ndarray:
    """Regular hours owed this month: 8 h for every statutory working day not on leave (nor in
    ``off``, per agent: days pinned to rest), capped at the contract's ``standard_hours_month``
    (综合计算工时制: hours beyond it are overtime)."""
    working = {i for i, k in enumerate(kinds) if k == "workday"}
    owed = []
    for a, agent in enumerate(workforce.in_house):
        leave = {i for i, day in enumerate(days) if day in set(agent.leave)} | (off[a] if off else set())
        cap = workforce.contracts[agent.contract].standard_hours_month
        owed.append(min(8.0 * len(working - leave), cap))
    return np.array(owed)


def week_caps(weeks: list[list[int]], max_hours_week: float) -> list[float]:
    """Regular hours of each calendar week: the weekly limit, in full for the in-month part of a week
    the month starts in (its days before the month count as rest unless a carry-in says otherwise);
    :func:`agent_week_caps` lowers the first by what was carried in and splits the last."""
    return [max_hours_week for _ in weeks]


def open_week_allowance(max_hours_week: float, days_in_month: int) -> float:
    """Regular hours this month may use of the calendar week it shares with the next month (its
    first ``days_in_month`` days, from Monday): the weekly limit ÷ 5 for each Monday-Friday day it
    holds, so the next month keeps the rest of the week for its own days."""
    return max_hours_week / 5 * min(5, days_in_month)


def agent_week_caps(inst: Instance, a: int, max_hours_week: float) -> list[float]:
    """:func:`week_caps` for agent ``a``: the first week less the regular hours carried into it
    from before the month (:class:`plan.contracts.pins.CarryIn`), the last week, when the next
    month shares it, at :func:`open_week_allowance`."""
    caps = week_caps(inst.weeks, max_hours_week)
    if inst.carried_week_h:
        caps[0] = max(0.0, caps[0] - inst.carried_week_h[a])
    if inst.days[-1].weekday() != 6:
        caps[-1] = min(caps[-1], open_week_allowance(max_hours_week, len(inst.weeks[-1])))
    return caps


def default_group_size(workforce: Workforce) -> int:
    """Agents per aggregate group by default: no cut. Smaller groups tighten the aggregate (size one
    is the exact per-person model) but its LP grows much faster than the plan improves
    (``bench/roster_scale.py --group-size``)."""
    return max(1, len(workforce.in_house))


def in_house_groups(workforce: Workforce, days: list[dt.date], phases: list[set[tuple[str, str]]],
                    max_size: int | None = None) -> list[InHouseGroup]:
    """Interchangeable agents (same skills and contract), cut into groups of at most ``max_size``;
    ``phases``: each day's (event kind, phase) pairs, for the shift templates' validity."""
    max_size = max_size or default_group_size(workforce)
    groups: dict[tuple, InHouseGroup] = {}
    for i, agent in enumerate(workforce.in_house):
        skills = tuple(sorted(agent.skills))
        contract = workforce.contracts[agent.contract]
        allowed = [s for s, shift in enumerate(workforce.shifts) if shift.paid_hours <= contract.max_hours_day + 1e-9]
        key = (skills, agent.contract)
        if key not in groups:
            groups[key] = InHouseGroup(f"{'+'.join(skills)}/{agent.contract}", [], skills, agent.contract, allowed)
        groups[key].members.append(i)
    out = []
    for group in groups.values():
        n_parts = math.ceil(len(group.members) / max_size)
        for k in range(n_parts):
            members = group.members[k::n_parts]
            key = group.key if n_parts == 1 else f"{group.key}#{k + 1}"
            day_shifts = [[s for s in group.shifts if workforce.shifts[s].valid.holds(day, phases[d], group.contract)]
                          for d, day in enumerate(days)]
            out.append(InHouseGroup(key, members, group.skills, group.contract, group.shifts, day_shifts))
    return out


def part_time_blocks(workforce: Workforce, person, days: list[dt.date], interval_min: int) -> list[list[PartTimeBlock]]:
    per_day = DAY_MIN // interval_min
    shortest = math.ceil(person.min_block_hours * 60 / interval_min)
    longest = math.floor(person.max_hours_day * 60 / interval_min)
    unavailable = set(person.unavailable)
    out = []
    for day in days:
        blocks: set[PartTimeBlock] = set()
        if day not in unavailable:
            for window in person.availability:
                if WEEKDAYS[day.weekday()] not in window.days:
                    continue
                w0 = minutes_of(window.start)
                w1 = minutes_of(window.end)
                if w1 <= w0:
                    w1 += DAY_MIN
                first = math.ceil(w0 / interval_min)
                last = w1 // interval_min
                for length in range(shortest, longest + 1):
                    for start in range(first, last - length + 1):
                        if start < per_day:
                            blocks.add(PartTimeBlock(start, length))
        out.append(sorted(blocks, key=lambda b: (b.start, b.length)))
    return out


def part_time_groups(workforce: Workforce, days: list[dt.date], interval_min: int) -> list[PartTimeGroup]:
    groups: dict[tuple, PartTimeGroup] = {}
    for i, person in enumerate(workforce.part_time):
        key = (tuple(sorted(person.skills)), person.hourly_rate, person.max_hours_day, person.max_hours_week,
               person.min_block_hours, tuple((tuple(w.days), w.start, w.end) for w in person.availability),
               tuple(sorted(person.unavailable)))
        if key not in groups:
            groups[key] = PartTimeGroup(person.id, [], key[0], person.hourly_rate, person.max_hours_week,
                                        part_time_blocks(workforce, person, days, interval_min))
        groups[key].members.append(i)
    return list(groups.values())


def vendor_open_intervals(workforce: Workforce, n_days: int, interval_min: int) -> np.ndarray:
    per_day = DAY_MIN // interval_min
    out = np.zeros((len(workforce.vendors), n_days * per_day), dtype=bool)
    for v, vendor in enumerate(workforce.vendors):
        h0, h1 = minutes_of(vendor.hours[0]), minutes_of(vendor.hours[1])
        starts = np.arange(per_day) * interval_min
        daily = (starts >= h0) & (starts + interval_min <= h1) if h1 > h0 else (starts >= h0) | (starts + interval_min <= h1)
        out[v] = np.tile(daily, n_days)
    return out


# ---------------------------------------------------------------- demand

REQUIRED_COLUMNS = ["queue", "interval_start", "arrivals", "bot_handled", "arrivals_human", "aht_s", "agents_required"]


def demand_arrays(requirements: pd.DataFrame, workforce: Workforce, days: list[dt.date], interval_min: int,
                  source: str = "requirements") -> dict[str, np.ndarray]:
    missing = [c for c in REQUIRED_COLUMNS if c not in requirements.columns]
    if missing:
        raise InputError(source, f"missing column(s) {', '.join(missing)}", field=missing[0])
    queues = list(workforce.queues)
    n_int = len(days) * (DAY_MIN // interval_min)
    grid = pd.date_range(pd.Timestamp(days[0]), periods=n_int, freq=f"{interval_min}min")
    req = requirements.copy()
    req["interval_start"] = pd.to_datetime(req["interval_start"])
    req = req[(req["interval_start"] >= grid[0]) & (req["interval_start"] <= grid[-1])]
    unknown = sorted(set(req["queue"]) - set(queues))
    if unknown:
        raise InputError(source, f"unknown queue {unknown[0]!r}", field="queue")
    out = {c: np.zeros((len(queues), n_int)) for c in REQUIRED_COLUMNS[2:]}
    for qi, queue in enumerate(queues):
        rows = req[req["queue"] == queue].set_index("interval_start")
        if rows.index.has_duplicates:
            raise InputError(source, f"duplicate intervals for queue {queue}", field="interval_start")
        rows = rows.reindex(grid)
        if rows["arrivals"].isna().any():
            first = rows.index[rows["arrivals"].isna()][0]
            raise InputError(source, f"queue {queue}: no requirement for {first:%Y-%m-%d %H:%M} "
                                     f"(the table must cover the whole month at {interval_min}-min intervals)",
                             field="interval_start")
        for column in out:
            out[column][qi] = rows[column].to_numpy(dtype=float)
    out["aht_s"] = np.where(out["aht_s"] > 0, out["aht_s"], [[workforce.queues[q].aht_s] for q in queues])
    return out


def apply_bot_cap(workforce: Workforce, demand: dict[str, np.ndarray], interval_h: float, notes: list[str]) -> None:
    """The bot never contains more sessions per interval than its cap; the excess goes to humans,
    from the queues whose contacts take agents the least time (as :func:`plan.optimize.staffing.requirements.bot_split`)."""
    bot = workforce.bot
    if bot is None or bot.max_sessions_per_hour is None:
        return
    cap = bot.max_sessions_per_hour * interval_h
    total = demand["bot_handled"].sum(axis=0)
    over = total > cap + 1e-9
    if over.any():
        shape = demand["bot_handled"].shape  # (queue in workforce order, interval), as demand_arrays builds it
        spared = np.array([agent_seconds_per_contact(queue, queue.aht_s) for queue in workforce.queues.values()])
        kept = bot_cap_split(demand["bot_handled"].ravel(), np.repeat(spared, shape[1]),
                             np.tile(np.arange(shape[1]), shape[0]), cap)
        moved = demand["bot_handled"] - kept.reshape(shape)
        demand["bot_handled"] = demand["bot_handled"] - moved
        demand["arrivals_human"] = demand["arrivals_human"] + moved
        notes.append(f"bot cap {bot.max_sessions_per_hour:g}/h: {moved.sum():.0f} sessions moved to humans "
                     f"in {int(over.sum())} intervals")


# ---------------------------------------------------------------- assembly

def build_instance(workforce: Workforce, requirements: pd.DataFrame, month: str,
                   events: pd.DataFrame | None = None, max_group_size: int | None = None) -> Instance:
    interval_min = workforce.site.interval_minutes
    per_day = DAY_MIN // interval_min
    days = month_days(month)
    kinds = day_kinds(days, workforce.site.country)
    demand = demand_arrays(requirements, workforce, days, interval_min)
    notes: list[str] = []
    apply_bot_cap(workforce, demand, interval_min / 60, notes)

    variants: list[ShiftVariant] = []
    variants_of_shift: list[list[int]] = []
    for s, shift in enumerate(workforce.shifts):
        vs = shift_variants(s, shift, interval_min, per_day)
        variants_of_shift.append(list(range(len(variants), len(variants) + len(vs))))
        variants.extend(vs)

    weeks = calendar_weeks(days)
    standard = [c for c in workforce.contracts.values() if c.system == "standard"]
    cap_week = min((c.max_hours_week for c in standard), default=40.0)
    return Instance(
        workforce=workforce, month=month, days=days, interval_min=interval_min, per_day=per_day,
        queues=list(workforce.queues), day_kind=kinds, event_day=event_day_mask(days, events),
        arrivals=demand["arrivals"], bot_handled=demand["bot_handled"], arrivals_human=demand["arrivals_human"],
        aht_s=demand["aht_s"], agents_required=demand["agents_required"],
        variants=variants, variants_of_shift=variants_of_shift,
        night_shift=[s.is_night for s in workforce.shifts],
        rest_conflicts=rest_conflicts(workforce.shifts, workforce.labour_rules.min_rest_between_shifts_h),
        groups=in_house_groups(workforce, days, event_phases(days, events), max_group_size), pt_groups=part_time_groups(workforce, days, interval_min),
        leave=[{i for i, day in enumerate(days) if day in set(a.leave)} for a in workforce.in_house],
        contracted_h=contracted_hours(workforce, days, kinds), weeks=weeks, week_cap_h=week_caps(weeks, cap_week),
        vendor_open=vendor_open_intervals(workforce, len(days), interval_min), notes=notes)
