"""History contract (docs/plan-files.md): ``queue, interval_start, arrivals`` [+ ``aht_s``, ``abandoned``]."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Literal

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.tables import FIRST_DATA_LINE, SITE_TIMEZONE, parse_numbers, parse_timestamps, read_rows

HISTORY_COLUMNS = ["queue", "interval_start", "arrivals"]
OPTIONAL_HISTORY_COLUMNS = ["aht_s", "abandoned"]
# Interval lengths a history may have: 1440 is one row per day (daily totals).
INTERVAL_MINUTES = (15, 30, 60, 1440)
Missing = Literal["error", "zero", "unknown"]


def read_history(path: str | Path, *, known_queues: Iterable[str] | None = None, interval_minutes: int | None = 60,
                 fill_missing: bool = False, missing: Missing | None = None, timezone: str = SITE_TIMEZONE
                 ) -> pd.DataFrame:
    """Read and validate a history table of 15/30/60-minute intervals or of daily totals (1440).

    Returns columns ``queue`` (str), ``interval_start`` (datetime64), ``arrivals`` (float), and
    ``aht_s`` / ``abandoned`` when present, sorted by queue and time. ``interval_minutes=None``
    takes the interval from the file's times (:func:`detect_interval_minutes`).

    A missing interval (a gap between a queue's first and last row) is, by ``missing``:
    ``"error"`` (the default) a located error; ``"zero"`` (or ``fill_missing=True``) an explicit
    zero-arrival row, reported in ``attrs['filled_intervals']``; ``"unknown"`` left out, reported in
    ``attrs['missing_intervals']`` (``[(queue, count), ...]``) and ``attrs['missing_days']``
    (``{queue: [days]}``): what the forecaster reads, gaps as "not recorded".
    Times with a UTC offset are converted to ``timezone`` (the site's); times without one are the
    site's wall clock. ``attrs['read_as']`` says how the file was read, ``attrs['interval_minutes']``
    the interval.
    """
    missing = missing or ("zero" if fill_missing else "error")
    path = Path(path)
    raw = read_rows(path, HISTORY_COLUMNS)
    queue = raw["queue"].astype(str).str.strip()
    if (queue == "").any():
        i = int(np.argmax((queue == "").to_numpy()))
        raise InputError(path, "empty queue name", row=i + FIRST_DATA_LINE, field="queue")
    if known_queues is not None:
        known = set(known_queues)
        unknown = ~queue.isin(known)
        if unknown.any():
            i = int(np.argmax(unknown.to_numpy()))
            raise InputError(path, f"unknown queue {queue.iloc[i]!r}; configured queues: {', '.join(sorted(known))}",
                             row=i + FIRST_DATA_LINE, field="queue")
    ts = parse_timestamps(raw, "interval_start", path, timezone=timezone)
    if interval_minutes is None:
        interval_minutes = detect_interval_minutes(ts, path)
    elif interval_minutes != 1440 and len(ts) > 1 and (ts == ts.normalize()).all() and ts.normalize().nunique() > 1:
        raise InputError(path, f"every time is 00:00: these are daily totals, not {interval_minutes}-minute "
                               f"intervals; read them as daily (--interval-minutes 1440, or leave it out)",
                         field="interval_start")
    step = pd.Timedelta(minutes=interval_minutes)
    off_grid = ((ts - ts.normalize()) % step) != pd.Timedelta(0)
    if off_grid.any():
        i = int(np.argmax(np.asarray(off_grid)))
        raise InputError(path, f"{ts[i]} is not on a {interval_minutes}-minute boundary", row=i + FIRST_DATA_LINE,
                         field="interval_start")
    out = pd.DataFrame({"queue": queue.to_numpy(), "interval_start": ts,
                        "arrivals": parse_numbers(raw, "arrivals", path, integer=True)})
    for column in OPTIONAL_HISTORY_COLUMNS:
        if column in raw.columns:
            out[column] = parse_numbers(raw, column, path, integer=(column == "abandoned"), allow_blank=True)
    if "abandoned" in out and (out["abandoned"] > out["arrivals"]).any():
        i = int(np.argmax((out["abandoned"] > out["arrivals"]).to_numpy()))
        raise InputError(path, "abandoned exceeds arrivals", row=i + FIRST_DATA_LINE, field="abandoned")
    dup = out.duplicated(["queue", "interval_start"], keep="first").to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        first = int(np.argmax(((out["queue"] == out["queue"].iloc[i]) &
                               (out["interval_start"] == out["interval_start"].iloc[i])).to_numpy()))
        raise InputError(path, f"duplicate interval {out['queue'].iloc[i]} {out['interval_start'].iloc[i]:%Y-%m-%d %H:%M}"
                               f" (first at line {first + FIRST_DATA_LINE})", row=i + FIRST_DATA_LINE,
                         field="interval_start")
    out["_line"] = np.arange(len(out)) + FIRST_DATA_LINE
    out = out.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    filled, unknown, unknown_days = [], [], {}
    pieces = []
    for name, group in out.groupby("queue", sort=True):
        full = pd.date_range(group["interval_start"].iloc[0], group["interval_start"].iloc[-1], freq=step)
        if len(full) != len(group):
            gaps = full.difference(pd.DatetimeIndex(group["interval_start"]))
            if missing == "error":
                before = group[group["interval_start"] < gaps[0]]
                line = int(before["_line"].iloc[-1]) if len(before) else None
                raise InputError(path, f"gap in queue {name}: {len(gaps)} missing interval(s), first "
                                       f"{gaps[0]:%Y-%m-%d %H:%M} (after this line); use --fill-missing to "
                                       f"treat them as zero", row=line, field="interval_start")
            if missing == "zero":
                add = pd.DataFrame({"queue": name, "interval_start": gaps, "arrivals": 0.0})
                filled.append((name, len(gaps)))
                group = pd.concat([group, add]).sort_values("interval_start")
            else:
                unknown.append((name, len(gaps)))
                unknown_days[name] = sorted(set(gaps.normalize()))
        pieces.append(group)
    out = pd.concat(pieces, ignore_index=True).drop(columns="_line")
    out.attrs["filled_intervals"] = filled
    out.attrs["missing_intervals"] = unknown
    out.attrs["missing_days"] = unknown_days
    out.attrs["interval_minutes"] = interval_minutes
    out.attrs["read_as"] = raw.attrs.get("read_as", "")
    return out


def detect_interval_minutes(stamps: pd.DatetimeIndex, path: str | Path) -> int:
    """The interval of a history from its times: 1440 when every time is midnight (daily totals),
    else the longest of 60, 30, 15 minutes that every time of day is a multiple of."""
    minutes = np.asarray(stamps.hour * 60 + stamps.minute, dtype=np.int64)
    step = int(np.gcd.reduce(np.append(minutes, 1440)))
    if step == 1440:
        return 1440
    for candidate in (60, 30, 15):
        if step % candidate == 0:
            return candidate
    i = int(np.argmax(minutes % 15 != 0))
    raise InputError(path, f"{stamps[i]:%H:%M} is not on a 15-, 30- or 60-minute boundary: intervals of "
                           f"{step} minutes are not supported (use 60, 30, 15, or one row per day)",
                     row=i + FIRST_DATA_LINE, field="interval_start")
