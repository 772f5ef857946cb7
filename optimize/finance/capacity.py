"""The annual capacity plan: in-house headcount per month against vendor seats, part-timers and bot.

A small mixed-integer programme (OR-Tools linear solver, SCIP) over the 12 months of a year at
daily resolution:

* demand — per day and queue, the paid agent-hours the staffing requirements ask for
  (``plan.optimize.staffing.requirements.requirements_table`` on the forecast of the year, every promotion in it;
  the bot's containment is already taken off);
* in-house — headcount dynamics by cohort: the starting team and each month's starters shrink by
  the monthly attrition; a hire decided in month m starts in month m + lead time and is
  productive at the ramp shares for its first months; salary is paid on the whole headcount and
  a cost per hire when hiring. Productive hours are capped per month (contract hours × a
  utilisation that stands for shift shape and skill split, which a monthly model cannot see) and
  per day (everyone at the daily maximum);
* vendors — seat-hours per day within cap × opening hours, at the (event-day) price, skills as
  configured, monthly commitments; a vendor seat counts 1 / aht_factor of an agent;
* part-timers — hours per day and month within the pool's caps at their hourly rate;
* shortfall — agent-hours not covered, priced at the penalty of the contacts they would answer.

The objective is the annual cost; headcount only falls through attrition (no lay-offs).
"""
from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plan.contracts.errors import InputError
from plan.contracts.workforce import WEEKDAYS, Workforce, minutes_of

MONTH_NAMES = tuple(calendar.month_abbr)[1:]


class CapacityConfig(BaseModel):
    """The ``capacity:`` section of the scenario file (all optional, defaults from the workforce)."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int | None = Field(None, ge=2000, le=2100)
    scenario: str | None = Field(None, description="plan the year under this scenario's overrides")
    starting_headcount: int | None = Field(None, ge=0, description="default: in-house agents in the workforce")
    hiring_lead_months: int = Field(1, ge=0, le=6, description="months from the hiring decision to the start")
    ramp: list[float] = Field([0.5, 0.8], description="productivity of a starter in its first months")
    monthly_attrition: float = Field(0.03, ge=0, lt=1)
    cost_per_hire: float = Field(6000, ge=0, description="recruiting and training cost per hire")
    salary_per_month: float | None = Field(None, gt=0, description="default: mean in-house monthly salary")
    max_hires_per_month: int = Field(30, ge=0)
    min_headcount: int = Field(0, ge=0)
    end_headcount_at_least: int | None = Field(None, ge=0, description="headcount wanted in December")
    in_house_utilisation: float = Field(0.85, gt=0, le=1, description="share of paid in-house hours that meet demand")
    time_limit_s: float = Field(60, gt=0)

    def productivity(self, months_since_start: int) -> float:
        return self.ramp[months_since_start] if months_since_start < len(self.ramp) else 1.0


def parse_capacity(data: dict | None, source: str = "<scenarios>") -> CapacityConfig:
    try:
        config = CapacityConfig.model_validate(data or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(source, err["msg"].removeprefix("Value error, "),
                         field="capacity." + ".".join(str(p) for p in err["loc"])) from None
    if any(not 0 <= share <= 1 for share in config.ramp):
        raise InputError(source, "ramp shares must be between 0 and 1", field="capacity.ramp")
    return config


@dataclass
class CapacityPlan:
    """The solved year: a month-by-month table, the answer in one sentence, solver figures."""
    year: int
    months: pd.DataFrame
    answer: str
    cost: dict[str, float]
    solver: dict[str, Any]
    config: CapacityConfig
    notes: list[str] = field(default_factory=list)


def daily_demand(requirements: pd.DataFrame, workforce: Workforce, year: int) -> dict[str, Any]:
    """Per day and queue: paid agent-hours required, human contacts, bot contacts, event flag."""
    interval_h = workforce.site.interval_minutes / 60
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    queues = list(workforce.queues)
    req = requirements.assign(day=pd.to_datetime(requirements["interval_start"]).dt.normalize())
    # agents_required counts heads to schedule (shrinkage already in), so these are paid hours
    req = req[req["day"].isin(days)]

    def per_day(column: str) -> np.ndarray:
        table = req.pivot_table(index="queue", columns="day", values=column, aggfunc="sum")
        return table.reindex(index=queues, columns=days).fillna(0.0).to_numpy(dtype=float)

    missing = list(days.difference(pd.DatetimeIndex(req["day"].unique())))
    event = (req.assign(event_day=req["event_day"].astype(bool)).groupby("day")["event_day"].any()
             .reindex(days, fill_value=False).to_numpy(dtype=bool)) if "event_day" in req else np.zeros(len(days), bool)
    return {"days": days, "queues": queues, "paid_hours": per_day("agents_required") * interval_h,
            "contacts": per_day("arrivals_human"), "bot_contacts": per_day("bot_handled"),
            "arrivals": per_day("arrivals"), "event": event, "missing_days": missing}


def _open_hours(vendor) -> float:
    start, end = minutes_of(vendor.hours[0]), minutes_of(vendor.hours[1])
    return ((end - start) % 1440 or 1440) / 60


def plan_capacity(workforce: Workforce, requirements: pd.DataFrame, year: int,
                  config: CapacityConfig | None = None) -> CapacityPlan:
    """Solve the year; ``requirements`` must cover every day of ``year`` (docs/plan-files.md columns)."""
    from ortools.linear_solver import pywraplp

    config = config or CapacityConfig()
    demand = daily_demand(requirements, workforce, year)
    if demand["missing_days"]:
        first = demand["missing_days"][0]
        raise InputError("requirements", f"no requirements for {len(demand['missing_days'])} day(s) of {year}, "
                                         f"first {first:%Y-%m-%d}; forecast the whole year", field="interval_start")
    days, queues = demand["days"], demand["queues"]
    month_of = days.month.to_numpy() - 1
    n_d, n_q = len(days), len(queues)
    contracts = [workforce.contracts[a.contract] for a in workforce.in_house] or list(workforce.contracts.values())
    standard_h = float(np.mean([c.standard_hours_month for c in contracts]))
    max_day_h = float(np.mean([c.max_hours_day for c in contracts]))
    salary = config.salary_per_month or (float(np.mean([a.monthly_salary for a in workforce.in_house]))
                                         if workforce.in_house else 8000.0)
    start_heads = config.starting_headcount if config.starting_headcount is not None else len(workforce.in_house)
    attrition, lead = config.monthly_attrition, config.hiring_lead_months
    penalty = workforce.costs.shortfall_penalty_per_contact

    solver = pywraplp.Solver.CreateSolver("SCIP") or pywraplp.Solver.CreateSolver("CBC")
    inf = solver.infinity()

    # Step 1: hiring decisions and the headcount / productive FTE they give, by cohort
    hires = [solver.IntVar(0, config.max_hires_per_month if m + lead < 12 else 0, f"hires_{m}") for m in range(12)]
    headcount, productive = [], []
    for m in range(12):
        survivors = start_heads * (1 - attrition) ** m
        head = survivors + sum(hires[s - lead] * (1 - attrition) ** (m - s) for s in range(lead, m + 1))
        prod = survivors + sum(hires[s - lead] * (1 - attrition) ** (m - s) * config.productivity(m - s)
                               for s in range(lead, m + 1))
        headcount.append(head)
        productive.append(prod)
        if not isinstance(head, (int, float)):
            solver.Add(head >= config.min_headcount)
    if config.end_headcount_at_least is not None and not isinstance(headcount[11], (int, float)):
        solver.Add(headcount[11] >= config.end_headcount_at_least)

    # Step 2: in-house paid hours per day and queue, within monthly and daily productive hours
    in_house = [[solver.NumVar(0, inf, f"ih_{d}_{q}") for q in range(n_q)] for d in range(n_d)]
    for m in range(12):
        in_month = np.flatnonzero(month_of == m)
        solver.Add(solver.Sum([in_house[d][q] for d in in_month for q in range(n_q)])
                   <= productive[m] * standard_h * config.in_house_utilisation)
        for d in in_month:
            solver.Add(solver.Sum([in_house[d][q] for q in range(n_q)])
                       <= productive[m] * max_day_h * config.in_house_utilisation)

    # Step 3: part-time hours within the pool's daily and monthly caps
    pt_skills = sorted({s for p in workforce.part_time for s in p.skills if s in queues})
    pt_rate = float(np.mean([p.hourly_rate for p in workforce.part_time])) if workforce.part_time else 0.0
    part_time = {}
    for d in range(n_d):
        weekday = WEEKDAYS[days[d].weekday()]
        cap = sum(p.max_hours_day for p in workforce.part_time
                  if any(weekday in w.days for w in p.availability) and days[d].date() not in set(p.unavailable))
        for q in pt_skills:
            part_time[d, q] = solver.NumVar(0, inf, f"pt_{d}_{q}")
        if pt_skills:
            solver.Add(solver.Sum([part_time[d, q] for q in pt_skills]) <= cap)
    if pt_skills:
        week_cap = sum(p.max_hours_week for p in workforce.part_time)
        for m in range(12):
            in_month = np.flatnonzero(month_of == m)
            solver.Add(solver.Sum([part_time[d, q] for d in in_month for q in pt_skills]) <= week_cap * len(in_month) / 7)

    # Step 4: vendor seat-hours within cap × opening hours, monthly commitment top-ups
    seat_hours, topups = {}, {}
    for vendor in workforce.vendors:
        daily_cap = vendor.max_seats * _open_hours(vendor)
        skills = [s for s in vendor.skills if s in queues]
        for d in range(n_d):
            for q in skills:
                seat_hours[vendor.id, d, q] = solver.NumVar(0, inf, f"v_{vendor.id}_{d}_{q}")
            if skills:
                solver.Add(solver.Sum([seat_hours[vendor.id, d, q] for q in skills]) <= daily_cap)
        for m in range(12):
            topups[vendor.id, m] = solver.NumVar(0, inf, f"topup_{vendor.id}_{m}")
            in_month = np.flatnonzero(month_of == m)
            solver.Add(solver.Sum([seat_hours[vendor.id, d, q] for d in in_month for q in skills]) + topups[vendor.id, m]
                       >= vendor.min_monthly_seat_hours)

    # Step 5: cover each day's demand, the rest is shortfall at the penalty of its contacts
    shortfall = {}
    for d in range(n_d):
        for qi, q in enumerate(queues):
            need = demand["paid_hours"][qi, d]
            if need <= 0:
                continue
            shortfall[d, qi] = solver.NumVar(0, inf, f"short_{d}_{qi}")
            supply = [in_house[d][qi], shortfall[d, qi]]
            if q in pt_skills:
                supply.append(part_time[d, q])
            supply += [seat_hours[vendor.id, d, q] * (1 / vendor.aht_factor) for vendor in workforce.vendors
                       if (vendor.id, d, q) in seat_hours]
            solver.Add(solver.Sum(supply) >= need)

    # Step 6: the annual cost
    vendor_price = {}
    terms = []
    for m in range(12):
        terms += [salary * headcount[m], config.cost_per_hire * hires[m]]
    terms += [pt_rate * var for var in part_time.values()]
    for vendor in workforce.vendors:
        event_price = vendor.event_price_per_seat_hour or vendor.price_per_seat_hour
        for d in range(n_d):
            vendor_price[vendor.id, d] = event_price if demand["event"][d] else vendor.price_per_seat_hour
        terms += [vendor.price_per_seat_hour * topups[vendor.id, m] for m in range(12)]
    terms += [vendor_price[vid, d] * var for (vid, d, q), var in seat_hours.items()]
    contacts_per_hour = np.divide(demand["contacts"], demand["paid_hours"], out=np.zeros_like(demand["contacts"]),
                                  where=demand["paid_hours"] > 0)
    terms += [penalty * contacts_per_hour[qi, d] * var for (d, qi), var in shortfall.items()]
    objective = solver.Sum(terms)
    solver.Minimize(objective)
    solver.SetTimeLimit(int(config.time_limit_s * 1000))
    solver.SetNumThreads(1)
    started = time.perf_counter()
    status = solver.Solve()
    seconds = time.perf_counter() - started
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        raise RuntimeError(f"capacity model not solved (status {status})")
    status_name = "OPTIMAL" if status == pywraplp.Solver.OPTIMAL else "FEASIBLE"
    best_bound = solver.Objective().BestBound()
    objective_value = solver.Objective().Value()

    # Step 7: the month-by-month table
    bot_fee = workforce.bot.monthly_fee if workforce.bot else 0.0
    bot_price = workforce.bot.price_per_session if workforce.bot else 0.0
    rows = []
    for m in range(12):
        in_month = np.flatnonzero(month_of == m)
        head = _evaluate(headcount[m])
        prod = _evaluate(productive[m])
        hired = hires[m].solution_value()
        starters = hires[m - lead].solution_value() if m - lead >= 0 else 0.0
        ih = sum(in_house[d][q].solution_value() for d in in_month for q in range(n_q))
        pt = sum(part_time[d, q].solution_value() for d in in_month for q in pt_skills)
        seats = {v.id: sum(var.solution_value() for (vid, d, q), var in seat_hours.items() if vid == v.id and month_of[d] == m)
                 for v in workforce.vendors}
        vendor_spend = sum(vendor_price[vid, d] * var.solution_value() for (vid, d, q), var in seat_hours.items()
                           if month_of[d] == m)
        vendor_spend += sum(v.price_per_seat_hour * topups[v.id, m].solution_value() for v in workforce.vendors)
        short_hours = sum(var.solution_value() for (d, qi), var in shortfall.items() if month_of[d] == m)
        short_contacts = sum(var.solution_value() * contacts_per_hour[qi, d] for (d, qi), var in shortfall.items()
                             if month_of[d] == m)
        bot_contacts = float(demand["bot_contacts"][:, in_month].sum())
        row = {"month": f"{year}-{m + 1:02d}", "event_days": int(demand["event"][in_month].sum()),
               "contacts": float(demand["arrivals"][:, in_month].sum()), "bot_contacts": bot_contacts,
               "required_paid_hours": float(demand["paid_hours"][:, in_month].sum()),
               "required_fte": float(demand["paid_hours"][:, in_month].sum()) / standard_h,
               "hires_decided": round(hired), "starters": round(starters), "headcount": head,
               "productive_fte": prod, "in_house_paid_hours": ih, "part_time_hours": pt}
        for vid, hours in seats.items():
            row[f"vendor_{vid}_seat_hours"] = hours
        row.update({"vendor_seat_hours": sum(seats.values()),
                    "vendor_commitment_hours": sum(v.min_monthly_seat_hours for v in workforce.vendors),
                    "shortfall_paid_hours": short_hours,
                    "shortfall_contacts": short_contacts,
                    "cost_salary": salary * head, "cost_hiring": config.cost_per_hire * hired,
                    "cost_part_time": pt_rate * pt, "cost_vendor": vendor_spend,
                    "cost_bot": bot_contacts * bot_price + bot_fee,
                    "cost_shortfall_penalty": penalty * short_contacts})
        row["cost_total"] = sum(row[k] for k in ("cost_salary", "cost_hiring", "cost_part_time", "cost_vendor",
                                                 "cost_bot", "cost_shortfall_penalty"))
        rows.append(row)
    months = pd.DataFrame(rows)
    cost = {k.removeprefix("cost_"): float(months[k].sum()) for k in months.columns if k.startswith("cost_")}
    answer = answer_sentence(months, workforce.site.currency)
    notes = [f"daily resolution: in-house paid hours count at {config.in_house_utilisation:.0%} utilisation "
             f"(shift shape and skill split are not modelled); one in-house pool for all queues"]
    solver_info = {"status": status_name, "objective": objective_value, "best_bound": best_bound,
                   "gap": abs(objective_value - best_bound) / max(1.0, abs(objective_value)),
                   "seconds": round(seconds, 3), "variables": solver.NumVariables(),
                   "constraints": solver.NumConstraints()}
    return CapacityPlan(year=year, months=months, answer=answer, cost=cost, solver=solver_info, config=config,
                        notes=notes)


def _evaluate(expr) -> float:
    """Value of a linear expression (or a number) in the solved model."""
    if isinstance(expr, (int, float)):
        return float(expr)
    return float(expr.solution_value())


def month_ranges(months: list[int]) -> str:
    """[4, 5, 9, 10] → 'May-June and October-November' (0-based months, consecutive runs joined)."""
    names = calendar.month_name
    runs: list[list[int]] = []
    for m in sorted(months):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts = [names[r[0] + 1] if len(r) == 1 else f"{names[r[0] + 1]}-{names[r[-1] + 1]}" for r in runs]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _when(months: list[int], preposition: str) -> str:
    if len(months) == 12:
        return "all year"
    if len(months) >= 8:
        return "all year except " + month_ranges([m for m in range(12) if m not in months])
    return f"{preposition} {month_ranges(months)}"


def answer_sentence(months: pd.DataFrame, currency: str = "CNY", material_share: float = 0.02) -> str:
    """The plan in one sentence, read off the solution (headcount, hires, months of vendors/part-time)."""
    heads = months["headcount"].to_numpy()
    first, last, low, high = (int(round(v)) for v in (heads[0], heads[-1], heads.min(), heads.max()))
    hiring = [(i, int(h)) for i, h in enumerate(months["hires_decided"]) if h > 0]
    hires = " (hire " + ", ".join(f"{h} in {MONTH_NAMES[i]}" for i, h in hiring) + ")" if hiring else ""
    if high - low <= 2:
        hold = f"hold {first} in-house" if low == high else f"hold about {round(heads.mean())} in-house"
        hold += hires or " (no hiring)"
    elif not hiring:
        hold = f"hold {first} in-house, no hiring, falling to {last} by attrition"
    else:
        hold = f"grow in-house from {first} to {high}{hires}"
        if last < high - 1:
            hold += f", {last} by December through attrition"
    demand = months["required_paid_hours"].to_numpy()
    committed = months["vendor_commitment_hours"].to_numpy() if "vendor_commitment_hours" in months else np.zeros(12)
    vendor_months = [i for i, v in enumerate(months["vendor_seat_hours"])
                     if v - committed[i] > material_share * demand[i]]
    pt_months = [i for i, v in enumerate(months["part_time_hours"]) if v > material_share * demand[i]]
    beyond = " beyond the monthly commitment" if committed.any() else ""
    parts = [hold, f"buy vendor seats{beyond} " + _when(vendor_months, "for") if vendor_months
             else f"buy no vendor seats{beyond}"]
    if pt_months:
        parts.append("use part-timers " + _when(pt_months, "in"))
    sentence = ", ".join(parts[:-1]) + " and " + parts[-1]
    sentence = sentence[0].upper() + sentence[1:]
    sentence += f"; the year costs {months['cost_total'].sum():,.0f} {currency}"
    short = months["shortfall_contacts"].sum()
    if short > 0.005 * months["contacts"].sum():
        sentence += f" with {short:,.0f} contacts below target"
    return sentence + "."
