"""Daily totals per queue: a log-linear regression on calendar and promotion phases, plus a local level.

The structure is the call-centre literature's two-stage model (Weinberg, Brown & Stroud 2007, JASA
102(480); Ibrahim et al. 2016, "Modeling and forecasting call center arrivals: a literature
survey", Int. J. Forecasting): the log of the daily total is a level that wanders slowly, plus
day-of-week, holiday and promotion-phase effects; the intraday profile (``plan.forecast.intraday``)
then spreads the daily total over the intervals.

Steps, each one small function below:
1. :func:`design_matrix` — one column per effect: day of week, the calendar flags of
   ``plan.forecast.calendar`` and, per promotion kind, phase groups (pre / peak / early tail / late tail)
   plus a ridge-shrunk deviation for every day offset seen in the past.
2. :func:`robust_ridge` — Huber-weighted ridge least squares (IRLS) of the log daily total minus
   the current level.
3. :func:`fit_level` — a statsmodels ``UnobservedComponents`` local level (+ AR(1) for short runs
   of high or low days) on what the effects leave; alternated with 2 a few times (backfitting).
The level's Kalman forecast gives the horizon-dependent variance used for the quantiles.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
from statsmodels.tsa.statespace.structural import UnobservedComponents

from plan.forecast.calendar import CALENDAR_FLAGS
from plan.forecast.events import PhaseDay

# Position in the month (pay days, bills, month-end closing): bins of days, mid-month (13-18) as base.
MONTH_POSITION_BINS = ((1, 3), (4, 8), (9, 12), (19, 23), (24, 31))
MONTH_POSITION_RIDGE = 2.0
PHASES = ("pre", "peak", "tail_early", "tail_late")
# Ridge weights in units of "days of evidence": a phase-day seen once keeps 1/(1+1) of its
# own deviation from its phase mean (and needs |t| >= SIGNIFICANCE_T to keep any); phase means are
# barely shrunk.
DEVIATION_RIDGE = 1.0
EFFECT_RIDGE = 0.02
# Holiday flags are rare (a handful of days a year): shrink them like one day of evidence so that
# one odd rebound does not double next year's forecast.
CALENDAR_RIDGE = 1.0
# Pre-sale and after-sales phases are alike across promotion kinds: a shared effect per phase
# (``evs|pre``) plus each kind's ridge-shrunk deviation from it (``ev|kind|pre``), so a phase a
# kind has not shown yet -- the pre-sale of a kind whose first edition began before the history
# -- starts from what the other kinds' pre-sales did instead of from no effect at all.
SHARED_PHASES = ("pre",)
KIND_DEVIATION_RIDGE = 7.0
# Driver columns (``drv|name|lag``, log deviations of orders or reservations): a few weeks of evidence
# before a lag's elasticity counts in full, so a driver unrelated to a queue stays near no effect.
DRIVER_RIDGE = 3.0
HUBER_T = 2.0
SIGNIFICANCE_T = 3.0
MASK_LOG_EFFECT = 0.1
BACKFIT_ROUNDS = 3
RECENCY_HALF_LIFE_DAYS = 365.0


@dataclass
class EventScale:
    """How strongly one events row acts, relative to its kind's past occurrences (1 = as learned)."""

    factor: np.ndarray  # per events row


def day_type_rows(calendar: pd.DataFrame, rest_dow: int, workdays: list[int]) -> np.ndarray:
    """Days x 7 weights of the weekday a day behaves like.

    A public holiday behaves like the weekly rest day (``rest_dow``) and a swapped working day
    (调休) like an average working day; their own flags then learn only the deviation from that,
    so even the first holiday a history holds is forecast sensibly.
    """
    dow = calendar["dow"].to_numpy()
    rows = np.zeros((len(dow), 7))
    rows[np.arange(len(dow)), dow] = 1.0
    holiday = (calendar["holiday"] | calendar["holiday_offday"]).to_numpy().astype(bool)
    rows[holiday] = 0.0
    rows[holiday, rest_dow] = 1.0
    swapped = calendar["swapped_workday"].to_numpy().astype(bool)
    rows[swapped] = 0.0
    rows[np.ix_(swapped, workdays)] = 1.0 / len(workdays)
    return rows


def design_matrix(dates: pd.DatetimeIndex, calendar: pd.DataFrame, phases: dict[pd.Timestamp, list[PhaseDay]],
                  scale: np.ndarray | None = None, rest_dow: int = 6, workdays: list[int] | None = None
                  ) -> pd.DataFrame:
    """All candidate effect columns for ``dates`` (0/1, event columns times the row's scale)."""
    dates = pd.DatetimeIndex(dates)
    cols: dict[str, np.ndarray] = {}
    rows = day_type_rows(calendar.loc[dates], rest_dow, workdays if workdays is not None else [0, 1, 2, 3, 4])
    for d in range(1, 7):
        cols[f"dow_{d}"] = rows[:, d]
    for flag in CALENDAR_FLAGS:
        cols[f"cal_{flag}"] = calendar.loc[dates, flag].to_numpy(dtype=float)
    blocks = calendar.loc[dates, "long_block"].to_numpy()
    for key in sorted(set(blocks) - {""}):
        cols[f"lb|{key}"] = (blocks == key).astype(float)
    day = dates.day.to_numpy()
    for lo, hi in MONTH_POSITION_BINS:
        cols[f"dom_{lo}_{hi}"] = ((day >= lo) & (day <= hi)).astype(float)
    n = len(dates)
    for i, day in enumerate(dates):
        for pd_ in phases.get(day, []):
            s = 1.0 if scale is None else float(scale[pd_.event_row])
            keys = [f"ev|{pd_.kind}|{pd_.phase}", f"evo|{pd_.kind}|{pd_.label}"]
            if pd_.phase in SHARED_PHASES:
                keys.append(f"evs|{pd_.phase}")
            for key in keys:
                if key not in cols:
                    cols[key] = np.zeros(n)
                cols[key][i] = max(cols[key][i], s)
    return pd.DataFrame(cols, index=dates)


def ridge_penalties(columns: list[str]) -> np.ndarray:
    return np.array([DRIVER_RIDGE if c.startswith("drv|") else DEVIATION_RIDGE if c.startswith(("evo|", "lb|")) else MONTH_POSITION_RIDGE if c.startswith("dom_")
                     else KIND_DEVIATION_RIDGE if c.startswith("ev|") and c.rsplit("|", 1)[1] in SHARED_PHASES
                     else CALENDAR_RIDGE if c.startswith("cal_") else EFFECT_RIDGE for c in columns])


def robust_ridge(X: np.ndarray, y: np.ndarray, weights: np.ndarray, penalties: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, float]:
    """Huber-weighted ridge regression; returns coefficients, their covariance and the residual scale.

    Solves ``(X' W X + diag(lambda * mean(w))) b = X' W y`` by Cholesky, re-weighting rows by
    Huber's rule (IRLS), so an effect seen on k days is shrunk by about k / (k + lambda) and an
    unexplained day (an outage, a recall) does not drag the effects. Covariance: sigma^2 times the
    inverse of the penalised normal matrix.
    """
    n, p = X.shape
    counted = weights > 0   # rows of unknown days carry no weight and do not set the scale
    ridge = np.diag(penalties * (float(np.mean(weights[counted])) if counted.any() else 1.0))
    huber = np.ones(n)
    sigma = 1.0
    beta = np.zeros(p)
    for _ in range(4):
        w = weights * huber
        normal = X.T @ (X * w[:, None]) + ridge
        factor = scipy.linalg.cho_factor(normal)
        beta = scipy.linalg.cho_solve(factor, X.T @ (w * y))
        resid = y - X @ beta
        r = resid[counted]
        sigma = 1.4826 * float(np.median(np.abs(r - np.median(r)))) + 1e-6
        u = np.abs(resid) / (HUBER_T * sigma)
        huber = np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-12))
    cov = sigma ** 2 * scipy.linalg.cho_solve(factor, np.eye(p))
    return beta, cov, sigma


def fit_level(adjusted: pd.Series, trend: bool, params: np.ndarray | None = None,
              start_params: np.ndarray | None = None):
    """Local level (optionally with a fixed drift) + AR(1) + noise, by Kalman filter/smoother.

    With ``params`` the model is only smoothed at those parameters; otherwise fitted by maximum
    likelihood (from ``start_params`` when given).
    """
    model = UnobservedComponents(adjusted.to_numpy(), level="lldtrend" if trend else "llevel",
                                 autoregressive=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if params is None:
            return model.fit(start_params=start_params, disp=False, maxiter=200)
        return model.smooth(params)


@dataclass
class DailyFit:
    """A fitted daily model for one queue (coefficients by column name, level state-space result)."""

    columns: list[str]
    beta: np.ndarray
    cov: np.ndarray
    sigma: float
    level_result: object
    last_date: pd.Timestamp
    fitted_log: pd.Series
    level: pd.Series
    trend: bool = False
    level_input: np.ndarray | None = None   # what the level was fitted on (NaN: not used)

    def coefficient(self, name: str) -> float:
        """A fitted log effect; a kind's phase (``ev|kind|pre``) includes the phase's shared effect."""
        own = float(self.beta[self.columns.index(name)]) if name in self.columns else 0.0
        if name.startswith("ev|") and name.rsplit("|", 1)[1] in SHARED_PHASES:
            shared = f"evs|{name.rsplit('|', 1)[1]}"
            own += float(self.beta[self.columns.index(shared)]) if shared in self.columns else 0.0
        return own

    def promotion_effect(self, X: pd.DataFrame) -> np.ndarray:
        """The summed log effect of the promotion columns on each row of ``X``."""
        names = [c for c in self.columns if c.startswith(("ev|", "evo|", "evs|")) and c in X.columns]
        if not names:
            return np.zeros(len(X))
        beta = self.beta[[self.columns.index(c) for c in names]]
        return X[names].to_numpy(dtype=float) @ beta

    def effects(self, X: pd.DataFrame) -> np.ndarray:
        """Every learned log effect of each row of ``X`` (weekday, calendar, promotions), without the level."""
        return X.reindex(columns=self.columns, fill_value=0.0).to_numpy(dtype=float) @ self.beta

    def weekday_effects(self) -> np.ndarray:
        """Log effect of an ordinary day of each weekday (0 = Monday, the baseline)."""
        return np.array([0.0] + [self.coefficient(f"dow_{d}") for d in range(1, 7)])

    def level_forecast_from(self, k: int, steps: int) -> np.ndarray:
        """The level's forecast of the ``steps`` days after position ``k``, at the fitted parameters, seeing
        only the days before ``k`` (what a backtest origin at ``k`` would have known)."""
        model = UnobservedComponents(self.level_input[:k], level="lldtrend" if self.trend else "llevel",
                                     autoregressive=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.filter(self.level_result.params)
            return np.asarray(result.get_forecast(steps).predicted_mean)

    def level_log_variance(self, horizon_days: np.ndarray) -> np.ndarray:
        """Forecast variance of the level (with the day's own noise) ``horizon_days`` ahead (>= 1)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = self.level_result.get_forecast(int(max(np.max(horizon_days), 1)))
        return np.asarray(fc.var_pred_mean)[np.asarray(horizon_days) - 1]

    def predict_log(self, X: pd.DataFrame, horizon_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of log(1 + daily total) for future rows ``X`` at ``horizon_days`` (>= 1)."""
        Xa = X.reindex(columns=self.columns, fill_value=0.0).to_numpy(dtype=float)
        steps = int(max(horizon_days.max(), 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = self.level_result.get_forecast(steps)
        level_mean = np.asarray(fc.predicted_mean)[horizon_days - 1]
        level_var = np.asarray(fc.var_pred_mean)[horizon_days - 1]
        effect_var = np.einsum("ij,jk,ik->i", Xa, self.cov, Xa)
        return level_mean + Xa @ self.beta, level_var + effect_var


def fit_daily(totals: pd.Series, X: pd.DataFrame, trend: bool | None = None,
              usable: np.ndarray | None = None) -> DailyFit:
    """Backfit effects and level on ``log(1 + daily total)``; ``trend=None`` picks drift or not by AIC.

    Days not ``usable`` (not recorded, closed, outliers) carry no weight in the effects and are
    missing observations for the level's Kalman filter: unknowns, not zeros.
    """
    y_all = np.log1p(totals.to_numpy(dtype=float))
    usable = ~np.isnan(y_all) if usable is None else (usable & ~np.isnan(y_all))
    y = np.where(usable, y_all, 0.0)
    keep = [c for c in X.columns if np.abs(X[c].to_numpy()[usable]).sum() > 0]
    Xk = X[keep].to_numpy(dtype=float)
    penalties = ridge_penalties(keep)
    age = (totals.index[-1] - totals.index).days.to_numpy(dtype=float)
    weights = np.where(usable, 0.5 ** (age / RECENCY_HALF_LIFE_DAYS), 0.0)
    # Start from a robust local level: weekly medians smoothed over four weeks.
    level = (pd.Series(np.where(usable, y, np.nan), index=totals.index).rolling(7, center=True, min_periods=1).median()
             .rolling(28, center=True, min_periods=1).mean().ffill().bfill().to_numpy())
    result = None
    use_trend = bool(trend)
    for round_ in range(BACKFIT_ROUNDS):
        beta, cov, sigma = robust_ridge(Xk, y - level, weights, penalties)
        if round_ == 1:
            # A phase-day or holiday-window keeps an effect of its own only when the history shows it
            # clearly (|t| >= SIGNIFICANCE_T): with dozens of offsets per kind, a 2-sigma rule would keep a
            # few pure-noise days; the rest fall back on their phase mean. One noisy past edition must
            # not put a dent into next year's forecast.
            t = beta / np.sqrt(np.maximum(np.diag(cov), 1e-12))
            weak = {c for c, ti in zip(keep, t) if c.startswith(("evo|", "lb|")) and abs(ti) < SIGNIFICANCE_T}
            if weak:
                keep = [c for c in keep if c not in weak]
                Xk = X[keep].to_numpy(dtype=float)
                penalties = ridge_penalties(keep)
                beta, cov, sigma = robust_ridge(Xk, y - level, weights, penalties)
        adjusted = y - Xk @ beta
        clean = _winsorise(adjusted, level, sigma)
        # The level is read from ordinary and nearly ordinary days: through a four-week pre-sale or Spring Festival
        # a flexible level would otherwise soak up the very effect the regression has to learn.
        clean[_special_days(X, keep, beta) | ~usable] = np.nan
        if round_ == 0:
            result, use_trend = _choose_level(pd.Series(clean, index=totals.index), trend)
        else:
            result = fit_level(pd.Series(clean, index=totals.index), use_trend, result.params)
        level = np.asarray(result.smoothed_state[0])
    # Final level for forecasting: fit by maximum likelihood on the last adjusted series.
    result = fit_level(pd.Series(clean, index=totals.index), use_trend, start_params=result.params)
    return DailyFit(columns=keep, beta=beta, cov=cov, sigma=sigma, level_result=result,
                    last_date=totals.index[-1], fitted_log=pd.Series(level + Xk @ beta, index=totals.index),
                    level=pd.Series(level, index=totals.index), trend=use_trend, level_input=clean)


def _special_days(X: pd.DataFrame, columns: list[str], beta: np.ndarray) -> np.ndarray:
    """Days whose holiday and promotion effects move the volume by more than ``MASK_LOG_EFFECT``.

    Days with a small effect (a late after-sales tail day) stay in the level, adjusted by their
    effect, so a level shift in a promotion-dense season still shows within days.
    """
    idx = [i for i, c in enumerate(columns) if not c.startswith(("dow_", "dom_", "drv|"))]
    if not idx:
        return np.zeros(len(X), dtype=bool)
    effect = X[[columns[i] for i in idx]].to_numpy(dtype=float) @ beta[idx]
    return np.abs(effect) > MASK_LOG_EFFECT


def _winsorise(adjusted: np.ndarray, level: np.ndarray, sigma: float, z: float = 3.0) -> np.ndarray:
    """Clip days the effects do not explain (an outage, an unknown campaign) so they do not move the level."""
    dev = adjusted - level
    return level + np.clip(dev, -z * sigma, z * sigma)


def _choose_level(adjusted: pd.Series, trend: bool | None):
    if trend is not None:
        return fit_level(adjusted, trend), trend
    flat = fit_level(adjusted, False)
    drift = fit_level(adjusted, True)
    return (drift, True) if drift.aic + 2.0 < flat.aic else (flat, False)
