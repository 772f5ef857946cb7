"""`plan risk`: the chance a plan meets its targets when the forecast is off, from seeded forecast paths."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.backend import address_option, backend_option, check_address, tell_failures, workers_option
from plan.cli.options import check_plan_directory, choice_option, overwrite_option, seed_option
from plan.contracts.outputs import Outputs
from plan.execution import run_tasks
from plan.optimize.finance import risk

RISK_FILES = ("risk.json", "risk.csv", "risk_hours.csv")

EPILOG = """\
Examples:

  plan risk out/roster-2026-11    (1,000 forecast paths, the staffing service functions)

  plan risk out/roster-2026-11 --paths 200 --engine simulate --backend ray --workers 2

  plan risk out/roster-2026-11 --seed 7 --out out/risk-seed7
"""


def _targets_table(report: risk.RiskReport) -> Table:
    view = Table(title=f"Chance of meeting each target ({report.paths:,} forecast paths, {report.engine})",
                 title_justify="left")
    for column in ("queue", "period", "target", "at fcst", "P(met)", "± MC se"):
        view.add_column(column, justify="left" if column in ("queue", "period", "target") else "right",
                        no_wrap=column == "queue")
    for row in report.targets.to_dict("records"):
        at = f"{row['at_forecast']:.1%}" if row["kind"] == "sl" else (
            f"{row['at_forecast']:.1f} s" if row["kind"] == "asa" else f"{row['at_forecast']:.1f} late")
        style = "red" if row["probability_met"] < 0.9 else None
        view.add_row(row["queue"], row["period"], row["target"], at, f"{row['probability_met']:.1%}",
                     f"{row['mc_se']:.1%}", style=style)
    return view


def _hours_table(report: risk.RiskReport) -> Table:
    view = Table(title="Hours most at risk (expected contacts short of target, paths' mean)", title_justify="left")
    for column in ("queue", "hour", "P(short)", "short", "agents", "fcst"):
        view.add_column(column, justify="left" if column in ("queue", "hour") else "right")
    for row in report.hours.head(8).to_dict("records"):
        view.add_row(row["queue"], row["interval_start"], f"{row['probability_short']:.0%}",
                     f"{row['expected_short_contacts']:.1f}", f"{row['agents_on_floor']:.1f}",
                     f"{row['arrivals_forecast']:.0f}")
    return view


def _run(inputs: risk.RiskInputs, engine: str, paths: int, seed: int, backend: str, address: Optional[str],
         workers: int):
    tasks = risk.path_tasks(engine, paths)
    with Progress(TextColumn("[bold]risk[/] {task.description}"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"{paths:,} paths, {engine}, {backend}", total=len(tasks))

        def progress(name: str, fraction: float, message: str) -> None:
            if fraction >= 1.0:
                bar.advance(task)

        return run_tasks(risk.run_paths, tasks, backend=backend, address=address, workers=workers, seed=seed,
                         shared=inputs, progress=progress)


@app.command("risk", epilog=EPILOG)
def risk_command(
    plan_dir: Path = typer.Argument(..., callback=check_plan_directory, help="Plan directory (plan roster --out)."),
    paths: int = typer.Option(1000, "--paths", min=10, max=1_000_000, help="Forecast paths to draw."),
    seed: int = seed_option("Seed of the paths (same seed, same result on any backend and worker count)."),
    engine: str = choice_option("analytic", risk.ENGINES, "Service under each path: analytic (the staffing service "
                                                          "functions, fast) or simulate (discrete-event, slow)."),
    workers: int = workers_option(),
    backend: str = backend_option(),
    address: Optional[str] = address_option(),
    out: Path = typer.Option(Path("out/risk"), help="Directory for risk.json, risk.csv, risk_hours.csv."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Chance of meeting each service target (month, 11.11, each event window) when the forecast is off."""
    check_address(backend, address)
    with Outputs(overwrite) as outputs:
        report_dir = outputs.directory(out, "--out", names=RISK_FILES)
        inputs = risk.read_risk_inputs(plan_dir, seed=seed)
        run = _run(inputs, engine, paths, seed, backend, address, workers)
        if not run.complete:  # a probability over the paths that ran would pass for one over all: nothing written
            tell_failures(console, run, "path chunk")
            raise typer.Exit(1)
        report = risk.combine(inputs, run.values, engine)
        _write(report, report_dir.staging, plan_dir, seed, backend, run.seconds)
    currency = inputs.workforce.site.currency
    console.print(_targets_table(report))
    q = report.cost["quantiles"]
    console.print(f"shortfall cost ({currency}, {report.cost['penalty_per_contact']:g} a contact short): mean "
                  f"{report.cost['mean']:,.0f} ± {report.cost['mc_se_of_mean']:,.0f}, p5 {q['p5']:,.0f}, median "
                  f"{q['p50']:,.0f}, p95 {q['p95']:,.0f}; at the forecast itself {report.cost['at_forecast_mean']:,.0f}",
                  highlight=False)
    if len(report.hours):
        console.print(_hours_table(report))
    console.print(f"[dim]{risk.METHOD_LINE[engine]}[/]", highlight=False)
    console.print(f"risk.json, risk.csv, risk_hours.csv → {out} ({run.seconds:.1f} s, {backend})", highlight=False)


def _write(report: risk.RiskReport, folder: Path, plan_dir: Path, seed: int, backend: str, seconds: float) -> None:
    report.targets.to_csv(folder / "risk.csv", index=False)
    report.hours.to_csv(folder / "risk_hours.csv", index=False)
    document = {"plan": str(plan_dir), "paths": report.paths, "seed": seed, "engine": report.engine,
                "backend": backend, "seconds": round(seconds, 2), "method": risk.METHOD_LINE[report.engine],
                "targets": report.targets.to_dict("records"), "shortfall_cost": report.cost,
                "hours_most_at_risk": report.hours.to_dict("records")}
    (folder / "risk.json").write_text(json.dumps(document, indent=2, ensure_ascii=False, default=float),
                                      encoding="utf-8")
