"""Hard rules on people (docs/plan-files.md, docs/architecture.md), re-checked row by row from roster.csv.

One small function per rule. Conventions where the month edge hides information (documented in
docs/plan-files.md terms, chosen to never flag a plan for what it cannot know):

* the day before the month is unknown → assumed a rest day (rest between shifts and the
  consecutive-day count start fresh on day 1);
* a calendar week (Mon-Sun) cut by the month edge counts its out-of-month days as rest days, so a
  partial week of k days needs ``max(0, min_rest_days − (7 − k))`` rest days inside the month;
  weekly hour caps apply in full to the in-month part of such a week (the stricter share of the
  week the month ends in, and the carried-in state at its start, are checked by
  :mod:`plan.optimize.verify.month_edges` and :mod:`plan.optimize.verify.pins`);
* a day counts as a rest day when no shift *starts* on it (a night shift ending at 06:00 does not
  make the next day a working day; its hours count on its start date).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd

from plan.contracts.workforce import Availability, InHouseAgent, PartTimer, Shift, Workforce, minutes_of
from plan.optimize.verify.findings import Violation, hours
from plan.optimize.verify.calendar_rules import event_phase_pairs
from plan.contracts.plan_files import NOT_WORKING, PART_TIME_CODE, PlanFiles

ROSTER = "roster.csv"
TOLERANCE_H = 1e-6
OVERTIME_KINDS = ("workday", "rest_day", "holiday")


def _subject(row) -> str:
    return f"{row.id} {row.name} {row.date:%Y-%m-%d}"


def _v(row, rule: str, message: str) -> Violation:
    return Violation(ROSTER, int(row.line), rule, _subject(row), message)


def _is_working(row) -> bool:
    return row.shift_code not in NOT_WORKING


def _span_hours(row) -> float:
    return (row.end - row.start) / pd.Timedelta(hours=1)


def _break_hours(row) -> float:
    return sum((b - a) / pd.Timedelta(hours=1) for a, b in row.break_spans or [])


# --- the roster's shape: one row per person and day ---------------------------------------------

def check_roster_shape(plan: PlanFiles) -> Iterator[Violation]:
    roster = plan.roster
    people = {a.id: "in_house" for a in plan.workforce.in_house} | {p.id: "part_time" for p in plan.workforce.part_time}
    days = set(plan.days)
    for row in roster.itertuples(index=False):
        if row.id not in people:
            yield _v(row, "unknown_person", f"id {row.id!r} is not in the workforce config")
        elif row.type != people[row.id]:
            yield _v(row, "wrong_type", f"type {row.type!r}, the workforce config says {people[row.id]}")
        if row.date not in days:
            yield _v(row, "outside_month", f"date is outside the planned month {plan.month}")
    duplicated = roster.duplicated(["id", "date"], keep="first").to_numpy()
    for row in roster[duplicated].itertuples(index=False):
        yield _v(row, "duplicate_row", "second row for the same person and day")
    for person_id in people:
        have = set(roster.loc[roster["id"] == person_id, "date"])
        missing = sorted(days - have)
        if missing:
            yield Violation(ROSTER, None, "missing_row", person_id,
                            f"no row for {len(missing)} day(s) of {plan.month}, first {missing[0]:%Y-%m-%d}")


# --- rows: codes, templates, breaks, paid hours ---------------------------------------------------

def check_not_working_row(row) -> Iterator[Violation]:
    if not pd.isna(row.start) or not pd.isna(row.end) or row.breaks or row.queue or row.queue_moves:
        yield _v(row, "rest_row_not_empty", f"{row.shift_code} row has start/end/breaks/queue filled in")
    if abs(row.paid_hours) > TOLERANCE_H or abs(row.overtime_hours) > TOLERANCE_H:
        yield _v(row, "rest_row_paid", f"{row.shift_code} row has {hours(row.paid_hours)} paid, "
                                       f"{hours(row.overtime_hours)} overtime")


def check_times_present(row) -> bool:
    return not (pd.isna(row.start) or pd.isna(row.end) or row.break_spans is None)


def check_shift_template(row, shift: Shift, adjusted_from: pd.Timestamp | None = None) -> Iterator[Violation]:
    """Start and end equal the template's (a night shift ends on the next date), breaks of the
    template's length inside their windows. A same-day re-plan (``plan intraday``, summary.json
    ``intraday.first_now``) may move a shift's end, never before that moment nor its start."""
    expected_start = row.date + pd.Timedelta(minutes=shift.start_min)
    expected_end = expected_start + pd.Timedelta(minutes=shift.length_min)
    end_moved_later = (adjusted_from is not None and row.start == expected_start
                       and min(row.end, expected_end) >= adjusted_from and row.end > row.start)
    if row.start != expected_start or (row.end != expected_end and not end_moved_later):
        yield _v(row, "shift_times", f"{shift.code} runs {row.start:%m-%d %H:%M}-{row.end:%m-%d %H:%M}, "
                                     f"the template says {shift.start}-{shift.end}")
        return
    yield from check_breaks_in_windows(row, shift)


def _offset_min(clock_min: int, shift_start_min: int) -> int:
    """Minutes after the shift start at which a clock time next occurs."""
    return (clock_min - shift_start_min) % 1440


def check_breaks_in_windows(row, shift: Shift) -> Iterator[Violation]:
    spans = sorted(row.break_spans)
    if len(spans) != len(shift.breaks):
        yield _v(row, "break_count", f"{len(spans)} break(s), the {shift.code} template has {len(shift.breaks)}")
        return
    windows = sorted(shift.breaks, key=lambda b: _offset_min(minutes_of(b.window_start), shift.start_min))
    for (begin, end), meal in zip(spans, windows):
        length = (end - begin) / pd.Timedelta(minutes=1)
        shown = f"{begin:%H:%M}-{end:%H:%M}"
        if abs(length - meal.minutes) > 1e-9:
            yield _v(row, "break_length", f"break {shown} lasts {length:.0f} min, the template says {meal.minutes}")
        offset_begin = (begin - row.start) / pd.Timedelta(minutes=1)
        offset_end = (end - row.start) / pd.Timedelta(minutes=1)
        window_begin = _offset_min(minutes_of(meal.window_start), shift.start_min)
        window_end = window_begin + (minutes_of(meal.window_end) - minutes_of(meal.window_start)) % 1440
        if offset_begin < window_begin or offset_end > window_end or offset_end > shift.length_min:
            yield _v(row, "break_window", f"break {shown} is outside its window "
                                          f"{meal.window_start}-{meal.window_end}")
    for (_, first_end), (second_begin, _) in zip(spans, spans[1:]):
        if second_begin < first_end:
            yield _v(row, "break_overlap", "breaks overlap")


def check_template_validity(row, shift: Shift, contract: str, events: pd.DataFrame) -> Iterator[Violation]:
    """The template's ``valid`` rule holds on the row's date for the agent's contract."""
    rule = shift.valid
    day = row.date.normalize()
    pairs = event_phase_pairs(events, day) if rule.event_kinds or rule.event_phases else set()
    failed = []
    if rule.contracts and contract not in rule.contracts:
        failed.append(f"contracts {rule.contracts}")
    if rule.weekdays and ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.day_of_week] not in rule.weekdays:
        failed.append(f"weekdays {rule.weekdays}")
    if rule.dates and not any(pd.Timestamp(span.split("..")[0]) <= day <= pd.Timestamp(span.split("..")[-1])
                              for span in rule.dates):
        failed.append(f"dates {rule.dates}")
    if rule.event_kinds and not {kind for kind, _ in pairs} & set(rule.event_kinds):
        failed.append(f"event kinds {rule.event_kinds}")
    if rule.event_phases and not {phase for _, phase in pairs} & set(rule.event_phases):
        failed.append(f"event phases {rule.event_phases}")
    if failed:
        yield _v(row, "shift_validity", f"{shift.code} is worked outside its validity ({'; '.join(failed)})")


def check_paid_hours(row) -> Iterator[Violation]:
    expected = _span_hours(row) - _break_hours(row)
    if abs(row.paid_hours - expected) > TOLERANCE_H:
        yield _v(row, "paid_hours", f"paid_hours {row.paid_hours:g} but start-end minus breaks is {expected:g}")


def check_skill(row, skills: list[str], queues: dict) -> Iterator[Violation]:
    """The day's queue and every queue it moves to (``queue_moves``) are configured and the person's."""
    for queue in [row.queue, *(queue for _, queue in row.moves)]:
        if queue not in queues:
            yield _v(row, "unknown_queue", f"queue {queue!r} is not configured")
        elif queue not in skills:
            yield _v(row, "skill", f"works {queue} but has skills {', '.join(skills)}")


def check_queue_moves(row) -> Iterator[Violation]:
    """Each move inside the shift, later than the one before, to a queue other than the one left."""
    moments = [row.start, *(moment for moment, _ in row.moves), row.end]
    queues = [row.queue, *(queue for _, queue in row.moves)]
    if any(b <= a for a, b in zip(moments, moments[1:])):
        yield _v(row, "queue_moves", f"queue_moves {row.queue_moves!r} are not in order inside the shift "
                                     f"{row.start:%H:%M}-{row.end:%H:%M}")
    if any(a == b for a, b in zip(queues, queues[1:])):
        yield _v(row, "queue_moves", f"queue_moves {row.queue_moves!r} move to the queue already worked")


# --- in-house -------------------------------------------------------------------------------------

def check_overtime_row(row, system: str, holidays: set[dt.date]) -> Iterator[Violation]:
    """Overtime fields consistent, and the premium kind right for the day (PRC Labour Law art. 44:
    150% extended workday hours, 200% rest-day work without compensatory rest, 300% statutory
    holidays; the comprehensive system has no rest-day premium, only extended hours and holidays)."""
    ot, kind = row.overtime_hours, row.overtime_kind
    if ot < -TOLERANCE_H or ot > row.paid_hours + TOLERANCE_H:
        yield _v(row, "overtime_hours", f"overtime {hours(ot)} outside 0..paid {hours(row.paid_hours)}")
    if ot > TOLERANCE_H and kind not in OVERTIME_KINDS:
        yield _v(row, "overtime_kind", f"{hours(ot)} overtime with overtime_kind {kind!r} "
                                       f"(expected one of {', '.join(OVERTIME_KINDS)})")
        return
    if ot <= TOLERANCE_H and kind:
        yield _v(row, "overtime_kind", f"overtime_kind {kind!r} without overtime hours")
        return
    is_holiday = row.date.date() in holidays
    if is_holiday and _is_working(row) and (kind != "holiday" or abs(ot - row.paid_hours) > TOLERANCE_H):
        yield _v(row, "holiday_overtime", f"works {hours(row.paid_hours)} on a statutory holiday; all of it is "
                                          f"holiday overtime (found {hours(ot)} {kind or 'no overtime'})")
    elif kind == "holiday" and not is_holiday:
        yield _v(row, "overtime_kind", "overtime_kind holiday on a day that is not a statutory holiday")
    elif kind == "rest_day" and system == "comprehensive":
        yield _v(row, "overtime_kind", "rest_day premium under the comprehensive hours system (only workday "
                                       "extension and statutory holiday premiums apply)")


def intraday_from(plan: PlanFiles) -> pd.Timestamp | None:
    """The first same-day re-plan's moment, when the plan was changed by ``plan intraday``."""
    moment = (plan.summary.get("intraday") or {}).get("first_now")
    return pd.Timestamp(moment) if moment else None


def check_in_house_rows(plan: PlanFiles, agent: InHouseAgent, rows: pd.DataFrame,
                        holidays: set[dt.date]) -> Iterator[Violation]:
    workforce = plan.workforce
    shifts = {s.code: s for s in workforce.shifts}
    system = workforce.contracts[agent.contract].system
    leave = set(agent.leave)
    for row in rows.itertuples(index=False):
        on_leave = row.date.date() in leave
        if not _is_working(row):
            yield from check_not_working_row(row)
            if row.shift_code == "LEAVE" and not on_leave:
                yield _v(row, "leave_not_listed", "LEAVE on a day that is not in the person's leave list")
            continue
        if on_leave:
            yield _v(row, "work_on_leave", f"works {row.shift_code} on a leave day")
        shift = shifts.get(row.shift_code)
        if shift is None:
            yield _v(row, "unknown_shift", f"shift code {row.shift_code!r} is not a template "
                                           f"({', '.join(shifts)}, REST, LEAVE)")
            continue
        if not check_times_present(row):
            yield _v(row, "shift_times", f"{row.shift_code} row without start/end")
            continue
        yield from check_shift_template(row, shift, intraday_from(plan))
        yield from check_template_validity(row, shift, agent.contract, plan.events)
        yield from check_paid_hours(row)
        yield from check_skill(row, agent.skills, workforce.queues)
        yield from check_queue_moves(row)
        yield from check_overtime_row(row, system, holidays)


def calendar_weeks(days: pd.DatetimeIndex) -> Iterator[tuple[pd.Timestamp, pd.DatetimeIndex]]:
    """(Monday, in-month days of that Mon-Sun week) for every week the month touches."""
    mondays = days - pd.to_timedelta(days.day_of_week, unit="D")
    for monday in pd.unique(mondays):
        yield pd.Timestamp(monday), days[mondays == monday]


def check_contract_hours(plan: PlanFiles, agent: InHouseAgent, rows: pd.DataFrame) -> Iterator[Violation]:
    contract = plan.workforce.contracts[agent.contract]
    work = rows[~rows["shift_code"].isin(NOT_WORKING)]
    regular = work["paid_hours"] - work["overtime_hours"]
    if contract.system == "standard":
        for row, hours_regular in zip(work.itertuples(index=False), regular):
            if hours_regular > contract.max_hours_day + TOLERANCE_H:
                yield _v(row, "daily_hours", f"{hours(hours_regular)} regular hours in a day (max "
                                             f"{hours(contract.max_hours_day)}; the excess must be counted overtime)")
        for monday, week_days in calendar_weeks(plan.days):
            in_week = work["date"].isin(week_days).to_numpy()
            total = float(regular[in_week].sum())
            if total > contract.max_hours_week + TOLERANCE_H:
                first = work[in_week].iloc[0]
                yield Violation(ROSTER, int(first.line), "weekly_hours", f"{agent.id} {agent.name} week of {monday:%Y-%m-%d}",
                                f"{hours(total)} regular hours in the week (max {hours(contract.max_hours_week)}; "
                                f"the excess must be counted overtime)")
    else:
        for row in work.itertuples(index=False):
            if row.paid_hours > contract.max_hours_day + TOLERANCE_H:
                yield _v(row, "daily_hours", f"{hours(row.paid_hours)} in a day (comprehensive-system safety cap "
                                             f"{hours(contract.max_hours_day)})")
        total = float(regular.sum())
        if total > contract.standard_hours_month + TOLERANCE_H:
            yield Violation(ROSTER, None, "monthly_hours", f"{agent.id} {agent.name}",
                            f"{hours(total)} regular hours in {plan.month} (comprehensive system: max "
                            f"{hours(contract.standard_hours_month)}; the excess must be counted overtime)")


def check_overtime_month(plan: PlanFiles, agent: InHouseAgent, rows: pd.DataFrame) -> Iterator[Violation]:
    cap = plan.workforce.labour_rules.overtime_max_h_month
    total = float(rows["overtime_hours"].sum())
    if total > cap + TOLERANCE_H:
        yield Violation(ROSTER, None, "overtime_month", f"{agent.id} {agent.name}",
                        f"{hours(total)} overtime in {plan.month} (max {hours(cap)})")


def check_rest_between_shifts(plan: PlanFiles, rows: pd.DataFrame) -> Iterator[Violation]:
    minimum = plan.workforce.labour_rules.min_rest_between_shifts_h
    work = rows[~rows["shift_code"].isin(NOT_WORKING) & rows["start"].notna() & rows["end"].notna()]
    work = work.sort_values("start")
    previous = None
    for row in work.itertuples(index=False):
        if previous is not None:
            rest = (row.start - previous.end) / pd.Timedelta(hours=1)
            if rest < minimum - TOLERANCE_H:
                yield _v(row, "rest_between_shifts", f"{hours(rest)} rest after the shift ending "
                                                     f"{previous.end:%m-%d %H:%M} (min {hours(minimum)})")
        previous = row


def check_consecutive_days(plan: PlanFiles, rows: pd.DataFrame) -> Iterator[Violation]:
    limit = plan.workforce.labour_rules.max_consecutive_days
    working = set(rows.loc[~rows["shift_code"].isin(NOT_WORKING), "date"])
    by_date = {row.date: row for row in rows.itertuples(index=False)}
    run = 0
    for day in plan.days:
        run = run + 1 if day in working else 0
        if run == limit + 1:
            length = limit + 1
            while day + pd.Timedelta(days=length - limit) in working:
                length += 1
            yield _v(by_date[day], "consecutive_days",
                     f"{_ordinal(run)} consecutive working day (max {limit}; run of {length} days)")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def check_rest_days_per_week(plan: PlanFiles, person_id: str, name: str, rows: pd.DataFrame) -> Iterator[Violation]:
    minimum = plan.workforce.labour_rules.min_rest_days_per_week
    working = set(rows.loc[~rows["shift_code"].isin(NOT_WORKING), "date"])
    for monday, week_days in calendar_weeks(plan.days):
        needed = max(0, minimum - (7 - len(week_days)))
        rested = sum(day not in working for day in week_days)
        if rested < needed:
            line = rows.loc[rows["date"].isin(week_days), "line"]
            yield Violation(ROSTER, int(line.iloc[0]) if len(line) else None, "rest_days_week",
                            f"{person_id} {name} week of {monday:%Y-%m-%d}",
                            f"{rested} rest day(s) in the week (min {minimum})")


# --- part-time ------------------------------------------------------------------------------------

def _inside_availability(row, windows: list[Availability]) -> bool:
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[row.date.weekday()]
    for window in windows:
        if weekday not in window.days:
            continue
        begin = row.date + pd.Timedelta(minutes=minutes_of(window.start))
        length = (minutes_of(window.end) - minutes_of(window.start)) % 1440 or 1440
        if begin <= row.start and row.end <= begin + pd.Timedelta(minutes=length):
            return True
    return False


def check_part_time_rows(plan: PlanFiles, person: PartTimer, rows: pd.DataFrame) -> Iterator[Violation]:
    rules = plan.workforce.labour_rules
    day_cap = min(person.max_hours_day, rules.part_time_max_h_day)
    unavailable = set(person.unavailable)
    for row in rows.itertuples(index=False):
        if not _is_working(row):
            yield from check_not_working_row(row)
            if row.shift_code == "LEAVE" and row.date.date() not in unavailable:
                yield _v(row, "leave_not_listed", "LEAVE on a day that is not in the part-timer's unavailable list")
            continue
        if row.shift_code != PART_TIME_CODE:
            yield _v(row, "unknown_shift", f"part-timer row with code {row.shift_code!r} (expected PT, REST)")
            continue
        if not check_times_present(row) or row.end <= row.start:
            yield _v(row, "shift_times", "PT row without a valid start/end")
            continue
        if row.date.date() in unavailable:
            yield _v(row, "work_unavailable", "works on a day marked unavailable")
        if row.start.normalize() != row.date:
            yield _v(row, "shift_times", f"block starts {row.start:%Y-%m-%d %H:%M}, not on its row's date")
        yield from check_paid_hours(row)
        yield from check_skill(row, person.skills, plan.workforce.queues)
        yield from check_queue_moves(row)
        if row.paid_hours > day_cap + TOLERANCE_H:
            yield _v(row, "part_time_day", f"{hours(row.paid_hours)} in a day (part-time max {hours(day_cap)})")
        if row.paid_hours < person.min_block_hours - TOLERANCE_H:
            yield _v(row, "part_time_block", f"{hours(row.paid_hours)} block (min {hours(person.min_block_hours)})")
        if not _inside_availability(row, person.availability):
            windows = "; ".join(f"{','.join(w.days)} {w.start}-{w.end}" for w in person.availability)
            yield _v(row, "availability", f"block {row.start:%H:%M}-{row.end:%H:%M} is outside availability "
                                          f"({windows})")
        if abs(row.overtime_hours) > TOLERANCE_H or row.overtime_kind:
            yield _v(row, "part_time_overtime", "part-timers have no overtime")


def check_part_time_weeks(plan: PlanFiles, person: PartTimer, rows: pd.DataFrame) -> Iterator[Violation]:
    cap = min(person.max_hours_week, plan.workforce.labour_rules.part_time_max_h_week)
    for monday, week_days in calendar_weeks(plan.days):
        in_week = rows[rows["date"].isin(week_days)]
        total = float(in_week["paid_hours"].sum())
        if total > cap + TOLERANCE_H:
            yield Violation(ROSTER, int(in_week["line"].iloc[0]), "part_time_week",
                            f"{person.id} {person.name} week of {monday:%Y-%m-%d}",
                            f"{hours(total)} in the week (part-time max {hours(cap)})")


# --- all people -----------------------------------------------------------------------------------

def check_people(plan: PlanFiles, holidays: set[dt.date]) -> Iterator[Violation]:
    roster = plan.roster
    yield from check_roster_shape(plan)
    by_person = {person_id: rows for person_id, rows in roster.groupby("id", sort=False)}
    empty = roster.iloc[0:0]
    for agent in plan.workforce.in_house:
        rows = by_person.get(agent.id, empty).sort_values("date")
        yield from check_in_house_rows(plan, agent, rows, holidays)
        yield from check_contract_hours(plan, agent, rows)
        yield from check_overtime_month(plan, agent, rows)
        yield from check_rest_between_shifts(plan, rows)
        yield from check_consecutive_days(plan, rows)
        yield from check_rest_days_per_week(plan, agent.id, agent.name, rows)
    for person in plan.workforce.part_time:
        rows = by_person.get(person.id, empty).sort_values("date")
        yield from check_part_time_rows(plan, person, rows)
        yield from check_part_time_weeks(plan, person, rows)


def working_rows(roster: pd.DataFrame) -> pd.DataFrame:
    """Rows with a shift or block whose times could be read."""
    mask = ~roster["shift_code"].isin(NOT_WORKING) & roster["start"].notna() & roster["end"].notna()
    mask &= np.array([spans is not None for spans in roster["break_spans"]], dtype=bool)
    mask &= np.array([moves is not None for moves in roster["moves"]], dtype=bool)
    return roster[mask]
