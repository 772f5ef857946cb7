"""`plan check`: validate history, events and workforce config and summarise them."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from plan.cli.app import app, console
from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce


@app.command(epilog="Example: plan check --history my_history.csv --events events.csv --config workforce.yaml")
def check(
    history: Path = typer.Option(SAMPLE_HISTORY, help="Hourly history (CSV/Parquet): queue, interval_start, arrivals."),
    events: Path = typer.Option(SAMPLE_EVENTS, help="Events calendar: name, kind, start, end[, intensity]."),
    config: Path = typer.Option(SAMPLE_WORKFORCE, help="Workforce config (YAML)."),
    fill_missing: bool = typer.Option(False, help="Treat missing hours as zero arrivals instead of an error."),
) -> None:
    """Validate inputs and print a short summary (queues, span, totals, events, team)."""
    workforce = read_workforce(config)
    hist = read_history(history, known_queues=workforce.queues, interval_minutes=workforce.site.interval_minutes,
                        fill_missing=fill_missing, timezone=workforce.site.timezone)
    cal = read_events(events)

    table = Table(title=f"History {history.name} ({hist.attrs['read_as']})", title_justify="left")
    for column in ("queue", "from", "to", "intervals", "contacts", "per day", "AHT s", "abandoned"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for queue, group in hist.groupby("queue"):
        days = max(1.0, len(group) * workforce.site.interval_minutes / 1440)
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
    console.print("[green]ok[/] inputs are valid")
