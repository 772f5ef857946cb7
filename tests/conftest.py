"""Shared test fixtures: where the real reference data lives, how to run `plan`, tiny valid inputs."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``$PLAN_SHARED_DATA`` or ``../shared/data`` next to the checkout (absent in a fresh clone)."""
    env = os.environ.get("PLAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The external reference data folder; the test is skipped when it is not there."""
    folder = shared_data_dir()
    if not folder.is_dir():
        pytest.skip(f"reference data not available at {folder}")
    return folder


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class PlanRun:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def error_line(self, where: tuple[str, ...] = ()) -> str:
        """The one line a refused run prints: exit code 2, no traceback, naming each of ``where``."""
        assert self.exit_code == 2, self.output
        assert "Traceback" not in self.output
        lines = [line for line in ANSI.sub("", self.stderr).splitlines() if line.strip()]
        assert len(lines) == 1, self.stderr
        for text in where:
            assert text in lines[0], (text, lines[0])
        return lines[0]


@pytest.fixture
def run_plan(capsys, monkeypatch):
    """Run ``plan ARGS...`` in-process through the console entry point ``plan.cli.app.main``.

    Returns exit code, stdout and stderr, like a user's shell would see them (``main`` turns an
    InputError into one line and exit code 2). ``cwd`` sets the working directory for the run.
    """
    from plan.cli.app import console, err_console, main

    # A wide terminal, so that summary tables are not wrapped or ellipsised in assertions.
    monkeypatch.setattr(console, "width", 200)
    monkeypatch.setattr(err_console, "width", 200)

    def run(*args: str | Path, cwd: Path | None = None) -> PlanRun:
        capsys.readouterr()  # drop anything printed before
        monkeypatch.setattr(sys, "argv", ["plan", *map(str, args)])
        if cwd is not None:
            monkeypatch.chdir(cwd)
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return PlanRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def run_plan_subprocess():
    """Run ``plan`` in a fresh interpreter (the real console path, tracebacks included if any)."""
    def run(*args: str | Path, cwd: Path | None = None) -> PlanRun:
        done = subprocess.run([sys.executable, "-c", "from plan.cli.entry import main; main()", *map(str, args)],
                              cwd=cwd or REPO, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "COLUMNS": "200"})
        return PlanRun(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture(scope="session")
def ray_session():
    """Ray started here on 2 CPUs, once per session for every test that compares a Ray run with a
    local one (skipped cleanly when Ray is not installed)."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'plan[ray]'): Ray tests skipped")
    started = not ray.is_initialized()
    if started:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    if started:
        ray.shutdown()


DETERMINISM_TEST = "test_the_same_inputs_seed_and_limit_write_the_same_plan_files_byte_for_byte"


@pytest.fixture(scope="session")
def small_month_elsewhere(request, tmp_path_factory):
    """When the determinism test is selected: the small month started in a fresh process before this
    process solves its own (so the two run at once), as (process, its folder); else None."""
    if not any(item.name == DETERMINISM_TEST for item in request.session.items):
        return None
    from test_roster import start_small_month_in_a_fresh_process
    folder = tmp_path_factory.mktemp("elsewhere")
    return start_small_month_in_a_fresh_process(folder), folder


@pytest.fixture(scope="session")
def small_month_plan(small_month_elsewhere):
    """The roster tests' small month (test_roster.small_workforce, February 2026, a night pinned),
    planned once per session with the wall-clock safety nets off: the tests that only read a solved
    month share it instead of solving their own (see ``test_roster.plan_small_month``)."""
    from test_roster import plan_small_month
    return plan_small_month()


# --- tiny valid inputs for `plan check` (fast; the bad-input tests copy and break these) ----------

TINY_WORKFORCE = textwrap.dedent("""\
    site: {name: Test shop, interval_minutes: 60}
    queues:
      chat_presales:
        channel: chat
        aht_s: 240
        patience_s: 120
        concurrency: 3
        targets: {service_level: 0.8, answer_within_s: 30}
      phone:
        channel: voice
        aht_s: 300
        targets: {asa_s: 20}
    shifts:
      - {code: D, name: Day, start: "08:00", end: "17:00", breaks: [{minutes: 60, window_start: "11:30", window_end: "13:30"}]}
      - {code: N, name: Night, start: "22:00", end: "06:00"}
    contracts:
      std: {system: standard}
    in_house:
      - {id: E1, name: Li Lei, skills: [chat_presales, phone], contract: std, monthly_salary: 9000}
    part_time:
      - id: P1
        name: Han Meimei
        skills: [chat_presales]
        hourly_rate: 30
        max_hours_day: 4
        availability: [{days: [sat, sun], start: "18:00", end: "23:00"}]
    costs: {shortfall_penalty_per_contact: 5}
    """)


def tiny_history_rows(days: int = 28) -> list[str]:
    rows = ["queue,interval_start,arrivals,aht_s,abandoned"]
    for queue in ("chat_presales", "phone"):
        for day in range(1, days + 1):
            for hour in range(24):
                arrivals = (hour * 7 + day) % 23
                rows.append(f"{queue},2026-10-{day:02d} {hour:02d}:00,{arrivals},250,{min(hour % 3, arrivals)}")
    return rows


@pytest.fixture(name="tiny_history_rows")
def _tiny_history_rows_fixture():
    """``tiny_history_rows(days=28)`` → CSV lines of a valid history (header first): the 28 days
    plan forecast needs at least."""
    return tiny_history_rows


@pytest.fixture
def tiny_workforce_text() -> str:
    return TINY_WORKFORCE


@pytest.fixture
def tiny_inputs(tmp_path) -> dict[str, Path]:
    """A valid history (2 queues x 28 days), events calendar and workforce YAML in ``tmp_path``."""
    history = tmp_path / "history.csv"
    history.write_text("\n".join(tiny_history_rows()) + "\n", encoding="utf-8")
    events = tmp_path / "events.csv"
    events.write_text("name,kind,start,end,intensity\n"
                      "双十一 2025,double11,2025-10-20,2025-11-11,1.0\n"
                      "双十一 2026,double11,2026-10-20,2026-11-11,1.1\n", encoding="utf-8")
    workforce = tmp_path / "workforce.yaml"
    workforce.write_text(TINY_WORKFORCE, encoding="utf-8")
    return {"history": history, "events": events, "config": workforce}
