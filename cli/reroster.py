"""`plan reroster`: re-plan a published roster from a day on, with the fewest changes that pay."""
from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.table import Table

from plan.cli.app import app, console, err_console
from plan.cli.options import check_date, check_plan_directory, input_file_option, overwrite_option, seed_option, \
    time_limit_option
from plan.contracts.errors import InputError

EPILOG = """\
Examples:

  plan reroster out/roster-2026-11 --from 2026-11-05 --absent E007:2026-11-05..2026-11-07
      E007 called in sick on the 5th: the plan from the 5th on, the days before as published,
      written to out/roster-2026-11-v2 with changes.csv

  plan reroster out/roster-2026-11 --from 2026-11-09 --leave E012:2026-11-20..2026-11-21 \\
      --forecast new.csv

The published plan is never changed. Every changed person-day is priced by the workforce config's
`replan:` section (docs/plan-files.md), so the plan changes a day only where service or cost pays for it.
"""

SHOWN_CHANGES = 30  # the console lists at most this many changes; changes.csv has them all


@app.command(epilog=EPILOG)
def reroster(
    plan_dir: Path = typer.Argument(..., callback=check_plan_directory, help="The published plan directory "
                                                                             "(written by plan roster)."),
    from_day: str = typer.Option(..., "--from", callback=check_date, help="First day to re-plan, YYYY-MM-DD; the "
                                                                         "days before stay exactly as published."),
    absent: list[str] = typer.Option([], "--absent", help="ID:DATE..DATE (or ID:DATE): an in-house agent away "
                                                          "unplanned (a sick call); repeatable."),
    leave: list[str] = typer.Option([], "--leave", help="ID:DATE..DATE: leave granted after publishing; repeatable."),
    forecast: Optional[Path] = input_file_option(None, "A new forecast (queue,interval_start,arrivals,…) for the days "
                                                       "from --from on.", "--forecast"),
    out: Optional[Path] = typer.Option(None, help="The new plan directory (default: PLAN_DIR-v2 next to it)."),
    time_limit: float = time_limit_option(60.0, "Seconds from the command's start to the verified plan, on an idle "
                                               "two-core machine (solver work is set from it: the same limit and "
                                               "seed give the same plan; more on a busy machine)."),
    seed: int = seed_option("Solver random seed."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Re-plan a published plan from --from on after absences, leave or a new forecast; write a new version."""
    started = time.perf_counter()
    from plan.cli.roster import write_reports
    from plan.contracts.outputs import Outputs
    from plan.contracts.plan_files import PLAN_FILES, write_summary
    from plan.contracts.replan import ABSENCE, LEAVE, check_absences, parse_absence
    from plan.optimize.roster.reroster import check_from_day, default_out, read_parent, write_rerostered
    from plan.optimize.verify import verify_plan

    first = dt.date.fromisoformat(from_day)
    absences = [parse_absence(text, ABSENCE, "--absent") for text in absent]
    absences += [parse_absence(text, LEAVE, "--leave") for text in leave]
    parent = read_parent(plan_dir)
    check_from_day(parent, first)
    check_absences(parent.files.workforce, parent.days, first, absences)
    out = out or default_out(plan_dir, parent.version)
    if out.resolve() == plan_dir.resolve() or plan_dir.resolve() in out.resolve().parents:
        raise InputError("command line", f"--out {out} is the published plan or inside it; a re-plan is written as "
                                         f"a new version next to it (e.g. {default_out(plan_dir, parent.version)})",
                         field="--out")
    with Outputs(overwrite) as outputs:
        target = outputs.directory(out, "--out", names=PLAN_FILES + ("changes.csv",))
        new_requirements = _new_requirements(forecast, parent, first) if forecast is not None else None
        result = _solve(parent, first, absences, new_requirements, time_limit, seed, started)
        staged = target.staging
        write_rerostered(result, parent, staged, out)
        write_reports(staged)
        violations = verify_plan(staged)
        if violations:
            import json
            written = json.loads((staged / "summary.json").read_text(encoding="utf-8"))
            written["violations"] = violations
            write_summary(written, staged / "summary.json")
    _render(result, parent, out, time.perf_counter() - started)
    if violations:
        for line in violations[:20]:
            err_console.print(f"[red]violation:[/] {line}", highlight=False)
        err_console.print(f"[bold red]error:[/] {len(violations)} violation(s) in {out}; see summary.json")
        raise typer.Exit(1)
    console.print(f"[green]ok[/] v{parent.version + 1} written to {out} and verified; {plan_dir} unchanged",
                  highlight=False)


def _solve(parent, first, absences, new_requirements, time_limit, seed, started):
    """The re-plan under a status line; exit code 1 (nothing written) when it finds no plan."""
    from plan.optimize.roster.reroster import reroster as replan

    with console.status("re-planning…") as status:
        def progress(stage: str, info: dict) -> None:
            status.update(f"re-planning: {stage}")

        try:
            return replan(parent, first, absences, new_requirements=new_requirements, time_limit_s=time_limit,
                          seed=seed, progress=progress, started=started)
        except RuntimeError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


def _new_requirements(path: Path, parent, first: dt.date) -> pd.DataFrame:
    """The new forecast's requirements; it must cover every queue and interval from ``first`` to the month's end."""
    from plan.contracts.forecast_table import read_forecast
    from plan.optimize.staffing.requirements import requirements_table

    workforce = parent.files.workforce
    forecast = read_forecast(path, list(workforce.queues), workforce.site.timezone)
    start = pd.Timestamp(first)
    wanted = pd.date_range(start, parent.files.month.end_time.floor("min"),
                           freq=f"{workforce.site.interval_minutes}min")
    for queue in workforce.queues:
        have = set(forecast.loc[forecast["queue"] == queue, "interval_start"])
        missing = [t for t in wanted if t not in have]
        if missing:
            raise InputError(path, f"queue {queue}: no row for {missing[0]:%Y-%m-%d %H:%M} ({len(missing)} interval(s) "
                                   f"from --from to the month's end missing)", field="interval_start")
    forecast = forecast[forecast["interval_start"] >= start]
    return requirements_table(forecast, workforce, parent.files.events)


def _render(result, parent, out: Path, seconds: float) -> None:
    """The changes (at most SHOWN_CHANGES) and the totals, in 80 columns."""
    changes = result.changes
    table = Table(title=f"Changes against v{parent.version} ({len(changes)} person-days; all in {out / 'changes.csv'})",
                  title_justify="left", width=80)
    for column, justify in (("who", "left"), ("date", "left"), ("from", "left"), ("to", "left"), ("why", "left"),
                            ("cost Δ", "right")):
        table.add_column(column, justify=justify, overflow="fold")
    for row in changes.head(SHOWN_CHANGES).itertuples(index=False):
        table.add_row(row.agent_id, row.date[5:], row.from_shift, row.to_shift, row.reason, f"{row.cost_delta_yuan:,.0f}")
    console.print(table)
    if len(changes) > SHOWN_CHANGES:
        console.print(f"… {len(changes) - SHOWN_CHANGES} more in changes.csv", highlight=False)
    t = result.totals
    totals = Table(title="Totals (cost: the month; late contacts: from --from on)", title_justify="left", width=80)
    for column in ("", "published", "left alone", "re-planned"):
        totals.add_column(column, justify="left" if not column else "right")
    totals.add_row("cost", f"{t['cost_published']:,.0f}", f"{t['cost_left_alone']:,.0f}", f"{t['cost_replanned']:,.0f}")
    totals.add_row("late contacts", f"{t['late_contacts_from_published']:,.0f}",
                   f"{t['late_contacts_from_left_alone']:,.0f}", f"{t['late_contacts_from_replanned']:,.0f}")
    console.print(totals)
    console.print(f"{t['person_days_changed']} person-days changed (in-house {t['person_days_changed_in_house']}, "
                  f"away {t['absent_person_days']}), priced {t['change_price']:,.0f}; {seconds:.0f} s",
                  highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
