"""`plan ingest`: a raw contact log (one row per contact) → hourly history + patience per queue."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from plan.cli.app import app, console
from plan.cli.options import check_encoding, check_input_file, check_timezone, input_file_option, interval_minutes_option, \
    overwrite_option
from plan.contracts.contact_log import ContactLogMapping, ingest_contact_log, read_mapping
from plan.contracts.paths import SAMPLE_CONTACT_LOG, SAMPLE_DIR
from plan.contracts.outputs import TABLE_SUFFIXES, Outputs
from plan.contracts.tables import write_table

SAMPLE_MAPPING = SAMPLE_DIR / "contact_log_mapping.yaml"
BANK_MAPPING = SAMPLE_DIR / "mappings" / "anonymous_bank_1999.yaml"

EPILOG = """\
Examples:

  plan ingest    (the sample: data/contact_log_2026-10.csv with data/contact_log_mapping.yaml)

  plan ingest export.csv --arrival 进线时间 --first-reply 首次响应时间 --end 结束时间 --abandoned 是否放弃 --abandoned-values 是 --queue 技能组

  plan ingest ../shared/data/anonymous-bank-1999/data_anonymous_bank_february.txt --mapping data/mappings/anonymous_bank_1999.yaml --out out/bank_history.csv

  (the same with flags: --date date --arrival vru_entry --wait q_time --handle ser_time --abandoned outcome --abandoned-values HANG --served-values AGENT --queue type --date-format %y%m%d --exclude-zero-wait-abandons)

Mapping YAML: columns: {arrival: 进线时间, first_reply: 首次响应时间, end: 结束时间, abandoned: 是否放弃, queue: 技能组, id: 会话ID}, abandoned_values: [是], queues: {售前咨询: chat_presales}. Flags override the mapping.
"""


def _values(options: Optional[list[str]]) -> Optional[list[str]]:
    if not options:
        return None
    return [value.strip() for option in options for value in option.split(",") if value.strip()]


def _fmt(value: float, spec: str = ",.0f") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


@app.command(epilog=EPILOG)
def ingest(
    log: Optional[Path] = typer.Argument(None, callback=check_input_file,
                                         help="Raw contact log (CSV/TSV/Excel/Parquet), one row per contact. "
                                              "Default: the sample log with the sample mapping."),
    mapping: Optional[Path] = input_file_option(None, "Mapping YAML (columns, abandoned_values, queues, ...)."),
    arrival: Optional[str] = typer.Option(None, help="Column of the arrival time."),
    first_reply: Optional[str] = typer.Option(None, help="Column of the first reply / answer time."),
    wait: Optional[str] = typer.Option(None, help="Column of the wait before reply or abandonment (s or H:MM:SS)."),
    end: Optional[str] = typer.Option(None, help="Column of the end time."),
    handle: Optional[str] = typer.Option(None, help="Column of the handle/service time (s or H:MM:SS)."),
    abandoned: Optional[str] = typer.Option(None, help="Column of the abandoned flag or outcome."),
    abandoned_values: Optional[list[str]] = typer.Option(None, help="Values meaning abandoned (repeat or comma-separate)."),
    served_values: Optional[list[str]] = typer.Option(None, help="Outcome values meaning served (default: not abandoned)."),
    queue: Optional[str] = typer.Option(None, help="Column of the queue / skill group."),
    queue_name: Optional[str] = typer.Option(None, help="One queue name for a log without a queue column."),
    date: Optional[str] = typer.Option(None, help="Column of the date when times are times of day."),
    date_format: Optional[str] = typer.Option(None, help="strftime format of --date, e.g. %y%m%d."),
    time_format: Optional[str] = typer.Option(None, help="strftime format of the time columns."),
    interval_minutes: Optional[int] = interval_minutes_option(None, "Interval length: 60 (default), 30 or 15."),
    timezone: Optional[str] = typer.Option(None, help="Site time zone; times with an offset or Unix times are "
                                                      "converted to it (default Asia/Shanghai).",
                                           callback=check_timezone),
    encoding: Optional[str] = typer.Option(None, help="Text encoding of the log (default: UTF-8, else GB18030).",
                                           callback=check_encoding),
    separator: Optional[str] = typer.Option(None, help="Field separator of a text log (default: sniffed)."),
    exclude_zero_wait_abandons: Optional[bool] = typer.Option(
        None, "--exclude-zero-wait-abandons", help="Abandoned at zero wait = hung up before the queue (IVR): "
                                                   "counted as abandoned, not used for patience."),
    out: Path = typer.Option(Path("out/ingested_history.csv"), help="History to write (CSV or Parquet)."),
    patience_out: Optional[Path] = typer.Option(None, help="Patience per queue to write "
                                                           "(default: patience.csv next to --out)."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Turn a raw contact log into hourly history (arrivals, AHT, abandoned) and estimate patience."""
    patience_out = patience_out or out.with_name("patience.csv")
    with Outputs(overwrite) as outputs:
        history_file = outputs.file(out, "--out", TABLE_SUFFIXES)
        patience_file = outputs.file(patience_out, "--patience-out", (".csv",))
        if log is None:
            log = SAMPLE_CONTACT_LOG
            if mapping is None:
                mapping = SAMPLE_MAPPING
        base = read_mapping(mapping) if mapping is not None else ContactLogMapping()
        column_flag = "outcome" if (abandoned and base.columns.outcome) else "abandoned"
        chosen = base.with_overrides(
            columns={"arrival": arrival, "first_reply": first_reply, "wait": wait, "end": end, "handle": handle,
                     column_flag: abandoned, "queue": queue, "date": date},
            abandoned_values=_values(abandoned_values), served_values=_values(served_values), queue_name=queue_name,
            date_format=date_format, time_format=time_format, interval_minutes=interval_minutes,
            exclude_zero_wait_abandons=exclude_zero_wait_abandons, timezone=timezone, encoding=encoding,
            separator=separator.replace("\\t", "\t") if separator else None)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task(f"ingesting {log.name}", total=None)
            result = ingest_contact_log(log, chosen, progress=lambda stage: bar.update(task, description=stage))
            bar.update(task, description="writing")
            write_table(result.history, history_file.staging)
            write_table(result.patience, patience_file.staging)

    history = result.history
    table = Table(title=f"{log.name}: {result.rows:,} contacts, {history['interval_start'].iloc[0]} .. "
                        f"{history['interval_start'].iloc[-1]}", title_justify="left")
    for column in ("queue", "contacts", "served", "aband.", "AHT s", "ASA s", "patience s", "95% CI"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    patience = result.patience.set_index("queue")
    for name, figures in result.queues.items():
        row = patience.loc[name]
        ci = (f"{row['ci95_low_s']:,.0f}-{row['ci95_high_s']:,.0f}" if not math.isnan(row["ci95_low_s"]) else "-")
        table.add_row(name, _fmt(figures["contacts"]), _fmt(figures["served"]), _fmt(figures["abandoned"]),
                      _fmt(figures["aht_s"]), _fmt(figures["asa_s"]), _fmt(row["patience_s"]), ci)
    console.print(table)
    for name, row in patience.iterrows():
        if row["method"] != "exponential_mle_censored":
            console.print(f"[yellow]note:[/] {name}: no patience estimate ({row['method'].replace('_', ' ')})")
    if result.outcomes:
        meanings = ", ".join(f"{value or '(blank)'} → {meaning} ({rows:,})"
                             for value, (rows, meaning) in sorted(result.outcomes.items(), key=lambda kv: -kv[1][0]))
        console.print(f"outcomes: {meanings}", highlight=False)
        if not any(meaning == "abandoned" for _rows, meaning in result.outcomes.values()):
            console.print("[yellow]note:[/] no value counted as abandoned; check --abandoned-values")
    if result.duplicate_ids:
        console.print(f"[yellow]note:[/] {result.duplicate_ids:,} duplicate contact id(s); each row counted")
    console.print(f"history ({len(history):,} rows, {chosen.interval_minutes}-min intervals) → {out}")
    console.print(f"patience (exponential MLE, served waits censored; Brown et al. 2005) → {patience_out}")
