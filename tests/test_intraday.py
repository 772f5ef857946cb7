"""`plan intraday`: the same-day re-forecast (hand figures) and the re-plan of the session's small month."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from plan.forecast.reforecast import PRIOR_CONTACTS, TOMORROW_DAMPING, reforecast
from test_roster import MONTH, small_requirements, small_workforce

NOW = pd.Timestamp("2026-11-11 02:00")


def two_days(per_hour: float) -> pd.DataFrame:
    """A flat forecast of one queue over 11-11 and 11-12 with a ±20 % band."""
    stamps = pd.date_range("2026-11-11", periods=48, freq="60min")
    return pd.DataFrame({"queue": "chat", "interval_start": stamps, "arrivals": per_hour,
                         "p10": 0.8 * per_hour, "p50": per_hour, "p90": 1.2 * per_hour})


def seen(per_hour: float, hours: int = 2) -> pd.DataFrame:
    return pd.DataFrame({"queue": "chat", "interval_start": pd.date_range("2026-11-11", periods=hours, freq="60min"),
                         "arrivals": per_hour})


def test_without_actuals_the_forecast_is_unchanged():
    forecast = two_days(100.0)
    new, update = reforecast(forecast, seen(0.0).iloc[:0], NOW)
    assert update.table["weight"].iloc[0] == 0.0 and update.table["ratio"].iloc[0] == 1.0
    np.testing.assert_allclose(new["arrivals"], forecast["arrivals"])


def test_many_contacts_at_130_percent_move_the_level_almost_to_130_percent():
    new, update = reforecast(two_days(1000.0), seen(1300.0), NOW)
    weight = 2600 / (2600 + PRIOR_CONTACTS)          # 0.929 by hand
    row = update.table.iloc[0]
    assert row["ratio_raw"] == pytest.approx(1.3)
    assert row["weight"] == pytest.approx(weight)
    assert row["ratio"] == pytest.approx(1 + 0.3 * weight)   # 1.279
    rest_of_today = new[(new["interval_start"] >= NOW) & (new["interval_start"] < "2026-11-12")]
    tomorrow = new[new["interval_start"] >= "2026-11-12"]
    np.testing.assert_allclose(rest_of_today["arrivals"], 1000 * (1 + 0.3 * weight))
    np.testing.assert_allclose(tomorrow["arrivals"], 1000 * (1 + TOMORROW_DAMPING * 0.3 * weight))
    np.testing.assert_allclose(new.loc[new["interval_start"] < NOW, "arrivals"], 1000.0)  # the past stays


def test_a_few_contacts_barely_move_the_level():
    _, update = reforecast(two_days(10.0), seen(13.0), NOW)
    assert update.table["ratio"].iloc[0] == pytest.approx(1 + 0.3 * 26 / (26 + PRIOR_CONTACTS))  # 1.035


def test_bands_widen_with_the_hours_ahead():
    new, _ = reforecast(two_days(1000.0), seen(1300.0), NOW)
    ahead = new[new["interval_start"] >= NOW]
    relative = ((ahead["p90"] - ahead["p10"]) / ahead["arrivals"]).to_numpy()
    assert (np.diff(relative) > 0).all()
    assert relative[0] == pytest.approx(0.4)


# --- the re-plan of the session's small month -------------------------------------------------------

DAY = pd.Timestamp(f"{MONTH}-10")
NOW_SMALL = DAY + pd.Timedelta(hours=12)


@pytest.fixture(scope="module")
def small_plan_dir(tmp_path_factory, small_month_plan):
    from plan.contracts.plan_files import write_plan
    folder = tmp_path_factory.mktemp("intraday")
    config = folder / "workforce.yaml"
    config.write_text(yaml.safe_dump(small_workforce(), allow_unicode=True), encoding="utf-8")
    return write_plan(small_month_plan, folder / "plan", inputs={"workforce": config,
                                                                 "requirements": small_requirements()})


def write_actuals(path, factor: float) -> None:
    demand = small_requirements()
    today = demand[(demand["interval_start"] >= DAY) & (demand["interval_start"] < NOW_SMALL)]
    table = pd.DataFrame({"queue": today["queue"], "interval_start": today["interval_start"].dt.strftime("%Y-%m-%d %H:%M"),
                          "arrivals": np.round(today["arrivals"] * factor).astype(int)})
    table.to_csv(path, index=False)


@pytest.fixture(scope="module")
def replanned(small_plan_dir, tmp_path_factory):
    """The small month re-planned (and verified) at 12:00 of 02-10 with the morning 60 % above forecast."""
    from plan.cli.app import main
    folder = tmp_path_factory.mktemp("replanned")
    write_actuals(folder / "today.csv", 1.6)
    out = folder / "v2"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.argv", ["plan", "intraday", str(small_plan_dir), "--now", f"{NOW_SMALL:%Y-%m-%d %H:%M}",
                                   "--actuals", str(folder / "today.csv"), "--out", str(out), "--verify"])
        with pytest.raises(SystemExit) as done:
            main()
    assert done.value.code in (0, None)
    return out


def test_above_forecast_adds_capacity_from_now_on_and_the_plan_verifies(small_plan_dir, replanned):
    changes = pd.read_csv(replanned / "changes.csv")
    assert len(changes) > 0 and (pd.to_datetime(changes["from"]) >= NOW_SMALL).all()
    assert (changes.loc[changes["cost"] > 0, "late_contacts_saved"] > 0).all()
    old = pd.read_csv(small_plan_dir / "coverage.csv", parse_dates=["interval_start"])
    new = pd.read_csv(replanned / "coverage.csv", parse_dates=["interval_start"])
    past = old["interval_start"] < NOW_SMALL
    pd.testing.assert_frame_equal(old[past].reset_index(drop=True), new[past].reset_index(drop=True))
    assert new.loc[~past, "staffed_effective"].sum() > old.loc[~past, "staffed_effective"].sum()
    summary = json.loads((replanned / "summary.json").read_text(encoding="utf-8"))
    assert summary["version"] == 2 and summary["parent"]["plan_dir"] == str(small_plan_dir)
    assert summary["intraday"]["level"][0]["ratio"] > 1.0
    assert (replanned / "intraday.png").stat().st_size > 0


def test_nothing_before_now_changes_in_the_roster(small_plan_dir, replanned):
    old = pd.read_csv(small_plan_dir / "roster.csv", dtype=str, keep_default_na=False)
    new = pd.read_csv(replanned / "roster.csv", dtype=str, keep_default_na=False)
    changed = (old != new).any(axis=1)
    assert changed.any()
    for (_, before), (_, after) in zip(old[changed].iterrows(), new[changed].iterrows()):
        starts = [pd.Timestamp(t) for t in (before["start"], after["start"]) if t]
        ends = [pd.Timestamp(t) for t in (before["end"], after["end"]) if t]
        assert min(starts) >= NOW_SMALL or (before["start"] == after["start"] and min(ends) >= NOW_SMALL), \
            (before.to_dict(), after.to_dict())


@pytest.mark.parametrize("now, actuals_text, where", [
    ("2026-03-02 10:00", None, ("--now", "outside the plan's month")),
    ("tomorrow 10:00", None, ("--now", "YYYY-MM-DD HH:MM")),
    (None, "queue,interval_start,arrivals\nchat,2026-02-10 00:00,3\nchat,2026-02-10 01:00,x\n",
     ("today.csv:3", "arrivals")),
    (None, "queue,interval_start,arrivals\nphone,2026-02-10 00:00,3\n", ("today.csv:2", "queue")),
    (None, "queue,interval_start,arrivals\nchat,2026-02-10 13:00,3\n", ("today.csv", "interval_start")),
])
def test_bad_input_is_one_line_and_exit_2(small_plan_dir, tmp_path, run_plan, now, actuals_text, where):
    actuals = tmp_path / "today.csv"
    if actuals_text is None:
        write_actuals(actuals, 1.0)
    else:
        actuals.write_text(actuals_text, encoding="utf-8")
    run = run_plan("intraday", small_plan_dir, "--now", now or f"{NOW_SMALL:%Y-%m-%d %H:%M}", "--actuals", actuals,
                   "--out", tmp_path / "out")
    run.error_line(where)
    assert not (tmp_path / "out").exists()


def test_a_raw_contact_log_through_the_ingest_mapping_gives_the_same_level(replanned, small_plan_dir, tmp_path,
                                                                          run_plan):
    counts = pd.read_csv(replanned.parent / "today.csv", parse_dates=["interval_start"])
    arrivals = [start + pd.Timedelta(minutes=10) for start, n in zip(counts["interval_start"], counts["arrivals"])
                for _ in range(n)]
    pd.DataFrame({"进线时间": [t.strftime("%Y-%m-%d %H:%M:%S") for t in arrivals], "技能组": "在线"}) \
        .to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "mapping.yaml").write_text("columns: {arrival: 进线时间, queue: 技能组}\nqueues: {在线: chat}\n"
                                           "time_format: '%Y-%m-%d %H:%M:%S'\n", encoding="utf-8")
    run = run_plan("intraday", small_plan_dir, "--now", f"{NOW_SMALL:%Y-%m-%d %H:%M}", "--actuals", tmp_path / "log.csv",
                   "--mapping", tmp_path / "mapping.yaml", "--out", tmp_path / "v2")
    assert run.exit_code == 0, run.output
    from_log = json.loads((tmp_path / "v2" / "summary.json").read_text(encoding="utf-8"))["intraday"]["level"]
    from_counts = json.loads((replanned / "summary.json").read_text(encoding="utf-8"))["intraday"]["level"]
    assert from_log == from_counts


def test_verify_allows_a_moved_shift_end_only_after_the_first_re_plan(replanned, tmp_path):
    import shutil
    from plan.optimize.verify import check_plan
    copy = tmp_path / "v2"
    shutil.copytree(replanned, copy)
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    summary["intraday"]["first_now"] = f"{NOW_SMALL + pd.Timedelta(days=3):%Y-%m-%d %H:%M}"  # as if re-planned later
    (copy / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    rules = {v.rule for v in check_plan(copy).violations}
    assert "shift_times" in rules


# --- raising the bot's share ----------------------------------------------------------------------

PEAK = 0.4


@pytest.fixture(scope="module")
def bot_replanned(small_plan_dir, tmp_path_factory):
    """The small month's queue as a chat queue with a bot that can go bot-first (0 % → 40 %), re-planned
    at 12:00 of 02-10 with the morning 60 % above forecast, verified."""
    import shutil
    from plan.cli.app import main
    folder = tmp_path_factory.mktemp("bot")
    plan_dir = folder / "plan"
    shutil.copytree(small_plan_dir, plan_dir)
    config = yaml.safe_load((plan_dir / "inputs" / "workforce.yaml").read_text(encoding="utf-8"))
    config["queues"]["chat"]["channel"] = "chat"   # one conversation at a time: the same queue as before
    config["bot"] = {"containment": {}, "peak_containment": {"chat": PEAK}, "price_per_session": 0.1}
    (plan_dir / "inputs" / "workforce.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    write_actuals(folder / "today.csv", 1.6)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.argv", ["plan", "intraday", str(plan_dir), "--now", f"{NOW_SMALL:%Y-%m-%d %H:%M}",
                                   "--actuals", str(folder / "today.csv"), "--out", str(folder / "v2"), "--verify"])
        with pytest.raises(SystemExit) as done:
            main()
    assert done.value.code in (0, None)
    return plan_dir, folder / "v2"


def test_bot_first_hours_take_their_share_of_arrivals_off_the_agents(bot_replanned):
    plan_dir, v2 = bot_replanned
    changes = pd.read_csv(v2 / "changes.csv")
    bot = changes[changes["kind"] == "raise_bot"]
    assert len(bot) > 0 and (bot["late_contacts_saved"] > 0).all()
    assert (pd.to_datetime(bot["from"]) >= NOW_SMALL).all()
    summary = json.loads((v2 / "summary.json").read_text(encoding="utf-8"))
    spans = summary["intraday"]["bot_first"]
    assert [(s["from"], s["to"]) for s in spans] == list(zip(bot["from"], bot["to"]))
    coverage = pd.read_csv(v2 / "coverage.csv", parse_dates=["interval_start"])
    raised = np.zeros(len(coverage), dtype=bool)
    for span in spans:
        raised |= ((coverage["interval_start"] >= span["from"]) & (coverage["interval_start"] < span["to"])).to_numpy()
    # the configured share (none) outside bot-first hours, the peak share inside them
    np.testing.assert_allclose(coverage.loc[raised, "bot_handled"], PEAK * coverage.loc[raised, "arrivals"])
    np.testing.assert_allclose(coverage.loc[raised, "arrivals_human"], (1 - PEAK) * coverage.loc[raised, "arrivals"])
    assert (coverage.loc[~raised, "bot_handled"] == 0).all()
    # the bot is paid per session; the heads stay as they were in those hours
    assert summary["cost"]["bot"] == pytest.approx(0.1 * coverage["bot_handled"].sum(), abs=0.01)
    old = pd.read_csv(plan_dir / "coverage.csv", parse_dates=["interval_start"])
    past = (old["interval_start"] < NOW_SMALL).to_numpy()
    pd.testing.assert_frame_equal(old[past].reset_index(drop=True), coverage[past].reset_index(drop=True))
    # the same heads answer fewer contacts: the service level of those hours can only rise
    requirements = pd.read_csv(v2 / "inputs" / "requirements.csv", parse_dates=["interval_start"])
    assert (requirements.loc[raised, "agents_required"].to_numpy()
            <= np.ceil(coverage.loc[raised, "arrivals"] * 300 / 3600 / 0.9 + 1).to_numpy()).all()


def test_verify_refuses_bot_first_hours_the_plan_does_not_declare(bot_replanned):
    import dataclasses
    from plan.contracts.plan_files import read_plan
    from plan.optimize.verify.vendors import check_bot
    _, v2 = bot_replanned
    plan = read_plan(v2)
    assert not list(check_bot(plan))
    intraday = plan.summary["intraday"]
    early = {**intraday["bot_first"][0], "from": f"{NOW_SMALL - pd.Timedelta(hours=1):%Y-%m-%d %H:%M}"}
    for spans, rule in (([early] + intraday["bot_first"][1:], "bot_first"), ([], "bot_containment")):
        tampered = dataclasses.replace(plan, summary={**plan.summary, "intraday": {**intraday, "bot_first": spans}})
        assert rule in {v.rule for v in check_bot(tampered)}


# --- options forced into the plan: the written result of one lever -------------------------------

def forced_plan(plan_dir, now: pd.Timestamp, pick, out):
    """The plan with the first option ``pick(option)`` accepts taken, written as `plan intraday` writes
    it (the published forecast as the new one); (the option, the written folder)."""
    from plan.contracts.plan_files import read_plan, write_plan_files
    from plan.optimize.intraday import replan as rp
    from plan.optimize.intraday.options import list_options, make_horizon
    from plan.optimize.staffing.requirements import requirements_table
    plan = read_plan(plan_dir, requirements_table)
    horizon = make_horizon(plan, now)
    options = list_options(plan, now, horizon)
    chosen = next(o for o, option in enumerate(options.items) if pick(option))
    units = np.zeros(len(options.items), dtype=int)
    units[chosen] = 1
    roster = rp.apply_to_roster(plan.roster, options, units)
    seats = rp.apply_to_seats(plan, options, units)
    coverage, cost, service = rp.recount(plan, plan.requirements, roster, seats,
                                         rp.staffed_month(plan, options, units, horizon))
    summary = rp.updated_summary(plan, roster, cost, service, now, rp.reforecast(rp.plan_forecast(plan),
                                 pd.DataFrame(columns=["queue", "interval_start", "arrivals"]), now)[1], "forced")
    result = type("R", (), {"roster": roster, "vendor_seats": seats, "coverage": coverage, "summary": summary})
    tables = dict(zip(("roster", "vendor_seats", "coverage"), rp.replan_tables(result)), summary=summary)
    out.mkdir()
    write_plan_files(type("Tables", (), tables), out, {"workforce": plan_dir / "inputs" / "workforce.yaml",
                                                        "requirements": plan.requirements})
    return options.items[chosen], out


def test_a_break_not_yet_taken_moves_inside_its_window_and_the_plan_verifies(small_plan_dir, tmp_path):
    from plan.optimize.verify import verify_plan
    now = DAY + pd.Timedelta(hours=10)   # E1's 11:30 break and E4's 12:30 one still to come
    option, out = forced_plan(small_plan_dir, now, lambda o: o.kind == "move_break", tmp_path / "v2")
    old = pd.read_csv(small_plan_dir / "roster.csv", dtype=str, keep_default_na=False)
    new = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False)
    changed = new[(old != new).any(axis=1)]
    assert changed[["id", "date"]].values.tolist() == [[option.who, f"{option.edit['row'][1]:%Y-%m-%d}"]]
    before, after = old.loc[changed.index[0], "breaks"], changed["breaks"].iloc[0]
    assert before != after and pd.Timestamp(f"{now:%Y-%m-%d} {before[:5]}") >= now
    # heads: back on the floor in the old break, off it in the new one, by the interval's share of minutes
    coverage_old = pd.read_csv(small_plan_dir / "coverage.csv", parse_dates=["interval_start"])
    coverage_new = pd.read_csv(out / "coverage.csv", parse_dates=["interval_start"])
    delta = (coverage_new["staffed_in_house"] - coverage_old["staffed_in_house"]).to_numpy()
    assert delta.sum() == pytest.approx(0.0)
    assert (delta[(coverage_old["interval_start"] < now).to_numpy()] == 0).all()
    moved = option.heads[option.queue]
    assert sorted(delta[np.abs(delta) > 1e-9]) == sorted(moved[np.abs(moved) > 1e-9])
    assert verify_plan(out) == []


def test_a_moved_break_keeps_one_of_those_answering_through_it():
    """Two agents answer through B's new break: shortening both with it is refused, one is allowed."""
    from plan.optimize.intraday.options import Option, Options, add_break_limits
    heads = lambda *values: {"chat": np.array(values, dtype=float)}  # noqa: E731
    option = lambda kind, who, moves, **edit: Option(kind=kind, who=who, name=who, queue="chat",  # noqa: E731
                                                     start=NOW, end=NOW, unit_cost=0.0, max_units=1, heads=moves,
                                                     effective=moves, edit=edit)
    out = Options(items=[option("move_break", "B", heads(1.0, -1.0, 0.0), answering={"C", "D"}),
                         option("shorten", "C", heads(0.0, -1.0, -1.0)),
                         option("shorten", "D", heads(0.0, -0.5, -1.0)),
                         option("shorten", "E", heads(0.0, -1.0, 0.0)),       # not answering through it
                         option("extend", "C", heads(0.0, 0.0, 1.0))])
    add_break_limits(out)
    [(coefs, upper)] = out.limits
    assert set(coefs) == {0, 1, 2}
    for units, allowed in (((1, 1, 1), False), ((1, 1, 0), True), ((0, 1, 1), True)):
        assert (sum(coefs[o] * x for o, x in zip((0, 1, 2), units)) <= upper) == allowed


@pytest.mark.parametrize("peak, words", [({"chat": 1.0}, "[0, 1)"), ({"phone": 0.5}, "unknown queue")])
def test_a_bad_peak_containment_is_one_line_naming_the_field(peak, words):
    from plan.contracts.errors import InputError
    from plan.contracts.workforce import parse_workforce
    config = small_workforce(bot={"containment": {}, "peak_containment": peak})
    config["queues"]["chat"]["channel"] = "chat"
    with pytest.raises(InputError) as error:
        parse_workforce(config, "workforce.yaml")
    line = error.value.one_line()
    assert "bot" in line and "peak_containment" in line and words in line and "\n" not in line


def rerostered_two_days_later(plan_dir):
    """`plan reroster` of ``plan_dir`` from two days after the re-planned day, at the floor limit: its v3."""
    from plan.cli.app import main
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.argv", ["plan", "reroster", str(plan_dir), "--from",
                                   f"{DAY + pd.Timedelta(days=2):%Y-%m-%d}", "--time-limit", "1"])
        with pytest.raises(SystemExit) as done:
            main()
    assert done.value.code in (0, None)
    return plan_dir.with_name(f"{plan_dir.name}-v3")


def test_a_later_reroster_of_a_plan_changed_the_same_day_keeps_those_changes_and_verifies(bot_replanned):
    """After 11.11 a sick call: `plan reroster` of the intraday version, from a later day, keeps the
    day's moved shift ends and bot-first hours in its past, and says so for `plan verify`."""
    _, v2 = bot_replanned
    v3 = rerostered_two_days_later(v2)
    summary = json.loads((v3 / "summary.json").read_text(encoding="utf-8"))
    assert summary["violations"] == [] and summary["version"] == 3
    assert summary["intraday"]["bot_first"] == json.loads((v2 / "summary.json").read_text(encoding="utf-8"))[
        "intraday"]["bot_first"]


# --- moving a shift already begun to another queue ------------------------------------------------

EVENING = DAY + pd.Timedelta(hours=20)  # the late shift's meal breaks are over


@pytest.fixture(scope="module")
def two_queues(small_plan_dir, tmp_path_factory):
    """The small month with a second chat queue that everyone can answer and nobody was planned on, and
    one late shift of 02-10 moved onto it from 20:00 (forced, as `plan intraday` writes it):
    (the plan, the option, the changed plan)."""
    import shutil
    folder = tmp_path_factory.mktemp("two_queues")
    plan_dir = folder / "plan"
    shutil.copytree(small_plan_dir, plan_dir)
    config = yaml.safe_load((plan_dir / "inputs" / "workforce.yaml").read_text(encoding="utf-8"))
    config["queues"]["chat2"] = dict(config["queues"]["chat"])
    for agent in config["in_house"]:
        agent["skills"] = ["chat", "chat2"]
    (plan_dir / "inputs" / "workforce.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    demand = pd.read_csv(plan_dir / "inputs" / "requirements.csv")
    second = demand.assign(queue="chat2", arrivals=demand["arrivals"] / 3, arrivals_human=demand["arrivals_human"] / 3)
    pd.concat([demand, second]).to_csv(plan_dir / "inputs" / "requirements.csv", index=False)
    coverage = pd.read_csv(plan_dir / "coverage.csv")
    nobody = coverage.assign(queue="chat2", **{c: 0.0 for c in ("staffed_in_house", "staffed_part_time",
                                                                "staffed_vendor", "staffed_effective")})
    pd.concat([coverage, nobody]).to_csv(plan_dir / "coverage.csv", index=False)
    option, out = forced_plan(plan_dir, EVENING, lambda o: o.kind == "move" and "at" in o.edit, folder / "v2")
    return plan_dir, option, out


def test_a_shift_already_begun_moves_to_another_queue_from_the_next_interval_and_verifies(two_queues):
    from plan.optimize.verify import verify_plan
    plan_dir, option, out = two_queues
    assert option.queue == "chat2" and option.start == EVENING
    old = pd.read_csv(plan_dir / "roster.csv", dtype=str, keep_default_na=False)
    new = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False)
    changed = new[(old.reindex(columns=new.columns, fill_value="") != new).any(axis=1)]
    assert changed[["id", "date", "queue", "queue_moves"]].values.tolist() == [
        [option.who, f"{DAY:%Y-%m-%d}", "chat", "20:00 chat2"]]
    assert pd.Timestamp(changed["start"].iloc[0]) < EVENING < pd.Timestamp(changed["end"].iloc[0])
    # the heads: the same person on chat until 20:00 and on chat2 from then to the shift's end
    coverage = pd.read_csv(out / "coverage.csv", parse_dates=["interval_start"]).set_index(["queue", "interval_start"])
    before = pd.read_csv(plan_dir / "coverage.csv", parse_dates=["interval_start"]).set_index(["queue", "interval_start"])
    delta = (coverage["staffed_in_house"] - before["staffed_in_house"]).unstack(0)
    end = pd.Timestamp(changed["end"].iloc[0])
    moved = (delta.index >= EVENING) & (delta.index < end)
    assert (delta.loc[moved, "chat2"] == 1).all() and (delta.loc[moved, "chat"] == -1).all()
    assert (delta.loc[~moved] == 0).all().all()
    assert verify_plan(out) == []


@pytest.mark.parametrize("moves, rule", [("20:00 phone", "unknown_queue"), ("20:00 chat", "queue_moves"),
                                         ("21:00 chat2;20:30 chat", "queue_moves"), ("", "coverage_mismatch")])
def test_verify_checks_each_queue_move_and_counts_heads_by_it(two_queues, tmp_path, moves, rule):
    import shutil
    from plan.optimize.verify import check_plan
    _, option, out = two_queues
    copy = tmp_path / "v2"
    shutil.copytree(out, copy)
    roster = pd.read_csv(copy / "roster.csv", dtype=str, keep_default_na=False)
    roster.loc[(roster["id"] == option.who) & (roster["date"] == f"{DAY:%Y-%m-%d}"), "queue_moves"] = moves
    roster.to_csv(copy / "roster.csv", index=False)
    assert rule in {v.rule for v in check_plan(copy).violations}


def test_a_later_reroster_counts_the_moved_shift_on_both_queues_and_verifies(two_queues):
    _, option, v2 = two_queues
    v3 = rerostered_two_days_later(v2)
    assert json.loads((v3 / "summary.json").read_text(encoding="utf-8"))["violations"] == []
    roster = pd.read_csv(v3 / "roster.csv", dtype=str, keep_default_na=False)
    assert roster.loc[(roster["id"] == option.who) & (roster["date"] == f"{DAY:%Y-%m-%d}"),
                      "queue_moves"].tolist() == ["20:00 chat2"]


def test_running_shifts_leave_a_queue_only_with_someone_kept_answering_through_each_break():
    """B eats 21:00-22:00 while A and C answer: both moving away then is refused, either one is allowed;
    D, who starts at 22:00, is in no limit."""
    from plan.optimize.intraday.options import Horizon, MealBreaks, Option, Options, add_kept_answered_limits
    at = pd.Timestamp("2026-02-10 20:00")
    horizon = Horizon(starts=pd.date_range(at, periods=4, freq="60min"), step=pd.Timedelta(hours=1), first=0)
    hour = lambda h: at + pd.Timedelta(hours=h)  # noqa: E731
    meal = MealBreaks({"chat": [(hour(-4), hour(4), [], "A"), (hour(-4), hour(4), [(hour(1), hour(2))], "B"),
                                (hour(-4), hour(4), [], "C"), (hour(2), hour(4), [], "D")]})

    def move(who, start):
        heads = {"chat2": horizon.presence(start, hour(4)), "chat": -horizon.presence(start, hour(4))}
        return Option(kind="move", who=who, name=who, queue="chat2", start=start, end=hour(4), unit_cost=0.0,
                      max_units=1, heads=heads, effective=heads, edit={"leaves": ("chat", start, hour(4))})
    out = Options(items=[move("A", at), move("C", at), move("D", hour(2))])
    add_kept_answered_limits(out, meal, horizon)
    [(coefs, upper)] = out.limits
    assert set(coefs) == {0, 1}
    for units, allowed in (((1, 1), False), ((1, 0), True), ((0, 1), True)):
        assert (sum(coefs[o] * x for o, x in zip((0, 1), units)) <= upper) == allowed


def test_the_choice_keeps_no_change_the_queueing_formulas_price_as_a_loss():
    """A break moved from one busy hour to another as busy only shifts a loss of service (late contacts
    are convex in the agents); an extra hour of overtime where contacts wait pays for itself. Taken
    both, the formulas take the first out and keep the second."""
    from plan.contracts.workforce import parse_workforce
    from plan.optimize.intraday.choose import Demand, prune_by_formulas
    from plan.optimize.intraday.options import Horizon, Option, Options
    workforce = parse_workforce(small_workforce())
    horizon = Horizon(starts=pd.date_range(NOW, periods=2, freq="60min"), step=pd.Timedelta(hours=1), first=0)
    flat = np.array([[60.0, 60.0]])
    demand = Demand(queues=["chat"], arrivals_human=flat, aht_s=np.full((1, 2), 300.0), threshold_s=np.full((1, 2), 20.0),
                    deadline_h=np.zeros((1, 2)), need_effective=np.zeros((1, 2)), staffed_effective=np.full((1, 2), 6.0),
                    allowed_miss=np.zeros((1, 2)), late_reference=np.zeros((1, 2)))

    def option(kind, heads, cost):
        moves = {"chat": np.array(heads, dtype=float)}
        return Option(kind=kind, who=kind, name=kind, queue="chat", start=NOW, end=NOW, unit_cost=cost, max_units=1,
                      heads=moves, effective=moves, edit={})
    options = Options(items=[option("move_break", [1.0, -1.0], 0.0), option("extend", [0.0, 1.0], 40.0)])
    assert prune_by_formulas(workforce, demand, options, horizon, np.array([1, 1])).tolist() == [0, 1]


def shaped_day(scale: float = 1.0) -> pd.DataFrame:
    """Two days of one queue with the 11.11 shape: a midnight spike, a quiet night, a day hump."""
    stamps = pd.date_range("2026-11-10", periods=72, freq="60min")
    hour = stamps.hour.to_numpy()
    shape = np.where(hour < 2, 900.0, np.where(hour < 8, 80.0, 300.0 + 200.0 * np.sin((hour - 8) / 14 * np.pi)))
    return pd.DataFrame({"queue": "chat", "interval_start": stamps, "arrivals": scale * shape})


def test_a_peak_two_hours_late_is_read_as_the_shape_shifted_for_the_rest_of_today():
    forecast = shaped_day()
    now = pd.Timestamp("2026-11-11 07:00")
    truth = forecast.assign(interval_start=forecast["interval_start"] + pd.Timedelta(hours=2))
    seen = truth[(truth["interval_start"] >= now.normalize()) & (truth["interval_start"] < now)]
    new, update = reforecast(forecast, seen, now)
    assert update.lag_h == 2.0 and update.table["ratio"].iloc[0] == pytest.approx(1.0)
    rest = (new["interval_start"] >= now) & (new["interval_start"] < now.normalize() + pd.Timedelta(days=1))
    expected = truth.set_index("interval_start")["arrivals"].reindex(new.loc[rest, "interval_start"]).to_numpy()
    np.testing.assert_allclose(new.loc[rest, "arrivals"].to_numpy(), expected)
    tomorrow = new["interval_start"] >= now.normalize() + pd.Timedelta(days=1)
    np.testing.assert_allclose(new.loc[tomorrow, "arrivals"], forecast.loc[tomorrow, "arrivals"])


def test_an_ordinary_day_with_hourly_noise_keeps_the_published_shape():
    rng = np.random.default_rng(5)
    forecast = shaped_day()
    now = pd.Timestamp("2026-11-11 09:00")
    today = forecast[(forecast["interval_start"] >= now.normalize()) & (forecast["interval_start"] < now)]
    seen = today.assign(arrivals=rng.poisson(today["arrivals"] * 1.15 * rng.uniform(0.85, 1.15, len(today))))
    _, update = reforecast(forecast, seen, now)
    assert update.lag_h == 0.0 and update.table["ratio"].iloc[0] > 1.05
