"""Rolling-origin evaluation (Tashman 2000, "Out-of-sample tests of forecasting accuracy", IJF 16).

For each origin the forecaster is fitted on the history before it and forecasts up to
``horizon_days`` ahead; the same hours are forecast by every baseline of ``plan.forecast.baselines``
(seasonal naive, 8-week weekday-interval median, ETS, last year's same event scaled by the level)
and by each base candidate of the forecaster alone. Origins are spread over the last year of history
and placed just before each past promotion whose kind the history has seen before, so the peaks are
tested, not only ordinary weeks.

Scores are honest about what is known: only open intervals count (closed hours and closed days of
the queue, inferred from the whole history, are left out: a zero forecast of a closed night is no
skill), and intervals or days not recorded have no actual to score against. ``actuals`` may differ
from the history the forecaster sees (a benchmark scores a corrupted history against the clean one).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np
import pandas as pd

from plan.forecast import metrics
from plan.contracts.calendar import event_day_mask
from plan.forecast.baselines import ets_daily, last_year_scaled, median_of_weeks, seasonal_naive
from plan.forecast.calendar import CountryCalendar
from plan.forecast.choice import CANDIDATES
from plan.forecast.events import peak_day_mask, phase_days
from plan.forecast.gaps import classify_days, day_matrix, holiday_mask, ordinary_mask
from plan.forecast.hours import infer_opening_hours
from plan.forecast.model import VolumeForecaster

HORIZON_DAYS = 35
MIN_TRAIN_DAYS = 56
PRE_EVENT_LEAD_DAYS = 3
BASELINES = ("snaive", "median_8w", "ets", "last_year")
METHODS = ("model", *(f"base_{c}" for c in CANDIDATES), *BASELINES)
REPORT_HORIZONS = (1, 7, 35)


@dataclass
class BacktestResult:
    """Per-interval forecasts of every origin, and the summary figures."""

    hourly: pd.DataFrame
    origins: list[pd.Timestamp]
    summary: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # "origin YYYY-MM-DD: error" of origins that failed


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


@dataclass(frozen=True)
class _OriginInputs:
    """What every origin's task reads (shared, sent to each worker once)."""
    history: pd.DataFrame
    events: pd.DataFrame | None
    horizon_days: int
    make: Callable[[], VolumeForecaster]
    seen: dict
    truth: dict
    last_stamp: pd.Timestamp


def backtest_origin(origin: pd.Timestamp, context) -> tuple[list[pd.DataFrame], dict[str, str]]:
    """One origin (an execution-layer task): fit on the history before it, forecast, frame against the truth."""
    s: _OriginInputs = context.shared
    train = s.history[s.history["interval_start"] < origin]
    last_full_day = (s.last_stamp + pd.Timedelta(hours=1)).normalize() - pd.Timedelta(days=1)
    end = min(origin + pd.Timedelta(days=s.horizon_days - 1), last_full_day)
    model = s.make().fit(train, s.events)
    forecast = model.predict(origin, end, candidates=True)
    picks = {queue: part["pick"] for queue, part in model.summary()["queues"].items()}
    pieces = [_origin_frame(origin, queue, fq, s.seen[queue], s.truth[queue], s.events, model)
              for queue, fq in forecast.groupby("queue")]
    return pieces, picks


def rolling_origin_backtest(history: pd.DataFrame, events: pd.DataFrame | None = None, *, country: str = "CN",
                            origins: list[pd.Timestamp] | None = None, horizon_days: int = HORIZON_DAYS,
                            seed: int = 0, progress: Callable[[str], None] | None = None,
                            forecaster: Callable[[], VolumeForecaster] | None = None,
                            actuals: pd.DataFrame | None = None, backend: str = "local",
                            address: str | None = None, workers: int = 1) -> BacktestResult:
    """Fit at each origin, forecast ``horizon_days``, and score model, its candidates and the baselines.

    Origins are independent tasks of the execution layer (:func:`plan.execution.run_tasks` on
    ``backend``; ``forecaster`` must then be picklable, e.g. a ``functools.partial``). An origin that
    fails is left out of the scores and listed in ``failures``; when every origin fails, ``RuntimeError``.
    """
    from plan.execution import run_tasks

    if origins is None:
        origins = choose_origins(history, events, horizon_days)
    actuals = history if actuals is None else actuals
    shared = _OriginInputs(
        history=history, events=events, horizon_days=horizon_days,
        make=forecaster or partial(VolumeForecaster, country=country, seed=seed),
        seen={q: g.set_index("interval_start")["arrivals"].astype(float) for q, g in history.groupby("queue")},
        truth={q: g.set_index("interval_start")["arrivals"].astype(float) for q, g in actuals.groupby("queue")},
        last_stamp=pd.DatetimeIndex(actuals["interval_start"]).max())
    tasks = [(f"origin {origin:%Y-%m-%d}", origin) for origin in origins]
    # the bar names each origin as it starts (fraction 0 in this process or a worker, −1 when sent to Ray)
    started = (lambda name, fraction, message: progress(name) if fraction <= 0 else None) if progress else None
    outcomes = run_tasks(backtest_origin, tasks, backend=backend, address=address, workers=workers, seed=seed,
                         shared=shared, progress=started).outcomes
    failures = [f"{o.name}: {o.error}" for o in outcomes if not o.ok]
    if not any(o.ok for o in outcomes):
        raise RuntimeError("every backtest origin failed: " + "; ".join(failures))
    pieces, picks = [], {}
    for outcome, origin in zip(outcomes, origins):
        if not outcome.ok:
            continue
        frames, origin_picks = outcome.value
        pieces += frames
        for queue, pick in origin_picks.items():
            picks.setdefault(queue, {})[f"{origin:%Y-%m-%d}"] = pick
    hourly = pd.concat(pieces, ignore_index=True)
    hourly = hourly[~np.isnan(hourly["actual"])].reset_index(drop=True)
    hourly = hourly.merge(open_intervals(actuals, events, country), on=["queue", "interval_start"], how="left")
    hourly["open"] = hourly["open"].fillna(False).astype(bool)
    summary = summarise(hourly)
    summary["model_picks"] = picks
    return BacktestResult(hourly=hourly, origins=[o for o, out in zip(origins, outcomes) if out.ok], summary=summary,
                          failures=failures)


def _origin_frame(origin: pd.Timestamp, queue: str, fq: pd.DataFrame, seen: pd.Series, truth: pd.Series,
                  events: pd.DataFrame | None, model: VolumeForecaster) -> pd.DataFrame:
    stamps = pd.DatetimeIndex(fq["interval_start"])
    past = seen[seen.index < origin]
    season = int(round(7 * 24 * 60 / model.interval_minutes_))
    frame = pd.DataFrame({
        "origin": origin, "queue": queue, "interval_start": stamps,
        "horizon_day": np.asarray((stamps.normalize() - origin).days) + 1,
        "event_day": event_day_mask(stamps, events), "peak_day": peak_day_mask(events, stamps),
        "actual": truth.reindex(stamps).to_numpy(dtype=float), "model": fq["arrivals"].to_numpy(),
        "p10": fq["p10"].to_numpy(), "p50": fq["p50"].to_numpy(), "p90": fq["p90"].to_numpy(),
        "snaive": seasonal_naive(past, origin, stamps), "median_8w": median_of_weeks(past, origin, stamps),
        "ets": ets_daily(past, origin, stamps, model.slots_per_day_),
        "last_year": last_year_scaled(past, events, origin, stamps),
        "mase_scale": metrics.seasonal_naive_scale(past.to_numpy(), season)})
    for c in CANDIDATES:
        frame[f"base_{c}"] = fq[f"base_{c}"].to_numpy()
    return frame


def open_intervals(actuals: pd.DataFrame, events: pd.DataFrame | None, country: str) -> pd.DataFrame:
    """Per recorded interval: is the queue open? Closed hours (per weekday) and closed days (holidays
    and weekdays the history shows empty) are not, inferred from the whole history."""
    calendar = CountryCalendar(country)
    stamps = pd.DatetimeIndex(actuals["interval_start"])
    minutes = stamps.hour * 60 + stamps.minute
    interval = int(np.gcd.reduce(np.append(minutes.to_numpy(), 1440)))
    out = []
    for queue, group in actuals.groupby("queue"):
        counts, days = day_matrix(group, interval)
        cal = calendar.flags(days)
        status = classify_days(counts, days, holiday_mask(cal), ordinary_mask(cal, phase_days(events, days)))
        hours = infer_opening_hours(counts, days, status.usable, status.closed_weekdays, interval, recent_days=None)
        is_open = hours.mask(days) & ~status.closed[:, None]
        slots = counts.shape[1]
        out.append(pd.DataFrame({"queue": queue, "interval_start": (
            np.repeat(days.to_numpy(), slots) + np.tile(np.arange(slots) * np.timedelta64(interval, "m"), len(days))),
            "open": is_open.ravel()}))
    return pd.concat(out, ignore_index=True)


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
    out["would_pick"] = best_method(out)
    return out


def best_method(scored: dict) -> str | None:
    """The method with the lowest daily WAPE (what a plan built on daily totals would want)."""
    values = {m: scored[m]["wape_daily"] for m in METHODS if scored[m]["wape_daily"] == scored[m]["wape_daily"]}
    return min(values, key=values.get) if values else None


def _mase(frame: pd.DataFrame, method: str) -> float:
    values = [metrics.mase(g["actual"], g[method], float(g["mase_scale"].iloc[0]))
              for _, g in frame.groupby(["origin", "queue"])]
    values = [v for v in values if v == v]
    return float(np.mean(values)) if values else float("nan")


def summarise(hourly: pd.DataFrame) -> dict:
    """Scores on open intervals: overall, on event days, per queue, per origin and per horizon."""
    scored = hourly[hourly["open"]] if "open" in hourly else hourly
    summary = {"overall": score(scored),
               "event_days": score(scored[scored["event_day"]]) if scored["event_day"].any() else None,
               "peak_days": score(scored[scored["peak_day"]]) if scored["peak_day"].any() else None,
               "by_queue": {q: score(g) for q, g in scored.groupby("queue")},
               "origins": [{"origin": f"{o:%Y-%m-%d}", **_brief(score(g))} for o, g in scored.groupby("origin")],
               "horizons": {str(h): {"overall": score(part), "by_queue": {q: score(g) for q, g in part.groupby("queue")}}
                            for h in report_horizons(int(scored["horizon_day"].max()) if len(scored) else 0)
                            if len(part := scored[scored["horizon_day"] <= h])},
               "excluded_closed_intervals": int(len(hourly) - len(scored))}
    return summary


def report_horizons(longest: int) -> list[int]:
    """1, 7 and 35 days ahead, those the backtest reaches, and its own longest horizon."""
    return sorted({h for h in REPORT_HORIZONS if h <= longest} | ({longest} if longest else set()))


def _brief(s: dict) -> dict:
    return {"model_wape": s["model"]["wape_hourly"], "snaive_wape": s["snaive"]["wape_hourly"],
            "last_year_wape": s["last_year"]["wape_hourly"], "band_coverage": s["model"]["band_coverage"]}
