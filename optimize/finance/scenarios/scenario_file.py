"""The scenario file (``data/scenarios.yaml``) and the ``--sweep`` grammar, read into dataclasses.

Errors are :class:`InputError` naming the file, the scenario and the field; the overrides
themselves are checked when applied (:func:`plan.optimize.finance.scenarios.overrides.apply_overrides`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from plan.contracts.errors import InputError
from plan.contracts.yaml_file import read_yaml

Mode = Literal["quick", "full"]
MODES: tuple[str, ...] = ("quick", "full")


@dataclass(frozen=True)
class Scenario:
    """A named set of overrides of the workforce config."""
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    mode: Mode = "quick"
    time_limit_s: float = 120.0


@dataclass(frozen=True)
class Sweep:
    """One scenario run across values of one field, e.g. a vendor's seat price."""
    field: str
    values: tuple[float, ...]
    scenario: str = "baseline"
    name: str = ""
    mode: Mode | None = None  # None: the swept scenario's mode

    @property
    def label(self) -> str:
        return self.name or f"{self.scenario}:{self.field}"


@dataclass(frozen=True)
class ScenarioSet:
    """The contents of a scenario file."""
    scenarios: tuple[Scenario, ...]
    baseline: str
    month: str | None = None
    presales_queues: tuple[str, ...] | None = None
    sweeps: tuple[Sweep, ...] = ()
    capacity: dict[str, Any] = field(default_factory=dict)
    source: str = "<scenarios>"

    def get(self, name: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        raise InputError(self.source, f"no scenario named {name!r}; known: {', '.join(s.name for s in self.scenarios)}",
                         field="scenarios")


_SWEEP_TEXT = re.compile(r"^\s*(?P<field>[^=\s]+)\s*=\s*(?P<start>-?[\d.]+)\s*\.\.\s*(?P<stop>-?[\d.]+)\s*:\s*(?P<step>[\d.]+)\s*$")


def sweep_values(start: float, stop: float, step: float) -> tuple[float, ...]:
    """Inclusive arithmetic range ``start, start+step, ... <= stop`` (rounded to kill float fuzz)."""
    if step <= 0:
        raise ValueError("step must be > 0")
    if stop < start:
        raise ValueError(f"range end {stop:g} is below its start {start:g}")
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if count > 200:
        raise ValueError(f"{count} sweep points; use a step giving at most 200")
    return tuple(round(start + i * step, 10) for i in range(count))


def parse_sweep(text: str, scenario: str = "baseline", source: str = "--sweep") -> Sweep:
    """``"vendors.V1.price_per_seat_hour=30..70:5"`` → :class:`Sweep`."""
    match = _SWEEP_TEXT.match(text)
    if not match:
        raise InputError(source, f"{text!r} is not FIELD=FROM..TO:STEP (e.g. vendors.V1.price_per_seat_hour=30..70:5)")
    try:
        values = sweep_values(float(match["start"]), float(match["stop"]), float(match["step"]))
    except ValueError as exc:
        raise InputError(source, f"{text!r}: {exc}") from None
    return Sweep(field=match["field"], values=values, scenario=scenario)


def _checked_mode(mode: object, source: str, place: str, what: str) -> str:
    if mode not in MODES:
        raise InputError(source, f"{what} must be quick or full, got {mode!r}", field=place)
    return mode


def _parse_scenario(raw: object, index: int, source: str, default_mode: str, default_limit: float) -> Scenario:
    place = f"scenarios.{index}"
    if not isinstance(raw, dict):
        raise InputError(source, "each scenario must be a mapping with a name", field=place)
    unknown = set(raw) - {"name", "description", "overrides", "mode", "time_limit_s"}
    if unknown:
        raise InputError(source, f"unknown key {sorted(unknown)[0]!r} (name, description, overrides, mode, time_limit_s)",
                         field=place)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(source, "scenario needs a name", field=f"{place}.name")
    overrides = raw.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise InputError(source, f"scenario {name!r}: overrides must be a mapping of dotted field paths",
                         field=f"{place}.overrides")
    mode = _checked_mode(raw.get("mode", default_mode), source, f"{place}.mode", f"scenario {name!r}: mode")
    limit = raw.get("time_limit_s", default_limit)
    if not isinstance(limit, (int, float)) or limit <= 0:
        raise InputError(source, f"scenario {name!r}: time_limit_s must be a positive number",
                         field=f"{place}.time_limit_s")
    return Scenario(name=name.strip(), overrides=dict(overrides), description=str(raw.get("description", "")).strip(),
                    mode=mode, time_limit_s=float(limit))


def _parse_sweep_entry(raw: object, index: int, source: str, scenario_names: set[str]) -> Sweep:
    place = f"sweeps.{index}"
    if not isinstance(raw, dict) or "field" not in raw:
        raise InputError(source, "a sweep needs field, from, to, step (and scenario)", field=place)
    scenario = str(raw.get("scenario", "baseline"))
    if scenario not in scenario_names:
        raise InputError(source, f"sweep refers to unknown scenario {scenario!r}", field=f"{place}.scenario")
    try:
        values = sweep_values(float(raw["from"]), float(raw["to"]), float(raw["step"]))
    except KeyError as exc:
        raise InputError(source, f"sweep is missing {exc.args[0]!r}", field=place) from None
    except (TypeError, ValueError) as exc:
        raise InputError(source, f"bad sweep range: {exc}", field=place) from None
    mode = raw.get("mode")
    if mode is not None:
        _checked_mode(mode, source, f"{place}.mode", "sweep mode")
    return Sweep(field=str(raw["field"]), values=values, scenario=scenario, name=str(raw.get("name", "")), mode=mode)


def read_scenarios(path: str | Path) -> ScenarioSet:
    """Read a scenario file; errors name the file, the scenario and the field."""
    data = read_yaml(path)
    return parse_scenarios(data, path)


def parse_scenarios(data: object, source: str | Path = "<scenarios>") -> ScenarioSet:
    source = str(source)
    if not isinstance(data, dict):
        raise InputError(source, "expected a mapping with a 'scenarios' list at the top level")
    unknown = set(data) - {"month", "baseline", "mode", "time_limit_s", "presales_queues", "scenarios", "sweeps",
                           "capacity"}
    if unknown:
        raise InputError(source, f"unknown top-level key {sorted(unknown)[0]!r}")
    raw_scenarios = data.get("scenarios")
    if not isinstance(raw_scenarios, list) or not raw_scenarios:
        raise InputError(source, "needs a non-empty 'scenarios' list", field="scenarios")
    default_mode = _checked_mode(data.get("mode", "quick"), source, "mode", "mode")
    default_limit = float(data.get("time_limit_s", 120))
    scenarios = tuple(_parse_scenario(raw, i, source, default_mode, default_limit) for i, raw in enumerate(raw_scenarios))
    names = [s.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(source, f"duplicate scenario name {duplicates[0]!r}", field="scenarios")
    baseline = str(data.get("baseline", names[0]))
    if baseline not in names:
        raise InputError(source, f"baseline {baseline!r} is not one of the scenarios", field="baseline")
    month = data.get("month")
    if month is not None:
        month = str(month)
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise InputError(source, f"month must be YYYY-MM, got {month!r}", field="month")
    presales = data.get("presales_queues")
    if presales is not None and not (isinstance(presales, list) and all(isinstance(q, str) for q in presales)):
        raise InputError(source, "presales_queues must be a list of queue names", field="presales_queues")
    sweeps = tuple(_parse_sweep_entry(raw, i, source, set(names)) for i, raw in enumerate(data.get("sweeps") or []))
    capacity = data.get("capacity") or {}
    if not isinstance(capacity, dict):
        raise InputError(source, "capacity must be a mapping", field="capacity")
    return ScenarioSet(scenarios=scenarios, baseline=baseline, month=month,
                       presales_queues=tuple(presales) if presales is not None else None, sweeps=sweeps,
                       capacity=dict(capacity), source=source)
