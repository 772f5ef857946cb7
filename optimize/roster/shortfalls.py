"""Why a target is missed: for every run of intervals short of service, the reason that binds.

Checked in order, all that apply are reported: no capacity source can ever cover the hour (no shift
template of an eligible group, no part-time availability, no vendor hours); the vendor cap is
reached; every eligible in-house agent is working, on leave, or blocked by hours/rest rules; the
part-timers are unavailable or at their weekly cap. If none binds, more staff was possible but the
configured shortfall penalty made the shortfall the cheaper choice — which is said too.
"""
from __future__ import annotations

import math

import numpy as np

from plan.optimize.roster.instance import Instance


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for t, flag in enumerate(mask):
        if flag and start is None:
            start = t
        if not flag and start is not None:
            runs.append((start, t))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs


def coverable(inst: Instance, q: int) -> np.ndarray:
    """Per interval of the month: can any source put an agent on queue q at all?"""
    name = inst.queues[q]
    out = np.zeros(inst.n_int, dtype=bool)
    for group in inst.groups:
        if name in group.skills:
            for d in range(inst.n_days):
                for s in group.shifts_on(d):
                    for v in inst.variants_of_shift[s]:
                        first, cov = inst.coverage_on_month(v, d)
                        out[first:first + len(cov)] |= cov > 0
    for pg in inst.pt_groups:
        if name in pg.skills:
            for d, blocks in enumerate(pg.blocks):
                for b in blocks:
                    first = d * inst.per_day + b.start
                    out[first:min(first + b.length, inst.n_int)] = True
    for v, vendor in enumerate(inst.workforce.vendors):
        if name in vendor.skills:
            out |= inst.vendor_open[v]
    return out


def diagnose(inst: Instance, short: np.ndarray, need_eff: np.ndarray, staffed: dict, ih: dict, pt: dict,
             seats: dict, label: str) -> list[dict]:
    """Shortfall records {queue, intervals, agents_short, reason} for boolean ``short[q, t]``."""
    wf = inst.workforce
    starts = inst.interval_starts()
    hours_of = {}
    for (a, d), (s, _, _) in ih.items():
        hours_of[a] = hours_of.get(a, 0.0) + inst.shift_hours(s)
    working = {(a, d) for (a, d) in ih}
    pt_hours = {}
    for (p, d), (h, b, _) in pt.items():
        week = next(i for i, w in enumerate(inst.weeks) if d in w)
        pt_hours[(p, week)] = pt_hours.get((p, week), 0.0) + inst.pt_groups[h].blocks[d][b].hours(inst.interval_h)
    records = []
    for q, name in enumerate(inst.queues):
        keep = 1.0 - wf.queues[name].shrinkage
        can = coverable(inst, q)
        for t0, t1 in _runs(short[q]):
            span = range(t0, t1)
            gap_eff = float(np.max(need_eff[q, t0:t1] - staffed["effective"][q, t0:t1]))
            reasons = []
            uncovered = [t for t in span if not can[t]]
            if uncovered:
                reasons.append("no shift, part-time availability or vendor hours cover "
                               + _clock_ranges(sorted({t % inst.per_day for t in uncovered}), inst.interval_min))
            for v, vendor in enumerate(wf.vendors):
                if name in vendor.skills:
                    capped = [t for t in span if inst.vendor_open[v, t] and
                              sum(n for (vv, _, tt), n in seats.items() if vv == v and tt == t) >= vendor.max_seats]
                    if capped:
                        reasons.append(f"vendor {vendor.id} cap of {vendor.max_seats} seats reached")
            days = sorted({t // inst.per_day for t in span})
            eligible = [a for a, agent in enumerate(wf.in_house) if name in agent.skills]
            free: list = []
            if eligible:
                idle = [(a, d) for a in eligible for d in days if d not in inst.leave[a] and (a, d) not in working]
                if not idle:
                    reasons.append(f"every in-house agent with skill {name} is working or on leave")
                else:
                    cap = wf.labour_rules.overtime_max_h_month
                    free = [(a, d) for a, d in idle
                            if hours_of.get(a, 0.0) + 8 <= inst.contracted_h[a] + cap
                            and not _rest_blocked(inst, ih, a, d)]
                    if not free:
                        reasons.append(f"every idle in-house agent with skill {name} is at maximum hours "
                                       f"or needs the legal rest")
            elig_pt = [p for p, person in enumerate(wf.part_time) if name in person.skills]
            if elig_pt:
                avail = [p for p in elig_pt for h, g in enumerate(inst.pt_groups) if p in g.members
                         for d in days if any(b.start <= (t % inst.per_day) < b.start + b.length
                                              for b in g.blocks[d] for t in span if t // inst.per_day == d)]
                if not avail:
                    reasons.append("part-timers are not available at these hours")
            if free or not reasons:
                reasons.append("in-house agents with the skill were free that day: at the configured shortfall "
                               "penalty per contact the shortfall was the cheaper choice, or the roster could not be "
                               "re-arranged within the time limit")
            records.append({"queue": name, "kind": label,
                            "intervals": f"{starts[t0]:%Y-%m-%d %H:%M}/{starts[t1 - 1]:%Y-%m-%d %H:%M}",
                            "agents_short": int(math.ceil(max(gap_eff, 0.0) / keep - 1e-9)),
                            "reason": "; ".join(reasons)})
    return records


def _rest_blocked(inst: Instance, ih: dict, a: int, d: int) -> bool:
    """Could agent a not take any shift on day d because of rest rules with the days around it?"""
    rules = inst.workforce.labour_rules
    window = [dd for dd in range(d - 6, d + 7) if 0 <= dd < inst.n_days]
    run = 1
    for step in (-1, 1):
        dd = d + step
        while 0 <= dd < inst.n_days and (a, dd) in ih:
            run += 1
            dd += step
    if run > rules.max_consecutive_days:
        return True
    for s in range(len(inst.workforce.shifts)):
        before = (a, d - 1) in ih and s in inst.rest_conflicts[ih[(a, d - 1)][0]]
        after = (a, d + 1) in ih and ih[(a, d + 1)][0] in inst.rest_conflicts[s]
        if not before and not after:
            return False
    del window
    return True


def _clock_ranges(slots: list[int], interval_min: int) -> str:
    """[0, 1, 2, 5] with 60-min intervals → "00:00-02:00, 05:00" (interval starts)."""
    def clock(slot: int) -> str:
        return f"{slot * interval_min // 60:02d}:{slot * interval_min % 60:02d}"
    parts, i = [], 0
    while i < len(slots):
        j = i
        while j + 1 < len(slots) and slots[j + 1] == slots[j] + 1:
            j += 1
        parts.append(clock(slots[i]) if i == j else f"{clock(slots[i])}-{clock(slots[j])}")
        i = j + 1
    return ", ".join(parts)
