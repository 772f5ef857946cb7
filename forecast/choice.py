"""Model choice by evidence: which base forecast of a queue's daily totals to trust, and how far.

Every candidate forecasts the same thing, an *ordinary day* of each weekday (log daily total with
the holiday, promotion and month-position effects of ``plan.forecast.daily`` taken out); those
learned effects are then put back on top of whichever base wins, so promotions and holidays keep
their phase effects whatever the choice. Candidates:

* ``event_model``: the local level (+ AR(1)) of ``plan.forecast.daily`` and its weekday effects;
* ``median_8w``: the median of the same weekday over the last 8 weeks;
* ``seasonal_naive``: the same weekday of the last week;
* ``ets``: statsmodels ``ETSModel`` (additive error, damped additive trend, weekly season);
* ``last_year``: the same weekday 52 weeks earlier (mean of that week and its neighbours), moved by
  the change of level since (last 28 days against the same 28 days a year before): the only one of
  them that knows a yearly season; it needs more than a year of history.

A rolling-origin backtest over the end of the history (origins every two weeks, 35 days ahead,
Tashman 2000) scores each candidate's daily WAPE on usable days, separately for the first week
and for days 8+; candidates within :data:`ELIGIBLE_RATIO` of the best are combined with weights
proportional to 1 / WAPE^2 (a combination of close rivals beats picking one, Bates & Granger
1969). The combination's own backtest residuals then give the spread of the daily total
(:class:`Choice` ``log_sd``), which calibrates the p10-p90 band. The effects are fitted once on
the whole history (the backtest re-runs only the bases), so the scores favour no candidate.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

CANDIDATES = ("event_model", "median_8w", "seasonal_naive", "ets", "last_year")
HORIZON_DAYS = 35
SHORT_DAYS = 7               # bucket 0: days 1-7 ahead; bucket 1: days 8+
ORIGIN_STEP_DAYS = 14
N_ORIGINS = 12
MIN_TRAIN_DAYS = 56
MEDIAN_WEEKS = 8
ETS_WINDOW_DAYS = 364
YEAR_DAYS = 364
LEVEL_DAYS = 28
ELIGIBLE_RATIO = 1.2
Z90 = 1.2816


@dataclass
class Choice:
    """Weights per horizon bucket, backtest scores, and the combination's log spread per bucket."""

    weights: list[dict[str, float]]
    wape: list[dict[str, float]]
    combined_wape: list[float]
    log_sd: list[float]
    origins: int
    days_scored: list[int] = field(default_factory=lambda: [0, 0])

    @property
    def pick(self) -> str:
        """The candidate with the largest weight beyond the first week (what a month's plan rests on)."""
        weights = self.weights[1]
        return max(weights, key=weights.get)

    def summary(self) -> dict:
        def rounded(d: dict) -> dict:
            return {k: (None if v != v else round(float(v), 4)) for k, v in d.items()}
        return {"pick": self.pick, "backtest_origins": self.origins,
                "by_horizon": [{"days": label, "weights": rounded(w), "daily_wape": rounded(s),
                                "combined_daily_wape": None if c != c else round(c, 4), "log_sd": round(sd, 4),
                                "days_scored": n}
                               for label, w, s, c, sd, n in zip(("1-7", "8+"), self.weights, self.wape,
                                                                self.combined_wape, self.log_sd, self.days_scored)]}


def bucket(horizon_days: np.ndarray) -> np.ndarray:
    return (np.asarray(horizon_days) > SHORT_DAYS).astype(int)


# ---- the bases ------------------------------------------------------------------------------------
def median_weeks(adjusted: np.ndarray, dow: np.ndarray, k: int, future_dow: np.ndarray) -> np.ndarray:
    """Median of each weekday over the last :data:`MEDIAN_WEEKS` weeks before position ``k``."""
    lo = max(0, k - 7 * MEDIAN_WEEKS)
    return _by_weekday(adjusted[lo:k], dow[lo:k], future_dow, np.median)


def seasonal_naive(adjusted: np.ndarray, dow: np.ndarray, k: int, future_dow: np.ndarray) -> np.ndarray:
    """The last recorded value of each weekday within four weeks before ``k``."""
    lo = max(0, k - 28)
    return _by_weekday(adjusted[lo:k], dow[lo:k], future_dow, lambda v: v[-1])


def last_year(adjusted: np.ndarray, k: int, steps: int) -> np.ndarray:
    """Same weekday 364 days earlier (+-1 week averaged) plus the level change since (NaN without a year)."""
    out = np.full(steps, np.nan)
    if k < YEAR_DAYS + LEVEL_DAYS:
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        change = np.nanmean(adjusted[k - LEVEL_DAYS:k]) - np.nanmean(adjusted[k - LEVEL_DAYS - YEAR_DAYS:k - YEAR_DAYS])
        for i in range(steps):
            source = [j for j in (k + i - YEAR_DAYS + d for d in (-7, 0, 7)) if 0 <= j < k]
            if source:
                out[i] = np.nanmean(adjusted[source]) + change
    return out


def _by_weekday(values: np.ndarray, dow: np.ndarray, future_dow: np.ndarray, reduce) -> np.ndarray:
    out = np.full(len(future_dow), np.nan)
    for d in np.unique(future_dow):
        v = values[(dow == d) & ~np.isnan(values)]
        if len(v):
            out[future_dow == d] = reduce(v)
    return out


class EtsBase:
    """ETS on the adjusted log totals: parameters fitted once, re-filtered at each backtest origin."""

    def __init__(self, filled: np.ndarray):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        self._model_class = ETSModel
        self.params = None
        tail = filled[-ETS_WINDOW_DAYS:]
        if len(tail) >= 3 * 7:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    self.params = self._make(tail).fit(disp=False, maxiter=200).params
                except (ValueError, np.linalg.LinAlgError):  # a degenerate series: no ETS candidate
                    self.params = None

    def _make(self, y: np.ndarray):
        return self._model_class(y, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=7)

    def forecast(self, filled: np.ndarray, k: int, steps: int) -> np.ndarray:
        if self.params is None or k < 3 * 7:
            return np.full(steps, np.nan)
        window = filled[max(0, k - ETS_WINDOW_DAYS):k]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = self._make(window).smooth(self.params)
                return np.asarray(result.forecast(steps))
            except (ValueError, np.linalg.LinAlgError):
                return np.full(steps, np.nan)


def candidate_bases(adjusted: np.ndarray, filled: np.ndarray, dow: np.ndarray, k: int, future_dow: np.ndarray,
                    model_base: np.ndarray, ets: EtsBase) -> dict[str, np.ndarray]:
    """Every candidate's ordinary-day log total for the days after position ``k`` (NaN: no opinion)."""
    steps = len(future_dow)
    return {"event_model": model_base,
            "median_8w": median_weeks(adjusted, dow, k, future_dow),
            "seasonal_naive": seasonal_naive(adjusted, dow, k, future_dow),
            "ets": ets.forecast(filled, k, steps),
            "last_year": last_year(adjusted, k, steps)}


def combine(bases: dict[str, np.ndarray], weights_by_day: list[dict[str, float]], buckets: np.ndarray) -> np.ndarray:
    """Weighted mean of the bases per day; a candidate without an opinion passes its weight to the rest."""
    out = np.zeros(len(buckets))
    for i, b in enumerate(buckets):
        weights = weights_by_day[b]
        pairs = [(w, bases[m][i]) for m, w in weights.items() if w > 0 and not np.isnan(bases[m][i])]
        if not pairs:
            out[i] = bases["event_model"][i]
            continue
        total = sum(w for w, _ in pairs)
        out[i] = sum(w * v for w, v in pairs) / total
    return out


# ---- the backtest ---------------------------------------------------------------------------------
def backtest_origins(n_days: int) -> list[int]:
    """Positions of the first forecast day, every two weeks back from the last full 35-day window."""
    last = n_days - HORIZON_DAYS
    origins = [last - ORIGIN_STEP_DAYS * i for i in range(N_ORIGINS)]
    origins = [k for k in origins if k >= MIN_TRAIN_DAYS]
    if not origins and n_days - SHORT_DAYS >= MIN_TRAIN_DAYS:
        origins = [n_days - SHORT_DAYS]  # a short history: at least its last week is tested
    return sorted(origins)


def choose(y: np.ndarray, offset: np.ndarray, dow: np.ndarray, model_base_at, usable: np.ndarray,
           fallback_log_sd: list[float]) -> tuple[Choice, EtsBase]:
    """Backtest every candidate and set the weights and the combination's spread.

    ``y`` is the log daily total (NaN where not usable), ``offset`` the learned non-ordinary effects
    per day, ``model_base_at(k, steps)`` the event model's ordinary-day forecast from position ``k``.
    """
    adjusted = np.where(usable, y - offset, np.nan)
    filled = fill_for_ets(adjusted, dow)
    ets = EtsBase(filled)
    origins = backtest_origins(len(y))
    errors = {m: [[0.0, 0.0], [0.0, 0.0]] for m in CANDIDATES}   # [bucket][abs error, actual]
    opinions = {m: 0 for m in CANDIDATES}
    predictions: list[tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]] = []
    for k in origins:
        steps = min(HORIZON_DAYS, len(y) - k)
        test = slice(k, k + steps)
        bases = candidate_bases(adjusted, filled, dow, k, dow[test], model_base_at(k, steps), ets)
        keep = usable[test]
        buckets = bucket(np.arange(1, steps + 1))
        actual = np.expm1(y[test])
        for m, base in bases.items():
            opinions[m] += int((~np.isnan(base) & keep).sum())
            # A candidate that cannot forecast a day is scored with the event model there.
            pred = np.expm1(np.where(np.isnan(base), bases["event_model"], base) + offset[test])
            for b in (0, 1):
                rows = keep & (buckets == b)
                errors[m][b][0] += float(np.abs(pred[rows] - actual[rows]).sum())
                errors[m][b][1] += float(actual[rows].sum())
        predictions.append((buckets, bases, y[test] - offset[test], keep))
    # A candidate with no opinion on most tested days (last_year in a history of a year) is not scored.
    scored_days = sum(int(usable[k:k + min(HORIZON_DAYS, len(y) - k)].sum()) for k in origins)
    wape = [{m: (errors[m][b][0] / errors[m][b][1] if errors[m][b][1] > 0 and opinions[m] >= 0.5 * scored_days
                 else np.nan) for m in CANDIDATES} for b in (0, 1)]
    weights = [_weights(w) for w in wape]
    log_sd, scored = [], []
    residuals: list[list[float]] = [[], []]
    for buckets, bases, truth, keep in predictions:
        comb = combine(bases, weights, buckets)
        for b in (0, 1):
            rows = keep & (buckets == b)
            residuals[b].extend((truth[rows] - comb[rows]).tolist())
    for b in (0, 1):
        r = np.asarray(residuals[b])
        scored.append(int(len(r)))
        if len(r) >= 10:
            q10, q90 = np.quantile(r, [0.1, 0.9])
            log_sd.append(max(float((q90 - q10) / (2 * Z90)), 0.5 * fallback_log_sd[b]))
        else:
            log_sd.append(fallback_log_sd[b])
    combined_wape = _combined_wape(predictions, weights, y, offset, origins)
    return Choice(weights, wape, combined_wape, log_sd, len(origins), scored), ets


def _combined_wape(predictions, weights, y, offset, origins) -> list[float]:
    num, den = [0.0, 0.0], [0.0, 0.0]
    for (buckets, bases, _, keep), k in zip(predictions, origins):
        steps = len(buckets)
        comb = combine(bases, weights, buckets)
        pred = np.expm1(comb + offset[k:k + steps])
        actual = np.expm1(y[k:k + steps])
        for b in (0, 1):
            rows = keep & (buckets == b)
            num[b] += float(np.abs(pred[rows] - actual[rows]).sum())
            den[b] += float(actual[rows].sum())
    return [num[b] / den[b] if den[b] > 0 else float("nan") for b in (0, 1)]


def _weights(wape: dict[str, float]) -> dict[str, float]:
    valid = {m: w for m, w in wape.items() if w == w and w > 0}
    if not valid:
        return {m: float(m == "event_model") for m in CANDIDATES}
    best = min(valid.values())
    raw = {m: (1.0 / w ** 2 if m in valid and valid[m] <= ELIGIBLE_RATIO * best else 0.0) for m, w in wape.items()}
    total = sum(raw.values())
    return {m: v / total for m, v in raw.items()}


def fill_for_ets(adjusted: np.ndarray, dow: np.ndarray) -> np.ndarray:
    """ETS needs every day: a gap takes its weekday's median of the four weeks around it."""
    out = adjusted.copy()
    for i in np.flatnonzero(np.isnan(out)):
        around = [j for j in range(i - 28, i + 29, 7) if 0 <= j < len(out) and j != i and not np.isnan(adjusted[j])]
        out[i] = np.median(adjusted[around]) if around else np.nanmedian(adjusted)
    return out
