"""`plan staffing`: forecast + workforce config → agents required per queue and interval."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_MONTH, SAMPLE_WORKFORCE
from plan.contracts.tables import write_table
from plan.contracts.workforce import read_workforce
from plan.contracts.forecast_table import read_forecast
from plan.optimize.staffing.requirements import requirements_table, risk_table
from plan.reports.staffing_plot import plot_requirements

DEFAULT_FORECAST = Path("out/forecast.csv")

EPILOG = """\
Examples:

  plan staffing    (out/forecast.csv if present, else a forecast of the sample month 2026-11)

  plan staffing --forecast out/forecast.csv --config data/workforce.yaml --events data/events.csv --out out/requirements.csv

  plan staffing --confidence 0.9 --risk    (staff each interval for its p90 arrivals; print what p50..p95 cost)
"""


def _sample_forecast(history: Path, events: pd.DataFrame, country: str, month: str,
                     interval_minutes: int, timezone: str) -> pd.DataFrame:
    from plan.contracts.history import read_history
    from plan.forecast.model import VolumeForecaster

    hist = read_history(history, interval_minutes=interval_minutes, timezone=timezone)
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthEnd(0)
    return VolumeForecaster(country=country, seed=0).fit(hist, events).predict(start, end)


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
    summary = Table(title="Per queue over the horizon", title_justify="left")
    for column in ("queue", "contacts", "bot", "to humans", "agent-hours", "peak agents", "SL", "ASA s", "abandon"):
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
    forecast: Optional[Path] = typer.Option(None, help="Forecast (CSV/Parquet): queue, interval_start, arrivals"
                                                       "[, p10, p50, p90]. Default: out/forecast.csv if present, "
                                                       "else a forecast of the sample month."),
    config: Path = typer.Option(SAMPLE_WORKFORCE, help="Workforce config (YAML): queues, targets, bot."),
    events: Path = typer.Option(SAMPLE_EVENTS, help="Events calendar (event days use the event targets)."),
    history: Path = typer.Option(SAMPLE_HISTORY, help="History to forecast from when no forecast file is given."),
    month: str = typer.Option(SAMPLE_MONTH, help="Month to forecast when no forecast file is given (YYYY-MM)."),
    confidence: Optional[float] = typer.Option(None, min=0.01, max=0.99,
                                               help="Staff each interval for this quantile of its forecast "
                                                    "(e.g. 0.9 = p90) instead of the mean."),
    risk: bool = typer.Option(False, "--risk", help="Also print agent-hours for the mean, p50, p80, p90, p95."),
    out: Path = typer.Option(Path("out/requirements.csv"), help="Requirements table to write (CSV or Parquet)."),
    plot: Optional[Path] = typer.Option(None, help="Plot to write (default: requirements.png next to --out)."),
) -> None:
    """Agents each queue needs each interval to meet its targets (Erlang A, chat concurrency, email deadlines)."""
    workforce = read_workforce(config)
    calendar = read_events(events)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("reading forecast", total=None)
        if forecast is None and DEFAULT_FORECAST.exists():
            forecast = DEFAULT_FORECAST
        if forecast is not None:
            volumes = read_forecast(forecast, known_queues=workforce.queues, timezone=workforce.site.timezone)
            source = str(forecast)
        else:
            bar.update(task, description=f"forecasting {month} from {history.name} (no forecast file given)")
            volumes = _sample_forecast(history, calendar, workforce.site.country, month,
                                       workforce.site.interval_minutes, workforce.site.timezone)
            source = f"forecast of {month} from {history}"
        if (risk or confidence is not None) and not {"p10", "p50", "p90"} <= set(volumes.columns):
            raise InputError(forecast, f"{'--risk' if risk else '--confidence'} needs the forecast's quantile "
                                       "columns p10, p50, p90", field="p10")
        bar.update(task, description="staffing")
        table = requirements_table(volumes, workforce, calendar, confidence)
        risk_rows = None
        if risk:
            bar.update(task, description="pricing confidence levels")
            risk_rows = risk_table(volumes, workforce, calendar)
        bar.update(task, description="writing")
        write_table(table, out)
        plot = plot or out.with_name("requirements.png")
        plot_requirements(table, plot, title=f"Agents required — {source}"
                          + (f", staffed for p{round(confidence * 100)}" if confidence else ""))

    hours = workforce.site.interval_minutes / 60.0
    console.print(_daily_summary(table, hours))
    console.print(_queue_summary(table, hours))
    if risk_rows is not None:
        console.print(_risk_summary(risk_rows))
    console.print(f"requirements ({len(table):,} rows) → {out}")
    console.print(f"plot → {plot}")
