"""The roster optimiser on tiny months: every hard rule read back from the output tables."""
from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from plan.contracts.pins import Pin
from plan.contracts.workforce import minutes_of, parse_workforce
from plan.optimize.roster import plan_month
from plan.optimize.roster.instance import shift_variants

MONTH = "2026-02"  # 28 days, Spring Festival holidays inside: the premium rules get exercised
TIME_LIMIT = 8
# a night pinned, so that an overnight shift is surely in the month (the solver may need none)
NIGHT = Pin("E3", dt.date(2026, 2, 10), "N")
PLAN_TABLES = ("roster.csv", "vendor_seats.csv", "coverage.csv", "summary.json")


def small_workforce(**overrides) -> dict:
    data = {
        "site": {"name": "test", "interval_minutes": 60, "country": "CN"},
        "queues": {"chat": {"channel": "voice", "aht_s": 300, "patience_s": 120, "shrinkage": 0.1,
                            "targets": {"service_level": 0.8, "answer_within_s": 20, "interval_floor": 0.5}}},
        "shifts": [
            {"code": "A", "name": "早班", "start": "08:00", "end": "17:00",
             "breaks": [{"minutes": 60, "window_start": "11:00", "window_end": "13:30"}]},
            {"code": "C", "name": "晚班", "start": "15:00", "end": "24:00",
             "breaks": [{"minutes": 60, "window_start": "17:30", "window_end": "19:30"}]},
            {"code": "N", "name": "夜班", "start": "23:00", "end": "08:00",
             "breaks": [{"minutes": 60, "window_start": "02:30", "window_end": "05:00"}]},
        ],
        "contracts": {"standard": {"system": "standard"},
                      "comprehensive": {"system": "comprehensive", "max_hours_day": 11, "max_hours_week": 60}},
        "in_house": [
            {"id": "E1", "name": "甲", "skills": ["chat"], "contract": "standard", "monthly_salary": 6000,
             "leave": ["2026-02-03", "2026-02-04"]},
            {"id": "E2", "name": "乙", "skills": ["chat"], "contract": "standard", "monthly_salary": 6500,
             "preferences": {"prefer_rest_days": ["sat", "sun"]}},
            {"id": "E3", "name": "丙", "skills": ["chat"], "contract": "comprehensive", "monthly_salary": 7000},
            {"id": "E4", "name": "丁", "skills": ["chat"], "contract": "comprehensive", "monthly_salary": 7000,
             "preferences": {"avoid_shifts": ["N"]}},
        ],
        "part_time": [
            {"id": "P1", "name": "学生一", "skills": ["chat"], "hourly_rate": 25, "min_block_hours": 2,
             "availability": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": "23:00"},
                              {"days": ["sat", "sun"], "start": "10:00", "end": "22:00"}]},
        ],
        "vendors": [{"id": "V1", "name": "外包", "skills": ["chat"], "price_per_seat_hour": 40, "max_seats": 3,
                     "block_hours": 4, "min_monthly_seat_hours": 10, "aht_factor": 1.2}],
        "costs": {"shortfall_penalty_per_contact": 20},
    }
    data.update(overrides)
    return data


def small_requirements(month: str = MONTH, peak: float = 30.0, night: float = 3.0, queue: str = "chat") -> pd.DataFrame:
    start = pd.Timestamp(f"{month}-01")
    stamps = pd.date_range(start, start + pd.offsets.MonthEnd(0) + pd.Timedelta(hours=23), freq="60min")
    hour = stamps.hour.to_numpy()
    arrivals = np.where((hour >= 9) & (hour < 22), peak, night) * (1 + 0.2 * np.sin(np.arange(len(stamps)) / 7))
    load = arrivals * 300 / 3600
    return pd.DataFrame({"queue": queue, "interval_start": stamps, "arrivals": arrivals, "bot_handled": 0.0,
                         "arrivals_human": arrivals, "aht_s": 300.0,
                         "agents_required": np.ceil(load / 0.9 + 1).astype(int)})


def plan_small_month():
    """The small month with NIGHT pinned, the wall-clock safety nets off: a busy machine cuts no
    solver call, so the plan depends on the inputs, seed and limit only (the session fixture
    ``small_month_plan`` in conftest.py, and the second process of the determinism test)."""
    import plan.optimize.roster.budgets as budgets
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budgets, "WALL_SAFETY", 100.0)
        return plan_month(parse_workforce(small_workforce()), small_requirements(), MONTH, time_limit_s=TIME_LIMIT,
                          seed=0, pins=[NIGHT], started=time.perf_counter() + 3600)


def write_plan_tables(result, out: Path) -> None:
    """The plan's tables and summary as the determinism test compares them, byte for byte."""
    from plan.contracts.plan_files import write_summary
    result.roster.to_csv(out / "roster.csv", index=False, lineterminator="\n")
    result.vendor_seats.to_csv(out / "vendor_seats.csv", index=False, lineterminator="\n")
    result.coverage.to_csv(out / "coverage.csv", index=False, lineterminator="\n")
    write_summary(result.summary, out / "summary.json")


@pytest.fixture(scope="module")
def plan(small_month_plan):
    """(workforce, plan) of the small month: solved once per session, read by every test here."""
    return parse_workforce(small_workforce()), small_month_plan


def _working(roster: pd.DataFrame) -> pd.DataFrame:
    rows = roster[~roster["shift_code"].isin(["REST", "LEAVE"])].copy()
    rows["start_ts"] = pd.to_datetime(rows["start"])
    rows["end_ts"] = pd.to_datetime(rows["end"])
    return rows


def test_one_row_per_person_and_day_and_leave_is_kept(plan):
    workforce, result = plan
    roster = result.roster
    assert len(roster) == (len(workforce.in_house) + len(workforce.part_time)) * 28
    assert not roster.duplicated(["id", "date"]).any()
    e1 = roster[(roster["id"] == "E1") & roster["date"].isin(["2026-02-03", "2026-02-04"])]
    assert (e1["shift_code"] == "LEAVE").all() and (e1["paid_hours"] == 0).all()


def test_min_rest_between_shifts_and_night_shift_crosses_midnight(plan):
    workforce, result = plan
    rows = _working(result.roster[result.roster["type"] == "in_house"])
    for _, person in rows.groupby("id"):
        person = person.sort_values("start_ts")
        gaps = (person["start_ts"].iloc[1:].to_numpy() - person["end_ts"].iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
        assert (gaps >= workforce.labour_rules.min_rest_between_shifts_h - 1e-9).all()
    nights = rows[rows["shift_code"] == "N"]
    assert (nights["end_ts"].dt.date > nights["start_ts"].dt.date).all()


def test_weekly_rest_day_and_max_consecutive_days(plan):
    workforce, result = plan
    roster = result.roster[result.roster["type"] == "in_house"]
    for _, person in roster.groupby("id"):
        works = (~person.sort_values("date")["shift_code"].isin(["REST", "LEAVE"])).to_numpy().astype(int)
        windows = np.convolve(works, np.ones(7, dtype=int), mode="valid")
        assert windows.max() <= 7 - workforce.labour_rules.min_rest_days_per_week
        run = best = 0
        for w in works:
            run = run + 1 if w else 0
            best = max(best, run)
        assert best <= workforce.labour_rules.max_consecutive_days


def test_contract_hours_and_overtime_cap_and_premium_kinds(plan):
    workforce, result = plan
    roster = result.roster[result.roster["type"] == "in_house"]
    inst = result.instance
    for i, agent in enumerate(workforce.in_house):
        rows = roster[roster["id"] == agent.id]
        overtime = rows["overtime_hours"].sum()
        assert overtime <= workforce.labour_rules.overtime_max_h_month + 1e-9
        regular = rows.loc[rows["overtime_kind"] != "holiday", "paid_hours"].sum()
        assert regular >= inst.contracted_h[i] - workforce.contracts[agent.contract].max_hours_day - 1e-9
        assert set(rows["overtime_kind"]) <= {"", "workday", "rest_day", "holiday"}
        is_holiday = np.array([inst.day_kind[d] == "holiday" for d in range(28)])
        holiday_rows = rows[is_holiday & ~rows["shift_code"].isin(["REST", "LEAVE"]).to_numpy()]
        assert (holiday_rows["overtime_kind"] == "holiday").all()
        if workforce.contracts[agent.contract].system == "comprehensive":
            excess = max(0.0, regular - inst.contracted_h[i])
            assert rows.loc[rows["overtime_kind"] == "workday", "overtime_hours"].sum() == pytest.approx(excess)
    cost = result.summary["cost"]
    rate = {a.id: a.monthly_salary / workforce.contracts[a.contract].standard_hours_month for a in workforce.in_house}
    premium = {"workday": 1.5, "rest_day": 2.0, "holiday": 3.0}
    expected = sum(r.overtime_hours * rate[r.id] * premium[r.overtime_kind]
                   for r in roster.itertuples() if r.overtime_hours > 0)
    assert cost["overtime"] == pytest.approx(expected, abs=0.05)


def test_meal_breaks_inside_windows_and_coverage_excludes_them(plan):
    workforce, result = plan
    rows = _working(result.roster[result.roster["type"] == "in_house"])
    for r in rows.itertuples():
        shift = workforce.shift(r.shift_code)
        assert r.breaks, "every shift template here has a meal break"
        b0, b1 = r.breaks.split("-")
        w0, w1 = minutes_of(shift.breaks[0].window_start), minutes_of(shift.breaks[0].window_end)
        start, end = minutes_of(b0), minutes_of(b1)
        if w1 < w0:
            w1 += 1440
        if start < w0:
            start, end = start + 1440, end + 1440
        elif end < start:
            end += 1440
        assert w0 <= start and end <= w1 and end - start == shift.breaks[0].minutes
    # heads on the floor at 12:00 on a day never exceed people whose shift spans 12:00
    cov = result.coverage
    assert (cov["staffed_in_house"] >= 0).all()


def test_part_time_limits_and_availability(plan):
    workforce, result = plan
    rows = _working(result.roster[result.roster["type"] == "part_time"])
    assert (rows["paid_hours"] <= workforce.labour_rules.part_time_max_h_day + 1e-9).all()
    assert (rows["paid_hours"] >= workforce.part_time[0].min_block_hours - 1e-9).all()
    weeks = rows.groupby([rows["id"], rows["start_ts"].dt.isocalendar().week])["paid_hours"].sum()
    assert (weeks <= workforce.labour_rules.part_time_max_h_week + 1e-9).all()
    for r in rows.itertuples():
        weekend = r.start_ts.weekday() >= 5
        lo, hi = (10, 22) if weekend else (18, 23)
        assert lo <= r.start_ts.hour and (r.end_ts - pd.Timestamp(r.start_ts.date())) <= pd.Timedelta(hours=hi)


def test_vendor_blocks_caps_and_commitment(plan):
    workforce, result = plan
    seats = result.vendor_seats
    vendor = workforce.vendors[0]
    assert (seats["seats"] <= vendor.max_seats).all()
    bought = 0
    for _, per_queue in seats.groupby("queue"):  # blocks are bought per queue
        full = pd.Series(0, index=pd.date_range(f"{MONTH}-01", periods=28 * 24, freq="60min"))
        full[pd.to_datetime(per_queue["interval_start"])] = per_queue["seats"].to_numpy()
        level = full.to_numpy()
        bought += level.sum()
        # every seat started stays at least block_hours (FIFO decomposition): at each hour, at least the
        # seats started in the last block_hours are still there
        starts = np.maximum(0, np.diff(np.concatenate([[0], level])))
        for t in range(len(level)):
            assert level[t] >= starts[max(0, t - vendor.block_hours + 1): t + 1].sum()
    expected = max(bought, vendor.min_monthly_seat_hours) * vendor.price_per_seat_hour
    assert result.summary["cost"]["vendor"] == pytest.approx(expected)


def test_summary_has_the_contract_keys(plan):
    _, result = plan
    summary = result.summary
    assert set(summary) >= {"month", "cost", "service", "solver", "violations", "shortfalls", "inputs"}
    assert set(summary["cost"]) == {"total", "in_house", "overtime", "part_time", "vendor", "bot", "shortfall_penalty"}
    assert set(summary["solver"]) >= {"status", "objective", "best_bound", "gap", "time_limit_s"}
    assert summary["solver"]["best_bound"] <= summary["solver"]["objective"] + 1e-6
    assert set(summary["service"]["chat"]) >= {"asa_s", "service_level", "abandon_rate", "contacts"}
    assert summary["cost"]["total"] == pytest.approx(sum(v for k, v in summary["cost"].items() if k != "total"), abs=0.1)
    json.dumps(summary, default=float)


def test_over_constrained_month_still_plans_with_reasons():
    data = small_workforce(
        shifts=[{"code": "A", "name": "早班", "start": "08:00", "end": "17:00",
                 "breaks": [{"minutes": 60, "window_start": "11:00", "window_end": "13:30"}]}],
        in_house=[{"id": "E1", "name": "甲", "skills": ["chat"], "contract": "standard", "monthly_salary": 6000}],
        part_time=[], vendors=[{"id": "V1", "name": "外包", "skills": ["chat"], "price_per_seat_hour": 40,
                                "max_seats": 1, "block_hours": 4, "hours": ["08:00", "20:00"]}])
    workforce = parse_workforce(data)
    result = plan_month(workforce, small_requirements(peak=200, night=20), MONTH, time_limit_s=TIME_LIMIT)
    shortfalls = result.summary["shortfalls"]
    assert shortfalls, "an impossible month must list what it could not meet"
    assert all(s["reason"] and s["agents_short"] >= 1 for s in shortfalls)
    reasons = " ".join(s["reason"] for s in shortfalls)
    assert "no shift" in reasons and "00:00-07:00" in reasons  # nobody can cover 04:00
    assert "vendor V1 cap" in reasons
    assert result.summary["cost"]["shortfall_penalty"] > 0
    assert len(result.roster) == 28


def test_shift_variants_cover_the_next_day_and_leave_breaks_out():
    workforce = parse_workforce(small_workforce())
    night = shift_variants(2, workforce.shifts[2], 60, 24)
    assert len(night) == 4  # breaks at 02:30, 03:00, 03:30, 04:00 (30-min steps, ending by 05:00)
    for v in night:
        assert v.coverage[23] == 1.0 and v.coverage[24 + 7] == 1.0 and v.coverage[24 + 8] == 0.0
        assert v.coverage.sum() == pytest.approx(8.0)


def _ordinary_overtime_h(inst, chosen: dict) -> float:
    from plan.optimize.roster import extract
    shifts_of: dict[int, dict[int, int]] = {}
    for (a, d), s in chosen.items():
        shifts_of.setdefault(a, {})[d] = s
    return sum(h for (a, d), (h, kind) in extract.overtime_by_day(inst, shifts_of).items() if kind != "holiday")


@pytest.mark.parametrize("allowed_h", [0.0, 8.0])
def test_naming_pays_no_overtime_beyond_what_the_aggregate_priced(allowed_h):
    from plan.optimize.roster.assign import SoftWeights, assign_group
    from plan.optimize.roster.instance import build_instance
    workforce = parse_workforce(small_workforce())
    inst = build_instance(workforce, small_requirements(), MONTH)
    # ask for every member on the early shift every day: only overtime could staff all of it, and a
    # missed shift is priced far above an overtime shift, so without the cap naming buys overtime
    weights = SoftWeights(missed_shift=5000.0)
    for g, group in enumerate(inst.groups):
        early = inst.workforce.shifts.index(next(s for s in inst.workforce.shifts if s.code == "A"))
        counts = {(d, early): len(group.members) for d in range(inst.n_days)}
        free, _ = assign_group(inst, g, sorted(group.members), counts, weights, 3.0, seed=0)
        assert _ordinary_overtime_h(inst, free) > allowed_h + 1e-6  # the cap below is what binds
        capped, status = assign_group(inst, g, sorted(group.members), counts, weights, 3.0, seed=0,
                                      overtime_allowed_h=allowed_h)
        assert status in ("OPTIMAL", "FEASIBLE")
        assert _ordinary_overtime_h(inst, capped) <= allowed_h + 1e-6


def test_a_repair_that_finds_nothing_in_time_still_yields_a_plan_consistent_with_the_names(monkeypatch, tmp_path):
    import plan.optimize.roster.plan as pipeline
    from plan.optimize.roster import write_plan
    from plan.optimize.verify import verify_plan

    real_assign, real_solve = pipeline.assign_in_house, pipeline.solve_aggregate

    def assign_missing_one_shift(*args, **kwargs):
        chosen, statuses = real_assign(*args, **kwargs)
        chosen = dict(chosen)
        chosen.pop(next(iter(chosen)))  # naming could not follow the counts exactly
        return chosen, statuses

    def repair_times_out(model, decisions, **kwargs):
        if kwargs.get("label") == "repair":
            return None, [], float("nan")
        return real_solve(model, decisions, **kwargs)

    monkeypatch.setattr(pipeline, "assign_in_house", assign_missing_one_shift)
    monkeypatch.setattr(pipeline, "solve_aggregate", repair_times_out)
    # a short budget for pricing the consistent plan: on the small month it ends without a priced
    # plan, so the consistent start itself is what the later stages get (the last resort path)
    monkeypatch.setattr(pipeline.B, "RETRY_MIN_S", 1.0)
    workforce = parse_workforce(small_workforce())
    result = plan_month(workforce, small_requirements(), MONTH, time_limit_s=TIME_LIMIT, seed=0)
    assert any(stage["stage"] == "repair (consistent plan)" for stage in result.summary["solver"]["stages"])
    out = tmp_path / "plan"
    config = tmp_path / "workforce.yaml"
    config.write_text(yaml.safe_dump(small_workforce(), allow_unicode=True), encoding="utf-8")
    write_plan(result, out, inputs={"workforce": config, "requirements": small_requirements()})
    assert verify_plan(out) == []


@pytest.fixture(scope="module")
def one_worker_plan():
    """A month planned on one CP-SAT worker, every solver call's ``workers`` recorded: (plan, workers
    seen). Its inputs are the vendor-commitment case below (one run serves both tests)."""
    import plan.optimize.roster.plan as pipeline

    seen = []
    real_solve, real_assign = pipeline.solve_aggregate, pipeline.assign_in_house

    def solve_spy(*args, **kwargs):
        seen.append(kwargs.get("workers"))
        return real_solve(*args, **kwargs)

    def assign_spy(*args, **kwargs):
        seen.append(kwargs.get("workers"))
        return real_assign(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "solve_aggregate", solve_spy)
        patch.setattr(pipeline, "assign_in_house", assign_spy)
        result = plan_month(parse_workforce(dear_vendor_commitment()), small_requirements(peak=8.0, night=1.0), MONTH,
                            time_limit_s=TIME_LIMIT, seed=0, num_workers=1)
    return result, seen


def test_num_workers_reaches_every_solver_stage(one_worker_plan):
    _, seen = one_worker_plan
    assert seen and set(seen) == {1}


def test_greedy_names_keep_every_individual_rule_they_can_check_day_by_day():
    from plan.optimize.roster.assign import greedy_names
    from plan.optimize.roster.instance import build_instance
    workforce = parse_workforce(small_workforce())
    inst = build_instance(workforce, small_requirements(), MONTH)
    rules = workforce.labour_rules
    codes = [s.code for s in workforce.shifts]
    for g, group in enumerate(inst.groups):
        # ask for everyone on every shift every day: only the rules limit what the greedy staffs
        counts = {(d, s): len(group.members) for d in range(inst.n_days) for s in group.shifts}
        chosen = greedy_names(inst, g, sorted(group.members), counts, overtime_allowed_h=0.0)
        assert chosen, "the greedy staffs something"
        for (a, d), s in chosen.items():
            assert d not in inst.leave[a]
            nxt = chosen.get((a, d + 1))
            assert nxt is None or nxt not in inst.rest_conflicts[s], (codes[s], codes[nxt])
        for a in group.members:
            days = sorted(d for (aa, d) in chosen if aa == a)
            run = best = 0
            for d in range(inst.n_days):
                run = run + 1 if d in days else 0
                best = max(best, run)
            assert best <= rules.max_consecutive_days
            for d0 in range(inst.n_days - 6):
                assert sum(1 for d in range(d0, d0 + 7) if d in days) <= 7 - rules.min_rest_days_per_week
            if workforce.contracts[group.contract].system == "standard":
                for week in inst.weeks:
                    hours = sum(inst.shift_hours(chosen[(a, d)]) for d in week
                                if (a, d) in chosen and inst.day_kind[d] != "holiday")
                    assert hours <= workforce.contracts[group.contract].max_hours_week + 1e-9


@pytest.mark.parametrize("share", [0.2, 0.5, 0.8])
def test_greedy_names_are_a_legal_roster_under_the_naming_model_itself(share):
    """Whatever the counts ask (too few shifts for everyone's contract, or many), the greedy roster
    keeps every hard rule of the naming model, the contract's floor of hours included: CP-SAT,
    with the shifts fixed to it, finds the rest of the model feasible."""
    from ortools.sat.python import cp_model
    from plan.optimize.roster import assign
    from plan.optimize.roster.instance import build_instance
    workforce = parse_workforce(small_workforce())
    inst = build_instance(workforce, small_requirements(), MONTH)
    for g, group in enumerate(inst.groups):
        members = sorted(group.members)
        counts = {(d, s): int(round(share * len(members))) if s == group.shifts[0] else 0
                  for d in range(inst.n_days) for s in group.shifts}
        pm = assign.PersonModel(inst, g, members, assign.SoftWeights(), cp_model.CpModel(), {}, [])
        assign.add_variables_and_leave(pm)
        assign.add_weekly_rest_day(pm)
        assign.add_max_consecutive_days(pm)
        assign.add_min_rest_between_shifts(pm)
        assign.add_contract_hours_and_overtime_cap(pm, 0.0)
        assign.add_count_targets(pm, counts)
        greedy = assign.greedy_names(inst, g, members, counts, overtime_allowed_h=0.0)
        assert assign.complete_start(pm, greedy, seed=0) is not None, (group.key, share)


def test_named_rosters_meet_the_aggregate_rest_cut(plan):
    """The aggregate min-rest cut (every shift whose conflicts contain s1's, plus s1's conflicts the
    next day) is valid: the named roster of a real plan satisfies it for every group, day and shift."""
    from plan.optimize.roster.model import available
    workforce, result = plan
    inst = result.instance
    code_of = {s.code: i for i, s in enumerate(workforce.shifts)}
    rows = result.roster[result.roster["type"] == "in_house"]
    ids = [a.id for a in workforce.in_house]
    counts = {}
    group_of = {a: g for g, grp in enumerate(inst.groups) for a in grp.members}
    for r in rows.itertuples():
        if r.shift_code in code_of:
            d = (dt.date.fromisoformat(str(r.date)[:10]) - inst.days[0]).days
            key = (group_of[ids.index(r.id)], d, code_of[r.shift_code])
            counts[key] = counts.get(key, 0) + 1
    checked = 0
    for g, group in enumerate(inst.groups):
        conflicts = {s: set(inst.rest_conflicts[s]) & set(group.shifts) for s in group.shifts}
        for d in range(inst.n_days - 1):
            for s1 in group.shifts:
                if not conflicts[s1]:
                    continue
                before = [s for s in group.shifts if conflicts[s] >= conflicts[s1]]
                used = sum(counts.get((g, d, s), 0) for s in before) + \
                    sum(counts.get((g, d + 1, s2), 0) for s2 in conflicts[s1])
                assert used <= available(inst, g, [d, d + 1])
                checked += 1
    assert checked > 0


def test_named_counts_are_split_exactly_in_proportion():
    from plan.optimize.roster.plan import _largest_remainder
    assert _largest_remainder(5, [0.0, 0.0, 0.0]) == [5, 0, 0]
    assert _largest_remainder(3, [1.5, 1.5, 0.0]) in ([2, 1, 0], [1, 2, 0])
    for total in range(0, 12):
        split = _largest_remainder(total, [0.3, 2.7, 1.0, 0.0])
        assert sum(split) == total and min(split) >= 0 and split[3] == 0


def test_a_wide_gap_is_called_out_with_more_time_suggested(plan):
    from plan.cli.app import console
    from plan.cli.roster import WIDE_GAP, _render
    _, result = plan
    for gap, warned in ((WIDE_GAP / 2, False), (0.9, True)):
        summary = json.loads(json.dumps(result.summary, default=float))
        summary["solver"].update(gap=gap, time_limit_s=60)
        with console.capture() as captured:
            _render(summary, "CNY", 60.0)
        text = captured.get()
        assert ("--time-limit 180" in text) is warned


def test_best_completion_prices_a_legal_point_as_cp_sat_would_and_keeps_every_rule():
    """The priced completion of a legal point is itself legal, and no priced variable can do better:
    CP-SAT with every decision fixed finds the same objective."""
    from plan.optimize.roster.instance import build_instance
    from plan.optimize.roster.model import COST_SCALE, best_completion, build_aggregate
    from plan.optimize.roster.plan import fixed_copy, objective_value, search_objective, service_inputs
    from plan.optimize.roster.solve import legal_point, solve_with_values

    data = small_workforce()
    data["queues"]["mail"] = {"channel": "email", "aht_s": 400, "shrinkage": 0.1, "targets": {"resolve_within_h": 4}}
    for person in data["in_house"][2:]:
        person["skills"] = ["chat", "mail"]
    workforce = parse_workforce(data)
    requirements = pd.concat([small_requirements(), small_requirements(peak=14.0, night=0.0, queue="mail")])
    inst = build_instance(workforce, requirements, MONTH)
    agg = build_aggregate(inst, *service_inputs(inst, "period"))
    legal = legal_point(agg.model, budget_s=10, seed=0)[0]
    assert legal is not None
    priced = best_completion(agg, legal)
    decisions = {v.index: int(legal[v.index])
                 for d in (agg.in_house, agg.breaks, agg.part_time, agg.seats) for v in d.values()}
    check = fixed_copy(agg.model, {i: int(v) for i, v in enumerate(priced)})  # every rule holds there
    check.clear_objective()
    assert solve_with_values(check, stage="check", budget_s=10, seed=0, scale=1, constant=0)[0] is not None
    best, result = solve_with_values(fixed_copy(agg.model, decisions), stage="price", budget_s=20, seed=0,
                                     scale=COST_SCALE, constant=agg.constant_cost())
    assert best is not None
    # best_completion prices exactly: never above what CP-SAT finds for the same decisions (equal when proven)
    assert search_objective(agg, priced) <= result.objective + 0.01
    if result.status == "OPTIMAL":
        assert search_objective(agg, priced) == pytest.approx(result.objective, abs=0.01)
    assert search_objective(agg, priced) < search_objective(agg, legal)
    # the plan's reading (service linear inside a step) never exceeds the search's (whole steps)
    assert objective_value(agg, priced) <= search_objective(agg, priced) + 1e-6


def test_without_an_lp_in_time_the_plan_still_comes_priced_and_verified(monkeypatch, tmp_path):
    """An LP that times out leaves no bound and no rounding box: the search starts from a legal point
    and the plan is still written, legal and priced (its objective is a number, its gap reported)."""
    import plan.optimize.roster.relaxation as relaxation
    from plan.optimize.roster import write_plan
    from plan.optimize.verify import verify_plan

    monkeypatch.setattr(relaxation, "lp_relaxation",
                        lambda *args, **kwargs: relaxation.Relaxation("Time limit reached.", float("-inf"), None))
    workforce = parse_workforce(small_workforce())
    result = plan_month(workforce, small_requirements(), MONTH, time_limit_s=TIME_LIMIT, seed=0)
    solver = result.summary["solver"]
    assert not any("LP box" in stage["stage"] for stage in solver["stages"])
    assert math.isfinite(solver["objective"]) and solver["objective"] > 0
    out = tmp_path / "plan"
    config = tmp_path / "workforce.yaml"
    config.write_text(yaml.safe_dump(small_workforce(), allow_unicode=True), encoding="utf-8")
    write_plan(result, out, inputs={"workforce": config, "requirements": small_requirements()})
    assert verify_plan(out) == []


@pytest.fixture(scope="module")
def priced_point():
    """The small month's aggregate model at a legal point, priced: (model, service curves, email
    inputs, values); read-only, shared by the tests that price or perturb it."""
    from plan.optimize.roster.instance import build_instance
    from plan.optimize.roster.model import best_completion, build_aggregate
    from plan.optimize.roster.plan import service_inputs
    from plan.optimize.roster.solve import legal_point

    inst = build_instance(parse_workforce(small_workforce()), small_requirements(), MONTH)
    curves, email = service_inputs(inst, "period")
    agg = build_aggregate(inst, curves, email)
    vals = best_completion(agg, legal_point(agg.model, budget_s=10, seed=0)[0])
    vals.flags.writeable = False
    return agg, curves, email, vals


def test_a_missed_shift_is_valued_at_the_service_one_head_fewer_loses(priced_point):
    """head_loss at (queue, interval) is exactly the late-contact and floor cost that evaluate reads
    when one head's effective share is taken away there; shift values add it over the shift's hours."""
    from plan.optimize.roster import evaluate
    from plan.optimize.roster.model import EFF_SCALE, ModelOptions
    from plan.optimize.roster.plan import head_loss, shift_values

    workforce = parse_workforce(small_workforce())
    agg, curves, email, vals = priced_point
    inst = agg.inst
    eff = np.array([[sum(c * int(vals[v.index]) for v, c in agg.coverage_terms[q][t]) for t in range(inst.n_int)]
                    for q in range(len(inst.queues))], dtype=np.int64)
    loss = head_loss(agg, vals)
    assert (loss >= 0).all() and loss.max() > 0
    head = round(EFF_SCALE * (1 - workforce.queues["chat"].shrinkage))

    def service_cost(e):
        terms = evaluate.service_terms(inst, curves, email, e, ModelOptions())
        return terms["shortfall_penalty"] + terms.get("floor_penalty", 0.0)

    for t in np.argsort(-loss[0])[:5]:
        fewer = eff.copy()
        fewer[0, t] -= head
        assert service_cost(fewer) - service_cost(eff) == pytest.approx(loss[0, t], rel=1e-9, abs=1e-6)
    values = shift_values(agg, vals, base=500.0)
    assert all(v >= 500.0 for group in values for v in group.values())
    assert max(v for group in values for v in group.values()) > 500.0


def test_the_reported_objective_reads_service_exactly_as_the_model_does(plan):
    """The final objective (recomputed from the named roster) and the model's own terms at the last
    solution agree on every service term: the gap compares like with like."""
    _, result = plan
    solver = result.summary["solver"]
    for term in ("shortfall_penalty", "floor_penalty", "target_slack"):
        assert solver["objective_terms"].get(term, 0.0) == pytest.approx(
            solver["model_terms_of_last_stage"].get(term, 0.0), rel=1e-5, abs=0.05), term


def dear_vendor_commitment() -> dict:
    """10.4 committed seat-hours (off the hourly grid) at a price that tops the commitment up unused."""
    data = small_workforce()
    data["vendors"][0]["min_monthly_seat_hours"] = 10.4
    data["vendors"][0]["price_per_seat_hour"] = 400  # dear: the commitment is topped up, not used
    return data


def test_a_vendor_commitment_off_the_interval_grid_is_priced_to_the_minute(one_worker_plan):
    """10.4 committed seat-hours on an hourly grid: the model's top-up is the invoice's, so the
    final objective (exact costs) can never fall below the model's bound through the commitment."""
    result, _ = one_worker_plan
    solver = result.summary["solver"]
    assert solver["objective_terms"]["vendor"] == pytest.approx(solver["model_terms_of_last_stage"]["vendor"], abs=0.01)
    assert solver["objective_terms"]["vendor"] >= 10.4 * 400 - 0.01


def test_the_plans_reading_of_service_is_the_lp_relaxations_so_the_bound_holds_for_it(priced_point):
    """With every decision fixed at a legal plan, the LP relaxation (levels free to take a step in
    part) never prices the plan above its objective's reading (service linear between two
    thresholds, steps filled in order, which the LP may take too): so the aggregate's LP bound
    holds for plans read that way. The search's own objective (whole steps) is never below it."""
    from plan.optimize.roster.model import COST_SCALE
    from plan.optimize.roster.plan import fixed_copy, objective_value, search_objective
    from plan.optimize.roster.relaxation import lp_relaxation

    agg, _, _, priced = priced_point
    decisions = {v.index: int(priced[v.index])
                 for d in (agg.in_house, agg.breaks, agg.part_time, agg.seats) for v in d.values()}
    lp = lp_relaxation(fixed_copy(agg.model, decisions), time_limit_s=30)
    assert lp.values is not None
    reading = objective_value(agg, priced)
    assert lp.bound / COST_SCALE + agg.constant_cost() <= reading + 0.05
    assert search_objective(agg, priced) > reading  # a step in part counts only in the plan's reading
    # and the aggregate's own bound (no decision fixed) holds for this plan's reading
    relaxed = lp_relaxation(agg.model, time_limit_s=30)
    assert relaxed.bound / COST_SCALE + agg.constant_cost() <= reading


def test_a_step_in_part_is_read_in_proportion():
    from plan.optimize.roster.curves import IntervalCurve
    curve = IntervalCurve(thresholds=np.array([0.0, 0.7, 1.4, 2.1]), late=np.array([10.0, 4.0, 1.0, 0.5]),
                          floor_short=np.zeros(4), excess={}, floor_level=0, full_level=0)
    assert list(curve.step_values(curve.late, 2.0, 1000)) == [-12000, -6000, -1000]  # CNY 2 a late contact
    assert curve.read(curve.late, 2.0, 1000, 70, 100) == -12000                  # exactly the first threshold
    assert curve.read(curve.late, 2.0, 1000, 105, 100) == pytest.approx(-15000)  # half-way into the second step
    assert curve.read(curve.late, 2.0, 1000, 500, 100) == -19000                 # beyond the top: flat
    assert curve.read(curve.late, 2.0, 1000, 0, 100) == 0
    assert curve.read(curve.late, 2.0, 1000, -30, 100) == 0                      # one head fewer than none


def test_requirements_over_the_bot_cap_give_the_shorter_contacts_back_to_people():
    from plan.contracts.paths import SAMPLE_WORKFORCE
    from plan.contracts.workforce import read_workforce
    from plan.optimize.roster.instance import apply_bot_cap
    sample = read_workforce(SAMPLE_WORKFORCE)
    workforce = sample.model_copy(update={"bot": sample.bot.model_copy(update={"max_sessions_per_hour": 100.0})})
    queues = list(workforce.queues)
    pre, after = queues.index("chat_presales"), queues.index("chat_aftersales")
    handled = np.zeros((len(queues), 2))
    handled[pre], handled[after] = [80.0, 30.0], [60.0, 20.0]   # 140 sessions at 00:00 (over), 50 at 01:00
    arrivals = handled * 4
    demand = {"bot_handled": handled.copy(), "arrivals_human": arrivals - handled}
    notes: list[str] = []
    apply_bot_cap(workforce, demand, 1.0, notes)
    # after-sales chats take agents longer (450 s against 275 s): the bot keeps all 60, pre-sales 40
    assert demand["bot_handled"][[pre, after], 0].tolist() == pytest.approx([40.0, 60.0])
    assert demand["bot_handled"][[pre, after], 1].tolist() == pytest.approx([30.0, 20.0])
    assert demand["arrivals_human"][pre, 0] == pytest.approx(240.0 + 40.0)
    assert demand["bot_handled"].sum() + demand["arrivals_human"].sum() == pytest.approx(arrivals.sum())
    assert notes and "40 sessions moved to humans in 1 intervals" in notes[0]


@pytest.fixture(scope="module")
def nothing_bought():
    """A busier small month (peak 45) at a legal point with no vendor seat or part-time block
    bought, priced: (model, values), read-only. Buying pays there, so an exact re-solve improves it."""
    from plan.optimize.roster.instance import build_instance
    from plan.optimize.roster.model import best_completion, build_aggregate
    from plan.optimize.roster.neighbourhoods import purchase_decisions
    from plan.optimize.roster.plan import service_inputs
    from plan.optimize.roster.solve import legal_point

    inst = build_instance(parse_workforce(small_workforce()), small_requirements(peak=45.0), MONTH)
    agg = build_aggregate(inst, *service_inputs(inst, "period"))
    start = legal_point(agg.model, budget_s=10, seed=0)[0]
    start[purchase_decisions(agg)] = 0  # nothing bought: legal (the vendor's commitment is a priced top-up)
    start = best_completion(agg, start)
    start.flags.writeable = False
    return agg, start


def test_rebuying_seats_and_part_time_keeps_every_rule_and_beats_cp_sats_whole_step_purchases(nothing_bought):
    """With the in-house roster fixed, the re-buy (a MIP read as the plan reads service) is legal,
    leaves in-house shifts and breaks alone, and is at least as good by the plan's objective as the
    best purchases CP-SAT finds by whole steps in a short search."""
    from plan.optimize.roster.model import COST_SCALE, best_completion
    from plan.optimize.roster.neighbourhoods import purchase_decisions, rebuy_purchases
    from plan.optimize.roster.plan import objective_value
    from plan.optimize.roster.solve import fixed_copy, solve_with_values

    agg, start = nothing_bought
    purchases = purchase_decisions(agg)
    roster = {v.index: int(start[v.index]) for v in (*agg.in_house.values(), *agg.breaks.values())}

    # a short budget: the assertions ask for a legal re-buy that beats buying nothing, not for the optimum
    rebought, stage = rebuy_purchases(agg, start, budget_s=3, price=lambda v: objective_value(agg, v))

    assert stage.status in ("OPTIMAL", "FEASIBLE")
    assert all(rebought[i] == n for i, n in roster.items())
    assert sum(int(rebought[i]) for i in purchases) > 0  # short service: buying pays here
    assert objective_value(agg, rebought) < objective_value(agg, start)
    check = fixed_copy(agg.model, {i: int(v) for i, v in enumerate(rebought)})
    check.clear_objective()
    assert solve_with_values(check, stage="check", budget_s=10, seed=0, scale=1, constant=0)[0] is not None
    steps_best, _ = solve_with_values(fixed_copy(agg.model, roster), stage="whole steps", budget_s=1,
                                      seed=0, scale=COST_SCALE, constant=agg.constant_cost(), hint=start)
    assert steps_best is not None
    if stage.status == "OPTIMAL":  # a proven re-buy is never above any whole-step purchase
        assert objective_value(agg, rebought) <= objective_value(agg, best_completion(agg, steps_best)) + 1e-6


def test_day_windows_keep_every_rule_and_never_cost_more(nothing_bought):
    """A pass of day windows (each a MIP over its days' decisions, the rest of the month fixed) ends
    legal, never above its start by the plan's objective, and improves a plan that bought nothing."""
    from plan.optimize.roster.budgets import READ_ROWS_S, WINDOW_LIMIT_S
    from plan.optimize.roster.neighbourhoods import improve_by_day_windows, window_decisions
    from plan.optimize.roster.plan import objective_value
    from plan.optimize.roster.solve import fixed_copy, solve_with_values

    agg, start = nothing_bought
    first_week = set(window_decisions(agg, range(0, 7)))
    assert {agg.in_house[k].index for k in agg.in_house if k[1] == 3} <= first_week
    assert not {agg.in_house[k].index for k in agg.in_house if k[1] == 7} & first_week

    # a budget for the first two weeks' windows only (a full one, then what is left): the pass stops
    # where its budget ends, and the days after keep their decisions
    budget_s = WINDOW_LIMIT_S + 4 * READ_ROWS_S
    improved, stage = improve_by_day_windows(agg, start, budget_s=budget_s, window_days=7,
                                             price=lambda v: objective_value(agg, v))

    assert stage.objective == pytest.approx(objective_value(agg, improved))
    assert objective_value(agg, improved) < objective_value(agg, start)
    untouched = window_decisions(agg, range(14, 28))
    assert (improved[untouched] == start[untouched]).all()
    check = fixed_copy(agg.model, {i: int(v) for i, v in enumerate(improved)})
    check.clear_objective()
    assert solve_with_values(check, stage="check", budget_s=10, seed=0, scale=1, constant=0)[0] is not None


def _another_hash_seed() -> str:
    """A PYTHONHASHSEED whose string hashing differs from this process's."""
    import os
    import sys
    ours = os.environ.get("PYTHONHASHSEED", "random")
    if sys.flags.hash_randomization and ours in ("random", ""):
        return "0"  # hashing off there, randomised here
    return str((int(ours) + 1) % 4294967296)


def start_small_month_in_a_fresh_process(out: Path):
    """``plan_small_month`` in a fresh interpreter with other string hashing (what differs between two
    commands), writing its tables into ``out``: the running process (its stderr in ``out``)."""
    import os
    import subprocess
    import sys
    script = (
        "import sys, pathlib; sys.path.insert(0, %r)\n"
        "from test_roster import plan_small_month, write_plan_tables\n"
        "write_plan_tables(plan_small_month(), pathlib.Path(sys.argv[1]))\n"
    ) % str(Path(__file__).parent)
    with (out / "stderr.txt").open("w", encoding="utf-8") as stderr:
        return subprocess.Popen([sys.executable, "-c", script, str(out)], stdout=subprocess.DEVNULL, stderr=stderr,
                                env={**os.environ, "PYTHONHASHSEED": _another_hash_seed()})


def test_the_same_inputs_seed_and_limit_write_the_same_plan_files_byte_for_byte(small_month_plan,
                                                                                 small_month_elsewhere, tmp_path):
    """The session's small month (this process) and the same call in a fresh process with other
    string hashing, both at once (conftest.py starts it beside this process's solve): each runs
    slower on a shared machine, which must not change what it writes."""
    process, there = small_month_elsewhere
    write_plan_tables(small_month_plan, tmp_path)
    assert process.wait(timeout=600) == 0, (there / "stderr.txt").read_text(encoding="utf-8")[-2000:]
    for name in PLAN_TABLES:
        assert (tmp_path / name).read_bytes() == (there / name).read_bytes(), f"{name} differs between two runs"


def _aggregate(workforce: dict, requirements: pd.DataFrame):
    from plan.optimize.roster.instance import build_instance
    from plan.optimize.roster.model import build_aggregate
    from plan.optimize.roster.plan import service_inputs

    inst = build_instance(parse_workforce(workforce), requirements, MONTH)
    curves, email = service_inputs(inst, "period")
    return build_aggregate(inst, curves, email)


def test_two_night_agents_on_the_same_break_leave_the_queue_unanswered_and_are_priced():
    """The aggregate states the staggering rule: both N agents of day 0 on the same break placement
    (no part-timer or seat at night) is priced as an unanswered break; staggered, it costs nothing."""
    from plan.optimize.roster.model import best_completion

    m = _aggregate(small_workforce(), small_requirements())
    night = [s.code for s in m.inst.workforce.shifts].index("N")
    first, _, third = m.inst.variants_of_shift[night][:3]   # breaks 02:30-03:30 and 03:30-04:30 next day

    def unanswered_cost(placements: dict[int, int]) -> float:
        vals = np.zeros(len(m.model.proto.variables), dtype=np.int64)
        for v, n in placements.items():
            vals[m.breaks[(0, night, v, 0)].index] = n
        vals = best_completion(m, vals)
        return sum(c * int(vals[var.index]) for var, c in m.cost_terms["unanswered_breaks"])

    assert m.inst.variants[first].breaks == ((1590, 1650),) and m.inst.variants[third].breaks == ((1650, 1710),)
    assert unanswered_cost({first: 2}) > 0
    assert unanswered_cost({first: 1}) > 0          # a lone agent: priced, never silently allowed
    assert unanswered_cost({first: 1, third: 1}) == 0


def test_plan_keeps_a_queue_answered_through_every_break_or_lists_the_span(small_month_plan):
    """In the small month's plan, wherever contacts arrive and in-house agents of the queue are on
    break, someone else answers — or summary.json lists the span (breaks.unanswered)."""
    result = small_month_plan
    roster = _working(result.roster)
    start = pd.Timestamp(f"{MONTH}-01")
    minutes = 28 * 24 * 60
    floor, breaking = np.zeros(minutes), np.zeros(minutes)
    for row in roster.itertuples():
        a, b = int((row.start_ts - start) / pd.Timedelta(minutes=1)), int((row.end_ts - start) / pd.Timedelta(minutes=1))
        floor[max(a, 0):min(b, minutes)] += 1
        for piece in filter(None, row.breaks.split(";")):
            b0 = pd.Timestamp(f"{row.start_ts:%Y-%m-%d} {piece[:5]}")
            b0 += pd.Timedelta(days=int(b0 < row.start_ts))
            x = int((b0 - start) / pd.Timedelta(minutes=1))
            y = x + int((pd.Timestamp(f"2000-01-01 {piece[6:]}") - pd.Timestamp(f"2000-01-01 {piece[:5]}"))
                        / pd.Timedelta(minutes=1))
            floor[max(x, 0):min(y, minutes)] -= 1
            breaking[max(x, 0):min(y, minutes)] += 1
    seats = result.vendor_seats.groupby("interval_start")["seats"].sum()
    per_hour = seats.reindex(pd.date_range(start, periods=28 * 24, freq="h").strftime("%Y-%m-%d %H:%M"), fill_value=0)
    alone = (breaking > 0) & (floor == 0) & (np.repeat(per_hour.to_numpy(), 60) == 0)
    for span in result.summary["breaks"]["unanswered"]:
        a = int((pd.Timestamp(span["start"]) - start) / pd.Timedelta(minutes=1))
        b = int((pd.Timestamp(span["end"]) - start) / pd.Timedelta(minutes=1))
        alone[a:b] = False
    assert not alone.any()                          # demand is positive every hour of this month
    assert roster["breaks"].str.len().gt(0).any()


def _two_queue_instance():
    from plan.optimize.roster.instance import build_instance

    data = small_workforce()
    data["queues"]["phone"] = dict(data["queues"]["chat"])
    for agent in data["in_house"]:
        agent["skills"] = ["chat", "phone"]
    data["in_house"] = [{**a, "contract": "standard"} for a in data["in_house"]]
    requirements = pd.concat([small_requirements(), small_requirements(queue="phone")])
    return build_instance(parse_workforce(data), requirements, MONTH)


def test_queues_per_person_day_keep_yesterdays_queue_at_the_same_counts():
    """Day 0: E1, E2 on A, one per queue; day 1: E2, E3 on A, one per queue; day 2: E2 alone, on
    phone. Handing the slots out in agent order moves E2 between queues; the stable choice keeps her
    on one queue all three days and every (day, shift, placement, queue) count as the aggregate had it."""
    from plan.optimize.roster.extract import in_house_details

    inst = _two_queue_instance()
    early = 0
    v = inst.variants_of_shift[early][0]
    chat, phone = inst.queues.index("chat"), inst.queues.index("phone")
    chosen = {(0, 0): early, (1, 0): early, (1, 1): early, (2, 1): early, (1, 2): early}
    breaks = {(0, early, v, chat): 1, (0, early, v, phone): 1, (1, early, v, chat): 1, (1, early, v, phone): 1,
              (2, early, v, phone): 1}
    details = in_house_details(inst, chosen, breaks)
    assert details[(1, 0)][2] == details[(1, 1)][2] == details[(1, 2)][2] == phone
    placed = defaultdict(int)
    for (a, d), (s, vv, q) in details.items():
        placed[(d, s, vv, q)] += 1
    assert dict(placed) == breaks
