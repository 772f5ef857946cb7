"""A sick call on an ordinary day, re-planned two ways (issue 18, item 3's `reroster` replay).

At 07:00 of an ordinary day an agent scheduled that day calls in sick for ``--days`` days. The
published plan is re-planned from that day on:

* **reroster**: `plan reroster PLAN --from DAY --absent ID:DAY..` as a user runs it (a fresh process:
  its seconds include reading, solving, writing, the workbook and `plan verify`'s checks; CPU seconds
  beside them, since a busy machine stretches the wall clock);
* **from scratch**: the same days pinned before DAY and the same absence, but no reference (the rest
  of the month planned as if nothing had been published), at the same limit, written and verified.

For each: person-days that differ from the published roster.csv (recounted here from the files:
in-house and part-time rows whose shift code, start or end differ), of them in-house, the month's
cost, late contacts from DAY on, seconds, and whether `plan verify` passed; beside them the published
plan's figures and those of the published plan left alone with the days away taken off (the
same for both methods). One JSON line each:

    .venv/bin/python bench/reroster_replay.py | .venv/bin/python bench/markdown.py reroster_replay

Without ``--plan`` it uses out/roster-2026-11 when present, else plans the sample month first
(`plan roster --time-limit 120`). Every file is written under ``--workdir`` (a temporary folder by
default); the plan given is only read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PLAN = REPO / "out" / "roster-2026-11"
SICK_CALL = dt.time(7, 0)


def plan_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from plan.cli.entry import main; main()", *args]


def sample_plan(workdir: Path) -> Path:
    """out/roster-2026-11 when present, else the sample month planned into ``workdir``."""
    if (DEFAULT_PLAN / "summary.json").exists():
        return DEFAULT_PLAN
    out = workdir / "roster-2026-11"
    subprocess.run(plan_command("roster", "--month", "2026-11", "--time-limit", "120", "--out", str(out)),
                   check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return out


def sick_agent(roster: pd.DataFrame, day: dt.date) -> str:
    """The first in-house agent (by id) whose shift that day starts at or after the 07:00 call."""
    rows = roster[(roster["type"] == "in_house") & (roster["date"] == f"{day:%Y-%m-%d}")
                  & ~roster["shift_code"].isin(["REST", "LEAVE"])]
    later = rows[pd.to_datetime(rows["start"]).dt.time >= SICK_CALL]
    if later.empty:
        raise SystemExit(f"nobody starts at or after 07:00 on {day}")
    return str(sorted(later["id"])[0])


def read_roster(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "roster.csv", dtype=str, keep_default_na=False)


def differing(before: pd.DataFrame, after: pd.DataFrame) -> tuple[int, int]:
    """(person-days whose shift code, start or end differ; of them in-house), from the two files."""
    keys = ["id", "date"]
    both = before.merge(after, on=keys, suffixes=("_old", "_new"))
    changed = ((both["shift_code_old"] != both["shift_code_new"]) | (both["start_old"] != both["start_new"])
               | (both["end_old"] != both["end_new"]))
    return int(changed.sum()), int((changed & (both["type_old"] == "in_house")).sum())


def late_from(folder: Path, day: dt.date) -> float:
    coverage = pd.read_csv(folder / "coverage.csv")
    return round(float(coverage.loc[coverage["interval_start"] >= f"{day:%Y-%m-%d}", "shortfall_contacts"].sum()), 1)


def cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def figures(parent: Path, folder: Path, day: dt.date, seconds: float, verified: bool, cpu: float) -> dict:
    changed, in_house = differing(read_roster(parent), read_roster(folder))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    totals = summary["replan"]["totals"]
    return {"person_days_changed": changed, "in_house_changed": in_house, "cost_yuan": summary["cost"]["total"],
            "late_contacts_from_day": late_from(folder, day), "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1), "verified": verified,
            "published": {"cost_yuan": totals["cost_published"], "late": totals["late_contacts_from_published"]},
            "left_alone": {"cost_yuan": totals["cost_left_alone"], "late": totals["late_contacts_from_left_alone"]}}


def run_reroster(parent: Path, out: Path, day: dt.date, absent: str, limit: float, seed: int) -> dict:
    started, cpu = time.perf_counter(), cpu_s(resource.RUSAGE_CHILDREN)
    done = subprocess.run(plan_command("reroster", str(parent), "--from", f"{day:%Y-%m-%d}", "--absent", absent,
                                       "--out", str(out), "--time-limit", f"{limit:g}", "--seed", str(seed)),
                          cwd=REPO, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"})
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-2000:])
    return figures(parent, out, day, seconds, done.returncode == 0, cpu_s(resource.RUSAGE_CHILDREN) - cpu)


def run_from_scratch(parent: Path, out: Path, day: dt.date, absent: str, limit: float, seed: int) -> dict:
    from plan.cli.roster import write_reports
    from plan.contracts.outputs import Outputs
    from plan.contracts.plan_files import PLAN_FILES
    from plan.contracts.replan import ABSENCE, parse_absence
    from plan.optimize.roster.reroster import read_parent, reroster, write_rerostered
    from plan.optimize.verify import verify_plan

    started, cpu = time.perf_counter(), cpu_s(resource.RUSAGE_SELF)
    published = read_parent(parent)
    result = reroster(published, day, [parse_absence(absent, ABSENCE, "--absent")], time_limit_s=limit, seed=seed,
                      started=started, minimal_change=False)
    with Outputs() as outputs:
        staged = outputs.directory(out, names=PLAN_FILES + ("changes.csv",)).staging
        write_rerostered(result, published, staged, out)
        write_reports(staged)
        verified = not verify_plan(staged)
    return figures(parent, out, day, time.perf_counter() - started, verified, cpu_s(resource.RUSAGE_SELF) - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=None, help="published plan (default: out/roster-2026-11)")
    parser.add_argument("--day", default="2026-11-19", help="the ordinary day of the sick call")
    parser.add_argument("--days", type=int, default=2, choices=(1, 2, 3), help="days off sick from that day")
    parser.add_argument("--agent", default=None, help="who calls in sick (default: the first starting after 07:00)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="reroster-replay-"))
    workdir.mkdir(parents=True, exist_ok=True)
    parent = args.plan or sample_plan(workdir)
    day = dt.date.fromisoformat(args.day)
    agent = args.agent or sick_agent(read_roster(parent), day)
    last = day + dt.timedelta(days=args.days - 1)
    absent = f"{agent}:{day:%Y-%m-%d}..{last:%Y-%m-%d}"
    common = {"plan": parent.name, "sick_call": f"{day:%Y-%m-%d} 07:00", "absent": absent,
              "time_limit_s": args.time_limit, "machine": f"busy (load {os.getloadavg()[0]:.1f} on "
                                                          f"{os.cpu_count()} cores at the start)"}
    for method, run in (("reroster", run_reroster), ("from scratch", run_from_scratch)):
        out = workdir / f"{parent.name}-{method.replace(' ', '-')}"
        if out.exists():
            shutil.rmtree(out)
        record = {"method": method, **common, **run(parent, out, day, absent, args.time_limit, args.seed)}
        print(json.dumps(record, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
