"""How far the default-limit roster is from the best plan this code finds with much more time, and
from the LP bound: for an instance of ``bench/roster_scale.py`` (default: the 45-agent "tight"
team), one plan at the short limit and one at the long limit, each with its gap against the LP
bound, and the short plan's objective against the long one's. One JSON object.

    python bench/best_plan.py [--instance tight] [--short 120] [--long 1200]

Target (issue 17): the 120 s plan within 3 % of the 20-minute plan.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_scale import TARGETS, instances, run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", default="tight", choices=list(TARGETS))
    parser.add_argument("--short", type=float, default=120.0)
    parser.add_argument("--long", type=float, default=1200.0)
    args = parser.parse_args()
    _, workforce, forecast, events = next(instances(args.instance, names=(args.instance,)))
    short = run(args.instance, workforce, forecast, events, args.short)
    best = run(args.instance, workforce, forecast, events, args.long)
    print(json.dumps({
        "instance": args.instance, "agents": short["agents"],
        "short_limit_s": args.short, "short_seconds": short["seconds"], "short_objective": short["objective"],
        "short_gap_to_lp_bound": short["gap"], "short_violations": short["violations"],
        "long_limit_s": args.long, "long_seconds": best["seconds"], "long_objective": best["objective"],
        "long_gap_to_lp_bound": best["gap"], "long_violations": best["violations"],
        "best_bound": max(short["best_bound"], best["best_bound"]),
        "short_above_long": round(short["objective"] / best["objective"] - 1, 4) if best["objective"] else None,
    }), flush=True)


if __name__ == "__main__":
    main()
