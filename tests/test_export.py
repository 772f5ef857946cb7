"""`plan export`: a real planned month (plan_month + write_plan) exported to DingTalk, WeCom, Feishu
and .ics, each read back and compared with roster.csv read independently here with pandas."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import yaml
from icalendar import Calendar
from openpyxl import load_workbook

from plan.optimize.roster import write_plan
from test_roster import MONTH, small_requirements, small_workforce

SITE_ZONE = ZoneInfo("Asia/Shanghai")  # small_workforce() keeps the default site time zone
WECOM_IDS = {"A": 101, "C": 102, "N": 103}
FEISHU_IDS = {"A": "6919358778597097401", "C": "6919358778597097402", "N": "6919358778597097403"}
DINGTALK_NAMES = {"A": "早班A", "C": "晚班C", "N": "夜班N"}
MAPPING = {"users": {"E1": "jia.dd"},
           "dingtalk": {"shifts": DINGTALK_NAMES},
           "wecom": {"groupid": 226, "shifts": WECOM_IDS},
           "feishu": {"group_id": "6919358128597097404", "shifts": FEISHU_IDS}}


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory, small_month_plan):
    """The session's small month (a night pinned: an overnight shift is surely in it), written."""
    folder = tmp_path_factory.mktemp("export")
    config = folder / "workforce.yaml"
    config.write_text(yaml.safe_dump(small_workforce(), allow_unicode=True), encoding="utf-8")
    return write_plan(small_month_plan, folder / f"roster-{MONTH}",
                      inputs={"workforce": config, "requirements": small_requirements()})


@pytest.fixture(scope="module")
def roster(plan_dir) -> pd.DataFrame:
    table = pd.read_csv(plan_dir / "roster.csv", dtype=str, keep_default_na=False)
    table["working"] = ~table["shift_code"].isin(["REST", "LEAVE"])
    return table


@pytest.fixture(scope="module")
def mapping_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("mapping") / "ids.yaml"
    path.write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
    return path


def _in_house(roster: pd.DataFrame) -> pd.DataFrame:
    return roster[roster["type"] == "in_house"]


def _their_id(person: str) -> str:
    return MAPPING["users"].get(person, person)


def _export(run_plan, plan_dir, tmp_path, to: str, *extra) -> object:
    out = tmp_path / to
    run = run_plan("export", "--to", to, plan_dir, "--out", out, *extra)
    assert run.exit_code == 0, run.output
    return out


def test_the_planned_month_has_the_cases_the_exports_must_get_right(roster):
    working = roster[roster["working"]]
    assert (working["shift_code"] == "N").any(), "no overnight shift to check"
    assert (roster["shift_code"] == "REST").any() and (roster["shift_code"] == "LEAVE").any()
    assert set(_in_house(working)["shift_code"]) <= set(WECOM_IDS)


def test_ics_one_event_per_working_day_in_the_site_zone(run_plan, plan_dir, roster, tmp_path):
    out = _export(run_plan, plan_dir, tmp_path, "ics")
    for person, days in roster.groupby("id"):
        calendar = Calendar.from_ical((out / f"{person}.ics").read_bytes())
        events = {}
        for event in calendar.walk("VEVENT"):
            start, end = event.decoded("dtstart"), event.decoded("dtend")
            assert start.date() not in events, f"{person} has two events on {start.date()}"
            events[start.date()] = (start, end, str(event.get("summary")))
        expected = days[days["working"]]
        assert sorted(events) == sorted(dt.date.fromisoformat(d) for d in expected["date"]), person
        for row in expected.itertuples():
            start, end, summary = events[dt.date.fromisoformat(row.date)]
            local_start = dt.datetime.fromisoformat(row.start).replace(tzinfo=SITE_ZONE)
            local_end = dt.datetime.fromisoformat(row.end).replace(tzinfo=SITE_ZONE)
            assert str(start.tzinfo) == "Asia/Shanghai" and start == local_start and end == local_end
            # the same instant in UTC: 8 hours earlier in Shanghai's standard time
            assert start.astimezone(dt.timezone.utc).replace(tzinfo=None) == local_start.replace(tzinfo=None) \
                - dt.timedelta(hours=8)
            if row.shift_code == "N":
                assert end.date() == start.date() + dt.timedelta(days=1)
            assert row.shift_code in summary and row.queue in summary


def test_wecom_payload_has_the_documented_fields_and_every_day_once(run_plan, plan_dir, roster, mapping_file,
                                                                     tmp_path):
    out = _export(run_plan, plan_dir, tmp_path, "wecom", "--mapping", mapping_file)
    body = json.loads((out / "wecom_setcheckinschedulist.json").read_text(encoding="utf-8"))
    assert set(body) == {"groupid", "items", "yearmonth"}
    assert body["groupid"] == 226 and body["yearmonth"] == int(MONTH.replace("-", ""))
    seen = {}
    for item in body["items"]:
        assert set(item) == {"userid", "day", "schedule_id"}
        assert isinstance(item["userid"], str) and type(item["day"]) is int and type(item["schedule_id"]) is int
        key = (item["userid"], item["day"])
        assert key not in seen
        seen[key] = item["schedule_id"]
    in_house = _in_house(roster)
    expected = {(_their_id(r.id), int(r.date[-2:])): WECOM_IDS[r.shift_code] if r.working else 0
                for r in in_house.itertuples()}
    assert seen == expected  # working days their shift's id, rest and leave WeCom's 0, part-timers left out
    notes = (out / "export-notes.txt").read_text(encoding="utf-8")
    assert "our agent id used for 3 people" in notes and "part-timers: not exported" in notes


def test_feishu_batches_have_the_documented_fields_and_only_working_days(run_plan, plan_dir, roster, mapping_file,
                                                                          tmp_path):
    out = _export(run_plan, plan_dir, tmp_path, "feishu", "--mapping", mapping_file)
    entries, paths = [], sorted(out.glob("feishu_user_daily_shifts_*.json"))
    for path in paths:
        body = json.loads(path.read_text(encoding="utf-8"))
        assert set(body) == {"user_daily_shifts"} and 0 < len(body["user_daily_shifts"]) <= 50
        entries += body["user_daily_shifts"]
    for entry in entries:
        assert set(entry) == {"group_id", "shift_id", "month", "user_id", "day_no"}
        assert [type(entry[k]) for k in ("group_id", "shift_id", "month", "user_id", "day_no")] == \
            [str, str, int, str, int]
    got = sorted((e["user_id"], e["day_no"], e["shift_id"]) for e in entries)
    working = _in_house(roster)[_in_house(roster)["working"]]
    assert got == sorted((_their_id(r.id), int(r.date[-2:]), FEISHU_IDS[r.shift_code]) for r in working.itertuples())
    assert {e["month"] for e in entries} == {int(MONTH.replace("-", ""))}
    assert len(paths) == -(-len(entries) // 50) and len(paths) > 1  # the month needs more than one request
    assert "employee_type=employee_id" in (out / "export-notes.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("with_names", [True, False])
def test_dingtalk_sheet_people_by_dates_with_shift_names(run_plan, plan_dir, roster, mapping_file, tmp_path,
                                                         with_names):
    extra = ("--mapping", mapping_file) if with_names else ()
    out = _export(run_plan, plan_dir, tmp_path, "dingtalk", *extra)
    sheet = load_workbook(out / "dingtalk_schedule_import.xlsx").active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    days = pd.date_range(f"{MONTH}-01", periods=pd.Period(MONTH).days_in_month).strftime("%Y-%m-%d").tolist()
    assert rows[0] == ["姓名", "工号", *days]
    in_house = _in_house(roster)
    their_id = _their_id if with_names else str  # without a mapping file, DingTalk gets our ids
    assert [row[1] for row in rows[1:]] == [their_id(p) for p in in_house["id"].unique()]
    for row in rows[1:]:
        person = in_house[in_house["id"].map(their_id) == row[1]].set_index("date")
        for day, cell in zip(days, row[2:]):
            record = person.loc[day]
            if not record["working"]:
                assert cell == "休息"
            else:
                assert cell == (DINGTALK_NAMES[record["shift_code"]] if with_names else record["shift_name"])


def test_a_shift_missing_from_the_mapping_is_one_line_exit_2(run_plan, plan_dir, tmp_path):
    broken = {**MAPPING, "wecom": {"groupid": 226, "shifts": {"A": 101, "C": 102}}}
    path = tmp_path / "ids.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    run = run_plan("export", "--to", "wecom", plan_dir, "--mapping", path, "--out", tmp_path / "w")
    run.error_line((str(path), "'N'", "wecom.shifts"))
    assert not (tmp_path / "w").exists()


def test_wecom_without_a_mapping_file_is_refused(run_plan, plan_dir, tmp_path):
    run_plan("export", "--to", "wecom", plan_dir, "--out", tmp_path / "w").error_line(("--mapping",))


def test_a_folder_holding_a_users_file_is_not_written_into(run_plan, plan_dir, tmp_path):
    out = tmp_path / "ics"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    run_plan("export", "--to", "ics", plan_dir, "--out", out).error_line(("--out", "mine.txt"))
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


@pytest.mark.parametrize("section, where", [
    ({"wecom": {"groupid": "abc", "shifts": WECOM_IDS}}, ("wecom.groupid", "'abc'")),
    ({"wecom": {"groupid": 226, "shifts": {**WECOM_IDS, "N": 0}}}, ("wecom.shifts.N", "rest")),
    ({"wecom": {"groupid": 226, "shift": WECOM_IDS}}, ("wecom.shift", "unknown key")),
    ({"wechat": {}}, ("wechat", "unknown section")),
])
def test_a_malformed_mapping_is_one_line_naming_the_field(run_plan, plan_dir, tmp_path, section, where):
    path = tmp_path / "ids.yaml"
    path.write_text(yaml.safe_dump(section, allow_unicode=True), encoding="utf-8")
    run_plan("export", "--to", "wecom", plan_dir, "--mapping", path, "--out", tmp_path / "w").error_line(
        (str(path), *where))
