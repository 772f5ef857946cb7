"""Forecast accuracy benchmark: rolling-origin backtests on open hours, clean and corrupted histories.

Prints one JSON object per dataset, history variant and horizon (1, 7 and 35 days ahead: the
first H days of each origin's forecast), then one timing object:

* ``variant``: ``clean``, or a corrupted copy the benchmark makes itself (seeded): ``days_removed``
  (8 % of days and one whole week not recorded), ``days_zeroed`` (3 % of days zero-filled, what a
  user does to pass a gap check), ``outage`` (6 days losing everything from 10:00; on daily totals 55 % of the day), ``logging_failure``
  (three 4-day spans logged at 40 %). A corrupted copy is what the forecaster sees; it is scored
  against the clean actuals, and ``vs_clean`` is its daily WAPE over the clean run's.
* per method: ``daily`` and ``hourly`` WAPE on open hours (closed hours and closed days left out),
  ``bias``; the forecast's ``band_coverage`` (10-90). Methods: ``model`` (the forecaster),
  ``base_*`` (each of its bases alone), the baselines ``snaive``, ``median_8w``, ``ets``,
  ``last_year``, and on the clean copy the peers (statsforecast MSTL; Prophet on the bank unless
  ``--prophet-on-sample``; both need the ``bench`` extra) and ``before``: the forecaster of another
  checkout (``--before-root``, e.g. the main branch), run in that checkout's own venv on the same
  origins and scored the same way.
* ``best_other``: the best of the baselines and peers by daily WAPE; ``ratio_daily`` the model's
  over it; the same on event days and on holidays where the dataset has them.
* ``travel-callcenter-daily+reservations``: the travel series again (clean only), its two
  reservation series (``total_reservations``, ``reservations_2months_advance``) given as drivers
  (``plan.forecast.drivers``). Every origin sees the reservations of the days it forecasts as
  their plan, and that plan is the actuals: an upper bound of what a driver plan adds, not what a
  business plan with its own error gives.
* timing: ``fit_seconds`` = one fit (model choice included) + forecast of the next month on the
  full history, per dataset.

Targets (issue 16): at 7 and 35 days the model no worse than ``best_other`` (ratio <= 1) and better
on event and holiday days; corrupted copies within 10 % of clean (``vs_clean`` <= 1.10); band
coverage 0.75-0.85; sample fit <= 20 s on 2 cores.

Usage: python bench/forecast_accuracy.py [--dataset sample|bank|travel|all] [--peers mstl,prophet|none]
       [--variants clean,days_removed,...|all] [--before-root ../main]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY
from plan.forecast import metrics
from plan.forecast.backtest import BASELINES, HORIZON_DAYS, METHODS, choose_origins, report_horizons, \
    rolling_origin_backtest
from plan.forecast.calendar import CountryCalendar
from plan.forecast.model import VolumeForecaster

VARIANTS = ("clean", "days_removed", "days_zeroed", "outage", "logging_failure")


def shared_data() -> Path:
    env = os.environ.get("PLAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def bank_history() -> pd.DataFrame | None:
    path = shared_data() / "anonymous-bank-1999" / "calls_hourly_1999.csv"
    if not path.exists():
        return None
    raw = pd.read_csv(path, parse_dates=["hour_start"])
    return pd.DataFrame({"queue": "bank", "interval_start": raw["hour_start"], "arrivals": raw["calls"].astype(float)})


def travel_history() -> pd.DataFrame | None:
    """The travel company's daily calls (Dutch calendar), as a daily history (one interval of 1440 minutes)."""
    path = shared_data() / "travel-callcenter-daily-2013-2016" / "case_data_calls.csv"
    if not path.exists():
        return None
    raw = pd.read_csv(path, sep=";", encoding="utf-8-sig")
    return pd.DataFrame({"queue": "travel", "interval_start": pd.to_datetime(raw["date"], format="%d-%m-%Y"),
                         "arrivals": raw["calls"].astype(float)})


def travel_drivers() -> pd.DataFrame | None:
    """The travel company's daily reservations as a driver table (date, driver, value)."""
    path = shared_data() / "travel-callcenter-daily-2013-2016" / "case_data_reservations.csv"
    if not path.exists():
        return None
    raw = pd.read_csv(path, sep=";", encoding="utf-8-sig")
    date = pd.to_datetime(raw["date"], format="%d-%m-%Y")
    names = ("total_reservations", "reservations_2months_advance")
    return pd.concat([pd.DataFrame({"date": date, "driver": n, "value": raw[n].astype(float)}) for n in names],
                     ignore_index=True)


# ---- corrupted copies ------------------------------------------------------------------------------
def corrupt(history: pd.DataFrame, variant: str, seed: int = 0) -> pd.DataFrame:
    """A copy of ``history`` damaged the way real exports are (see module doc); same seed, same damage."""
    if variant == "clean":
        return history
    rng = np.random.default_rng(seed)
    days = pd.DatetimeIndex(history["interval_start"].dt.normalize().unique()).sort_values()
    day = history["interval_start"].dt.normalize()
    out = history.copy()
    pick = lambda share: pd.DatetimeIndex(rng.choice(days[7:], size=max(1, int(share * len(days))), replace=False))
    if variant == "days_removed":
        week_start = days[rng.integers(len(days) // 2, len(days) - 60)]
        gone = pick(0.08).append(pd.date_range(week_start, periods=7, freq="D"))
        return out[~day.isin(gone)].reset_index(drop=True)
    if variant == "days_zeroed":
        out.loc[day.isin(pick(0.03)), "arrivals"] = 0.0
    elif variant == "outage":
        hit = day.isin(pick(6 / len(days)))
        if (out["interval_start"].dt.hour > 0).any():
            hit &= out["interval_start"].dt.hour >= 10
            out.loc[hit, "arrivals"] = 0.0
        else:  # daily totals: the outage takes the afternoon's share of the day
            out.loc[hit, "arrivals"] = np.floor(out.loc[hit, "arrivals"] * 0.45)
    elif variant == "logging_failure":
        starts = rng.choice(days[7:-4], size=3, replace=False)
        spans = pd.DatetimeIndex(np.concatenate([pd.date_range(s, periods=4, freq="D") for s in starts]))
        hit = day.isin(spans)
        out.loc[hit, "arrivals"] = np.floor(out.loc[hit, "arrivals"] * 0.4)
    else:
        raise ValueError(variant)
    return out


# ---- the forecaster of another checkout ("before") ---------------------------------------------------
BEFORE_SCRIPT = """
import sys, pandas as pd
from plan.forecast.model import VolumeForecaster
history, events, origins, horizon, country, last, out = sys.argv[1:8]
hist = pd.read_parquet(history)
ev = None if events == "none" else pd.read_parquet(events)
frames = []
for origin in origins.split(","):
    origin = pd.Timestamp(origin)
    end = min(origin + pd.Timedelta(days=int(horizon) - 1), pd.Timestamp(last))
    model = VolumeForecaster(country=country, seed=0).fit(hist[hist["interval_start"] < origin], ev)
    frames.append(model.predict(origin, end).assign(origin=origin))
pd.concat(frames, ignore_index=True).to_parquet(out)
"""


def before_forecasts(root: Path, history: pd.DataFrame, events: pd.DataFrame | None, country: str,
                     origins: list[pd.Timestamp], last_day: pd.Timestamp) -> pd.DataFrame:
    """Forecasts of the checkout at ``root`` (its own ``.venv``), fitted on the same history and origins."""
    with tempfile.TemporaryDirectory() as tmp:
        hist_path, ev_path, out = Path(tmp, "h.parquet"), Path(tmp, "e.parquet"), Path(tmp, "f.parquet")
        history[["queue", "interval_start", "arrivals"]].to_parquet(hist_path)
        if events is not None:
            events.to_parquet(ev_path)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        subprocess.run([str(root / ".venv" / "bin" / "python"), "-c", BEFORE_SCRIPT, str(hist_path),
                        str(ev_path) if events is not None else "none", ",".join(f"{o:%Y-%m-%d}" for o in origins),
                        str(HORIZON_DAYS), country, f"{last_day:%Y-%m-%d}", str(out)],
                       check=True, cwd=tmp, env=env)
        frame = pd.read_parquet(out)
    return frame.rename(columns={"arrivals": "before", "p10": "before_p10", "p90": "before_p90"})[
        ["origin", "queue", "interval_start", "before", "before_p10", "before_p90"]]


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


def peer_forecasts(name: str, history: pd.DataFrame, events: pd.DataFrame | None, country: str,
                   hourly: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for origin, part in hourly.groupby("origin"):
        end = part["interval_start"].max().normalize()
        fc = PEERS[name](history[history["interval_start"] < origin], events, country, origin, end)
        frames.append(fc.assign(origin=origin).rename(columns={"arrivals": name, "p10": f"{name}_p10",
                                                               "p90": f"{name}_p90"}))
    return pd.concat(frames, ignore_index=True)


# ---- scoring -----------------------------------------------------------------------------------------
def method_scores(frame: pd.DataFrame, method: str) -> dict:
    rows = frame[frame[method].notna()]
    daily = rows.assign(day=rows["interval_start"].dt.normalize()).groupby(["origin", "queue", "day"])[
        ["actual", method]].sum()
    out = {"daily": metrics.wape(daily["actual"], daily[method]), "hourly": metrics.wape(rows["actual"], rows[method]),
           "bias": metrics.bias(rows["actual"], rows[method]),
           "share_scored": float(len(rows) / len(frame)) if len(frame) else None}
    if f"{method}_p10" in frame or method == "model":
        low, high = ("p10", "p90") if method == "model" else (f"{method}_p10", f"{method}_p90")
        out["band_coverage"] = metrics.coverage(rows["actual"], rows[low], rows[high])
    return out


def holiday_days(frame: pd.DataFrame, country: str) -> np.ndarray:
    days = frame["interval_start"].dt.normalize()
    unique = pd.DatetimeIndex(days.unique())
    flags = CountryCalendar(country).flags(unique)
    is_holiday = pd.Series((flags["holiday"] | flags["holiday_offday"]).to_numpy().astype(bool), index=unique)
    return is_holiday.reindex(days).to_numpy()


def horizon_rows(dataset: str, variant: str, hourly: pd.DataFrame, methods: list[str], others: list[str],
                 country: str) -> list[dict]:
    scored = hourly[hourly["open"]]
    rows = []
    for horizon in report_horizons(int(scored["horizon_day"].max())):
        part = scored[scored["horizon_day"] <= horizon]
        row = {"dataset": dataset, "variant": variant, "horizon_days": horizon,
               "origins": int(part["origin"].nunique()), "open_intervals": int(len(part)),
               "closed_intervals_left_out": int((hourly["horizon_day"] <= horizon).sum() - len(part))}
        row.update({m: method_scores(part, m) for m in methods})
        row.update(_best_other(row, others))
        holiday = holiday_days(part, country)
        for name, mask in (("event_days", part["event_day"].to_numpy()), ("holidays", holiday),
                           ("ordinary_days", ~holiday & ~part["event_day"].to_numpy())):
            if mask.any():
                sub = {m: method_scores(part[mask], m) for m in methods}
                row[name] = {"days": int(part[mask]["interval_start"].dt.normalize().nunique()),
                             "model": sub["model"], **_best_other(sub, others),
                             "daily": {m: sub[m]["daily"] for m in methods}}
        rows.append(row)
    return rows


def _best_other(scores: dict, others: list[str]) -> dict:
    valid = {m: scores[m]["daily"] for m in others if m in scores and scores[m]["daily"] == scores[m]["daily"]}
    if not valid:
        return {}
    best = min(valid, key=valid.get)
    return {"best_other": best, "best_other_daily": valid[best], "ratio_daily": scores["model"]["daily"] / valid[best],
            "ratio_hourly": scores["model"]["hourly"] / scores[best]["hourly"]}


def fit_seconds(history: pd.DataFrame, events: pd.DataFrame | None, country: str,
                drivers: pd.DataFrame | None = None) -> float | None:
    last = history["interval_start"].max().normalize()
    start = last + pd.Timedelta(days=1)
    end = start + pd.offsets.MonthEnd(0)
    if drivers is not None and drivers["date"].max() < end:
        return None  # no plan beyond the history: the driver model cannot forecast the next month
    started = time.perf_counter()
    VolumeForecaster(country=country, seed=0, drivers=drivers).fit(history, events).predict(start, end)
    return time.perf_counter() - started


def run(dataset: str, history: pd.DataFrame, events: pd.DataFrame | None, country: str, peers: list[str],
        n_regular: int, variants: list[str], before_root: Path | None, drivers: pd.DataFrame | None = None) -> dict:
    origins = choose_origins(history, events, HORIZON_DAYS, n_regular=n_regular)
    last_day = (history["interval_start"].max() + pd.Timedelta(hours=1)).normalize() - pd.Timedelta(days=1)
    clean_daily: dict[int, float] = {}
    for variant in variants:
        seen = corrupt(history, variant, seed=len(dataset))
        result = rolling_origin_backtest(seen, events, country=country, origins=origins, actuals=history,
                                         forecaster=lambda: VolumeForecaster(country=country, seed=0, drivers=drivers))
        hourly = result.hourly
        methods = list(METHODS)
        others = [m for m in BASELINES]
        if before_root is not None:
            try:
                before = before_forecasts(before_root, seen, events, country, origins, last_day)
            except subprocess.CalledProcessError:
                print(json.dumps({"dataset": dataset, "variant": variant, "before": "skipped: the forecaster at "
                                  f"{before_root} failed on this history (see its error above)"}), flush=True)
            else:
                hourly = hourly.merge(before, on=["origin", "queue", "interval_start"], how="left")
                methods.append("before")
        if variant == "clean":
            for name in peers:
                try:
                    fc = peer_forecasts(name, history, events, country, hourly)
                except ImportError as exc:
                    print(json.dumps({"dataset": dataset, "peer": name, "skipped": f"not installed ({exc.name})"}),
                          flush=True)
                    continue
                hourly = hourly.merge(fc, on=["origin", "queue", "interval_start"], how="left")
                methods.append(name)
                others.append(name)
        for row in horizon_rows(dataset, variant, hourly, methods, others, country):
            if variant == "clean":
                clean_daily[row["horizon_days"]] = row["model"]["daily"]
            elif row["horizon_days"] in clean_daily:
                row["vs_clean"] = row["model"]["daily"] / clean_daily[row["horizon_days"]]
            row["model_picks"] = result.summary["model_picks"]
            print(json.dumps(_clean(row)), flush=True)
    return {"dataset": dataset, "fit_seconds": fit_seconds(history, events, country, drivers),
            "origins": [f"{o:%Y-%m-%d}" for o in origins]}


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    return None if isinstance(value, float) and np.isnan(value) else value


class Timing(list):
    """Prints each dataset's fit time as soon as it is known (a later dataset may fail)."""

    def append(self, row: dict) -> None:
        super().append(row)
        print(json.dumps({"timing": True, **_clean(row)}), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["sample", "bank", "travel", "all"], default="all")
    parser.add_argument("--peers", default="mstl,prophet",
                        help="comma list of peers (mstl, prophet) or 'none'; Prophet runs on the bank only unless "
                             "--prophet-on-sample (it takes minutes per origin on four queues x two years)")
    parser.add_argument("--prophet-on-sample", action="store_true")
    parser.add_argument("--variants", default="all", help=f"comma list of {', '.join(VARIANTS)} or 'all'")
    parser.add_argument("--before-root", type=Path, default=None,
                        help="another checkout (with its .venv) whose forecaster is scored alongside, e.g. ../main")
    args = parser.parse_args(argv)
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    peers = [] if args.peers == "none" else [p.strip() for p in args.peers.split(",") if p.strip()]
    variants = list(VARIANTS) if args.variants == "all" else [v.strip() for v in args.variants.split(",")]
    sample_peers = [p for p in peers if p != "prophet" or args.prophet_on_sample]
    timing = Timing()
    if args.dataset in ("sample", "all"):
        if SAMPLE_HISTORY.exists() and SAMPLE_EVENTS.exists():
            timing.append(run("sample", read_history(SAMPLE_HISTORY), read_events(SAMPLE_EVENTS), "CN", sample_peers,
                              6, variants, args.before_root))
        else:
            print(json.dumps({"dataset": "sample", "skipped": "data/history.csv not generated"}), flush=True)
    if args.dataset in ("bank", "all"):
        bank = bank_history()
        if bank is None:
            print(json.dumps({"dataset": "anonymous-bank-1999", "skipped": "shared data not available"}), flush=True)
        else:
            timing.append(run("anonymous-bank-1999", bank, None, "IL", peers, 8, variants, args.before_root))
    if args.dataset in ("travel", "all"):
        travel = travel_history()
        if travel is None:
            print(json.dumps({"dataset": "travel-callcenter-daily", "skipped": "shared data not available"}), flush=True)
        else:  # daily totals: the hourly peers (MSTL with 24/168-hour seasons, Prophet's daily shape) do not apply
            timing.append(run("travel-callcenter-daily", travel, None, "NL", [], 8, variants, args.before_root))
            drivers = travel_drivers()
            if drivers is not None:
                timing.append(run("travel-callcenter-daily+reservations", travel, None, "NL", [], 8, ["clean"], None,
                                  drivers))


if __name__ == "__main__":
    main()
