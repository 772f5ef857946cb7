"""Erlang C (M/M/c) and Erlang A (M/M/c+M, Palm) service measures, exact and vectorised.

Both queues are birth-death chains on the number of contacts in the system. Below the point where
every server is busy, state ``j`` has unnormalised weight ``a**j / j!`` (``a`` = offered load in
Erlangs); above it, with ``k`` contacts waiting, Erlang A multiplies by
``y**k / prod_{i=1..k}(x + i)`` with ``x = c*mu/theta`` and ``y = lambda/theta`` (Palm 1943;
Garnett, Mandelbaum & Reiman 2002, "Designing a call center with impatient customers", M&SOM 4(3);
Mandelbaum & Zeltyn 2007, "Service engineering in action: the Palm/Erlang-A queue", §2).
All weights are computed in log space with ``gammaln`` over a window of states around the mode
(±8 standard deviations plus 20 states; outside it every weight is below e**-32 of the mode),
so loads of thousands of Erlangs and zero arrivals are both exact and finite.

Waiting time of an arrival that finds ``k`` contacts already waiting (FCFS, exponential patience):
its virtual wait ``V_k`` is a sum of exponentials with rates ``c*mu + j*theta``, ``j = 0..k``, so
``P(V_k > t) = I_{exp(-theta t)}(x, k + 1)`` (regularised incomplete beta), it is answered with
probability ``x / (x + k + 1)`` and its mean wait when answered is
``(digamma(x + k + 2) - digamma(x + 1)) / theta``. Summed over the waiting states, the share answered
within ``T`` is ``x e**y y**-(x+1) [gamma(x+1, y) - gamma(x+1, y e**-theta T)]`` times the weight of
the all-busy state (lower incomplete gamma; our derivation, it reproduces Mandelbaum & Zeltyn's
``P(Ab | W > 0) = 1 - 1/rho + 1/(rho A)`` as ``T`` grows).

The same chain machinery (:func:`chain_metrics`) serves the chat model of :mod:`plan.optimize.queueing.chat`,
whose only difference is the service rate below the all-slots-busy state.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

# A window of ±WINDOW_SIGMAS standard deviations (+ WINDOW_PAD states) around the mode holds all
# but e**-32 of the probability mass of every state distribution used here.
WINDOW_SIGMAS = 8.0
WINDOW_PAD = 20
# Rows x states processed at once; bounds memory at a few tens of MB per temporary array.
CHUNK_CELLS = 1_500_000
TINY_RATE = 1e-300


@dataclass(frozen=True)
class ServiceMetrics:
    """Steady-state service of one queue per interval; arrays share the broadcast shape of the inputs."""

    asa_s: np.ndarray          # mean wait in queue of contacts that get answered, seconds
    service_level: np.ndarray  # share of ALL arrivals answered within answer_within_s
    p_wait: np.ndarray         # probability an arrival waits at all
    abandon_rate: np.ndarray   # share of arrivals that abandon
    occupancy: np.ndarray      # busy share of agent capacity (for chat: of agents, not slots)

    def __getitem__(self, index) -> "ServiceMetrics":
        return ServiceMetrics(**{name: np.asarray(getattr(self, name))[index] for name in FIELDS})


FIELDS = ("asa_s", "service_level", "p_wait", "abandon_rate", "occupancy")


def _window(centre: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    half = np.ceil(WINDOW_SIGMAS * sigma + WINDOW_PAD).astype(np.int64)
    low = np.maximum(0, np.floor(centre).astype(np.int64) - half)
    return low, low + 2 * half + 1  # [low, high)


def _logsumexp(values: np.ndarray, axis: int = -1) -> np.ndarray:
    peak = np.max(values, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(values - peak), axis=axis)) + np.squeeze(peak, axis=axis)


def _queue_service_level(log_pi_full, x, y, u):
    """Share of all arrivals that wait, are answered, and wait at most T (closed form, see module doc).

    Returns NaN where the incomplete gamma underflows; the caller falls back to the state sum.
    """
    a = x + 1.0
    use_upper = y > a
    p_hi = np.where(use_upper, special.gammaincc(a, y * u), special.gammainc(a, y))
    p_lo = np.where(use_upper, special.gammaincc(a, y), special.gammainc(a, y * u))
    diff = p_hi - p_lo
    reliable = (np.maximum(p_hi, 1e-300) > 1e-280) & (diff >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_value = (log_pi_full + np.log(x) + y - a * np.log(y) + special.gammaln(a) + np.log(diff))
        value = np.where(diff > 0, np.exp(log_value), 0.0)
    return np.where(reliable & (x > 0), value, np.where(x > 0, np.nan, 0.0))


def below_sums(below_log_p: np.ndarray, below_busy_agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log of the total weight, and of the busy-agent-weighted total, of windowed states (rows x states)."""
    rows = below_log_p.shape[0]
    if not below_log_p.shape[1]:
        return np.full(rows, -np.inf), np.full(rows, -np.inf)
    with np.errstate(divide="ignore"):
        return _logsumexp(below_log_p), _logsumexp(below_log_p + np.log(below_busy_agents))


def chain_metrics(arrival_rate_s, full_rate_s, abandon_rate_s, answer_within_s, agents,
                  log_p_full, log_below, log_below_busy, with_asa: bool = True) -> ServiceMetrics:
    """Metrics of a birth-death queue given its states below the all-slots-busy state.

    Rows are intervals. ``log_below`` is the log of the total weight of the states with a free slot
    and ``log_below_busy`` the log of their busy-agent-weighted total; ``log_p_full`` is the log
    weight (same reference) of the state with every slot busy and nobody waiting; above it contacts
    leave service at the constant ``full_rate_s`` and abandon at ``abandon_rate_s`` each (0 = Erlang C).
    ``with_asa=False`` skips the mean wait (``asa_s`` is NaN), which the inverse only needs for ASA targets.
    """
    lam = np.maximum(arrival_rate_s, TINY_RATE)
    theta = abandon_rate_s
    rows = lam.shape[0]
    asa = np.zeros(rows)
    sl = np.zeros(rows)
    p_wait = np.zeros(rows)
    abandon = np.zeros(rows)
    log_z_rows = np.zeros(rows)

    patient = theta <= 0
    impatient = ~patient

    # Erlang C tail: geometric with ratio rho; no steady state when rho >= 1.
    if patient.any():
        rho = lam[patient] / np.maximum(full_rate_s[patient], TINY_RATE)
        stable = rho < 1
        with np.errstate(divide="ignore", invalid="ignore"):
            log_tail = np.where(stable, log_p_full[patient] - np.log1p(-np.minimum(rho, 1 - 1e-16)), np.inf)
        log_z = np.logaddexp(log_below[patient], log_tail)
        log_z_rows[patient] = log_z
        with np.errstate(invalid="ignore"):
            pw = np.where(stable, np.exp(log_tail - log_z), 1.0)
        gap = np.maximum(full_rate_s[patient] - lam[patient], 0.0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            asa[patient] = np.where(stable, pw / gap, np.inf)
            sl[patient] = np.where(stable, 1.0 - pw * np.exp(-gap * answer_within_s[patient]), 0.0)
        p_wait[patient] = pw
        abandon[patient] = 0.0

    if impatient.any():
        idx = np.flatnonzero(impatient)
        th = theta[idx]
        x = full_rate_s[idx] / th
        y = lam[idx] / th
        k_low, k_high = _window(np.maximum(y - x, 0.0), np.sqrt(y))
        # Below capacity the terms also fall at least geometrically (ratio y/x): a tighter bound
        # when patience is very long (y huge, ratio close to but below 1 is not the binding case).
        with np.errstate(divide="ignore"):
            geometric = np.where(x > y, np.ceil(36.0 / np.log(x / np.maximum(y, TINY_RATE))) + WINDOW_PAD, np.inf)
        k_high = np.where(x > y, np.minimum(k_high, k_low + geometric).astype(np.int64), k_high)
        width = int(np.max(k_high - k_low))
        step = max(1, CHUNK_CELLS // max(width, 1))
        for start in range(0, len(idx), step):
            part = slice(start, start + step)
            r = idx[part]
            xs, ys, ths = x[part, None], y[part, None], th[part, None]
            k = k_low[part, None] + np.arange(width)[None, :]
            valid = k < k_high[part, None]
            log_ck = np.where(valid, k * np.log(ys) - special.gammaln(xs + k + 1) + special.gammaln(xs + 1), -np.inf)
            log_q = log_p_full[r, None] + log_ck
            log_z = np.logaddexp(log_below[r], _logsumexp(log_q))
            log_z_rows[r] = log_z
            weights = np.exp(log_q - log_z[:, None])
            served = xs / (xs + k + 1.0)
            pw = weights.sum(axis=1)
            p_served_wait = (weights * served).sum(axis=1)
            if with_asa:
                wait_when_served = (special.digamma(xs + k + 2.0) - special.digamma(xs + 1.0)) / ths
                asa_num = (weights * served * wait_when_served).sum(axis=1)
            else:
                asa_num = np.full(len(r), np.nan)
            u = np.exp(-th[part] * answer_within_s[r])
            sl_wait = _queue_service_level(log_p_full[r] - log_z, x[part], y[part], u)
            missing = np.isnan(sl_wait)
            if missing.any():  # exact state sum where the closed form underflows
                within = 1.0 - special.betainc(xs[missing] + 1.0, k[missing] + 1.0, u[missing, None])
                sl_wait[missing] = (weights[missing] * served[missing] * within).sum(axis=1)
            # The no-wait share is summed directly, not as 1 - P(wait), to keep it exact near 0.
            p_no_wait = np.exp(log_below[r] - log_z)
            p_served = p_no_wait + p_served_wait
            p_wait[r] = pw
            abandon[r] = np.clip(pw - p_served_wait, 0.0, 1.0)
            sl[r] = np.clip(p_no_wait + np.minimum(sl_wait, p_served_wait), 0.0, 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                asa[r] = np.where(p_served > 1e-300, asa_num / p_served, 1.0 / th[part])

    # Busy agents: states with a free slot carry their own count; every waiting state has all busy.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        busy = np.exp(log_below_busy - log_z_rows) + agents * p_wait
        occupancy = np.where(agents > 0, busy / np.maximum(agents, 1e-300), 1.0)
    return ServiceMetrics(asa_s=asa, service_level=sl, p_wait=p_wait, abandon_rate=abandon,
                          occupancy=np.clip(occupancy, 0.0, 1.0))


def _voice_below(load: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log sum_{j<c} a^j/j!`` and ``log sum_{j<c} j a^j/j!`` via the regularised upper incomplete
    gamma (``sum_{j<c} a^j/j! = e^a Q(c, a)``); a window sum where ``Q`` underflows (``a >> c``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q_c = np.where(c >= 1, special.gammaincc(np.maximum(c, 1), load), 0.0)
        q_c1 = np.where(c >= 2, special.gammaincc(np.maximum(c - 1, 1), load), 0.0)
        log_below = np.where(c >= 1, load + np.log(q_c), -np.inf)
        log_busy = np.where(c >= 2, np.log(load) + load + np.log(q_c1), -np.inf)
    fallback = ((c >= 1) & (q_c < 1e-280)) | ((c >= 2) & (q_c1 < 1e-280))
    if fallback.any():
        a, cf = load[fallback], c[fallback]
        j_low, j_high = _window(np.minimum(a, np.maximum(cf - 1, 0)), np.sqrt(a))
        j_high = np.minimum(j_high, cf)
        width = int(max(np.max(j_high - j_low), 0))
        j = j_low[:, None] + np.arange(width)[None, :]
        log_p = np.where(j < j_high[:, None], j * np.log(a)[:, None] - special.gammaln(j + 1.0), -np.inf)
        log_below[fallback], log_busy[fallback] = below_sums(log_p, j.astype(float))
    return log_below, log_busy


def _voice_integer(arrivals_per_h, agents, aht_s, patience_s, answer_within_s, with_asa=True) -> ServiceMetrics:
    """Erlang A (or C where patience is infinite) at integer agents; 1-D inputs of equal length."""
    lam = np.maximum(arrivals_per_h / 3600.0, TINY_RATE)
    load = lam * aht_s
    c = agents.astype(np.int64)
    log_below, log_busy = _voice_below(load, c)
    log_p_full = c * np.log(load) - special.gammaln(c + 1.0)
    theta = np.where(np.isfinite(patience_s), 1.0 / patience_s, 0.0)
    return chain_metrics(lam, c / aht_s, theta, answer_within_s, c.astype(float), log_p_full,
                         log_below, log_busy, with_asa)


def _interpolated(integer_model, arrivals_per_h, agents, *params, with_asa: bool = True) -> ServiceMetrics:
    """Broadcast, evaluate at floor and ceil of real-valued agents, interpolate linearly, restore shape."""
    arrays = np.broadcast_arrays(np.asarray(arrivals_per_h, float), np.asarray(agents, float),
                                 *[np.asarray(p, float) for p in params])
    shape = arrays[0].shape
    arrivals, agents_f, *flat_params = [np.ravel(a) for a in arrays]
    if np.any(agents_f < 0) or np.any(~np.isfinite(agents_f)):
        raise ValueError("agents must be finite and >= 0")
    if np.any(arrivals < 0) or np.any(~np.isfinite(arrivals)):
        raise ValueError("arrivals must be finite and >= 0")
    low = np.floor(agents_f)
    frac = agents_f - low
    needs_high = frac > 1e-12
    rows = np.concatenate([np.arange(len(arrivals)), np.flatnonzero(needs_high)])
    both_agents = np.concatenate([low, low[needs_high] + 1.0])
    out = {name: np.empty(len(rows)) for name in FIELDS}
    # Group rows of similar size so the state windows are not padded to the peak interval's width.
    sizes = np.sqrt(arrivals[rows] + both_agents) + 1.0
    order = np.argsort(sizes, kind="stable")
    buckets = np.floor(np.log2(sizes[order])).astype(int)
    for bucket in np.unique(buckets):
        sel = order[buckets == bucket]
        got = integer_model(arrivals[rows[sel]], both_agents[sel], *[p[rows[sel]] for p in flat_params],
                            with_asa=with_asa)
        for name in FIELDS:
            out[name][sel] = getattr(got, name)
    n = len(arrivals)
    result = {}
    for name in FIELDS:
        value = out[name][:n].copy()
        high = out[name][n:]
        f = frac[needs_high]
        lo = value[needs_high]
        with np.errstate(invalid="ignore"):
            value[needs_high] = np.where(np.isinf(lo) | np.isinf(high), np.inf, (1 - f) * lo + f * high)
        result[name] = value
    # No arrivals: nobody waits or abandons, everything (vacuously) is answered in time.
    none = arrivals <= 0
    result["asa_s"][none] = 0.0
    result["service_level"][none] = 1.0
    result["p_wait"][none] = 0.0
    result["abandon_rate"][none] = 0.0
    result["occupancy"][none] = 0.0
    return ServiceMetrics(**{name: result[name].reshape(shape) for name in FIELDS})


def erlang_a(arrivals_per_h, aht_s, agents, patience_s, answer_within_s=20.0, *, with_asa: bool = True) -> ServiceMetrics:
    """Erlang A (M/M/c+M): Poisson arrivals, exponential handle time and patience, FCFS.

    ``patience_s`` is the mean patience; ``np.inf`` gives Erlang C. ``agents`` may be real-valued
    (metrics are interpolated linearly between floor and ceil). All arguments broadcast.
    With zero agents nobody is answered: ``abandon_rate`` is 1 and ``asa_s`` is reported as the mean
    patience (the mean time a contact spends waiting), to stay finite.
    Sources: Palm (1943); Garnett, Mandelbaum & Reiman (2002); Mandelbaum & Zeltyn (2007).
    """
    return _interpolated(_voice_integer, arrivals_per_h, agents, aht_s,
                         np.where(np.asarray(patience_s, float) > 0, patience_s, np.inf), answer_within_s,
                         with_asa=with_asa)


def erlang_c(arrivals_per_h, aht_s, agents, answer_within_s=20.0) -> ServiceMetrics:
    """Erlang C (M/M/c, infinite patience): ``P(wait) = C(c, a)``, ``ASA = C * aht / (c - a)``,
    ``SL = 1 - C exp(-(c - a) T / aht)`` (Erlang 1917; Gans, Koole & Mandelbaum 2003, §4.1).

    Where ``a >= c`` there is no steady state: everybody waits, ``asa_s`` is ``inf`` and SL 0.
    """
    return _interpolated(_voice_integer, arrivals_per_h, agents, aht_s, np.inf, answer_within_s)


def erlang_b(load_erlangs, servers) -> np.ndarray:
    """Erlang B blocking ``B(c, a) = (a^c / c!) / sum_{j<=c} a^j / j!`` in log space (integer servers)."""
    load = np.maximum(np.asarray(load_erlangs, float), TINY_RATE)
    c = np.asarray(servers, float)
    load, c = np.broadcast_arrays(load, c)
    flat_load, flat_c = load.ravel(), c.ravel().astype(np.int64)
    low, high = _window(np.minimum(flat_load, flat_c), np.sqrt(flat_load))
    high = np.minimum(high, flat_c)  # states below c; state c is added separately
    width = int(np.max(high - low)) if flat_c.size else 0
    j = low[:, None] + np.arange(width)[None, :]
    log_terms = np.where(j < high[:, None], j * np.log(flat_load)[:, None] - special.gammaln(j + 1.0), -np.inf)
    log_top = flat_c * np.log(flat_load) - special.gammaln(flat_c + 1.0)
    return np.exp(log_top - np.logaddexp(_logsumexp(log_terms), log_top)).reshape(load.shape)
