"""`plan reroster` on the session's small month: a sick call re-planned with the fewest changes, the
past kept, every figure re-checked from the files by `plan verify`."""
from __future__ import annotations

import json
import shutil
import sys

import pandas as pd
import pytest
import yaml

from plan.contracts.pins import pins_table
from plan.optimize.roster import write_plan
from test_roster import MONTH, NIGHT, small_requirements, small_workforce

FROM = "2026-02-12"
SICK_DAYS = ("2026-02-12", "2026-02-13")
CHANGE_COST = 300.0   # a team that dislikes changes: the re-plan changes a day only where it pays this much


@pytest.fixture(scope="module")
def published(tmp_path_factory, small_month_plan):
    """The session's small month written as a published plan, its config pricing a change high."""
    folder = tmp_path_factory.mktemp("reroster")
    config = folder / "workforce.yaml"
    config.write_text(yaml.safe_dump({**small_workforce(), "replan": {"change_cost": CHANGE_COST}},
                                     allow_unicode=True), encoding="utf-8")
    return write_plan(small_month_plan, folder / f"roster-{MONTH}",
                      inputs={"workforce": config, "requirements": small_requirements(), "pins": pins_table([NIGHT])})


def _plan(*args) -> int:
    """``plan ARGS`` in this process, its exit code (the console output is not read here)."""
    from plan.cli.app import main
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["plan", *map(str, args)])
        try:
            main()
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 0
    return 0


@pytest.fixture(scope="module")
def sick(published):
    """The first in-house agent the published month has working on FROM, away for SICK_DAYS."""
    roster = _roster(published)
    working = roster[(roster["type"] == "in_house") & (roster["date"] == FROM)
                     & ~roster["shift_code"].isin(["REST", "LEAVE"])]
    return (working["id"].iloc[0], *SICK_DAYS)


@pytest.fixture(scope="module")
def replanned(published, sick):
    agent, first, last = sick
    code = _plan("reroster", published, "--from", FROM, "--absent", f"{agent}:{first}..{last}", "--time-limit", "1")
    return code, published.with_name(f"{published.name}-v2")


def _roster(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "roster.csv", dtype=str, keep_default_na=False)


def test_a_sick_call_gives_a_verified_second_version_where_the_absent_person_does_not_work(published, replanned,
                                                                                          sick):
    code, v2 = replanned
    assert code == 0
    before = _roster(published)
    agent, first, last = sick
    assert before[(before["id"] == agent) & (before["date"] == first)]["shift_code"].iloc[0] not in ("REST", "LEAVE")
    after = _roster(v2)
    sick = after[(after["id"] == agent) & after["date"].between(first, last)]
    assert len(sick) == 2 and (sick["shift_code"] == "LEAVE").all()
    summary = json.loads((v2 / "summary.json").read_text(encoding="utf-8"))
    assert summary["version"] == 2 and summary["violations"] == []
    assert (v2 / summary["replan"]["parent"]).resolve() == published.resolve()
    assert summary["replan"]["from"] == FROM


def test_nothing_before_from_changes(published, replanned):
    _, v2 = replanned
    before, after = _roster(published), _roster(v2)
    past_before = before[before["date"] < FROM].reset_index(drop=True)
    past_after = after[after["date"] < FROM].sort_values(["type", "id", "date"]).reset_index(drop=True)
    past_before = past_before.sort_values(["type", "id", "date"]).reset_index(drop=True)
    for column in ("shift_code", "start", "end", "breaks", "queue"):
        assert past_after[column].tolist() == past_before[column].tolist(), column
    seats_before, seats_after = (pd.read_csv(f / "vendor_seats.csv", dtype=str) for f in (published, v2))
    assert (seats_before[seats_before["interval_start"] < FROM].values.tolist()
            == seats_after[seats_after["interval_start"] < FROM].values.tolist())


def test_changes_csv_lists_exactly_the_person_days_that_differ_and_they_are_few(published, replanned, sick):
    _, v2 = replanned
    both = _roster(published).merge(_roster(v2), on=["id", "date"], suffixes=("_old", "_new"))
    differ = both[(both["shift_code_old"] != both["shift_code_new"]) | (both["start_old"] != both["start_new"])
                  | (both["end_old"] != both["end_new"])]
    changes = pd.read_csv(v2 / "changes.csv", dtype=str, keep_default_na=False)
    assert sorted(zip(changes["agent_id"], changes["date"])) == sorted(zip(differ["id"], differ["date"]))
    last_away = sick[2]
    assert (changes[changes["agent_id"] == sick[0]].query("date <= @last_away")["reason"] == "absence").all()
    in_house_others = changes[(changes["type"] == "in_house") & (changes["reason"] != "absence")]
    # a change is priced CHANGE_COST (more on short notice): only a few pay for themselves
    assert len(in_house_others) <= 2 * 2, changes.to_string()


def test_the_verifier_flags_a_hand_edited_day_before_from(published, replanned, tmp_path):
    from plan.optimize.verify import check_plan
    _, v2 = replanned
    edited = published.parent / "edited-v2"
    shutil.copytree(v2, edited, dirs_exist_ok=True)
    roster = _roster(edited)
    row = roster.index[(roster["type"] == "in_house") & (roster["date"] < FROM)
                       & (roster["shift_code"] == "A")][0]
    roster.loc[row, "breaks"] = "11:00-12:00" if roster.loc[row, "breaks"] != "11:00-12:00" else "12:30-13:30"
    roster.to_csv(edited / "roster.csv", index=False)
    found = [v for v in check_plan(edited).violations if v.rule == "past_changed"]
    assert [v.subject.split()[0] + " " + v.subject.split()[-1] for v in found] == \
        [f"{roster.loc[row, 'id']} {roster.loc[row, 'date']}"]
    assert "breaks" in found[0].message


@pytest.mark.parametrize("args, where", [
    (("--from", FROM, "--absent", "Z9:2026-02-15"), ("--absent", "agent_id", "Z9")),
    (("--from", FROM, "--absent", "E1:2026-02-27..2026-03-02"), ("--absent", "date", "outside")),
    (("--from", "2026-03-01"), ("--from", "outside the plan's month")),
    (("--from", FROM, "--absent", "E1:2026-02-10"), ("--absent", "before --from")),
    (("--from", FROM, "--leave", "E1:2026-02-x"), ("--leave", "date")),
])
def test_bad_input_is_one_line_and_exit_2(run_plan, published, args, where):
    run_plan("reroster", published, *args).error_line(where)


def test_a_directory_that_is_not_a_plan_is_one_line_and_exit_2(run_plan, tmp_path):
    (tmp_path / "notes.txt").write_text("not a plan", encoding="utf-8")
    run_plan("reroster", tmp_path, "--from", FROM).error_line(("not a plan directory",))


def test_out_inside_the_published_plan_is_refused(run_plan, published):
    run_plan("reroster", published, "--from", FROM, "--out", published / "v2").error_line(("--out", "inside"))
    assert not (published / "v2").exists()


def test_a_forecast_that_does_not_cover_the_rest_of_the_month_is_one_line_and_exit_2(run_plan, published, tmp_path):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("queue,interval_start,arrivals\nchat,2026-02-12 00:00,4\n", encoding="utf-8")
    run_plan("reroster", published, "--from", FROM, "--forecast", forecast).error_line(
        ("forecast.csv", "interval_start", "2026-02-12 01:00"))


def test_with_nobody_away_the_search_starts_from_the_published_plan_and_changes_nothing(published):
    """The published plan is the re-plan's start (its aggregate search's incumbent): with nothing to
    answer, a change would have to pay CHANGE_COST, and the seats bought before --from stay bought."""
    import datetime as dt

    from plan.optimize.roster.reroster import read_parent, reroster

    result = reroster(read_parent(published), dt.date.fromisoformat(FROM), [], time_limit_s=1.0)
    stages = {s["stage"]: s for s in result.plan.summary["solver"]["stages"]}
    assert stages["aggregate: published start"]["status"] == "FEASIBLE"
    assert result.totals["person_days_changed_in_house"] == 0, result.changes.to_string()
    terms = result.plan.summary["solver"]["objective_terms"]
    assert terms.get("disruption", 0.0) == 0.0     # the final counts are the published ones
