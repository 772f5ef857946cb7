"""Staggered meal breaks: a queue with contacts waiting is never left with all its agents on break.

The rule, minute by minute: where a chat or phone queue has human contacts in the interval and some
of its in-house agents are on a meal break, someone else answers it (an in-house agent on the floor,
a part-timer on a block, or a vendor seat). Email is exempt: its contacts wait hours by design.

Breaks are placed as shift variants (:func:`plan.optimize.roster.instance.shift_variants`), so the
rule is about which variants are worked together. :func:`break_segments` cuts each interval of the
day into the spans where the same variants are on break and on the floor (the same on every day);
the aggregate model states the rule on those spans (:func:`plan.optimize.roster.model.add_staggered_breaks`),
and :func:`unanswered_breaks` lists, from the named plan, the spans where it could not be kept (a
lone agent who must still take a meal break): the plan reports them rather than hiding them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from plan.optimize.roster.instance import Instance

DAY_OFFSETS = (-1, 0)  # a shift worked the day before may still be on in an interval (past midnight)


@dataclass(frozen=True)
class BreakSegment:
    """Minutes ``[first, last)`` of an interval of the day, where the variants ``on_break`` are on a
    meal break and ``on_floor`` are working; each variant as (day offset, variant index)."""
    first: int
    last: int
    on_break: tuple[tuple[int, int], ...]
    on_floor: tuple[tuple[int, int], ...]

    @property
    def minutes(self) -> int:
        return self.last - self.first


def exempt_queue(inst: Instance, q: int) -> bool:
    """Email queues keep no one answering through a break: their contacts wait hours by design."""
    return inst.workforce.queues[inst.queues[q]].channel == "email"


def _variant_minutes(inst: Instance, v: int) -> tuple[np.ndarray, np.ndarray]:
    """(on shift, on break) per minute from the shift day's 00:00, over two days."""
    variant = inst.variants[v]
    shift = inst.workforce.shifts[variant.shift]
    on_shift = np.zeros(2 * 24 * 60, dtype=bool)
    on_shift[shift.start_min: shift.start_min + shift.length_min] = True
    on_break = np.zeros_like(on_shift)
    for b0, b1 in variant.breaks:
        on_break[b0:b1] = True
    return on_shift, on_break & on_shift


def break_segments(inst: Instance) -> list[list[BreakSegment]]:
    """Per interval of the day, its spans in which some variant is on break (the same every day)."""
    step = inst.interval_min
    minutes = {v: _variant_minutes(inst, v) for v in range(len(inst.variants))}
    out = []
    for k in range(inst.per_day):
        spans: list[BreakSegment] = []
        for minute in range(k * step, (k + 1) * step):
            breaking, working = [], []
            for offset in DAY_OFFSETS:
                at = minute - offset * 24 * 60
                for v, (on_shift, on_break) in minutes.items():
                    if on_break[at]:
                        breaking.append((offset, v))
                    elif on_shift[at]:
                        working.append((offset, v))
            if not breaking:
                continue
            key = (tuple(breaking), tuple(working))
            if spans and (spans[-1].on_break, spans[-1].on_floor) == key and spans[-1].last == minute:
                spans[-1] = BreakSegment(spans[-1].first, minute + 1, *key)
            else:
                spans.append(BreakSegment(minute, minute + 1, *key))
        out.append(spans)
    return out


def unanswered_breaks(inst: Instance, ih: dict[tuple[int, int], tuple[int, int, int]],
                      pt: dict[tuple[int, int], tuple[int, int, int]], seats: dict[tuple[int, int, int], int]
                      ) -> list[dict]:
    """Spans of the named plan where every in-house agent of a queue with contacts is on break and
    nobody else answers it: queue, start, end (``YYYY-MM-DD HH:MM``), heads on break, contacts of
    the interval. ``ih``: (agent, day) → (shift, variant, queue); ``pt``: (part-timer, day) →
    (group, block, queue); ``seats``: (vendor, queue, interval) → seats."""
    others = np.zeros((len(inst.queues), inst.n_int))
    for (p, d), (h, b, q) in pt.items():
        block = inst.pt_groups[h].blocks[d][b]
        first = d * inst.per_day + block.start
        others[q, first: min(first + block.length, inst.n_int)] += 1
    for (_, q, t), n in seats.items():
        others[q, t] += n
    heads: dict[tuple[int, int, int], int] = {}
    for (_, d), (_, v, q) in ih.items():
        heads[(d, v, q)] = heads.get((d, v, q), 0) + 1
    starts = inst.interval_starts()
    out = []
    for k, spans in enumerate(break_segments(inst)):
        for d in range(inst.n_days):
            t = d * inst.per_day + k
            for q in range(len(inst.queues)):
                if exempt_queue(inst, q) or inst.arrivals_human[q, t] <= 0 or others[q, t] > 0:
                    continue
                for span in spans:
                    breaking = sum(heads.get((d + o, v, q), 0) for o, v in span.on_break)
                    if breaking and not any(heads.get((d + o, v, q), 0) for o, v in span.on_floor):
                        day_start = starts[d * inst.per_day]
                        out.append({"queue": inst.queues[q],
                                    "start": f"{day_start + pd.Timedelta(minutes=span.first):%Y-%m-%d %H:%M}",
                                    "end": f"{day_start + pd.Timedelta(minutes=span.last):%Y-%m-%d %H:%M}",
                                    "on_break": breaking, "contacts": round(float(inst.arrivals_human[q, t]), 2)})
    return out
