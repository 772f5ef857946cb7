"""plan risk: forecast paths around a plan, the chance of meeting each target and its Monte-Carlo error."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from plan.contracts.workforce import parse_workforce
from plan.execution import run_tasks
from plan.optimize.finance import risk

PHONE = yaml.safe_load("""
site: {name: Risk test, interval_minutes: 60}
queues:
  phone: {channel: voice, aht_s: 240, patience_s: 120, targets: {service_level: 0.8, answer_within_s: 20}}
shifts: [{code: D, name: Day, start: "08:00", end: "17:00"}]
contracts: {std: {system: standard}}
in_house: [{id: E1, name: A, skills: [phone], contract: std, monthly_salary: 9000}]
costs: {shortfall_penalty_per_contact: 5}
""")


def small_case(seed: int, days: int = 2) -> risk.RiskInputs:
    """One phone queue, ``days`` days of 8 busy hours, staffed so that the period's target is a coin toss."""
    stamps = pd.date_range("2026-11-10 09:00", periods=days * 24, freq="60min")
    stamps = stamps[(stamps.hour >= 9) & (stamps.hour < 17)]
    mean = np.full((1, len(stamps)), 60.0)
    p10, p90 = mean * 0.7, mean * 1.3
    common, own = risk.band_variances(mean, p10, p90, stamps)
    return risk.RiskInputs(workforce=parse_workforce(PHONE), queues=("phone",), stamps=stamps, mean=mean,
                           bot_share=np.zeros_like(mean), common_var_log=common, own_var_log=own,
                           effective=np.full_like(mean, 5.0), aht_s=np.full_like(mean, 240.0),
                           event_interval=np.zeros(len(stamps), bool),
                           periods=(risk.Period("month", np.ones(len(stamps), bool), False),), seed=seed)


def report_of(inputs: risk.RiskInputs, engine: str, paths: int, **options) -> risk.RiskReport:
    run = run_tasks(risk.run_paths, risk.path_tasks(engine, paths), seed=inputs.seed, shared=inputs, **options)
    assert run.complete, run.failures
    return risk.combine(inputs, run.values, engine)


def test_the_band_becomes_a_day_shock_and_hourly_noise_whose_paths_average_to_the_forecast():
    inputs = small_case(seed=1)
    assert np.all(inputs.common_var_log > 0) and np.all(inputs.own_var_log >= 0)
    rates = np.stack([risk.draw_rates(inputs, s) for s in risk.path_seeds(1, 600)])[:, 0]
    assert rates.mean() == pytest.approx(60.0, rel=0.03)
    first_day = rates[:, :8]
    assert np.corrcoef(first_day[:, 0], first_day[:, 5])[0, 1] > 0.5  # hours of one day move together
    assert abs(np.corrcoef(rates[:, 0], rates[:, 8])[0, 1]) < 0.2  # days do not


def test_analytic_probability_agrees_with_a_direct_count_from_the_simulator_within_the_mc_error():
    analytic = report_of(small_case(seed=3, days=1), "analytic", 200).targets.iloc[0]
    assert 0.1 < analytic["probability_met"] < 0.9  # a case where the answer is not a foregone 0 or 1
    # a direct count: the discrete-event simulator on its own paths (another seed), path by path
    inputs = small_case(seed=4, days=1)
    seeds = risk.path_seeds(4, 30)
    met = []
    for seed in seeds:
        human = risk.draw_rates(inputs, seed)[None]
        service = risk.simulated_service(inputs, human, [seed])
        met.append(service.short.sum() <= 0.2 * service.contacts.sum())
    count = float(np.mean(met))
    se = np.sqrt(analytic["mc_se"] ** 2 + count * (1 - count) / len(met))
    assert abs(analytic["probability_met"] - count) <= 3 * se, (analytic["probability_met"], count, se)


def test_the_reported_probability_is_the_share_of_paths_that_met_the_target():
    inputs = small_case(seed=5)
    one = report_of(inputs, "analytic", 50)
    direct = []
    for seed in risk.path_seeds(5, 50):
        service = risk.analytic_service(inputs, risk.draw_rates(inputs, seed)[None])
        direct.append(1 - service.short.sum() / service.contacts.sum() >= 0.8)
    assert one.targets.iloc[0]["probability_met"] == pytest.approx(np.mean(direct))
    assert one.cost["quantiles"]["p5"] <= one.cost["quantiles"]["p50"] <= one.cost["quantiles"]["p95"]


EMAIL = yaml.safe_load("""
site: {name: Risk test, interval_minutes: 60}
queues:
  email: {channel: email, aht_s: 300, targets: {resolve_within_h: 24}}
shifts: [{code: D, name: Day, start: "09:00", end: "17:00"}]
contracts: {std: {system: standard}}
in_house: [{id: E1, name: A, skills: [email], contract: std, monthly_salary: 9000}]
costs: {shortfall_penalty_per_contact: 5}
""")


def test_email_after_the_last_shift_of_the_horizon_is_late_under_neither_engine():
    """A day whose email arrives around the clock and is answered 09..17: what arrives after 17:00 waits
    past the end, but its 24 h deadline lies after it, so neither engine counts it late."""
    stamps = pd.date_range("2026-11-30 00:00", periods=24, freq="60min")
    mean = np.full((1, 24), 5.0)
    inputs = risk.RiskInputs(workforce=parse_workforce(EMAIL), queues=("email",), stamps=stamps, mean=mean,
                             bot_share=np.zeros_like(mean), common_var_log=np.zeros_like(mean),
                             own_var_log=np.zeros_like(mean),
                             effective=np.where((stamps.hour >= 9) & (stamps.hour < 17), 2.0, 0.0)[None],
                             aht_s=np.full_like(mean, 300.0), event_interval=np.zeros(24, bool),
                             periods=(risk.Period("month", np.ones(24, bool), False),), seed=9)
    seed = risk.path_seeds(9, 1)[0]
    simulated = risk.simulated_service(inputs, mean[None], [seed])
    analytic = risk.analytic_service(inputs, mean[None])
    assert analytic.short.sum() == 0 and simulated.short.sum() == 0
    assert simulated.contacts[0, 0, 17:].sum() == 0  # the evening's email is censored, not counted
    assert simulated.contacts[0, 0, :17].sum() > 0
    value, met = risk.period_outcomes(inputs, simulated)
    assert value[0, 0, 0] == 0 and met[0, 0, 0]


@pytest.fixture(scope="module")
def small_plan_dir(tmp_path_factory, small_month_plan):
    """The session's small month written as a plan directory whose forecast carries a p10..p90 band."""
    from test_roster import MONTH, small_requirements, small_workforce

    from plan.optimize.roster import write_plan

    folder = tmp_path_factory.mktemp("risk")
    config = folder / "workforce.yaml"
    config.write_text(yaml.safe_dump(small_workforce(), allow_unicode=True), encoding="utf-8")
    requirements = small_requirements()
    forecast = requirements[["queue", "interval_start", "arrivals"]].assign(
        p10=requirements["arrivals"] * 0.75, p50=requirements["arrivals"], p90=requirements["arrivals"] * 1.25)
    return write_plan(small_month_plan, folder / f"roster-{MONTH}",
                      inputs={"workforce": config, "requirements": requirements, "forecast": forecast})


def test_cli_risk_writes_probabilities_cost_quantiles_and_hours(run_plan, small_plan_dir, tmp_path):
    import json

    run = run_plan("risk", small_plan_dir, "--paths", "30", "--seed", "2", "--workers", "1",
                   "--out", tmp_path / "risk")
    assert run.exit_code == 0, run.output
    table = pd.read_csv(tmp_path / "risk" / "risk.csv")
    assert {"queue", "period", "target", "probability_met", "mc_se"} <= set(table.columns)
    assert table["probability_met"].between(0, 1).all() and (table["paths"] == 30).all()
    assert "month" in set(table["period"])
    document = json.loads((tmp_path / "risk" / "risk.json").read_text(encoding="utf-8"))
    assert document["paths"] == 30 and set(document["shortfall_cost"]["quantiles"]) == {"p5", "p25", "p50", "p75", "p95"}
    assert "Chance of meeting each target" in run.stdout


def test_cli_risk_on_a_plan_without_a_forecast_band_is_one_line(run_plan, small_plan_dir, tmp_path):
    import shutil

    copy = tmp_path / "plan"
    shutil.copytree(small_plan_dir, copy)
    (copy / "inputs" / "forecast.csv").unlink()
    run = run_plan("risk", copy, "--paths", "10", "--out", tmp_path / "risk")
    assert run.exit_code == 2 and "no band" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "risk").exists()
