"""Chat with concurrency: agents hold up to ``k`` sessions and each session slows as they hold more.

State ``n`` = sessions in the system. With ``c`` agents and concurrency ``k`` there are ``c*k``
slots; ``s = min(n, c*k)`` sessions are in service, spread as evenly as routing to the least
loaded agent allows: ``r = s mod c`` agents hold ``q + 1`` sessions and ``c - r`` hold ``q``
(``q = s // c``). A session held by an agent with ``j`` sessions ends at rate
``mu_j = mu / (1 + slowdown * (j - 1))`` with ``mu = 1 / aht_s`` (``aht_s`` = handle time of a session
handled alone). So the departure rate in state ``n`` is ``r (q+1) mu_{q+1} + (c-r) q mu_q``, a
state-dependent birth-death chain; sessions waiting for a slot abandon at ``1 / patience_s`` each.
Above ``c*k`` the departure rate is the constant ``c k mu_k``, so the queue above the slots is
exactly an Erlang-A tail and the waiting-time results of :mod:`plan.optimize.queueing.erlang` apply unchanged
(an arrival that finds ``k`` waiting needs ``k + 1`` departures at rates ``c k mu_k + j theta``).
This is the model of Tezcan & Zhang (2014, "Routing and staffing in customer service chat systems
with impatient customers", Oper. Res. 62(4)) with the linear slowdown of Goes, Ilk, Lin & Zhao
(2018, "When more is less: field evidence on unintended consequences of multitasking", Mgmt. Sci.
64(7)) who report about +18% handle time per extra concurrent chat.

The shortcut "Erlang C with AHT / k" treats the ``c*k`` slots as independent servers that never
slow down; :func:`aht_over_k_shortcut` exists so the under-staffing can be measured.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from plan.optimize.queueing.erlang import TINY_RATE, ServiceMetrics, _interpolated, below_sums, chain_metrics, erlang_a


def session_rate_s(aht_s, concurrency_held, slowdown):
    """Per-session completion rate (1/s) of an agent holding ``concurrency_held`` sessions."""
    return 1.0 / (np.asarray(aht_s, float) * (1.0 + slowdown * (np.asarray(concurrency_held, float) - 1.0)))


def departure_rate_s(sessions_in_service, agents, aht_s, slowdown):
    """Total completion rate with ``sessions_in_service`` spread evenly over ``agents`` (state-dependent)."""
    s = np.asarray(sessions_in_service, float)
    c = np.maximum(np.asarray(agents, float), 1.0)
    q = np.floor(s / c)
    r = s - q * c
    with np.errstate(invalid="ignore"):
        low = np.where(q > 0, q * session_rate_s(aht_s, np.maximum(q, 1.0), slowdown), 0.0)
        high = (q + 1.0) * session_rate_s(aht_s, q + 1.0, slowdown)
    return np.where(np.asarray(agents) > 0, r * high + (c - r) * low, 0.0)


# The closed-form block sums need the departure rate to grow within every block (slowdown < 1).
CLOSED_FORM_MAX_SLOWDOWN = 0.9
CHUNK_CELLS = 1_500_000


def _below_by_cumsum(lam, c, aht_s, slowdown, slots):
    """Log weights of states 0..c*k by a running sum of ``log(lambda / d_n)`` (any slowdown)."""
    width = int(np.max(slots)) if len(slots) else 0
    n = np.arange(1, width + 1)[None, :]
    valid = n <= slots[:, None]
    rate = departure_rate_s(n, c[:, None], aht_s[:, None], slowdown[:, None])
    with np.errstate(divide="ignore"):
        log_step = np.where(valid, np.log(lam)[:, None] - np.log(np.where(valid, rate, 1.0)), 0.0)
    cumulative = np.concatenate([np.zeros((len(c), 1)), np.cumsum(log_step, axis=1)], axis=1)
    log_p_full = cumulative[np.arange(len(c)), slots]
    states = np.arange(width + 1)[None, :]
    below_log_p = np.where(states < slots[:, None], cumulative, -np.inf)
    log_below, log_busy = below_sums(below_log_p, np.minimum(states, c[:, None]).astype(float))
    return log_p_full, log_below, log_busy


def _below_by_blocks(lam, c, k, aht_s, slowdown):
    """Same weights in closed form over a window around the mode.

    In block ``q`` (states ``q*c .. q*c + c - 1``) the departure rate is linear in ``r = n - q*c``:
    ``d = A_q + r B_q`` with ``A_q = c q mu_q`` and ``B_q = (q+1) mu_{q+1} - q mu_q`` (> 0 when the
    slowdown is below 1), so ``sum log d`` over any run of a block is a difference of ``gammaln``.
    """
    rows = len(c)
    kmax = int(np.max(k))
    q_all = np.arange(kmax + 2)[None, :]
    mu_q = session_rate_s(aht_s[:, None], np.maximum(q_all, 1), slowdown[:, None])
    mu_next = session_rate_s(aht_s[:, None], q_all + 1, slowdown[:, None])
    big_a = c[:, None] * q_all * mu_q
    big_b = (q_all + 1) * mu_next - q_all * mu_q
    shift = big_a / big_b
    r_start = (q_all == 0).astype(float)
    block_sum = ((c[:, None] - r_start) * np.log(big_b) + special.gammaln(shift + c[:, None])
                 - special.gammaln(shift + r_start))
    prefix = np.concatenate([np.zeros((rows, 1)), np.cumsum(block_sum, axis=1)], axis=1)  # sum over blocks < q

    def log_d_sum(n):  # sum_{i=1..n} log d_i for integer arrays n (rows x cols), n >= 0
        q = n // c[:, None]
        r = n - q * c[:, None]
        take = lambda table: np.take_along_axis(table, q, axis=1)  # noqa: E731
        start = take(r_start)
        partial = ((r - start + 1) * np.log(take(big_b)) + special.gammaln(take(shift) + r + 1)
                   - special.gammaln(take(shift) + start))
        return np.where(n > 0, take(prefix) + partial, 0.0)

    slots = c * k
    log_lam = np.log(lam)
    log_p_full = slots * log_lam - log_d_sum(slots[:, None])[:, 0]
    # Mode of the states with a free slot: where the departure rate reaches lambda.
    reached = (big_a[:, : kmax + 1] <= lam[:, None]) & (q_all[:, : kmax + 1] < k[:, None])
    q_star = np.maximum(reached.sum(axis=1) - 1, 0)
    rows_idx = np.arange(rows)
    within = np.clip((lam - big_a[rows_idx, q_star]) / big_b[rows_idx, q_star], 0, c)
    mode = np.minimum(q_star * c + within, np.maximum(slots - 1, 0))
    slope = np.min(np.where(q_all[:, : kmax + 1] < k[:, None], big_b[:, : kmax + 1], np.inf), axis=1)
    half = np.ceil(8.0 * np.sqrt(lam / slope) + 20.0).astype(np.int64)
    low = np.maximum(0, np.floor(mode).astype(np.int64) - half)
    high = np.minimum(low + 2 * half + 1, slots)
    width = int(np.max(high - low)) if rows else 0
    n = low[:, None] + np.arange(width)[None, :]
    valid = n < high[:, None]
    n_safe = np.where(valid, n, 0)
    below_log_p = np.where(valid, n_safe * log_lam[:, None] - log_d_sum(n_safe), -np.inf)
    log_below, log_busy = below_sums(below_log_p, np.minimum(n_safe, c[:, None]).astype(float))
    return log_p_full, log_below, log_busy


def _chat_integer(arrivals_per_h, agents, aht_s, concurrency, slowdown, patience_s, answer_within_s, with_asa=True):
    lam = np.maximum(arrivals_per_h / 3600.0, TINY_RATE)
    c = agents.astype(np.int64)
    k = concurrency.astype(np.int64)
    slots = c * k
    log_p_full = np.zeros(len(c))
    log_below = np.full(len(c), -np.inf)
    log_busy = np.full(len(c), -np.inf)
    closed = (slowdown < CLOSED_FORM_MAX_SLOWDOWN) & (c > 0)
    by_sum = ~closed & (c > 0)
    for mask, method in ((closed, "blocks"), (by_sum, "cumsum")):
        idx = np.flatnonzero(mask)
        step = max(1, CHUNK_CELLS // max(int(np.max(slots[idx], initial=1)) if method == "cumsum" else 400, 1))
        for start in range(0, len(idx), step):
            r = idx[start:start + step]
            if method == "blocks":
                got = _below_by_blocks(lam[r], c[r], k[r], aht_s[r], slowdown[r])
            else:
                got = _below_by_cumsum(lam[r], c[r], aht_s[r], slowdown[r], slots[r])
            log_p_full[r], log_below[r], log_busy[r] = got
    full_rate = np.where(c > 0, slots * session_rate_s(aht_s, np.maximum(k, 1), slowdown), 0.0)
    theta = np.where(np.isfinite(patience_s), 1.0 / patience_s, 0.0)
    return chain_metrics(lam, full_rate, theta, answer_within_s, c.astype(float), log_p_full, log_below, log_busy,
                         with_asa)


def chat_metrics(arrivals_per_h, aht_s, agents, concurrency, slowdown=0.18, patience_s=np.inf,
                 answer_within_s=30.0, *, with_asa: bool = True) -> ServiceMetrics:
    """Service of a chat queue whose agents each hold up to ``concurrency`` sessions (see module doc).

    ``agents`` are people, not slots, and may be real-valued (linear interpolation between floor and
    ceil). ``occupancy`` is the share of agents holding at least one session. ``asa_s`` is the mean
    wait for a free slot (first response) of sessions that get one. Inputs broadcast.
    """
    return _interpolated(_chat_integer, arrivals_per_h, agents, aht_s, concurrency, slowdown,
                         np.where(np.asarray(patience_s, float) > 0, patience_s, np.inf), answer_within_s,
                         with_asa=with_asa)


def aht_over_k_shortcut(arrivals_per_h, aht_s, agents, concurrency, patience_s=np.inf,
                        answer_within_s=30.0) -> ServiceMetrics:
    """The common shortcut, for comparison only: Erlang C/A with ``agents`` servers and handle time
    ``aht_s / concurrency``, as if an agent holding k chats worked k times faster; ignores the
    slowdown and that a lone session does not get the agent's k-fold speed."""
    return erlang_a(arrivals_per_h, np.asarray(aht_s, float) / np.asarray(concurrency, float), agents,
                    patience_s, answer_within_s)
