"""Quick mode: the cheapest staffing of a month as an aggregate linear programme.

Shift-start *counts* per skill group and day instead of named people: no overtime, no minimum
blocks for vendor seats or part-time hours, breaks spread over their windows, each interval's
requirement instead of period targets. Stated as a sparse programme and solved to optimality
with HiGHS through the project's linear layer (:mod:`plan.optimize.linear`); service and cost are then recomputed from its staffing by
:func:`plan.optimize.finance.scenarios.pricing.price_staffing`. On the sample month it costs a few per cent
less than the roster (see ``bench/scenarios.py --mode full``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from plan.contracts.workforce import WEEKDAYS, Workforce, minutes_of
from plan.optimize import linear
from plan.optimize.cost_rules import seat_hour_price
from plan.optimize.roster.instance import shift_variants
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing, part_time_signature, vendor_open_mask


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


def plan_quick(workforce: Workforce, grid: MonthGrid, *, time_limit_s: float = 120.0) -> tuple[Staffing, dict]:
    """Cheapest staffing of the month meeting each interval's requirement, in aggregate.

    Steps (one function per rule would hide the shared index arithmetic, so they are blocks):
    in-house shift starts per skill group and day; their heads split across the group's queues;
    part-time heads per skill group within availability and daily/weekly caps; vendor seats
    within caps, hours and commitments; shortfall agents priced at the penalty of the contacts
    an agent would answer. In-house salaries are fixed, so in-house time is free to the LP.
    """
    minutes = workforce.site.interval_minutes
    per_day = grid.per_day
    n_q, n_t = len(grid.queues), len(grid.intervals)
    days = grid.days
    n_d = len(days)
    q_index = {q: i for i, q in enumerate(grid.queues)}
    lp = linear.SparseProgram()
    # requirements count heads to schedule; shrinkage is already in them (docs/plan-files.md)
    coverage_terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (queue idx, interval idx, col), weight

    # In-house: group agents by (skills, contract)
    groups: dict[tuple[tuple[str, ...], str], list] = {}
    for agent in workforce.in_house:
        groups.setdefault((tuple(sorted(agent.skills)), agent.contract), []).append(agent)
    ih_cols = []  # (group key, skills, y column matrix [len(skills), T])
    for (skills, contract_name), members in groups.items():
        contract = workforce.contracts[contract_name]
        shifts = [s for s in workforce.shifts if s.paid_hours <= contract.max_hours_day + 1e-9]
        if not shifts:
            continue
        starts = lp.add_columns(np.zeros(n_d * len(shifts))).reshape(n_d, len(shifts))
        assign = lp.add_columns(np.zeros(len(skills) * n_t)).reshape(len(skills), n_t)
        ih_cols.append((skills, assign))
        # heads assigned to queues <= heads on the floor
        floor_rows = lp.add_rows(np.zeros(n_t))
        for k in range(len(skills)):
            lp.add_terms(floor_rows, assign[k], 1.0)
        for si, shift in enumerate(shifts):
            cover = shift_coverage(shift, minutes)
            offsets = np.nonzero(cover > 0)[0]
            for d in range(n_d):
                t = d * per_day + offsets
                inside = t < n_t
                lp.add_terms(floor_rows[t[inside]], np.full(inside.sum(), starts[d, si]), -cover[offsets[inside]])
        # at most the members not on leave start a shift each day
        on_leave = np.array([sum(day.date() in set(a.leave) for a in members) for day in days])
        day_rows = lp.add_rows(len(members) - on_leave)
        lp.add_terms(np.repeat(day_rows, len(shifts)), starts.ravel(), 1.0)
        paid = np.array([s.paid_hours for s in shifts])
        # monthly hours (no overtime in quick mode)
        month_row = lp.add_rows([len(members) * contract.standard_hours_month * n_d / (365.25 / 12)])
        lp.add_terms(np.full(starts.size, month_row[0]), starts.ravel(), np.tile(paid, n_d))
        if contract.system == "standard":
            for week_days in _days_by_iso_week(days).values():
                row = lp.add_rows([len(members) * contract.max_hours_week * len(week_days) / 7])
                cols = starts[week_days].ravel()
                lp.add_terms(np.full(cols.size, row[0]), cols, np.tile(paid, len(week_days)))
        else:  # comprehensive: at least the weekly rest days on average
            rest = workforce.labour_rules.min_rest_days_per_week
            for week_days in _days_by_iso_week(days).values():
                row = lp.add_rows([len(members) * len(week_days) * (7 - rest) / 7])
                cols = starts[week_days].ravel()
                lp.add_terms(np.full(cols.size, row[0]), cols, 1.0)
        for k, skill in enumerate(skills):
            coverage_terms.append((np.full(n_t, q_index[skill]), np.arange(n_t), assign[k], 1.0))

    # Part-time: group by skills; heads within availability, hours within day/week caps
    pt_groups: dict[tuple[str, ...], list] = {}
    for person in workforce.part_time:
        pt_groups.setdefault(tuple(sorted(person.skills)), []).append(person)
    pt_cols = []
    for skills, members in pt_groups.items():
        rate = float(np.mean([p.hourly_rate for p in members]))
        assign = lp.add_columns(np.full(len(skills) * n_t, rate * grid.interval_h)).reshape(len(skills), n_t)
        pt_cols.append((skills, assign, rate))
        available = np.zeros(n_t)
        day_hours = np.zeros(n_d)
        for d, day in enumerate(days):
            weekday = WEEKDAYS[day.weekday()]
            for person in members:
                if day.date() in set(person.unavailable):
                    continue
                share = _availability_share(person.availability, weekday, minutes)
                if share.any():
                    available[d * per_day:(d + 1) * per_day] += share[:per_day][:min(per_day, n_t - d * per_day)]
                    day_hours[d] += person.max_hours_day
        head_rows = lp.add_rows(available)
        for k in range(len(skills)):
            lp.add_terms(head_rows, assign[k], 1.0)
        day_rows = lp.add_rows(day_hours)
        for k in range(len(skills)):
            lp.add_terms(np.repeat(day_rows, per_day)[:n_t], assign[k], grid.interval_h)
        for week_days in _days_by_iso_week(days).values():
            cap = sum(p.max_hours_week for p in members) * len(week_days) / 7
            row = lp.add_rows([cap])
            ts = np.concatenate([np.arange(d * per_day, min((d + 1) * per_day, n_t)) for d in week_days])
            for k in range(len(skills)):
                lp.add_terms(np.full(ts.size, row[0]), assign[k][ts], grid.interval_h)
        for k, skill in enumerate(skills):
            coverage_terms.append((np.full(n_t, q_index[skill]), np.arange(n_t), assign[k], 1.0))

    # Vendors: seats per queue and interval within cap and opening hours; commitment top-up
    vendor_cols = []
    for vendor in workforce.vendors:
        skills = [s for s in vendor.skills if s in q_index]
        is_open = vendor_open_mask(vendor, grid.intervals)
        price = seat_hour_price(vendor, grid.event_day) * grid.interval_h
        seats = lp.add_columns(np.tile(price, len(skills))).reshape(len(skills), n_t)
        vendor_cols.append((vendor, skills, seats))
        cap_rows = lp.add_rows(np.where(is_open, vendor.max_seats, 0))
        for k in range(len(skills)):
            lp.add_terms(cap_rows, seats[k], 1.0)
        if vendor.min_monthly_seat_hours > 0:
            topup = lp.add_columns([vendor.price_per_seat_hour])
            row = lp.add_rows([-vendor.min_monthly_seat_hours])
            # seat columns are per interval, the top-up column per hour
            weights = np.append(np.full(seats.size, -grid.interval_h), -1.0)
            lp.add_terms(np.full(seats.size + 1, row[0]), np.append(seats.ravel(), topup), weights)
        for k, skill in enumerate(skills):
            qi = q_index[skill]
            coverage_terms.append((np.full(n_t, qi), np.arange(n_t), seats[k], 1.0 / vendor.aht_factor))

    # Shortfall: agents short, priced at the penalty of the contacts one agent answers
    need = grid.required
    per_agent = np.divide(grid.arrivals_human, need, out=np.zeros_like(need), where=need > 0)
    penalty = workforce.costs.shortfall_penalty_per_contact
    short = lp.add_columns((penalty * per_agent + 1e-3).ravel()).reshape(n_q, n_t)
    cover_rows = lp.add_rows(-need.ravel()).reshape(n_q, n_t)
    lp.add_terms(cover_rows.ravel(), short.ravel(), -1.0)
    for qi_arr, t_arr, cols, weight in coverage_terms:
        lp.add_terms(cover_rows[qi_arr, t_arr], cols, -weight)

    solution, info = _solve(lp, time_limit_s)

    in_house = np.zeros((n_q, n_t))
    for skills, assign in ih_cols:
        for k, skill in enumerate(skills):
            in_house[q_index[skill]] += solution[assign[k]]
    part_time = np.zeros((n_q, n_t))
    pt_cost = pt_hours = 0.0
    for skills, assign, rate in pt_cols:
        for k, skill in enumerate(skills):
            heads = solution[assign[k]]
            part_time[q_index[skill]] += heads
            pt_hours += float(heads.sum()) * grid.interval_h
            pt_cost += float(heads.sum()) * grid.interval_h * rate
    vendor_seats = {}
    for vendor, skills, seats in vendor_cols:
        matrix = np.zeros((n_q, n_t))
        for k, skill in enumerate(skills):
            matrix[q_index[skill]] = solution[seats[k]]
        vendor_seats[vendor.id] = matrix
    staffing = Staffing(in_house=in_house, part_time=part_time, vendor_seats=vendor_seats,
                        in_house_ids=tuple(a.id for a in workforce.in_house), part_time_cost=pt_cost,
                        part_time_hours=pt_hours, part_time_signature=part_time_signature(workforce))
    info["shortfall_agent_hours"] = float(solution[short].sum()) * grid.interval_h
    return staffing, info


def _solve(lp: linear.SparseProgram, time_limit_s: float) -> tuple[np.ndarray, dict]:
    result = linear.solve(lp.model(), time_limit_s=time_limit_s, lp_method="ipm")
    if not result.found:
        raise RuntimeError(f"quick plan LP failed: {result.status}")
    info = {"status": result.status, "objective": result.objective, "best_bound": result.bound,
            "gap": 0.0 if result.optimal else None, "seconds": round(result.seconds, 3),
            "variables": lp.n_columns, "constraints": lp.n_rows}
    return result.x, info
