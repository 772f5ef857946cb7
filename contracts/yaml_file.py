"""Reading a user's YAML file: a parse error names the file and the line."""
from __future__ import annotations

from pathlib import Path

import yaml

from plan.contracts.errors import InputError
from plan.contracts.table_reader import decode_text_file


def read_yaml(path: str | Path) -> object:
    """Load a YAML file (UTF-8, else GB18030); a missing file or a syntax error is an
    :class:`InputError` with its line."""
    text = decode_text_file(path)
    try:
        # libyaml's loader when the wheel has it: several times faster on a thousand-agent config
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                         row=mark.line + 1 if mark is not None else None) from None
