"""What ``plan reroster`` is told on its command line: who is away when (``--absent``, ``--leave``).

``ID:DATE..DATE`` (or ``ID:DATE`` for one day), dates inclusive. :func:`parse_absence` checks the
form; :func:`check_absences` checks each against the team, the plan's month and the re-plan's first
day (nothing before it can change), naming the option and the field of the first bad one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plan.contracts.errors import InputError
from plan.contracts.workforce import Workforce

ABSENCE = "absence"   # --absent: unplanned (a sick call)
LEAVE = "leave"       # --leave: leave granted after publishing


@dataclass(frozen=True)
class Absence:
    """``agent_id`` is away from ``first`` to ``last`` (inclusive); ``kind`` absence or leave."""
    agent_id: str
    first: dt.date
    last: dt.date
    kind: str
    option: str

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def error(self, problem: str, field: str) -> InputError:
        return InputError("command line", f"{self.option} {self.agent_id}: {problem}", field=f"{self.option} {field}")


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError("command line", f"{option}: not a date in YYYY-MM-DD form: {text.strip()!r}",
                         field=f"{option} date") from None


def parse_absence(text: str, kind: str, option: str) -> Absence:
    """``E1:2026-11-05..2026-11-07`` or ``E1:2026-11-05``."""
    agent_id, sep, span = text.partition(":")
    if not sep or not agent_id.strip() or not span.strip():
        raise InputError("command line", f"{option} {text!r}: expected ID:DATE..DATE (or ID:DATE)", field=option)
    first_text, _, last_text = span.partition("..")
    first = _date(first_text, option)
    last = _date(last_text, option) if last_text else first
    if last < first:
        raise InputError("command line", f"{option} {text!r}: ends before it starts", field=f"{option} date")
    return Absence(agent_id.strip(), first, last, kind, option)


def check_absences(workforce: Workforce, month_days: list[dt.date], from_day: dt.date,
                   absences: list[Absence]) -> None:
    """Each absence names an in-house agent and days of the month from the re-plan's first day on."""
    in_house = {a.id for a in workforce.in_house}
    part_time = {p.id for p in workforce.part_time}
    for absence in absences:
        if absence.agent_id in part_time:
            raise absence.error("is a part-timer (re-planning takes in-house absences; a part-timer's blocks "
                                "are re-chosen with the rest of the plan)", "agent_id")
        if absence.agent_id not in in_house:
            raise absence.error("unknown agent (not an in-house agent of the plan's workforce config)", "agent_id")
        if absence.first < month_days[0] or absence.last > month_days[-1]:
            raise absence.error(f"{absence.first:%Y-%m-%d}..{absence.last:%Y-%m-%d} is outside the plan's month "
                                f"({month_days[0]:%Y-%m-%d}..{month_days[-1]:%Y-%m-%d})", "date")
        if absence.first < from_day:
            raise absence.error(f"starts {absence.first:%Y-%m-%d}, before --from {from_day:%Y-%m-%d} (days before "
                                f"it are kept as published; re-plan from the absence's first day)", "date")
