"""Events contract (docs/plan-files.md): ``name, kind, start, end`` [+ ``intensity``], dates inclusive.

For a promotion, ``start`` is the first pre-sale day and ``end`` the peak day (11-11 for double11);
after-sales tails after ``end`` are learned by the forecaster, not written here.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.tables import FIRST_DATA_LINE, parse_numbers, parse_timestamps, read_table, require_columns

EVENT_COLUMNS = ["name", "kind", "start", "end"]


def read_events(path: str | Path) -> pd.DataFrame:
    """Read and validate an events calendar; returns name, kind, start, end (datetime64 days), intensity."""
    path = Path(path)
    raw = read_table(path)
    require_columns(raw, path, EVENT_COLUMNS)
    if len(raw) == 0:
        return pd.DataFrame({"name": [], "kind": [], "start": pd.DatetimeIndex([]), "end": pd.DatetimeIndex([]),
                             "intensity": []})
    for column in ("name", "kind"):
        empty = (raw[column].astype(str).str.strip() == "").to_numpy()
        if empty.any():
            i = int(np.argmax(empty))
            raise InputError(path, "empty value", row=i + FIRST_DATA_LINE, field=column)
    start = parse_timestamps(raw, "start", path, date_only=True)
    end = parse_timestamps(raw, "end", path, date_only=True)
    backwards = np.asarray(end < start)
    if backwards.any():
        i = int(np.argmax(backwards))
        raise InputError(path, f"end {end[i]:%Y-%m-%d} is before start {start[i]:%Y-%m-%d}", row=i + FIRST_DATA_LINE,
                         field="end")
    intensity = (parse_numbers(raw, "intensity", path, allow_blank=True) if "intensity" in raw.columns
                 else np.full(len(raw), np.nan))
    return pd.DataFrame({"name": raw["name"].astype(str).str.strip().to_numpy(),
                         "kind": raw["kind"].astype(str).str.strip().to_numpy(),
                         "start": start, "end": end, "intensity": intensity})
