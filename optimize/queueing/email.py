"""Email / tickets: deferrable work that must be finished within ``resolve_within_h`` of arrival.

Not a queue with waiting customers but a backlog worked off first-in first-out. Arrivals of an
interval are available from its start; an interval with ``agents`` on the floor completes
``agents * interval_minutes * 60 / aht_s`` contacts. Cumulative completions follow the fluid
FIFO recursion ``done_t = min(arrived_t, done_{t-1} + capacity_t)``, whose closed form
``done_t = cap_t + min(0, min_{j<=t}(arrived_j - cap_j))`` (cumulative sums) vectorises it.
Because every contact has the same deadline offset, FIFO is earliest-deadline-first, which meets
every deadline whenever any order does (Jackson 1955).

Requirement rule (:func:`email_required_agents`): each interval's work is spread evenly over the
intervals from its arrival to its deadline. The resulting profile finishes every contact by its
deadline (cumulative capacity always covers the work that is due), buys exactly the workload in
agent-hours (no feasible profile buys less) and is the smoothest arrival-proportional profile: a
peak hour's mail is absorbed over its whole window, so the peak requirement is the workload's
moving average over the deadline, not its hourly peak.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EmailBacklog:
    """Per-interval outcome of working the backlog (contacts, not hours)."""

    done: np.ndarray           # contacts completed in the interval
    late_contacts: np.ndarray  # contacts arriving in the interval not completed by their deadline
    backlog: np.ndarray        # contacts still open at the end of the interval
    response_s: np.ndarray     # time from arrival to completion of the interval's middle contact


def deadline_intervals(resolve_within_h: float, interval_minutes: int = 60) -> int:
    """Intervals after the arrival interval within which a contact must be done (floor; ≥ 0)."""
    return max(int(np.floor(resolve_within_h * 60.0 / interval_minutes + 1e-9)) - 1, 0)


def email_backlog(arrivals_per_interval, aht_s, agents_per_interval, resolve_within_h,
                  interval_minutes=60) -> EmailBacklog:
    """FIFO work-off of email arrivals by the agents present (see module doc).

    A contact arriving in interval ``j`` is late if it is not completed by the end of interval
    ``j + D`` with ``D = resolve_within_h / interval - 1`` (so a 24 h deadline with hourly intervals
    allows the arrival hour and the 23 following). Contacts whose deadline lies beyond the horizon
    are never counted late.
    """
    arrivals = np.asarray(arrivals_per_interval, float)
    agents = np.broadcast_to(np.asarray(agents_per_interval, float), arrivals.shape)
    capacity = agents * interval_minutes * 60.0 / np.asarray(aht_s, float)
    arrived = np.cumsum(arrivals)
    cap = np.cumsum(capacity)
    done_cum = np.minimum(arrived, cap + np.minimum(0.0, np.minimum.accumulate(arrived - cap)))
    done = np.diff(done_cum, prepend=0.0)
    lag = deadline_intervals(resolve_within_h, interval_minutes)
    late = np.zeros_like(arrivals)
    if len(arrivals) > lag:
        due = np.arange(len(arrivals) - lag)
        before = np.concatenate([[0.0], arrived[:-1]])[due]
        finished_by_deadline = np.maximum(done_cum[due + lag], before)
        late[due] = np.clip(arrived[due] - finished_by_deadline, 0.0, arrivals[due])
    # Completion time of the interval's middle contact, reading the cumulative curves as linear in
    # time within an interval (arrivals spread evenly over it, work done at a constant pace).
    seconds = interval_minutes * 60.0
    ends = np.arange(1, len(arrivals) + 1) * seconds
    middle = arrived - arrivals / 2.0
    # Work still open at the end of the horizon is assumed worked off at the horizon's mean pace
    # (with no capacity at all: at the horizon's end, a lower bound).
    pace = capacity.mean() if len(capacity) else 0.0
    tail = (arrived[-1] - done_cum[-1]) / pace * seconds if pace > 0 and len(arrived) else 0.0
    completed_at = np.interp(middle, np.concatenate([[0.0], done_cum, arrived[-1:]]),
                             np.concatenate([[0.0], ends, ends[-1:] + tail]))
    response = np.where(arrivals > 0, np.maximum(completed_at - (ends - seconds / 2.0), 0.0), 0.0)
    return EmailBacklog(done=done, late_contacts=late, backlog=arrived - done_cum, response_s=response)


def email_required_agents(arrivals_per_interval, aht_s, resolve_within_h, interval_minutes=60) -> np.ndarray:
    """Fractional agents per interval that finish every contact by its deadline (spread rule above).

    ``resolve_within_h`` may differ per arrival interval (event days): each interval's work is spread
    over its own deadline window, so a change of target never strands work.
    """
    arrivals = np.asarray(arrivals_per_interval, float)
    work_agent_intervals = arrivals * np.asarray(aht_s, float) / (interval_minutes * 60.0)
    hours = np.broadcast_to(np.asarray(resolve_within_h, float), arrivals.shape)
    span = np.array([deadline_intervals(h, interval_minutes) + 1 for h in np.unique(hours)])
    span = dict(zip(np.unique(hours), span))
    spans = np.vectorize(span.get, otypes=[np.int64])(hours) if len(hours) else np.zeros(0, np.int64)
    share = work_agent_intervals / np.maximum(spans, 1)
    change = np.zeros(len(arrivals) + 1)
    np.add.at(change, np.arange(len(arrivals)), share)
    np.add.at(change, np.minimum(np.arange(len(arrivals)) + spans, len(arrivals)), -share)
    return np.maximum(np.cumsum(change)[:-1], 0.0)
