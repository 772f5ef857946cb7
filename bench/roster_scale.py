"""Roster optimiser at scale: the sample month (its right-sized team); the team before it was
right-sized ("wide": 60 in-house agents, a third more than the work needs); 45 of those 60 ("tight":
a team without slack, where service is short all month and the LP is 4× slower); then generated
Novembers with 300 and 1,000 in-house agents (the sample team cloned, the forecast scaled with it). One JSON object per instance:
agents, seconds, objective, best_bound, gap = (objective - best_bound) / objective, violations
(from the independent checker on the written plan directory).

    python bench/roster_scale.py [--only sample|wide|tight|300|1000] [--time-limit S] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

from plan.contracts.events import read_events  # noqa: E402
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_MONTH, SAMPLE_WORKFORCE  # noqa: E402
from plan.contracts.workforce import parse_workforce, read_workforce  # noqa: E402

TARGETS = {"sample": 60, "wide": 60, "tight": 60, "300": 120, "1000": 600}
TIGHT_IN_HOUSE = 45


def sample_forecast(workforce, events) -> pd.DataFrame:
    cached = ROOT / "out" / "forecast.csv"
    if cached.exists():
        from plan.contracts.forecast_table import read_forecast
        frame = read_forecast(cached, known_queues=workforce.queues)
    else:
        from plan.contracts.history import read_history
        from plan.forecast.model import VolumeForecaster
        hist = read_history(SAMPLE_HISTORY, known_queues=workforce.queues, interval_minutes=60)
        frame = VolumeForecaster(country="CN", seed=0).fit(hist, events).predict("2026-11-01", "2026-11-30")
    stamps = pd.to_datetime(frame["interval_start"])
    return frame[stamps.dt.strftime("%Y-%m") == SAMPLE_MONTH].reset_index(drop=True)


def wide_team():
    """The sample's workforce with the 60-agent team it had before it was right-sized."""
    import yaml
    from plan.data import sample_workforce
    from plan.data.generate_sample import SEED
    return parse_workforce(yaml.safe_load(sample_workforce.workforce_yaml(SEED, sample_workforce.WIDE_TEAM)),
                           "sample (wide team)")


def fewer_agents(workforce, keep: int):
    """The workforce with ``keep`` in-house agents, every (total/keep)-th of the list (the skill and
    contract mix stays)."""
    data = workforce.model_dump(mode="json")
    total = len(data["in_house"])
    data["in_house"] = [a for i, a in enumerate(data["in_house"]) if (i + 1) * keep // total > i * keep // total]
    return parse_workforce(data, "sample (fewer agents)")


def scaled(workforce, in_house: int, part_time: int):
    """Clone the sample team to the given head counts (new ids and names), vendors' caps and
    commitments scaled with it."""
    data = workforce.model_dump(mode="json")
    factor = in_house / len(data["in_house"])
    data["in_house"] = [{**a, "id": f"{a['id']}-{i // len(workforce.in_house)}", "name": f"{a['name']}{i // len(workforce.in_house)}"}
                        for i, a in ((i, data["in_house"][i % len(workforce.in_house)]) for i in range(in_house))]
    data["part_time"] = [{**p, "id": f"{p['id']}-{i // len(workforce.part_time)}", "name": f"{p['name']}{i // len(workforce.part_time)}"}
                         for i, p in ((i, data["part_time"][i % len(workforce.part_time)]) for i in range(part_time))]
    for vendor in data["vendors"]:
        vendor["max_seats"] = int(round(vendor["max_seats"] * factor))
        vendor["min_monthly_seat_hours"] = vendor["min_monthly_seat_hours"] * factor
    if data.get("bot") and data["bot"].get("max_sessions_per_hour"):
        data["bot"]["max_sessions_per_hour"] *= factor
    return parse_workforce(data, "generated"), factor


def run(name: str, workforce, forecast: pd.DataFrame, events, time_limit: float, group_size: int | None = None,
        weights=None, keep: Path | None = None) -> dict:
    """Plan, write, verify; ``weights``: the soft rules' prices (default: the config's); ``keep``: a
    folder to copy the written plan directory into (as ``keep/<name>``), e.g. for `plan intraday`."""
    from plan.optimize.roster import plan_month, write_plan
    from plan.optimize.staffing.requirements import requirements_table
    requirements = requirements_table(forecast, workforce, events)
    started = time.perf_counter()
    plan = plan_month(workforce, requirements, SAMPLE_MONTH, events=events, time_limit_s=time_limit, seed=0,
                      max_group_size=group_size, weights=weights)
    seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan"
        ws = Path(tmp) / "workforce.yaml"
        import yaml
        ws.write_text(yaml.safe_dump(workforce.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
        try:
            write_plan(plan, out, inputs={"workforce": ws, "forecast": forecast, "events": SAMPLE_EVENTS,
                                          "requirements": requirements})
            from plan.optimize.verify import verify_plan
            violations = verify_plan(out)
        except Exception as exc:  # noqa: BLE001 - a failing checker is reported, not hidden
            violations = [f"checker failed: {type(exc).__name__}: {exc}"]
        if keep is not None and out.exists():
            import shutil
            shutil.copytree(out, keep / name)
    solver = plan.summary["solver"]
    return {"instance": name, "group_size": group_size, "agents": len(workforce.in_house), "part_time": len(workforce.part_time),
            "vendors": len(workforce.vendors), "seconds": round(seconds, 1), "objective": solver["objective"],
            "best_bound": solver["best_bound"], "gap": solver["gap"], "violations": len(violations),
            "violation_examples": violations[:3], "target_seconds": TARGETS.get(name),
            "cost_total": plan.summary["cost"]["total"],
            "service_level": {q: s["service_level"] for q, s in plan.summary["service"].items()},
            "shortfalls": len(plan.summary["shortfalls"]), "cost": plan.summary["cost"],
            "fairness": plan.summary["fairness"], "stages": solver["stages"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=list(TARGETS))
    parser.add_argument("--time-limit", type=float)
    parser.add_argument("--group-size", type=int, help="cut in-house groups to at most this many agents")
    parser.add_argument("--keep", type=Path, help="an empty or new folder: each instance's plan directory is "
                                                  "copied there as <folder>/<instance>")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        taken = [p.name for p in args.keep.iterdir()]
        if taken:
            sys.exit(f"error: --keep {args.keep} is not empty ({', '.join(taken[:3])})")
    for name, wf, fc, events in instances(args.only):
        print(json.dumps(run(name, wf, fc, events, args.time_limit or TARGETS[name], args.group_size, keep=args.keep),
                         ensure_ascii=False), flush=True)


def instances(only: str | None = None, names=tuple(TARGETS)):
    """(name, workforce, forecast, events) of each benchmark instance, the forecast scaled with the team."""
    workforce = read_workforce(SAMPLE_WORKFORCE)
    events = read_events(SAMPLE_EVENTS)
    forecast = sample_forecast(workforce, events)
    for name in names:
        if only and name != only:
            continue
        if name == "sample":
            wf, factor = workforce, 1.0
        elif name == "wide":
            wf, factor = wide_team(), 1.0
        elif name == "tight":
            wf, factor = fewer_agents(wide_team(), TIGHT_IN_HOUSE), 1.0
        else:
            wf, factor = scaled(workforce, int(name), 60)
        fc = forecast.copy()
        for column in ("arrivals", "p10", "p50", "p90"):
            if column in fc:
                fc[column] = fc[column] * factor
        yield name, wf, fc, events


if __name__ == "__main__":
    main()
