"""Which volumes a planning command works from: a forecast file, or the history to forecast from."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

DEFAULT_FORECAST = Path("out/forecast.csv")


def forecast_or_history(forecast: Optional[Path], history: Path, workforce
                        ) -> tuple[Optional[pd.DataFrame], Optional[pd.DataFrame]]:
    """``(forecast table, None)`` from ``--forecast``, else from out/forecast.csv when present;
    otherwise ``(None, history)``: exactly one of the two files is read, named in ``attrs['path']``."""
    from plan.contracts.forecast_table import read_forecast
    from plan.contracts.history import read_history

    if forecast is None and DEFAULT_FORECAST.exists():
        forecast = DEFAULT_FORECAST
    if forecast is not None:
        frame = read_forecast(forecast, known_queues=workforce.queues)
        frame.attrs["path"] = str(forecast)
        return frame, None
    hist = read_history(history, known_queues=workforce.queues, interval_minutes=workforce.site.interval_minutes)
    hist.attrs["path"] = str(history)
    return None, hist
