"""Revenue at stake: orders expected from the pre-sales contacts a staffing answers."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import numpy as np

from plan.contracts.workforce import Workforce
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing

if TYPE_CHECKING:  # pricing imports this module
    from plan.optimize.finance.scenarios.pricing import QueueService


def presales_queue_names(workforce: Workforce, declared: Iterable[str] | None = None) -> tuple[str, ...]:
    """The pre-sales queues: those the scenario file declares, else those named so (presale, 售前)."""
    if declared is not None:
        return tuple(q for q in declared if q in workforce.queues)
    return tuple(q for q in workforce.queues if "presale" in q.lower() or "pre_sale" in q.lower() or "售前" in q)


def presales_revenue(workforce: Workforce, grid: MonthGrid, staffing: Staffing,
                     service: dict[str, QueueService], presales: tuple[str, ...]) -> dict[str, float]:
    """Orders expected from pre-sales contacts: answered ones convert at the config's rate, those a
    vendor answers at the vendor's ``conversion_factor``, bot-contained ones at the in-house rate,
    abandoned ones not at all. Empty when the config has no conversion rate or order value."""
    rate, value = workforce.costs.presales_conversion_rate, workforce.costs.average_order_value
    if rate is None or value is None or not presales:
        return {}
    revenue = lost_to_vendor = 0.0
    for name in presales:
        qi = grid.queues.index(name)
        answered = service[name].contacts * (1 - service[name].abandon_rate)
        heads = staffing.in_house[qi] + staffing.part_time[qi]
        vendor_heads = np.zeros_like(heads)
        vendor_weighted = np.zeros_like(heads)
        for vendor in workforce.vendors:
            seats = staffing.vendor_seats.get(vendor.id)
            if seats is not None:
                vendor_heads += seats[qi] / vendor.aht_factor
                vendor_weighted += seats[qi] / vendor.aht_factor * vendor.conversion_factor
        total = heads + vendor_heads
        weights = grid.arrivals_human[qi]
        # conversion factor of the answering mix per interval, weighted by contacts
        mix = np.where(total > 0, (heads + vendor_weighted) / np.where(total > 0, total, 1), 1.0)
        factor = float(np.sum(mix * weights) / weights.sum()) if weights.sum() > 0 else 1.0
        revenue += answered * factor * rate * value + float(grid.bot_handled[qi].sum()) * rate * value
        lost_to_vendor += answered * (1 - factor) * rate * value
    return {"presales_revenue": revenue, "revenue_lost_to_vendor_conversion": lost_to_vendor}
