"""Sweeps: one scenario across values of one field, what changes along it and where it breaks even."""
from __future__ import annotations

from typing import Callable

from plan.optimize.finance.scenarios.result import ScenarioResult, sourcing_mix
from plan.optimize.finance.scenarios.scenario_file import Scenario, Sweep


def sweep_scenarios(base: Scenario, sweep: Sweep) -> list[Scenario]:
    """One scenario per sweep value, named ``<scenario> <field>=<value>``; a field written
    ``a.b+c.d`` sets every listed path to the value."""
    out = []
    for value in sweep.values:
        overrides = dict(base.overrides)
        for path in sweep.field.split("+"):  # 'a.b+c.d': several fields move together
            overrides[path] = int(value) if float(value).is_integer() and "containment" not in path else value
        out.append(Scenario(name=f"{base.name} {sweep.field}={value:g}", overrides=overrides,
                            description=f"{base.description} ({sweep.field} = {value:g})".strip(),
                            mode=sweep.mode or base.mode,
                            time_limit_s=base.time_limit_s))
    return out


def monotonicity_report(results: list[ScenarioResult], field: str, tolerance: float = 1e-6) -> list[str]:
    """Violations of 'more bot containment / a cheaper vendor never costs more' along a sweep."""
    points = _sweep_points(results)
    leaf = field.rsplit(".", 1)[-1]
    if "containment" in field:
        direction = -1  # more containment → cost must not rise
    elif "price" in leaf:
        direction = +1  # higher price → cost must not fall
    else:
        return []
    problems = []
    for low, high in zip(points, points[1:]):
        change = high.cost["total"] - low.cost["total"]
        if direction * change < -tolerance * max(1.0, abs(low.cost["total"])):
            problems.append(f"{field} {low.sweep_value:g} → {high.sweep_value:g}: total cost "
                            f"{low.cost['total']:,.0f} → {high.cost['total']:,.0f} moves against the expected direction")
    return problems


def _sweep_points(results: list[ScenarioResult]) -> list[ScenarioResult]:
    """The results of a sweep (those with a sweep value) in order of the value."""
    return sorted((r for r in results if r.sweep_value is not None), key=lambda r: r.sweep_value)


def _total_cost(result: ScenarioResult) -> float:
    return result.cost["total"]


def _zero_crossing(x0: float, y0: float, x1: float, y1: float) -> float:
    """Where the line through ``(x0, y0)`` and ``(x1, y1)`` crosses zero."""
    return x0 + (x1 - x0) * (-y0) / (y1 - y0) if y1 != y0 else x0


def _cost_net_of_presales_revenue(result: ScenarioResult) -> float:
    """Cost less pre-sales revenue (the revenue at stake counts as a negative cost)."""
    return result.cost["total"] - result.revenue.get("presales_revenue", 0.0)


def sweep_findings(results: list[ScenarioResult], field: str, baseline: ScenarioResult | float | None = None,
                   material_share: float = 0.01) -> list[str]:
    """Where along a sweep the cheapest sourcing changes, and where it crosses the baseline's cost
    (and, when the config prices pre-sales revenue, the baseline's cost net of revenue)."""
    points = _sweep_points(results)
    findings = []
    for low, high in zip(points, points[1:]):
        a, b = sourcing_mix(low), sourcing_mix(high)
        used_a = {k for k, v in a.items() if v >= material_share}
        used_b = {k for k, v in b.items() if v >= material_share}
        if used_a != used_b:
            findings.append(f"between {field}={low.sweep_value:g} and {high.sweep_value:g} the sourcing changes from "
                            f"{'+'.join(sorted(used_a))} to {'+'.join(sorted(used_b))}")
        va, vb = low.vendor_seat_hours, high.vendor_seat_hours
        for vendor in sorted(set(va) | set(vb)):
            before, after = va.get(vendor, 0.0), vb.get(vendor, 0.0)
            if max(before, after) > 0 and abs(after - before) > 0.25 * max(before, after):
                findings.append(f"between {field}={low.sweep_value:g} and {high.sweep_value:g} vendor {vendor} seat-hours "
                                f"go {before:,.0f} → {after:,.0f}")
    if baseline is None or not points:
        return findings
    base_cost = baseline if isinstance(baseline, (int, float)) else baseline.cost["total"]
    views = [("cost", _total_cost, base_cost)]
    if isinstance(baseline, ScenarioResult) and "presales_revenue" in baseline.revenue:
        views.append(("cost net of pre-sales revenue", _cost_net_of_presales_revenue, _cost_net_of_presales_revenue(baseline)))
    for label, measure, reference in views:
        at = break_even(points, reference, measure)
        if at is not None:
            cheaper_below = measure(points[0]) <= reference
            findings.append(f"break-even on {label} at {field} ≈ {at:.4g}: the scenario is cheaper than the baseline "
                            f"{'below' if cheaper_below else 'above'} it")
        else:
            side = "cheaper" if measure(points[0]) < reference else "dearer"
            findings.append(f"no break-even on {label} in {points[0].sweep_value:g}..{points[-1].sweep_value:g}: the "
                            f"scenario is {side} than the baseline across the whole range")
    return findings


def break_even(results: list[ScenarioResult], baseline_cost: float,
               measure: Callable[[ScenarioResult], float] = _total_cost) -> float | None:
    """First sweep value where ``measure`` (default the total cost) crosses the baseline's, linear between points."""
    points = _sweep_points(results)
    for low, high in zip(points, points[1:]):
        d0, d1 = measure(low) - baseline_cost, measure(high) - baseline_cost
        if (d0 <= 0 < d1) or (d0 > 0 >= d1):
            return _zero_crossing(low.sweep_value, d0, high.sweep_value, d1)
    return None


def net_break_even(results: list[ScenarioResult], baseline: ScenarioResult) -> float | None:
    """Break-even of the cost net of pre-sales revenue (None when revenue is not priced or no crossing)."""
    if "presales_revenue" not in baseline.revenue:
        return None
    return break_even(results, _cost_net_of_presales_revenue(baseline), _cost_net_of_presales_revenue)
