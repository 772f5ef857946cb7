"""``write_plan``: the plan directory of docs/plan-files.md, written as a whole or not at all."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.tables import atomic_directory
from plan.optimize.roster.plan import RosterPlan

INPUT_NAMES = {"workforce": "workforce.yaml", "forecast": "forecast.csv", "events": "events.csv",
               "requirements": "requirements.csv"}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_summary(summary: dict, path: Path) -> None:
    path.write_text(json.dumps(_jsonable(summary), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_plan(plan: RosterPlan, out_dir: str | Path, inputs: dict[str, str | Path | pd.DataFrame] | None = None) -> Path:
    """Write roster.csv, vendor_seats.csv, coverage.csv, summary.json, inputs/ (copies of the files
    the plan was made from, so `plan verify DIR` needs nothing else), roster.xlsx and coverage.png.
    ``inputs`` maps workforce / forecast / events / requirements to a path or a DataFrame."""
    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as tmp:
        plan.roster.to_csv(tmp / "roster.csv", index=False, lineterminator="\n")
        plan.vendor_seats.to_csv(tmp / "vendor_seats.csv", index=False, lineterminator="\n")
        plan.coverage.to_csv(tmp / "coverage.csv", index=False, lineterminator="\n")
        (tmp / "inputs").mkdir()
        written = {}
        for key, source in (inputs or {}).items():
            if source is None:
                continue
            target = tmp / "inputs" / INPUT_NAMES.get(key, f"{key}.csv")
            if isinstance(source, pd.DataFrame):
                frame = source.copy()
                for column in frame.columns:
                    if pd.api.types.is_datetime64_any_dtype(frame[column]):
                        fmt = "%Y-%m-%d" if key == "events" else "%Y-%m-%d %H:%M"
                        frame[column] = frame[column].dt.strftime(fmt)
                frame.to_csv(target, index=False, lineterminator="\n")
            else:
                shutil.copyfile(source, target)
            written[key] = f"inputs/{target.name}"
        summary = dict(plan.summary)
        summary["inputs"] = written
        write_summary(summary, tmp / "summary.json")
        from plan.reports.coverage_plot import plot_coverage
        from plan.reports.roster_workbook import write_roster_workbook
        write_roster_workbook(tmp)
        plot_coverage(tmp)
    return out_dir
