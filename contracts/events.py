"""Events contract (DESIGN §3): ``name, kind, start, end`` [+ ``intensity``], dates inclusive.

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
# After-sales tail: the days after a big promotion's peak still count as event days (event targets).
TAIL_EVENT_KINDS = ("double11", "618")
EVENT_TAIL_DAYS = 14


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


def event_day_mask(dates: pd.Series | pd.DatetimeIndex, events: pd.DataFrame | None) -> np.ndarray:
    """True where the date is an event day: inside an event (start..end), or 0..14 days after the
    peak of a double11/618 (the after-sales tail). Event days use ``queue.event_targets``."""
    days = pd.DatetimeIndex(dates).normalize()
    mask = np.zeros(len(days), dtype=bool)
    if events is None or len(events) == 0:
        return mask
    for row in events.itertuples(index=False):
        start, end = pd.Timestamp(row.start).normalize(), pd.Timestamp(row.end).normalize()
        if str(row.kind) in TAIL_EVENT_KINDS:
            end = end + pd.Timedelta(days=EVENT_TAIL_DAYS)
        mask |= np.asarray((days >= start) & (days <= end))
    return mask
