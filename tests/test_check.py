"""`plan check`: the sample passes with a summary; every bad input is one located line, exit ≠ 0."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_WORKFORCE

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _args(inputs: dict[str, Path]) -> list[str]:
    return ["check", "--history", str(inputs["history"]), "--events", str(inputs["events"]),
            "--config", str(inputs["config"])]


def assert_one_line_error(result, *must_contain: str) -> str:
    """Exit code ≠ 0, exactly one non-empty line on stderr, no traceback, naming the place."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in ANSI.sub("", result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for text in must_contain:
        assert text in lines[0], (text, lines[0])
    return lines[0]


# --- good inputs ------------------------------------------------------------------------------

def test_tiny_inputs_pass_with_summary(run_plan, tiny_inputs, tiny_history_rows):
    result = run_plan(*_args(tiny_inputs))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "chat_presales" in out and "phone" in out
    assert "2026-10-01 00:00" in out and "2026-10-28 23:00" in out
    total = sum(int(row.split(",")[2]) for row in tiny_history_rows()[1:] if row.startswith("phone"))
    assert f"{total:,}" in out
    assert "double11 x2" in out
    assert "ok" in out


@pytest.mark.skipif(not SAMPLE_HISTORY.exists(), reason="sample data not generated yet (data/generate_sample.py)")
def test_sample_passes_and_prints_summary(run_plan):
    result = run_plan("check")
    assert result.exit_code == 0, result.output
    for queue in ("chat_presales", "chat_aftersales", "phone", "email"):
        assert queue in result.stdout
    assert "2024-11-01 00:00" in result.stdout
    assert "double11" in result.stdout
    assert "inputs are valid" in result.stdout
    assert SAMPLE_EVENTS.exists() and SAMPLE_WORKFORCE.exists()


def test_fill_missing_repairs_and_reports(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    del rows[5:8]  # three hours of chat_presales
    tiny_inputs["history"].write_text("\n".join(rows) + "\n")
    result = run_plan(*_args(tiny_inputs), "--fill-missing")
    assert result.exit_code == 0, result.output
    assert "chat_presales: 3 missing interval(s) filled with 0" in result.stdout


# --- bad inputs: one line each, with the place -------------------------------------------------

def _write_history(inputs, rows):
    inputs["history"].write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_missing_file(run_plan, tiny_inputs, tmp_path):
    tiny_inputs["history"] = tmp_path / "nope.csv"
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "nope.csv", "file not found")


def test_missing_config_file(run_plan, tiny_inputs, tmp_path):
    tiny_inputs["config"] = tmp_path / "nope.yaml"
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "nope.yaml", "file not found")


def test_wrong_column(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    rows[0] = rows[0].replace("arrivals", "volume")
    _write_history(tiny_inputs, rows)
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "history.csv:1", "arrivals", "missing column")


def test_non_numeric_count(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    parts = rows[10].split(",")
    parts[2] = "twelve"
    rows[10] = ",".join(parts)
    _write_history(tiny_inputs, rows)
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "history.csv:11", "arrivals", "'twelve'")


def test_negative_count(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    parts = rows[20].split(",")
    parts[2] = "-4"
    rows[20] = ",".join(parts)
    _write_history(tiny_inputs, rows)
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "history.csv:21", "arrivals", "-4")


def test_duplicate_interval(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    rows.insert(31, rows[30])  # file lines 31 and 32 are the same interval
    _write_history(tiny_inputs, rows)
    line = assert_one_line_error(run_plan(*_args(tiny_inputs)), "history.csv:32", "interval_start", "duplicate")
    assert "line 31" in line


def test_gap_in_the_hours_is_a_warning_with_where(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows(days=31)
    del rows[12]  # file line 13 = chat_presales 2026-10-01 11:00
    _write_history(tiny_inputs, rows)
    result = run_plan(*_args(tiny_inputs))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "queue chat_presales: 1 missing interval(s) on 1 day(s) (2026-10-01)" in text
    assert "--fill-missing" in text


def test_gaps_that_leave_too_few_recorded_days_are_refused(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()  # exactly the 28 days plan forecast needs: one gap leaves 27
    del rows[12]
    _write_history(tiny_inputs, rows)
    line = assert_one_line_error(run_plan(*_args(tiny_inputs)), "history.csv", "chat_presales")
    assert "only 27 full day(s)" in line
    assert run_plan(*_args(tiny_inputs), "--fill-missing").exit_code == 0


def test_unknown_queue(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    rows = [rows[0]] + [row.replace("phone,", "hotline,", 1) for row in rows[1:]]
    _write_history(tiny_inputs, rows)
    first_hotline = next(i for i, row in enumerate(rows) if row.startswith("hotline")) + 1
    line = assert_one_line_error(run_plan(*_args(tiny_inputs)), f"history.csv:{first_hotline}", "queue", "hotline")
    assert "unknown queue" in line


def test_dates_in_two_formats(run_plan, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    rows[7] = rows[7].replace("2026-10-01 06:00", "01/10/2026 06:00")
    _write_history(tiny_inputs, rows)
    line = assert_one_line_error(run_plan(*_args(tiny_inputs)), "history.csv:8", "interval_start", "01/10/2026")
    assert "format" in line


def test_event_dates_in_two_formats(run_plan, tiny_inputs):
    tiny_inputs["events"].write_text("name,kind,start,end\nA,double11,2025-10-20,2025-11-11\n"
                                     "B,618,2026/06/01,2026/06/18\n", encoding="utf-8")
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "events.csv:3", "start", "format")


@pytest.fixture
def break_workforce(tiny_inputs, tiny_workforce_text):
    def replace(old: str, new: str) -> None:
        assert old in tiny_workforce_text
        tiny_inputs["config"].write_text(tiny_workforce_text.replace(old, new), encoding="utf-8")
    return replace


@pytest.mark.parametrize("end", ["23:00+1", "47:00"])
def test_shift_longer_than_24_hours(run_plan, tiny_inputs, break_workforce, end):
    break_workforce('end: "06:00"}', f'end: "{end}"}}')
    line = assert_one_line_error(run_plan(*_args(tiny_inputs)), "workforce.yaml", "shifts.1", "longer than 24 h")
    assert "25 h" in line


def test_shift_past_midnight_notation_is_accepted(run_plan, tiny_inputs, break_workforce):
    break_workforce('end: "06:00"}', 'end: "06:00+1"}')
    result = run_plan(*_args(tiny_inputs))
    assert result.exit_code == 0, result.output


def test_shift_end_that_is_no_time(run_plan, tiny_inputs, break_workforce):
    break_workforce('end: "06:00"}', 'end: "6 am"}')
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "workforce.yaml", "shifts.1.end")


def test_break_longer_than_shift(run_plan, tiny_inputs, tiny_workforce_text):
    tiny_inputs["config"].write_text(tiny_workforce_text.replace('start: "08:00", end: "17:00"', 'start: "08:00", end: "09:00"')
                                     .replace("minutes: 60, window_start", "minutes: 90, window_start"))
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "workforce.yaml", "shifts.0", "breaks take the whole shift")


def test_part_timer_over_four_hours_a_day(run_plan, tiny_inputs, break_workforce):
    break_workforce("max_hours_day: 4", "max_hours_day: 6")
    line = assert_one_line_error(run_plan(*_args(tiny_inputs)), "workforce.yaml", "part_time.0.max_hours_day")
    assert "6 h" in line and "4 h/day" in line


@pytest.mark.parametrize("text", ["- just\n- a list\n", "just a sentence\n", ""])
def test_yaml_that_is_not_a_mapping(run_plan, tiny_inputs, text):
    tiny_inputs["config"].write_text(text, encoding="utf-8")
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "workforce.yaml", "YAML mapping")


def test_yaml_that_does_not_parse(run_plan, tiny_inputs):
    tiny_inputs["config"].write_text("queues: {chat: [1, 2\nshifts: x\n", encoding="utf-8")
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "workforce.yaml", "not valid YAML")


def test_unknown_skill_in_workforce(run_plan, tiny_inputs, break_workforce):
    break_workforce("skills: [chat_presales, phone]", "skills: [chat_presales, hotline]")
    assert_one_line_error(run_plan(*_args(tiny_inputs)), "workforce.yaml", "in_house.0.skills", "hotline")


def test_error_through_real_entry_point_has_no_traceback(run_plan_subprocess, tiny_inputs, tiny_history_rows):
    rows = tiny_history_rows()
    rows[4] = "chat_presales,2026-10-01 03:00,-1,250,0"
    _write_history(tiny_inputs, rows)
    result = run_plan_subprocess(*_args(tiny_inputs))
    assert result.exit_code == 2
    assert_one_line_error(result, "history.csv:5", "arrivals")


# --- help ---------------------------------------------------------------------------------------

def test_plan_help_lists_commands(run_plan):
    result = run_plan("--help")
    assert result.exit_code == 0
    for command in ("check", "ingest"):
        assert re.search(rf"\b{command}\b", result.stdout), command


def test_every_command_help_shows_an_example(run_plan):
    import typer.main

    from plan.cli.app import app, register_commands
    register_commands()
    names = sorted(typer.main.get_command(app).commands)  # as a user types them (e.g. dashes)
    assert {"check", "ingest"} <= set(names)
    for name in names:
        result = run_plan(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in result.stdout, name
        assert f"plan {name}" in result.stdout, name


def test_results_get_the_usual_file_mode_not_a_private_temp_mode(tmp_path):
    import os
    import stat

    import pandas as pd

    from plan.contracts.tables import atomic_directory, write_table
    mask = os.umask(0o022)
    try:
        written = write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
        with atomic_directory(tmp_path / "plan") as folder:
            (folder / "x.txt").write_text("x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "plan").stat().st_mode) == 0o755
