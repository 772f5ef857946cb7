"""`plan risk`'s probabilities (the default engine: the staffing service functions) against a direct
count from the discrete-event simulator (`--engine simulate`: each path simulated, the targets met
counted), on independent paths (other seeds), for every target of a plan.

Both are the real console command in a fresh process. A target agrees when the two differ by at
most 3 combined Monte-Carlo standard errors (each run's own `mc_se`; a probability of exactly 0 or 1
reports 0, so the other's error alone bounds it then). One JSON line per target, then a summary.

    python bench/risk_vs_simulation.py PLAN_DIR [--paths 1000] [--simulated-paths 150] [--workers 1]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PLAN = str(Path(sys.executable).with_name("plan"))
KEYS = ["queue", "period", "target"]


def run_risk(plan_dir: Path, engine: str, paths: int, seed: int, workers: int, out: Path) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    done = subprocess.run([PLAN, "risk", str(plan_dir), "--engine", engine, "--paths", str(paths), "--seed", str(seed),
                           "--workers", str(workers), "--out", str(out)], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "120"})
    if done.returncode:
        sys.exit(f"plan risk --engine {engine} failed ({done.returncode}): {(done.stdout + done.stderr)[-800:]}")
    return pd.read_csv(out / "risk.csv"), time.perf_counter() - started


def compare(analytic: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    both = analytic.merge(simulated, on=KEYS, suffixes=("_analytic", "_simulated"), validate="one_to_one")
    both["difference"] = both["probability_met_analytic"] - both["probability_met_simulated"]
    both["combined_se"] = np.hypot(both["mc_se_analytic"], both["mc_se_simulated"])
    both["z"] = both["difference"] / both["combined_se"].where(both["combined_se"] > 0)
    both["within_3_se"] = both["difference"].abs() <= 3 * both["combined_se"] + 1e-12
    return both


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plan_dir", type=Path, help="a plan directory (plan roster --out) whose forecast has a band")
    parser.add_argument("--paths", type=int, default=1000, help="paths of the analytic run")
    parser.add_argument("--simulated-paths", type=int, default=150, help="paths of the simulator's run")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="risk_vs_sim-") as work:
        analytic, analytic_s = run_risk(args.plan_dir, "analytic", args.paths, 1, args.workers, Path(work) / "a")
        simulated, simulated_s = run_risk(args.plan_dir, "simulate", args.simulated_paths, 2, args.workers,
                                          Path(work) / "s")
    table = compare(analytic, simulated)
    for row in table.to_dict("records"):
        print(json.dumps({"queue": row["queue"], "period": row["period"], "target": row["target"],
                          "analytic": round(row["probability_met_analytic"], 4),
                          "analytic_se": round(row["mc_se_analytic"], 4),
                          "simulated": round(row["probability_met_simulated"], 4),
                          "simulated_se": round(row["mc_se_simulated"], 4),
                          "difference": round(row["difference"], 4),
                          "z": None if pd.isna(row["z"]) else round(row["z"], 2),
                          "within_3_se": bool(row["within_3_se"])}, ensure_ascii=False))
    print(json.dumps({"summary": True, "plan": str(args.plan_dir), "targets": len(table),
                      "within_3_se": int(table["within_3_se"].sum()),
                      "max_abs_z": None if table["z"].isna().all() else round(float(table["z"].abs().max()), 2),
                      "analytic_paths": args.paths, "simulated_paths": args.simulated_paths,
                      "analytic_s": round(analytic_s, 1), "simulated_s": round(simulated_s, 1)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
