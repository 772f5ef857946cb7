"""``plan_month``: the month's roster at minimum cost, as a CP-SAT-centred decomposition.

1. **aggregate** (:mod:`plan.optimize.roster.model`): one model decides, per in-house group (same skills
   and contract), how many agents work each shift on each queue each day, the meal-break placements,
   part-time blocks, vendor seats per interval, and prices service through the staffing service
   functions at whole-head thresholds (the search counts whole steps; the plan's objective reads
   service linearly between two, as the LP relaxation does).
   Its LP relaxation (HiGHS, :mod:`plan.optimize.roster.relaxation`) gives the lower bound and a rounding
   box; CP-SAT searches inside the box (RINS-like) from a legal point near the rounded LP, found
   with the objective set aside and priced by :func:`plan.optimize.roster.model.best_completion` (priced
   from the start, CP-SAT may find no first solution in the whole budget on a team without slack).
   With a budget of 150 s or more, half the aggregate's time goes to day windows
   (:mod:`plan.optimize.roster.neighbourhoods`): HiGHS MIPs over six days' decisions at a time, at the plan's
   own reading of service, which the whole-step search levels off above.
2. **assign** (:mod:`plan.optimize.roster.assign`): per group, named agents take those shifts under every
   individual rule (CP-SAT; counts first, then the soft wishes at that level); groups of 30+ agents
   start from a rule-keeping greedy roster, which CP-SAT alone does not reach in the time.
3. **repair**: the aggregate model again, each group's daily shift counts fixed to the named roster.
   A plan consistent with the names is first built outright (the counts split over queues and
   break placements as the aggregate answer had them, every other variable settled by presolve),
   so a consistent plan always exists; the repair searches from it (kept inside its box, so it
   never ends worse) and re-chooses queues, break placements, part-time blocks and vendor seats
   around the names (LP + box again).
4. **re-buy** (:func:`plan.optimize.roster.neighbourhoods.rebuy_purchases`): vendor seats and part-time blocks again, the in-house
   roster fixed, by a HiGHS MIP that reads service as the plan does (the CP-SAT searches count
   whole steps, so they misjudge a seat worth part of one).
5. **part-time names**: blocks go to named part-timers (one a day, weekly cap).
The final plan's objective (its variable cost plus priced service penalties, recomputed from the
named roster by :mod:`plan.optimize.roster.evaluate`) is compared with the bound of step 1: that gap is
the one reported, so it includes every loss of the decomposition.
"""
from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from plan.contracts.pins import CarryIn, Pin
from plan.contracts.workforce import Workforce
from plan.optimize.roster import budgets as B
from plan.optimize.roster import evaluate, extract, shortfalls
from plan.optimize.roster.breaks import unanswered_breaks
from plan.optimize.roster.budgets import Deadline
from plan.optimize.roster.assign import SoftWeights, assign_in_house, assign_part_time, soft_penalties
from plan.optimize.roster.curves import QueueCurves, queue_curves
from plan.optimize.roster.fairness import fairness_table
from plan.optimize.roster.instance import Instance, build_instance
from plan.optimize.roster.model import (COST_SCALE, EFF_SCALE, SOFT_RULES, AggregateModel, EmailDemand, ModelOptions,
                                   best_completion, build_aggregate, without_pinned_shifts)
from plan.optimize.roster.pins import apply_window, next_month_summary, pins_summary, unmet_after_naming, \
    window_requirements
from plan.optimize.roster.replan import DISRUPTION, Reference, apply_reference, kept_part_time, published_decisions
from plan.optimize.roster.neighbourhoods import improve_by_day_windows, rebuy_purchases
from plan.optimize.roster.solve import (Progress, StageResult, fixed_copy, legal_point, with_fixed_sums, relative_gap, solve_aggregate,
                                        solve_with_values)

OBJECTIVE_SCOPE = ("variable cost (overtime with premiums, part-time hours, vendor seat-hours incl. commitment "
                   "top-up, bot sessions, shortfall penalty with service read at the model's effective-agent "
                   "thresholds, linearly between two) + priced period-target slack and interval-floor shortfall. "
                   "In-house salaries are a constant (cost.in_house), not in the objective or gap. soft_rules: the "
                   "room each group's counts leave for whole weekends off and rest days in pairs, priced as the "
                   "config's soft_rules price a person (a bound of what naming can reach). disruption (a re-plan): "
                   "each count away from the published plan's, half a change at the config's replan price. "
                   "The soft wishes of "
                   "named people are optimised second, while naming (soft_penalties), and are not in the gap.")


@dataclass
class RosterPlan:
    roster: pd.DataFrame
    vendor_seats: pd.DataFrame
    coverage: pd.DataFrame
    summary: dict
    instance: Instance | None = field(default=None, repr=False)
    # wall-clock seconds, total and per stage: kept out of ``summary`` (the plan files are the same
    # on every run with the same inputs, seed and limit; the seconds are not)
    timings: dict = field(default_factory=dict)


def capacity_effective(inst: Instance) -> np.ndarray:
    """Most effective agents any roster could put on each queue and interval (all sources at once)."""
    wf = inst.workforce
    out = np.zeros((len(inst.queues), inst.n_int))
    for q, name in enumerate(inst.queues):
        heads = sum(len(g.members) for g in inst.groups if name in g.skills)
        heads += sum(len(g.members) for g in inst.pt_groups if name in g.skills)
        out[q] = heads + sum(v.max_seats / v.aht_factor * inst.vendor_open[i]
                             for i, v in enumerate(wf.vendors) if name in v.skills)
        out[q] *= 1.0 - wf.queues[name].shrinkage
    return out


def service_inputs(inst: Instance, service_mode: str) -> tuple[dict[str, QueueCurves], dict[str, EmailDemand]]:
    cap = capacity_effective(inst)
    event_interval = np.repeat(inst.event_day, inst.per_day)
    curves, email = {}, {}
    for q, name in enumerate(inst.queues):
        queue = inst.workforce.queues[name]
        if queue.channel == "email":
            email[name] = EmailDemand(inst.arrivals_human[q], inst.aht_s[q], extract.email_deadline(inst, name))
        else:
            curves[name] = queue_curves(name, queue, inst.arrivals_human[q], inst.aht_s[q], inst.interval_h,
                                        event_interval, cap[q], floor_factor=1.0 if service_mode == "interval" else None)
    return curves, email


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (all to the first when they are all zero)."""
    w = np.maximum(np.asarray(weights, float), 0.0)
    if w.sum() <= 0:
        w = np.zeros(len(w))
        w[0] = 1.0
    share = w / w.sum() * total
    out = np.floor(share).astype(int)
    for i in np.argsort(-(share - out), kind="stable")[: total - out.sum()]:
        out[i] += 1
    return out.tolist()


def named_decisions(m: AggregateModel, vals: np.ndarray, named: dict[tuple[int, int, int], int]) -> dict[int, int]:
    """Decision values that match the named roster's counts: each (group, day, shift) count split over
    queues, and each (day, shift, queue) head count over break placements, in the proportions of the
    aggregate answer ``vals``; part-time blocks and vendor seats as they were."""
    fixed: dict[int, int] = {}
    heads = defaultdict(int)
    for (g, d, s), keys in m._by_gds.items():
        counts = _largest_remainder(named.get((g, d, s), 0), [vals[m.in_house[k].index] for k in keys])
        for k, n in zip(keys, counts):
            fixed[m.in_house[k].index] = n
            heads[(d, s, k[3])] += n
    placements = defaultdict(list)
    for key in m.breaks:
        placements[(key[0], key[1], key[3])].append(key)
    for dsq, keys in placements.items():
        counts = _largest_remainder(heads.get(dsq, 0), [vals[m.breaks[k].index] for k in keys])
        for k, n in zip(keys, counts):
            fixed[m.breaks[k].index] = n
    for var in list(m.part_time.values()) + list(m.seats.values()):
        fixed[var.index] = int(vals[var.index])
    return fixed


def consistent_start(m: AggregateModel, vals: np.ndarray, named: dict, stages: list[StageResult], *, seed: int,
                     progress: Progress | None, workers: int, budget_s: float,
                     model: cp_model.CpModel | None = None) -> np.ndarray | None:
    """Values of every variable for the named roster's counts (:func:`named_decisions`): every
    decision fixed, the rules alone settle the rest in presolve (well under a second); then priced
    (service levels, period slack and email work read at their best for those decisions), so the
    repair can start from it and never do worse."""
    started = time.perf_counter()
    fixed = fixed_copy(m.model if model is None else model, named_decisions(m, vals, named))
    # its own safety net only, never the command's deadline: it is what the repair starts from, and
    # without it the plan may not match the names at all
    legal, _ = legal_point(fixed, budget_s=budget_s, seed=seed, hint=vals, workers=workers)
    if legal is None:
        stages.append(StageResult("repair (consistent start)", "UNKNOWN", float("nan"), float("nan"),
                                  time.perf_counter() - started, budget_s))
        return None
    priced = best_completion(m, legal)
    objective = objective_value(m, priced)
    stages.append(StageResult("repair (consistent start)", "FEASIBLE", objective, float("nan"),
                              time.perf_counter() - started, budget_s))
    if progress is not None:
        progress("repair (consistent start)", {"objective": objective, "bound": float("nan"), "gap": None,
                                               "seconds": time.perf_counter() - started, "limit_s": budget_s})
    return priced


def head_loss(m: AggregateModel, vals: np.ndarray) -> np.ndarray:
    """Per queue and interval, what one head fewer (one in-house agent's effective share) would cost
    in late contacts and floor shortfall at the plan ``vals``, in currency units; 0 for email."""
    inst = m.inst
    wf = inst.workforce
    penalty = wf.costs.shortfall_penalty_per_contact
    loss = np.zeros((len(inst.queues), inst.n_int))
    eff = effective_at(m, vals)
    for name, qc in m.curves.items():
        q = inst.queues.index(name)
        head = round(EFF_SCALE * (1.0 - wf.queues[name].shrinkage))
        for t, c in enumerate(qc.curves):
            loss[q, t] = (sum(evaluate.interval_service_cost(c, max(0, eff[q, t] - head), penalty, m.options))
                          - sum(evaluate.interval_service_cost(c, eff[q, t], penalty, m.options)))
    return loss


def shift_values(m: AggregateModel, vals: np.ndarray, base: float) -> list[dict[tuple[int, int], float]]:
    """Per group, {(day, shift): ``base`` + the service one head fewer on it would lose} at the
    aggregate plan (the head's best queue, breaks at their first placement): naming then misses
    cheap shifts before dear ones when the individual rules force misses."""
    inst = m.inst
    loss = head_loss(m, vals)
    out = []
    for group in inst.groups:
        queues = [inst.queues.index(q) for q in group.skills]
        values = {}
        for d in range(inst.n_days):
            for s in group.shifts_on(d):
                first, cov = inst.coverage_on_month(inst.variants_of_shift[s][0], d)
                values[(d, s)] = base + max(float(cov @ loss[q, first:first + len(cov)]) for q in queues)
        out.append(values)
    return out


def _decision_values(m: AggregateModel, vals: np.ndarray) -> dict[str, dict]:
    return {name: {k: int(vals[v.index]) for k, v in getattr(m, name).items()}
            for name in ("in_house", "breaks", "part_time", "seats")}


def objective_value(m: AggregateModel, vals: np.ndarray) -> float:
    """The plan's objective at ``vals``, in currency units, constant included (see :func:`cost_breakdown`)."""
    return float(sum(cost_breakdown(m, vals).values()))


def search_objective(m: AggregateModel, vals: np.ndarray) -> float:
    """The CP-SAT model's own objective at ``vals`` (service at whole steps), constant included."""
    total = sum(round(c * COST_SCALE) * int(vals[v.index]) for items in m.cost_terms.values() for v, c in items)
    return total / COST_SCALE + m.constant_cost()


def effective_at(m: AggregateModel, vals: np.ndarray) -> np.ndarray:
    """Effective agents per queue and interval (hundredths) at ``vals``."""
    return np.array([[sum(c * int(vals[v.index]) for v, c in terms) for terms in row] for row in m.coverage_terms],
                    dtype=np.int64).reshape(len(m.inst.queues), m.inst.n_int)


SERVICE_TERMS = ("shortfall_penalty", "floor_penalty", "target_slack")


def cost_breakdown(m: AggregateModel, vals: np.ndarray) -> dict[str, float]:
    """The objective's terms at ``vals``: costs as the model states them, service read by
    :func:`plan.optimize.roster.evaluate.service_terms` (linearly inside a step, where the search's
    objective counts whole steps only: the search minimises an upper estimate of this reading,
    and its LP relaxation can take the reading itself, so the LP bound holds for it)."""
    out = defaultdict(float)
    for label, items in m.cost_terms.items():
        if label not in SERVICE_TERMS:
            out[label] += sum(round(c * COST_SCALE) * int(vals[v.index]) for v, c in items) / COST_SCALE
    for label, value in m.cost_constant.items():
        if label not in SERVICE_TERMS:
            out[label] += value
    for label, value in evaluate.service_terms(m.inst, m.curves, m.email, effective_at(m, vals), m.options).items():
        out[label] += value
    return dict(out)


@dataclass
class _Run:
    """What every stage of one ``plan_month`` call reads: the month, its model and the call's settings.

    ``stages`` collects each solver stage's result in order. No stage changes a model: ``model`` is
    the one the next stage solves, replaced by a copy where a stage settles part of the plan: the
    aggregate's; without the pins' bounds when naming drops pins; with the named roster's shift
    counts fixed after the repair (:func:`with_fixed_sums`), which every later stage keeps.
    """
    inst: Instance
    agg: AggregateModel
    curves: dict
    email: dict
    options: ModelOptions
    budget: B.StageBudgets
    deadline: Deadline
    seed: int
    workers: int
    weights: SoftWeights
    progress: Progress | None
    service_mode: str
    stages: list[StageResult] = field(default_factory=list)
    model: cp_model.CpModel | None = None

    def __post_init__(self) -> None:
        if self.model is None:
            self.model = self.agg.model

    def emit(self, stage: str, info: dict) -> None:
        if self.progress:
            self.progress(stage, info)

    @property
    def decisions(self) -> list[int]:
        agg = self.agg
        return [v.index for d in (agg.in_house, agg.breaks, agg.part_time, agg.seats) for v in d.values()]

    def price(self, vals: np.ndarray) -> float:
        return objective_value(self.agg, vals)

    def complete(self, vals: np.ndarray) -> np.ndarray:
        return best_completion(self.agg, vals)


def plan_month(workforce: Workforce, requirements_df: pd.DataFrame, month: str, *, events: pd.DataFrame | None = None,
               time_limit_s: float = 60, seed: int = 0, service_mode: str = "period", progress: Progress | None = None,
               weights: SoftWeights | None = None, options: ModelOptions | None = None,
               max_group_size: int | None = None, num_workers: int = B.CP_SAT_WORKERS,
               started: float | None = None, pins: list[Pin] | None = None,
               carry_in: list[CarryIn] | None = None, first_day: dt.date | None = None,
               reference: Reference | None = None) -> RosterPlan:
    """Plan ``month`` (``YYYY-MM``) for ``workforce`` against ``requirements_df`` (docs/plan-files.md).

    ``time_limit_s`` sets every stage's budget (:mod:`plan.optimize.roster.budgets`: solver work, the
    same on every run) and the wall-clock deadline, counted from ``started`` (a
    ``time.perf_counter()`` value: the command's start) or from now. ``num_workers``: CP-SAT threads
    of every stage (1 when several plans share the cores; the plan depends on it).
    ``pins``, ``carry_in``, ``first_day``: days fixed to a shift or rest, each person's state before
    the month, the planning window's first day (:mod:`plan.optimize.roster.pins`; the days before it
    are pinned or rest, their demand left out: write ``window_requirements`` as the plan's input).
    ``reference``: the published plan a re-plan changes as little as it pays to
    (:mod:`plan.optimize.roster.replan`).

    The stages, in order: build, aggregate, day windows, naming, repair, re-buy, part-time names,
    plan tables; each is a function below that takes the run and the plan so far.
    """
    if service_mode not in ("period", "interval"):
        raise ValueError(f"service_mode must be 'period' or 'interval', got {service_mode!r}")
    started = time.perf_counter() if started is None else started
    budgets = B.stage_budgets(time_limit_s, len(workforce.in_house), pd.Period(month).days_in_month)
    run = stage_build(workforce, requirements_df, month, events, Deadline.after(time_limit_s, started),
                      budgets, seed=seed, workers=num_workers,
                      weights=weights or SoftWeights.from_rules(workforce.soft_rules),
                      progress=progress, service_mode=service_mode, options=options, max_group_size=max_group_size,
                      pins=pins, carry_in=carry_in, first_day=first_day, reference=reference)
    built = time.perf_counter() - started
    vals, bound = stage_aggregate(run)
    vals = stage_day_windows(run, vals, bound)
    chosen, group_counts = stage_naming(run, vals)
    vals = stage_repair(run, vals, chosen, group_counts)
    vals = stage_rebuy(run, vals)
    vals, pt_chosen = stage_part_time_names(run, vals)
    plan = stage_plan_tables(run, vals, chosen, pt_chosen, bound, month=month, time_limit_s=time_limit_s,
                             pins=pins, carry_in=carry_in)
    plan.timings = {"seconds": round(time.perf_counter() - started, 2), "build_seconds": round(built, 2),
                    "stages": [{"stage": s.stage, "seconds": round(s.seconds, 2), "work": round(s.work, 3)}
                               for s in run.stages]}
    return plan


def stage_build(workforce: Workforce, requirements_df: pd.DataFrame, month: str, events: pd.DataFrame | None,
                deadline: Deadline, budget: B.StageBudgets, *, seed: int, workers: int, weights: SoftWeights,
                progress: Progress | None, service_mode: str, options: ModelOptions | None,
                max_group_size: int | None, pins, carry_in, first_day, reference=None) -> _Run:
    """The month's instance (pins and carried-in state applied), service curves and aggregate model."""
    if progress:
        progress("build", {"message": "building the month"})
    inst = build_instance(workforce, window_requirements(requirements_df, first_day), month, events, max_group_size)
    apply_window(inst, pins, carry_in, first_day)
    apply_reference(inst, reference)
    curves, email = service_inputs(inst, service_mode)
    # the soft prices are the weights' (a caller's options set how service is read, not what rest costs)
    options = replace(options or ModelOptions(service_mode=service_mode),
                      lone_rest_day_price=weights.split_rest,
                      no_whole_weekend_price=weights.no_whole_weekend)
    agg = build_aggregate(inst, curves, email, options)
    return _Run(inst, agg, curves, email, options, budget, deadline, seed, workers, weights, progress, service_mode)


def stage_aggregate(run: _Run) -> tuple[np.ndarray, float]:
    """Counts per group, shift, queue and day, breaks, part-time blocks and seats: LP bound and box search."""
    agg, budget = run.agg, run.budget
    incumbent = published_start(run)
    vals, stages, bound = solve_aggregate(agg.model, run.decisions, budget_s=budget.aggregate_s, seed=run.seed,
                                          scale=COST_SCALE, constant=agg.constant_cost(), progress=run.progress,
                                          complete=run.complete, workers=run.workers, price=run.price,
                                          deadline=run.deadline, incumbent=incumbent)
    run.stages += stages
    bound = max(bound, agg.optimistic_bound())
    if vals is None:  # not even a legal point in the aggregate's time: one longer try, else the rules clash
        # past the deadline too: a plan matters more than the limit (the overrun the budgets module documents)
        vals, _ = legal_point(agg.model, budget_s=max(B.RETRY_MIN_S, B.RETRY_SHARE * budget.solve_s), seed=run.seed,
                              workers=run.workers)
        if vals is None:
            raise RuntimeError("the aggregate roster model found no plan; the hard rules contradict each other "
                               "(e.g. contract hours that leave days make impossible)")
        vals = best_completion(agg, vals)
    return vals, bound


def published_start(run: _Run) -> np.ndarray | None:
    """A re-plan's start: the published plan with the days away taken off, every other variable settled
    by the rules and priced (None when there is no published plan or it breaks a rule of this model)."""
    fixed = published_decisions(run.agg)
    if fixed is None:
        return None
    started = time.perf_counter()
    legal, _ = legal_point(fixed_copy(run.agg.model, fixed), budget_s=B.LEGAL_POINT_S, seed=run.seed,
                           workers=run.workers, deadline=run.deadline)
    start = None if legal is None else best_completion(run.agg, legal)
    run.stages.append(StageResult("aggregate: published start", "FEASIBLE" if start is not None else "UNKNOWN",
                                  run.price(start) if start is not None else float("nan"), float("nan"),
                                  time.perf_counter() - started, B.LEGAL_POINT_S))
    return start


def stage_day_windows(run: _Run, vals: np.ndarray, bound: float) -> np.ndarray:
    """With a long budget and a plan still above its bound: exact MIPs over a few days at a time."""
    budget_s = run.budget.windows_s
    if not budget_s or relative_gap(run.price(vals), bound) <= B.WINDOWS_ABOVE_GAP:
        return vals
    vals, windowed = improve_by_day_windows(run.agg, vals, budget_s=budget_s, deadline=run.deadline, price=run.price)
    run.stages.append(windowed)
    run.emit(windowed.stage, {"objective": windowed.objective, "bound": bound, "seconds": windowed.seconds,
                              "gap": relative_gap(windowed.objective, bound), "limit_s": budget_s})
    return vals


def stage_naming(run: _Run, vals: np.ndarray) -> tuple[dict, list[dict]]:
    """Named agents take each group's shifts under every individual rule; pins naming could not keep
    are listed and their bounds released from the model."""
    inst, agg = run.inst, run.agg
    group_counts = [defaultdict(int) for _ in inst.groups]
    for (g, d, s, q), n in _decision_values(agg, vals)["in_house"].items():
        if n:
            group_counts[g][(d, s)] += n
    t0 = time.perf_counter()
    planned_overtime_h = [sum(int(vals[v.index]) for v in agg.regular_overtime.get(g, [])) / 100
                          for g in range(len(inst.groups))]
    chosen, statuses = assign_in_house(inst, group_counts, run.weights, run.budget.naming_s, run.seed, run.progress,
                                       overtime_allowed_h=planned_overtime_h, workers=run.workers,
                                       miss_values=shift_values(agg, vals, run.weights.missed_shift),
                                       deadline=run.deadline)
    run.stages.append(StageResult("assign", "/".join(sorted(set(statuses))), float("nan"), float("nan"),
                                  time.perf_counter() - t0, run.budget.naming_s))
    dropped = unmet_after_naming(inst, chosen)
    if dropped:
        inst.unmet_pins += dropped
        run.model = without_pinned_shifts(agg)
    return chosen, group_counts


def _named_counts(inst: Instance, chosen: dict) -> dict[tuple[int, int, int], int]:
    named = defaultdict(int)
    group_of = {a: g for g, grp in enumerate(inst.groups) for a in grp.members}
    for (a, d), s in chosen.items():
        named[(group_of[a], d, s)] += 1
    return named


def stage_repair(run: _Run, vals: np.ndarray, chosen: dict, group_counts: list[dict]) -> np.ndarray:
    """Each group's daily shift counts fixed to the named roster (in ``run.model``), queues,
    breaks, part-time and seats chosen again around the names from a plan consistent with them."""
    inst, agg = run.inst, run.agg
    named = _named_counts(inst, chosen)
    missed = sum(max(0, n - named.get((g, d, s), 0)) for g, c in enumerate(group_counts) for (d, s), n in c.items())
    extra = sum(max(0, n - group_counts[g].get((d, s), 0)) for (g, d, s), n in named.items())
    run.stages[-1].status += f" (shifts missed {missed}, extra {extra})"
    # every later stage keeps the names' counts, whether or not they differ from the aggregate's
    run.model = with_fixed_sums(run.model, [
        ([agg.in_house[k].index for k in agg._by_gds[(g, d, s)]], named.get((g, d, s), 0))
        for g, group in enumerate(inst.groups) for d in range(inst.n_days) for s in group.shifts
        if agg._by_gds.get((g, d, s))])
    if not missed and not extra:
        return vals
    # a plan consistent with the names, built directly (never a failed search): the named counts split
    # over queues and break placements as the aggregate answer had them, every other variable follows
    start_vals = consistent_start(agg, vals, named, run.stages, seed=run.seed, progress=run.progress,
                                  workers=run.workers, budget_s=run.budget.consistent_start_s, model=run.model)
    hint = start_vals if start_vals is not None else vals
    repaired, repair_stages, _ = solve_aggregate(run.model, run.decisions, budget_s=run.budget.repair_s, seed=run.seed,
                                                 scale=COST_SCALE, constant=agg.constant_cost(), progress=run.progress,
                                                 label="repair", fallback_hint=hint, incumbent=start_vals,
                                                 complete=run.complete, workers=run.workers, price=run.price,
                                                 deadline=run.deadline)
    run.stages += repair_stages
    if repaired is None:
        # no priced plan in time: price the consistent start (a plan matters more than the time limit)
        repaired, more = solve_with_values(run.model, stage="repair (consistent plan)",
                                           budget_s=max(B.RETRY_MIN_S, run.budget.repair_s), seed=run.seed,
                                           scale=COST_SCALE, constant=agg.constant_cost(), progress=run.progress,
                                           hint=hint, workers=run.workers)  # past the deadline too: a plan is needed
        run.stages.append(more)
        repaired = repaired if repaired is not None else start_vals
    if repaired is None:
        raise RuntimeError("no plan matches the named roster within the time limit; "
                           "give the roster more time (--time-limit)")
    return repaired


def stage_rebuy(run: _Run, vals: np.ndarray) -> np.ndarray:
    """Vendor seats and part-time blocks bought again by an exact MIP, the in-house roster fixed."""
    vals, rebought = rebuy_purchases(run.agg, best_completion(run.agg, vals), budget_s=run.budget.rebuy_s,
                                     price=run.price, deadline=run.deadline, model=run.model)
    run.stages.append(rebought)
    run.emit("re-buy seats and part-time", {"objective": rebought.objective, "bound": float("nan"), "gap": None,
                                            "seconds": rebought.seconds, "limit_s": run.budget.rebuy_s})
    return vals


def stage_part_time_names(run: _Run, vals: np.ndarray) -> tuple[np.ndarray, dict]:
    """Blocks go to named part-timers; blocks nobody can take are fixed away and the rest re-chosen."""
    inst, agg = run.inst, run.agg
    pt_counts = [defaultdict(int) for _ in inst.pt_groups]
    for (h, d, b, q), n in _decision_values(agg, vals)["part_time"].items():
        if n:
            pt_counts[h][(d, b)] += n
    pt_chosen = assign_part_time(inst, pt_counts, run.budget.part_time_s, run.seed, workers=run.workers,
                                 deadline=run.deadline, kept=kept_part_time(inst))
    named_pt = defaultdict(int)
    pt_group_of = {p: h for h, grp in enumerate(inst.pt_groups) for p in grp.members}
    for (p, d), b in pt_chosen.items():
        named_pt[(pt_group_of[p], d, b)] += 1
    if all(named_pt.get((h, d, b), 0) == n for h, c in enumerate(pt_counts) for (d, b), n in c.items()):
        return vals, pt_chosen
    by_hdb = defaultdict(list)
    for (h, d, b, q), var in agg.part_time.items():
        by_hdb[(h, d, b)].append(var)
    named_blocks = with_fixed_sums(run.model, [
        ([var.index for var in vars_], named_pt.get(key, 0)) for key, vars_ in by_hdb.items()])
    again_vals, again = solve_with_values(named_blocks, stage="repair part-time", budget_s=run.budget.part_time_s,
                                          seed=run.seed, scale=COST_SCALE, constant=agg.constant_cost(),
                                          progress=run.progress, hint=vals, workers=run.workers,
                                          deadline=run.deadline)
    run.stages.append(again)
    return (again_vals if again_vals is not None else vals), pt_chosen


# Objective terms the aggregate prices on its counts (a re-plan's distance from the published counts,
# the room left for the soft rules), not on the named roster's tables.
COUNT_TERMS = (DISRUPTION, SOFT_RULES)


def stage_plan_tables(run: _Run, vals: np.ndarray, chosen: dict, pt_chosen: dict, bound: float, *, month: str,
                      time_limit_s: float, pins, carry_in) -> RosterPlan:
    """The plan files' tables from the named roster, and its objective on the model's terms."""
    inst, agg = run.inst, run.agg
    vals = best_completion(agg, vals)  # a search's last solution may leave a level or a slack unread
    values = _decision_values(agg, vals)
    ih = extract.in_house_details(inst, chosen, {k: n for k, n in values["breaks"].items() if n})
    pt = extract.part_time_details(inst, pt_chosen, {k: n for k, n in values["part_time"].items() if n})
    shifts_of = defaultdict(dict)
    for (a, d), (s, _, _) in ih.items():
        shifts_of[a][d] = s
    roster = extract.roster_table(inst, ih, pt, extract.overtime_by_day(inst, shifts_of))
    seats = {k: n for k, n in values["seats"].items() if n}
    staffed = extract.staffed_arrays(inst, ih, pt, seats)
    service = extract.service_arrays(inst, staffed["effective"])
    cost = extract.costs(inst, roster, seats, service)
    # the final plan's objective, on the model's terms, with the named roster's exact overtime
    model_costs = {k: cost[k] for k in ("overtime", "part_time", "vendor", "bot")}
    model_costs.update(evaluate.service_terms(inst, run.curves, run.email,
                                              evaluate.effective_scaled(inst, ih, pt, seats), run.options))
    # the terms priced on the counts alone, read at the final counts: the bound holds them too
    last_terms = cost_breakdown(agg, vals)
    model_costs.update({k: last_terms[k] for k in COUNT_TERMS if last_terms.get(k)})
    objective = float(sum(model_costs.values()))
    gap = relative_gap(objective, bound)
    solver = {"status": "OPTIMAL" if gap <= 1e-6 else "FEASIBLE",
              "objective": round(objective, 2), "best_bound": round(bound, 2), "gap": round(gap, 6),
              "objective_scope": OBJECTIVE_SCOPE, "objective_terms": {k: round(v, 2) for k, v in model_costs.items()},
              "soft_penalties": soft_penalties(inst, shifts_of, run.weights),
              "model_terms_of_last_stage": {k: round(v, 2) for k, v in last_terms.items()},
              "service_mode": run.service_mode, "method": "aggregate CP-SAT → named assignment → repair → re-buy",
              "stages": [{"stage": s.stage, "status": s.status, "objective": _num(s.objective),
                          "best_bound": _num(s.best_bound), "budget_s": _num(s.budget_s)} for s in run.stages],
              "seed": run.seed, "time_limit_s": time_limit_s, "notes": inst.notes}
    shortfalls = shortfall_records(inst, run.curves, staffed, service, ih, pt, seats, agg, vals, run.service_mode)
    fair = fairness_table(inst, {k: s for k, (s, _, _) in ih.items()}, {k: q for k, (_, _, q) in ih.items()},
                          run.weights.quick_return_min_rest_h)
    summary = {"month": month, "cost": cost, "service": extract.service_summary(inst, service), "solver": solver,
               "fairness": fair, "violations": [], "shortfalls": shortfalls, "inputs": {},
               "pins": pins_summary(inst, pins, carry_in),
               "month_edges": {"carried_in": len(carry_in or []), "next_month": next_month_summary(inst, roster)},
               "breaks": {"unanswered": unanswered_breaks(inst, ih, pt, seats)}}
    return RosterPlan(roster, extract.vendor_table(inst, seats), extract.coverage_table(inst, staffed, service),
                      summary, inst)


def _num(value: float):
    return None if value != value else round(value, 2)


def shortfall_records(inst: Instance, curves: dict[str, QueueCurves], staffed: dict, service: dict, ih: dict,
                      pt: dict, seats: dict, agg: AggregateModel, vals, service_mode: str) -> list[dict]:
    """Intervals below their floor (period mode) or their full target (interval mode), and, for a
    period target missed, the intervals of that period below the full target."""
    wf = inst.workforce
    short = np.zeros((len(inst.queues), inst.n_int), dtype=bool)
    need = np.zeros_like(staffed["effective"])
    missed_days = set()
    if vals is not None and service_mode == "period":
        for (q, kind, index, metric), slack in getattr(agg, "period_keys", []):
            if vals[slack.index] > 0:
                if kind == "day":
                    missed_days.add((q, index))
                elif kind == "event":
                    d = index
                    while d < inst.n_days and inst.event_day[d]:
                        missed_days.add((q, d))
                        d += 1
                else:
                    missed_days.update((q, d) for d in range(inst.n_days))
    records = []
    for label in ("floor", "target"):
        short[:] = False
        for name, qc in curves.items():
            q = inst.queues.index(name)
            for t, c in enumerate(qc.curves):
                level = c.full_level if (label == "target" or service_mode == "interval") else c.floor_level
                if level <= 0:
                    continue
                need[q, t] = c.thresholds[level]
                below = staffed["effective"][q, t] + 1e-6 < c.thresholds[level]
                if label == "floor" or service_mode == "interval":
                    short[q, t] = below
                else:
                    short[q, t] = below and (q, t // inst.per_day) in missed_days
        if label == "target" and service_mode == "interval":
            break
        records += shortfalls.diagnose(inst, short, need, staffed, ih, pt, seats,
                                       "interval floor" if label == "floor" and service_mode == "period"
                                       else ("interval target" if service_mode == "interval" else "period target"))
    for name in inst.queues:
        queue = wf.queues[name]
        if queue.channel == "email":
            q = inst.queues.index(name)
            late = service["shortfall_contacts"][q]
            if late.sum() > 0.5:
                t0 = int(np.argmax(late > 0))
                records.append({"queue": name, "kind": "email deadline",
                                "intervals": f"{inst.interval_starts()[t0]:%Y-%m-%d %H:%M}/…",
                                "agents_short": int(math.ceil(late.sum() * float(np.mean(inst.aht_s[q])) / 3600
                                                              / max(1.0, inst.interval_h * inst.per_day))),
                                "reason": f"{late.sum():.0f} emails not resolved within "
                                          f"{queue.targets.resolve_within_h:g} h"})
    return records
