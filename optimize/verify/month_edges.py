"""The month's end, re-checked from roster.csv: what the next month inherits must leave it a legal start.

The roster keeps two rules where its month meets the next (docs/plan-files.md, "Month edges"):

* **a free start**: every in-house agent may work the next month's first day: no run of working
  days at the month's end reaches the consecutive-days limit K, and the month's last six days
  hold the weekly rest days (the 7-day window through the next month's first day);
* **the open week**: when the month ends inside a calendar week (Mon-Sun), a standard-contract
  agent's regular hours in its part of that week are at most the weekly limit ÷ 5 for each
  Monday-Friday day the part holds; hours beyond are this month's overtime, the rest of the week
  is the next month's.

The start of the month (rest after the shift carried in, the run carried in, the first week's hours)
is checked with ``inputs/carry_in.csv`` by :mod:`plan.optimize.verify.pins`. Each finding here is
one the month-only checks of :mod:`plan.optimize.verify.people` do not report.
"""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from plan.contracts.plan_files import NOT_WORKING, PlanFiles
from plan.optimize.verify.findings import Violation, hours

ROSTER = "roster.csv"
TOLERANCE_H = 1e-6
WEEKDAYS_PER_WEEK = 5   # the open week's allowance: the weekly limit over five working days


def _open_week(plan: PlanFiles) -> pd.DatetimeIndex:
    """The month's days in the calendar week it ends in, when the next month shares that week."""
    days = plan.days
    if days[-1].day_of_week == 6:
        return days[:0]
    return days[len(days) - 1 - days[-1].day_of_week:]


def open_week_allowance_h(weekly_limit_h: float, days_in_month: int) -> float:
    return weekly_limit_h / WEEKDAYS_PER_WEEK * min(WEEKDAYS_PER_WEEK, days_in_month)


def check_free_start(plan: PlanFiles, agent, rows: pd.DataFrame) -> Iterator[Violation]:
    rules = plan.workforce.labour_rules
    working = set(rows.loc[~rows["shift_code"].isin(NOT_WORKING), "date"])
    days = plan.days
    run = 0
    while run < len(days) and days[len(days) - 1 - run] in working:
        run += 1
    last_six = days[-6:]
    rested = sum(day not in working for day in last_six)
    problems = []
    if run >= rules.max_consecutive_days:
        problems.append(f"ends the month on {run} working days in a row (the limit is "
                        f"{rules.max_consecutive_days})")
    if rested < rules.min_rest_days_per_week:
        problems.append(f"its last six days hold {rested} rest day(s) (the 7 days through "
                        f"{days[-1] + pd.Timedelta(days=1):%m-%d} need {rules.min_rest_days_per_week})")
    if problems:
        row = rows[rows["date"] == days[-1]]
        yield Violation(ROSTER, int(row["line"].iloc[0]) if len(row) else None, "month_end_start",
                        f"{agent.id} {agent.name} {days[-1]:%Y-%m-%d}",
                        f"{'; '.join(problems)}: the next month could not give a legal shift on its first day")


def check_open_week_hours(plan: PlanFiles, agent, rows: pd.DataFrame) -> Iterator[Violation]:
    contract = plan.workforce.contracts[agent.contract]
    week = _open_week(plan)
    if contract.system != "standard" or len(week) == 0:
        return
    work = rows[~rows["shift_code"].isin(NOT_WORKING) & rows["date"].isin(week)]
    regular = float((work["paid_hours"] - work["overtime_hours"]).sum())
    allowance = open_week_allowance_h(contract.max_hours_week, len(week))
    # over the full weekly limit is people.py's weekly_hours finding; between the two, it is this one
    if allowance + TOLERANCE_H < regular <= contract.max_hours_week + TOLERANCE_H:
        yield Violation(ROSTER, int(work["line"].iloc[0]), "open_week_hours",
                        f"{agent.id} {agent.name} week of {week[0]:%Y-%m-%d}",
                        f"{hours(regular)} regular hours in the month's part ({len(week)} day(s)) of the week the next "
                        f"month shares (max {hours(allowance)}: {hours(contract.max_hours_week)} ÷ "
                        f"{WEEKDAYS_PER_WEEK} per Monday-Friday day; the excess must be counted overtime)")


def check_month_end(plan: PlanFiles) -> Iterator[Violation]:
    by_person = {person: rows for person, rows in plan.roster.groupby("id", sort=False)}
    for agent in plan.workforce.in_house:
        rows = by_person.get(agent.id)
        if rows is None or rows.empty:
            continue  # missing rows are people.py's finding
        yield from check_free_start(plan, agent, rows)
        yield from check_open_week_hours(plan, agent, rows)
