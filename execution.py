"""One execution layer for many independent solves or simulations: in this process, in local worker
processes, or on Ray (its local mode on this machine, or a running cluster by address).

Every command that runs many tasks (scenarios, sweeps, backtest origins, risk paths, teams of a
batch) goes through :func:`run_tasks`:

* **named tasks, results in task order**: ``tasks`` is a list of ``(name, payload)``; the report
  holds one :class:`TaskOutcome` per task in that order, whatever order they finished in;
* **reproducible**: task *i* gets child *i* of ``numpy.random.SeedSequence(seed)``
  spawned once in this process, so the same seed gives the same streams on ``local`` and ``ray``
  with any number of workers; solver threads per task (``solver_threads``, CP-SAT's
  ``num_workers``) are an explicit argument too, never "all cores", so a roster does not change
  with the worker count either;
* **robust**: an exception in a task (a bad team folder, a solver error, a worker that died) is
  caught and reported with the task's name; the other tasks run on. Ctrl-C stops every worker
  (:func:`stop_all`, called by :mod:`plan.cli.interrupt`). Callers write results only after
  :func:`run_tasks` returns, through :class:`plan.contracts.outputs.Outputs`, so nothing partial
  is ever put in place as complete.

``local`` needs no Ray: Ray is imported only when ``backend="ray"`` (the ``ray`` extra).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

BACKENDS = ("local", "ray")
RAY_MISSING = "the ray backend needs Ray: pip install 'plan[ray]' (or pip install ray)"

ProgressCallback = Callable[[str, float, str], None]


@dataclass(frozen=True)
class TaskContext:
    """What a task receives beside its payload."""
    name: str
    index: int
    seed: np.random.SeedSequence  # this task's own stream: child `index` of SeedSequence(run seed)
    solver_threads: int  # CP-SAT num_workers (and any other solver's thread count) for this task
    shared: Any = None  # one object every task reads (sent to each worker once on Ray)
    report: Callable[[float, str], None] = field(default=lambda fraction, message: None, compare=False)

    def rng(self) -> np.random.Generator:
        """A generator on this task's stream."""
        return np.random.default_rng(self.seed)

    def seed_int(self) -> int:
        """This task's stream as one 31-bit integer, for APIs that take an int seed."""
        return int(self.seed.generate_state(1, dtype=np.uint32)[0] >> 1)


@dataclass
class TaskOutcome:
    name: str
    ok: bool
    value: Any = None
    error: str | None = None  # one line: the exception's, with the task's name put in front by `failures`
    detail: str | None = None  # the traceback, for logs
    seconds: float = 0.0


@dataclass
class RunReport:
    outcomes: list[TaskOutcome]
    backend: str
    workers: int
    seconds: float

    @property
    def complete(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def values(self) -> list[Any]:
        """Results in task order (None where a task failed)."""
        return [o.value if o.ok else None for o in self.outcomes]

    @property
    def succeeded(self) -> list[TaskOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failures(self) -> list[str]:
        """One line per failed task: ``name: error``."""
        return [f"{o.name}: {o.error}" for o in self.outcomes if not o.ok]


def describe_error(exc: BaseException) -> str:
    """One line for a failed task: an input error as the user sees it, else the exception's type and text."""
    from plan.contracts.errors import InputError

    if isinstance(exc, InputError):
        return exc.one_line()
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def task_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """Child *i* of ``SeedSequence(seed)`` for task *i*: fixed by the seed and the task's place alone."""
    return list(np.random.SeedSequence(seed).spawn(n))


def _call(fn: Callable, payload: Any, context: TaskContext) -> TaskOutcome:
    """Run one task, its exception turned into a named failure (never raised)."""
    started = time.perf_counter()
    try:
        value = fn(payload, context)
        return TaskOutcome(context.name, True, value, seconds=time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - any task's failure is reported by name, the others go on
        return TaskOutcome(context.name, False, error=describe_error(exc), detail=traceback.format_exc(),
                           seconds=time.perf_counter() - started)


def run_tasks(fn: Callable[[Any, TaskContext], Any], tasks: Sequence[tuple[str, Any]], *, backend: str = "local",
              address: str | None = None, workers: int = 1, seed: int = 0, solver_threads: int = 1,
              shared: Any = None, progress: ProgressCallback | None = None) -> RunReport:
    """Run ``fn(payload, context)`` for every ``(name, payload)`` of ``tasks``; outcomes in task order.

    ``backend="local"``: in this process when ``workers`` is 1, else in ``workers`` spawned worker
    processes. ``backend="ray"``: Ray tasks, at most ``workers`` at once, on a local Ray started with
    ``workers`` CPUs, or on the cluster at ``address`` (``"auto"`` finds a local one). ``fn`` must be
    importable by name (a module-level function) for any backend but in-process local.
    ``progress(name, fraction, message)`` is called here as tasks report (fraction −1: no estimate).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    names = [name for name, _ in tasks]
    if len(set(names)) != len(names):
        raise ValueError("task names must be unique")
    workers = max(1, int(workers))
    seeds = task_seeds(seed, len(tasks))
    started = time.perf_counter()
    if backend == "ray":
        outcomes = _run_on_ray(fn, tasks, seeds, address, workers, solver_threads, shared, progress)
    elif workers == 1 or len(tasks) <= 1:
        outcomes = _run_here(fn, tasks, seeds, solver_threads, shared, progress)
    else:
        outcomes = _run_in_processes(fn, tasks, seeds, workers, solver_threads, shared, progress)
    return RunReport(outcomes, backend, workers, round(time.perf_counter() - started, 3))


# ---- local ---------------------------------------------------------------------------------------

def _run_here(fn, tasks, seeds, solver_threads, shared, progress) -> list[TaskOutcome]:
    outcomes = []
    for index, ((name, payload), seed) in enumerate(zip(tasks, seeds)):
        report = (lambda f, m, n=name: progress(n, f, m)) if progress else (lambda f, m: None)
        report(0.0, "started")
        outcomes.append(_call(fn, payload, TaskContext(name, index, seed, solver_threads, shared, report)))
        if progress:
            progress(name, 1.0, "done" if outcomes[-1].ok else "failed")
    return outcomes


def _exit_quietly_on_interrupt() -> None:
    """Ctrl-C reaches every process of the terminal: a worker leaves without a traceback of its
    own, and the parent reports the interruption once."""
    import os
    import signal

    signal.signal(signal.SIGINT, lambda number, frame: os._exit(130))


def _call_relaying(fn, payload, name, index, seed, solver_threads, shared, messages) -> TaskOutcome:
    def report(fraction: float, message: str) -> None:
        messages.put((name, fraction, message))

    report(0.0, "started")
    outcome = _call(fn, payload, TaskContext(name, index, seed, solver_threads, shared, report))
    messages.put((name, 1.0, "done" if outcome.ok else "failed"))
    return outcome


def _run_in_processes(fn, tasks, seeds, workers, solver_threads, shared, progress) -> list[TaskOutcome]:
    """Spawned worker processes (the standard library's pool); progress relayed through a manager queue."""
    import multiprocessing
    import queue as queue_module
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        messages = manager.Queue()

        def relay(block_s: float | None) -> None:
            while True:
                try:
                    name, fraction, message = messages.get(timeout=block_s) if block_s else messages.get_nowait()
                except queue_module.Empty:
                    return
                if progress:
                    progress(name, fraction, message)
                block_s = None  # after the first message, drain without waiting

        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context,
                                 initializer=_exit_quietly_on_interrupt) as pool:
            futures = [pool.submit(_call_relaying, fn, payload, name, index, seed, solver_threads, shared, messages)
                       for index, ((name, payload), seed) in enumerate(zip(tasks, seeds))]
            while not all(f.done() for f in futures):
                relay(0.2)
            relay(None)
            return [_outcome_of(future, name) for future, (name, _) in zip(futures, tasks)]


def _outcome_of(future, name: str) -> TaskOutcome:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the worker process died (e.g. out of memory): a named failure
        return TaskOutcome(name, False, error=f"worker lost: {describe_error(exc)}")


# ---- Ray -----------------------------------------------------------------------------------------

_RAY_STARTED_HERE = False
_RAY_IN_FLIGHT: list = []


def import_ray():
    """Ray, or an ``ImportError`` saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError(RAY_MISSING) from exc
    return ray


def ray_available() -> bool:
    try:
        import_ray()
    except ImportError:
        return False
    return True


# The sample's demo inputs: read by a command on the driver when no input is given, never by a task
# (tasks get their data in their payloads), so a cluster's workers are not sent them (5 MB).
DRIVER_ONLY_DATA = ("history.csv", "contact_log_2026-10.csv")
DATA_SUFFIXES = (".csv", ".yaml")  # plan.data's package data (pyproject's package-data)


def package_root() -> Path:
    """The folder of the package ``plan`` (this module sits at its top)."""
    return Path(__file__).resolve().parent


def shipped_files(root: Path) -> list[Path]:
    """What a cluster's workers get of the package at ``root``, relative to it: the modules of every
    package (a folder with ``__init__.py``, from the root down) and plan.data's data files but the
    demo inputs. Tests, benchmarks, docs, a virtualenv, outputs and caches are no packages: left out."""
    files = []
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        in_data = here.relative_to(root).parts[:1] == ("data",)
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__" and (
            (here / d / "__init__.py").is_file() or in_data))
        for name in sorted(names):
            shipped = name.endswith(".py") or (in_data and name.endswith(DATA_SUFFIXES)
                                                and not (here == root / "data" and name in DRIVER_ONLY_DATA))
            if shipped:
                files.append((here / name).relative_to(root))
    return files


def stage_package(root: Path, folder: Path) -> Path:
    """A copy of the shipped files under ``folder/plan``: Ray names a shipped module after its folder,
    and an editable install's folder is the repository's, whatever it is called."""
    staged = folder / "plan"
    for relative in shipped_files(root):
        (staged / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, staged / relative)
    return staged


def cluster_runtime_env(staged: Path) -> dict:
    """The job's runtime environment on a cluster: this package's code, put first on the workers' path
    (the driver's version runs even where a node has another installed). Dependencies are not
    installed by Ray: the nodes need plan's Python environment (same Python, ortools, numpy, ...):
    a roster is only reproducible with the same solver version, and nodes may have no package
    index to install from; :func:`check_cluster_environment` says what a node lacks."""
    return {"py_modules": [str(staged)]}


def dependency_names() -> list[str]:
    """plan's required distributions (no extras), from its installed metadata (none when plan runs
    from a source folder that was never installed: nothing to compare then)."""
    from importlib.metadata import PackageNotFoundError, requires
    from packaging.requirements import Requirement

    try:
        lines = requires("plan") or []
    except PackageNotFoundError:
        return []
    return sorted({Requirement(line).name for line in lines if "extra ==" not in line})


def installed_versions(names: list[str]) -> dict[str, str | None]:
    """Each distribution's installed version, None where it is missing (run on a worker too)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def environment_differences(here: dict[str, str | None], there: dict[str, str | None]) -> tuple[list[str], list[str]]:
    """(missing on the worker, different versions) as ``name`` and ``name x here, y there``."""
    missing = sorted(name for name, v in there.items() if v is None and here.get(name) is not None)
    differ = sorted(f"{name} {here[name]} here, {v} there" for name, v in there.items()
                    if v is not None and here.get(name) not in (None, v))
    return missing, differ


def check_cluster_environment(ray, address: str) -> None:
    """One task on the cluster: a worker lacking one of plan's dependencies is refused in one line
    (InputError); other versions than the driver's are a warning (a roster may differ)."""
    from plan.contracts.errors import InputError

    names = dependency_names()
    there = ray.get(ray.remote(num_cpus=0, max_retries=0)(installed_versions).remote(names))
    missing, differ = environment_differences(installed_versions(names), there)
    if missing:
        raise InputError("--address", f"the workers of the Ray cluster at {address} lack {', '.join(missing)}: "
                                      "every node needs plan's dependencies (pip install 'plan[ray]' there, or the "
                                      "same environment as here)")
    if differ:
        print(f"warning: the Ray cluster at {address} has other versions than here ({'; '.join(differ)}): "
              "results may differ from a local run", file=sys.stderr)


def ensure_ray(address: str | None, cpus: int):
    """Connect to the cluster at ``address`` with this package's code shipped to its workers, or start
    a local Ray with ``cpus`` CPUs, whose workers import it from here (once per process; an already
    connected Ray, e.g. a test's, is used as it is)."""
    global _RAY_STARTED_HERE
    ray = import_ray()
    if not ray.is_initialized():
        options = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
        if address:
            with tempfile.TemporaryDirectory(prefix="plan-ship-") as folder:  # Ray uploads it during init
                staged = stage_package(package_root(), Path(folder))
                ray.init(address=address, runtime_env=cluster_runtime_env(staged), **options)
            check_cluster_environment(ray, address)
        else:
            _RAY_STARTED_HERE = True  # from the first process it starts: Ctrl-C during start-up stops them too
            # "local": a new Ray of its own even when `ray start` left a cluster on this machine (a bare
            # ray.init() would join that one, and refuse `num_cpus` there)
            ray.init(address="local", num_cpus=cpus, **options)
    return ray


def _ray_call(fn, payload, name, index, seed, solver_threads, shared) -> TaskOutcome:
    return _call(fn, payload, TaskContext(name, index, seed, solver_threads, shared))


def _run_on_ray(fn, tasks, seeds, address, workers, solver_threads, shared, progress) -> list[TaskOutcome]:
    ray = ensure_ray(address, workers * solver_threads)  # room for `workers` tasks of `solver_threads` each
    remote = ray.remote(num_cpus=solver_threads, max_retries=0)(_ray_call)
    shared_ref = ray.put(shared)
    fn_ref = ray.put(fn)
    outcomes: dict[int, TaskOutcome] = {}
    pending: dict[Any, int] = {}
    queue = list(enumerate(zip(tasks, seeds)))
    try:
        while queue or pending:
            while queue and len(pending) < workers:
                index, ((name, payload), seed) = queue.pop(0)
                ref = remote.remote(fn_ref, payload, name, index, seed, solver_threads, shared_ref)
                pending[ref] = index
                _RAY_IN_FLIGHT.append(ref)
                if progress:
                    progress(name, -1, "running")
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                _RAY_IN_FLIGHT.remove(ref)
                name = tasks[index][0]
                try:
                    outcomes[index] = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - the worker died or Ray lost the task: a named failure
                    outcomes[index] = TaskOutcome(name, False, error=f"ray: {describe_error(exc)}")
                if progress:
                    progress(name, 1.0, "done" if outcomes[index].ok else "failed")
    except KeyboardInterrupt:  # in-process runs (no Ctrl-C watcher): stop the workers, then report
        for ref in pending:
            ray.cancel(ref, force=True)
        if _RAY_STARTED_HERE:
            ray.shutdown()
        raise
    return [outcomes[i] for i in range(len(tasks))]


def stop_all() -> None:
    """Ctrl-C (called by :mod:`plan.cli.interrupt`'s watcher thread just before the process exits):
    a Ray started here is killed with every process it started (node, agents, workers; a clean
    ``ray.shutdown`` from this thread would race the main thread inside Ray and leave the agents
    running); on a cluster, the tasks in flight are cancelled. Local worker processes are stopped
    by the watcher itself."""
    import sys

    ray = sys.modules.get("ray")
    if ray is None:
        return
    if _RAY_STARTED_HERE:
        _kill_descendants()
        return
    for ref in list(_RAY_IN_FLIGHT):
        try:
            ray.cancel(ref, force=True)
        except Exception:  # noqa: BLE001 - best effort while exiting
            pass
    _RAY_IN_FLIGHT.clear()


def _kill_descendants() -> None:
    """SIGKILL every process below this one (read from /proc; nothing where there is none)."""
    import os
    import signal
    from pathlib import Path

    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [os.getpid()]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
