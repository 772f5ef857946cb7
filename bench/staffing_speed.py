"""Speed of the staffing service functions and their inverse at e-commerce peak sizes.

720 hourly intervals (a month) x 4 queues, intraday shape with peak intervals of 6,000 arrivals per
hour (a double-11 opening hour), Erlang A (voice) service at a given staffing plus the inverse
(fewest agents meeting SL / abandonment / ASA targets, integer and fractional). The same for the
chat concurrency model as a second figure. Target: <= 1 s for the Erlang A part (pyworkforce's
Erlang A takes ~22 s for one such interval). Prints one JSON object per line.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.workforce import Queue, Targets
from plan.optimize.queueing.service import queue_metrics
from plan.optimize.staffing.requirements import required_agents

INTERVALS = 720
PEAK_PER_H = 6000.0


def month_of_arrivals(peak: float, seed: int) -> np.ndarray:
    """Hourly arrivals: intraday double hump, weekly wave, a handful of peak hours at ``peak``."""
    rng = np.random.default_rng(seed)
    hours = np.arange(INTERVALS)
    day = 0.08 + np.exp(-((hours % 24 - 11) / 3.0) ** 2) + 0.8 * np.exp(-((hours % 24 - 21) / 2.0) ** 2)
    level = day * (1 + 0.15 * np.sin(hours / 24 / 7 * 2 * np.pi)) * rng.lognormal(0, 0.1, INTERVALS)
    arrivals = peak * 0.3 * level / level.max()
    arrivals[rng.choice(INTERVALS, 12, replace=False)] = peak
    return arrivals


VOICE_QUEUES = [
    Queue(channel="voice", aht_s=265, patience_s=120, targets=Targets(service_level=0.8, answer_within_s=20, max_abandon=0.05)),
    Queue(channel="voice", aht_s=180, patience_s=60, targets=Targets(service_level=0.9, answer_within_s=15)),
    Queue(channel="voice", aht_s=420, patience_s=300, targets=Targets(asa_s=30, max_abandon=0.03)),
    Queue(channel="voice", aht_s=300, patience_s=200, targets=Targets(service_level=0.8, answer_within_s=30, max_occupancy=0.9)),
]
CHAT_QUEUES = [
    Queue(channel="chat", aht_s=290, patience_s=150, concurrency=3, targets=Targets(service_level=0.85, answer_within_s=30, asa_s=28, max_abandon=0.05)),
    Queue(channel="chat", aht_s=470, patience_s=240, concurrency=3, targets=Targets(service_level=0.85, answer_within_s=30, max_abandon=0.05)),
    Queue(channel="chat", aht_s=350, patience_s=120, concurrency=2, targets=Targets(service_level=0.8, answer_within_s=20)),
    Queue(channel="chat", aht_s=400, patience_s=300, concurrency=4, concurrency_slowdown=0.25, targets=Targets(asa_s=20)),
]


def run(queues: list[Queue]) -> dict:
    loads = [month_of_arrivals(PEAK_PER_H, seed) for seed in range(len(queues))]
    start = time.perf_counter()
    agents_total = 0
    for queue, arrivals in zip(queues, loads):
        need = required_agents(queue, arrivals, queue.targets)
        metrics = queue_metrics(queue, arrivals, need.fractional)
        agents_total += int(need.whole.sum())
        assert np.isfinite(metrics.service_level).all()
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "intervals": INTERVALS * len(queues), "peak_arrivals_per_h": PEAK_PER_H,
            "agent_hours_required": agents_total}


def sample_requirements() -> tuple[dict, dict] | None:
    """The whole requirements table on the sample: out/forecast.csv, else October 2026 of the
    sample history used as a forecast-shaped table (4 queues x 744 hours)."""
    from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_WORKFORCE
    from plan.contracts.events import read_events
    from plan.contracts.workforce import read_workforce
    from plan.contracts.forecast_table import read_forecast
    from plan.optimize.staffing.requirements import requirements_table

    if not SAMPLE_WORKFORCE.exists():
        return None
    workforce = read_workforce(SAMPLE_WORKFORCE)
    events = read_events(SAMPLE_EVENTS)
    forecast_path = Path("out/forecast.csv")
    if forecast_path.exists():
        forecast, source = read_forecast(forecast_path, workforce.queues), str(forecast_path)
    else:
        history = pd.read_csv(SAMPLE_HISTORY, parse_dates=["interval_start"])
        forecast = history[history["interval_start"] >= "2026-10-01"][["queue", "interval_start", "arrivals"]]
        source = "sample history 2026-10 as forecast"
    start = time.perf_counter()
    table = requirements_table(forecast, workforce, events)
    staffing = {"bench": "staffing_speed", "model": "requirements_table", "data": source,
                "seconds": round(time.perf_counter() - start, 3), "intervals": len(table),
                "peak_agents": int(table["agents_required"].max())}
    # The simulator on the same month: every contact, agents = requirement after shrinkage.
    from plan.optimize.queueing.simulate import simulate_table
    shrink = table["queue"].map({q: spec.shrinkage for q, spec in workforce.queues.items()})
    start = time.perf_counter()
    simulated = simulate_table(table.assign(agents_on_floor=table["agents_required"] * (1 - shrink)), workforce)
    simulation = {"bench": "staffing_speed", "model": "simulate_month", "data": source,
                  "seconds": round(time.perf_counter() - start, 3),
                  "contacts": int(simulated["arrivals_simulated"].sum()), "intervals": len(simulated)}
    return staffing, simulation


def bank_year() -> dict | None:
    """Erlang A service + inverse over the real hourly arrivals of the Anonymous Bank, 1999 (8,760 h)."""
    folder = Path(os.environ.get("PLAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    path = folder / "anonymous-bank-1999" / "calls_hourly_1999.csv"
    if not path.exists():
        return None
    arrivals = pd.read_csv(path)["calls"].to_numpy(float)
    queue = Queue(channel="voice", aht_s=177, patience_s=348,
                  targets=Targets(service_level=0.8, answer_within_s=20, max_abandon=0.05))
    start = time.perf_counter()
    need = required_agents(queue, arrivals, queue.targets)
    queue_metrics(queue, arrivals, need.fractional)
    return {"bench": "staffing_speed", "model": "erlang_a", "data": "anonymous bank 1999 hourly arrivals",
            "seconds": round(time.perf_counter() - start, 3), "intervals": len(arrivals)}


def main() -> None:
    run(VOICE_QUEUES[:1])  # warm imports and caches
    voice = run(VOICE_QUEUES)
    print(json.dumps({"bench": "staffing_speed", "model": "erlang_a", **voice, "target_seconds": 1.0,
                      "ok": voice["seconds"] <= 1.0}))
    chat = run(CHAT_QUEUES)
    print(json.dumps({"bench": "staffing_speed", "model": "chat_concurrency", **chat}))
    for extra in (*(sample_requirements() or ()), bank_year()):
        if extra is not None:
            print(json.dumps(extra))


if __name__ == "__main__":
    main()
