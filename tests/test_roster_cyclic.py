"""The shift layer reproduces known optima of two shift-covering microbenchmarks in
``../shared/data/scheduling-microbenchmarks``: cyclic 8-h shifts cover an hourly demand with 55
(published), and the Anonymous Bank's eight costed 6-h shifts cover its Erlang C needs at 6,336
(computed by the data's curator with HiGHS, not published: CP-SAT here is an independent check).

The subject is the project's shift layer (``shift_variants``: which hours a shift covers). The
oracles are the test's own: each shift's hours by plain arithmetic (cyclic case) or the data's
coverage matrix (bank case), and a covering model written here, not the roster's aggregate model."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from ortools.sat.python import cp_model

from plan.contracts.workforce import Shift
from plan.optimize.roster.instance import shift_variants

FOLDER = "scheduling-microbenchmarks"


def _hours_covered(index: int, shift: Shift) -> np.ndarray:
    """The shift layer's coverage of one day's 24 hours, the part past midnight folded back onto the
    same day (a cyclic day; a shift without breaks has one variant)."""
    (variant,) = shift_variants(index, shift, 60, 24)
    return np.asarray(variant.coverage[:24]) + np.asarray(variant.coverage[24:])


def _cheapest_cover(covers: list[np.ndarray], need: list[int], cost: list[int]) -> tuple[int, list[int]]:
    """The oracle: shifts bought so that every hour has its ``need`` at least cost, as a covering model
    of its own. Stopped on deterministic time (never the clock), so its status does not depend on the
    machine. Returns (CP-SAT status, count of each shift)."""
    model = cp_model.CpModel()
    count = [model.new_int_var(0, max(need), f"shift{s}") for s in range(len(covers))]
    for hour, agents in enumerate(need):
        model.add(sum(n for n, cover in zip(count, covers) if cover[hour]) >= agents)
    model.minimize(sum(c * n for c, n in zip(cost, count)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # one sequential search: the same answer on every run
    solver.parameters.max_deterministic_time = 30.0
    status = solver.solve(model)
    return status, [int(solver.value(n)) for n in count]


def _covers_need(covers: list[np.ndarray], counts: list[int], need: list[int]) -> bool:
    return all(sum(n * cover[hour] for n, cover in zip(counts, covers)) >= agents for hour, agents in enumerate(need))


def test_cyclic_8h_demo_optimum_is_55(shared_data):
    path = shared_data / FOLDER / "cyclic_8h_shift_demo.json"
    if not path.exists():
        pytest.skip(f"{path} absent")
    spec = json.loads(path.read_text())
    demand = spec["demand_by_hour_0_23"]
    length = spec["shift_length_hours"]
    shifts = [Shift(code=f"S{h:02d}", name=f"{h:02d}:00", start=f"{h:02d}:00", end=f"{(h + length) % 24:02d}:00")
              for h in range(24)]
    covers = [_hours_covered(s, shift) for s, shift in enumerate(shifts)]
    for start, cover in enumerate(covers):  # a shift from `start` covers `length` whole hours, wrapping at 24
        assert cover.tolist() == [1.0 if (hour - start) % 24 < length else 0.0 for hour in range(24)], start

    status, counts = _cheapest_cover(covers, demand, [1] * len(covers))

    assert status == cp_model.OPTIMAL
    assert sum(counts) == spec["published_optimum_num_shifts"] == 55
    assert _covers_need(covers, counts, demand)


def _shift_from_column(index: int, name: str, covered: list[int]) -> Shift:
    """The shift covering exactly the hours marked 1 in a coverage-matrix column (one run of hours)."""
    hours = [h for h, flag in enumerate(covered) if flag]
    assert hours == list(range(hours[0], hours[-1] + 1)), f"{name}: not one run of hours"
    return Shift(code=f"M{index + 1}", name=name, start=f"{hours[0]:02d}:00", end=f"{(hours[-1] + 1) % 24:02d}:00")


def test_anonymous_bank_costed_shifts_optimum_is_6336(shared_data):
    folder = shared_data / FOLDER
    spec_path, matrix_path = folder / "mtpa_bank_shift_ilp.json", folder / "data_anonymous_bank_shifts.csv"
    if not (spec_path.exists() and matrix_path.exists()):
        pytest.skip(f"{folder} absent")
    spec = json.loads(spec_path.read_text())
    need = spec["servers_needed_by_hour_0_23"]
    cost = spec["shift_cost_vector"]
    with matrix_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    codes = [c for c in rows[0] if c.startswith("Shift")]
    columns = [[int(row[code]) for row in rows] for code in codes]
    covers = [_hours_covered(s, _shift_from_column(s, code, column)) for s, (code, column) in
              enumerate(zip(codes, columns))]
    for code, cover, column in zip(codes, covers, columns):  # the shift layer's hours are the matrix's column
        assert cover.tolist() == [float(x) for x in column], code

    status, counts = _cheapest_cover(covers, need, cost)

    assert status == cp_model.OPTIMAL
    assert sum(c * n for c, n in zip(cost, counts)) == spec["integer_optimum_computed_here"] == 6336
    assert _covers_need([np.asarray(column) for column in columns], counts, need)
