"""`plan forecast`: history + events + holidays → hourly arrivals per queue with p10/p50/p90."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import json

import pandas as pd
import typer
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.findings import announce
from plan.cli.options import country_option, date_option, input_file_option, interval_minutes_option, \
    month_option, overwrite_option, seed_option
from plan.cli.steps import step_progress
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.history_gaps import read_history_keeping_gaps
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY
from plan.contracts.outputs import JSON_SUFFIXES, PNG_SUFFIXES, TABLE_SUFFIXES, Outputs
from plan.contracts.tables import write_table
from plan.contracts.calendar import event_day_mask
from plan.forecast.model import VolumeForecaster
from plan.preflight import preflight, volume_jumps
from plan.reports.forecast_plot import plot_forecast

MAX_HORIZON_DAYS = 731  # two years: the capacity plan needs one; beyond, memory grows with no use

EPILOG = """\
Examples:

  plan forecast    (the sample: November 2026 with 11.11, every queue)

  plan forecast --history my_history.csv --events my_events.csv --country CN --month 2026-12

  plan forecast --start 2026-11-01 --end 2026-11-20 --out out/nov.csv --plot out/nov.png
"""

def check_horizon_options(month: Optional[str], start: Optional[str], end: Optional[str]) -> None:
    """The options that only make sense together (each was checked alone when parsed)."""
    if month and (start or end):
        raise InputError("command line", "give either --month or --start/--end, not both", field="--month")
    if start and end and end < start:
        raise InputError("command line", f"--end {end} is before --start {start}", field="--end")
    if start and end and (pd.Timestamp(end) - pd.Timestamp(start)).days >= MAX_HORIZON_DAYS:
        raise InputError("command line", f"--start {start} to --end {end} is more than {MAX_HORIZON_DAYS} days; "
                                         "forecast at most two years at a time", field="--end")


def horizon(month: Optional[str], start: Optional[str], end: Optional[str], last_day: pd.Timestamp
            ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days to forecast: ``--month``, or ``--start``/``--end``, or the month after the history."""
    if month:
        first = pd.Timestamp(f"{month}-01")
        return first, first + pd.offsets.MonthEnd(0)
    if start or end:
        first = pd.Timestamp(start) if start else last_day + pd.Timedelta(days=1)
        last = pd.Timestamp(end) if end else first + pd.offsets.MonthEnd(0)
        if last < first:
            raise InputError("command line", f"--end {last:%Y-%m-%d} is before the first day forecast "
                                             f"({first:%Y-%m-%d})", field="--end")
        return first.normalize(), last.normalize()
    first = (last_day + pd.Timedelta(days=1)).normalize()
    if first.day != 1:  # history ends mid-month: forecast to the end of the next whole month
        return first, (first + pd.offsets.MonthBegin(1)) + pd.offsets.MonthEnd(0)
    return first, first + pd.offsets.MonthEnd(0)


def fit_with_progress(model: VolumeForecaster, history: pd.DataFrame, events: pd.DataFrame) -> VolumeForecaster:
    with step_progress("fitting", history["queue"].nunique()) as step:
        model.fit(history, events, progress=step)
    return model


def summary_table(table: pd.DataFrame, events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> Table:
    out = Table(title=f"Forecast {start:%Y-%m-%d} .. {end:%Y-%m-%d}", title_justify="left")
    for column in ("queue", "contacts", "per day", "event days", "busiest day", "peak interval", "mean", "p10-p90"):
        out.add_column(column, justify="left" if column in ("queue", "busiest day", "peak interval") else "right")
    days = (end - start).days + 1
    for queue, part in table.groupby("queue", sort=False):
        day = part["interval_start"].dt.normalize()
        daily = part.groupby(day)["arrivals"].sum()
        on_event = event_day_mask(pd.DatetimeIndex(daily.index), events)
        peak = part.loc[part["arrivals"].idxmax()]
        out.add_row(queue, f"{part['arrivals'].sum():,.0f}", f"{part['arrivals'].sum() / days:,.0f}",
                    f"{daily[on_event].sum():,.0f}", f"{daily.idxmax():%m-%d} ({daily.max():,.0f})",
                    f"{peak['interval_start']:%m-%d %H:%M}", f"{peak['arrivals']:,.0f}",
                    f"{peak['p10']:,.0f}-{peak['p90']:,.0f}")
    return out


def model_file(out: Path) -> Path:
    """The sidecar next to the forecast: which base each queue rests on, its backtest, what was inferred."""
    return out.with_name(out.stem + ".model.json")


def choice_table(summary: dict) -> Table:
    out = Table(title="Base chosen per queue (rolling-origin backtest of the history's daily totals)",
                title_justify="left")
    for column in ("queue", "pick", "weights days 8+", "daily WAPE days 1-7", "daily WAPE days 8+"):
        out.add_column(column, justify="left")
    for queue, part in summary["queues"].items():
        short, long = part["by_horizon"]
        weights = ", ".join(f"{m} {w:.0%}" for m, w in long["weights"].items() if w)
        out.add_row(queue, part["pick"], weights, _wape_text(short), _wape_text(long))
    return out


def _wape_text(part: dict) -> str:
    combined = part["combined_daily_wape"]
    if combined is None:
        return "- (history too short to backtest)"
    best = min((v for v in part["daily_wape"].values() if v is not None), default=None)
    return f"{combined:.1%} (best single {best:.1%})" if best is not None else f"{combined:.1%}"


@app.command(epilog=EPILOG)
def forecast(
    history: Path = input_file_option(SAMPLE_HISTORY, "Hourly history (CSV/Parquet): queue, interval_start, arrivals."),
    events: Path = input_file_option(SAMPLE_EVENTS, "Events calendar: name, kind, start, end[, intensity]."),
    country: str = country_option(),
    month: Optional[str] = month_option(None, "Month to forecast, YYYY-MM (default: the month after the history)."),
    start: Optional[str] = date_option("First day to forecast, YYYY-MM-DD (instead of --month)."),
    end: Optional[str] = date_option("Last day to forecast, YYYY-MM-DD (inclusive)."),
    out: Path = typer.Option(Path("out/forecast.csv"), help="Forecast table to write (CSV or Parquet)."),
    plot: Path = typer.Option(Path("out/forecast.png"), help="Chart to write (PNG)."),
    interval_minutes: int = interval_minutes_option(60, "Interval length of the history: 60, 30 or 15 minutes."),
    seed: int = seed_option("Seed of the quantile simulation (same seed, same table)."),
    fill_missing: bool = typer.Option(False, help="Treat missing hours in the history as zero arrivals (by default "
                                                  "they are unknown: left out of fitting, and reported)."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Forecast arrivals per queue and interval (mean and p10/p50/p90) with holidays and promotion peaks."""
    check_horizon_options(month, start, end)
    with Outputs(overwrite) as outputs:
        table_out = outputs.file(out, "--out", TABLE_SUFFIXES)
        plot_out = outputs.file(plot, "--plot", PNG_SUFFIXES)
        model_out = outputs.file(model_file(out), "--out", JSON_SUFFIXES)
        hist = read_history_keeping_gaps(history, interval_minutes=interval_minutes, fill_missing=fill_missing)
        hist.attrs["path"] = str(history)
        cal = read_events(events)
        cal.attrs["path"] = str(events)
        last_day = (hist["interval_start"].max() + pd.Timedelta(hours=1)).normalize() - pd.Timedelta(days=1)
        first, last = horizon(month, start, end, last_day)  # checked before the fit: a typo fails fast
        announce(preflight(history=hist, events=cal, horizon=(first, last)), "forecast", refuses=("forecast",))
        model = fit_with_progress(VolumeForecaster(country=country, seed=seed), hist, cal)
        table = model.predict(first, last)
        announce(volume_jumps(table, hist, str(out), "forecast"), "forecast")
        written = table.assign(interval_start=table["interval_start"].dt.strftime("%Y-%m-%d %H:%M"))
        for column in ("arrivals", "p10", "p50", "p90"):
            written[column] = written[column].round(2)
        write_table(written, table_out.staging)
        plot_forecast(table, hist, plot_out.staging, events=cal)
        model_out.staging.write_text(json.dumps({"forecast": str(out), "history": str(history),
                                                 "filled_with_zero": [list(x) for x in hist.attrs.get("filled_intervals", [])],
                                                 **model.summary()}, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(summary_table(table, cal, first, last))
    console.print(choice_table(model.summary()))
    for note in model.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(f"wrote [bold]{out}[/] ({len(table):,} rows), [bold]{plot}[/] and [bold]{model_file(out)}[/]")
