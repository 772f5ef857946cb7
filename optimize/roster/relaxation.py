"""The LP relaxation of a CP-SAT model, for a lower bound the search alone proves too slowly.

CP-SAT's own LP runs incrementally inside the search; on the month's aggregate model (tens of
thousands of variables, a few hundred thousand terms) two workers barely move its bound in a
minute. The model holds only linear constraints and implications between booleans, so its exact LP
relaxation is read off the proto and solved once with HiGHS (dual simplex / IPM via
``scipy.optimize.linprog``). Any LP optimum is a valid lower bound of the integer model; its
rounded solution also seeds the CP-SAT search. With ``integer`` the same rows go to HiGHS's
branch-and-cut (``scipy.optimize.milp``) with only those variables whole.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import linprog


@dataclass
class Relaxation:
    status: str
    bound: float              # in the model's objective units (before scaling), offset included
    values: np.ndarray | None  # LP value per proto variable
    objective: float | None = None  # with ``integer``: the incumbent's objective


def _literal(index: int) -> tuple[int, float, float]:
    """(variable, coefficient, constant) of a literal: x, or 1 − x for a negated one."""
    return (index, 1.0, 0.0) if index >= 0 else (-index - 1, -1.0, 1.0)


def lp_relaxation(model: cp_model.CpModel, time_limit_s: float = 30.0, integer: "list[int] | None" = None, *,
                  max_iterations: int | None = None, max_nodes: int | None = None) -> Relaxation:
    """``integer``: proto indices of the variables kept whole (a MIP; every other variable continuous).
    ``max_iterations`` (LP) and ``max_nodes`` (MIP) stop HiGHS on its own counts, the same on every
    run; ``time_limit_s`` is the wall-clock safety net (see :mod:`plan.optimize.roster.budgets`)."""
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
            if len(ct.linear.vars) == 1 and not ct.enforcement_literal:
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
    # two-sided rows as A_ub x ≤ b_ub
    finite_hi, finite_lo = np.isfinite(hi), np.isfinite(lo)
    eq = finite_hi & finite_lo & (hi == lo)
    a_ub = sparse.vstack([a[finite_hi & ~eq], -a[finite_lo & ~eq]]).tocsr()
    b_ub = np.concatenate([hi[finite_hi & ~eq], -lo[finite_lo & ~eq]])
    if integer is not None:
        from scipy.optimize import Bounds, LinearConstraint, milp
        integrality = np.zeros(n)
        integrality[list(integer)] = 1
        constraints = [LinearConstraint(a_ub, -np.inf, b_ub)]
        if eq.any():
            constraints.append(LinearConstraint(a[eq], lo[eq], lo[eq]))
        result = milp(c, constraints=constraints, bounds=Bounds(lower, upper), integrality=integrality,
                      options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-4, "disp": False,
                               **({"node_limit": int(max_nodes)} if max_nodes is not None else {})})
        status = {0: "OPTIMAL", 1: "FEASIBLE", 2: "INFEASIBLE"}.get(result.status, "UNKNOWN")
        if result.x is None:
            return Relaxation("UNKNOWN" if status == "FEASIBLE" else status, float("-inf"), None)
        scale = obj.scaling_factor or 1.0
        bound = getattr(result, "mip_dual_bound", None)
        return Relaxation(status, ((bound if bound is not None else result.fun) + offset) * scale,
                          result.x, (result.fun + offset) * scale)
    result = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a[eq] if eq.any() else None, b_eq=lo[eq] if eq.any() else None,
                     bounds=np.column_stack([lower, upper]), method="highs",
                     options={"time_limit": float(time_limit_s), "presolve": True,
                              **({"maxiter": int(max_iterations)} if max_iterations is not None else {}),
                              # devex pricing: much faster than the default when service is short all
                              # month (a team without slack), never slower on the benches
                              "simplex_dual_edge_weight_strategy": "devex"})
    if result.status != 0 or result.x is None:
        return Relaxation(result.message, float("-inf"), None)
    # the dual bound equals the primal LP optimum at optimality
    scale = obj.scaling_factor or 1.0
    return Relaxation("OPTIMAL", (result.fun + offset) * scale, result.x)
