"""`plan check`: validate history, events and workforce config and summarise them."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.table import Table

from plan.cli.app import app, console, err_console
from plan.cli.options import input_file_option, month_option
from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce
from plan.preflight import gaps_in_history, preflight, refusals_of, warnings_of


@app.command(epilog="Example: plan check --history my_history.csv --events events.csv --config workforce.yaml")
def check(
    history: Path = input_file_option(SAMPLE_HISTORY, "Hourly history (CSV/Parquet): queue, interval_start, arrivals."),
    events: Path = input_file_option(SAMPLE_EVENTS, "Events calendar: name, kind, start, end[, intensity]."),
    config: Path = input_file_option(SAMPLE_WORKFORCE, "Workforce config (YAML)."),
    fill_missing: bool = typer.Option(False, help="Treat missing intervals as zero arrivals (by default they are "
                                                  "unknown: reported, and left out by plan forecast)."),
    month: Optional[str] = month_option(None, "Month you will plan, YYYY-MM (default: the month after the "
                                              "history): leave, horizon and events are checked against it."),
) -> None:
    """Validate inputs, print a short summary (queues, span, totals, events, team), warn about what is
    legal but almost surely wrong, and say what plan forecast / roster would refuse (exit 2)."""
    workforce = read_workforce(config)
    hist = read_history(history, known_queues=workforce.queues, interval_minutes=None,
                        missing="zero" if fill_missing else "unknown", timezone=workforce.site.timezone)
    hist.attrs["path"] = str(history)
    cal = read_events(events)
    cal.attrs["path"] = str(events)
    month = month or f"{hist['interval_start'].max() + pd.offsets.MonthBegin(1):%Y-%m}"

    table = Table(title=f"History {history.name} ({hist.attrs['read_as']})", title_justify="left")
    for column in ("queue", "from", "to", "intervals", "contacts", "per day", "AHT s", "abandoned"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for queue, group in hist.groupby("queue"):
        days = max(1.0, len(group) * hist.attrs["interval_minutes"] / 1440)
        aht = "-"
        if "aht_s" in group and group["aht_s"].notna().any():
            # weight by contacts, over the intervals whose AHT is known (blank = nobody answered)
            known = group["aht_s"].notna()
            weight = group.loc[known, "arrivals"]
            aht = f"{(group.loc[known, 'aht_s'] * weight).sum() / max(weight.sum(), 1):.0f}"
        abandoned = f"{group['abandoned'].sum():,.0f}" if "abandoned" in group else "-"
        table.add_row(queue, f"{group['interval_start'].min():%Y-%m-%d %H:%M}",
                      f"{group['interval_start'].max():%Y-%m-%d %H:%M}", f"{len(group):,}",
                      f"{group['arrivals'].sum():,.0f}", f"{group['arrivals'].sum() / days:,.0f}", aht, abandoned)
    console.print(table)
    for name, count in hist.attrs.get("filled_intervals", []):
        console.print(f"[yellow]repaired:[/] {name}: {count} missing interval(s) filled with 0")

    last = hist["interval_start"].max()
    past = cal[cal["end"] <= last]
    console.print(f"Events {events.name}: {len(cal)} ({len(past)} past, {len(cal) - len(past)} future); kinds: "
                  + ", ".join(f"{k} x{n}" for k, n in cal["kind"].value_counts().sort_index().items()))

    team = Table(title=f"Team {config.name} ({workforce.site.name})", title_justify="left")
    for column in ("source", "count", "detail"):
        team.add_column(column)
    contracts = {}
    for agent in workforce.in_house:
        system = workforce.contracts[agent.contract].system
        contracts[system] = contracts.get(system, 0) + 1
    team.add_row("in-house", str(len(workforce.in_house)), ", ".join(f"{k}: {v}" for k, v in sorted(contracts.items())))
    team.add_row("part-time", str(len(workforce.part_time)), "")
    for vendor in workforce.vendors:
        team.add_row("vendor", vendor.name, f"cap {vendor.max_seats} seats, {vendor.price_per_seat_hour:g} "
                                            f"{workforce.site.currency}/seat-h, skills {', '.join(vendor.skills)}")
    if workforce.bot is not None:
        team.add_row("bot", "1", ", ".join(f"{q} {s:.0%}" for q, s in workforce.bot.containment.items()))
    team.add_row("shifts", str(len(workforce.shifts)), " ".join(f"{s.code}={s.name} {s.start}-{s.end}"
                                                               for s in workforce.shifts))
    console.print(team)
    _report(gaps_in_history(hist, str(history)) + preflight(workforce, hist, cal, month, config=str(config)), month)


def _report(findings: list, month: str) -> None:
    """Every warning (check is where the whole list is read), then the refusals: exit 2 if any."""
    warnings, refusals = warnings_of(findings), refusals_of(findings)
    if warnings:
        console.print(f"[yellow]{len(warnings)} warning(s)[/] (legal, but almost surely not what you meant):")
        for finding in warnings:
            console.print(f"  [yellow]•[/] {finding.line()}", highlight=False, soft_wrap=True)
    for finding in refusals:
        err_console.print(f"[bold red]error:[/] plan {finding.refused_by} will refuse: {finding.line()}",
                          highlight=False, soft_wrap=True)
    if refusals:
        raise typer.Exit(2)
    console.print(f"[green]ok[/] inputs are valid for {month}" + (f" ({len(warnings)} warning(s))" if warnings else ""))
