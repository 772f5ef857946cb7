"""DingTalk (钉钉) attendance: the bulk 排班 import sheet of a 排班制 考勤组.

What is published: DingTalk's 考勤 › 排班管理 offers "excel批量排班" — export the group's schedule,
fill it in Excel "严格按照格式要求", import it back (钉钉考勤排班管理, zhiy.com.cn,
https://www.zhiy.com.cn/news/jiaoc/2807.html); the downloaded template has one row per employee
(姓名, 工号 matching DingTalk's directory) and the 排班 dates as columns, each cell the name of a
shift defined in the 考勤组 (钉钉导入Excel排班, https://docs.pingcode.com/baike/4121985). DingTalk's
own API names a day off 休息 / ``is_rest`` (查询排班, open.dingtalk.com query-batch-scheduling-information).
The exact header text of the console's current template is not published as text anywhere we
could read: the header below (``姓名``, ``工号``, then ``YYYY-MM-DD`` per day) follows those pages;
check it against the template your console downloads (docs/exports.md).

Cells: the DingTalk shift name of each working day (mapping file, or our shift names), the rest
text (``休息`` unless the mapping says otherwise) on rest and leave days — leave itself is an approval
(请假) in DingTalk, not a schedule entry.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from plan.reports.exports.mapping import PlatformMapping
from plan.reports.exports.plan_days import ExportPlan
from plan.reports.sheet_cells import put

SHEET_TITLE = "排班"
FIXED_HEADER = ("姓名", "工号")
FILE_NAME = "dingtalk_schedule_import.xlsx"


def date_header(day) -> str:
    return f"{day:%Y-%m-%d}"


def schedule_grid(plan: ExportPlan, mapping: PlatformMapping) -> tuple[list[str], list[list[str]]]:
    """The header and one row per person: name, their user id, then a cell per date of the month."""
    dates = plan.dates
    column_of = {day: i for i, day in enumerate(dates)}
    rest = str(mapping.settings["rest"])
    rows: dict[str, list[str]] = {}
    for day in plan.days:
        if day.date not in column_of or (day.kind == "part_time" and not mapping.exports_part_timers()):
            continue
        row = rows.setdefault(day.person_id, [day.name, mapping.user_id(day.person_id)] + [rest] * len(dates))
        row[len(FIXED_HEADER) + column_of[day.date]] = str(mapping.shift_ref(day)) if day.working else rest
    return list(FIXED_HEADER) + [date_header(day) for day in dates], list(rows.values())


def build(plan: ExportPlan, mapping: PlatformMapping) -> dict[str, bytes]:
    header, rows = schedule_grid(plan, mapping)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    for column, text in enumerate(header, start=1):
        put(sheet, 1, column, text, bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column, text in enumerate(row, start=1):
            put(sheet, row_number, column, text)  # text always (a name such as =X(...) is never a formula)
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 14
    for column in range(len(FIXED_HEADER) + 1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 11
    buffer = io.BytesIO()
    book.save(buffer)
    return {FILE_NAME: buffer.getvalue()}
