"""Driver regressors: daily business figures (orders, reservations) at a few lags, for the daily model.

Contacts follow a driver with a delay: reservations are phoned in the same day, after-sales
questions arrive days after the orders they are about (delivery time). Each driver enters the
daily regression of ``plan.forecast.daily`` as its log deviation from its mean over the history,
at lags 0, 1, 2 and 3 days and as the mean of lags 4-7 and 8-14, every column ridge-shrunk, so the
history decides which delays matter (a distributed lag). The level model keeps what the drivers
do not explain. Days whose driver value is unknown carry a deviation of 0 (they teach nothing
about the driver); a forecast day must have its planned value (lag 0): the table has to cover
the plan.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError

LAGS = (("lag0", 0, 0), ("lag1", 1, 1), ("lag2", 2, 2), ("lag3", 3, 3), ("lag4_7", 4, 7), ("lag8_14", 8, 14))
PREFIX = "drv|"


class DriverRegressors:
    """Built from a driver table (``plan.contracts.drivers``) and the history's last day."""

    def __init__(self, table: pd.DataFrame, last_history_day: pd.Timestamp):
        self.path = table.attrs.get("path", "drivers")
        wide = table.pivot(index="date", columns="driver", values="value").sort_index()
        self.names = list(wide.columns)
        logged = np.log1p(wide)
        past = logged[logged.index <= last_history_day]
        if past.notna().sum().min() == 0:
            empty = next(n for n in self.names if past[n].notna().sum() == 0)
            raise InputError(self.path, f"driver {empty} has no value on a day of the history: nothing to learn "
                                        f"how contacts follow it from", field="driver")
        self._deviation = logged - past.mean()

    def columns(self, days: pd.DatetimeIndex) -> pd.DataFrame:
        """One column per driver and lag group: the mean log deviation over the lags (0 where unknown)."""
        days = pd.DatetimeIndex(days)
        span = pd.date_range(days.min() - pd.Timedelta(days=LAGS[-1][2]), days.max(), freq="D")
        dev = self._deviation.reindex(span)
        out = {}
        for name in self.names:
            series = dev[name]
            for label, lo, hi in LAGS:
                lagged = pd.concat([series.shift(k) for k in range(lo, hi + 1)], axis=1).mean(axis=1)
                out[f"{PREFIX}{name}|{label}"] = lagged.reindex(days).fillna(0.0).to_numpy()
        return pd.DataFrame(out, index=days)

    def require_plan(self, days: pd.DatetimeIndex) -> None:
        """Every forecast day needs every driver's planned value."""
        known = self._deviation.reindex(pd.DatetimeIndex(days))
        for name in self.names:
            missing = known.index[known[name].isna().to_numpy()]
            if len(missing):
                raise InputError(self.path, f"driver {name} has no value for {missing[0]:%Y-%m-%d}"
                                            f"{f' (and {len(missing) - 1} more forecast days)' if len(missing) > 1 else ''}"
                                            f": give the plan for every forecast day", field="value")
