"""One violation found by the checker: where (file and line), who/what, which rule, and why."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Violation:
    file: str            # plan file the offending figure is in, e.g. "roster.csv"
    line: int | None     # 1-based line in that file (header = line 1), None for whole-file findings
    rule: str            # stable key, e.g. "consecutive_days", "cost_mismatch"
    subject: str         # who or what: "E017 王芳 2026-11-08", "phone 2026-11-11 20:00", "cost.vendor"
    message: str         # what is wrong, with the limit it breaks

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        subject = f"{self.subject}: " if self.subject else ""
        return f"{place}: {subject}{self.message}"

    def as_dict(self) -> dict:
        return asdict(self) | {"text": str(self)}


def hours(value: float) -> str:
    """3.0 → "3 h", 7.5 → "7.5 h" (plan figures are in whole or half hours mostly)."""
    return f"{value:.4g} h"
