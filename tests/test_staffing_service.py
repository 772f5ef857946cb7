"""Service functions: Erlang C/A against published and independently computed values, chat, email."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from plan.optimize.queueing.chat import aht_over_k_shortcut, chat_metrics
from plan.optimize.queueing.email import email_backlog, email_required_agents
from plan.optimize.queueing.erlang import erlang_a, erlang_b, erlang_c

FIELDS = ("asa_s", "service_level", "p_wait", "abandon_rate", "occupancy")


# ---- Erlang C: published values ---------------------------------------------------------------
def test_erlang_c_matches_published_example():
    # Footbridge "Call Calc" application note (http://www.al911.org/qos_calc.htm): 2 call takers,
    # 30 calls/h of 60 s: "fewer than 8 percent of callers will wait more than 10 seconds"; with
    # 20 s of extra work per call (80 s) "the QOS falls to 14 percent". Exact values 7.79% / 14.1%.
    m = erlang_c(30, [60, 80], 2, answer_within_s=10)
    waited_longer = 1 - m.service_level
    assert waited_longer[0] == pytest.approx(0.1 * np.exp(-1.5 * 10 / 60), rel=1e-12)  # C(2, 0.5) = 0.1
    assert waited_longer[0] < 0.08
    assert round(float(waited_longer[1]), 2) == 0.14


def test_erlang_c_closed_forms_small_case():
    # a = 5 Erlangs, 6 agents: Erlang B by hand, C = c B / (c - a (1 - B)).
    load, c = 5.0, 6
    terms = np.array([load ** j / np.prod(np.arange(1, j + 1)) for j in range(c + 1)])
    b = terms[-1] / terms.sum()
    erl_c = c * b / (c - load * (1 - b))
    m = erlang_c(100, 180, c, answer_within_s=20)
    assert float(erlang_b(load, c)) == pytest.approx(b, rel=1e-12)
    assert float(m.p_wait) == pytest.approx(erl_c, rel=1e-12)
    assert float(m.asa_s) == pytest.approx(erl_c * 180 / (c - load), rel=1e-12)
    assert float(m.service_level) == pytest.approx(1 - erl_c * np.exp(-(c - load) * 20 / 180), rel=1e-12)
    assert float(m.occupancy) == pytest.approx(load / c)


def test_erlang_c_unstable_is_flagged_not_nan():
    m = erlang_c(1000, 360, [50, 100, 101], answer_within_s=20)  # a = 100
    assert np.all(m.p_wait[:2] == 1) and np.all(m.service_level[:2] == 0) and np.all(np.isinf(m.asa_s[:2]))
    assert np.isfinite(m.asa_s[2]) and 0 < m.service_level[2] < 1


# ---- Erlang A against an independent computation ----------------------------------------------
def _brute_force_erlang_a(arrivals_per_h, aht_s, agents, patience_s, within_s, states=400):
    """Stationary law by solving the generator; SL by the transient chain of a tagged waiting customer."""
    lam, mu, theta = arrivals_per_h / 3600, 1 / aht_s, 1 / patience_s
    generator = np.zeros((states, states))
    for n in range(states):
        if n + 1 < states:
            generator[n, n + 1] = lam
        if n:
            generator[n, n - 1] = min(n, agents) * mu + max(n - agents, 0) * theta
        generator[n, n] = -generator[n].sum()
    a = np.vstack([generator.T, np.ones(states)])
    pi = np.linalg.lstsq(a, np.concatenate([np.zeros(states), [1.0]]), rcond=None)[0]
    p_wait = pi[agents:].sum()
    # Tagged customer with j ahead: j -> j-1 at c mu + j theta, 0 -> served at c mu, abandons at theta.
    kmax = states - agents
    q = np.zeros((kmax + 2, kmax + 2))
    served, gone = kmax, kmax + 1
    for j in range(kmax):
        if j:
            q[j, j - 1] = agents * mu + j * theta
        else:
            q[j, served] = agents * mu
        q[j, gone] = theta
        q[j, j] = -q[j].sum()
    answered_by = expm(q * within_s)[:kmax, served]
    answered_ever = expm(q * 1e5)[:kmax, served]
    sl = pi[:agents].sum() + (pi[agents:] * answered_by).sum()
    abandon = (pi[agents:] * (1 - answered_ever)).sum()
    return p_wait, sl, abandon


@pytest.mark.parametrize("arrivals, aht, agents, patience, within", [
    (100, 180, 6, 300, 20), (240, 300, 20, 90, 30), (60, 240, 3, 600, 60)])
def test_erlang_a_matches_generator_and_transient_chain(arrivals, aht, agents, patience, within):
    p_wait, sl, abandon = _brute_force_erlang_a(arrivals, aht, agents, patience, within)
    m = erlang_a(arrivals, aht, agents, patience, within)
    assert float(m.p_wait) == pytest.approx(p_wait, abs=1e-9)
    assert float(m.service_level) == pytest.approx(sl, abs=1e-7)
    assert float(m.abandon_rate) == pytest.approx(abandon, abs=1e-7)


def test_erlang_a_tends_to_erlang_c_with_long_patience():
    a = erlang_a(600, 240, 45, 1e9, 20)
    c = erlang_c(600, 240, 45, 20)
    for name in FIELDS:
        assert float(getattr(a, name)) == pytest.approx(float(getattr(c, name)), rel=1e-5, abs=1e-6)


def test_erlang_a_abandonment_flow_balance():
    # Throughput identity: answered share x load = busy agents (occupancy x c).
    m = erlang_a(900, 240, [50, 60, 70], 120, 20)
    load = 900 * 240 / 3600
    assert np.allclose((1 - m.abandon_rate) * load, m.occupancy * np.array([50, 60, 70]), rtol=1e-9)


# ---- edge cases -------------------------------------------------------------------------------
def test_zero_arrivals_and_zero_agents():
    none = erlang_a(0, 300, [0, 5], 120, 20)
    assert np.all(none.service_level == 1) and np.all(none.abandon_rate == 0) and np.all(none.asa_s == 0)
    nobody = erlang_a(100, 300, 0, 120, 20)
    assert float(nobody.service_level) == 0 and float(nobody.abandon_rate) == pytest.approx(1)
    chat_nobody = chat_metrics(100, 300, 0, 3, 0.18, 120, 30)
    assert float(chat_nobody.abandon_rate) == pytest.approx(1) and np.isfinite(chat_nobody.asa_s)


@pytest.mark.parametrize("patience", [10.0, 180.0, 3600.0])
def test_extreme_loads_are_finite(patience):
    agents = np.array([0, 1, 50, 200, 400, 500, 600, 1000, 2000])
    for m in (erlang_a(6000, 300, agents, patience, 20), erlang_a(20000, 600, agents, patience, 20),
              chat_metrics(6000, 400, agents, 3, 0.18, patience, 30)):
        for name in FIELDS:
            values = getattr(m, name)
            assert np.all(np.isfinite(values)), name
        assert np.all((m.service_level >= 0) & (m.service_level <= 1))
        assert np.all((m.abandon_rate >= 0) & (m.abandon_rate <= 1))


@pytest.mark.parametrize("model", ["erlang_a", "erlang_c", "chat"])
def test_monotone_in_agents(model):
    agents = np.arange(0, 80, 0.5)
    if model == "erlang_a":
        m = erlang_a(1200, 180, agents, 150, 20)
    elif model == "erlang_c":
        m = erlang_c(1200, 180, agents, 20)
    else:
        m = chat_metrics(1200, 300, agents, 3, 0.18, 150, 30)
    assert np.all(np.diff(m.service_level) >= -1e-12)
    assert np.all(np.diff(m.p_wait) <= 1e-12)
    assert np.all(np.diff(m.abandon_rate) <= 1e-12)
    # ASA of answered contacts: from one agent on (with none, nobody is answered; see erlang_a doc).
    finite = np.isfinite(m.asa_s) & (agents >= 1)
    assert np.all(np.diff(m.asa_s[finite]) <= 1e-9)


def test_real_valued_agents_interpolate_linearly():
    m = erlang_a(600, 240, [45, 45.25, 46], 120, 20)
    assert m.service_level[1] == pytest.approx(0.75 * m.service_level[0] + 0.25 * m.service_level[2])


def test_broadcasting_shapes():
    m = erlang_a(np.array([[100.0], [200.0]]), 240, np.array([5, 10, 15]), 120, 20)
    assert m.service_level.shape == (2, 3)


# ---- chat -------------------------------------------------------------------------------------
def test_chat_with_one_slot_is_erlang_a():
    a = erlang_a(400, 300, 40, 150, 30)
    c = chat_metrics(400, 300, 40, 1, 0.5, 150, 30)
    for name in FIELDS:
        assert float(getattr(c, name)) == pytest.approx(float(getattr(a, name)), rel=1e-9, abs=1e-12)


def test_chat_without_slowdown_equals_erlang_a_on_slots_except_occupancy():
    # k slots per agent and no slowdown: c*k independent servers.
    c = chat_metrics(900, 300, 20, 3, 0.0, 150, 30)
    a = erlang_a(900, 300, 60, 150, 30)
    for name in ("service_level", "p_wait", "abandon_rate", "asa_s"):
        assert float(getattr(c, name)) == pytest.approx(float(getattr(a, name)), rel=1e-9)


def test_chat_slowdown_hurts_and_shortcut_is_optimistic():
    slow = chat_metrics(1200, 300, 30, 3, 0.18, 150, 30)
    fast = chat_metrics(1200, 300, 30, 3, 0.0, 150, 30)
    shortcut = aht_over_k_shortcut(1200, 300, 30, 3, 150, 30)
    assert slow.service_level < fast.service_level
    assert slow.service_level < shortcut.service_level - 0.05


# ---- email ------------------------------------------------------------------------------------
def test_email_backlog_fifo_by_hand():
    # 1 agent, 1 h per email, deadline 3 h: 10 at 0h are worked 1/h; 7 of them miss hours 0..2.
    out = email_backlog([10, 0, 0, 0, 0], 3600, 1, 3)
    assert out.done.tolist() == [1, 1, 1, 1, 1]
    assert out.backlog.tolist() == [9, 8, 7, 6, 5]
    assert out.late_contacts.tolist() == [7, 0, 0, 0, 0]


def test_email_requirement_meets_every_deadline():
    rng = np.random.default_rng(1)
    arrivals = rng.poisson(40, 24 * 14) * (1 + (np.arange(24 * 14) % 24 > 8))
    deadline = np.where(np.arange(len(arrivals)) // 24 == 6, 48.0, 24.0)
    need = email_required_agents(arrivals, 560, deadline)
    for hours in (24.0,):
        late = email_backlog(arrivals, 560, need, hours).late_contacts
        assert late[deadline == hours].sum() == pytest.approx(0, abs=1e-6)
    less = email_backlog(arrivals, 560, need * 0.9, 24).late_contacts
    assert less.sum() > 0


def test_chat_closed_form_blocks_match_the_running_sum(monkeypatch):
    from plan.optimize.queueing import chat
    rng = np.random.default_rng(0)
    args = (rng.uniform(0, 6000, 200), rng.uniform(100, 600, 200), rng.integers(0, 300, 200).astype(float),
            rng.integers(1, 5, 200).astype(float), rng.uniform(0, 0.8, 200), 150.0, 30.0)
    blocks = chat_metrics(*args)
    monkeypatch.setattr(chat, "CLOSED_FORM_MAX_SLOWDOWN", -1.0)
    running = chat_metrics(*args)
    for name in FIELDS:
        assert np.allclose(getattr(blocks, name), getattr(running, name), rtol=1e-8, atol=1e-10), name


def test_chat_large_slowdown_uses_the_running_sum():
    m = chat_metrics([300, 900], 300, 20, 3, 1.5, 150, 30)
    assert np.all(np.isfinite(m.service_level)) and m.service_level[0] > m.service_level[1]


def test_voice_queue_without_patience_and_too_few_agents_reads_a_finite_asa_excess():
    """Erlang C without patience: below the load the mean wait has no finite value; the roster's
    curves still price the ASA target (capped) and read any steadying level as better."""
    from plan.contracts.workforce import Queue
    from plan.optimize.roster.curves import ASA_EXCESS_CAP, queue_curves

    phone = Queue(channel="voice", aht_s=300, targets={"asa_s": 20})
    arrivals = np.array([0.0, 30.0])                      # an hour without calls, an hour of 30 (2.5 Erlang)
    curves = queue_curves("phone", phone, arrivals, np.full(2, 300.0), 1.0, np.zeros(2, bool),
                          capacity_eff=np.array([10.0, 10.0]))
    busy = curves.curves[1].excess["normal:asa"]
    assert np.isfinite(busy).all()
    assert busy[0] == pytest.approx(30.0 * ASA_EXCESS_CAP)   # nobody answering: every call capped
    assert busy[-1] < busy[0] and (np.diff(busy) <= 1e-9).all()
    assert np.isfinite(curves.curves[0].excess["normal:asa"]).all()
