"""Gaps are unknowns, outliers get no weight, opening hours and closed holidays come from the history."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plan.forecast.gaps import classify_days, day_matrix, day_ranges
from plan.forecast.model import VolumeForecaster
from test_forecast import synthetic_history

FIRST, LAST = "2025-01-06", "2025-09-28"          # a Monday .. a Sunday
FORECAST = ("2025-09-29", "2025-10-26")


def daily_totals(table: pd.DataFrame) -> pd.Series:
    return table.groupby(table["interval_start"].dt.normalize())["arrivals"].sum()


def mondays(table: pd.DataFrame) -> pd.Series:
    daily = daily_totals(table)
    return daily[daily.index.day_of_week == 0]


def forecast(history: pd.DataFrame, **options) -> tuple[VolumeForecaster, pd.DataFrame]:
    model = VolumeForecaster(country="IL", seed=1, n_draws=200, **options).fit(history)
    return model, model.predict(*FORECAST)


@pytest.fixture(scope="module")
def clean():
    return forecast(synthetic_history(FIRST, LAST, country="IL", per_day=3000))


def recent_mondays(history: pd.DataFrame, n: int) -> list[pd.Timestamp]:
    days = pd.DatetimeIndex(history["interval_start"].dt.normalize().unique())
    return list(days[days.day_of_week == 0][-n:])


def test_missing_days_are_left_out_and_reported_once(clean):
    history = synthetic_history(FIRST, LAST, country="IL", per_day=3000)
    gone = recent_mondays(history, 3)
    holed = history[~history["interval_start"].dt.normalize().isin(gone)]
    model, table = forecast(holed)
    notes = [n for n in model.notes if "not fully recorded" in n]
    assert len(notes) == 1 and "3 day(s)" in notes[0] and f"{gone[-1]:%Y-%m-%d}" in notes[0]
    assert mondays(table).mean() == pytest.approx(mondays(clean[1]).mean(), rel=0.05)


def test_zero_filled_monday_is_an_outlier_not_a_pattern(clean):
    history = synthetic_history(FIRST, LAST, country="IL", per_day=3000)
    zeroed = recent_mondays(history, 1)[0]
    history.loc[history["interval_start"].dt.normalize() == zeroed, "arrivals"] = 0.0
    model, table = forecast(history)
    assert any("outlier" in n and f"{zeroed:%Y-%m-%d}" in n for n in model.notes)
    assert mondays(table).mean() == pytest.approx(mondays(clean[1]).mean(), rel=0.05)


def test_outage_afternoon_is_an_outlier():
    history = synthetic_history(FIRST, LAST, country="IL", per_day=3000)
    day = pd.Timestamp("2025-07-16")
    history = history[(history["interval_start"] >= "2025-06-05") & (history["interval_start"] < "2025-09-15")]  # no holiday
    stamps = history["interval_start"]
    history.loc[(stamps.dt.normalize() == day) & (stamps.dt.hour >= 9), "arrivals"] = 0.0
    counts, days = day_matrix(history, 60)
    ordinary = np.ones(len(days), dtype=bool)
    status = classify_days(counts, days, np.zeros(len(days), dtype=bool), ordinary)
    assert list(days[status.outlier]) == [day]
    assert not status.missing.any() and not status.closed.any()


def test_a_lasting_level_change_is_not_an_outlier_run():
    history = synthetic_history(FIRST, LAST, country="IL", per_day=3000)
    late = history["interval_start"] >= pd.Timestamp("2025-09-08")
    history.loc[late, "arrivals"] = np.round(history.loc[late, "arrivals"] * 1.6)
    model, table = forecast(history)
    assert not any("outlier" in n for n in model.notes)
    before = history[(history["interval_start"] >= "2025-08-04") & (history["interval_start"] < "2025-09-01")]
    # The three weeks at the new level are learned from, not thrown away as outliers (how far the
    # forecast follows them depends on the chosen base: an 8-week median follows slowly).
    assert daily_totals(table).mean() > 1.15 * daily_totals(before).mean()


def test_hours_a_history_never_exports_are_closed_not_missing():
    history = synthetic_history(FIRST, LAST, country="IL", per_day=3000)
    history = history[history["interval_start"].dt.hour >= 6]   # the export has no night rows at all
    model, table = forecast(history)
    assert not any("not fully recorded" in n for n in model.notes)
    night = table["interval_start"].dt.hour < 6
    assert (table.loc[night, ["arrivals", "p10", "p50", "p90"]] == 0).all().all()
    assert table.loc[~night, "arrivals"].sum() == pytest.approx(daily_totals(table).sum())
    assert model.summary()["queues"]["chat_presales"]["opening_hours"]["Mon"] == "06:00-24:00"


def test_closed_hours_are_inferred_per_weekday():
    history = synthetic_history(FIRST, LAST, country="IL", per_day=3000)
    stamps = history["interval_start"]
    history.loc[(stamps.dt.day_of_week == 4) & (stamps.dt.hour >= 14), "arrivals"] = 0.0   # Fridays close at 14:00
    model, table = forecast(history)
    friday = table["interval_start"].dt.day_of_week == 4
    late = table["interval_start"].dt.hour >= 14
    assert (table.loc[friday & late, ["arrivals", "p90"]] == 0).all().all()
    assert (table.loc[~friday & late, "arrivals"] > 0).all()
    assert model.summary()["queues"]["chat_presales"]["opening_hours"]["Fri"] == "00:00-14:00"


def cn_history(first: str, last: str, holiday_factor: float) -> pd.DataFrame:
    return synthetic_history(first, last, country="CN", per_day=3000, holiday_factor=holiday_factor)


def test_holiday_seen_closed_is_forecast_closed():
    model = VolumeForecaster(country="CN", seed=1, n_draws=200).fit(cn_history("2024-08-01", "2025-09-25", 0.0))
    daily = daily_totals(model.predict("2025-09-26", "2025-10-20"))
    assert (daily["2025-10-01":"2025-10-03"] == 0).all()      # National Day: closed in 2024 as well
    assert daily["2025-10-14"] > 2000                          # an ordinary Tuesday
    assert any("closed on" in n and "National Day" in n for n in model.notes)


def test_unseen_holiday_is_shrunk_towards_its_weekday_not_closed():
    """History from May: closed on Dragon Boat, never saw National Day. National Day is not
    forecast as closed (nor as a learned 'holiday = zero'), and its band is wider."""
    model = VolumeForecaster(country="CN", seed=1, n_draws=400).fit(cn_history("2025-05-05", "2025-09-25", 0.0))
    table = model.predict("2025-09-26", "2025-10-20")
    sums = table.groupby(table["interval_start"].dt.normalize())[["arrivals", "p10", "p90"]].sum()
    assert sums.loc["2025-10-01", "arrivals"] > 0.6 * sums.loc["2025-10-15", "arrivals"]   # a Wednesday both
    width = (sums["p90"] - sums["p10"]) / sums["arrivals"]
    assert width["2025-10-01"] > 1.5 * width["2025-10-15"]
    assert any("National Day" in n and "not in the history" in n for n in model.notes)


def test_day_ranges_joins_consecutive_days():
    days = pd.DatetimeIndex(["2025-03-04", "2025-03-10", "2025-03-11", "2025-03-12"])
    assert day_ranges(days) == "2025-03-04, 2025-03-10..2025-03-12"
    assert day_ranges(days, limit=1) == "2025-03-04 and 1 more"
