"""The roster as a team would judge it: for each instance, the fairness table (summary.json
``fairness``), gap, seconds and violations at the default time limit, and what the soft rules cost:
the same plan with every soft-rule price set to zero. One JSON object per instance.

    python bench/roster_quality.py [--only sample|wide|tight|300] [--time-limit S]

Targets (issue 17): 0 violations; nights max-min <= 2 within each group; >= 80 % of rest days in
blocks of >= 2; everyone with a whole weekend off; >= 90 % of stated preferences honoured outside
event days; 0 full-timer short shifts outside their templates' validity; variable cost within 2 %
of the plan without the soft rules; the sample's gap <= 3 %.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_scale import instances, run  # noqa: E402

from plan.contracts.workforce import SoftRules  # noqa: E402
from plan.optimize.roster.assign import SoftWeights  # noqa: E402

DEFAULT_LIMITS = {"sample": 120, "wide": 120, "tight": 120, "300": 412}
PRICES = [name for name, info in SoftRules.model_fields.items() if not name.endswith("_h")]


def variable_cost(cost: dict) -> float:
    """What the plan's choices move: everything but the in-house salaries."""
    return cost["total"] - cost["in_house"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=list(DEFAULT_LIMITS))
    parser.add_argument("--time-limit", type=float)
    args = parser.parse_args()
    for name, workforce, forecast, events in instances(args.only, names=tuple(DEFAULT_LIMITS)):
        limit = args.time_limit or DEFAULT_LIMITS[name]
        with_rules = run(name, workforce, forecast, events, limit)
        free = SoftWeights.from_rules(workforce.soft_rules.model_copy(update=dict.fromkeys(PRICES, 0.0)))
        without = run(name, workforce, forecast, events, limit, weights=free)
        fair = with_rules["fairness"]
        print(json.dumps({
            "instance": name, "agents": with_rules["agents"], "time_limit_s": limit,
            "seconds": with_rules["seconds"], "gap": with_rules["gap"], "violations": with_rules["violations"],
            "violation_examples": with_rules["violation_examples"],
            "variable_cost": round(variable_cost(with_rules["cost"]), 2),
            "variable_cost_without_soft_rules": round(variable_cost(without["cost"]), 2),
            "soft_rules_cost_share": round(variable_cost(with_rules["cost"]) / variable_cost(without["cost"]) - 1, 4),
            "fairness": fair, "fairness_without_soft_rules": without["fairness"],
        }, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
