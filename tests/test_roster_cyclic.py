"""The shift layer reproduces known optima of two shift-covering microbenchmarks in
``../shared/data/scheduling-microbenchmarks``: cyclic 8-h shifts cover an hourly demand with 55
(published), and the Anonymous Bank's eight costed 6-h shifts cover its Erlang C needs at 6,336
(computed by the data's curator with HiGHS, not published: CP-SAT here is an independent check)."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from plan.contracts.workforce import Shift
from plan.optimize.roster.instance import shift_variants


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


def _shift_from_column(index: int, name: str, covered: list[int]) -> Shift:
    """The shift covering exactly the hours marked 1 in a coverage-matrix column (one run of hours)."""
    hours = [h for h, flag in enumerate(covered) if flag]
    assert hours == list(range(hours[0], hours[-1] + 1)), f"{name}: not one run of hours"
    return Shift(code=f"M{index + 1}", name=name, start=f"{hours[0]:02d}:00", end=f"{(hours[-1] + 1) % 24:02d}:00")


def test_anonymous_bank_costed_shifts_optimum_is_6336():
    folder = shared_data() / "scheduling-microbenchmarks"
    spec_path, matrix_path = folder / "mtpa_bank_shift_ilp.json", folder / "data_anonymous_bank_shifts.csv"
    if not (spec_path.exists() and matrix_path.exists()):
        pytest.skip(f"{folder} absent")
    spec = json.loads(spec_path.read_text())
    need = spec["servers_needed_by_hour_0_23"]
    cost = spec["shift_cost_vector"]
    with matrix_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    codes = [c for c in rows[0] if c.startswith("Shift")]
    model = cp_model.CpModel()
    count = []
    cover = [[] for _ in range(24)]
    for s, code in enumerate(codes):
        column = [int(row[code]) for row in rows]
        (variant,) = shift_variants(s, _shift_from_column(s, code, column), 60, 24)
        # the shift layer's own coverage is the matrix's column, hour by hour
        assert [float(x) for x in variant.coverage[:24] + variant.coverage[24:]] == [float(x) for x in column]
        n = model.new_int_var(0, max(need), code)
        count.append(n)
        for hour in range(24):
            if variant.coverage[hour]:
                cover[hour].append(n)
    for hour, agents in enumerate(need):
        model.add(sum(cover[hour]) >= agents)
    model.minimize(sum(c * n for c, n in zip(cost, count)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(model) == cp_model.OPTIMAL
    assert solver.objective_value == spec["integer_optimum_computed_here"] == 6336
    found = [int(solver.value(n)) for n in count]
    assert sum(c * n for c, n in zip(cost, found)) == 6336
    assert all(sum(found[s] for s, code in enumerate(codes) if int(rows[h][code])) >= need[h] for h in range(24))
