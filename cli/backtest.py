"""`plan backtest`: rolling-origin evaluation of the forecaster against every baseline, open hours only."""
from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.backend import address_option, backend_option, check_address, workers_option
from plan.cli.options import country_option, input_file_option, interval_minutes_option, overwrite_option, \
    seed_option
from plan.contracts.outputs import JSON_SUFFIXES, PNG_SUFFIXES, TABLE_SUFFIXES, Outputs
from plan.cli.steps import step_progress
from plan.contracts.errors import InputError
from plan.contracts.drivers import read_drivers
from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY
from plan.contracts.tables import write_table
from plan.forecast.backtest import HORIZON_DAYS, choose_origins, rolling_origin_backtest
from plan.forecast.model import VolumeForecaster
from plan.reports.backtest_plot import plot_backtest

EPILOG = """\
Examples:

  plan backtest    (the sample history: origins over the last year and just before each promotion)

  plan backtest --history calls.csv --events none --country IL --origins 8 --json out/bank.json

  plan backtest --horizon-days 28 --plot out/backtest.png
"""

# The forecast, each of its bases alone (with the learned effects on top), then the plain baselines.
LABELS = {"model": "forecast", "base_event_model": " base: event model", "base_median_8w": " base: 8-wk median",
          "base_seasonal_naive": " base: seas. naive", "base_ets": " base: ETS", "snaive": "seasonal naive",
          "median_8w": "8-wk wkday-hour median", "ets": "ETS daily x shape", "last_year": "last year x level"}


def _fmt(value: float | None, percent: bool = True) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1%}" if percent else f"{value:.2f}"


def results_table(summary: dict) -> Table:
    table = Table(title="Backtest on open hours: daily and hourly WAPE, bias, 10-90 band coverage, by days ahead",
                  title_justify="left")
    for column in ("days ahead", "method", "WAPE daily", "WAPE hourly", "bias", "band coverage"):
        table.add_column(column, justify="left" if column in ("days ahead", "method") else "right")
    for horizon, part in summary["horizons"].items():
        scored = part["overall"]
        for method, label in LABELS.items():
            m = scored[method]
            pick = " [bold]<- best[/]" if scored["would_pick"] == method else ""
            table.add_row(f"1-{horizon}" if method == "model" else "", label + pick, _fmt(m["wape_daily"]),
                          _fmt(m["wape_hourly"]), f"{m['bias']:+.1%}" if m["bias"] == m["bias"] else "-",
                          _fmt(m.get("band_coverage")))
    for name in ("event_days", "peak_days"):
        part = summary.get(name)
        if part:
            m = part["model"]
            table.add_row(name.replace("_", " "), LABELS["model"], _fmt(m["wape_daily"]), _fmt(m["wape_hourly"]),
                          f"{m['bias']:+.1%}", _fmt(m.get("band_coverage")))
    return table


def picks_table(summary: dict) -> Table:
    table = Table(title="Per queue, all days ahead: best method of this backtest, and the forecaster's own pick",
                  title_justify="left")
    for column in ("queue", "best (daily WAPE)", "forecast daily WAPE", "forecaster's pick per origin"):
        table.add_column(column)
    for queue, part in summary["by_queue"].items():
        best = part["would_pick"]
        picks = summary.get("model_picks", {}).get(queue, {})
        counts = pd.Series(list(picks.values())).value_counts()
        table.add_row(queue, f"{LABELS.get(best, best).strip()} ({_fmt(part[best]['wape_daily'])})" if best else "-",
                      _fmt(part["model"]["wape_daily"]), ", ".join(f"{k} x{v}" for k, v in counts.items()))
    return table


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def check_events_option(value: str) -> str:
    if value.lower() != "none" and not Path(value).is_file():
        raise typer.BadParameter(f"file {value!r} does not exist (or give 'none')")
    return value


@app.command(epilog=EPILOG)
def backtest(
    history: Path = input_file_option(SAMPLE_HISTORY, "Hourly history (CSV/Parquet): queue, interval_start, arrivals."),
    events: str = typer.Option(str(SAMPLE_EVENTS), help="Events calendar, or 'none' for a history without promotions.",
                               callback=check_events_option),
    country: str = country_option(),
    origins: int = typer.Option(6, min=1, help="Regular origins spread over the last year (promotion origins are added)."),
    horizon_days: int = typer.Option(HORIZON_DAYS, min=1, max=70, help="Days forecast from each origin."),
    json_out: Path = typer.Option(Path("out/backtest.json"), "--json", help="Summary figures (JSON)."),
    plot: Path = typer.Option(Path("out/backtest.png"), help="Chart to write (PNG)."),
    detail: Optional[Path] = typer.Option(None, help="Also write every forecast interval (CSV/Parquet)."),
    interval_minutes: Optional[int] = interval_minutes_option(
        None, "Interval length of the history: 60, 30, 15 minutes or 1440 (daily totals); default: from its times.",
        daily=True),
    drivers: Optional[Path] = input_file_option(None, "Driver table (date, driver, value) covering the history and "
                                                      "the days forecast: lagged regressors (orders, reservations).",
                                                "--drivers"),
    seed: int = seed_option("Seed of the quantile simulation."),
    workers: int = workers_option(1),
    backend: str = backend_option(),
    address: Optional[str] = address_option(),
    overwrite: bool = overwrite_option(),
) -> None:
    """Rolling-origin backtest on open hours: the forecast, each base alone and every baseline, 1/7/35 days ahead."""
    check_address(backend, address)
    with Outputs(overwrite) as outputs:
        json_file = outputs.file(json_out, "--json", JSON_SUFFIXES)
        plot_file = outputs.file(plot, "--plot", PNG_SUFFIXES)
        detail_file = outputs.file(detail, "--detail", TABLE_SUFFIXES) if detail is not None else None
        hist = read_history(history, interval_minutes=interval_minutes, missing="unknown")
        hist.attrs["path"] = str(history)
        cal = None if events.lower() == "none" else read_events(events)
        if cal is not None:
            cal.attrs["path"] = events
        chosen = choose_origins(hist, cal, horizon_days, n_regular=origins)
        if len(chosen) < 1:
            raise InputError(history, "no backtest origin fits in this history", field="interval_start")
        with step_progress("backtest", len(chosen)) as step:
            driver_table = read_drivers(drivers) if drivers is not None else None
            try:
                result = rolling_origin_backtest(hist, cal, country=country, origins=chosen, horizon_days=horizon_days,
                                                 seed=seed, progress=step, backend=backend, address=address,
                                                 workers=workers, forecaster=partial(
                                                     VolumeForecaster, country=country, seed=seed, drivers=driver_table))
            except RuntimeError as exc:  # every origin failed: nothing to score, nothing written
                console.print(f"[bold red]failed:[/] {escape(str(exc))}", highlight=False)
                raise typer.Exit(1) from None
        summary = _jsonable({"history": str(history), "events": events, "country": country,
                             "horizon_days": horizon_days, "origins": [f"{o:%Y-%m-%d}" for o in chosen],
                             "overall": result.summary["overall"], "event_days": result.summary["event_days"],
                             "peak_days": result.summary["peak_days"],
                             "by_queue": result.summary["by_queue"], "per_origin": result.summary["origins"],
                             "horizons": result.summary["horizons"], "model_picks": result.summary["model_picks"],
                             "excluded_closed_intervals": result.summary["excluded_closed_intervals"],
                             "missing_intervals": hist.attrs.get("missing_intervals", []),
                             "failed_origins": result.failures})
        json_file.staging.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        plot_backtest(result.hourly, result.summary, plot_file.staging)
        if detail_file is not None:
            hourly = result.hourly
            write_table(hourly.assign(interval_start=hourly["interval_start"].dt.strftime("%Y-%m-%d %H:%M"),
                                      origin=pd.to_datetime(hourly["origin"]).dt.strftime("%Y-%m-%d")),
                        detail_file.staging)
    console.print(f"{len(chosen)} origins: " + ", ".join(f"{o:%Y-%m-%d}" for o in chosen))
    console.print(results_table(result.summary))
    console.print(picks_table(result.summary))
    console.print(f"wrote [bold]{json_out}[/] and [bold]{plot}[/]")
    if result.failures:  # the scores leave these origins out; the JSON lists them under failed_origins
        for line in result.failures:
            console.print(f"[bold red]failed:[/] {escape(line)}", highlight=False)
        raise typer.Exit(1)
