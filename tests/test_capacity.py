"""The annual capacity plan: headcount dynamics, sourcing by month, the one-sentence answer."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plan.contracts.errors import InputError
from plan.contracts.workforce import parse_workforce
from plan.optimize.finance.capacity import CapacityConfig, answer_sentence, month_ranges, parse_capacity, plan_capacity
from test_scenarios import small_requirements, small_workforce

YEAR = 2027


def year_requirements(workforce, peak_months=(6, 11), peak_factor=1.6) -> pd.DataFrame:
    frames = [small_requirements(workforce, f"{YEAR}-{m:02d}", seed=m) for m in range(1, 13)]
    table = pd.concat(frames, ignore_index=True)
    peak = table["interval_start"].dt.month.isin(peak_months)
    table.loc[peak, "agents_required"] = np.ceil(table.loc[peak, "agents_required"] * peak_factor)
    table.loc[peak, "arrivals_human"] *= peak_factor
    return table


@pytest.fixture(scope="module")
def workforce():
    data = small_workforce()
    data["costs"]["shortfall_penalty_per_contact"] = 60
    return parse_workforce(data)


@pytest.fixture(scope="module")
def plan(workforce):
    return plan_capacity(workforce, year_requirements(workforce), YEAR,
                         CapacityConfig(cost_per_hire=3000, monthly_attrition=0.02, hiring_lead_months=1))


def test_headcount_follows_attrition_hires_and_lead_time(plan):
    months = plan.months
    assert len(months) == 12 and months["month"].iloc[0] == "2027-01"
    heads = months["headcount"].to_numpy()
    starters = months["starters"].to_numpy()
    hires = months["hires_decided"].to_numpy()
    assert heads[0] == pytest.approx(12)
    for m in range(11):
        assert heads[m + 1] == pytest.approx(heads[m] * 0.98 + starters[m + 1], abs=1e-6)
        assert starters[m + 1] == hires[m]  # one month from decision to start
    assert hires[11] == 0  # a December hire would start after the year
    # starters are productive at the ramp: productive FTE never exceeds the headcount
    assert np.all(months["productive_fte"].to_numpy() <= heads + 1e-9)


def test_costs_add_up_and_peaks_buy_extra_capacity(plan):
    months = plan.months
    parts = ["cost_salary", "cost_hiring", "cost_part_time", "cost_vendor", "cost_bot", "cost_shortfall_penalty"]
    assert np.allclose(months[parts].sum(axis=1), months["cost_total"])
    assert plan.cost["total"] == pytest.approx(months["cost_total"].sum())
    assert plan.solver["status"] in ("OPTIMAL", "FEASIBLE")
    bought = months["vendor_seat_hours"] + months["part_time_hours"]
    peak = months["month"].isin([f"{YEAR}-06", f"{YEAR}-11"]).to_numpy()
    assert bought[peak].mean() > bought[~peak].mean()


def test_answer_is_read_off_the_solution(plan):
    months = plan.months
    heads = months["headcount"].round().astype(int)
    assert plan.answer.startswith(f"Hold {heads.iloc[0]}") or plan.answer.startswith(f"Grow in-house from {heads.iloc[0]} to {heads.max()}")
    assert f"{months['cost_total'].sum():,.0f}" in plan.answer
    for i, hired in enumerate(months["hires_decided"]):
        if hired:
            assert f"{hired} in {pd.Timestamp(f'{YEAR}-{i + 1:02d}-01'):%b}" in plan.answer


def test_expensive_shortfall_never_gives_worse_service(workforce):
    requirements = year_requirements(workforce)
    cheap = plan_capacity(workforce, requirements, YEAR, CapacityConfig(cost_per_hire=3000))
    dear = plan_capacity(workforce.model_copy(update={"costs": workforce.costs.model_copy(
        update={"shortfall_penalty_per_contact": 500})}), requirements, YEAR, CapacityConfig(cost_per_hire=3000))
    assert dear.months["shortfall_contacts"].sum() <= cheap.months["shortfall_contacts"].sum() + 1e-6


def test_missing_days_and_bad_config_are_input_errors(workforce):
    partial = small_requirements(workforce, f"{YEAR}-01")
    with pytest.raises(InputError, match="no requirements for"):
        plan_capacity(workforce, partial, YEAR)
    with pytest.raises(InputError) as caught:
        parse_capacity({"monthly_attrition": 1.5}, "s.yaml")
    assert caught.value.field == "capacity.monthly_attrition"
    with pytest.raises(InputError) as caught:
        parse_capacity({"hire_everyone": True}, "s.yaml")
    assert caught.value.field == "capacity.hire_everyone"


def test_month_ranges_and_sentence():
    assert month_ranges([4, 5, 9, 10]) == "May-June and October-November"
    assert month_ranges([0]) == "January"
    assert month_ranges([0, 2, 3, 11]) == "January, March-April and December"
    months = pd.DataFrame({"headcount": [58.0] * 12, "hires_decided": [0] * 12,
                           "required_paid_hours": [1000.0] * 12,
                           "vendor_seat_hours": [0, 0, 0, 0, 300, 300, 0, 0, 0, 300, 300, 0],
                           "part_time_hours": [0.0] * 12, "shortfall_contacts": [0.0] * 12,
                           "contacts": [1e4] * 12, "cost_total": [1e5] * 12})
    assert answer_sentence(months) == ("Hold 58 in-house (no hiring) and buy vendor seats for "
                                       "May-June and October-November; the year costs 1,200,000 CNY.")
    months["headcount"] = np.linspace(58, 50, 12)
    months["part_time_hours"] = [100.0] * 5 + [0.0] + [100.0] * 6
    assert answer_sentence(months).startswith("Hold 58 in-house, no hiring, falling to 50 by attrition, buy vendor "
                                              "seats for May-June and October-November and use part-timers all year "
                                              "except June;")


def test_report_files(plan, tmp_path):
    from openpyxl import load_workbook

    from plan.reports.capacity_report import write_capacity_report

    write_capacity_report(plan, tmp_path / "cap")
    table = pd.read_csv(tmp_path / "cap" / "capacity.csv")
    assert len(table) == 13 and table["month"].iloc[-1] == f"{YEAR} total"
    assert load_workbook(tmp_path / "cap" / "capacity.xlsx").sheetnames == ["months", "answer"]
    assert (tmp_path / "cap" / "capacity.png").stat().st_size > 10_000
    assert (tmp_path / "cap" / "answer.txt").read_text(encoding="utf-8").strip() == plan.answer


def test_cli_capacity_on_the_sample_workforce(run_plan, tmp_path):
    from plan.contracts.paths import SAMPLE_WORKFORCE

    if not SAMPLE_WORKFORCE.exists():
        pytest.skip("sample workforce not generated")
    stamps = pd.date_range(f"{YEAR}-01-01", f"{YEAR}-12-31 23:00", freq="60min")
    shape = np.clip(np.sin((stamps.hour.to_numpy() - 6) / 18 * np.pi), 0.05, None)
    peak = stamps.month.isin([6, 11])
    frames = [pd.DataFrame({"queue": queue, "interval_start": stamps.strftime("%Y-%m-%d %H:%M"),
                            "arrivals": level * shape * np.where(peak, 2.0, 1.0)})
              for queue, level in {"chat_presales": 30, "chat_aftersales": 25, "phone": 35, "email": 8}.items()]
    pd.concat(frames).to_csv(tmp_path / "forecast.csv", index=False)
    run = run_plan("capacity", "--year", str(YEAR), "--forecast", tmp_path / "forecast.csv", "--out", tmp_path / "cap")
    assert run.exit_code == 0, run.output
    answer = (tmp_path / "cap" / "answer.txt").read_text(encoding="utf-8").strip()
    assert answer.split(";")[0].split(",")[0] in run.stdout.replace("\n", " ")
    assert len(pd.read_csv(tmp_path / "cap" / "capacity.csv")) == 13


def test_cli_capacity_forecast_not_covering_the_year_is_one_line(run_plan, tmp_path):
    pd.DataFrame({"queue": ["phone"], "interval_start": ["2027-01-01 00:00"], "arrivals": [3]}).to_csv(
        tmp_path / "f.csv", index=False)
    run = run_plan("capacity", "--year", "2027", "--forecast", tmp_path / "f.csv", "--out", tmp_path / "cap")
    assert run.exit_code == 2 and "does not cover 2027-01-01..2027-12-31" in run.stderr
    assert not (tmp_path / "cap").exists()


# --- plan capacity --sweep, the console command ------------------------------------------------------

def one_queue_world(folder) -> list:
    """test_scenarios' small team on its phone queue alone (a year of requirements in about a second),
    a forecast of the whole year with two peak months, and `plan capacity`'s options for them."""
    import yaml

    data = small_workforce()
    data["queues"] = {"phone": data["queues"]["phone"]}
    for person in data["in_house"] + data["part_time"] + data["vendors"]:
        person["skills"] = ["phone"]
    del data["bot"]
    (folder / "workforce.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (folder / "scenarios.yaml").write_text(f"capacity: {{year: {YEAR}, cost_per_hire: 3000, monthly_attrition: 0.02}}\n"
                                           "scenarios:\n  - name: baseline\n", encoding="utf-8")
    (folder / "events.csv").write_text(f"name,kind,start,end,intensity\n双十一,double11,{YEAR}-10-20,{YEAR}-11-11,1.1\n",
                                       encoding="utf-8")
    hours = pd.date_range(f"{YEAR}-01-01", f"{YEAR + 1}-01-01", freq="60min", inclusive="left")
    arrivals = np.round(25 * np.clip(np.sin((hours.hour - 6) / 18 * np.pi), 0.05, None)
                        * np.where(hours.month.isin([6, 11]), 1.6, 1.0), 2)
    pd.DataFrame({"queue": "phone", "interval_start": hours.strftime("%Y-%m-%d %H:%M"), "arrivals": arrivals,
                  "p10": arrivals * 0.8, "p50": arrivals, "p90": arrivals * 1.2}).to_csv(folder / "forecast.csv",
                                                                                          index=False)
    return ["capacity", "--file", folder / "scenarios.yaml", "--config", folder / "workforce.yaml",
            "--events", folder / "events.csv", "--forecast", folder / "forecast.csv"]


PENALTIES = [5.0, 35.0, 65.0]


def test_capacity_sweep_plans_the_year_at_each_value_and_dearer_misses_never_buy_worse_service(tmp_path, run_plan):
    command = one_queue_world(tmp_path) + ["--sweep", "costs.shortfall_penalty_per_contact=5..65:30"]
    done = run_plan(*command, "--workers", "1", "--out", tmp_path / "out")
    assert done.exit_code == 0, done.output
    table = pd.read_csv(tmp_path / "out" / "capacity_sweep.csv")
    assert table["value"].tolist() == PENALTIES  # one row per point, in order
    assert table["point"].str.endswith(("=5", "=35", "=65")).all()
    assert (table["solver_status"] != "failed").all() and (table["cost_total"] > 0).all()
    # A dearer shortfall raises every plan's cost, so the year's least cost cannot fall; and (exchange
    # argument between the optima at p1 < p2) the contacts short cannot rise, within the MIP gaps.
    slack = table["gap"] * table["cost_total"]
    for i in range(len(PENALTIES) - 1):
        assert table["cost_total"][i + 1] >= table["cost_total"][i] - slack[i] - slack[i + 1]
        assert table["shortfall_contacts"][i + 1] <= (table["shortfall_contacts"][i] + (slack[i] + slack[i + 1])
                                                      / (PENALTIES[i + 1] - PENALTIES[i]) + 1e-6)
    assert table["shortfall_contacts"].iloc[-1] < table["shortfall_contacts"].iloc[0]  # the sweep moves the plan
    assert f"{table['cost_total'].iloc[0]:,.0f}" in done.stdout  # the table shown is the one written
