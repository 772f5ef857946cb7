"""The one modelling layer for linear and mixed-integer programmes: OR-Tools ModelBuilder on HiGHS.

Every LP and MIP in the project (the roster's relaxation and its exact-reading neighbourhoods,
the scenarios' quick mode, the annual capacity plan) is stated with
``ortools.linear_solver.python.model_builder`` and solved here. Why this layer:

* it ships inside ``ortools``, which the roster's CP-SAT already needs: no second install;
* a model can be stated by expressions (small models that read like their algebra) or filled at
  once from sparse matrices (large generated models), and both solve the same way;
* HiGHS (Huangfu & Hall, 2018) is the open solver that is strongest on these models, and the
  same one SciPy wraps; the solver is a name, so SCIP or GLOP can be tried without restating.

Solves are deterministic: one thread, a fixed random seed, and where a budget is wanted it is
given as solver work (simplex iterations, branch-and-bound nodes) with the wall clock only as a
safety net, so that a busy machine gives the same answer.

One exception, for a reason: OR-Tools' HiGHS wrapper returns no solution at all when a MIP stops on
a node or time limit (status UNKNOWN_STATUS, even with an incumbent found), so a MIP that must stop
early with its best plan (the roster's exact neighbourhoods) is solved by :func:`solve_mip_with_limit`
through SciPy's copy of the same HiGHS, which hands the incumbent back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder as mb
from ortools.linear_solver.python.model_builder_helper import FlatExpr

SOLVED = (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class Solution:
    """What a solve returned: ``x`` in the model's variable order (NaN when nothing was found)."""
    status: str
    x: np.ndarray
    objective: float
    bound: float
    seconds: float

    @property
    def found(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"


def matrix_model(cost: np.ndarray, matrix: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray,
                 var_lower: np.ndarray, var_upper: np.ndarray, integral: np.ndarray | None = None) -> mb.Model:
    """``min cost·x  s.t.  row_lower ≤ matrix·x ≤ row_upper,  var_lower ≤ x ≤ var_upper`` (±inf allowed).

    ``integral`` marks the variables that must be whole (a boolean mask, or None for an LP).
    """
    model = mb.Model()
    model.helper.fill_model_from_sparse_data(
        np.asarray(var_lower, float), np.asarray(var_upper, float), np.asarray(cost, float),
        np.asarray(row_lower, float), np.asarray(row_upper, float), sp.csr_matrix(matrix, dtype=float))
    if integral is not None:
        for index in np.flatnonzero(integral):
            model.helper.set_var_integrality(int(index), True)
    return model


def solve(model: mb.Model, *, time_limit_s: float | None = None, node_limit: int | None = None,
          iteration_limit: int | None = None, seed: int = 0, solver: str = "highs",
          lp_method: str = "choose", options: dict | None = None) -> Solution:
    """Solve ``model`` on one thread; limits in solver work first, seconds as a safety net.

    ``lp_method`` picks HiGHS's LP algorithm ("simplex", "ipm" or "choose"): interior point is the
    faster one on the large, sparse, degenerate covering LPs of a month. ``options``: further HiGHS
    options by name (e.g. ``mip_rel_gap``).
    """
    engine = mb.Solver(solver)
    if solver == "highs":
        engine.set_solver_specific_parameters(_highs_parameters(node_limit, iteration_limit, seed, lp_method,
                                                                 options or {}))
    if time_limit_s is not None:
        engine.set_time_limit_in_seconds(max(0.01, float(time_limit_s)))
    started = time.perf_counter()
    status = engine.solve(model)
    seconds = time.perf_counter() - started
    variables = model.get_variables()
    if status in SOLVED:
        x = engine.values(variables).to_numpy(dtype=float)
        objective = float(engine.objective_value)
        bound = float(engine.best_objective_bound)
    else:
        x = np.full(len(variables), np.nan)
        objective = bound = float("nan")
    return Solution(status=status.name, x=x, objective=objective, bound=bound, seconds=seconds)


def solve_mip_with_limit(cost: np.ndarray, matrix: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray,
                         var_lower: np.ndarray, var_upper: np.ndarray, integral: np.ndarray, *,
                         node_limit: int | None, time_limit_s: float, relative_gap: float = 1e-4) -> Solution:
    """The model of :func:`matrix_model` as a MIP stopped on ``node_limit`` nodes (the wall clock as a
    safety net), returning its incumbent and bound when stopped early (status FEASIBLE)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    options = {"time_limit": max(0.01, float(time_limit_s)), "mip_rel_gap": relative_gap, "disp": False}
    if node_limit is not None:
        options["node_limit"] = int(node_limit)
    started = time.perf_counter()
    result = milp(np.asarray(cost, float), constraints=[LinearConstraint(sp.csr_matrix(matrix), row_lower, row_upper)],
                  bounds=Bounds(var_lower, var_upper), integrality=np.asarray(integral, dtype=int), options=options)
    seconds = time.perf_counter() - started
    if result.x is None:
        status = "INFEASIBLE" if result.status == 2 else "NOT_SOLVED"
        nan = float("nan")
        return Solution(status, np.full(len(cost), np.nan), nan, nan, seconds)
    bound = getattr(result, "mip_dual_bound", None)
    return Solution("OPTIMAL" if result.status == 0 else "FEASIBLE", result.x, float(result.fun),
                    float(result.fun if bound is None else bound), seconds)


def value(solution: Solution, expr) -> float:
    """Value of a variable, a linear expression or a plain number at ``solution``."""
    if isinstance(expr, (int, float, np.integer, np.floating)):
        return float(expr)
    if isinstance(expr, mb.Variable):
        return float(solution.x[expr.index])
    flat = FlatExpr(expr)
    indices = np.fromiter((var.index for var in flat.vars), dtype=int, count=len(flat.vars))
    return float(np.dot(flat.coeffs, solution.x[indices]) + flat.offset)


def _highs_parameters(node_limit: int | None, iteration_limit: int | None, seed: int, lp_method: str,
                      options: dict) -> str:
    parameters = {"output_flag": "false", "threads": "1", "random_seed": str(int(seed) % 2_147_483_647),
                  "solver": lp_method, **{key: str(value) for key, value in options.items()}}
    if node_limit is not None:
        parameters["mip_max_nodes"] = str(int(node_limit))
    if iteration_limit is not None:
        parameters["simplex_iteration_limit"] = str(int(iteration_limit))
    return ",".join(f"{key}={value}" for key, value in parameters.items())


class SparseProgram:
    """A large generated model gathered as blocks of columns, rows and (row, column, value) terms.

    For models whose rules are index arithmetic over arrays (the scenarios' quick LP, the
    roster's relaxation), where stating each term as an expression would cost seconds of Python.
    ``model()`` turns it into the same ModelBuilder model that :func:`solve` takes.
    """

    def __init__(self) -> None:
        self._cost: list[np.ndarray] = []
        self._var_bounds: list[tuple[np.ndarray, np.ndarray]] = []
        self._row_bounds: list[tuple[np.ndarray, np.ndarray]] = []
        self._terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.n_columns = 0
        self.n_rows = 0

    def add_columns(self, cost, lower=0.0, upper=np.inf) -> np.ndarray:
        """Columns with their costs and bounds (broadcast); returns their indices."""
        cost = np.asarray(cost, dtype=float).ravel()
        self._cost.append(cost)
        self._var_bounds.append((np.broadcast_to(np.asarray(lower, float), cost.shape),
                                 np.broadcast_to(np.asarray(upper, float), cost.shape)))
        first, self.n_columns = self.n_columns, self.n_columns + cost.size
        return np.arange(first, self.n_columns)

    def add_rows(self, upper, lower=-np.inf) -> np.ndarray:
        """Rows ``lower ≤ Σ terms ≤ upper`` (broadcast; the default is a ``≤`` row); returns their indices."""
        upper = np.asarray(upper, dtype=float).ravel()
        self._row_bounds.append((np.broadcast_to(np.asarray(lower, float), upper.shape), upper))
        first, self.n_rows = self.n_rows, self.n_rows + upper.size
        return np.arange(first, self.n_rows)

    def add_terms(self, rows, cols, vals) -> None:
        """Coefficients ``vals`` at (``rows``, ``cols``); repeated positions add up."""
        rows, cols = np.asarray(rows).ravel(), np.asarray(cols).ravel()
        self._terms.append((rows, cols, np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).ravel()))

    def model(self) -> mb.Model:
        rows, cols, vals = (np.concatenate(part) if part else np.zeros(0) for part in zip(*self._terms))
        matrix = sp.coo_matrix((vals, (rows.astype(int), cols.astype(int))), shape=(self.n_rows, self.n_columns))
        return matrix_model(np.concatenate(self._cost), matrix.tocsr(),
                            np.concatenate([lo for lo, _ in self._row_bounds]),
                            np.concatenate([hi for _, hi in self._row_bounds]),
                            np.concatenate([lo for lo, _ in self._var_bounds]),
                            np.concatenate([hi for _, hi in self._var_bounds]))
