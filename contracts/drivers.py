"""Driver table contract (docs/forecasting.md §7): ``date, driver, value``, one row per day and driver.

A driver is a daily business figure that moves contacts: orders, GMV, reservations, parcels
shipped. Past rows are actuals, future rows the plan (the business team's 11.11 order plan). The
forecaster learns from the past how contacts follow each driver (with a lag) and forecasts from
the plan, so every forecast day needs a planned value of every driver.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.tables import FIRST_DATA_LINE, parse_numbers, parse_timestamps, read_rows

DRIVER_COLUMNS = ["date", "driver", "value"]


def read_drivers(path: str | Path) -> pd.DataFrame:
    """Read and validate a driver table; returns ``date`` (datetime64 day), ``driver``, ``value`` and
    ``line`` (the file's line, for later errors), with ``attrs['path']``."""
    path = Path(path)
    raw = read_rows(path, DRIVER_COLUMNS)
    name = raw["driver"].astype(str).str.strip()
    empty = (name == "").to_numpy()
    if empty.any():
        raise InputError(path, "empty driver name", row=int(np.argmax(empty)) + FIRST_DATA_LINE, field="driver")
    frame = pd.DataFrame({"date": parse_timestamps(raw, "date", path, date_only=True), "driver": name.to_numpy(),
                          "value": parse_numbers(raw, "value", path),
                          "line": np.arange(len(raw)) + FIRST_DATA_LINE})
    twice = frame.duplicated(["date", "driver"]).to_numpy()
    if twice.any():
        i = int(np.argmax(twice))
        raise InputError(path, f"second value of {name.iloc[i]} on {frame['date'].iloc[i]:%Y-%m-%d}",
                         row=i + FIRST_DATA_LINE, field="date")
    frame.attrs["path"] = str(path)
    return frame
