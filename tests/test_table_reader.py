"""The one table reader: what real exports look like (GBK, BOM, ';' and tab, Excel, Parquet),
times with UTC offsets on the site's clock, and files that cannot be read named with the fix."""
from __future__ import annotations

import gzip

import pandas as pd
import pytest

from plan.contracts.contact_log import ContactLogMapping, ingest_contact_log
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.forecast_table import read_forecast
from plan.contracts.history import read_history
from plan.contracts.table_reader import read_header, read_table
from plan.contracts.workforce import read_workforce

from test_check import assert_one_line_error

HISTORY_ROWS = [("电话", "2026-10-01 00:00", 3), ("电话", "2026-10-01 01:00", 5), ("在线咨询", "2026-10-01 00:00", 7),
                ("在线咨询", "2026-10-01 01:00", 9)]
EVENTS_TEXT = "name,kind,start,end,intensity\n双十一 2026,double11,2026-10-20,2026-11-11,1.1\n年货节,nianhuo,2027-01-03,2027-01-17,\n"


def history_frame(offset: str = "") -> pd.DataFrame:
    return pd.DataFrame([(q, t + offset, n) for q, t, n in HISTORY_ROWS], columns=["queue", "interval_start", "arrivals"])


def assert_history_read(history: pd.DataFrame) -> None:
    assert sorted(history["queue"].unique()) == ["在线咨询", "电话"]
    phone = history[history["queue"] == "电话"]
    assert list(phone["interval_start"].dt.strftime("%Y-%m-%d %H:%M")) == ["2026-10-01 00:00", "2026-10-01 01:00"]
    assert list(phone["arrivals"]) == [3.0, 5.0]


# --- encodings and separators -------------------------------------------------------------------

@pytest.mark.parametrize("encoding, named", [("gbk", "GB18030"), ("gb18030", "GB18030"), ("utf-8", "UTF-8"),
                                             ("utf-8-sig", "UTF-8"), ("utf-16", "UTF-16")])
def test_history_in_every_export_encoding(tmp_path, encoding, named):
    path = tmp_path / "history.csv"
    history_frame().to_csv(path, index=False, encoding=encoding)
    assert_history_read(read_history(path))
    raw = read_table(path)
    assert list(raw.columns) == ["queue", "interval_start", "arrivals"]  # a BOM is not part of the first name
    assert raw.attrs["read_as"].startswith(named)


@pytest.mark.parametrize("sep, suffix", [(";", ".csv"), ("\t", ".csv"), ("\t", ".tsv"), ("\t", ".txt"),
                                         (",", ".txt"), (",", ".tsv"), ("|", ".csv")])
def test_separator_is_sniffed_from_the_header(tmp_path, sep, suffix):
    path = tmp_path / f"history{suffix}"
    history_frame().to_csv(path, index=False, sep=sep, encoding="gb18030")
    assert_history_read(read_history(path))
    assert repr(sep).strip("'") in read_table(path).attrs["read_as"] or sep == "\t"


def test_decimal_commas_in_a_semicolon_file_are_values_not_separators(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("queue;interval_start;arrivals;aht_s\nphone;2026-10-01 00:00;3;\"250,5\"\n", encoding="utf-8")
    raw = read_table(path)
    assert list(raw.columns) == ["queue", "interval_start", "arrivals", "aht_s"]
    assert raw.loc[0, "aht_s"] == "250,5"


def test_spaces_around_header_names_are_ignored(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("queue, interval_start, arrivals\n电话, 2026-10-01 00:00, 3\n电话, 2026-10-01 01:00, 5\n"
                    "在线咨询, 2026-10-01 00:00, 7\n在线咨询, 2026-10-01 01:00, 9\n", encoding="utf-8")
    assert_history_read(read_history(path))


def test_gbk_after_the_first_megabyte_is_still_read(tmp_path):
    """Encoding is decided on a sample; a non-UTF-8 byte further on switches to GB18030."""
    path = tmp_path / "history.csv"
    hours = pd.date_range("2020-01-01", periods=50_000, freq="h")
    frame = pd.DataFrame({"queue": "phone", "interval_start": hours.strftime("%Y-%m-%d %H:%M"), "arrivals": 1,
                          "note": ""})
    frame.loc[len(frame) - 1, "note"] = "电话"
    frame.to_csv(path, index=False, encoding="gbk")
    assert path.stat().st_size > 1 << 20
    raw = read_table(path)
    assert raw["note"].iloc[-1] == "电话" and raw.attrs["read_as"].startswith("GB18030")


def test_gzipped_gbk_semicolon_table(tmp_path):
    path = tmp_path / "history.csv.gz"
    with gzip.open(path, "wt", encoding="gbk", newline="") as handle:
        history_frame().to_csv(handle, index=False, sep=";")
    assert_history_read(read_history(path))


# --- Excel and Parquet --------------------------------------------------------------------------

def test_xlsx_history_with_real_date_cells(tmp_path):
    path = tmp_path / "history.xlsx"
    frame = history_frame()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])  # Excel date-time cells, not text
    frame.to_excel(path, index=False)
    assert_history_read(read_history(path))


def test_xlsx_events_with_date_cells(tmp_path):
    csv_path = tmp_path / "events.csv"
    csv_path.write_text(EVENTS_TEXT, encoding="utf-8")
    frame = pd.read_csv(csv_path, parse_dates=["start", "end"])
    path = tmp_path / "events.xlsx"
    frame.to_excel(path, index=False)
    events = read_events(path)
    expected = read_events(csv_path)
    pd.testing.assert_frame_equal(events, expected, check_dtype=False)
    assert events.loc[0, "name"] == "双十一 2026" and events.loc[0, "end"] == pd.Timestamp("2026-11-11")


def test_gbk_and_tab_events(tmp_path):
    gbk = tmp_path / "events.csv"
    gbk.write_bytes(EVENTS_TEXT.encode("gbk"))
    tab = tmp_path / "events.tsv"
    tab.write_text(EVENTS_TEXT.replace(",", "\t"), encoding="utf-8-sig")
    assert list(read_events(gbk)["name"]) == list(read_events(tab)["name"]) == ["双十一 2026", "年货节"]


def test_parquet_with_zoned_times_is_converted(tmp_path):
    path = tmp_path / "forecast.parquet"
    stamps = pd.DatetimeIndex(["2026-11-10 16:00", "2026-11-10 17:00"]).tz_localize("UTC")
    pd.DataFrame({"queue": "phone", "interval_start": stamps, "arrivals": [1.0, 2.0]}).to_parquet(path)
    table = read_forecast(path)
    assert list(table["interval_start"]) == [pd.Timestamp("2026-11-11 00:00"), pd.Timestamp("2026-11-11 01:00")]


# --- time zones ------------------------------------------------------------------------------

@pytest.mark.parametrize("offset, shift_h", [("Z", 8), ("+00:00", 8), ("+0000", 8), ("+08:00", 0), ("+0800", 0),
                                             ("-05:00", 13), ("", 0)])
def test_offsets_become_site_wall_clock(tmp_path, offset, shift_h):
    path = tmp_path / "history.csv"
    frame = history_frame()
    frame["interval_start"] = frame["interval_start"].str.replace(" ", "T") + offset
    frame.to_csv(path, index=False)
    history = read_history(path)
    phone = history[history["queue"] == "电话"]
    assert phone["interval_start"].iloc[0] == pd.Timestamp("2026-10-01 00:00") + pd.Timedelta(hours=shift_h)
    assert phone["interval_start"].dt.tz is None


def test_site_time_zone_is_the_readers_zone(tmp_path):
    path = tmp_path / "forecast.csv"
    path.write_text("queue,interval_start,arrivals\nphone,2026-07-01T00:00:00Z,1\n", encoding="utf-8")
    assert read_forecast(path, timezone="Europe/Berlin")["interval_start"].iloc[0] == pd.Timestamp("2026-07-01 02:00")
    assert read_forecast(path, timezone="UTC")["interval_start"].iloc[0] == pd.Timestamp("2026-07-01 00:00")


def test_mixed_offset_and_naive_times_are_refused_at_the_row(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("queue,interval_start,arrivals\nphone,2026-10-01 08:00,1\nphone,2026-10-01 09:00,1\n"
                    "phone,2026-10-01 02:00Z,1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_history(path)
    assert caught.value.row == 4 and caught.value.field == "interval_start"
    assert "has a UTC offset but line 2" in caught.value.problem


def test_contact_log_mixed_offsets_are_refused_at_the_row(tmp_path):
    for first, later in (("2026-10-01T00:05:00Z", "2026-10-01 08:10:00"), ("2026-10-01 08:05:00", "2026-10-01T00:10:00Z")):
        log = tmp_path / "log.csv"
        log.write_text(f"arrival,queue\n{first},chat\n{first},chat\n{later},chat\n", encoding="utf-8")
        with pytest.raises(InputError) as caught:
            ingest_contact_log(log, ContactLogMapping())
        assert caught.value.row == 4 and caught.value.field == "arrival", caught.value


def test_contact_log_semicolon_gbk_with_spaces_in_the_header(tmp_path):
    log = tmp_path / "log.txt"
    log.write_bytes("进线时间 ; 技能组\n2026-10-01 08:05:00;售前\n2026-10-01 09:10:00;售前\n".encode("gbk"))
    mapping = ContactLogMapping.model_validate({"columns": {"arrival": "进线时间", "queue": "技能组"}})
    assert read_header(log) == ["进线时间", "技能组"]
    history = ingest_contact_log(log, mapping).history
    assert history.loc[history["interval_start"] == "2026-10-01 08:00", "arrivals"].item() == 1


# --- files that cannot be read: named, with the cause and the fix ---------------------------------

XLSX_BYTES = b"PK\x03\x04" + bytes(200)
OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)


@pytest.mark.parametrize("name, content, expected", [
    ("history.xlsx", b"queue,interval_start,arrivals\n", "not a valid Excel file (is it a CSV renamed?)"),
    ("history.csv", XLSX_BYTES, "is an Excel workbook (xlsx) named .csv: rename it to .xlsx"),
    ("history.csv", OLE_BYTES, "is an Excel workbook (xls) named .csv"),
    ("history.csv", b"PAR1" + bytes(100), "is a Parquet file named .csv"),
    ("history.parquet", b"queue,interval_start\n", "not a valid Parquet file (is it a CSV renamed?)"),
    ("history.xls", b"<html><body><table></table></body></html>", "web page (HTML)"),
    ("history.xls", OLE_BYTES, "not a readable Excel workbook (damaged or password-protected?)"),
    ("history.xlsx", XLSX_BYTES, "not a readable Excel workbook"),
    ("history.csv", b"", "empty file"),
    ("history.csv", bytes(range(256)) * 8, "not a text table in UTF-8 or GB18030"),
    ("history.csv", "queue,interval_start,arrivals\n".encode("utf-16-le"), "not a text table"),
    ("history.parquet", b"PAR1" + bytes(100), "not a readable Parquet file"),
])
def test_unreadable_files_are_named_with_cause_and_fix(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_history(path)
    assert caught.value.file == str(path)
    assert expected in caught.value.one_line()
    assert "codec" not in caught.value.one_line()


def test_text_named_xls_is_read_as_the_text_it_is(tmp_path):
    path = tmp_path / "export.xls"
    history_frame().to_csv(path, index=False, sep="\t", encoding="gbk")
    assert_history_read(read_history(path))


def test_a_row_longer_than_the_header_is_refused_at_its_line(tmp_path):
    for rows, line in (("phone,2026-10-01 00:00,1,5\n", 2), ("phone,2026-10-01 00:00,1\nphone,2026-10-01 01:00,1,5\n", 3)):
        path = tmp_path / "history.csv"
        path.write_text("queue,interval_start,arrivals\n" + rows, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            read_history(path)
        assert caught.value.row == line and "4 fields but the header has 3" in caught.value.problem


def test_a_long_row_in_a_gzipped_file_is_found(tmp_path):
    path = tmp_path / "history.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("queue,interval_start,arrivals\nphone,2026-10-01 00:00,1,5\n")
    with pytest.raises(InputError) as caught:
        read_history(path)
    assert caught.value.row == 2 and "4 fields" in caught.value.problem


def test_an_unknown_encoding_given_for_a_log_is_named(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("arrival,queue\n2026-10-01 08:05:00,chat\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        ingest_contact_log(log, ContactLogMapping(encoding="klingon"))


def test_missing_usecols_are_named(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_table(path, usecols=["a", "c"])


# --- YAML and the site's zone ------------------------------------------------------------------

def test_gbk_workforce_yaml_is_read(tmp_path, tiny_workforce_text):
    path = tmp_path / "workforce.yaml"
    path.write_bytes(tiny_workforce_text.replace("Test shop", "杭州客服中心").encode("gbk"))
    assert read_workforce(path).site.name == "杭州客服中心"


def test_binary_workforce_and_unknown_zone_are_input_errors(tmp_path, tiny_workforce_text):
    path = tmp_path / "workforce.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match="not a text file"):
        read_workforce(path)
    path.write_text(tiny_workforce_text.replace("site: {", "site: {timezone: Mars/Olympus, "), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_workforce(path)
    assert caught.value.field == "site.timezone" and "unknown time zone" in caught.value.problem


# --- the command line -------------------------------------------------------------------------

def _check(run_plan, inputs):
    return run_plan("check", "--history", inputs["history"], "--events", inputs["events"], "--config", inputs["config"])


def test_check_reads_xlsx_history_and_gbk_events(run_plan, tiny_inputs):
    frame = pd.read_csv(tiny_inputs["history"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    workbook = tiny_inputs["history"].with_suffix(".xlsx")
    frame.to_excel(workbook, index=False)
    tiny_inputs["events"].write_bytes(tiny_inputs["events"].read_text(encoding="utf-8").encode("gbk"))
    result = _check(run_plan, {**tiny_inputs, "history": workbook})
    assert result.exit_code == 0, result.output
    assert "2026-10-01 00:00" in result.stdout and "inputs are valid" in result.stdout


def test_check_uses_the_site_time_zone(run_plan, tiny_inputs, tiny_workforce_text):
    frame = pd.read_csv(tiny_inputs["history"])
    stamps = pd.to_datetime(frame["interval_start"])
    # one day more in front, so that the history still holds its full days once shifted to UTC
    earlier = frame[stamps.dt.normalize() == stamps.min().normalize()].assign(
        interval_start=stamps[stamps.dt.normalize() == stamps.min().normalize()] - pd.Timedelta(days=1))
    frame = pd.concat([earlier, frame.assign(interval_start=stamps)], ignore_index=True)
    last = pd.to_datetime(frame["interval_start"]).max()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"]).dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    frame.to_csv(tiny_inputs["history"], index=False, sep=";")
    result = _check(run_plan, tiny_inputs)
    assert result.exit_code == 0, result.output
    assert "2026-09-30 00:00" in result.stdout  # +08:00 in Shanghai: unchanged
    tiny_inputs["config"].write_text(tiny_workforce_text.replace("site: {", "site: {timezone: UTC, "), encoding="utf-8")
    result = _check(run_plan, tiny_inputs)
    assert result.exit_code == 0, result.output
    shifted_last = (last - pd.Timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert "2026-09-29 16:00" in result.stdout and shifted_last in result.stdout


def test_check_refuses_a_renamed_csv_in_one_line(run_plan, tiny_inputs):
    renamed = tiny_inputs["history"].with_suffix(".xlsx")
    renamed.write_bytes(tiny_inputs["history"].read_bytes())
    result = _check(run_plan, {**tiny_inputs, "history": renamed})
    assert result.exit_code == 2
    assert_one_line_error(result, "history.xlsx", "is it a CSV renamed?")


def test_forecast_reads_a_gbk_history(run_plan, tmp_path):
    """A GBK export with a Chinese queue name and GBK events, forecast end to end."""
    days = pd.date_range("2026-08-01", "2026-09-30", freq="D")
    hours = days.repeat(24) + pd.to_timedelta(list(range(24)) * len(days), unit="h")
    arrivals = [(h.hour * 5 + h.day_of_week * 3) % 40 for h in hours]
    history = tmp_path / "gbk.csv"
    pd.DataFrame({"queue": "在线咨询", "interval_start": hours.strftime("%Y-%m-%d %H:%M"), "arrivals": arrivals}
                 ).to_csv(history, index=False, encoding="gbk")
    events = tmp_path / "events.csv"
    events.write_bytes(EVENTS_TEXT.encode("gbk"))
    out = tmp_path / "forecast.csv"
    result = run_plan("forecast", "--history", history, "--events", events, "--start", "2026-10-01",
                      "--end", "2026-10-03", "--out", out, "--plot", tmp_path / "forecast.png")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert set(table["queue"]) == {"在线咨询"} and len(table) == 72
