"""Write ``plan/data/intraday_profile.csv``: the default intraday profile that splits a daily forecast.

    python data/default_profile.py [--out FILE]

The shares are those of the bundled sample shop (``history.csv``: a Chinese consumer shop's chat,
phone and email queues pooled) over its last 52 weeks, ordinary days only (no holiday, eve,
swapped working day or promotion phase): a generic e-commerce day, contacts all day with a
late-evening peak. Day types ``weekday``, ``sat``, ``sun``; ``holiday`` from its public holidays.
It is a stand-in: a centre with an interval export of its own should pass it (``--profile-history``)
or write its own profile file (docs/forecasting.md §6).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY
from plan.forecast.calendar import CountryCalendar
from plan.forecast.events import phase_days
from plan.forecast.gaps import ordinary_mask


def day_type_shares(history: pd.DataFrame, events: pd.DataFrame, country: str = "CN") -> pd.DataFrame:
    hourly = history.groupby("interval_start")["arrivals"].sum()
    hourly = hourly[hourly.index >= hourly.index.max().normalize() - pd.Timedelta(weeks=52)]
    days = pd.DatetimeIndex(sorted(set(hourly.index.normalize())))
    flags = CountryCalendar(country).flags(days)
    ordinary = pd.Series(ordinary_mask(flags, phase_days(events, days)), index=days)
    holiday = pd.Series(((flags["holiday"] + flags["holiday_offday"]) > 0).to_numpy(), index=days)
    frame = pd.DataFrame({"arrivals": hourly.to_numpy(), "day": hourly.index.normalize(),
                          "time": hourly.index.strftime("%H:%M")})
    dow = frame["day"].dt.day_of_week
    kinds = {"weekday": ordinary.reindex(frame["day"]).to_numpy() & (dow < 5).to_numpy(),
             "sat": ordinary.reindex(frame["day"]).to_numpy() & (dow == 5).to_numpy(),
             "sun": ordinary.reindex(frame["day"]).to_numpy() & (dow == 6).to_numpy(),
             "holiday": holiday.reindex(frame["day"]).to_numpy()}
    rows = []
    for day_type, pick in kinds.items():
        sums = frame[pick].groupby("time")["arrivals"].sum()
        shares = sums / sums.sum()
        rows += [{"queue": "*", "day_type": day_type, "time": t, "share": round(float(v), 5)}
                 for t, v in shares.items()]
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("intraday_profile.csv"))
    args = parser.parse_args()
    table = day_type_shares(read_history(SAMPLE_HISTORY), read_events(SAMPLE_EVENTS))
    table.to_csv(args.out, index=False)
    print(f"wrote {args.out} ({len(table)} rows)")


if __name__ == "__main__":
    main()
