"""Reading user tables (CSV, TSV, Parquet) and writing results atomically.

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

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError

FIRST_DATA_LINE = 2  # line 1 of a CSV is its header


def read_table(path: str | Path, *, sep: str | None = None, usecols: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV / TSV / Parquet file into a DataFrame of strings-or-numbers, untyped."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, expected a file")
    suffixes = "".join(path.suffixes).lower()
    try:
        if suffixes.endswith(".parquet") or suffixes.endswith(".pq"):
            return pd.read_parquet(path, columns=usecols)
        if sep is None:
            sep = "\t" if (suffixes.endswith(".tsv") or suffixes.endswith(".txt") or suffixes.endswith(".tsv.gz")) else ","
        from plan.contracts.outputs import restore_formula_text  # plan's own CSVs quote formula-like text
        return restore_formula_text(pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, usecols=usecols,
                                                engine="c", encoding="utf-8-sig"))
    except InputError:
        raise
    except ValueError as exc:  # e.g. usecols not found
        raise InputError(path, f"cannot read table: {str(exc).splitlines()[0]}") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad input here
        raise InputError(path, f"cannot read table: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None


def require_columns(df: pd.DataFrame, path: str | Path, required: list[str]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}",
                         row=1, field=missing[0])


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


def parse_timestamps(df: pd.DataFrame, column: str, path: str | Path, *, date_only: bool = False) -> pd.DatetimeIndex:
    """Parse a time column that must use one ISO-like format throughout.

    Mixed formats (``2026-01-01 00:00`` next to ``01/02/2026 01:00``) are refused with the first
    row that differs, rather than guessed: a guessed day/month swap silently corrupts a forecast.
    """
    raw = df[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return pd.DatetimeIndex(raw)
    text = raw.astype(str).str.strip()
    if len(text) == 0:
        return pd.DatetimeIndex([])
    blank = (text == "").to_numpy()
    if blank.any():
        i = int(np.argmax(blank))
        raise InputError(path, "empty date/time", row=_line_of(df, i), field=column)
    shapes = text.str.replace(_SHAPE, "9", regex=True)
    first_shape = shapes.iloc[0]
    differs = (shapes != first_shape).to_numpy()
    if differs.any():
        i = int(np.argmax(differs))
        raise InputError(path, f"date/time {text.iloc[i]!r} is in a different format from line "
                               f"{FIRST_DATA_LINE} ({text.iloc[0]!r}); use one format, e.g. 2026-11-11 20:00",
                         row=_line_of(df, i), field=column)
    fmt = "%Y-%m-%d" if date_only else "ISO8601"
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        expected = "YYYY-MM-DD" if date_only else "YYYY-MM-DD HH:MM"
        raise InputError(path, f"not a date/time in {expected} form: {text.iloc[i]!r}", row=_line_of(df, i),
                         field=column)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return pd.DatetimeIndex(parsed)


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
