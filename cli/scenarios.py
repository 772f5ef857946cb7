"""`plan scenarios`: finance what-ifs on a month — outsource or hire, bot containment, vendor price."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer
import yaml
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.backend import address_option, backend_option, check_address, tell_failures, workers_option
from plan.cli.findings import announce
from plan.cli.options import choice_option, input_file_option, month_option, overwrite_option, time_limit_option
from plan.cli.sources import forecast_or_history, load_workforce_mapping, range_forecast
from plan.contracts.outputs import Outputs
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_MONTH, SAMPLE_SCENARIOS, SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce
from plan.contracts.yaml_file import read_yaml
from plan.execution import RunReport
from plan.optimize.finance import scenarios as sc
from plan.preflight import preflight
from plan.reports.scenarios_report import SCENARIO_FILES, write_scenarios_files

EPILOG = """\
Examples:

  plan scenarios    (the questions of data/scenarios.yaml on the sample month 2026-11)

  plan scenarios --only baseline --only bot_40 --mode full --time-limit 90 --keep-plans

  plan scenarios --sweep vendors.V1.price_per_seat_hour=20..56:4 --scenario outsource_presales

  plan scenarios --sweep bot.containment.chat_presales=0.30..0.50:0.05 --out out/bot-sweep
"""


def _jobs(chosen: list[sc.Scenario], base: dict, volumes: pd.DataFrame, calendar: pd.DataFrame, month: str,
          source: str, presales, values: list[float | None], keep_plans: bool = False) -> list[sc.ScenarioJob]:
    return [sc.ScenarioJob(scenario=s, base=base, forecast=volumes, events=calendar, month=month, source=source,
                           presales=presales, sweep_value=v, keep_plan=keep_plans and s.mode == "full")
            for s, v in zip(chosen, values)]


def plan_writer(results: list[sc.ScenarioResult], forecast: pd.DataFrame, events: pd.DataFrame):
    """Writes each full-mode roster a scenario kept as its own into ``plans/<scenario>/``."""
    def write(staging: Path) -> None:
        from plan.cli.roster import write_reports
        from plan.contracts.plan_files import write_plan_files

        for result in results:
            if result.plan is None:
                continue
            folder = staging / "plans" / "".join(c if c.isalnum() or c in "-_." else "_" for c in result.name)
            folder.parent.mkdir(exist_ok=True)
            config = staging / "plans" / f".{folder.name}.workforce.yaml"
            config.write_text(yaml.safe_dump(result.workforce.model_dump(mode="json"), allow_unicode=True,
                                             sort_keys=False), encoding="utf-8")
            folder.mkdir()  # inside the report's staging: the report's own manifest covers it
            write_plan_files(result.plan, folder, inputs={"workforce": config, "forecast": forecast, "events": events})
            write_reports(folder)
            config.unlink()
    return write


def _run_with_bars(jobs: list[sc.ScenarioJob], workers: int, describe_title: str, backend: str = "local",
                   address: str | None = None) -> RunReport:
    with Progress(SpinnerColumn(), TextColumn("{task.description:<44}"), BarColumn(), TaskProgressColumn(),
                  TextColumn("{task.fields[stage]}"), TimeElapsedColumn(), console=console) as bar:
        tasks = {job.scenario.name: bar.add_task(job.scenario.name[:44], total=1.0, stage="queued") for job in jobs}

        def progress(name: str, fraction: float, message: str) -> None:
            task = tasks.get(name)
            if task is None:
                return
            if fraction >= 0:
                bar.update(task, completed=max(fraction, bar.tasks[task].completed), stage=message)
            else:
                bar.update(task, stage=message)

        console.print(describe_title)
        return sc.run_scenario_jobs(jobs, backend=backend, address=address, workers=workers, progress=progress)


ESTIMATE_MARK = " est."
ESTIMATE_NOTE = ("est. = quick-mode estimate: an aggregate LP staffing each interval at its requirement, without "
                 "named people. It prices service at the targets, where a roster also puts the salaried team's "
                 "idle hours to work, so it runs above the roster's cost and below its service; the measured error "
                 "against full plans is in docs/figures.md. The month's plan figures: plan roster, or --mode full.")


def _summary(table: pd.DataFrame, currency: str) -> Table:
    """The few columns finance reads first; the files have the rest."""
    view = Table(title=f"Scenarios (cost of the month, {currency})", title_justify="left")
    revenue = "net_vs_baseline" in table
    columns = ["scenario", "total", "vs base", "per contact", "vendor", "FTE req", "service"]
    if revenue:
        columns.append("net of revenue")
    for column in columns:
        if column == "scenario":
            view.add_column(column, no_wrap=True, min_width=min(18, int(table["scenario"].str.len().max())))
        else:
            view.add_column(column, justify="right")
    for row in table.itertuples(index=False):
        r = row._asdict()
        name = r["scenario"] if pd.isna(r.get("sweep_value", float("nan"))) else f"{r['sweep_value']:g}"
        if r["mode"] != "quick":
            name += f" ({r['mode']})"
        est = ESTIMATE_MARK if r["mode"] == "quick" else ""
        cells = [name, f"{r['total_cost']:,.0f}{est}", f"{r.get('cost_vs_baseline', float('nan')):+,.0f}",
                 f"{r['cost_per_contact']:.2f}", f"{r['cost_vendor']:,.0f}", f"{r['fte_required']:.1f}",
                 f"{r['service_level_all']:.1%}{est}"]
        if revenue:
            cells.append(f"{r['net_vs_baseline']:+,.0f}")
        view.add_row(*cells)
    return view


def scenario_findings(table: pd.DataFrame, baseline: str, currency: str) -> list[str]:
    """One line per scenario against the baseline, read off the table."""
    lines = []
    base = table.loc[table["scenario"] == baseline]
    if base.empty:
        return lines
    base = base.iloc[0]
    for row in table.itertuples(index=False):
        r = row._asdict()
        if r["scenario"] == baseline:
            continue
        text = (f"{r['scenario']}{' (quick-mode estimates)' if r['mode'] == 'quick' else ''}: "
                f"{r['cost_vs_baseline']:+,.0f} {currency} a month vs {baseline} "
                f"({r['cost_vs_baseline'] / base['total_cost']:+.1%}); people needed {r['fte_required']:.1f} FTE "
                f"({round(r['fte_required_vs_baseline'], 1) + 0.0:+.1f}); service {r['service_level_all']:.1%} "
                f"(baseline {base['service_level_all']:.1%})")
        if "revenue_vs_baseline" in r and pd.notna(r.get("revenue_vs_baseline")):
            text += (f"; pre-sales revenue {r['revenue_vs_baseline']:+,.0f}, net of cost "
                     f"{r['net_vs_baseline']:+,.0f} {currency}")
        lines.append(text)
    return lines


METHOD_NOTES = [
    "quick mode (an estimate): aggregate LP over shift-start counts per skill group and day (no named people, no "
    "overtime, no minimum blocks for vendor seats or part-time hours, interval-by-interval requirements instead of "
    "period targets), HiGHS to optimality; service and cost then recomputed with the staffing service functions and "
    "the plan-file cost rules. It staffs each interval at its requirement, so service sits near the targets and the "
    "shortfall penalty above a roster's, which also uses the salaried team's idle hours; its measured error against "
    "full plans is in docs/figures.md.",
    "full mode: the roster optimizer (plan.optimize.roster.plan_month) with the scenario's time limit; its summary is "
    "reported as is (solver status and gap in the table).",
    "every row takes the cheapest plan among the plans of its mode that are valid for it (same people, vendor seats "
    "within caps and skills), re-priced with the plan-file cost rules; such rows say 're-used the plan of ...'. This "
    "keeps 'a cheaper vendor / more bot containment never costs more' true despite solver gaps.",
    "FTE = paid hours / contract standard hours per month; fte_required = agents required x hours / standard hours; "
    "fte_bot = agent-hours the contained sessions would have taken.",
    "pre-sales revenue = answered pre-sales contacts x conversion rate x order value, vendor-answered share at the "
    "vendor's conversion factor, bot-contained at the in-house rate, abandoned ones at zero.",
]


@app.command(epilog=EPILOG)
def scenarios(
    file: Path = input_file_option(SAMPLE_SCENARIOS, "Scenario file (YAML): scenarios, sweeps, capacity.", "--file"),
    config: Path = input_file_option(SAMPLE_WORKFORCE, "Workforce config (YAML) the scenarios override."),
    events: Path = input_file_option(SAMPLE_EVENTS, "Events calendar."),
    history: Path = input_file_option(SAMPLE_HISTORY, "History to forecast from when no forecast covers the month."),
    forecast: Optional[Path] = input_file_option(None, "Forecast covering the month (default: out/forecast.csv if "
                                                       "it covers it, else a fresh fit of --history)."),
    month: Optional[str] = month_option(None, f"Month to plan, YYYY-MM (default: the file's, else {SAMPLE_MONTH})."),
    only: Optional[list[str]] = typer.Option(None, help="Run only these scenarios (repeatable)."),
    mode: Optional[str] = choice_option(None, sc.MODES, "Plan every scenario in this mode."),
    time_limit: Optional[float] = time_limit_option(None, "Roster time limit per scenario in full mode, s."),
    sweep: Optional[str] = typer.Option(None, help="FIELD=FROM..TO:STEP, or the name of a sweep in the file."),
    scenario: Optional[str] = typer.Option(None, help="Scenario to sweep (default: the sweep's, else the baseline)."),
    workers: int = workers_option(),
    backend: str = backend_option(),
    address: Optional[str] = address_option(),
    keep_plans: bool = typer.Option(False, "--keep-plans", help="Write each full-mode roster as a plan directory "
                                                               "under OUT/plans/ (checkable with plan verify)."),
    out: Path = typer.Option(Path("out/scenarios"), help="Directory for scenarios.csv/.xlsx/.png."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Cost, people and service of each scenario (outsource, hire, bot, vendor price) against the baseline."""
    check_address(backend, address)
    with Outputs(overwrite) as outputs:
        report_dir = outputs.directory(out, "--out", names=SCENARIO_FILES)
        table, findings, title, currency, results, volumes, calendar, forecast_source, run = _run(
            file, config, events, history, forecast, month, only, mode, time_limit, sweep, scenario, workers,
            keep_plans, backend, address)
        write_scenarios_files(table, report_dir.staging, findings=findings,
                              notes=METHOD_NOTES + [f"forecast: {forecast_source}"], currency=currency, title=title,
                              also=plan_writer(results, volumes, calendar) if keep_plans else None)
    console.print(_summary(table, currency))
    if (table["mode"] == "quick").any():
        console.print(f"[dim]{ESTIMATE_NOTE}[/]", highlight=False)
    for line in findings:
        console.print(f"• {line}", highlight=False)
    console.print(f"scenarios.csv, scenarios.xlsx, scenarios.png → {out}")
    if not run.complete:
        tell_failures(console, run, "scenario")
        raise typer.Exit(1)


def _check_full_mode_limits(chosen: list, base: dict, file: Path, days: int) -> None:
    """A full-mode scenario whose roster time limit is too short for a useful plan is refused before
    any work, as `plan roster` refuses it (budgets.minimum_time_limit_s)."""
    from plan.optimize.roster.budgets import minimum_time_limit_s

    for s in chosen:
        if s.mode != "full":
            continue
        agents = len(sc.apply_overrides(base, s.overrides, scenario=s.name, source=file).in_house)
        minimum = minimum_time_limit_s(agents, days)
        if s.time_limit_s < minimum:
            raise InputError(file, f"scenario {s.name!r}: a full-mode roster of {agents} agents × {days} days needs "
                                   f"at least {minimum:.0f} s, not {s.time_limit_s:g}", field="--time-limit")


def _run(file: Path, config: Path, events: Path, history: Path, forecast: Optional[Path], month: Optional[str],
         only: Optional[list[str]], mode: Optional[str], time_limit: Optional[float], sweep: Optional[str],
         scenario: Optional[str], workers: int, keep_plans: bool, backend: str = "local",
         address: Optional[str] = None):
    """Read the inputs, run the scenarios (or the sweep) and turn the results into the report's table."""
    workforce = read_workforce(config)
    base = load_workforce_mapping(config)
    spec = sc.read_scenarios(file)
    calendar = read_events(events)
    month = month or spec.month or SAMPLE_MONTH
    for s in spec.scenarios:  # validate every override up front: one clear error before any work
        sc.apply_overrides(base, s.overrides, scenario=s.name, source=file)

    def adjusted(s: sc.Scenario) -> sc.Scenario:
        return sc.Scenario(name=s.name, overrides=s.overrides, description=s.description, mode=mode or s.mode,
                           time_limit_s=time_limit or s.time_limit_s)

    sweep_spec = None
    if sweep is not None:
        declared = {sw.name: sw for sw in spec.sweeps if sw.name}
        if sweep in declared:
            sweep_spec = declared[sweep]
            if scenario:
                sweep_spec = sc.Sweep(field=sweep_spec.field, values=sweep_spec.values, scenario=scenario,
                                      name=sweep_spec.name, mode=sweep_spec.mode)
        else:
            sweep_spec = sc.parse_sweep(sweep, scenario=scenario or spec.baseline)
        if mode is not None:
            sweep_spec = sc.Sweep(field=sweep_spec.field, values=sweep_spec.values, scenario=sweep_spec.scenario,
                                  name=sweep_spec.name, mode=mode)
        swept = adjusted(spec.get(sweep_spec.scenario))
        chosen = sc.sweep_scenarios(swept, sweep_spec)
        for s in chosen:
            sc.apply_overrides(base, s.overrides, scenario=s.name, source="--sweep")
        reference = adjusted(spec.get(spec.baseline))  # the baseline in the sweep's mode, for a fair break-even
        chosen = [sc.Scenario(reference.name, reference.overrides, reference.description, chosen[0].mode,
                              reference.time_limit_s)] + chosen
        values: list[float | None] = [None] + list(sweep_spec.values)
    else:
        chosen = [adjusted(s) for s in spec.scenarios if not only or s.name in only]
        if only:
            unknown = sorted(set(only) - {s.name for s in spec.scenarios})
            if unknown:
                raise InputError(file, f"no scenario named {unknown[0]!r}", field="--only")
        values = [None] * len(chosen)

    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthEnd(0)
    _check_full_mode_limits(chosen, base, file, (end - start).days + 1)
    calendar.attrs["path"] = str(events)

    given, hist = forecast_or_history(forecast, history, workforce, start, end)
    announce(preflight(workforce, hist, calendar, month, given, config=str(config)), "scenarios",
             refuses=("forecast", "roster"))
    forecast_source = given.attrs["path"] if given is not None else f"forecast fitted on {history}"
    with console.status("forecast") as status:
        volumes = range_forecast(given, hist, workforce, calendar, start, end, describe=status.update)
    jobs = _jobs(chosen, base, volumes, calendar, month, str(file), spec.presales_queues, values, keep_plans)
    run = _run_with_bars(jobs, workers, f"{len(jobs)} scenario(s) on {month}, forecast: {forecast_source}", backend,
                         address)
    results = sc.enforce_consistency([r for r in run.values if r is not None], spec.presales_queues)
    reference_name = chosen[0].name if sweep_spec is not None else spec.baseline
    if any(o.name == reference_name and not o.ok for o in run.outcomes):  # every row is read against it
        tell_failures(console, run, "scenario")
        raise typer.Exit(1)
    currency = workforce.site.currency
    if sweep_spec is not None:
        baseline_result, points = results[0], results[1:]
        table = sc.results_table(results, baseline=baseline_result.name).iloc[1:].reset_index(drop=True)
        base_cost = baseline_result.cost["total"]
        findings = sc.sweep_findings(points, sweep_spec.field, baseline=baseline_result)
        findings += sc.monotonicity_report(points, sweep_spec.field)
        findings.insert(0, f"sweep of {sweep_spec.field} on scenario {sweep_spec.scenario!r}; baseline "
                           f"{spec.baseline!r} costs {base_cost:,.0f} {currency}")
        title = f"Sweep {sweep_spec.field} on {sweep_spec.scenario} — {month}"
    else:
        table = sc.results_table(results, baseline=spec.baseline)
        findings = scenario_findings(table, spec.baseline, currency)
        title = f"Scenarios — {month}, against '{spec.baseline}'"
    # the files say which scenarios are missing, so they never pass for the complete set
    findings = [f"FAILED, not in the table: scenario {line}" for line in run.failures] + findings
    return table, findings, title, currency, results, volumes, calendar, forecast_source, run
