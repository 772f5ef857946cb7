"""Same-day re-forecast: the published forecast's level updated from the actuals seen so far.

Per queue, the ratio of contacts seen to contacts forecast over the hours of today already
elapsed is shrunk towards 1 by a weight that grows with the contacts seen, ``w = seen / (seen +
prior_contacts)`` (the posterior mean of a level with a prior worth ``prior_contacts``): an hour
with a handful of contacts barely moves the plan, a midnight spike of thousands moves it almost
all the way. The shrunk ratio scales the remaining hours of today and, damped, tomorrow; the
day's shape (the 00:00 spike, the 20:00 rush, the promotion phase) is the published profile's,
kept as it is, unless the hours seen say it runs late or early: the published profile shifted by
up to :data:`MAX_LAG_H` hours (one shift for every queue, a promotion's start moved) is taken for the
rest of today when it fits the hours seen far better than the profile in place (Poisson deviance,
each shift with its own level; :func:`shape_lag`). Bands scale with the level and widen with the
hours ahead of ``now`` (a level read at 02:00 says less about 22:00 than about 03:00). Pure and
vectorised: no files, no clock.
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
# The day's shape may be read as running up to this many hours late or early. Every shift is judged
# on the same hours: those from MAX_LAG_H after midnight (the first hours of a late day hold what came
# before its shape, not the profile), and only once MIN_HOURS_FOR_LAG of them are seen (with fewer, a
# level and a shift explain the same few hours equally well).
MAX_LAG_H = 3
MIN_HOURS_FOR_LAG = 3
# A shift is taken only when it fits the hours seen this much better than the profile in place: a
# drop in Poisson deviance of at least LAG_EVIDENCE (a likelihood ratio of e^10 among 7 candidate
# shifts) and to at most LAG_DEVIANCE_SHARE of it (real hourly volumes are overdispersed: at
# thousands of contacts an hour, the deviance alone would take a shift from an ordinary forecast error).
LAG_EVIDENCE = 20.0
LAG_DEVIANCE_SHARE = 0.25


@dataclass(frozen=True)
class LevelUpdate:
    """Per queue: contacts seen and forecast so far today (on the shape as shifted), the raw ratio,
    its weight, the ratio used, and the shift of today's shape in hours (positive: running late)."""
    table: pd.DataFrame   # queue, seen, forecast_so_far, ratio_raw, weight, ratio, ratio_tomorrow, lag_h

    @property
    def lag_h(self) -> float:
        return float(self.table["lag_h"].iloc[0]) if len(self.table) else 0.0


def _poisson_deviance(seen: np.ndarray, expected: np.ndarray) -> float:
    """2 Σ [y log(y/μ) − (y − μ)], with μ scaled to the seen total (a free level)."""
    level = seen.sum() / expected.sum() if expected.sum() > 0 else 1.0
    mu = np.maximum(expected * level, 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(seen > 0, seen * np.log(seen / mu), 0.0)
    return float(2.0 * (term - (seen - mu)).sum())


def shifted(forecast: pd.DataFrame, lag: pd.Timedelta) -> pd.DataFrame:
    """``forecast`` with each interval's arrivals (and band) those published ``lag`` earlier (positive:
    the day running late); intervals with nothing published that far back keep their own."""
    if lag == pd.Timedelta(0):
        return forecast
    columns = [c for c in ("arrivals", "p10", "p50", "p90") if c in forecast.columns]
    keyed = forecast.set_index(["queue", "interval_start"])[columns]
    source = pd.MultiIndex.from_arrays([forecast["queue"], forecast["interval_start"] - lag])
    moved = keyed.reindex(source).to_numpy(float)
    out = forecast.copy()
    own = out[columns].to_numpy(float)
    out[columns] = np.where(np.isnan(moved), own, moved)
    return out


def shape_lag(forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp, *, max_lag_h: int = MAX_LAG_H,
              step: pd.Timedelta | None = None) -> pd.Timedelta:
    """The shift of today's shape the hours seen support (every queue together), or zero."""
    first = now.normalize() + pd.Timedelta(hours=max_lag_h)
    if now - first < pd.Timedelta(hours=MIN_HOURS_FOR_LAG) or actuals.empty:
        return pd.Timedelta(0)
    starts = forecast["interval_start"]
    step = step or (starts.drop_duplicates().sort_values().diff().min() if len(starts) > 1 else pd.Timedelta(hours=1))
    seen = actuals[(actuals["interval_start"] >= first) & (actuals["interval_start"] < now)] \
        .groupby(["queue", "interval_start"])["arrivals"].sum()
    deviance = {}
    for k in range(-int(pd.Timedelta(hours=max_lag_h) / step), int(pd.Timedelta(hours=max_lag_h) / step) + 1):
        lag = k * step
        table = shifted(forecast, lag).set_index(["queue", "interval_start"])["arrivals"]
        expected = table.reindex(seen.index)
        if expected.isna().any():
            continue
        deviance[lag] = sum(_poisson_deviance(seen.xs(q).to_numpy(float), expected.xs(q).to_numpy(float))
                            for q in seen.index.get_level_values(0).unique())
    if pd.Timedelta(0) not in deviance:
        return pd.Timedelta(0)
    best = min(deviance, key=lambda lag: (deviance[lag], abs(lag)))
    in_place = deviance[pd.Timedelta(0)]
    if in_place - deviance[best] >= LAG_EVIDENCE and deviance[best] <= LAG_DEVIANCE_SHARE * in_place:
        return best
    return pd.Timedelta(0)


def level_update(forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp, *,
                 prior_contacts: float = PRIOR_CONTACTS, tomorrow_damping: float = TOMORROW_DAMPING,
                 since: pd.Timestamp | None = None) -> LevelUpdate:
    """The shrunk level ratio per queue of ``forecast`` from ``actuals`` of today before ``now`` (from
    ``since`` on, when given)."""
    day = now.normalize() if since is None else since
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
                          "ratio_tomorrow": 1.0 + tomorrow_damping * (ratio - 1.0), "lag_h": 0.0})
    return LevelUpdate(table)


def reforecast(forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp, *,
               prior_contacts: float = PRIOR_CONTACTS, tomorrow_damping: float = TOMORROW_DAMPING,
               widening_per_h: float = BAND_WIDENING_PER_H) -> tuple[pd.DataFrame, LevelUpdate]:
    """``forecast`` (queue, interval_start, arrivals[, p10, p50, p90]) with the rest of today and
    tomorrow rescaled by the level update, today's rest on the shape shifted as the hours seen say
    (:func:`shape_lag`); intervals before ``now`` and after tomorrow unchanged."""
    day = now.normalize()
    lag = shape_lag(forecast, actuals, now)
    moved = shifted(forecast, lag)
    today = ((forecast["interval_start"] >= day) & (forecast["interval_start"] < day + pd.Timedelta(days=1))).to_numpy()
    read = forecast.copy()
    read.loc[today] = moved.loc[today]
    # a late day's first hours hold what came before its shape: its level is read after them
    update = level_update(read, actuals, now, prior_contacts=prior_contacts, tomorrow_damping=tomorrow_damping,
                          since=day + max(lag, pd.Timedelta(0)))
    update.table["lag_h"] = lag / pd.Timedelta(hours=1)
    out = forecast.copy()
    starts = out["interval_start"]
    today_rest = today & (starts >= now).to_numpy()
    out.loc[today_rest] = moved.loc[today_rest]
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
