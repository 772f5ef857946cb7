"""The execution layer (plan.execution): task order, named failures, seeds independent of backend and
worker count; Ray in local mode on 2 CPUs (skipped cleanly when Ray is not installed)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import typer

from plan.execution import run_tasks, task_seeds


def draw(payload, context):
    """A task: a few numbers from the task's own stream, failing on request."""
    if payload == "fail":
        raise ValueError("this task was told to fail")
    return [payload, context.name, *context.rng().normal(size=3).round(12).tolist(), context.seed_int()]


TASKS = [(f"task {i}", i) for i in range(5)]


@pytest.fixture(scope="session")
def ray_local(ray_session):
    """Ray in local mode on 2 CPUs (conftest's, once per session); this module's functions shipped by value."""
    ray_session.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    return ray_session


def test_results_come_in_task_order_with_one_stream_per_task():
    report = run_tasks(draw, TASKS, seed=7)
    assert report.complete and [v[0] for v in report.values] == list(range(5))
    assert len({tuple(v[2:5]) for v in report.values}) == 5  # every task its own stream
    assert run_tasks(draw, TASKS, seed=7).values == report.values
    assert run_tasks(draw, TASKS, seed=8).values != report.values
    # task i's stream is child i of the run's seed: fixed by the seed and its place alone
    assert report.values[3][2] == pytest.approx(np.random.default_rng(task_seeds(7, 5)[3]).normal(size=3)[0])


def test_a_failing_task_is_reported_by_name_and_the_others_finish():
    tasks = TASKS[:2] + [("bad team", "fail")] + TASKS[2:]
    report = run_tasks(draw, tasks, seed=1)
    assert not report.complete
    assert report.failures == ["bad team: ValueError: this task was told to fail"]
    assert [o.ok for o in report.outcomes] == [True, True, False, True, True, True]
    assert report.values[2] is None and report.values[4][0] == 3


def test_local_worker_processes_give_the_in_process_results():
    tasks = TASKS[:3] + [("bad", "fail")]
    one, two = run_tasks(draw, tasks, seed=3, workers=1), run_tasks(draw, tasks, seed=3, workers=2)
    assert two.values == one.values and two.failures == one.failures == ["bad: ValueError: this task was told to fail"]


def test_ray_gives_the_local_results_with_any_worker_count_and_names_a_failure(ray_local):
    tasks = TASKS + [("bad", "fail")]
    local = run_tasks(draw, tasks, seed=11)
    for workers in (1, 2):
        on_ray = run_tasks(draw, tasks, seed=11, backend="ray", workers=workers)
        assert on_ray.values == local.values
        assert on_ray.failures == ["bad: ValueError: this task was told to fail"]


def test_the_ray_backend_is_refused_in_one_line_when_ray_is_missing(monkeypatch):
    from plan.cli import backend

    monkeypatch.setattr(backend, "ray_available", lambda: False)
    with pytest.raises(typer.BadParameter, match=r"pip install 'plan\[ray\]'"):
        backend.check_backend("ray")
    assert backend.check_backend("LOCAL") == "local"


def test_plan_risk_gives_the_same_probabilities_on_ray_as_locally(ray_local):
    from plan.optimize.finance import risk
    from test_risk import report_of, small_case

    inputs = small_case(seed=9)
    local, on_ray = report_of(inputs, "analytic", 50), report_of(inputs, "analytic", 50, backend="ray", workers=2)
    assert on_ray.targets.equals(local.targets) and on_ray.cost == local.cost
    assert risk.PATHS_PER_TASK["analytic"] < 50  # more than one task: the chunks really were spread


def test_plan_capacity_sweep_gives_the_local_rows_on_ray(ray_local, tmp_path, run_plan):
    """After the risk test, so Ray's workers have plan's modules loaded already."""
    import pandas as pd
    from test_capacity import one_queue_world

    command = one_queue_world(tmp_path) + ["--sweep", "costs.shortfall_penalty_per_contact=5..35:30"]
    local = run_plan(*command, "--workers", "1", "--out", tmp_path / "local")
    on_ray = run_plan(*command, "--backend", "ray", "--workers", "1", "--out", tmp_path / "ray")  # one worker loads it
    assert local.exit_code == on_ray.exit_code == 0, local.output + on_ray.output
    table = pd.read_csv(tmp_path / "local" / "capacity_sweep.csv")
    assert len(table) == 2 and table["shortfall_contacts"].iloc[1] < table["shortfall_contacts"].iloc[0]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "ray" / "capacity_sweep.csv"), table)


def test_a_cluster_address_nobody_answers_is_refused_before_any_work():
    """Ray would retry a dead address for a minute or more; the command says so at once."""
    import socket

    from plan.cli.backend import check_address

    with socket.socket() as probe:  # a port nothing listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with pytest.raises(typer.BadParameter, match=f"no Ray cluster answers at 127.0.0.1:{port}"):
            check_address("ray", f"127.0.0.1:{port}")
    with pytest.raises(typer.BadParameter, match="needs --backend ray"):
        check_address("local", "127.0.0.1:1")
    check_address("ray", "auto")  # Ray's own lookup, not a host:port


def make_package(root):
    """A package laid out like plan's repository: modules, a subpackage, plan.data with a mappings
    folder and the demo inputs, and the folders a repository has beside them."""
    for relative in ("__init__.py", "execution.py", "optimize/__init__.py", "optimize/roster/__init__.py",
                     "optimize/roster/plan.py", "data/__init__.py", "data/workforce.yaml", "data/events.csv",
                     "data/mappings/bank.yaml", "data/history.csv", "data/contact_log_2026-10.csv",
                     "tests/conftest.py", "tests/test_x.py", "bench/scale_out.py", "docs/benchmarks.md",
                     ".venv/lib/site.py", "out/roster-2026-11/roster.csv", "__pycache__/execution.cpython-311.pyc",
                     "optimize/__pycache__/x.pyc", "README.md", "pyproject.toml", "Makefile"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(relative, encoding="utf-8")


def test_a_cluster_is_sent_the_package_modules_and_small_data_not_tests_docs_venv_or_outputs(tmp_path):
    from plan.execution import cluster_runtime_env, shipped_files, stage_package

    make_package(tmp_path / "repo")
    shipped = {str(p) for p in shipped_files(tmp_path / "repo")}
    assert shipped == {"__init__.py", "execution.py", "optimize/__init__.py", "optimize/roster/__init__.py",
                       "optimize/roster/plan.py", "data/__init__.py", "data/workforce.yaml", "data/events.csv",
                       "data/mappings/bank.yaml"}
    staged = stage_package(tmp_path / "repo", tmp_path / "ship")
    assert staged.name == "plan"  # Ray names the module after the folder, whatever the repository's is called
    assert (staged / "optimize/roster/plan.py").read_text(encoding="utf-8") == "optimize/roster/plan.py"
    assert sorted(str(p.relative_to(staged)) for p in staged.rglob("*") if p.is_file()) == sorted(shipped)
    assert cluster_runtime_env(staged) == {"py_modules": [str(staged)]}


def test_every_module_of_plan_in_use_is_among_the_shipped_files():
    from plan.execution import package_root, shipped_files

    import plan.batch  # noqa: F401 - what the tasks of batch, risk and capacity import, at least
    import plan.optimize.finance.risk  # noqa: F401

    root, shipped = package_root(), set(shipped_files(package_root()))
    loaded = {Path(m.__file__).resolve().relative_to(root) for name, m in list(sys.modules.items())
              if name.startswith("plan.") and getattr(m, "__file__", None)}
    assert loaded and loaded <= shipped
    assert not {p for p in shipped if p.parts[0] in ("tests", "bench", "docs", ".venv", "out")}


class FakeRay:
    """Records ray.init's arguments and what the shipped folder held at that moment; runs a remote
    function in this process."""

    def __init__(self):
        self.inits = []

    def is_initialized(self):
        return bool(self.inits)

    def init(self, **options):
        shipped = options.get("runtime_env", {}).get("py_modules", [])
        self.inits.append({**options, "files": {str(p.relative_to(shipped[0])) for p in Path(shipped[0]).rglob("*.py")}
                           if shipped else set()})

    def remote(self, **options):
        return lambda fn: type("Remote", (), {"remote": staticmethod(fn)})

    def get(self, value):
        return value


def test_a_cluster_address_ships_the_code_and_a_local_ray_uploads_nothing(monkeypatch):
    from plan import execution

    monkeypatch.setattr(execution, "_RAY_STARTED_HERE", False)
    on_cluster, local = FakeRay(), FakeRay()
    monkeypatch.setattr(execution, "import_ray", lambda: on_cluster)
    execution.ensure_ray("10.0.0.5:6379", 2)
    [init] = on_cluster.inits
    assert init["address"] == "10.0.0.5:6379" and {"execution.py", "optimize/roster/plan.py"} <= init["files"]
    monkeypatch.setattr(execution, "import_ray", lambda: local)
    execution.ensure_ray(None, 2)
    [init] = local.inits
    assert init["address"] == "local" and init["num_cpus"] == 2 and "runtime_env" not in init


def test_a_worker_lacking_a_dependency_is_named_and_other_versions_are_told():
    from plan.execution import environment_differences

    here = {"numpy": "2.1.0", "ortools": "9.12.4544", "pandas": "2.2.3"}
    missing, differ = environment_differences(here, {"numpy": "2.1.0", "ortools": None, "pandas": "2.2.2"})
    assert missing == ["ortools"] and differ == ["pandas 2.2.3 here, 2.2.2 there"]
    assert environment_differences(here, dict(here)) == ([], [])


def test_a_refusal_line_keeps_its_brackets(run_plan, tmp_path):
    """Rich markup must not eat a bracketed part of an error (a file name, an install hint)."""
    missing = tmp_path / "team [ray]" / "workforce.yaml"
    line = run_plan("check", "--config", missing).error_line()
    assert "team [ray]" in line
