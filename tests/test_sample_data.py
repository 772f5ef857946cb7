"""The bundled sample data: reproducible, valid against the contracts, and shaped like a Chinese shop."""
from __future__ import annotations

import datetime as dt
import importlib.util

import holidays
import numpy as np
import pandas as pd
import pytest

from plan.contracts.contact_log import ingest_contact_log, read_mapping
from plan.contracts.events import read_events
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_CONTACT_LOG, SAMPLE_DIR, SAMPLE_EVENTS, SAMPLE_HISTORY, SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce

QUEUES = ["chat_presales", "chat_aftersales", "phone", "email"]
CHAT = ["chat_presales", "chat_aftersales"]
GENERATED = ["history.csv", "events.csv", "contact_log_2026-10.csv", "contact_log_mapping.yaml", "workforce.yaml"]


def _generator():
    spec = importlib.util.spec_from_file_location("generate_sample", SAMPLE_DIR / "generate_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return read_history(SAMPLE_HISTORY, known_queues=QUEUES)


@pytest.fixture(scope="module")
def daily(history) -> pd.DataFrame:
    return history.assign(date=history["interval_start"].dt.normalize()).pivot_table(
        index="date", columns="queue", values="arrivals", aggfunc="sum")


def test_regenerating_reproduces_the_committed_files_byte_for_byte(tmp_path, history):
    _generator().generate(tmp_path, write_expected=True)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), f"{name} differs"
    # the noise-free mean (oracle forecast) runs through the plan month and carries the history
    expected = pd.read_csv(tmp_path / "expected.csv", parse_dates=["interval_start"])
    assert expected["interval_start"].max() == pd.Timestamp("2026-11-30 23:00")
    past = expected[expected["interval_start"] <= history["interval_start"].max()]
    assert past["arrivals"].sum() == pytest.approx(history["arrivals"].sum(), rel=0.03)
    november = expected[expected["interval_start"] >= pd.Timestamp("2026-11-01")]
    chat = november[november["queue"].isin(CHAT)].groupby("interval_start")["arrivals"].sum()
    assert chat.idxmax() == pd.Timestamp("2026-11-11 00:00")


def test_a_different_seed_gives_different_volumes(tmp_path):
    _generator().generate(tmp_path, seed=7)
    assert (tmp_path / "history.csv").read_bytes() != SAMPLE_HISTORY.read_bytes()


def test_files_pass_their_contracts(history):
    assert history["interval_start"].min() == pd.Timestamp("2024-11-01 00:00")
    assert history["interval_start"].max() == pd.Timestamp("2026-10-31 23:00")
    assert sorted(history["queue"].unique()) == sorted(QUEUES)
    assert len(history) == 4 * 24 * 730
    events = read_events(SAMPLE_EVENTS)
    workforce = read_workforce(SAMPLE_WORKFORCE)
    assert set(workforce.queues) == set(QUEUES)
    assert {"double11", "618", "99", "double12", "women38", "nianhuo"} <= set(events["kind"])
    assert events["end"].max() >= pd.Timestamp("2027-11-11")


def test_yearly_volume_and_channel_mix_match_design(history):
    year = np.where(history["interval_start"] < pd.Timestamp("2025-11-01"), 1, 2)
    totals = history.groupby(year)["arrivals"].sum()
    for total in totals:
        assert 0.9 * 320_000 <= total <= 1.1 * 320_000
    assert totals[2] > totals[1] * 1.05, "the shop grows"
    share = history.groupby("queue")["arrivals"].sum() / history["arrivals"].sum()
    assert abs(share["phone"] - 0.41) <= 0.03
    assert abs(share[CHAT].sum() - 0.50) <= 0.03
    assert abs(share["email"] - 0.09) <= 0.03


@pytest.mark.parametrize("year", [2024, 2025])
def test_double11_opening_hour_is_at_least_eight_normal_hours_of_chat(history, year):
    chat = history[history["queue"].isin(CHAT)].groupby("interval_start")["arrivals"].sum()
    normal_days = chat[f"{year}-11-26":f"{year}-12-03"].resample("D").sum()  # after the tail
    normal_mean_hour = normal_days.median() / 24
    opening = chat[pd.Timestamp(year, 11, 11, 0)]
    assert opening >= chat[f"{year}-11-01":f"{year}-11-30"].nlargest(3).min()
    assert opening >= 8 * normal_mean_hour


def test_chat_presales_peaks_late_evening_and_phone_only_in_opening_hours(history):
    ordinary = history[history["interval_start"].between("2026-03-09", "2026-04-30")]
    by_hour = ordinary.groupby(["queue", ordinary["interval_start"].dt.hour])["arrivals"].mean()
    assert by_hour["chat_presales"].idxmax() in (20, 21, 22)
    daytime = list(range(9, 17))
    assert (by_hour["chat_aftersales"].loc[daytime].sum() / by_hour["chat_aftersales"].sum()
            > 1.1 * by_hour["chat_presales"].loc[daytime].sum() / by_hour["chat_presales"].sum())
    assert by_hour["phone"].loc[[0, 1, 2, 3, 4, 5, 6, 7, 22, 23]].sum() == 0
    assert by_hour["phone"].idxmax() in range(9, 17)


def test_swapped_sunday_workday_has_weekday_phone_volume(daily):
    cn = holidays.country_holidays("CN", years=[2024, 2025, 2026])
    swapped = [d for d in cn.weekend_workdays if dt.date(2024, 11, 1) <= d <= dt.date(2026, 10, 31)
               and d.weekday() == 6]
    assert swapped, "the span has 调休 Sundays (e.g. 2025-01-26, 2025-09-28, 2026-09-20)"
    phone = daily["phone"]
    versus_sundays, versus_weekdays = [], []
    for day in swapped:
        around = phone[pd.Timestamp(day) - pd.Timedelta(days=28):pd.Timestamp(day) + pd.Timedelta(days=28)]
        weekdays = [d for d in around.index if cn.is_working_day(d.date()) and d.weekday() < 5]
        sundays = [d for d in around.index if d.weekday() == 6 and d.date() not in cn.weekend_workdays]
        versus_sundays.append(phone[pd.Timestamp(day)] / around[sundays].median())
        versus_weekdays.append(phone[pd.Timestamp(day)] / around[weekdays].median())
    assert np.mean(versus_sundays) > 1.3
    assert np.mean(versus_weekdays) > 0.8


def test_golden_week_and_spring_festival_are_visible(daily):
    phone = daily["phone"]
    assert phone["2025-10-01":"2025-10-03"].mean() < 0.7 * phone["2025-09-15":"2025-09-26"].mean()
    # Spring Festival 2026 (02-17): couriers stop, pre-sales fall, after-sales hold up, rebound after
    before = daily.loc["2026-01-05":"2026-01-14"]
    stop = daily.loc["2026-02-10":"2026-02-15"]
    rebound = daily.loc["2026-02-24":"2026-03-01"]
    assert stop["chat_presales"].mean() < 0.75 * before["chat_presales"].mean()
    assert (stop["chat_aftersales"].mean() / stop["chat_presales"].mean()
            > 1.3 * before["chat_aftersales"].mean() / before["chat_presales"].mean())
    assert rebound["chat_presales"].mean() > 1.5 * daily.loc["2026-02-17":"2026-02-19", "chat_presales"].mean()


def test_aftersales_tail_follows_double11(daily):
    after = daily["chat_aftersales"]
    for year in (2024, 2025):
        tail = after[f"{year}-11-13":f"{year}-11-22"].mean()
        later = after[f"{year}-12-14":f"{year}-12-23"].mean()
        assert tail > 1.2 * later


@pytest.mark.parametrize("queue", QUEUES)
def test_counts_are_over_dispersed_like_real_ones(history, queue):
    # gamma-Poisson: var = m + c²·m² around a weekday (x hour) profile; the multiplicative noise c
    # must be well above zero, like real counts (Anonymous Bank 1999: ~0.15 day to day)
    quiet = history[history["interval_start"].between("2026-06-22", "2026-08-16 23:00")
                    & (history["queue"] == queue)].set_index("interval_start")["arrivals"]
    days = quiet.resample("D").sum()
    weeks = len(days) // 7
    mean = days.groupby(days.index.day_of_week).transform("mean")
    spread = ((days - mean) ** 2).sum() * weeks / (weeks - 1)
    assert spread / mean.sum() > 2, "daily totals vary far more than Poisson"
    hours = quiet.to_frame("n").assign(date=lambda f: f.index.normalize(), hour=lambda f: f.index.hour)
    share = hours["n"] / hours.groupby("date")["n"].transform("sum")
    profile = share.groupby(hours["hour"]).transform("mean")
    expected = profile * hours.groupby("date")["n"].transform("sum")
    if queue not in ("phone", "chat_presales"):
        return  # too few contacts an hour to see hour-level noise beside Poisson
    busy = expected > 8
    excess = ((hours["n"] - expected)[busy] ** 2 - expected[busy]).sum() / (expected[busy] ** 2).sum()
    assert excess > 0.05 ** 2, "hours within a day vary more than Poisson"


def test_promotions_differ_from_year_to_year(history):
    chat = history[history["queue"] == "chat_presales"].set_index("interval_start")["arrivals"]
    measures = []
    for year in (2024, 2025):
        normal = chat[f"{year}-11-26":f"{year}-12-03"].mean()
        measures.append([chat[pd.Timestamp(year, 11, 11, 0)] / normal,
                         chat[f"{year}-11-11"].mean() / normal,
                         chat[f"{year}-11-02":f"{year}-11-09"].mean() / normal])
    first, second = np.array(measures)
    assert np.abs(first / second - 1).max() > 0.10


def test_contact_log_sums_exactly_to_the_history_of_2026_10(history):
    result = ingest_contact_log(SAMPLE_CONTACT_LOG, read_mapping(SAMPLE_DIR / "contact_log_mapping.yaml"))
    from_log = result.history.assign(interval_start=lambda f: pd.to_datetime(f["interval_start"]))
    month = history[history["interval_start"].dt.strftime("%Y-%m") == "2026-10"]
    both = month.merge(from_log, on=["queue", "interval_start"], suffixes=("", "_log"), validate="1:1")
    assert len(both) == len(month) == 4 * 24 * 31
    assert (both["arrivals"] == both["arrivals_log"]).all()
    assert (both["abandoned"] == both["abandoned_log"]).all()
    assert np.allclose(both["aht_s"], both["aht_s_log"], atol=0.051, equal_nan=True)
    # waits follow a plausible queue: exponential patience of a few minutes, email answered in hours
    patience = result.patience.set_index("queue")["patience_s"]
    assert 100 <= patience["chat_presales"] <= 400
    assert 60 <= patience["phone"] <= 300
    assert result.queues["email"]["asa_s"] > 3600
    assert result.queues["phone"]["asa_s"] < 60


def test_contact_log_looks_like_a_platform_export():
    log = pd.read_csv(SAMPLE_CONTACT_LOG, dtype=str, keep_default_na=False)
    assert list(log.columns[:2]) == ["会话ID", "技能组"]
    assert {"进线时间", "首次响应时间", "结束时间", "是否放弃"} <= set(log.columns)
    assert set(log["技能组"]) == {"售前咨询", "售后服务", "电话", "邮件工单"}
    gave_up = log["是否放弃"] == "是"
    assert (log.loc[gave_up, "首次响应时间"] == "").all()
    assert (log.loc[~gave_up, "首次响应时间"] != "").all()
    assert log["会话ID"].is_unique


def test_workforce_is_sized_for_normal_days_with_flex_for_the_peak():
    workforce = read_workforce(SAMPLE_WORKFORCE)
    assert 40 <= len(workforce.in_house) <= 70
    assert len(workforce.part_time) >= 10 and len(workforce.vendors) == 2
    assert {a.contract for a in workforce.in_house} == {"standard", "comprehensive"}
    assert all(5500 <= a.monthly_salary <= 9000 for a in workforce.in_house)
    assert all(22 <= p.hourly_rate <= 30 and p.max_hours_day <= 4 for p in workforce.part_time)
    for queue in QUEUES:  # every queue has in-house people who can serve it
        assert sum(queue in a.skills for a in workforce.in_house) >= 5
    assert any(a.leave and a.leave[0].strftime("%Y-%m") == "2026-11" for a in workforce.in_house)
    prices = sorted(v.price_per_seat_hour for v in workforce.vendors)
    assert prices[0] < prices[1]
    assert all(v.aht_factor > 1 and v.conversion_factor < 1 for v in workforce.vendors)
    assert any(s.crosses_midnight for s in workforce.shifts)
    assert workforce.bot is not None and 0.2 <= workforce.bot.containment["chat_presales"] <= 0.45
