"""Finance outputs of `plan scenarios`: the table as CSV and xlsx, and a chart for a deck.

``write_scenarios_report(table, out_dir, ...)`` writes ``scenarios.csv``, ``scenarios.xlsx`` and
``scenarios.png`` into a directory that appears whole or not at all.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from plan.contracts.outputs import Outputs, write_csv
from plan.reports.png import save_png
from plan.reports.sheet_cells import text_stays_text

SOURCE_COLOURS = {"in_house": "#1f4e79", "overtime": "#5b9bd5", "part_time": "#70ad47", "vendor": "#ed7d31",
                  "bot": "#a5a5a5", "shortfall_penalty": "#c00000"}
SOURCE_LABELS = {"in_house": "in-house salary", "overtime": "overtime", "part_time": "part-time", "vendor": "vendor seats",
                 "bot": "bot", "shortfall_penalty": "shortfall penalty"}
MONEY_COLUMNS_PREFIX = ("total_cost", "cost_", "presales_revenue", "revenue_", "net_")


def _money(column: str) -> bool:
    return column.startswith(MONEY_COLUMNS_PREFIX) and column != "cost_per_contact"


def write_workbook(table: pd.DataFrame, path: Path, findings: list[str], notes: list[str], currency: str) -> None:
    """One sheet per view: the scenarios, then findings and method notes."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="scenarios", index=False)
        pd.DataFrame({"finding": findings or ["(none)"]}).to_excel(writer, sheet_name="findings", index=False)
        pd.DataFrame({"method note": notes or ["(none)"]}).to_excel(writer, sheet_name="method", index=False)
        for written in writer.sheets.values():  # a scenario named =HYPERLINK(...) is a name, not a formula
            text_stays_text(written)
        sheet = writer.sheets["scenarios"]
        header_fill = PatternFill("solid", fgColor="1F4E79")
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            if _money(column):
                fmt = f'#,##0 "{currency}"' if column != "cost_per_contact" else "0.00"
            elif column.startswith(("service_level", "abandon_")):
                fmt = "0.0%"
            elif column.startswith(("fte_", "asa_s_", "cost_per_contact", "shortfall", "contacts", "seconds")):
                fmt = "#,##0.0"
            else:
                fmt = None
            if fmt:
                for cell in sheet[letter][1:]:
                    cell.number_format = fmt
            sheet.column_dimensions[letter].width = 14 if column not in ("scenario", "description", "notes") else 30
        sheet.freeze_panes = "B2"
        for name in ("findings", "method"):
            writer.sheets[name].column_dimensions["A"].width = 120


def plot_scenarios(table: pd.DataFrame, path: Path, currency: str, title: str = "Scenarios") -> None:
    """Left: monthly cost by source per scenario (stacked bars). Right: cost against service achieved."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = table["scenario"].astype(str).tolist()
    labels = [f"{n}\n= {v:g}" if "sweep_value" in table and pd.notna(v) else n
              for n, v in zip(names, table.get("sweep_value", pd.Series([np.nan] * len(table))))]
    if "sweep_value" in table and table["sweep_value"].notna().all():
        labels = [f"{v:g}" for v in table["sweep_value"]]
    fig, (bars, scatter) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1.35, 1]})
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for key, colour in SOURCE_COLOURS.items():
        values = table.get(f"cost_{key}", pd.Series(np.zeros(len(table)))).to_numpy(float) / 1000
        if np.allclose(values, 0):
            continue
        bars.barh(y, values, left=left, color=colour, label=SOURCE_LABELS[key], height=0.62)
        left += values
    delta = table["cost_vs_baseline"].to_numpy(float) / 1000 if "cost_vs_baseline" in table else None
    for i, total in enumerate(left):
        text = f" {total:,.0f}k"
        if delta is not None and abs(delta[i]) >= 0.5:
            text += f" ({delta[i]:+,.0f}k)"
        bars.text(total, i, text, va="center", fontsize=8)
    bars.set_yticks(y, labels, fontsize=8)
    bars.invert_yaxis()
    bars.set_xlabel(f"cost of the month, thousand {currency}")
    bars.set_title("Cost by source (difference to the baseline)")
    bars.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=7, frameon=False)
    bars.set_xlim(0, left.max() * 1.3 if len(left) else 1)
    bars.grid(axis="x", alpha=0.3)

    service = table["service_level_all"].to_numpy(float) * 100
    cost = table["total_cost"].to_numpy(float) / 1000
    vendor_share = (table.get("cost_vendor", 0) / table["total_cost"]).to_numpy(float)
    points = scatter.scatter(service, cost, c=vendor_share, cmap="Oranges", vmin=0, vmax=max(0.3, vendor_share.max()),
                             s=70, edgecolor="#1f4e79", zorder=3)
    spots: dict[tuple[float, float], list[str]] = {}
    for label, x, yv in zip(labels, service, cost):  # scenarios landing on the same point share one label
        spots.setdefault((round(x, 2), round(yv, 1)), []).append(label.replace("\n", " "))
    for (x, yv), names_here in spots.items():
        scatter.annotate(", ".join(names_here), (x, yv), textcoords="offset points", xytext=(5, 4), fontsize=7)
    scatter.set_xlabel("service achieved, % of contacts within target")
    scatter.set_ylabel(f"total cost, thousand {currency}")
    scatter.set_title("Cost vs service (colour: vendor share of cost)")
    scatter.grid(alpha=0.3)
    fig.colorbar(points, ax=scatter, fraction=0.046, pad=0.02, format=lambda v, _: f"{v:.0%}")
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    fig.tight_layout()
    save_png(fig, path, dpi=150)


SCENARIO_FILES = ("scenarios.csv", "scenarios.xlsx", "scenarios.png", "findings.txt", "plans")


def write_scenarios_report(table: pd.DataFrame, out_dir: str | Path, *, findings: list[str] | None = None,
                           notes: list[str] | None = None, currency: str = "CNY", title: str = "Scenarios",
                           also: Callable[[Path], None] | None = None, overwrite: bool = False) -> Path:
    """Write the report into ``out_dir`` as a whole or not at all (:func:`write_scenarios_files`)."""
    with Outputs(overwrite) as outputs:
        write_scenarios_files(table, outputs.directory(out_dir, names=SCENARIO_FILES).staging, findings=findings,
                              notes=notes, currency=currency, title=title, also=also)
    return Path(out_dir)


def write_scenarios_files(table: pd.DataFrame, folder: Path, *, findings: list[str] | None = None,
                          notes: list[str] | None = None, currency: str = "CNY", title: str = "Scenarios",
                          also: Callable[[Path], None] | None = None) -> None:
    """Write ``scenarios.csv``, ``scenarios.xlsx``, ``scenarios.png`` and ``findings.txt`` into the
    empty ``folder``; ``also(folder)`` may add more (e.g. the full-mode plan directories under ``plans/``)."""
    write_csv(table, folder / "scenarios.csv")
    write_workbook(table, folder / "scenarios.xlsx", findings or [], notes or [], currency)
    plot_scenarios(table, folder / "scenarios.png", currency, title)
    (folder / "findings.txt").write_text("\n".join(findings or []) + "\n", encoding="utf-8")
    if also is not None:
        also(folder)
