"""Shift templates limited to dates, weekdays, event kinds/phases and contracts (``valid``): the
contract's reading, the optimiser's models (no variable where a template is not valid) and the
independent verifier (a roster that works a template outside its validity is a violation)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml
from ortools.sat.python import cp_model

from plan.contracts.calendar import event_phases
from plan.contracts.errors import InputError
from plan.contracts.workforce import ShiftValidity, parse_workforce
from test_roster import MONTH, small_requirements, small_workforce

EVENTS = pd.DataFrame({"name": ["年货节"], "kind": ["nianhuo"],
                       "start": pd.to_datetime(["2026-02-02"]), "end": pd.to_datetime(["2026-02-05"])})


def test_event_phases_run_up_peak_and_tail():
    days = [dt.date(2026, 11, d) for d in (1, 10, 11, 12, 25, 26)]
    events = pd.DataFrame({"name": ["双11"], "kind": ["double11"],
                           "start": pd.to_datetime(["2026-10-20"]), "end": pd.to_datetime(["2026-11-11"])})
    assert event_phases(days, events) == [{("double11", "run_up")}, {("double11", "run_up")},
                                          {("double11", "peak")}, {("double11", "tail")},
                                          {("double11", "tail")}, set()]


def test_validity_conditions_all_hold_and_empty_ones_always_do():
    rule = ShiftValidity(weekdays=["sat", "sun"], event_kinds=["double11"], contracts=["comprehensive"])
    saturday, monday = dt.date(2026, 11, 7), dt.date(2026, 11, 9)
    peak = {("double11", "run_up")}
    assert rule.holds(saturday, peak, "comprehensive")
    assert not rule.holds(monday, peak, "comprehensive")
    assert not rule.holds(saturday, set(), "comprehensive")
    assert not rule.holds(saturday, peak, "standard")
    assert ShiftValidity().holds(monday, set(), "standard")
    spans = ShiftValidity(dates=["2026-11-11", "2026-11-01..2026-11-03"])
    assert [spans.holds(dt.date(2026, 11, d), set(), "x") for d in (1, 3, 4, 11)] == [True, True, False, True]


@pytest.mark.parametrize("valid, message", [
    ({"contracts": ["nobody"]}, "shifts.2.valid.contracts: unknown contract 'nobody'"),
    ({"dates": ["2026-11-31"]}, "not a date"),
    ({"dates": ["2026-11-05..2026-11-01"]}, "ends before it starts"),
    ({"event_phases": ["presale"]}, "event_phases"),
])
def test_a_bad_validity_is_a_one_line_error(valid, message):
    data = small_workforce()
    data["shifts"][2]["valid"] = valid
    with pytest.raises(InputError) as error:
        parse_workforce(data, "workforce.yaml")
    line = error.value.one_line()
    assert "workforce.yaml" in line and message in line and "\n" not in line


def _limited_workforce():
    data = small_workforce()
    data["shifts"][2]["valid"] = {"event_kinds": ["nianhuo"]}                 # N only in the event
    data["shifts"][1]["valid"] = {"weekdays": ["sat", "sun"], "contracts": ["comprehensive"]}  # C: weekends, comp.
    return parse_workforce(data)


def test_the_models_offer_a_template_only_where_it_is_valid():
    from plan.optimize.roster import assign
    from plan.optimize.roster import budgets as B
    from plan.optimize.roster.plan import stage_build
    from plan.optimize.staffing.requirements import requirements_table  # noqa: F401  (same inputs as plan_month)
    workforce = _limited_workforce()
    run = stage_build(workforce, small_requirements(), MONTH, EVENTS, B.Deadline(float("inf")),
                      B.stage_budgets(60, len(workforce.in_house), 28), seed=0, workers=1,
                      weights=assign.SoftWeights(), progress=None, service_mode="period", options=None,
                      max_group_size=None, pins=None, carry_in=None, first_day=None)
    inst = run.inst
    codes = [s.code for s in workforce.shifts]
    event = {d for d, day in enumerate(inst.days) if dt.date(2026, 2, 2) <= day <= dt.date(2026, 2, 5)}
    for g, group in enumerate(inst.groups):
        for d, day in enumerate(inst.days):
            offered = {codes[s] for s in group.shifts_on(d)}
            assert ("N" in offered) == (d in event)
            assert ("C" in offered) == (day.weekday() >= 5 and group.contract == "comprehensive")
            for s in group.shifts:
                has_variable = any(key[:3] == (g, d, s) for key in run.agg.in_house)
                assert not has_variable or s in group.shifts_on(d)
        pm = assign.PersonModel(inst, g, sorted(group.members), assign.SoftWeights(), cp_model.CpModel(), {}, [])
        assign.add_variables_and_leave(pm)
        assert all(s in group.shifts_on(d) for (_, d, s) in pm.x)


def test_a_pin_on_a_template_outside_its_validity_is_listed_not_kept():
    from plan.contracts.pins import Pin
    from plan.optimize.roster.instance import build_instance
    from plan.optimize.roster.pins import apply_window
    inst = build_instance(_limited_workforce(), small_requirements(), MONTH, EVENTS)
    apply_window(inst, pins=[Pin("E1", dt.date(2026, 2, 10), "N")])
    assert not inst.pinned_shift
    assert len(inst.unmet_pins) == 1 and "may not be worked" in str(inst.unmet_pins[0])


def test_the_verifier_flags_a_template_worked_outside_its_validity(tmp_path):
    from test_verify import WORKFORCE, build_plan
    from plan.optimize.verify import check_plan
    plan_dir = build_plan(tmp_path / "plan")
    config = plan_dir / "inputs" / "workforce.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    night = next(s for s in data["shifts"] if s["code"] == "N")
    night["valid"] = {"event_kinds": ["double11"], "event_phases": ["run_up", "peak"]}  # 10-31 .. 11-11
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    hits = [v for v in check_plan(plan_dir).violations if v.rule == "shift_validity"]
    dates = sorted(v.subject.split()[-1] for v in hits)
    # E003 works N four days in six: 11-01..04 and 11-07..10 are in the run-up, 11-13 on is not
    assert hits and all(v.subject.startswith("E003") and "event phases" in v.message for v in hits)
    assert "2026-11-13" in dates and not any(d <= "2026-11-11" for d in dates), dates
    assert WORKFORCE["shifts"][3]["code"] == "N"
