"""Which volumes a planning command works from: a forecast file, or the history to forecast from."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import pandas as pd

from plan.contracts.errors import InputError

DEFAULT_FORECAST = Path("out/forecast.csv")


def _covers(frame: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> bool:
    stamps = pd.to_datetime(frame["interval_start"])
    return len(frame) > 0 and stamps.min() <= first and stamps.max() >= last + pd.Timedelta(hours=23)


def forecast_or_history(forecast: Optional[Path], history: Path, workforce, first: pd.Timestamp | None = None,
                        last: pd.Timestamp | None = None) -> tuple[Optional[pd.DataFrame], Optional[pd.DataFrame]]:
    """``(forecast table, None)`` from ``--forecast``, else from out/forecast.csv when present;
    otherwise ``(None, history)``: exactly one of the two files is read, named in ``attrs['path']``.

    With a range ``first..last`` (dates, inclusive), ``--forecast`` must cover it (else a located
    error) and out/forecast.csv is used only when it does.
    """
    from plan.contracts.forecast_table import read_forecast
    from plan.contracts.history import read_history

    ranged = first is not None and last is not None
    candidates = [(forecast, True)] if forecast is not None else [(DEFAULT_FORECAST, False)]
    for path, given in candidates:
        if not given and not path.exists():
            continue
        frame = read_forecast(path, known_queues=workforce.queues, timezone=workforce.site.timezone)
        frame.attrs["path"] = str(path)
        refuse_daily(frame, path, "forecast")
        if not ranged or _covers(frame, first, last):
            return frame, None
        if given:
            raise InputError(path, f"does not cover {first:%Y-%m-%d}..{last:%Y-%m-%d}", field="interval_start")
    hist = read_history(history, known_queues=workforce.queues, interval_minutes=None, timezone=workforce.site.timezone)
    refuse_daily(hist, history, "history")
    if hist.attrs["interval_minutes"] != workforce.site.interval_minutes:  # read on the site's grid: its error
        hist = read_history(history, known_queues=workforce.queues, interval_minutes=workforce.site.interval_minutes,
                            timezone=workforce.site.timezone)
    hist.attrs["path"] = str(history)
    return None, hist


def is_daily(frame: pd.DataFrame) -> bool:
    """One row per queue and day (every time at 00:00, some queue over more than one day): daily totals."""
    stamps = pd.DatetimeIndex(frame["interval_start"])
    return len(stamps) > 0 and bool((stamps == stamps.normalize()).all()) and bool(
        frame.groupby("queue")["interval_start"].nunique().max() > 1)


def refuse_daily(frame: pd.DataFrame, path: Path, what: str) -> None:
    """Staffing needs arrivals per interval: a table of daily totals is refused with what to do instead."""
    if not is_daily(frame):
        return
    if what == "forecast":
        advice = "forecast without --keep-daily: plan forecast splits the days into intervals by a profile"
    else:
        advice = "run plan forecast on it first (it splits the days into intervals by a profile) and plan from that"
    raise InputError(path, f"holds daily totals (one row per queue and day); staffing needs arrivals per interval: "
                           f"{advice}", field="interval_start")


def range_forecast(given: Optional[pd.DataFrame], hist: Optional[pd.DataFrame], workforce, events: pd.DataFrame,
                   first: pd.Timestamp, last: pd.Timestamp,
                   describe: Callable[[str], None] = lambda text: None) -> pd.DataFrame:
    """Volumes of ``first..last`` (dates, inclusive): the given table cut to them, else a forecast fitted
    on the history (slow: minutes)."""
    if given is None:
        from plan.forecast.model import VolumeForecaster

        describe(f"fitting the forecast on {hist.attrs.get('path', 'the history')} "
                 f"(no forecast file covers {first:%Y-%m-%d}..{last:%Y-%m-%d})")
        model = VolumeForecaster(country=workforce.site.country, seed=0).fit(hist, events)
        describe(f"forecasting {first:%Y-%m-%d}..{last:%Y-%m-%d}")
        given = model.predict(first, last)
    stamps = pd.to_datetime(given["interval_start"])
    inside = (stamps >= first) & (stamps < last + pd.Timedelta(days=1))
    return given[inside].reset_index(drop=True)


def load_workforce_mapping(config: Path) -> dict:
    """The workforce YAML as a mapping (validated once first, so its errors name the file)."""
    from plan.contracts.workforce import read_workforce
    from plan.contracts.yaml_file import read_yaml

    read_workforce(config)
    return read_yaml(config)
