"""``write_plan``: the plan directory of docs/plan-files.md, written as a whole or not at all."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.outputs import Outputs, write_csv
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


PLAN_FILES = ("roster.csv", "vendor_seats.csv", "coverage.csv", "summary.json", "roster.xlsx", "coverage.png",
              "inputs")


def write_plan(plan: RosterPlan, out_dir: str | Path, inputs: dict[str, str | Path | pd.DataFrame] | None = None,
               *, overwrite: bool = False) -> Path:
    """Write the plan directory ``out_dir`` as a whole or not at all (see :func:`write_plan_files`);
    a folder holding anything plan did not write is refused (:mod:`plan.contracts.outputs`)."""
    with Outputs(overwrite) as outputs:
        write_plan_files(plan, outputs.directory(out_dir, names=PLAN_FILES).staging, inputs)
    return Path(out_dir)


def write_plan_files(plan: RosterPlan, folder: Path, inputs: dict[str, str | Path | pd.DataFrame] | None = None) -> None:
    """Write roster.csv, vendor_seats.csv, coverage.csv, summary.json, inputs/ (copies of the files
    the plan was made from, so `plan verify DIR` needs nothing else), roster.xlsx and coverage.png
    into the empty ``folder``. ``inputs`` maps workforce / forecast / events / requirements to a
    path or a DataFrame."""
    write_csv(plan.roster, folder / "roster.csv")
    write_csv(plan.vendor_seats, folder / "vendor_seats.csv")
    write_csv(plan.coverage, folder / "coverage.csv")
    (folder / "inputs").mkdir()
    written = {}
    for key, source in (inputs or {}).items():
        if source is None:
            continue
        target = folder / "inputs" / INPUT_NAMES.get(key, f"{key}.csv")
        if isinstance(source, pd.DataFrame):
            frame = source.copy()
            for column in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[column]):
                    fmt = "%Y-%m-%d" if key == "events" else "%Y-%m-%d %H:%M"
                    frame[column] = frame[column].dt.strftime(fmt)
            write_csv(frame, target)
        else:
            shutil.copyfile(source, target)
        written[key] = f"inputs/{target.name}"
    summary = dict(plan.summary)
    summary["inputs"] = written
    write_summary(summary, folder / "summary.json")
    from plan.reports.coverage_plot import plot_coverage
    from plan.reports.roster_workbook import write_roster_workbook
    write_roster_workbook(folder)
    plot_coverage(folder)
