"""Heads present from roster rows' own times, for the rows the instance's templates do not describe.

A plan changed the same day (``plan intraday``) holds shifts off their templates: an end moved by
overtime or time off, a meal break moved inside its window, a shift that changes queue part-way
(``queue_moves``), a part-timer called in for a block the month's model never offered. Re-planning such
a plan later (``plan reroster``) keeps those days as they are; their heads are counted here from the
times written in roster.csv, minute by minute, instead of from a template's coverage.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from plan.contracts.plan_files import NOT_WORKING, parse_breaks, parse_queue_moves, queue_pieces
from plan.optimize.roster.extract import _hhmm
from plan.optimize.roster.instance import Instance


def _variant_breaks(inst: Instance) -> dict[str, set[str]]:
    """Per shift code, the break texts its variants write (``12:00-13:00``)."""
    out: dict[str, set[str]] = {}
    for variant in inst.variants:
        text = ";".join(f"{_hhmm(b0)}-{_hhmm(b1)}" for b0, b1 in variant.breaks)
        out.setdefault(inst.workforce.shifts[variant.shift].code, set()).add(text)
    return out


def _block_spans(inst: Instance) -> dict[tuple[str, int], set[tuple[int, int]]]:
    """Per (part-timer id, day) the (start, length) in intervals of every block the model offers."""
    out = {}
    for group in inst.pt_groups:
        for p in group.members:
            person = inst.workforce.part_time[p].id
            for d, blocks in enumerate(group.blocks):
                out[(person, d)] = {(block.start, block.length) for block in blocks}
    return out


def off_template(inst: Instance, roster: pd.DataFrame) -> np.ndarray:
    """Which rows of ``roster`` (file form) work times that no template, variant or part-time block
    of ``inst`` gives: their heads must be counted from the rows (:func:`add_row_presence`)."""
    breaks = _variant_breaks(inst)
    blocks = _block_spans(inst)
    lengths = {shift.code: shift.length_min for shift in inst.workforce.shifts}
    first = pd.Timestamp(inst.days[0])
    out = np.zeros(len(roster), dtype=bool)
    for i, row in enumerate(roster.itertuples(index=False)):
        if row.shift_code in NOT_WORKING or not row.start:
            continue
        start, end = pd.Timestamp(row.start), pd.Timestamp(row.end)
        minutes = int((end - start) / pd.Timedelta(minutes=1))
        if row.type == "in_house":
            out[i] = (bool(row.queue_moves) or minutes != lengths.get(row.shift_code)
                      or row.breaks not in breaks.get(row.shift_code, set()))
        else:
            date = pd.Timestamp(row.date)
            day, offset = (date - first).days, int((start - date) / pd.Timedelta(minutes=1))
            span = (offset // inst.interval_min, minutes // inst.interval_min)
            out[i] = bool(row.queue_moves) or span not in blocks.get((row.id, day), set())
    return out


def _parsed(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    out["start"], out["end"] = pd.to_datetime(out["start"]), pd.to_datetime(out["end"])
    out["break_spans"] = [parse_breaks(text, start) or [] for text, start in zip(out["breaks"], out["start"])]
    out["moves"] = [parse_queue_moves(text, start) or [] for text, start in zip(out["queue_moves"], out["start"])]
    return out


def add_row_presence(inst: Instance, rows: pd.DataFrame, staffed: dict[str, np.ndarray]) -> None:
    """Add the heads ``rows`` (file form, working) give, each stretch on its queue less its breaks,
    to ``staffed``'s ``in_house`` / ``part_time`` arrays and (after shrinkage) ``effective``."""
    if rows.empty:
        return
    month_start = pd.Timestamp(inst.days[0])
    n_minutes = inst.n_int * inst.interval_min
    change = {kind: np.zeros((len(inst.queues), n_minutes + 1)) for kind in ("in_house", "part_time")}

    def minute(stamp: pd.Timestamp) -> int:
        return int(np.clip((stamp - month_start) / pd.Timedelta(minutes=1), 0, n_minutes))

    for row in queue_pieces(_parsed(rows)).itertuples(index=False):
        if row.queue not in inst.queues:
            continue
        q, counts = inst.queues.index(row.queue), change["part_time" if row.type == "part_time" else "in_house"]
        spans = [(row.start, row.end, 1.0)] + [(max(b, row.start), min(e, row.end), -1.0) for b, e in row.break_spans]
        for begin, end, sign in spans:
            if end > begin:
                counts[q, minute(begin)] += sign
                counts[q, minute(end)] -= sign
    keep = np.array([1.0 - inst.workforce.queues[q].shrinkage for q in inst.queues])[:, None]
    for kind, counts in change.items():
        heads = np.cumsum(counts[:, :-1], axis=1).reshape(len(inst.queues), inst.n_int, inst.interval_min).mean(axis=2)
        staffed[kind] += heads
        staffed["effective"] += heads * keep
