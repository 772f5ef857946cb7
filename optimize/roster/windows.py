"""Large neighbourhoods of days, each solved as a MIP at the plan's own reading of service.

The CP-SAT searches count service in whole steps and level off about 1.4 % above the LP bound on
the sample month whatever their time (23,690-23,740 at 60-240 s). Freeing every in-house count,
break placement, part-time block and vendor seat of a window of consecutive days, the rest of the
month fixed, gives HiGHS a MIP of a few thousand integers with the service levels continuous (so a
step is read in part, as the plan reads it). On the sample's aggregate, one pass of six-day
windows took CP-SAT's 23,705 to 23,573 in 43 s; three-day windows gained 46 in 50 s.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from optimize.roster.model import AggregateModel, best_completion
from optimize.roster.relaxation import lp_relaxation
from optimize.roster.solve import StageResult

WINDOW_DAYS = 6
WINDOW_LIMIT_S = 8.0  # HiGHS's time per window (sample: optimal in 7.5-8.6 s, or the best found by then)


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


def improve_by_day_windows(m: AggregateModel, vals: np.ndarray, *, time_limit_s: float,
                           price: Callable[[np.ndarray], float], fix: Callable[[dict[int, int]], object],
                           window_days: int = WINDOW_DAYS) -> tuple[np.ndarray, StageResult]:
    """One pass over the month in windows of ``window_days``, as long as the time lasts; a window's
    answer is kept only when ``price`` (the plan's objective) falls. ``fix`` returns a copy of the
    model with the given proto variables fixed."""
    started = time.perf_counter()
    decisions = [v.index for d in (m.in_house, m.breaks, m.part_time, m.seats, m.seat_starts) for v in d.values()]
    best, best_cost = vals, price(vals)
    status = "UNKNOWN"
    for d0 in range(0, m.inst.n_days, window_days):
        left = time_limit_s - (time.perf_counter() - started)
        if left < 3.0:  # reading the rows and presolve alone take 1-2 s
            break
        free = window_decisions(m, range(d0, min(m.inst.n_days, d0 + window_days)))
        free_set = set(free)
        model = fix({i: int(best[i]) for i in decisions if i not in free_set})
        result = lp_relaxation(model, time_limit_s=max(1.0, min(WINDOW_LIMIT_S, left - 1.5)), integer=free)
        status = result.status
        if result.values is None:
            continue
        candidate = best.copy()
        candidate[free] = np.round(result.values[free]).astype(np.int64)
        candidate = best_completion(m, candidate)
        cost = price(candidate)
        if cost < best_cost - 1e-6:
            best, best_cost = candidate, cost
    return best, StageResult(f"day windows ({window_days} days)", status, best_cost, float("nan"),
                             time.perf_counter() - started)
