"""Forecast accuracy measures (Hyndman & Koehler 2006, "Another look at measures of forecast accuracy").

All take numpy arrays of equal length; NaN forecasts are left out together with their actuals.
"""
from __future__ import annotations

import numpy as np


def _pair(actual: np.ndarray, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    keep = ~(np.isnan(actual) | np.isnan(forecast))
    return actual[keep], forecast[keep]


def wape(actual, forecast) -> float:
    """Weighted absolute percentage error: sum |y - f| / sum y."""
    y, f = _pair(actual, forecast)
    total = y.sum()
    return float(np.abs(y - f).sum() / total) if total > 0 else float("nan")


def bias(actual, forecast) -> float:
    """Signed share: sum (f - y) / sum y; positive means over-forecast."""
    y, f = _pair(actual, forecast)
    total = y.sum()
    return float((f - y).sum() / total) if total > 0 else float("nan")


def mase(actual, forecast, scale: float) -> float:
    """Mean absolute error over ``scale``, the in-sample MAE of the seasonal naive (same hour last week)."""
    y, f = _pair(actual, forecast)
    return float(np.abs(y - f).mean() / scale) if len(y) and scale > 0 else float("nan")


def coverage(actual, low, high) -> float:
    """Share of actuals inside [low, high]."""
    actual = np.asarray(actual, dtype=float)
    inside = (actual >= np.asarray(low)) & (actual <= np.asarray(high))
    return float(inside.mean()) if len(actual) else float("nan")


def seasonal_naive_scale(series: np.ndarray, season: int) -> float:
    """In-sample MAE of y(t) - y(t - season), the MASE denominator."""
    series = np.asarray(series, dtype=float)
    if len(series) <= season:
        return float("nan")
    return float(np.abs(series[season:] - series[:-season]).mean())
