"""``plan reroster``: a published plan re-planned from a day on, with the fewest changes that pay.

1. **the parent**: the published plan directory (:func:`read_parent`): its files, its inputs and the
   raw workforce mapping, which gets the new absences and leave as leave (:func:`replanned_workforce`);
2. **the re-plan**: :func:`plan.optimize.roster.plan_month` with the window starting at ``from_day``,
   every in-house day before it pinned exactly as published (the pins seam), the published pins
   from it on, the parent's carried-in state, and the published roster as the reference whose every
   changed person-day is priced inside the solvers (:mod:`plan.optimize.roster.replan`);
3. **the month's tables**: the days before ``from_day`` are the parent's rows (in-house, part-time,
   vendor seats), the rest the re-plan's; coverage, service, cost, fairness and unanswered breaks are
   computed for the whole month from those tables (:func:`evaluate_tables`), so the new plan stands on
   its own before ``plan verify`` re-checks it;
4. **the guard**: the published plan with the days away taken off (:func:`left_alone`) is evaluated
   the same way; when the re-plan costs more and serves no better, that plan is kept instead;
5. **the changes**: every person-day whose shift (code, start or end) differs from the parent's, with
   the reason, the cost it moves and the day's service effect (:func:`changes_table`).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.pins import REST, CarryIn, Pin, read_carry_in, read_pins
from plan.contracts.plan_files import NOT_WORKING, PlanFiles, read_plan, roster_as_written
from plan.contracts.replan import ABSENCE, LEAVE, Absence, check_absences
from plan.contracts.workforce import Workforce, parse_workforce
from plan.contracts.yaml_file import read_yaml
from plan.optimize.cost_rules import hourly_rate, overtime_premium
from plan.optimize.roster import extract
from plan.optimize.roster.breaks import unanswered_breaks
from plan.optimize.roster.fairness import fairness_table
from plan.optimize.roster.instance import Instance, build_instance
from plan.optimize.roster.pins import next_month_summary
from plan.optimize.roster.plan import RosterPlan, plan_month
from plan.optimize.roster.replan import PublishedTables, Reference, change_cost
from plan.optimize.roster.row_presence import add_row_presence, off_template
from plan.optimize.staffing.requirements import requirements_table

# Seconds of --time-limit the command spends beyond what plan_month's own overhead covers: the month
# evaluated twice (re-planned, and left alone), the workbook and chart, and the independent check
# (the sample's share on a two-core machine, profiled); the solvers get the limit less this.
AFTER_PLAN_S = 25.0
CHANGE_COLUMNS = ["agent_id", "name", "type", "date", "from_shift", "to_shift", "reason", "cost_delta_yuan",
                  "change_price", "day_late_contacts_delta"]


@dataclass
class Parent:
    """The published plan: its files, the raw workforce mapping it was made with, its pins and
    carried-in state, and its version."""
    files: PlanFiles
    workforce_data: dict
    pins: list[Pin]
    carry_in: list[CarryIn] | None
    version: int

    @property
    def directory(self) -> Path:
        return self.files.directory

    @property
    def days(self) -> list[dt.date]:
        return [d.date() for d in self.files.days]


def version_of(summary: dict) -> int:
    """The plan's version number (summary.json ``version``: a number or ``vN``; none: 1)."""
    version = summary.get("version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        return int(version)
    match = re.fullmatch(r"\s*v?(\d+)\s*", str(version or ""))
    return int(match.group(1)) if match else 1


def default_out(plan_dir: Path, version: int) -> Path:
    """``<plan>-v2`` next to the plan (``<plan>-v3`` for a v2 named so)."""
    stem = re.sub(r"-v\d+$", "", plan_dir.name)
    return plan_dir.with_name(f"{stem}-v{version + 1}")


def read_parent(plan_dir: str | Path) -> Parent:
    """The published plan directory, every file read and shape-checked (one line when it is not a plan)."""
    plan_dir = Path(plan_dir)
    if not plan_dir.is_dir():
        raise InputError(plan_dir, "plan directory not found (PLAN_DIR wants a directory written by plan roster)")
    if not (plan_dir / "summary.json").exists() or not (plan_dir / "roster.csv").exists():
        raise InputError(plan_dir, "not a plan directory (no summary.json and roster.csv: PLAN_DIR wants a directory "
                                   "written by plan roster)")
    files = read_plan(plan_dir, requirements_table)
    if files.requirements is None:
        raise InputError(plan_dir / "inputs", "the plan carries neither requirements.csv nor forecast.csv; "
                                              "re-planning needs the demand it was made for")
    workforce_path = next(p for p in (plan_dir / "inputs" / "workforce.yaml", plan_dir / "inputs" / "workforce.yml")
                          if p.exists())
    pins_path, carry_path = plan_dir / "inputs" / "pins.csv", plan_dir / "inputs" / "carry_in.csv"
    return Parent(files, read_yaml(workforce_path), read_pins(pins_path) if pins_path.exists() else [],
                  read_carry_in(carry_path) if carry_path.exists() else None, version_of(files.summary))


def check_from_day(parent: Parent, from_day: dt.date) -> None:
    days = parent.days
    if not days[0] <= from_day <= days[-1]:
        raise InputError("command line", f"--from {from_day:%Y-%m-%d} is outside the plan's month "
                                          f"({days[0]:%Y-%m-%d}..{days[-1]:%Y-%m-%d})", field="--from")


def replanned_workforce(parent: Parent, absences: list[Absence]) -> tuple[dict, Workforce]:
    """The parent's workforce mapping with each absence's days added to the person's leave."""
    data = dict(parent.workforce_data)
    people = [dict(agent) for agent in data.get("in_house", [])]
    away = defaultdict(set)
    for absence in absences:
        away[absence.agent_id].update(absence.days())
    for agent in people:
        extra = away.get(str(agent.get("id")))
        if extra:
            known = {dt.date.fromisoformat(str(d)) for d in agent.get("leave") or []}
            agent["leave"] = [f"{d:%Y-%m-%d}" for d in sorted(known | extra)]
    data["in_house"] = people
    return data, parse_workforce(data, parent.directory / "inputs" / "workforce.yaml")


def _in_house_rows(roster: pd.DataFrame) -> pd.DataFrame:
    return roster[roster["type"] == "in_house"]


def replan_pins(parent: Parent, from_day: dt.date, workforce: Workforce) -> tuple[list[Pin], list[str]]:
    """Every in-house day worked before ``from_day`` pinned as published, and the parent's own pins
    from it on (those on a day now on leave dropped, with a note each)."""
    rows = _in_house_rows(parent.files.roster)
    worked = rows[(rows["date"] < pd.Timestamp(from_day)) & ~rows["shift_code"].isin(NOT_WORKING)]
    pins = [Pin(r.id, r.date.date(), r.shift_code) for r in worked.itertuples(index=False)]
    leave = {(a.id, day) for a in workforce.in_house for day in a.leave}
    notes = []
    for pin in parent.pins:
        if pin.date < from_day:
            continue
        if (pin.agent_id, pin.date) in leave:
            notes.append(f"{pin}: dropped, the person is away that day")
            continue
        pins.append(Pin(pin.agent_id, pin.date, pin.shift_code))
    return pins, notes


def reference_of(parent: Parent, from_day: dt.date, workforce: Workforce, priced: bool = True,
                 left_alone: PublishedTables | None = None) -> Reference:
    rows = _in_house_rows(parent.files.roster)
    ahead = rows[(rows["date"] >= pd.Timestamp(from_day)) & ~rows["shift_code"].isin(NOT_WORKING)]
    kept_off = frozenset((p.agent_id, p.date) for p in parent.pins if p.shift_code == REST)
    return Reference({(r.id, r.date.date()): r.shift_code for r in ahead.itertuples(index=False)},
                     workforce.replan, kept_off, priced, left_alone)


def replan_requirements(parent: Parent, from_day: dt.date, new: pd.DataFrame | None) -> pd.DataFrame:
    """The parent's requirements, those from ``from_day`` on replaced by ``new`` when given."""
    old = parent.files.requirements
    if new is None:
        return old
    cut = pd.Timestamp(from_day)
    new = new.assign(interval_start=pd.to_datetime(new["interval_start"]))
    columns = [c for c in old.columns if c in new.columns]
    return pd.concat([old[old["interval_start"] < cut][columns], new[new["interval_start"] >= cut][columns]],
                     ignore_index=True)


# ---------------------------------------------------------------- the month's tables from the files

def _minutes(stamp: pd.Timestamp, day: pd.Timestamp) -> int:
    return int(round((stamp - day) / pd.Timedelta(minutes=1)))


def in_house_keys(inst: Instance, roster: pd.DataFrame) -> dict[tuple[int, int], tuple[int, int, int]]:
    """roster.csv's in-house shifts as (agent, day) → (shift, break variant, queue) of ``inst``."""
    agents = {a.id: i for i, a in enumerate(inst.workforce.in_house)}
    codes = {s.code: i for i, s in enumerate(inst.workforce.shifts)}
    variant = {(v.shift, ";".join(f"{extract._hhmm(b0)}-{extract._hhmm(b1)}" for b0, b1 in v.breaks)): i
               for i, v in enumerate(inst.variants)}
    first = pd.Timestamp(inst.days[0])
    out = {}
    rows = _in_house_rows(roster)
    for r in rows[~rows["shift_code"].isin(NOT_WORKING)].itertuples(index=False):
        s = codes[r.shift_code]
        v = variant.get((s, r.breaks), inst.variants_of_shift[s][0])
        out[(agents[r.id], (pd.Timestamp(r.date) - first).days)] = (s, v, inst.queues.index(r.queue))
    return out


def part_time_keys(inst: Instance, roster: pd.DataFrame) -> dict[tuple[int, int], tuple[int, int, int]]:
    """roster.csv's part-time blocks as (part-timer, day) → (group, block, queue) of ``inst``."""
    people = {p.id: i for i, p in enumerate(inst.workforce.part_time)}
    group_of = {p: h for h, grp in enumerate(inst.pt_groups) for p in grp.members}
    first = pd.Timestamp(inst.days[0])
    out = {}
    rows = roster[(roster["type"] == "part_time") & ~roster["shift_code"].isin(NOT_WORKING)]
    for r in rows.itertuples(index=False):
        p, d = people[r.id], (pd.Timestamp(r.date) - first).days
        day = pd.Timestamp(r.date)
        start = _minutes(pd.Timestamp(r.start), day) // inst.interval_min
        length = _minutes(pd.Timestamp(r.end), pd.Timestamp(r.start)) // inst.interval_min
        h = group_of[p]
        b = next((i for i, block in enumerate(inst.pt_groups[h].blocks[d]) if (block.start, block.length) == (start, length)),
                 None)
        if b is not None:  # else a block called in the same day: counted from its times (row_presence)
            out[(p, d)] = (h, b, inst.queues.index(r.queue))
    return out


def seat_keys(inst: Instance, seats: pd.DataFrame) -> dict[tuple[int, int, int], int]:
    vendors = {v.id: i for i, v in enumerate(inst.workforce.vendors)}
    first = pd.Timestamp(inst.days[0])
    out = {}
    for r in seats.itertuples(index=False):
        t = _minutes(pd.Timestamp(r.interval_start), first) // inst.interval_min
        out[(vendors[r.vendor], inst.queues.index(r.queue), t)] = int(r.seats)
    return out


def published_tables(inst: Instance, roster: pd.DataFrame, seats: pd.DataFrame) -> PublishedTables:
    """``roster`` and ``seats`` (file form) on ``inst``'s indices: where a re-plan's search starts."""
    return PublishedTables(in_house_keys(inst, roster), part_time_keys(inst, roster), seat_keys(inst, seats))


@dataclass
class Evaluation:
    """A month's tables priced and served on one instance (its demand)."""
    cost: dict
    service: dict
    coverage: pd.DataFrame
    late_by_day: np.ndarray                      # late contacts per day, all queues
    ih: dict = field(repr=False, default_factory=dict)
    pt: dict = field(repr=False, default_factory=dict)
    seats: dict = field(repr=False, default_factory=dict)


def numeric_roster(roster: pd.DataFrame) -> pd.DataFrame:
    out = roster.copy()
    for column in ("paid_hours", "overtime_hours"):
        out[column] = pd.to_numeric(out[column].replace("", np.nan), errors="coerce").fillna(0.0)
    return out


def evaluate_tables(inst: Instance, roster: pd.DataFrame, seats: pd.DataFrame) -> Evaluation:
    """Coverage, service and cost of ``roster`` and ``seats`` on ``inst``'s demand (the cost rules
    and service functions every plan's figures come from); rows a same-day re-plan took off their
    templates count by their own times."""
    roster = numeric_roster(roster)
    ih, pt, seat = in_house_keys(inst, roster), part_time_keys(inst, roster), seat_keys(inst, seats)
    irregular = off_template(inst, roster)
    regular = roster[~irregular]
    staffed = extract.staffed_arrays(inst, in_house_keys(inst, regular), part_time_keys(inst, regular), seat)
    add_row_presence(inst, roster[irregular], staffed)
    service = extract.service_arrays(inst, staffed["effective"])
    late = service["shortfall_contacts"].sum(axis=0).reshape(inst.n_days, inst.per_day).sum(axis=1)
    return Evaluation(extract.costs(inst, roster, seat, service), extract.service_summary(inst, service),
                      extract.coverage_table(inst, staffed, service), late, ih, pt, seat)


def _text_date(frame: pd.DataFrame) -> pd.Series:
    dates = frame["date"]
    return dates.dt.strftime("%Y-%m-%d") if pd.api.types.is_datetime64_any_dtype(dates) else dates.astype(str)


def written_roster(files: PlanFiles) -> pd.DataFrame:
    """The parent's roster.csv rows as the roster writes them (text dates and times)."""
    return roster_as_written(files.roster)


def written_seats(files: PlanFiles) -> pd.DataFrame:
    seats = files.vendor_seats.drop(columns=["line"]).copy()
    seats["interval_start"] = seats["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    seats["seats"] = seats["seats"].astype(int)
    return seats


def spliced(before: pd.DataFrame, after: pd.DataFrame, from_text: str, column: str) -> pd.DataFrame:
    """``before``'s rows earlier than ``from_text`` and ``after``'s from it on (one table)."""
    keep = before[before[column].astype(str) < from_text]
    new = after[after[column].astype(str) >= from_text]
    return pd.concat([keep, new], ignore_index=True)


def order_like(roster: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """``roster``'s rows in ``model``'s order of (id, date)."""
    position = {key: i for i, key in enumerate(zip(model["id"], _text_date(model)))}
    order = [position.get(key, len(position)) for key in zip(roster["id"], _text_date(roster))]
    return roster.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def trim_part_time_week(roster: pd.DataFrame, workforce: Workforce, from_day: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """Part-timers' blocks from ``from_day`` on in the calendar week it falls in, beyond what the
    week's blocks before it leave of the weekly cap, taken off (the latest first). The re-plan's
    part-time model sees each week from ``from_day`` on only (a known limit), so the carried hours
    are kept here, before the plan's figures are computed."""
    monday = from_day - dt.timedelta(days=from_day.weekday())
    if monday == from_day:
        return roster, []
    out, notes = roster.copy(), []
    dates = pd.to_datetime(_text_date(out)).dt.date
    hours = pd.to_numeric(out["paid_hours"].replace("", np.nan), errors="coerce").fillna(0.0)
    cap_of = {p.id: min(p.max_hours_week, workforce.labour_rules.part_time_max_h_week) for p in workforce.part_time}
    for person, cap in cap_of.items():
        mine = (out["type"] == "part_time").to_numpy() & (out["id"] == person).to_numpy()
        week = mine & (dates >= monday).to_numpy() & (dates < monday + dt.timedelta(days=7)).to_numpy()
        total = float(hours[week].sum())
        for i in sorted(np.flatnonzero(week & (dates >= from_day).to_numpy()), key=lambda i: dates.iloc[i], reverse=True):
            if total <= cap + 1e-9:
                break
            if hours.iloc[i] > 0:
                total -= float(hours.iloc[i])
                notes.append(f"{person} {dates.iloc[i]:%Y-%m-%d}: part-time block dropped, the week's blocks before "
                             f"--from leave no room for it (max {cap:g} h a week)")
                out.iloc[i, out.columns.get_indexer(["shift_code", "shift_name", "start", "end", "breaks", "queue"])] = \
                    ["REST", "rest", "", "", "", ""]
                out.iloc[i, out.columns.get_indexer(["paid_hours"])] = 0.0
    return out, notes


# ---------------------------------------------------------------- the changes

def _slot(row) -> tuple[str, str, str]:
    return (row.shift_code, str(row.start or ""), str(row.end or ""))


def _label(row) -> str:
    if row.shift_code in NOT_WORKING:
        return row.shift_code
    return f"{row.shift_code} {str(row.start)[11:16]}-{str(row.end)[11:16]}"


def _row_cost(workforce: Workforce, row) -> float:
    """What the row costs beyond salaries: overtime at its premium, or part-time pay."""
    if row.type == "part_time":
        rate = {p.id: p.hourly_rate for p in workforce.part_time}.get(row.id, 0.0)
        return float(row.paid_hours) * rate
    if not float(row.overtime_hours):
        return 0.0
    agent = next(a for a in workforce.in_house if a.id == row.id)
    rate = hourly_rate(agent.monthly_salary, workforce.contracts[agent.contract].standard_hours_month)
    return float(row.overtime_hours) * rate * overtime_premium(workforce.labour_rules, row.overtime_kind)


def changes_table(inst: Instance, before: pd.DataFrame, after: pd.DataFrame, absences: list[Absence],
                  forecast_changed: bool, late_delta_by_day: np.ndarray) -> pd.DataFrame:
    """Every person-day whose shift code, start or end differs between ``before`` and ``after``
    (both whole-month roster tables), with why, the cost it moves (overtime or part-time pay), the
    re-plan's price of the change and the day's change in late contacts (all queues; the same for
    every row of that day: it is the day's, not the row's)."""
    workforce = inst.workforce
    before, after = numeric_roster(before), numeric_roster(after)
    old = {(r.id, r.date): r for r in before.assign(date=_text_date(before)).itertuples(index=False)}
    away = {(a.agent_id, f"{day:%Y-%m-%d}"): a.kind for a in absences for day in a.days()}
    absence_days = {day for _, day in away}
    first = inst.days[0]
    rows = []
    for new in after.assign(date=_text_date(after)).itertuples(index=False):
        published = old.get((new.id, new.date))
        if published is None or _slot(published) == _slot(new):
            continue
        d = (dt.date.fromisoformat(new.date) - first).days
        if (new.id, new.date) in away:
            reason = away[(new.id, new.date)]
        elif new.date in absence_days and new.shift_code not in NOT_WORKING:
            reason = "absence cover"
        elif forecast_changed:
            reason = "forecast change"
        else:
            reason = "rebalance"
        price = 0.0
        if reason not in (ABSENCE, LEAVE):
            # a part-timer's day without a block is not a rest day the law gives: no rest-day factor
            price = change_cost(inst.workforce.replan, d - inst.first_day,
                                rest_taken=new.type == "in_house" and published.shift_code in NOT_WORKING)
        rows.append({"agent_id": new.id, "name": new.name, "type": new.type, "date": new.date,
                     "from_shift": _label(published), "to_shift": _label(new), "reason": reason,
                     "cost_delta_yuan": round(_row_cost(workforce, new) - _row_cost(workforce, published), 2),
                     "change_price": round(price, 2),
                     "day_late_contacts_delta": round(float(late_delta_by_day[d]), 2)})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def left_alone(roster: pd.DataFrame, absences: list[Absence]) -> pd.DataFrame:
    """The published roster if nobody re-planned: each absent person-day off (LEAVE), the rest as published."""
    out = roster.copy()
    away = {(a.agent_id, f"{day:%Y-%m-%d}") for a in absences for day in a.days()}
    hit = np.array([(i, d) in away for i, d in zip(out["id"], _text_date(out))], dtype=bool)
    out.loc[hit, ["shift_code", "shift_name", "start", "end", "breaks", "queue", "overtime_kind", "queue_moves"]] = \
        ["LEAVE", "leave", "", "", "", "", "", ""]
    out.loc[hit, ["paid_hours", "overtime_hours"]] = 0.0
    return out


# ---------------------------------------------------------------- the whole re-plan

@dataclass
class Rerostered:
    plan: RosterPlan                 # the month's tables (past from the parent) and summary
    changes: pd.DataFrame
    totals: dict
    workforce_data: dict             # the parent's workforce mapping with the new leave
    requirements: pd.DataFrame       # the whole month's demand the plan is checked against
    pins: list[Pin]
    carry_in: list[CarryIn] | None
    notes: list[str]


def _window(values: np.ndarray, from_index: int) -> float:
    return round(float(values[from_index:].sum()), 1)


def reroster(parent: Parent, from_day: dt.date, absences: list[Absence], *, new_requirements: pd.DataFrame | None = None,
             time_limit_s: float = 60.0, seed: int = 0, progress=None, started: float | None = None,
             num_workers: int | None = None, minimal_change: bool = True) -> Rerostered:
    """Re-plan ``parent`` from ``from_day`` with ``absences`` (and a new demand from it on).
    ``minimal_change=False``: the rest of the month planned afresh (the past pinned, no reference:
    what the benchmark compares the number of changes with)."""
    check_from_day(parent, from_day)
    check_absences(parent.files.workforce, parent.days, from_day, absences)
    data, workforce = replanned_workforce(parent, absences)
    pins, notes = replan_pins(parent, from_day, workforce)
    requirements = replan_requirements(parent, from_day, new_requirements)
    month = str(parent.files.month)
    whole = build_instance(workforce, requirements, month, parent.files.events)
    published = written_roster(parent.files)
    alone_roster, alone_seats = left_alone(published, absences), written_seats(parent.files)
    reference = reference_of(parent, from_day, workforce, priced=minimal_change,
                             left_alone=published_tables(whole, alone_roster, alone_seats))
    extra = {} if num_workers is None else {"num_workers": num_workers}
    solved = plan_month(workforce, requirements, month, events=parent.files.events,
                        time_limit_s=max(1.0, time_limit_s - AFTER_PLAN_S),
                        seed=seed, progress=progress, pins=pins, carry_in=parent.carry_in, first_day=from_day,
                        started=started, reference=reference, **extra)
    from_text = f"{from_day:%Y-%m-%d}"
    roster = order_like(spliced(published, solved.roster, from_text, "date"), solved.roster)
    roster, trimmed = trim_part_time_week(roster, workforce, from_day)
    notes += trimmed
    seats = spliced(written_seats(parent.files), solved.vendor_seats, from_text, "interval_start")
    whole.reference = reference
    whole.first_day = (from_day - whole.days[0]).days
    now = evaluate_tables(whole, roster, seats)
    alone = evaluate_tables(whole, alone_roster, alone_seats)
    chosen = "re-plan"
    if minimal_change and alone.cost["total"] < now.cost["total"] - 0.005 and now.late_by_day[whole.first_day:].sum() \
            >= alone.late_by_day[whole.first_day:].sum() - 1e-6:
        # the solvers' plan costs more and serves no better than leaving the published plan as it is
        # (a short budget may buy seats less well than the published plan's longer one): keep that
        roster, seats, now, chosen = alone_roster, alone_seats, alone, "published, the days away taken off"
        notes.append("the re-plan cost more and served no better than the published plan with the days away taken "
                     "off: that plan is kept")
    changes = changes_table(whole, published, roster, absences, new_requirements is not None,
                            now.late_by_day - alone.late_by_day)
    summary = dict(solved.summary)
    weights_rest_h = parent.files.workforce.soft_rules.quick_return_min_rest_h
    summary.update({
        "cost": now.cost, "service": now.service,
        "fairness": fairness_table(whole, {k: s for k, (s, _, _) in now.ih.items()},
                                   {k: q for k, (_, _, q) in now.ih.items()}, weights_rest_h),
        "breaks": {"unanswered": unanswered_breaks(whole, now.ih, now.pt, now.seats)},
        "version": parent.version + 1})
    summary["month_edges"] = {**summary.get("month_edges", {}), "next_month": next_month_summary(whole, roster)}
    if "intraday" in parent.files.summary:
        # a same-day re-plan's moved shift ends and bot-first hours stay in the days kept: say so
        summary["intraday"] = parent.files.summary["intraday"]
    shortfalls = solved.summary.get("shortfalls", []) if chosen == "re-plan" else parent.files.summary.get("shortfalls", [])
    summary["shortfalls"] = [s for s in shortfalls if str(s.get("intervals", "")) >= from_text]
    index = whole.first_day
    totals = {"person_days_changed": int(len(changes)),
              "person_days_changed_in_house": int((changes["type"] == "in_house").sum()),
              "absent_person_days": int(changes["reason"].isin([ABSENCE, LEAVE]).sum()),
              "change_price": round(float(changes["change_price"].sum()), 2),
              "cost_published": parent.files.summary["cost"]["total"], "cost_left_alone": alone.cost["total"],
              "cost_replanned": now.cost["total"],
              "late_contacts_from_published": _window(parent_late_by_day(parent, whole), index),
              "late_contacts_from_left_alone": _window(alone.late_by_day, index),
              "late_contacts_from_replanned": _window(now.late_by_day, index)}
    summary["replan"] = {"parent": None, "parent_version": parent.version, "from": from_text, "chosen": chosen,
                         "minimal_change": minimal_change,
                         "absences": [{"agent_id": a.agent_id, "first": f"{a.first:%Y-%m-%d}",
                                       "last": f"{a.last:%Y-%m-%d}", "kind": a.kind} for a in absences],
                         "forecast_changed": new_requirements is not None, "costs": workforce.replan.model_dump(),
                         "totals": totals, "notes": notes}
    plan = RosterPlan(roster, seats, now.coverage, summary, solved.instance, solved.timings)
    return Rerostered(plan, changes, totals, data, requirements, pins, parent.carry_in, notes)


def parent_late_by_day(parent: Parent, inst: Instance) -> np.ndarray:
    """Late contacts per day of the published coverage.csv (the published plan on its own demand)."""
    coverage = parent.files.coverage
    day = ((coverage["interval_start"] - pd.Timestamp(inst.days[0])) / pd.Timedelta(days=1)).astype(int)
    late = coverage.groupby(day)["shortfall_contacts"].sum()
    return np.array([float(late.get(d, 0.0)) for d in range(inst.n_days)])


def write_rerostered(result: Rerostered, parent: Parent, folder: Path, out: Path) -> None:
    """The re-plan's files into the empty staging ``folder`` of the plan directory ``out``: the plan
    files with their inputs (the workforce with the new leave, the whole month's requirements, the
    pins the re-plan kept, the parent's carried-in state) and changes.csv; summary.json names the
    parent relative to ``out``."""
    import os

    import yaml

    from plan.contracts.outputs import write_csv
    from plan.contracts.pins import carry_in_table, pins_table
    from plan.contracts.plan_files import write_plan_files

    result.plan.summary["replan"]["parent"] = os.path.relpath(parent.directory.resolve(), out.resolve())
    workforce_copy = folder.parent / f".{out.name}.workforce.yaml"
    try:
        workforce_copy.write_text(yaml.safe_dump(result.workforce_data, allow_unicode=True, sort_keys=False),
                                  encoding="utf-8")
        write_plan_files(result.plan, folder, inputs={
            "workforce": workforce_copy, "events": parent.files.events, "requirements": result.requirements,
            "pins": pins_table(result.pins),
            "carry_in": carry_in_table(result.carry_in) if result.carry_in is not None else None})
    finally:
        workforce_copy.unlink(missing_ok=True)
    write_csv(result.changes, folder / "changes.csv")
