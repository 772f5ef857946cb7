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

__all__ = ["ServiceMetrics", "EmailBacklog", "queue_metrics", "email_backlog", "DEFAULT_ANSWER_WITHIN_S"]

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
