"""The package as a user installs it: a built wheel, not the editable source tree."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """``plan`` installed from a wheel into a folder of its own (dependencies from this venv)."""
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(REPO)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return target


def _plan(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    code = (f"import sys; sys.path.insert(0, {str(site)!r}); import plan; "
            f"assert plan.__file__.startswith({str(site)!r}), plan.__file__; "
            "from plan.cli.app import main; main()")
    return subprocess.run([sys.executable, "-P", "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_wheel_runs_the_sample_roster_from_any_directory(installed, tmp_path):
    assert (installed / "plan" / "data" / "history.csv").is_file()
    check = _plan(installed, tmp_path, "check")
    assert check.returncode == 0, check.stderr
    roster = _plan(installed, tmp_path, "roster", "--month", "2026-11", "--time-limit", "10", "--out", "plan-out")
    assert roster.returncode == 0, roster.stderr
    assert (tmp_path / "plan-out" / "roster.csv").is_file() and (tmp_path / "plan-out" / "summary.json").is_file()
    assert "Traceback" not in roster.stderr
