"""Month edges: the state carried in from the month before (--previous, --carry-in), the month's end
left a legal start for the next month, the week the two months share, vendor blocks whole inside
the month; kept by the roster, re-checked by `plan verify`."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from plan.contracts.errors import InputError
from plan.contracts.pins import Pin, carry_in_from_plan, carry_in_from_roster, known_carry_in, \
    read_carry_in
from plan.contracts.plan_files import read_plan
from plan.contracts.workforce import parse_workforce
from plan.optimize.roster import plan_month, write_plan
from plan.optimize.roster.instance import agent_week_caps, build_instance
from plan.optimize.roster.pins import apply_window, month_end_windows
from plan.optimize.verify import verify_plan
from plan.optimize.verify.vendors import seat_profile, short_blocks
from test_roster import MONTH, TIME_LIMIT, small_requirements, small_workforce
from test_roster_pins import _cli_inputs

CLI_TIME_LIMIT = "20"
FEB = [dt.date(2026, 2, 1) + dt.timedelta(days=i) for i in range(28)]
ROSTER_COLUMNS = ["type", "id", "name", "date", "shift_code", "shift_name", "start", "end", "breaks", "paid_hours",
                  "queue", "overtime_hours", "overtime_kind"]


def _row(person: str, day: str, code: str = "REST", start: str = "", end: str = "", paid: float = 0.0,
         overtime: float = 0.0, kind: str = "in_house") -> dict:
    return {"type": kind, "id": person, "name": person, "date": day, "shift_code": code, "shift_name": "",
            "start": start, "end": end, "breaks": "", "paid_hours": paid, "queue": "chat" if code != "REST" else "",
            "overtime_hours": overtime, "overtime_kind": "rest_day" if overtime else ""}


def january_roster() -> pd.DataFrame:
    """The end of January 2026 (a Saturday; February starts on a Sunday): E1 works C Tue-Sat, E2 a
    night on the 31st with 2 h overtime, E3 rests on the 31st, E9 has left the team, P1 is a part-timer."""
    rows = []
    for day in pd.date_range("2026-01-01", "2026-01-31"):
        text = f"{day:%Y-%m-%d}"
        nxt = f"{day + pd.Timedelta(days=1):%Y-%m-%d}"
        rows.append(_row("E1", text, "C", f"{text} 15:00", f"{nxt} 00:00", 8.0) if day.day >= 27 else _row("E1", text))
        rows.append(_row("E2", text, "N", f"{text} 23:00", f"{nxt} 08:00", 8.0, 2.0) if day.day == 31
                    else _row("E2", text))
        rows.append(_row("E3", text, "A", f"{text} 08:00", f"{text} 17:00", 8.0) if day.day == 30 else _row("E3", text))
        rows.append(_row("E9", text, "A", f"{text} 08:00", f"{text} 17:00", 8.0) if day.day == 31 else _row("E9", text))
        rows.append(_row("P1", text, kind="part_time"))
    return pd.DataFrame(rows, columns=ROSTER_COLUMNS)


def _previous_plan(tmp_path, month: str = "2026-01"):
    folder = tmp_path / "roster-prev"
    folder.mkdir()
    january_roster().to_csv(folder / "roster.csv", index=False)
    cost = {k: 0.0 for k in ("total", "in_house", "overtime", "part_time", "vendor", "bot", "shortfall_penalty")}
    (folder / "summary.json").write_text(json.dumps({"month": month, "cost": cost, "service": {}}), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- reading the state before the month

def test_the_state_at_a_rosters_end_is_its_run_last_shift_end_and_open_week_regular_hours():
    carry = {c.agent_id: c for c in carry_in_from_roster(january_roster(), dt.date(2026, 2, 1))}
    assert set(carry) == {"E1", "E2", "E3", "E9"}  # in-house people only
    assert (carry["E1"].consecutive_days_worked, carry["E1"].last_shift_end, carry["E1"].hours_this_week) == \
        (5, dt.datetime(2026, 2, 1, 0, 0), 40.0)
    # the night of the 31st ends in February; its 2 h overtime are not regular hours
    assert (carry["E2"].consecutive_days_worked, carry["E2"].last_shift_end, carry["E2"].hours_this_week) == \
        (1, dt.datetime(2026, 2, 1, 8, 0), 6.0)
    assert (carry["E3"].consecutive_days_worked, carry["E3"].hours_this_week) == (0, 8.0)


def test_a_month_starting_on_monday_carries_no_week_hours():
    # as if the next month started on Monday 02-02 (E1 worked up to 01-31, a Saturday)
    carry = {c.agent_id: c for c in carry_in_from_roster(january_roster(), dt.date(2026, 2, 2))}
    assert carry["E1"].hours_this_week == 0.0


def test_previous_plan_of_another_month_is_refused_in_one_line(tmp_path):
    folder = _previous_plan(tmp_path, month="2025-12")
    with pytest.raises(InputError) as error:
        carry_in_from_plan(folder, FEB)
    assert error.value.one_line() == (f"{folder / 'summary.json'}: month: a plan of 2025-12, not of 2026-01, the "
                                      f"month before 2026-02")
    with pytest.raises(InputError, match="plan directory not found"):
        carry_in_from_plan(tmp_path / "nowhere", FEB)


def test_people_not_in_the_team_are_set_aside_with_a_warning(tmp_path):
    workforce = parse_workforce(small_workforce())
    path = tmp_path / "carry.csv"
    path.write_text("agent_id,consecutive_days_worked,last_shift_end,hours_this_week\n"
                    "E1,2,2026-01-31 24:00,16\nE99,3,,\nP1,1,,\n", encoding="utf-8")
    kept, warnings = known_carry_in(workforce, read_carry_in(path))
    assert [c.agent_id for c in kept] == ["E1"]
    assert warnings[0] == f"{path}:3: agent_id: E99 is not an in-house agent of the workforce config; its " \
                          f"carried-in state is ignored"
    assert "P1 is a part-timer" in warnings[1]


# ---------------------------------------------------------------- the month's end and the open week

def test_the_month_end_leaves_a_free_start_and_pins_that_do_not_are_refused():
    inst = build_instance(parse_workforce(small_workforce()), small_requirements(), MONTH)
    assert month_end_windows(inst) == [(6, 5)]  # K = 6, one rest day a week: the last six days hold a rest
    six = [Pin("E2", dt.date(2026, 2, 23) + dt.timedelta(days=i), "A") for i in range(6)]
    apply_window(inst, pins=six)
    assert [(u["date"], "no free start" in u["reason"]) for u in inst.unmet_pins] == [("2026-02-28", True)]


def test_the_week_shared_with_the_next_month_gets_a_weekday_share_of_the_limit():
    november = build_instance(parse_workforce(small_workforce()), small_requirements("2026-11"), "2026-11")
    caps = agent_week_caps(november, 0, 40.0)  # November ends on Monday 11-30: one weekday of the week
    assert caps[-1] == 8.0 and caps[0] == 40.0 and len(november.weeks[-1]) == 1
    february = build_instance(parse_workforce(small_workforce()), small_requirements(), MONTH)
    assert agent_week_caps(february, 0, 40.0)[-1] == 40.0  # Mon-Sat: five weekdays


# no monthly commitment: every seat-hour is paid, so a block cut at the month's end would be cheaper
VENDOR = {"id": "V1", "name": "外包", "skills": ["chat"], "price_per_seat_hour": 40, "max_seats": 3,
          "block_hours": 4, "min_monthly_seat_hours": 0, "aht_factor": 1.2}


@pytest.fixture(scope="module")
def month_end_rush(tmp_path_factory):
    """February, busy in its last week and with a rush in its last two hours, planned once for the
    tests below: everyone is worth having on each of the last six days (what used to be a test of
    its own, a busy last week), and vendor seats are worth buying up to the month's last hour."""
    requirements = small_requirements(peak=6.0, night=1.0)  # the team covers the month but its end
    busy = requirements["interval_start"] >= pd.Timestamp("2026-02-23")
    last = requirements["interval_start"] >= pd.Timestamp("2026-02-28 22:00")
    for column in ("arrivals", "arrivals_human"):
        requirements.loc[busy, column] *= 8
        requirements.loc[last, column] = 90.0
    requirements.loc[last, "agents_required"] = 12
    config_data = small_workforce(vendors=[VENDOR])
    workforce = parse_workforce(config_data)
    result = plan_month(workforce, requirements, MONTH, time_limit_s=TIME_LIMIT, seed=0)
    folder = tmp_path_factory.mktemp("rush")
    config = folder / "workforce.yaml"
    config.write_text(yaml.safe_dump(config_data, allow_unicode=True), encoding="utf-8")
    out = folder / "plan"
    write_plan(result, out, inputs={"workforce": config, "requirements": requirements})
    return result, out


def test_vendor_seats_at_the_months_end_are_whole_blocks_billed_this_month(month_end_rush):
    result, out = month_end_rush
    plan = read_plan(out)
    profile = seat_profile(plan, "V1", "chat")
    assert profile[-1] > 0  # the rush is worth seats
    assert short_blocks(profile, 4) == []  # every block, the last one too, lasts its 4 h inside the month
    seat_hours = float(result.vendor_seats["seats"].sum())
    assert result.summary["cost"]["vendor"] == pytest.approx(seat_hours * 40)


def test_a_planned_month_leaves_the_next_a_free_start_says_so_and_verifies(month_end_rush):
    """Even with everyone worth having on each of the last six days (the busy last week), every run
    ends short of the limit: the next month may start with a working day."""
    result, out = month_end_rush
    roster = result.roster[result.roster["type"] == "in_house"]
    for person, rows in roster.groupby("id"):
        last_six = rows.sort_values("date")["shift_code"].to_numpy()[-6:]
        assert (np.isin(last_six, ["REST", "LEAVE"])).any(), (person, last_six)
    nxt = result.summary["month_edges"]["next_month"]
    assert nxt["first_day"] == "2026-03-01" and nxt["longest_run_at_end"] <= 5 and nxt["rest_first_day"] == []
    assert nxt["open_week"]["regular_hours_allowed"] == 40.0
    assert verify_plan(out) == []


# ---------------------------------------------------------------- the command

def _roster(run_plan, tmp_path, *args):
    config, forecast = _cli_inputs(tmp_path)
    return run_plan("roster", "--month", MONTH, "--config", config, "--forecast", forecast, "--out",
                    tmp_path / "plan", "--time-limit", CLI_TIME_LIMIT, *args)


@pytest.mark.parametrize("content, where", [
    ("agent_id,consecutive_days_worked,last_shift_end,hours_this_week\nE1,x,,\n",
     ("carry.csv:2", "consecutive_days_worked", "not a number")),
    ("agent_id,consecutive_days_worked,last_shift_end,hours_this_week\nE1,2,31/01/2026 22:00,\n",
     ("carry.csv:2", "last_shift_end", "YYYY-MM-DD HH:MM")),
    ("agent_id,consecutive_days_worked,last_shift_end,hours_this_week\nE1,2,2026-02-03 08:00,\n",
     ("carry.csv:2", "last_shift_end", "after the month's first day")),
    ("agent_id,consecutive_days_worked,last_shift_end,hours_this_week\nE1,2,,200\n",
     ("carry.csv:2", "hours_this_week", "outside 0..168")),
    ("agent_id,consecutive_days,last_shift_end\nE1,2,\n", ("carry.csv", "consecutive_days_worked")),
])
def test_plan_roster_names_a_bad_carry_in_row_and_writes_nothing(run_plan, tmp_path, content, where):
    carry = tmp_path / "carry.csv"
    carry.write_text(content, encoding="utf-8")
    run = _roster(run_plan, tmp_path, "--carry-in", carry)
    run.error_line(where)
    assert not (tmp_path / "plan").exists()


def test_plan_roster_refuses_previous_of_another_month_and_both_sources(run_plan, tmp_path):
    folder = _previous_plan(tmp_path, month="2025-11")
    _roster(run_plan, tmp_path, "--previous", folder).error_line(("summary.json", "month", "not of 2026-01"))
    carry = tmp_path / "carry.csv"
    carry.write_text("agent_id,consecutive_days_worked,last_shift_end,hours_this_week\n", encoding="utf-8")
    _roster(run_plan, tmp_path, "--previous", folder, "--carry-in", carry).error_line(("--previous", "not both"))
    _roster(run_plan, tmp_path, "--previous", tmp_path / "none").error_line(("plan directory not found",))


def test_plan_roster_with_previous_carries_the_state_in_writes_it_and_verifies(run_plan, tmp_path):
    folder = _previous_plan(tmp_path)
    run = _roster(run_plan, tmp_path, "--previous", folder)
    assert run.exit_code == 0, run.output
    assert "E9" in run.stderr and "ignored" in run.stderr  # left the team: a warning, not an error
    out = tmp_path / "plan"
    carried = {c.agent_id: c for c in read_carry_in(out / "inputs" / "carry_in.csv")}
    assert set(carried) == {"E1", "E2", "E3"}
    assert carried["E1"].consecutive_days_worked == 5 and carried["E1"].hours_this_week == 40.0
    roster = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False)
    feb1 = dict(zip(roster.loc[roster["date"] == "2026-02-01", "id"], roster.loc[roster["date"] == "2026-02-01",
                                                                                 "start"]))
    # E2's night ended at 08:00 on 02-01: no shift that day starts before 19:00
    assert feb1["E2"] == "" or feb1["E2"] >= "2026-02-01 19:00"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["month_edges"]["carried_in_from"] == str(folder)
    assert summary["month_edges"]["carried_in"] == 3
    assert "the next month (2026-03-01) inherits" in run.stdout
