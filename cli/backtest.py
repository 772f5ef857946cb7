"""`plan backtest`: rolling-origin evaluation of the forecaster against two baselines."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.options import country_option, input_file_option, interval_minutes_option, overwrite_option, \
    seed_option
from plan.contracts.outputs import JSON_SUFFIXES, PNG_SUFFIXES, TABLE_SUFFIXES, Outputs
from plan.cli.steps import step_progress
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY
from plan.contracts.tables import write_table
from plan.forecast.backtest import HORIZON_DAYS, choose_origins, rolling_origin_backtest
from plan.reports.backtest_plot import plot_backtest

EPILOG = """\
Examples:

  plan backtest    (the sample history: origins over the last year and just before each promotion)

  plan backtest --history calls.csv --events none --country IL --origins 8 --json out/bank.json

  plan backtest --horizon-days 28 --plot out/backtest.png
"""

LABELS = {"model": "model", "snaive": "seasonal naive", "last_year": "last year x level"}


def _fmt(value: float | None, percent: bool = True) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1%}" if percent else f"{value:.2f}"


def results_table(summary: dict) -> Table:
    table = Table(title="Backtest (hourly and daily WAPE, MASE, bias, 10-90 band coverage)", title_justify="left")
    for column in ("hours", "method", "WAPE hourly", "WAPE daily", "MASE", "bias", "band coverage"):
        table.add_column(column, justify="left" if column in ("hours", "method") else "right")
    for name, part in (("all", summary["overall"]), ("event days", summary.get("event_days")),
                       ("peak +-1 day", summary.get("peak_days"))):
        if not part:
            continue
        for method, label in LABELS.items():
            m = part[method]
            table.add_row(name if method == "model" else "", label, _fmt(m["wape_hourly"]), _fmt(m["wape_daily"]),
                          _fmt(m["mase"], percent=False), f"{m['bias']:+.1%}" if m["bias"] == m["bias"] else "-",
                          _fmt(m.get("band_coverage")))
        table.add_row("", "[bold]model / naive[/]", f"[bold]{part['ratio_hourly']:.2f}[/]", "", "", "", "")
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
    interval_minutes: int = interval_minutes_option(60, "Interval length of the history: 60, 30 or 15 minutes."),
    seed: int = seed_option("Seed of the quantile simulation."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Rolling-origin backtest: the model against seasonal naive and last year's event, hourly and daily."""
    with Outputs(overwrite) as outputs:
        json_file = outputs.file(json_out, "--json", JSON_SUFFIXES)
        plot_file = outputs.file(plot, "--plot", PNG_SUFFIXES)
        detail_file = outputs.file(detail, "--detail", TABLE_SUFFIXES) if detail is not None else None
        hist = read_history(history, interval_minutes=interval_minutes)
        hist.attrs["path"] = str(history)
        cal = None if events.lower() == "none" else read_events(events)
        if cal is not None:
            cal.attrs["path"] = events
        chosen = choose_origins(hist, cal, horizon_days, n_regular=origins)
        if len(chosen) < 1:
            raise InputError(history, "no backtest origin fits in this history", field="interval_start")
        with step_progress("backtest", len(chosen)) as step:
            result = rolling_origin_backtest(hist, cal, country=country, origins=chosen, horizon_days=horizon_days,
                                             seed=seed, progress=step)
        summary = _jsonable({"history": str(history), "events": events, "country": country,
                             "horizon_days": horizon_days, "origins": [f"{o:%Y-%m-%d}" for o in chosen],
                             "overall": result.summary["overall"], "event_days": result.summary["event_days"],
                             "peak_days": result.summary["peak_days"],
                             "by_queue": result.summary["by_queue"], "per_origin": result.summary["origins"]})
        json_file.staging.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        plot_backtest(result.hourly, result.summary, plot_file.staging)
        if detail_file is not None:
            hourly = result.hourly
            write_table(hourly.assign(interval_start=hourly["interval_start"].dt.strftime("%Y-%m-%d %H:%M"),
                                      origin=pd.to_datetime(hourly["origin"]).dt.strftime("%Y-%m-%d")),
                        detail_file.staging)
    console.print(f"{len(chosen)} origins: " + ", ".join(f"{o:%Y-%m-%d}" for o in chosen))
    console.print(results_table(result.summary))
    console.print(f"wrote [bold]{json_out}[/] and [bold]{plot}[/]")
