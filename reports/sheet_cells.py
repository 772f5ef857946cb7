"""Cell writing shared by the plan's workbooks: text stays text, fills, borders, print setup.

Every text that comes from user files (names, queue and shift names) is written as a plain string
with Excel's quote prefix, so a name such as ``=HYPERLINK(...)`` stays text and is never evaluated
(formula / CSV injection, OWASP).
"""
from __future__ import annotations

from copy import copy
from weakref import WeakKeyDictionary

import numpy as np
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.worksheet import Worksheet

from plan.contracts.outputs import FORMULA_STARTS

THIN = Side(style="thin", color="BFBFBF")
GRID_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center")
CENTRE_WRAPPED = Alignment(horizontal="center", vertical="center", wrap_text=True)
MIDDLE = Alignment(vertical="center")
HEADER_FILL = "D9E1F2"
_STYLES: WeakKeyDictionary = WeakKeyDictionary()  # workbook → style key → the StyleArray of that style


def put(ws: Worksheet, row: int, column: int, value, *, fill: str | None = None, bold: bool = False,
        number_format: str | None = None, align: Alignment | None = None, border: bool = False,
        size: float | None = None) -> Cell:
    """Write one cell; text is always stored as a string (never a formula)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
    elif isinstance(value, (float, np.floating)) and np.isnan(value):
        cell.value = None
    elif isinstance(value, np.generic):
        cell.value = value.item()
    else:
        cell.value = value
    _style(cell, fill, bold, size, number_format, align, border)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _style(cell: Cell, fill: str | None, bold: bool, size: float | None, number_format: str | None,
           align: Alignment | None, border: bool) -> None:
    """Style a cell, copying the style of an earlier cell styled the same way: openpyxl hashes every
    style object it is given, which made a month's workbook take seconds to write."""
    key = (fill, bold, size, number_format, border,
           align and (align.horizontal, align.vertical, align.wrap_text))
    styles = _STYLES.setdefault(cell.parent.parent, {})
    if key in styles:
        cell._style = copy(styles[key])
        return
    cell._style = StyleArray()
    if fill:
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    if number_format:
        cell.number_format = number_format
    if align:
        cell.alignment = align
    if border:
        cell.border = GRID_BORDER
    styles[key] = copy(cell._style)


def header_cell(ws: Worksheet, row: int, column: int, value, *, fill: str = HEADER_FILL) -> Cell:
    return put(ws, row, column, value, bold=True, fill=fill, align=CENTRE_WRAPPED, border=True)


def text_stays_text(ws: Worksheet) -> None:
    """Cells pandas' ``to_excel`` stored as formulas (text starting with ``=``) made plain text again."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
                cell.quotePrefix = True


def colour(hex_colour: str) -> str:
    """A config colour as openpyxl's RRGGBB, white when it is not one."""
    text = hex_colour.lstrip("#").upper()
    return text if len(text) == 6 and all(c in "0123456789ABCDEF" for c in text) else "FFFFFF"


def print_setup(ws: Worksheet, title_rows: str | None = None, *, paper: str = "A4",
                orientation: str = "landscape") -> None:
    """Fit to one page wide (as many pages down as it takes), the title rows on every page."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if paper == "A3" else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
