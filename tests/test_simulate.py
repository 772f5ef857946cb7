"""The discrete-event simulator: agrees with the formulas where their assumptions hold; `plan simulate`."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plan.optimize.queueing.chat import chat_metrics
from plan.optimize.queueing.erlang import erlang_a
from plan.optimize.queueing.simulate import QueueSpec, simulate_queue

WARM_UP = 3


def test_simulator_agrees_with_erlang_a_on_one_cell():
    arrivals, aht, agents, patience, within = 360.0, 240.0, 27, 120.0, 20.0
    result = simulate_queue(np.full(160, arrivals), agents, QueueSpec(aht, patience), answer_within_s=within, seed=3)
    sim = result.totals(WARM_UP)
    model = erlang_a(arrivals, aht, agents, patience, within)
    assert sim["arrivals"] > 50_000
    assert sim["service_level"] == pytest.approx(float(model.service_level), abs=0.02)
    assert sim["abandon_rate"] == pytest.approx(float(model.abandon_rate), abs=0.01)
    assert sim["asa_s"] == pytest.approx(float(model.asa_s), rel=0.15)
    assert sim["occupancy"] == pytest.approx(float(model.occupancy), abs=0.02)


def test_simulator_agrees_with_chat_chain_on_one_cell():
    arrivals, aht, agents, k, slowdown, patience, within = 240.0, 290.0, 9, 3, 0.18, 150.0, 30.0
    result = simulate_queue(np.full(160, arrivals), agents, QueueSpec(aht, patience, k, slowdown),
                            answer_within_s=within, seed=5)
    sim = result.totals(WARM_UP)
    model = chat_metrics(arrivals, aht, agents, k, slowdown, patience, within)
    assert sim["service_level"] == pytest.approx(float(model.service_level), abs=0.03)
    assert sim["abandon_rate"] == pytest.approx(float(model.abandon_rate), abs=0.015)


def test_seeded_and_reproducible():
    spec = QueueSpec(200.0, 90.0)
    a = simulate_queue([100, 300, 50], [5, 12.5, 3], spec, seed=11).per_interval
    b = simulate_queue([100, 300, 50], [5, 12.5, 3], spec, seed=11).per_interval
    c = simulate_queue([100, 300, 50], [5, 12.5, 3], spec, seed=12).per_interval
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_no_agents_means_everyone_abandons_and_no_arrivals_is_clean():
    result = simulate_queue([50, 0, 0], [0, 0, 0], QueueSpec(200.0, 60.0), seed=1).per_interval
    assert result.loc[0, "abandoned"] == result.loc[0, "arrivals"] > 0
    assert result.loc[1, "arrivals"] == 0 and result.loc[1, "service_level"] == 1


def test_fractional_agents_sit_between_floor_and_ceil():
    spec = QueueSpec(240.0, 120.0)
    sl = [simulate_queue(np.full(60, 300.0), c, spec, seed=2).totals(2)["service_level"] for c in (20, 20.5, 21)]
    assert sl[0] < sl[1] < sl[2]


def test_lognormal_handle_times_have_the_right_mean():
    spec = QueueSpec(300.0, None, handle_cv=2.0)
    result = simulate_queue(np.full(40, 100.0), 20, spec, seed=4)
    # Generous staffing: occupancy x agents = offered load = arrivals x aht.
    busy = result.per_interval["busy_agent_s"].iloc[2:].sum() / result.per_interval["agent_s"].iloc[2:].sum() * 20
    assert busy == pytest.approx(100 * 300 / 3600, rel=0.08)


def test_plan_simulate_on_a_requirements_table(tmp_path, run_plan, tiny_workforce_text):
    config = tmp_path / "workforce.yaml"
    config.write_text(tiny_workforce_text, encoding="utf-8")
    index = pd.date_range("2026-11-02", periods=48, freq="h").strftime("%Y-%m-%d %H:%M")
    table = pd.concat([pd.DataFrame({"queue": q, "interval_start": index, "arrivals_human": arrivals,
                                     "agents_required": agents, "aht_s": aht, "service_level": 0.9,
                                     "asa_s": 5.0, "abandon_rate": 0.01, "event_day": False})
                       for q, arrivals, agents, aht in (("chat_presales", 120.0, 5, 240.0), ("phone", 60.0, 8, 300.0))])
    source = tmp_path / "requirements.csv"
    table.to_csv(source, index=False)
    out = tmp_path / "sim.csv"
    result = run_plan("simulate", source, "--config", config, "--out", out, "--seed", "3")
    assert result.exit_code == 0, result.output
    simulated = pd.read_csv(out)
    assert set(simulated["queue"]) == {"chat_presales", "phone"} and len(simulated) == 96
    assert simulated["arrivals_simulated"].sum() > 0
    assert "service_level_model" in simulated.columns
    assert "phone" in result.stdout


def test_plan_simulate_bad_table_is_one_line(tmp_path, run_plan, tiny_workforce_text):
    config = tmp_path / "workforce.yaml"
    config.write_text(tiny_workforce_text, encoding="utf-8")
    source = tmp_path / "requirements.csv"
    source.write_text("queue,interval_start,arrivals_human,agents_required\nphone,2026-11-02 00:00,abc,3\n")
    result = run_plan("simulate", source, "--config", config, "--out", tmp_path / "sim.csv")
    assert result.exit_code == 2
    assert "requirements.csv:2: arrivals_human" in result.stderr
    assert not (tmp_path / "sim.csv").exists()


def test_plan_simulate_on_a_plan_directory(tmp_path, run_plan, tiny_workforce_text):
    plan = tmp_path / "roster-2026-11"
    (plan / "inputs").mkdir(parents=True)
    (plan / "inputs" / "workforce.yaml").write_text(tiny_workforce_text, encoding="utf-8")
    index = pd.date_range("2026-11-02", periods=24, freq="h").strftime("%Y-%m-%d %H:%M")
    coverage = pd.DataFrame({"queue": "phone", "interval_start": index, "arrivals": 40.0, "bot_handled": 0.0,
                             "arrivals_human": 40.0, "required": 5, "staffed_in_house": 5.0,
                             "staffed_part_time": 0.0, "staffed_vendor": 0.0, "staffed_effective": 4.5,
                             "asa_s": 9.0, "service_level": 0.85, "abandon_rate": 0.0, "shortfall_contacts": 6.0})
    coverage.to_csv(plan / "coverage.csv", index=False)
    out = tmp_path / "sim.csv"
    result = run_plan("simulate", plan, "--out", out)
    assert result.exit_code == 0, result.output
    simulated = pd.read_csv(out)
    assert len(simulated) == 24 and np.allclose(simulated["agents_on_floor"], 4.5)


def test_email_waiting_at_the_end_with_its_deadline_after_it_is_censored_not_late():
    # 48 hours, two agents for the first six only; email (no patience, 24 h to answer) arrives in hour 10
    # (deadline hour 34, inside the horizon) and hour 40 (deadline hour 64, after it); nobody answers either
    arrivals, agents = np.zeros(48), np.zeros(48)
    arrivals[[10, 40]], agents[:6] = 8.0, 2.0
    result = simulate_queue(arrivals, agents, QueueSpec(300.0), answer_within_s=24 * 3600.0, seed=6)
    rows = result.per_interval
    assert rows.loc[10, "arrivals"] > 0 and rows.loc[40, "arrivals"] > 0
    assert rows.loc[40, "service_level"] == 1  # deadline after the end: unknown, not late
    assert rows.loc[40, "censored"] == rows.loc[40, "arrivals"] and rows.loc[40, "answered_within"] == 0
    assert rows.loc[10, "service_level"] == 0  # deadline passed before the end: late
    assert rows.loc[10, "censored"] == 0 and rows.loc[10, "answered_within"] == 0
    totals = result.totals()
    assert totals["censored"] == rows.loc[40, "arrivals"] and totals["service_level"] == 0


def test_only_contacts_within_their_threshold_of_the_end_are_censored():
    # calls with patience; the last hour unstaffed: its callers abandon or wait, and only those arriving
    # in its last 20 s (deadline after the end) and still waiting at the end are censored
    spec = QueueSpec(200.0, 60.0)
    result = simulate_queue(np.full(6, 400.0), [30, 30, 30, 30, 30, 0], spec, answer_within_s=20.0, seed=8)
    rows = result.per_interval
    assert rows["censored"].iloc[:5].sum() == 0
    assert 0 < rows.loc[5, "censored"] < 0.05 * rows.loc[5, "arrivals"]
    assert rows.loc[5, "answered_within"] == 0
    assert rows.loc[5, "abandoned"] == rows.loc[5, "arrivals"]  # nobody answers: every caller abandons in the end
