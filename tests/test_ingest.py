"""`plan ingest`: raw contact log → hourly history + patience; located errors; nothing half-written."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plan.contracts.contact_log import (ContactLogMapping, exponential_patience, ingest_contact_log, read_mapping)
from plan.contracts.history import read_history
from plan.contracts.paths import SAMPLE_CONTACT_LOG

ANSI = re.compile(r"\x1b\[[0-9;]*m")
REPO = Path(__file__).resolve().parents[1]
BANK_MAPPING = REPO / "data" / "mappings" / "anonymous_bank_1999.yaml"

LOG_HEADER = "会话ID,技能组,进线时间,首次响应时间,结束时间,是否放弃"
LOG_ROWS = [
    "c1,售前咨询,2026-10-01 08:05:00,2026-10-01 08:05:30,2026-10-01 08:10:30,否",  # wait 30, handle 300
    "c2,售前咨询,2026-10-01 08:20:00,2026-10-01 08:21:00,2026-10-01 08:24:00,否",  # wait 60, handle 180
    "c3,售前咨询,2026-10-01 08:40:00,,2026-10-01 08:42:00,是",                     # left after 120
    "c4,售后咨询,2026-10-01 09:10:00,2026-10-01 09:10:10,2026-10-01 09:20:10,否",  # wait 10, handle 600
    "c5,售后咨询,2026-10-01 10:59:59,,2026-10-01 11:00:19,是",                     # left after 20
    "c6,售前咨询,2026-10-02 23:30:00,2026-10-02 23:30:20,2026-10-03 00:05:20,否",  # over midnight: 2100
]
MAPPING_YAML = """\
columns: {arrival: 进线时间, first_reply: 首次响应时间, end: 结束时间, abandoned: 是否放弃, queue: 技能组, id: 会话ID}
abandoned_values: [是]
queues: {售前咨询: chat_presales, 售后咨询: chat_aftersales}
"""
MAPPING_FLAGS = ["--arrival", "进线时间", "--first-reply", "首次响应时间", "--end", "结束时间",
                 "--abandoned", "是否放弃", "--abandoned-values", "是", "--queue", "技能组"]


@pytest.fixture
def small_log(tmp_path) -> dict[str, Path]:
    log = tmp_path / "log.csv"
    log.write_text("\n".join([LOG_HEADER, *LOG_ROWS]) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING_YAML, encoding="utf-8")
    return {"log": log, "mapping": mapping, "out": tmp_path / "out" / "history.csv",
            "patience": tmp_path / "out" / "patience.csv"}


def _ingest(run_plan, files, *extra):
    return run_plan("ingest", files["log"], "--mapping", files["mapping"], "--out", files["out"], *extra)


def _row(history: pd.DataFrame, queue: str, start: str) -> pd.Series:
    match = history[(history["queue"] == queue) & (history["interval_start"] == start)]
    assert len(match) == 1, (queue, start)
    return match.iloc[0]


# --- what it computes -------------------------------------------------------------------------

def test_small_log_to_history(run_plan, small_log):
    result = _ingest(run_plan, small_log)
    assert result.exit_code == 0, result.output
    history = pd.read_csv(small_log["out"], keep_default_na=True)
    assert list(history.columns) == ["queue", "interval_start", "arrivals", "aht_s", "abandoned"]
    assert len(history) == 2 * 2 * 24  # two queues, full days 10-01 and 10-02
    presales = _row(history, "chat_presales", "2026-10-01 08:00")
    assert (presales["arrivals"], presales["aht_s"], presales["abandoned"]) == (3, 240.0, 1)
    after = _row(history, "chat_aftersales", "2026-10-01 09:00")
    assert (after["arrivals"], after["aht_s"], after["abandoned"]) == (1, 600.0, 0)
    left = _row(history, "chat_aftersales", "2026-10-01 10:00")
    assert left["arrivals"] == 1 and left["abandoned"] == 1 and np.isnan(left["aht_s"])
    late = _row(history, "chat_presales", "2026-10-02 23:00")
    assert late["arrivals"] == 1 and late["aht_s"] == 2100.0
    assert history["arrivals"].sum() == len(LOG_ROWS)
    assert history["abandoned"].sum() == 2
    # what it wrote is a valid history for the next stage
    checked = read_history(small_log["out"], known_queues={"chat_presales", "chat_aftersales"})
    assert checked["arrivals"].sum() == len(LOG_ROWS)
    assert "chat_presales" in result.stdout and str(small_log["out"]) in result.stdout.replace("\n", "")


def test_small_log_patience(run_plan, small_log):
    assert _ingest(run_plan, small_log).exit_code == 0
    patience = pd.read_csv(small_log["patience"]).set_index("queue")
    assert {"patience_s", "abandoned", "exposure_s", "method"} <= set(patience.columns)
    # (30 + 60 + 120 + 20 over midnight's 20) / 1 abandoned: served waits are censored observations
    assert patience.loc["chat_presales", "exposure_s"] == 30 + 60 + 120 + 20
    assert patience.loc["chat_presales", "patience_s"] == 230.0
    assert patience.loc["chat_aftersales", "patience_s"] == 30.0
    assert patience.loc["chat_aftersales", "abandoned"] == 1
    assert (patience["method"] == "exponential_mle_censored").all()


def test_flags_give_the_same_as_the_mapping(run_plan, small_log, tmp_path):
    assert _ingest(run_plan, small_log).exit_code == 0
    flags_out = tmp_path / "flags" / "history.csv"
    no_queue_map = run_plan("ingest", small_log["log"], *MAPPING_FLAGS, "--out", flags_out)
    assert no_queue_map.exit_code == 0, no_queue_map.output
    by_mapping = pd.read_csv(small_log["out"])
    by_flags = pd.read_csv(flags_out)
    # without a queues: table the raw names are kept
    by_flags["queue"] = by_flags["queue"].map({"售前咨询": "chat_presales", "售后咨询": "chat_aftersales"})
    pd.testing.assert_frame_equal(by_mapping.sort_values(["queue", "interval_start"]).reset_index(drop=True),
                                  by_flags.sort_values(["queue", "interval_start"]).reset_index(drop=True))


def test_flag_overrides_mapping(tmp_path, small_log):
    mapping = read_mapping(small_log["mapping"]).with_overrides(columns={"end": None}, interval_minutes=30)
    assert mapping.columns.end == "结束时间" and mapping.interval_minutes == 30
    mapping = mapping.with_overrides(columns={"handle": "处理时长"}, abandoned_values=["Y"])
    assert mapping.columns.handle == "处理时长" and mapping.abandoned_values == ["Y"]


def test_no_reply_means_abandoned_without_a_flag_column(tmp_path, small_log):
    log = tmp_path / "noflag.csv"
    pd.read_csv(small_log["log"], dtype=str, keep_default_na=False).drop(columns="是否放弃").to_csv(log, index=False)
    mapping = read_mapping(small_log["mapping"]).model_copy(update={"columns": read_mapping(
        small_log["mapping"]).columns.model_copy(update={"abandoned": None})})
    result = ingest_contact_log(log, mapping)
    assert result.history["abandoned"].sum() == 2
    assert result.patience.set_index("queue").loc["chat_presales", "patience_s"] == 230.0


def test_thirty_minute_intervals(run_plan, small_log):
    assert _ingest(run_plan, small_log, "--interval-minutes", "30").exit_code == 0
    history = pd.read_csv(small_log["out"])
    assert len(history) == 2 * 2 * 48
    assert _row(history, "chat_presales", "2026-10-01 08:00")["arrivals"] == 2
    assert _row(history, "chat_presales", "2026-10-01 08:30")["arrivals"] == 1
    read_history(small_log["out"], interval_minutes=30)


def test_parquet_log_and_parquet_history(run_plan, small_log, tmp_path):
    table = pd.read_csv(small_log["log"], dtype=str, keep_default_na=False)
    for column in ("进线时间", "首次响应时间", "结束时间"):
        table[column] = pd.to_datetime(table[column].replace("", None))
    parquet = tmp_path / "log.parquet"
    table.to_parquet(parquet)
    out = tmp_path / "out" / "history.parquet"
    result = run_plan("ingest", parquet, "--mapping", small_log["mapping"], "--out", out)
    assert result.exit_code == 0, result.output
    history = pd.read_parquet(out)
    assert _row(history, "chat_presales", "2026-10-01 08:00")["aht_s"] == 240.0
    assert history["abandoned"].sum() == 2


def test_date_and_time_of_day_columns_with_seconds_and_outcome(tmp_path):
    """Bank-style log: date + times of day, wait/handle seconds, AGENT/HANG/PHANTOM outcomes."""
    log = tmp_path / "calls.tsv"
    log.write_text("\t".join(["day", "entry", "q_time", "outcome", "ser_time", "skill"]) + "\n" + "\n".join([
        "\t".join(["261001", "23:59:50", "15", "AGENT", "100", "PS"]),
        "\t".join(["261001", "0:00:31", "40", "HANG", "0", "PS"]),
        "\t".join(["261002", "7:02:47", "0", "HANG", "0", "PS"]),       # left before queueing
        "\t".join(["261002", "7:30:00", "25", "PHANTOM", "9", "NW"]),   # an arrival, neither outcome
        "\t".join(["261002", "7:45:00", "0:00:45", "AGENT", "0:03:00", "NW"]),
    ]) + "\n", encoding="utf-8")
    mapping = ContactLogMapping.model_validate({
        "columns": {"date": "day", "arrival": "entry", "wait": "q_time", "handle": "ser_time", "outcome": "outcome",
                    "queue": "skill"},
        "date_format": "%y%m%d", "abandoned_values": ["HANG"], "served_values": ["AGENT"],
        "exclude_zero_wait_abandons": True})
    result = ingest_contact_log(log, mapping)
    history = result.history
    assert len(history) == 2 * 48
    assert _row(history, "PS", "2026-10-01 23:00")["aht_s"] == 100.0
    assert _row(history, "PS", "2026-10-01 00:00")["abandoned"] == 1
    assert _row(history, "PS", "2026-10-02 07:00")["abandoned"] == 1
    phantom = _row(history, "NW", "2026-10-02 07:00")
    assert phantom["arrivals"] == 2 and phantom["abandoned"] == 0 and phantom["aht_s"] == 180.0
    patience = result.patience.set_index("queue")
    assert patience.loc["PS", "patience_s"] == 55.0  # (15 + 40) / 1; the zero-wait hang-up is no observation
    assert patience.loc["PS", "left_before_queueing"] == 1
    assert patience.loc["NW", "method"] == "no_abandonments" and np.isnan(patience.loc["NW", "patience_s"])
    assert result.queues["NW"]["served"] == 1 and result.queues["NW"]["contacts"] == 2
    assert result.outcomes == {"AGENT": (2, "served"), "HANG": (2, "abandoned"), "PHANTOM": (1, "neither")}
    # by default a zero-wait abandonment is a (very short) patience observation
    counted = ingest_contact_log(log, mapping.model_copy(update={"exclude_zero_wait_abandons": False}))
    assert counted.patience.set_index("queue").loc["PS", "patience_s"] == 27.5  # (15 + 40 + 0) / 2
    assert counted.history["abandoned"].sum() == result.history["abandoned"].sum()


def test_time_of_day_reply_after_midnight(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("date,arrive,reply,end,queue\n2026-10-01,23:58:00,23:59:00,0:04:00,chat\n", encoding="utf-8")
    result = ingest_contact_log(log, ContactLogMapping.model_validate(
        {"columns": {"arrival": "arrive", "first_reply": "reply"}}))
    assert _row(result.history, "chat", "2026-10-01 23:00")["aht_s"] == 300.0
    assert result.patience.loc[0, "method"] == "no_abandonments"


def test_gb18030_excel_and_gzip_exports(run_plan, small_log, tmp_path):
    """What Chinese CS platforms hand out: GBK/GB18030 CSV, Excel workbooks, gzipped CSV."""
    table = pd.read_csv(small_log["log"], dtype=str, keep_default_na=False)
    gbk = tmp_path / "gbk.csv"
    table.to_csv(gbk, index=False, encoding="gb18030")
    workbook = tmp_path / "export.xlsx"
    table.to_excel(workbook, index=False)
    zipped = tmp_path / "log.csv.gz"
    table.to_csv(zipped, index=False)
    for log in (gbk, workbook, zipped):
        out = tmp_path / "out" / f"{log.stem}.csv"
        result = run_plan("ingest", log, "--mapping", small_log["mapping"], "--out", out)
        assert result.exit_code == 0, (log, result.output)
        history = pd.read_csv(out)
        assert _row(history, "chat_presales", "2026-10-01 08:00")["aht_s"] == 240.0, log
        assert history["abandoned"].sum() == 2, log


def test_zoned_and_unix_times_become_site_wall_clock(tmp_path):
    log = tmp_path / "zoned.csv"
    utc_ms = int(pd.Timestamp("2026-10-01 00:30:00", tz="UTC").timestamp() * 1000)  # 08:30 in Shanghai
    log.write_text("arrival,reply,queue\n"
                   "2026-10-01T00:05:00Z,2026-10-01T08:05:30+08:00,chat\n"
                   f"2026-10-01T09:10:00+09:00,2026-10-01T08:10:20+08:00,chat\n", encoding="utf-8")
    mapping = ContactLogMapping.model_validate({"columns": {"first_reply": "reply"}})
    history = ingest_contact_log(log, mapping).history
    assert _row(history, "chat", "2026-10-01 08:00")["arrivals"] == 2
    epoch = tmp_path / "epoch.csv"
    epoch.write_text(f"arrival,queue\n{utc_ms},chat\n{utc_ms + 3_600_000},chat\n", encoding="utf-8")
    history = ingest_contact_log(epoch, ContactLogMapping()).history
    assert _row(history, "chat", "2026-10-01 08:00")["arrivals"] == 1
    assert _row(history, "chat", "2026-10-01 09:00")["arrivals"] == 1
    utc_site = ingest_contact_log(epoch, ContactLogMapping(timezone="UTC")).history
    assert _row(utc_site, "chat", "2026-10-01 00:00")["arrivals"] == 1


# --- the patience estimator ---------------------------------------------------------------------

def test_exponential_patience_recovers_the_true_mean():
    """Simulated M/M/n+M waits: patience ~ Exp(300 s), offered wait ~ Exp(90 s) (with 40% zero)."""
    rng = np.random.default_rng(7)
    n = 200_000
    patience = rng.exponential(300.0, n)
    offered = np.where(rng.random(n) < 0.4, 0.0, rng.exponential(90.0, n))
    abandoned = patience < offered
    wait = np.minimum(patience, offered)
    estimate = exponential_patience(wait, abandoned, ~abandoned)
    assert estimate["method"] == "exponential_mle_censored"
    assert estimate["ci95_low_s"] < 300.0 < estimate["ci95_high_s"]
    assert abs(estimate["patience_s"] - 300.0) / 300.0 < 0.03
    # the naive mean of the abandoners' waits is badly biased low: the estimator is not that
    assert wait[abandoned].mean() < 0.5 * estimate["patience_s"]


def test_exponential_patience_edge_cases():
    nobody_left = exponential_patience(np.array([5.0, 10.0]), np.array([False, False]), np.array([True, True]))
    assert nobody_left["method"] == "no_abandonments" and np.isnan(nobody_left["patience_s"])
    assert nobody_left["exposure_s"] == 15.0
    unknown = exponential_patience(np.array([np.nan]), np.array([True]), np.array([False]))
    assert unknown["method"] == "no_wait_data"


# --- the sample and the real bank log -----------------------------------------------------------

@pytest.mark.skipif(not SAMPLE_CONTACT_LOG.exists(), reason="sample contact log not generated yet")
def test_no_arguments_ingests_the_sample(run_plan, tmp_path):
    result = run_plan("ingest", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "ingested_history.csv"
    history = read_history(out, known_queues={"chat_presales", "chat_aftersales", "phone", "email"})
    raw = pd.read_csv(SAMPLE_CONTACT_LOG, dtype=str)
    assert history["arrivals"].sum() == len(raw)
    assert history["interval_start"].min() == pd.Timestamp("2026-10-01 00:00")
    patience = pd.read_csv(tmp_path / "out" / "patience.csv")
    assert (patience["patience_s"].dropna() > 0).all() and len(patience) == history["queue"].nunique()
    # the sample history's October is the aggregate of this very log
    shipped = pd.read_csv(SAMPLE_CONTACT_LOG.with_name("history.csv"))
    shipped = shipped[shipped["interval_start"].str.startswith("2026-10")]
    ours = pd.read_csv(out)
    both = ours.merge(shipped, on=["queue", "interval_start"], suffixes=("", "_shipped"), validate="one_to_one")
    assert len(both) == len(ours) == len(shipped)
    assert (both["arrivals"] == both["arrivals_shipped"]).all()
    assert (both["abandoned"] == both["abandoned_shipped"]).all()
    np.testing.assert_allclose(both["aht_s"], both["aht_s_shipped"], atol=0.051)


@pytest.fixture(scope="module")
def bank(shared_data):
    folder = shared_data / "anonymous-bank-1999"
    log = folder / "data_anonymous_bank_february.txt"
    series = folder / "calls_6min_1999.csv.gz"
    if not (log.exists() and series.exists()):
        pytest.skip("anonymous bank files not available")
    return {"log": log, "series": series, "result": ingest_contact_log(log, read_mapping(BANK_MAPPING))}


def test_bank_daily_totals_equal_the_published_series(bank):
    history = bank["result"].history
    stamps = pd.to_datetime(history["interval_start"])
    daily = history.groupby(stamps.dt.date)["arrivals"].sum()
    series = pd.read_csv(bank["series"], parse_dates=["interval_start"])
    february = series[series["interval_start"].dt.month == 2]
    expected = february.groupby(february["interval_start"].dt.date)["calls"].sum()
    assert len(daily) == 28
    pd.testing.assert_series_equal(daily, expected, check_names=False, check_dtype=False, check_index_type=False)


def test_bank_outcomes_and_service_time(bank):
    result = bank["result"]
    served = sum(q["served"] for q in result.queues.values())
    abandoned = sum(q["abandoned"] for q in result.queues.values())
    assert (served, abandoned, result.rows) == (27_162, 5_904, 33_344)  # README: AGENT / HANG / all
    mean_service = sum(q["aht_s"] * q["served"] for q in result.queues.values()) / served
    assert abs(mean_service - 177) < 1  # README: mean service time 177 s for served calls
    patience = result.patience.set_index("queue")
    assert set(patience.index) == {"PS", "NW", "NE", "TT", "IN", "PE"}
    # retail (PS) customers: minutes of patience, not seconds or hours
    assert 120 < patience.loc["PS", "patience_s"] < 1200


def test_bank_command_from_help_runs(run_plan, bank, tmp_path):
    help_text = ANSI.sub("", run_plan("ingest", "--help").stdout)
    assert "anonymous_bank_1999.yaml" in help_text and "data_anonymous_bank_february.txt" in help_text
    out = tmp_path / "bank.csv"
    result = run_plan("ingest", bank["log"], "--mapping", BANK_MAPPING, "--out", out)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["arrivals"].sum() == 33_344


# --- bad input: one line naming file, row, column; nothing written ------------------------------

def _broken(small_log, row: int, column: str, value: str) -> None:
    """Set a cell of the small log (row = 0-based data row) and rewrite it."""
    table = pd.read_csv(small_log["log"], dtype=str, keep_default_na=False)
    table.loc[row, column] = value
    table.to_csv(small_log["log"], index=False)


def assert_failed_cleanly(result, files, *must_contain: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in ANSI.sub("", result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for text in must_contain:
        assert text in lines[0], (text, lines[0])
    out_dir = files["out"].parent
    assert not out_dir.exists() or list(out_dir.iterdir()) == [], "something was written"
    return lines[0]


def test_missing_log_file(run_plan, small_log, tmp_path):
    small_log["log"] = tmp_path / "nope.csv"
    assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "nope.csv", "file not found")


def test_missing_mapping_file(run_plan, small_log, tmp_path):
    small_log["mapping"] = tmp_path / "nope.yaml"
    assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "nope.yaml", "file not found")


def test_mapped_column_not_in_file(run_plan, small_log):
    result = _ingest(run_plan, small_log, "--end", "完成时间")
    assert_failed_cleanly(result, small_log, "log.csv:1", "完成时间", "not found", "结束时间")


def test_no_arrival_column(run_plan, small_log, tmp_path):
    result = run_plan("ingest", small_log["log"], "--queue", "技能组", "--out", small_log["out"])
    assert_failed_cleanly(result, small_log, "log.csv:1", "arrival", "--arrival")


def test_unparseable_time(run_plan, small_log):
    _broken(small_log, 3, "进线时间", "2026-10-01 9h10")
    assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "log.csv:5", "进线时间", "9h10")


def test_time_in_a_second_format(run_plan, small_log):
    _broken(small_log, 1, "首次响应时间", "01/10/2026 08:21")
    assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "log.csv:3", "首次响应时间", "format")


def test_end_before_arrival(run_plan, small_log):
    _broken(small_log, 2, "结束时间", "2026-10-01 08:39:00")
    line = assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "log.csv:4", "结束时间", "before arrival")
    assert "08:39" in line


def test_first_reply_before_arrival(run_plan, small_log):
    _broken(small_log, 0, "首次响应时间", "2026-10-01 08:04:00")
    assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "log.csv:2", "首次响应时间", "before arrival")


def test_unknown_queue_value(run_plan, small_log):
    _broken(small_log, 4, "技能组", "物流查询")
    line = assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "log.csv:6", "技能组", "物流查询")
    assert "queues" in line


def test_time_of_day_without_a_date_column(run_plan, small_log, tmp_path):
    log = tmp_path / "clock.csv"
    log.write_text("day,arrival,queue\n2026-10-01,8:00:00,chat\n", encoding="utf-8")
    small_log["log"] = log
    result = run_plan("ingest", log, "--out", small_log["out"])
    assert_failed_cleanly(result, small_log, "clock.csv:2", "arrival", "--date")
    assert run_plan("ingest", log, "--date", "day", "--out", small_log["out"]).exit_code == 0


def test_outcome_meanings_are_reported(run_plan, small_log):
    result = _ingest(run_plan, small_log, "--abandoned-values", "yes")
    assert result.exit_code == 0
    assert "否 → served (4)" in result.stdout and "是 → served (2)" in result.stdout
    assert "no value counted as abandoned" in result.stdout


def test_negative_duration(run_plan, small_log, tmp_path):
    log = tmp_path / "durations.csv"
    log.write_text("arrival,wait_s,handle_s,queue\n2026-10-01 08:00:00,5,100,chat\n"
                   "2026-10-01 08:01:00,3,-20,chat\n", encoding="utf-8")
    small_log["log"] = log
    result = run_plan("ingest", log, "--wait", "wait_s", "--handle", "handle_s", "--out", small_log["out"])
    assert_failed_cleanly(result, small_log, "durations.csv:3", "handle_s", "negative")


def test_empty_queue_value(run_plan, small_log):
    _broken(small_log, 1, "技能组", "")
    assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "log.csv:3", "技能组", "empty")


@pytest.mark.parametrize("text, expected", [("- a\n- b\n", "YAML mapping"),
                                            ("timezone: Mars/Olympus\n", "timezone"),
                                            ("colums: {arrival: x}\n", "colums"),
                                            ("columns: {arival: x}\n", "columns.arival")])
def test_bad_mapping_yaml(run_plan, small_log, text, expected):
    small_log["mapping"].write_text(text, encoding="utf-8")
    assert_failed_cleanly(_ingest(run_plan, small_log), small_log, "mapping.yaml", expected)


@pytest.mark.parametrize("flags, expected", [(["--interval-minutes", "20"], "--interval-minutes"),
                                             (["--timezone", "Mars/Olympus"], "--timezone"),
                                             (["--patience-out", "SAME"], "--patience-out")])
def test_bad_options(run_plan, small_log, flags, expected):
    flags = [str(small_log["out"]) if flag == "SAME" else flag for flag in flags]
    assert_failed_cleanly(_ingest(run_plan, small_log, *flags), small_log, "command line", expected)


def test_error_keeps_the_previous_output(run_plan, small_log):
    assert _ingest(run_plan, small_log).exit_code == 0
    before = small_log["out"].read_bytes(), small_log["patience"].read_bytes()
    _broken(small_log, 2, "结束时间", "2026-10-01 08:39:00")
    result = _ingest(run_plan, small_log)
    assert result.exit_code == 2
    assert (small_log["out"].read_bytes(), small_log["patience"].read_bytes()) == before
    assert sorted(p.name for p in small_log["out"].parent.iterdir()) == [".plan-manifest.json", "history.csv", "patience.csv"]


def test_help_shows_examples(run_plan):
    result = run_plan("ingest", "--help")
    assert result.exit_code == 0
    text = ANSI.sub("", result.stdout)
    assert "Example" in text and "plan ingest" in text
    for flag in ("--arrival", "--first-reply", "--wait", "--end", "--handle", "--abandoned", "--abandoned-values",
                 "--queue", "--date", "--interval-minutes", "--mapping", "--out", "--patience-out"):
        assert flag in text, flag
