"""The one error type a user ever sees: a bad input, located by file, row and field."""
from __future__ import annotations

from pathlib import Path

_LINE_BREAKS = str.maketrans({"\n": "\\n", "\r": "\\r", "\u2028": "\\u2028", "\u2029": "\\u2029",
                              "\x0b": "\\v", "\x0c": "\\f", "\x1c": "\\x1c", "\x1d": "\\x1d",
                              "\x1e": "\\x1e", "\x85": "\\x85"})


class InputError(Exception):
    """A user input is wrong. Rendered as one line: ``file:row: field: problem``.

    ``row`` is the 1-based line number in the file as a user sees it in an editor
    (the header of a CSV is line 1, so the first data row is line 2).
    """

    def __init__(self, file: str | Path | None, problem: str, *, row: int | None = None,
                 field: str | None = None):
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.problem = problem
        super().__init__(self.one_line())

    def one_line(self) -> str:
        place = self.file or "<input>"
        if self.row is not None:
            place += f":{self.row}"
        if self.field:
            place += f": {self.field}"
        # A value quoted from a file may hold a line break: escaped, the message stays one line.
        return f"{place}: {self.problem}".translate(_LINE_BREAKS)
