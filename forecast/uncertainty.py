"""Predictive quantiles of interval counts: daily log-normal level x intraday share x count noise.

The draw for one interval is ``Poisson(D * p * G)`` with ``log(1 + D) ~ Normal(m, v)`` shared by
all intervals of the day (the daily forecast error of ``plan.forecast.daily``, growing with the
horizon), ``p`` the interval's share of the day and ``G ~ Gamma(1/phi, phi)`` the extra-Poisson
scatter of one interval (mean 1, so the count is negative binomial given the day, Var = mu + phi
mu^2). Quantiles are taken from ``n_draws`` seeded draws, so the same seed gives the same table.
"""
from __future__ import annotations

import numpy as np


def simulate_quantiles(mean_log: np.ndarray, var_log: np.ndarray, profile: np.ndarray, overdispersion: float,
                       rng: np.random.Generator, n_draws: int = 2000
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (mean, p10, p50, p90), each days x intervals.

    ``mean`` is analytic: E[D] = exp(m + v/2) - 1 (log-normal mean), times the share ``p``.
    """
    days, slots = profile.shape
    sd = np.sqrt(np.maximum(var_log, 0.0))
    daily_mean = np.maximum(np.expm1(mean_log + 0.5 * sd ** 2), 0.0)
    mean = daily_mean[:, None] * profile
    z = rng.standard_normal((n_draws, days, 1))
    daily = np.maximum(np.expm1(mean_log[None, :, None] + sd[None, :, None] * z), 0.0)
    rate = daily * profile[None, :, :]
    if overdispersion > 1e-9:
        shape = 1.0 / overdispersion
        rate = rate * rng.gamma(shape, 1.0 / shape, size=rate.shape)
    counts = rng.poisson(rate)
    p10, p50, p90 = np.quantile(counts, [0.1, 0.5, 0.9], axis=0, method="linear")
    return mean, p10, p50, p90
