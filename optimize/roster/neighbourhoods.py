"""Neighbourhoods of a plan re-solved as MIPs at the plan's own reading of service.

The CP-SAT searches count service in whole steps, an upper estimate of the plan's reading (a step
is read in part, linearly between thresholds): a vendor seat worth part of a head buys nothing
whole, so the searches level off above the LP bound whatever their time. A neighbourhood here
frees some decisions, fixes the rest
and hands the model's rows to HiGHS as a MIP with only the freed decisions whole and the service
levels continuous, so the MIP reads service exactly as the plan does. Two uses:

- :func:`rebuy_purchases`: every vendor seat and part-time block, the in-house roster fixed (the
  plan's last step, small enough to be proven optimal);
- :func:`improve_by_day_windows`: every decision of a window of consecutive days (six-day windows
  gain more per second than three-day ones; ``bench/roster_scale.py`` measures what they buy).
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
from ortools.sat.python import cp_model

from plan.optimize.roster.budgets import MIP_NODES, NO_DEADLINE, READ_ROWS_S, WINDOW_DAYS, WINDOW_LIMIT_S, Deadline
from plan.optimize.roster.model import AggregateModel, best_completion
from plan.optimize.roster.relaxation import lp_relaxation
from plan.optimize.roster.solve import StageResult, fixed_copy

Price = Callable[[np.ndarray], float]


def decisions(m: AggregateModel) -> list[int]:
    """Proto indices of every decision: in-house counts, break placements, part-time blocks, vendor
    seats and the starts of their blocks."""
    return [v.index for d in (m.in_house, m.breaks, m.part_time, m.seats, m.seat_starts) for v in d.values()]


def purchase_decisions(m: AggregateModel) -> list[int]:
    """Proto indices of the part-time blocks, vendor seats and seat-block starts."""
    return [v.index for d in (m.part_time, m.seats, m.seat_starts) for v in d.values()]


def window_decisions(m: AggregateModel, days: range) -> list[int]:
    """Proto indices of every decision on ``days``: in-house counts, break placements, part-time
    blocks, vendor seats and the seat blocks starting in them."""
    per_day = m.inst.per_day
    first, last = days.start * per_day, days.stop * per_day
    out = [v.index for k, v in m.in_house.items() if k[1] in days]
    out += [v.index for k, v in m.breaks.items() if k[0] in days]
    out += [v.index for k, v in m.part_time.items() if k[1] in days]
    out += [v.index for k, v in m.seats.items() if first <= k[2] < last]
    out += [v.index for (_, _, t), v in m.seat_starts.items() if first <= t < last]
    return out


def resolve_exactly(m: AggregateModel, vals: np.ndarray, cost: float, free: list[int], *, budget_s: float,
                    price: Price, deadline: Deadline = NO_DEADLINE,
                    rules: cp_model.CpModel | None = None) -> tuple[np.ndarray, float, str]:
    """``vals`` (priced ``cost`` by ``price``, the plan's objective) with the decisions ``free``
    chosen again by the MIP, every other decision fixed; kept only if ``price`` falls. Returns the
    values, their price and HiGHS's status. ``rules``: the model to read (default ``m.model``)."""
    free_set = set(free)
    model = fixed_copy(m.model if rules is None else rules, {i: int(vals[i]) for i in decisions(m) if i not in free_set})
    # stopped on its node count; the wall clock only as the safety net
    result = lp_relaxation(model, time_limit_s=deadline.wall_cap_s(budget_s), integer=free, max_nodes=MIP_NODES)
    if result.values is None:
        return vals, cost, result.status
    candidate = vals.copy()
    candidate[free] = np.round(result.values[free]).astype(np.int64)
    candidate = best_completion(m, candidate)
    candidate_cost = price(candidate)
    if candidate_cost < cost - 1e-6:
        return candidate, candidate_cost, result.status
    return vals, cost, result.status


def rebuy_purchases(m: AggregateModel, vals: np.ndarray, *, budget_s: float, price: Price,
                    deadline: Deadline = NO_DEADLINE, model: cp_model.CpModel | None = None
                    ) -> tuple[np.ndarray, StageResult]:
    """Vendor seats and part-time blocks bought again for the roster as it stands (in-house shifts,
    queues and break placements fixed): the better of the two plans by ``price``."""
    started = time.perf_counter()
    out, cost, status = resolve_exactly(m, vals, price(vals), purchase_decisions(m), price=price,
                                        budget_s=max(1.0, budget_s - READ_ROWS_S), deadline=deadline,
                                        rules=model)
    return out, StageResult("re-buy seats and part-time", status, cost, float("nan"), time.perf_counter() - started,
                            budget_s)


def improve_by_day_windows(m: AggregateModel, vals: np.ndarray, *, budget_s: float, price: Price,
                           window_days: int = WINDOW_DAYS, deadline: Deadline = NO_DEADLINE
                           ) -> tuple[np.ndarray, StageResult]:
    """One pass over the month in windows of ``window_days``, as many as the budget holds at
    ``WINDOW_LIMIT_S`` each (counted from the budget, not the clock); a window's answer is kept only
    when ``price`` (the plan's objective) falls."""
    started = time.perf_counter()
    best, cost = vals, price(vals)
    status = "UNKNOWN"
    left = budget_s
    for d0 in range(0, m.inst.n_days, window_days):
        if left < 3 * READ_ROWS_S:  # with presolve, a window needs a few seconds to gain anything
            break
        window_s = max(1.0, min(WINDOW_LIMIT_S, left - READ_ROWS_S))
        free = window_decisions(m, range(d0, min(m.inst.n_days, d0 + window_days)))
        best, cost, status = resolve_exactly(m, best, cost, free, price=price, budget_s=window_s, deadline=deadline)
        left -= window_s + READ_ROWS_S
    return best, StageResult(f"day windows ({window_days} days)", status, cost, float("nan"),
                             time.perf_counter() - started, budget_s)
