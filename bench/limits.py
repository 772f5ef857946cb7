"""Does ``--time-limit`` bound the command, and what does a repeatable plan cost?

1. ``plan roster`` run as a user runs it (a fresh process, from its start to the verified plan or
   its one-line refusal: a limit below the month's floor, ``budgets.minimum_time_limit_s``, is
   refused at once with exit code 2) at ``--time-limit`` 10, 30, 60 and 90 s on: the sample; the 45-agent team
   ("tight", as bench/roster_scale.py builds it); a history at 1e6 contacts/hour per queue (the
   sample history scaled, forecast from by the command itself). One JSON object per run: wall
   seconds, the limit, the overrun, the exit code, the gap and the last stderr line.
2. The gap cost of determinism on the sample at 60 s: the deterministic search the product uses
   against CP-SAT's parallel search stopped by the wall clock (the same pipeline and budgets,
   ``budgets.SEARCH_MODE = "parallel"``), five seeds each. One JSON object with both gap lists.

    python bench/limits.py [--only wall|gap] [--limits 10 30 60 90] [--seeds 5]

Wall times depend on the machine's load: say what else ran when quoting them.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from roster_scale import TIGHT_IN_HOUSE, fewer_agents, sample_forecast  # noqa: E402

from plan.contracts.events import read_events  # noqa: E402
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_MONTH, SAMPLE_WORKFORCE  # noqa: E402
from plan.contracts.workforce import read_workforce  # noqa: E402

ABSURD_PER_HOUR = 1e6


def inputs(folder: Path) -> dict[str, list[str]]:
    """Command-line inputs of each case, written into ``folder``."""
    import pandas as pd
    workforce = read_workforce(SAMPLE_WORKFORCE)
    events = read_events(SAMPLE_EVENTS)
    forecast = folder / "forecast.csv"
    frame = sample_forecast(workforce, events)
    frame.assign(interval_start=pd.to_datetime(frame["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        forecast, index=False)
    tight = folder / "tight.yaml"
    tight.write_text(yaml.safe_dump(fewer_agents(workforce, TIGHT_IN_HOUSE).model_dump(mode="json"),
                                    allow_unicode=True), encoding="utf-8")
    history = pd.read_csv(SAMPLE_HISTORY)
    per_hour = history.groupby("queue")["arrivals"].transform("mean")
    history["arrivals"] = (history["arrivals"] * ABSURD_PER_HOUR / per_hour.clip(lower=1e-9)).round()
    absurd = folder / "history_1e6.csv"
    history.to_csv(absurd, index=False)
    common = ["--month", SAMPLE_MONTH, "--events", str(SAMPLE_EVENTS)]
    return {"sample": common + ["--config", str(SAMPLE_WORKFORCE), "--forecast", str(forecast)],
            "tight": common + ["--config", str(tight), "--forecast", str(forecast)],
            "history_1e6_per_hour": common + ["--config", str(SAMPLE_WORKFORCE), "--history", str(absurd)]}


def run_command(case: str, args: list[str], limit_s: float, out: Path) -> dict:
    command = [sys.executable, "-m", "plan", "roster", *args, "--out", str(out), "--time-limit", str(limit_s),
               "--seed", "1"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=out.parent)
    seconds = time.perf_counter() - started
    gap = None
    if (out / "summary.json").exists():
        gap = json.loads((out / "summary.json").read_text(encoding="utf-8"))["solver"]["gap"]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return {"case": case, "time_limit_s": limit_s, "wall_s": round(seconds, 1), "over_s": round(seconds - limit_s, 1),
            "exit_code": done.returncode, "gap": gap, "last_stderr": lines[-1][:300] if lines else ""}


def determinism_gap(seeds: int, limit_s: float) -> dict:
    from plan.optimize.roster import budgets, plan_month
    from plan.optimize.staffing.requirements import requirements_table
    workforce = read_workforce(SAMPLE_WORKFORCE)
    events = read_events(SAMPLE_EVENTS)
    requirements = requirements_table(sample_forecast(workforce, events), workforce, events)
    out = {"case": "determinism gap cost", "instance": "sample", "time_limit_s": limit_s}
    for mode in ("deterministic", "parallel"):
        budgets.SEARCH_MODE = mode
        gaps, walls = [], []
        for seed in range(1, seeds + 1):
            started = time.perf_counter()
            plan = plan_month(workforce, requirements, SAMPLE_MONTH, events=events, time_limit_s=limit_s, seed=seed)
            walls.append(round(time.perf_counter() - started, 1))
            gaps.append(plan.summary["solver"]["gap"])
        out[mode] = {"gaps": gaps, "mean_gap": round(statistics.mean(gaps), 5), "wall_s": walls}
    budgets.SEARCH_MODE = "deterministic"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["wall", "gap"])
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0, 30.0, 60.0, 90.0])
    parser.add_argument("--cases", nargs="+", default=["sample", "tight", "history_1e6_per_hour"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--gap-limit", type=float, default=120.0, help="time limit of the determinism-gap runs "
                        "(the roster's default)")
    args = parser.parse_args()
    if args.only != "gap":
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            cases = inputs(folder)
            for case in args.cases:
                for limit in args.limits:
                    out = folder / f"{case}-{limit:g}" / "plan"
                    out.parent.mkdir()
                    print(json.dumps(run_command(case, cases[case], limit, out), ensure_ascii=False), flush=True)
    if args.only != "wall":
        print(json.dumps(determinism_gap(args.seeds, args.gap_limit)), flush=True)


if __name__ == "__main__":
    main()
