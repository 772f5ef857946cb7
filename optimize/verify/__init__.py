"""`plan verify`: an independent checker of a written plan directory (docs/architecture.md).

It re-reads the plan files and the ``inputs/`` they were made from, re-checks every hard rule
with its own code (it never imports the roster model), recomputes coverage from the roster and
seats, service with the staffing service functions, and every cost and service figure of
summary.json; meal breaks staggered so that no queue with contacts waiting is left with everyone
on break; pinned days and the rules across the month's start with the carried-in state
(``inputs/pins.csv``, ``inputs/carry_in.csv``) when the plan has them; the month's end left a legal
start for the next month (:mod:`plan.optimize.verify.month_edges`); a re-plan's days before its
first day as its parent plan had them (:mod:`plan.optimize.verify.replan`). Each finding is one line
naming file, line, who and the rule broken.

    >>> from plan.optimize.verify import verify_plan
    >>> for line in verify_plan("out/roster-2026-11"): print(line)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from plan.contracts.plan_files import PlanFiles, read_plan
from plan.optimize.staffing.requirements import requirements_table
from plan.optimize.verify.breaks import check_staggered_breaks
from plan.optimize.verify.calendar_rules import statutory_holidays
from plan.optimize.verify.cost import check_summary, recompute_cost, recompute_service
from plan.optimize.verify.coverage import check_coverage, recompute_coverage
from plan.optimize.verify.fairness import check_fairness
from plan.optimize.verify.findings import Violation
from plan.optimize.verify.month_edges import check_month_end
from plan.optimize.verify.people import check_people
from plan.optimize.verify.pins import check_pins_and_carry_in
from plan.optimize.verify.replan import check_replan_past
from plan.optimize.verify.vendors import check_vendors_and_bot

__all__ = ["VerifyReport", "Violation", "check_plan", "verify_plan"]


@dataclass(frozen=True)
class VerifyReport:
    plan_dir: Path
    month: str
    violations: list[Violation]
    cost: dict[str, float]                    # recomputed
    service: dict[str, dict[str, float]]      # recomputed
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict:
        """JSON-ready: NaN (e.g. no ASA for email) becomes null."""
        return _finite({"plan_dir": str(self.plan_dir), "month": self.month, "ok": self.ok,
                "violations": [v.as_dict() for v in self.violations], "recomputed": {
                    "cost": self.cost, "service": self.service}, "counts": self.counts})


def _finite(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def check_plan(plan_dir: str | Path) -> VerifyReport:
    """Verify a plan directory; raises InputError if a file is missing or malformed."""
    plan: PlanFiles = read_plan(plan_dir, requirements_table)
    years = sorted({plan.month.year, (plan.month + 1).year})
    holidays = statutory_holidays(plan.workforce.site.country, years)
    violations = list(check_people(plan, holidays))
    violations += check_pins_and_carry_in(plan)
    violations += check_month_end(plan)
    violations += check_replan_past(plan)
    violations += check_vendors_and_bot(plan)
    violations += check_staggered_breaks(plan)
    coverage = recompute_coverage(plan)
    violations += check_coverage(plan, coverage)
    cost = recompute_cost(plan, coverage)
    service = recompute_service(plan, coverage)
    violations += check_summary(plan, cost, service)
    violations += check_fairness(plan)
    working = ~plan.roster["shift_code"].isin(["REST", "LEAVE"])
    counts = {"people": int(plan.roster["id"].nunique()), "shifts": int(working.sum()),
              "vendor_seat_rows": len(plan.vendor_seats), "coverage_rows": len(plan.coverage)}
    return VerifyReport(plan_dir=Path(plan_dir), month=str(plan.month), violations=violations, cost=cost,
                        service=service, counts=counts)


def verify_plan(plan_dir: str | Path) -> list[str]:
    """One human-readable line per violation; an empty list means the plan is clean."""
    return [str(v) for v in check_plan(plan_dir).violations]
