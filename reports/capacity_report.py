"""Outputs of `plan capacity`: the month-by-month table (CSV, xlsx) and a chart of the year.

``write_capacity_report(plan, out_dir)`` writes ``capacity.csv``, ``capacity.xlsx`` (sheets
``months``, ``answer``) and ``capacity.png`` into a directory that appears whole or not at all.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.outputs import Outputs, write_csv
from plan.reports.png import save_png
from plan.reports.sheet_cells import text_stays_text

CAPACITY_FILES = ("capacity.csv", "capacity.xlsx", "capacity.png", "answer.txt")


def plot_capacity(months: pd.DataFrame, path: Path, answer: str, currency: str) -> None:
    """Stacked paid hours by source per month against the hours required; headcount on the right axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import textwrap

    x = np.arange(len(months))
    labels = [pd.Timestamp(m + "-01").strftime("%b") for m in months["month"]]
    fig, (hours_ax, cost_ax) = plt.subplots(2, 1, figsize=(12, 8), sharex=True, gridspec_kw={"height_ratios": [1.6, 1]})
    bottom = np.zeros(len(months))
    for column, colour, label in (("in_house_paid_hours", "#1f4e79", "in-house"),
                                  ("part_time_hours", "#70ad47", "part-time"),
                                  ("vendor_seat_hours", "#ed7d31", "vendor seat-hours"),
                                  ("shortfall_paid_hours", "#c00000", "not covered")):
        values = months[column].to_numpy(float) / 1000
        hours_ax.bar(x, values, bottom=bottom, color=colour, label=label, width=0.7)
        bottom += values
    hours_ax.step(np.append(x, x[-1] + 1) - 0.5, np.append(months["required_paid_hours"], months["required_paid_hours"].iloc[-1]) / 1000,
                  where="post", color="black", linewidth=1.4, label="required")
    for i, days in enumerate(months["event_days"]):
        if days:
            hours_ax.text(i, bottom[i], f"{days} event d", ha="center", va="bottom", fontsize=7, color="#7f6000")
    hours_ax.set_ylabel("paid agent-hours, thousands")
    hours_ax.set_ylim(0, max(bottom.max(), months["required_paid_hours"].max() / 1000) * 1.25)
    hours_ax.legend(loc="upper left", fontsize=8, ncol=5, frameon=False)
    hours_ax.grid(axis="y", alpha=0.3)
    heads = hours_ax.twinx()
    heads.plot(x, months["headcount"], color="#7030a0", marker="o", linewidth=1.5, label="in-house headcount")
    for i, hires in enumerate(months["hires_decided"]):
        if hires:
            heads.annotate(f"+{hires:g} hired", (i, months["headcount"].iloc[i]), textcoords="offset points",
                           xytext=(0, 8), ha="center", fontsize=7, color="#7030a0")
    heads.set_ylabel("in-house headcount", color="#7030a0")
    heads.set_ylim(0, max(1.0, months["headcount"].max()) * 1.35)
    cost_bottom = np.zeros(len(months))
    for column, colour, label in (("cost_salary", "#1f4e79", "salary"), ("cost_hiring", "#9dc3e6", "hiring"),
                                  ("cost_part_time", "#70ad47", "part-time"), ("cost_vendor", "#ed7d31", "vendor"),
                                  ("cost_bot", "#a5a5a5", "bot"), ("cost_shortfall_penalty", "#c00000", "shortfall")):
        values = months[column].to_numpy(float) / 1000
        cost_ax.bar(x, values, bottom=cost_bottom, color=colour, label=label, width=0.7)
        cost_bottom += values
    cost_ax.set_ylabel(f"cost, thousand {currency}")
    cost_ax.set_ylim(0, cost_bottom.max() * 1.25)
    cost_ax.legend(loc="upper left", fontsize=8, ncol=6, frameon=False)
    cost_ax.grid(axis="y", alpha=0.3)
    cost_ax.set_xticks(x, labels)
    fig.suptitle("\n".join(textwrap.wrap(answer, 130)), fontsize=10, x=0.01, ha="left")
    fig.tight_layout()
    save_png(fig, path, dpi=150)


def write_capacity_report(plan, out_dir: str | Path, currency: str = "CNY", *, overwrite: bool = False) -> Path:
    """Write the report into ``out_dir`` as a whole or not at all (:func:`write_capacity_files`)."""
    with Outputs(overwrite) as outputs:
        write_capacity_files(plan, outputs.directory(out_dir, names=CAPACITY_FILES).staging, currency)
    return Path(out_dir)


def write_capacity_files(plan, folder: Path, currency: str = "CNY") -> None:
    """Write the annual plan's table, workbook, chart and one-sentence answer into the empty ``folder``."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    months = plan.months
    total = months.drop(columns=["month"]).sum(numeric_only=True)
    total["headcount"] = months["headcount"].mean()
    total["productive_fte"] = months["productive_fte"].mean()
    table = pd.concat([months, pd.DataFrame([{"month": f"{plan.year} total", **total.to_dict()}])], ignore_index=True)
    write_csv(table, folder / "capacity.csv", float_format="%.2f")
    with pd.ExcelWriter(folder / "capacity.xlsx", engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="months", index=False)
        answer_rows = [("answer", plan.answer)] + [(k, v) for k, v in plan.solver.items()] + \
                      [("note", n) for n in plan.notes] + \
                      [(f"config.{k}", str(v)) for k, v in plan.config.model_dump().items()]
        pd.DataFrame(answer_rows, columns=["item", "value"]).to_excel(writer, sheet_name="answer", index=False)
        for written in writer.sheets.values():  # a scenario named =HYPERLINK(...) is a name, not a formula
            text_stays_text(written)
        sheet = writer.sheets["months"]
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F4E79")
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = 13
            fmt = f'#,##0 "{currency}"' if column.startswith("cost_") else "#,##0.0"
            if column != "month":
                for cell in sheet[letter][1:]:
                    cell.number_format = fmt
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B2"
        writer.sheets["answer"].column_dimensions["A"].width = 28
        writer.sheets["answer"].column_dimensions["B"].width = 140
    plot_capacity(months, folder / "capacity.png", plan.answer, currency)
    (folder / "answer.txt").write_text(plan.answer + "\n", encoding="utf-8")
