"""The command line's options, checked once, here, before any command starts working.

Each ``*_option`` returns a ``typer.Option`` whose callback refuses a bad value with
:class:`typer.BadParameter`; :func:`plan.cli.app.main` prints it as one line and exits with 2.
Output paths are checked by :class:`plan.contracts.outputs.Outputs` at the top of each command.
"""
from __future__ import annotations

import codecs
import math
import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

FIRST_YEAR, LAST_YEAR = 2000, 2100  # plannable years (pandas timestamps end in 2262)
MAX_TIME_LIMIT_S = 7 * 24 * 3600.0
MAX_SEED = 2**31 - 1  # CP-SAT and numpy both take a non-negative 32-bit seed
MONTH_FORM = re.compile(r"^(\d{4})-(\d{2})$")
DATE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- value checks (each returns the value, or raises typer.BadParameter with the reason) ----------

def check_month(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    match = MONTH_FORM.match(value.strip())
    if not match:
        raise typer.BadParameter(f"expected a month YYYY-MM such as 2026-11, got {value!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise typer.BadParameter(f"month {month:02d} does not exist in {value!r} (01..12)")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise typer.BadParameter(f"year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")
    return value.strip()


def check_date(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    text = value.strip()
    if not DATE_FORM.match(text):
        raise typer.BadParameter(f"expected a date YYYY-MM-DD such as 2026-11-01, got {value!r}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a day of the calendar") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise typer.BadParameter(f"year {day.year} is outside {FIRST_YEAR}..{LAST_YEAR}")
    return text


def check_time_limit(value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"must be a number of seconds > 0, got {value:g}")
    if value > MAX_TIME_LIMIT_S:
        raise typer.BadParameter(f"must be at most {MAX_TIME_LIMIT_S:.0f} s (a week), got {value:g}")
    return value


def check_seed(value: int) -> int:
    if not 0 <= value <= MAX_SEED:
        raise typer.BadParameter(f"must be a whole number 0..{MAX_SEED}, got {value}")
    return value


def check_country(value: str) -> str:
    import holidays

    code = value.strip().upper()
    if code not in holidays.list_supported_countries():
        raise typer.BadParameter(f"{value!r} is not a country the holidays calendar knows (ISO code such as CN, US)")
    return code


def check_timezone(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"{value!r} is not a time zone name such as Asia/Shanghai") from None
    return value


def check_encoding(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    try:
        codecs.lookup(value)
    except LookupError:
        raise typer.BadParameter(f"{value!r} is not a text encoding (e.g. utf-8, gb18030)") from None
    return value


def check_input_file(value: Optional[Path]) -> Optional[Path]:
    if value is None:
        return None
    if not value.exists():
        raise typer.BadParameter(f"{value}: file not found")
    if value.is_dir():
        raise typer.BadParameter(f"{value}: is a folder, expected a file")
    if not os.access(value, os.R_OK):
        raise typer.BadParameter(f"{value}: no permission to read it")
    return value


def check_existing_path(value: Optional[Path]) -> Optional[Path]:
    """A file or a folder to read (a plan directory, a table)."""
    if value is not None and not value.exists():
        raise typer.BadParameter(f"{value}: not found")
    return value


def check_plan_directory(value: Path) -> Path:
    if not value.is_dir():
        raise typer.BadParameter(f"{value}: {'is a file, not' if value.exists() else 'no such'} plan directory")
    return value


def one_of(choices: tuple[Any, ...]) -> Callable[[Any], Any]:
    def check(value):
        if value is not None and value not in choices:
            raise typer.BadParameter(f"must be one of {', '.join(map(str, choices))}; got {value!r}")
        return value
    return check


def check_positive_number(value: Optional[float]) -> Optional[float]:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"must be a number > 0, got {value:g}")
    return value


# --- options ---------------------------------------------------------------------------------------

def month_option(default: Optional[str], help: str) -> Any:
    return typer.Option(default, help=help, callback=check_month)


def date_option(help: str) -> Any:
    return typer.Option(None, help=help, callback=check_date)


def time_limit_option(default: Optional[float], help: str) -> Any:
    return typer.Option(default, "--time-limit", help=help, callback=check_time_limit)


def seed_option(help: str = "Random seed (same seed, same result).") -> Any:
    return typer.Option(0, help=help, callback=check_seed)


def choice_option(default: Any, choices: tuple[Any, ...], help: str) -> Any:
    return typer.Option(default, help=f"{help} One of: {', '.join(map(str, choices))}.", callback=one_of(choices))


def country_option() -> Any:
    return typer.Option("CN", help="Country for public holidays and swapped working days (ISO code).",
                        callback=check_country)


def interval_minutes_option(default: Optional[int], help: str, daily: bool = False) -> Any:
    """Interval length of a table: 60, 30 or 15 minutes, and with ``daily`` also 1440 (one row per day)."""
    return typer.Option(default, help=help, callback=one_of((60, 30, 15, 1440) if daily else (60, 30, 15)))


def input_file_option(default: Optional[Path], help: str, *names: str) -> Any:
    """A file to read: it must exist and be a file (checked when the command line is parsed)."""
    return typer.Option(default, *names, help=help, callback=check_input_file)


def overwrite_option() -> Any:
    return typer.Option(False, "--overwrite", help="Replace results plan wrote before even if they were edited, and "
                                                    "write into a folder that also holds other files (those are "
                                                    "never touched).")
