"""A scenario's overrides merged into the workforce mapping by dotted path, then validated.

Any field of the workforce YAML is addressed by a dotted path, list items by their ``id``
(``vendors.V1.price_per_seat_hour``); the team changes ``in_house_delta`` and ``drop_skills``
are applied after the paths (:mod:`plan.optimize.finance.scenarios.team_changes`). The merged mapping is
validated with :func:`plan.contracts.workforce.parse_workforce`, so a bad override is an
:class:`InputError` naming the scenario and the field.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from plan.contracts.errors import InputError
from plan.contracts.workforce import Workforce, parse_workforce
from plan.optimize.finance.scenarios.team_changes import DROP_SKILLS, IN_HOUSE_DELTA, TEAM_CHANGE_KEYS, apply_in_house_delta, drop_skills


def _set_path(data: dict, path: str, value: Any, where: str, source: str) -> None:
    """Set ``a.b.c`` in nested mappings/lists; list items are addressed by ``id`` (or position)."""
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        walked = ".".join(parts[:depth + 1])
        if isinstance(node, list):
            position = next((i for i, item in enumerate(node) if isinstance(item, dict) and str(item.get("id")) == part),
                            None)
            if position is None and part.isdigit() and int(part) < len(node):
                position = int(part)
            if position is None:
                if last and isinstance(value, dict):
                    node.append({"id": part, **copy.deepcopy(value)})
                    return
                known = ", ".join(str(item.get("id")) for item in node if isinstance(item, dict))
                raise InputError(source, f"{where}: no item with id {part!r} in {'.'.join(parts[:depth]) or 'config'} "
                                         f"(known: {known or 'none'})", field=walked)
            if last:
                node[position] = _merged(node[position], value)
                return
            node = node[position]
        elif isinstance(node, dict):
            if last:
                node[part] = _merged(node.get(part), value)
                return
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        else:
            raise InputError(source, f"{where}: cannot address {part!r} inside a {type(node).__name__}",
                             field=walked)


def _merged(old: Any, new: Any) -> Any:
    """Mappings merge key by key (so ``bot.containment: {q: 0.4}`` keeps other queues); the rest replaces."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = copy.deepcopy(old)
        for key, value in new.items():
            out[key] = _merged(out.get(key), value)
        return out
    return copy.deepcopy(new)


def apply_overrides(base: dict, overrides: dict[str, Any], *, scenario: str = "scenario",
                    source: str | Path = "<scenarios>") -> Workforce:
    """Merge dotted-path overrides into a copy of the workforce mapping and validate it."""
    source = str(source)
    where = f"scenario {scenario!r}"
    data = copy.deepcopy(base)
    for path, value in overrides.items():
        if path in TEAM_CHANGE_KEYS:
            continue
        if not isinstance(path, str) or not path or path.startswith(".") or path.endswith("."):
            raise InputError(source, f"{where}: bad field path {path!r}", field=str(path))
        _set_path(data, path, value, where, source)
    if IN_HOUSE_DELTA in overrides:
        apply_in_house_delta(data, overrides[IN_HOUSE_DELTA], where, source)
    if DROP_SKILLS in overrides:
        drop_skills(data, overrides[DROP_SKILLS], where, source)
    try:
        return parse_workforce(data, source)
    except InputError as exc:
        raise InputError(source, f"{where}: {exc.problem}", field=_field_by_id(exc.field, data)) from None


def _field_by_id(field_path: str | None, data: dict) -> str | None:
    """``vendors.0.price`` → ``vendors.V1.price``: name list items the way overrides address them."""
    match = re.match(r"^(in_house|part_time|vendors)\.(\d+)(\..*)?$", field_path or "")
    if not match:
        return field_path
    items = data.get(match[1]) or []
    index = int(match[2])
    if index < len(items) and isinstance(items[index], dict) and "id" in items[index]:
        return f"{match[1]}.{items[index]['id']}{match[3] or ''}"
    return field_path
