"""Model choice by backtest evidence, honest backtest scores, and the sidecar that records the choice."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from plan.forecast import choice
from plan.forecast.backtest import rolling_origin_backtest
from plan.forecast.model import VolumeForecaster
from test_forecast import synthetic_history

WEEK = np.log(np.array([1000, 1000, 1000, 1000, 950, 700, 600.0]))


def weekly_series(days: int, noise: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dow = np.arange(days) % 7
    return WEEK[dow] + rng.normal(0, noise, days), dow


def test_a_base_that_backtests_badly_gets_no_weight():
    y, dow = weekly_series(300)
    offset = np.zeros(len(y))
    usable = np.ones(len(y), dtype=bool)
    biased = lambda k, steps: WEEK[dow[k:k + steps]] + 0.4   # the "event model" here is 50 % too high
    picked, _ = choice.choose(y, offset, dow, biased, usable, [0.1, 0.1])
    for weights in picked.weights:
        assert weights["event_model"] == 0.0
        assert sum(weights.values()) == pytest.approx(1.0)
    assert picked.pick in ("median_8w", "ets")
    assert picked.wape[1]["median_8w"] < picked.wape[1]["seasonal_naive"]   # a median of 8 is steadier than 1
    # the combination's spread is the backtest's: noise 0.05 on the log scale, not the biased base's
    assert 0.03 < picked.log_sd[1] < 0.12


def test_good_base_is_kept_and_unusable_days_are_not_scored():
    y, dow = weekly_series(300)
    usable = np.ones(len(y), dtype=bool)
    usable[250:260] = False
    y_seen = np.where(usable, y, 0.0)    # a zero-filled stretch the classifier marked unusable
    exact = lambda k, steps: WEEK[dow[k:k + steps]]
    picked, _ = choice.choose(np.where(usable, y_seen, np.nan), np.zeros(len(y)), dow, exact, usable, [0.1, 0.1])
    assert picked.weights[1]["event_model"] >= 0.25        # as good as the best (ETS ties with it here)
    assert picked.wape[1]["event_model"] < 1.05 * min(picked.wape[1].values())
    assert picked.combined_wape[1] < 0.06


def test_backtest_scores_open_hours_only_with_horizons_and_picks():
    history = synthetic_history("2025-01-01", "2025-09-30")
    history.loc[history["interval_start"].dt.hour < 6, "arrivals"] = 0.0      # closed at night
    result = rolling_origin_backtest(history, None, origins=[pd.Timestamp("2025-08-01"), pd.Timestamp("2025-09-01")],
                                     horizon_days=14, forecaster=lambda: VolumeForecaster(n_draws=200))
    summary = result.summary
    scored = result.hourly[result.hourly["open"]]
    assert (scored["interval_start"].dt.hour >= 6).all()
    assert summary["excluded_closed_intervals"] == 2 * 14 * 6
    assert set(summary["horizons"]) == {"1", "7", "14"}
    for method in ("model", "base_event_model", "snaive", "median_8w", "ets"):
        assert summary["horizons"]["7"]["overall"][method]["wape_daily"] < 0.5
    assert summary["overall"]["would_pick"] is not None
    assert set(summary["model_picks"]["chat_presales"]) == {"2025-08-01", "2025-09-01"}
    # coverage on open hours only: a closed night forecast [0, 0] would have been "covered" for free
    inside = (scored["actual"] >= scored["p10"]) & (scored["actual"] <= scored["p90"])
    assert summary["overall"]["model"]["band_coverage"] == pytest.approx(inside.mean())


def test_cli_forecast_saves_the_choice_next_to_the_table(tmp_path, run_plan):
    history = synthetic_history("2025-03-01", "2025-09-30", country="IL")
    gap = history["interval_start"].dt.normalize() == pd.Timestamp("2025-09-10")
    path = tmp_path / "history.csv"
    history[~gap].assign(interval_start=history["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(path, index=False)
    events = tmp_path / "events.csv"
    events.write_text("name,kind,start,end,intensity\n", encoding="utf-8")
    out = tmp_path / "fc.csv"
    run = run_plan("forecast", "--history", path, "--events", events, "--country", "IL", "--start", "2025-10-01",
                   "--end", "2025-10-07", "--out", out, "--plot", tmp_path / "fc.png")
    assert run.exit_code == 0, run.output
    assert "not fully recorded" in run.output and "2025-09-10" in run.output
    sidecar = json.loads((tmp_path / "fc.model.json").read_text())
    part = sidecar["queues"]["chat_presales"]
    assert part["pick"] in choice.CANDIDATES
    assert part["days_not_recorded"] == {"count": 1, "where": "2025-09-10"}
    assert sum(part["by_horizon"][1]["weights"].values()) == pytest.approx(1.0)
    assert list(pd.read_csv(out).columns) == ["queue", "interval_start", "arrivals", "p10", "p50", "p90"]


def test_last_year_base_follows_a_yearly_season_and_needs_a_year():
    days = 800
    season = 0.5 * np.sin(2 * np.pi * np.arange(days) / 364)
    y, dow = weekly_series(days, noise=0.02)
    adjusted = y + season + 0.1          # and 10 % more than a year ago, from day 400 on
    adjusted[:400] -= 0.1
    k = 700
    base = choice.last_year(adjusted, k, 35)
    truth = adjusted[k:k + 35]
    assert np.abs(base - truth).max() < 0.08
    assert np.isnan(choice.last_year(adjusted, 300, 35)).all()


def test_daily_totals_are_forecast_with_the_same_calendar():
    hourly = synthetic_history("2024-01-01", "2025-09-30", per_day=5000)
    daily = hourly.groupby(hourly["interval_start"].dt.normalize())["arrivals"].sum().reset_index()
    daily.insert(0, "queue", "chat_presales")
    model = VolumeForecaster(country="CN", seed=0, n_draws=300).fit(daily)
    table = model.predict("2025-10-01", "2025-10-14")
    assert model.interval_minutes_ == 1440 and len(table) == 14
    assert (table["interval_start"] == pd.date_range("2025-10-01", "2025-10-14")).all()
    values = table.set_index("interval_start")["arrivals"]
    assert values["2025-10-02"] < 0.5 * values["2025-10-14"]          # National Day, learned from 2024
    assert values["2025-10-14"] == pytest.approx(5000, rel=0.1)
    assert (table["p10"] <= table["p50"]).all() and (table["p50"] <= table["p90"]).all()
