"""`plan staffing`: forecast + workforce config → agents required per queue and interval."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.findings import announce
from plan.cli.options import input_file_option, month_option, overwrite_option
from plan.cli.sources import forecast_or_history, range_forecast
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_MONTH, SAMPLE_WORKFORCE
from plan.contracts.outputs import PNG_SUFFIXES, TABLE_SUFFIXES, Outputs
from plan.contracts.tables import write_table
from plan.contracts.workforce import read_workforce
from plan.preflight import preflight
from plan.optimize.staffing.requirements import requirements_table, risk_table
from plan.reports.staffing_plot import plot_requirements

EPILOG = """\
Examples:

  plan staffing    (out/forecast.csv if present, else a forecast of the sample month 2026-11)

  plan staffing --forecast out/forecast.csv --config data/workforce.yaml --events data/events.csv --out out/requirements.csv

  plan staffing --confidence 0.9 --risk    (staff each interval for its p90 arrivals; print what p50..p95 cost)
"""


def _staff(given: Optional[pd.DataFrame], hist: Optional[pd.DataFrame], workforce, calendar: pd.DataFrame,
           history: Path, month: str, confidence: Optional[float], risk: bool
           ) -> tuple[pd.DataFrame, Optional[pd.DataFrame], str]:
    """The requirements table, the confidence levels priced when ``risk``, and where volumes came from."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("reading forecast", total=None)
        if given is not None:
            volumes, source = given, given.attrs["path"]
        else:
            bar.update(task, description=f"forecasting {month} from {history.name} (no forecast file given)")
            first = pd.Timestamp(f"{month}-01")
            volumes = range_forecast(None, hist, workforce, calendar, first, first + pd.offsets.MonthEnd(0))
            source = f"forecast of {month} from {history}"
        if (risk or confidence is not None) and not {"p10", "p50", "p90"} <= set(volumes.columns):
            raise InputError(source, f"{'--risk' if risk else '--confidence'} needs the forecast's quantile "
                                     "columns p10, p50, p90", field="p10")
        bar.update(task, description="staffing")
        table = requirements_table(volumes, workforce, calendar, confidence)
        risk_rows = None
        if risk:
            bar.update(task, description="pricing confidence levels")
            risk_rows = risk_table(volumes, workforce, calendar)
        bar.update(task, description="writing")
    return table, risk_rows, source


def _daily_summary(table: pd.DataFrame, interval_hours: float) -> Table:
    frame = table.assign(day=table["interval_start"].str.slice(0, 10))
    frame["agent_hours"] = frame["agents_required"] * interval_hours
    queues = list(dict.fromkeys(frame["queue"]))
    summary = Table(title="Agent-hours required per day (peak agents in brackets; * = event day)",
                    title_justify="left")
    summary.add_column("day")
    for queue in queues:
        summary.add_column(queue, justify="right")
    grouped = frame.groupby(["day", "queue"]).agg(hours=("agent_hours", "sum"), peak=("agents_required", "max"),
                                                  event=("event_day", "max"))
    for day in sorted(frame["day"].unique()):
        cells, event = [], False
        for queue in queues:
            if (day, queue) in grouped.index:
                row = grouped.loc[(day, queue)]
                cells.append(f"{row['hours']:,.0f} ({row['peak']:.0f})")
                event |= bool(row["event"])
            else:
                cells.append("-")
        summary.add_row(day + (" *" if event else ""), *cells)
    return summary


def _queue_summary(table: pd.DataFrame, interval_hours: float) -> Table:
    summary = Table(title="Per queue over the horizon; service if every interval is staffed exactly at its "
                          "requirement (a roster's differs: docs/figures.md)", title_justify="left")
    for column in ("queue", "contacts", "bot", "to humans", "agent-hours", "peak agents", "SL at req.",
                   "ASA s at req.", "abandon at req."):
        summary.add_column(column, justify="left" if column == "queue" else "right")
    for queue, part in table.groupby("queue", sort=False):
        humans = part["arrivals_human"]
        weight = humans.sum() or 1.0
        summary.add_row(queue, f"{part['arrivals'].sum():,.0f}", f"{part['bot_handled'].sum():,.0f}",
                        f"{humans.sum():,.0f}", f"{part['agents_required'].sum() * interval_hours:,.0f}",
                        f"{part['agents_required'].max():,}",
                        f"{(part['service_level'] * humans).sum() / weight:.1%}",
                        f"{(part['asa_s'].clip(upper=1e9) * humans).sum() / weight:,.1f}",
                        f"{(part['abandon_rate'] * humans).sum() / weight:.2%}")
    return summary


def _risk_summary(risk: pd.DataFrame) -> Table:
    summary = Table(title="What certainty costs: agent-hours when staffing each interval for a forecast quantile",
                    title_justify="left")
    stress = next(c for c in risk.columns if c.startswith("service_level_if_p"))
    for column in ("queue", "staff for", "agent-hours", "peak agents", "extra vs mean", "SL if mean",
                   f"SL if {stress.removeprefix('service_level_if_')}"):
        summary.add_column(column, justify="left" if column in ("queue", "staff for") else "right")
    for row in risk.to_dict("records"):
        summary.add_row(row["queue"], row["staff_for"], f"{row['agent_hours']:,.0f}", f"{row['peak_agents']:,}",
                        f"{row['extra_agent_hours_vs_mean']:+,.0f} ({row['extra_pct_vs_mean']:+.1f}%)",
                        f"{row['service_level_if_mean']:.1%}", f"{row[stress]:.1%}")
    return summary


@app.command(epilog=EPILOG)
def staffing(
    forecast: Optional[Path] = input_file_option(None, "Forecast (CSV/Parquet): queue, interval_start, arrivals"
                                                       "[, p10, p50, p90]. Default: out/forecast.csv if present, "
                                                       "else a forecast of the sample month."),
    config: Path = input_file_option(SAMPLE_WORKFORCE, "Workforce config (YAML): queues, targets, bot."),
    events: Path = input_file_option(SAMPLE_EVENTS, "Events calendar (event days use the event targets)."),
    history: Path = input_file_option(SAMPLE_HISTORY, "History to forecast from when no forecast file is given."),
    month: str = month_option(SAMPLE_MONTH, "Month to forecast when no forecast file is given (YYYY-MM)."),
    confidence: Optional[float] = typer.Option(None, min=0.01, max=0.99,
                                               help="Staff each interval for this quantile of its forecast "
                                                    "(e.g. 0.9 = p90) instead of the mean."),
    risk: bool = typer.Option(False, "--risk", help="Also print agent-hours for the mean, p50, p80, p90, p95."),
    out: Path = typer.Option(Path("out/requirements.csv"), help="Requirements table to write (CSV or Parquet)."),
    plot: Optional[Path] = typer.Option(None, help="Plot to write (default: requirements.png next to --out)."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Agents each queue needs each interval to meet its targets (Erlang A, chat concurrency, email deadlines)."""
    plot = plot or out.with_name("requirements.png")
    with Outputs(overwrite) as outputs:
        table_out = outputs.file(out, "--out", TABLE_SUFFIXES)
        plot_out = outputs.file(plot, "--plot", PNG_SUFFIXES)
        workforce = read_workforce(config)
        calendar = read_events(events)
        calendar.attrs["path"] = str(events)
        given, hist = forecast_or_history(forecast, history, workforce)
        announce(preflight(workforce, hist, calendar, None if given is not None else month, given,
                           config=str(config)), "staffing", refuses=("forecast",))
        table, risk_rows, source = _staff(given, hist, workforce, calendar, history, month, confidence, risk)
        write_table(table, table_out.staging)
        plot_requirements(table, plot_out.staging, title=f"Agents required — {source}"
                          + (f", staffed for p{round(confidence * 100)}" if confidence else ""))

    hours = workforce.site.interval_minutes / 60.0
    console.print(_daily_summary(table, hours))
    console.print(_queue_summary(table, hours))
    if risk_rows is not None:
        console.print(_risk_summary(risk_rows))
    console.print(f"requirements ({len(table):,} rows) → {out}")
    console.print(f"plot → {plot}")
