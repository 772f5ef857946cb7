"""Raw contact log contract (docs/plan-files.md): one row per contact → hourly history + patience.

CS platforms export one row per contact (session, call, ticket) with their own column names.
A :class:`ContactLogMapping` says which column plays which role; :func:`ingest_contact_log`
reads the log once, validates it at the boundary (every error names file, line and column),
and returns

* the history table of ``docs/plan-files.md`` — ``queue, interval_start, arrivals, aht_s,
  abandoned`` on a complete interval grid (zero-arrival intervals written, so the result passes
  :func:`plan.contracts.history.read_history`), contacts assigned to the interval of their arrival;
* a per-queue patience estimate (:func:`exponential_patience`).

Roles a column can play (all optional except ``arrival``):

``arrival``       arrival time (full timestamp, or a time of day when ``date`` is mapped)
``date``          the date, for logs that keep date and time of day in separate columns
``first_reply``   first agent reply / answer time; blank = never answered
``wait``          wait before the first reply (or before abandoning), seconds or ``H:MM:SS``
``end``           end of the contact (for an abandoned contact: when the customer left)
``handle``        handle (service) time, seconds or ``H:MM:SS``
``abandoned``     abandoned flag; values in ``abandoned_values`` mean abandoned
``outcome``       an outcome column instead (e.g. AGENT / HANG / PHANTOM): ``abandoned_values``
                  mean abandoned, ``served_values`` served, anything else neither (still counted
                  as an arrival)
``queue``         queue / skill group; renamed through ``queues`` when given
``id``            contact id (only used to report duplicate ids)

Derived quantities: handle time = ``handle`` column, else ``end − first_reply``; wait =
``wait`` column, else ``first_reply − arrival`` (served) or ``end − arrival`` (abandoned: the
time to abandon).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from scipy import stats

from plan.contracts.errors import InputError
from plan.contracts.yaml_file import read_yaml
from plan.contracts.table_reader import inspect_table, read_header, read_table
from plan.contracts.tables import (FIRST_DATA_LINE, SITE_TIMEZONE, has_utc_offset, known_time_zone,
                                   require_one_offset_style, to_site_wall_clock)

ROLES = ("arrival", "date", "first_reply", "wait", "end", "handle", "abandoned", "outcome", "queue", "id")
TIME_ROLES = ("arrival", "first_reply", "end")

# Values that mean "yes, abandoned" when the user names an abandoned-flag column but no values.
DEFAULT_ABANDONED_VALUES = ("1", "true", "yes", "y", "t", "是", "abandoned", "放弃")

PATIENCE_COLUMNS = ["queue", "patience_s", "abandoned", "exposure_s", "method", "ci95_low_s", "ci95_high_s",
                    "contacts_observed", "left_before_queueing"]

# Candidate formats for a full timestamp, tried on the first non-blank value of a column; the whole
# column is then parsed with the one that fits (explicit, vectorised, never guessed per row).
TIMESTAMP_FORMATS = ("ISO8601", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d.%m.%Y %H:%M:%S",
                     "%d.%m.%Y %H:%M", "%Y%m%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M:%S",
                     "%Y年%m月%d日 %H:%M")
DATE_FORMATS = ("ISO8601", "%Y/%m/%d", "%Y%m%d", "%y%m%d", "%d.%m.%Y", "%Y年%m月%d日")
_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogColumns(_Strict):
    """Column name in the user's file for each role."""
    arrival: str | None = None
    date: str | None = None
    first_reply: str | None = None
    wait: str | None = None
    end: str | None = None
    handle: str | None = None
    abandoned: str | None = None
    outcome: str | None = None
    queue: str | None = None
    id: str | None = None


class ContactLogMapping(_Strict):
    """How to read one CS platform's export. Same keys as the mapping YAML."""
    columns: LogColumns = LogColumns()
    abandoned_values: list[str] | None = Field(None, description="flag/outcome values meaning abandoned")
    served_values: list[str] | None = Field(None, description="outcome values meaning served; default: not abandoned")
    queues: dict[str, str] | None = Field(None, description="raw queue value → queue name; others are an error")
    queue_name: str | None = Field(None, description="one queue for the whole log (no queue column)")
    date_format: str | None = Field(None, description="strftime format of the date column")
    time_format: str | None = Field(None, description="strftime format of the arrival/first_reply/end columns")
    separator: str | None = Field(None, description="field separator of a text log; default: sniffed")
    interval_minutes: Literal[15, 30, 60] = 60
    timezone: str = Field(SITE_TIMEZONE, description="site time zone: zone-aware times are converted to it")
    encoding: str | None = Field(None, description="text encoding of the log; default: UTF-8, else GB18030")
    exclude_zero_wait_abandons: bool = Field(False, description="abandoned at zero wait = left before the queue "
                                                                "(IVR hang-up): no patience observation")

    @field_validator("abandoned_values", "served_values", mode="before")
    @classmethod
    def _as_strings(cls, value: object) -> object:
        if isinstance(value, (str, int, bool)):
            value = [value]
        if isinstance(value, list):
            return [str(v).strip() for v in value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)

    @field_validator("queues", mode="before")
    @classmethod
    def _queue_names(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k).strip(): str(v).strip() for k, v in value.items()}
        return value

    def column(self, role: str) -> str | None:
        return getattr(self.columns, role)

    def with_overrides(self, **overrides: object) -> "ContactLogMapping":
        """A copy with command-line flags applied on top (``None`` = keep the mapping's value)."""
        columns = {role: value for role, value in overrides.pop("columns", {}).items() if value is not None}
        data = self.model_dump()
        data["columns"].update(columns)
        data.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return ContactLogMapping.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            option = "--" + str(err["loc"][-1] if err["loc"] else "").replace("_", "-")
            raise InputError("command line", err["msg"].removeprefix("Value error, "), field=option) from None


def read_mapping(path: str | Path) -> ContactLogMapping:
    """Read a contact-log mapping YAML; errors name the file and the dotted key."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, f"expected a YAML mapping at the top level, got {type(data).__name__}")
    try:
        return ContactLogMapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"]) or None
        raise InputError(path, err["msg"].removeprefix("Value error, "), field=where) from None


@dataclass
class IngestResult:
    """What one contact log turns into."""
    history: pd.DataFrame
    patience: pd.DataFrame
    rows: int
    queues: dict[str, dict[str, float]] = field(default_factory=dict)  # per queue: contacts, served, ...
    duplicate_ids: int = 0
    outcomes: dict[str, tuple[int, str]] = field(default_factory=dict)  # flag value → (rows, meaning)


# --------------------------------------------------------------------------------------------
# Reading


def _resolve_columns(path: Path, header: list[str], mapping: ContactLogMapping) -> dict[str, str]:
    """Role → column in the file; an unmapped role defaults to a column named like the role."""
    found: dict[str, str] = {}
    for role in ROLES:
        column = mapping.column(role)
        if column is not None:
            column = column.strip()  # header names are read without surrounding spaces
            if column not in header:
                raise InputError(path, f"column {column!r} (mapped as {role}) not found; columns: {', '.join(header)}",
                                 row=1, field=column)
            found[role] = column
        elif role in header:
            found[role] = role
    if "arrival" not in found:
        raise InputError(path, "no arrival column: map one with --arrival COLUMN or columns.arrival in the mapping "
                               f"(columns: {', '.join(header)})", row=1, field="arrival")
    if "queue" not in found and mapping.queue_name is None:
        raise InputError(path, "no queue column: map one with --queue COLUMN (or name one queue with --queue-name)",
                         row=1, field="queue")
    if "abandoned" in found and "outcome" in found and mapping.column("abandoned") and mapping.column("outcome"):
        raise InputError(path, "map either an abandoned flag or an outcome column, not both", field="outcome")
    return found


def _line(i: int | np.integer) -> int:
    return int(i) + FIRST_DATA_LINE


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _pick_format(sample: str, candidates: tuple[str, ...]) -> str | None:
    for fmt in candidates:
        if not pd.isna(pd.to_datetime(pd.Series([sample]), format=fmt, errors="coerce").iloc[0]):
            return fmt
    return None


_EPOCH_UNITS = {10: "s", 13: "ms"}  # digits of a Unix time in seconds / milliseconds (years 2001-2286)
_NULLISH = ("", "nan", "nat", "null", "none", "-")


def _site_clock(parsed: pd.Series, timezone: str) -> np.ndarray:
    """Zone-aware times (an offset in the text, Unix times, a zoned Parquet column) → the site's
    wall clock, which is what every table of plan uses."""
    return np.array(to_site_wall_clock(parsed, timezone), dtype="datetime64[ns]")


def _convert(text: pd.Series, fmt: str, timezone: str, aware: bool) -> np.ndarray:
    """Vectorised parse of a whole column with one explicit format; unparseable → NaT.
    ``aware``: the times carry UTC offsets (checked for the whole column before)."""
    if fmt.startswith("epoch_"):
        numbers = pd.to_numeric(text, errors="coerce")
        parsed = pd.to_datetime(numbers, unit=fmt.removeprefix("epoch_"), utc=True, errors="coerce")
    else:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
    return _site_clock(parsed, timezone)


def _offsets_alike(text: pd.Series, blank: np.ndarray, path: Path, column: str, fmt: str) -> bool:
    """Whether the column's times carry UTC offsets; a column mixing times with and without one is
    refused at its first odd row. Checked cell by cell only when the first time has an offset
    (a naive column meeting an offset fails the parse, and is checked then)."""
    if fmt != "ISO8601":
        return False
    first = _first(~blank)
    if not has_utc_offset(text.iloc[first:first + 1])[0]:
        return False
    nullish = text.str.strip().str.lower().isin(_NULLISH).to_numpy()
    return require_one_offset_style(text, path, column, blank=blank | nullish, line_of=_line)


def _parse_timestamps(raw: pd.DataFrame, column: str, path: Path, fmt: str | None, *, required: bool,
                      what: str = "date/time", timezone: str = SITE_TIMEZONE) -> np.ndarray:
    """Column → datetime64[ns] array of site wall-clock times, NaT for blanks (an error when
    ``required``). The format is ``fmt`` or the first of the candidates that reads the first
    non-blank cell (ISO 8601, ``2026/10/01 08:00``, ``20261001083000``, Unix seconds/ms, ...)."""
    values = raw[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        out = _site_clock(pd.to_datetime(values), timezone)
        blank = np.isnat(out)
    else:
        text = values.astype(str)
        blank = np.array(text == "", dtype=bool)
        if blank.all():
            if required:
                raise InputError(path, f"empty {what}", row=_line(0), field=column)
            return np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
        first = _first(~blank)
        sample = text.iloc[first].strip()
        if fmt is None and what != "date" and sample.isdigit() and len(sample) in _EPOCH_UNITS:
            fmt = f"epoch_{_EPOCH_UNITS[len(sample)]}"
        if fmt is None:
            fmt = _pick_format(sample, DATE_FORMATS if what == "date" else TIMESTAMP_FORMATS)
            if fmt is None and what != "date" and _TIME_OF_DAY.match(sample):
                raise InputError(path, f"{sample!r} is a time of day without a date: map the date column with "
                                       "--date (columns.date)", row=_line(first), field=column)
            if fmt is None:
                raise InputError(path, f"cannot read {what} {sample!r}; give its format with "
                                       f"{'--date-format' if what == 'date' else '--time-format'}",
                                 row=_line(first), field=column)
        # Parse everything in one vectorised pass; only the few cells that fail get a second look
        # (surrounding spaces, NULL-like words), which keeps a million rows fast.
        aware = _offsets_alike(text, blank, path, column, fmt)
        try:
            out = _convert(text.iloc[first:], fmt, timezone, aware)
        except ValueError:  # pandas refuses naive and offset times in one column: find the row
            nullish = text.str.strip().str.lower().isin(_NULLISH).to_numpy()
            require_one_offset_style(text, path, column, blank=blank | nullish, line_of=_line)
            raise
        out = np.concatenate([np.full(first, np.datetime64("NaT"), dtype="datetime64[ns]"), out])
        bad = np.isnat(out) & ~blank
        if bad.any():
            retry = text[bad].str.strip()
            nullish = retry.str.lower().isin(_NULLISH).to_numpy()
            again = _convert(retry, fmt, timezone, aware)
            out[bad] = again
            blank[np.flatnonzero(bad)[nullish]] = True
            bad = np.isnat(out) & ~blank
        if bad.any():
            i = _first(bad)
            raise InputError(path, f"cannot read {what} {text.iloc[i].strip()!r} (line {_line(first)} has "
                                   f"{sample!r}; one format per column)", row=_line(i), field=column)
    if required and blank.any():
        i = _first(blank)
        raise InputError(path, f"empty {what}", row=_line(i), field=column)
    return out


def _parse_time_of_day(raw: pd.DataFrame, column: str, path: Path, fmt: str | None) -> np.ndarray:
    """``7:02:47`` → timedelta64[ns] since midnight; NaT for blanks."""
    text = raw[column].astype(str).str.strip()
    blank = (text == "").to_numpy()
    parsed = pd.to_datetime(text.where(~blank, None), format=fmt or "%H:%M:%S", errors="coerce")
    bad = parsed.isna().to_numpy() & ~blank
    if bad.any() and fmt is None:
        # H:MM without seconds
        parsed = pd.to_datetime(text.where(~blank, None), format="%H:%M", errors="coerce")
        bad = parsed.isna().to_numpy() & ~blank
    if bad.any():
        i = _first(bad)
        raise InputError(path, f"cannot read time of day {text.iloc[i]!r} (expected H:MM:SS)", row=_line(i),
                         field=column)
    stamps = parsed.to_numpy(dtype="datetime64[ns]")
    return stamps - stamps.astype("datetime64[D]")


def _categories(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and stripped distinct values of a text column (strip the few uniques, not every cell)."""
    codes, uniques = pd.factorize(values.astype(str))
    stripped = [str(u).strip() for u in uniques]
    names = sorted(set(stripped))
    recode = np.asarray([names.index(u) for u in stripped], dtype=np.int64)
    return (recode[codes] if len(recode) else codes.astype(np.int64)), names


def _is_time_of_day(raw: pd.DataFrame, column: str) -> bool:
    values = raw[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return False
    text = values.astype(str).str.strip()
    nonblank = text[text != ""]
    return len(nonblank) > 0 and bool(_TIME_OF_DAY.match(nonblank.iloc[0]))


def _parse_duration_s(raw: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """Seconds (number) or ``H:MM:SS`` → float seconds, NaN for blanks; negative is an error."""
    values = raw[column]
    if pd.api.types.is_numeric_dtype(values):
        seconds = values.to_numpy(dtype=float, copy=True)
    elif pd.api.types.is_timedelta64_dtype(values):
        seconds = values.dt.total_seconds().to_numpy(dtype=float)
    else:
        text = values.astype(str).str.strip()
        blank = (text == "").to_numpy()
        seconds = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float, copy=True)
        bad = np.isnan(seconds) & ~blank
        if bad.any():
            clock = pd.to_timedelta(text[bad], errors="coerce")
            seconds[bad] = clock.dt.total_seconds().to_numpy(dtype=float)
            bad = np.isnan(seconds) & ~blank
            if bad.any():
                i = _first(bad)
                raise InputError(path, f"not a duration (seconds or H:MM:SS): {text.iloc[i]!r}", row=_line(i),
                                 field=column)
    negative = seconds < 0
    if negative.any():
        i = _first(negative)
        raise InputError(path, f"negative duration {seconds[i]:g} s", row=_line(i), field=column)
    return seconds


def _seconds(delta: np.ndarray) -> np.ndarray:
    seconds = delta.astype("timedelta64[ns]").astype("int64").astype(float) / 1e9
    seconds[np.isnat(delta)] = np.nan
    return seconds


@dataclass
class Contacts:
    """One row per contact, validated: the boundary between a raw log and everything else."""
    queue_codes: np.ndarray       # int, index into queue_names
    queue_names: list[str]
    arrival: np.ndarray           # datetime64[ns]
    wait_s: np.ndarray            # float, NaN = unknown
    handle_s: np.ndarray          # float, NaN = unknown / not served
    abandoned: np.ndarray         # bool
    served: np.ndarray            # bool
    has_handle: bool
    has_abandoned: bool
    duplicate_ids: int = 0
    outcomes: dict[str, tuple[int, str]] = field(default_factory=dict)


def read_contact_log(path: str | Path, mapping: ContactLogMapping,
                     progress: Callable[[str], None] | None = None) -> Contacts:
    """Read and validate a raw contact log with ``mapping``; see the module docstring for roles."""
    path = Path(path)
    step = progress or (lambda _stage: None)
    source = inspect_table(path, encoding=mapping.encoding, separator=mapping.separator)
    roles = _resolve_columns(path, read_header(source), mapping)
    step("reading")
    raw = read_table(source, usecols=sorted(set(roles.values())))
    if len(raw) == 0:
        raise InputError(path, "no data rows")
    step("parsing times")
    times = _contact_times(raw, roles, path, mapping)
    step("checking durations")
    _check_time_order(times, roles, path)
    arrival, reply, end = times["arrival"], times.get("first_reply"), times.get("end")
    abandoned, served, has_abandoned, outcomes = _outcomes(raw, roles, mapping, reply)
    wait_s = _wait_s(raw, roles, path, arrival, reply, end, abandoned)
    handle_s, has_handle = _handle_s(raw, roles, path, reply, end)
    step("mapping queues")
    codes, names = _queue_codes(raw, roles, path, mapping)
    duplicates = int(raw[roles["id"]].duplicated().sum()) if "id" in roles else 0
    return Contacts(queue_codes=np.asarray(codes, dtype=np.int64), queue_names=list(names), arrival=arrival,
                    wait_s=wait_s, handle_s=np.where(served, handle_s, np.nan), abandoned=abandoned, served=served,
                    has_handle=has_handle, has_abandoned=has_abandoned, duplicate_ids=duplicates, outcomes=outcomes)


def _contact_times(raw: pd.DataFrame, roles: dict[str, str], path: Path,
                   mapping: ContactLogMapping) -> dict[str, np.ndarray]:
    """Each time role as datetime64: full timestamps, or a time of day on a date column's day."""
    times: dict[str, np.ndarray] = {}
    day = None
    if "date" in roles:
        day = _parse_timestamps(raw, roles["date"], path, mapping.date_format, required=True, what="date",
                                timezone=mapping.timezone)
        day = day.astype("datetime64[D]").astype("datetime64[ns]")
    for role in TIME_ROLES:
        if role not in roles:
            continue
        column = roles[role]
        if day is not None and _is_time_of_day(raw, column):
            times[role] = day + _parse_time_of_day(raw, column, path, mapping.time_format)
        else:
            times[role] = _parse_timestamps(raw, column, path, mapping.time_format, required=(role == "arrival"),
                                            timezone=mapping.timezone)
    if day is not None:
        # Time-of-day columns carry no date: a reply or end earlier on the clock than the arrival
        # happened after midnight.
        arrival = times["arrival"]
        for role in ("first_reply", "end"):
            if role in times and _is_time_of_day(raw, roles[role]):
                times[role] = np.where(times[role] < arrival, times[role] + np.timedelta64(1, "D"), times[role])
    return times


def _check_time_order(times: dict[str, np.ndarray], roles: dict[str, str], path: Path) -> None:
    """Arrival ≤ first reply ≤ end, wherever they are known: the first row that breaks it is named."""
    order = [("arrival", "arrival"), ("first_reply", "first reply"), ("end", "end")]
    known = [(role, label) for role, label in order if role in times]
    for later_index, (later, later_label) in enumerate(known):
        for earlier, earlier_label in known[:later_index]:
            before = times[later] < times[earlier]
            if before.any():
                i = _first(before)
                raise InputError(path, f"{later_label} {pd.Timestamp(times[later][i])} is before {earlier_label} "
                                       f"{pd.Timestamp(times[earlier][i])}", row=_line(i), field=roles[later])


def _outcomes(raw: pd.DataFrame, roles: dict[str, str], mapping: ContactLogMapping, reply: np.ndarray | None
              ) -> tuple[np.ndarray, np.ndarray, bool, dict[str, tuple[int, str]]]:
    """Abandoned and served per contact, whether abandonment is known, and each outcome value's count
    and reading: from an abandoned flag or outcome values, else "never got a first reply"."""
    flag_role = "outcome" if "outcome" in roles else ("abandoned" if "abandoned" in roles else None)
    if flag_role is None:
        if reply is not None:
            return np.isnat(reply), ~np.isnat(reply), True, {}
        return np.zeros(len(raw), dtype=bool), np.ones(len(raw), dtype=bool), False, {}
    flag_codes, flag_values = _categories(raw[roles[flag_role]])
    wanted = {v.lower() for v in (mapping.abandoned_values or DEFAULT_ABANDONED_VALUES)}
    abandoned = np.isin(flag_codes, [k for k, v in enumerate(flag_values) if v.lower() in wanted])
    if mapping.served_values:
        served_words = {v.lower() for v in mapping.served_values}
        served = np.isin(flag_codes, [k for k, v in enumerate(flag_values) if v.lower() in served_words])
    else:
        served = ~abandoned
    counts = np.bincount(flag_codes, minlength=len(flag_values))
    outcomes = {value: (int(counts[k]), "abandoned" if abandoned[_first(flag_codes == k)] else
                        "served" if served[_first(flag_codes == k)] else "neither")
                for k, value in enumerate(flag_values)}
    return abandoned, served, True, outcomes


def _wait_s(raw: pd.DataFrame, roles: dict[str, str], path: Path, arrival: np.ndarray, reply: np.ndarray | None,
            end: np.ndarray | None, abandoned: np.ndarray) -> np.ndarray:
    """Seconds each contact waited: the wait column, else to the first reply (or to the end, for one
    that left unanswered)."""
    if "wait" in roles:
        return _parse_duration_s(raw, roles["wait"], path)
    wait_s = np.full(len(raw), np.nan)
    if reply is not None:
        wait_s = _seconds(reply - arrival)
    if end is not None:
        wait_s = np.where(abandoned & np.isnan(wait_s), _seconds(end - arrival), wait_s)
    return wait_s


def _handle_s(raw: pd.DataFrame, roles: dict[str, str], path: Path, reply: np.ndarray | None,
              end: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """Handling seconds (the handle column, else first reply to end) and whether they are known."""
    if "handle" in roles:
        return _parse_duration_s(raw, roles["handle"], path), True
    if end is not None and reply is not None:
        return _seconds(end - reply), True
    return np.full(len(raw), np.nan), False


def _queue_codes(raw: pd.DataFrame, roles: dict[str, str], path: Path,
                 mapping: ContactLogMapping) -> tuple[np.ndarray, list[str]]:
    """Each contact's queue as a code into the sorted queue names (renamed by the mapping's queues)."""
    if "queue" not in roles:
        return np.zeros(len(raw), dtype=np.int64), [mapping.queue_name]
    column = roles["queue"]
    codes, uniques = _categories(raw[column])
    if "" in uniques:
        raise InputError(path, "empty queue value", row=_line(_first(codes == uniques.index(""))), field=column)
    if mapping.queues is None:
        return codes, uniques
    unknown = [u for u in uniques if u not in mapping.queues]
    if unknown:
        i = _first(codes == uniques.index(unknown[0]))
        raise InputError(path, f"unknown queue value {unknown[0]!r}: not under queues: in the mapping "
                               f"(known: {', '.join(mapping.queues)})", row=_line(i), field=column)
    renamed = [mapping.queues[u] for u in uniques]
    names = sorted(set(renamed))
    return np.asarray([names.index(r) for r in renamed], dtype=np.int64)[codes], names


# --------------------------------------------------------------------------------------------
# Aggregating


def history_from_contacts(contacts: Contacts, interval_minutes: int = 60) -> pd.DataFrame:
    """Count contacts per queue and interval of arrival on a complete grid of whole days.

    Every queue gets every interval from 00:00 of the first arrival's day to the end of the last
    arrival's day (zero where nothing arrived) so that the history contract's no-gap rule holds.
    ``aht_s`` is the mean handle time of the served contacts that arrived in the interval (blank
    when none was served); ``abandoned`` counts abandoned contacts by arrival interval.
    """
    step = np.timedelta64(interval_minutes, "m").astype("timedelta64[ns]")
    first_day = contacts.arrival.min().astype("datetime64[D]").astype("datetime64[ns]")
    last_day = contacts.arrival.max().astype("datetime64[D]").astype("datetime64[ns]")
    n_slots = int((last_day - first_day + np.timedelta64(1, "D")) // step)
    n_queues = len(contacts.queue_names)
    slot = ((contacts.arrival - first_day) // step).astype(np.int64)
    key = contacts.queue_codes * n_slots + slot
    size = n_queues * n_slots
    arrivals = np.bincount(key, minlength=size)
    grid_start = first_day + np.arange(n_slots) * step
    out = pd.DataFrame({
        "queue": np.repeat(np.asarray(contacts.queue_names, dtype=object), n_slots),
        "interval_start": pd.DatetimeIndex(np.tile(grid_start, n_queues)).strftime("%Y-%m-%d %H:%M"),
        "arrivals": arrivals.astype(np.int64),
    })
    if contacts.has_handle:
        known = contacts.served & ~np.isnan(contacts.handle_s)
        handled = np.bincount(key[known], weights=contacts.handle_s[known], minlength=size)
        served = np.bincount(key[known], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["aht_s"] = np.round(np.where(served > 0, handled / np.maximum(served, 1), np.nan), 1)
    if contacts.has_abandoned:
        out["abandoned"] = np.bincount(key[contacts.abandoned], minlength=size).astype(np.int64)
    return out


def exponential_patience(wait_s: np.ndarray, abandoned: np.ndarray, served: np.ndarray, *,
                         exclude_zero_wait_abandons: bool = False) -> dict[str, float | str]:
    """Mean patience (s) of one queue: exponential-patience MLE with served waits as censored.

    If patience is exponential with mean θ, a customer who abandoned after waiting w contributes
    density e^{-w/θ}/θ and one served after waiting w the survival e^{-w/θ}; the likelihood is
    maximised at θ̂ = Σ waits (of served and abandoned alike) / number abandoned — equivalently
    P(abandon) / E[wait] inverted (Brown et al. 2005, JASA 100(469):36-50, §6; Mandelbaum & Zeltyn
    2007, "Service engineering in action: the Palm/Erlang-A queue"). The 95% interval uses
    2·Σw/θ ~ χ²(2n) (exact without censoring, conventional with it; Lawless 2003 §3.5).

    Contacts neither served nor abandoned (e.g. PHANTOM) and contacts with unknown wait are left
    out. With ``exclude_zero_wait_abandons`` an abandonment at zero wait is taken to have left
    before reaching the agent queue (an IVR hang-up: it says nothing about patience in the queue)
    and is left out too; without it, it counts — in a log to the whole second "0 s" is a real,
    short wait, and dropping those biases θ̂ upwards.
    """
    known = ~np.isnan(wait_s)
    left_early = abandoned & known & (wait_s <= 0) & exclude_zero_wait_abandons
    use = known & (served | abandoned) & ~left_early
    n = int((abandoned & use).sum())
    exposure = float(wait_s[use].sum())
    result: dict[str, float | str] = {"abandoned": n, "exposure_s": round(exposure, 1),
                                      "contacts_observed": int(use.sum()),
                                      "left_before_queueing": int(left_early.sum())}
    if not known.any():
        return {**result, "patience_s": np.nan, "method": "no_wait_data", "ci95_low_s": np.nan,
                "ci95_high_s": np.nan}
    if n == 0:
        # Nobody abandoned: patience is longer than anything observed; no finite MLE.
        return {**result, "patience_s": np.nan, "method": "no_abandonments", "ci95_low_s": np.nan,
                "ci95_high_s": np.nan}
    theta = exposure / n
    low = 2 * exposure / stats.chi2.ppf(0.975, 2 * n)
    high = 2 * exposure / stats.chi2.ppf(0.025, 2 * n)
    return {**result, "patience_s": round(theta, 1), "method": "exponential_mle_censored",
            "ci95_low_s": round(float(low), 1), "ci95_high_s": round(float(high), 1)}


def patience_by_queue(contacts: Contacts, *, exclude_zero_wait_abandons: bool = False) -> pd.DataFrame:
    rows = []
    for code, name in enumerate(contacts.queue_names):
        mine = contacts.queue_codes == code
        if contacts.has_abandoned:
            estimate = exponential_patience(contacts.wait_s[mine], contacts.abandoned[mine], contacts.served[mine],
                                            exclude_zero_wait_abandons=exclude_zero_wait_abandons)
        else:
            estimate = {"patience_s": np.nan, "abandoned": np.nan, "exposure_s": np.nan,
                        "method": "no_abandonment_data", "ci95_low_s": np.nan, "ci95_high_s": np.nan,
                        "contacts_observed": 0, "left_before_queueing": 0}
        rows.append({"queue": name, **estimate})
    return pd.DataFrame(rows, columns=PATIENCE_COLUMNS)


def ingest_contact_log(path: str | Path, mapping: ContactLogMapping,
                       progress: Callable[[str], None] | None = None) -> IngestResult:
    """Raw contact log → :class:`IngestResult` (history on the interval grid + patience per queue)."""
    contacts = read_contact_log(path, mapping, progress)
    if progress:
        progress("aggregating")
    history = history_from_contacts(contacts, mapping.interval_minutes)
    patience = patience_by_queue(contacts, exclude_zero_wait_abandons=mapping.exclude_zero_wait_abandons)
    per_queue: dict[str, dict[str, float]] = {}
    for code, name in enumerate(contacts.queue_names):
        mine = contacts.queue_codes == code
        served = contacts.served & mine
        handle = contacts.handle_s[served & ~np.isnan(contacts.handle_s)]
        wait = contacts.wait_s[served & ~np.isnan(contacts.wait_s)]
        per_queue[name] = {"contacts": int(mine.sum()), "served": int(served.sum()),
                           "abandoned": int((contacts.abandoned & mine).sum()),
                           "aht_s": float(handle.mean()) if len(handle) else np.nan,
                           "asa_s": float(wait.mean()) if len(wait) else np.nan}
    return IngestResult(history=history, patience=patience, rows=len(contacts.arrival), queues=per_queue,
                        duplicate_ids=contacts.duplicate_ids, outcomes=contacts.outcomes)
