"""The 排班表 a CS manager prints and publishes, with its part-timer, vendor and daily-detail sheets.

Every sheet opens with the same title block: site, month, plan version, the date it was generated
and an approval line (编制 / 审核 / 批准 with blanks for signatures). The day header marks weekends,
statutory holidays (法定节假日, from :mod:`plan.contracts.calendar`), 调休 swaps and event days, each in
a colour no shift template uses, so a weekend inside a promotion is still seen as a weekend.

* ``排班表``: in-house people × days, each cell the shift code over a short queue label in the
  template's colour; 休 rest, 假 leave and 节 (rest on a statutory holiday) marked apart; per-person
  hours, nights, weekend days, holidays worked, overtime and rest days; daily headcount per shift and
  per queue; a legend of shift times, breaks and queue labels.
* ``兼职 part-time``: part-timers × days, each worked block with its queue.
* ``外包 vendors``: seats bought per vendor, queue and time of day × days.
* ``明细 detail``: every worked person-day with its times and breaks, one printed page per day.

A night is work touching 00:00-06:00 (:func:`plan.contracts.workforce.works_at_night`), read from each
row's own times, so a late shift to 02:00 and a shift from 00:00 both count.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from plan import __version__
from plan.contracts.calendar import day_kinds, event_day_mask
from plan.contracts.plan_files import LEAVE_CODE, NOT_WORKING, REST_CODE, PlanFiles, queue_text
from plan.contracts.workforce import Shift, works_at_night
from plan.reports.sheet_cells import (CENTRE, CENTRE_WRAPPED, HEADER_FILL, MIDDLE, colour, header_cell, print_setup,
                                      put)

WEEKDAY_ZH = "一二三四五六日"
REST_TEXT, LEAVE_TEXT, HOLIDAY_TEXT = "休", "假", "节"
REST_FILL, LEAVE_FILL, PART_TIME_FILL, SEAT_FILL = "EDEDED", "F8CBAD", "E2EFDA", "FFF2CC"
CONTRACT_ZH = {"standard": "标准", "comprehensive": "综合"}
# Header colours are taken from these in order, skipping any a shift template or another mark uses.
WEEKEND_COLOURS = ("B4A7D6", "8EA9DB", "A9D08E", "C9C9C9")
HOLIDAY_COLOURS = ("FF6666", "E06666", "CC4125", "FF9999")
EVENT_COLOURS = ("FF99CC", "FFC7CE", "F9CB9C", "D5A6BD")
MIN_COLOUR_GAP = 40       # RGB distance under which two fills are hard to tell apart on paper
LEFT_COLUMNS = 3          # 工号, 姓名, a third column (contract, kind or time of day)
HEADER_ROWS = 3           # day number, weekday, marks
DAY_WIDTH = 5.6
GRID_FONT = 9
APPROVAL = ("编制 prepared by: ______________      审核 reviewed by: ______________      "
            "批准 approved by: ______________      日期 date: __________")


@dataclass(frozen=True)
class MonthDays:
    """The month's dates and what the calendar says about each."""
    days: pd.DatetimeIndex
    weekend: np.ndarray          # Saturday or Sunday
    holiday: np.ndarray          # statutory holiday (法定节假日)
    swapped_workday: np.ndarray  # a weekend day worked under 调休 (班)
    swapped_rest: np.ndarray     # a weekday given off under 调休
    event: np.ndarray

    def mark(self, i: int) -> str:
        """The header's mark of day ``i``: 节 holiday, 班 / 调 调休, ★ event day."""
        return "".join(text for text, on in ((HOLIDAY_TEXT, self.holiday[i]), ("班", self.swapped_workday[i]),
                                             ("调", self.swapped_rest[i]), ("★", self.event[i])) if on)


def month_days(plan: PlanFiles) -> MonthDays:
    days = plan.days
    kinds = np.array(day_kinds([day.date() for day in days], plan.workforce.site.country))
    weekend = np.asarray(days.day_of_week >= 5)
    return MonthDays(days=days, weekend=weekend, holiday=kinds == "holiday",
                     swapped_workday=weekend & (kinds == "workday"),
                     swapped_rest=~weekend & (kinds == "rest_day"), event=event_day_mask(days, plan.events))


@dataclass(frozen=True)
class Palette:
    """Header fills, each differing from every shift colour and from each other."""
    weekend: str
    holiday: str
    event: str


def _colour_gap(a: str, b: str) -> float:
    """Distance of two RRGGBB colours in RGB space (0 the same, 441 black to white)."""
    return sum((int(a[i:i + 2], 16) - int(b[i:i + 2], 16)) ** 2 for i in (0, 2, 4)) ** 0.5


def _unused(candidates: tuple[str, ...], taken: set[str]) -> str:
    """The first candidate clearly apart from every taken colour, else the candidate furthest from
    them; a grey only when every candidate is taken."""
    def gap(candidate: str) -> float:
        return min((_colour_gap(candidate, t) for t in taken), default=float("inf"))
    clear = [c for c in candidates if gap(c) >= MIN_COLOUR_GAP]
    best = clear[0] if clear else max(candidates, key=gap)
    return best if gap(best) > 0 else max((f"{grey:02X}" * 3 for grey in range(0xF0, 0xA0, -4)), key=gap)


def palette(shifts: Iterable[Shift]) -> Palette:
    taken = {colour(s.colour) for s in shifts} | {REST_FILL, LEAVE_FILL, PART_TIME_FILL, SEAT_FILL, HEADER_FILL}
    weekend = _unused(WEEKEND_COLOURS, taken)
    holiday = _unused(HOLIDAY_COLOURS, taken | {weekend})
    event = _unused(EVENT_COLOURS, taken | {weekend, holiday})
    return Palette(weekend=weekend, holiday=holiday, event=event)


def day_fill(month: MonthDays, i: int, colours: Palette) -> str:
    """A day's header colour: holiday over weekend (a 调休 weekend workday is a workday)."""
    if month.holiday[i]:
        return colours.holiday
    if (month.weekend[i] and not month.swapped_workday[i]) or month.swapped_rest[i]:
        return colours.weekend
    return HEADER_FILL


def queue_labels(queues: Iterable[str]) -> dict[str, str]:
    """A short label per queue for the grid: word initials (``chat_presales`` → ``CP``), the first two
    characters of a name without word breaks (``售前咨询`` → ``售前``), numbered where two collide."""
    labels: dict[str, str] = {}
    for queue in queues:
        words = [w for w in re.split(r"[\s_\-./]+", queue) if w]
        label = "".join(w[0] for w in words).upper() if len(words) > 1 else queue[:2].upper()
        candidate, n = label, 1
        while candidate in labels.values():
            n += 1
            candidate = f"{label}{n}"
        labels[queue] = candidate
    return labels


def plan_version(summary: dict) -> str:
    """The plan's version as its summary records it (a number gets a ``v``), else ``v1``."""
    version = summary.get("version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        return f"v{version:g}"
    return str(version).strip() if isinstance(version, str) and version.strip() else "v1"


def clock(minutes: float) -> str:
    """Minutes from the day's 00:00 as a compact clock: ``12``, ``12:30``, ``24`` at midnight's end, ``2`` the next night."""
    hours, rest = divmod(int(round(minutes)), 60)
    hours = hours if (hours, rest) == (24, 0) else hours % 24
    return f"{hours}" if rest == 0 else f"{hours}:{rest:02d}"


# ---- person-days ---------------------------------------------------------------------------------
def person_days(plan: PlanFiles, month: MonthDays) -> pd.DataFrame:
    """roster.csv's rows of the month with their day index and what each counts for in the totals."""
    rows = plan.roster[plan.roster["date"].isin(month.days)].copy()
    rows["day"] = month.days.get_indexer(rows["date"])
    working = ~rows["shift_code"].isin(NOT_WORKING) & rows["start"].notna() & rows["end"].notna()
    rows["working"] = working
    rows["start_min"] = (rows["start"] - rows["date"]) / pd.Timedelta(minutes=1)
    rows["end_min"] = (rows["end"] - rows["date"]) / pd.Timedelta(minutes=1)
    rows["night"] = working & np.array([works_at_night(a, b) for a, b in zip(rows["start_min"], rows["end_min"])],
                                       dtype=bool)
    rows["weekend_worked"] = working & month.weekend[rows["day"]]
    rows["holiday_worked"] = working & month.holiday[rows["day"]]
    rows["hours_worked"] = rows["paid_hours"].where(working, 0.0)
    rows["overtime_worked"] = rows["overtime_hours"].where(working, 0.0)
    rows["rest"] = rows["shift_code"] == REST_CODE
    return rows


@dataclass(frozen=True)
class Total:
    """A per-person total: the sum of one of :func:`person_days`' columns."""
    label: str
    unit: str
    column: str
    number_format: str = "0"


IN_HOUSE_TOTALS = (Total("工时 hours", "h", "hours_worked", "0.0"), Total("夜班 nights", "天 days", "night"),
                   Total("周末 weekend", "天 days", "weekend_worked"), Total("节日 holiday", "天 days", "holiday_worked"),
                   Total("加班 overtime", "h", "overtime_worked", "0.0"), Total("休息 rest", "天 days", "rest"))
PART_TIME_TOTALS = (IN_HOUSE_TOTALS[0], Total("天数 days", "天 days", "working"), IN_HOUSE_TOTALS[1],
                    IN_HOUSE_TOTALS[2])


# ---- the title block and the day header -----------------------------------------------------------
def write_title(ws: Worksheet, plan: PlanFiles, title: str, width: int) -> int:
    """Rows 1-3: title, version and date, approval line, merged across ``width`` columns. Returns the next row."""
    site = plan.workforce.site
    generated = dt.datetime.now(ZoneInfo(site.timezone)).date()
    lines = (f"{site.name}  {plan.month.year}年{plan.month.month}月  {title}",
             f"版本 version {plan_version(plan.summary)}      生成 generated {generated:%Y-%m-%d} (plan {__version__})"
             f"      月份 month {plan.month}",
             APPROVAL)
    for row, (text, size) in enumerate(zip(lines, (16, 10, 10)), start=1):
        put(ws, row, 1, text, bold=row == 1, size=size, align=MIDDLE)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(width, 2))
        ws.row_dimensions[row].height = 26 if row == 1 else 18
    return len(lines) + 2


def write_day_header(ws: Worksheet, top: int, left_labels: tuple[str, ...], month: MonthDays, colours: Palette,
                     totals: Iterable[tuple[str, str]] = ()) -> None:
    """Three header rows from ``top``: day number, weekday, mark; the left labels and the totals'
    labels span the first two rows (the totals' units in the third)."""
    for j, label in enumerate(left_labels, start=1):
        header_cell(ws, top, j, label)
        ws.merge_cells(start_row=top, start_column=j, end_row=top + HEADER_ROWS - 1, end_column=j)
    for i, day in enumerate(month.days):
        column, fill = LEFT_COLUMNS + 1 + i, day_fill(month, i, colours)
        header_cell(ws, top, column, day.day, fill=fill)
        header_cell(ws, top + 1, column, WEEKDAY_ZH[day.weekday()], fill=fill)
        header_cell(ws, top + 2, column, month.mark(i), fill=colours.event if month.event[i] else fill)
    first_total = LEFT_COLUMNS + 1 + len(month.days)
    for j, (label, unit) in enumerate(totals):
        header_cell(ws, top, first_total + j, label)
        ws.merge_cells(start_row=top, start_column=first_total + j, end_row=top + 1, end_column=first_total + j)
        header_cell(ws, top + 2, first_total + j, unit)


def size_columns(ws: Worksheet, month: MonthDays, n_totals: int, third_width: float = 6) -> None:
    for letter, width in zip("ABC", (8, 11, third_width)):
        ws.column_dimensions[letter].width = width
    for i in range(len(month.days)):
        ws.column_dimensions[get_column_letter(LEFT_COLUMNS + 1 + i)].width = DAY_WIDTH
    for j in range(n_totals + 1):
        ws.column_dimensions[get_column_letter(LEFT_COLUMNS + 1 + len(month.days) + j)].width = 9.5


# ---- people × days -------------------------------------------------------------------------------
CellText = Callable[[object], "tuple[str, str | None]"]   # a roster row → (text, fill)


def write_people_rows(ws: Worksheet, row: int, people: list[tuple[str, str, str]], rows: pd.DataFrame,
                      cell_of: CellText, totals: tuple[Total, ...], n_days: int) -> int:
    """One row per person (id, name, third column), a cell per day and the totals. Returns the next row."""
    by_person = {pid: group for pid, group in rows.groupby("id", sort=False)}
    sums = rows.groupby("id")[[t.column for t in totals]].sum()
    for person_id, name, third in people:
        for j, text in enumerate((person_id, name, third), start=1):
            put(ws, row, j, text, border=True, size=GRID_FONT, align=CENTRE if j != 2 else MIDDLE)
        for column in range(LEFT_COLUMNS + 1, LEFT_COLUMNS + 1 + n_days):
            put(ws, row, column, "", border=True)
        if person_id in by_person:
            for record in by_person[person_id].itertuples(index=False):
                text, fill = cell_of(record)
                put(ws, row, LEFT_COLUMNS + 1 + record.day, text, fill=fill, align=CENTRE_WRAPPED, border=True,
                    size=GRID_FONT)
        for j, total in enumerate(totals):
            value = float(sums.at[person_id, total.column]) if person_id in sums.index else 0.0
            put(ws, row, LEFT_COLUMNS + 1 + n_days + j, round(value, 2) if total.number_format != "0" else int(value),
                number_format=total.number_format, align=CENTRE, border=True, size=GRID_FONT)
        ws.row_dimensions[row].height = 24
        row += 1
    return row


def in_house_cell(shifts: dict[str, Shift], labels: dict[str, str], month: MonthDays, colours: Palette) -> CellText:
    def cell(record) -> tuple[str, str | None]:
        if record.shift_code == REST_CODE:
            return (HOLIDAY_TEXT, colours.holiday) if month.holiday[record.day] else (REST_TEXT, REST_FILL)
        if record.shift_code == LEAVE_CODE:
            return LEAVE_TEXT, LEAVE_FILL
        shift = shifts.get(record.shift_code)
        queues = [record.queue, *(queue for _, queue in record.moves or [])]
        label = "→".join(labels.get(queue, queue) for queue in queues)  # a shift moved to another queue that day
        text = f"{record.shift_code}\n{label}" if record.queue else record.shift_code
        return text, colour(shift.colour) if shift else PART_TIME_FILL
    return cell


def part_time_cell(labels: dict[str, str]) -> CellText:
    def cell(record) -> tuple[str, str | None]:
        if record.shift_code == LEAVE_CODE:
            return LEAVE_TEXT, LEAVE_FILL
        if not record.working:
            return "", None
        block = f"{clock(record.start_min)}-{clock(record.end_min)}"
        return f"{block}\n{labels.get(record.queue, record.queue)}", PART_TIME_FILL
    return cell


# ---- rows under the grid -------------------------------------------------------------------------
def per_day(frame: pd.DataFrame, n_days: int, weights: str | None = None) -> np.ndarray:
    """Rows (with a ``day`` index) counted, or their ``weights`` summed, per day of the month."""
    values = frame[weights].to_numpy(dtype=float) if weights else None
    return np.bincount(frame["day"].to_numpy(dtype=int), weights=values, minlength=n_days)[:n_days]


def write_daily_rows(ws: Worksheet, row: int, heading: str, lines: list[tuple[str, np.ndarray, str | None]],
                     number_format: str = "0") -> int:
    """A heading, then one row per (label, value per day, fill of the label); the month's sum after
    the last day; zeros left blank so the figures stand out. Returns the next row."""
    if not lines:
        return row
    n_days = len(lines[0][1])
    put(ws, row, 1, heading, bold=True)
    put(ws, row, LEFT_COLUMNS + 1 + n_days, "月计 month", bold=True, align=CENTRE, size=GRID_FONT)
    row += 1
    for label, values, fill in lines:
        put(ws, row, 1, label, fill=fill, border=True, size=GRID_FONT)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=LEFT_COLUMNS)
        for i, value in enumerate(values):
            put(ws, row, LEFT_COLUMNS + 1 + i, float(value) if value else None, number_format=number_format,
                align=CENTRE, border=True, size=GRID_FONT)
        put(ws, row, LEFT_COLUMNS + 1 + n_days, float(np.sum(values)), number_format=number_format,
            align=CENTRE, border=True, bold=True, size=GRID_FONT)
        row += 1
    return row + 1


def headcount_lines(worked: pd.DataFrame, plan: PlanFiles, labels: dict[str, str], n_days: int
                    ) -> tuple[list, list]:
    """In-house heads per shift (with the day's total) and per queue."""
    shifts = [(s.code, f"{s.code} {s.name} {s.start}-{s.end}", colour(s.colour)) for s in plan.workforce.shifts]
    known = {code for code, _, _ in shifts}
    shifts += [(code, code, None) for code in sorted(set(worked["shift_code"]) - known)]
    by_shift = [(text, per_day(worked[worked["shift_code"] == code], n_days), fill) for code, text, fill in shifts]
    by_shift.append(("合计 in-house total", per_day(worked, n_days), HEADER_FILL))
    queues = list(plan.workforce.queues) + sorted(set(worked["queue"]) - set(plan.workforce.queues))
    by_queue = [(f"{labels.get(q, q)} {q}", per_day(worked[worked["queue"] == q], n_days), None) for q in queues]
    return by_shift, by_queue


def vendor_seat_hours(plan: PlanFiles, month: MonthDays) -> np.ndarray:
    seats = plan.vendor_seats.assign(day=month.days.get_indexer(plan.vendor_seats["interval_start"].dt.normalize()))
    seats = seats[seats["day"] >= 0]
    return per_day(seats, len(month.days), "seats") * plan.workforce.site.interval_minutes / 60


# ---- the legend ----------------------------------------------------------------------------------
def write_legend(ws: Worksheet, row: int, entries: list[tuple[str, str | None, str]], width: int) -> int:
    put(ws, row, 1, "图例 legend", bold=True)
    for text, fill, meaning in entries:
        row += 1
        put(ws, row, 1, text, fill=fill, align=CENTRE, border=True, size=GRID_FONT)
        put(ws, row, 2, meaning, size=GRID_FONT)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=width)
    return row + 2


def shift_legend(shift: Shift) -> str:
    breaks = ", ".join(f"{b.minutes} min {b.window_start}-{b.window_end}" for b in shift.breaks) or "-"
    overnight = " (+1 次日 next day)" if shift.crosses_midnight else ""
    night = " · 夜班 night" if shift.is_night else ""
    return (f"{shift.name}  {shift.start}-{shift.end}{overnight}  用餐 breaks: {breaks}  "
            f"带薪 paid {shift.paid_hours:g} h{night}")


def mark_legend(colours: Palette) -> list[tuple[str, str | None, str]]:
    return [(REST_TEXT, REST_FILL, "休息 rest day"), (LEAVE_TEXT, LEAVE_FILL, "假期 leave"),
            (HOLIDAY_TEXT, colours.holiday, "法定节假日 statutory holiday (header; in the grid: rest on it)"),
            ("六 日", colours.weekend, "周末 weekend / 调休 rest day (header)"),
            ("★", colours.event, "大促 event day (header mark row)"),
            ("班 / 调", HEADER_FILL, "调休: 班 = weekend working day, 调 = weekday off")]


# ---- the sheets ----------------------------------------------------------------------------------
def _finish_grid(ws: Worksheet, top: int, month: MonthDays, n_totals: int, paper: str, third_width: float) -> None:
    size_columns(ws, month, n_totals, third_width)
    ws.freeze_panes = ws.cell(row=top + HEADER_ROWS, column=LEFT_COLUMNS + 1)
    print_setup(ws, f"1:{top + HEADER_ROWS - 1}", paper=paper)


def _open_grid(ws: Worksheet, plan: PlanFiles, title: str, left_headers: tuple[str, str, str], totals) -> tuple:
    """Title and day header of a people × days sheet: (month, colours, queue labels, person-days, top
    row, width)."""
    month = month_days(plan)
    colours, labels = palette(plan.workforce.shifts), queue_labels(plan.workforce.queues)
    width = LEFT_COLUMNS + len(month.days) + len(totals)
    top = write_title(ws, plan, title, width)
    write_day_header(ws, top, left_headers, month, colours, [(t.label, t.unit) for t in totals])
    return month, colours, labels, person_days(plan, month), top, width


def write_schedule_sheet(ws: Worksheet, plan: PlanFiles) -> None:
    """排班表: in-house people × days, totals, daily headcount, legend."""
    workforce = plan.workforce
    month, colours, labels, rows, top, width = _open_grid(ws, plan, "排班表 roster", ("工号 ID", "姓名 name", "工时制"),
                                                          IN_HOUSE_TOTALS)
    in_house = rows[rows["type"] == "in_house"]
    people = [(a.id, a.name, CONTRACT_ZH.get(workforce.contracts[a.contract].system, a.contract))
              for a in workforce.in_house]
    cell = in_house_cell({s.code: s for s in workforce.shifts}, labels, month, colours)
    row = write_people_rows(ws, top + HEADER_ROWS, people, in_house, cell, IN_HOUSE_TOTALS, len(month.days)) + 1
    by_shift, by_queue = headcount_lines(in_house[in_house["working"]], plan, labels, len(month.days))
    row = write_daily_rows(ws, row, "每日人数 · 按班次 in-house heads per shift", by_shift)
    row = write_daily_rows(ws, row, "每日人数 · 按队列 in-house heads per queue", by_queue)
    part_time = rows[(rows["type"] == "part_time") & rows["working"]]
    row = write_daily_rows(ws, row, "其他来源 other sources (see their sheets)",
                           [("兼职 part-timers (人 heads)", per_day(part_time, len(month.days)), PART_TIME_FILL),
                            ("外包 vendor seat-hours", vendor_seat_hours(plan, month), SEAT_FILL)], "General")
    entries = [(s.code, colour(s.colour), shift_legend(s)) for s in workforce.shifts]
    entries += [(label, None, f"队列 queue {queue}") for queue, label in labels.items()]
    if in_house["moves"].map(bool).any():
        entries.append(("A→B", None, "当天换队列 moved to queue B during the shift (time in the 明细 detail sheet)"))
    write_legend(ws, row, entries + mark_legend(colours), width)
    _finish_grid(ws, top, month, len(IN_HOUSE_TOTALS), "A3", 7)


def write_part_time_sheet(ws: Worksheet, plan: PlanFiles) -> None:
    """兼职: part-timers × days, each block's hours and queue, totals, heads and hours per day."""
    workforce = plan.workforce
    month, _, labels, rows, top, width = _open_grid(ws, plan, "兼职排班 part-timers",
                                                    ("工号 ID", "姓名 name", "日上限 max h"), PART_TIME_TOTALS)
    part_time = rows[rows["type"] == "part_time"]
    people = [(p.id, p.name, f"{p.max_hours_day:g}") for p in workforce.part_time]
    row = write_people_rows(ws, top + HEADER_ROWS, people, part_time, part_time_cell(labels), PART_TIME_TOTALS,
                            len(month.days)) + 1
    worked = part_time[part_time["working"]]
    row = write_daily_rows(ws, row, "每日 per day", [("人数 heads", per_day(worked, len(month.days)), None),
                                                     ("工时 hours", per_day(worked, len(month.days), "paid_hours"),
                                                      None)], "General")
    entries = [("12-16", PART_TIME_FILL, "兼职时段 block: start-end hour, queue label below")]
    write_legend(ws, row, entries + [(label, None, f"队列 queue {q}") for q, label in labels.items()], width)
    _finish_grid(ws, top, month, len(PART_TIME_TOTALS), "A4", 7)


def seat_grid(plan: PlanFiles, month: MonthDays) -> pd.DataFrame:
    """Seats per (vendor, queue, time of day) × day; only times of day that ever have a seat."""
    seats = plan.vendor_seats.assign(day=month.days.get_indexer(plan.vendor_seats["interval_start"].dt.normalize()),
                                     time=plan.vendor_seats["interval_start"].dt.strftime("%H:%M"))
    seats = seats[seats["day"] >= 0]
    grid = seats.pivot_table(index=["vendor", "queue", "time"], columns="day", values="seats", aggfunc="sum",
                             fill_value=0)
    return grid.reindex(columns=range(len(month.days)), fill_value=0)


def write_vendor_sheet(ws: Worksheet, plan: PlanFiles) -> None:
    """外包: seats per vendor, queue and time of day × days, seat-hours per vendor and day."""
    workforce, month = plan.workforce, month_days(plan)
    colours = palette(workforce.shifts)
    hours = workforce.site.interval_minutes / 60
    width = LEFT_COLUMNS + len(month.days) + 1
    top = write_title(ws, plan, "外包座席 vendor seats", width)
    write_day_header(ws, top, ("供应商 vendor", "队列 queue", "时段 from"), month, colours, [("座席小时 seat-h", "h")])
    grid = seat_grid(plan, month)
    row = top + HEADER_ROWS
    for (vendor, queue, time), seats in grid.iterrows():
        for j, text in enumerate((vendor, queue, time), start=1):
            put(ws, row, j, text, border=True, size=GRID_FONT, align=CENTRE)
        for i, value in enumerate(seats.to_numpy()):
            put(ws, row, LEFT_COLUMNS + 1 + i, int(value) if value else None, fill=SEAT_FILL if value else None,
                align=CENTRE, border=True, size=GRID_FONT)
        put(ws, row, width, float(seats.sum()) * hours, number_format="General", align=CENTRE, border=True,
            size=GRID_FONT)
        row += 1
    if grid.empty:
        put(ws, row, 1, "本月未购买外包座席 no vendor seats bought this month")
        row += 1
    per_vendor = grid.groupby(level="vendor").sum() * hours if not grid.empty else grid
    lines = [(f"{v.id} {v.name}", per_vendor.loc[v.id].to_numpy() if v.id in per_vendor.index
              else np.zeros(len(month.days)), SEAT_FILL) for v in workforce.vendors]
    row = write_daily_rows(ws, row + 1, "座席小时 seat-hours per vendor and day", lines, "General")
    entries = [(f"{v.id}", None, f"{v.name}: 每块至少 blocks of at least {v.block_hours} h, 上限 max {v.max_seats} "
                                 f"seats, 月承诺 commitment {v.min_monthly_seat_hours:g} seat-h")
               for v in workforce.vendors]
    write_legend(ws, row, entries + [("2", SEAT_FILL, "座席数 seats bought for the interval starting at 时段")], width)
    _finish_grid(ws, top, month, 1, "A4", 7)


DETAIL_COLUMNS = (("日期 date", 11), ("星期", 5), ("工号 ID", 8), ("姓名 name", 12), ("类型 kind", 7),
                  ("班次 shift", 7), ("班次名 shift name", 14), ("开始 start", 7), ("结束 end", 7),
                  ("用餐/休息 breaks", 22), ("队列 queue", 16), ("工时 h", 6), ("加班 OT h", 7))
KIND_ZH = {"in_house": "本部", "part_time": "兼职"}


def detail_values(record) -> tuple:
    return (f"{record.date:%Y-%m-%d}", WEEKDAY_ZH[record.date.weekday()], record.id, record.name,
            KIND_ZH.get(record.type, record.type), record.shift_code, record.shift_name, f"{record.start:%H:%M}",
            f"{record.end:%H:%M}" + (" +1" if record.end.normalize() > record.date else ""),
            record.breaks.replace(";", ", ") or "-", queue_text(record.queue, record.queue_moves),
            float(record.paid_hours),
            float(record.overtime_hours) or None)


def write_detail_sheet(ws: Worksheet, plan: PlanFiles) -> None:
    """明细: every worked person-day by date and start time, with its breaks; one page per day."""
    month = month_days(plan)
    rows = person_days(plan, month)
    worked = rows[rows["working"]].sort_values(["date", "start", "queue", "id"], kind="stable")
    top = write_title(ws, plan, "每日排班明细 daily line-up with breaks", len(DETAIL_COLUMNS))
    for j, (label, width) in enumerate(DETAIL_COLUMNS, start=1):
        header_cell(ws, top, j, label)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[top].height = 30
    row, previous = top + 1, None
    for record in worked.itertuples(index=False):
        if previous is not None and record.date != previous:
            ws.row_breaks.append(Break(id=row - 1))
        previous = record.date
        for j, value in enumerate(detail_values(record), start=1):
            put(ws, row, j, value, border=True, size=GRID_FONT, number_format="0.0#" if j >= 12 else None)
        row += 1
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(DETAIL_COLUMNS))}{max(top + 1, row - 1)}"
    print_setup(ws, f"1:{top}", orientation="portrait")
