"""Period targets with interval floors versus every interval at target (Koole & van der Sluis 2003).

Plans the sample month twice with the same solver budget: ``service_mode="interval"`` (each
interval priced against its full target) and ``service_mode="period"`` (day / month / event-window
targets, each interval at least ``interval_floor`` of the target). Prints one JSON object per mode
and one comparison: paid variable capacity cost (overtime + part-time + vendor), capacity hours
used, and the month's reported service level per queue.

    python bench/global_vs_interval.py [--time-limit S] [--in-house N]

``--in-house N`` keeps N of the sample's 60 in-house agents, spread evenly over the roster list so
the skill and contract mix stays: the sample team has slack outside 11.11, and a period target
can only save where vendors or part-timers are actually bought.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from bench.roster_scale import fewer_agents, sample_forecast  # noqa: E402
from plan.contracts.events import read_events  # noqa: E402
from plan.contracts.paths import SAMPLE_EVENTS, SAMPLE_MONTH, SAMPLE_WORKFORCE  # noqa: E402
from plan.contracts.workforce import read_workforce  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--in-house", type=int, help="keep this many of the sample's in-house agents")
    args = parser.parse_args()
    from plan.optimize.roster import plan_month
    from plan.optimize.staffing.requirements import requirements_table
    workforce = read_workforce(SAMPLE_WORKFORCE)
    if args.in_house:
        workforce = fewer_agents(workforce, args.in_house)
    events = read_events(SAMPLE_EVENTS)
    requirements = requirements_table(sample_forecast(workforce, events), workforce, events)
    results = {}
    for mode in ("interval", "period"):
        plan = plan_month(workforce, requirements, SAMPLE_MONTH, events=events, time_limit_s=args.time_limit,
                          seed=0, service_mode=mode)
        cost = plan.summary["cost"]
        roster = plan.roster
        capacity_h = float(roster["paid_hours"].sum() + plan.vendor_seats["seats"].sum() * workforce.site.interval_minutes / 60)
        results[mode] = {"mode": mode, "paid_capacity_cost": round(cost["overtime"] + cost["part_time"] + cost["vendor"], 2),
                         "capacity_hours": round(capacity_h, 1), "cost": cost,
                         "service_level": {q: s["service_level"] for q, s in plan.summary["service"].items()},
                         "gap": plan.summary["solver"]["gap"]}
        print(json.dumps(results[mode], ensure_ascii=False), flush=True)
    a, b = results["interval"], results["period"]
    print(json.dumps({"comparison": "period vs interval",
                      "paid_capacity_saving": round(1 - b["paid_capacity_cost"] / a["paid_capacity_cost"], 4)
                      if a["paid_capacity_cost"] else None,
                      "capacity_hours_saving": round(1 - b["capacity_hours"] / a["capacity_hours"], 4),
                      "in_house_agents": len(workforce.in_house),
                      "service_level_interval_mode": a["service_level"], "service_level_period_mode": b["service_level"]},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
