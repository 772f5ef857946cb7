"""Which options to take: a small MIP, service priced by the queueing formulas.

Per queue and interval of the horizon the contacts answered late (``arrivals_human × (1 − service
level)``, the cost rules' shortfall) is a decreasing function of the effective agents present; it
is evaluated with :func:`plan.optimize.queueing.service.queue_metrics` on a grid around the plan's
staffing and entered as the chords of the grid's lower convex hull: exact where the curve is convex
(a queue staffed above its load), below it where it is not (the knee of a queue staffed near or
under its load), so the model is convex and spreads a loss of heads rather than stacking it. What
the MIP chooses is then re-read with the formulas themselves and every unit whose removal saves is
taken out (:func:`prune_by_formulas`). Email is deferrable: its need is the requirement's agents,
any head below it priced as a target miss.

The objective is the cost rules' own: what the options cost, plus the shortfall penalty per late
contact beyond those the plan already accepted on the demand it was made for (so a re-plan answers
the change of forecast and does not buy what the roster weighed and left), plus :data:`TARGET_MISS_CONTACTS` penalties per effective agent-hour below the interval's
requirement (on the new forecast; less what the published plan already lacked there, where the
roster found the shortfall the cheaper choice): the targets are met wherever an hour of capacity on
offer costs less than about that many lost contacts, and otherwise the model buys the service that
pays for itself.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from plan.contracts.workforce import Workforce
from plan.optimize.intraday.options import Horizon, Options
from plan.optimize.linear import solve_mip_with_limit
from plan.optimize.queueing.service import email_backlog, queue_metrics

# An effective agent-hour below the requirement is priced as this many late contacts: above any
# hour of capacity the sample offers (overtime ~60-90, vendor seats ~60, part-time ~28 per hour
# against a 32 penalty per contact), so targets are met when capacity can be bought at all.
TARGET_MISS_CONTACTS = 4.0
# Every change costs the team lead a call: this price (not in the plan's cost) keeps the model from
# changes that buy nothing, e.g. swapping two part-timers of the same rate on the same block.
CHANGE_PRICE = 2.0
GRID_POINTS = 25
NEAR_POINTS = 16    # half heads on either side of the plan's staffing
MIP_NODE_LIMIT = 2000
MIP_SECONDS = 20.0


@dataclass(frozen=True)
class Demand:
    """Per queue (rows) and horizon interval (columns): the re-forecast demand and the plan's staffing."""
    queues: list[str]
    arrivals_human: np.ndarray
    aht_s: np.ndarray
    threshold_s: np.ndarray         # answer-within target per interval (event-day targets on event days)
    deadline_h: np.ndarray          # email resolve deadline per interval
    need_effective: np.ndarray      # agents_required × (1 − shrinkage) where it binds (else 0)
    staffed_effective: np.ndarray   # the plan's effective agents before any option
    allowed_miss: np.ndarray        # effective agents the published plan was already below its requirement
    late_reference: np.ndarray      # late contacts the plan accepted on the demand it was made for


def late_at(workforce: Workforce, demand: Demand, q: int, t: np.ndarray, effective: np.ndarray,
            step_min: int) -> np.ndarray:
    """Contacts answered after the target in intervals ``t`` (repeats allowed) of chat or voice queue
    ``q`` at ``effective`` agents, one value per entry, vectorised."""
    arrivals = demand.arrivals_human[q, t]
    metrics = queue_metrics(workforce.queues[demand.queues[q]], arrivals * 60.0 / step_min, np.maximum(effective, 0.0),
                            answer_within_s=demand.threshold_s[q, t], aht_s=demand.aht_s[q, t], with_asa=False)
    return arrivals * (1.0 - np.asarray(metrics.service_level, dtype=float))


def late_contacts(workforce: Workforce, demand: Demand, q: int, effective: np.ndarray, step_min: int) -> np.ndarray:
    """Contacts answered after the target (email: resolved after the deadline) per interval of queue ``q``."""
    queue = workforce.queues[demand.queues[q]]
    arrivals = demand.arrivals_human[q]
    if queue.channel == "email":
        late = np.zeros(len(arrivals))
        for deadline in np.unique(demand.deadline_h[q]):
            backlog = email_backlog(arrivals, demand.aht_s[q], effective, float(deadline), interval_minutes=step_min)
            mask = demand.deadline_h[q] == deadline
            late[mask] = np.asarray(backlog.late_contacts, dtype=float)[mask]
        return late
    return late_at(workforce, demand, q, np.arange(len(arrivals)), effective, step_min)


def _grid_late(workforce: Workforce, demand: Demand, q: int, grid: np.ndarray, step_min: int) -> np.ndarray:
    """``late_contacts`` of queue ``q`` at every grid column (intervals × points), vectorised."""
    t = np.repeat(np.arange(grid.shape[0]), grid.shape[1])
    return late_at(workforce, demand, q, t, grid.ravel(), step_min).reshape(grid.shape)


@dataclass(frozen=True)
class Choice:
    units: np.ndarray               # per option
    status: str
    objective: float
    seconds: float


def _effect_matrix(options: Options, demand: Demand, horizon: Horizon, relief: bool = False) -> sp.csr_matrix:
    """(queue × interval) × option: effective agents each unit of an option adds (``relief``: what it
    takes off the requirement's deficit, :attr:`Option.relief` where it differs)."""
    n_int = len(horizon.starts)
    rows, cols, vals = [], [], []
    index = {q: i for i, q in enumerate(demand.queues)}
    for o, option in enumerate(options.items):
        effect = option.relief if (relief and option.relief is not None) else option.effective
        for queue, values in effect.items():
            nz = np.flatnonzero(np.abs(values) > 1e-12)
            rows.extend(index[queue] * n_int + nz)
            cols.extend([o] * len(nz))
            vals.extend(values[nz])
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(demand.queues) * n_int, len(options.items)))


class Rows:
    """Constraint rows ``lower ≤ Σ coef·x ≤ upper`` collected as sparse triplets."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, columns, coefficients, low: float, high: float) -> None:
        self.rows.extend([len(self.lower)] * len(columns))
        self.cols.extend(columns)
        self.vals.extend(coefficients)
        self.lower.append(low)
        self.upper.append(high)

    def matrix(self, n_var: int) -> sp.csr_matrix:
        return sp.csr_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.lower), n_var))


def _row_of(effect: sp.csr_matrix, r: int) -> tuple[np.ndarray, np.ndarray]:
    return effect.indices[effect.indptr[r]:effect.indptr[r + 1]], effect.data[effect.indptr[r]:effect.indptr[r + 1]]


def add_late_rows(rows: Rows, workforce: Workforce, demand: Demand, effect: sp.csr_matrix, units_max: np.ndarray,
                  q: int, first_col: int, step_min: int) -> None:
    """late ≥ f_j + slope_j (base + effect·x − grid_j) − the plan's own late, for queue ``q``'s intervals,
    with f the formulas' late contacts on a grid from the most heads the options can take off to
    the most they can add."""
    n_int = demand.staffed_effective.shape[1]
    span = slice(q * n_int, (q + 1) * n_int)
    base = demand.staffed_effective[q]
    reference = demand.late_reference[q]
    lo = np.maximum(base + np.asarray(effect.minimum(0) @ units_max).ravel()[span], 0.0)
    hi = base + np.asarray(effect.maximum(0) @ units_max).ravel()[span]
    grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, GRID_POINTS)[None, :]
    # and every half head near the plan's staffing, where nearly all choices land
    keep = 1.0 - workforce.queues[demand.queues[q]].shrinkage
    near = base[:, None] + keep * 0.5 * np.arange(-NEAR_POINTS, NEAR_POINTS + 1)[None, :]
    grid = np.sort(np.concatenate([grid, np.clip(near, lo[:, None], hi[:, None])], axis=1), axis=1)
    values = _grid_late(workforce, demand, q, grid, step_min)
    for i in range(n_int):
        opt_cols, opt_vals = _row_of(effect, q * n_int + i)
        late = first_col + i
        hull_x, hull_y = lower_convex_hull(grid[i], values[i])
        if len(hull_x) < 2:  # nothing can change here: the late contacts are a constant
            rows.add([late], [1.0], values[i, 0] - reference[i], np.inf)
        for (x0, x1), (y0, y1) in zip(zip(hull_x, hull_x[1:]), zip(hull_y, hull_y[1:])):
            slope = (y1 - y0) / (x1 - x0)
            rows.add(list(opt_cols) + [late], list(-slope * opt_vals) + [1.0],
                     y0 + slope * (base[i] - x0) - reference[i], np.inf)


def lower_convex_hull(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """The points of (sorted ``x``, ``y``) on their lower convex hull (Andrew's monotone chain): the
    chords between them are the greatest convex function below the points, which a MIP row set
    ``late ≥ chord_j`` represents exactly."""
    hull: list[tuple[float, float]] = []
    for point in zip(x.tolist(), y.tolist()):
        if hull and point[0] - hull[-1][0] <= 1e-9:
            if point[1] < hull[-1][1]:
                hull[-1] = point
            continue
        while len(hull) >= 2 and ((hull[-1][0] - hull[-2][0]) * (point[1] - hull[-2][1])
                                  - (hull[-1][1] - hull[-2][1]) * (point[0] - hull[-2][0])) <= 0:
            hull.pop()
        hull.append(point)
    return [p[0] for p in hull], [p[1] for p in hull]


def add_choice_rows(rows: Rows, options: Options) -> None:
    """At most one option per group (a person-day); the limits (weeks, months, seat caps, commitments)."""
    groups: dict[tuple, list[int]] = {}
    for o, option in enumerate(options.items):
        if option.group is not None:
            groups.setdefault(option.group, []).append(o)
    for members in groups.values():
        if len(members) > 1:
            rows.add(members, [1.0] * len(members), -np.inf, 1.0)
    for coefs, bound in options.limits:
        rows.add(list(coefs), list(coefs.values()), -np.inf, bound)


def choose(workforce: Workforce, demand: Demand, options: Options, horizon: Horizon) -> Choice:
    n_opt, n_int, n_q = len(options.items), len(horizon.starts), len(demand.queues)
    step_min = int(horizon.step / pd.Timedelta(minutes=1))
    penalty = workforce.costs.shortfall_penalty_per_contact
    effect = _effect_matrix(options, demand, horizon)
    units_max = np.array([o.max_units for o in options.items], dtype=float)
    chatty = [q for q in range(n_q) if workforce.queues[demand.queues[q]].channel != "email"]
    # variables: options | late contacts per (chat/voice queue, interval) | deficit per (queue, interval)
    n_late = len(chatty) * n_int
    n_var = n_opt + n_late + n_q * n_int
    cost = np.concatenate([[o.unit_cost + CHANGE_PRICE for o in options.items], np.full(n_late, penalty),
                           np.full(n_q * n_int, TARGET_MISS_CONTACTS * penalty * step_min / 60.0)])
    rows = Rows()
    for k, q in enumerate(chatty):
        add_late_rows(rows, workforce, demand, effect, units_max, q, n_opt + k * n_int, step_min)
    need = (demand.need_effective - demand.allowed_miss - demand.staffed_effective).ravel()
    relief = _effect_matrix(options, demand, horizon, relief=True)
    for r in range(n_q * n_int):  # deficit ≥ need − allowed miss − (base + relief·x)
        opt_cols, opt_vals = _row_of(relief, r)
        rows.add(list(opt_cols) + [n_opt + n_late + r], list(opt_vals) + [1.0], need[r], np.inf)
    add_choice_rows(rows, options)
    integral = np.concatenate([np.ones(n_opt), np.zeros(n_var - n_opt)])
    var_upper = np.concatenate([units_max, np.full(n_var - n_opt, np.inf)])
    solution = solve_mip_with_limit(cost, rows.matrix(n_var), np.array(rows.lower), np.array(rows.upper),
                                    np.zeros(n_var), var_upper, integral, node_limit=MIP_NODE_LIMIT,
                                    time_limit_s=MIP_SECONDS)
    if not np.isfinite(solution.x).all():
        return Choice(np.zeros(n_opt, dtype=int), solution.status, float("nan"), solution.seconds)
    units = prune_by_formulas(workforce, demand, options, horizon, np.round(solution.x[:n_opt]).astype(int))
    return Choice(units, solution.status, solution.objective, solution.seconds)


class ExactObjective:
    """The MIP's objective term by term with the queueing formulas' late contacts in place of the
    chords, per queue and interval, so that taking an option out is re-priced where it acts only."""

    def __init__(self, workforce: Workforce, demand: Demand, horizon: Horizon) -> None:
        self.workforce, self.demand = workforce, demand
        self.step_min = int(horizon.step / pd.Timedelta(minutes=1))
        self.penalty = workforce.costs.shortfall_penalty_per_contact
        self.miss_price = TARGET_MISS_CONTACTS * self.penalty * self.step_min / 60.0
        self.chatty = [workforce.queues[q].channel != "email" for q in demand.queues]
        self.need = demand.need_effective - demand.allowed_miss

    def late(self, q: int, t: np.ndarray, effective: np.ndarray) -> np.ndarray:
        return late_at(self.workforce, self.demand, q, t, effective, self.step_min)

    def priced(self, q: int, t: np.ndarray, late: np.ndarray | None, relieved: np.ndarray) -> np.ndarray:
        """Per interval: the late contacts beyond the reference and the target miss, in the currency."""
        value = self.miss_price * np.maximum(self.need[q, t] - relieved, 0.0)
        if late is not None:
            value = value + self.penalty * np.maximum(late - self.demand.late_reference[q, t], 0.0)
        return value


def prune_by_formulas(workforce: Workforce, demand: Demand, options: Options, horizon: Horizon,
                      units: np.ndarray) -> np.ndarray:
    """``units`` less each chosen unit whose removal lowers the objective read with the queueing formulas
    themselves. The chords stand for the formulas only at their grid points, and below them where late
    contacts are not convex in the agents (a queue staffed near its load): the MIP may then take
    changes the formulas price worse than leaving them out. Units are taken out one at a time, the
    best saving first, until none saves (each round prices every chosen unit at once, one formula
    call per queue); the limits hold throughout (taking a unit out only lowers their sums, checked)."""
    units = units.astype(int).copy()
    if not units.any():
        return units
    exact = ExactObjective(workforce, demand, horizon)
    queues = {q: i for i, q in enumerate(demand.queues)}
    effective = demand.staffed_effective.copy()
    relieved = demand.staffed_effective.copy()
    acts: dict[int, list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]] = {}  # o → (queue, t, effective, relief)
    for o in np.flatnonzero(units):
        option = options.items[o]
        acts[o] = []
        for name, gain in option.effective.items():
            relief = option.relief[name] if option.relief is not None and name in option.relief else gain
            t = np.flatnonzero((np.abs(gain) > 1e-12) | (np.abs(relief) > 1e-12))
            q = queues[name]
            acts[o].append((q, t, gain[t], relief[t]))
            effective[q, t] += gain[t] * units[o]
            relieved[q, t] += relief[t] * units[o]
    late = np.vstack([exact.late(q, np.arange(effective.shape[1]), effective[q]) if exact.chatty[q]
                      else np.zeros(effective.shape[1]) for q in range(len(demand.queues))])
    limits_of: dict[int, list[int]] = defaultdict(list)
    for k, (coefs, _) in enumerate(options.limits):
        for o in coefs:
            limits_of[o].append(k)
    used = [sum(c * units[i] for i, c in coefs.items()) for coefs, _ in options.limits]

    def holds_without(o: int) -> bool:
        return all(used[k] - options.limits[k][0][o] <= options.limits[k][1] + 1e-9 for k in limits_of.get(o, []))

    while True:
        candidates = list(np.flatnonzero(units))
        saving = {o: options.items[o].unit_cost + CHANGE_PRICE for o in candidates}
        for q in range(len(demand.queues)):
            pieces = [(o, t, gain, relief) for o in candidates for qq, t, gain, relief in acts[o] if qq == q]
            if not pieces:
                continue
            t_all = np.concatenate([t for _, t, _, _ in pieces])
            new_late = (exact.late(q, t_all, np.concatenate([effective[q, t] - gain for _, t, gain, _ in pieces]))
                        if exact.chatty[q] else None)
            new_value = exact.priced(q, t_all, new_late, np.concatenate([relieved[q, t] - relief
                                                                         for _, t, _, relief in pieces]))
            old_value = exact.priced(q, t_all, late[q, t_all] if exact.chatty[q] else None, relieved[q, t_all])
            at = 0
            for o, t, _, _ in pieces:
                saving[o] += float((old_value[at:at + len(t)] - new_value[at:at + len(t)]).sum())
                at += len(t)
        best = next((o for o in sorted(candidates, key=lambda o: -saving[o])
                     if saving[o] > 1e-6 and holds_without(o)), None)
        if best is None:
            return units
        units[best] -= 1
        for k in limits_of.get(best, []):
            used[k] -= options.limits[k][0][best]
        for q, t, gain, relief in acts[best]:
            effective[q, t] -= gain
            relieved[q, t] -= relief
            if exact.chatty[q]:
                late[q, t] = exact.late(q, t, effective[q, t])


def horizon_late(workforce: Workforce, demand: Demand, effective: np.ndarray, step_min: int) -> np.ndarray:
    """Late contacts per queue over the horizon at ``effective`` (queues × intervals)."""
    return np.vstack([late_contacts(workforce, demand, q, effective[q], step_min) for q in range(len(demand.queues))])


def effective_with(demand: Demand, options: Options, horizon: Horizon, units: np.ndarray) -> np.ndarray:
    effect = _effect_matrix(options, demand, horizon)
    return demand.staffed_effective + (effect @ units.astype(float)).reshape(demand.staffed_effective.shape)


def service_gains(workforce: Workforce, demand: Demand, options: Options, horizon: Horizon,
                  units: np.ndarray) -> np.ndarray:
    """Per chosen option: the late contacts it saves given the rest of the choice (negative for a
    saving that costs service), by the queueing formulas."""
    step_min = int(horizon.step / pd.Timedelta(minutes=1))
    effect = _effect_matrix(options, demand, horizon)
    shape = demand.staffed_effective.shape
    chosen = demand.staffed_effective + (effect @ units.astype(float)).reshape(shape)
    late_chosen = horizon_late(workforce, demand, chosen, step_min)
    gains = np.zeros(len(options.items))
    for o in np.flatnonzero(units):
        without = chosen - (effect[:, [o]].toarray().ravel() * units[o]).reshape(shape)
        touched = [q for q in range(len(demand.queues)) if demand.queues[q] in options.items[o].effective]
        gains[o] = sum(late_contacts(workforce, demand, q, without[q], step_min).sum() - late_chosen[q].sum()
                       for q in touched)
    return gains
