"""Consistency across scenarios: a plan of one scenario re-priced under another, the cheaper kept."""
from __future__ import annotations

import numpy as np

from plan.contracts.workforce import Workforce
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing, part_time_signature, vendor_open_mask
from plan.optimize.finance.scenarios.pricing import price_staffing
from plan.optimize.finance.scenarios.result import ScenarioResult, service_as_dict
from plan.optimize.finance.scenarios.revenue import presales_queue_names


def staffing_fits(staffing: Staffing, workforce: Workforce, grid: MonthGrid) -> bool:
    """Whether a staffing is a valid plan under another scenario's config: same people, same
    part-timers, vendor seats within that scenario's caps, skills and opening hours."""
    if staffing.in_house_ids != tuple(a.id for a in workforce.in_house):
        return False
    if staffing.part_time_signature != part_time_signature(workforce):
        return False
    q_index = {q: i for i, q in enumerate(grid.queues)}
    vendors = {v.id: v for v in workforce.vendors}
    for vendor_id, seats in staffing.vendor_seats.items():
        if seats.sum() <= 1e-9:
            continue
        vendor = vendors.get(vendor_id)
        if vendor is None:
            return False
        allowed = np.zeros(len(grid.queues), dtype=bool)
        allowed[[q_index[s] for s in vendor.skills if s in q_index]] = True
        if seats[~allowed].sum() > 1e-9 or seats.sum(axis=0).max() > vendor.max_seats + 1e-6:
            return False
        if seats[:, ~vendor_open_mask(vendor, grid.intervals)].sum() > 1e-9:
            return False
    return True


def repriced_with_plan_of(result: ScenarioResult, donor: ScenarioResult, presales: tuple[str, ...] | None = None) -> ScenarioResult | None:
    """``donor``'s plan priced under ``result``'s scenario, if it is a valid plan there."""
    if donor.staffing is None or result.workforce is None or result.grid is None or donor is result:
        return None
    if donor.grid is None or not donor.grid.intervals.equals(result.grid.intervals):
        return None
    if not staffing_fits(donor.staffing, result.workforce, result.grid):
        return None
    pricing = price_staffing(donor.staffing, result.workforce, result.grid,
                             presales_queue_names(result.workforce, presales))
    return ScenarioResult(
        name=result.name, description=result.description, mode=result.mode, cost=pricing.cost,
        service=service_as_dict(pricing.service),
        shortfall_contacts=float(sum(s.shortfall_contacts for s in pricing.service.values())),
        contacts=result.contacts, fte=pricing.fte, revenue=pricing.revenue, solver=result.solver,
        seconds=result.seconds, notes=[n for n in result.notes if not n.startswith("re-used the plan of")]
        + [f"re-used the plan of {donor.name!r} (cheaper here)"],
        sweep_value=result.sweep_value, staffing=donor.staffing, workforce=result.workforce, grid=result.grid)


def enforce_consistency(results: list[ScenarioResult], presales: tuple[str, ...] | None = None,
                        rounds: int = 2) -> list[ScenarioResult]:
    """Give every scenario the cheapest plan among the plans of its mode that are valid for it.

    A quick plan is optimal for the LP's view of cost, a full plan is the roster optimizer's best
    within its time limit (a gap); the reported cost prices every contact answered after the
    threshold, so a neighbour's plan can be cheaper under this scenario's prices and arrivals.
    Re-pricing it (with the plan-file cost rules, which reproduce the roster's own summary) and
    keeping the cheaper makes the table monotone wherever one scenario's plan is valid in another
    (a cheaper vendor, more containment, a laxer target): the property finance expects. Plans are
    only exchanged within a mode, so quick rows stay quick and full rows stay rosters.
    """
    results = list(results)
    for _ in range(rounds):
        changed = False
        for i, result in enumerate(results):
            for donor in results:
                if donor.name == result.name or donor.mode != result.mode:
                    continue
                candidate = repriced_with_plan_of(results[i], donor, presales)
                if candidate is not None and candidate.cost["total"] < results[i].cost["total"] - 1e-6:
                    results[i] = candidate
                    changed = True
        if not changed:
            break
    return results
