"""Turn a benchmark's JSON lines into a table in docs/benchmarks.md, so that figures in the docs
are written by the benchmarks, never by hand.

    .venv/bin/python bench/roster_scale.py | .venv/bin/python bench/markdown.py roster_scale

The table replaces the section between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``
(appended at the end when absent); nested values are flattened with dots, lists joined.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def flatten(record: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = ", ".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(records: list[dict], columns: list[str] | None) -> str:
    rows = [flatten(r) for r in records]
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def replace_section(text: str, name: str, body: str) -> str:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n{body}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: section, text)
    return text.rstrip("\n") + f"\n\n{section}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the benchmark's name (its section in docs/benchmarks.md)")
    parser.add_argument("--columns", help="comma-separated columns to show (default: all)")
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--source", help="the command that printed the JSON (default: bench/NAME.py)")
    args = parser.parse_args()
    records = [json.loads(line) for line in sys.stdin if line.strip().startswith("{")]
    if not records:
        sys.exit("no JSON lines on standard input")
    source = args.source or f"bench/{args.name}.py"
    stamp = f"_{len(records)} run(s), written {dt.date.today():%Y-%m-%d} by `{source}`_"
    body = stamp + "\n\n" + table(records, args.columns.split(",") if args.columns else None)
    text = args.docs.read_text(encoding="utf-8") if args.docs.exists() else "# Benchmarks\n"
    updated = replace_section(text, args.name, body)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=args.docs.parent, delete=False) as tmp:
        tmp.write(updated)
    os.replace(tmp.name, args.docs)


if __name__ == "__main__":
    main()
