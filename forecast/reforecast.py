"""Same-day re-forecast: the published forecast's level updated from the actuals seen so far.

Per queue, the ratio of contacts seen to contacts forecast over the hours of today already
elapsed is shrunk towards 1 by a weight that grows with the contacts seen, ``w = seen / (seen +
prior_contacts)`` (the posterior mean of a level with a prior worth ``prior_contacts``): an hour
with a handful of contacts barely moves the plan, a midnight spike of thousands moves it almost
all the way. The shrunk ratio scales the remaining hours of today and, damped, tomorrow; the
day's shape (the 00:00 spike, the 20:00 rush, the promotion phase) is the published profile's,
kept as it is. Bands scale with the level and widen with the hours ahead of ``now`` (a level
read at 02:00 says less about 22:00 than about 03:00). Pure and vectorised: no files, no clock.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# A level read from ~200 contacts is trusted half-way: fewer than that is mostly Poisson noise
# for the hourly volumes of a mid-size shop (sqrt(200)/200 = 7 % standard error).
PRIOR_CONTACTS = 200.0
# Tomorrow keeps half of today's surprise: a promotion's surprise fades over the after-sales days.
TOMORROW_DAMPING = 0.5
# The band's half-width grows by this share per hour ahead of now.
BAND_WIDENING_PER_H = 0.04


@dataclass(frozen=True)
class LevelUpdate:
    """Per queue: contacts seen and forecast so far today, the raw ratio, its weight, the ratio used."""
    table: pd.DataFrame   # queue, seen, forecast_so_far, ratio_raw, weight, ratio, ratio_tomorrow


def level_update(forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp, *,
                 prior_contacts: float = PRIOR_CONTACTS, tomorrow_damping: float = TOMORROW_DAMPING) -> LevelUpdate:
    """The shrunk level ratio per queue of ``forecast`` from ``actuals`` of today before ``now``."""
    day = now.normalize()
    queues = sorted(forecast["queue"].unique())
    elapsed_f = forecast[(forecast["interval_start"] >= day) & (forecast["interval_start"] < now)]
    elapsed_a = actuals[(actuals["interval_start"] >= day) & (actuals["interval_start"] < now)]
    expected = elapsed_f.groupby("queue")["arrivals"].sum().reindex(queues, fill_value=0.0)
    seen = elapsed_a.groupby("queue")["arrivals"].sum().reindex(queues, fill_value=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(expected > 0, seen / expected, 1.0)
    weight = np.where(expected > 0, seen / (seen + prior_contacts), 0.0)
    ratio = 1.0 + weight * (raw - 1.0)
    table = pd.DataFrame({"queue": queues, "seen": seen.to_numpy(), "forecast_so_far": expected.to_numpy(),
                          "ratio_raw": raw, "weight": weight, "ratio": ratio,
                          "ratio_tomorrow": 1.0 + tomorrow_damping * (ratio - 1.0)})
    return LevelUpdate(table)


def reforecast(forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp, *,
               prior_contacts: float = PRIOR_CONTACTS, tomorrow_damping: float = TOMORROW_DAMPING,
               widening_per_h: float = BAND_WIDENING_PER_H) -> tuple[pd.DataFrame, LevelUpdate]:
    """``forecast`` (queue, interval_start, arrivals[, p10, p50, p90]) with the rest of today and
    tomorrow rescaled by the level update; intervals before ``now`` and after tomorrow unchanged."""
    update = level_update(forecast, actuals, now, prior_contacts=prior_contacts, tomorrow_damping=tomorrow_damping)
    day = now.normalize()
    out = forecast.copy()
    starts = out["interval_start"]
    today_rest = ((starts >= now) & (starts < day + pd.Timedelta(days=1))).to_numpy()
    tomorrow = ((starts >= day + pd.Timedelta(days=1)) & (starts < day + pd.Timedelta(days=2))).to_numpy()
    ratios = update.table.set_index("queue")
    scale = np.ones(len(out))
    scale[today_rest] = out.loc[today_rest, "queue"].map(ratios["ratio"]).to_numpy()
    scale[tomorrow] = out.loc[tomorrow, "queue"].map(ratios["ratio_tomorrow"]).to_numpy()
    hours_ahead = np.clip((starts - now).dt.total_seconds().to_numpy() / 3600.0, 0.0, None)
    changed = today_rest | tomorrow
    mean = out["arrivals"].to_numpy(float) * scale
    out["arrivals"] = mean
    if {"p10", "p90"} <= set(out.columns):
        widen = np.where(changed, 1.0 + widening_per_h * hours_ahead, 1.0)
        for column in ("p10", "p50", "p90"):
            if column not in out.columns:
                continue
            scaled = out[column].to_numpy(float) * scale
            if column == "p50":
                out[column] = scaled
            else:
                out[column] = np.maximum(mean + (scaled - mean) * widen, 0.0)
    return out, update
