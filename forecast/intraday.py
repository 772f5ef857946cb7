"""Intraday profiles: the share of a day's contacts in each interval, by day type.

A day's type is its weekday, unless it is a public holiday, a holiday eve, a swapped working day
(调休, which behaves like a weekday) or a promotion phase-day (``double11`` offset 0 has the 00:00
opening spike, offset -1 the 20:00 final-payment rush). A profile is the recency-weighted sum of
the past days of that type, shrunk towards the day's ordinary profile with a Dirichlet prior worth
``prior_contacts`` contacts (the posterior mean of a multinomial): a busy 11-11 seen twice
keeps its own shape; a rare, quiet type stays close to its weekday. The prior is worth about a
thousand contacts because a promotion phase-day is seen once or twice and its hourly shares then
carry the Poisson and hour-level noise of a single day; a small prior lets that noise through
(``bench/forecast_accuracy.py`` measures the hourly WAPE).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from plan.forecast.events import PhaseDay

WEEKDAY_HALF_LIFE_DAYS = 84.0
SPECIAL_HALF_LIFE_DAYS = 730.0
# A working day keeps its own shape only where ~20000 contacts of evidence say so (3000 was
# measurably noisier on both the sample and the bank backtests).
WORKDAY_POOL_CONTACTS = 20000.0
# A day type's own shape must be worth this many contacts before it departs from its weekday's.
PRIOR_CONTACTS = 1000.0


def base_key(flags: pd.Series) -> str:
    """Profile key of a day ignoring promotions."""
    if flags["holiday"] or flags["holiday_offday"]:
        return "holiday"
    if flags["swapped_workday"]:
        return "weekday"
    if flags["eve"]:
        return "eve"
    return f"dow{int(flags['dow'])}"


@dataclass
class IntradayProfiles:
    slots_per_day: int
    rest_dow: int = 6
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    prior_contacts: float = PRIOR_CONTACTS
    profiles: dict[str, np.ndarray] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    overdispersion: float = 0.0

    def fit(self, counts: np.ndarray, dates: pd.DatetimeIndex, calendar: pd.DataFrame,
            phase_choice: dict[pd.Timestamp, PhaseDay | None]) -> "IntradayProfiles":
        """``counts`` is days x slots; ``phase_choice`` the dominant promotion phase-day of each date."""
        last = dates[-1]
        age = (last - dates).days.to_numpy(dtype=float)
        w_week = 0.5 ** (age / WEEKDAY_HALF_LIFE_DAYS)
        w_special = 0.5 ** (age / SPECIAL_HALF_LIFE_DAYS)
        sums: dict[str, np.ndarray] = {}
        totals: dict[str, float] = {}

        def add(key: str, i: int, w: float) -> None:
            sums.setdefault(key, np.zeros(self.slots_per_day))
            sums[key] += w * counts[i]
            totals[key] = totals.get(key, 0.0) + w * counts[i].sum()

        for i, day in enumerate(dates):
            flags = calendar.loc[day]
            phase = _shaping(phase_choice.get(day))
            if phase is not None:
                add(f"ev|{phase.kind}|{phase.label}", i, w_special[i])
                continue
            key = base_key(flags)
            if key.startswith("dow"):
                add(key, i, w_week[i])
                if int(flags["dow"]) in self.workdays:
                    add("weekday", i, w_week[i])
            else:
                add(key, i, w_special[i])
        flat = np.full(self.slots_per_day, 1.0 / self.slots_per_day)
        total_all = sum(s for k, s in sums.items() if k.startswith("dow"))
        overall = _normalise(total_all) if isinstance(total_all, np.ndarray) else flat
        if "weekday" in sums:
            self.profiles["weekday"] = _blend(sums["weekday"], totals["weekday"], overall, 5.0 * self.slots_per_day)
        for key, vec in sums.items():
            if key.startswith("dow"):
                # Working days share most of their shape: each is shrunk towards the pooled working
                # day (worth WORKDAY_POOL_CONTACTS contacts), which halves the noise of a quiet queue.
                if int(key[3:]) in self.workdays and "weekday" in self.profiles:
                    self.profiles[key] = _blend(vec, totals[key], self.profiles["weekday"], WORKDAY_POOL_CONTACTS)
                else:
                    self.profiles[key] = _blend(vec, totals[key], overall, 5.0 * self.slots_per_day)
        self._overall = overall
        self._special = {k: (v, totals[k]) for k, v in sums.items() if not (k.startswith("dow") or k == "weekday")}
        return self

    def profile(self, day: pd.Timestamp, flags: pd.Series, phase: PhaseDay | None) -> np.ndarray:
        """The profile of one (future or past) day: its own type shrunk towards its weekday."""
        key = base_key(flags)
        own_dow = self.rest_dow if key == "holiday" else int(flags["dow"])
        weekday = self.profiles.get(f"dow{own_dow}", self._overall)
        if key == "weekday":
            prior = self.profiles.get("weekday", weekday)
        elif key.startswith("dow"):
            prior = weekday
        else:
            vec, total = self._special.get(key, (None, 0.0))
            prior = weekday if vec is None else _blend(vec, total, weekday, self.prior_contacts)
        phase = _shaping(phase)
        if phase is not None:
            vec, total = self._special.get(f"ev|{phase.kind}|{phase.label}", (None, 0.0))
            if vec is not None:
                return _blend(vec, total, prior, self.prior_contacts)
        return prior

    def estimate_overdispersion(self, counts: np.ndarray, dates: pd.DatetimeIndex, calendar: pd.DataFrame,
                                phase_choice: dict, recent_days: int = 84) -> float:
        """Negative-binomial dispersion of interval counts around daily total x profile (method of moments).

        Var(y) = mu + phi * mu^2; phi = sum((y - mu)^2 - mu) / sum(mu^2), floored at 0.
        """
        take = slice(max(0, len(dates) - recent_days), len(dates))
        num = 0.0
        den = 0.0
        for i in range(take.start, take.stop):
            day = dates[i]
            p = self.profile(day, calendar.loc[day], phase_choice.get(day))
            mu = counts[i].sum() * p
            num += float(((counts[i] - mu) ** 2 - mu).sum())
            den += float((mu ** 2).sum())
        self.overdispersion = max(num / den, 0.0) if den > 0 else 0.0
        return self.overdispersion


def _shaping(phase: PhaseDay | None) -> PhaseDay | None:
    """The phase-day if it may have a shape of its own: late after-sales tail days are ordinary
    days with more volume, and their weekday's profile learns from them."""
    return None if phase is None or phase.phase == "tail_late" else phase


def _normalise(vec: np.ndarray) -> np.ndarray:
    total = vec.sum()
    return vec / total if total > 0 else np.full(len(vec), 1.0 / len(vec))


def _blend(counts: np.ndarray, total: float, prior: np.ndarray, strength: float) -> np.ndarray:
    """Posterior mean of a multinomial's shares under a Dirichlet(strength * prior) prior."""
    return (counts + strength * prior) / (total + strength)
