"""Benchmarks a forecast must beat, each seeing only the history before the origin, like the model:
seasonal naive, the median of the same weekday-interval over the last 8 weeks, statsmodels ETS on
daily totals split by that median's intraday shape, and the same event last year scaled by the level.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from plan.forecast.events import phase_days

LEVEL_WINDOW_DAYS = 28
YEAR_DAYS = 364  # 52 weeks: the same weekday a year ago


def seasonal_naive(series: pd.Series, origin: pd.Timestamp, stamps: pd.DatetimeIndex) -> np.ndarray:
    """Same interval of the last observed week before ``origin``, repeated over the horizon."""
    week = pd.Timedelta(days=7)
    weeks_back = np.ceil(((stamps - origin) + pd.Timedelta(minutes=1)) / week).astype(int)
    source = stamps - weeks_back * week
    return series.reindex(source).to_numpy(dtype=float)


def median_of_weeks(series: pd.Series, origin: pd.Timestamp, stamps: pd.DatetimeIndex, weeks: int = 8) -> np.ndarray:
    """Median of the same weekday and interval over the last ``weeks`` weeks before ``origin``
    (weeks not recorded are skipped)."""
    week = pd.Timedelta(days=7)
    first_back = np.ceil(((stamps - origin) + pd.Timedelta(minutes=1)) / week).astype(int)
    values = np.vstack([series.reindex(stamps - (first_back + k) * week).to_numpy(dtype=float) for k in range(weeks)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an interval never recorded: NaN, no opinion
        return np.nanmedian(values, axis=0)


def ets_daily(series: pd.Series, origin: pd.Timestamp, stamps: pd.DatetimeIndex, slots_per_day: int) -> np.ndarray:
    """statsmodels ETS (additive error, damped trend, weekly season) on the log daily totals of the last
    year before ``origin``, split over the day by the 8-week median's shape."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    past = series[(series.index < origin) & (series.index >= origin - pd.Timedelta(days=YEAR_DAYS))]
    grouped = past.groupby(past.index.normalize())
    totals = grouped.sum().where(grouped.count() == slots_per_day)
    days = pd.date_range(totals.index.min(), origin - pd.Timedelta(days=1), freq="D")
    log_total = np.log1p(totals.reindex(days))
    log_total = log_total.fillna(log_total.groupby(days.day_of_week).transform("median")).fillna(log_total.median())
    if len(log_total) < 21 or log_total.isna().any():
        return np.full(len(stamps), np.nan)
    steps = int((stamps.normalize().max() - days[-1]).days)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ETSModel(log_total.to_numpy(), error="add", trend="add", damped_trend=True, seasonal="add",
                          seasonal_periods=7).fit(disp=False, maxiter=200)
        daily = pd.Series(np.expm1(np.asarray(fitted.forecast(steps))),
                          index=days[-1] + pd.to_timedelta(np.arange(1, steps + 1), unit="D"))
    shape = pd.Series(median_of_weeks(series, origin, stamps), index=stamps)
    share = shape / shape.groupby(stamps.normalize()).transform("sum")
    return (share.to_numpy() * daily.reindex(stamps.normalize()).to_numpy())


def last_year_scaled(series: pd.Series, events: pd.DataFrame, origin: pd.Timestamp,
                     stamps: pd.DatetimeIndex) -> np.ndarray:
    """Last year's value of the same moment, times the change of level since then.

    On a promotion phase-day the same phase-day of the kind's previous occurrence is used (aligned
    on the peak day), elsewhere the same weekday 52 weeks back. The level change is the ratio of
    the last 28 days before the origin to the same 28 days a year earlier.
    """
    year = pd.Timedelta(days=YEAR_DAYS)
    window = pd.Timedelta(days=LEVEL_WINDOW_DAYS)
    recent = series[(series.index >= origin - window) & (series.index < origin)].sum()
    before = series[(series.index >= origin - year - window) & (series.index < origin - year)].sum()
    if before <= 0 or recent <= 0:
        return np.full(len(stamps), np.nan)
    shift = np.full(len(stamps), YEAR_DAYS, dtype=int)
    days = stamps.normalize()
    phases = phase_days(events, pd.DatetimeIndex(days.unique()))
    ends = {}
    if events is not None and len(events):
        for ev in events.itertuples(index=False):
            ends.setdefault(str(ev.kind), []).append(pd.Timestamp(ev.end).normalize())
    for i, day in enumerate(days):
        for ph in phases.get(day, []):
            this_end = day - pd.Timedelta(days=ph.offset)
            earlier = [e for e in ends.get(ph.kind, []) if e < this_end and e + pd.Timedelta(days=ph.offset) < origin]
            if earlier:
                shift[i] = (this_end - max(earlier)).days
                break
    source = stamps - pd.to_timedelta(shift, unit="D")
    values = series.reindex(source).to_numpy(dtype=float, copy=True)
    values[np.asarray(source >= origin)] = np.nan
    return values * (recent / before)
