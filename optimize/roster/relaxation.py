"""The LP relaxation of a CP-SAT model, for a lower bound the search alone proves too slowly.

CP-SAT's own LP runs incrementally inside the search; on the month's aggregate model (tens of
thousands of variables, a few hundred thousand terms) two workers barely move its bound in a
minute. The model holds only linear constraints and implications between booleans, so its exact LP
relaxation is read off the proto and solved once with HiGHS's dual simplex through the project's
LP layer (:mod:`plan.optimize.linear`). Any LP optimum is a valid lower bound of the integer model;
its rounded solution also seeds the CP-SAT search. With ``integer`` the same rows go to HiGHS's
branch-and-cut with only those variables whole (:func:`plan.optimize.linear.solve_mip_with_limit`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse

from plan.optimize import linear

# Devex pricing in the dual simplex: much faster than HiGHS's default choice when service is short
# all month (a team without slack), never slower on the benches.
DEVEX = {"simplex_dual_edge_weight_strategy": 1}
# A MIP stops within this relative gap of its bound (the exact neighbourhoods are small).
MIP_RELATIVE_GAP = 1e-4

@dataclass
class Relaxation:
    status: str
    bound: float              # in the model's objective units (before scaling), offset included
    values: np.ndarray | None  # LP value per proto variable
    objective: float | None = None  # with ``integer``: the incumbent's objective


def _literal(index: int) -> tuple[int, float, float]:
    """(variable, coefficient, constant) of a literal: x, or 1 − x for a negated one."""
    return (index, 1.0, 0.0) if index >= 0 else (-index - 1, -1.0, 1.0)


@dataclass
class ProtoRows:
    """``min cost·x + offset`` (times ``scale``) s.t. ``row_lower ≤ matrix·x ≤ row_upper``, variable bounds."""
    cost: np.ndarray
    matrix: sparse.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    var_lower: np.ndarray
    var_upper: np.ndarray
    offset: float
    scale: float


def read_rows(model: cp_model.CpModel) -> ProtoRows:
    """The linear rows of ``model``'s proto: linear constraints without enforcement and implications
    between booleans; every other constraint is relaxed away (the bound stays valid)."""
    proto = model.proto
    n = len(proto.variables)
    domains = [list(v.domain) for v in proto.variables]
    lower = np.array([d[0] for d in domains], dtype=float)
    upper = np.array([d[-1] for d in domains], dtype=float)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0
    for ct in proto.constraints:
        if ct.has_linear():
            if ct.enforcement_literal:
                continue  # conditional rows are dropped: the relaxation stays valid (weaker)
            dom = list(ct.linear.domain)
            if len(ct.linear.vars) == 1:
                var, coef = ct.linear.vars[0], ct.linear.coeffs[0]
                a, b = dom[0] / coef, dom[-1] / coef
                a, b = min(a, b), max(a, b)
                lower[var] = max(lower[var], np.ceil(a - 1e-9))
                upper[var] = min(upper[var], np.floor(b + 1e-9))
                continue
            rows += [r] * len(ct.linear.vars)
            cols += list(ct.linear.vars)
            vals += list(ct.linear.coeffs)
            lo.append(dom[0])
            hi.append(dom[-1])
            r += 1
        elif ct.has_bool_and() and len(ct.enforcement_literal) == 1:
            # e ⇒ l for each l:  l − e ≥ 0 in literal terms
            e_var, e_coef, e_const = _literal(ct.enforcement_literal[0])
            for lit in ct.bool_and.literals:
                l_var, l_coef, l_const = _literal(lit)
                rows += [r, r]
                cols += [l_var, e_var]
                vals += [l_coef, -e_coef]
                lo.append(e_const - l_const)
                hi.append(np.inf)
                r += 1
        # any other constraint type is relaxed away (the bound stays valid)
    a = sparse.csr_matrix((vals, (rows, cols)), shape=(r, n))
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    lo[lo < -1e18], hi[hi > 1e18] = -np.inf, np.inf
    c = np.zeros(n)
    obj = proto.objective
    for var, coef in zip(obj.vars, obj.coeffs):
        if var >= 0:
            c[var] += coef
        else:
            c[-var - 1] -= coef
    offset = obj.offset + sum(coef for var, coef in zip(obj.vars, obj.coeffs) if var < 0)
    return ProtoRows(c, a, lo, hi, lower, upper, offset, obj.scaling_factor or 1.0)


def lp_relaxation(model: cp_model.CpModel, time_limit_s: float = 30.0, integer: "list[int] | None" = None, *,
                  max_iterations: int | None = None, max_nodes: int | None = None) -> Relaxation:
    """``integer``: proto indices of the variables kept whole (a MIP; every other variable continuous).
    ``max_iterations`` (LP) and ``max_nodes`` (MIP) stop HiGHS on its own counts, the same on every
    run; ``time_limit_s`` is the wall-clock safety net (see :mod:`plan.optimize.roster.budgets`)."""
    rows = read_rows(model)
    offset, scale = rows.offset, rows.scale
    if integer is not None:
        integral = np.zeros(len(rows.cost), dtype=bool)
        integral[list(integer)] = True
        result = linear.solve_mip_with_limit(rows.cost, rows.matrix, rows.row_lower, rows.row_upper, rows.var_lower,
                                             rows.var_upper, integral, node_limit=max_nodes,
                                             time_limit_s=time_limit_s, relative_gap=MIP_RELATIVE_GAP)
        if not result.found:
            return Relaxation(result.status, float("-inf"), None)
        return Relaxation(result.status, (result.bound + offset) * scale, result.x, (result.objective + offset) * scale)
    program = linear.matrix_model(rows.cost, rows.matrix, rows.row_lower, rows.row_upper, rows.var_lower,
                                  rows.var_upper)
    result = linear.solve(program, time_limit_s=time_limit_s, iteration_limit=max_iterations, lp_method="simplex",
                          options=DEVEX)
    if not result.optimal:
        return Relaxation(result.status, float("-inf"), None)
    # the dual bound equals the primal LP optimum at optimality
    return Relaxation("OPTIMAL", (result.objective + offset) * scale, result.x)
