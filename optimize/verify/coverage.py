"""Coverage recomputed from scratch: heads present per queue and interval from roster.csv and
vendor_seats.csv, then service from those heads with the product's staffing service functions.

A shift that changes queue within the day (roster.csv ``queue_moves``) counts on each queue for
its stretch there. Presence is counted minute by minute (difference arrays over the month), so a 30- or 15-minute
break takes exactly its share of an interval away, and a shift crossing midnight lands in the next
day's intervals. A night shift of the month's last day spills past the month and is simply not
seen; the previous month's last night shift is unknown and counted as absent.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from plan.contracts.workforce import Queue, Targets
from plan.optimize.verify.findings import Violation
from plan.optimize.verify.people import working_rows
from plan.contracts.plan_files import PlanFiles, queue_pieces
from plan.optimize.verify.calendar_rules import event_days

COVERAGE = "coverage.csv"
RELATIVE = 1e-6
ABSOLUTE_HEADS = 1e-6
MAX_LINES_PER_COLUMN = 20
SOURCES = ("in_house", "part_time")


@dataclass(frozen=True)
class RecomputedCoverage:
    """Per coverage.csv row (same order): what the roster and seats really give."""
    staffed_in_house: np.ndarray
    staffed_part_time: np.ndarray
    staffed_vendor: np.ndarray
    staffed_effective: np.ndarray
    asa_s: np.ndarray
    service_level: np.ndarray
    abandon_rate: np.ndarray
    shortfall_contacts: np.ndarray
    answered: np.ndarray          # contacts answered (for contact weighting of the ASA)


def presence_by_interval(plan: PlanFiles, rows: pd.DataFrame, queues: list[str]) -> np.ndarray:
    """Heads present, shape (queues, intervals): shift minutes minus break minutes, averaged
    over each interval."""
    month_start = plan.month.start_time
    n_intervals = len(plan.intervals)
    step = plan.workforce.site.interval_minutes
    n_minutes = n_intervals * step
    index = {q: i for i, q in enumerate(queues)}
    change = np.zeros((len(queues), n_minutes + 1))

    def add(queue_i: int, begin: pd.Timestamp, end: pd.Timestamp, sign: float) -> None:
        first = int(np.clip((begin - month_start) / pd.Timedelta(minutes=1), 0, n_minutes))
        last = int(np.clip((end - month_start) / pd.Timedelta(minutes=1), 0, n_minutes))
        if last > first:
            change[queue_i, first] += sign
            change[queue_i, last] -= sign

    for row in rows.itertuples(index=False):
        queue_i = index.get(row.queue)
        if queue_i is None:
            continue  # unknown queue: reported by the people rules
        add(queue_i, row.start, row.end, 1.0)
        for begin, end in row.break_spans:
            # only the part of a break inside the shift removes presence
            add(queue_i, max(begin, row.start), min(end, row.end), -1.0)
    per_minute = np.cumsum(change[:, :-1], axis=1)
    return per_minute.reshape(len(queues), n_intervals, step).mean(axis=2)


def vendor_seats_by_interval(plan: PlanFiles, queues: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(seats, seats divided by each vendor's aht_factor), shape (queues, intervals)."""
    seats = np.zeros((len(queues), len(plan.intervals)))
    effective = np.zeros_like(seats)
    factor = {v.id: v.aht_factor for v in plan.workforce.vendors}
    position = pd.Series(np.arange(len(plan.intervals)), index=plan.intervals)
    index = {q: i for i, q in enumerate(queues)}
    for row in plan.vendor_seats.itertuples(index=False):
        if row.queue not in index or row.interval_start not in position.index or row.vendor not in factor:
            continue  # reported by the vendor rules
        t = position[row.interval_start]
        seats[index[row.queue], t] += row.seats
        effective[index[row.queue], t] += row.seats / factor[row.vendor]
    return seats, effective


def targets_by_row(plan: PlanFiles, coverage: pd.DataFrame) -> list[Targets]:
    """The targets in force for each coverage row: event targets on event days when set."""
    days = plan.days
    on_event = pd.Series(event_days(plan.events, days), index=days)
    flags = on_event.reindex(coverage["interval_start"].dt.normalize(), fill_value=False).to_numpy()
    queues = plan.workforce.queues
    out = []
    for queue_name, event in zip(coverage["queue"], flags):
        queue = queues[queue_name]
        out.append(queue.event_targets if (event and queue.event_targets is not None) else queue.targets)
    return out


def _aht_by_row(plan: PlanFiles, coverage: pd.DataFrame) -> np.ndarray:
    """Handle time per row from the plan's requirements (NaN → the queue's configured AHT)."""
    if plan.requirements is None:
        return np.full(len(coverage), np.nan)
    keyed = plan.requirements.set_index(["queue", "interval_start"])["aht_s"]
    keyed = keyed[~keyed.index.duplicated()]
    return keyed.reindex(pd.MultiIndex.from_arrays([coverage["queue"], coverage["interval_start"]])).to_numpy()


def service_for_queue(queue: Queue, arrivals_human: np.ndarray, agents: np.ndarray, aht_s: np.ndarray,
                      targets: list[Targets], interval_minutes: int) -> dict[str, np.ndarray]:
    """Service columns for one queue's rows (in time order) from effective agents on the floor."""
    from plan.optimize.queueing.service import email_backlog, queue_metrics

    aht = np.where(np.isnan(aht_s), queue.aht_s, aht_s)
    if queue.channel == "email":
        # FIFO completions do not depend on the deadline; only which contacts count late does, so
        # each distinct deadline (normal / event day) is worked once and read on its own rows
        within_h = np.array([t.resolve_within_h or queue.targets.resolve_within_h for t in targets], dtype=float)
        late = np.zeros(len(aht))
        response = np.zeros(len(aht))
        for deadline in pd.unique(within_h):
            backlog = email_backlog(arrivals_human, aht, agents, float(deadline), interval_minutes=interval_minutes)
            mask = within_h == deadline
            late[mask] = np.asarray(backlog.late_contacts, dtype=float)[mask]
            response = np.asarray(backlog.response_s, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.where(arrivals_human > 0, 1.0 - late / np.maximum(arrivals_human, 1e-300), 1.0)
        return {"asa_s": response, "service_level": np.clip(level, 0.0, 1.0),
                "abandon_rate": np.zeros(len(aht)), "shortfall_contacts": late,
                "answered": arrivals_human}
    per_hour = 60.0 / interval_minutes   # queue_metrics takes arrivals as a rate per hour
    within = np.array([t.answer_within_s or queue.targets.answer_within_s or np.nan for t in targets], dtype=float)
    metrics = {}
    # queue_metrics takes one threshold; rows are grouped by it (normal vs event-day targets)
    columns = {name: np.full(len(aht), np.nan) for name in ("asa_s", "service_level", "abandon_rate")}
    for threshold in pd.unique(within):
        mask = (within == threshold) if not np.isnan(threshold) else np.isnan(within)
        result = queue_metrics(queue, arrivals_human[mask] * per_hour, agents[mask],
                               answer_within_s=None if np.isnan(threshold) else float(threshold), aht_s=aht[mask])
        for name in columns:
            columns[name][mask] = np.asarray(getattr(result, name), dtype=float)
    metrics.update(columns)
    metrics["shortfall_contacts"] = arrivals_human * (1.0 - columns["service_level"])
    metrics["answered"] = arrivals_human * (1.0 - columns["abandon_rate"])
    return metrics


def recompute_coverage(plan: PlanFiles) -> RecomputedCoverage:
    coverage = plan.coverage
    queues = list(plan.workforce.queues)
    rows = queue_pieces(working_rows(plan.roster))
    heads = {source: presence_by_interval(plan, rows[rows["type"] == source], queues) for source in SOURCES}
    seats, seats_effective = vendor_seats_by_interval(plan, queues)
    position = pd.Series(np.arange(len(plan.intervals)), index=plan.intervals)
    t = position.reindex(coverage["interval_start"]).to_numpy()
    q = coverage["queue"].map({name: i for i, name in enumerate(queues)}).to_numpy()
    known = ~(pd.isna(t) | pd.isna(q))
    t_i = np.where(known, t, 0).astype(int)
    q_i = np.where(known, q, 0).astype(int)

    def pick(grid: np.ndarray) -> np.ndarray:
        return np.where(known, grid[q_i, t_i], np.nan)

    in_house, part_time, vendor = pick(heads["in_house"]), pick(heads["part_time"]), pick(seats)
    shrinkage = coverage["queue"].map(lambda name: plan.workforce.queues[name].shrinkage
                                      if name in plan.workforce.queues else np.nan).to_numpy(dtype=float)
    effective = (in_house + part_time + pick(seats_effective)) * (1.0 - shrinkage)

    out = {name: np.full(len(coverage), np.nan) for name in ("asa_s", "service_level", "abandon_rate",
                                                             "shortfall_contacts", "answered")}
    targets = targets_by_row(plan, coverage.assign(queue=coverage["queue"].where(known, queues[0])))
    aht = _aht_by_row(plan, coverage)
    for name, queue in plan.workforce.queues.items():
        mask = (coverage["queue"] == name).to_numpy() & known
        if not mask.any():
            continue
        order = np.flatnonzero(mask)[np.argsort(coverage["interval_start"].to_numpy()[mask], kind="stable")]
        arrivals = np.nan_to_num(coverage["arrivals_human"].to_numpy(dtype=float)[order])
        agents = np.nan_to_num(coverage["staffed_effective"].to_numpy(dtype=float)[order])
        result = service_for_queue(queue, arrivals, agents, aht[order], [targets[i] for i in order],
                                   plan.workforce.site.interval_minutes)
        for column, values in result.items():
            out[column][order] = values
    return RecomputedCoverage(staffed_in_house=in_house, staffed_part_time=part_time, staffed_vendor=vendor,
                              staffed_effective=effective, **out)


def _differs(reported: np.ndarray, recomputed: np.ndarray, absolute: float) -> np.ndarray:
    both_nan = (np.isnan(reported) & np.isnan(recomputed)) | (np.isinf(reported) & (reported == recomputed))
    gap = np.abs(np.nan_to_num(reported, nan=np.inf) - np.nan_to_num(recomputed, nan=-np.inf))
    allowed = absolute + RELATIVE * np.maximum(np.abs(np.nan_to_num(reported)), np.abs(np.nan_to_num(recomputed)))
    return ~both_nan & ~(gap <= allowed)


def _column_findings(coverage: pd.DataFrame, column: str, recomputed: np.ndarray, why: str,
                     absolute: float) -> Iterator[Violation]:
    reported = coverage[column].to_numpy(dtype=float)
    bad = np.flatnonzero(_differs(reported, recomputed, absolute))
    for i in bad[:MAX_LINES_PER_COLUMN]:
        row = coverage.iloc[i]
        yield Violation(COVERAGE, int(row["line"]), "coverage_mismatch",
                        f"{row['queue']} {row['interval_start']:%Y-%m-%d %H:%M}",
                        f"{column} {reported[i]:.6g} but {why} gives {recomputed[i]:.6g}")
    if len(bad) > MAX_LINES_PER_COLUMN:
        yield Violation(COVERAGE, None, "coverage_mismatch", column,
                        f"... and {len(bad) - MAX_LINES_PER_COLUMN} more rows where {column} differs from {why}")


def check_coverage_rows(plan: PlanFiles) -> Iterator[Violation]:
    coverage = plan.coverage
    for row in coverage[~coverage["queue"].isin(list(plan.workforce.queues))].itertuples(index=False):
        yield Violation(COVERAGE, row.line, "unknown_queue", row.queue, f"queue {row.queue!r} is not configured")
    expected = pd.MultiIndex.from_product([list(plan.workforce.queues), plan.intervals])
    have = pd.MultiIndex.from_arrays([coverage["queue"], coverage["interval_start"]])
    missing = expected.difference(have)
    if len(missing):
        queue, start = missing[0]
        yield Violation(COVERAGE, None, "missing_row", "coverage",
                        f"{len(missing)} queue-interval(s) of {plan.month} missing, first {queue} {start:%Y-%m-%d %H:%M}")
    extra = have.difference(expected)
    if len(extra):
        queue, start = extra[0]
        yield Violation(COVERAGE, None, "outside_month", "coverage",
                        f"{len(extra)} row(s) outside {plan.month}'s intervals, first {queue} {start:%Y-%m-%d %H:%M}")
    duplicated = have.duplicated()
    for row in coverage[duplicated].itertuples(index=False):
        yield Violation(COVERAGE, row.line, "duplicate_row", f"{row.queue} {row.interval_start:%Y-%m-%d %H:%M}",
                        "second row for the same queue and interval")


def check_against_requirements(plan: PlanFiles) -> Iterator[Violation]:
    """The demand side of coverage.csv is the requirements the plan was made from."""
    if plan.requirements is None:
        return
    coverage = plan.coverage
    keyed = plan.requirements.set_index(["queue", "interval_start"])
    keyed = keyed[~keyed.index.duplicated()]
    index = pd.MultiIndex.from_arrays([coverage["queue"], coverage["interval_start"]])
    for column, source in (("arrivals", "arrivals"), ("bot_handled", "bot_handled"),
                           ("arrivals_human", "arrivals_human"), ("required", "agents_required")):
        if source in keyed.columns:
            expected = keyed[source].reindex(index).to_numpy(dtype=float)
            yield from _column_findings(coverage, column, expected, f"inputs/requirements {source}", 1e-9)


def check_coverage(plan: PlanFiles, recomputed: RecomputedCoverage) -> Iterator[Violation]:
    coverage = plan.coverage
    yield from check_coverage_rows(plan)
    yield from check_against_requirements(plan)
    for column in ("staffed_in_house", "staffed_part_time", "staffed_vendor", "staffed_effective"):
        source = "vendor_seats.csv" if column == "staffed_vendor" else "roster.csv"
        if column == "staffed_effective":
            source = "roster, seats, aht_factor and shrinkage"
        yield from _column_findings(coverage, column, getattr(recomputed, column), source, ABSOLUTE_HEADS)
    for column in ("asa_s", "service_level", "abandon_rate", "shortfall_contacts"):
        yield from _column_findings(coverage, column, getattr(recomputed, column),
                                    "the service functions on staffed_effective", 1e-9)
