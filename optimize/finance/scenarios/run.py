"""Planning and pricing one scenario: overrides → requirements → plan (quick or full) → price."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from plan.optimize.finance.scenarios.full import plan_full, price_roster_plan
from plan.optimize.finance.scenarios.month_arrays import month_bounds, month_grid
from plan.optimize.finance.scenarios.overrides import apply_overrides
from plan.optimize.finance.scenarios.pricing import price_staffing
from plan.optimize.finance.scenarios.quick import plan_quick
from plan.optimize.finance.scenarios.result import ScenarioResult, service_as_dict
from plan.optimize.finance.scenarios.revenue import presales_queue_names
from plan.optimize.finance.scenarios.scenario_file import Scenario


@dataclass(frozen=True)
class ScenarioJob:
    """Everything a worker process needs to plan one scenario (all picklable)."""
    scenario: Scenario
    base: dict
    forecast: pd.DataFrame
    events: pd.DataFrame | None
    month: str
    source: str
    presales: tuple[str, ...] | None = None
    sweep_value: float | None = None
    keep_plan: bool = False
    # requirements_table(forecast, workforce, events) → requirements; None: plan.optimize.staffing.requirements's
    requirements_fn: Callable[..., pd.DataFrame] | None = None


def run_scenario(job: ScenarioJob, report: Callable[[float, str], None] | None = None, *,
                 solver_threads: int = 1) -> ScenarioResult:
    """Plan and price one scenario: overrides → requirements → plan (quick or full) → price.

    A full-mode scenario whose roster finds no plan in its time is planned and priced in quick
    mode instead, with a note saying so. ``solver_threads`` is the roster's CP-SAT ``num_workers``.
    """
    requirements_table = job.requirements_fn
    if requirements_table is None:
        from plan.optimize.staffing.requirements import requirements_table

    report = report or (lambda fraction, message: None)
    started = time.perf_counter()
    scenario = job.scenario
    workforce = apply_overrides(job.base, scenario.overrides, scenario=scenario.name, source=job.source)
    report(0.05, "requirements")
    start, end = month_bounds(job.month)
    stamps = pd.to_datetime(job.forecast["interval_start"])
    forecast = job.forecast[(stamps >= start) & (stamps < end)]
    requirements = requirements_table(forecast, workforce, job.events)
    grid = month_grid(requirements, workforce, job.month)
    presales = presales_queue_names(workforce, job.presales)
    report(0.25, f"{scenario.mode} plan")
    notes: list[str] = []
    plan = None
    if scenario.mode == "full":
        try:
            plan = plan_full(workforce, requirements, job.month, events=job.events,
                             time_limit_s=scenario.time_limit_s, report=report, solver_threads=solver_threads)
            report(0.9, "pricing")
        except RuntimeError as exc:  # the roster found no plan in its time: say so, price the quick plan
            notes.append(f"full mode failed ({exc}); the quick plan is shown")
    if plan is None:
        mode = "quick"
        staffing, solver = plan_quick(workforce, grid, time_limit_s=max(scenario.time_limit_s, 30))
        report(0.85, "pricing")
        pricing = price_staffing(staffing, workforce, grid, presales)
    else:
        mode = "full"
        staffing, pricing = price_roster_plan(plan, workforce, grid, presales)
        solver = dict(plan.summary.get("solver", {}))
        notes += [str(v) for v in plan.summary.get("violations", [])]
    shortfall = float(sum(s.shortfall_contacts for s in pricing.service.values()))
    penalty = workforce.costs.shortfall_penalty_per_contact
    if mode == "full" and penalty > 0:  # the roster's own count, the one its cost was priced on
        shortfall = pricing.cost["shortfall_penalty"] / penalty
    report(1.0, "done")
    return ScenarioResult(name=scenario.name, description=scenario.description, mode=mode, cost=pricing.cost,
                          service=service_as_dict(pricing.service), shortfall_contacts=shortfall,
                          contacts=float(grid.arrivals.sum()), fte=pricing.fte, revenue=pricing.revenue, solver=solver,
                          seconds=round(time.perf_counter() - started, 2), notes=notes, sweep_value=job.sweep_value,
                          staffing=staffing, workforce=workforce, grid=grid, plan=plan if job.keep_plan else None)
