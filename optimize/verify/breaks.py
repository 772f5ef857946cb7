"""Staggered breaks, re-read from roster.csv, vendor_seats.csv and coverage.csv.

A chat or phone queue with human contacts in an interval is never left with every in-house agent on
it on a meal break and nobody else answering (no agent on the floor, no part-timer, no vendor seat),
minute by minute; a span the plan lists in summary.json ``breaks.unanswered`` (a lone agent who must
still eat) is reported there, not here. Email is exempt: its contacts wait hours by design.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from plan.contracts.plan_files import PlanFiles, queue_pieces
from plan.optimize.verify.findings import Violation
from plan.optimize.verify.people import working_rows

MAX_LINES = 20


def _minute(plan: PlanFiles, stamp: pd.Timestamp, n_minutes: int) -> int:
    return int(np.clip((stamp - plan.month.start_time) / pd.Timedelta(minutes=1), 0, n_minutes))


def _minute_counts(plan: PlanFiles, queues: list[str]) -> dict[str, np.ndarray]:
    """Per queue and minute of the month: in-house heads on the floor, on a break, and part-timers."""
    n_minutes = len(plan.intervals) * plan.workforce.site.interval_minutes
    shape = (len(queues), n_minutes + 1)
    change = {kind: np.zeros(shape) for kind in ("floor", "break", "part_time")}
    index = {q: i for i, q in enumerate(queues)}
    for row in queue_pieces(working_rows(plan.roster)).itertuples(index=False):
        q = index.get(row.queue)
        if q is None:
            continue
        begin, end = _minute(plan, row.start, n_minutes), _minute(plan, row.end, n_minutes)
        kind = "part_time" if row.type == "part_time" else "floor"
        change[kind][q, begin] += 1
        change[kind][q, end] -= 1
        for b0, b1 in row.break_spans:
            first, last = _minute(plan, max(b0, row.start), n_minutes), _minute(plan, min(b1, row.end), n_minutes)
            if last > first:
                change[kind][q, first] -= 1
                change[kind][q, last] += 1
                change["break"][q, first] += 1
                change["break"][q, last] -= 1
    return {kind: np.cumsum(c[:, :-1], axis=1) for kind, c in change.items()}


def _per_minute(plan: PlanFiles, table: pd.DataFrame, column: str, queues: list[str]) -> np.ndarray:
    """A per-interval column of a plan table summed per queue, spread over each interval's minutes."""
    step = plan.workforce.site.interval_minutes
    out = np.zeros((len(queues), len(plan.intervals)))
    position = pd.Series(np.arange(len(plan.intervals)), index=plan.intervals)
    for q, name in enumerate(queues):
        rows = table[table["queue"] == name]
        values = rows.groupby("interval_start")[column].sum()
        values = values[values.index.isin(position.index)]
        out[q, position[values.index].to_numpy()] = values.to_numpy()
    return np.repeat(out, step, axis=1)


def _declared_minutes(plan: PlanFiles, queues: list[str], n_minutes: int) -> np.ndarray:
    declared = np.zeros((len(queues), n_minutes), dtype=bool)
    listed = (plan.summary.get("breaks") or {}).get("unanswered") or []
    for item in listed:
        if not isinstance(item, dict) or item.get("queue") not in queues:
            continue
        try:
            first = _minute(plan, pd.Timestamp(item["start"]), n_minutes)
            last = _minute(plan, pd.Timestamp(item["end"]), n_minutes)
        except (KeyError, ValueError):
            continue
        declared[queues.index(item["queue"]), first:last] = True
    return declared


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]))


def check_staggered_breaks(plan: PlanFiles) -> Iterator[Violation]:
    queues = [name for name, queue in plan.workforce.queues.items() if queue.channel != "email"]
    if not queues:
        return
    counts = _minute_counts(plan, queues)
    n_minutes = counts["floor"].shape[1]
    demand = _per_minute(plan, plan.coverage, "arrivals_human", queues) > 0
    seats = _per_minute(plan, plan.vendor_seats, "seats", queues) if len(plan.vendor_seats) else 0
    unanswered = ((counts["break"] > 0) & (counts["floor"] <= 0) & (counts["part_time"] <= 0) & (seats <= 0)
                  & demand & ~_declared_minutes(plan, queues, n_minutes))
    found = [(q, first, last) for q in range(len(queues)) for first, last in _runs(unanswered[q])]
    start = plan.month.start_time
    for q, first, last in found[:MAX_LINES]:
        t0, t1 = start + pd.Timedelta(minutes=int(first)), start + pd.Timedelta(minutes=int(last))
        yield Violation("roster.csv", None, "breaks_not_staggered", f"{queues[q]} {t0:%Y-%m-%d %H:%M}-{t1:%H:%M}",
                        f"every agent on the queue is on a break and nobody else answers, with contacts "
                        f"arriving (summary.json breaks.unanswered does not list it)")
    if len(found) > MAX_LINES:
        yield Violation("roster.csv", None, "breaks_not_staggered", "",
                        f"{len(found) - MAX_LINES} more spans with every agent of a queue on a break")
