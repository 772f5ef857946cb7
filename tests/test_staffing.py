"""The inverse (fewest agents meeting targets), the requirements table, the risk option, `plan staffing`."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plan.contracts.workforce import Bot, Queue, Targets, parse_workforce
from plan.optimize.queueing.service import queue_metrics
from plan.contracts.calendar import event_day_mask
from plan.optimize.staffing.requirements import (REQUIREMENT_COLUMNS, arrivals_to_staff_for, bot_cap_split, bot_split, meets_targets,
                               required_agents, requirements_table, risk_table)

SL_TARGET = Targets(service_level=0.8, answer_within_s=20, max_abandon=0.05)
VOICE = Queue(channel="voice", aht_s=265, patience_s=120, shrinkage=0.15, targets=SL_TARGET,
              event_targets=Targets(service_level=0.8, answer_within_s=60))
CHAT = Queue(channel="chat", aht_s=290, patience_s=150, concurrency=3, concurrency_slowdown=0.18, shrinkage=0.15,
             targets=Targets(service_level=0.85, answer_within_s=30, asa_s=28, max_abandon=0.05))
EMAIL = Queue(channel="email", aht_s=560, shrinkage=0.1, targets=Targets(resolve_within_h=24),
              event_targets=Targets(resolve_within_h=48))


def _workforce(bot: dict | None = None):
    data = {
        "site": {"interval_minutes": 60},
        "queues": {"phone": VOICE.model_dump(), "chat_presales": CHAT.model_dump(), "email": EMAIL.model_dump()},
        "shifts": [{"code": "D", "name": "Day", "start": "08:00", "end": "17:00"}],
        "contracts": {"std": {"system": "standard"}},
        "costs": {"shortfall_penalty_per_contact": 10},
    }
    if bot is not None:
        data["bot"] = bot
    return parse_workforce(data)


def _forecast(days: int = 3, scale: float = 1.0) -> pd.DataFrame:
    index = pd.date_range("2026-11-09", periods=24 * days, freq="h")
    shape = 0.2 + np.clip(np.sin((index.hour - 7) / 24 * 2 * np.pi), 0, None)
    frames = []
    for queue, level in (("phone", 300), ("chat_presales", 500), ("email", 80)):
        mean = level * scale * shape
        frames.append(pd.DataFrame({"queue": queue, "interval_start": index, "arrivals": mean,
                                    "p10": mean * 0.85, "p50": mean * 0.98, "p90": mean * 1.2}))
    return pd.concat(frames, ignore_index=True)


EVENTS = pd.DataFrame({"name": ["d11"], "kind": ["double11"], "start": [pd.Timestamp("2026-11-10")],
                       "end": [pd.Timestamp("2026-11-11")]})


# ---- the inverse ------------------------------------------------------------------------------
@pytest.mark.parametrize("queue", [VOICE, CHAT], ids=["voice", "chat"])
def test_inverse_returns_the_minimum(queue):
    rates = np.array([0.0, 3.0, 40.0, 250.0, 900.0, 6000.0])
    need = required_agents(queue, rates, queue.targets)
    busy = rates > 0
    assert need.whole[0] == 0 and need.fractional[0] == 0
    at = queue_metrics(queue, rates[busy], need.whole[busy].astype(float))
    below = queue_metrics(queue, rates[busy], need.whole[busy] - 1.0)
    assert meets_targets(at, queue.targets).all()
    assert not meets_targets(below, queue.targets).any()
    assert np.all((need.fractional[busy] > need.whole[busy] - 1) & (need.fractional[busy] <= need.whole[busy]))
    # The interpolated service at the fractional value meets the targets (binding one with equality).
    frac = queue_metrics(queue, rates[busy], need.fractional[busy])
    assert meets_targets(frac, queue.targets).all()


def test_inverse_respects_each_kind_of_target():
    rate = np.array([600.0])
    base = Queue(channel="voice", aht_s=240, patience_s=120, targets=Targets(asa_s=10))
    for targets in (Targets(asa_s=10), Targets(max_abandon=0.01), Targets(max_occupancy=0.8),
                    Targets(service_level=0.9, answer_within_s=15)):
        queue = base.model_copy(update={"targets": targets})
        n = int(required_agents(queue, rate, targets).whole[0])
        assert meets_targets(queue_metrics(queue, rate, n), targets).all()
        assert not meets_targets(queue_metrics(queue, rate, n - 1), targets).any()
    occupancy = Queue(channel="voice", aht_s=240, targets=Targets(max_occupancy=0.8))
    assert required_agents(occupancy, rate, occupancy.targets).whole[0] == np.ceil(40 / 0.8)


def test_chat_model_needs_more_agents_than_the_aht_over_k_shortcut():
    rates = np.array([300.0, 1200.0, 6000.0])
    chat = required_agents(CHAT, rates, CHAT.targets).whole
    shortcut_queue = Queue(channel="voice", aht_s=CHAT.aht_s / CHAT.concurrency, patience_s=CHAT.patience_s,
                           targets=CHAT.targets)
    shortcut = required_agents(shortcut_queue, rates, CHAT.targets).whole
    under = (chat - shortcut) / chat
    assert np.all(under >= 0.07), under  # the shortcut under-staffs by 7-26%


# ---- table steps ------------------------------------------------------------------------------
def test_event_days_include_the_after_sales_tail():
    days = pd.to_datetime(["2026-11-09 10:00", "2026-11-10 00:00", "2026-11-25 23:00", "2026-11-26 00:00"])
    assert event_day_mask(days, EVENTS).tolist() == [False, True, True, False]
    other = EVENTS.assign(kind="brand_day")
    assert event_day_mask(days, other).tolist() == [False, True, False, False]


def test_quantile_arrivals_are_exact_at_p10_p50_p90():
    frame = pd.DataFrame({"arrivals": [100.0], "p10": [80.0], "p50": [97.0], "p90": [130.0]})
    assert arrivals_to_staff_for(frame, None)[0] == 100
    assert arrivals_to_staff_for(frame, 0.5)[0] == pytest.approx(97)
    assert arrivals_to_staff_for(frame, 0.9)[0] == pytest.approx(130)
    assert arrivals_to_staff_for(frame, 0.1)[0] == pytest.approx(80)
    assert 130 < arrivals_to_staff_for(frame, 0.95)[0] < 150


def test_bot_containment_cap_and_escalated_aht():
    workforce = _workforce({"containment": {"chat_presales": 0.4}, "escalated_aht_factor": 1.5,
                            "max_sessions_per_hour": 100})
    frame = pd.DataFrame({"queue": ["chat_presales", "chat_presales", "phone"],
                          "interval_start": pd.to_datetime(["2026-11-09 10:00", "2026-11-09 11:00",
                                                            "2026-11-09 10:00"]),
                          "arrivals": [100.0, 1000.0, 50.0]})
    split = bot_split(frame, workforce, 60)
    assert split.bot_handled.tolist() == [40.0, 100.0, 0.0]
    assert split.arrivals_human.tolist() == [60.0, 900.0, 50.0]
    assert split.aht_s[0] == pytest.approx(290 * 1.5)                        # all escalated
    assert split.aht_s[1] == pytest.approx(290 * (600 * 1.5 + 300) / 900)   # escalated + overflow
    assert split.aht_s[2] == 265


def test_bot_cap_goes_first_where_a_session_spares_most_agent_time():
    contained = np.array([30.0, 50.0, 10.0, 5.0, 5.0])
    spared_s = np.array([100.0, 300.0, 200.0, 100.0, 300.0])
    interval = np.array(["10:00", "10:00", "10:00", "11:00", "11:00"])
    taken = bot_cap_split(contained, spared_s, interval, cap=55.0)
    # 10:00 is over the cap: the 300-s row in full, then the 200-s row's 5; 11:00 is under it
    assert taken.tolist() == [0.0, 50.0, 5.0, 5.0, 5.0]
    # it spares more agent time than the pro-rata split it replaces
    pro_rata = contained[:3] * 55.0 / contained[:3].sum()
    assert (taken[:3] * spared_s[:3]).sum() > (pro_rata * spared_s[:3]).sum()


def test_bot_cap_split_between_chat_queues_favours_the_longer_contact():
    from plan.contracts.paths import SAMPLE_WORKFORCE
    from plan.contracts.workforce import read_workforce
    sample = read_workforce(SAMPLE_WORKFORCE)
    workforce = sample.model_copy(update={"bot": sample.bot.model_copy(update={"max_sessions_per_hour": 100.0})})
    frame = pd.DataFrame({"queue": ["chat_presales", "chat_aftersales"],
                          "interval_start": pd.to_datetime(["2026-11-11 00:00"] * 2),
                          "arrivals": [400.0, 400.0]})
    split = bot_split(frame, workforce, 60)
    # after-sales chats take 450 s against 275 s (same concurrency): the bot's 100 sessions go there
    assert split.bot_handled.tolist() == pytest.approx([0.0, 100.0])
    assert split.arrivals_human.tolist() == pytest.approx([400.0, 300.0])


# ---- the table --------------------------------------------------------------------------------
def test_requirements_table_columns_and_rules():
    workforce = _workforce({"containment": {"chat_presales": 0.3}, "escalated_aht_factor": 1.2})
    table = requirements_table(_forecast(), workforce, EVENTS)
    assert list(table.columns) == REQUIREMENT_COLUMNS
    assert len(table) == 3 * 72
    assert table["agents_required"].dtype.kind == "i"
    chat = table[table["queue"] == "chat_presales"]
    assert np.allclose(chat["bot_handled"], chat["arrivals"] * 0.3)
    assert np.allclose(table["workload_erlangs"], table["arrivals_human"] * table["aht_s"] / 3600)
    # shrinkage: whole agents are the ceiling of the fractional, which is floor agents / (1 - s)
    assert np.all(table["agents_required"] == np.ceil(table["agents_required_frac"] - 1e-9))
    voice = table[(table["queue"] == "phone") & (table["arrivals"] > 0)]
    normal = voice[~voice["event_day"]]
    assert (normal["service_level"] >= 0.8 - 1e-9).all() and (normal["abandon_rate"] <= 0.05 + 1e-9).all()
    # the same staffing fails once one agent fewer is on the floor (after shrinkage)
    fewer = queue_metrics(VOICE, normal["arrivals_human"].to_numpy(), (normal["agents_required"].to_numpy() - 1) * 0.85)
    assert not meets_targets(fewer, VOICE.targets).all()
    email = table[table["queue"] == "email"]
    assert (email["service_level"] > 0.999).all() and (email["abandon_rate"] == 0).all()


def test_event_targets_change_requirements():
    workforce = _workforce()
    table = requirements_table(_forecast(), workforce, EVENTS)
    plain = requirements_table(_forecast(), workforce, None)
    phone_event = table[(table["queue"] == "phone") & table["event_day"]]
    phone_plain = plain[(plain["queue"] == "phone") & plain["interval_start"].isin(phone_event["interval_start"])]
    # 80% within 60 s (no abandonment cap) is easier than 80% within 20 s and at most 5% abandoned
    assert phone_event["agents_required"].sum() < phone_plain["agents_required"].sum()


def test_higher_confidence_costs_more_agents():
    workforce = _workforce()
    risk = risk_table(_forecast(days=1), workforce, None, confidences=(0.5, 0.9))
    hours = risk.pivot(index="queue", columns="staff_for", values="agent_hours")
    assert (hours["p90"] > hours["p50"]).all()
    assert (risk.loc[risk["staff_for"] == "mean", "extra_agent_hours_vs_mean"] == 0).all()
    # staffing for the mean loses service when arrivals come in at p90; staffing for p90 holds it
    level = risk.pivot(index="queue", columns="staff_for", values="service_level_if_p90")
    assert (level["p90"] >= level["mean"]).all() and (level.loc["phone", "mean"] < 0.8)
    assert (risk.loc[risk["staff_for"] == "p90", "service_level_if_p90"] >= 0.8 - 1e-6).all()


def test_unknown_queue_in_forecast_is_an_input_error():
    from plan.contracts.errors import InputError
    forecast = _forecast(days=1)
    forecast.loc[5, "queue"] = "fax"
    with pytest.raises(InputError, match="fax"):
        requirements_table(forecast, _workforce())


# ---- CLI --------------------------------------------------------------------------------------
def _write_inputs(tmp_path, workforce_text: str):
    forecast = tmp_path / "forecast.csv"
    frame = _forecast(days=2)
    frame = frame[frame["queue"].isin(["phone", "chat_presales"])].copy()
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    frame.to_csv(forecast, index=False)
    config = tmp_path / "workforce.yaml"
    config.write_text(workforce_text, encoding="utf-8")
    events = tmp_path / "events.csv"
    events.write_text("name,kind,start,end\nd11,double11,2026-11-10,2026-11-11\n", encoding="utf-8")
    return forecast, config, events


def test_plan_staffing_writes_the_table_and_plot(tmp_path, run_plan, tiny_workforce_text):
    forecast, config, events = _write_inputs(tmp_path, tiny_workforce_text)
    out = tmp_path / "req" / "requirements.csv"
    result = run_plan("staffing", "--forecast", forecast, "--config", config, "--events", events, "--out", out,
                      "--risk")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == REQUIREMENT_COLUMNS
    assert len(table) == 2 * 48 and table["agents_required"].max() > 0
    assert (out.parent / "requirements.png").stat().st_size > 10_000
    assert "phone" in result.stdout and "p90" in result.stdout


def test_plan_staffing_bad_forecast_is_one_line_and_writes_nothing(tmp_path, run_plan, tiny_workforce_text):
    forecast, config, events = _write_inputs(tmp_path, tiny_workforce_text)
    lines = forecast.read_text().splitlines()
    lines[3] = lines[3].replace("phone", "fax", 1)
    forecast.write_text("\n".join(lines) + "\n")
    out = tmp_path / "requirements.csv"
    result = run_plan("staffing", "--forecast", forecast, "--config", config, "--events", events, "--out", out)
    assert result.exit_code == 2
    assert "forecast.csv:4: queue" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


def test_forecast_off_the_interval_grid_is_located():
    from plan.contracts.errors import InputError
    forecast = _forecast(days=1)
    forecast.loc[7, "interval_start"] = pd.Timestamp("2026-11-09 07:30")
    with pytest.raises(InputError, match="60-min interval") as caught:
        requirements_table(forecast, _workforce())
    assert caught.value.row == 9 and caught.value.field == "interval_start"


def test_email_requirement_tolerates_gaps_in_the_forecast():
    forecast = _forecast(days=2)
    email = forecast[forecast["queue"] == "email"]
    gappy = pd.concat([forecast[forecast["queue"] != "email"], email.iloc[::2]])
    table = requirements_table(gappy, _workforce())
    mail = table[table["queue"] == "email"]
    assert len(mail) == len(email) // 2 + len(email) % 2 and (mail["agents_required"] > 0).all()


def test_half_hour_intervals_use_rates_per_hour():
    data = _workforce().model_dump()
    data["site"]["interval_minutes"] = 30
    half_hourly = parse_workforce(data)
    stamps = pd.date_range("2026-11-09 10:00", periods=4, freq="30min")
    forecast = pd.DataFrame({"queue": "phone", "interval_start": stamps, "arrivals": [50.0, 100.0, 150.0, 0.0]})
    table = requirements_table(forecast, half_hourly)
    expected = required_agents(VOICE, np.array([100.0, 200.0, 300.0, 0.0]), VOICE.targets).fractional / 0.85
    assert np.allclose(table["agents_required_frac"], expected)
    assert np.allclose(table["workload_erlangs"], np.array([100.0, 200.0, 300.0, 0.0]) * 265 / 3600)
