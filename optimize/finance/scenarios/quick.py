"""Quick mode: the cheapest staffing of a month as an aggregate linear programme.

Shift-start *counts* per skill group and day instead of named people: no overtime, no minimum
blocks for vendor seats or part-time hours, breaks spread over their placements, each interval's
requirement instead of period targets. Stated as a sparse programme and solved to optimality
with HiGHS through the project's linear layer (:mod:`plan.optimize.linear`); service and cost are
then recomputed from its staffing by :func:`plan.optimize.finance.scenarios.pricing.price_staffing`.
It is an estimate of the roster's cost: ``bench/scenarios.py`` measures how far apart they are.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from plan.contracts.workforce import WEEKDAYS, Workforce, minutes_of
from plan.optimize import linear
from plan.optimize.cost_rules import seat_hour_price
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing, part_time_signature, vendor_open_mask
from plan.optimize.roster.instance import shift_variants


def shift_coverage(shift, interval_minutes: int) -> np.ndarray:
    """Share of each interval (from the start day's midnight, two days long) a shift is on the floor.

    The mean over the roster's own break placements (:func:`plan.optimize.roster.instance.shift_variants`),
    the aggregate equivalent of staggering the breaks across the team.
    """
    per_day = 1440 // interval_minutes
    return np.mean([v.coverage for v in shift_variants(0, shift, interval_minutes, per_day)], axis=0)


def _days_by_iso_week(days: pd.DatetimeIndex) -> dict[tuple[int, int], list[int]]:
    """Day positions grouped by ISO (year, week): weekly caps apply to the part of a week in the month."""
    weeks: dict[tuple[int, int], list[int]] = {}
    for d, day in enumerate(days):
        iso = day.isocalendar()
        weeks.setdefault((iso[0], iso[1]), []).append(d)
    return weeks


def _availability_share(windows, weekday: str, interval_minutes: int) -> np.ndarray:
    """Share of each interval of one day inside a part-timer's availability windows."""
    free = np.zeros(1440)
    for window in windows:
        if weekday in window.days:
            start, end = minutes_of(window.start), minutes_of(window.end)
            if end <= start:
                free[start:] = 1.0
                free[:end] = 1.0
            else:
                free[start:end] = 1.0
    return free.reshape(-1, interval_minutes).mean(axis=1)


@dataclass
class _QuickModel:
    """The month's aggregate LP as it is built: columns by source, and the coverage terms per queue."""
    workforce: Workforce
    grid: MonthGrid
    lp: linear.SparseProgram = field(default_factory=linear.SparseProgram)
    cover: list[tuple[int, np.ndarray, float]] = field(default_factory=list)  # (queue, columns per interval, weight)
    in_house: list[tuple[int, np.ndarray]] = field(default_factory=list)       # (queue, heads per interval)
    part_time: list[tuple[int, np.ndarray, float]] = field(default_factory=list)  # (queue, heads, hourly rate)
    vendors: list[tuple[str, int, np.ndarray]] = field(default_factory=list)   # (vendor, queue, seats)
    shortfall: np.ndarray | None = None

    @property
    def n_intervals(self) -> int:
        return len(self.grid.intervals)

    def queue(self, name: str) -> int:
        return self.grid.queues.index(name)


def plan_quick(workforce: Workforce, grid: MonthGrid, *, time_limit_s: float = 120.0) -> tuple[Staffing, dict]:
    """Cheapest staffing of the month meeting each interval's requirement, in aggregate.

    In-house salaries are fixed, so in-house time is free to the LP; part-time hours, vendor seats
    and the shortfall (agents short, at the penalty of the contacts an agent would answer) cost.
    Requirements count heads to schedule: shrinkage is already in them (docs/plan-files.md).
    """
    qm = _QuickModel(workforce, grid)
    for (skills, contract), members in _groups(workforce.in_house, lambda a: (tuple(sorted(a.skills)), a.contract)):
        add_in_house_group(qm, skills, workforce.contracts[contract], members)
    for skills, members in _groups(workforce.part_time, lambda p: tuple(sorted(p.skills))):
        add_part_time_group(qm, skills, members)
    for vendor in workforce.vendors:
        add_vendor(qm, vendor)
    add_cover_with_shortfall(qm)
    solution, info = _solve(qm.lp, time_limit_s)
    info["shortfall_agent_hours"] = float(solution[qm.shortfall].sum()) * grid.interval_h
    return _staffing(qm, solution), info


def _groups(people, key) -> list[tuple]:
    groups: dict = {}
    for person in people:
        groups.setdefault(key(person), []).append(person)
    return list(groups.items())


def add_in_house_group(qm: _QuickModel, skills: tuple[str, ...], contract, members: list) -> None:
    """Shift starts per day (at most the members not on leave), heads on the floor split over the
    group's queues, monthly hours (no overtime in quick mode) and weekly hours or rest days."""
    lp, grid, n_t = qm.lp, qm.grid, qm.n_intervals
    shifts = [s for s in qm.workforce.shifts if s.paid_hours <= contract.max_hours_day + 1e-9]
    if not shifts:
        return
    n_d, per_day = len(grid.days), grid.per_day
    starts = lp.add_columns(np.zeros(n_d * len(shifts))).reshape(n_d, len(shifts))
    assign = lp.add_columns(np.zeros(len(skills) * n_t)).reshape(len(skills), n_t)
    floor_rows = lp.add_rows(np.zeros(n_t))  # heads assigned to queues ≤ heads on the floor
    for k in range(len(skills)):
        lp.add_terms(floor_rows, assign[k], 1.0)
    for si, shift in enumerate(shifts):
        cover = shift_coverage(shift, qm.workforce.site.interval_minutes)
        offsets = np.nonzero(cover > 0)[0]
        for d in range(n_d):
            t = d * per_day + offsets
            inside = t < n_t
            lp.add_terms(floor_rows[t[inside]], np.full(inside.sum(), starts[d, si]), -cover[offsets[inside]])
    on_leave = np.array([sum(day.date() in set(a.leave) for a in members) for day in grid.days])
    day_rows = lp.add_rows(len(members) - on_leave)
    lp.add_terms(np.repeat(day_rows, len(shifts)), starts.ravel(), 1.0)
    paid = np.array([s.paid_hours for s in shifts])
    month_row = lp.add_rows([len(members) * contract.standard_hours_month * n_d / (365.25 / 12)])
    lp.add_terms(np.full(starts.size, month_row[0]), starts.ravel(), np.tile(paid, n_d))
    rest = qm.workforce.labour_rules.min_rest_days_per_week
    for week_days in _days_by_iso_week(grid.days).values():
        cols = starts[week_days].ravel()
        if contract.system == "standard":
            row = lp.add_rows([len(members) * contract.max_hours_week * len(week_days) / 7])
            lp.add_terms(np.full(cols.size, row[0]), cols, np.tile(paid, len(week_days)))
        else:  # comprehensive: at least the weekly rest days on average
            row = lp.add_rows([len(members) * len(week_days) * (7 - rest) / 7])
            lp.add_terms(np.full(cols.size, row[0]), cols, 1.0)
    for k, skill in enumerate(skills):
        qm.cover.append((qm.queue(skill), assign[k], 1.0))
        qm.in_house.append((qm.queue(skill), assign[k]))


def add_part_time_group(qm: _QuickModel, skills: tuple[str, ...], members: list) -> None:
    """Part-time heads per queue within the members' availability, daily and weekly hour caps."""
    lp, grid, n_t, per_day = qm.lp, qm.grid, qm.n_intervals, qm.grid.per_day
    rate = float(np.mean([p.hourly_rate for p in members]))
    assign = lp.add_columns(np.full(len(skills) * n_t, rate * grid.interval_h)).reshape(len(skills), n_t)
    available, day_hours = _part_time_capacity(qm, members)
    head_rows = lp.add_rows(available)
    day_rows = np.repeat(lp.add_rows(day_hours), per_day)[:n_t]
    for k in range(len(skills)):
        lp.add_terms(head_rows, assign[k], 1.0)
        lp.add_terms(day_rows, assign[k], grid.interval_h)
    for week_days in _days_by_iso_week(grid.days).values():
        row = lp.add_rows([sum(p.max_hours_week for p in members) * len(week_days) / 7])
        ts = np.concatenate([np.arange(d * per_day, min((d + 1) * per_day, n_t)) for d in week_days])
        for k in range(len(skills)):
            lp.add_terms(np.full(ts.size, row[0]), assign[k][ts], grid.interval_h)
    for k, skill in enumerate(skills):
        qm.cover.append((qm.queue(skill), assign[k], 1.0))
        qm.part_time.append((qm.queue(skill), assign[k], rate))


def _part_time_capacity(qm: _QuickModel, members: list) -> tuple[np.ndarray, np.ndarray]:
    """Heads available per interval and hours available per day, summed over the members."""
    grid, n_t, per_day = qm.grid, qm.n_intervals, qm.grid.per_day
    available, day_hours = np.zeros(n_t), np.zeros(len(grid.days))
    for d, day in enumerate(grid.days):
        weekday = WEEKDAYS[day.weekday()]
        for person in members:
            if day.date() in set(person.unavailable):
                continue
            share = _availability_share(person.availability, weekday, qm.workforce.site.interval_minutes)
            if share.any():
                available[d * per_day:(d + 1) * per_day] += share[:per_day][:min(per_day, n_t - d * per_day)]
                day_hours[d] += person.max_hours_day
    return available, day_hours


def add_vendor(qm: _QuickModel, vendor) -> None:
    """Seats per queue and interval within the cap and opening hours; the commitment's top-up."""
    lp, grid, n_t = qm.lp, qm.grid, qm.n_intervals
    skills = [s for s in vendor.skills if s in grid.queues]
    price = seat_hour_price(vendor, grid.event_day) * grid.interval_h
    seats = lp.add_columns(np.tile(price, len(skills))).reshape(len(skills), n_t)
    cap_rows = lp.add_rows(np.where(vendor_open_mask(vendor, grid.intervals), vendor.max_seats, 0))
    for k in range(len(skills)):
        lp.add_terms(cap_rows, seats[k], 1.0)
    if vendor.min_monthly_seat_hours > 0:
        topup = lp.add_columns([vendor.price_per_seat_hour])
        row = lp.add_rows([-vendor.min_monthly_seat_hours])
        # seat columns are per interval, the top-up column per hour
        weights = np.append(np.full(seats.size, -grid.interval_h), -1.0)
        lp.add_terms(np.full(seats.size + 1, row[0]), np.append(seats.ravel(), topup), weights)
    for k, skill in enumerate(skills):
        qm.cover.append((qm.queue(skill), seats[k], 1.0 / vendor.aht_factor))
        qm.vendors.append((vendor.id, qm.queue(skill), seats[k]))


def add_cover_with_shortfall(qm: _QuickModel) -> None:
    """Each queue's requirement per interval is met by the sources or by agents short, priced at
    the penalty of the contacts one agent answers (plus a tie-breaker)."""
    lp, grid = qm.lp, qm.grid
    need = grid.required
    per_agent = np.divide(grid.arrivals_human, need, out=np.zeros_like(need), where=need > 0)
    penalty = qm.workforce.costs.shortfall_penalty_per_contact
    qm.shortfall = lp.add_columns((penalty * per_agent + 1e-3).ravel()).reshape(need.shape)
    cover_rows = lp.add_rows(-need.ravel()).reshape(need.shape)
    lp.add_terms(cover_rows.ravel(), qm.shortfall.ravel(), -1.0)
    for qi, cols, weight in qm.cover:
        lp.add_terms(cover_rows[qi], cols, -weight)


def _staffing(qm: _QuickModel, solution: np.ndarray) -> Staffing:
    workforce, grid = qm.workforce, qm.grid
    shape = (len(grid.queues), qm.n_intervals)
    in_house, part_time = np.zeros(shape), np.zeros(shape)
    for qi, cols in qm.in_house:
        in_house[qi] += solution[cols]
    pt_hours = pt_cost = 0.0
    for qi, cols, rate in qm.part_time:
        part_time[qi] += solution[cols]
        pt_hours += float(solution[cols].sum()) * grid.interval_h
        pt_cost += float(solution[cols].sum()) * grid.interval_h * rate
    vendor_seats = {vendor.id: np.zeros(shape) for vendor in workforce.vendors}
    for vendor_id, qi, cols in qm.vendors:
        vendor_seats[vendor_id][qi] = solution[cols]
    return Staffing(in_house=in_house, part_time=part_time, vendor_seats=vendor_seats,
                    in_house_ids=tuple(a.id for a in workforce.in_house), part_time_cost=pt_cost,
                    part_time_hours=pt_hours, part_time_signature=part_time_signature(workforce))


def _solve(lp: linear.SparseProgram, time_limit_s: float) -> tuple[np.ndarray, dict]:
    result = linear.solve(lp.model(), time_limit_s=time_limit_s, lp_method="ipm")
    if not result.found:
        raise RuntimeError(f"quick plan LP failed: {result.status}")
    info = {"status": result.status, "objective": result.objective, "best_bound": result.bound,
            "gap": 0.0 if result.optimal else None, "seconds": round(result.seconds, 3),
            "variables": lp.n_columns, "constraints": lp.n_rows}
    return result.x, info
