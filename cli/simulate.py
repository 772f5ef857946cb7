"""`plan simulate`: discrete-event simulation of a requirements table or a plan's coverage."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.options import check_existing_path, input_file_option, overwrite_option, seed_option
from plan.contracts.outputs import TABLE_SUFFIXES, Outputs
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.paths import SAMPLE_WORKFORCE
from plan.contracts.tables import parse_numbers, parse_timestamps, read_table, require_columns, write_table
from plan.contracts.workforce import read_workforce
from plan.optimize.queueing.simulate import simulate_table, summarise

EPILOG = """\
Examples:

  plan simulate    (out/requirements.csv: the agents required, after shrinkage, on the floor)

  plan simulate out/roster-2026-11    (a plan directory: its coverage.csv staffed_effective agents, inputs/ config)

  plan simulate out/requirements.csv --seed 7 --handle-cv 1.4 --out out/simulation.csv
"""


def _read_simulation_input(path: Path, workforce) -> pd.DataFrame:
    """Requirements table (agents_required x (1 - shrinkage)) or coverage.csv (staffed_effective)."""
    raw = read_table(path)
    coverage = "staffed_effective" in raw.columns
    require_columns(raw, path, ["queue", "interval_start", "arrivals_human",
                                "staffed_effective" if coverage else "agents_required"])
    frame = pd.DataFrame({"queue": raw["queue"].astype(str).str.strip(),
                          "interval_start": parse_timestamps(raw, "interval_start", path),
                          "arrivals_human": parse_numbers(raw, "arrivals_human", path)})
    unknown = ~frame["queue"].isin(list(workforce.queues))
    if unknown.any():
        i = int(np.argmax(unknown.to_numpy()))
        raise InputError(path, f"unknown queue {frame['queue'].iloc[i]!r}", row=i + 2, field="queue")
    if coverage:
        frame["agents_on_floor"] = parse_numbers(raw, "staffed_effective", path)
    else:
        shrinkage = frame["queue"].map({q: spec.shrinkage for q, spec in workforce.queues.items()})
        frame["agents_on_floor"] = parse_numbers(raw, "agents_required", path) * (1.0 - shrinkage.to_numpy())
    if "aht_s" in raw.columns:
        frame["aht_s"] = parse_numbers(raw, "aht_s", path, minimum=1e-9)
    for column in ("service_level", "asa_s", "abandon_rate"):  # the model's figures, shown for comparison
        if column in raw.columns:
            frame[column] = pd.to_numeric(raw[column], errors="coerce").to_numpy(float)
    if "event_day" in raw.columns:
        frame["event_day"] = raw["event_day"].astype(str).str.strip().str.lower().isin(["true", "1"])
    return frame


@app.command(epilog=EPILOG)
def simulate(
    source: Path = typer.Argument(Path("out/requirements.csv"), callback=check_existing_path,
                                  help="Requirements table, a coverage.csv, or a plan directory."),
    config: Optional[Path] = input_file_option(None, "Workforce config (default: the plan's inputs/workforce.yaml, "
                                                     "else data/workforce.yaml)."),
    events: Optional[Path] = input_file_option(None, "Events calendar for event-day thresholds when the table has no "
                                                     "event_day column (default: the plan's inputs/)."),
    seed: int = seed_option("Random seed (same seed, same result)."),
    handle_cv: Optional[float] = typer.Option(None, min=0.05, help="Lognormal handle times with this coefficient "
                                                                   "of variation instead of exponential."),
    out: Path = typer.Option(Path("out/simulation.csv"), help="Per-interval simulated service (CSV or Parquet)."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Simulate arrivals, patience, concurrency and agents interval by interval; compare with the formulas."""
    with Outputs(overwrite) as outputs:
        table_out = outputs.file(out, "--out", TABLE_SUFFIXES)
        table_path = source
        inputs = None
        if source.is_dir():
            table_path, inputs = source / "coverage.csv", source / "inputs"
        if config is None:
            config = inputs / "workforce.yaml" if inputs is not None and (inputs / "workforce.yaml").exists() \
                else SAMPLE_WORKFORCE
        if events is None and inputs is not None and (inputs / "events.csv").exists():
            events = inputs / "events.csv"
        workforce = read_workforce(config)
        calendar = read_events(events) if events is not None else None
        frame = _read_simulation_input(table_path, workforce)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task("simulating", total=None)
            simulated = simulate_table(frame, workforce, seed=seed, handle_cv=handle_cv, events=calendar,
                                       progress=lambda text: bar.update(task, description=text))
            write_table(simulated, table_out.staging)

    summary = summarise(simulated)
    table = Table(title=f"Simulated vs model ({table_path}, seed {seed}"
                        + (f", lognormal handle CV {handle_cv:g}" if handle_cv else ", exponential handle") + ")",
                  title_justify="left")
    for column in ("queue", "contacts", "SL sim", "SL model", "ASA s sim", "ASA s model", "aband. sim",
                   "aband. model"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for row in summary.to_dict("records"):
        model = lambda key, fmt: format(row[key], fmt) if key in row and pd.notna(row[key]) else "-"  # noqa: E731
        table.add_row(row["queue"], f"{row['contacts']:,}", f"{row['service_level']:.1%}",
                      model("service_level_model", ".1%"), f"{row['asa_s']:,.1f}", model("asa_s_model", ",.1f"),
                      f"{row['abandon_rate']:.2%}", model("abandon_rate_model", ".2%"))
    console.print(table)
    console.print("email: SL is the share resolved within the deadline; model = FIFO backlog", style="dim")
    censored = {row["queue"]: row["censored"] for row in summary.to_dict("records") if row["censored"]}
    if censored:
        console.print("still waiting at the end with the deadline after it (censored, not in SL): "
                      + ", ".join(f"{queue} {count:,}" for queue, count in censored.items()), style="dim")
    console.print(f"simulation ({len(simulated):,} rows) → {out}")
