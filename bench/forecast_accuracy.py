"""Forecast accuracy benchmark: rolling-origin backtests on the sample and on the real bank series.

Prints one JSON object per dataset:
``dataset, origins, model_wape, snaive_wape, ratio (model/snaive, hourly), event_day_ratio,
band_coverage, daily_wape, bias, fit_seconds`` and the same figures for established libraries run
side by side on the same origins and hours (installed only with the ``bench`` extra): statsforecast
MSTL (daily + weekly seasons) as ``peer_*``, and under ``peers`` also Prophet with the country's
holidays and the promotions as holiday windows (on the bank by default: on the sample's four queues
x two years it needs minutes per origin).

``fit_seconds`` is one fit + forecast of the dataset's next month on its full history (the sample:
four queues on two years of hourly history).

Targets (issue 3): sample ratio <= 0.70, event-day ratio <= 0.50, coverage 0.75-0.85, fit <= 20 s;
bank ratio <= 0.65 and no worse than the peer.

Usage: python bench/forecast_accuracy.py [--dataset sample|bank|all] [--peers mstl,prophet|none]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


from plan.contracts.events import read_events  # noqa: E402
from plan.contracts.history import read_history  # noqa: E402
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY  # noqa: E402
from plan.forecast import metrics  # noqa: E402
from plan.forecast.backtest import HORIZON_DAYS, choose_origins, rolling_origin_backtest  # noqa: E402
from plan.forecast.model import VolumeForecaster  # noqa: E402


def shared_data() -> Path:
    env = os.environ.get("PLAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def bank_history() -> pd.DataFrame | None:
    path = shared_data() / "anonymous-bank-1999" / "calls_hourly_1999.csv"
    if not path.exists():
        return None
    raw = pd.read_csv(path, parse_dates=["hour_start"])
    return pd.DataFrame({"queue": "bank", "interval_start": raw["hour_start"], "arrivals": raw["calls"].astype(float)})


# ---- the peer: Prophet, fitted per queue and origin on the same hours --------------------------
def prophet_forecast(train: pd.DataFrame, events: pd.DataFrame | None, country: str, origin: pd.Timestamp,
                     end: pd.Timestamp) -> pd.DataFrame:
    """Prophet (multiplicative seasonality, daily shape conditional on working day vs rest day,
    the country's holidays, each promotion as a holiday from its first pre-sale day to 14 days after
    its peak), 80% interval as p10-p90."""
    import holidays
    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    weekend = set(holidays.country_holidays(country, years=2000).weekend)
    promo = None
    if events is not None and len(events):
        promo = pd.DataFrame({"holiday": events["kind"].astype(str), "ds": pd.to_datetime(events["end"]),
                              "lower_window": -(pd.to_datetime(events["end"]) - pd.to_datetime(events["start"])).dt.days,
                              "upper_window": 14})
    out = []
    for queue, part in train.groupby("queue"):
        df = pd.DataFrame({"ds": part["interval_start"], "y": part["arrivals"]})
        df["workday"] = ~df["ds"].dt.day_of_week.isin(weekend)
        df["restday"] = ~df["workday"]
        model = Prophet(seasonality_mode="multiplicative", interval_width=0.8, uncertainty_samples=300,
                        holidays=promo, daily_seasonality=False, yearly_seasonality=len(df) > 24 * 500)
        model.add_country_holidays(country_name=country)
        model.add_seasonality("daily_workday", period=1, fourier_order=10, condition_name="workday")
        model.add_seasonality("daily_restday", period=1, fourier_order=10, condition_name="restday")
        model.fit(df)
        future = pd.DataFrame({"ds": pd.date_range(origin, end + pd.Timedelta(hours=23), freq="h")})
        future["workday"] = ~future["ds"].dt.day_of_week.isin(weekend)
        future["restday"] = ~future["workday"]
        pred = model.predict(future)
        out.append(pd.DataFrame({"queue": queue, "interval_start": pred["ds"],
                                 "arrivals": pred["yhat"].clip(lower=0).to_numpy(),
                                 "p10": pred["yhat_lower"].clip(lower=0).to_numpy(),
                                 "p90": pred["yhat_upper"].clip(lower=0).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def mstl_forecast(train: pd.DataFrame, events: pd.DataFrame | None, country: str, origin: pd.Timestamp,
                  end: pd.Timestamp) -> pd.DataFrame:
    """statsforecast MSTL (daily and weekly seasons, AutoETS trend), 80% interval as p10-p90; it has no
    notion of holidays or promotions, which is what the comparison shows."""
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    df = pd.DataFrame({"unique_id": train["queue"], "ds": train["interval_start"], "y": train["arrivals"].astype(float)})
    hours = int((end + pd.Timedelta(days=1) - origin) / pd.Timedelta(hours=1))
    gap = int((origin - df["ds"].max()) / pd.Timedelta(hours=1)) - 1
    model = StatsForecast(models=[MSTL(season_length=[24, 168], trend_forecaster=AutoETS(model="ZZN"))], freq="h",
                          n_jobs=1)
    fc = model.forecast(df=df, h=hours + gap, level=[80])
    fc = fc[fc["ds"] >= origin]
    return pd.DataFrame({"queue": fc["unique_id"].to_numpy(), "interval_start": fc["ds"].to_numpy(),
                         "arrivals": fc["MSTL"].clip(lower=0).to_numpy(), "p10": fc["MSTL-lo-80"].clip(lower=0).to_numpy(),
                         "p90": fc["MSTL-hi-80"].clip(lower=0).to_numpy()})


PEERS = {"mstl": mstl_forecast, "prophet": prophet_forecast}


def peer_scores(name: str, history: pd.DataFrame, events: pd.DataFrame | None, country: str, hourly: pd.DataFrame,
                origins: list[pd.Timestamp]) -> dict:
    frames = []
    started = time.perf_counter()
    for origin in origins:
        part = hourly[hourly["origin"] == origin]
        end = part["interval_start"].max().normalize()
        fc = PEERS[name](history[history["interval_start"] < origin], events, country, origin, end)
        frames.append(part.merge(fc.rename(columns={"arrivals": "peer", "p10": "peer_p10", "p90": "peer_p90"}),
                                 on=["queue", "interval_start"], how="left"))
    seconds = (time.perf_counter() - started) / max(len(origins), 1)
    both = pd.concat(frames, ignore_index=True)
    event = both[both["event_day"]]
    peak = both[both["peak_day"]]
    snaive = metrics.wape(both["actual"], both["snaive"])
    peer = metrics.wape(both["actual"], both["peer"])

    def ratio(rows: pd.DataFrame) -> float | None:
        return metrics.wape(rows["actual"], rows["peer"]) / metrics.wape(rows["actual"], rows["snaive"]) if len(rows) else None

    return {"peer": name, "peer_wape": peer, "peer_ratio": peer / snaive, "peer_event_day_ratio": ratio(event),
            "peer_peak_day_ratio": ratio(peak),
            "peer_band_coverage": metrics.coverage(both["actual"], both["peer_p10"], both["peer_p90"]),
            "peer_daily_wape": _daily_wape(both, "peer"), "peer_fit_seconds_per_origin": seconds}


def _daily_wape(frame: pd.DataFrame, column: str) -> float:
    daily = frame.assign(day=frame["interval_start"].dt.normalize()).groupby(["origin", "queue", "day"])
    sums = daily[["actual", column]].sum()
    return metrics.wape(sums["actual"], sums[column])


def fit_seconds(history: pd.DataFrame, events: pd.DataFrame | None, country: str) -> float:
    last = history["interval_start"].max().normalize()
    start = last + pd.Timedelta(days=1)
    started = time.perf_counter()
    VolumeForecaster(country=country, seed=0).fit(history, events).predict(start, start + pd.offsets.MonthEnd(0))
    return time.perf_counter() - started


def run(dataset: str, history: pd.DataFrame, events: pd.DataFrame | None, country: str, peers: list[str],
        n_regular: int) -> dict:
    origins = choose_origins(history, events, HORIZON_DAYS, n_regular=n_regular)
    result = rolling_origin_backtest(history, events, country=country, origins=origins)
    overall, event, peak = result.summary["overall"], result.summary["event_days"], result.summary["peak_days"]
    row = {"dataset": dataset, "queues": sorted(history["queue"].unique()), "country": country,
           "origins": [f"{o:%Y-%m-%d}" for o in origins], "horizon_days": HORIZON_DAYS,
           "model_wape": overall["model"]["wape_hourly"], "snaive_wape": overall["snaive"]["wape_hourly"],
           "last_year_wape": overall["last_year"]["wape_hourly"], "ratio": overall["ratio_hourly"],
           "event_day_ratio": event["ratio_hourly"] if event else None,
           "peak_day_ratio": peak["ratio_hourly"] if peak else None,
           "peak_day_model_wape": peak["model"]["wape_hourly"] if peak else None,
           "peak_day_snaive_wape": peak["snaive"]["wape_hourly"] if peak else None,
           "band_coverage": overall["model"]["band_coverage"],
           "event_day_band_coverage": event["model"]["band_coverage"] if event else None,
           "daily_wape": overall["model"]["wape_daily"], "snaive_daily_wape": overall["snaive"]["wape_daily"],
           "bias": overall["model"]["bias"], "mase": overall["model"]["mase"],
           "fit_seconds": fit_seconds(history, events, country)}
    row["peers"] = {}
    for name in peers:
        try:
            scores = peer_scores(name, history, events, country, result.hourly, origins)
        except ImportError as exc:
            row["peers"][name] = {"skipped": f"not installed ({exc.name}); pip install -e .[bench]"}
            continue
        row["peers"][name] = {k: v for k, v in scores.items() if k != "peer"}
        if "peer" not in row:  # the first peer's figures also at the top level
            row.update(scores)
    row.setdefault("peer", None)
    return _clean(row)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return None if isinstance(value, float) and np.isnan(value) else value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["sample", "bank", "all"], default="all")
    parser.add_argument("--peers", default="mstl,prophet",
                        help="comma list of peers (mstl, prophet) or 'none'; Prophet runs on the bank only unless "
                             "--prophet-on-sample (it takes minutes per origin on four queues x two years)")
    parser.add_argument("--prophet-on-sample", action="store_true")
    args = parser.parse_args(argv)
    peers = [] if args.peers == "none" else [p.strip() for p in args.peers.split(",") if p.strip()]
    sample_peers = [p for p in peers if p != "prophet" or args.prophet_on_sample]
    if args.dataset in ("sample", "all"):
        if SAMPLE_HISTORY.exists() and SAMPLE_EVENTS.exists():
            print(json.dumps(run("sample", read_history(SAMPLE_HISTORY), read_events(SAMPLE_EVENTS), "CN", sample_peers,
                                 n_regular=6)), flush=True)
        else:
            print(json.dumps({"dataset": "sample", "skipped": "data/history.csv not generated"}), flush=True)
    if args.dataset in ("bank", "all"):
        bank = bank_history()
        if bank is None:
            print(json.dumps({"dataset": "anonymous-bank-1999", "skipped": "shared data not available"}), flush=True)
        else:
            print(json.dumps(run("anonymous-bank-1999", bank, None, "IL", peers, n_regular=8)), flush=True)


if __name__ == "__main__":
    main()
