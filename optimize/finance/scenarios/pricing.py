"""What a staffing of a month costs (the plan-file cost rules of docs/plan-files.md), the service
it delivers (the staffing service functions of :mod:`plan.optimize.queueing.service`) and its FTE-equivalents."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plan.contracts.workforce import Workforce
from plan.optimize.cost_rules import bot_month_cost, vendor_month_cost
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing
from plan.optimize.finance.scenarios.revenue import presales_revenue
from plan.optimize.staffing.requirements import agent_seconds_per_contact

COST_KEYS: tuple[str, ...] = ("in_house", "overtime", "part_time", "vendor", "bot", "shortfall_penalty")


def effective_agents(staffing: Staffing, workforce: Workforce, queues: tuple[str, ...]) -> np.ndarray:
    """Agents answering, per queue and interval: vendor seats count 1/aht_factor, then shrinkage."""
    heads = staffing.in_house + staffing.part_time
    for vendor in workforce.vendors:
        seats = staffing.vendor_seats.get(vendor.id)
        if seats is not None:
            heads = heads + seats / vendor.aht_factor
    keep = np.array([1 - workforce.queues[q].shrinkage for q in queues])[:, None]
    return heads * keep


def _answer_within_s(workforce: Workforce, queue: str, event: bool) -> float | None:
    q = workforce.queues[queue]
    targets = q.event_targets if (event and q.event_targets is not None) else q.targets
    return targets.answer_within_s if targets.answer_within_s is not None else q.targets.answer_within_s


def _resolve_within_h(workforce: Workforce, queue: str) -> float:
    q = workforce.queues[queue]
    return q.targets.resolve_within_h or (q.event_targets.resolve_within_h if q.event_targets else None) or 24.0


@dataclass(frozen=True)
class QueueService:
    """Service of one queue over the month."""
    contacts: float
    asa_s: float
    service_level: float
    abandon_rate: float
    shortfall_contacts: float


def queue_service(workforce: Workforce, grid: MonthGrid, effective: np.ndarray) -> dict[str, QueueService]:
    """Service achieved per queue over the month, from the staffing service functions."""
    from plan.optimize.queueing.service import email_backlog, queue_metrics

    out = {}
    for qi, name in enumerate(grid.queues):
        queue = workforce.queues[name]
        arrivals = grid.arrivals_human[qi]
        contacts = float(arrivals.sum())
        if queue.channel == "email":
            backlog = email_backlog(arrivals, grid.aht_s[qi], effective[qi], _resolve_within_h(workforce, name),
                                    interval_minutes=workforce.site.interval_minutes)
            late = float(np.sum(backlog.late_contacts))
            share = 1 - late / contacts if contacts > 0 else 1.0
            out[name] = QueueService(contacts=contacts, asa_s=float("nan"), service_level=share, abandon_rate=0.0,
                                     shortfall_contacts=late)
            continue
        within = answered = waited = abandoned = shortfall = 0.0
        for event in (False, True):
            mask = grid.event_day == event
            if not mask.any():
                continue
            threshold = _answer_within_s(workforce, name, event)
            metrics = queue_metrics(queue, arrivals[mask] / grid.interval_h, effective[qi, mask],
                                    answer_within_s=threshold, aht_s=grid.aht_s[qi, mask])
            arr = arrivals[mask]
            aband = np.nan_to_num(np.asarray(metrics.abandon_rate, dtype=float), nan=0.0) * arr
            ans = arr - aband
            abandoned += float(aband.sum())
            answered += float(ans.sum())
            waited += float(np.sum(np.nan_to_num(np.asarray(metrics.asa_s, dtype=float), nan=0.0) * ans))
            if threshold is not None:
                sl = np.clip(np.nan_to_num(np.asarray(metrics.service_level, dtype=float), nan=0.0), 0, 1)
                within += float(np.sum(sl * arr))
                shortfall += float(np.sum((1 - sl) * arr))
            else:
                within += float(ans.sum())
                shortfall += float(aband.sum())
        out[name] = QueueService(contacts=contacts, asa_s=waited / answered if answered > 0 else 0.0,
                                 service_level=within / contacts if contacts > 0 else 1.0,
                                 abandon_rate=abandoned / contacts if contacts > 0 else 0.0,
                                 shortfall_contacts=shortfall)
    return out


def vendor_cost(workforce: Workforce, grid: MonthGrid, vendor_seats: dict[str, np.ndarray]) -> float:
    """Every vendor's month: seat-hours at the (event-day) price plus the commitment top-up."""
    no_seats = np.zeros((1, len(grid.intervals)))
    return sum(vendor_month_cost(vendor, vendor_seats.get(vendor.id, no_seats).sum(axis=0) * grid.interval_h,
                                 grid.event_day) for vendor in workforce.vendors)


def bot_cost(workforce: Workforce, grid: MonthGrid) -> float:
    return bot_month_cost(workforce.bot, float(grid.bot_handled.sum()))


def standard_hours_month(workforce: Workforce) -> float:
    """Paid hours of one full-time equivalent per month (the in-house contracts' mean)."""
    if workforce.in_house:
        return float(np.mean([workforce.contracts[a.contract].standard_hours_month for a in workforce.in_house]))
    if workforce.contracts:
        return float(np.mean([c.standard_hours_month for c in workforce.contracts.values()]))
    return 166.64


@dataclass
class Pricing:
    """What a staffing of a month costs and delivers."""
    cost: dict[str, float]
    service: dict[str, QueueService]
    fte: dict[str, float]
    revenue: dict[str, float]


def price_staffing(staffing: Staffing, workforce: Workforce, grid: MonthGrid,
                   presales: tuple[str, ...] = ()) -> Pricing:
    """Cost by source (docs/plan-files.md cost rules), service per queue, FTE-equivalents, revenue."""
    effective = effective_agents(staffing, workforce, grid.queues)
    service = queue_service(workforce, grid, effective)
    shortfall = sum(s.shortfall_contacts for s in service.values())
    cost = {
        "in_house": float(sum(a.monthly_salary for a in workforce.in_house)),
        "overtime": staffing.overtime_cost,
        "part_time": staffing.part_time_cost,
        "vendor": vendor_cost(workforce, grid, staffing.vendor_seats),
        "bot": bot_cost(workforce, grid),
        "shortfall_penalty": shortfall * workforce.costs.shortfall_penalty_per_contact,
    }
    cost["total"] = sum(cost[k] for k in COST_KEYS)
    fte = fte_by_source(workforce, grid, staffing)
    return Pricing(cost=cost, service=service, fte=fte,
                   revenue=presales_revenue(workforce, grid, staffing, service, presales))


def bot_agent_hours(workforce: Workforce, grid: MonthGrid) -> float:
    """Agent-hours the bot's contained sessions would have taken people (chat concurrency counted)."""
    hours = 0.0
    for qi, name in enumerate(grid.queues):
        queue = workforce.queues[name]
        per_session_s = float(agent_seconds_per_contact(queue, queue.aht_s))
        hours += float(grid.bot_handled[qi].sum()) * per_session_s / 3600 / (1 - queue.shrinkage)
    return hours


def fte_by_source(workforce: Workforce, grid: MonthGrid, staffing: Staffing) -> dict[str, float]:
    """Full-time equivalents: paid hours / a contract's standard hours per month."""
    standard = standard_hours_month(workforce)
    vendor_hours = sum(float(s.sum()) for s in staffing.vendor_seats.values()) * grid.interval_h
    required_paid_h = float(np.sum(grid.required)) * grid.interval_h
    return {
        "in_house": float(len(workforce.in_house)),
        "part_time": staffing.part_time_hours / standard,
        "vendor": vendor_hours / standard,
        "bot": bot_agent_hours(workforce, grid) / standard,
        "required": required_paid_h / standard,
    }
