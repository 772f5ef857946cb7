"""`VolumeForecaster`: hourly (or 30/15-min) arrivals per queue with holidays and promotion peaks.

Configure, fit, predict, like a statsmodels/sklearn estimator::

    fc = VolumeForecaster(country="CN", seed=0).fit(history_df, events_df)
    table = fc.predict("2026-11-01", "2026-11-30")   # queue, interval_start, arrivals, p10, p50, p90

Per queue: the daily total comes from ``plan.forecast.daily`` (log-linear effects + local level), the
split over the day from ``plan.forecast.intraday``; the quantiles from ``plan.forecast.uncertainty`` by
seeded simulation. ``notes`` lists every assumption a user should know (an unseen promotion kind
forecast from its ``intensity``, swapped working days not yet published, ...).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from plan.contracts.errors import InputError
from plan.forecast import choice as choice_
from plan.forecast.calendar import CountryCalendar
from plan.forecast.daily import DailyFit, design_matrix, fit_daily
from plan.forecast.drivers import DriverRegressors
from plan.forecast.events import PhaseDay, phase_days
from plan.forecast.gaps import DayStatus, classify_days, day_matrix, day_ranges, holiday_mask, ordinary_mask
from plan.forecast.hours import OpeningHours, StatedHours, infer_opening_hours
from plan.forecast.intraday import IntradayProfiles
from plan.forecast.uncertainty import simulate_quantiles

MIN_HISTORY_DAYS = 28
# An unseen kind with an intensity: the share of the peak uplift on pre-sale days, and how the
# after-sales tail decays (per day) -- generic shapes, reported in `notes` whenever used.
UNSEEN_PRESALE_SHARE = 0.25
UNSEEN_TAIL_SHARE = 0.3
UNSEEN_TAIL_DECAY = 0.6
UNSEEN_LOG_SD = 0.35
# An unseen holiday with no open holiday in the history: half-way between a holiday (the weekly rest
# day plus what holidays learned) and an ordinary day of its weekday, on the log scale.
UNSEEN_HOLIDAY_SHRINK = 0.5
# Spread of one edition's strength around its kind's typical edition (log scale, at a large uplift).
EDITION_LOG_SD = 0.25

Progress = Callable[[str], None]


@dataclass
class QueueModel:
    daily: DailyFit
    profiles: IntradayProfiles
    rest_dow: int
    workdays: list[int]
    hours: OpeningHours
    hours_source: str              # "history" (inferred) or where they were stated
    status: DayStatus
    choice: choice_.Choice
    ets: choice_.EtsBase
    adjusted: np.ndarray           # log daily total as an ordinary day of its weekday (NaN: not usable)
    filled: np.ndarray             # the same with gaps filled, for ETS
    holidays_open: dict[str, pd.Timestamp] = field(default_factory=dict)    # last date seen open
    holidays_closed: dict[str, pd.Timestamp] = field(default_factory=dict)  # last date seen closed
    open_holiday_days: int = 0

    def closed_on(self, name: str) -> bool:
        """Closed on this holiday: the history's latest occurrence of it was closed."""
        closed, opened = self.holidays_closed.get(name), self.holidays_open.get(name)
        return closed is not None and (opened is None or closed > opened)

    def summary(self) -> dict:
        status = self.status
        return {**self.choice.summary(), "opening_hours": self.hours.describe(), "opening_hours_from": self.hours_source,
                "days_not_recorded": {"count": int(status.missing.sum()), "where": day_ranges(status.days[status.missing])},
                "outlier_days": {"count": int(status.outlier.sum()), "where": day_ranges(status.days[status.outlier])},
                "closed_days": {"count": int(status.closed.sum()), "where": day_ranges(status.days[status.closed])},
                "closed_holidays": sorted(n for n in self.holidays_closed if self.closed_on(n)),
                "driver_effects": {c.removeprefix("drv|"): round(self.daily.coefficient(c), 4)
                                   for c in self.daily.columns if c.startswith("drv|")}}


@dataclass
class VolumeForecaster:
    """Arrivals forecaster; ``country`` picks public holidays and 调休 from the ``holidays`` package."""

    country: str = "CN"
    seed: int = 0
    n_draws: int = 2000
    trend: bool | None = None          # None: local level with or without drift, chosen by AIC
    # Multiplies the daily log-scale spread, calibrated on the rolling-origin backtests so that the
    # 10-90 band holds inside the 75-85 % target zone (bench/forecast_accuracy.py measures it).
    band_scale: float = 1.0
    choose_base: bool = True           # False: the event model alone (no candidates, model-based bands)
    # Per queue, opening hours and closed dates a user stated (the workforce config): used instead of
    # the hours inferred from the history.
    stated_hours: dict[str, StatedHours] = field(default_factory=dict)
    # A driver table (``plan.contracts.drivers``: date, driver, value; actuals and the plan) whose
    # drivers enter the daily model as lagged regressors.
    drivers: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    # ---- fit -------------------------------------------------------------------------------
    def fit(self, history: pd.DataFrame, events: pd.DataFrame | None = None,
            progress: Progress | None = None) -> "VolumeForecaster":
        """Learn every queue of ``history`` (columns queue, interval_start, arrivals)."""
        # The matrices are small: one BLAS thread is many times faster than several fighting
        # for a shared two-core machine.
        with threadpool_limits(limits=1):
            return self._fit(history, events, progress)

    def _fit(self, history: pd.DataFrame, events: pd.DataFrame | None, progress: Progress | None
             ) -> "VolumeForecaster":
        self.notes = []
        self._source = history.attrs.get("path", "history")
        self._events_source = events.attrs.get("path", "events") if events is not None else "events"
        self._calendar = CountryCalendar(self.country)
        self._events = _clean_events(events)
        self.interval_minutes_ = _interval_minutes(history, self._source)
        self.slots_per_day_ = 1440 // self.interval_minutes_
        self.queues_ = sorted(history["queue"].unique())
        self._driver_regressors = (None if self.drivers is None else
                                   DriverRegressors(self.drivers, pd.Timestamp(history["interval_start"].max()).normalize()))
        self.models_: dict[str, QueueModel] = {}
        self.history_days_: dict[str, pd.DatetimeIndex] = {}
        self._tail_history: dict[str, pd.Series] = {}
        for queue in self.queues_:
            if progress is not None:
                progress(queue)
            group = history[history["queue"] == queue]
            counts, days = day_matrix(group.dropna(subset=["arrivals"]), self.interval_minutes_)
            cal = self._calendar.flags(days)
            phases = phase_days(self._events, days)
            status = classify_days(counts, days, holiday_mask(cal), ordinary_mask(cal, phases))
            if status.usable.sum() < MIN_HISTORY_DAYS:
                raise InputError(self._source, f"queue {queue}: only {int(status.usable.sum())} full recorded day(s) of "
                                               f"history; at least {MIN_HISTORY_DAYS} are needed to forecast",
                                 field="interval_start")
            self.models_[queue] = self._fit_queue(counts, days, cal, phases, status, self.stated_hours.get(queue))
            self._note_days(queue, self.models_[queue])
            self.history_days_[queue] = days
            self._tail_history[queue] = group.set_index("interval_start")["arrivals"]
        self.last_day_ = max(d[-1] for d in self.history_days_.values())
        self._learned_kinds = self._kinds_with_past_peak()
        self._event_scale = self._intensity_scale()
        return self

    def _fit_queue(self, counts: np.ndarray, days: pd.DatetimeIndex, cal: pd.DataFrame,
                   phases: dict[pd.Timestamp, list[PhaseDay]], status: DayStatus, stated: StatedHours | None
                   ) -> QueueModel:
        usable = status.usable
        totals = np.where(usable, np.nansum(counts, axis=1), np.nan)
        rest_dow = rest_day(totals[usable], cal[usable], self._calendar.weekend_days)
        workdays = [d for d in range(7) if d not in self._calendar.weekend_days]
        X = self._with_drivers(design_matrix(days, cal, phases, rest_dow=rest_dow, workdays=workdays))
        daily = fit_daily(pd.Series(totals, index=days), X, trend=self.trend, usable=usable)
        dominant = {d: _dominant_phase(p, daily) for d, p in phases.items()}
        if stated is not None:
            hours, hours_source = stated.at(self.interval_minutes_), stated.source
        else:
            hours = infer_opening_hours(counts, days, usable, status.closed_weekdays, self.interval_minutes_)
            hours_source = "history"
        used, used_cal = counts[usable], cal[usable]
        profiles = IntradayProfiles(self.slots_per_day_, rest_dow=rest_dow, workdays=tuple(workdays)).fit(
            used, days[usable], used_cal, dominant)
        profiles.estimate_overdispersion(used, days[usable], used_cal, dominant)
        dow = days.day_of_week.to_numpy()
        weekday = daily.weekday_effects()
        offset = daily.effects(X) - weekday[dow]
        y = np.log1p(totals)
        fallback = _model_log_sd(daily)
        if self.choose_base:
            choice, ets = choice_.choose(y, offset, dow, lambda k, steps: daily.level_forecast_from(k, steps)
                                         + weekday[dow[k:k + steps]], usable, fallback)
        else:
            choice, ets = _event_model_only(fallback), choice_.EtsBase(np.array([]))
        adjusted = np.where(usable, y - offset, np.nan)
        model = QueueModel(daily, profiles, rest_dow, workdays, hours, hours_source, status, choice, ets, adjusted,
                           choice_.fill_for_ets(adjusted, dow))
        self._learn_holiday_openings(model, days, status)
        return model

    def _with_drivers(self, X: pd.DataFrame) -> pd.DataFrame:
        """The design matrix with the drivers' lagged columns (none without a driver table)."""
        if self._driver_regressors is None:
            return X
        return X.join(self._driver_regressors.columns(pd.DatetimeIndex(X.index)))

    def _learn_holiday_openings(self, model: QueueModel, days: pd.DatetimeIndex, status: DayStatus) -> None:
        names = self._calendar.holiday_names(days)
        for i in np.flatnonzero(names != ""):
            if status.closed[i]:
                model.holidays_closed[names[i]] = days[i]
            elif not status.missing[i]:
                model.holidays_open[names[i]] = days[i]
                model.open_holiday_days += 1

    def _note_days(self, queue: str, model: QueueModel) -> None:
        """Report once what the history does not say, and what was inferred from it."""
        status = model.status
        if status.missing.any():
            self.notes.append(f"queue {queue}: {int(status.missing.sum())} day(s) not fully recorded, left out of "
                              f"fitting and scoring (not taken as zero): {day_ranges(status.days[status.missing])}")
        if status.outlier.any():
            self.notes.append(f"queue {queue}: {int(status.outlier.sum())} outlier day(s) (outage, logging failure or "
                              f"unexplained peak) given no weight: {day_ranges(status.days[status.outlier])}")
        closed = sorted(n for n in model.holidays_closed if model.closed_on(n))
        if closed:
            self.notes.append(f"queue {queue}: closed on {', '.join(closed)} in the history: forecast closed")
        spans = model.hours.describe()
        if model.hours_source != "history":
            self.notes.append(f"queue {queue}: opening hours from the {model.hours_source} (not inferred from the "
                              f"history): " + "; ".join(f"{d} {v}" for d, v in spans.items()))
        elif any(v != "00:00-24:00" for v in spans.values()):
            self.notes.append(f"queue {queue}: opening hours inferred from the history: "
                              + "; ".join(f"{d} {v}" for d, v in spans.items()))

    def _kinds_with_past_peak(self) -> set[str]:
        ev = self._events
        if len(ev) == 0:
            return set()
        return set(ev.loc[ev["end"] <= self.last_day_, "kind"])

    def _intensity_scale(self) -> np.ndarray:
        """Events row scale: its intensity relative to the mean intensity of its kind's past rows."""
        ev = self._events
        scale = np.ones(len(ev))
        for kind in set(ev["kind"]):
            past = ev[(ev["kind"] == kind) & (ev["end"] <= self.last_day_)]
            ref = past["intensity"].dropna()
            if len(ref) == 0 or ref.mean() <= 0:
                continue
            rows = np.flatnonzero((ev["kind"] == kind).to_numpy() & ev["intensity"].notna().to_numpy())
            scale[rows] = ev["intensity"].to_numpy()[rows] / ref.mean()
        return scale

    # ---- predict ---------------------------------------------------------------------------
    def predict(self, start, end, candidates: bool = False) -> pd.DataFrame:
        """Forecast every interval of the days ``start`` .. ``end`` (inclusive dates).

        ``candidates=True`` adds a column per base candidate (``base_event_model``, ...): the mean
        forecast had that candidate alone been chosen (same effects and intraday shape), for backtests.
        """
        with threadpool_limits(limits=1):
            return self._predict(start, end, candidates)

    def _predict(self, start, end, candidates: bool = False) -> pd.DataFrame:
        start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
        if end < start:
            raise InputError(None, f"end {end:%Y-%m-%d} is before start {start:%Y-%m-%d}", field="end")
        if start <= self.last_day_:
            raise InputError(None, f"forecast start {start:%Y-%m-%d} is inside the history (which ends "
                                   f"{self.last_day_:%Y-%m-%d}); start on {self.last_day_ + pd.Timedelta(days=1):%Y-%m-%d}"
                                   f" or later", field="start")
        days = pd.date_range(start, end, freq="D")
        if self._driver_regressors is not None:
            self._driver_regressors.require_plan(days)
        cal = self._calendar.flags(days)
        phases = phase_days(self._events, days)
        self._note_unpublished_swaps(days)
        unseen_log, unseen_var = self._unseen_kind_effects(days, phases)
        rng = np.random.default_rng(self.seed)
        tables = []
        for queue in self.queues_:
            model = self.models_[queue]
            horizon = np.asarray((days - self.history_days_[queue][-1]).days, dtype=int)
            X = self._with_drivers(design_matrix(days, cal, _learned_only(phases, self._learned_kinds),
                                                 self._event_scale, rest_dow=model.rest_dow, workdays=model.workdays))
            mean_log, var_log, bases = self._base_forecast(model, X, days, horizon)
            mean_log, var_log, closed = self._holiday_openness(model, X, days, cal, phases, mean_log, var_log)
            if queue in self.stated_hours:
                closed = closed | self.stated_hours[queue].closed_on(days)
            mean_log = mean_log + unseen_log
            var_log = var_log + unseen_var + self._edition_variance(model.daily.promotion_effect(X), days, phases)
            var_log = var_log * self.band_scale ** 2
            profile = np.vstack([model.profiles.profile(d, cal.loc[d], _dominant_phase(
                _learned_only_list(phases.get(d, []), self._learned_kinds), model.daily)) for d in days])
            profile, closed = _open_hours_only(profile, model.hours.mask(days), closed)
            mean, p10, p50, p90 = simulate_quantiles(mean_log, var_log, profile, model.profiles.overdispersion, rng,
                                                     self.n_draws)
            for values in (mean, p10, p50, p90):
                values[closed] = 0.0
            stamps = (np.repeat(days.to_numpy(), self.slots_per_day_)
                      + np.tile(np.arange(self.slots_per_day_) * np.timedelta64(self.interval_minutes_, "m"), len(days)))
            table = pd.DataFrame({"queue": queue, "interval_start": stamps, "arrivals": mean.ravel(),
                                  "p10": p10.ravel(), "p50": p50.ravel(), "p90": p90.ravel()})
            if candidates:
                for name, base in bases.items():
                    ratio = np.exp(np.where(np.isnan(base), bases["event_model"], base) - bases["combined"])
                    if name != "combined":
                        table[f"base_{name}"] = (mean * ratio[:, None]).ravel()
            tables.append(table)
        return pd.concat(tables, ignore_index=True)

    def _base_forecast(self, model: QueueModel, X: pd.DataFrame, days: pd.DatetimeIndex, horizon: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Log daily mean and variance: the chosen combination of bases plus the learned effects.

        The variance is the combination's backtest spread for the horizon (plus what the level model
        adds beyond the backtested 35 days, and the extra uncertainty of rare effects on their days).
        """
        daily = model.daily
        mean_log, var_log = daily.predict_log(X, horizon)
        level_var = daily.level_log_variance(horizon)
        effect_var = var_log - level_var
        weekday = daily.weekday_effects()
        offset = daily.effects(X) - weekday[days.day_of_week.to_numpy()]
        steps = int(horizon.max())
        n = len(model.adjusted)
        hist_dow = model.status.days.day_of_week.to_numpy()
        future_dow = (model.status.days[-1] + pd.to_timedelta(np.arange(1, steps + 1), unit="D")).day_of_week.to_numpy()
        bases = choice_.candidate_bases(model.adjusted, model.filled, hist_dow, n, future_dow, np.full(steps, np.nan),
                                        model.ets)
        bases = {m: b[horizon - 1] for m, b in bases.items()}
        bases["event_model"] = mean_log - offset
        buckets = choice_.bucket(horizon)
        base = choice_.combine(bases, model.choice.weights, buckets)
        tested = daily.level_log_variance(np.array([choice_.HORIZON_DAYS]))[0]
        beyond = np.maximum(level_var - tested, 0.0)
        rare = np.maximum(effect_var - np.median(effect_var), 0.0)
        sd = np.asarray(model.choice.log_sd)[buckets]
        return base + offset, sd ** 2 + beyond + rare, {**bases, "combined": base}

    def _holiday_openness(self, model: QueueModel, X: pd.DataFrame, days: pd.DatetimeIndex, cal: pd.DataFrame,
                          phases: dict, mean_log: np.ndarray, var_log: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Holidays the history shows closed are closed; a holiday it never showed is shrunk towards an
        ordinary day of its weekday, with a wider band: half-way (on the log scale) from what a holiday
        is expected to be when the history holds no open holiday, and by 1/(1 + n)^2 of that after n open
        holiday days (their learned effect is evidence of how this centre treats holidays)."""
        names = self._calendar.holiday_names(days)
        closed = np.array([bool(n) and model.closed_on(n) for n in names])
        unseen = np.array([bool(n) and n not in model.holidays_open and n not in model.holidays_closed for n in names])
        if not unseen.any():
            return mean_log, var_log, closed
        ordinary_cal = cal.copy()
        ordinary_cal.loc[days[unseen], ["holiday", "holiday_offday", "holiday_long", "day_off"]] = 0
        ordinary_cal.loc[days[unseen], "long_block"] = ""
        X_ordinary = self._with_drivers(design_matrix(days, ordinary_cal, _learned_only(phases, self._learned_kinds),
                                                      self._event_scale, rest_dow=model.rest_dow,
                                                      workdays=model.workdays))
        delta = np.where(unseen, model.daily.effects(X_ordinary) - model.daily.effects(X), 0.0)
        towards_ordinary = UNSEEN_HOLIDAY_SHRINK / (1.0 + model.open_holiday_days) ** 2
        for name in sorted(set(names[unseen])):
            self.notes.append(f"holiday {name!r} is not in the history (neither open nor closed): forecast between a "
                              f"holiday and an ordinary day ({towards_ordinary:.0%} of the way to ordinary), wider band")
        # The band is widened to reach towards both a holiday and an ordinary day; the log-normal is
        # centred so that its mean, not only its median, stays at the shrunk estimate.
        extra = (0.5 * delta) ** 2
        return mean_log + towards_ordinary * delta - extra / 2, var_log + extra, closed

    def summary(self) -> dict:
        """What the forecaster chose and found, per queue: saved next to the forecast."""
        return {"queues": {q: m.summary() for q, m in self.models_.items()}, "notes": list(self.notes)}

    def _edition_variance(self, effect: np.ndarray, days: pd.DatetimeIndex,
                          phases: dict[pd.Timestamp, list[PhaseDay]]) -> np.ndarray:
        """No two editions of a promotion are alike: extra log-variance on promotion days, growing
        with the size of the effect and with fewer past editions to learn from (factor 1 + 1/n)."""
        past = self._events[self._events["end"] <= self.last_day_]["kind"].value_counts()
        editions = np.array([min((past.get(p.kind, 0) for p in phases.get(d, []) if p.kind in self._learned_kinds),
                                 default=0) for d in days], dtype=float)
        thin = np.where(editions > 0, 1.0 + 1.0 / np.maximum(editions, 1.0), 0.0)
        sd = EDITION_LOG_SD * (1.0 - np.exp(-np.abs(effect)))
        return sd ** 2 * thin

    def _unseen_kind_effects(self, days: pd.DatetimeIndex, phases: dict[pd.Timestamp, list[PhaseDay]]
                             ) -> tuple[np.ndarray, np.ndarray]:
        """Log uplift (and its variance) of promotion kinds never seen in the history, from `intensity`."""
        uplift = np.zeros(len(days))
        var = np.zeros(len(days))
        reported = set()
        for i, day in enumerate(days):
            for ph in phases.get(day, []):
                if ph.kind in self._learned_kinds:
                    continue
                row = self._events.iloc[ph.event_row]
                intensity = row["intensity"]
                if pd.isna(intensity):
                    raise InputError(self._events_source, f"event {row['name']!r} is of kind {ph.kind!r}, which has no "
                                     f"past occurrence in the history, and has no intensity; add an intensity "
                                     f"(peak-day volume as a multiple of a normal day, e.g. 2.5) or history that "
                                     f"covers a past {ph.kind}", row=int(row["_line"]), field="intensity")
                if intensity <= 0:
                    raise InputError(self._events_source, f"intensity must be > 0 for an unseen kind, got {intensity:g}",
                                     row=int(row["_line"]), field="intensity")
                extra = intensity - 1.0
                if ph.offset < 0:
                    effect = np.log1p(max(extra * UNSEEN_PRESALE_SHARE, -0.9))
                elif ph.offset == 0:
                    effect = np.log(intensity)
                else:
                    effect = np.log1p(max(extra * UNSEEN_TAIL_SHARE * UNSEEN_TAIL_DECAY ** (ph.offset - 1), -0.9))
                uplift[i] += effect
                var[i] += UNSEEN_LOG_SD ** 2 if abs(effect) > 1e-3 else 0.0
                if row["name"] not in reported:
                    reported.add(row["name"])
                    self.notes.append(
                        f"event {row['name']!r} (kind {ph.kind!r}) has no past occurrence: forecast from its intensity "
                        f"{intensity:g} as the peak-day multiple of a normal day ({UNSEEN_PRESALE_SHARE:.0%} of the "
                        f"uplift on pre-sale days, tail decaying from {UNSEEN_TAIL_SHARE:.0%}); ordinary intraday shape")
        return uplift, var

    def _note_unpublished_swaps(self, days: pd.DatetimeIndex) -> None:
        missing = self._calendar.unpublished_swap_years(sorted(set(days.year)))
        if missing:
            self.notes.append(f"{self.country} swapped working days (调休) for {', '.join(map(str, missing))} are not "
                              f"published in the holidays package yet: forecast assumes none")

    # ---- introspection used by reports and tests ---------------------------------------------
    def daily_effect(self, queue: str, column: str) -> float:
        """A fitted log effect, e.g. ``cal_holiday`` or ``ev|double11|peak`` (0 when not learned)."""
        return self.models_[queue].daily.coefficient(column)

    def history_tail(self, queue: str, days: int = 28) -> pd.Series:
        series = self._tail_history[queue]
        return series[series.index >= series.index.max() - pd.Timedelta(days=days)]


# ---- helpers: one small rule each ---------------------------------------------------------------
def _clean_events(events: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["name", "kind", "start", "end", "intensity", "_line"]
    if events is None or len(events) == 0:
        return pd.DataFrame({c: [] for c in columns}).astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})
    ev = events.reset_index(drop=True).copy()
    if "intensity" not in ev:
        ev["intensity"] = np.nan
    ev["start"] = pd.to_datetime(ev["start"]).dt.normalize()
    ev["end"] = pd.to_datetime(ev["end"]).dt.normalize()
    ev["_line"] = np.arange(len(ev)) + 2  # line in the CSV a user edits (header is line 1)
    return ev[columns]


def _interval_minutes(history: pd.DataFrame, source) -> int:
    for column in ("queue", "interval_start", "arrivals"):
        if column not in history.columns:
            raise InputError(source, f"missing column {column}", field=column)
    stamps = pd.DatetimeIndex(history["interval_start"])
    minutes = stamps.hour * 60 + stamps.minute
    step = int(np.gcd.reduce(np.append(minutes.to_numpy(), 1440)))
    if step == 1440:
        return step  # daily totals: the same daily model, one "interval" per day
    if step not in (15, 30, 60):
        step = 60 if step > 60 and 60 % step == 0 else step
    if 1440 % step != 0 or step > 60:
        raise InputError(source, f"intervals of {step} minutes are not supported (use 60, 30, 15, or 1440 for "
                                 f"daily totals)", field="interval_start")
    return step


def _open_hours_only(profile: np.ndarray, open_mask: np.ndarray, closed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares of closed intervals moved to the open ones; a day with no open interval is closed."""
    shares = profile * open_mask
    total = shares.sum(axis=1, keepdims=True)
    closed = closed | (total[:, 0] <= 0)
    shares = np.where(total > 0, shares / np.where(total > 0, total, 1.0), 0.0)
    return shares, closed


def _model_log_sd(daily: DailyFit) -> list[float]:
    """The level model's own spread of the log daily total, a week and a month ahead."""
    return [float(np.sqrt(v)) for v in daily.level_log_variance(np.array([4, 21]))]


def _event_model_only(fallback_log_sd: list[float]) -> choice_.Choice:
    weights = {m: float(m == "event_model") for m in choice_.CANDIDATES}
    return choice_.Choice([weights, dict(weights)], [{m: float("nan") for m in choice_.CANDIDATES}] * 2,
                          [float("nan")] * 2, fallback_log_sd, 0)


def rest_day(totals: np.ndarray, calendar: pd.DataFrame, weekend: list[int]) -> int:
    """The quietest weekend day of this queue: what a public holiday looks like before one is seen."""
    ordinary = (calendar["day_off"] == calendar["dow"].isin(weekend).astype(int)).to_numpy()
    dow = calendar["dow"].to_numpy()
    means = {d: totals[(dow == d) & ordinary].mean() for d in weekend if ((dow == d) & ordinary).any()}
    return min(means, key=means.get) if means else (weekend[-1] if weekend else 6)


def _dominant_phase(candidates: list[PhaseDay] | None, daily: DailyFit) -> PhaseDay | None:
    """Among overlapping promotions on one day, the phase-day with the largest learned daily effect."""
    if not candidates:
        return None
    return max(candidates, key=lambda p: abs(daily.coefficient(f"ev|{p.kind}|{p.phase}")
                                             + daily.coefficient(f"evo|{p.kind}|{p.label}")))


def _learned_only(phases: dict, kinds: set[str]) -> dict:
    return {d: _learned_only_list(p, kinds) for d, p in phases.items()}


def _learned_only_list(phases: list[PhaseDay], kinds: set[str]) -> list[PhaseDay]:
    return [p for p in phases if p.kind in kinds]
