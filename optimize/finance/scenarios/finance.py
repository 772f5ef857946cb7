"""The finance table: one row per scenario, cost, FTE, service, revenue at stake, against the baseline."""
from __future__ import annotations

from typing import Any

import pandas as pd

from plan.optimize.finance.scenarios.pricing import COST_KEYS
from plan.optimize.finance.scenarios.result import ScenarioResult


def results_table(results: list[ScenarioResult], baseline: str | None = None) -> pd.DataFrame:
    """One row per scenario: cost (total, per contact, by source), FTE by source, service per
    queue, shortfall, revenue at stake and the difference to the baseline."""
    rows = []
    for r in results:
        row: dict[str, Any] = {"scenario": r.name}
        if r.sweep_value is not None:
            row["sweep_value"] = r.sweep_value
        row.update({"mode": r.mode, "description": r.description, "total_cost": r.cost["total"],
                    "cost_per_contact": r.cost["total"] / r.contacts if r.contacts else float("nan")})
        for key in COST_KEYS:
            row[f"cost_{key}"] = r.cost.get(key, 0.0)
        for key in ("in_house", "part_time", "vendor", "bot", "required"):
            row[f"fte_{key}"] = r.fte.get(key, float("nan"))
        for queue, service in r.service.items():
            row[f"service_level_{queue}"] = service["service_level"]
            row[f"asa_s_{queue}"] = service["asa_s"]
            row[f"abandon_{queue}"] = service["abandon_rate"]
        contacts = sum(s["contacts"] for s in r.service.values())
        row["service_level_all"] = (sum(s["service_level"] * s["contacts"] for s in r.service.values()) / contacts
                                    if contacts else float("nan"))
        row["shortfall_contacts"] = r.shortfall_contacts
        row["contacts"] = r.contacts
        for key, value in r.revenue.items():
            row[key] = value
        row["solver_status"] = r.solver.get("status", "")
        row["solver_gap"] = r.solver.get("gap")
        row["seconds"] = r.seconds
        row["notes"] = "; ".join(r.notes)
        rows.append(row)
    table = pd.DataFrame(rows)
    if "sweep_value" in table:
        table.insert(1, "sweep_value", table.pop("sweep_value"))
    base_name = baseline if baseline in set(table["scenario"]) else None
    if base_name is not None:
        base = table.loc[table["scenario"] == base_name].iloc[0]
        table.insert(table.columns.get_loc("cost_per_contact") + 1, "cost_vs_baseline",
                     table["total_cost"] - base["total_cost"])
        if "presales_revenue" in table:
            table["revenue_vs_baseline"] = table["presales_revenue"] - base["presales_revenue"]
            table["net_vs_baseline"] = table["revenue_vs_baseline"] - table["cost_vs_baseline"]
        table["fte_required_vs_baseline"] = table["fte_required"] - base["fte_required"]
    return table
