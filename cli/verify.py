"""`plan verify DIR`: the independent checker of a written plan directory."""
from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.table import Table

from plan.cli.app import app, console, err_console
from plan.cli.options import check_plan_directory
from plan.optimize.verify import check_plan

EPILOG = """\
Examples:

  plan verify out/roster-2026-11

  plan verify out/roster-2026-11 --json > verify.json

Exit code 0 when the plan is clean, 1 when any rule or figure is violated, 2 when a plan file is
missing or malformed.
"""


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _share(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1%}"


def _seconds(value: float) -> str:
    """ASA in seconds; email response times run to hours."""
    if value is None or math.isnan(value):
        return "-"
    return f"{value / 3600:,.1f} h" if value >= 3600 else f"{value:.1f}"


@app.command(epilog=EPILOG)
def verify(
    plan_dir: Path = typer.Argument(..., callback=check_plan_directory, help="Plan directory written by `plan roster` (with its inputs/)."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings and recomputed figures as JSON."),
    limit: int = typer.Option(200, min=0, help="Print at most this many violation lines (0 = all)."),
) -> None:
    """Re-read a plan, re-check every hard rule and recompute coverage, service and cost from scratch."""
    with err_console.status(f"verifying {plan_dir} ..."):
        report = check_plan(plan_dir)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=float))
        raise typer.Exit(0 if report.ok else 1)
    if not report.ok:
        shown = report.violations if limit <= 0 else report.violations[:limit]
        for violation in shown:
            console.print(str(violation), highlight=False, markup=False, soft_wrap=True)
        if len(shown) < len(report.violations):
            console.print(f"... {len(report.violations) - len(shown)} more (use --limit 0 to see all)")
        rules = {}
        for violation in report.violations:
            rules[violation.rule] = rules.get(violation.rule, 0) + 1
        console.print(f"[bold red]{len(report.violations)} violation(s)[/] in {plan_dir}: "
                      + ", ".join(f"{rule} x{n}" for rule, n in sorted(rules.items())), highlight=False)
        raise typer.Exit(1)
    table = Table(title=f"Plan {report.month} verified", title_justify="left")
    table.add_column("cost")
    table.add_column("recomputed", justify="right")
    for key, value in report.cost.items():
        table.add_row(key, _money(value))
    console.print(table)
    service = Table(title="Service (recomputed)", title_justify="left")
    for column in ("queue", "contacts", "service level", "ASA s", "abandon"):
        service.add_column(column, justify="left" if column == "queue" else "right")
    for queue, figures in report.service.items():
        asa = figures["asa_s"]
        service.add_row(queue, f"{figures['contacts']:,.0f}", _share(figures["service_level"]),
                        _seconds(asa), _share(figures["abandon_rate"]))
    console.print(service)
    console.print(f"[bold green]ok[/] {plan_dir}: {report.counts['people']} people, {report.counts['shifts']} "
                  f"shifts, {report.counts['vendor_seat_rows']} vendor seat rows, {report.counts['coverage_rows']} "
                  f"coverage rows: every hard rule holds and every figure matches", highlight=False)
