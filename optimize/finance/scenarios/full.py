"""Full mode: a scenario planned by the roster optimizer (:func:`plan.optimize.roster.plan_month`),
named people and shifts, and its plan read back as a :class:`Staffing` and priced from the
roster's own summary."""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
import pandas as pd

from plan.contracts.workforce import Workforce
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing, part_time_signature
from plan.optimize.finance.scenarios.pricing import (COST_KEYS, Pricing, QueueService, effective_agents, fte_by_source,
                                        queue_service)
from plan.optimize.finance.scenarios.revenue import presales_revenue


def plan_full(workforce: Workforce, requirements: pd.DataFrame, month: str, *, events: pd.DataFrame | None,
              time_limit_s: float, report: Callable[[float, str], None], solver_threads: int = 1):
    """The roster optimizer's plan of the month (raises ``RuntimeError`` when it finds none in time)."""
    from plan.optimize.roster import plan_month

    # set by the execution layer, never "all cores": scenarios run side by side, one thread each by default
    return plan_month(workforce, requirements, month, events=events, time_limit_s=time_limit_s, seed=0,
                      num_workers=solver_threads, progress=_RosterProgress(report, time_limit_s))


class _RosterProgress:
    """Adapter for the roster's ``progress(stage, info)``: the bar follows the wall clock against
    the scenario's time limit, the text shows the stage and the gap."""

    def __init__(self, report: Callable[[float, str], None], limit_s: float):
        self.report, self.limit_s = report, max(limit_s, 1.0)
        self.started = time.perf_counter()

    def __call__(self, stage: str = "solving", info: dict | None = None) -> None:
        info = info or {}
        gap = info.get("gap")
        text = str(info.get("message") or stage) + (f" gap {gap:.1%}" if isinstance(gap, float) and gap == gap else "")
        elapsed = time.perf_counter() - self.started
        self.report(0.25 + 0.65 * min(1.0, elapsed / self.limit_s), text)


def staffing_from_plan(plan: Any, workforce: Workforce, grid: MonthGrid) -> Staffing:
    """Heads by source per queue and interval out of a roster plan's coverage and vendor seats."""
    q_index = {q: i for i, q in enumerate(grid.queues)}
    t_index = pd.Series(np.arange(len(grid.intervals)), index=grid.intervals)
    shape = (len(grid.queues), len(grid.intervals))
    in_house, part_time = np.zeros(shape), np.zeros(shape)
    coverage = plan.coverage
    if len(coverage):
        stamps = pd.to_datetime(coverage["interval_start"])
        ok = stamps.isin(grid.intervals) & coverage["queue"].isin(q_index)
        qi = coverage.loc[ok, "queue"].map(q_index).to_numpy()
        ti = t_index.loc[stamps[ok]].to_numpy()
        in_house[qi, ti] = coverage.loc[ok, "staffed_in_house"].to_numpy(dtype=float)
        part_time[qi, ti] = coverage.loc[ok, "staffed_part_time"].to_numpy(dtype=float)
    vendor_seats: dict[str, np.ndarray] = {v.id: np.zeros(shape) for v in workforce.vendors}
    seats = plan.vendor_seats
    if len(seats):
        stamps = pd.to_datetime(seats["interval_start"])
        ok = stamps.isin(grid.intervals) & seats["queue"].isin(q_index) & seats["vendor"].isin(vendor_seats)
        for vendor, rows in seats[ok].groupby("vendor"):
            vendor_seats[vendor][rows["queue"].map(q_index).to_numpy(),
                                 t_index.loc[pd.to_datetime(rows["interval_start"])].to_numpy()] = rows["seats"].to_numpy(float)
    roster = plan.roster
    pt_hours = float(roster.loc[roster["type"] == "part_time", "paid_hours"].astype(float).sum()) if len(roster) else 0.0
    return Staffing(in_house=in_house, part_time=part_time, vendor_seats=vendor_seats,
                    in_house_ids=tuple(a.id for a in workforce.in_house),
                    part_time_cost=float(plan.summary["cost"].get("part_time", 0.0)), part_time_hours=pt_hours,
                    overtime_cost=float(plan.summary["cost"].get("overtime", 0.0)),
                    part_time_signature=part_time_signature(workforce))


def price_roster_plan(plan: Any, workforce: Workforce, grid: MonthGrid,
                      presales: tuple[str, ...]) -> tuple[Staffing, Pricing]:
    """A roster plan's staffing and price: cost and service as the roster's summary reports them
    (the staffing service functions fill what it leaves out and give the shortfall per queue);
    FTE and pre-sales revenue from its staffing."""
    summary = plan.summary
    cost = {k: float(summary["cost"].get(k, 0.0)) for k in COST_KEYS}
    cost["total"] = float(summary["cost"].get("total", sum(cost.values())))
    staffing = staffing_from_plan(plan, workforce, grid)
    own = queue_service(workforce, grid, effective_agents(staffing, workforce, grid.queues))
    service = {}
    for q in grid.queues:
        reported = summary.get("service", {}).get(q, {})
        service[q] = QueueService(contacts=float(reported.get("contacts", own[q].contacts)),
                                  asa_s=float(reported.get("asa_s", own[q].asa_s)),
                                  service_level=float(reported.get("service_level", own[q].service_level)),
                                  abandon_rate=float(reported.get("abandon_rate", own[q].abandon_rate)),
                                  shortfall_contacts=own[q].shortfall_contacts)
    revenue = presales_revenue(workforce, grid, staffing, service, presales)
    return staffing, Pricing(cost=cost, service=service, fte=fte_by_source(workforce, grid, staffing), revenue=revenue)
