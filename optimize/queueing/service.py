"""The single source of truth for service: what a queue delivers with given arrivals and agents.

Dispatches on the queue's channel: voice → Erlang A (:mod:`plan.optimize.queueing.erlang`; Erlang C when the
queue has no patience), chat → the concurrency chain of :mod:`plan.optimize.queueing.chat`, email → the FIFO
work-off of :mod:`plan.optimize.queueing.email`. Every function is numpy-vectorised over intervals.
"""
from __future__ import annotations

import numpy as np

from plan.contracts.workforce import Queue
from plan.optimize.queueing.chat import chat_metrics
from plan.optimize.queueing.email import EmailBacklog, email_backlog
from plan.optimize.queueing.erlang import ServiceMetrics, erlang_a

__all__ = ["ServiceMetrics", "EmailBacklog", "queue_metrics", "email_backlog", "queue_service_arrays",
           "DEFAULT_ANSWER_WITHIN_S"]

# Used only when a queue's targets name no threshold (e.g. an ASA-only target).
DEFAULT_ANSWER_WITHIN_S = 20.0


def queue_metrics(queue: Queue, arrivals_per_h, agents, *, answer_within_s: float | None = None,
                  aht_s=None, with_asa: bool = True) -> ServiceMetrics:
    """Expected service of ``queue`` per interval with ``agents`` on the floor (real-valued allowed).

    ``arrivals_per_h`` are the contacts reaching humans (after the bot), as a rate per hour;
    ``aht_s`` overrides ``queue.aht_s`` (e.g. blended with escalated bot sessions or a vendor's
    factor) and may be an array. ``answer_within_s`` defaults to the queue's target threshold.
    ``with_asa=False`` skips the mean wait (NaN), which is the costly part of the computation.
    For email (deferrable work) the answer-within view is not meaningful; it is modelled here as an
    Erlang C queue on the hourly rate for completeness, use :func:`email_backlog` for requirements.
    """
    if answer_within_s is None:
        answer_within_s = queue.targets.answer_within_s or DEFAULT_ANSWER_WITHIN_S
    handle_s = queue.aht_s if aht_s is None else aht_s
    patience_s = np.inf if queue.patience_s is None else queue.patience_s
    if queue.channel == "chat":
        return chat_metrics(arrivals_per_h, handle_s, agents, queue.concurrency, queue.concurrency_slowdown,
                            patience_s, answer_within_s, with_asa=with_asa)
    return erlang_a(arrivals_per_h, handle_s, agents, patience_s, answer_within_s, with_asa=with_asa)


def queue_service_arrays(queue: Queue, arrivals_human: np.ndarray, aht_s: np.ndarray, effective: np.ndarray,
                         event_interval: np.ndarray, interval_min: int) -> dict[str, np.ndarray]:
    """One queue's service per interval; arrays ``[..., interval]`` (leading axes, e.g. forecast
    paths, each a month of its own). Shortfall contacts are those not answered (email: resolved)
    within the interval's target threshold."""
    ah = np.asarray(arrivals_human, float)
    shape = ah.shape
    aht = np.broadcast_to(np.asarray(aht_s, float), shape)
    effective = np.broadcast_to(np.asarray(effective, float), shape)
    out = {k: np.zeros(shape) for k in ("asa_s", "service_level", "abandon_rate", "shortfall_contacts")}
    if queue.channel == "email":
        # event days may allow longer; each deadline is worked once and read on its own rows
        within = np.array([((queue.event_targets if (e and queue.event_targets is not None) else queue.targets)
                            .resolve_within_h or queue.targets.resolve_within_h) for e in event_interval])
        for row in np.ndindex(shape[:-1]):  # a backlog runs through its own month only
            late = np.zeros(shape[-1])
            for deadline in np.unique(within):
                backlog = email_backlog(ah[row], aht[row], effective[row], float(deadline), interval_min)
                late[within == deadline] = np.asarray(backlog.late_contacts)[within == deadline]
            out["asa_s"][row] = backlog.response_s
            out["service_level"][row] = np.where(ah[row] > 0, 1 - late / np.maximum(ah[row], 1e-12), 1.0)
            out["shortfall_contacts"][row] = late
        return out
    for is_event in (False, True):
        mask = np.broadcast_to(np.asarray(event_interval) == is_event, shape)
        if not mask.any():
            continue
        targets = queue.event_targets if (is_event and queue.event_targets is not None) else queue.targets
        m = queue_metrics(queue, ah[mask] / (interval_min / 60.0), effective[mask],
                          answer_within_s=targets.answer_within_s, aht_s=aht[mask])
        out["asa_s"][mask] = m.asa_s
        out["service_level"][mask] = m.service_level
        out["abandon_rate"][mask] = m.abandon_rate
        out["shortfall_contacts"][mask] = ah[mask] * (1.0 - m.service_level)
    return out
