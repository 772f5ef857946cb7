"""Feishu / Lark (飞书) attendance shifts: request bodies of ``user_daily_shifts/batch_create``.

Source: 飞书开放平台, 服务端 API › 考勤打卡 › 考勤排班 › 创建或修改排班表,
https://open.feishu.cn/document/server-docs/attendance-v1/user_daily_shift/batch_create (Lark:
https://open.larksuite.com/document/uAjLw4CM/ukTMukTMukTM/reference/attendance-v1/user_daily_shift/batch_create.md)
— POST ``/open-apis/attendance/v1/user_daily_shifts/batch_create?employee_type=employee_id|employee_no``;
body ``{"user_daily_shifts": [...]}``, at most 50 entries a request; each entry has ``group_id``
(string, 考勤组 ID), ``shift_id`` (string, 班次 ID), ``month`` (integer YYYYMM), ``user_id`` (string,
read as ``employee_type`` says) and ``day_no`` (integer day of the month). The same five fields and
types are in Lark's own Python SDK (larksuite/oapi-sdk-python,
``lark_oapi/api/attendance/v1/model/user_daily_shift.py``; the body's optional ``operator_id`` is
left out).

One file per request of at most 50 entries. Only working days are sent: the page we could read does
not say which shift_id means rest, so rest and leave days are left to Feishu's own 休息 handling
rather than guessed (docs/exports.md).
"""
from __future__ import annotations

import json

from plan.reports.exports.mapping import PlatformMapping
from plan.reports.exports.plan_days import ExportPlan

MAX_ENTRIES_PER_REQUEST = 50


def daily_shifts(plan: ExportPlan, mapping: PlatformMapping) -> list[dict]:
    month_days = set(plan.dates)
    month = plan.month.year * 100 + plan.month.month
    group_id = str(mapping.settings["group_id"])
    entries = []
    for day in plan.days:
        if not day.working or day.date not in month_days:
            continue
        if day.kind == "part_time" and not mapping.exports_part_timers():
            continue
        entries.append({"group_id": group_id, "shift_id": str(mapping.shift_ref(day)), "month": month,
                        "user_id": mapping.user_id(day.person_id), "day_no": day.date.day})
    return entries


def file_name(number: int) -> str:
    return f"feishu_user_daily_shifts_{number:03d}.json"


def build(plan: ExportPlan, mapping: PlatformMapping) -> dict[str, bytes]:
    entries = daily_shifts(plan, mapping)
    files = {}
    for first in range(0, len(entries), MAX_ENTRIES_PER_REQUEST):
        body = {"user_daily_shifts": entries[first:first + MAX_ENTRIES_PER_REQUEST]}
        files[file_name(first // MAX_ENTRIES_PER_REQUEST + 1)] = (
            json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return files


def query_parameters(mapping: PlatformMapping) -> str:
    return f"employee_type={mapping.settings['employee_type']}"
