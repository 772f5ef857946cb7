"""Rolling-origin evaluation (Tashman 2000, "Out-of-sample tests of forecasting accuracy", IJF 16).

For each origin the forecaster is fitted on the history before it and forecasts up to
``horizon_days`` ahead; the same hours are forecast by the seasonal naive and by last year's same
event scaled by the level change (``plan.forecast.baselines``). Origins are spread over the last year
of history and placed just before each past promotion whose kind the history has seen before, so
the peaks are tested, not only ordinary weeks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from plan.forecast import metrics
from plan.forecast.baselines import last_year_scaled, seasonal_naive
from plan.contracts.calendar import event_day_mask
from plan.forecast.events import peak_day_mask
from plan.forecast.model import VolumeForecaster

HORIZON_DAYS = 35
MIN_TRAIN_DAYS = 56
PRE_EVENT_LEAD_DAYS = 3
METHODS = ("model", "snaive", "last_year")


@dataclass
class BacktestResult:
    """Per-interval forecasts of every origin, and the summary figures."""

    hourly: pd.DataFrame
    origins: list[pd.Timestamp]
    summary: dict = field(default_factory=dict)


def choose_origins(history: pd.DataFrame, events: pd.DataFrame | None, horizon_days: int = HORIZON_DAYS,
                   n_regular: int = 6, min_train_days: int = MIN_TRAIN_DAYS) -> list[pd.Timestamp]:
    """Regular origins over the last year, plus one just before each past promotion seen before."""
    stamps = pd.DatetimeIndex(history["interval_start"])
    first = stamps.min().normalize() + pd.Timedelta(days=1)
    last = stamps.max().normalize()  # last (possibly partial) day; origins keep >= 7 test days
    earliest = first + pd.Timedelta(days=min_train_days)
    latest_full = last + pd.Timedelta(days=1) - pd.Timedelta(days=horizon_days)
    if latest_full < earliest:
        latest_full = last - pd.Timedelta(days=7)
    if latest_full < earliest:
        from plan.contracts.errors import InputError
        raise InputError(history.attrs.get("path", "history"),
                         f"history of {(last - first).days + 1} days is too short for a backtest: it needs at least "
                         f"{min_train_days} days of training plus a week to forecast", field="interval_start")
    span_start = max(earliest, latest_full - pd.Timedelta(days=364))
    regular = list(pd.date_range(span_start, latest_full, periods=n_regular).normalize())
    before_events = []
    if events is not None and len(events):
        for ev in events.sort_values("start").itertuples(index=False):
            origin = pd.Timestamp(ev.start).normalize() - pd.Timedelta(days=PRE_EVENT_LEAD_DAYS)
            seen_before = ((events["kind"] == ev.kind) & (pd.to_datetime(events["end"]) < origin)).any()
            if seen_before and earliest <= origin <= last - pd.Timedelta(days=7):
                before_events.append(origin)
    chosen: list[pd.Timestamp] = []
    for origin in sorted(set(before_events)) + regular:
        if all(abs((origin - c).days) >= 7 for c in chosen):
            chosen.append(origin)
    return sorted(chosen)


def rolling_origin_backtest(history: pd.DataFrame, events: pd.DataFrame | None = None, *, country: str = "CN",
                            origins: list[pd.Timestamp] | None = None, horizon_days: int = HORIZON_DAYS,
                            seed: int = 0, progress: Callable[[str], None] | None = None,
                            forecaster: Callable[[], VolumeForecaster] | None = None) -> BacktestResult:
    """Fit at each origin, forecast ``horizon_days``, and score model and baselines."""
    if origins is None:
        origins = choose_origins(history, events, horizon_days)
    make = forecaster or (lambda: VolumeForecaster(country=country, seed=seed))
    last_stamp = pd.DatetimeIndex(history["interval_start"]).max()
    series = {q: g.set_index("interval_start")["arrivals"].astype(float) for q, g in history.groupby("queue")}
    pieces = []
    for origin in origins:
        if progress is not None:
            progress(f"origin {origin:%Y-%m-%d}")
        train = history[history["interval_start"] < origin]
        last_full_day = (last_stamp + pd.Timedelta(hours=1)).normalize() - pd.Timedelta(days=1)
        end = min(origin + pd.Timedelta(days=horizon_days - 1), last_full_day)
        model = make().fit(train, events)
        forecast = model.predict(origin, end)
        for queue, fq in forecast.groupby("queue"):
            stamps = pd.DatetimeIndex(fq["interval_start"])
            actual = series[queue].reindex(stamps).to_numpy(dtype=float)
            past = series[queue][series[queue].index < origin]
            season = int(round(7 * 24 * 60 / model.interval_minutes_))
            pieces.append(pd.DataFrame({
                "origin": origin, "queue": queue, "interval_start": stamps,
                "horizon_day": np.asarray((stamps.normalize() - origin).days) + 1,
                "event_day": event_day_mask(stamps, events),
                "peak_day": peak_day_mask(events, stamps),
                "actual": actual, "model": fq["arrivals"].to_numpy(), "p10": fq["p10"].to_numpy(),
                "p50": fq["p50"].to_numpy(), "p90": fq["p90"].to_numpy(),
                "snaive": seasonal_naive(series[queue], origin, stamps),
                "last_year": last_year_scaled(series[queue], events, origin, stamps),
                "mase_scale": metrics.seasonal_naive_scale(past.to_numpy(), season),
            }))
    hourly = pd.concat(pieces, ignore_index=True)
    hourly = hourly[~np.isnan(hourly["actual"])].reset_index(drop=True)
    return BacktestResult(hourly=hourly, origins=list(origins), summary=summarise(hourly))


def score(frame: pd.DataFrame) -> dict:
    """Hourly and daily WAPE, MASE and bias per method, and the model's 10-90 band coverage."""
    out: dict = {"intervals": int(len(frame)), "contacts": float(frame["actual"].sum())}
    daily = frame.assign(day=frame["interval_start"].dt.normalize()).groupby(["origin", "queue", "day"])
    sums = daily[["actual", *METHODS]].sum(min_count=1)
    # A day's baseline total exists only if all its intervals do.
    complete = daily[list(METHODS)].apply(lambda g: g.notna().all())
    sums[list(METHODS)] = sums[list(METHODS)].where(complete)
    for method in METHODS:
        rows = frame[method].notna()
        out[method] = {
            "wape_hourly": metrics.wape(frame["actual"], frame[method]),
            "wape_daily": metrics.wape(sums["actual"], sums[method]),
            "mase": _mase(frame[rows], method),
            "bias": metrics.bias(frame["actual"], frame[method]),
            "coverage_of_hours": float(rows.mean()) if len(rows) else float("nan"),
        }
    out["model"]["band_coverage"] = metrics.coverage(frame["actual"], frame["p10"], frame["p90"])
    out["model"]["below_p10"] = float((frame["actual"] < frame["p10"]).mean()) if len(frame) else float("nan")
    out["model"]["above_p90"] = float((frame["actual"] > frame["p90"]).mean()) if len(frame) else float("nan")
    snaive = out["snaive"]["wape_hourly"]
    out["ratio_hourly"] = out["model"]["wape_hourly"] / snaive if snaive and snaive == snaive else float("nan")
    return out


def _mase(frame: pd.DataFrame, method: str) -> float:
    values = [metrics.mase(g["actual"], g[method], float(g["mase_scale"].iloc[0]))
              for _, g in frame.groupby(["origin", "queue"])]
    values = [v for v in values if v == v]
    return float(np.mean(values)) if values else float("nan")


def summarise(hourly: pd.DataFrame) -> dict:
    """Scores overall, on event days, per queue and per origin."""
    summary = {"overall": score(hourly),
               "event_days": score(hourly[hourly["event_day"]]) if hourly["event_day"].any() else None,
               "peak_days": score(hourly[hourly["peak_day"]]) if hourly["peak_day"].any() else None,
               "by_queue": {q: score(g) for q, g in hourly.groupby("queue")},
               "origins": [{"origin": f"{o:%Y-%m-%d}", **_brief(score(g))} for o, g in hourly.groupby("origin")]}
    return summary


def _brief(s: dict) -> dict:
    return {"model_wape": s["model"]["wape_hourly"], "snaive_wape": s["snaive"]["wape_hourly"],
            "last_year_wape": s["last_year"]["wape_hourly"], "band_coverage": s["model"]["band_coverage"]}
