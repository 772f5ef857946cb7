"""Many scenarios through the one execution layer (:mod:`plan.execution`): in this process, local
worker processes or Ray; progress relayed to this process, failures named."""
from __future__ import annotations

from plan.execution import ProgressCallback, RunReport, TaskContext, run_tasks
from plan.optimize.finance.scenarios.result import ScenarioResult
from plan.optimize.finance.scenarios.run import ScenarioJob, run_scenario

__all__ = ["ProgressCallback", "run_scenario_jobs", "run_scenarios"]


def scenario_task(job: ScenarioJob, context: TaskContext) -> ScenarioResult:
    return run_scenario(job, context.report, solver_threads=context.solver_threads)


def run_scenario_jobs(jobs: list[ScenarioJob], *, backend: str = "local", address: str | None = None,
                      workers: int = 2, progress: ProgressCallback | None = None) -> RunReport:
    """Every job's outcome, in job order, named by its scenario; one solver thread per scenario."""
    return run_tasks(scenario_task, [(job.scenario.name, job) for job in jobs], backend=backend, address=address,
                     workers=workers, solver_threads=1, progress=progress)


def run_scenarios(jobs: list[ScenarioJob], *, max_workers: int = 2, progress: ProgressCallback | None = None,
                  backend: str = "local", address: str | None = None) -> list[ScenarioResult]:
    """Results in job order; a failed scenario raises ``RuntimeError`` naming it (after all have run)."""
    report = run_scenario_jobs(jobs, backend=backend, address=address, workers=max_workers, progress=progress)
    if not report.complete:
        raise RuntimeError("scenario(s) failed: " + "; ".join(report.failures))
    return report.values
