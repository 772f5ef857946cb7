"""`plan roster`: the month's 排班表 — in-house shifts, part-time blocks, vendor seats, bot — at least cost."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console, err_console
from plan.cli.findings import announce
from plan.cli.options import choice_option, input_file_option, month_option, overwrite_option, seed_option, \
    time_limit_option
from plan.cli.sources import forecast_or_history, range_forecast
from plan.contracts.errors import InputError
from plan.contracts.outputs import Outputs
from plan.contracts.events import read_events
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_MONTH, SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce
from plan.preflight import preflight

OVERRUN_SAY_SO = 1.1  # a run this much over its --time-limit says so and why
WIDE_GAP = 0.2  # above this, say so and suggest more time (a team without slack needs it)

EPILOG = """\
Examples:

  plan roster --month 2026-11    (sample config; out/forecast.csv if it covers the month, else a forecast of the sample)

  plan roster --month 2026-11 --config data/workforce.yaml --forecast out/forecast.csv --out out/roster-2026-11 --time-limit 120 --seed 1

  plan roster --month 2026-11 --previous out/roster-2026-10
      rest, consecutive days and weekly hours hold across 11-01 (the state read from that plan's roster.csv)

  plan roster --month 2026-11 --pins pins.csv --carry-in carry_in.csv
      pins.csv      agent_id,date,shift_code  e.g.  E001,2026-11-11,A  /  E002,2026-11-12,REST
      carry_in.csv  agent_id,consecutive_days_worked,last_shift_end,hours_this_week
                    e.g.  E001,5,2026-10-31 22:00,32  (the state just before the month)
"""


SERVICE_MODES = ("period", "interval")


@app.command(epilog=EPILOG)
def roster(
    month: str = month_option(SAMPLE_MONTH, "Month to plan, YYYY-MM."),
    config: Path = input_file_option(SAMPLE_WORKFORCE, "Workforce config (YAML)."),
    forecast: Optional[Path] = input_file_option(None, "Forecast table covering the month (default: out/forecast.csv "
                                                       "when it covers it, else a forecast fitted on --history)."),
    events: Path = input_file_option(SAMPLE_EVENTS, "Events calendar (event days get event targets)."),
    history: Path = input_file_option(SAMPLE_HISTORY, "History to forecast from when no forecast is given."),
    out: Optional[Path] = typer.Option(None, help="Plan directory (default out/roster-YYYY-MM/)."),
    time_limit: float = time_limit_option(120.0, "Seconds from the command's start to the verified plan (solver work "
                                                "is set from it, so the same limit and seed give the same plan; more "
                                                "on a busy machine). A limit too short for a useful plan is refused "
                                                "with the least that is (about 1 s per agent); from 150 s on, part "
                                                "goes to exact day-window MIPs (a cheaper plan)."),
    seed: int = seed_option("Solver random seed."),
    service_mode: str = choice_option("period", SERVICE_MODES, "period: period targets with interval floors; "
                                                               "interval: every interval at target."),
    pins: Optional[Path] = input_file_option(None, "In-house days fixed to a shift or REST (agent_id,date,shift_code); "
                                                   "pins the labour rules refuse are listed.", "--pins"),
    carry_in: Optional[Path] = input_file_option(None, "Each person's state before the month (agent_id,"
                                                       "consecutive_days_worked,last_shift_end,hours_this_week; "
                                                       "docs/plan-files.md).", "--carry-in"),
    previous: Optional[Path] = typer.Option(None, "--previous", help="The published plan directory of the month "
                                                                     "before: each person's state at its end is read "
                                                                     "from its roster.csv (as --carry-in)."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Plan the month's roster at minimum cost and write the plan directory (checked by `plan verify`)."""
    command_started = time.perf_counter()  # --time-limit counts from here to the verified plan
    from plan.contracts.pins import carry_in_table, pins_table, read_pins
    from plan.optimize.roster import plan_month
    from plan.contracts.plan_files import PLAN_FILES, write_plan_files, write_summary
    from plan.optimize.staffing.plausibility import volume_warnings
    from plan.optimize.staffing.requirements import requirements_table
    from plan.optimize.verify import verify_plan

    out = out or Path("out") / f"roster-{month}"
    first, last = pd.Timestamp(f"{month}-01"), pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)
    with Outputs(overwrite) as outputs:
        plan_dir = outputs.directory(out, "--out", names=PLAN_FILES)
        workforce = read_workforce(config)
        _check_time_limit(time_limit, workforce, first, last)
        calendar = read_events(events)
        calendar.attrs["path"] = str(events)
        pinned = read_pins(pins) if pins is not None else None
        carried = _carried_in(workforce, first, last, carry_in, previous)
        given, hist = forecast_or_history(forecast, history, workforce, first, last)
        announce(preflight(workforce, hist, calendar, month, given, config=str(config)), "roster",
                 refuses=("forecast", "roster"))
        if hist is not None:  # an absurd history is refused before forecasting
            volume_warnings(hist, workforce, source=str(history))
        with console.status("forecast and requirements…"):
            fc = range_forecast(given, hist, workforce, calendar, first, last)
            # before the requirements and the solvers: an absurd volume is refused here, in one line
            for line in volume_warnings(fc, workforce, source=str(forecast or history)):
                err_console.print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)
            requirements = requirements_table(fc, workforce, calendar)
        plan = _solve(plan_month, workforce, requirements, month, calendar, time_limit, seed, service_mode,
                      pins=pinned, carry_in=carried, started=command_started)
        if carried is not None:
            plan.summary["month_edges"]["carried_in_from"] = str(carry_in or previous)
        staged = plan_dir.staging
        write_plan_files(plan, staged, inputs={
            "workforce": config, "forecast": fc, "events": events, "requirements": requirements,
            "pins": pins_table(pinned) if pinned is not None else None,
            "carry_in": carry_in_table(carried) if carried is not None else None})
        write_reports(staged)
        violations = verify_plan(staged)  # before the plan takes the place of anything
        if violations:
            summary = json.loads((staged / "summary.json").read_text(encoding="utf-8"))
            summary["violations"] = violations
            write_summary(summary, staged / "summary.json")
    elapsed_s = time.perf_counter() - command_started
    _render(plan.summary, workforce.site.currency, elapsed_s)
    _render_month_edges(plan.summary, carry_in or previous, out)
    if elapsed_s > OVERRUN_SAY_SO * time_limit:
        console.print(f"[yellow]note:[/] {elapsed_s:.0f} s against --time-limit {time_limit:g}: the solvers' work "
                      f"is set from the limit for an idle two-core machine, and this one ran slower (other work "
                      f"running?); the plan is the one the limit gives, only later", highlight=False)
    if violations:
        for line in violations[:20]:
            err_console.print(f"[red]violation:[/] {line}", highlight=False)
        err_console.print(f"[bold red]error:[/] {len(violations)} violation(s) in {out}; see summary.json")
        raise typer.Exit(1)
    console.print(f"[green]ok[/] plan written to {out} and verified")


def _carried_in(workforce, first: pd.Timestamp, last: pd.Timestamp, carry_in: Optional[Path],
                previous: Optional[Path]):
    """The state before the month from --carry-in or --previous, checked against the team and the
    month before any work; states of people not in the team are set aside with a warning."""
    from plan.contracts.pins import carry_in_from_plan, check_carry_in, known_carry_in, read_carry_in

    if carry_in is not None and previous is not None:
        raise InputError("command line", "give --carry-in or --previous, not both (both state who worked what "
                                         "before the month)", field="--previous")
    if carry_in is None and previous is None:
        return None
    days = [d.date() for d in pd.date_range(first, last, freq="D")]
    read = read_carry_in(carry_in) if carry_in is not None else carry_in_from_plan(previous, days)
    carried, warnings = known_carry_in(workforce, read)
    if previous is not None and len(warnings) > 1:  # people who left since: one line, not one each
        ids = [state.agent_id for state in read if state not in carried]
        warnings = [f"{previous / 'roster.csv'}: {len(ids)} in-house people of the previous plan are not in-house "
                    f"agents of this team ({', '.join(ids[:5])}{', …' if len(ids) > 5 else ''}); their state is "
                    f"ignored"]
    for line in warnings:
        err_console.print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)
    check_carry_in(workforce, days, carried)
    return carried


def _render_month_edges(summary: dict, source: Optional[Path], out: Path) -> None:
    """Say what the plan assumed before the month and what it leaves the next month."""
    edges = summary.get("month_edges") or {}
    nxt = edges.get("next_month")
    if source is None:
        console.print("[dim]no --previous/--carry-in: the days before the month are taken as rest days[/]",
                      highlight=False)
    else:
        console.print(f"carried in from {source}: {edges.get('carried_in', 0)} people", highlight=False)
    if not nxt:
        return
    text = (f"the next month ({nxt['first_day']}) inherits: runs of at most {nxt['longest_run_at_end']} day(s) at "
            f"the end (limit {nxt['max_consecutive_days']}: anyone may work {nxt['first_day'][5:]})")
    if nxt.get("shifts_ending_in_next_month"):
        text += f"; {nxt['shifts_ending_in_next_month']} shift(s) end on {nxt['first_day'][5:]}, the last at " \
                f"{nxt['latest_shift_end'][11:]}"
    week = nxt.get("open_week")
    if week and week.get("regular_hours_allowed") is not None:
        text += (f"; in the week it shares ({week['days'][0][5:]}..), standard contracts worked up to "
                 f"{week['regular_hours_most']:g} h regular of the {week['regular_hours_allowed']:g} h this month "
                 f"may use")
    console.print(f"{text}. Plan it with --previous {out}", highlight=False, soft_wrap=True)


def _check_time_limit(time_limit: float, workforce, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """Refuse, before any work, a limit that leaves the solvers too little for a useful plan."""
    from plan.optimize.roster.budgets import minimum_time_limit_s, overhead_s

    agents, days = len(workforce.in_house), (last - first).days + 1
    minimum = minimum_time_limit_s(agents, days)
    if time_limit < minimum:
        raise InputError("command line", f"{time_limit:g} s is too short for {agents} agents × {days} days; give at "
                                         f"least {minimum:.0f} (about {overhead_s(agents, days):.0f} s to read, "
                                         f"build and check, {minimum - overhead_s(agents, days):.0f} s to solve)",
                         field="--time-limit")


def write_reports(plan_dir: Path) -> None:
    """The plan's human-facing files next to its tables: the 排班表 workbook and the coverage chart."""
    from plan.reports.coverage_plot import plot_coverage
    from plan.reports.roster_workbook import write_roster_workbook

    write_roster_workbook(plan_dir)
    plot_coverage(plan_dir)


def _solve(plan_month, workforce, requirements: pd.DataFrame, month: str, calendar: pd.DataFrame, time_limit: float,
           seed: int, service_mode: str, *, pins=None, carry_in=None, started: float | None = None):
    """``plan_month`` under a progress bar; exit code 1 (nothing written) when it finds no plan in time."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("roster", total=time_limit, info="building")
        started = time.perf_counter()

        def report(stage: str, info: dict) -> None:
            text = stage
            if info.get("objective") == info.get("objective") and info.get("objective") is not None:
                text += f"  objective {info['objective']:,.0f}"
            if info.get("bound") is not None and info.get("bound") == info.get("bound"):
                text += f"  bound {info['bound']:,.0f}"
            if info.get("gap") is not None:
                text += f"  gap {info['gap']:.2%}"
            if "done" in info:
                text += f"  group {info['done']}/{info['total']}"
            bar.update(task, completed=min(time_limit, time.perf_counter() - started), info=text)

        try:
            plan = plan_month(workforce, requirements, month, events=calendar, time_limit_s=time_limit, seed=seed,
                              service_mode=service_mode, progress=report, pins=pins, carry_in=carry_in,
                              started=started)
        except RuntimeError as exc:  # the solver found nothing in time: say so, write nothing
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        bar.update(task, completed=time_limit, info="done")
    return plan


def _render(summary: dict, currency: str, seconds: float) -> None:
    cost = Table(title=f"Cost ({currency}): this plan's exact cost, as plan verify recomputes it", title_justify="left")
    for key in summary["cost"]:
        cost.add_column(key, justify="right")
    cost.add_row(*(f"{v:,.0f}" for v in summary["cost"].values()))
    console.print(cost)
    service = Table(title="Service over the month", title_justify="left")
    for column in ("queue", "contacts", "service level", "ASA / email response", "abandon"):
        service.add_column(column, justify="left" if column == "queue" else "right")
    for queue, s in summary["service"].items():
        wait = s["asa_s"]
        wait_text = f"{wait / 3600:,.1f} h" if wait >= 3600 else f"{wait:,.1f} s"
        service.add_row(queue, f"{s['contacts']:,.0f}", f"{s['service_level']:.1%}", wait_text,
                        f"{s['abandon_rate']:.1%}")
    console.print(service)
    console.print("[dim]plan staffing's service is what each interval staffed exactly at its requirement gives, and "
                  "plan scenarios' quick mode estimates cost at that staffing; this plan also uses the salaried "
                  "team's idle hours, so its service is higher and its shortfall penalty lower (docs/figures.md)[/]",
                  highlight=False)
    solver = summary["solver"]
    console.print(f"solver: {solver['status']}  objective {solver['objective']:,.0f}  bound {solver['best_bound']:,.0f}  "
                  f"gap {solver['gap']:.2%}  {seconds:.0f} s (objective: variable cost + service penalties)")
    if solver["gap"] > WIDE_GAP:
        console.print(f"[yellow]the plan may be far from the cheapest (gap {solver['gap']:.0%}): a team with little "
                      f"slack needs more solver time, try --time-limit {3 * solver['time_limit_s']:.0f}[/]")
    for pin in summary.get("pins", {}).get("unmet", []):
        console.print(f"[yellow]pin not kept:[/] {pin['agent_id']} {pin['date']} {pin['shift_code']}: {pin['reason']}",
                      highlight=False)
    unanswered = summary.get("breaks", {}).get("unanswered", [])
    if unanswered:
        first = unanswered[0]
        console.print(f"[yellow]{len(unanswered)} break span(s) leave a queue with everyone on break[/] (no colleague "
                      f"could cover; placed where contacts are fewest), first {first['queue']} {first['start']}-"
                      f"{first['end'][11:]}: all in summary.json breaks.unanswered", highlight=False)
    if summary["shortfalls"]:
        shown = summary["shortfalls"][:10]
        console.print(f"[bold]Shortfalls[/] ({len(summary['shortfalls'])}"
                      f"{'; first 10, all in summary.json' if len(summary['shortfalls']) > 10 else ''}):")
        for s in shown:
            console.print(f"  [yellow]{s['queue']}[/] {_interval_span(s['intervals'])}  short {s['agents_short']}"
                          f"  ({s.get('kind', '')})\n    [dim]{s['reason']}[/]", highlight=False)


def _interval_span(intervals: str) -> str:
    """``2026-11-05 03:00/2026-11-05 07:00`` → ``11-05 03:00..07:00`` (interval starts; the day is
    kept when it changes, a single interval is shown alone)."""
    first, _, last = intervals.partition("/")
    if not last or last == first:
        return first[5:]
    return f"{first[5:]}..{last[11:] if first[:10] == last[:10] else last[5:]}"
