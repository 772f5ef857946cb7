"""One set of figures per month: a quick-mode estimate is labelled as one, next to its number."""
from __future__ import annotations

import pandas as pd
from rich.console import Console

from plan.cli.scenarios import ESTIMATE_MARK, _summary, scenario_findings


def _table() -> pd.DataFrame:
    return pd.DataFrame({"scenario": ["baseline", "bot_40"], "mode": ["quick", "full"],
                         "total_cost": [470994.3, 468889.4], "cost_vs_baseline": [0.0, -2104.9],
                         "cost_per_contact": [13.46, 13.38], "cost_vendor": [13418.5, 13418.5],
                         "fte_required": [44.8, 44.2], "fte_required_vs_baseline": [0.0, -0.6],
                         "service_level_all": [0.9686, 0.9692]})


def _rendered(table) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_quick_rows_are_marked_estimates_next_to_cost_and_service():
    lines = {line.split("│")[1].strip(): line for line in _rendered(_summary(_table(), "CNY")).splitlines()
             if line.startswith("│")}
    assert f"470,994{ESTIMATE_MARK}" in lines["baseline"] and f"96.9%{ESTIMATE_MARK}" in lines["baseline"]
    assert ESTIMATE_MARK not in lines["bot_40 (full)"] and "468,889" in lines["bot_40 (full)"]


def test_findings_say_when_they_compare_estimates():
    table = _table().assign(mode="quick")
    (line,) = scenario_findings(table, "baseline", "CNY")
    assert "(quick-mode estimates)" in line
    (line,) = scenario_findings(_table(), "baseline", "CNY")
    assert "estimate" not in line
