"""The published 排班表 (roster.xlsx), opened as a manager would open it, on test_verify's hand-built plan.

Figures are compared with counts made here straight from roster.csv / vendor_seats.csv, not with the
report's own functions.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from plan.contracts.workforce import Shift, read_workforce, works_at_night
from plan.reports.roster_sheet import (EVENT_COLOURS, HOLIDAY_COLOURS, MIN_COLOUR_GAP, WEEKEND_COLOURS, _colour_gap,
                                       clock, palette, plan_version, queue_labels)
from plan.reports.roster_workbook import write_roster_workbook
from test_verify import build_plan

LABELS = {"phone": "PH", "chat_presales": "CP", "email": "EM"}   # test_verify's queues
LATE = {"code": "C1", "name": "晚班(延)", "start": "17:00", "end": "02:00", "colour": "9BC2E6"}
MIDNIGHT = {"code": "L", "name": "凌晨班", "start": "00:00", "end": "08:00", "colour": "B4A7D6"}
TO_MIDNIGHT = {"code": "C", "name": "晚班", "start": "15:00", "end": "24:00", "colour": "DDEBF7"}
# E002 (M Tue-Sat otherwise) gets a late shift to 02:00, a midnight shift and a shift ending at 24:00
E002_DAYS = {"2026-11-03": LATE, "2026-11-05": MIDNIGHT, "2026-11-10": TO_MIDNIGHT}


def _with_night_shifts(directory: Path) -> None:
    """Add the late, midnight and to-midnight templates (one in the first weekend candidate colour)
    and give E002 one of each; a plan version in the summary."""
    config_path = directory / "inputs" / "workforce.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["shifts"] += [LATE, MIDNIGHT, TO_MIDNIGHT]
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    roster = pd.read_csv(directory / "roster.csv", dtype=str, keep_default_na=False)
    for day, shift in E002_DAYS.items():
        start = pd.Timestamp(f"{day} {shift['start']}")
        end = pd.Timestamp(f"{day} 00:00") + pd.Timedelta(hours=int(shift["end"][:2]))
        end += pd.Timedelta(days=1) if end <= start else pd.Timedelta(0)
        at = (roster["id"] == "E002") & (roster["date"] == day)
        roster.loc[at, ["shift_code", "shift_name", "start", "end", "breaks", "paid_hours", "queue"]] = [
            shift["code"], shift["name"], f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}", "",
            f"{(end - start) / pd.Timedelta(hours=1):g}", "chat_presales"]
    roster.to_csv(directory / "roster.csv", index=False)
    summary = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
    summary["version"] = 3
    (directory / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory) -> Path:
    directory = build_plan(tmp_path_factory.mktemp("sheet") / "roster-2026-11")
    _with_night_shifts(directory)
    write_roster_workbook(directory)
    return directory


@pytest.fixture(scope="module")
def book(plan_dir):
    return openpyxl.load_workbook(plan_dir / "roster.xlsx")


@pytest.fixture(scope="module")
def roster(plan_dir) -> pd.DataFrame:
    frame = pd.read_csv(plan_dir / "roster.csv", dtype=str, keep_default_na=False)
    frame["working"] = ~frame["shift_code"].isin(["REST", "LEAVE"])
    return frame


def find_row(ws, text: str, column: int = 1) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value == text)


def header_columns(ws, header_row: int) -> dict[str, int]:
    return {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(header_row, c).value}


def fill(cell) -> str:
    return cell.fill.start_color.rgb[-6:]


def touches_night(start: str, end: str) -> bool:
    """Independent reading: some calendar day's 00:00-06:00 overlaps [start, end)."""
    begin, finish = pd.Timestamp(start), pd.Timestamp(end)
    day = begin.normalize()
    while day < finish:
        if begin < day + pd.Timedelta(hours=6) and day < finish:
            return True
        day += pd.Timedelta(days=1)
    return False


# ---- the title block -------------------------------------------------------------------------------
def test_every_printed_sheet_has_title_version_date_and_approval_line(book):
    today = dt.date.today()
    for name in ("排班表", "兼职 part-time", "外包 vendors", "明细 detail"):
        ws = book[name]
        assert ws.cell(1, 1).value.startswith("test ") and "2026年11月" in ws.cell(1, 1).value
        second = ws.cell(2, 1).value
        assert "version v3" in second
        assert any(f"{day:%Y-%m-%d}" in second for day in (today - dt.timedelta(days=1), today,
                                                            today + dt.timedelta(days=1)))
        assert all(word in ws.cell(3, 1).value for word in ("编制", "审核", "批准"))


def test_plan_version_from_the_summary_else_v1():
    assert plan_version({}) == "v1" and plan_version({"version": 2}) == "v2"
    assert plan_version({"version": "2026-11 r2"}) == "2026-11 r2" and plan_version({"version": " "}) == "v1"


# ---- the grid ------------------------------------------------------------------------------------
def test_grid_cells_show_shift_and_queue_in_the_template_colour(book, roster):
    ws = book["排班表"]
    header = find_row(ws, "工号 ID")
    assert [ws.cell(header, c).value for c in range(4, 34)] == list(range(1, 31))
    assert ws.cell(header + 1, 4).value == "日" and ws.cell(header + 1, 5).value == "一"   # 11-01 is a Sunday
    rows = {ws.cell(r, 1).value: r for r in range(header + 3, header + 7)}
    assert list(rows) == ["E001", "E002", "E003", "E004"]                        # in-house only
    for record in roster[roster["type"] == "in_house"].itertuples():
        cell = ws.cell(rows[record.id], 3 + int(record.date[-2:]))
        if record.working:
            assert cell.value == f"{record.shift_code}\n{LABELS[record.queue]}"
    assert fill(ws.cell(rows["E001"], 5)) == "C6EFCE"                              # D's colour
    assert ws.cell(rows["E001"], 4).value == "休" and ws.cell(rows["E004"], 3 + 17).value == "假"
    assert len({fill(ws.cell(rows["E001"], 4)), fill(ws.cell(rows["E004"], 3 + 17)), "C6EFCE"}) == 3
    assert ws.freeze_panes == f"D{header + 3}"


def test_weekend_header_differs_from_every_shift_colour_even_inside_events(book, plan_dir):
    ws = book["排班表"]
    header = find_row(ws, "工号 ID")
    shift_colours = {s["colour"] for s in yaml.safe_load((plan_dir / "inputs" / "workforce.yaml").read_text(
        encoding="utf-8"))["shifts"]}
    saturday_in_event, thursday_in_event = fill(ws.cell(header, 3 + 7)), fill(ws.cell(header, 3 + 5))
    saturday_after = fill(ws.cell(header, 3 + 28))
    assert saturday_in_event == saturday_after != thursday_in_event
    assert saturday_in_event not in shift_colours            # the fixture uses the first candidate for L
    assert saturday_in_event in WEEKEND_COLOURS and fill(ws.cell(header + 2, 3 + 7)) in EVENT_COLOURS
    assert ws.cell(header + 2, 3 + 7).value == "★" and ws.cell(header + 2, 3 + 28).value in ("", None)
    assert fill(ws.cell(header + 2, 3 + 7)) not in shift_colours | {saturday_in_event}


def test_per_person_totals_count_nights_from_shift_times(book, roster):
    ws = book["排班表"]
    header = find_row(ws, "工号 ID")
    columns = header_columns(ws, header)
    worked = roster[roster["working"] & (roster["type"] == "in_house")]
    saturday_or_sunday = pd.to_datetime(worked["date"]).dt.day_of_week >= 5
    for person, mine in worked.groupby("id"):
        row = find_row(ws, person)
        nights = sum(touches_night(a, b) for a, b in zip(mine["start"], mine["end"]))
        assert ws.cell(row, columns["夜班 nights"]).value == nights
        assert ws.cell(row, columns["工时 hours"]).value == pytest.approx(mine["paid_hours"].astype(float).sum())
        assert ws.cell(row, columns["周末 weekend"]).value == int(saturday_or_sunday[mine.index].sum())
        assert ws.cell(row, columns["加班 overtime"]).value == pytest.approx(
            mine["overtime_hours"].astype(float).sum())
    # E002: the late shift to 02:00 and the 00:00 shift are nights, the shift ending at 24:00 is not
    assert ws.cell(find_row(ws, "E002"), columns["夜班 nights"]).value == 2
    assert ws.cell(find_row(ws, "E003"), columns["夜班 nights"]).value == 20
    assert ws.cell(find_row(ws, "E001"), columns["加班 overtime"]).value == 8


def test_night_window_edges():
    assert works_at_night(17 * 60, 26 * 60) and works_at_night(0, 8 * 60) and works_at_night(23 * 60, 32 * 60)
    assert not works_at_night(15 * 60, 24 * 60) and not works_at_night(6 * 60, 15 * 60)
    assert not works_at_night(float("nan"), float("nan"))


def test_daily_headcount_rows_add_up_to_the_grid(book, roster):
    ws = book["排班表"]
    header = find_row(ws, "工号 ID")
    people = range(header + 3, header + 7)
    shift_rows = range(find_row(ws, "每日人数 · 按班次 in-house heads per shift") + 1, find_row(ws, "合计 in-house total"))
    total_row = find_row(ws, "合计 in-house total")
    queue_heading = find_row(ws, "每日人数 · 按队列 in-house heads per queue")
    queue_rows = [r for r in range(queue_heading + 1, queue_heading + 4)]
    assert sorted(ws.cell(r, 1).value for r in queue_rows) == ["CP chat_presales", "EM email", "PH phone"]
    in_house = roster[roster["working"] & (roster["type"] == "in_house")]
    for day in range(1, 31):
        column = 3 + day
        on_grid = sum(1 for r in people if ws.cell(r, column).value not in ("休", "假", "节", "", None))
        by_shift = sum(ws.cell(r, column).value or 0 for r in shift_rows)
        by_queue = sum(ws.cell(r, column).value or 0 for r in queue_rows)
        assert on_grid == by_shift == by_queue == (ws.cell(total_row, column).value or 0)
        assert on_grid == int((in_house["date"] == f"2026-11-{day:02d}").sum())
    assert ws.cell(total_row, 34).value == len(in_house)
    n_row = find_row(ws, "N 夜班 22:00-07:00")
    assert ws.cell(n_row, 34).value == int((in_house["shift_code"] == "N").sum())


def test_legend_lists_shift_times_breaks_queue_labels_and_marks(book):
    ws = book["排班表"]
    legend = find_row(ws, "图例 legend")
    entries = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(legend + 1, ws.max_row + 1)}
    assert "22:00-07:00" in entries["N"] and "60 min 02:00-04:00" in entries["N"] and "night" in entries["N"]
    assert "17:00-02:00" in entries["C1"] and "night" in entries["C1"] and "night" not in entries["C"]
    assert entries["PH"] == "队列 queue phone"
    assert {"休", "假", "节"} <= set(entries)


def test_print_setup_is_landscape_fit_to_width_with_repeated_titles(book):
    ws = book["排班表"]
    header = find_row(ws, "工号 ID")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == int(ws.PAPERSIZE_A3)
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"$1:${header + 2}"
    assert book["兼职 part-time"].page_setup.orientation == "landscape"
    assert book["明细 detail"].print_title_rows == f"$1:${find_row(book['明细 detail'], '日期 date')}"


# ---- part-timers, vendors, breaks ------------------------------------------------------------------
def test_part_timers_have_their_own_sheet_with_blocks_and_totals(book, roster):
    ws = book["兼职 part-time"]
    header = find_row(ws, "工号 ID")
    columns = header_columns(ws, header)
    row = find_row(ws, "P001")
    mine = roster[(roster["id"] == "P001") & roster["working"]]
    assert ws.cell(row, 3 + 7).value == "12-16\nCP"                 # Sat 11-07
    assert ws.cell(row, 3 + 29).value in ("", None)                 # unavailable on 11-29
    assert ws.cell(row, columns["工时 hours"]).value == pytest.approx(mine["paid_hours"].astype(float).sum())
    assert ws.cell(row, columns["天数 days"]).value == len(mine) == 8
    heads = find_row(ws, "人数 heads")
    assert ws.cell(heads, 34).value == len(mine)


def test_vendor_sheet_has_seats_per_day_and_hour_and_the_seat_hours(book, plan_dir):
    ws = book["外包 vendors"]
    seats = pd.read_csv(plan_dir / "vendor_seats.csv")
    header = find_row(ws, "供应商 vendor")
    rows = range(header + 3, header + 3 + 6)
    assert [ws.cell(r, 3).value for r in rows] == [f"{h:02d}:00" for h in range(10, 16)]
    assert {ws.cell(r, 1).value for r in rows} == {"V1"}
    for r in rows:
        assert [ws.cell(r, 3 + d).value for d in (10, 11, 27)] == [2, 2, 2] and ws.cell(r, 3 + 12).value is None
    assert ws.cell(find_row(ws, "V1 外包A"), 34).value == seats["seats"].sum() == 36


def test_detail_sheet_lists_every_worked_day_with_its_breaks(book, roster):
    ws = book["明细 detail"]
    header = find_row(ws, "日期 date")
    columns = header_columns(ws, header)
    worked = roster[roster["working"]]
    assert ws.max_row - header == len(worked)
    first_e001 = next(r for r in range(header + 1, ws.max_row + 1)
                      if ws.cell(r, columns["工号 ID"]).value == "E001" and ws.cell(r, 1).value == "2026-11-02")
    assert ws.cell(first_e001, columns["用餐/休息 breaks"]).value == "12:00-13:00"
    assert ws.cell(first_e001, columns["开始 start"]).value == "09:00"
    assert len(ws.row_breaks.brk) == worked["date"].nunique() - 1      # one printed page per day


def test_user_text_stays_text_in_every_sheet(plan_dir, book):
    for name in ("排班表", "明细 detail"):
        ws = book[name]
        cells = [c for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("http://x","刘洋")']
        assert cells and all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(plan_dir / "roster.xlsx") as archive:
        sheets = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 6 and not any("<f>" in sheet for sheet in sheets)


# ---- statutory holidays --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def us_book(plan_dir, tmp_path_factory):
    """The same plan at a site in the US, whose November has statutory holidays (11-11, 11-26)."""
    directory = tmp_path_factory.mktemp("us") / "plan"
    shutil.copytree(plan_dir, directory)
    config_path = directory / "inputs" / "workforce.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["site"]["country"] = "US"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    write_roster_workbook(directory)
    return openpyxl.load_workbook(directory / "roster.xlsx")


def test_statutory_holidays_are_marked_in_header_and_grid(us_book, roster):
    ws = us_book["排班表"]
    header = find_row(ws, "工号 ID")
    columns = header_columns(ws, header)
    thanksgiving = 3 + 26
    assert ws.cell(header + 2, thanksgiving).value == "节"
    holiday_fill = fill(ws.cell(header, thanksgiving))
    assert holiday_fill not in {fill(ws.cell(header, 3 + 28)), fill(ws.cell(header, 3 + 25))}
    assert ws.cell(header + 2, 3 + 11).value == "节★"                 # Veterans Day, inside the promotion
    assert roster.loc[(roster["id"] == "E003") & (roster["date"] == "2026-11-11"), "shift_code"].item() == "REST"
    cell = ws.cell(find_row(ws, "E003"), 3 + 11)
    assert cell.value == "节" and fill(cell) == holiday_fill
    worked_holidays = roster[(roster["id"] == "E001") & roster["working"] & roster["date"].isin(["2026-11-11",
                                                                                                   "2026-11-26"])]
    assert ws.cell(find_row(ws, "E001"), columns["节日 holiday"]).value == len(worked_holidays) == 2


# ---- small helpers ---------------------------------------------------------------------------------
def test_queue_labels_are_short_and_unique():
    labels = queue_labels(["chat_presales", "chat_aftersales", "phone", "售前咨询", "phone-vip", "pv"])
    assert labels["chat_presales"] == "CP" and labels["chat_aftersales"] == "CA" and labels["phone"] == "PH"
    assert labels["售前咨询"] == "售前" and len(set(labels.values())) == len(labels)


def test_clock_is_compact():
    assert [clock(m) for m in (720, 750, 1440, 1560)] == ["12", "12:30", "24", "2"]


def test_a_team_without_part_timers_or_vendors_gets_the_sheets_all_the_same(plan_dir, tmp_path):
    directory = tmp_path / "plan"
    shutil.copytree(plan_dir, directory)
    config_path = directory / "inputs" / "workforce.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["part_time"], config["vendors"] = [], []
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    roster = pd.read_csv(directory / "roster.csv", dtype=str, keep_default_na=False)
    roster[roster["type"] == "in_house"].to_csv(directory / "roster.csv", index=False)
    (directory / "vendor_seats.csv").write_text("vendor,queue,interval_start,seats\n", encoding="utf-8")
    book = openpyxl.load_workbook(write_roster_workbook(directory))
    assert find_row(book["外包 vendors"], "本月未购买外包座席 no vendor seats bought this month")
    assert book["兼职 part-time"].cell(find_row(book["兼职 part-time"], "工号 ID") + 3, 1).value is None


def test_header_colours_avoid_every_shift_colour_even_the_candidates():
    taken = WEEKEND_COLOURS + HOLIDAY_COLOURS + EVENT_COLOURS
    shifts = [Shift(code=f"S{i}", name="x", start="08:00", end="16:00", colour=c) for i, c in enumerate(taken)]
    chosen = palette(shifts)
    fills = {chosen.weekend, chosen.holiday, chosen.event}
    assert len(fills) == 3 and not fills & set(taken)
    sample_like = [Shift(code="B", name="中班", start="12:00", end="21:00", colour="DDEBF7")]
    assert palette(sample_like).weekend == WEEKEND_COLOURS[0] != "DDEBF7"


def test_the_sample_teams_header_colours_are_first_choices_clear_of_its_shifts():
    shifts = read_workforce(Path(__file__).resolve().parents[1] / "data" / "workforce.yaml").shifts
    chosen = palette(shifts)
    assert (chosen.weekend, chosen.holiday, chosen.event) in [
        (w, h, e) for w in WEEKEND_COLOURS for h in HOLIDAY_COLOURS for e in EVENT_COLOURS]
    for fill_ in (chosen.weekend, chosen.holiday, chosen.event):
        assert min(_colour_gap(fill_, s.colour) for s in shifts) >= MIN_COLOUR_GAP
