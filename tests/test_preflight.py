"""Preflight (plan.preflight): legal-but-almost-surely-wrong inputs are warned about, and what the
next commands would refuse is said by `plan check` and stops the command that would refuse it."""
from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.workforce import parse_workforce
from plan.preflight import preflight, refusals_of, warnings_of

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _check_args(inputs) -> list[str]:
    return ["check", "--history", str(inputs["history"]), "--events", str(inputs["events"]),
            "--config", str(inputs["config"])]


@pytest.fixture
def tiny(tiny_inputs, tiny_workforce_text):
    """(workforce mapping, history frame, events frame) of the tiny inputs, to be broken."""
    history = read_history(tiny_inputs["history"])
    history.attrs["path"] = "history.csv"
    events = read_events(tiny_inputs["events"])
    events.attrs["path"] = "events.csv"
    return yaml.safe_load(tiny_workforce_text), history, events


def _findings(mapping, history, events, month="2026-11", forecast=None):
    return preflight(parse_workforce(mapping), history, events, month, forecast, config="workforce.yaml")


def test_tiny_inputs_have_no_findings(tiny):
    assert _findings(*tiny) == []


def test_shift_ending_at_its_start_is_dead(tiny):
    mapping, history, events = tiny
    mapping["shifts"].append({"code": "Z", "name": "typo", "start": "09:00", "end": "09:00"})
    (finding,) = warnings_of(_findings(mapping, history, events))
    assert "shifts.2 (Z 09:00-09:00)" in finding.where
    assert "end equals its start" in finding.text and "nobody" in finding.text


def test_shift_shorter_than_an_interval_is_dead(tiny):
    mapping, history, events = tiny
    mapping["shifts"].append({"code": "Q", "name": "quarter", "start": "09:00", "end": "09:30"})
    (finding,) = warnings_of(_findings(mapping, history, events))
    assert "no whole 60-min interval" in finding.text


def test_contract_that_fits_no_shift(tiny):
    mapping, history, events = tiny
    mapping["contracts"]["short"] = {"system": "standard", "max_hours_day": 6}
    mapping["in_house"][0]["contract"] = "short"
    (finding,) = warnings_of(_findings(mapping, history, events))
    assert "contracts.short.max_hours_day" in finding.where and "E1" in finding.text and "never be rostered" in finding.text


def test_unknown_country_is_refused_by_roster(tiny):
    mapping, history, events = tiny
    mapping["site"]["country"] = "XX"
    (finding,) = refusals_of(_findings(mapping, history, events), ("roster",))
    assert "site.country" in finding.where and "'XX'" in finding.text


def test_part_timer_available_for_less_than_a_block(tiny):
    mapping, history, events = tiny
    mapping["part_time"][0]["availability"] = [{"days": ["sat"], "start": "18:00", "end": "19:00"}]
    (finding,) = warnings_of(_findings(mapping, history, events))
    assert "part_time.0 (P1" in finding.where and "never usable" in finding.text and "2-4 h" in finding.text


def test_vendor_with_no_seats_but_a_commitment(tiny):
    mapping, history, events = tiny
    mapping["vendors"] = [{"id": "V1", "name": "BPO", "skills": ["phone"], "price_per_seat_hour": 40,
                           "max_seats": 0, "min_monthly_seat_hours": 100}]
    (finding,) = warnings_of(_findings(mapping, history, events))
    assert "vendors.0.max_seats" in finding.where and "4,000" in finding.text and "charged" in finding.text


def test_leave_outside_the_month(tiny):
    mapping, history, events = tiny
    mapping["in_house"][0]["leave"] = ["2025-11-03", "2026-11-04"]
    (finding,) = warnings_of(_findings(mapping, history, events))
    assert "1 leave day(s) outside 2026-11" in finding.text and "E1 2025-11-03" in finding.text
    assert warnings_of(_findings(mapping, history, events, month=None)) == []  # no month, nothing to compare


def test_month_far_beyond_the_history(tiny):
    (finding,) = _findings(*tiny, month="2030-01")
    assert finding.refused_by is None
    assert "39 months after the history's last day (2026-10-28)" in finding.text


def test_month_inside_the_history_is_refused_by_forecast(tiny):
    (finding,) = _findings(*tiny, month="2026-10")
    assert finding.refused_by == "forecast"


def test_queue_configured_but_absent_from_history_is_refused_by_roster(tiny):
    mapping, history, events = tiny
    mapping["queues"]["email"] = {"channel": "email", "aht_s": 500, "targets": {"resolve_within_h": 24}}
    (finding,) = refusals_of(_findings(mapping, history, events), ("roster",))
    assert "queues.email" in finding.where and "absent from history.csv" in finding.text


def test_queue_configured_but_absent_from_forecast_is_refused_by_roster(tiny):
    mapping, _, events = tiny
    forecast = pd.DataFrame({"queue": ["phone"], "interval_start": [pd.Timestamp("2026-11-01")], "arrivals": [3.0]})
    forecast.attrs["path"] = "fc.csv"
    (finding,) = refusals_of(_findings(mapping, None, events, forecast=forecast))
    assert finding.where == "fc.csv" and "queue chat_presales" in finding.text


def test_short_history_is_refused_by_forecast(tiny):
    mapping, history, events = tiny
    short = history[history["interval_start"] < "2026-10-04"]
    refusals = refusals_of(_findings(mapping, short, events), ("forecast",))
    assert len(refusals) == 2 and all("only 3 full day(s)" in f.text for f in refusals)


def test_volume_jump_of_more_than_ten_times_the_history(tiny):
    mapping, history, events = tiny
    history = history.copy()
    history.loc[(history["queue"] == "phone") & (history["interval_start"] == "2026-10-05 10:00"), "arrivals"] = 1e6
    (finding,) = warnings_of(_findings(mapping, history, events))
    assert "queue phone" in finding.text and "2026-10-05" in finding.text


def test_all_zero_queue_is_warned(tiny):
    mapping, history, events = tiny
    history = history.assign(arrivals=history["arrivals"].where(history["queue"] != "phone", 0))
    texts = [f.text for f in warnings_of(_findings(mapping, history, events))]
    assert any("queue phone: no contact" in t for t in texts)


def test_new_event_kind_without_intensity_is_refused_by_forecast(tiny):
    mapping, history, events = tiny
    events = pd.concat([events, pd.DataFrame({"name": ["超级日"], "kind": ["superday"], "start": [pd.Timestamp("2026-11-20")],
                                              "end": [pd.Timestamp("2026-11-21")], "intensity": [float("nan")]})],
                       ignore_index=True)
    events.attrs["path"] = "events.csv"
    (finding,) = refusals_of(_findings(mapping, history, events), ("forecast",))
    assert finding.where == "events.csv:4" and "superday" in finding.text and "no intensity" in finding.text
    assert refusals_of(_findings(mapping, history, events, month="2027-03")) == []  # a horizon not reaching it


def test_check_lists_warnings_and_exits_two_on_what_forecast_refuses(run_plan, tiny_inputs, tiny_history_rows):
    config = tiny_inputs["config"]
    config.write_text(config.read_text(encoding="utf-8").replace('end: "06:00"', 'end: "22:00"'), encoding="utf-8")
    result = run_plan(*_check_args(tiny_inputs))
    assert result.exit_code == 0, result.output
    assert "1 warning(s)" in result.stdout and "dead shift" in result.stdout
    assert "ok inputs are valid for 2026-11 (1 warning(s))" in ANSI.sub("", result.stdout)

    tiny_inputs["history"].write_text("\n".join(tiny_history_rows(days=3)) + "\n", encoding="utf-8")
    result = run_plan(*_check_args(tiny_inputs))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = ANSI.sub("", result.stderr).splitlines()
    assert len(errors) == 2 and all("plan forecast will refuse" in e and "only 3 full day(s)" in e for e in errors)
    assert "inputs are valid" not in result.stdout


def test_forecast_warns_about_a_month_far_past_the_history(run_plan, tiny_inputs, tmp_path):
    result = run_plan("forecast", "--history", tiny_inputs["history"], "--events", tiny_inputs["events"],
                      "--month", "2030-01", "--out", tmp_path / "f.csv", "--plot", tmp_path / "f.png")
    assert result.exit_code == 0, result.output
    text = ANSI.sub("", result.stdout)
    assert text.count("39 months after the history's last day") == 1


def test_roster_stops_on_a_queue_without_history_before_any_work(run_plan, tiny_inputs, tmp_path):
    config = tiny_inputs["config"]
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("shifts:", "  email: {channel: email, aht_s: 500, targets: {resolve_within_h: 24}}\n"
                                              "shifts:", 1), encoding="utf-8")
    result = run_plan("roster", "--config", config, "--history", tiny_inputs["history"], "--events",
                      tiny_inputs["events"], "--month", "2026-11", "--out", tmp_path / "plan", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    line = ANSI.sub("", result.stderr).strip()
    assert "queues.email" in line and "absent from" in line and "\n" not in line
    assert not (tmp_path / "plan").exists()
