"""The 排班表 workbook of a plan (``roster.xlsx``): the printable roster and its companion sheets.

Sheets: ``排班表``, ``兼职 part-time``, ``外包 vendors`` and ``明细 detail`` (:mod:`plan.reports.roster_sheet`),
``coverage`` (per queue and day: demand, required vs staffed by source, service) and ``cost`` (cost
by source, overtime by kind, vendors, service per queue).

Every text that comes from user files is written as text, never a formula (:func:`plan.reports.sheet_cells.put`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from plan.contracts.tables import atomic_path
from plan.contracts.calendar import event_day_mask
from plan.contracts.plan_files import PlanFiles, read_plan
from plan.reports.coverage_units import below_requirement, effective_coverage
from plan.reports.roster_sheet import (WEEKDAY_ZH, palette, write_detail_sheet, write_part_time_sheet,
                                       write_schedule_sheet, write_vendor_sheet)
from plan.reports.sheet_cells import HEADER_FILL, print_setup, put

COST_LABELS = {"in_house": "本部薪资 in-house salary", "overtime": "加班费 overtime",
               "part_time": "兼职 part-time", "vendor": "外包 vendor seats", "bot": "机器人 bot",
               "shortfall_penalty": "服务缺口罚金 shortfall penalty", "total": "合计 total"}


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
    event_fill = palette(plan.workforce.shifts).event
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
        fill = event_fill if event else None
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
    print_setup(ws, "1:1")


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
    print_setup(ws, orientation="portrait")


def write_roster_workbook(plan_dir: str | Path) -> Path:
    """Write ``roster.xlsx`` into the plan directory (atomically) and return its path."""
    plan = read_plan(plan_dir)
    workbook = Workbook()
    schedule = workbook.active
    schedule.title = "排班表"
    write_schedule_sheet(schedule, plan)
    write_part_time_sheet(workbook.create_sheet("兼职 part-time"), plan)
    write_vendor_sheet(workbook.create_sheet("外包 vendors"), plan)
    write_detail_sheet(workbook.create_sheet("明细 detail"), plan)
    write_coverage_sheet(workbook.create_sheet("coverage"), plan)
    write_cost_sheet(workbook.create_sheet("cost"), plan)
    target = Path(plan_dir) / "roster.xlsx"
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target
