"""Forecast contract (docs/plan-files.md): ``queue, interval_start, arrivals`` [+ ``p10, p50, p90``]."""
from __future__ import annotations

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.tables import SITE_TIMEZONE, parse_numbers, parse_timestamps, read_table, require_columns

FORECAST_COLUMNS = ["queue", "interval_start", "arrivals"]


def read_forecast(path, known_queues=None, timezone: str = SITE_TIMEZONE) -> pd.DataFrame:
    """Read a forecast table (``queue, interval_start, arrivals[, p10, p50, p90]``), errors located;
    times with a UTC offset are converted to ``timezone`` (the site's)."""
    raw = read_table(path)
    require_columns(raw, path, FORECAST_COLUMNS)
    frame = pd.DataFrame({"queue": raw["queue"].astype(str).str.strip(),
                          "interval_start": parse_timestamps(raw, "interval_start", path, timezone=timezone)})
    for column in ("arrivals", "p10", "p50", "p90"):
        if column in raw.columns:
            frame[column] = parse_numbers(raw, column, path)
    if known_queues is not None:
        unknown = ~frame["queue"].isin(list(known_queues))
        if unknown.any():
            i = int(np.argmax(unknown.to_numpy()))
            raise InputError(path, f"unknown queue {frame['queue'].iloc[i]!r} (the workforce config has "
                                   f"{', '.join(known_queues)})", row=i + 2, field="queue")
    duplicated = frame.duplicated(["queue", "interval_start"]).to_numpy()
    if duplicated.any():
        i = int(np.argmax(duplicated))
        raise InputError(path, "duplicate queue and interval_start", row=i + 2, field="interval_start")
    return frame
