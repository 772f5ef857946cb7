"""The person-days of a published plan directory, as the exports need them.

Read through :func:`plan.contracts.plan_files.read_plan` (the one definition of the plan files), so
a malformed plan is the same one-line error here as in ``plan verify``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from plan.contracts.plan_files import LEAVE_CODE, NOT_WORKING, PlanFiles, queue_text, read_plan


@dataclass(frozen=True)
class PersonDay:
    """One row of roster.csv: a person's shift (or rest / leave) on one date, in site wall-clock time."""
    person_id: str
    name: str
    kind: str                       # in_house | part_time
    date: dt.date
    shift_code: str
    shift_name: str
    queue: str
    start: dt.datetime | None       # naive, site time zone; None on rest and leave
    end: dt.datetime | None         # the next day for an overnight shift
    breaks: str

    @property
    def working(self) -> bool:
        return self.shift_code not in NOT_WORKING and self.start is not None

    @property
    def on_leave(self) -> bool:
        return self.shift_code == LEAVE_CODE


@dataclass(frozen=True)
class ExportPlan:
    directory: Path
    month: pd.Period
    timezone: str
    site_name: str
    days: list[PersonDay]

    @property
    def people(self) -> list[tuple[str, str, str]]:
        """(id, name, kind) in roster order, each person once."""
        seen: dict[str, tuple[str, str, str]] = {}
        for day in self.days:
            seen.setdefault(day.person_id, (day.person_id, day.name, day.kind))
        return list(seen.values())

    @property
    def dates(self) -> list[dt.date]:
        return [stamp.date() for stamp in pd.date_range(self.month.start_time, self.month.end_time.normalize())]


def _moment(value) -> dt.datetime | None:
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def export_plan(plan_files: PlanFiles) -> ExportPlan:
    roster = plan_files.roster
    days = [PersonDay(person_id=row.id, name=row.name, kind=row.type, date=pd.Timestamp(row.date).date(),
                      shift_code=row.shift_code, shift_name=row.shift_name,
                      queue=queue_text(row.queue, row.queue_moves),
                      start=_moment(row.start), end=_moment(row.end), breaks=row.breaks)
            for row in roster.itertuples(index=False)]
    site = plan_files.workforce.site
    return ExportPlan(directory=plan_files.directory, month=plan_files.month, timezone=site.timezone,
                      site_name=site.name, days=days)


def read_export_plan(plan_dir: str | Path) -> ExportPlan:
    return export_plan(read_plan(plan_dir))
