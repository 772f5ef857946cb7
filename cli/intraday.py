"""`plan intraday PLAN_DIR --now … --actuals …`: re-plan the rest of today and tomorrow from the actuals so far."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.options import check_input_file, check_plan_directory, overwrite_option
from plan.contracts.errors import InputError
from plan.contracts.outputs import Outputs, write_csv

EPILOG = """\
Examples:

  plan intraday out/roster-2026-11 --now "2026-11-11 02:00" --actuals today.csv

  plan intraday out/roster-2026-11 --now "2026-11-11 02:00" --actuals today.csv --out out/roster-2026-11-v2 --verify

  plan intraday out/roster-2026-11 --now "2026-11-11 02:00" --actuals log.csv --mapping data/contact_log_mapping.yaml --reports

The actuals are a history table (queue, interval_start, arrivals) of today up to --now. The new plan
directory (default: PLAN_DIR-v<version>) holds the changed plan, changes.csv and intraday.png.
"""


def parse_now(text: str) -> pd.Timestamp:
    moment = pd.to_datetime(text.strip(), format="%Y-%m-%d %H:%M", errors="coerce")
    if pd.isna(moment):
        raise InputError("--now", f"{text!r} is not a time YYYY-MM-DD HH:MM")
    return moment


def actuals_from_log(log: Path, mapping: Path, workforce, moment: pd.Timestamp) -> pd.DataFrame:
    """A raw contact log counted per queue and interval of the plan, through the ingest mapping; the
    empty intervals that complete the log's last day after ``moment`` are left out."""
    from plan.contracts.contact_log import history_from_contacts, read_contact_log, read_mapping

    contacts = read_contact_log(log, read_mapping(mapping))
    counted = history_from_contacts(contacts, workforce.site.interval_minutes)
    counted["interval_start"] = pd.to_datetime(counted["interval_start"])
    unknown = sorted(set(counted["queue"]) - set(workforce.queues))
    if unknown:
        raise InputError(mapping, f"queue {unknown[0]!r} of the log is not a queue of the plan "
                                  f"({', '.join(workforce.queues)}); map it under queues:", field="queues")
    late = counted[(counted["interval_start"] >= moment) & (counted["arrivals"] > 0)]
    if len(late):
        raise InputError(log, f"contacts arrive at {late['interval_start'].min():%Y-%m-%d %H:%M}, at or after "
                              f"--now {moment:%Y-%m-%d %H:%M}", field="arrival")
    out = counted[counted["interval_start"] < moment][["queue", "interval_start", "arrivals"]].copy()
    out["arrivals"] = out["arrivals"].astype(float)
    out.attrs["interval_minutes"] = workforce.site.interval_minutes
    return out


def render_changes(result, currency: str) -> None:
    if result.changes.empty:
        console.print(f"no change from {result.now:%Y-%m-%d %H:%M} pays for itself: the plan stands", highlight=False)
    else:
        console.print(change_table(result, currency))
    weights = ", ".join(f"{r.queue} ×{r.ratio:.2f} (w {r.weight:.2f})" for r in result.level.table.itertuples())
    console.print(f"level: {weights}", highlight=False)
    lag_h = result.level.lag_h
    if lag_h:
        console.print(f"today's shape runs {abs(lag_h):g} h {'late' if lag_h > 0 else 'early'}: the rest of "
                      f"today is forecast on the published profile shifted by that much", highlight=False)
    spent = float(result.changes["cost"].sum()) if len(result.changes) else 0.0
    console.print(f"late contacts from now to tomorrow's end on the re-forecast: {result.late_before:,.0f} without "
                  f"the changes, {result.late_after:,.0f} with them, for {spent:+,.0f} {currency}", highlight=False)


def change_table(result, currency: str) -> Table:
    table = Table(title=f"Changes from {result.now:%Y-%m-%d %H:%M} (ranked by late contacts saved per "
                        f"{currency})", title_justify="left", width=80)
    for column, justify in (("#", "right"), ("who", "left"), ("what", "left"), ("from", "left"),
                            ("cost", "right"), ("saved", "right")):
        table.add_column(column, justify=justify, overflow="fold")
    today = f"{result.now:%Y-%m-%d}"
    for row in result.changes.to_dict("records"):
        since = row["from"][11:] if row["from"].startswith(today) else row["from"][5:]  # 21:00, or 11-12 08:00
        table.add_row(str(row["rank"]), f"{row['who']} {row['name']}", row["what"], since, f"{row['cost']:,.0f}",
                      f"{row['late_contacts_saved']:.1f}")
    return table


@app.command(epilog=EPILOG)
def intraday(
    plan_dir: Path = typer.Argument(..., callback=check_plan_directory, help="Published plan directory."),
    now: str = typer.Option(..., help="The moment of the re-plan, YYYY-MM-DD HH:MM (an interval start)."),
    actuals: Path = typer.Option(..., callback=check_input_file,
                                 help="Contacts so far today: queue, interval_start, arrivals (history format)."),
    mapping: Optional[Path] = typer.Option(None, callback=check_input_file,
                                           help="Read --actuals as a raw contact log with this `plan ingest` "
                                                "mapping (YAML), counted per interval up to --now."),
    out: Optional[Path] = typer.Option(None, help="New plan directory (default PLAN_DIR-v<version>)."),
    verify: bool = typer.Option(False, "--verify", help="Run `plan verify` on the new plan before it is written."),
    reports: bool = typer.Option(False, "--reports", help="Also write the month's 排班表 (roster.xlsx, marked with "
                                                          "the new version) and coverage.png."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Re-forecast today from the actuals and re-plan what can still change: overtime, time off,
    part-timers, vendor seats, queue moves, meal breaks, bot-first hours; each change priced and
    ranked by service per yuan."""
    from plan.contracts.history import read_history
    from plan.contracts.plan_files import PLAN_FILES, write_plan_files
    from plan.contracts.workforce import read_workforce
    from plan.optimize.intraday.replan import replan, replan_tables
    from plan.reports.intraday_plot import plot_intraday

    moment = parse_now(now)
    workforce = read_workforce(plan_dir / "inputs" / "workforce.yaml")
    if mapping is None:
        seen = read_history(actuals, known_queues=workforce.queues, interval_minutes=None,
                            timezone=workforce.site.timezone)
    else:
        seen = actuals_from_log(actuals, mapping, workforce, moment)
    with console.status("re-forecast and re-plan…"):
        result = replan(plan_dir, moment, seen, actuals_source=str(actuals))
    version = result.summary["version"]
    out = out or plan_dir.with_name(f"{plan_dir.name}-v{version}")
    with Outputs(overwrite) as outputs:
        target = outputs.directory(out, "--out", names=PLAN_FILES + ("changes.csv", "intraday.png"))
        roster, seats, coverage = replan_tables(result)
        tables = type("Tables", (), {"roster": roster, "vendor_seats": seats, "coverage": coverage,
                                     "summary": result.summary})
        inputs = {"workforce": plan_dir / "inputs" / "workforce.yaml", "forecast": result.forecast_new,
                  "published_forecast": result.forecast_old,
                  "events": plan_dir / "inputs" / "events.csv" if (plan_dir / "inputs" / "events.csv").exists()
                  else None, "requirements": result.requirements}
        for extra in ("pins", "carry_in"):
            if (plan_dir / "inputs" / f"{extra}.csv").exists():
                inputs[extra] = plan_dir / "inputs" / f"{extra}.csv"
        write_plan_files(tables, target.staging, inputs)
        write_csv(result.changes, target.staging / "changes.csv")
        plot_intraday(result, target.staging / "intraday.png")
        if reports:
            from plan.cli.roster import write_reports
            write_reports(target.staging)
        if verify:
            from plan.optimize.verify import verify_plan
            problems = verify_plan(target.staging)
            if problems:
                for line in problems[:20]:
                    console.print(f"[red]violation:[/] {line}", highlight=False)
                raise typer.Exit(1)
    render_changes(result, workforce.site.currency)
    console.print(f"[bold green]ok[/] v{version} written to {out} ({len(result.changes)} change(s), "
                  f"{result.seconds:.1f} s)" + (", verified" if verify else ""), highlight=False)
