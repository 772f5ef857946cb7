"""Scale-out: `plan batch` over generated teams and a full-mode scenario sweep, local sequential
against Ray with 2 workers on this machine, and a projection to 16- and 64-core clusters.

Teams are the sample team cloned to each size (bench/roster_scale.py ``scaled``: people, vendor caps
and the forecast scaled together), each in its own folder (workforce.yaml, forecast.csv, events.csv).
Every roster gets its size's least useful time limit (budgets.minimum_time_limit_s), one CP-SAT thread.
Both runs are the real console command in a fresh process (`plan batch`, `plan scenarios --sweep`),
timed from outside; per-task seconds come from their own summaries.

The projection schedules the *full* workload (8 teams of 30..300 agents; 24 sweep points and the
baseline) longest-first onto 16 and 64 single-thread slots, each task's time taken from the measured
ones (a straight line in agents through the measured teams; the sweep's measured mean per point),
plus the measured Ray overhead per task. With ``--reduced`` (the default) fewer and smaller tasks
are measured, so that both runs fit beside other work on a 2-core machine; the JSON says which.

    python bench/scale_out.py [--full] [--keep DIR]
    python bench/scale_out.py --full --from-partials ERR --note WHY   (the record of a run stopped early)
    python bench/scale_out.py --rows RECORD.json [--table projection]  (docs/benchmarks.md's rows)
"""
from __future__ import annotations

import argparse
import heapq
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from roster_scale import sample_forecast, scaled  # noqa: E402

from plan.contracts.events import read_events  # noqa: E402
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_SCENARIOS, SAMPLE_WORKFORCE  # noqa: E402
from plan.contracts.workforce import read_workforce  # noqa: E402
from plan.optimize.roster.budgets import minimum_time_limit_s  # noqa: E402

FULL_SIZES = (30, 69, 107, 146, 184, 223, 261, 300)
REDUCED_SIZES = (30, 35, 40, 45, 50, 55, 60, 65)
FULL_SWEEP_POINTS, REDUCED_SWEEP_POINTS = 24, 4
SWEEP_TEAM = 30  # agents of the team the sweep runs on
PLAN = str(Path(sys.executable).with_name("plan"))
MONTH = "2026-11"
DAYS = 30


def write_teams(folder: Path, sizes: tuple[int, ...]) -> list[Path]:
    """One folder per size: the sample team scaled, its forecast scaled with it, the sample events."""
    workforce = read_workforce(SAMPLE_WORKFORCE)
    events = read_events(SAMPLE_EVENTS)
    forecast = sample_forecast(workforce, events)
    teams = []
    for size in sizes:
        factor = size / len(workforce.in_house)
        team, _ = scaled(workforce, size, max(1, round(len(workforce.part_time) * factor)))
        path = folder / f"team_{size:03d}"
        path.mkdir(parents=True)
        (path / "workforce.yaml").write_text(yaml.safe_dump(team.model_dump(mode="json"), allow_unicode=True,
                                                            sort_keys=False), encoding="utf-8")
        fc = forecast.copy()
        for column in ("arrivals", "p10", "p50", "p90"):
            if column in fc:
                fc[column] = fc[column] * factor
        fc.assign(interval_start=pd.to_datetime(fc["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")).to_csv(
            path / "forecast.csv", index=False)
        shutil.copy(SAMPLE_EVENTS, path / "events.csv")
        teams.append(path)
    return teams


def timed(command: list[str], cwd: Path) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    return time.perf_counter() - started, done.returncode, (done.stdout + done.stderr)[-600:]


def lpt_makespan(seconds: list[float], slots: int) -> float:
    """Longest task first onto the least loaded of ``slots``: the wall time of that schedule."""
    loads = [0.0] * slots
    for s in sorted(seconds, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + s)
    return max(loads)


def batch_runs(folder: Path, work: Path) -> dict:
    runs = {}
    for label, options in (("local_sequential", ["--backend", "local", "--workers", "1"]),
                           ("ray_2_workers", ["--backend", "ray", "--workers", "2"])):
        out = work / f"batch-{label}"
        wall, code, tail = timed([PLAN, "batch", str(folder), "--month", MONTH, "--out", str(out), *options], work)
        summary = json.loads((out / "batch_summary.json").read_text(encoding="utf-8")) if code in (0, 1) and (
            out / "batch_summary.json").exists() else {"teams": []}
        runs[label] = {"wall_s": round(wall, 1), "exit_code": code, "tail": tail if code else "",
                       "task_s": {t["team"]: t.get("seconds") for t in summary["teams"]},
                       "failed": [t["team"] for t in summary["teams"] if t["status"] != "ok"]}
        print(json.dumps({"partial": f"batch {label}", **runs[label]}), file=sys.stderr, flush=True)
    return runs


def sweep_runs(team: Path, points: int, work: Path) -> dict:
    runs = {}
    limit = minimum_time_limit_s(SWEEP_TEAM, DAYS)
    last = 20 + 4 * (points - 1)
    for label, options in (("local_sequential", ["--backend", "local", "--workers", "1"]),
                           ("ray_2_workers", ["--backend", "ray", "--workers", "2"])):
        out = work / f"sweep-{label}"
        wall, code, tail = timed([PLAN, "scenarios", "--file", str(SAMPLE_SCENARIOS), "--config",
                                  str(team / "workforce.yaml"), "--forecast", str(team / "forecast.csv"),
                                  "--events", str(team / "events.csv"), "--month", MONTH,
                                  "--sweep", f"vendors.V1.price_per_seat_hour=20..{last}:4", "--mode", "full",
                                  "--time-limit", f"{limit:g}", "--out", str(out), *options], work)
        table = pd.read_csv(out / "scenarios.csv") if (out / "scenarios.csv").exists() else pd.DataFrame()
        runs[label] = {"wall_s": round(wall, 1), "exit_code": code, "tail": tail if code else "",
                       "task_s": table["seconds"].round(1).tolist() if "seconds" in table else [],
                       "modes": table["mode"].value_counts().to_dict() if "mode" in table else {}}
        print(json.dumps({"partial": f"sweep {label}", **runs[label]}), file=sys.stderr, flush=True)
    runs["time_limit_s"] = limit
    return runs


def compare(runs: dict, tasks: int) -> dict:
    local, ray = runs["local_sequential"], runs["ray_2_workers"]
    ray_tasks = [s for s in (ray["task_s"].values() if isinstance(ray["task_s"], dict) else ray["task_s"]) if s]
    ideal = lpt_makespan(ray_tasks, 2) if ray_tasks else float("nan")
    return {"speed_up": round(local["wall_s"] / ray["wall_s"], 2),
            "ray_ideal_2_slot_s": round(ideal, 1),
            # what the Ray run took beyond a perfect 2-slot schedule of its own task times, per task
            "overhead_per_task_s": round((ray["wall_s"] - ideal) / tasks, 2) if ray_tasks else None}


def projection(batch: dict, sweep: dict | None, overhead_s: float) -> dict:
    measured = {name: s for name, s in batch["local_sequential"]["task_s"].items() if s is not None}  # planned teams
    sizes = np.array([int(name.split("_")[1]) for name in measured])
    seconds = np.array([measured[name] for name in measured], float)
    slope, intercept = np.polyfit(sizes, seconds, 1)
    # a measured team's own time where there is one (the full run), the fitted line elsewhere
    team_s = [measured.get(f"team_{n:03d}", max(1.0, slope * n + intercept)) for n in FULL_SIZES]
    point_s = float(np.mean(sweep["local_sequential"]["task_s"])) if sweep else None
    sweep_s = [point_s] * (FULL_SWEEP_POINTS + 1) if sweep else []
    out = {"model": {"team_s": f"{slope:.2f} s/agent x agents + {intercept:.1f} s (fitted on the measured teams)"
                     if set(FULL_SIZES) - set(sizes.tolist()) else "each team's measured time",
                     "sweep_point_s": round(point_s, 1) if sweep else None, "overhead_per_task_s": overhead_s,
                     "full_batch_sizes": FULL_SIZES, "full_sweep_tasks": FULL_SWEEP_POINTS + 1}}
    for cores in (2, 16, 64):
        out[f"{cores}_cores"] = {
            "batch_s": round(lpt_makespan([s + overhead_s for s in team_s], cores), 0),
            "sweep_s": round(lpt_makespan([s + overhead_s for s in sweep_s], cores), 0) if sweep else None,
            "batch_sequential_s": round(sum(team_s), 0), "sweep_sequential_s": round(sum(sweep_s), 0) if sweep else None}
    out["note"] = ("one single-thread task per core; 8 teams cannot use more than 8 cores, so from 16 cores on the "
                   "batch takes as long as its largest team; the sweep's 25 tasks fill 16 cores in two waves and "
                   "64 cores in one")
    return out


WHY_REDUCED = ("the full workload (8 teams of 30..300, 24 full-mode points) needs about 50 min of solver time per run "
               "sequentially, twice (local and Ray); reduced to 8 teams of 30..65 agents and 4 points to fit before "
               "the deadline on a busy machine; the projection extrapolates")


def result_of(batch: dict, sweep: dict | None, full: bool, bench_s: float | None, note: str | None = None) -> dict:
    """The bench's one JSON record; ``sweep`` None when the sweep's runs were not measured."""
    sizes = FULL_SIZES if full else REDUCED_SIZES
    points = FULL_SWEEP_POINTS if full else REDUCED_SWEEP_POINTS
    batch_cmp = compare(batch, len(sizes))
    sweep_cmp = compare(sweep, points + 1) if sweep else None
    overheads = [c["overhead_per_task_s"] for c in (batch_cmp, sweep_cmp) if c and c["overhead_per_task_s"] is not None]
    return {"benchmark": "scale_out", "reduced": not full,
            "workload": {"batch_team_sizes": sizes, "sweep_points": points, "sweep_tasks": points + 1,
                         "sweep_team_agents": SWEEP_TEAM, "month": MONTH,
                         "why_reduced": None if full else WHY_REDUCED},
            "batch": {**batch, **batch_cmp}, "sweep": {**sweep, **sweep_cmp} if sweep else None,
            "projection": projection(batch, sweep, round(float(np.mean(overheads)), 2) if overheads else 0.0),
            "total_bench_s": bench_s, "note": note}


def from_partials(log: Path, full: bool, note: str) -> dict:
    """The record from the per-run lines a run printed to stderr (a run stopped before its end)."""
    runs: dict[str, dict] = {"batch": {}, "sweep": {}}
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.startswith("{") and '"partial"' in line:
            record = json.loads(line)
            part, label = record.pop("partial").split()
            runs[part][label] = record
    if len(runs["batch"]) < 2:
        sys.exit(f"{log}: the batch's two runs are not both there")
    sweep = {**runs["sweep"], "time_limit_s": minimum_time_limit_s(SWEEP_TEAM, DAYS)} if len(runs["sweep"]) == 2 else None
    return result_of(runs["batch"], sweep, full, None, note)


def table_rows(record: dict, which: str) -> list[dict]:
    """docs/benchmarks.md's rows of a record: ``runs`` (one per workload) or ``projection`` (one per core count)."""
    work = record["workload"]
    sizes = work["batch_team_sizes"]
    if which == "projection":
        model = record["projection"]["model"]
        text = (f"team {model['team_s']}; sweep point {model['sweep_point_s']} s; "
                f"+{model['overhead_per_task_s']} s a task")
        return [{"cores": cores, "batch 8 teams 30..300 s": record["projection"][f"{cores}_cores"]["batch_s"],
                 "sweep 24 points + baseline s": record["projection"][f"{cores}_cores"]["sweep_s"],
                 "batch sequential s": record["projection"][f"{cores}_cores"]["batch_sequential_s"],
                 "sweep sequential s": record["projection"][f"{cores}_cores"]["sweep_sequential_s"], "model": text}
                for cores in (2, 16, 64)]
    rows = []
    for name, what in (("batch", f"plan batch, {len(sizes)} teams of {sizes[0]}..{sizes[-1]} agents"),
                       ("sweep", f"full-mode sweep, {work['sweep_points']} points + baseline, "
                                 f"{work['sweep_team_agents']} agents")):
        runs = record.get(name)
        if not runs:
            rows.append({"workload": what, "reduced": record["reduced"], "local sequential s": "not measured"})
            continue
        tasks = {label: list(runs[label]["task_s"].values()) if isinstance(runs[label]["task_s"], dict)
                 else runs[label]["task_s"] for label in ("local_sequential", "ray_2_workers")}
        rows.append({"workload": what, "reduced": record["reduced"],
                     "local sequential s": runs["local_sequential"]["wall_s"],
                     "ray 2 workers s": runs["ray_2_workers"]["wall_s"], "speed-up": runs["speed_up"],
                     "ray ideal 2-slot s": runs["ray_ideal_2_slot_s"],
                     "overhead per task s": runs["overhead_per_task_s"],
                     "task s local": tasks["local_sequential"], "task s ray": tasks["ray_2_workers"]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="8 teams of 30..300 agents and 24 sweep points")
    parser.add_argument("--keep", type=Path, help="keep the generated teams and outputs here")
    parser.add_argument("--from-partials", type=Path, help="only assemble the record from the per-run lines a run "
                                                           "stopped early printed to stderr (this file)")
    parser.add_argument("--note", help="with --from-partials: why the run stopped early")
    parser.add_argument("--rows", type=Path, help="only print the docs' table rows of the record in this file")
    parser.add_argument("--table", choices=("runs", "projection"), default="runs", help="with --rows: which table")
    args = parser.parse_args()
    if args.rows:
        for row in table_rows(json.loads(args.rows.read_text(encoding="utf-8").strip().splitlines()[-1]), args.table):
            print(json.dumps(row, ensure_ascii=False))
        return
    if args.from_partials:
        print(json.dumps(from_partials(args.from_partials, args.full, args.note), ensure_ascii=False))
        return
    sizes = FULL_SIZES if args.full else REDUCED_SIZES
    points = FULL_SWEEP_POINTS if args.full else REDUCED_SWEEP_POINTS
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale_out-"))
    work.mkdir(parents=True, exist_ok=True)
    teams = write_teams(work / "teams", sizes)
    sweep_team = next(t for t in teams if t.name == f"team_{SWEEP_TEAM:03d}")
    started = time.perf_counter()
    batch = batch_runs(work / "teams", work)
    sweep = sweep_runs(sweep_team, points, work)
    result = result_of(batch, sweep, args.full, round(time.perf_counter() - started, 0))
    print(json.dumps(result, ensure_ascii=False))  # one line: bench/markdown.py reads JSON lines
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
