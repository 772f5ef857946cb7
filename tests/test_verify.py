"""`plan verify`: a hand-built clean plan passes; each broken rule or figure is reported.

The clean plan is built here with its own simple arithmetic (minute-by-minute presence, costs by
the rules of docs/plan-files.md) so the checker is compared against an independent construction,
not against itself.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from plan.contracts.errors import InputError
from plan.contracts.workforce import parse_workforce
from plan.optimize.queueing.service import email_backlog, queue_metrics
from plan.optimize.verify import check_plan, verify_plan

MONTH = "2026-11"
DAYS = pd.date_range("2026-11-01", "2026-11-30", freq="D")

WORKFORCE = {
    "site": {"name": "test", "interval_minutes": 60},
    "queues": {
        "phone": {"channel": "voice", "aht_s": 300, "patience_s": 120, "shrinkage": 0.1,
                  "targets": {"service_level": 0.8, "answer_within_s": 20},
                  "event_targets": {"service_level": 0.9, "answer_within_s": 15}},
        "chat_presales": {"channel": "chat", "aht_s": 400, "patience_s": 300, "concurrency": 2,
                          "targets": {"service_level": 0.8, "answer_within_s": 30}},
        "email": {"channel": "email", "aht_s": 600, "shrinkage": 0.1, "targets": {"resolve_within_h": 24}},
    },
    "shifts": [
        {"code": "D", "name": "早班", "start": "09:00", "end": "18:00", "colour": "C6EFCE",
         "breaks": [{"minutes": 60, "window_start": "11:30", "window_end": "13:30"}]},
        {"code": "M", "name": "中班", "start": "13:00", "end": "21:30", "colour": "FFEB9C",
         "breaks": [{"minutes": 30, "window_start": "17:00", "window_end": "19:00"}]},
        {"code": "E", "name": "早早班", "start": "06:30", "end": "15:00", "colour": "BDD7EE",
         "breaks": [{"minutes": 30, "window_start": "10:30", "window_end": "12:00"}]},
        {"code": "N", "name": "夜班", "start": "22:00", "end": "07:00", "colour": "D9D2E9",
         "breaks": [{"minutes": 60, "window_start": "02:00", "window_end": "04:00"}]},
    ],
    "contracts": {"std": {"system": "standard"},
                  "comp": {"system": "comprehensive", "max_hours_day": 12}},
    "labour_rules": {"min_rest_between_shifts_h": 11, "max_consecutive_days": 6},
    "in_house": [
        {"id": "E001", "name": "张伟", "skills": ["phone", "chat_presales"], "contract": "std",
         "monthly_salary": 8000},
        {"id": "E002", "name": "王芳", "skills": ["chat_presales"], "contract": "std", "monthly_salary": 7500},
        {"id": "E003", "name": "李娜", "skills": ["phone"], "contract": "comp", "monthly_salary": 9000},
        {"id": "E004", "name": "=HYPERLINK(\"http://x\",\"刘洋\")", "skills": ["phone", "email"], "contract": "std",
         "monthly_salary": 7000, "leave": ["2026-11-17", "2026-11-18"]},
    ],
    "part_time": [
        {"id": "P001", "name": "陈静", "skills": ["chat_presales"], "hourly_rate": 30,
         "availability": [{"days": ["sat", "sun"], "start": "10:00", "end": "20:00"},
                          {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": "22:00"}],
         "unavailable": ["2026-11-29"]},
    ],
    "vendors": [
        {"id": "V1", "name": "外包A", "skills": ["chat_presales"], "price_per_seat_hour": 40,
         "event_price_per_seat_hour": 60, "max_seats": 3, "block_hours": 4, "min_monthly_seat_hours": 100,
         "aht_factor": 1.25},
    ],
    "bot": {"containment": {"chat_presales": 0.3}, "price_per_session": 0.1, "monthly_fee": 1000,
            "max_sessions_per_hour": 50},
    "costs": {"shortfall_penalty_per_contact": 2.0},
}
EVENTS = "name,kind,start,end\n双11,double11,2026-10-31,2026-11-11\n"
HOLIDAY_OVERTIME_SATURDAY = "2026-11-07"  # E001 works this Saturday as rest-day overtime


def _pattern(agent_id: str, day: pd.Timestamp) -> str:
    """A clean month: weekday D for E001/E004, M Tue-Sat for E002, 4 nights on / 2 off for E003."""
    weekday = day.weekday()
    if agent_id == "E001":
        return "D" if weekday < 5 or day == pd.Timestamp(HOLIDAY_OVERTIME_SATURDAY) else "REST"
    if agent_id == "E002":
        return "M" if 1 <= weekday <= 5 else "REST"
    if agent_id == "E003":
        return "N" if (day.day - 1) % 6 < 4 else "REST"
    if agent_id == "E004":
        if day.strftime("%Y-%m-%d") in ("2026-11-17", "2026-11-18"):
            return "LEAVE"
        return "D" if weekday < 5 else "REST"
    raise KeyError(agent_id)


def _queue_of(agent_id: str, day: pd.Timestamp) -> str:
    return {"E001": "phone" if day.day % 2 else "chat_presales", "E002": "chat_presales",
            "E003": "phone", "E004": "phone" if day.day % 2 else "email"}[agent_id]


def _shift_row(workforce, agent, day: pd.Timestamp, code: str) -> dict:
    base = {"type": "in_house", "id": agent.id, "name": agent.name, "date": f"{day:%Y-%m-%d}",
            "shift_code": code, "shift_name": "", "start": "", "end": "", "breaks": "", "paid_hours": 0.0,
            "queue": "", "overtime_hours": 0.0, "overtime_kind": ""}
    if code in ("REST", "LEAVE"):
        base["shift_name"] = {"REST": "休", "LEAVE": "假"}[code]
        return base
    shift = workforce.shift(code)
    start = day + pd.Timedelta(minutes=shift.start_min)
    end = start + pd.Timedelta(minutes=shift.length_min)
    pieces = []
    for meal in shift.breaks:
        h, m = map(int, meal.window_start.split(":"))
        b0 = pd.Timestamp(2000, 1, 1, h, m) + pd.Timedelta(minutes=30)
        pieces.append(f"{b0:%H:%M}-{b0 + pd.Timedelta(minutes=meal.minutes):%H:%M}")
    base.update(shift_name=shift.name, start=f"{start:%Y-%m-%d %H:%M}", end=f"{end:%Y-%m-%d %H:%M}",
                breaks=";".join(pieces), paid_hours=shift.paid_hours, queue=_queue_of(agent.id, day))
    if agent.id == "E001" and f"{day:%Y-%m-%d}" == HOLIDAY_OVERTIME_SATURDAY:
        base.update(overtime_hours=shift.paid_hours, overtime_kind="rest_day")
    return base


def _part_time_row(person, day: pd.Timestamp) -> dict:
    base = {"type": "part_time", "id": person.id, "name": person.name, "date": f"{day:%Y-%m-%d}",
            "shift_code": "REST", "shift_name": "休", "start": "", "end": "", "breaks": "", "paid_hours": 0.0,
            "queue": "", "overtime_hours": 0.0, "overtime_kind": ""}
    if day.weekday() >= 5 and f"{day:%Y-%m-%d}" != "2026-11-29":
        base.update(shift_code="PT", shift_name="兼职", start=f"{day:%Y-%m-%d} 12:00", end=f"{day:%Y-%m-%d} 16:00",
                    paid_hours=4.0, queue="chat_presales")
    return base


def _vendor_rows() -> pd.DataFrame:
    rows = []
    for day in ("2026-11-10", "2026-11-11", "2026-11-27"):   # two event days, one normal day
        for hour in range(10, 16):
            rows.append({"vendor": "V1", "queue": "chat_presales", "interval_start": f"{day} {hour:02d}:00",
                         "seats": 2})
    return pd.DataFrame(rows)


def _minutes(roster: pd.DataFrame, intervals: pd.DatetimeIndex, queue: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(heads on the floor, heads on a break) per minute: the plainest possible reading of the roster."""
    minutes = np.zeros(len(intervals) * 60)
    breaking = np.zeros_like(minutes)
    t0 = intervals[0]
    for row in roster[(roster["queue"] == queue) & (roster["type"] == kind)].itertuples():
        start, end = pd.Timestamp(row.start), pd.Timestamp(row.end)
        on = np.zeros_like(minutes, dtype=bool)
        a, b = int((start - t0).total_seconds() // 60), int((end - t0).total_seconds() // 60)
        on[max(a, 0):max(min(b, len(minutes)), 0)] = True
        for piece in filter(None, row.breaks.split(";")):
            bs, be = piece.split("-")
            b_start = pd.Timestamp(f"{start:%Y-%m-%d} {bs}")
            if b_start < start:
                b_start += pd.Timedelta(days=1)
            b_end = b_start + (pd.Timestamp(f"2000-01-01 {be}") - pd.Timestamp(f"2000-01-01 {bs}"))
            x, y = int((b_start - t0).total_seconds() // 60), int((b_end - t0).total_seconds() // 60)
            on[max(x, 0):max(min(y, len(minutes)), 0)] = False
            breaking[max(x, 0):max(min(y, len(minutes)), 0)] += 1
        minutes += on
    return minutes, breaking


def _presence(roster: pd.DataFrame, intervals: pd.DatetimeIndex, queue: str, kind: str) -> np.ndarray:
    """Heads per hour, minute by minute."""
    return _minutes(roster, intervals, queue, kind)[0].reshape(len(intervals), 60).mean(axis=1)


def _unanswered(roster: pd.DataFrame, intervals: pd.DatetimeIndex, queue: str, human: np.ndarray,
                vendor: np.ndarray) -> list[dict]:
    """Minutes where every agent of the queue is on break, nobody else there, contacts arriving."""
    floor, breaking = _minutes(roster, intervals, queue, "in_house")
    part_time, _ = _minutes(roster, intervals, queue, "part_time")
    alone = (breaking > 0) & (floor == 0) & (part_time == 0) & (np.repeat(vendor, 60) == 0) & (np.repeat(human, 60) > 0)
    edges = np.diff(np.concatenate([[0], alone.astype(int), [0]]))
    return [{"queue": queue, "start": f"{intervals[0] + pd.Timedelta(minutes=int(a)):%Y-%m-%d %H:%M}",
             "end": f"{intervals[0] + pd.Timedelta(minutes=int(b)):%Y-%m-%d %H:%M}"}
            for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0])]


def build_plan(directory: Path) -> Path:
    """Write a clean plan directory for November 2026 (4 in-house, 1 part-timer, 1 vendor, bot)."""
    workforce = parse_workforce(WORKFORCE)
    (directory / "inputs").mkdir(parents=True)
    (directory / "inputs" / "workforce.yaml").write_text(yaml.safe_dump(WORKFORCE, allow_unicode=True),
                                                         encoding="utf-8")
    (directory / "inputs" / "events.csv").write_text(EVENTS, encoding="utf-8")

    rows = [_shift_row(workforce, agent, day, _pattern(agent.id, day))
            for agent in workforce.in_house for day in DAYS]
    rows += [_part_time_row(person, day) for person in workforce.part_time for day in DAYS]
    roster = pd.DataFrame(rows)
    roster.to_csv(directory / "roster.csv", index=False)
    seats = _vendor_rows()
    seats.to_csv(directory / "vendor_seats.csv", index=False)

    intervals = pd.date_range("2026-11-01 00:00", "2026-11-30 23:00", freq="h")
    hour = intervals.hour.to_numpy()
    event_day = intervals.normalize() <= pd.Timestamp("2026-11-25")   # 10-31..11-11 plus 14-day tail
    coverage_parts, requirement_parts, service = [], [], {}
    penalty_contacts, bot_sessions = 0.0, 0.0
    unanswered = []   # lone agents' breaks (E003's nights): listed, as the planner lists them
    for name, queue in workforce.queues.items():
        arrivals = np.where((hour >= 9) & (hour < 22), 24.0, 3.0) * {"phone": 1.5, "chat_presales": 2.0,
                                                                     "email": 0.5}[name]
        bot = arrivals * workforce.bot.containment.get(name, 0.0)
        human = arrivals - bot
        in_house = _presence(roster, intervals, name, "in_house")
        part_time = _presence(roster, intervals, name, "part_time")
        vendor = np.zeros(len(intervals))
        if name == "chat_presales":
            per_hour = seats.assign(t=pd.to_datetime(seats["interval_start"])).set_index("t")["seats"]
            vendor = per_hour.reindex(intervals, fill_value=0).to_numpy(dtype=float)
        effective = (in_house + part_time + vendor / 1.25) * (1 - queue.shrinkage)
        if queue.channel != "email":
            unanswered += _unanswered(roster, intervals, name, human, vendor)
        if queue.channel == "email":
            backlog = email_backlog(human, queue.aht_s, effective, 24.0)
            arrived = np.maximum(human, 1e-300)
            metrics = {"asa_s": backlog.response_s, "service_level": 1 - backlog.late_contacts / arrived,
                       "abandon_rate": np.zeros(len(intervals))}
        within = np.where(event_day & (queue.event_targets is not None),
                          (queue.event_targets or queue.targets).answer_within_s, queue.targets.answer_within_s)
        if queue.channel != "email":
            metrics = {key: np.zeros(len(intervals)) for key in ("asa_s", "service_level", "abandon_rate")}
        for threshold in np.unique(within) if queue.channel != "email" else ():
            mask = within == threshold
            m = queue_metrics(queue, human[mask], effective[mask], answer_within_s=float(threshold))
            for key in metrics:
                metrics[key][mask] = m.__getattribute__(key)
        shortfall = human * (1 - metrics["service_level"])
        penalty_contacts += shortfall.sum()
        bot_sessions += bot.sum()
        required = np.ceil(human * queue.aht_s / 3600 / (queue.concurrency * 0.8))
        coverage_parts.append(pd.DataFrame({
            "queue": name, "interval_start": intervals.strftime("%Y-%m-%d %H:%M"), "arrivals": arrivals,
            "bot_handled": bot, "arrivals_human": human, "required": required, "staffed_in_house": in_house,
            "staffed_part_time": part_time, "staffed_vendor": vendor, "staffed_effective": effective,
            **metrics, "shortfall_contacts": shortfall}))
        requirement_parts.append(pd.DataFrame({
            "queue": name, "interval_start": intervals.strftime("%Y-%m-%d %H:%M"), "event_day": event_day,
            "arrivals": arrivals, "bot_handled": bot, "arrivals_human": human, "aht_s": float(queue.aht_s),
            "agents_required": required}))
        answered = human * (1 - metrics["abandon_rate"])
        service[name] = {"asa_s": float((metrics["asa_s"] * answered).sum() / answered.sum()),
                         "service_level": float((metrics["service_level"] * human).sum() / human.sum()),
                         "abandon_rate": float((metrics["abandon_rate"] * human).sum() / human.sum()),
                         "contacts": float(human.sum())}
    pd.concat(coverage_parts).to_csv(directory / "coverage.csv", index=False)
    pd.concat(requirement_parts).to_csv(directory / "inputs" / "requirements.csv", index=False)

    hourly_e001 = 8000 / 166.64
    seat_hours_event, seat_hours_normal = 2 * 6 * 2, 2 * 6
    part_time_hours = float(roster.loc[roster["type"] == "part_time", "paid_hours"].sum())
    cost = {"in_house": 8000 + 7500 + 9000 + 7000,
            "overtime": 8 * hourly_e001 * 2.0,
            "part_time": part_time_hours * 30,
            "vendor": seat_hours_event * 60 + seat_hours_normal * 40 + (100 - 36) * 40,
            "bot": bot_sessions * 0.1 + 1000,
            "shortfall_penalty": penalty_contacts * 2.0}
    cost = {"total": sum(cost.values()), **cost}
    summary = {"month": MONTH, "cost": cost, "service": service,
               "solver": {"status": "OPTIMAL", "objective": cost["total"], "best_bound": cost["total"], "gap": 0.0,
                          "seconds": 1.0},
               "violations": [], "shortfalls": [], "breaks": {"unanswered": unanswered},
               "inputs": {"workforce": "inputs/workforce.yaml", "forecast": "inputs/requirements.csv",
                          "events": "inputs/events.csv"}}
    (directory / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def clean_plan(tmp_path_factory) -> Path:
    return build_plan(tmp_path_factory.mktemp("plan") / "roster-2026-11")


@pytest.fixture
def plan(clean_plan, tmp_path) -> Path:
    """A fresh copy of the clean plan to break."""
    import shutil
    target = tmp_path / "roster-2026-11"
    shutil.copytree(clean_plan, target)
    return target


def _edit(path: Path, change) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(df)
    df.to_csv(path, index=False)


def _row(df: pd.DataFrame, person: str, date: str) -> int:
    return int(df.index[(df["id"] == person) & (df["date"] == date)][0])


def _set_shift(df: pd.DataFrame, person: str, date: str, code: str, queue: str = "phone") -> None:
    workforce = parse_workforce(WORKFORCE)
    agent = next(a for a in workforce.in_house if a.id == person)
    row = _shift_row(workforce, agent, pd.Timestamp(date), code)
    row["queue"] = queue
    df.loc[_row(df, person, date), list(row)] = [str(v) for v in row.values()]


def _rules(plan_dir: Path) -> list[str]:
    return [v.rule for v in check_plan(plan_dir).violations]


# --- the clean plan -----------------------------------------------------------------------------

def test_clean_plan_has_no_violations(clean_plan):
    assert verify_plan(clean_plan) == []
    report = check_plan(clean_plan)
    assert report.ok and report.counts["people"] == 5
    assert report.cost["vendor"] == pytest.approx(24 * 60 + 12 * 40 + 64 * 40)


# --- one broken rule per test -------------------------------------------------------------------

def test_eighth_consecutive_working_day(plan):
    # E002 works Tue-Sat; fill Sun 11-08 and Mon 11-09 so Tue 11-03 .. Sat 11-14 is 12 days
    _edit(plan / "roster.csv", lambda df: [_set_shift(df, "E002", d, "M", "chat_presales")
                                           for d in ("2026-11-08", "2026-11-09")])
    lines = verify_plan(plan)
    hit = [line for line in lines if "consecutive working day" in line]
    assert hit and "E002 王芳 2026-11-09: 7th consecutive working day (max 6; run of 12 days)" in hit[0]
    assert hit[0].startswith("roster.csv:")
    assert "weekly_hours" in _rules(plan)


def test_nine_hours_rest_between_shifts(plan):
    # E002 M ends Tue 11-03 21:30; an E shift on Wed 11-04 starts 06:30: 9 h of rest
    _edit(plan / "roster.csv", lambda df: _set_shift(df, "E002", "2026-11-04", "E", "chat_presales"))
    lines = [line for line in verify_plan(plan) if "rest after the shift" in line]
    assert len(lines) == 1 and "E002 王芳 2026-11-04: 9 h rest" in lines[0] and "(min 11 h)" in lines[0]


def test_work_on_leave(plan):
    _edit(plan / "roster.csv", lambda df: _set_shift(df, "E004", "2026-11-17", "D"))
    assert "work_on_leave" in _rules(plan)
    assert any("2026-11-17: works D on a leave day" in line for line in verify_plan(plan))


def test_part_timer_five_hours(plan):
    def five_hours(df):
        i = _row(df, "P001", "2026-11-07")
        df.loc[i, ["end", "paid_hours"]] = ["2026-11-07 17:00", "5.0"]
    _edit(plan / "roster.csv", five_hours)
    lines = verify_plan(plan)
    assert any("P001 陈静 2026-11-07: 5 h in a day (part-time max 4 h)" in line for line in lines)


def test_part_timer_outside_availability_and_unavailable_day(plan):
    def shift(df):
        i = _row(df, "P001", "2026-11-04")   # a Wednesday: available 18:00-22:00 only
        df.loc[i, ["shift_code", "start", "end", "paid_hours", "queue"]] = [
            "PT", "2026-11-04 12:00", "2026-11-04 16:00", "4.0", "chat_presales"]
        j = _row(df, "P001", "2026-11-29")
        df.loc[j, ["shift_code", "start", "end", "paid_hours", "queue"]] = [
            "PT", "2026-11-29 12:00", "2026-11-29 16:00", "4.0", "chat_presales"]
    _edit(plan / "roster.csv", shift)
    rules = _rules(plan)
    assert "availability" in rules and "work_unavailable" in rules


def test_vendor_block_of_two_hours(plan):
    def add(df):
        extra = pd.DataFrame({"vendor": "V1", "queue": "chat_presales",
                              "interval_start": ["2026-11-20 10:00", "2026-11-20 11:00"], "seats": "1"})
        return extra
    seats = pd.read_csv(plan / "vendor_seats.csv", dtype=str)
    seats = pd.concat([seats, add(seats)])
    seats.to_csv(plan / "vendor_seats.csv", index=False)
    lines = [line for line in verify_plan(plan) if "bought for" in line]
    assert len(lines) == 1
    assert "V1 chat_presales 2026-11-20 10:00: 1 seat(s) bought for 2 h (10:00-12:00); blocks last at least 4 h" \
        in lines[0]


def test_vendor_seat_rise_for_one_hour_inside_a_long_block(plan):
    # 2 seats 10-16 on 11-27, a third seat only 12:00-13:00: the extra seat is a 1 h block
    _edit(plan / "vendor_seats.csv",
          lambda df: df.__setitem__("seats", np.where(df["interval_start"] == "2026-11-27 12:00", "3", df["seats"])))
    assert "seat_block" in _rules(plan)


def test_seats_over_cap(plan):
    _edit(plan / "vendor_seats.csv",
          lambda df: df.__setitem__("seats", np.where(df["interval_start"] == "2026-11-10 12:00", "4", df["seats"])))
    lines = verify_plan(plan)
    assert any("V1 2026-11-10 12:00: 4 seats over all queues (cap 3)" in line for line in lines)


def test_overtime_over_36_hours(plan):
    def overtime(df):
        for date in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
            df.loc[_row(df, "E001", date), ["overtime_hours", "overtime_kind"]] = ["8.0", "workday"]
    _edit(plan / "roster.csv", overtime)
    lines = verify_plan(plan)
    assert any(line.startswith("roster.csv: E001 张伟: 40 h overtime in 2026-11 (max 36 h)") for line in lines)


def test_wrong_overtime_premium_changes_cost(plan):
    def kind(df):
        df.loc[_row(df, "E001", HOLIDAY_OVERTIME_SATURDAY), "overtime_kind"] = "workday"
    _edit(plan / "roster.csv", kind)
    lines = verify_plan(plan)
    assert any(line.startswith("summary.json: cost.overtime: reported 768.12 but the cost rules give 576.09")
               for line in lines)
    assert any(line.startswith("summary.json: cost.total:") for line in lines)


def test_overtime_kind_holiday_on_a_normal_day(plan):
    _edit(plan / "roster.csv",
          lambda df: df.__setitem__("overtime_kind", np.where(df["overtime_kind"] == "rest_day", "holiday",
                                                              df["overtime_kind"])))
    assert "overtime_kind" in _rules(plan)


def test_regular_hours_over_the_week_need_overtime(plan):
    _edit(plan / "roster.csv", lambda df: df.__setitem__(
        "overtime_hours", np.where(df["overtime_kind"] == "rest_day", "0", df["overtime_hours"])) or
        df.__setitem__("overtime_kind", ""))
    lines = verify_plan(plan)
    assert any("E001 张伟 week of 2026-11-02: 48 h regular hours in the week (max 40 h" in line for line in lines)


def test_cost_figure_edited_in_summary(plan):
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    summary["cost"]["vendor"] += 0.5
    (plan / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    lines = verify_plan(plan)
    assert len(lines) == 1 and lines[0].startswith("summary.json: cost.vendor: reported")


def test_service_figure_edited_in_summary(plan):
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    summary["service"]["phone"]["service_level"] += 0.01
    (plan / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert _rules(plan) == ["service_mismatch"]


def _edit_summary(plan: Path, change) -> None:
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    change(summary)
    (plan / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


def test_break_span_the_plan_does_not_list_is_flagged(plan):
    # E003 is alone on phone every night: the clean plan lists its breaks; unlisting one is a finding
    def unlist(summary):
        spans = summary["breaks"]["unanswered"]
        night = next(i for i, s in enumerate(spans) if s["queue"] == "phone" and s["start"] >= "2026-11-02 02:00")
        summary["breaks"]["unanswered"] = spans[:night] + spans[night + 1:]
    _edit_summary(plan, unlist)
    found = [v for v in check_plan(plan).violations if v.rule == "breaks_not_staggered"]
    assert [v.subject for v in found] == ["phone 2026-11-02 02:30-03:30"]


def test_colleague_moved_away_leaves_the_queue_unanswered_during_a_break(plan):
    # Wed 11-04: E001 (D, chat_presales) covers E002's 17:30-18:00 break; put E001 on phone instead,
    # where she is alone (E004 is on email that day) and her own lunch leaves phone unanswered
    _edit(plan / "roster.csv", lambda df: df.__setitem__("queue", df["queue"].where(
        ~((df["id"] == "E001") & (df["date"] == "2026-11-04")), "phone")))
    found = [v.subject for v in check_plan(plan).violations if v.rule == "breaks_not_staggered"]
    assert sorted(found) == ["chat_presales 2026-11-04 17:30-18:00", "phone 2026-11-04 12:00-13:00"]


def test_coverage_figure_edited(plan):
    def edit(df):
        i = int(df.index[(df["queue"] == "phone") & (df["interval_start"] == "2026-11-03 10:00")][0])
        df.loc[i, "staffed_in_house"] = str(float(df.loc[i, "staffed_in_house"]) + 1)
    _edit(plan / "coverage.csv", edit)
    lines = verify_plan(plan)
    assert len(lines) == 1
    assert lines[0].startswith("coverage.csv:")
    assert "phone 2026-11-03 10:00: staffed_in_house 3 but roster.csv gives 2" in lines[0]


def test_service_column_edited(plan):
    def edit(df):
        i = int(df.index[(df["queue"] == "chat_presales") & (df["interval_start"] == "2026-11-03 15:00")][0])
        df.loc[i, "service_level"] = "0.999"
    _edit(plan / "coverage.csv", edit)
    assert _rules(plan) == ["coverage_mismatch"]


def test_break_outside_window(plan):
    _edit(plan / "roster.csv", lambda df: df.__setitem__(
        "breaks", np.where((df["id"] == "E001") & (df["date"] == "2026-11-03"), "14:00-15:00", df["breaks"])))
    lines = verify_plan(plan)
    assert any("E001 张伟 2026-11-03: break 14:00-15:00 is outside its window 11:30-13:30" in line for line in lines)
    # the moved break also moves presence: coverage no longer matches the roster
    assert "coverage_mismatch" in _rules(plan)


def test_shift_not_matching_template(plan):
    def late(df):
        i = _row(df, "E004", "2026-11-03")
        df.loc[i, ["start", "end"]] = ["2026-11-03 10:00", "2026-11-03 19:00"]
    _edit(plan / "roster.csv", late)
    assert any("E004" in line and "2026-11-03: D runs 11-03 10:00-11-03 19:00, the template says 09:00-18:00" in line
               for line in verify_plan(plan))


def test_skill_and_unknown_code(plan):
    def edit(df):
        df.loc[_row(df, "E003", "2026-11-01"), "queue"] = "chat_presales"
        df.loc[_row(df, "E001", "2026-11-02"), "shift_code"] = "X"
    _edit(plan / "roster.csv", edit)
    rules = _rules(plan)
    assert "skill" in rules and "unknown_shift" in rules


def test_bot_over_its_cap(plan):
    workforce = yaml.safe_load((plan / "inputs" / "workforce.yaml").read_text(encoding="utf-8"))
    workforce["bot"]["max_sessions_per_hour"] = 10
    (plan / "inputs" / "workforce.yaml").write_text(yaml.safe_dump(workforce, allow_unicode=True), encoding="utf-8")
    assert "bot_cap" in _rules(plan)


# --- files missing or malformed -----------------------------------------------------------------

def test_missing_file_is_an_input_error(plan):
    (plan / "roster.csv").unlink()
    with pytest.raises(InputError, match="roster.csv: file not found"):
        verify_plan(plan)


def test_malformed_number_is_an_input_error_with_line(plan):
    _edit(plan / "roster.csv", lambda df: df.__setitem__("paid_hours", np.where(df.index == 4, "eight",
                                                                                  df["paid_hours"])))
    with pytest.raises(InputError) as info:
        verify_plan(plan)
    assert info.value.row == 6 and info.value.field == "paid_hours"


# --- the command --------------------------------------------------------------------------------

def _plan_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from plan.cli.app import main; main()", "verify", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_exit_codes(plan, clean_plan, run_plan):
    """0 clean, 1 broken (in-process, through the console entry's ``main``), 2 unreadable (in a fresh
    interpreter: the real console, where a traceback would show)."""
    ok = run_plan("verify", clean_plan)
    assert ok.exit_code == 0, ok.output
    assert "ok" in ok.stdout and "every hard rule holds" in ok.stdout
    _edit(plan / "roster.csv", lambda df: _set_shift(df, "E004", "2026-11-17", "D"))
    bad = run_plan("verify", plan, "--json")
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)
    assert not report["ok"] and any(v["rule"] == "work_on_leave" for v in report["violations"])
    (plan / "summary.json").write_text("{not json", encoding="utf-8")
    broken = _plan_cli(str(plan))
    assert broken.returncode == 2 and "summary.json" in broken.stderr and "Traceback" not in broken.stderr


def test_events_decide_event_prices_and_targets(plan):
    # without the events calendar no day is an event day: vendor seats on 11-10/11 are priced
    # normally and phone service is judged against the normal 20 s threshold
    (plan / "inputs" / "events.csv").unlink()
    rules = _rules(plan)
    assert "cost_mismatch" in rules and "coverage_mismatch" in rules
    assert check_plan(plan).cost["vendor"] == pytest.approx(36 * 40 + 64 * 40)


def test_part_time_cost_is_zero_when_no_part_timer_works():
    from types import SimpleNamespace

    from plan.optimize.verify.cost import part_time_cost
    empty = pd.DataFrame({"id": pd.Series([], dtype="str"), "shift_code": pd.Series([], dtype="str"),
                          "paid_hours": pd.Series([], dtype="str")})
    plan_files = SimpleNamespace(workforce=SimpleNamespace(part_time=[SimpleNamespace(id="P1", hourly_rate=25.0)]),
                                 roster=empty)
    assert part_time_cost(plan_files) == 0.0


# --- month edges ----------------------------------------------------------------------------------

def test_vendor_block_cut_at_the_months_end(plan):
    # 2 seats at 22:00-24:00 on the month's last day: the block's other 2 h would be billed in December
    extra = pd.DataFrame({"vendor": "V1", "queue": "chat_presales",
                          "interval_start": ["2026-11-30 22:00", "2026-11-30 23:00"], "seats": "2"})
    seats = pd.concat([pd.read_csv(plan / "vendor_seats.csv", dtype=str), extra])
    seats.to_csv(plan / "vendor_seats.csv", index=False)
    lines = [line for line in verify_plan(plan) if "bought for" in line]
    assert len(lines) == 1
    assert "V1 chat_presales 2026-11-30 22:00: 2 seat(s) bought for 2 h (22:00-00:00) up to the month's end" in lines[0]


def test_a_run_to_the_months_end_that_leaves_no_legal_start(plan):
    # E003's nights 11-25..11-28, then 11-29 and 11-30 too: six in a row at the end (legal in November),
    # but December 1 could only be a rest day
    def nights(df):
        for date in ("2026-11-29", "2026-11-30"):
            _set_shift(df, "E003", date, "N")
    _edit(plan / "roster.csv", nights)
    found = [v for v in check_plan(plan).violations if v.rule == "month_end_start"]
    assert len(found) == 1 and found[0].subject.startswith("E003")
    assert "ends the month on 6 working days in a row" in found[0].message
    assert "consecutive_days" not in _rules(plan)


def test_regular_hours_over_the_share_of_the_week_the_next_month_shares(plan):
    # a 30 h week: Monday 11-30 alone may hold 6 h regular, E001's 8 h D shift needs 2 h overtime
    config = yaml.safe_load((plan / "inputs" / "workforce.yaml").read_text(encoding="utf-8"))
    config["contracts"]["std"]["max_hours_week"] = 30
    (plan / "inputs" / "workforce.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    found = [str(v) for v in check_plan(plan).violations if v.rule == "open_week_hours"]
    assert any("E001" in line and "week of 2026-11-30" in line and "(max 6 h" in line for line in found), found
