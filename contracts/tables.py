"""Reading user tables and writing results atomically.

Every file is read by :func:`plan.contracts.table_reader.read_table` (encodings, separators,
Excel, Parquet); the column parsers here turn its text into numbers and site wall-clock times.
Every reader error is an :class:`InputError` naming file, row and column; every writer
writes to a temporary sibling and renames, so a failure never leaves half a file.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.table_reader import read_table  # noqa: F401 - the one reader, used from here by all

FIRST_DATA_LINE = 2  # line 1 of a CSV is its header


def require_columns(df: pd.DataFrame, path: str | Path, required: list[str]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        read_as = f" (read as {df.attrs['read_as']})" if "read_as" in df.attrs else ""
        raise InputError(path, f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}"
                               f"{read_as}", row=1, field=missing[0])


def read_rows(path: Path, required: list[str]) -> pd.DataFrame:
    """A user table that must have ``required`` columns and at least one data row."""
    raw = read_table(path)
    require_columns(raw, path, required)
    if len(raw) == 0:
        raise InputError(path, "no data rows")
    return raw


def _line_of(df: pd.DataFrame, position: int) -> int:
    return int(position) + FIRST_DATA_LINE


def parse_numbers(df: pd.DataFrame, column: str, path: str | Path, *, integer: bool = False,
                  minimum: float | None = 0.0, allow_blank: bool = False) -> np.ndarray:
    """Column → float array; the first non-numeric or out-of-range cell is reported by line."""
    raw = df[column]
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.to_numpy(dtype=float)
        blank = np.isnan(values)
    else:
        text = raw.astype(str).str.strip()
        blank = (text == "").to_numpy()
        values = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & ~blank
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(path, f"not a number: {text.iloc[i]!r}", row=_line_of(df, i), field=column)
    if blank.any() and not allow_blank:
        i = int(np.argmax(blank))
        raise InputError(path, "empty value", row=_line_of(df, i), field=column)
    finite = ~np.isnan(values)
    if np.isinf(values).any():
        i = int(np.argmax(np.isinf(values)))
        raise InputError(path, "not a finite number", row=_line_of(df, i), field=column)
    if minimum is not None and (values[finite] < minimum).any():
        i = int(np.argmax(finite & (values < minimum)))
        raise InputError(path, f"must be >= {minimum:g}, got {values[i]:g}", row=_line_of(df, i), field=column)
    if integer and (np.abs(values[finite] - np.round(values[finite])) > 1e-9).any():
        i = int(np.argmax(finite & (np.abs(values - np.round(values)) > 1e-9)))
        raise InputError(path, f"must be a whole number, got {values[i]:g}", row=_line_of(df, i), field=column)
    return values


_SHAPE = re.compile(r"\d")

# The site's time zone when a reader is not told one (a workforce config's ``site.timezone``).
SITE_TIMEZONE = "Asia/Shanghai"
# A UTC offset right after a clock time: ``Z``, ``+08:00``, ``+0800``, ``-05``, ``UTC``.
_OFFSET = r"\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$"
_UTC_OFFSET = re.compile(r"\d:\d\d(?::\d\d)?(?:[.,]\d+)?" + _OFFSET, re.IGNORECASE)
_OFFSET_TAIL = re.compile(_OFFSET, re.IGNORECASE)
# A date written by Excel as a midnight timestamp (``2026-11-11 00:00:00``) is still a date.
_MIDNIGHT = re.compile(r"[ T]00:00(?::00(?:\.0+)?)?$")


def known_time_zone(name: str) -> str:
    """``name`` when it is an IANA time zone (``Asia/Shanghai``), else a ValueError for a schema."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (e.g. Asia/Shanghai)") from None
    return name


def has_utc_offset(text: pd.Series) -> np.ndarray:
    """Per cell: does this time carry a UTC offset (``…Z``, ``…+08:00``)?"""
    return text.astype(str).str.strip().str.contains(_UTC_OFFSET).to_numpy(dtype=bool)


def require_one_offset_style(text: pd.Series, path: str | Path, column: str, *, blank: np.ndarray | None = None,
                             line_of=None) -> bool:
    """True when every non-blank time has a UTC offset, False when none has; a column that mixes
    the two is refused at the first row unlike the first (its naive times would be guesses)."""
    line_of = line_of or (lambda i: int(i) + FIRST_DATA_LINE)
    filled = ~blank if blank is not None else np.ones(len(text), dtype=bool)
    if not filled.any():
        return False
    aware = has_utc_offset(text)
    first = int(np.argmax(filled))
    differs = filled & (aware != aware[first])
    if differs.any():
        i = int(np.argmax(differs))
        this, that = ("has a UTC offset", "has none") if aware[i] else ("has no UTC offset", "has one")
        raise InputError(path, f"{str(text.iloc[i]).strip()!r} {this} but line {line_of(first)} "
                               f"({str(text.iloc[first]).strip()!r}) {that}: write every time with an offset or "
                               "none (times without one are the site's wall clock)", row=line_of(i), field=column)
    return bool(aware[first])


def to_site_wall_clock(parsed: pd.Series | pd.DatetimeIndex, timezone: str = SITE_TIMEZONE) -> pd.Series:
    """Zone-aware times → the site's naive wall clock (the clock every table of plan uses);
    naive times are already the site's wall clock and stay as they are."""
    series = pd.Series(parsed)
    if getattr(series.dt, "tz", None) is None:
        return series
    return series.dt.tz_convert(timezone).dt.tz_localize(None)


def parse_timestamps(df: pd.DataFrame, column: str, path: str | Path, *, date_only: bool = False,
                     timezone: str = SITE_TIMEZONE) -> pd.DatetimeIndex:
    """Parse a time column that must use one ISO-like format throughout, as site wall-clock times.

    Mixed formats (``2026-01-01 00:00`` next to ``01/02/2026 01:00``) are refused with the first
    row that differs, rather than guessed: a guessed day/month swap silently corrupts a forecast.
    Times with a UTC offset (``2026-11-11T12:00:00Z``, ``…+08:00``) are converted to ``timezone``
    (the site's); times without one are the site's wall clock already.
    """
    raw = df[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return pd.DatetimeIndex(to_site_wall_clock(raw, timezone))
    text = raw.astype(str).str.strip()
    if len(text) == 0:
        return pd.DatetimeIndex([])
    blank = (text == "").to_numpy()
    if blank.any():
        i = int(np.argmax(blank))
        raise InputError(path, "empty date/time", row=_line_of(df, i), field=column)
    aware = False if date_only else require_one_offset_style(text, path, column)
    if date_only:
        text = text.str.replace(_MIDNIGHT, "", regex=True)
    # The shape ignores the offset: ``Z`` and ``+08:00`` say the same kind of thing.
    shapes = (text.str.replace(_OFFSET_TAIL, "", regex=True) if aware else text).str.replace(_SHAPE, "9", regex=True)
    first_shape = shapes.iloc[0]
    differs = (shapes != first_shape).to_numpy()
    if differs.any():
        i = int(np.argmax(differs))
        raise InputError(path, f"date/time {text.iloc[i]!r} is in a different format from line "
                               f"{FIRST_DATA_LINE} ({text.iloc[0]!r}); use one format, e.g. 2026-11-11 20:00",
                         row=_line_of(df, i), field=column)
    fmt = "%Y-%m-%d" if date_only else "ISO8601"
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        expected = "YYYY-MM-DD" if date_only else "YYYY-MM-DD HH:MM"
        raise InputError(path, f"not a date/time in {expected} form: {text.iloc[i]!r}", row=_line_of(df, i),
                         field=column)
    return pd.DatetimeIndex(to_site_wall_clock(parsed, timezone))


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); results get the mode a plain open() would give
        os.chmod(tmp_path, 0o666 & ~_current_umask())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_directory(target: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary directory that takes the place of ``target`` on success, under the
    rules of :mod:`plan.contracts.outputs` (nothing plan did not write is ever replaced)."""
    from plan.contracts.outputs import Outputs

    with Outputs(overwrite) as outputs:
        yield outputs.directory(target).staging


def write_table(df: pd.DataFrame, target: str | Path) -> Path:
    """Write CSV (formula-safe text) or Parquet (by suffix) atomically."""
    from plan.contracts.outputs import write_csv

    target = Path(target)
    with atomic_path(target) as tmp:
        if target.suffix.lower() in (".parquet", ".pq"):
            df.to_parquet(tmp, index=False)
        else:
            write_csv(df, tmp)
    return target
