"""Property tests: every reader of a user file either reads it right or raises one clean
InputError, whatever the columns, encoding, separator, values or junk bytes. Never another
exception (a traceback for the user)."""
from __future__ import annotations

import codecs
import copy
import io
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from plan.contracts.contact_log import ContactLogMapping, ingest_contact_log
from plan.contracts.errors import InputError
from plan.contracts.events import read_events
from plan.contracts.forecast_table import read_forecast
from plan.contracts.history import read_history
from plan.contracts.table_reader import read_table
from plan.contracts.workforce import parse_workforce, read_workforce

from conftest import TINY_WORKFORCE

# Modest, without deadlines and the same examples on every run, so the suite stays fast on a busy
# two-core machine and a red CI run can be re-run to the same result. For a longer, fresh hunt:
# PLAN_PROPERTY_EXAMPLES=2000 PLAN_PROPERTY_RANDOM=1 pytest tests/test_reader_properties.py
BOUNDED = settings(max_examples=int(os.environ.get("PLAN_PROPERTY_EXAMPLES", "60")), deadline=None,
                   derandomize=not os.environ.get("PLAN_PROPERTY_RANDOM"), database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"]
SEPARATORS = [",", ";", "\t", "|"]
TEXT_SUFFIXES = [".csv", ".tsv", ".txt", ".csv.gz"]
ALL_SUFFIXES = TEXT_SUFFIXES + [".xlsx", ".xls", ".parquet", ".pq", ""]
# Queue names as exports have them: Chinese, ASCII, spaces and the odd separator or quote inside.
NAME_CHARS = "电话售前咨询后服务邮件工单客服中心在线abcXYZ019 _-.,;|\"'"
OFFSETS = {"": 0, "Z": 8, "+00:00": 8, "+0000": 8, "+08:00": 0, "-05:00": 13}

MAGICS = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PAR1",
          b"\x1f\x8b", b"<html>"]
HEADERS = [b"queue,interval_start,arrivals\n", b"name;kind;start;end\n", "技能组\t进线时间\n".encode("gbk"), b""]


def _scratch(tmp_path: Path, suffix: str) -> Path:
    """A fresh file per example (hypothesis runs many examples in one test call)."""
    return Path(tempfile.mkdtemp(dir=tmp_path)) / f"table{suffix}"


def _write_table(frame: pd.DataFrame, path: Path, encoding: str, sep: str) -> None:
    name = path.name
    if name.endswith((".xlsx", ".xls")):
        frame.to_excel(path.with_suffix(".xlsx"), index=False)
        path.with_suffix(".xlsx").rename(path)
    elif name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep=sep, encoding=encoding,
                     compression="gzip" if name.endswith(".gz") else None)


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _unambiguous(text: str, encoding: str) -> bool:
    """Encodable, and a GBK text is not also valid UTF-8 (a few short Chinese texts are, e.g. 前 as
    C7 B0: the reader then rightly takes the file for UTF-8, documented in docs/plan-files.md)."""
    if not _encodable(text, encoding):
        return False
    return encoding not in ("gbk", "gb18030") or text.isascii() or not _valid_utf8(text.encode(encoding))


def _clean(call):
    """Run a reader: its result, or None when it raised the one allowed exception."""
    try:
        result = call()
        event("read")
        return result
    except InputError as exc:
        event("clean error")
        line = exc.one_line()
        assert len(line.splitlines()) == 1 and exc.file, line
        assert "Traceback" not in line and "codec can't" not in line, line
        return None


def _as_a_spreadsheet_shows(text: str) -> str:
    """Exports protected against CSV injection store ``=x`` as ``'=x``; the reader shows ``=x``."""
    return text[1:] if re.match(r"^'+[=+\-@\t\r]", text) else text


# --- a valid history in any export form is read exactly ------------------------------------------

queue_names = st.text(NAME_CHARS, min_size=1, max_size=8).map(str.strip).filter(bool)


@BOUNDED
@given(queues=st.lists(queue_names, min_size=1, max_size=3, unique=True),
       hours=st.integers(1, 30), first=st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(),
                                                    max_value=pd.Timestamp("2030-01-01").to_pydatetime()),
       counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=30),
       encoding=st.sampled_from(ENCODINGS), sep=st.sampled_from(SEPARATORS),
       suffix=st.sampled_from([".csv", ".tsv", ".txt", ".csv.gz", ".xlsx", ".parquet"]),
       offset=st.sampled_from(sorted(OFFSETS)), iso_t=st.booleans())
def test_valid_history_round_trips(tmp_path, queues, hours, first, counts, encoding, sep, suffix, offset, iso_t):
    assume(_unambiguous("".join(queues), encoding))
    start = pd.Timestamp(first).floor("h")
    stamps = pd.date_range(start, periods=hours, freq="h")
    rows = [(q, t, counts[i % len(counts)]) for q in queues for i, t in enumerate(stamps)]
    frame = pd.DataFrame(rows, columns=["queue", "interval_start", "arrivals"])
    text_times = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S" if iso_t else "%Y-%m-%d %H:%M") + offset
    written = frame.assign(interval_start=text_times)
    path = _scratch(tmp_path, suffix)
    _write_table(written, path, encoding, sep)

    history = read_history(path)

    shift = pd.Timedelta(hours=OFFSETS[offset])
    expected = frame.assign(interval_start=frame["interval_start"] + shift).sort_values(
        ["queue", "interval_start"], kind="stable").reset_index(drop=True)
    assert list(history["queue"]) == [_as_a_spreadsheet_shows(q) for q in expected["queue"]]
    assert list(history["interval_start"]) == list(expected["interval_start"])
    assert history["arrivals"].tolist() == expected["arrivals"].astype(float).tolist()


# --- random columns and values: read, or one clean error ------------------------------------------

cell = st.one_of(st.text(max_size=12), st.sampled_from(["", " ", "nan", "NULL", "-1", "1e400", "inf", "3.5", "0",
                                                       "2026-11-11 20:00", "2026-11-11T12:00:00Z", "2026-13-45",
                                                       "11/11/2026", "=HYPERLINK(\"x\")", "双十一", "\"", "a,b;c"]))
column_name = st.one_of(st.sampled_from(["queue", "interval_start", "arrivals", "aht_s", "abandoned", "name", "kind",
                                         "start", "end", "intensity", "p10", "p50", "p90", " queue "]),
                        st.text(min_size=1, max_size=8))


@BOUNDED
@given(columns=st.lists(column_name, min_size=1, max_size=7), data=st.data(), encoding=st.sampled_from(ENCODINGS),
       sep=st.sampled_from(SEPARATORS), suffix=st.sampled_from([".csv", ".tsv", ".txt", ".xlsx", ".parquet"]),
       reader=st.sampled_from(["history", "events", "forecast", "table"]))
def test_random_tables_read_or_fail_cleanly(tmp_path, columns, data, encoding, sep, suffix, reader):
    rows = data.draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns)), max_size=6))
    frame = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    path = _scratch(tmp_path, suffix)
    try:
        if suffix == ".parquet":
            assume(len(set(columns)) == len(columns))
        text = "".join(columns) + "".join("".join(r) for r in rows)
        assume(_encodable(text, encoding))
        _write_table(frame, path, encoding, sep)
    except Exception:  # noqa: BLE001 - pandas/openpyxl cannot even write this one (e.g. control characters)
        assume(False)
    read = {"history": lambda: read_history(path, fill_missing=data.draw(st.booleans())),
            "events": lambda: read_events(path), "forecast": lambda: read_forecast(path),
            "table": lambda: read_table(path)}[reader]
    _clean(read)


@BOUNDED
@given(magic=st.sampled_from(MAGICS), header=st.sampled_from(HEADERS), junk=st.binary(max_size=400),
       suffix=st.sampled_from(ALL_SUFFIXES), reader=st.sampled_from(["history", "events", "forecast", "log"]))
def test_junk_bytes_read_or_fail_cleanly(tmp_path, magic, header, junk, suffix, reader):
    path = _scratch(tmp_path, suffix)
    path.write_bytes(magic + header + junk)
    read = {"history": lambda: read_history(path), "events": lambda: read_events(path),
            "forecast": lambda: read_forecast(path),
            "log": lambda: ingest_contact_log(path, ContactLogMapping(queue_name="chat"))}[reader]
    _clean(read)


time_cell = st.one_of(
    st.datetimes(min_value=pd.Timestamp("2025-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2027-01-01").to_pydatetime()).map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S")),
    st.sampled_from(["2026-10-01T00:05:00Z", "2026-10-01 08:05:00+08:00", "2026/10/01 08:05", "20261001080500",
                     "1790000000", "1790000000000", "08:05:00", "", "NULL"]),
    cell)
log_row = st.tuples(time_cell, st.sampled_from(["售前", "chat", "", " "]) | cell, time_cell, time_cell).map(list)


@BOUNDED
@given(lines=st.lists(log_row.flatmap(lambda row: st.integers(1, 4).map(lambda n: row[:n])), min_size=1, max_size=6),
       sep=st.sampled_from(SEPARATORS), encoding=st.sampled_from(["utf-8", "gb18030"]),
       mapping=st.fixed_dictionaries({}, optional={"separator": st.sampled_from(SEPARATORS),
                                                   "encoding": st.sampled_from(["utf-8", "gbk", "latin-1", "klingon"]),
                                                   "queue_name": st.just("chat"),
                                                   "columns": st.fixed_dictionaries(
                                                       {"arrival": st.sampled_from(["arrival", "进线时间"])})}))
def test_contact_logs_read_or_fail_cleanly(tmp_path, lines, sep, encoding, mapping):
    header = ["arrival", "queue", "first_reply", "end"][:max(len(r) for r in lines)]
    body = io.StringIO()
    pd.DataFrame([r + [""] * (len(header) - len(r)) for r in lines], columns=header).to_csv(body, index=False, sep=sep)
    assume(_encodable(body.getvalue(), encoding))
    path = _scratch(tmp_path, ".csv")
    path.write_bytes(body.getvalue().encode(encoding))
    _clean(lambda: ingest_contact_log(path, ContactLogMapping.model_validate(mapping)))


# --- the workforce schema ---------------------------------------------------------------------

TINY = yaml.safe_load(TINY_WORKFORCE)
scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                   st.text(max_size=10), st.sampled_from(["08:00", "24:00", "25:61", "mon", "chat", "voice",
                                                          "standard", "Asia/Shanghai", "Mars/Olympus", "", "-1"]))
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                     max_leaves=6)


def _paths(node, prefix=()):
    """Every place in a nested mapping/list a mutation can hit."""
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _paths(child, prefix + (i,))


PLACES = [p for p in _paths(TINY) if p]


def _mutate(config: dict, place: tuple, action: str, new: object) -> object:
    parent = config
    for key in place[:-1]:
        parent = parent[key]
    last = place[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = new
    elif isinstance(parent, dict):
        parent[f"{last}_extra"] = new
    return config


@BOUNDED
@given(mutations=st.lists(st.tuples(st.sampled_from(PLACES), st.sampled_from(["delete", "replace", "add"]), value),
                          min_size=1, max_size=4))
def test_mutated_workforce_validates_or_fails_cleanly(mutations):
    config = copy.deepcopy(TINY)
    for place, action, new in mutations:
        try:
            config = _mutate(config, place, action, new)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this place
    _clean(lambda: parse_workforce(config, "workforce.yaml"))


@BOUNDED
@given(text=st.one_of(st.text(max_size=200), st.sampled_from([TINY_WORKFORCE[:n] for n in range(0, 600, 37)])),
       junk=st.binary(max_size=60), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
def test_workforce_files_read_or_fail_cleanly(tmp_path, text, junk, encoding):
    assume(_encodable(text, encoding))
    path = _scratch(tmp_path, ".yaml")
    path.write_bytes(text.encode(encoding) + junk)
    _clean(lambda: read_workforce(path))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_the_tiny_workforce_reads_in_every_encoding(tmp_path, encoding):
    path = tmp_path / "workforce.yaml"
    path.write_bytes(TINY_WORKFORCE.encode(encoding))
    assert set(read_workforce(path).queues) == {"chat_presales", "phone"}
