"""Running CP-SAT: parameters, and progress with the objective, the best bound and the gap."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ortools.sat.python import cp_model

Progress = Callable[[str, dict], None]


@dataclass
class StageResult:
    stage: str
    status: str
    objective: float      # currency units, constant included
    best_bound: float
    seconds: float

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


def solve(model: cp_model.CpModel, *, stage: str, time_limit_s: float, seed: int, scale: float, constant: float,
          progress: Progress | None = None, workers: int = 2) -> tuple[cp_model.CpSolver, StageResult]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit_s)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    reporter = ProgressReporter(stage, scale, constant, progress, time_limit_s)
    solver.best_bound_callback = reporter.on_bound
    started = time.perf_counter()
    status = solver.solve(model, reporter)
    seconds = time.perf_counter() - started
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    result = StageResult(stage, solver.status_name(status),
                         solver.objective_value / scale + constant if ok else float("nan"),
                         solver.best_objective_bound / scale + constant, seconds)
    return solver, result
