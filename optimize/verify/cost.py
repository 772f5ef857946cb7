"""summary.json recomputed: every cost figure by the cost rules of docs/plan-files.md, and the
per-queue service figures weighted by contacts, from the plan's own files."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from plan.optimize.verify.coverage import RecomputedCoverage
from plan.optimize.verify.findings import Violation
from plan.contracts.plan_files import COST_KEYS, NOT_WORKING, PlanFiles
from plan.optimize.verify.calendar_rules import event_days

SUMMARY = "summary.json"
MONEY_TOLERANCE = 0.01
RELATIVE = 1e-6


def overtime_premium(plan: PlanFiles, kind: str) -> float:
    rules = plan.workforce.labour_rules
    return {"workday": rules.overtime_premium_workday, "rest_day": rules.overtime_premium_rest_day,
            "holiday": rules.overtime_premium_holiday}.get(kind, rules.overtime_premium_workday)


def overtime_cost(plan: PlanFiles) -> float:
    """Overtime hours × monthly salary / standard hours of the contract × premium of the kind."""
    agents = {a.id: a for a in plan.workforce.in_house}
    total = 0.0
    for row in plan.roster.itertuples(index=False):
        agent = agents.get(row.id)
        if agent is None or row.overtime_hours == 0:
            continue
        hourly = agent.monthly_salary / plan.workforce.contracts[agent.contract].standard_hours_month
        total += row.overtime_hours * hourly * overtime_premium(plan, row.overtime_kind)
    return total


def part_time_cost(plan: PlanFiles) -> float:
    rates = {p.id: p.hourly_rate for p in plan.workforce.part_time}
    roster = plan.roster
    paid = roster[roster["id"].isin(rates) & ~roster["shift_code"].isin(NOT_WORKING)]
    # astype: mapping an empty string column keeps its string dtype under pandas 3
    return float((paid["paid_hours"].astype(float) * paid["id"].map(rates).astype(float)).sum())


def vendor_cost_by_vendor(plan: PlanFiles) -> dict[str, float]:
    """Seat-hours priced at the normal or event-day price; a shortfall below the monthly
    commitment is paid as a top-up at the normal price."""
    seats = plan.vendor_seats
    hours_per_interval = plan.workforce.site.interval_minutes / 60
    days = plan.days
    on_event = pd.Series(event_days(plan.events, days), index=days)
    out = {}
    for vendor in plan.workforce.vendors:
        mine = seats[seats["vendor"] == vendor.id]
        event = on_event.reindex(mine["interval_start"].dt.normalize(), fill_value=False).to_numpy()
        seat_hours = mine["seats"].to_numpy(dtype=float) * hours_per_interval
        event_price = vendor.event_price_per_seat_hour or vendor.price_per_seat_hour
        bought = (seat_hours[~event].sum() * vendor.price_per_seat_hour + seat_hours[event].sum() * event_price)
        top_up = max(0.0, vendor.min_monthly_seat_hours - seat_hours.sum()) * vendor.price_per_seat_hour
        out[vendor.id] = float(bought + top_up)
    return out


def bot_cost(plan: PlanFiles) -> float:
    bot = plan.workforce.bot
    if bot is None:
        return 0.0
    sessions = float(plan.coverage["bot_handled"].fillna(0.0).sum())
    return sessions * bot.price_per_session + bot.monthly_fee


def recompute_cost(plan: PlanFiles, recomputed: RecomputedCoverage) -> dict[str, float]:
    penalty = plan.workforce.costs.shortfall_penalty_per_contact
    cost = {
        "in_house": float(sum(a.monthly_salary for a in plan.workforce.in_house)),
        "overtime": overtime_cost(plan),
        "part_time": part_time_cost(plan),
        "vendor": float(sum(vendor_cost_by_vendor(plan).values())),
        "bot": bot_cost(plan),
        "shortfall_penalty": float(np.nansum(recomputed.shortfall_contacts)) * penalty,
    }
    cost["total"] = float(sum(cost.values()))
    return {key: cost[key] for key in COST_KEYS}


def recompute_service(plan: PlanFiles, recomputed: RecomputedCoverage) -> dict[str, dict[str, float]]:
    """Per queue: contacts (arrivals left for humans), service level and abandonment weighted by
    those contacts, ASA weighted by the contacts answered (it is a mean over answered contacts)."""
    coverage = plan.coverage
    out = {}
    for name in plan.workforce.queues:
        mask = (coverage["queue"] == name).to_numpy()
        contacts = np.nan_to_num(coverage["arrivals_human"].to_numpy(dtype=float)[mask])
        answered = np.nan_to_num(recomputed.answered[mask])
        total = contacts.sum()

        def weighted(values: np.ndarray, weights: np.ndarray) -> float:
            ok = ~np.isnan(values)
            weight = weights[ok].sum()
            return float((values[ok] * weights[ok]).sum() / weight) if weight > 0 else float("nan")

        out[name] = {"asa_s": weighted(recomputed.asa_s[mask], answered),
                     "service_level": weighted(recomputed.service_level[mask], contacts),
                     "abandon_rate": weighted(recomputed.abandon_rate[mask], contacts),
                     "contacts": float(total)}
    return out


def check_summary(plan: PlanFiles, cost: dict[str, float],
                  service: dict[str, dict[str, float]]) -> Iterator[Violation]:
    reported_cost = plan.summary["cost"]
    for key in COST_KEYS:
        if abs(float(reported_cost[key]) - cost[key]) > MONEY_TOLERANCE:
            yield Violation(SUMMARY, None, "cost_mismatch", f"cost.{key}",
                            f"reported {float(reported_cost[key]):,.2f} but the cost rules give {cost[key]:,.2f}")
    reported_service = plan.summary["service"]
    for queue, figures in service.items():
        mine = reported_service.get(queue)
        if not isinstance(mine, dict):
            yield Violation(SUMMARY, None, "service_missing", f"service.{queue}", "no service figures for the queue")
            continue
        for key, value in figures.items():
            if key not in mine:
                if key == "contacts":
                    continue  # optional in docs/plan-files.md
                yield Violation(SUMMARY, None, "service_missing", f"service.{queue}.{key}", "missing")
                continue
            theirs = mine[key]
            if theirs is not None and not isinstance(theirs, (int, float)):
                yield Violation(SUMMARY, None, "service_mismatch", f"service.{queue}.{key}",
                                f"reported {theirs!r}, not a number")
                continue
            if theirs is None and not np.isfinite(value):
                continue  # JSON has no infinity: a figure without a finite value is written null
            theirs = float("nan") if theirs is None else float(theirs)
            if (np.isnan(theirs) and np.isnan(value)) or (np.isinf(theirs) and theirs == value):
                continue
            if not abs(theirs - value) <= 1e-9 + RELATIVE * max(abs(theirs), abs(value)):
                yield Violation(SUMMARY, None, "service_mismatch", f"service.{queue}.{key}",
                                f"reported {theirs:.6g} but the recomputed coverage gives {value:.6g}")
