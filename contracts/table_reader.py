"""The one reader of user tables: history, events, forecasts, requirements, plan files and raw
contact logs all come through :func:`read_table` (and :func:`read_header`).

It reads what Chinese CS platforms and Excel actually export:

* by suffix: ``.csv``/``.tsv``/``.txt`` (and ``.gz`` of them, or any other name) as delimited
  text, ``.xlsx``/``.xlsm``/``.xls`` as a workbook (first sheet), ``.parquet``/``.pq`` as Parquet;
* text in UTF-8 with or without BOM, else GB18030 (the superset of GBK that "Excel-friendly"
  exports use), or UTF-16 with a BOM (Excel's "Unicode text"); the encoding used is named in
  every message about the file;
* the separator sniffed from the header line: ``,`` ``;`` tab or ``|``.

The file's first bytes are checked against its suffix, so a workbook renamed ``.csv`` or a CSV
renamed ``.xlsx`` is named as such with the fix, not reported as a codec error. Every failure is
an :class:`InputError` naming the file.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from plan.contracts.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TAB_SUFFIXES = (".tsv", ".tab")
SEPARATORS = (",", "\t", ";", "|")
# Enough of a file to decide its encoding and read its header; a UTF-8 file with a non-UTF-8 byte
# further on is re-read as GB18030 when the full read meets it.
SAMPLE_BYTES = 1 << 20

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-protected .xlsx
PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GB18030", "utf-16": "UTF-16"}

Kind = Literal["text", "excel", "parquet"]


@dataclass(frozen=True)
class TableSource:
    """How one file is read: its kind and, for text, the encoding and separator found."""
    path: Path
    kind: Kind
    encoding: str | None = None
    separator: str | None = None
    excel_engine: str | None = None

    def describe(self) -> str:
        if self.kind != "text":
            return {"excel": "Excel workbook", "parquet": "Parquet file"}[self.kind]
        name = ENCODING_NAMES.get(self.encoding or "", self.encoding or "")
        sep = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(self.separator or ",", repr(self.separator))
        return f"{name} text, {sep}-separated"


# ---- what the file is ------------------------------------------------------------------------
def _head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes of the file, unpacked when it is gzipped."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(size)
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(path, f"not a valid gzip file (damaged or cut short?): {_problem(exc)}") from None


def _content_kind(head: bytes) -> str:
    """What the first bytes say the file is: zip (xlsx), ole (xls), parquet, html or text."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    start = head.lstrip(codecs.BOM_UTF8).lstrip()[:64].lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        return "html"
    return "text"


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _wrong_content(path: Path, suffix: str, content: str) -> InputError:
    """A file whose bytes contradict its name: say what it is and how to name it."""
    if content == "zip":
        return InputError(path, f"is an Excel workbook (xlsx) named {suffix or 'without suffix'}: rename it to .xlsx")
    if content == "ole":
        return InputError(path, f"is an Excel workbook (xls) named {suffix or 'without suffix'}: rename it to .xls")
    if content == "parquet":
        return InputError(path, f"is a Parquet file named {suffix or 'without suffix'}: rename it to .parquet")
    if content == "html":
        return InputError(path, "is a web page (HTML), not a table: some platforms export HTML named .xls; "
                                "open it in Excel and save it as .xlsx or CSV")
    if suffix in PARQUET_SUFFIXES:
        return InputError(path, "not a valid Parquet file (is it a CSV renamed?): rename it to .csv")
    return InputError(path, "not a valid Excel file (is it a CSV renamed?): rename it to .csv")


def text_encoding(head: bytes, *, complete: bool) -> str | None:
    """``utf-8-sig`` (with or without BOM), ``utf-16`` (with BOM) or ``gb18030``, whichever
    decodes ``head``; ``None`` when none does. ``complete`` is False for a sample cut mid-file
    (a multi-byte character may be cut at its end)."""
    candidates = ("utf-16",) if head.startswith(UTF16_BOMS) else ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def _header_line(head: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    return text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""


def sniff_separator(header: str, suffix: str) -> str:
    """The separator that splits the header line into the most fields (a quoted name may hold
    any of them); with one field only, the suffix's default (tab for .tsv, else comma)."""
    default = "\t" if suffix in TAB_SUFFIXES else ","
    best, best_fields = default, 1
    for candidate in (default, *SEPARATORS):
        fields = len(next(csv.reader([header], delimiter=candidate), []))
        if fields > best_fields:
            best, best_fields = candidate, fields
    return best


def inspect_table(path: str | Path, *, encoding: str | None = None, separator: str | None = None) -> TableSource:
    """Decide how to read ``path``: kind by suffix (checked against the first bytes), encoding and
    separator for text. ``encoding``/``separator`` given by the user are taken as they are."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, expected a file")
    suffix = _suffix(path)
    head = _head(path)
    content = _content_kind(head)
    if suffix in PARQUET_SUFFIXES:
        if content != "parquet":
            raise _wrong_content(path, suffix, content)
        return TableSource(path, "parquet")
    if suffix in EXCEL_SUFFIXES:
        if content in ("zip", "ole"):  # .xlsx / legacy .xls: calamine reads both, far faster than openpyxl
            return TableSource(path, "excel", excel_engine="calamine")
        if content != "text" or suffix != ".xls":
            raise _wrong_content(path, suffix, content)
        # Some platforms write tab-separated text and name it .xls: read it as the text it is.
    elif content != "text":
        raise _wrong_content(path, suffix, content)
    if not head.strip():
        raise InputError(path, "empty file: expected a header line")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(path, f"unknown text encoding {encoding!r} (e.g. utf-8, gb18030)") from None
    else:
        encoding = text_encoding(head, complete=len(head) < SAMPLE_BYTES)
        if encoding is None or "\x00" in _header_line(head, encoding):
            raise InputError(path, "not a text table in UTF-8 or GB18030 (a binary file?): save it as CSV (UTF-8)")
    separator = separator or sniff_separator(_header_line(head, encoding), suffix)
    return TableSource(path, "text", encoding=encoding, separator=separator)


# ---- reading -----------------------------------------------------------------------------------
def _problem(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _read_text(source: TableSource, usecols: list[str] | None, nrows: int | None = None) -> pd.DataFrame:
    """Delimited text as strings. The multi-threaded Arrow reader is several times faster than
    pandas' C reader on a million rows; anything it refuses is re-read by the C reader, whose
    error names the line."""
    options = dict(sep=source.separator, dtype=str, keep_default_na=False, usecols=usecols,
                   encoding=source.encoding)
    if nrows is None and len(source.separator or ",") == 1:
        try:
            return pd.read_csv(source.path, engine="pyarrow", **options)
        except Exception:  # noqa: BLE001 - re-read below by the reader that explains the problem
            pass
    with warnings.catch_warnings():
        # A first row longer than the header would silently become an index (index_col=False) or
        # lose its last fields (the warning): both are a bad file, reported with the line.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(source.path, engine="c", nrows=nrows, index_col=False, **options)
        except pd.errors.ParserWarning:
            raise _long_row(source) from None


_TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _long_row(source: TableSource) -> InputError:
    """The first line with more fields than the header (found on the error path only)."""
    with open(source.path, "rb") as handle:
        opener = gzip.open if handle.read(2) == GZIP_MAGIC else open
    with opener(source.path, "rt", encoding=source.encoding, errors="replace", newline="") as handle:
        rows = csv.reader(handle, delimiter=source.separator or ",")
        header = next(rows, [])
        for line, row in enumerate(rows, start=2):
            if len(row) > len(header):
                return _too_many_fields(source, len(header), line, len(row))
    return InputError(source.path, f"a row has more fields than the header ({source.describe()})")


def _too_many_fields(source: TableSource, expected: int, line: int, seen: int) -> InputError:
    return InputError(source.path, f"{seen} fields but the header has {expected} (read as {source.describe()}): "
                                   "a value holding the separator needs quotes", row=line)


def _read(source: TableSource, usecols: list[str] | None, header_only: bool = False) -> pd.DataFrame:
    nrows = 0 if header_only else None
    if source.kind == "parquet":
        if header_only:
            import pyarrow.parquet as pq
            return pd.DataFrame(columns=list(pq.read_schema(source.path).names))
        return pd.read_parquet(source.path, columns=usecols)
    if source.kind == "excel":
        return pd.read_excel(source.path, dtype=str, keep_default_na=False, usecols=usecols, nrows=nrows,
                             engine=source.excel_engine)
    return _read_text(source, usecols, nrows)


def _read_or_explain(source: TableSource, usecols: list[str] | None, header_only: bool = False) -> pd.DataFrame:
    try:
        frame = _read(source, usecols, header_only)
        frame.attrs["read_as"] = source.describe()
        return frame
    except InputError:
        raise
    except ImportError as exc:
        raise InputError(source.path, f"reading this {source.describe()} needs {exc.name or 'a missing package'}: "
                                      "save it as .xlsx or CSV") from None
    except UnicodeDecodeError as exc:
        if source.encoding == "utf-8-sig":
            # UTF-8 in the sample, not further on: the file is GB18030 after all.
            return _read_or_explain(TableSource(source.path, "text", "gb18030", source.separator), usecols,
                                    header_only)
        raise InputError(source.path, f"not {source.describe()} (byte {exc.start} cannot be decoded): "
                                      "save it as CSV (UTF-8)") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad input here
        raise _explained(source, exc) from None


def _explained(source: TableSource, exc: Exception) -> InputError:
    """A parser's exception as the user's problem with the file."""
    too_many = _TOO_MANY_FIELDS.search(str(exc))
    if too_many:
        expected, line, seen = map(int, too_many.groups())
        return _too_many_fields(source, expected, line, seen)
    if source.kind == "excel":
        return InputError(source.path, f"not a readable Excel workbook (damaged or password-protected?): "
                                       f"{_problem(exc)}; save it again as .xlsx or CSV")
    if source.kind == "parquet":
        return InputError(source.path, f"not a readable Parquet file (damaged?): {_problem(exc)}")
    return InputError(source.path, f"cannot read as {source.describe()}: {_problem(exc)}")


def _stripped_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Header names without surrounding spaces (``queue, interval_start`` typed by hand)."""
    names = [str(c).strip() for c in frame.columns]
    if names != list(frame.columns):
        frame.columns = names
    return frame


def read_header(path: str | Path | TableSource, *, encoding: str | None = None,
                separator: str | None = None) -> list[str]:
    """Column names of a table (spaces around them removed), read without its rows."""
    source = path if isinstance(path, TableSource) else inspect_table(path, encoding=encoding, separator=separator)
    return list(_stripped_names(_read_or_explain(source, None, header_only=True)).columns)


def read_table(path: str | Path | TableSource, *, sep: str | None = None, usecols: list[str] | None = None,
               encoding: str | None = None) -> pd.DataFrame:
    """Read a user table into a DataFrame of strings (Parquet keeps its types), untyped and
    unvalidated; ``usecols`` (names as :func:`read_header` gives them) reads only those columns.
    ``df.attrs['read_as']`` says how the file was read (e.g. ``GB18030 text, ';'-separated``)."""
    source = path if isinstance(path, TableSource) else inspect_table(path, encoding=encoding, separator=sep)
    raw_usecols = None
    if usecols is not None:
        raw_names = {str(c).strip(): c for c in _read_or_explain(source, None, header_only=True).columns}
        missing = [c for c in usecols if c not in raw_names]
        if missing:
            raise InputError(source.path, f"missing column(s) {', '.join(missing)}; found "
                                          f"{', '.join(raw_names)}", row=1, field=missing[0])
        raw_usecols = [raw_names[c] for c in usecols]
    from plan.contracts.outputs import restore_formula_text  # plan's own CSVs quote formula-like text

    return restore_formula_text(_stripped_names(_read_or_explain(source, raw_usecols)))


def decode_text_file(path: str | Path) -> str:
    """A whole text file (YAML) as a string: UTF-8 with or without BOM, else GB18030."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, expected a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    encoding = text_encoding(data, complete=True)
    text = data.decode(encoding) if encoding is not None else ""
    if encoding is None or _content_kind(data) != "text" or "\x00" in text:
        raise InputError(path, "not a text file in UTF-8 or GB18030 (a binary file?): save it as UTF-8 text")
    return text
