"""The annual capacity plan: in-house headcount per month against vendor seats, part-timers and bot.

A small mixed-integer programme (the project's linear layer, :mod:`plan.optimize.linear`) over the 12 months of a year at
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
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from ortools.linear_solver.python import model_builder as mb
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plan.contracts.errors import InputError
from plan.contracts.workforce import WEEKDAYS, Workforce, minutes_of
from plan.optimize import linear
from plan.optimize.cost_rules import bot_month_cost, seat_hour_price

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


@dataclass(frozen=True)
class _YearInputs:
    """What the year's model reads: demand per day and queue, and the team's prices and capacities."""
    workforce: Workforce
    config: CapacityConfig
    demand: dict[str, Any]
    month_of: np.ndarray
    standard_h: float
    max_day_h: float
    salary: float
    start_heads: float
    pt_rate: float
    pt_skills: list[str]

    @property
    def queues(self) -> list[str]:
        return self.demand["queues"]

    @property
    def n_days(self) -> int:
        return len(self.demand["days"])

    def days_of(self, month: int) -> np.ndarray:
        return np.flatnonzero(self.month_of == month)

    @property
    def contacts_per_paid_hour(self) -> np.ndarray:
        paid = self.demand["paid_hours"]
        return np.divide(self.demand["contacts"], paid, out=np.zeros_like(paid), where=paid > 0)


@dataclass
class _YearModel:
    """The year's MIP and its named decision variables (expressions where a quantity is derived)."""
    model: mb.Model
    hires: list = field(default_factory=list)
    headcount: list = field(default_factory=list)
    productive: list = field(default_factory=list)
    in_house: dict = field(default_factory=dict)
    part_time: dict = field(default_factory=dict)
    seat_hours: dict = field(default_factory=dict)
    topups: dict = field(default_factory=dict)
    shortfall: dict = field(default_factory=dict)
    vendor_price: dict = field(default_factory=dict)


def plan_capacity(workforce: Workforce, requirements: pd.DataFrame, year: int,
                  config: CapacityConfig | None = None) -> CapacityPlan:
    """Solve the year; ``requirements`` must cover every day of ``year`` (docs/plan-files.md columns)."""
    config = config or CapacityConfig()
    inputs = _year_inputs(workforce, requirements, year, config)
    year_model = _YearModel(model=mb.Model())
    add_hiring(year_model, inputs)
    add_in_house_hours(year_model, inputs)
    add_part_time_hours(year_model, inputs)
    add_vendor_seats(year_model, inputs)
    add_demand_cover(year_model, inputs)
    set_annual_cost(year_model, inputs)
    solution = linear.solve(year_model.model, time_limit_s=config.time_limit_s)
    if not solution.found:
        raise RuntimeError(f"capacity model not solved (status {solution.status})")
    months = pd.DataFrame([_month_row(year_model, inputs, solution, year, m) for m in range(12)])
    cost = {k.removeprefix("cost_"): float(months[k].sum()) for k in months.columns if k.startswith("cost_")}
    notes = [f"daily resolution: in-house paid hours count at {config.in_house_utilisation:.0%} utilisation "
             f"(shift shape and skill split are not modelled); one in-house pool for all queues"]
    solver_info = {"status": solution.status, "objective": solution.objective, "best_bound": solution.bound,
                   "gap": abs(solution.objective - solution.bound) / max(1.0, abs(solution.objective)),
                   "seconds": round(solution.seconds, 3), "variables": year_model.model.num_variables,
                   "constraints": year_model.model.num_constraints}
    return CapacityPlan(year=year, months=months, answer=answer_sentence(months, workforce.site.currency), cost=cost,
                        solver=solver_info, config=config, notes=notes)


def _year_inputs(workforce: Workforce, requirements: pd.DataFrame, year: int, config: CapacityConfig) -> _YearInputs:
    demand = daily_demand(requirements, workforce, year)
    if demand["missing_days"]:
        first = demand["missing_days"][0]
        raise InputError("requirements", f"no requirements for {len(demand['missing_days'])} day(s) of {year}, "
                                         f"first {first:%Y-%m-%d}; forecast the whole year", field="interval_start")
    contracts = [workforce.contracts[a.contract] for a in workforce.in_house] or list(workforce.contracts.values())
    salary = config.salary_per_month or (float(np.mean([a.monthly_salary for a in workforce.in_house]))
                                         if workforce.in_house else 8000.0)
    return _YearInputs(
        workforce=workforce, config=config, demand=demand, month_of=demand["days"].month.to_numpy() - 1,
        standard_h=float(np.mean([c.standard_hours_month for c in contracts])),
        max_day_h=float(np.mean([c.max_hours_day for c in contracts])), salary=salary,
        start_heads=config.starting_headcount if config.starting_headcount is not None else len(workforce.in_house),
        pt_rate=float(np.mean([p.hourly_rate for p in workforce.part_time])) if workforce.part_time else 0.0,
        pt_skills=sorted({s for p in workforce.part_time for s in p.skills if s in demand["queues"]}))


def add_hiring(ym: _YearModel, inputs: _YearInputs) -> None:
    """Hires per month; headcount and productive FTE by cohort (attrition, lead time, ramp)."""
    config, lead, attrition = inputs.config, inputs.config.hiring_lead_months, inputs.config.monthly_attrition
    ym.hires = [ym.model.new_int_var(0, config.max_hires_per_month if m + lead < 12 else 0, f"hires_{m}")
                for m in range(12)]
    for m in range(12):
        survivors = inputs.start_heads * (1 - attrition) ** m
        cohorts = range(lead, m + 1)
        head = survivors + sum(ym.hires[s - lead] * (1 - attrition) ** (m - s) for s in cohorts)
        productive = survivors + sum(ym.hires[s - lead] * (1 - attrition) ** (m - s) * config.productivity(m - s)
                                     for s in cohorts)
        ym.headcount.append(head)
        ym.productive.append(productive)
        if cohorts:
            ym.model.add(head >= config.min_headcount)
    if config.end_headcount_at_least is not None and lead <= 11:
        ym.model.add(ym.headcount[11] >= config.end_headcount_at_least)


def add_in_house_hours(ym: _YearModel, inputs: _YearInputs) -> None:
    """In-house paid hours per day and queue, within the month's and the day's productive hours."""
    utilisation = inputs.config.in_house_utilisation
    for d in range(inputs.n_days):
        for q in range(len(inputs.queues)):
            ym.in_house[d, q] = ym.model.new_num_var(0, math.inf, f"ih_{d}_{q}")
    for m in range(12):
        days = inputs.days_of(m)
        ym.model.add(mb.LinearExpr.sum([ym.in_house[d, q] for d in days for q in range(len(inputs.queues))])
                     <= ym.productive[m] * inputs.standard_h * utilisation)
        for d in days:
            ym.model.add(mb.LinearExpr.sum([ym.in_house[d, q] for q in range(len(inputs.queues))])
                         <= ym.productive[m] * inputs.max_day_h * utilisation)


def add_part_time_hours(ym: _YearModel, inputs: _YearInputs) -> None:
    """Part-time hours per day and skill within the pool's daily caps and its weekly caps over a month."""
    pool, days = inputs.workforce.part_time, inputs.demand["days"]
    if not inputs.pt_skills:
        return
    for d in range(inputs.n_days):
        weekday, date = WEEKDAYS[days[d].weekday()], days[d].date()
        day_cap = sum(p.max_hours_day for p in pool
                      if any(weekday in w.days for w in p.availability) and date not in set(p.unavailable))
        for q in inputs.pt_skills:
            ym.part_time[d, q] = ym.model.new_num_var(0, math.inf, f"pt_{d}_{q}")
        ym.model.add(mb.LinearExpr.sum([ym.part_time[d, q] for q in inputs.pt_skills]) <= day_cap)
    week_cap = sum(p.max_hours_week for p in pool)
    for m in range(12):
        in_month = inputs.days_of(m)
        ym.model.add(mb.LinearExpr.sum([ym.part_time[d, q] for d in in_month for q in inputs.pt_skills])
                     <= week_cap * len(in_month) / 7)


def add_vendor_seats(ym: _YearModel, inputs: _YearInputs) -> None:
    """Vendor seat-hours per day within cap × opening hours; top-ups up to each monthly commitment."""
    for vendor in inputs.workforce.vendors:
        daily_cap = vendor.max_seats * _open_hours(vendor)
        skills = [s for s in vendor.skills if s in inputs.queues]
        price = seat_hour_price(vendor, inputs.demand["event"])
        for d in range(inputs.n_days):
            ym.vendor_price[vendor.id, d] = float(price[d])
            for q in skills:
                ym.seat_hours[vendor.id, d, q] = ym.model.new_num_var(0, math.inf, f"v_{vendor.id}_{d}_{q}")
            if skills:
                ym.model.add(mb.LinearExpr.sum([ym.seat_hours[vendor.id, d, q] for q in skills]) <= daily_cap)
        for m in range(12):
            ym.topups[vendor.id, m] = ym.model.new_num_var(0, math.inf, f"topup_{vendor.id}_{m}")
            bought = [ym.seat_hours[vendor.id, d, q] for d in inputs.days_of(m) for q in skills]
            ym.model.add(mb.LinearExpr.sum(bought) + ym.topups[vendor.id, m] >= vendor.min_monthly_seat_hours)


def add_demand_cover(ym: _YearModel, inputs: _YearInputs) -> None:
    """Each day's paid hours per queue are covered; what is not is shortfall (a vendor seat counts 1/aht_factor)."""
    vendors = inputs.workforce.vendors
    for d in range(inputs.n_days):
        for qi, q in enumerate(inputs.queues):
            need = inputs.demand["paid_hours"][qi, d]
            if need <= 0:
                continue
            ym.shortfall[d, qi] = ym.model.new_num_var(0, math.inf, f"short_{d}_{qi}")
            supply = [ym.in_house[d, qi], ym.shortfall[d, qi]]
            if q in inputs.pt_skills:
                supply.append(ym.part_time[d, q])
            supply += [ym.seat_hours[v.id, d, q] * (1 / v.aht_factor) for v in vendors if (v.id, d, q) in ym.seat_hours]
            ym.model.add(mb.LinearExpr.sum(supply) >= need)


def set_annual_cost(ym: _YearModel, inputs: _YearInputs) -> None:
    """Salaries on the whole headcount, hiring, part-time, vendor seats and top-ups, shortfall at its penalty."""
    penalty = inputs.workforce.costs.shortfall_penalty_per_contact
    per_hour = inputs.contacts_per_paid_hour
    terms = [inputs.salary * ym.headcount[m] + inputs.config.cost_per_hire * ym.hires[m] for m in range(12)]
    terms += [inputs.pt_rate * var for var in ym.part_time.values()]
    terms += [v.price_per_seat_hour * ym.topups[v.id, m] for v in inputs.workforce.vendors for m in range(12)]
    terms += [ym.vendor_price[vid, d] * var for (vid, d, q), var in ym.seat_hours.items()]
    terms += [penalty * per_hour[qi, d] * var for (d, qi), var in ym.shortfall.items()]
    ym.model.minimize(mb.LinearExpr.sum(terms))


def _month_row(ym: _YearModel, inputs: _YearInputs, solution: linear.Solution, year: int, m: int) -> dict[str, Any]:
    """One month of the solved plan: sourcing, headcount and the cost by kind."""
    workforce, config, demand = inputs.workforce, inputs.config, inputs.demand
    lead, in_month = config.hiring_lead_months, inputs.days_of(m)
    val = functools.partial(linear.value, solution)
    head, hired = val(ym.headcount[m]), val(ym.hires[m])
    starters = val(ym.hires[m - lead]) if m - lead >= 0 else 0.0
    part_time_h = sum(val(var) for (d, q), var in ym.part_time.items() if inputs.month_of[d] == m)
    seats = {v.id: sum(val(var) for (vid, d, q), var in ym.seat_hours.items() if vid == v.id and inputs.month_of[d] == m)
             for v in workforce.vendors}
    vendor_spend = sum(ym.vendor_price[vid, d] * val(var) for (vid, d, q), var in ym.seat_hours.items()
                       if inputs.month_of[d] == m)
    vendor_spend += sum(v.price_per_seat_hour * val(ym.topups[v.id, m]) for v in workforce.vendors)
    short = [(val(var), inputs.contacts_per_paid_hour[qi, d]) for (d, qi), var in ym.shortfall.items()
             if inputs.month_of[d] == m]
    short_contacts = sum(hours * per_hour for hours, per_hour in short)
    bot_contacts = float(demand["bot_contacts"][:, in_month].sum())
    required = float(demand["paid_hours"][:, in_month].sum())
    row = {"month": f"{year}-{m + 1:02d}", "event_days": int(demand["event"][in_month].sum()),
           "contacts": float(demand["arrivals"][:, in_month].sum()), "bot_contacts": bot_contacts,
           "required_paid_hours": required, "required_fte": required / inputs.standard_h,
           "hires_decided": round(hired), "starters": round(starters), "headcount": head,
           "productive_fte": val(ym.productive[m]),
           "in_house_paid_hours": sum(val(ym.in_house[d, q]) for d in in_month for q in range(len(inputs.queues))),
           "part_time_hours": part_time_h}
    row.update({f"vendor_{vid}_seat_hours": hours for vid, hours in seats.items()})
    row.update({"vendor_seat_hours": sum(seats.values()),
                "vendor_commitment_hours": sum(v.min_monthly_seat_hours for v in workforce.vendors),
                "shortfall_paid_hours": sum(hours for hours, _ in short), "shortfall_contacts": short_contacts,
                "cost_salary": inputs.salary * head, "cost_hiring": config.cost_per_hire * hired,
                "cost_part_time": inputs.pt_rate * part_time_h, "cost_vendor": vendor_spend,
                "cost_bot": bot_month_cost(workforce.bot, bot_contacts),
                "cost_shortfall_penalty": workforce.costs.shortfall_penalty_per_contact * short_contacts})
    row["cost_total"] = sum(row[k] for k in ("cost_salary", "cost_hiring", "cost_part_time", "cost_vendor",
                                             "cost_bot", "cost_shortfall_penalty"))
    return row


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
