"""Intraday profile contract (docs/forecasting.md §6): ``queue, day_type, time, share``.

How a day's contacts spread over its intervals, used to split a daily forecast into hours. One row
per queue, day type and interval start (``time``, ``HH:MM``, on one 60-, 30- or 15-minute grid);
``share`` is any non-negative weight, normalised per queue and day type (percentages, counts and
fractions all work). An interval with no row takes no contacts (closed). ``queue`` may be ``*``
(every queue); ``day_type`` is a weekday (``mon`` .. ``sun``), ``weekday`` (working days),
``weekend``, ``holiday`` (public holidays) or ``all``. The most specific row wins:
:func:`plan.forecast.split.day_type_chain` gives the order.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.tables import FIRST_DATA_LINE, parse_numbers, read_rows
from plan.contracts.workforce import WEEKDAYS

PROFILE_COLUMNS = ["queue", "day_type", "time", "share"]
ALL_QUEUES = "*"
DAY_TYPES = (*WEEKDAYS, "weekday", "weekend", "holiday", "all")


@dataclass(frozen=True)
class ProfileTable:
    """Shares per ``(queue or '*', day_type)``: one array over the day's intervals, summing to 1."""

    interval_minutes: int
    shares: dict[tuple[str, str], np.ndarray]
    path: str

    def lookup(self, queue: str, chain: list[str]) -> np.ndarray | None:
        """The queue's own most specific day type of ``chain``, else the ``*`` rows' (None: no row)."""
        for who in (queue, ALL_QUEUES):
            for day_type in chain:
                found = self.shares.get((who, day_type))
                if found is not None:
                    return found
        return None


def read_intraday_profile(path: str | Path) -> ProfileTable:
    """Read and validate a profile file; every error names the file, the line and the column."""
    path = Path(path)
    raw = read_rows(path, PROFILE_COLUMNS)
    queue = raw["queue"].astype(str).str.strip()
    day_type = raw["day_type"].astype(str).str.strip().str.lower()
    for i in range(len(raw)):
        if queue.iloc[i] == "":
            raise InputError(path, "empty queue name (use * for every queue)", row=i + FIRST_DATA_LINE, field="queue")
        if day_type.iloc[i] not in DAY_TYPES:
            raise InputError(path, f"unknown day type {raw['day_type'].iloc[i]!r}; use one of {', '.join(DAY_TYPES)}",
                             row=i + FIRST_DATA_LINE, field="day_type")
    minutes = np.array([_minute_of_day(text, path, i) for i, text in enumerate(raw["time"].astype(str))])
    interval = _grid(minutes, path)
    share = parse_numbers(raw, "share", path)
    frame = pd.DataFrame({"queue": queue, "day_type": day_type, "slot": minutes // interval, "share": share})
    duplicated = frame.duplicated(["queue", "day_type", "slot"]).to_numpy()
    if duplicated.any():
        i = int(np.argmax(duplicated))
        raise InputError(path, f"second row for {queue.iloc[i]} {day_type.iloc[i]} {raw['time'].iloc[i]}",
                         row=i + FIRST_DATA_LINE, field="time")
    shares = {}
    for key, group in frame.groupby(["queue", "day_type"], sort=False):
        vector = np.zeros(1440 // interval)
        vector[group["slot"].to_numpy()] = group["share"].to_numpy()
        if vector.sum() <= 0:
            raise InputError(path, f"the shares of {key[0]} {key[1]} add up to 0", row=int(group.index[0]) +
                             FIRST_DATA_LINE, field="share")
        shares[key] = vector / vector.sum()
    return ProfileTable(interval, shares, str(path))


def _minute_of_day(text: str, path: Path, i: int) -> int:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes[:2].isdigit() and minutes[2:] in ("", ":00")):
        raise InputError(path, f"not a time of day HH:MM: {text!r}", row=i + FIRST_DATA_LINE, field="time")
    value = int(hours) * 60 + int(minutes[:2])
    if int(hours) > 23 or int(minutes[:2]) > 59:
        raise InputError(path, f"not a time of day 00:00..23:59: {text!r}", row=i + FIRST_DATA_LINE, field="time")
    return value


def _grid(minutes: np.ndarray, path: Path) -> int:
    step = int(np.gcd.reduce(np.append(minutes, 1440)))
    for candidate in (60, 30, 15):
        if step % candidate == 0:
            return candidate
    i = int(np.argmax(minutes % 15 != 0))
    raise InputError(path, "times must lie on one 60-, 30- or 15-minute grid", row=i + FIRST_DATA_LINE, field="time")
