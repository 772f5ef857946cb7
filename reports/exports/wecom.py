"""WeCom (企业微信) check-in schedule: the request body of ``setcheckinschedulist``.

Source: 企业微信开发者中心, 服务端API › 打卡 › 为打卡人员排班 (最后更新 2023/12/18),
https://developer.work.weixin.qq.com/document/path/94209 — POST
``/cgi-bin/checkin/setcheckinschedulist``; body ``{"groupid": 226, "items": [{"userid": "james",
"day": 5, "schedule_id": 234}], "yearmonth": 202012}``: groupid = the 打卡规则 id, userid = the
member's userid, day = 1-31 (with yearmonth forms the date), schedule_id = a shift id of that rule,
**0 means rest**, yearmonth = YYYYMM. Only rules of the kind "按班次上下班" accept it.

Rest and leave days are written with schedule_id 0, WeCom's rest, so that a re-import clears a day a
previous version had people working. Working days take the schedule_id the mapping file gives their
shift code; the shift's times are defined in WeCom's rule, not sent.
"""
from __future__ import annotations

import json

from plan.reports.exports.mapping import PlatformMapping
from plan.reports.exports.plan_days import ExportPlan

REST_SCHEDULE_ID = 0
FILE_NAME = "wecom_setcheckinschedulist.json"


def schedule_body(plan: ExportPlan, mapping: PlatformMapping) -> dict:
    month_days = set(plan.dates)
    items = []
    for day in plan.days:
        if day.date not in month_days or (day.kind == "part_time" and not mapping.exports_part_timers()):
            continue
        schedule_id = int(mapping.shift_ref(day)) if day.working else REST_SCHEDULE_ID
        items.append({"userid": mapping.user_id(day.person_id), "day": day.date.day, "schedule_id": schedule_id})
    return {"groupid": int(mapping.settings["groupid"]), "items": items,
            "yearmonth": plan.month.year * 100 + plan.month.month}


def build(plan: ExportPlan, mapping: PlatformMapping) -> dict[str, bytes]:
    body = schedule_body(plan, mapping)
    return {FILE_NAME: (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")}
