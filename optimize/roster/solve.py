"""Running CP-SAT: parameters, and progress with the objective, the best bound and the gap."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ortools.sat.python import cp_model

from plan.optimize.roster import budgets as B
from plan.optimize.roster.budgets import NO_DEADLINE, Deadline

Progress = Callable[[str, dict], None]

@dataclass
class StageResult:
    stage: str
    status: str
    objective: float      # currency units, constant included
    best_bound: float
    seconds: float        # wall clock (reported apart from the plan: it differs run to run)
    budget_s: float = float("nan")  # the stage's budget, from --time-limit alone
    work: float = 0.0     # CP-SAT deterministic time spent (the same on every run)

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.best_bound)


def relative_gap(objective: float, bound: float) -> float:
    """(objective − bound) / objective, the benchmark's definition."""
    if objective <= 0:
        return 0.0 if bound >= objective - 1e-9 else float("inf")
    return max(0.0, (objective - bound) / objective)


class ProgressReporter(cp_model.CpSolverSolutionCallback):
    """Reports every improving solution and every improved bound, in currency units."""

    def __init__(self, stage: str, scale: float, constant: float, progress: Progress | None, limit_s: float):
        super().__init__()
        self.stage, self.scale, self.constant, self.progress, self.limit_s = stage, scale, constant, progress, limit_s
        self.started = time.perf_counter()
        self.objective = float("nan")
        self.bound = float("nan")

    def _emit(self) -> None:
        if self.progress is not None:
            self.progress(self.stage, {"objective": self.objective, "bound": self.bound,
                                       "gap": relative_gap(self.objective, self.bound) if self.objective == self.objective else None,
                                       "seconds": time.perf_counter() - self.started, "limit_s": self.limit_s})

    def on_solution_callback(self) -> None:
        self.objective = self.objective_value / self.scale + self.constant
        self.bound = self.best_objective_bound / self.scale + self.constant
        self._emit()

    def on_bound(self, bound: float) -> None:
        self.bound = bound / self.scale + self.constant
        self._emit()


def solve(model: cp_model.CpModel, *, stage: str, budget_s: float, seed: int, scale: float, constant: float,
          progress: Progress | None = None, workers: int = B.CP_SAT_WORKERS, lns_only: bool = False,
          deadline: Deadline = NO_DEADLINE) -> tuple[cp_model.CpSolver, StageResult]:
    """CP-SAT on ``model`` for a budget of ``budget_s`` seconds, spent as deterministic work
    (:func:`plan.optimize.roster.budgets.set_cp_sat_limits`)."""
    solver = cp_model.CpSolver()
    B.set_cp_sat_limits(solver.parameters, budget_s, deadline, seed=seed, workers=workers)
    solver.parameters.use_lns_only = lns_only
    reporter = ProgressReporter(stage, scale, constant, progress, budget_s)
    solver.best_bound_callback = reporter.on_bound
    started = time.perf_counter()
    status = solver.solve(model, reporter)
    seconds = time.perf_counter() - started
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    result = StageResult(stage, solver.status_name(status),
                         solver.objective_value / scale + constant if ok else float("nan"),
                         solver.best_objective_bound / scale + constant if ok else float("nan"), seconds,
                         budget_s, solver.deterministic_time)
    return solver, result


def fixed_copy(model: cp_model.CpModel, fixed: dict[int, int]) -> cp_model.CpModel:
    """A copy of ``model`` with the given proto variables fixed (the rest follow by propagation)."""
    return with_fixed_sums(model, [([index], value) for index, value in fixed.items()])


def with_fixed_sums(model: cp_model.CpModel, sums: list[tuple[list[int], int]]) -> cp_model.CpModel:
    """A copy of ``model`` with each sum of proto variables fixed to its value (``model`` unchanged)."""
    copy = model.clone()
    for indices, value in sums:
        copy.add(sum(copy.get_int_var_from_proto_index(i) for i in indices) == value)
    return copy


def legal_point(model: cp_model.CpModel, *, budget_s: float, seed: int, hint: "np.ndarray | None" = None,
                workers: int = B.CP_SAT_WORKERS, deadline: Deadline = NO_DEADLINE
                ) -> tuple["np.ndarray | None", StageResult]:
    """Any solution of ``model``'s rules, its objective set aside, as close to ``hint`` as the search
    keeps it. With the month's priced service, CP-SAT can spend its whole budget without a first
    solution where the same rules alone solve in about a second (a team without slack, in the LP
    box), so priced searches start from this point."""
    rules = model.clone()
    rules.clear_objective()
    del workers  # one worker finds it (see budgets.LEGAL_POINT_WORKERS); the parameter stays for callers
    return solve_with_values(rules, stage="legal point", budget_s=budget_s, seed=seed, scale=1.0, constant=0.0,
                             hint=hint, workers=B.LEGAL_POINT_WORKERS, deadline=deadline)


def solve_with_values(model: cp_model.CpModel, *, stage: str, budget_s: float, seed: int, scale: float,
                      constant: float, progress: Progress | None = None, hint: "np.ndarray | None" = None,
                      workers: int = B.CP_SAT_WORKERS, lns_only: bool = False, deadline: Deadline = NO_DEADLINE
                      ) -> tuple["np.ndarray | None", StageResult]:
    """Solve and return the value of every proto variable (or None without a solution)."""
    import numpy as np
    if hint is not None:
        model.clear_hints()
        for i, value in enumerate(hint):
            model.add_hint(model.get_int_var_from_proto_index(i), int(value))
    solver, result = solve(model, stage=stage, budget_s=budget_s, seed=seed, scale=scale, constant=constant,
                           progress=progress, workers=workers, lns_only=lns_only, deadline=deadline)
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        return None, result
    n = len(model.proto.variables)
    values = np.array([solver.value(model.get_int_var_from_proto_index(i)) for i in range(n)], dtype=np.int64)
    return values, result


def lp_limits(budget_s: float) -> dict:
    """The LP relaxation's iteration budget and its wall-clock safety net."""
    return {"max_iterations": max(B.LP_MIN_ITERATIONS, int(B.LP_ITERATIONS_PER_S * budget_s)),
            "time_limit_s": B.WALL_SAFETY * max(B.LP_MIN_WALL_S, budget_s)}  # not cut by the deadline


class WorkLedger:
    """A stage's budget in seconds, less what its CP-SAT calls spent (counted in deterministic time,
    so the same on every run)."""

    def __init__(self, budget_s: float):
        self.budget_s = budget_s
        self.spent_s = 0.0

    def left_s(self) -> float:
        return self.budget_s - self.spent_s

    def charge(self, result: StageResult) -> StageResult:
        self.spent_s += B.seconds_of_work(result.work)
        return result


def solve_aggregate(model: cp_model.CpModel, decisions: list[int], *, budget_s: float, seed: int, scale: float,
                    constant: float, progress: Progress | None = None, label: str = "aggregate",
                    fallback_hint: "np.ndarray | None" = None, incumbent: "np.ndarray | None" = None,
                    complete: "Callable[[np.ndarray], np.ndarray] | None" = None, workers: int = B.CP_SAT_WORKERS,
                    price: "Callable[[np.ndarray], float] | None" = None, deadline: Deadline = NO_DEADLINE
                    ) -> tuple["np.ndarray | None", list[StageResult], float]:
    """LP relaxation → CP-SAT inside the LP's rounding box; the whole model only when there is no LP
    or the box yields nothing in time.

    Returns the best values, the stage reports and the best proven lower bound (max of the LP
    bound and CP-SAT's). The box step (every decision between the floor and ceiling of its LP value,
    RINS-like) gives CP-SAT a small neighbourhood where good solutions are quick to find. An
    ``incumbent`` (a legal solution) is kept inside the box and the search starts from it, so the
    result is never worse than it; without one, the search starts from a legal point near the
    rounded LP (:func:`legal_point`), priced by ``complete`` when given (the cheapest values of the
    variables that follow from the decisions). Inside the box: a short full search, then large
    neighbourhoods only from its best; with little left, neighbourhoods of the start at once (the
    shares are in :mod:`plan.optimize.roster.budgets`). Every choice depends on the budget and on the
    deterministic work spent, never on a clock.

    ``price`` re-reads a search's result for its stage report when the plan's objective is not the
    search's own (service read inside a step). CP-SAT's bound then bounds the search's objective
    only, so the bound returned is the LP's alone."""
    import numpy as np

    from plan.optimize.roster.relaxation import lp_relaxation
    started = time.perf_counter()
    stages = []
    lp_budget_s = B.LP_SHARE * budget_s
    lp = lp_relaxation(model, **lp_limits(lp_budget_s))
    lp_seconds = time.perf_counter() - started
    bound = lp.bound / scale + constant if lp.values is not None else float("-inf")
    stages.append(StageResult(f"{label}: lp relaxation", lp.status, float("nan"), bound, lp_seconds, lp_budget_s))
    if progress is not None:
        progress(f"{label}: lp relaxation", {"objective": float("nan"), "bound": bound, "gap": None,
                                             "seconds": lp_seconds, "limit_s": lp_budget_s})
    ledger = WorkLedger(budget_s - lp_budget_s)
    search = dict(seed=seed, scale=scale, constant=constant, progress=progress, workers=workers, deadline=deadline)
    values = None
    if lp.values is not None:
        values = _search_lp_box(model, decisions, lp.values, incumbent, complete, ledger, stages, label, search)
    if values is None:  # no LP or no box solution in time: the whole model, from a legal start
        values, searched_bound = _search_whole_model(model, fallback_hint, complete, ledger, stages, label, search,
                                                     bound_is_the_searchs=price is None)
        bound = max(bound, searched_bound)
    if values is None and incumbent is not None:
        values = incumbent  # nothing better in time: the incumbent stands
    if values is not None and complete is not None:
        values = complete(values)
    if values is not None and price is not None:
        priced = price(values)
        if incumbent is not None and priced > price(incumbent):
            values, priced = incumbent, price(incumbent)  # better by the search's objective, not by the plan's
        if len(stages) > 1:
            stages[-1].objective = priced
    return values, stages, bound


def _search_lp_box(model: cp_model.CpModel, decisions: list[int], lp_values: "np.ndarray",
                   incumbent: "np.ndarray | None", complete, ledger: "WorkLedger", stages: list[StageResult],
                   label: str, search: dict) -> "np.ndarray | None":
    """CP-SAT inside the LP's rounding box (every decision between the floor and ceiling of its LP
    value, the incumbent's values kept inside), widened when the box holds no plan."""
    import numpy as np

    values = None
    for widen in (0, 1, 3):  # an infeasible rounding box is widened, not given up
        box = model.clone()
        for i in decisions:
            lo = int(np.floor(lp_values[i] + 1e-6)) - widen
            hi = max(lo, int(np.ceil(lp_values[i] - 1e-6)) + widen)
            if incumbent is not None:
                lo, hi = min(lo, int(incumbent[i])), max(hi, int(incumbent[i]))
            var = box.get_int_var_from_proto_index(i)
            box.add(var >= lo)
            box.add(var <= hi)
        rounded = np.round(lp_values).astype(np.int64)
        start = incumbent
        if start is None:
            start, found = legal_point(box, budget_s=min(B.LEGAL_POINT_S, B.LEGAL_POINT_SHARE * ledger.left_s()),
                                       seed=search["seed"], hint=rounded, workers=search["workers"],
                                       deadline=search["deadline"])
            ledger.charge(found)
            if start is not None and complete is not None:
                start = complete(start)
        name = f"{label} (LP box ±{widen})" if widen else f"{label} (LP box)"
        first_hint = start if start is not None else rounded
        if start is None or ledger.left_s() >= B.FULL_SEARCH_FROM_S:
            full_s = min(0.95 * ledger.left_s(), max(B.FULL_SEARCH_MIN_S, B.FULL_SEARCH_SHARE * ledger.left_s()))
            values, boxed = solve_with_values(box, stage=name, budget_s=full_s, hint=first_hint, **search)
            stages.append(ledger.charge(boxed))
        else:
            values = start
            boxed = StageResult(name, "FEASIBLE", float("inf"), float("nan"), 0.0)
        if boxed.status in ("FEASIBLE", "UNKNOWN") and ledger.left_s() > B.LNS_MIN_S:
            # LNS needs a first solution; without one the full search goes on
            found = values is not None
            more, again = solve_with_values(box, stage=f"{name} LNS" if found else name, budget_s=ledger.left_s(),
                                            hint=values if found else first_hint, lns_only=found, **search)
            ledger.charge(again)
            if more is not None and (values is None or again.objective <= boxed.objective):
                values, boxed = more, again
                stages.append(again)
        if boxed.status != "INFEASIBLE" or ledger.left_s() < 2 * B.LNS_MIN_S:
            break
    return values


def _search_whole_model(model: cp_model.CpModel, fallback_hint: "np.ndarray | None", complete,
                        ledger: "WorkLedger", stages: list[StageResult], label: str, search: dict, *,
                        bound_is_the_searchs: bool) -> tuple["np.ndarray | None", float]:
    """CP-SAT on the whole model from a legal start (or ``fallback_hint``); the values and, when the
    search's objective is the plan's own, its proven bound."""
    start = fallback_hint
    if start is None:
        start, found = legal_point(model, budget_s=max(B.FALLBACK_LEGAL_MIN_S, B.LEGAL_POINT_SHARE * ledger.left_s()),
                                   seed=search["seed"], workers=search["workers"], deadline=search["deadline"])
        ledger.charge(found)
        if start is not None and complete is not None:
            start = complete(start)
    values, full = solve_with_values(model, stage=label, budget_s=max(2 * B.LNS_MIN_S, ledger.left_s()),
                                     hint=start, **search)
    stages.append(full)
    if values is not None and bound_is_the_searchs:
        return values, full.best_bound
    if start is not None and fallback_hint is None:
        values = start  # legal, and priced by ``complete`` (a fallback hint need not be legal here)
    return values, float("-inf")
