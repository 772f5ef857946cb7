"""A history whose gaps stay gaps: what the forecaster reads when ``--fill-missing`` is not given.

:func:`plan.contracts.history.read_history` refuses a gap unless told to fill it with zeros. The
forecaster can do better than either: a missing interval is "not recorded", left out of fitting
and scoring. This reads the file with the same validation and returns only the rows the file
has, with ``attrs['missing_intervals']`` = ``[(queue, count), ...]``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from plan.contracts.history import read_history
from plan.contracts.tables import SITE_TIMEZONE, parse_timestamps, read_table


def read_history_keeping_gaps(path: str | Path, *, interval_minutes: int = 60, fill_missing: bool = False,
                              known_queues: Iterable[str] | None = None, timezone: str = SITE_TIMEZONE
                              ) -> pd.DataFrame:
    """``read_history``; without ``fill_missing`` the gaps are left out instead of refused."""
    full = read_history(path, known_queues=known_queues, interval_minutes=interval_minutes, fill_missing=True,
                        timezone=timezone)
    filled = full.attrs.get("filled_intervals", [])
    if fill_missing or not filled:
        full.attrs.setdefault("missing_intervals", [])
        return full
    raw = read_table(Path(path))
    present = pd.MultiIndex.from_arrays([raw["queue"].astype(str).str.strip().to_numpy(),
                                         parse_timestamps(raw, "interval_start", path, timezone=timezone)])
    rows = pd.MultiIndex.from_frame(full[["queue", "interval_start"]]).isin(present)
    out = full[rows].reset_index(drop=True)
    out.attrs = {**full.attrs, "filled_intervals": [], "missing_intervals": filled}
    return out
