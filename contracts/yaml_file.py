"""Reading a user's YAML file: a parse error names the file and the line."""
from __future__ import annotations

from pathlib import Path

import yaml

from plan.contracts.errors import InputError


def read_yaml(path: str | Path) -> object:
    """Load a YAML file; a missing file or a syntax error is an :class:`InputError` with its line."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                         row=mark.line + 1 if mark is not None else None) from None
