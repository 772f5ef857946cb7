"""coverage.csv in one unit for the chart and the workbook: effective agents.

coverage.csv keeps ``required`` as the requirement table gives it, in whole heads *to schedule*
(``ceil(on-floor agents / (1 − shrinkage))``), and the staffed columns as heads and seats present.
What answers contacts is the *effective* agents: heads × (1 − shrinkage), vendor seats ÷ the
vendor's AHT factor (``staffed_effective``, from which the service columns are computed). Drawing
``staffed_effective`` against ``required`` compares two units and paints most hours "short" of a
target the plan meets; here both are in effective agents: the requirement is the heads it
schedules times (1 − shrinkage), the agents on the floor those heads give (the staffing the
requirement table's own service columns are computed for).

Email is deferrable (resolved within its deadline, not answered in the hour it arrives): an hour
below its level requirement is backlog carried forward, not a shortfall, so it is never counted as
"below requirement"; its service column says whether the deadline holds.
"""
from __future__ import annotations

import pandas as pd

from plan.contracts.plan_files import PlanFiles

SOURCES = ("in_house", "part_time", "vendor")


def effective_coverage(plan: PlanFiles) -> pd.DataFrame:
    """coverage.csv sorted by queue and interval, plus ``in_house``, ``part_time``, ``vendor``
    (effective agents by source, summing to ``staffed_effective``) and ``required_effective``."""
    coverage = plan.coverage.sort_values(["queue", "interval_start"]).copy()
    queues = plan.workforce.queues
    keep = 1 - coverage["queue"].map(lambda q: queues[q].shrinkage if q in queues else 0.0)
    coverage["in_house"] = coverage["staffed_in_house"].fillna(0) * keep
    coverage["part_time"] = coverage["staffed_part_time"].fillna(0) * keep
    # vendor seats in effective agents (÷ each vendor's AHT factor, × (1 − shrinkage)) are what
    # staffed_effective holds beyond in-house and part-time
    coverage["vendor"] = (coverage["staffed_effective"].fillna(0) - coverage["in_house"]
                          - coverage["part_time"]).clip(lower=0)
    coverage["required_effective"] = coverage["required"].fillna(0) * keep
    coverage["deferrable"] = coverage["queue"].map(lambda q: q in queues and queues[q].channel == "email")
    coverage["bot_handled"] = coverage["bot_handled"].fillna(0)
    return coverage


def below_requirement(frame: pd.DataFrame) -> pd.Series:
    """Intervals whose effective agents fall short of the interval's requirement (same unit); never
    an hour of deferrable work."""
    return (frame["staffed_effective"].fillna(0) + 1e-6 < frame["required_effective"]) & ~frame["deferrable"]
