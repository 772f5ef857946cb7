"""`plan batch`: plan every team of a folder (one sub-folder each) and write a combined summary."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan import batch
from plan.cli.app import app, console
from plan.cli.backend import address_option, backend_option, check_address, tell_failures, workers_option
from plan.cli.options import month_option, overwrite_option, seed_option, time_limit_option
from plan.contracts.errors import InputError
from plan.contracts.outputs import Outputs
from plan.contracts.paths import SAMPLE_MONTH
from plan.execution import run_tasks

SUMMARY_FILES = ("batch_summary.csv", "batch_summary.json")

EPILOG = """\
Examples:

  plan batch teams/ --month 2026-11    (teams/<team>/workforce.yaml, history.csv or forecast.csv, events.csv)

  plan batch teams/ --backend ray --workers 4 --out out/batch

  plan batch teams/ --backend ray --address head-node:6379 --time-limit 300
"""


def _check_folder(value: Path) -> Path:
    if not value.is_dir():
        raise typer.BadParameter(f"{value}: {'is a file, not' if value.exists() else 'no such'} folder of teams")
    return value


def _summary_table(rows: list[dict], currency: str) -> Table:
    view = Table(title=f"Teams planned ({currency} a month)", title_justify="left")
    for column in ("team", "status", "people", "cost", "service", "gap", "s"):
        view.add_column(column, justify="left" if column in ("team", "status") else "right")
    for row in rows:
        if row["status"] != "ok":
            view.add_row(row["team"], "[red]failed[/]", "", "", "", "", "")
            continue
        gap = row["gap"]
        view.add_row(row["team"], "ok", str(row["people"]), f"{row['cost_total']:,.0f}", f"{row['service_level']:.1%}",
                     f"{gap:.1%}" if isinstance(gap, float) and gap == gap else "-", f"{row['seconds']:.0f}")
    return view


@app.command("batch", epilog=EPILOG)
def batch_command(
    folder: Path = typer.Argument(..., callback=_check_folder, help="Folder with one sub-folder per team."),
    month: str = month_option(SAMPLE_MONTH, "Month to plan, YYYY-MM."),
    time_limit: Optional[float] = time_limit_option(None, "Roster time limit per team, s (raised to a team's least "
                                                          "useful limit; default: that least limit)."),
    seed: int = seed_option("Solver seed of every team."),
    workers: int = workers_option(),
    backend: str = backend_option(),
    address: Optional[str] = address_option(),
    out: Path = typer.Option(Path("out/batch"), help="Directory: one plan directory per team and batch_summary.*"),
    overwrite: bool = overwrite_option(),
) -> None:
    """Plan every team of FOLDER (forecast, staffing, roster) and write a combined summary; a bad team is named."""
    check_address(backend, address)
    teams = batch.team_folders(folder)
    if not teams:
        raise InputError(folder, "no team sub-folders (each team: a folder with workforce.yaml and history.csv)")
    with Outputs(overwrite) as outputs:
        target = outputs.directory(out, "--out", names=SUMMARY_FILES + tuple(t.name for t in teams))
        run = _run(teams, batch.BatchSettings(month=month, time_limit_s=time_limit, seed=seed), backend, address,
                   workers)
        rows = []
        for outcome in run.outcomes:
            if not outcome.ok:
                rows.append(batch.failed_row(outcome.name, outcome.error))
                continue
            from plan.contracts.plan_files import write_plan_files, write_summary
            from plan.optimize.verify import verify_plan

            team: batch.TeamPlan = outcome.value
            staged = target.staging / team.team
            staged.mkdir()
            write_plan_files(team.plan, staged, inputs={"workforce": team.workforce_path, "forecast": team.forecast,
                                                        "events": team.events_path, "requirements": team.requirements})
            violations = verify_plan(staged)
            if violations:
                summary = json.loads((staged / "summary.json").read_text(encoding="utf-8"))
                write_summary({**summary, "violations": violations}, staged / "summary.json")
            rows.append(batch.summary_row(team, violations))
        table = pd.DataFrame(rows)
        # the summary names every team, failed ones with their error: it never passes for the complete set
        table.to_csv(target.staging / "batch_summary.csv", index=False)
        (target.staging / "batch_summary.json").write_text(json.dumps(
            {"month": month, "backend": backend, "workers": workers, "seconds": run.seconds,
             "teams": rows, "failed": run.failures}, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    currencies = {o.value.currency for o in run.succeeded}
    console.print(_summary_table(rows, currencies.pop() if len(currencies) == 1 else "each team's currency"))
    console.print(f"{len(run.succeeded)} of {len(teams)} team(s) planned in {run.seconds:.0f} s ({backend}, {workers} "
                  f"at once) → {out}", highlight=False)
    if not run.complete:
        tell_failures(console, run, "team")
        raise typer.Exit(1)


def _run(teams: list[Path], settings: batch.BatchSettings, backend: str, address: Optional[str], workers: int):
    with Progress(TextColumn("[bold]batch[/] {task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"{len(teams)} teams", total=len(teams))

        def progress(name: str, fraction: float, message: str) -> None:
            if fraction >= 1.0:
                bar.update(task, advance=1, description=f"{name} {message}")

        return run_tasks(batch.plan_team, [(t.name, t) for t in teams], backend=backend, address=address,
                         workers=workers, seed=settings.seed, solver_threads=1, shared=settings, progress=progress)
