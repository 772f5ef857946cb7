"""The fairness table (summary.json ``fairness``): the optimiser's count and the verifier's own
recount, both against figures worked out by hand for the verifier's clean test month."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from plan.contracts.workforce import parse_workforce
from plan.optimize.verify import check_plan
from test_verify import EVENTS, MONTH, WORKFORCE, build_plan

# E001 D on weekdays and Sat 11-07 (queue alternating by day), E002 M Tue-Sat, E003 N four nights
# on / two off, E004 D on weekdays with leave 11-17/18 (queue alternating); November 2026 starts on
# a Sunday. Rest days: E001 8 (6 in the three whole weekends), E002 10 and E003 10 (all in pairs),
# E004 9 (Sun 11-01 alone): 37, 34 in blocks. Whole weekend off: E001 (14/15) and E004. A rest day
# after each of E003's five night blocks starts at 07:00. Queue switches: E001 5+4+4+4+0 over five
# weeks, E004 4+4+2+4+0 over five, none for E002 (four weeks) and E003 (five): 31 in 19 person-weeks.
BY_HAND = {"nights_max_min": 0, "rest_days": 37, "rest_days_in_blocks_of_two": 34,
           "rest_days_in_blocks_share": round(34 / 37, 4), "people": 4, "people_with_whole_weekend_off": 2,
           "start_time_changes_per_person_week": 0.0, "queue_switches_per_person_week": round(31 / 19, 4),
           "preferences_stated": 0, "preferences_honoured": 0, "preferences_honoured_share": 1.0,
           "quick_returns": 0, "short_rest_days": 5, "full_timer_short_shifts": 0}


@pytest.fixture
def plan_dir(tmp_path):
    return build_plan(tmp_path / "plan")


def _report(plan_dir, figures: dict) -> list:
    path = plan_dir / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["fairness"] = figures
    path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return [v for v in check_plan(plan_dir).violations if v.rule == "fairness_mismatch"]


def test_the_verifier_recounts_the_hand_figures(plan_dir):
    assert _report(plan_dir, BY_HAND) == []


@pytest.mark.parametrize("key, wrong", [("short_rest_days", 4), ("people_with_whole_weekend_off", 3),
                                        ("queue_switches_per_person_week", 1.2), ("rest_days_in_blocks_of_two", 37)])
def test_a_figure_the_roster_does_not_bear_out_is_a_violation(plan_dir, key, wrong):
    found = _report(plan_dir, {**BY_HAND, key: wrong})
    assert [v.subject for v in found] == [f"fairness.{key}"]


def test_a_roster_with_two_rows_for_one_day_is_reported_not_a_crash(plan_dir):
    roster = pd.read_csv(plan_dir / "roster.csv", dtype=str, keep_default_na=False)
    pd.concat([roster, roster.iloc[[3]]]).to_csv(plan_dir / "roster.csv", index=False)
    summary = json.loads((plan_dir / "summary.json").read_text(encoding="utf-8"))
    summary["fairness"] = BY_HAND
    (plan_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    assert "duplicate_row" in {v.rule for v in check_plan(plan_dir).violations}


def test_the_optimisers_count_gives_the_hand_figures(plan_dir):
    from plan.optimize.roster.fairness import fairness_table
    from plan.optimize.roster.instance import build_instance
    workforce = parse_workforce(WORKFORCE)
    events = pd.read_csv(pd.io.common.StringIO(EVENTS), parse_dates=["start", "end"])
    hours = pd.date_range(f"{MONTH}-01", periods=30 * 24, freq="h")
    requirements = pd.DataFrame([{"queue": q, "interval_start": t, "arrivals": 0.0, "bot_handled": 0.0,
                                  "arrivals_human": 0.0, "aht_s": 300.0, "agents_required": 0.0}
                                 for q in workforce.queues for t in hours])
    inst = build_instance(workforce, requirements, MONTH, events)
    roster = pd.read_csv(plan_dir / "roster.csv")
    roster = roster[(roster["type"] == "in_house") & ~roster["shift_code"].isin(["REST", "LEAVE"])]
    index = {a.id: i for i, a in enumerate(workforce.in_house)}
    codes = {s.code: i for i, s in enumerate(workforce.shifts)}
    day = {d: i for i, d in enumerate(inst.days)}
    key = [(index[r.id], day[pd.Timestamp(r.date).date()]) for r in roster.itertuples()]
    shift_of = dict(zip(key, (codes[c] for c in roster["shift_code"])))
    queue_of = dict(zip(key, (inst.queues.index(q) for q in roster["queue"])))
    figures = fairness_table(inst, shift_of, queue_of, workforce.soft_rules.quick_return_min_rest_h)
    assert {k: figures[k] for k in BY_HAND} == BY_HAND


def _one_agent_model(weights):
    from ortools.sat.python import cp_model
    from plan.optimize.roster import assign
    from plan.optimize.roster.instance import build_instance
    from test_roster import MONTH as FEB, small_requirements, small_workforce
    workforce = parse_workforce(small_workforce())
    inst = build_instance(workforce, small_requirements(), FEB)
    g = next(g for g, group in enumerate(inst.groups) if 0 in group.members)
    pm = assign.PersonModel(inst, g, [0], weights, cp_model.CpModel(), {}, [])
    assign.add_variables_and_leave(pm)
    code = {s.code: i for i, s in enumerate(workforce.shifts)}
    return pm, code, assign


def _price_of_roster(weights, worked: dict[int, str], add_rule) -> float:
    """The soft rule's price (tenths of the currency, as naming minimises it) of one agent's fixed days."""
    from ortools.sat.python import cp_model
    pm, code, assign = _one_agent_model(weights)
    for (a, d, s), x in pm.x.items():
        pm.model.add(x == int(code.get(worked.get(d)) == s))
    getattr(assign, add_rule)(pm)
    pm.model.minimize(sum(v * round(10 * c) for v, c in pm.penalties))
    solver = cp_model.CpSolver()
    assert solver.solve(pm.model) == cp_model.OPTIMAL
    return solver.objective_value


@pytest.mark.parametrize("second_day, expected", [("A", 1), (None, 0)])
def test_naming_prices_a_quick_return(second_day, expected):
    from plan.optimize.roster.assign import SoftWeights
    # A (08:00-17:00) on day 10; on day 11 A again (15 h later, under the 16 h asked) or nothing
    weights = SoftWeights(quick_return=7.0, quick_return_min_rest_h=16.0)
    assert _price_of_roster(weights, {10: "A", 11: second_day}, "add_no_quick_returns") == 70 * expected


@pytest.mark.parametrize("before, expected", [("N", 1), ("A", 0)])
def test_naming_prices_a_rest_day_a_night_runs_into(before, expected):
    from plan.optimize.roster.assign import SoftWeights
    # day 11 off after N (23:00-08:00) or after A (08:00-17:00)
    assert _price_of_roster(SoftWeights(short_rest_day=9.0), {10: before}, "add_full_rest_days") == 90 * expected


def test_soft_rule_prices_come_from_the_config():
    from test_roster import small_workforce
    from plan.optimize.roster.assign import SoftWeights
    data = small_workforce(soft_rules={"night_spread": 25, "quick_return_min_rest_h": 14})
    weights = SoftWeights.from_rules(parse_workforce(data).soft_rules)
    assert weights.night_spread == 25 and weights.quick_return_min_rest_h == 14
    assert weights.missed_shift == SoftWeights().missed_shift   # steering prices are not the config's
