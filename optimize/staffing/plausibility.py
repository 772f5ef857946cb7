"""Volumes a team could never staff: refused before a roster is built, or warned about.

A roster can put on a queue at most every agent with the skill at once (in-house, part-time and
every vendor seat, after shrinkage). A forecast whose workload in some interval is far above that
ceiling is almost surely an input error (a unit slip, a test file, a history in contacts per day
read as per hour), and no plan for it means anything: the roster refuses it in one line naming the
queue and hour. Above the ceiling but within the factor, the plan will be short in those hours
whatever it does: a warning says where. Staffing and scenarios keep such volumes (how many agents a
volume needs is their question; the team's size is not).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.workforce import Workforce
from plan.optimize.staffing.requirements import agent_seconds_per_contact

# Workload this many times the most agents the whole team could put on a queue at once is refused:
# no plan can serve even a third of it, so the input is taken for a mistake rather than planned.
REFUSE_ABOVE_CEILING = 3.0


def team_ceiling(workforce: Workforce, queue: str) -> float:
    """Most agents on the floor the whole team could put on ``queue`` at once (after shrinkage)."""
    q = workforce.queues[queue]
    heads = sum(1 for a in workforce.in_house if queue in a.skills)
    heads += sum(1 for p in workforce.part_time if queue in p.skills)
    heads += sum(v.max_seats / v.aht_factor for v in workforce.vendors if queue in v.skills)
    return heads * (1.0 - q.shrinkage)


def volume_warnings(forecast: pd.DataFrame, workforce: Workforce, source: str | None = None) -> list[str]:
    """Warnings for intervals whose workload (contacts × handle time, concurrency counted, the bot's
    share not deducted) exceeds what the whole team could staff at once; raises :class:`InputError`
    naming the queue and hour when it exceeds that REFUSE_ABOVE_CEILING times (``source``: the file
    the volumes came from, for the message)."""
    per_hour = 60.0 / workforce.site.interval_minutes
    warnings = []
    for name, part in forecast.groupby("queue", sort=False):
        queue = workforce.queues.get(name)
        if queue is None or queue.channel == "email":  # email is deferrable: its work spreads over hours
            continue
        arrivals = pd.to_numeric(part["arrivals"], errors="coerce").fillna(0.0).to_numpy(float)
        aht = pd.to_numeric(part["aht_s"], errors="coerce").fillna(queue.aht_s).to_numpy(float) \
            if "aht_s" in part else np.full(len(part), queue.aht_s)
        workload = arrivals * per_hour * agent_seconds_per_contact(queue, aht) / 3600.0
        ceiling = team_ceiling(workforce, name)
        worst = int(np.argmax(workload)) if len(workload) else 0
        if not len(workload) or workload[worst] <= ceiling:
            continue
        hour = pd.Timestamp(part["interval_start"].iloc[worst]).strftime("%Y-%m-%d %H:%M")
        where = (f"queue {name!r} at {hour}: {arrivals[worst] * per_hour:,.0f} contacts/hour need about "
                 f"{workload[worst]:,.0f} agents busy, the whole team can put {ceiling:,.0f} on it")
        if workload[worst] > REFUSE_ABOVE_CEILING * ceiling:
            raise InputError(source, f"implausible volume for the team, {where}; check the volumes' units",
                             field="arrivals")
        over = int((workload > ceiling).sum())
        warnings.append(f"{where} ({over} interval(s) above what the team can staff; the plan will be short there)")
    return warnings
