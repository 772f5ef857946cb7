"""Finance scenarios: overrides, sweeps, the quick plan, monotonicity, the table and the CLI."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plan.contracts.errors import InputError
from plan.contracts.paths import SAMPLE_SCENARIOS, SAMPLE_WORKFORCE
from plan.contracts.workforce import parse_workforce
from plan.optimize.finance import scenarios as sc

MONTH = "2026-11"


# ---- small fixtures --------------------------------------------------------------------------
def small_workforce() -> dict:
    """12 in-house agents on three queues, one part-timer, one vendor, a bot on pre-sales chat."""
    agents = []
    for i in range(12):
        skills = ["chat_presales"] if i < 5 else (["phone"] if i < 9 else ["email", "phone"])
        agents.append({"id": f"A{i:02d}", "name": f"Agent {i}", "skills": skills, "contract": "std",
                       "monthly_salary": 9000, "leave": ["2026-11-03"] if i == 0 else []})
    return {
        "site": {"name": "test"},
        "queues": {
            "chat_presales": {"channel": "chat", "aht_s": 240, "patience_s": 120, "concurrency": 3, "shrinkage": 0.2,
                              "targets": {"service_level": 0.8, "answer_within_s": 30}},
            "phone": {"channel": "voice", "aht_s": 300, "patience_s": 90, "shrinkage": 0.25,
                      "targets": {"service_level": 0.8, "answer_within_s": 20}},
            "email": {"channel": "email", "aht_s": 420, "shrinkage": 0.1, "targets": {"resolve_within_h": 24}},
        },
        "shifts": [{"code": "E", "name": "early", "start": "08:00", "end": "17:00",
                    "breaks": [{"minutes": 60, "window_start": "11:30", "window_end": "13:30"}]},
                   {"code": "L", "name": "late", "start": "14:00", "end": "23:00",
                    "breaks": [{"minutes": 60, "window_start": "17:30", "window_end": "19:30"}]}],
        "contracts": {"std": {"system": "standard"}},
        "in_house": agents,
        "part_time": [{"id": "P1", "name": "Student", "skills": ["chat_presales"], "hourly_rate": 30,
                       "availability": [{"days": ["sat", "sun"], "start": "10:00", "end": "22:00"},
                                        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": "23:00"}]}],
        "vendors": [{"id": "V1", "name": "BPO", "skills": ["chat_presales", "phone"], "price_per_seat_hour": 45,
                     "event_price_per_seat_hour": 60, "max_seats": 6, "aht_factor": 1.15, "conversion_factor": 0.8,
                     "min_monthly_seat_hours": 100}],
        "bot": {"containment": {"chat_presales": 0.3}, "price_per_session": 0.2, "monthly_fee": 1000},
        "costs": {"shortfall_penalty_per_contact": 15, "presales_conversion_rate": 0.2, "average_order_value": 150},
    }


def small_requirements(workforce, month: str = MONTH, seed: int = 0) -> pd.DataFrame:
    """A requirements table with a daily shape, two event days and the bot's containment taken off."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(f"{month}-01")
    index = pd.date_range(start, start + pd.offsets.MonthBegin(1), freq="60min", inclusive="left")
    shape = np.clip(np.sin((index.hour.to_numpy() - 6) / 18 * np.pi), 0.05, None)
    event = (index.day >= 10) & (index.day <= 11)
    frames = []
    for queue, level in {"chat_presales": 60, "phone": 25, "email": 8}.items():
        arrivals = rng.poisson(level * shape * np.where(event, 2.5, 1.0)).astype(float)
        share = workforce.bot.containment.get(queue, 0.0) if workforce.bot else 0.0
        human = arrivals * (1 - share)
        aht = workforce.queues[queue].aht_s * (1.1 if share else 1.0)
        erlangs = human * aht / 3600
        need = np.ceil(erlangs / workforce.queues[queue].concurrency * 1.25 + (human > 0))
        frames.append(pd.DataFrame({"queue": queue, "interval_start": index, "event_day": event, "arrivals": arrivals,
                                    "bot_handled": arrivals * share, "arrivals_human": human, "aht_s": aht,
                                    "workload_erlangs": erlangs, "agents_required": need,
                                    "agents_required_frac": need}))
    return pd.concat(frames, ignore_index=True)


def fixture_requirements(forecast, workforce, events=None):
    """requirements_fn for jobs: the fixture table for the job's workforce (ignores the forecast)."""
    return small_requirements(workforce)


def _jobs(scenarios: list[sc.Scenario], values=None) -> list[sc.ScenarioJob]:
    empty = pd.DataFrame({"queue": pd.Series([], dtype=str), "interval_start": pd.to_datetime([])})
    values = values or [None] * len(scenarios)
    return [sc.ScenarioJob(s, small_workforce(), empty, None, MONTH, "scenarios.yaml", sweep_value=v,
                           requirements_fn=fixture_requirements) for s, v in zip(scenarios, values)]


# ---- overrides -------------------------------------------------------------------------------
def test_dotted_overrides_address_list_items_by_id_and_merge_mappings():
    base = small_workforce()
    workforce = sc.apply_overrides(base, {"vendors.V1.price_per_seat_hour": 30, "bot.price_per_session": 0.5,
                                          "queues.chat_presales.targets.service_level": 0.9,
                                          "costs.shortfall_penalty_per_contact": 50}, scenario="x")
    assert workforce.vendors[0].price_per_seat_hour == 30
    assert workforce.bot.price_per_session == 0.5 and workforce.bot.containment == {"chat_presales": 0.3}
    assert workforce.vendors[0].event_price_per_seat_hour == 60  # untouched sibling
    assert workforce.queues["chat_presales"].targets.service_level == 0.9
    assert workforce.queues["chat_presales"].targets.answer_within_s == 30
    assert workforce.costs.shortfall_penalty_per_contact == 50
    assert base["vendors"][0]["price_per_seat_hour"] == 45  # the base mapping is not mutated


def test_bot_containment_on_a_voice_queue_is_refused_with_scenario_and_field():
    with pytest.raises(InputError) as caught:
        sc.apply_overrides(small_workforce(), {"bot.containment.phone": 0.1}, scenario="bot_phone",
                           source="my.yaml")
    assert "bot_phone" in caught.value.problem and caught.value.file == "my.yaml"
    assert "bot.containment" in caught.value.one_line() and "not a chat queue" in caught.value.problem


@pytest.mark.parametrize("overrides, field, words", [
    ({"vendors.V9.price_per_seat_hour": 3}, "vendors.V9", "no item with id 'V9'"),
    ({"vendors.V1.price_per_seat_hour": -3}, "vendors.V1.price_per_seat_hour", "greater than 0"),
    ({"bot.containment.chat_presales": 1.5}, "bot.containment", "must be in [0, 1)"),
    ({"vendors.V1.skills": ["nope"]}, "vendors.V1.skills", "unknown queue"),
    ({"costs.bogus": 1}, "costs.bogus", "Extra inputs"),
    ({"in_house_delta": {"chat_presales": -50}}, "in_house_delta.chat_presales", "only 5 have it"),
    ({"in_house_delta": {"tea": 1}}, "in_house_delta.tea", "no in-house agent has skill"),
])
def test_bad_overrides_name_the_scenario_and_the_field(overrides, field, words):
    with pytest.raises(InputError) as caught:
        sc.apply_overrides(small_workforce(), overrides, scenario="s1", source="sc.yaml")
    assert caught.value.field == field
    assert "scenario 's1'" in caught.value.problem and words in caught.value.problem


def test_in_house_delta_removes_single_skilled_from_the_end_and_clones_deterministically():
    removed = sc.apply_overrides(small_workforce(), {"in_house_delta": {"phone": -2}})
    ids = [a.id for a in removed.in_house]
    assert "A08" not in ids and "A07" not in ids and "A11" in ids  # phone-only A05..A08 go first, last first
    cloned = sc.apply_overrides(small_workforce(), {"in_house_delta": {"chat_presales": 2}})
    new = [a for a in cloned.in_house if a.id.startswith("A00-new")]
    assert [a.id for a in new] == ["A00-new1", "A00-new2"]
    assert all(a.skills == ["chat_presales"] and a.leave == [] for a in new)
    again = sc.apply_overrides(small_workforce(), {"in_house_delta": {"chat_presales": 2}})
    assert [a.model_dump() for a in again.in_house] == [a.model_dump() for a in cloned.in_house]


def test_new_vendor_by_id_is_appended():
    workforce = sc.apply_overrides(small_workforce(), {"vendors.V2": {
        "name": "New BPO", "skills": ["email"], "price_per_seat_hour": 30, "max_seats": 3}})
    assert [v.id for v in workforce.vendors] == ["V1", "V2"]


# ---- scenario files and sweeps ---------------------------------------------------------------
def test_parse_sweep_inclusive_and_errors():
    sweep = sc.parse_sweep("vendors.V1.price_per_seat_hour=30..50:5")
    assert sweep.field == "vendors.V1.price_per_seat_hour" and sweep.values == (30, 35, 40, 45, 50)
    assert sc.parse_sweep("bot.containment.chat_presales=0.3..0.5:0.1").values == (0.3, 0.4, 0.5)
    both = sc.parse_sweep("bot.containment.a+bot.containment.b=0.3..0.4:0.1")
    points = sc.sweep_scenarios(sc.Scenario("base"), both)
    assert points[1].overrides == {"bot.containment.a": 0.4, "bot.containment.b": 0.4}
    for bad in ("price=30-50:5", "x=50..30:5", "x=1..2:0"):
        with pytest.raises(InputError):
            sc.parse_sweep(bad)


def test_scenario_file_errors_are_located(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - name: a\n  - name: a\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate scenario name 'a'"):
        sc.read_scenarios(path)
    path.write_text("scenarios:\n  - name: a\n    mode: fast\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        sc.read_scenarios(path)
    assert caught.value.field == "scenarios.0.mode"
    path.write_text("scenarios: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        sc.read_scenarios(path)


def test_shipped_scenarios_validate_against_the_sample_workforce():
    import yaml

    if not SAMPLE_WORKFORCE.exists():
        pytest.skip("sample workforce not generated")
    spec = sc.read_scenarios(SAMPLE_SCENARIOS)
    base = yaml.safe_load(SAMPLE_WORKFORCE.read_text(encoding="utf-8"))
    assert spec.baseline == "baseline" and len(spec.scenarios) >= 6
    for scenario in spec.scenarios:
        sc.apply_overrides(base, scenario.overrides, scenario=scenario.name, source=SAMPLE_SCENARIOS)
    for sweep in spec.sweeps:
        for point in sc.sweep_scenarios(spec.get(sweep.scenario), sweep):
            sc.apply_overrides(base, point.overrides, scenario=point.name)
    outsourced = sc.apply_overrides(base, spec.get("outsource_presales").overrides)
    presales_only = [a for a in base["in_house"] if a["skills"] == ["chat_presales"]]
    assert len(outsourced.in_house) == len(base["in_house"]) - len(presales_only)
    assert not any("chat_presales" in p.skills for p in outsourced.in_house + outsourced.part_time)


def test_drop_skills_moves_a_queue_off_the_team():
    workforce = sc.apply_overrides(small_workforce(), {"drop_skills": ["chat_presales"]})
    assert len(workforce.in_house) == 7 and workforce.part_time == []
    workforce = sc.apply_overrides(small_workforce(), {"drop_skills": ["email"]})
    assert [a.skills for a in workforce.in_house[-3:]] == [["phone"]] * 3
    with pytest.raises(InputError) as caught:
        sc.apply_overrides(small_workforce(), {"drop_skills": ["tea"]}, scenario="t")
    assert caught.value.field == "drop_skills"


# ---- the quick plan --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick_baseline():
    workforce = parse_workforce(small_workforce())
    grid = sc.month_grid(small_requirements(workforce), workforce, MONTH)
    staffing, info = sc.plan_quick(workforce, grid)
    return workforce, grid, staffing, info


def test_quick_plan_respects_caps_and_prices_by_the_cost_rules(quick_baseline):
    workforce, grid, staffing, info = quick_baseline
    assert info["status"] == "OPTIMAL"
    vendor = workforce.vendors[0]
    seats = staffing.vendor_seats["V1"]
    assert seats.sum(axis=0).max() <= vendor.max_seats + 1e-6
    assert seats[grid.queues.index("email")].sum() == 0  # not a V1 skill
    # in-house heads never exceed the team, part-time only inside availability windows
    assert staffing.in_house.sum(axis=0).max() <= len(workforce.in_house) + 1e-6
    part_time = staffing.part_time.sum(axis=0)
    weekday_morning = (grid.intervals.day_of_week < 5) & (grid.intervals.hour < 18)
    assert part_time[weekday_morning].max() <= 1e-6
    pricing = sc.price_staffing(staffing, workforce, grid, ("chat_presales",))
    assert pricing.cost["in_house"] == 12 * 9000
    hours = seats.sum(axis=0) * grid.interval_h
    expected_vendor = float(np.sum(hours * np.where(grid.event_day, 60, 45))) + max(0, 100 - hours.sum()) * 45
    assert pricing.cost["vendor"] == pytest.approx(expected_vendor)
    assert pricing.cost["bot"] == pytest.approx(grid.bot_handled.sum() * 0.2 + 1000)
    assert pricing.cost["total"] == pytest.approx(sum(pricing.cost[k] for k in sc.COST_KEYS))
    assert set(pricing.service) == {"chat_presales", "phone", "email"}
    assert 0 < pricing.service["chat_presales"].service_level <= 1
    assert pricing.revenue["presales_revenue"] > 0
    assert pricing.fte["in_house"] == 12 and pricing.fte["vendor"] == pytest.approx(hours.sum() / 166.64)


def test_quick_plan_covers_requirements_when_capacity_suffices():
    data = small_workforce()
    data["vendors"][0]["max_seats"] = 60
    data["vendors"][0]["skills"] = ["chat_presales", "phone", "email"]
    data["costs"]["shortfall_penalty_per_contact"] = 500
    workforce = parse_workforce(data)
    grid = sc.month_grid(small_requirements(workforce), workforce, MONTH)
    staffing, info = sc.plan_quick(workforce, grid)
    heads = staffing.in_house + staffing.part_time + staffing.vendor_seats["V1"] / 1.15
    assert info["shortfall_agent_hours"] == pytest.approx(0, abs=1e-4)
    assert np.all(heads >= grid.required - 1e-5)


def test_shift_coverage_is_the_mean_of_the_rosters_break_placements():
    workforce = parse_workforce(small_workforce())
    cover = sc.shift_coverage(workforce.shift("E"), 60)
    assert cover[:8].sum() == 0 and cover[17:].sum() == 0
    assert cover.sum() == pytest.approx(8.0)  # 9 h span less a 60-min break
    # the roster places the break at 11:30, 12:00 or 12:30: 30, 60 and 30 min of 12:00-13:00 off the floor
    assert cover[12] == pytest.approx(1 - (30 + 60 + 30) / 180)
    assert cover[11] == pytest.approx(1 - 30 / 180) and cover[13] == pytest.approx(1 - 30 / 180)


# ---- running, monotonicity, the table --------------------------------------------------------
def test_more_containment_and_cheaper_vendor_never_cost_more_in_quick_mode():
    containment = [0.2, 0.3, 0.4, 0.5]
    bots = [sc.Scenario(f"bot {c}", {"bot.containment.chat_presales": c}) for c in containment]
    prices = [30, 45, 60]
    vendors = [sc.Scenario(f"price {p}", {"vendors.V1.price_per_seat_hour": p,
                                          "vendors.V1.event_price_per_seat_hour": p + 10}) for p in prices]
    results = sc.run_scenarios(_jobs(bots + vendors, containment + prices), max_workers=1)
    results = sc.enforce_consistency(results)
    bot_costs = [r.cost["total"] for r in results[:4]]
    vendor_costs = [r.cost["total"] for r in results[4:]]
    assert all(b <= a + 1e-6 for a, b in zip(bot_costs, bot_costs[1:])), bot_costs
    assert all(b >= a - 1e-6 for a, b in zip(vendor_costs, vendor_costs[1:])), vendor_costs
    assert sc.monotonicity_report(results[:4], "bot.containment.chat_presales") == []
    assert sc.monotonicity_report(results[4:], "vendors.V1.price_per_seat_hour") == []
    fte = [r.fte["required"] for r in results[:4]]
    assert fte[-1] < fte[0]  # the bot takes work off people


def test_monotonicity_report_flags_a_dearer_point():
    def result(value, total):
        return sc.ScenarioResult(name=str(value), description="", mode="full", cost={"total": total}, service={},
                                 shortfall_contacts=0, contacts=1, fte={}, revenue={}, solver={}, seconds=0,
                                 sweep_value=value)

    flagged = sc.monotonicity_report([result(0.3, 100), result(0.4, 110)], "bot.containment.q")
    assert len(flagged) == 1 and "0.3 → 0.4" in flagged[0]
    assert sc.monotonicity_report([result(30, 100), result(40, 110)], "vendors.V1.price_per_seat_hour") == []
    assert sc.break_even([result(30, 90), result(40, 110)], baseline_cost=100) == pytest.approx(35)


def test_parallel_run_table_and_break_even():
    scenarios = [sc.Scenario("baseline"),
                 sc.Scenario("outsource", {"in_house_delta": {"chat_presales": -3}, "vendors.V1.max_seats": 20})]
    results = sc.run_scenarios(_jobs(scenarios), max_workers=2)
    table = sc.results_table(results, baseline="baseline")
    assert list(table["scenario"]) == ["baseline", "outsource"]
    for column in ("total_cost", "cost_per_contact", "cost_vs_baseline", "cost_vendor", "fte_vendor",
                   "service_level_chat_presales", "shortfall_contacts", "presales_revenue", "revenue_vs_baseline",
                   "net_vs_baseline"):
        assert column in table
    assert table.loc[0, "cost_vs_baseline"] == 0
    assert table.loc[1, "fte_in_house"] == 9
    assert table.loc[1, "cost_in_house"] == pytest.approx(9 * 9000)
    # vendors convert less: more vendor hours on pre-sales lose more revenue to conversion
    assert table.loc[1, "revenue_lost_to_vendor_conversion"] >= table.loc[0, "revenue_lost_to_vendor_conversion"]

    base = sc.Scenario("outsource", scenarios[1].overrides)
    points = sc.sweep_scenarios(base, sc.Sweep("vendors.V1.price_per_seat_hour", (20.0, 80.0), "outsource"))
    swept = sc.enforce_consistency(sc.run_scenarios(_jobs(points, [20.0, 80.0]), max_workers=1))
    findings = sc.sweep_findings(swept, "vendors.V1.price_per_seat_hour", baseline=results[0])
    assert swept[0].cost["total"] <= swept[1].cost["total"]
    assert any("on cost at" in f or "on cost in" in f for f in findings)
    assert any("net of pre-sales revenue" in f for f in findings)


# ---- reports and CLI ---------------------------------------------------------------------------
def test_report_writes_csv_xlsx_png_and_keeps_foreign_files(tmp_path):
    from openpyxl import load_workbook

    from plan.reports.scenarios_report import write_scenarios_report

    results = sc.run_scenarios(_jobs([sc.Scenario("baseline"), sc.Scenario("bot", {"bot.containment.chat_presales": 0.4})]),
                               max_workers=1)
    table = sc.results_table(results, "baseline")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(InputError, match="mine.txt"):  # a folder holding the user's files: only when asked
        write_scenarios_report(table, out, findings=["a finding"], notes=["a note"])
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    write_scenarios_report(table, out, findings=["a finding"], notes=["a note"], overwrite=True)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep"
    assert pd.read_csv(out / "scenarios.csv")["scenario"].tolist() == ["baseline", "bot"]
    assert load_workbook(out / "scenarios.xlsx").sheetnames == ["scenarios", "findings", "method"]
    assert (out / "scenarios.png").stat().st_size > 10_000


def test_cli_bad_scenario_file_is_one_line_exit_2(run_plan, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("scenarios:\n  - name: cheap\n    overrides:\n      vendors.V7.price_per_seat_hour: 1\n",
                    encoding="utf-8")
    run = run_plan("scenarios", "--file", path, "--out", tmp_path / "o")
    assert run.exit_code == 2
    assert "vendors.V7" in run.stderr and "cheap" in run.stderr and "Traceback" not in run.output
    assert not (tmp_path / "o").exists()


def test_cli_runs_a_scenario_on_the_sample_workforce(run_plan, tmp_path):
    if not SAMPLE_WORKFORCE.exists():
        pytest.skip("sample workforce not generated")
    workforce = parse_workforce(small_workforce())
    table = small_requirements(workforce)
    queues = {"chat_presales": "chat_presales", "phone": "phone", "email": "email"}
    forecast = table[table["queue"].isin(queues)][["queue", "interval_start", "arrivals"]]
    forecast = pd.concat([forecast, forecast[forecast["queue"] == "chat_presales"].assign(queue="chat_aftersales")])
    forecast = forecast.assign(interval_start=forecast["interval_start"].dt.strftime("%Y-%m-%d %H:%M"))
    forecast.to_csv(tmp_path / "forecast.csv", index=False)
    run = run_plan("scenarios", "--only", "baseline", "--only", "bot_40", "--forecast", tmp_path / "forecast.csv",
                   "--workers", "1", "--out", tmp_path / "out")
    assert run.exit_code == 0, run.output
    result = pd.read_csv(tmp_path / "out" / "scenarios.csv")
    assert result["scenario"].tolist() == ["baseline", "bot_40"]
    assert result.loc[1, "total_cost"] <= result.loc[0, "total_cost"] + 1e-6
    assert result.loc[1, "fte_required"] < result.loc[0, "fte_required"]


# ---- full mode plumbing (the roster optimizer replaced by a recorded plan) -------------------------
def _recorded_plan(workforce, grid, seats_v1: float = 2.0):
    from types import SimpleNamespace

    rows = []
    for qi, queue in enumerate(grid.queues):
        for t, stamp in enumerate(grid.intervals):
            rows.append({"queue": queue, "interval_start": stamp.strftime("%Y-%m-%d %H:%M"),
                         "staffed_in_house": grid.required[qi, t], "staffed_part_time": 0.0})
    seats = pd.DataFrame({"vendor": "V1", "queue": "chat_presales",
                          "interval_start": grid.intervals[:24].strftime("%Y-%m-%d %H:%M"), "seats": seats_v1})
    roster = pd.DataFrame({"type": ["in_house", "part_time"], "paid_hours": [8.0, 4.0]})
    summary = {"cost": {"total": 123456.0, "in_house": 108000.0, "overtime": 500.0, "part_time": 120.0,
                        "vendor": 4500.0, "bot": 2000.0, "shortfall_penalty": 8336.0},
               "service": {q: {"asa_s": 5.0, "service_level": 0.9, "abandon_rate": 0.02, "contacts": 100.0}
                           for q in grid.queues},
               "solver": {"status": "FEASIBLE", "gap": 0.01}, "violations": ["one rule bent"]}
    return SimpleNamespace(coverage=pd.DataFrame(rows), vendor_seats=seats, roster=roster, summary=summary)


def test_full_mode_reports_the_roster_summary_and_falls_back_when_it_fails(monkeypatch):
    import plan.optimize.roster

    calls = []

    def fake_plan_month(workforce, requirements, month, **kwargs):
        calls.append(kwargs)
        grid = sc.month_grid(requirements, workforce, month)
        return _recorded_plan(workforce, grid)

    monkeypatch.setattr(plan.optimize.roster, "plan_month", fake_plan_month, raising=False)
    job = _jobs([sc.Scenario("baseline", mode="full", time_limit_s=5)])[0]
    result = sc.run_scenario(job)
    assert result.mode == "full" and result.cost["total"] == 123456.0
    assert result.shortfall_contacts == pytest.approx(8336.0 / 15)
    assert result.service["phone"]["service_level"] == 0.9 and result.notes == ["one rule bent"]
    assert calls[0]["time_limit_s"] == 5 and calls[0]["seed"] == 0 and calls[0]["num_workers"] == 1
    assert result.fte["vendor"] == pytest.approx(24 * 2.0 / 166.64)
    assert result.fte["part_time"] == pytest.approx(4.0 / 166.64)

    def failing_plan_month(*args, **kwargs):
        raise RuntimeError("no plan in time")

    monkeypatch.setattr(plan.optimize.roster, "plan_month", failing_plan_month, raising=False)
    fallback = sc.run_scenario(job)
    assert fallback.mode == "quick" and "full mode failed (no plan in time)" in fallback.notes[0]
    assert fallback.solver["status"] == "OPTIMAL"


def test_staffing_from_a_plan_places_heads_and_seats():
    workforce = parse_workforce(small_workforce())
    grid = sc.month_grid(small_requirements(workforce), workforce, MONTH)
    staffing = sc.staffing_from_plan(_recorded_plan(workforce, grid, seats_v1=3.0), workforce, grid)
    assert np.allclose(staffing.in_house, grid.required)
    seats = staffing.vendor_seats["V1"]
    assert seats[grid.queues.index("chat_presales"), :24].tolist() == [3.0] * 24 and seats.sum() == 72
    assert staffing.overtime_cost == 500.0 and staffing.part_time_hours == 4.0


def test_keep_plans_writes_each_own_roster_with_its_merged_config(monkeypatch, tmp_path):
    import yaml

    import plan.cli.roster
    import plan.contracts.plan_files
    from plan.cli.scenarios import plan_writer
    from plan.reports.scenarios_report import write_scenarios_report

    written = {}

    def fake_write_plan_files(plan, out_dir, inputs=None):
        written[out_dir.name] = yaml.safe_load(open(inputs["workforce"], encoding="utf-8"))
        (out_dir / "summary.json").write_text("{}", encoding="utf-8")

    monkeypatch.setattr(plan.contracts.plan_files, "write_plan_files", fake_write_plan_files)
    monkeypatch.setattr(plan.cli.roster, "write_reports", lambda folder: None)
    results = sc.run_scenarios(_jobs([sc.Scenario("base"), sc.Scenario("cheap v1", {"vendors.V1.price_per_seat_hour": 9})]),
                               max_workers=1)
    results[1].plan = object()  # only rows keeping their own roster are written
    write_scenarios_report(sc.results_table(results, "base"), tmp_path / "out",
                           also=plan_writer(results, pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]})))
    assert list(written) == ["cheap_v1"]
    assert written["cheap_v1"]["vendors"][0]["price_per_seat_hour"] == 9
    assert sorted(p.name for p in (tmp_path / "out" / "plans").iterdir()) == ["cheap_v1"]


def test_a_failing_scenario_is_named():
    jobs = _jobs([sc.Scenario("broken", {"vendors.NOPE.price_per_seat_hour": 9})])
    report = sc.run_scenario_jobs(jobs, workers=1)
    assert not report.complete and report.values == [None]
    assert report.failures[0].startswith("broken: ") and "NOPE" in report.failures[0]
    with pytest.raises(RuntimeError, match="scenario\\(s\\) failed: broken: "):
        sc.run_scenarios(jobs, max_workers=1)
