"""The plan directory format (docs/plan-files.md): its files, their columns, writing and reading them.

The roster writes these files and ``plan verify`` and the reports read them through this module,
so the format has one definition. Reading is done exactly as a user would see the files.

Only the *shape* of each file is validated here (columns present, numbers numeric, times
parseable): a malformed file is an :class:`InputError`. Whether the content obeys the labour
rules is the checker's business, so odd-but-readable content (a blank start on a working row)
is kept and reported as a violation later.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.outputs import Outputs, write_csv
from plan.contracts.tables import FIRST_DATA_LINE, parse_numbers, read_table, require_columns
from plan.contracts.workforce import Workforce, read_workforce

ROSTER_COLUMNS = ["type", "id", "name", "date", "shift_code", "shift_name", "start", "end", "breaks",
                  "paid_hours", "queue", "overtime_hours", "overtime_kind", "queue_moves"]
# read as empty when absent: rosters written before a shift could change queue within the day
OPTIONAL_ROSTER_COLUMNS = ("queue_moves",)
VENDOR_SEAT_COLUMNS = ["vendor", "queue", "interval_start", "seats"]
COVERAGE_COLUMNS = ["queue", "interval_start", "arrivals", "bot_handled", "arrivals_human", "required",
                    "staffed_in_house", "staffed_part_time", "staffed_vendor", "staffed_effective", "asa_s",
                    "service_level", "abandon_rate", "shortfall_contacts"]
COST_KEYS = ["total", "in_house", "overtime", "part_time", "vendor", "bot", "shortfall_penalty"]
REST_CODE, LEAVE_CODE = "REST", "LEAVE"
NOT_WORKING = (REST_CODE, LEAVE_CODE)
PART_TIME_CODE = "PT"


@dataclass(frozen=True)
class PlanFiles:
    """Everything `plan verify` and the reports need, parsed once."""
    directory: Path
    month: pd.Period
    workforce: Workforce
    events: pd.DataFrame
    requirements: pd.DataFrame | None  # inputs/requirements.csv when the plan carries it
    roster: pd.DataFrame               # + `line`, parsed `date`/`start`/`end`, `break_spans`
    vendor_seats: pd.DataFrame         # + `line`
    coverage: pd.DataFrame             # + `line`
    summary: dict

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.month.start_time, self.month.end_time.normalize(), freq="D")

    @property
    def interval(self) -> pd.Timedelta:
        return pd.Timedelta(minutes=self.workforce.site.interval_minutes)

    @property
    def intervals(self) -> pd.DatetimeIndex:
        return pd.date_range(self.month.start_time, self.month.end_time, freq=self.interval)


def _timestamp_column(df: pd.DataFrame, column: str, path: Path, *, fmt: str, blank_ok: bool) -> pd.Series:
    text = df[column].astype(str).str.strip()
    blank = text == ""
    parsed = pd.to_datetime(text.where(~blank, None), format=fmt, errors="coerce")
    bad = (parsed.isna() & ~blank).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        shown = "YYYY-MM-DD" if fmt == "%Y-%m-%d" else "YYYY-MM-DD HH:MM"
        raise InputError(path, f"not a date/time in {shown} form: {text.iloc[i]!r}", row=i + FIRST_DATA_LINE,
                         field=column)
    if not blank_ok and blank.any():
        i = int(np.argmax(blank.to_numpy()))
        raise InputError(path, "empty date/time", row=i + FIRST_DATA_LINE, field=column)
    return parsed


def _hhmm_minutes(text: str) -> int | None:
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 24 or minutes >= 60:
        return None
    return hours * 60 + minutes


def parse_breaks(text: str, shift_start: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]] | None:
    """``"12:00-12:30;17:00-17:30"`` → absolute spans. A break belongs to the shift it is in, so
    a clock time earlier than the shift start means the next day (a night shift's 02:00 break).
    Returns None when the text is not of that form."""
    text = text.strip()
    if not text:
        return []
    spans = []
    for piece in text.split(";"):
        ends = piece.split("-")
        if len(ends) != 2:
            return None
        first, last = _hhmm_minutes(ends[0]), _hhmm_minutes(ends[1])
        if first is None or last is None:
            return None
        day = shift_start.normalize()
        begin = day + pd.Timedelta(minutes=first)
        if begin < shift_start:
            begin += pd.Timedelta(days=1)
        length = (last - first) % 1440
        spans.append((begin, begin + pd.Timedelta(minutes=length)))
    return spans


def parse_queue_moves(text: str, shift_start: pd.Timestamp) -> list[tuple[pd.Timestamp, str]] | None:
    """``"02:00 chat_aftersales"`` → [(moment, queue)]: from that moment on the shift answers that
    queue. Like a break, a clock time earlier than the shift start means the next day. Returns None
    when the text is not ``HH:MM queue`` pieces joined by ``;``."""
    text = text.strip()
    if not text:
        return []
    moves = []
    for piece in text.split(";"):
        clock, _, queue = piece.strip().partition(" ")
        minutes = _hhmm_minutes(clock)
        if minutes is None or not queue.strip():
            return None
        moment = shift_start.normalize() + pd.Timedelta(minutes=minutes)
        if moment < shift_start:
            moment += pd.Timedelta(days=1)
        moves.append((moment, queue.strip()))
    return moves


def format_queue_moves(moves: list[tuple[pd.Timestamp, str]]) -> str:
    return ";".join(f"{moment:%H:%M} {queue}" for moment, queue in moves)


def queue_pieces(rows: pd.DataFrame) -> pd.DataFrame:
    """Working rows cut where their queue changes (``moves``): one row per stretch on one queue, its
    ``start``/``end``/``queue`` those of the stretch, every other column the row's (breaks stay whole:
    counting clips them to the stretch). Rows without a move come back unchanged; per-queue counts
    read these, per-person rules read the rows."""
    moved = rows["moves"].map(bool).to_numpy() if "moves" in rows.columns else np.zeros(len(rows), bool)
    if not moved.any():
        return rows
    pieces = []
    for row in rows[moved].to_dict("records"):
        bounds = [row["start"], *(moment for moment, _ in row["moves"]), row["end"]]
        queues = [row["queue"], *(queue for _, queue in row["moves"])]
        for begin, end, queue in zip(bounds, bounds[1:], queues):
            if begin < end:
                pieces.append({**row, "start": begin, "end": end, "queue": queue})
    return pd.concat([rows[~moved], pd.DataFrame(pieces, columns=rows.columns)], ignore_index=True)


def queue_text(queue: str, queue_moves: str) -> str:
    """A day's queues for people to read: ``chat_presales, 02:00 phone``."""
    return ", ".join(part for part in (queue, queue_moves.replace(";", ", ")) if part)


def roster_as_written(roster: pd.DataFrame) -> pd.DataFrame:
    """A parsed roster (:func:`read_roster`) back in roster.csv's text form."""
    out = roster.drop(columns=["line", "break_spans", "moves"], errors="ignore").copy()
    if pd.api.types.is_datetime64_any_dtype(out["date"]):
        out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    for column in ("start", "end"):
        out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M").fillna("")
    return out


def queue_at_end(row) -> str:
    """The queue a shift answers at its end (where an extension of it lands)."""
    moves = getattr(row, "moves", None) or []
    return moves[-1][1] if moves else row.queue


def read_roster(path: Path) -> pd.DataFrame:
    raw = read_table(path)
    for column in OPTIONAL_ROSTER_COLUMNS:
        if column not in raw.columns:
            raw[column] = ""
    require_columns(raw, path, ROSTER_COLUMNS)
    out = raw[ROSTER_COLUMNS].copy()
    for column in ("type", "id", "name", "shift_code", "shift_name", "breaks", "queue", "overtime_kind",
                   "queue_moves"):
        out[column] = out[column].astype(str).str.strip()
    out["line"] = np.arange(len(out)) + FIRST_DATA_LINE
    out["date"] = _timestamp_column(raw, "date", path, fmt="%Y-%m-%d", blank_ok=False)
    out["start"] = _timestamp_column(raw, "start", path, fmt="%Y-%m-%d %H:%M", blank_ok=True)
    out["end"] = _timestamp_column(raw, "end", path, fmt="%Y-%m-%d %H:%M", blank_ok=True)
    out["paid_hours"] = parse_numbers(raw, "paid_hours", path)
    overtime = parse_numbers(raw, "overtime_hours", path, allow_blank=True)
    out["overtime_hours"] = np.nan_to_num(overtime, nan=0.0)
    spans = []
    for i, (text, start) in enumerate(zip(out["breaks"], out["start"])):
        if text and pd.isna(start):
            spans.append(None)  # breaks without a shift: reported by the checker
            continue
        parsed = parse_breaks(text, start) if text else []
        if parsed is None:
            raise InputError(path, f"breaks {text!r} are not HH:MM-HH:MM pieces joined by ';'",
                             row=i + FIRST_DATA_LINE, field="breaks")
        spans.append(parsed)
    out["break_spans"] = spans
    out["moves"] = _parsed_moves(out, path)
    return out


def _parsed_moves(out: pd.DataFrame, path: Path) -> list:
    moves = []
    for i, (text, start) in enumerate(zip(out["queue_moves"], out["start"])):
        if not text or pd.isna(start):
            moves.append([] if not text else None)  # moves without a shift: reported by the checker
            continue
        parsed = parse_queue_moves(text, start)
        if parsed is None:
            raise InputError(path, f"queue_moves {text!r} are not 'HH:MM queue' pieces joined by ';'",
                             row=i + FIRST_DATA_LINE, field="queue_moves")
        moves.append(parsed)
    return moves


def read_vendor_seats(path: Path) -> pd.DataFrame:
    raw = read_table(path)
    require_columns(raw, path, VENDOR_SEAT_COLUMNS)
    out = pd.DataFrame({"vendor": raw["vendor"].astype(str).str.strip(),
                        "queue": raw["queue"].astype(str).str.strip()})
    out["interval_start"] = _timestamp_column(raw, "interval_start", path, fmt="%Y-%m-%d %H:%M", blank_ok=False)
    out["seats"] = parse_numbers(raw, "seats", path)
    out["line"] = np.arange(len(out)) + FIRST_DATA_LINE
    return out


def _numbers_allowing_infinity(raw: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """A wait that never ends (an email backlog not worked off in the horizon) is written inf."""
    text = raw[column].astype(str).str.strip()
    blank = text == ""
    values = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float)
    bad = (np.isnan(values) & ~blank.to_numpy()) & ~text.str.lower().isin(["nan"]).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(path, f"not a number: {text.iloc[i]!r}", row=i + FIRST_DATA_LINE, field=column)
    return values


def read_coverage(path: Path) -> pd.DataFrame:
    raw = read_table(path)
    require_columns(raw, path, COVERAGE_COLUMNS)
    out = pd.DataFrame({"queue": raw["queue"].astype(str).str.strip()})
    out["interval_start"] = _timestamp_column(raw, "interval_start", path, fmt="%Y-%m-%d %H:%M", blank_ok=False)
    for column in COVERAGE_COLUMNS[2:]:
        if column == "asa_s":
            out[column] = _numbers_allowing_infinity(raw, column, path)
        else:
            out[column] = parse_numbers(raw, column, path, minimum=None, allow_blank=True)
    out["line"] = np.arange(len(out)) + FIRST_DATA_LINE
    return out


def read_summary(path: Path) -> dict:
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON: {exc.msg}", row=exc.lineno) from None
    if not isinstance(summary, dict):
        raise InputError(path, "expected a JSON object at the top level")
    for key in ("month", "cost", "service"):
        if key not in summary:
            raise InputError(path, "missing key", field=key)
    cost = summary["cost"]
    if not isinstance(cost, dict):
        raise InputError(path, "expected an object", field="cost")
    for key in COST_KEYS:
        if not isinstance(cost.get(key), (int, float)):
            raise InputError(path, "missing or not a number", field=f"cost.{key}")
    if not isinstance(summary["service"], dict):
        raise InputError(path, "expected an object", field="service")
    return summary


def read_requirements(path: Path) -> pd.DataFrame:
    raw = read_table(path)
    require_columns(raw, path, ["queue", "interval_start", "arrivals_human", "aht_s"])
    out = pd.DataFrame({"queue": raw["queue"].astype(str).str.strip()})
    out["interval_start"] = _timestamp_column(raw, "interval_start", path, fmt="%Y-%m-%d %H:%M", blank_ok=False)
    for column in ("arrivals", "bot_handled", "arrivals_human", "aht_s", "agents_required"):
        if column in raw.columns:
            out[column] = parse_numbers(raw, column, path, allow_blank=True)
    return out


RequirementsFromForecast = Callable[[pd.DataFrame, Workforce, pd.DataFrame], pd.DataFrame]


def requirements_from_forecast(path: Path, workforce: Workforce, events: pd.DataFrame,
                               requirements_table: RequirementsFromForecast) -> pd.DataFrame:
    """The plan carries only its forecast: derive the requirements with the staffing stage the
    caller passes (the product's one definition of arrivals for humans and blended handle time)."""
    raw = read_table(path)
    require_columns(raw, path, ["queue", "interval_start", "arrivals"])
    forecast = pd.DataFrame({"queue": raw["queue"].astype(str).str.strip()})
    forecast["interval_start"] = _timestamp_column(raw, "interval_start", path, fmt="%Y-%m-%d %H:%M", blank_ok=False)
    for column in ("arrivals", "p10", "p50", "p90"):
        if column in raw.columns:
            forecast[column] = parse_numbers(raw, column, path)
    try:
        table = requirements_table(forecast, workforce, events)
    except InputError as exc:
        raise InputError(path, exc.problem, row=exc.row, field=exc.field) from None
    return table[["queue", "interval_start", "arrivals", "bot_handled", "arrivals_human", "aht_s",
                  "agents_required"]]


def _find_input(directory: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".parquet", ".pq"):
        candidate = directory / "inputs" / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


def read_plan(plan_dir: str | Path, requirements_table: RequirementsFromForecast | None = None) -> PlanFiles:
    """Read and shape-check every file of a plan directory, including its ``inputs/`` copies.

    A plan that carries only its forecast gets its requirements from ``requirements_table``
    (forecast, workforce, events → requirements), the staffing stage; without it they stay None.
    """
    directory = Path(plan_dir)
    if not directory.is_dir():
        raise InputError(directory, "plan directory not found")
    workforce_path = next((directory / "inputs" / name for name in ("workforce.yaml", "workforce.yml")
                           if (directory / "inputs" / name).exists()), None)
    if workforce_path is None:
        raise InputError(directory, "not a plan directory: it has no inputs/workforce.yaml (plan roster --out writes one)")
    workforce = read_workforce(workforce_path)
    events_path = _find_input(directory, "events")
    # a plan made without an events calendar has no event days (and no events copy)
    events = read_events(events_path) if events_path is not None else pd.DataFrame(
        {"name": [], "kind": [], "start": pd.DatetimeIndex([]), "end": pd.DatetimeIndex([]), "intensity": []})
    requirements_path = _find_input(directory, "requirements")
    requirements = read_requirements(requirements_path) if requirements_path else None
    forecast_path = _find_input(directory, "forecast")
    if requirements is None and forecast_path is not None and requirements_table is not None:
        requirements = requirements_from_forecast(forecast_path, workforce, events, requirements_table)
    summary = read_summary(directory / "summary.json")
    try:
        month = pd.Period(str(summary["month"]), freq="M")
    except (ValueError, TypeError):
        raise InputError(directory / "summary.json", f"not a month YYYY-MM: {summary['month']!r}",
                         field="month") from None
    seats_path = directory / "vendor_seats.csv"
    return PlanFiles(directory=directory, month=month, workforce=workforce, events=events,
                     requirements=requirements, roster=read_roster(directory / "roster.csv"),
                     vendor_seats=read_vendor_seats(seats_path),
                     coverage=read_coverage(directory / "coverage.csv"), summary=summary)


# ---- writing -------------------------------------------------------------------------------------
class PlanTables(Protocol):
    """What a plan directory is written from (the roster's ``RosterPlan``)."""
    roster: pd.DataFrame
    vendor_seats: pd.DataFrame
    coverage: pd.DataFrame
    summary: dict


INPUT_NAMES = {"workforce": "workforce.yaml", "forecast": "forecast.csv", "events": "events.csv",
               "requirements": "requirements.csv"}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_summary(summary: dict, path: Path) -> None:
    path.write_text(json.dumps(_jsonable(summary), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


PLAN_FILES = ("roster.csv", "vendor_seats.csv", "coverage.csv", "summary.json", "roster.xlsx", "coverage.png",
              "inputs")


def write_plan(plan: "PlanTables", out_dir: str | Path, inputs: dict[str, str | Path | pd.DataFrame] | None = None,
               *, overwrite: bool = False) -> Path:
    """Write the plan directory ``out_dir`` as a whole or not at all (see :func:`write_plan_files`);
    a folder holding anything plan did not write is refused (:mod:`plan.contracts.outputs`)."""
    with Outputs(overwrite) as outputs:
        write_plan_files(plan, outputs.directory(out_dir, names=PLAN_FILES).staging, inputs)
    return Path(out_dir)


def write_plan_files(plan: "PlanTables", folder: Path, inputs: dict[str, str | Path | pd.DataFrame] | None = None
                     ) -> None:
    """Write roster.csv, vendor_seats.csv, coverage.csv, summary.json and inputs/ (copies of the files
    the plan was made from, so `plan verify DIR` needs nothing else) into the empty ``folder``.
    ``inputs`` maps workforce / forecast / events / requirements / pins / carry_in to a path or a
    DataFrame. The human-facing roster.xlsx and coverage.png are the reports' (the CLI adds them)."""
    write_csv(plan.roster, folder / "roster.csv")
    write_csv(plan.vendor_seats, folder / "vendor_seats.csv")
    write_csv(plan.coverage, folder / "coverage.csv")
    (folder / "inputs").mkdir()
    written = {}
    for key, source in (inputs or {}).items():
        if source is None:
            continue
        target = folder / "inputs" / INPUT_NAMES.get(key, f"{key}.csv")
        if isinstance(source, pd.DataFrame):
            frame = source.copy()
            for column in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[column]):
                    fmt = "%Y-%m-%d" if key == "events" else "%Y-%m-%d %H:%M"
                    frame[column] = frame[column].dt.strftime(fmt)
            write_csv(frame, target)
        else:
            shutil.copyfile(source, target)
        written[key] = f"inputs/{target.name}"
    summary = dict(plan.summary)
    summary["inputs"] = written
    write_summary(summary, folder / "summary.json")
