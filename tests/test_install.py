"""The package as a user installs it: a built wheel, not the editable source tree."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from test_hostile_inputs import roster_args, small_month  # noqa: F401 (a fixture: a 3-agent November)


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


def _modules(root: Path) -> set[str]:
    """Dotted names of the package's modules under ``root`` (the source tree or an installed copy)."""
    skipped = {"tests", "bench", "build", "docs", ".venv", ".git", ".ci"}
    return {".".join(path.relative_to(root).with_suffix("").parts) for path in root.rglob("*.py")
            if not skipped.intersection(path.relative_to(root).parts) and "egg-info" not in str(path)}


def test_the_wheel_holds_every_module_of_the_source_tree_and_each_imports(installed, tmp_path):
    source = {f"plan.{name}" for name in _modules(REPO) if not name.startswith("__")} | {"plan.__init__"}
    shipped = {f"plan.{name}" for name in _modules(installed / "plan")}
    assert source - shipped == set(), "modules missing from the wheel (pyproject `packages`)"
    importable = sorted(name.removesuffix(".__init__") for name in shipped if not name.endswith("__main__"))
    code = (f"import sys, importlib; sys.path.insert(0, {str(installed)!r}); "
            f"[importlib.import_module(n) for n in {importable!r}]")
    done = subprocess.run([sys.executable, "-P", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_wheel_checks_the_bundled_sample_from_any_directory(installed, tmp_path):
    assert (installed / "plan" / "data" / "history.csv").is_file()
    check = _plan(installed, tmp_path, "check")
    assert check.returncode == 0, check.stderr
    assert "history.csv" in check.stdout and "ok" in check.stdout


def test_wheel_rosters_a_month_from_any_directory(installed, small_month):
    """`plan roster --month 2026-11` from the wheel (a small team, so the test stays short; the
    sample's own roster runs in `make demo`)."""
    roster = _plan(installed, small_month, *map(str, roster_args(small_month, small_month / "plan-out")))
    assert roster.returncode == 0, roster.stderr
    assert "Traceback" not in roster.stderr and "verified" in roster.stdout
    assert {"roster.csv", "summary.json", "roster.xlsx", "coverage.png"} <= {
        p.name for p in (small_month / "plan-out").iterdir()}
