"""Hostile input, every file kind and option: exit code 2, one located line on stderr, no
traceback, and not one byte of the user's folder changed.

Each case starts from a small valid world in ``tmp_path`` (history, events, workforce, scenarios,
contact log, forecast, requirements), breaks one thing, runs one command and compares the whole
folder before and after. The roster cases at the end plan a 3-agent month (seconds).
"""
from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
import time
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from conftest import ANSI, TINY_WORKFORCE, tiny_history_rows
from plan.optimize.roster.budgets import minimum_time_limit_s


SCENARIOS = textwrap.dedent("""\
    month: 2026-11
    baseline: baseline
    mode: quick
    scenarios:
      - name: baseline
      - name: dearer_misses
        overrides:
          costs.shortfall_penalty_per_contact: 8
    """)
LOG = textwrap.dedent("""\
    会话ID,技能组,进线时间,首次响应时间,结束时间,是否放弃
    c1,售前咨询,2026-10-01 08:05:00,2026-10-01 08:05:30,2026-10-01 08:10:30,否
    c2,售前咨询,2026-10-01 08:20:00,2026-10-01 08:21:00,2026-10-01 08:24:00,否
    c3,售前咨询,2026-10-01 08:40:00,,2026-10-01 08:42:00,是
    """)
MAPPING = textwrap.dedent("""\
    columns: {arrival: 进线时间, first_reply: 首次响应时间, end: 结束时间, abandoned: 是否放弃, queue: 技能组, id: 会话ID}
    abandoned_values: [是]
    queues: {售前咨询: chat_presales}
    """)


def forecast_rows(days: int = 2) -> list[str]:
    rows = ["queue,interval_start,arrivals,p10,p50,p90"]
    for queue in ("chat_presales", "phone"):
        for day in range(1, days + 1):
            for hour in range(24):
                arrivals = 3 + hour % 5
                rows.append(f"{queue},2026-11-{day:02d} {hour:02d}:00,{arrivals},{arrivals - 1},{arrivals},"
                            f"{arrivals + 2}")
    return rows


def requirement_rows() -> list[str]:
    rows = ["queue,interval_start,arrivals_human,agents_required"]
    for hour in range(24):
        rows.append(f"chat_presales,2026-11-01 {hour:02d}:00,{5 + hour % 4},{2 + hour % 3}")
    return rows


GOOD = {
    "history.csv": "\n".join(tiny_history_rows()) + "\n",
    "events.csv": "name,kind,start,end,intensity\n双十一 2026,double11,2026-10-20,2026-11-11,1.1\n",
    "workforce.yaml": TINY_WORKFORCE,
    "scenarios.yaml": SCENARIOS,
    "log.csv": LOG,
    "mapping.yaml": MAPPING,
    "forecast.csv": "\n".join(forecast_rows()) + "\n",
    "requirements.csv": "\n".join(requirement_rows()) + "\n",
}


def write_world(folder: Path, **replaced: str) -> None:
    for name, text in {**GOOD, **replaced}.items():
        (folder / name).write_text(text, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` with the digest of its bytes (folders as 'dir')."""
    return {p.relative_to(folder).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


def replace_line(name: str, line: int, text: str) -> dict[str, str]:
    """GOOD[name] with its (1-based) ``line`` replaced."""
    lines = GOOD[name].splitlines()
    lines[line - 1] = text
    return {name: "\n".join(lines) + "\n"}


def yaml_with(old: str, new: str, name: str = "workforce.yaml") -> dict[str, str]:
    assert old in GOOD[name], old
    return {name: GOOD[name].replace(old, new, 1)}


# --- the commands a case runs (tmp = the world's folder) ---------------------------------------------

def check(t: Path) -> list:
    return ["check", "--history", t / "history.csv", "--events", t / "events.csv", "--config", t / "workforce.yaml"]


def staffing(t: Path) -> list:
    return ["staffing", "--forecast", t / "forecast.csv", "--config", t / "workforce.yaml", "--events",
            t / "events.csv", "--out", t / "out" / "requirements.csv"]


def simulate(t: Path) -> list:
    return ["simulate", t / "requirements.csv", "--config", t / "workforce.yaml", "--out", t / "out" / "sim.csv"]


def scenarios(t: Path) -> list:
    return ["scenarios", "--file", t / "scenarios.yaml", "--config", t / "workforce.yaml", "--events",
            t / "events.csv", "--forecast", t / "forecast.csv", "--workers", "1", "--out", t / "out" / "scenarios"]


def ingest(t: Path) -> list:
    return ["ingest", t / "log.csv", "--mapping", t / "mapping.yaml", "--out", t / "out" / "history.csv"]


def forecast(t: Path) -> list:
    return ["forecast", "--history", t / "history.csv", "--events", t / "events.csv", "--out",
            t / "out" / "forecast.csv", "--plot", t / "out" / "forecast.png"]


def roster(t: Path) -> list:
    return ["roster", "--config", t / "workforce.yaml", "--forecast", t / "forecast.csv", "--events",
            t / "events.csv", "--out", t / "out" / "plan"]


def backtest(t: Path) -> list:
    return ["backtest", "--history", t / "history.csv", "--events", t / "events.csv", "--json", t / "out" / "b.json",
            "--plot", t / "out" / "b.png"]


def capacity(t: Path) -> list:
    return ["capacity", "--file", t / "scenarios.yaml", "--config", t / "workforce.yaml", "--events",
            t / "events.csv", "--forecast", t / "forecast.csv", "--out", t / "out" / "capacity"]


@dataclass(frozen=True)
class Case:
    name: str
    command: Callable[[Path], list]
    files: dict[str, str]          # replaced inputs
    extra: tuple[str, ...]         # options added to the command (``{t}`` = the world's folder)
    where: tuple[str, ...]         # what the one line must name: file, row, field or option


def case(name, command, files=None, extra=(), where=()):
    return pytest.param(Case(name, command, files or {}, tuple(extra), tuple(where)), id=name)


HISTORY_CASES = [
    case("history-missing-column", check, {"history.csv": GOOD["history.csv"].replace("arrivals", "count", 1)},
         where=("history.csv", "arrivals")),
    case("history-not-a-number", check, replace_line("history.csv", 5, "chat_presales,2026-10-01 03:00,many,250,0"),
         where=("history.csv:5", "arrivals")),
    case("history-negative", check, replace_line("history.csv", 6, "chat_presales,2026-10-01 04:00,-3,250,0"),
         where=("history.csv:6", "arrivals")),
    case("history-hour-25", check, replace_line("history.csv", 4, "chat_presales,2026-10-01 25:00,4,250,0"),
         where=("history.csv:4", "interval_start")),
    case("history-mixed-date-format", check, replace_line("history.csv", 7, "chat_presales,01/10/2026 05:00,4,250,0"),
         where=("history.csv:7", "interval_start")),
    case("history-unknown-queue", check, replace_line("history.csv", 3, "returns,2026-10-01 01:00,4,250,0"),
         where=("history.csv:3", "queue", "returns")),
    case("history-empty-file", check, {"history.csv": ""}, where=("history.csv",)),
    case("history-duplicate-interval", check, replace_line("history.csv", 3, "chat_presales,2026-10-01 00:00,4,250,0"),
         where=("history.csv:3",)),
    case("history-infinite", check, replace_line("history.csv", 8, "chat_presales,2026-10-01 06:00,inf,250,0"),
         where=("history.csv:8", "arrivals")),
]

EVENTS_CASES = [
    case("events-missing-column", check, {"events.csv": GOOD["events.csv"].replace("kind,", "type,", 1)},
         where=("events.csv", "kind")),
    case("events-end-before-start", check,
         replace_line("events.csv", 2, "双十一 2026,double11,2026-11-11,2026-10-20,1.1"), where=("events.csv:2",)),
    case("events-february-30", check, replace_line("events.csv", 2, "双十一 2026,double11,2026-02-30,2026-03-02,1.1"),
         where=("events.csv:2", "start")),
    case("events-intensity-text", check, replace_line("events.csv", 2, "双十一 2026,double11,2026-10-20,2026-11-11,big"),
         where=("events.csv:2", "intensity")),
]

WORKFORCE_CASES = [
    case("workforce-not-yaml", check, {"workforce.yaml": "site: {name: [unclosed\n"}, where=("workforce.yaml",)),
    case("workforce-a-list", check, {"workforce.yaml": "- site\n- queues\n"}, where=("workforce.yaml",)),
    case("workforce-unknown-skill", check, yaml_with("skills: [chat_presales, phone]", "skills: [chat_presales, fax]"),
         where=("workforce.yaml", "fax")),
    case("workforce-shift-hour-25", check, yaml_with('start: "08:00", end: "17:00"', 'start: "25:00", end: "17:00"'),
         where=("workforce.yaml", "start")),
    case("workforce-negative-aht", check, yaml_with("aht_s: 240", "aht_s: -240"), where=("workforce.yaml", "aht_s")),
    case("workforce-misspelt-field", check, yaml_with("aht_s: 300", "aht_sec: 300"),
         where=("workforce.yaml", "queues.phone.aht_s")),
    case("workforce-unknown-contract", check, yaml_with("contract: std,", "contract: gold,"),
         where=("workforce.yaml", "gold")),
    case("workforce-service-level-150pct", check, yaml_with("service_level: 0.8", "service_level: 1.5"),
         where=("workforce.yaml", "service_level")),
]

SCENARIO_CASES = [
    case("scenarios-unknown-vendor", scenarios,
         yaml_with("costs.shortfall_penalty_per_contact: 8", "vendors.V7.price_per_seat_hour: 1", "scenarios.yaml"),
         where=("scenarios.yaml", "dearer_misses", "vendors")),
    case("scenarios-not-yaml", scenarios, {"scenarios.yaml": "scenarios: [\n"}, where=("scenarios.yaml",)),
    case("scenarios-mode-fast", scenarios, yaml_with("mode: quick", "mode: fast", "scenarios.yaml"),
         where=("scenarios.yaml", "mode")),
    case("scenarios-baseline-missing", scenarios, yaml_with("baseline: baseline", "baseline: nobody", "scenarios.yaml"),
         where=("scenarios.yaml", "nobody")),
    case("scenarios-bad-value", scenarios,
         yaml_with("costs.shortfall_penalty_per_contact: 8", "costs.shortfall_penalty_per_contact: lots",
                   "scenarios.yaml"), where=("scenarios.yaml", "shortfall_penalty_per_contact")),
]

LOG_CASES = [
    case("log-missing-column", ingest, {"log.csv": LOG.replace("进线时间", "时间", 1)}, where=("log.csv", "进线时间")),
    case("log-bad-time", ingest, replace_line("log.csv", 3, "c2,售前咨询,yesterday,,2026-10-01 08:24:00,否"),
         where=("log.csv:3", "进线时间")),
    case("log-end-before-arrival", ingest,
         replace_line("log.csv", 2, "c1,售前咨询,2026-10-01 08:05:00,2026-10-01 08:05:30,2026-10-01 07:10:30,否"),
         where=("log.csv:2",)),
    case("log-mapping-unknown-key", ingest, {"mapping.yaml": MAPPING + "colour: blue\n"},
         where=("mapping.yaml", "colour")),
]

FORECAST_CASES = [
    case("forecast-missing-arrivals", staffing, {"forecast.csv": GOOD["forecast.csv"].replace("arrivals", "volume", 1)},
         where=("forecast.csv", "arrivals")),
    case("forecast-negative", staffing, replace_line("forecast.csv", 4, "chat_presales,2026-11-01 02:00,-5,1,2,3"),
         where=("forecast.csv:4", "arrivals")),
    case("forecast-unknown-queue", staffing, replace_line("forecast.csv", 2, "refunds,2026-11-01 00:00,3,2,3,5"),
         where=("forecast.csv:2", "refunds")),
    case("forecast-not-the-month", roster, extra=["--month", "2026-12"],
         where=("forecast.csv", "interval_start", "2026-12-01")),
    case("forecast-bad-time", staffing, replace_line("forecast.csv", 3, "chat_presales,2026-11-01 1am,3,2,3,5"),
         where=("forecast.csv:3", "interval_start")),
]

REQUIREMENT_CASES = [
    case("requirements-missing-column", simulate,
         {"requirements.csv": GOOD["requirements.csv"].replace("agents_required", "agents", 1)},
         where=("requirements.csv", "agents_required")),
    case("requirements-unknown-queue", simulate, replace_line("requirements.csv", 2, "fax,2026-11-01 00:00,5,2"),
         where=("requirements.csv:2", "queue")),
    case("requirements-not-a-number", simulate,
         replace_line("requirements.csv", 3, "chat_presales,2026-11-01 01:00,five,2"),
         where=("requirements.csv:3", "arrivals_human")),
]

OPTION_CASES = [
    case("roster-month-13", roster, extra=["--month", "2026-13"], where=("--month", "2026-13")),
    case("roster-month-far", roster, extra=["--month", "9999-01"], where=("--month", "9999")),
    case("roster-service-mode", roster, extra=["--service-mode", "bogus"], where=("--service-mode", "bogus")),
    case("roster-time-limit-0", roster, extra=["--time-limit", "0"], where=("--time-limit",)),
    case("roster-time-limit-negative", roster, extra=["--time-limit", "-5"], where=("--time-limit",)),
    case("roster-time-limit-inf", roster, extra=["--time-limit", "inf"], where=("--time-limit",)),
    case("roster-time-limit-too-short", roster, extra=["--time-limit", "3"], where=("--time-limit", "give at least")),
    case("roster-seed-negative", roster, extra=["--seed", "-1"], where=("--seed",)),
    case("roster-config-missing", roster, extra=["--config", "{t}/nope.yaml"], where=("--config", "nope.yaml")),
    case("roster-out-is-a-file", roster, extra=["--out", "{t}/history.csv"], where=("--out", "history.csv")),
    case("roster-out-under-a-file", roster, extra=["--out", "{t}/events.csv/plan"], where=("--out", "events.csv")),
    case("roster-out-users-folder", roster, extra=["--out", "{t}/mine"], where=("--out", "mine", "--overwrite")),
    case("forecast-month-00", forecast, extra=["--month", "2026-00"], where=("--month",)),
    case("forecast-start-feb-30", forecast, extra=["--start", "2026-02-30"], where=("--start",)),
    case("forecast-end-before-start", forecast, extra=["--start", "2026-11-10", "--end", "2026-11-01"],
         where=("--end",)),
    case("forecast-month-and-start", forecast, extra=["--month", "2026-11", "--start", "2026-11-01"],
         where=("--month",)),
    case("forecast-country", forecast, extra=["--country", "XX"], where=("--country", "XX")),
    case("forecast-interval-20", forecast, extra=["--interval-minutes", "20"], where=("--interval-minutes",)),
    case("forecast-out-xlsx", forecast, extra=["--out", "{t}/f.xlsx"], where=("--out", "f.xlsx")),
    case("forecast-out-users-file", forecast, extra=["--out", "{t}/requirements.csv"],
         where=("--out", "requirements.csv")),
    case("forecast-plot-is-out", forecast, extra=["--plot", "{t}/out/forecast.csv"], where=("--plot",)),
    case("forecast-history-is-folder", forecast, extra=["--history", "{t}"], where=("--history", "folder")),
    case("staffing-month-13", staffing, extra=["--month", "2026-13"], where=("--month",)),
    case("staffing-confidence", staffing, extra=["--confidence", "1.5"], where=("--confidence",)),
    case("scenarios-mode", scenarios, extra=["--mode", "bogus"], where=("--mode", "bogus")),
    case("scenarios-time-limit", scenarios, extra=["--time-limit", "0"], where=("--time-limit",)),
    case("scenarios-full-too-short", scenarios, extra=["--mode", "full", "--time-limit", "5"],
         where=("--time-limit", "needs at least")),
    case("scenarios-month-reversed", scenarios, extra=["--month", "11-2026"], where=("--month",)),
    case("scenarios-unknown-only", scenarios, extra=["--only", "nobody"], where=("--only", "nobody")),
    case("ingest-timezone", ingest, extra=["--timezone", "Mars/Olympus"], where=("--timezone",)),
    case("ingest-encoding", ingest, extra=["--encoding", "klingon"], where=("--encoding", "klingon")),
    case("backtest-events-missing", backtest, extra=["--events", "{t}/nope.csv"], where=("--events", "nope.csv")),
    case("backtest-horizon-0", backtest, extra=["--horizon-days", "0"], where=("--horizon-days",)),
    case("capacity-year", capacity, extra=["--year", "1999"], where=("--year",)),
    case("simulate-out-suffix", simulate, extra=["--out", "{t}/out/sim.txt"], where=("--out", "sim.txt")),
    case("forecast-decades", forecast, extra=["--start", "2026-01-01", "--end", "2090-12-31"], where=("--end",)),
    case("check-config-missing", check, extra=["--config", "{t}/nope.yaml"], where=("--config", "nope.yaml")),
    case("simulate-source-missing", lambda t: ["simulate", t / "nope.csv"], where=("SOURCE", "nope.csv")),
    case("verify-no-plan", lambda t: ["verify", t / "nothing"], where=("PLAN_DIR", "nothing")),
    case("verify-limit-negative", lambda t: ["verify", t / "mine", "--limit", "-1"], where=("--limit",)),
    case("ingest-log-missing", lambda t: ["ingest", t / "nope.csv", "--out", t / "out" / "h.csv"],
         where=("LOG", "nope.csv")),
    case("unknown-option", check, extra=["--colour", "blue"], where=("--colour",)),
]


@pytest.mark.parametrize("bad", HISTORY_CASES + EVENTS_CASES + WORKFORCE_CASES + SCENARIO_CASES + LOG_CASES
                         + FORECAST_CASES + REQUIREMENT_CASES + OPTION_CASES)
def test_bad_input_is_one_located_line_and_touches_nothing(run_plan, tmp_path, bad: Case):
    write_world(tmp_path, **bad.files)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("the user's", encoding="utf-8")
    before = snapshot(tmp_path)
    extra = [part.replace("{t}", str(tmp_path)) for part in bad.extra]
    result = run_plan(*bad.command(tmp_path), *extra)
    result.error_line(bad.where)
    assert snapshot(tmp_path) == before


def test_the_hostile_cases_are_many_and_distinct():
    cases = (HISTORY_CASES + EVENTS_CASES + WORKFORCE_CASES + SCENARIO_CASES + LOG_CASES + FORECAST_CASES
             + REQUIREMENT_CASES + OPTION_CASES)
    assert len({param.id for param in cases}) == len(cases) >= 40


# --- the real console: a fresh interpreter ------------------------------------------------------------

@pytest.mark.parametrize("args, where", [
    (["roster", "--month", "2026-13"], ("--month",)),
    (["scenarios", "--mode", "bogus"], ("--mode",)),
    (["forecast", "--start", "2026-13-01"], ("--start",)),
])
def test_console_bad_option_is_one_line(run_plan_subprocess, tmp_path, args, where):
    before = snapshot(tmp_path)
    run_plan_subprocess(*args, cwd=tmp_path).error_line(where)
    assert snapshot(tmp_path) == before


def test_version(run_plan_subprocess):
    from plan import __version__

    result = run_plan_subprocess("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"plan {__version__}"


# --- formula-like text in CSV outputs ---------------------------------------------------------------

def test_csv_outputs_quote_formula_like_text_and_plan_reads_it_back(tmp_path):
    from plan.contracts.tables import read_table, write_table

    names = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "Li Lei", "'quoted", "a=b", "'=x", "''-1"]
    written = write_table(pd.DataFrame({"name": names, "hours": [1.5] * len(names)}), tmp_path / "t.csv")
    cells = [line.split(",")[0] for line in written.read_text(encoding="utf-8").splitlines()[1:]]
    assert cells[0].startswith("\"'=HYPERLINK") and cells[1:5] == ["'+1", "'-2+3", "'@SUM(A1)", "'\tx"]
    assert cells[5:] == ["Li Lei", "'quoted", "a=b", "''=x", "'''-1"]
    assert read_table(written)["name"].tolist() == names  # plan's readers undo the quote
    assert write_table(pd.DataFrame({"name": ["\rx"]}), tmp_path / "r.csv").read_bytes() == b"name\n'\rx\n"


def test_scenario_workbook_keeps_a_formula_like_name_as_text(tmp_path):
    from openpyxl import load_workbook

    from plan.reports.scenarios_report import write_workbook

    table = pd.DataFrame({"scenario": ["=HYPERLINK(\"http://x\")", "b"], "total_cost": [1.0, 2.0]})
    write_workbook(table, tmp_path / "s.xlsx", ["=1+1 finding"], [], "CNY")
    book = load_workbook(tmp_path / "s.xlsx")
    assert [(c.data_type, c.quotePrefix) for c in (book["scenarios"]["A2"], book["findings"]["A2"])] == [("s", True)] * 2


# --- the user's folder and plan directories -----------------------------------------------------------

SMALL_TEAM = textwrap.dedent("""\
    site: {name: Small shop, interval_minutes: 60}
    queues:
      chat:
        channel: voice
        aht_s: 300
        patience_s: 120
        targets: {service_level: 0.8, answer_within_s: 20}
    shifts:
      - {code: A, name: Early, start: "08:00", end: "17:00", breaks: [{minutes: 60, window_start: "11:00", window_end: "13:30"}]}
      - {code: C, name: Late, start: "14:00", end: "23:00", breaks: [{minutes: 60, window_start: "17:30", window_end: "19:30"}]}
    contracts:
      std: {system: standard}
    in_house:
      - {id: E1, name: "=HYPERLINK(\\"http://x\\")", skills: [chat], contract: std, monthly_salary: 6000}
      - {id: E2, name: Bo, skills: [chat], contract: std, monthly_salary: 6000}
      - {id: E3, name: Cy, skills: [chat], contract: std, monthly_salary: 6000}
    costs: {shortfall_penalty_per_contact: 5}
    """)


def write_small_month(folder: Path) -> Path:
    """A 3-agent, one-queue November's inputs in ``folder``: the roster solves it in seconds."""
    (folder / "team.yaml").write_text(SMALL_TEAM, encoding="utf-8")
    stamps = pd.date_range("2026-11-01", "2026-11-30 23:00", freq="h")
    arrivals = [4.0 if 9 <= stamp.hour < 21 else 0.5 for stamp in stamps]
    pd.DataFrame({"queue": "chat", "interval_start": stamps.strftime("%Y-%m-%d %H:%M"),
                  "arrivals": arrivals}).to_csv(folder / "volumes.csv", index=False)
    (folder / "events.csv").write_text(GOOD["events.csv"], encoding="utf-8")
    return folder


@pytest.fixture
def small_month(tmp_path) -> Path:
    """A 3-agent, one-queue November (``write_small_month``) in ``tmp_path``."""
    return write_small_month(tmp_path)


# The shortest --time-limit the command takes for the small month: the runs here are about files, not
# about the plan's cost.
SMALL_MONTH_TIME_LIMIT = f"{minimum_time_limit_s(agents=3, days=30):g}"


def roster_args(folder: Path, out: Path) -> list:
    return ["roster", "--month", "2026-11", "--config", folder / "team.yaml", "--forecast", folder / "volumes.csv",
            "--events", folder / "events.csv", "--out", out, "--time-limit", SMALL_MONTH_TIME_LIMIT]


USERS_NOTES = "the user's own notes"


@pytest.fixture(scope="module")
def users_folder_planned(tmp_path_factory) -> Path:
    """The small month planned once by `plan roster --overwrite` into a user's folder holding their
    notes.txt: that folder, shared read-only (the tests below copy what they change)."""
    import sys

    from plan.cli.app import main
    folder = write_small_month(tmp_path_factory.mktemp("planned"))
    out = folder / "my-plans"
    out.mkdir()
    (out / "notes.txt").write_text(USERS_NOTES, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit) as done:
        patch.setattr(sys, "argv", ["plan", *map(str, roster_args(folder, out)), "--overwrite"])
        main()
    assert done.value.code == 0, "plan roster failed (its output is in the captured setup output)"
    return out


def test_a_users_folder_survives_plan_roster(run_plan, small_month, users_folder_planned):
    out = small_month / "my-plans"
    out.mkdir()
    (out / "notes.txt").write_text(USERS_NOTES, encoding="utf-8")
    before = snapshot(small_month)

    refused = run_plan(*roster_args(small_month, out))
    refused.error_line(("--out", "notes.txt", "--overwrite"))
    assert snapshot(small_month) == before

    written = users_folder_planned  # the same folder and command with --overwrite, run once for the module
    assert (written / "notes.txt").read_text(encoding="utf-8") == USERS_NOTES
    assert {"roster.csv", "summary.json", "roster.xlsx", "inputs"} <= {p.name for p in written.iterdir()}
    assert "'=HYPERLINK" in (written / "roster.csv").read_text(encoding="utf-8")  # a name is never a formula
    assert run_plan("verify", written).exit_code == 0  # and the checker reads the name back as it was


def test_plan_directory_rewritten_whole_and_edits_protected(run_plan, small_month, users_folder_planned):
    out = small_month / "plan"
    # the files plan wrote, without the user's notes: a folder that is plan's own (its manifest lists them all)
    shutil.copytree(users_folder_planned, out, ignore=shutil.ignore_patterns("notes.txt"))
    assert run_plan(*roster_args(small_month, out)).exit_code == 0  # plan's own folder: replaced whole
    assert not [p for p in small_month.iterdir() if p.name.startswith(".plan")]  # no staging left behind

    with open(out / "roster.csv", "a", encoding="utf-8") as handle:
        handle.write("an edit\n")
    edited = snapshot(small_month)
    run_plan(*roster_args(small_month, out)).error_line(("--out", "roster.csv", "--overwrite"))
    assert snapshot(small_month) == edited
    (small_month / "a-file").write_text("x", encoding="utf-8")
    run_plan(*roster_args(small_month, small_month / "a-file")).error_line(("--out", "a-file"))
    assert (small_month / "a-file").read_text(encoding="utf-8") == "x"


def _wait_until_the_forecast_works(run: subprocess.Popen, start_up_s: float = 60.0) -> None:
    """Past the console's start-up: the forecasting code's compiled modules (statsmodels) are loaded,
    and a second later the command is reading the history or fitting. A fixed wait where the
    system shows no process memory maps."""
    maps = Path(f"/proc/{run.pid}/maps")
    if not maps.exists():
        time.sleep(6)
        return
    waited_until = time.monotonic() + start_up_s
    while run.poll() is None and time.monotonic() < waited_until:
        if "statsmodels" in maps.read_text(errors="replace"):
            break
        time.sleep(0.05)
    time.sleep(1)


def test_ctrl_c_says_so_and_writes_nothing(tmp_path):
    """A real console run interrupted while it works (fitting the sample's two years takes a minute):
    one line, exit 130, nothing new on disk."""
    before = snapshot(tmp_path)
    run = subprocess.Popen([sys.executable, "-c", "from plan.cli.entry import main; main()", "forecast", "--out",
                            tmp_path / "out" / "f.csv", "--plot", tmp_path / "out" / "f.png"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           # a console's Ctrl-C reaches the program even when the suite itself runs as a
                           # background job (which starts with SIGINT ignored)
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_until_the_forecast_works(run)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130, out + err
    assert err.strip().splitlines() == ["interrupted, nothing written"]
    assert "Traceback" not in out + err
    assert snapshot(tmp_path) == before


def test_interrupt_in_process_is_one_line(run_plan, tiny_inputs, monkeypatch, tmp_path):
    import plan.cli.forecast

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plan.cli.forecast, "fit_with_progress", interrupted)
    before = snapshot(tmp_path)
    result = run_plan("forecast", "--history", tiny_inputs["history"], "--events", tiny_inputs["events"],
                      "--out", tmp_path / "out" / "f.csv", "--plot", tmp_path / "out" / "f.png")
    assert result.exit_code == 130
    assert ANSI.sub("", result.stderr).strip() == "interrupted, nothing written"
    assert snapshot(tmp_path) == before
