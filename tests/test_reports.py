"""The plan's human-facing reports on the small hand-built plan of test_verify."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import openpyxl
import pytest

from plan.contracts.errors import InputError
from plan.reports.coverage_plot import peak_window, plot_coverage
from plan.reports.coverage_units import below_requirement, effective_coverage
from plan.reports.roster_workbook import daily_coverage, write_roster_workbook
from plan.contracts.plan_files import read_plan
from test_verify import build_plan


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory) -> Path:
    directory = build_plan(tmp_path_factory.mktemp("reports") / "roster-2026-11")
    write_roster_workbook(directory)
    return directory


@pytest.fixture(scope="module")
def workbook(plan_dir):
    return openpyxl.load_workbook(plan_dir / "roster.xlsx")


def test_workbook_has_its_sheets(workbook):
    assert workbook.sheetnames == ["排班表", "兼职 part-time", "外包 vendors", "明细 detail", "coverage", "cost"]


GRID_TOP = 5   # under the title block (test_roster_sheet.py checks it); day number, weekday, marks


def test_schedule_grid_values_and_headers(workbook):
    ws = workbook["排班表"]
    assert [ws.cell(GRID_TOP, c).value for c in range(4, 34)] == list(range(1, 31))
    assert ws.cell(GRID_TOP + 1, 4).value == "日" and ws.cell(GRID_TOP + 1, 5).value == "一"   # 11-01 is a Sunday
    rows = {ws.cell(r, 1).value: r for r in range(GRID_TOP + 3, GRID_TOP + 7)}
    assert list(rows) == ["E001", "E002", "E003", "E004"]             # part-timers have their own sheet
    e001 = [ws.cell(rows["E001"], c).value for c in range(4, 11)]
    assert e001 == ["休", "D\nCP", "D\nPH", "D\nCP", "D\nPH", "D\nCP", "D\nPH"]   # Sat 11-07 worked as overtime
    assert ws.cell(rows["E004"], 4 + 16).value == "假"                # leave on 11-17
    # shift colour from the template, rest in its own colour
    assert ws.cell(rows["E001"], 5).fill.start_color.rgb.endswith("C6EFCE")
    assert ws.cell(rows["E001"], 4).fill.start_color.rgb.endswith("EDEDED")
    # totals: E001 works 21 weekdays + one Saturday of 8 h, 8 h of it overtime; E003 works 20 nights
    header = [ws.cell(GRID_TOP, c).value for c in range(34, 40)]
    assert header == ["工时 hours", "夜班 nights", "周末 weekend", "节日 holiday", "加班 overtime", "休息 rest"]
    assert ws.cell(rows["E001"], 34).value == 22 * 8 and ws.cell(rows["E001"], 38).value == 8
    assert ws.cell(rows["E003"], 35).value == 20
    assert ws.freeze_panes == f"D{GRID_TOP + 3}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1


def test_event_days_and_weekends_are_highlighted(workbook):
    ws = workbook["排班表"]
    event = ws.cell(GRID_TOP + 2, 4 + 10).fill.start_color.rgb          # 11-11, inside double11
    weekend_after_events = ws.cell(GRID_TOP, 4 + 27).fill.start_color.rgb  # Sat 11-28, after the tail
    weekday_after_events = ws.cell(GRID_TOP, 4 + 25).fill.start_color.rgb  # Thu 11-26
    assert len({event, weekend_after_events, weekday_after_events}) == 3


def test_legend_lists_every_shift_with_times(workbook):
    ws = workbook["排班表"]
    values = [[cell for cell in row] for row in ws.iter_rows(min_row=GRID_TOP + 7, values_only=True)]
    flat = [v for row in values for v in row if isinstance(v, str)]
    assert "N" in flat and any("22:00-07:00 (+1" in v for v in flat) and any("06:30-15:00" in v for v in flat)


def test_names_that_look_like_formulas_stay_text(plan_dir, workbook):
    ws = workbook["排班表"]
    cell = ws.cell(GRID_TOP + 6, 2)
    assert cell.value == '=HYPERLINK("http://x","刘洋")'
    assert cell.data_type == "s"
    with zipfile.ZipFile(plan_dir / "roster.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "HYPERLINK" in sheet


def test_coverage_sheet_matches_the_plan(plan_dir, workbook):
    ws = workbook["coverage"]
    header = [c.value for c in ws[1]]
    assert header[0] == "队列 queue" and "需求 required effective agent-h" in header
    table = daily_coverage(read_plan(plan_dir))
    assert ws.max_row - 1 == len(table) == 3 * 30
    first = {header[j]: ws.cell(2, j + 1).value for j in range(len(header))}
    assert first["队列 queue"] == table["queue"].iloc[0]
    assert first["需求 required effective agent-h"] == pytest.approx(table["required"].iloc[0])
    assert first["本部 in-house effective h"] == pytest.approx(table["in_house"].iloc[0])


def test_coverage_compares_like_with_like(plan_dir):
    """Required and staffed are both effective agents: the sources add up to staffed_effective, the
    requirement is the scheduled heads x (1 - shrinkage), and an interval staffed with exactly the
    required heads of in-house agents is not painted short."""
    plan = read_plan(plan_dir)
    frame = effective_coverage(plan)
    keep = 1 - frame["queue"].map(lambda q: plan.workforce.queues[q].shrinkage)
    assert (frame[["in_house", "part_time", "vendor"]].sum(axis=1)).to_numpy() == pytest.approx(
        frame["staffed_effective"].to_numpy())
    assert frame["required_effective"].to_numpy() == pytest.approx((frame["required"] * keep).to_numpy())
    exact = frame.assign(staffed_effective=frame["required"] * keep)
    assert not below_requirement(exact).any()
    table = daily_coverage(plan)
    assert table["required"].sum() == pytest.approx(frame["required_effective"].sum())
    assert table["effective"].sum() == pytest.approx(frame["staffed_effective"].sum())
    assert table["below_hours"].sum() == below_requirement(frame).sum()


def test_cost_sheet_total(plan_dir, workbook):
    ws = workbook["cost"]
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, 10)}
    summary = read_plan(plan_dir).summary["cost"]
    assert labels["合计 total"] == pytest.approx(summary["total"])
    assert labels["外包 vendor seats"] == pytest.approx(summary["vendor"])
    assert ws.cell(3, 2).number_format == "#,##0.00"


def test_workbook_write_leaves_no_temporary_files(plan_dir):
    assert not [p for p in plan_dir.iterdir() if p.name.startswith(".")]


def test_coverage_plot_is_a_png_with_a_panel_per_queue(plan_dir):
    path = plot_coverage(plan_dir)
    image = mpimg.imread(path)
    height, width = image.shape[:2]
    assert width > 1800 and height > 700
    assert image[..., :3].std() > 0.05                # not blank
    assert not [p for p in plan_dir.iterdir() if p.name.startswith(".")]


def test_peak_window_is_around_double11(plan_dir):
    first, last = peak_window(read_plan(plan_dir))
    assert (str(first.date()), str(last.date())) == ("2026-11-10", "2026-11-13")


def test_reports_refuse_a_broken_plan(tmp_path, plan_dir):
    broken = tmp_path / "broken"
    shutil.copytree(plan_dir, broken)
    (broken / "coverage.csv").unlink()
    with pytest.raises(InputError, match="coverage.csv"):
        write_roster_workbook(broken)
    assert (broken / "roster.xlsx").stat().st_size == (plan_dir / "roster.xlsx").stat().st_size
