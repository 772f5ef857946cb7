"""The sample team for the roster month 2026-11 (written to ``data/workforce.yaml``).

Sized from the sample history (see ``TEAM`` below): the in-house team covers an ordinary
November day at target; part-timers, two vendors and the bot carry the 11.11 peak.
Private to the generator: nothing in the product imports it.
"""
from __future__ import annotations

import datetime as dt
import re
import zlib

import numpy as np
import yaml

ROSTER_MONTH = (2026, 11)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = ["静", "敏", "丽", "婷", "雪", "娜", "芳", "颖", "琳", "欣怡", "梓涵", "雨轩", "思远", "浩然", "子豪", "宇航",
         "晓燕", "佳琪", "梦瑶", "嘉怡", "俊杰", "文博", "志强", "晨曦", "一诺", "心怡", "可馨", "雅婷", "明轩", "天佑",
         "小倩", "书瑶", "诗琪", "海燕", "春梅", "秀英", "玉兰", "国华", "建军", "晓东", "亚楠", "思琪", "若曦", "子涵",
         "雨萱", "佳怡", "欣悦", "嘉豪", "昊天", "博文", "梓萱", "紫萱", "芷若", "语嫣", "慧敏", "丹丹", "磊", "鑫", "超", "杰"]

QUEUES = {
    # Handle times: the 2026-10 means of the sample history (answered contacts); patience: what
    # `plan ingest` estimates from the 2026-10 contact log (censored exponential MLE).
    # Chat: one agent holds 3 sessions.
    "chat_presales": {
        "channel": "chat", "aht_s": 275, "patience_s": 260, "concurrency": 3, "concurrency_slowdown": 0.18,
        "shrinkage": 0.30,
        "targets": {"service_level": 0.85, "answer_within_s": 30, "asa_s": 28, "max_abandon": 0.05},
        # peak days: the seed documents' 95% response rate, within a looser threshold
        "event_targets": {"service_level": 0.95, "answer_within_s": 60, "max_abandon": 0.05},
    },
    "chat_aftersales": {
        "channel": "chat", "aht_s": 450, "patience_s": 400, "concurrency": 3, "concurrency_slowdown": 0.18,
        "shrinkage": 0.30,
        "targets": {"service_level": 0.85, "answer_within_s": 30, "asa_s": 28, "max_abandon": 0.05},
        "event_targets": {"service_level": 0.95, "answer_within_s": 90, "max_abandon": 0.05},
    },
    "phone": {
        "channel": "voice", "aht_s": 250, "patience_s": 160, "shrinkage": 0.30,
        "targets": {"service_level": 0.80, "answer_within_s": 20, "max_abandon": 0.05, "max_occupancy": 0.88},
        "event_targets": {"service_level": 0.80, "answer_within_s": 60, "max_abandon": 0.05},
        # the hotline's hours (its history has no call outside them): plan forecast --config uses them
        "opening_hours": {day: "08:00-22:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    },
    "email": {
        "channel": "email", "aht_s": 540, "shrinkage": 0.25,
        "targets": {"resolve_within_h": 24},
        "event_targets": {"resolve_within_h": 48},
    },
}

SHIFTS = [
    {"code": "A", "name": "早班", "start": "08:00", "end": "17:00", "colour": "FFF2CC",
     "breaks": [{"minutes": 60, "window_start": "11:00", "window_end": "13:30"}]},
    {"code": "A9", "name": "早班(9点)", "start": "09:00", "end": "18:00", "colour": "FFE699",
     "breaks": [{"minutes": 60, "window_start": "11:30", "window_end": "14:00"}]},
    {"code": "B", "name": "中班", "start": "12:00", "end": "21:00", "colour": "DDEBF7",
     "breaks": [{"minutes": 60, "window_start": "16:30", "window_end": "18:30"}]},
    {"code": "C", "name": "晚班", "start": "15:00", "end": "24:00", "colour": "BDD7EE",
     "breaks": [{"minutes": 60, "window_start": "17:30", "window_end": "19:30"}]},
    {"code": "C1", "name": "晚班(延)", "start": "17:00", "end": "02:00", "colour": "9BC2E6",
     "breaks": [{"minutes": 45, "window_start": "18:30", "window_end": "19:45"}]},
    {"code": "N", "name": "夜班", "start": "23:00", "end": "08:00", "colour": "A6A6A6",
     "breaks": [{"minutes": 60, "window_start": "02:30", "window_end": "05:00"}]},
    {"code": "L", "name": "凌晨班", "start": "00:00", "end": "08:00", "colour": "D9D9D9",
     "breaks": [{"minutes": 30, "window_start": "03:00", "window_end": "05:00"}]},
    # event shifts only where their event is: the midnight surge on the 11.11 peak day itself, the
    # final-payment evening push in the 双11 run-up
    {"code": "S", "name": "双11零点突击班", "start": "00:00", "end": "04:00", "colour": "FF7C80", "breaks": [],
     "valid": {"event_kinds": ["double11"], "event_phases": ["peak"]}},
    {"code": "W", "name": "尾款冲刺班", "start": "19:00", "end": "23:00", "colour": "F4B084", "breaks": [],
     "valid": {"event_kinds": ["double11"], "event_phases": ["run_up"]}},
]

CONTRACTS = {
    "standard": {"system": "standard", "max_hours_day": 8, "max_hours_week": 40, "standard_hours_month": 166.64},
    # 综合计算工时制 (approved for the CS centre): hours averaged over the month, 11 h a day at most
    "comprehensive": {"system": "comprehensive", "max_hours_day": 11, "max_hours_week": 60,
                      "standard_hours_month": 166.64},
}

# Team composition: (group, head count, skills, salary range CNY, share on comprehensive hours).
# Sized as a shop staffs: the month's requirements (plan.optimize.staffing.requirements on the
# noise-free 2026-11 volumes with this file's targets, shrinkage included) are about 7,400 agent-hours,
# some 240 on an ordinary day. One person gives about 167 paid hours a month (less leave), and fitting
# 8-9 h shifts to the day's curve wastes about a tenth, so ~50 people carry ordinary weeks near
# their targets; the 11.11 peak (~420 agent-hours, 35 heads in its 00:00 hour), the 双11 run-up
# evenings and the after-sales tail need part-timers, vendor seats and the bot on top.
TEAM = [
    ("presales", 8, ["chat_presales"], (5500, 7400), 0.5),
    ("presales+after", 8, ["chat_presales", "chat_aftersales"], (6200, 8200), 0.5),
    ("aftersales", 7, ["chat_aftersales", "email"], (5800, 7800), 0.4),
    ("hotline", 14, ["phone", "chat_aftersales"], (5800, 7800), 0.25),
    ("email", 5, ["email", "chat_aftersales"], (5600, 7200), 0.0),
    ("senior", 8, ["chat_presales", "chat_aftersales", "phone", "email"], (7600, 9000), 0.5),
]
# The team before it was right-sized (a third more people than the work needs): kept as the
# benchmarks' "wide" instance, where the optimiser's choices hardly matter.
WIDE_TEAM = [
    ("presales", 10, ["chat_presales"], (5500, 7400), 0.5),
    ("presales+after", 9, ["chat_presales", "chat_aftersales"], (6200, 8200), 0.5),
    ("aftersales", 9, ["chat_aftersales", "email"], (5800, 7800), 0.4),
    ("hotline", 17, ["phone", "chat_aftersales"], (5800, 7800), 0.25),
    ("email", 6, ["email", "chat_aftersales"], (5600, 7200), 0.0),
    ("senior", 9, ["chat_presales", "chat_aftersales", "phone", "email"], (7600, 9000), 0.5),
]


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _names(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < count:
        name = SURNAMES[rng.integers(len(SURNAMES))] + GIVEN[rng.integers(len(GIVEN))]
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _month_days() -> list[dt.date]:
    year, month = ROSTER_MONTH
    first = dt.date(year, month, 1)
    return [first + dt.timedelta(days=i) for i in range(30)]


def in_house_agents(seed: int, taken: set[str], team: list = TEAM) -> list[dict]:
    rng = _rng(seed, "in-house")
    days = _month_days()
    freeze = (dt.date(2026, 11, 9), dt.date(2026, 11, 13))  # no leave around 11.11 (封假)
    agents = []
    for group, count, skills, (low, high), comprehensive in team:
        for name in _names(rng, count, taken):
            agent = {
                "id": f"E{len(agents) + 1:03d}",
                "name": name,
                "skills": list(skills),
                "contract": "comprehensive" if rng.random() < comprehensive else "standard",
                "monthly_salary": int(round(rng.uniform(low, high), -2)),
            }
            if rng.random() < 0.28:  # annual leave / 调休假 taken this month, one stretch
                start = days[int(rng.integers(len(days) - 4))]
                length = int(rng.choice([1, 1, 2, 3, 5]))
                span = [start + dt.timedelta(days=k) for k in range(length)]
                span = [d for d in span if not freeze[0] <= d <= freeze[1]]
                if span:
                    agent["leave"] = [d.isoformat() for d in span]
            prefs = {}
            roll = rng.random()
            if roll < 0.10:
                prefs["avoid_shifts"] = ["N", "L"]        # e.g. a young parent
            elif roll < 0.16:
                prefs["prefer_shifts"] = ["N", "L"]       # night-shift allowance
            elif roll < 0.24:
                prefs["prefer_shifts"] = ["A", "A9"]
            if rng.random() < 0.12:
                prefs["prefer_rest_days"] = ["sat", "sun"]
            if prefs:
                agent["preferences"] = prefs
            agents.append(agent)
    return agents


def part_timers(seed: int, taken: set[str]) -> list[dict]:
    """Students (兼职): weekday evenings and weekends, chat only, ≤ 4 h a day and 24 h a week."""
    rng = _rng(seed, "part-time")
    people = []
    for i, name in enumerate(_names(rng, 15, taken)):
        skills = ["chat_presales"] if i < 10 else ["chat_presales", "chat_aftersales"]
        evening_end = "23:00" if i % 3 else "24:00"
        person = {
            "id": f"P{i + 1:03d}", "name": name, "skills": skills,
            "hourly_rate": int(rng.choice([22, 24, 25, 26, 28, 30])),
            "max_hours_day": 4, "max_hours_week": 24 if i % 4 else 16, "min_block_hours": 2 if i % 5 else 3,
            "availability": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": evening_end},
                             {"days": ["sat", "sun"], "start": "09:00", "end": "23:00"}],
        }
        if i % 4 == 1:  # mid-term exams
            first = dt.date(2026, 11, 16 + int(rng.integers(0, 6)))
            person["unavailable"] = [(first + dt.timedelta(days=k)).isoformat() for k in range(3)]
        people.append(person)
    return people


VENDORS = [
    {"id": "V1", "name": "杭州云聚客服外包", "skills": ["chat_presales", "chat_aftersales"],
     "price_per_seat_hour": 38, "event_price_per_seat_hour": 52, "max_seats": 40, "block_hours": 4,
     "min_monthly_seat_hours": 200, "aht_factor": 1.15, "conversion_factor": 0.8, "hours": ["00:00", "24:00"]},
    {"id": "V2", "name": "合肥联信呼叫中心", "skills": ["phone", "chat_aftersales", "email"],
     "price_per_seat_hour": 45, "event_price_per_seat_hour": 60, "max_seats": 25, "block_hours": 6,
     "min_monthly_seat_hours": 120, "aht_factor": 1.25, "conversion_factor": 0.9, "hours": ["00:00", "24:00"]},
]

BOT = {
    # field figures, docs/architecture.md: bot self-service 30% now, 40% the target
    "containment": {"chat_presales": 0.35, "chat_aftersales": 0.25},
    "escalated_aht_factor": 1.2, "price_per_session": 0.15, "monthly_fee": 3000,
    "max_sessions_per_hour": 6000,
    # bot-first mode on 11.11 (`plan intraday`): the target's 40 % and more on the simple after-sales
    # questions; a pre-sales chat the bot deflects converts at 80 % of an agent's rate
    "peak_containment": {"chat_presales": 0.45, "chat_aftersales": 0.40}, "peak_conversion_factor": 0.8,
}

COSTS = {"shortfall_penalty_per_contact": 32, "presales_conversion_rate": 0.22, "average_order_value": 168}

HEADER = """\
# Sample team of a mid-size e-commerce CS centre (tier-2 city, 2026 pay levels), roster month 2026-11.
# Written by data/generate_sample.py - edit the generator, not this file. Schema: contracts/workforce.py.
"""


def workforce(seed: int, team: list = TEAM) -> dict:
    taken: set[str] = set()
    return {
        "site": {"name": "杭州客服中心", "timezone": "Asia/Shanghai", "currency": "CNY", "country": "CN",
                 "interval_minutes": 60},
        "queues": QUEUES,
        "shifts": SHIFTS,
        "contracts": CONTRACTS,
        "labour_rules": {"min_rest_between_shifts_h": 11, "max_consecutive_days": 6, "min_rest_days_per_week": 1,
                         "overtime_max_h_month": 36, "overtime_premium_workday": 1.5,
                         "overtime_premium_rest_day": 2.0, "overtime_premium_holiday": 3.0,
                         "part_time_max_h_day": 4, "part_time_max_h_week": 24},
        "in_house": in_house_agents(seed, taken, team),
        "part_time": part_timers(seed, taken),
        "vendors": VENDORS,
        "bot": BOT,
        "costs": COSTS,
    }


SECTION_NOTES = {
    "queues": "Queues (技能组) with handle time, patience and targets; event_targets apply on promotion days.",
    "shifts": "Shift templates (班次) as the team names them; a shift ending at or before its start ends next day.",
    "contracts": "Working-time systems (工时制度).",
    "labour_rules": "China defaults: 11 h rest between shifts, <= 6 days in a row, overtime <= 36 h/month.",
    "in_house": "In-house agents (本部). Leave is frozen 11-09 .. 11-13 (封假).",
    "part_time": "Part-timers (兼职, students): <= 4 h/day, <= 24 h/week.",
    "vendors": "Outsourcing vendors (外包/BPO): seat-hour prices, caps, minimum blocks and monthly commitments.",
    "bot": "Chat bot (机器人): containment per chat queue; the field's 30% today, 40% the target.",
    "costs": "Shortfall penalty: lost margin of a pre-sales contact answered late or lost.",
}


class _Dumper(yaml.SafeDumper):
    """Quotes every clock time and date, so a hand edit like ``start: 9:00`` stands out."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    quoted = re.fullmatch(r"\d{1,2}:\d{2}(\+\d)?|\d{4}-\d{2}-\d{2}", value) is not None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if quoted else None)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    flat = all(not isinstance(v, (dict, list)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat)


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    flat = len(value) <= 5 and all(not isinstance(v, (dict, list)) for v in value.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flat)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def workforce_yaml(seed: int, team: list = TEAM) -> str:
    body = yaml.dump(workforce(seed, team), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    lines = []
    for line in body.splitlines():
        key = line.split(":", 1)[0]
        if key in SECTION_NOTES:
            lines += ["", f"# {SECTION_NOTES[key]}"]
        lines.append(line)
    return HEADER + "\n".join(lines) + "\n"
