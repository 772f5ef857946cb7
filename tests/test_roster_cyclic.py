"""The shift layer reproduces a published optimum: cyclic 8-h shifts cover an hourly demand with 55."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from contracts.workforce import Shift
from optimize.roster.instance import shift_variants


def shared_data() -> Path:
    return Path(os.environ.get("PLAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def test_cyclic_8h_demo_optimum_is_55():
    path = shared_data() / "scheduling-microbenchmarks" / "cyclic_8h_shift_demo.json"
    if not path.exists():
        pytest.skip(f"{path} absent")
    spec = json.loads(path.read_text())
    demand = spec["demand_by_hour_0_23"]
    length = spec["shift_length_hours"]
    shifts = [Shift(code=f"S{h:02d}", name=f"{h:02d}:00", start=f"{h:02d}:00", end=f"{(h + length) % 24:02d}:00")
              for h in range(24)]
    model = cp_model.CpModel()
    count = []
    cover = [[] for _ in range(24)]
    for s, shift in enumerate(shifts):
        (variant,) = shift_variants(s, shift, 60, 24)  # no breaks: one variant
        n = model.new_int_var(0, max(demand), shift.code)
        count.append(n)
        for k, share in enumerate(variant.coverage):
            if share:
                cover[k % 24].append(n)  # cyclic day: the next day's hours fold back onto this one
    for hour, need in enumerate(demand):
        model.add(sum(cover[hour]) >= need)
    model.minimize(sum(count))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(model) == cp_model.OPTIMAL
    assert solver.objective_value == spec["published_optimum_num_shifts"] == 55
