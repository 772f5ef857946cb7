"""`plan forecast`: history + events + holidays → hourly arrivals per queue with p10/p50/p90."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import json

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.findings import announce
from plan.cli.options import country_option, date_option, input_file_option, interval_minutes_option, \
    month_option, overwrite_option, seed_option
from plan.cli.steps import step_progress
from plan.contracts.errors import InputError
from plan.contracts.drivers import read_drivers
from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY
from plan.contracts.outputs import JSON_SUFFIXES, PNG_SUFFIXES, TABLE_SUFFIXES, Outputs
from plan.contracts.tables import write_table
from plan.contracts.calendar import event_day_mask
from plan.forecast.calendar import CountryCalendar
from plan.forecast.drivers import DriverRegressors
from plan.forecast.hours import StatedHours
from plan.forecast.split import IntradayShape, default_shape, shape_from_file, shape_from_history, split_daily
from plan.preflight import preflight, volume_jumps

if TYPE_CHECKING:  # the model (statsmodels) and the chart load when a forecast runs, not for --help or a bad option
    from plan.forecast.model import VolumeForecaster

MAX_HORIZON_DAYS = 731  # two years: the capacity plan needs one; beyond, memory grows with no use

EPILOG = """\
Examples:

  plan forecast    (the sample: November 2026 with 11.11, every queue)

  plan forecast --history my_history.csv --events my_events.csv --country CN --month 2026-12

  plan forecast --start 2026-11-01 --end 2026-11-20 --out out/nov.csv --plot out/nov.png

  plan forecast --history daily_calls.csv --profile-history last_quarter_hourly.csv
      (daily totals forecast by day, split into hours by the hourly export's profile)

  plan forecast --config workforce.yaml    (opening hours and closed dates stated per queue)
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


def stated_hours(config: Optional[Path]) -> dict[str, StatedHours]:
    """Per queue, the opening hours and closed dates the workforce config states (queues without them: none)."""
    if config is None:
        return {}
    from plan.contracts.workforce import read_workforce

    stated = {}
    for name, queue in read_workforce(config).queues.items():
        minutes = queue.open_minutes()
        if minutes is None and not queue.closed_dates:
            continue
        stated[name] = StatedHours(minutes if minutes is not None else np.ones((7, 1440), dtype=bool),
                                   frozenset(pd.Timestamp(d) for d in queue.closed_dates), f"workforce config {config}")
    return stated


def intraday_shape(profile_history: Optional[Path], profile: Optional[Path], events: pd.DataFrame,
                   country: str) -> IntradayShape:
    """Where the hours of a daily forecast come from: an interval history, a profile file, or the default."""
    fallback = shape_from_file(profile) if profile is not None else default_shape()
    if profile_history is None:
        return fallback
    hist = read_history(profile_history, interval_minutes=None, missing="unknown")
    hist.attrs["path"] = str(profile_history)
    return shape_from_history(hist, events, CountryCalendar(country), fallback)


def check_profile_options(daily: bool, keep_daily: bool, profile_history: Optional[Path], profile: Optional[Path]
                          ) -> None:
    given = "--profile-history" if profile_history is not None else "--profile" if profile is not None else None
    if given and not daily:
        raise InputError("command line", f"{given} splits a daily history into intervals; this history already has "
                                         f"intervals", field=given)
    if given and keep_daily:
        raise InputError("command line", f"{given} and --keep-daily contradict each other (the profile splits the "
                                         f"days that --keep-daily keeps whole)", field=given)


@app.command(epilog=EPILOG)
def forecast(
    history: Path = input_file_option(SAMPLE_HISTORY, "History (CSV/Parquet): queue, interval_start, arrivals; "
                                                      "intervals of 60/30/15 minutes or one row per day."),
    events: Path = input_file_option(SAMPLE_EVENTS, "Events calendar: name, kind, start, end[, intensity]."),
    country: str = country_option(),
    month: Optional[str] = month_option(None, "Month to forecast, YYYY-MM (default: the month after the history)."),
    start: Optional[str] = date_option("First day to forecast, YYYY-MM-DD (instead of --month)."),
    end: Optional[str] = date_option("Last day to forecast, YYYY-MM-DD (inclusive)."),
    out: Path = typer.Option(Path("out/forecast.csv"), help="Forecast table to write (CSV or Parquet)."),
    plot: Path = typer.Option(Path("out/forecast.png"), help="Chart to write (PNG)."),
    interval_minutes: Optional[int] = interval_minutes_option(
        None, "Interval length of the history: 60, 30, 15 minutes or 1440 (daily totals); default: from its times.",
        daily=True),
    profile_history: Optional[Path] = input_file_option(
        None, "Daily history only: an interval history (e.g. a recent hourly export) whose intraday profile per "
              "queue and day type splits the daily forecast into intervals.", "--profile-history"),
    profile: Optional[Path] = input_file_option(
        None, "Daily history only: a profile file (queue, day_type, time, share) that splits the daily forecast; "
              "default: the profile shipped in plan/data (docs/forecasting.md).", "--profile"),
    keep_daily: bool = typer.Option(False, help="Daily history only: write daily totals (one row per queue and day) "
                                                "instead of intervals; plan staffing and roster refuse such a table."),
    drivers: Optional[Path] = input_file_option(None, "Driver table (date, driver, value): daily orders, reservations "
                                                      "...; past actuals teach how contacts follow them (with a lag), "
                                                      "the plan must cover every forecast day.", "--drivers"),
    config: Optional[Path] = input_file_option(None, "Workforce config (YAML) whose queues state opening_hours and "
                                                     "closed_dates: used instead of the hours inferred from the "
                                                     "history.", "--config"),
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
        hist = read_history(history, interval_minutes=interval_minutes, missing="zero" if fill_missing else "unknown")
        hist.attrs["path"] = str(history)
        daily = hist.attrs["interval_minutes"] == 1440
        check_profile_options(daily, keep_daily, profile_history, profile)
        cal = read_events(events)
        cal.attrs["path"] = str(events)
        hours = stated_hours(config)
        latest = hist["interval_start"].max()
        last_day = latest.normalize() if daily else (latest + pd.Timedelta(hours=1)).normalize() - pd.Timedelta(days=1)
        first, last = horizon(month, start, end, last_day)
        # Every input is read and checked before the fit: a typo or a short plan fails fast.
        shape = intraday_shape(profile_history, profile, cal, country) if daily and not keep_daily else None
        driver_table = read_drivers(drivers) if drivers is not None else None
        if driver_table is not None:
            DriverRegressors(driver_table, hist["interval_start"].max().normalize()).require_plan(
                pd.date_range(first, last, freq="D"))
        announce(preflight(history=hist, events=cal, horizon=(first, last)), "forecast", refuses=("forecast",))
        from plan.forecast.model import VolumeForecaster
        from plan.reports.forecast_plot import plot_forecast
        model = fit_with_progress(VolumeForecaster(country=country, seed=seed, stated_hours=hours,
                                                   drivers=driver_table), hist, cal)
        table = model.predict(first, last)
        split = None
        if shape is not None:
            table, used, notes = split_daily(table, shape, CountryCalendar(country), cal, hours)
            model.notes.extend(notes)
            split = {**shape.describe(), "per_queue": used}
        announce(volume_jumps(table, hist, str(out), "forecast"), "forecast")
        written = table.assign(interval_start=table["interval_start"].dt.strftime("%Y-%m-%d %H:%M"))
        for column in ("arrivals", "p10", "p50", "p90"):
            written[column] = written[column].round(2)
        write_table(written, table_out.staging)
        # A daily history and an interval forecast share no scale: the chart then shows the forecast alone.
        plot_forecast(table, None if split else hist, plot_out.staging, events=cal)
        model_out.staging.write_text(json.dumps({"forecast": str(out), "history": str(history),
                                                 "history_interval_minutes": hist.attrs["interval_minutes"],
                                                 "forecast_interval_minutes": split["interval_minutes"] if split
                                                 else hist.attrs["interval_minutes"],
                                                 "intraday_profile": split,
                                                 "drivers": str(drivers) if drivers is not None else None,
                                                 "filled_with_zero": [list(x) for x in hist.attrs.get("filled_intervals", [])],
                                                 **model.summary()}, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(summary_table(table, cal, first, last))
    console.print(choice_table(model.summary()))
    if split is not None:
        console.print(f"daily history split into {split['interval_minutes']}-minute intervals by the {split['source']} "
                      f"{split['path']}" + "".join(f"\n  {q}: {u}" for q, u in split["per_queue"].items()
                                                    if u != f"{split['source']} {split['path']}"), highlight=False)
    elif daily:
        console.print("daily history: wrote daily totals (--keep-daily); plan staffing and roster need intervals")
    for note in model.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(f"wrote [bold]{out}[/] ({len(table):,} rows), [bold]{plot}[/] and [bold]{model_file(out)}[/]")
