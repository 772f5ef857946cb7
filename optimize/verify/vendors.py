"""Hard rules on bought capacity: vendor seats (vendor_seats.csv) and the bot (coverage.csv).

Seat blocks: a seat is bought for at least ``block_hours`` consecutive hours. A (vendor, queue)
seat profile s(t) is decomposed into seat blocks by matching every rise with the earliest still
open seats (first in, first out); FIFO matching maximises the shortest block, so the profile is
feasible exactly when every FIFO block lasts long enough. For a flat profile this is the run
length rule. A block cut by the month's edges is judged like any other: a plan buys whole blocks
inside its month, so its bill holds every seat-hour it bought and the next month's plan buys its
own (a block running past the month's end would bill hours no plan counts).

The bot contains at most its ``containment`` share of a queue's arrivals, its ``peak_containment``
on the hours a same-day re-plan switched to bot-first mode (summary.json ``intraday.bot_first``,
only after the day's first re-plan), and within ``max_sessions_per_hour`` over all queues.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import numpy as np
import pandas as pd

from plan.contracts.workforce import Vendor, minutes_of
from plan.optimize.verify.findings import Violation
from plan.contracts.plan_files import PlanFiles

SEATS = "vendor_seats.csv"
COVERAGE = "coverage.csv"
TOLERANCE = 1e-6


def _seat_subject(row) -> str:
    return f"{row.vendor} {row.queue} {row.interval_start:%Y-%m-%d %H:%M}"


def _inside_vendor_hours(vendor: Vendor, start: pd.Timestamp, interval: pd.Timedelta) -> bool:
    open_min = minutes_of(vendor.hours[0])
    length = (minutes_of(vendor.hours[1]) - open_min) % 1440 or 1440
    offset = ((start - start.normalize()) / pd.Timedelta(minutes=1) - open_min) % 1440
    return offset + interval / pd.Timedelta(minutes=1) <= length + 1e-9


def check_seat_rows(plan: PlanFiles) -> Iterator[Violation]:
    seats = plan.vendor_seats
    vendors = {v.id: v for v in plan.workforce.vendors}
    grid = set(plan.intervals)
    for row in seats.itertuples(index=False):
        vendor = vendors.get(row.vendor)
        if vendor is None:
            yield Violation(SEATS, row.line, "unknown_vendor", _seat_subject(row),
                            f"vendor {row.vendor!r} is not in the workforce config")
            continue
        if row.queue not in vendor.skills:
            yield Violation(SEATS, row.line, "vendor_skill", _seat_subject(row),
                            f"{vendor.id} serves {', '.join(vendor.skills)}, not {row.queue}")
        if row.interval_start not in grid:
            yield Violation(SEATS, row.line, "seat_interval", _seat_subject(row),
                            f"not an interval start of {plan.month} on the {plan.workforce.site.interval_minutes}-min grid")
        if abs(row.seats - round(row.seats)) > TOLERANCE or row.seats < 1:
            yield Violation(SEATS, row.line, "seat_count", _seat_subject(row),
                            f"{row.seats:g} seats (whole seats > 0 only)")
        if not _inside_vendor_hours(vendor, row.interval_start, plan.interval):
            yield Violation(SEATS, row.line, "vendor_hours", _seat_subject(row),
                            f"outside {vendor.id}'s hours {vendor.hours[0]}-{vendor.hours[1]}")
    duplicated = seats.duplicated(["vendor", "queue", "interval_start"]).to_numpy()
    for row in seats[duplicated].itertuples(index=False):
        yield Violation(SEATS, row.line, "duplicate_row", _seat_subject(row), "second row for the same vendor, "
                                                                            "queue and interval")


def check_seat_cap(plan: PlanFiles) -> Iterator[Violation]:
    seats = plan.vendor_seats
    for vendor in plan.workforce.vendors:
        mine = seats[seats["vendor"] == vendor.id]
        per_interval = mine.groupby("interval_start")["seats"].sum()
        for start, total in per_interval[per_interval > vendor.max_seats + TOLERANCE].items():
            line = int(mine.loc[mine["interval_start"] == start, "line"].iloc[0])
            yield Violation(SEATS, line, "seat_cap", f"{vendor.id} {start:%Y-%m-%d %H:%M}",
                            f"{total:g} seats over all queues (cap {vendor.max_seats})")


def seat_profile(plan: PlanFiles, vendor_id: str, queue: str) -> np.ndarray:
    """Seats per month interval for one vendor and queue (0 where no row)."""
    rows = plan.vendor_seats[(plan.vendor_seats["vendor"] == vendor_id) & (plan.vendor_seats["queue"] == queue)]
    series = rows.groupby("interval_start")["seats"].sum()
    return series.reindex(plan.intervals, fill_value=0.0).to_numpy()


def short_blocks(profile: np.ndarray, min_intervals: int) -> list[tuple[int, int, int]]:
    """FIFO decomposition of a seat profile; (start, end, seats) of blocks shorter than allowed
    (a block that reaches either end of the profile included: it is cut by the month's edge)."""
    last = len(profile)
    counts = np.rint(np.concatenate([[0.0], profile, [0.0]])).astype(int)
    open_blocks: deque[list[int]] = deque()   # [start, seats] oldest first
    short = []
    for t in range(1, last + 2):
        change = counts[t] - counts[t - 1]
        if change > 0:
            open_blocks.append([t - 1, change])
        while change < 0:
            block = open_blocks[0]
            closing = min(block[1], -change)
            start, end = block[0], t - 1
            if end - start < min_intervals:
                short.append((start, end, closing))
            block[1] -= closing
            change += closing
            if block[1] == 0:
                open_blocks.popleft()
    return short


def _month_edge_note(start: int, end: int, n_intervals: int) -> str:
    if end == n_intervals:
        return (" up to the month's end: a block runs whole inside its month (the rest of it would be billed in "
                "the next month, counted by no plan)")
    if start == 0:
        return " from the month's start: a block runs whole inside its month"
    return ""


def check_seat_blocks(plan: PlanFiles) -> Iterator[Violation]:
    seats = plan.vendor_seats
    per_hour = 60 // plan.workforce.site.interval_minutes
    intervals = plan.intervals
    for vendor in plan.workforce.vendors:
        need = vendor.block_hours * per_hour
        for queue in sorted(set(seats.loc[seats["vendor"] == vendor.id, "queue"])):
            for start, end, count in short_blocks(seat_profile(plan, vendor.id, queue), need):
                first = intervals[start]
                line = seats.loc[(seats["vendor"] == vendor.id) & (seats["queue"] == queue)
                                 & (seats["interval_start"] == first), "line"]
                edge = _month_edge_note(start, end, len(intervals))
                yield Violation(SEATS, int(line.iloc[0]) if len(line) else None, "seat_block",
                                f"{vendor.id} {queue} {first:%Y-%m-%d %H:%M}",
                                f"{count} seat(s) bought for {(end - start) / per_hour:g} h "
                                f"({first:%H:%M}-{intervals[end - 1] + plan.interval:%H:%M}){edge}; blocks last at "
                                f"least {vendor.block_hours} h")


def bot_first_rows(plan: PlanFiles) -> tuple[np.ndarray, list[Violation]]:
    """Coverage rows a same-day re-plan switched to bot-first mode (summary.json ``intraday.bot_first``,
    spans ``{queue, from, to}``), and the findings on spans that are not allowed: on a queue without a
    ``peak_containment``, or starting before the day's first re-plan (``intraday.first_now``)."""
    intraday = plan.summary.get("intraday") or {}
    spans = intraday.get("bot_first") or []
    rows = np.zeros(len(plan.coverage), dtype=bool)
    findings: list[Violation] = []
    if not spans:
        return rows, findings
    peak = plan.workforce.bot.peak_containment if plan.workforce.bot is not None else {}
    first_now = pd.Timestamp(intraday.get("first_now") or plan.intervals[-1])
    for span in spans:
        start, end = pd.Timestamp(span["from"]), pd.Timestamp(span["to"])
        subject = f"bot {span['queue']} {start:%Y-%m-%d %H:%M}"
        if span["queue"] not in peak:
            findings.append(Violation("summary.json", None, "bot_first", subject,
                                      "bot-first mode on a queue without bot.peak_containment"))
            continue
        if start < first_now:
            findings.append(Violation("summary.json", None, "bot_first", subject, f"bot-first mode from before the "
                                      f"day's first re-plan ({first_now:%Y-%m-%d %H:%M})"))
        rows |= ((plan.coverage["queue"] == span["queue"]) & (plan.coverage["interval_start"] >= start)
                 & (plan.coverage["interval_start"] < end)).to_numpy()
    return rows, findings


def check_bot(plan: PlanFiles) -> Iterator[Violation]:
    coverage = plan.coverage
    bot = plan.workforce.bot
    contained = coverage["bot_handled"].fillna(0.0)
    containment = bot.containment if bot is not None else {}
    share = coverage["queue"].map(lambda q: containment.get(q, 0.0)).astype(float).to_numpy()
    raised, findings = bot_first_rows(plan)
    yield from findings
    if raised.any():
        peak = coverage["queue"].map(lambda q: bot.peak_containment.get(q, 0.0)).astype(float).to_numpy()
        share = np.where(raised, np.maximum(share, peak), share)
    over = contained > share * coverage["arrivals"] + TOLERANCE * np.maximum(1.0, coverage["arrivals"])
    for row, allowed in zip(coverage[over.to_numpy()].itertuples(index=False), share[over.to_numpy()]):
        yield Violation(COVERAGE, row.line, "bot_containment", f"{row.queue} {row.interval_start:%Y-%m-%d %H:%M}",
                        f"bot handles {row.bot_handled:g} of {row.arrivals:g} arrivals (containment "
                        f"{allowed:.0%})")
    human = coverage["arrivals"] - contained
    wrong = (human - coverage["arrivals_human"]).abs() > TOLERANCE * np.maximum(1.0, coverage["arrivals"])
    for row in coverage[wrong.to_numpy()].itertuples(index=False):
        yield Violation(COVERAGE, row.line, "arrivals_human", f"{row.queue} {row.interval_start:%Y-%m-%d %H:%M}",
                        f"arrivals_human {row.arrivals_human:g} but arrivals − bot_handled = "
                        f"{row.arrivals - (row.bot_handled or 0.0):g}")
    if bot is not None and bot.max_sessions_per_hour is not None:
        cap = bot.max_sessions_per_hour * plan.workforce.site.interval_minutes / 60
        per_interval = coverage.assign(bot_handled=contained).groupby("interval_start")["bot_handled"].sum()
        for start, total in per_interval[per_interval > cap * (1 + TOLERANCE)].items():
            line = int(coverage.loc[coverage["interval_start"] == start, "line"].iloc[0])
            yield Violation(COVERAGE, line, "bot_cap", f"bot {start:%Y-%m-%d %H:%M}",
                            f"{total:g} sessions contained in the interval (cap {cap:g})")


def check_vendors_and_bot(plan: PlanFiles) -> Iterator[Violation]:
    yield from check_seat_rows(plan)
    yield from check_seat_cap(plan)
    yield from check_seat_blocks(plan)
    yield from check_bot(plan)
