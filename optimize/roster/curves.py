"""Service as a staircase of effective agents, so the roster model can price service exactly.

For every queue ``q`` and interval ``t`` the staffing service functions
(:func:`plan.optimize.queueing.service.queue_metrics`) are evaluated at effective agents ``n_0 = 0 < n_1 < ...``;
the model holds monotone booleans ``b_j`` ("at least ``n_j`` effective agents") and every measure
``m(n)`` becomes ``m(n_0) + Σ_j (m(n_j) - m(n_{j-1})) b_j`` — exact at the thresholds whatever the
curve's shape (Erlang A is S-shaped at low staffing). A plan's service is read linearly between
two thresholds (:meth:`IntervalCurve.read`), as the service functions read fractional agents (an
agent present for part of an interval is a time mixture of the two staffing levels). The
staircase's LP relaxation may read a plan that way too (or better, spreading a fraction over
several steps where the curve is S-shaped), so the LP bound holds for it; the CP-SAT search
itself counts whole steps only, an upper estimate: partial-step variables, and an exact reading
of each curve's convex tail, both made its search slower and its plans dearer in the same time
(the roster's stages that read service exactly are HiGHS MIPs, :mod:`plan.optimize.roster.neighbourhoods`).

Period targets (the day, the month, an event window; Koole & van der Sluis 2003, "Optimal shift
scheduling with a global service level constraint", IIE Transactions 35) are additive in
contacts: Σ_t arrivals_t (target − SL_t(n_t)) ≤ 0 for a service level, Σ answered_t (ASA_t − target)
≤ 0 for an average speed of answer, Σ arrivals_t (abandon_t − max) ≤ 0 for abandonment. Each
interval keeps a floor: ``interval_floor`` × the service-level target, the ASA target ÷ the floor,
the abandonment cap ÷ the floor, and the occupancy cap as is.
"""
from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from plan.contracts.workforce import Queue, Targets
from plan.optimize.queueing.service import queue_metrics

MAX_LEVELS = 30          # thresholds per interval beyond which steps grow coarser than 1 agent
LATE_TOLERANCE = 0.005   # stop adding levels once late contacts are below this share (or 0.25)
# A voice queue without patience and too few agents has no finite mean wait (Erlang C: the queue
# grows without end). Its ASA excess counts each contact as waiting this many targets over, so the
# period targets stay priced, and any level that steadies the queue still reads as better.
ASA_EXCESS_CAP = 10.0


@dataclass
class IntervalCurve:
    thresholds: np.ndarray        # effective agents n_j, n_0 = 0
    late: np.ndarray              # contacts not answered within the threshold at each level
    floor_short: np.ndarray       # contacts below the interval floor's service level at each level
    excess: dict[str, np.ndarray]  # per target-set + metric key: contact-equivalents above target
    floor_level: int              # first level meeting the interval floor (0: no floor)
    full_level: int               # first level meeting the full target in this interval
    _cache: dict = field(default_factory=dict, repr=False, compare=False)  # read() is called per interval, often

    def steps(self, scale: int) -> np.ndarray:
        """Width of each step in 1/``scale`` effective agents, rounded as the aggregate model states it."""
        return np.round(scale * np.diff(self.thresholds)).astype(np.int64)

    def step_values(self, measure: np.ndarray, price: float, units: int) -> np.ndarray:
        """Per step, the change of ``price`` × ``measure`` across it in whole 1/``units``: the
        model's coefficient of the step's boolean."""
        return np.round(units * (price * np.diff(measure))).astype(np.int64)

    def read(self, measure: np.ndarray, price: float, units: int, effective_scaled: int, scale: int) -> float:
        """Σ of the step values (:meth:`step_values`) ``effective_scaled`` covers, the last step in
        proportion (in 1/``units``): the measure's change from no agents. The model's LP relaxation
        can take this reading (levels fractional, in order), so its bound holds for it. ``measure``
        is one of this curve's own arrays: the cache keys on its identity."""
        key = (id(measure), price, units)
        if key not in self._cache:
            values = self.step_values(measure, price, units).tolist()
            self._cache[key] = (values, [0, *itertools.accumulate(values)])
        values, prefix = self._cache[key]
        if ("reached", scale) not in self._cache:
            self._cache[("reached", scale)] = [0, *itertools.accumulate(self.steps(scale).tolist())]
        reached = self._cache[("reached", scale)]
        eff = int(effective_scaled)
        level = bisect.bisect_right(reached, eff) - 1 if eff >= 0 else 0
        total = float(prefix[level])
        if level < len(values) and eff > reached[level]:
            total += values[level] * (eff - reached[level]) / (reached[level + 1] - reached[level])
        return total


@dataclass
class QueueCurves:
    queue: str
    curves: list[IntervalCurve]   # per interval of the month


def target_metrics(targets: Targets) -> list[str]:
    keys = []
    if targets.service_level is not None:
        keys.append("sl")
    if targets.asa_s is not None:
        keys.append("asa")
    if targets.max_abandon is not None:
        keys.append("abandon")
    return keys


def _meets(targets: Targets, factor: float, sl, asa, abandon, occupancy) -> np.ndarray:
    """Whether each staffing level meets the targets scaled to ``factor`` (1 = the full target)."""
    ok = np.ones(np.shape(sl), dtype=bool)
    if factor <= 0:
        return ok
    if targets.service_level is not None:
        ok &= sl >= targets.service_level * factor - 1e-9
    if targets.asa_s is not None:
        ok &= asa <= targets.asa_s / factor + 1e-9
    if targets.max_abandon is not None:
        ok &= abandon <= min(1.0, targets.max_abandon / factor) + 1e-9
    if targets.max_occupancy is not None:
        ok &= occupancy <= targets.max_occupancy + 1e-9
    return ok


def _first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True per row, or the row length when none."""
    any_ = mask.any(axis=1)
    return np.where(any_, mask.argmax(axis=1), mask.shape[1])


def _metrics_by_interval(queue: Queue, arrivals_per_h: np.ndarray, aht_s: np.ndarray, top_t: np.ndarray, keep: float,
                         answer_within_s: float | None, rows: np.ndarray) -> list:
    """Service at 0..top_t[t] heads (× ``keep`` effective agents) for the intervals in ``rows`` (None
    elsewhere), evaluated in buckets of similar grid size so a quiet hour is not padded to the peak's."""
    out: list = [None] * len(arrivals_per_h)
    # without arrivals the service is the same whatever the handle time: read once, shared (a re-plan's
    # days before its window, a queue's closed hours)
    idle = np.nonzero(rows & (arrivals_per_h <= 0))[0]
    if len(idle):
        grid = np.arange(int(top_t[idle].max()) + 1, dtype=float) * keep
        m = queue_metrics(queue, np.zeros((1, 1)), grid[None, :], answer_within_s=answer_within_s,
                          aht_s=aht_s[idle[:1], None])
        for t in idle:
            out[t] = m[0, : int(top_t[t]) + 1]
    rows = rows & (arrivals_per_h > 0)
    width = 2 ** np.ceil(np.log2(np.maximum(top_t, 8) + 1)).astype(int)
    for w in np.unique(width[rows]):
        sel = np.nonzero(rows & (width == w))[0]
        grid = np.arange(w + 1, dtype=float) * keep
        m = queue_metrics(queue, arrivals_per_h[sel, None], grid[None, :], answer_within_s=answer_within_s,
                          aht_s=aht_s[sel, None])
        for i, t in enumerate(sel):
            out[t] = m[i, : int(top_t[t]) + 1]
    return out


def queue_curves(name: str, queue: Queue, arrivals_human: np.ndarray, aht_s: np.ndarray, interval_h: float,
                 event_interval: np.ndarray, capacity_eff: np.ndarray, *, floor_factor: float | None = None
                 ) -> QueueCurves:
    """Staircases for one (non-email) queue over the month.

    ``capacity_eff`` bounds the effective agents the month could ever put on the queue per interval
    (levels above it are never reachable). ``floor_factor`` overrides the targets' interval floor
    (1.0 = every interval at the full target: the per-interval planning of the benchmark).
    """
    arrivals_per_h = arrivals_human / interval_h
    load = arrivals_per_h * aht_s / 3600.0
    # thresholds are whole in-house heads after shrinkage, the unit most capacity comes in; beyond
    # this many heads every measure is flat (each interval by its own load)
    keep = 1.0 - queue.shrinkage
    top_t = np.ceil((1.2 * load + 6 * np.sqrt(load + 1) + 6) / keep).astype(int)
    # levels above what the whole team could staff are never read (``hi`` below stops there): without
    # this bound an absurd volume would evaluate service at millions of heads per interval
    top_t = np.minimum(top_t, np.floor(np.asarray(capacity_eff, float) / keep + 1e-9).astype(int) + 1)
    target_sets = {"normal": queue.targets, "event": queue.event_targets or queue.targets}
    metrics = {"normal": _metrics_by_interval(queue, arrivals_per_h, aht_s, top_t, keep, queue.targets.answer_within_s,
                                              np.ones(len(load), dtype=bool))}
    metrics["event"] = metrics["normal"] if queue.event_targets is None else _metrics_by_interval(
        queue, arrivals_per_h, aht_s, top_t, keep, queue.event_targets.answer_within_s, np.asarray(event_interval, bool))
    day_set = np.where(event_interval, "event", "normal")
    curves = []
    for t in range(len(arrivals_human)):
        ah = arrivals_human[t]
        key = day_set[t]
        targets = target_sets[key]
        m = metrics[key][t]
        sl, asa, ab, occ = (m.service_level, m.asa_s, m.abandon_rate, m.occupancy)
        late = ah * (1.0 - sl)
        factor = targets.interval_floor if floor_factor is None else floor_factor
        top = int(top_t[t])
        grid = np.arange(top + 1, dtype=float) * keep
        floor_n = int(_first_true(_meets(targets, factor, sl, asa, ab, occ)[None, :])[0])
        full_n = int(_first_true(_meets(targets, 1.0, sl, asa, ab, occ)[None, :])[0])
        enough = np.nonzero(late <= max(0.25, LATE_TOLERANCE * ah))[0]
        hi = int(enough[0]) if len(enough) else top
        hi = max(hi, min(full_n, top), min(floor_n, top))
        hi = min(hi, top, int(math.floor(capacity_eff[t] / keep + 1e-9)))
        step = max(1, math.ceil(hi / MAX_LEVELS))
        idx = np.arange(0, hi + 1, step)
        if idx[-1] != hi:
            idx = np.append(idx, hi)
        for must in (floor_n, full_n):  # the floors must be thresholds themselves
            if must <= hi and must not in idx:
                idx = np.sort(np.append(idx, must))
        excess = {}
        for set_key, set_targets in target_sets.items():
            ms = metrics[set_key][t]
            if ms is None:  # event targets outside event days are never read
                continue
            s_sl, s_asa, s_ab = ms.service_level[idx], ms.asa_s[idx], ms.abandon_rate[idx]
            for metric in target_metrics(set_targets):
                if metric == "sl":
                    value = ah * (set_targets.service_level - s_sl)
                elif metric == "asa":
                    over = np.minimum((s_asa - set_targets.asa_s) / set_targets.asa_s, ASA_EXCESS_CAP)
                    value = ah * (1.0 - s_ab) * over
                else:
                    value = ah * (s_ab - set_targets.max_abandon)
                excess[f"{set_key}:{metric}"] = value
        floor_sl = (targets.service_level or 0.0) * factor
        floor_short = np.maximum(0.0, ah * (floor_sl - sl[idx])) if targets.service_level else \
            ah * np.maximum(0.0, 1.0 - idx / max(floor_n, 1))
        level_of = {int(n): j for j, n in enumerate(idx)}
        curves.append(IntervalCurve(
            thresholds=grid[idx], late=late[idx], floor_short=floor_short, excess=excess,
            floor_level=level_of.get(floor_n, len(idx) - 1) if floor_n > 0 else 0,
            full_level=level_of.get(full_n, len(idx) - 1) if full_n > 0 else 0))
    return QueueCurves(name, curves)

