"""Scenarios run in parallel worker processes, their progress relayed to this process."""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from plan.optimize.finance.scenarios.result import ScenarioResult
from plan.optimize.finance.scenarios.run import ScenarioJob, run_scenario


def _exit_quietly_on_interrupt() -> None:
    """Ctrl-C reaches every process of the terminal: a worker leaves without a traceback of its
    own, and the parent reports the interruption once."""
    import os
    import signal

    signal.signal(signal.SIGINT, lambda number, frame: os._exit(130))


def _run_in_worker(job: ScenarioJob, messages) -> ScenarioResult:
    def report(fraction: float, message: str) -> None:
        messages.put((job.scenario.name, fraction, message))

    try:
        return run_scenario(job, report)
    finally:
        messages.put((job.scenario.name, 1.0, "done"))


ProgressCallback = Callable[[str, float, str], None]


def run_scenarios(jobs: list[ScenarioJob], *, max_workers: int = 2,
                  progress: ProgressCallback | None = None) -> list[ScenarioResult]:
    """Run jobs in ``max_workers`` processes (in-process when 1); results in job order.

    ``progress(name, fraction, message)`` is called in this process as workers report
    (fraction −1 means "still working, no estimate").
    """
    if max_workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            report = (lambda f, m, n=job.scenario.name: progress(n, f, m)) if progress else None
            results.append(run_scenario(job, report))
        return results
    import multiprocessing
    import queue as queue_module

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        messages = manager.Queue()
        with ProcessPoolExecutor(max_workers=max_workers, mp_context=context,
                                 initializer=_exit_quietly_on_interrupt) as pool:
            futures = [pool.submit(_run_in_worker, job, messages) for job in jobs]
            pending = set(futures)
            while pending:
                try:
                    name, fraction, message = messages.get(timeout=0.2)
                    if progress:
                        progress(name, fraction, message)
                except queue_module.Empty:
                    pass
                pending = {f for f in pending if not f.done()}
            while True:  # drain the last reports
                try:
                    name, fraction, message = messages.get_nowait()
                    if progress:
                        progress(name, fraction, message)
                except queue_module.Empty:
                    break
            return [f.result() for f in futures]
