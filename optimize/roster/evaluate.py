"""The model's objective for a finished plan, computed directly (numpy), so the reported objective
and gap are those of the roster actually written, not of an intermediate solver state.

Same terms and the same integer rounding as :mod:`plan.optimize.roster.model`: effective agents in
hundredths, service read at the highest staircase threshold reached and linearly into the next
step, period-target slack, floor shortfall, email lateness by the rise of the overdue backlog;
overtime is the named roster's exact overtime, vendor and part-time costs are exact.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from plan.optimize.roster.curves import IntervalCurve, QueueCurves, target_metrics
from plan.optimize.roster.instance import Instance
from plan.optimize.roster.model import CONTACT_SCALE, COST_SCALE, EFF_SCALE, EMAIL_SCALE, EmailDemand, ModelOptions


def effective_scaled(inst: Instance, ih: dict, pt: dict, seats: dict) -> np.ndarray:
    wf = inst.workforce
    keep = [1.0 - wf.queues[q].shrinkage for q in inst.queues]
    eff = np.zeros((len(inst.queues), inst.n_int), dtype=np.int64)
    for (a, d), (s, v, q) in ih.items():
        first, cov = inst.coverage_on_month(v, d)
        eff[q, first:first + len(cov)] += np.round(EFF_SCALE * cov * keep[q]).astype(np.int64)
    for (p, d), (h, b, q) in pt.items():
        block = inst.pt_groups[h].blocks[d][b]
        first = d * inst.per_day + block.start
        eff[q, first:min(first + block.length, inst.n_int)] += round(EFF_SCALE * keep[q])
    for (v, q, t), n in seats.items():
        eff[q, t] += n * round(EFF_SCALE * keep[q] / wf.vendors[v].aht_factor)
    return eff


def interval_service_cost(curve: IntervalCurve, eff_scaled: int, penalty: float, options: ModelOptions
                          ) -> tuple[float, float]:
    """(late contacts, contacts below the interval floor), each priced, with ``eff_scaled``
    effective agents (hundredths) in one interval, read as the model reads them."""
    late = penalty * curve.late[0] + curve.read(curve.late, penalty, COST_SCALE, eff_scaled, EFF_SCALE) / COST_SCALE
    short = 0.0
    if (curve.full_level if options.service_mode == "interval" else curve.floor_level) > 0:
        price = options.floor_weight * penalty
        short = price * curve.floor_short[0] + curve.read(curve.floor_short, price, COST_SCALE, eff_scaled,
                                                          EFF_SCALE) / COST_SCALE
    return late, short


def service_terms(inst: Instance, curves: dict[str, QueueCurves], email: dict[str, EmailDemand],
                  eff: np.ndarray, options: ModelOptions) -> dict[str, float]:
    wf = inst.workforce
    penalty = wf.costs.shortfall_penalty_per_contact
    out = defaultdict(float)
    period: dict[tuple, float] = defaultdict(float)
    period_const: dict[tuple, float] = defaultdict(float)  # rounded once per period, as the model does
    for name, qc in curves.items():
        q = inst.queues.index(name)
        queue = wf.queues[name]
        for t, c in enumerate(qc.curves):
            late, short = interval_service_cost(c, eff[q, t], penalty, options)
            out["shortfall_penalty"] += late
            out["floor_penalty"] += short
            if options.service_mode == "interval":
                continue
            d = t // inst.per_day
            tset = "event" if inst.event_day[d] else "normal"
            keys = [("day", d, tset), ("month", 0, "normal")]
            if inst.event_day[d] and queue.event_targets is not None:
                keys.append(("event", 0, "event"))
            for kind, index, ts in keys:
                targets = queue.event_targets if ts == "event" and queue.event_targets is not None else queue.targets
                for metric in target_metrics(targets):
                    e = c.excess[f"{ts}:{metric}"]
                    period_const[(q, kind, index, metric)] += CONTACT_SCALE * e[0]
                    period[(q, kind, index, metric)] += c.read(e, 1.0, CONTACT_SCALE, eff[q, t], EFF_SCALE)
    # the event key above pools all event days; the model pools runs of consecutive event days,
    # identical whenever the month has one event window (it has, for 11.11)
    slack = [max(0.0, round(period_const[key]) + period[key]) for key in period]
    out["target_slack"] = sum(slack) * options.target_slack_weight * penalty / CONTACT_SCALE
    for name, dem in email.items():
        q = inst.queues.index(name)
        cum = np.concatenate([[0.0], np.cumsum(dem.arrivals)])
        done, prev_over = 0, 0
        for t in range(inst.n_int):
            per_unit = round(EMAIL_SCALE * inst.interval_h * 3600.0 / dem.aht_s[t] / EFF_SCALE)
            done = min(done + per_unit * int(eff[q, t]), int(round(EMAIL_SCALE * cum[t + 1])))
            due = t + 1 - dem.deadline
            over = max(0, int(round(EMAIL_SCALE * cum[due])) - done) if due > 0 else 0
            out["shortfall_penalty"] += penalty * max(0, over - prev_over) / EMAIL_SCALE
            prev_over = over
    return dict(out)
