"""Pins and the carried-in state: the seam re-planning builds on (docs/plan-files.md).

* A :class:`Pin` fixes one in-house person's day to a shift template or to ``REST``. Pins may fall
  anywhere in the planned month: before the window's first day they state what already happened
  (a re-plan pins the published days before it), inside it they are wishes the plan must keep.
* A :class:`CarryIn` is one person's legal state just before the month's first day: consecutive
  days worked up to it, when the last shift ended, regular hours already worked in the calendar
  week (Mon-Sun) the month starts in. A window that starts later in the month carries its state
  through the pinned days before it, which the month's rules see like any other day.

Files (CSV, TSV or Parquet, read through :func:`plan.contracts.tables.read_table`)::

    pins.csv      agent_id,date,shift_code              E1,2026-02-10,A   E2,2026-02-11,REST
    carry_in.csv  agent_id,consecutive_days_worked,last_shift_end,hours_this_week
                  E1,6,2026-01-31 24:00,40

    carry_in.csv columns: agent_id (an in-house agent); consecutive_days_worked (whole days worked
    in a row up to the month's first day, 0 if the day before was a rest day); last_shift_end (when
    the last shift before the month ended, ``YYYY-MM-DD HH:MM``, 24:00 allowed; blank: long enough
    ago); hours_this_week (regular hours, overtime left out, already worked in the calendar week
    Mon-Sun the month starts in; blank or 0 when the month starts on a Monday).

The readers check the files' shape; :func:`check_pins` and :func:`check_carry_in` check them
against the workforce and the month, once, and name the offending pin (file and line when read
from a file). Both apply to in-house agents: part-timers' blocks are not pinned here.
:func:`known_carry_in` sets aside, with a warning, states of people not in the team (someone who
left), and :func:`carry_in_from_plan` derives the state from the previous month's published plan
directory (its roster.csv), so that ``plan roster --previous DIR`` keeps the rules across the edge.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.tables import FIRST_DATA_LINE, parse_numbers, read_table, require_columns
from plan.contracts.workforce import Workforce

REST = "REST"
PIN_COLUMNS = ["agent_id", "date", "shift_code"]
CARRY_IN_COLUMNS = ["agent_id", "consecutive_days_worked", "last_shift_end", "hours_this_week"]


@dataclass(frozen=True)
class Pin:
    """``agent_id`` works ``shift_code`` (a template code, or ``REST``) on ``date``."""
    agent_id: str
    date: dt.date
    shift_code: str
    source: str | None = None   # the file it was read from, for error messages
    line: int | None = None

    def __str__(self) -> str:
        return f"pin {self.agent_id} {self.date:%Y-%m-%d} {self.shift_code}"

    def error(self, problem: str, field: str) -> InputError:
        return InputError(self.source or "pins", f"{self}: {problem}", row=self.line, field=field)


@dataclass(frozen=True)
class CarryIn:
    """One in-house person's state just before the month: ``consecutive_days_worked`` up to its
    first day, ``last_shift_end`` (None: unknown, taken as long enough ago), and the regular
    ``hours_this_week`` worked in the calendar week the month starts in, before it."""
    agent_id: str
    consecutive_days_worked: int = 0
    last_shift_end: dt.datetime | None = None
    hours_this_week: float = 0.0
    source: str | None = None
    line: int | None = None

    def error(self, problem: str, field: str) -> InputError:
        return InputError(self.source or "carry_in", f"carry-in of {self.agent_id}: {problem}", row=self.line,
                          field=field)


# ---------------------------------------------------------------- files

def _text(raw: pd.DataFrame, column: str, path: Path) -> pd.Series:
    text = raw[column].astype(str).str.strip()
    empty = (text == "").to_numpy()
    if empty.any():
        raise InputError(path, "empty value", row=int(np.argmax(empty)) + FIRST_DATA_LINE, field=column)
    return text


def _parse_date(text: str, path: Path, row: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(path, f"not a date in YYYY-MM-DD form: {text!r}", row=row, field="date") from None


def _parse_end(text: str, path: Path, row: int) -> dt.datetime | None:
    """``YYYY-MM-DD HH:MM``, with 24:00 as the next day's 00:00 (how the shift templates write an
    end at midnight); blank for unknown."""
    if not text:
        return None
    day, _, clock = text.partition(" ")
    try:
        date = dt.date.fromisoformat(day)
        hours, minutes = (int(p) for p in clock.split(":"))
        if not (0 <= hours <= 24 and 0 <= minutes < 60 and (hours < 24 or minutes == 0)):
            raise ValueError
    except ValueError:
        raise InputError(path, f"not a date/time in YYYY-MM-DD HH:MM form: {text!r}", row=row,
                         field="last_shift_end") from None
    return dt.datetime.combine(date, dt.time()) + dt.timedelta(hours=hours, minutes=minutes)


def read_pins(path: str | Path) -> list[Pin]:
    """Read ``agent_id,date,shift_code``; one pin per person and day."""
    path = Path(path)
    raw = read_table(path)
    require_columns(raw, path, PIN_COLUMNS)
    ids, dates, codes = (_text(raw, c, path) for c in PIN_COLUMNS)
    pins = [Pin(agent, _parse_date(date, path, i + FIRST_DATA_LINE), code.upper() if code.upper() == REST else code,
                str(path), i + FIRST_DATA_LINE)
            for i, (agent, date, code) in enumerate(zip(ids, dates, codes))]
    return pins


def read_carry_in(path: str | Path) -> list[CarryIn]:
    """Read ``agent_id,consecutive_days_worked,last_shift_end,hours_this_week`` (the last two may be
    blank: unknown end, no hours)."""
    path = Path(path)
    raw = read_table(path)
    require_columns(raw, path, CARRY_IN_COLUMNS)
    ids = _text(raw, "agent_id", path)
    days = parse_numbers(raw, "consecutive_days_worked", path, integer=True)
    week_h = np.nan_to_num(parse_numbers(raw, "hours_this_week", path, allow_blank=True), nan=0.0)
    ends = raw["last_shift_end"].astype(str).str.strip()
    return [CarryIn(agent, int(n), _parse_end(end, path, i + FIRST_DATA_LINE), float(h), str(path),
                    i + FIRST_DATA_LINE)
            for i, (agent, n, end, h) in enumerate(zip(ids, days, ends, week_h))]


def pins_table(pins: list[Pin]) -> pd.DataFrame:
    """The pins as ``pins.csv`` writes them (a plan directory's ``inputs/pins.csv``)."""
    return pd.DataFrame({"agent_id": [p.agent_id for p in pins], "date": [p.date.isoformat() for p in pins],
                         "shift_code": [p.shift_code for p in pins]}, columns=PIN_COLUMNS)


def _end_text(end: dt.datetime | None) -> str:
    return "" if end is None else end.strftime("%Y-%m-%d %H:%M")


def carry_in_table(carry: list[CarryIn]) -> pd.DataFrame:
    """The carried-in state as ``carry_in.csv`` writes it."""
    return pd.DataFrame({"agent_id": [c.agent_id for c in carry],
                         "consecutive_days_worked": [c.consecutive_days_worked for c in carry],
                         "last_shift_end": [_end_text(c.last_shift_end) for c in carry],
                         "hours_this_week": [c.hours_this_week for c in carry]}, columns=CARRY_IN_COLUMNS)


# ---------------------------------------------------------------- against the workforce and the month

def _in_house(workforce: Workforce, agent_id: str, error) -> None:
    if agent_id in {p.id for p in workforce.part_time}:
        raise error("is a part-timer; pins and carried-in state apply to in-house agents", "agent_id")
    if agent_id not in {a.id for a in workforce.in_house}:
        raise error("unknown agent (not an in-house agent of the workforce config)", "agent_id")


def check_pins(workforce: Workforce, days: list[dt.date], pins: list[Pin]) -> None:
    """Every pin names an in-house agent, a day of the month ``days``, a shift template the agent's
    contract allows (or REST), a day the agent is not on leave, and no person-day twice."""
    agents = {a.id: a for a in workforce.in_house}
    shifts = {s.code: s for s in workforce.shifts}
    seen: dict[tuple[str, dt.date], Pin] = {}
    for pin in pins:
        _in_house(workforce, pin.agent_id, pin.error)
        if not days[0] <= pin.date <= days[-1]:
            raise pin.error(f"date outside the month planned ({days[0]:%Y-%m-%d}..{days[-1]:%Y-%m-%d})", "date")
        agent = agents[pin.agent_id]
        if pin.shift_code != REST:
            shift = shifts.get(pin.shift_code)
            if shift is None:
                raise pin.error(f"unknown shift code (templates: {', '.join(shifts)}; or {REST})", "shift_code")
            cap = workforce.contracts[agent.contract].max_hours_day
            if shift.paid_hours > cap + 1e-9:
                raise pin.error(f"{shift.code} is {shift.paid_hours:g} h paid, longer than the {agent.contract} "
                                f"contract's {cap:g} h a day", "shift_code")
        if pin.date in set(agent.leave):
            raise pin.error(f"{pin.agent_id} is on leave that day", "date")
        key = (pin.agent_id, pin.date)
        if key in seen:
            raise pin.error(f"a second pin for the same person and day (first: {seen[key]})", "date")
        seen[key] = pin


def known_carry_in(workforce: Workforce, carry: list[CarryIn]) -> tuple[list[CarryIn], list[str]]:
    """The states of the team's in-house agents, and one warning line per state set aside (an
    unknown id or a part-timer: carried-in state applies to in-house agents)."""
    in_house = {a.id for a in workforce.in_house}
    part_time = {p.id for p in workforce.part_time}
    kept, warnings = [], []
    for state in carry:
        if state.agent_id in in_house:
            kept.append(state)
            continue
        why = "a part-timer (carried-in state applies to in-house agents)" if state.agent_id in part_time \
            else "not an in-house agent of the workforce config"
        place = f"{state.source}:{state.line}" if state.source and state.line else (state.source or "carry_in")
        warnings.append(f"{place}: agent_id: {state.agent_id} is {why}; its carried-in state is ignored")
    return kept, warnings


def check_carry_in(workforce: Workforce, days: list[dt.date], carry: list[CarryIn]) -> None:
    """Each carried-in state names an in-house agent once, with an end before the month's first day
    is over (a shift that starts in the month belongs to the plan: pin it) and no hours in a week
    that has no day before the month."""
    seen = set()
    first = dt.datetime.combine(days[0], dt.time())
    for state in carry:
        _in_house(workforce, state.agent_id, state.error)
        if state.agent_id in seen:
            raise state.error("listed twice", "agent_id")
        seen.add(state.agent_id)
        if state.consecutive_days_worked < 0:
            raise state.error("consecutive_days_worked must be >= 0", "consecutive_days_worked")
        if state.last_shift_end is not None and state.last_shift_end > first + dt.timedelta(days=1):
            raise state.error(f"last shift ends {state.last_shift_end:%Y-%m-%d %H:%M}, after the month's first day; "
                              f"a shift starting in the month belongs to the plan (pin it)", "last_shift_end")
        if not 0 <= state.hours_this_week <= 24 * 7:
            raise state.error(f"hours_this_week {state.hours_this_week:g} outside 0..168", "hours_this_week")
        if state.hours_this_week > 0 and days[0].weekday() == 0:
            raise state.error(f"hours_this_week {state.hours_this_week:g}, but {days[0]:%Y-%m-%d} is a Monday: its "
                              f"week has no day before the month", "hours_this_week")


# ---------------------------------------------------------------- from the previous month's plan

def _month_before(days: list[dt.date]) -> str:
    return f"{days[0] - dt.timedelta(days=1):%Y-%m}"


def carry_in_from_roster(roster: pd.DataFrame, next_first_day: dt.date, source: str | None = None) -> list[CarryIn]:
    """Each in-house person's state at the end of a month's roster (roster.csv's rows, read by
    :func:`plan.contracts.plan_files.read_roster` or as written) as the month starting
    ``next_first_day`` inherits it: the run of working days up to its last day, the end of the
    last shift, and the regular hours (paid less overtime) worked in the calendar week still open."""
    rows = roster[roster["type"] == "in_house"]
    dates = pd.to_datetime(rows["date"]).dt.date
    working = ~rows["shift_code"].isin(["REST", "LEAVE"]).to_numpy()
    ends = pd.to_datetime(rows["end"], errors="coerce")
    regular = (pd.to_numeric(rows["paid_hours"], errors="coerce").fillna(0.0)
               - pd.to_numeric(rows["overtime_hours"], errors="coerce").fillna(0.0))
    week_start = next_first_day - dt.timedelta(days=next_first_day.weekday())
    out = []
    for person in dict.fromkeys(rows["id"]):
        mine = (rows["id"] == person).to_numpy()
        worked_days = set(dates[mine & working])
        run, day = 0, next_first_day - dt.timedelta(days=1)
        while day in worked_days:
            run, day = run + 1, day - dt.timedelta(days=1)
        person_ends = ends[mine & working].dropna()
        last_end = person_ends.max().to_pydatetime() if len(person_ends) else None
        in_week = mine & working & (dates >= week_start).to_numpy() & (dates < next_first_day).to_numpy()
        out.append(CarryIn(person, run, last_end, round(float(regular[in_week].sum()), 4), source))
    return out


def carry_in_from_plan(plan_dir: str | Path, days: list[dt.date]) -> list[CarryIn]:
    """The carried-in state for the month ``days`` from the published plan directory of the month
    before it (its summary.json says which month it plans, its roster.csv what was worked)."""
    from plan.contracts.plan_files import read_roster, read_summary

    plan_dir = Path(plan_dir)
    if not plan_dir.is_dir():
        raise InputError(plan_dir, "plan directory not found (--previous wants the plan directory of the month "
                                   "before, e.g. out/roster-" + _month_before(days) + ")")
    summary = read_summary(plan_dir / "summary.json")
    expected = _month_before(days)
    if str(summary["month"]) != expected:
        raise InputError(plan_dir / "summary.json", f"a plan of {summary['month']}, not of {expected}, the month "
                                                    f"before {days[0]:%Y-%m}", field="month")
    roster_path = plan_dir / "roster.csv"
    if not roster_path.exists():
        raise InputError(roster_path, "file not found")
    roster = read_roster(roster_path)
    roster["date"] = roster["date"].dt.strftime("%Y-%m-%d")
    outside = ~roster["date"].str.startswith(expected)
    if outside.any():
        row = roster[outside].iloc[0]
        raise InputError(roster_path, f"date {row['date']} is outside {expected}", row=int(row["line"]), field="date")
    return carry_in_from_roster(roster, days[0], str(roster_path))
