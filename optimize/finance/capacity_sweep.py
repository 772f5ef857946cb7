"""The annual capacity plan across the values of one field (``plan capacity --sweep``), each value an
execution-layer task: overrides → requirements of the year → capacity model."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from plan.execution import TaskContext
from plan.optimize.finance.capacity import CapacityConfig, plan_capacity
from plan.optimize.finance.scenarios import Scenario, apply_overrides


@dataclass(frozen=True)
class SweepInputs:
    """What every point reads (shared, sent to each worker once)."""
    base: dict  # the workforce YAML as a mapping
    volumes: pd.DataFrame  # the year's forecast
    events: pd.DataFrame | None
    year: int
    settings: CapacityConfig
    source: str


def capacity_point(scenario: Scenario, context: TaskContext) -> dict:
    """One sweep value: its year planned, summed to one row."""
    from plan.optimize.staffing.requirements import requirements_table

    s: SweepInputs = context.shared
    workforce = apply_overrides(s.base, scenario.overrides, scenario=scenario.name, source=s.source)
    plan = plan_capacity(workforce, requirements_table(s.volumes, workforce, s.events), s.year, s.settings)
    months = plan.months
    return {"point": scenario.name, "cost_total": float(months["cost_total"].sum()),
            "hires": float(months["hires_decided"].sum()), "mean_headcount": float(months["headcount"].mean()),
            "vendor_seat_hours": float(months["vendor_seat_hours"].sum()),
            "part_time_hours": float(months["part_time_hours"].sum()),
            "shortfall_contacts": float(months["shortfall_contacts"].sum()),
            "solver_status": plan.solver["status"], "gap": plan.solver["gap"], "answer": plan.answer}
