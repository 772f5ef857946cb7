"""`plan capacity`: the annual plan — in-house headcount per month against vendors, part-timers, bot."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.backend import address_option, backend_option, check_address, tell_failures, workers_option
from plan.cli.sources import forecast_or_history, load_workforce_mapping, range_forecast
from plan.cli.options import input_file_option, overwrite_option
from plan.contracts.outputs import Outputs
from plan.contracts.events import read_events
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_SCENARIOS, SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce
from plan.optimize.finance import scenarios as sc
from plan.optimize.finance.capacity import parse_capacity, plan_capacity
from plan.reports.capacity_report import CAPACITY_FILES, write_capacity_files

EPILOG = """\
Examples:

  plan capacity    (the year in data/scenarios.yaml 'capacity:', 2027, on the sample team)

  plan capacity --year 2027 --forecast out/forecast-2027.csv --out out/capacity-2027

  plan capacity --scenario bot_40    (the year with the bot at 40%)

  plan capacity --sweep bot.containment.chat_presales=0.30..0.50:0.05 --backend ray --workers 2
"""


def _months_table(months: pd.DataFrame, currency: str) -> Table:
    view = Table(title=f"Month by month ({currency})", title_justify="left")
    for column in ("month", "event d", "req FTE", "hired", "headcount", "productive", "vendor seat-h", "part-time h",
                   "short contacts", "cost"):
        view.add_column(column, justify="left" if column == "month" else "right")
    for row in months.itertuples(index=False):
        view.add_row(row.month, str(row.event_days), f"{row.required_fte:.1f}", f"{row.hires_decided:g}",
                     f"{row.headcount:.1f}", f"{row.productive_fte:.1f}", f"{row.vendor_seat_hours:,.0f}",
                     f"{row.part_time_hours:,.0f}", f"{row.shortfall_contacts:,.0f}", f"{row.cost_total:,.0f}")
    view.add_row("year", str(months["event_days"].sum()), f"{months['required_fte'].mean():.1f}",
                 f"{months['hires_decided'].sum():g}", f"{months['headcount'].mean():.1f}",
                 f"{months['productive_fte'].mean():.1f}", f"{months['vendor_seat_hours'].sum():,.0f}",
                 f"{months['part_time_hours'].sum():,.0f}", f"{months['shortfall_contacts'].sum():,.0f}",
                 f"{months['cost_total'].sum():,.0f}", style="bold")
    return view


@app.command(epilog=EPILOG)
def capacity(
    year: Optional[int] = typer.Option(None, min=2000, max=2100, help="Year to plan (default: the file's capacity.year)."),
    file: Path = input_file_option(SAMPLE_SCENARIOS, "Scenario file whose 'capacity:' section configures hiring lead "
                                                     "time, ramp, attrition, cost per hire.", "--file"),
    config: Path = input_file_option(SAMPLE_WORKFORCE, "Workforce config (YAML)."),
    scenario: Optional[str] = typer.Option(None, help="Plan the year under this scenario's overrides."),
    events: Path = input_file_option(SAMPLE_EVENTS, "Events calendar (promotions of the year)."),
    history: Path = input_file_option(SAMPLE_HISTORY, "History to forecast from when no forecast covers the year."),
    forecast: Optional[Path] = input_file_option(None, "Forecast covering the whole year (default: out/forecast.csv "
                                                       "if it covers it, else a fresh fit of --history)."),
    sweep: Optional[str] = typer.Option(None, help="FIELD=FROM..TO:STEP: plan the year at each value (one row each, "
                                                   "capacity_sweep.csv) instead of one plan."),
    workers: int = workers_option(),
    backend: str = backend_option(),
    address: Optional[str] = address_option(),
    out: Path = typer.Option(Path("out/capacity"), help="Directory for capacity.csv/.xlsx/.png."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Headcount to hold and hire per month, and when to buy vendor seats and part-time hours, at least annual cost."""
    check_address(backend, address)
    with Outputs(overwrite) as outputs:
        report_dir = outputs.directory(out, "--out", names=(SWEEP_FILE,) if sweep else CAPACITY_FILES)
        read_workforce(config)
        base = load_workforce_mapping(config)
        spec = sc.read_scenarios(file)
        settings = parse_capacity(spec.capacity, str(file))
        year = year or settings.year or pd.Timestamp.today().year + 1
        chosen = scenario or settings.scenario
        overrides = spec.get(chosen).overrides if chosen else {}
        workforce = sc.apply_overrides(base, overrides, scenario=chosen or "capacity", source=file)
        calendar = read_events(events)
        start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
        given, hist = forecast_or_history(forecast, history, workforce, start, end)
        source = given.attrs["path"] if given is not None else f"forecast fitted on {history}"
        if sweep is not None:
            run = _sweep(sweep, chosen, base, overrides, given, hist, workforce, calendar, year, settings, str(file),
                         report_dir.staging, backend, address, workers)
        else:
            plan = _plan_year(given, hist, workforce, calendar, year, settings, report_dir.staging)
    if sweep is not None:
        console.print(f"{SWEEP_FILE} → {out}")
        if not run.complete:  # written after all points ran, failed ones marked in it
            tell_failures(console, run, "sweep point")
            raise typer.Exit(1)
        return
    console.print(_months_table(plan.months, workforce.site.currency))
    console.print(f"solver: {plan.solver['status']}, gap {plan.solver['gap']:.2%}, {plan.solver['seconds']:.1f} s; "
                  f"forecast: {source}" + (f"; scenario {chosen}" if chosen else ""), highlight=False)
    for note in plan.notes:
        console.print(f"[dim]note: {note}[/]")
    console.print(f"[bold]{plan.answer}[/]", highlight=False)
    console.print(f"capacity.csv, capacity.xlsx, capacity.png → {out}")


def _plan_year(given, hist, workforce, calendar, year: int, settings, staging: Path):
    """The year's capacity plan, its files written into ``staging``."""
    from plan.optimize.staffing.requirements import requirements_table

    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    with console.status("forecast") as status:
        volumes = range_forecast(given, hist, workforce, calendar, start, end, describe=status.update)
        status.update(f"requirements of {year} ({len(volumes):,} intervals)")
        requirements = requirements_table(volumes, workforce, calendar)
        status.update(f"solving the {year} capacity model")
        plan = plan_capacity(workforce, requirements, year, settings)
        status.update("writing")
        write_capacity_files(plan, staging, workforce.site.currency)
    return plan


SWEEP_FILE = "capacity_sweep.csv"


def _sweep(text: str, chosen, base: dict, overrides: dict, given, hist, workforce, calendar, year: int, settings,
           source: str, staging: Path, backend: str, address: Optional[str], workers: int):
    """The year planned at each value of the swept field, each an execution-layer task; written after all."""
    from plan.execution import run_tasks
    from plan.optimize.finance.capacity_sweep import SweepInputs, capacity_point

    swept = sc.sweep_scenarios(sc.Scenario(chosen or "capacity", overrides), sc.parse_sweep(text))
    for s in swept:  # every value checked before any work
        sc.apply_overrides(base, s.overrides, scenario=s.name, source="--sweep")
    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    with console.status("forecast") as status:
        volumes = range_forecast(given, hist, workforce, calendar, start, end, describe=status.update)
        status.update(f"{len(swept)} capacity plans of {year} ({backend}, {workers} at once)")
        run = run_tasks(capacity_point, [(s.name, s) for s in swept], backend=backend, address=address,
                        workers=workers, shared=SweepInputs(base, volumes, calendar, year, settings, source))
    rows = [o.value if o.ok else {"point": o.name, "solver_status": "failed", "answer": o.error}
            for o in run.outcomes]
    table = pd.DataFrame(rows)
    table.insert(1, "value", [v for v in sc.parse_sweep(text).values])
    table.to_csv(staging / SWEEP_FILE, index=False)  # failed points stay in it, marked, never silently absent
    view = Table(title=f"Capacity {year} across {sc.parse_sweep(text).field} ({workforce.site.currency})",
                 title_justify="left")
    for column in ("value", "annual cost", "hires", "headcount", "vendor seat-h", "short contacts"):
        view.add_column(column, justify="right")
    for row in table.to_dict("records"):
        if row.get("solver_status") == "failed":
            view.add_row(f"{row['value']:g}", "[red]failed[/]", "", "", "", "")
            continue
        view.add_row(f"{row['value']:g}", f"{row['cost_total']:,.0f}", f"{row['hires']:g}",
                     f"{row['mean_headcount']:.1f}", f"{row['vendor_seat_hours']:,.0f}",
                     f"{row['shortfall_contacts']:,.0f}")
    console.print(view)
    return run
