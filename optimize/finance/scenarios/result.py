"""One planned and priced scenario: the row finance reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plan.contracts.workforce import Workforce
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing
from plan.optimize.finance.scenarios.pricing import QueueService


@dataclass
class ScenarioResult:
    """One planned and priced scenario (the row finance reads)."""
    name: str
    description: str
    mode: str
    cost: dict[str, float]
    service: dict[str, dict[str, float]]
    shortfall_contacts: float
    contacts: float
    fte: dict[str, float]
    revenue: dict[str, float]
    solver: dict[str, Any]
    seconds: float
    notes: list[str] = field(default_factory=list)
    sweep_value: float | None = None
    # kept for re-pricing a plan under a neighbouring scenario (quick mode)
    staffing: Staffing | None = None
    workforce: Workforce | None = None
    grid: MonthGrid | None = None
    plan: Any = None

    @property
    def vendor_seat_hours(self) -> dict[str, float]:
        """Seat-hours bought from each vendor over the month."""
        if self.staffing is None or self.grid is None:
            return {}
        return {v: float(s.sum()) * self.grid.interval_h for v, s in self.staffing.vendor_seats.items()}


def service_as_dict(service: dict[str, QueueService]) -> dict[str, dict[str, float]]:
    """Service per queue as plain mappings (what a result carries and the finance table reads)."""
    return {q: {"asa_s": s.asa_s, "service_level": s.service_level, "abandon_rate": s.abandon_rate,
                "contacts": s.contacts, "shortfall_contacts": s.shortfall_contacts} for q, s in service.items()}


def sourcing_mix(result: ScenarioResult) -> dict[str, float]:
    """Share of staffed agent-hours by source (bot excluded: it is not bought per hour)."""
    if result.staffing is None:
        return {}
    hours = {"in_house": float(result.staffing.in_house.sum()), "part_time": float(result.staffing.part_time.sum()),
             "vendor": float(sum(s.sum() for s in result.staffing.vendor_seats.values()))}
    total = sum(hours.values()) or 1.0
    return {k: v / total for k, v in hours.items()}
