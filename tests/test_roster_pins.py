"""Pins, the planning window and the carried-in state: kept by the roster, re-checked by `plan verify`."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from plan.contracts.errors import InputError
from plan.contracts.pins import CarryIn, Pin, carry_in_table, pins_table, read_carry_in, read_pins
from plan.contracts.workforce import parse_workforce
from plan.optimize.roster import plan_month, write_plan
from plan.optimize.roster.assign import SoftWeights, assign_group
from plan.optimize.roster.budgets import minimum_time_limit_s
from plan.optimize.roster.instance import build_instance
from plan.optimize.roster.pins import apply_window, window_requirements
from plan.optimize.verify import verify_plan
from test_roster import MONTH, TIME_LIMIT, small_requirements, small_workforce

# The command's floor for the small month (it refuses less): the CLI runs here are about pins and files.
CLI_TIME_LIMIT = f"{minimum_time_limit_s(agents=4, days=28):g}"

DAY1 = dt.date(2026, 2, 1)  # a Sunday: its calendar week has six days before the month

PINS = [Pin("E2", dt.date(2026, 2, 10), "N"), Pin("E2", dt.date(2026, 2, 11), "REST"),
        Pin("E3", dt.date(2026, 2, 12), "A"), Pin("E3", dt.date(2026, 2, 13), "C"),
        Pin("E4", dt.date(2026, 2, 20), "REST"), Pin("E2", DAY1, "A")]
CARRY_IN = [CarryIn("E4", 6, dt.datetime(2026, 1, 31, 17, 0), 0.0),
            CarryIn("E1", 2, dt.datetime(2026, 2, 1, 0, 0), 16.0),
            CarryIn("E2", 0, None, 40.0)]  # a full week already: Sunday's work is all overtime


def _write(tmp_path, result, requirements, pins=(), carry=()) -> object:
    config = tmp_path / "workforce.yaml"
    config.write_text(yaml.safe_dump(small_workforce(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "plan"
    inputs = {"workforce": config, "requirements": requirements}
    if pins:
        inputs["pins"] = pins_table(list(pins))
    if carry:
        inputs["carry_in"] = carry_in_table(list(carry))
    write_plan(result, out, inputs=inputs)
    return out


@pytest.fixture(scope="module")
def pinned(tmp_path_factory) -> tuple[pd.DataFrame, dict, Path]:
    """`plan roster` on the small month with PINS (a tab-separated file, rests in lower case) and
    CARRY_IN, run once through the console entry: (roster.csv, summary.json, the plan folder)."""
    import sys

    from plan.cli.app import main
    folder = tmp_path_factory.mktemp("pinned")
    config, forecast = _cli_inputs(folder)
    pins, carry = folder / "my-pins.tsv", folder / "carry.csv"
    pins.write_text("agent_id\tdate\tshift_code\n" + "".join(
        f"{p.agent_id}\t{p.date}\t{'rest' if p.shift_code == 'REST' else p.shift_code}\n" for p in PINS),
        encoding="utf-8")
    carry_in_table(CARRY_IN).to_csv(carry, index=False)
    out = folder / "plan"
    with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit) as done:
        patch.setattr(sys, "argv", ["plan", *map(str, ["roster", "--month", MONTH, "--config", config, "--forecast",
                                                       forecast, "--pins", pins, "--carry-in", carry, "--out", out,
                                                       "--time-limit", CLI_TIME_LIMIT])])
        main()
    assert done.value.code == 0, "plan roster failed (its output is in the captured setup output)"
    roster = pd.read_csv(out / "roster.csv", keep_default_na=False, dtype={"date": str, "shift_code": str})
    return roster, json.loads((out / "summary.json").read_text(encoding="utf-8")), out


def _code(roster: pd.DataFrame, agent: str, day: dt.date) -> str:
    return roster.loc[(roster["id"] == agent) & (roster["date"] == day.isoformat()), "shift_code"].item()


def test_pinned_days_come_back_as_pinned_and_the_plan_verifies(pinned):
    roster, summary, out = pinned
    for pin in PINS:
        assert _code(roster, pin.agent_id, pin.date) == pin.shift_code, pin
    assert summary["pins"]["unmet"] == []
    assert verify_plan(out) == []


def test_plan_roster_writes_the_pins_and_carry_in_it_read_as_inputs(pinned):
    _, _, out = pinned
    assert [(p.agent_id, p.date, p.shift_code) for p in read_pins(out / "inputs" / "pins.csv")] == [
        (p.agent_id, p.date, p.shift_code) for p in PINS]
    assert [(c.agent_id, c.consecutive_days_worked, c.last_shift_end, c.hours_this_week)
            for c in read_carry_in(out / "inputs" / "carry_in.csv")] == [
        (c.agent_id, c.consecutive_days_worked, c.last_shift_end, c.hours_this_week) for c in CARRY_IN]


def test_hours_carried_into_the_first_week_make_its_work_overtime(pinned):
    roster, _, _ = pinned
    row = roster[(roster["id"] == "E2") & (roster["date"] == DAY1.isoformat())].iloc[0]
    assert row["shift_code"] == "A"
    assert row["overtime_hours"] == pytest.approx(row["paid_hours"]) and row["overtime_kind"] == "rest_day"


def test_six_days_carried_in_give_a_rest_on_day_one(pinned):
    roster, _, _ = pinned
    assert _code(roster, "E4", DAY1) == "REST"


def _work_early_shift_on_day_one(roster: pd.DataFrame, agent: str) -> None:
    template = roster[(roster["type"] == "in_house") & (roster["shift_code"] == "A")].iloc[0]
    day1 = (roster["id"] == agent) & (roster["date"] == DAY1.isoformat())
    for column in ("shift_code", "shift_name", "breaks", "paid_hours", "queue"):
        roster.loc[day1, column] = template[column]
    roster.loc[day1, "start"], roster.loc[day1, "end"] = "2026-02-01 08:00", "2026-02-01 17:00"
    roster.loc[day1, "overtime_hours"], roster.loc[day1, "overtime_kind"] = "0", ""


def test_the_verifier_reads_the_carried_in_state_across_the_months_start(pinned, tmp_path):
    out = Path(shutil.copytree(pinned[2], tmp_path / "plan"))
    assert verify_plan(out) == []
    roster = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False)
    for agent in ("E4", "E1"):
        _work_early_shift_on_day_one(roster, agent)
    # a rest day inside the month's first week, whatever the plan had: the run at the start stays
    # short enough that only the carried-in days make it too long
    rest = (roster["id"] == "E4") & (roster["date"] == (DAY1 + dt.timedelta(days=3)).isoformat())
    roster.loc[rest, ["shift_code", "shift_name", "start", "end", "breaks", "queue", "overtime_kind"]] = \
        ["REST", "rest", "", "", "", "", ""]
    roster.loc[rest, ["paid_hours", "overtime_hours"]] = ["0.0", "0.0"]
    roster.to_csv(out / "roster.csv", index=False, lineterminator="\n")
    carry = carry_in_table([CARRY_IN[0], CarryIn("E1", 2, dt.datetime(2026, 2, 1, 0, 0), 36.0)])
    carry.to_csv(out / "inputs" / "carry_in.csv", index=False, lineterminator="\n")
    found = verify_plan(out)
    by_person = {p: " ".join(line for line in found if f" {p} " in line) for p in ("E4", "E1")}
    # E4: six days carried in, a seventh on day 1; its carried last shift ended 15 h before (allowed)
    assert "6 day(s) worked before the month" in by_person["E4"] and "(max 6)" in by_person["E4"]
    assert "carried-in shift ending" not in by_person["E4"]
    # E1: a shift ending at midnight carried in, 8 h before the 08:00 start; 36 h + 8 h in the week
    assert "8 h rest after the carried-in shift ending" in by_person["E1"]
    assert "36 h carried in" in by_person["E1"] and "(max 40 h" in by_person["E1"]


def _naming_everyone_on(code: str, carry: list[CarryIn]) -> dict:
    """Named shifts of the comprehensive group when every member is asked for ``code`` every day."""
    workforce = parse_workforce(small_workforce())
    inst = build_instance(workforce, small_requirements(), MONTH)
    apply_window(inst, carry_in=carry)
    s = [shift.code for shift in workforce.shifts].index(code)
    g = next(g for g, group in enumerate(inst.groups) if group.contract == "comprehensive")
    members = sorted(inst.groups[g].members)
    counts = {(d, s): len(members) for d in range(inst.n_days)}
    chosen, _ = assign_group(inst, g, members, counts, SoftWeights(missed_shift=5000.0), 3.0, seed=0)
    return {workforce.in_house[a].id: shift for (a, d), shift in chosen.items() if d == 0}


def test_six_days_carried_in_keep_naming_off_day_one():
    assert _naming_everyone_on("A", []).get("E3") is not None  # asked for, worked without the carry-in
    assert "E3" not in _naming_everyone_on("A", [CarryIn("E3", 6)])


def test_a_last_shift_ending_late_forbids_an_early_shift_on_day_one():
    late = [CarryIn("E3", 1, dt.datetime(2026, 2, 1, 0, 0))]  # a 15:00-24:00 shift on Jan 31: 8 h to 08:00
    assert _naming_everyone_on("A", []).get("E3") is not None
    assert "E3" not in _naming_everyone_on("A", late)


def test_a_pin_on_leave_is_a_one_line_input_error(tmp_path):
    path = tmp_path / "pins.csv"
    path.write_text("agent_id,date,shift_code\nE2,2026-02-05,A\nE1,2026-02-03,A\n", encoding="utf-8")
    workforce = parse_workforce(small_workforce())
    with pytest.raises(InputError) as err:
        plan_month(workforce, small_requirements(), MONTH, time_limit_s=TIME_LIMIT, pins=read_pins(path))
    line = err.value.one_line()
    assert "\n" not in line
    assert line.startswith(f"{path}:3: date: pin E1 2026-02-03 A") and "on leave" in line


@pytest.mark.parametrize("pin, problem", [
    (Pin("E9", dt.date(2026, 2, 5), "A"), "unknown agent"),
    (Pin("P1", dt.date(2026, 2, 5), "A"), "part-timer"),
    (Pin("E2", dt.date(2026, 3, 1), "A"), "outside the month"),
    (Pin("E2", dt.date(2026, 2, 5), "Z"), "unknown shift code"),
])
def test_pins_are_checked_against_the_workforce_and_the_month(pin, problem):
    inst = build_instance(parse_workforce(small_workforce()), small_requirements(), MONTH)
    with pytest.raises(InputError, match=problem):
        apply_window(inst, pins=[pin])


def test_carry_in_files_read_back_as_written(tmp_path):
    path = tmp_path / "carry_in.csv"
    carry_in_table(CARRY_IN).to_csv(path, index=False)
    assert [(c.agent_id, c.consecutive_days_worked, c.last_shift_end, c.hours_this_week)
            for c in read_carry_in(path)] == [(c.agent_id, c.consecutive_days_worked, c.last_shift_end,
                                               c.hours_this_week) for c in CARRY_IN]
    path.write_text("agent_id,consecutive_days_worked,last_shift_end,hours_this_week\nE1,2,2026-01-31 25:00,8\n")
    with pytest.raises(InputError, match="last_shift_end"):
        read_carry_in(path)


def test_an_infeasible_pin_set_still_plans_and_says_which_pins_and_why(tmp_path):
    seven = [Pin("E2", dt.date(2026, 2, 9) + dt.timedelta(days=i), "A") for i in range(7)]
    too_soon = [Pin("E3", dt.date(2026, 2, 16), "C"), Pin("E3", dt.date(2026, 2, 17), "A")]
    pins = seven + too_soon
    workforce = parse_workforce(small_workforce())
    result = plan_month(workforce, small_requirements(), MONTH, time_limit_s=TIME_LIMIT, seed=0, pins=pins)
    unmet = {(u["agent_id"], u["date"]): u["reason"] for u in result.summary["pins"]["unmet"]}
    assert set(unmet) == {("E2", "2026-02-15"), ("E3", "2026-02-17")}
    assert "consecutive working day 7" in unmet[("E2", "2026-02-15")]
    assert "rest after the pinned C" in unmet[("E3", "2026-02-17")]
    for pin in seven[:6] + too_soon[:1]:
        assert _code(result.roster, pin.agent_id, pin.date) == pin.shift_code
    out = _write(tmp_path, result, small_requirements(), pins)
    assert verify_plan(out) == []  # the pins not kept are declared, the rest are kept


def test_a_window_starting_mid_month_keeps_the_pinned_days_before_it_and_plans_nothing_else_there(tmp_path):
    first = dt.date(2026, 2, 15)
    before = [Pin("E2", dt.date(2026, 2, 12) + dt.timedelta(days=i), "A") for i in range(3)]
    workforce = parse_workforce(small_workforce())
    requirements = window_requirements(small_requirements(), first)
    result = plan_month(workforce, small_requirements(), MONTH, time_limit_s=TIME_LIMIT, seed=0, pins=before,
                        first_day=first)
    roster = result.roster
    early = roster[(roster["type"] == "in_house") & (roster["date"] < first.isoformat())]
    worked = early[~early["shift_code"].isin(["REST", "LEAVE"])]
    assert sorted(zip(worked["id"], worked["date"])) == sorted((p.agent_id, p.date.isoformat()) for p in before)
    assert result.summary["pins"]["first_day"] == "2026-02-15"
    assert not roster.loc[roster["date"] >= first.isoformat(), "shift_code"].isin(["REST", "LEAVE"]).all()
    out = _write(tmp_path, result, requirements, before)
    assert verify_plan(out) == []


def _cli_inputs(tmp_path) -> tuple[Path, Path]:
    config = tmp_path / "workforce.yaml"
    config.write_text(yaml.safe_dump(small_workforce(), allow_unicode=True), encoding="utf-8")
    forecast = tmp_path / "forecast.csv"
    frame = small_requirements()[["queue", "interval_start", "arrivals"]]
    frame.assign(interval_start=frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(forecast, index=False)
    return config, forecast


def test_plan_roster_names_a_pin_on_leave_in_one_line_and_exits_2(run_plan, tmp_path):
    config, forecast = _cli_inputs(tmp_path)
    pins = tmp_path / "pins.csv"
    pins.write_text("agent_id,date,shift_code\nE1,2026-02-04,REST\n", encoding="utf-8")
    run = run_plan("roster", "--month", MONTH, "--config", config, "--forecast", forecast, "--pins", pins,
                   "--out", tmp_path / "plan", "--time-limit", CLI_TIME_LIMIT)
    assert run.exit_code == 2
    assert run.stderr.strip().count("\n") == 0
    assert "pins.csv:2: date: pin E1 2026-02-04 REST: E1 is on leave that day" in run.stderr
    assert not (tmp_path / "plan").exists()
