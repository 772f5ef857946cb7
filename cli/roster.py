"""`plan roster`: the month's 排班表 — in-house shifts, part-time blocks, vendor seats, bot — at least cost."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console, err_console
from plan.contracts.events import read_events
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_MONTH, SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce

WIDE_GAP = 0.2  # above this, say so and suggest more time (a 45-agent sample month: 99 % at 60 s, 21 % at 180 s)

DEFAULT_FORECAST = Path("out/forecast.csv")

EPILOG = """\
Examples:

  plan roster --month 2026-11    (sample config; out/forecast.csv if present, else a forecast of the sample)

  plan roster --month 2026-11 --config data/workforce.yaml --forecast out/forecast.csv --out out/roster-2026-11 --time-limit 120 --seed 1
"""


def _forecast_for(month: str, path: Optional[Path], workforce, events: pd.DataFrame, history: Path) -> pd.DataFrame:
    from plan.contracts.forecast_table import read_forecast
    if path is None and DEFAULT_FORECAST.exists():
        path = DEFAULT_FORECAST
    if path is not None:
        frame = read_forecast(path, known_queues=workforce.queues)
    else:
        from plan.contracts.history import read_history
        from plan.forecast.model import VolumeForecaster
        hist = read_history(history, known_queues=workforce.queues, interval_minutes=workforce.site.interval_minutes)
        from plan.optimize.staffing.plausibility import volume_warnings
        volume_warnings(hist, workforce, source=str(history))  # an absurd history is refused before forecasting
        start = pd.Timestamp(f"{month}-01")
        frame = VolumeForecaster(country=workforce.site.country, seed=0).fit(hist, events).predict(
            start, start + pd.offsets.MonthEnd(0))
    stamps = pd.to_datetime(frame["interval_start"])
    return frame[stamps.dt.strftime("%Y-%m") == month].reset_index(drop=True)


@app.command(epilog=EPILOG)
def roster(
    month: str = typer.Option(SAMPLE_MONTH, help="Month to plan, YYYY-MM."),
    config: Path = typer.Option(SAMPLE_WORKFORCE, help="Workforce config (YAML)."),
    forecast: Optional[Path] = typer.Option(None, help="Forecast table (default: out/forecast.csv, else forecast the sample)."),
    events: Path = typer.Option(SAMPLE_EVENTS, help="Events calendar (event days get event targets)."),
    history: Path = typer.Option(SAMPLE_HISTORY, help="History to forecast from when no forecast is given."),
    out: Optional[Path] = typer.Option(None, help="Plan directory (default out/roster-YYYY-MM/)."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds from the command's start to the verified plan "
                                     "(solver work is set from it, so the same limit and seed give the same plan; a few "
                                     "seconds over on a busy machine or a huge team); from 150 s on, part goes to exact "
                                     "day-window MIPs (a cheaper plan)."),
    seed: int = typer.Option(0, help="Solver random seed."),
    service_mode: str = typer.Option("period", help="period: period targets with interval floors; interval: every interval at target."),
) -> None:
    """Plan the month's roster at minimum cost and write the plan directory (checked by `plan verify`)."""
    command_started = time.perf_counter()  # --time-limit counts from here to the verified plan
    from plan.optimize.roster import plan_month, write_plan
    from plan.optimize.staffing.plausibility import volume_warnings
    from plan.optimize.staffing.requirements import requirements_table
    from plan.optimize.verify import verify_plan

    workforce = read_workforce(config)
    calendar = read_events(events)
    out = out or Path("out") / f"roster-{month}"
    with console.status("forecast and requirements…"):
        fc = _forecast_for(month, forecast, workforce, calendar, history)
        # before the requirements and the solvers: an absurd volume is refused here, in one line
        for line in volume_warnings(fc, workforce, source=str(forecast or history)):
            err_console.print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)
        requirements = requirements_table(fc, workforce, calendar)

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("roster", total=time_limit, info="building")
        started = time.perf_counter()

        def report(stage: str, info: dict) -> None:
            text = stage
            if info.get("objective") == info.get("objective") and info.get("objective") is not None:
                text += f"  objective {info['objective']:,.0f}"
            if info.get("bound") is not None and info.get("bound") == info.get("bound"):
                text += f"  bound {info['bound']:,.0f}"
            if info.get("gap") is not None:
                text += f"  gap {info['gap']:.2%}"
            if "done" in info:
                text += f"  group {info['done']}/{info['total']}"
            bar.update(task, completed=min(time_limit, time.perf_counter() - started), info=text)

        try:
            plan = plan_month(workforce, requirements, month, events=calendar, time_limit_s=time_limit, seed=seed,
                              service_mode=service_mode, progress=report, started=command_started)
        except RuntimeError as exc:  # the solver found nothing in time: say so, write nothing
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        bar.update(task, completed=time_limit, info="done")

    write_plan(plan, out, inputs={"workforce": config, "forecast": fc, "events": events, "requirements": requirements})
    violations = verify_plan(out)
    if violations:
        summary_path = out / "summary.json"
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        summary["violations"] = violations
        from plan.optimize.roster.write import write_summary
        write_summary(summary, summary_path)
    _render(plan.summary, workforce.site.currency, time.perf_counter() - command_started)
    if violations:
        for line in violations[:20]:
            err_console.print(f"[red]violation:[/] {line}", highlight=False)
        err_console.print(f"[bold red]error:[/] {len(violations)} violation(s) in {out}; see summary.json")
        raise typer.Exit(1)
    console.print(f"[green]ok[/] plan written to {out} and verified")


def _render(summary: dict, currency: str, seconds: float) -> None:
    cost = Table(title=f"Cost ({currency})", title_justify="left")
    for key in summary["cost"]:
        cost.add_column(key, justify="right")
    cost.add_row(*(f"{v:,.0f}" for v in summary["cost"].values()))
    console.print(cost)
    service = Table(title="Service over the month", title_justify="left")
    for column in ("queue", "contacts", "service level", "ASA / email response", "abandon"):
        service.add_column(column, justify="left" if column == "queue" else "right")
    for queue, s in summary["service"].items():
        wait = s["asa_s"]
        wait_text = f"{wait / 3600:,.1f} h" if wait >= 3600 else f"{wait:,.1f} s"
        service.add_row(queue, f"{s['contacts']:,.0f}", f"{s['service_level']:.1%}", wait_text,
                        f"{s['abandon_rate']:.1%}")
    console.print(service)
    solver = summary["solver"]
    console.print(f"solver: {solver['status']}  objective {solver['objective']:,.0f}  bound {solver['best_bound']:,.0f}  "
                  f"gap {solver['gap']:.2%}  {seconds:.0f} s (objective: variable cost + service penalties)")
    if solver["gap"] > WIDE_GAP:
        console.print(f"[yellow]the plan may be far from the cheapest (gap {solver['gap']:.0%}): a team with little "
                      f"slack needs more solver time, try --time-limit {3 * solver['time_limit_s']:.0f}[/]")
    if summary["shortfalls"]:
        shown = summary["shortfalls"][:10]
        console.print(f"[bold]Shortfalls[/] ({len(summary['shortfalls'])}"
                      f"{'; first 10, all in summary.json' if len(summary['shortfalls']) > 10 else ''}):")
        for s in shown:
            console.print(f"  [yellow]{s['queue']}[/] {_interval_span(s['intervals'])}  short {s['agents_short']}"
                          f"  ({s.get('kind', '')})\n    [dim]{s['reason']}[/]", highlight=False)


def _interval_span(intervals: str) -> str:
    """``2026-11-05 03:00/2026-11-05 07:00`` → ``11-05 03:00..07:00`` (interval starts; the day is
    kept when it changes, a single interval is shown alone)."""
    first, _, last = intervals.partition("/")
    if not last or last == first:
        return first[5:]
    return f"{first[5:]}..{last[11:] if first[:10] == last[:10] else last[5:]}"
