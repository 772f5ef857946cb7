"""Forecaster contract, learned effects, errors, backtest keys and the sample's 11.11 spike."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from plan.contracts.errors import InputError
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY
from plan.forecast.calendar import CountryCalendar
from plan.forecast.model import VolumeForecaster

PROFILE = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 13, 14, 14, 13, 12, 11, 10, 9, 7, 4, 2], float)
PROFILE /= PROFILE.sum()


def synthetic_history(first: str, last: str, country: str = "CN", per_day: float = 400.0, holiday_factor: float = 0.3,
                      promo: tuple[str, float] | None = None, seed: int = 1) -> pd.DataFrame:
    """One queue: weekly pattern, holidays at ``holiday_factor`` of a weekday, optional promotion peak day."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(first, last, freq="D")
    flags = CountryCalendar(country).flags(days)
    weekday = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.7, 0.6])[flags["dow"].to_numpy()]
    weekday = np.where(flags["swapped_workday"].to_numpy() == 1, 1.0, weekday)  # 调休: a working day
    level = per_day * weekday
    holiday = (flags["holiday"] | flags["holiday_offday"]).to_numpy().astype(bool)
    level = np.where(holiday, per_day * holiday_factor, level)
    if promo is not None:
        level = np.where(days.strftime("%m-%d") == promo[0], level * promo[1], level)
    counts = rng.poisson(level[:, None] * PROFILE[None, :])
    stamps = (days.to_numpy()[:, None] + (np.arange(24) * np.timedelta64(1, "h"))[None, :]).ravel()
    return pd.DataFrame({"queue": "chat_presales", "interval_start": stamps, "arrivals": counts.ravel().astype(float)})


@pytest.fixture(scope="module")
def fitted() -> tuple[VolumeForecaster, pd.DataFrame]:
    history = synthetic_history("2024-01-01", "2025-09-30")
    model = VolumeForecaster(country="CN", seed=3, n_draws=500).fit(history)
    return model, model.predict("2025-10-01", "2025-10-14")


def test_predict_contract(fitted):
    model, table = fitted
    assert list(table.columns) == ["queue", "interval_start", "arrivals", "p10", "p50", "p90"]
    assert len(table) == 14 * 24
    assert table["interval_start"].min() == pd.Timestamp("2025-10-01 00:00")
    assert table["interval_start"].max() == pd.Timestamp("2025-10-14 23:00")
    values = table[["arrivals", "p10", "p50", "p90"]].to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all()
    assert (table["p10"] <= table["p50"]).all() and (table["p50"] <= table["p90"]).all()
    # the busy midday hour is forecast far above the night
    assert table["arrivals"].iloc[10] > 5 * table["arrivals"].iloc[3]


def test_same_seed_same_table(fitted):
    model, table = fitted
    again = model.predict("2025-10-01", "2025-10-14")
    pd.testing.assert_frame_equal(table, again)
    history = synthetic_history("2024-01-01", "2025-09-30")
    other = VolumeForecaster(country="CN", seed=3, n_draws=500).fit(history).predict("2025-10-01", "2025-10-14")
    pd.testing.assert_frame_equal(table, other)


def test_holiday_effect_is_learned(fitted):
    """National Day (10-01..10-07) was at 30% of a weekday in the history: the forecast drops likewise."""
    _, table = fitted
    daily = table.groupby(table["interval_start"].dt.normalize())["arrivals"].sum()
    golden_week = daily["2025-10-01":"2025-10-07"].mean()
    ordinary = daily[["2025-10-09", "2025-10-10", "2025-10-13", "2025-10-14"]].mean()
    assert golden_week < 0.5 * ordinary
    assert golden_week == pytest.approx(0.3 * 400, rel=0.35)
    assert ordinary == pytest.approx(400, rel=0.15)


def test_swapped_workday_is_a_working_day(fitted):
    """2025-10-11 (Saturday) was a 调休 working day: forecast near a weekday, not a Saturday."""
    _, table = fitted
    daily = table.groupby(table["interval_start"].dt.normalize())["arrivals"].sum()
    assert daily["2025-10-11"] > 0.85 * 400


def test_promotion_peak_learned_from_past_occurrences():
    # Busy enough that hourly Poisson noise does not hide the daily spread the test is about.
    per_day = 20000.0
    history = synthetic_history("2024-06-01", "2026-10-31", per_day=per_day, promo=("11-11", 3.0))
    events = pd.DataFrame({"name": ["d11 2024", "d11 2025", "d11 2026"], "kind": "double11",
                           "start": pd.to_datetime(["2024-11-11", "2025-11-11", "2026-11-11"]),
                           "end": pd.to_datetime(["2024-11-11", "2025-11-11", "2026-11-11"]), "intensity": np.nan})
    table = VolumeForecaster(seed=0, n_draws=300).fit(history, events).predict("2026-11-01", "2026-11-20")
    daily = table.groupby(table["interval_start"].dt.normalize())["arrivals"].sum()
    assert daily["2026-11-11"] == pytest.approx(3 * per_day, rel=0.25)
    assert daily["2026-11-11"] > 2.2 * daily["2026-11-18"]
    # wider on the peak day (two past editions only) than on an ordinary day, relative to the mean
    sums = table.groupby(table["interval_start"].dt.normalize())[["arrivals", "p10", "p90"]].sum()
    relative = (sums["p90"] - sums["p10"]) / sums["arrivals"]
    assert relative["2026-11-11"] > relative["2026-11-18"]


def _unseen_event(intensity: float) -> pd.DataFrame:
    return pd.DataFrame({"name": ["brand day"], "kind": ["brand_day"], "start": [pd.Timestamp("2025-10-08")],
                         "end": [pd.Timestamp("2025-10-09")], "intensity": [intensity]})


def test_unseen_kind_without_intensity_is_an_input_error():
    history = synthetic_history("2025-05-01", "2025-09-30")
    events = _unseen_event(np.nan)
    events.attrs["path"] = "events.csv"
    model = VolumeForecaster(seed=0, n_draws=200).fit(history, events)
    with pytest.raises(InputError) as info:
        model.predict("2025-10-01", "2025-10-14")
    assert info.value.file == "events.csv" and info.value.row == 2 and info.value.field == "intensity"
    assert "brand_day" in str(info.value) and "no past occurrence" in str(info.value)


def test_unseen_kind_with_intensity_is_used_and_reported():
    history = synthetic_history("2025-05-01", "2025-09-30")
    model = VolumeForecaster(seed=0, n_draws=300).fit(history, _unseen_event(2.5))
    table = model.predict("2025-10-01", "2025-10-14")
    daily = table.groupby(table["interval_start"].dt.normalize())["arrivals"].sum()
    assert daily["2025-10-09"] > 2.0 * daily["2025-10-16" if "2025-10-16" in daily else "2025-10-14"]
    assert any("brand day" in note and "intensity 2.5" in note for note in model.notes)


def test_too_short_history_is_an_input_error():
    history = synthetic_history("2025-09-01", "2025-09-20")
    with pytest.raises(InputError, match="at least 28"):
        VolumeForecaster().fit(history)


def test_forecast_must_start_after_history(fitted):
    model, _ = fitted
    with pytest.raises(InputError, match="inside the history"):
        model.predict("2025-09-15", "2025-10-14")


def test_israeli_calendar_eve_and_weekend():
    flags = CountryCalendar("IL").flags(pd.date_range("1999-09-08", "1999-09-13"))
    # Rosh Hashana 1999 on Sat 09-11: the eve is Friday 09-10, not the Thursday before the block.
    assert flags.loc["1999-09-10", "eve"] == 1 and flags.loc["1999-09-09", "eve"] == 0
    assert flags.loc["1999-09-10", "day_off"] == 1  # Friday is weekend in IL


def test_backtest_keys_and_cli_json(tmp_path, run_plan):
    """`plan backtest` (rolling origins over the history, as rolling_origin_backtest scores them): every
    method's keys, the model's band and its edge over the seasonal naive, read back from its JSON."""
    history = synthetic_history("2025-01-01", "2025-09-30")
    path = tmp_path / "history.csv"
    history.assign(interval_start=history["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(path, index=False)
    out = tmp_path / "bt.json"
    run = run_plan("backtest", "--history", path, "--events", "none", "--origins", "2", "--horizon-days", "14",
                   "--json", out, "--plot", tmp_path / "bt.png")
    assert run.exit_code == 0, run.output
    data = json.loads(out.read_text())
    assert {"overall", "event_days", "by_queue", "per_origin", "origins"} <= set(data)
    overall = data["overall"]
    for method in ("model", "snaive", "last_year"):
        assert {"wape_hourly", "wape_daily", "mase", "bias"} <= set(overall[method])
    assert 0.5 < overall["model"]["band_coverage"] <= 1.0
    assert overall["model"]["wape_hourly"] < overall["snaive"]["wape_hourly"]
    assert len(data["origins"]) >= 2
    assert (tmp_path / "bt.png").stat().st_size > 10_000


def test_cli_bad_month_is_one_line(run_plan, tmp_path):
    run = run_plan("forecast", "--month", "2026-13-01", "--out", tmp_path / "f.csv", "--plot", tmp_path / "f.png")
    assert run.exit_code == 2
    assert "--month" in run.stderr and "Traceback" not in run.output
    assert not (tmp_path / "f.csv").exists()


@pytest.fixture(scope="module")
def sample_forecast() -> pd.DataFrame:
    if not (SAMPLE_HISTORY.exists() and SAMPLE_EVENTS.exists()):
        pytest.skip("sample data not generated")
    from plan.contracts.events import read_events
    from plan.contracts.history import read_history
    model = VolumeForecaster(seed=0, n_draws=500).fit(read_history(SAMPLE_HISTORY), read_events(SAMPLE_EVENTS))
    return model.predict("2026-11-01", "2026-11-30")


def test_sample_double11_midnight_spike(sample_forecast):
    presales = sample_forecast[sample_forecast["queue"] == "chat_presales"].set_index("interval_start")
    spike = presales.loc[pd.Timestamp("2026-11-11 00:00"), "arrivals"]
    normal = presales.loc["2026-11-23":"2026-11-27", "arrivals"].mean()
    assert spike > 5 * normal
    assert presales.loc[pd.Timestamp("2026-11-11 00:00"), "p10"] > presales.loc["2026-11-23":"2026-11-27", "p90"].max()
    assert set(sample_forecast["queue"]) == {"chat_presales", "chat_aftersales", "phone", "email"}


def test_origins_include_one_just_before_each_repeated_promotion():
    from plan.forecast.backtest import choose_origins
    history = synthetic_history("2024-06-01", "2026-10-31").iloc[:: 1]
    events = pd.DataFrame({"name": ["a", "b", "c"], "kind": ["618", "618", "livestream"],
                           "start": pd.to_datetime(["2025-05-20", "2026-05-20", "2026-03-01"]),
                           "end": pd.to_datetime(["2025-06-18", "2026-06-18", "2026-03-01"]), "intensity": np.nan})
    origins = choose_origins(history, events, horizon_days=35, n_regular=6)
    assert pd.Timestamp("2026-05-17") in origins          # 3 days before the second 618's pre-sale
    assert pd.Timestamp("2025-05-17") not in origins      # the first 618 has nothing to learn from
    assert len(origins) >= 6
    assert max(origins) <= pd.Timestamp("2026-10-31") - pd.Timedelta(days=7)


def test_cli_forecast_writes_table_and_plot(tmp_path, run_plan):
    """Half-hour history, no events, Israeli calendar: the table covers the asked days on the same grid."""
    hourly = synthetic_history("2025-06-01", "2025-09-30", country="IL")
    half = hourly.loc[hourly.index.repeat(2)].reset_index(drop=True)
    half["interval_start"] = half["interval_start"] + pd.to_timedelta(np.tile([0, 30], len(hourly)), unit="m")
    half["arrivals"] = np.floor(half["arrivals"] / 2)
    path = tmp_path / "history.csv"
    half.assign(interval_start=half["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(path, index=False)
    events = tmp_path / "events.csv"
    events.write_text("name,kind,start,end,intensity\n", encoding="utf-8")
    out, plot = tmp_path / "fc.csv", tmp_path / "fc.png"
    run = run_plan("forecast", "--history", path, "--events", events, "--country", "IL", "--interval-minutes", "30",
                   "--start", "2025-10-01", "--end", "2025-10-07", "--out", out, "--plot", plot)
    assert run.exit_code == 0, run.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["queue", "interval_start", "arrivals", "p10", "p50", "p90"]
    assert len(table) == 7 * 48
    assert table["interval_start"].iloc[1] == "2025-10-01 00:30"
    assert plot.stat().st_size > 20_000
