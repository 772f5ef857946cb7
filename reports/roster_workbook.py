"""The 排班表 workbook of a plan: who works which shift each day, plus coverage and cost sheets.

Sheets: ``排班表`` (people × days, shift codes in their template colours, 休 / 假, per-person
totals, a legend), ``coverage`` (per queue and day: demand, required vs staffed by source,
service) and ``cost`` (cost by source, overtime by kind, vendors, service per queue).

Every text that comes from user files (names, queue and shift names) is written as a plain string
with Excel's quote prefix, so a name such as ``=HYPERLINK(...)`` stays text and is never evaluated
(formula / CSV injection, OWASP).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from plan.contracts.tables import atomic_path
from plan.contracts.outputs import FORMULA_STARTS
from plan.contracts.calendar import event_day_mask
from plan.contracts.plan_files import LEAVE_CODE, NOT_WORKING, PART_TIME_CODE, REST_CODE, PlanFiles, read_plan
from plan.reports.coverage_units import below_requirement, effective_coverage

WEEKDAY_ZH = "一二三四五六日"
REST_TEXT, LEAVE_TEXT = "休", "假"
REST_FILL, LEAVE_FILL, PART_TIME_FILL = "EDEDED", "F8CBAD", "E2EFDA"
WEEKEND_FILL, EVENT_FILL, HEADER_FILL = "DDEBF7", "FFC7CE", "D9E1F2"
THIN = Side(style="thin", color="BFBFBF")
GRID_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center")
COST_LABELS = {"in_house": "本部薪资 in-house salary", "overtime": "加班费 overtime",
               "part_time": "兼职 part-time", "vendor": "外包 vendor seats", "bot": "机器人 bot",
               "shortfall_penalty": "服务缺口罚金 shortfall penalty", "total": "合计 total"}


def put(ws: Worksheet, row: int, column: int, value, *, fill: str | None = None, bold: bool = False,
        number_format: str | None = None, align: Alignment | None = None, border: bool = False) -> Cell:
    """Write one cell; text is always stored as a string (never a formula)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    elif isinstance(value, (float, np.floating)) and np.isnan(value):
        cell.value = None
    elif isinstance(value, np.generic):
        cell.value = value.item()
    else:
        cell.value = value
    if fill:
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    if bold:
        cell.font = Font(bold=True)
    if number_format:
        cell.number_format = number_format
    if align:
        cell.alignment = align
    if border:
        cell.border = GRID_BORDER
    return cell


def text_stays_text(ws: Worksheet) -> None:
    """Cells pandas' ``to_excel`` stored as formulas (text starting with ``=``) made plain text again."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
                cell.quotePrefix = True


def _colour(hex_colour: str) -> str:
    text = hex_colour.lstrip("#").upper()
    return text if len(text) == 6 and all(c in "0123456789ABCDEF" for c in text) else "FFFFFF"


def _print_setup(ws: Worksheet, title_rows: str | None = None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _cell_text(row, shifts: dict) -> tuple[str, str]:
    """(text, fill colour) of one person-day."""
    if row.shift_code == REST_CODE:
        return REST_TEXT, REST_FILL
    if row.shift_code == LEAVE_CODE:
        return LEAVE_TEXT, LEAVE_FILL
    if row.shift_code == PART_TIME_CODE:
        if pd.isna(row.start) or pd.isna(row.end):
            return PART_TIME_CODE, PART_TIME_FILL
        return f"{row.start:%H}-{row.end:%H}", PART_TIME_FILL
    shift = shifts.get(row.shift_code)
    return row.shift_code, _colour(shift.colour) if shift else "FFFFFF"


def write_schedule_sheet(ws: Worksheet, plan: PlanFiles) -> None:
    workforce = plan.workforce
    shifts = {s.code: s for s in workforce.shifts}
    days = plan.days
    on_event = event_day_mask(days, plan.events)
    first_day_col = 4
    totals_col = first_day_col + len(days)
    put(ws, 1, 1, "工号 ID", bold=True, fill=HEADER_FILL, align=CENTRE, border=True)
    put(ws, 1, 2, "姓名 name", bold=True, fill=HEADER_FILL, align=CENTRE, border=True)
    put(ws, 1, 3, "类型", bold=True, fill=HEADER_FILL, align=CENTRE, border=True)
    for col in (1, 2, 3):
        put(ws, 2, col, "", fill=HEADER_FILL, border=True)
    for i, (day, event) in enumerate(zip(days, on_event)):
        fill = EVENT_FILL if event else (WEEKEND_FILL if day.weekday() >= 5 else HEADER_FILL)
        put(ws, 1, first_day_col + i, day.day, bold=True, fill=fill, align=CENTRE, border=True)
        put(ws, 2, first_day_col + i, WEEKDAY_ZH[day.weekday()], fill=fill, align=CENTRE, border=True)
    for j, label in enumerate(("工时 hours", "夜班 nights", "加班 overtime")):
        put(ws, 1, totals_col + j, label, bold=True, fill=HEADER_FILL, align=CENTRE, border=True)
        put(ws, 2, totals_col + j, "h" if j != 1 else "#", fill=HEADER_FILL, align=CENTRE, border=True)

    roster = plan.roster
    people = [(a.id, a.name, "本部") for a in workforce.in_house] + [(p.id, p.name, "兼职") for p in workforce.part_time]
    by_person = {pid: rows.set_index("date") for pid, rows in roster.groupby("id", sort=False)}
    day_index = {day: i for i, day in enumerate(days)}
    row_no = 3
    for person_id, name, kind in people:
        rows = by_person.get(person_id)
        put(ws, row_no, 1, person_id, border=True)
        put(ws, row_no, 2, name, border=True)
        put(ws, row_no, 3, kind, align=CENTRE, border=True)
        for col in range(len(days)):
            put(ws, row_no, first_day_col + col, "", border=True, align=CENTRE)
        paid = nights = overtime = 0.0
        if rows is not None:
            for date, row in rows.iterrows():
                if date not in day_index:
                    continue
                text, fill = _cell_text(row, shifts)
                put(ws, row_no, first_day_col + day_index[date], text, fill=fill, align=CENTRE, border=True)
            working = rows[~rows["shift_code"].isin(NOT_WORKING)]
            paid = float(working["paid_hours"].sum())
            overtime = float(working["overtime_hours"].sum())
            nights = int(sum(1 for code in working["shift_code"]
                             if code in shifts and shifts[code].crosses_midnight))
        put(ws, row_no, totals_col, round(paid, 2), number_format="0.0", border=True)
        put(ws, row_no, totals_col + 1, nights, border=True, align=CENTRE)
        put(ws, row_no, totals_col + 2, round(overtime, 2), number_format="0.0", border=True)
        row_no += 1

    row_no += 1
    put(ws, row_no, 1, "图例 legend", bold=True)
    row_no += 1
    for j, label in enumerate(("代码 code", "班次 shift", "时间 time", "用餐 breaks", "带薪 paid h")):
        put(ws, row_no, 1 + j if j < 2 else first_day_col + (j - 2) * 4, label, bold=True, fill=HEADER_FILL)
    for shift in workforce.shifts:
        row_no += 1
        put(ws, row_no, 1, shift.code, fill=_colour(shift.colour), align=CENTRE, border=True)
        put(ws, row_no, 2, shift.name)
        put(ws, row_no, first_day_col, f"{shift.start}-{shift.end}" + (" (+1)" if shift.crosses_midnight else ""))
        put(ws, row_no, first_day_col + 4, ", ".join(f"{b.minutes} min in {b.window_start}-{b.window_end}"
                                                     for b in shift.breaks) or "-")
        put(ws, row_no, first_day_col + 8, shift.paid_hours, number_format="0.0#")
    for text, fill, meaning in ((REST_TEXT, REST_FILL, "休息 rest day"), (LEAVE_TEXT, LEAVE_FILL, "假期 leave"),
                                ("12-16", PART_TIME_FILL, "兼职时段 part-time block (hours)"),
                                ("", WEEKEND_FILL, "周末 weekend (header)"),
                                ("", EVENT_FILL, "大促 event day (header)")):
        row_no += 1
        put(ws, row_no, 1, text, fill=fill, align=CENTRE, border=True)
        put(ws, row_no, 2, meaning)

    ws.column_dimensions["A"].width = 9
    ws.column_dimensions["B"].width = max(10, min(24, 2 + max((len(p[1]) * 2 for p in people), default=8)))
    ws.column_dimensions["C"].width = 6
    for col in range(first_day_col, totals_col):
        ws.column_dimensions[get_column_letter(col)].width = 5.2
    for j in range(3):
        ws.column_dimensions[get_column_letter(totals_col + j)].width = 10
    ws.freeze_panes = ws.cell(row=3, column=first_day_col)
    _print_setup(ws, "1:2")


def daily_coverage(plan: PlanFiles) -> pd.DataFrame:
    """Per queue and day: contacts, agent-hours required and staffed by source — all in effective
    agent-hours, the unit of the chart (reports/coverage_units.py) — service weighted by contacts,
    and the interval where the floor was furthest below its requirement (effective agents)."""
    coverage = effective_coverage(plan)
    hours = plan.workforce.site.interval_minutes / 60
    coverage["date"] = coverage["interval_start"].dt.normalize()
    coverage["gap"] = coverage["staffed_effective"] - coverage["required_effective"]
    coverage["below"] = below_requirement(coverage)
    for column in ("service_level", "abandon_rate"):
        coverage[f"{column}_w"] = coverage[column].fillna(0.0) * coverage["arrivals_human"]
    coverage["answered"] = coverage["arrivals_human"] * (1 - coverage["abandon_rate"].fillna(0.0))
    coverage["asa_w"] = coverage["asa_s"].fillna(0.0) * coverage["answered"]
    grouped = coverage.groupby(["queue", "date"], sort=True)
    out = grouped.agg(arrivals=("arrivals", "sum"), bot_handled=("bot_handled", "sum"),
                      arrivals_human=("arrivals_human", "sum"), required=("required_effective", "sum"),
                      in_house=("in_house", "sum"), part_time=("part_time", "sum"),
                      vendor=("vendor", "sum"), effective=("staffed_effective", "sum"),
                      below_hours=("below", "sum"),
                      sl_w=("service_level_w", "sum"), ab_w=("abandon_rate_w", "sum"), asa_w=("asa_w", "sum"),
                      answered=("answered", "sum"), shortfall=("shortfall_contacts", "sum"),
                      worst_gap=("gap", "min")).reset_index()
    for column in ("required", "in_house", "part_time", "vendor", "effective", "below_hours"):
        out[column] *= hours
    with np.errstate(divide="ignore", invalid="ignore"):
        out["service_level"] = np.where(out["arrivals_human"] > 0, out["sl_w"] / out["arrivals_human"], np.nan)
        out["abandon_rate"] = np.where(out["arrivals_human"] > 0, out["ab_w"] / out["arrivals_human"], np.nan)
        out["asa_s"] = np.where(out["answered"] > 0, out["asa_w"] / out["answered"], np.nan)
    if not plan.coverage["asa_s"].notna().any():
        out["asa_s"] = np.nan
    return out


def write_coverage_sheet(ws: Worksheet, plan: PlanFiles) -> None:
    table = daily_coverage(plan)
    on_event = pd.Series(event_day_mask(plan.days, plan.events), index=plan.days)
    headers = [("queue", "队列 queue", None, 16), ("date", "日期 date", "yyyy-mm-dd", 11),
               ("weekday", "星期", None, 5), ("event", "大促", None, 5),
               ("arrivals", "进线 arrivals", "#,##0", 11), ("bot_handled", "机器人 bot", "#,##0", 10),
               ("arrivals_human", "人工 human", "#,##0", 10),
               ("required", "需求 required effective agent-h", "#,##0.0", 13),
               ("in_house", "本部 in-house effective h", "#,##0.0", 12),
               ("part_time", "兼职 part-time effective h", "#,##0.0", 12),
               ("vendor", "外包 vendor effective h", "#,##0.0", 12), ("effective", "有效 effective h", "#,##0.0", 11),
               ("below_hours", "低于需求 hours below requirement", "0", 12),
               ("worst_gap", "最大缺口 worst interval gap (effective agents)", "0.0", 13),
               ("service_level", "服务水平 SL", "0.0%", 10), ("asa_s", "ASA s", "0.0", 8),
               ("abandon_rate", "放弃率 abandon", "0.0%", 10), ("shortfall", "缺口会话 shortfall", "#,##0", 11)]
    for j, (_, label, _, width) in enumerate(headers, start=1):
        put(ws, 1, j, label, bold=True, fill=HEADER_FILL, align=Alignment(wrap_text=True, vertical="center"),
            border=True)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[1].height = 32
    for i, record in enumerate(table.itertuples(index=False), start=2):
        event = bool(on_event.get(record.date, False))
        fill = EVENT_FILL if event else None
        for j, (key, _, fmt, _) in enumerate(headers, start=1):
            if key == "date":
                value = record.date.to_pydatetime()
            elif key == "weekday":
                value = WEEKDAY_ZH[record.date.weekday()]
            elif key == "event":
                value = "★" if event else ""
            else:
                value = getattr(record, key)
            put(ws, i, j, value, number_format=fmt, fill=fill if key in ("date", "weekday", "event") else None)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(2, len(table) + 1)}"
    _print_setup(ws, "1:1")


def write_cost_sheet(ws: Worksheet, plan: PlanFiles) -> None:
    currency = plan.workforce.site.currency
    cost = plan.summary["cost"]
    money = "#,##0.00"
    put(ws, 1, 1, f"成本 cost {plan.month} ({currency})", bold=True)
    put(ws, 2, 1, "来源 source", bold=True, fill=HEADER_FILL, border=True)
    put(ws, 2, 2, currency, bold=True, fill=HEADER_FILL, border=True)
    put(ws, 2, 3, "占比 share", bold=True, fill=HEADER_FILL, border=True)
    total = float(cost.get("total", 0.0)) or 1.0
    row = 3
    for key in ("in_house", "overtime", "part_time", "vendor", "bot", "shortfall_penalty", "total"):
        bold = key == "total"
        put(ws, row, 1, COST_LABELS[key], bold=bold, border=True)
        put(ws, row, 2, float(cost.get(key, 0.0)), number_format=money, bold=bold, border=True)
        put(ws, row, 3, float(cost.get(key, 0.0)) / total, number_format="0.0%", border=True)
        row += 1

    roster = plan.roster
    row += 1
    put(ws, row, 1, "加班 overtime by kind", bold=True)
    row += 1
    for j, label in enumerate(("类型 kind", "小时 hours", "人次 person-days")):
        put(ws, row, 1 + j, label, bold=True, fill=HEADER_FILL, border=True)
    overtime = roster[roster["overtime_hours"] > 0]
    for kind, group in overtime.groupby("overtime_kind"):
        row += 1
        put(ws, row, 1, kind or "-", border=True)
        put(ws, row, 2, float(group["overtime_hours"].sum()), number_format="0.0", border=True)
        put(ws, row, 3, len(group), border=True)

    row += 2
    put(ws, row, 1, "外包 vendors", bold=True)
    row += 1
    for j, label in enumerate(("供应商 vendor", "座席小时 seat-h", "承诺 commitment h", "上限 max seats")):
        put(ws, row, 1 + j, label, bold=True, fill=HEADER_FILL, border=True)
    hours = plan.workforce.site.interval_minutes / 60
    for vendor in plan.workforce.vendors:
        row += 1
        seat_hours = float(plan.vendor_seats.loc[plan.vendor_seats["vendor"] == vendor.id, "seats"].sum()) * hours
        put(ws, row, 1, f"{vendor.id} {vendor.name}", border=True)
        put(ws, row, 2, seat_hours, number_format="#,##0.0", border=True)
        put(ws, row, 3, vendor.min_monthly_seat_hours, number_format="#,##0.0", border=True)
        put(ws, row, 4, vendor.max_seats, border=True)

    row += 2
    put(ws, row, 1, "服务 service per queue", bold=True)
    row += 1
    for j, label in enumerate(("队列 queue", "会话 contacts", "服务水平 SL", "ASA s", "放弃率 abandon")):
        put(ws, row, 1 + j, label, bold=True, fill=HEADER_FILL, border=True)
    for queue, figures in plan.summary.get("service", {}).items():
        row += 1
        figures = figures if isinstance(figures, dict) else {}

        def number(key):
            value = figures.get(key)
            return float(value) if isinstance(value, (int, float)) else None

        put(ws, row, 1, str(queue), border=True)
        put(ws, row, 2, number("contacts"), number_format="#,##0", border=True)
        put(ws, row, 3, number("service_level"), number_format="0.0%", border=True)
        put(ws, row, 4, number("asa_s"), number_format="0.0", border=True)
        put(ws, row, 5, number("abandon_rate"), number_format="0.0%", border=True)
    for column, width in zip("ABCDE", (30, 16, 16, 12, 14)):
        ws.column_dimensions[column].width = width
    _print_setup(ws)


def write_roster_workbook(plan_dir: str | Path) -> Path:
    """Write ``roster.xlsx`` into the plan directory (atomically) and return its path."""
    plan = read_plan(plan_dir)
    workbook = Workbook()
    schedule = workbook.active
    schedule.title = "排班表"
    write_schedule_sheet(schedule, plan)
    write_coverage_sheet(workbook.create_sheet("coverage"), plan)
    write_cost_sheet(workbook.create_sheet("cost"), plan)
    target = Path(plan_dir) / "roster.xlsx"
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target
