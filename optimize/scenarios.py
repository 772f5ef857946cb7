"""Finance scenarios: a name plus overrides of the workforce config, each planned and priced.

A scenario file (``data/scenarios.yaml``) lists scenarios; each overrides any field of the
workforce YAML by a dotted path (list items addressed by their ``id``), plus
``in_house_delta: {skill: ±N}`` to remove or clone in-house agents of a skill and
``drop_skills: [queue]`` to take a queue away from all staff (outsourcing it). The merged mapping
is validated with :func:`contracts.workforce.parse_workforce`, so a bad override is an
:class:`InputError` naming the scenario and the field.

Each scenario is planned in one of two declared modes:

* ``full`` — the roster optimizer (:func:`optimize.roster.plan_month`), named people and shifts;
* ``quick`` — an aggregate linear programme over shift-start *counts* per skill group and day
  (no named people, no overtime, no minimum blocks for vendor seats or part-time hours, breaks
  spread over their windows, each interval's requirement instead of period targets), solved to
  optimality with HiGHS (interior point + crossover). Service and cost are then recomputed from
  its staffing with the staffing service functions and the plan-file cost rules. On the sample
  month it costs a few per cent less than the roster (see ``bench/scenarios.py --mode full``).

Scenarios run in parallel worker processes; :func:`run_scenarios` returns one
:class:`ScenarioResult` per scenario and :func:`results_table` turns them into the finance table.
"""
from __future__ import annotations

import copy
import inspect
import math
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

import numpy as np
import pandas as pd

from contracts.errors import InputError
from contracts.yaml_file import read_yaml
from contracts.workforce import WEEKDAYS, Workforce, minutes_of, parse_workforce

Mode = Literal["quick", "full"]
MODES: tuple[str, ...] = ("quick", "full")
SOURCES: tuple[str, ...] = ("in_house", "part_time", "vendor", "bot")
COST_KEYS: tuple[str, ...] = ("in_house", "overtime", "part_time", "vendor", "bot", "shortfall_penalty")
IN_HOUSE_DELTA = "in_house_delta"
DROP_SKILLS = "drop_skills"
SPECIAL_KEYS = (IN_HOUSE_DELTA, DROP_SKILLS)


# ---------------------------------------------------------------------------------------------
# Scenario definitions
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """A named set of overrides of the workforce config."""
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    mode: Mode = "quick"
    time_limit_s: float = 60.0


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


_SWEEP = re.compile(r"^\s*(?P<field>[^=\s]+)\s*=\s*(?P<start>-?[\d.]+)\s*\.\.\s*(?P<stop>-?[\d.]+)\s*:\s*(?P<step>[\d.]+)\s*$")


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
    match = _SWEEP.match(text)
    if not match:
        raise InputError(source, f"{text!r} is not FIELD=FROM..TO:STEP (e.g. vendors.V1.price_per_seat_hour=30..70:5)")
    try:
        values = sweep_values(float(match["start"]), float(match["stop"]), float(match["step"]))
    except ValueError as exc:
        raise InputError(source, f"{text!r}: {exc}") from None
    return Sweep(field=match["field"], values=values, scenario=scenario)


def _scenario_from(raw: object, index: int, source: str, default_mode: str, default_limit: float) -> Scenario:
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
    mode = raw.get("mode", default_mode)
    if mode not in MODES:
        raise InputError(source, f"scenario {name!r}: mode must be quick or full, got {mode!r}", field=f"{place}.mode")
    limit = raw.get("time_limit_s", default_limit)
    if not isinstance(limit, (int, float)) or limit <= 0:
        raise InputError(source, f"scenario {name!r}: time_limit_s must be a positive number",
                         field=f"{place}.time_limit_s")
    return Scenario(name=name.strip(), overrides=dict(overrides), description=str(raw.get("description", "")).strip(),
                    mode=mode, time_limit_s=float(limit))


def _sweep_from(raw: object, index: int, source: str, scenario_names: set[str]) -> Sweep:
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
    if mode is not None and mode not in MODES:
        raise InputError(source, f"sweep mode must be quick or full, got {mode!r}", field=f"{place}.mode")
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
    default_mode = data.get("mode", "quick")
    if default_mode not in MODES:
        raise InputError(source, f"mode must be quick or full, got {default_mode!r}", field="mode")
    default_limit = float(data.get("time_limit_s", 60))
    scenarios = tuple(_scenario_from(raw, i, source, default_mode, default_limit) for i, raw in enumerate(raw_scenarios))
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
    sweeps = tuple(_sweep_from(raw, i, source, set(names)) for i, raw in enumerate(data.get("sweeps") or []))
    capacity = data.get("capacity") or {}
    if not isinstance(capacity, dict):
        raise InputError(source, "capacity must be a mapping", field="capacity")
    return ScenarioSet(scenarios=scenarios, baseline=baseline, month=month,
                       presales_queues=tuple(presales) if presales is not None else None, sweeps=sweeps,
                       capacity=dict(capacity), source=source)


def sweep_scenarios(base: Scenario, sweep: Sweep) -> list[Scenario]:
    """One scenario per sweep value, named ``<scenario> <field>=<value>``; a field written
    ``a.b+c.d`` sets every listed path to the value."""
    out = []
    for value in sweep.values:
        overrides = dict(base.overrides)
        for path in sweep.field.split("+"):  # 'a.b+c.d': several fields move together
            overrides[path] = int(value) if float(value).is_integer() and "containment" not in path else value
        out.append(Scenario(name=f"{base.name} {sweep.field}={value:g}", overrides=overrides,
                            description=f"{base.description} ({sweep.field} = {value:g})".strip(),
                            mode=sweep.mode or base.mode,
                            time_limit_s=base.time_limit_s))
    return out


# ---------------------------------------------------------------------------------------------
# Overrides → a validated Workforce
# ---------------------------------------------------------------------------------------------

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


def _apply_in_house_delta(data: dict, delta: object, where: str, source: str) -> None:
    """Remove or clone in-house agents of a skill, deterministically.

    Removing takes agents whose only skill it is first, from the end of the list; cloning copies
    the first single-skilled agent of that skill (else the first who has it), without leave days.
    """
    if not isinstance(delta, dict):
        raise InputError(source, f"{where}: in_house_delta must map a skill to ±N", field=IN_HOUSE_DELTA)
    agents = data.setdefault("in_house", [])
    for skill, change in delta.items():
        if not isinstance(change, int) or isinstance(change, bool):
            raise InputError(source, f"{where}: change for {skill!r} must be a whole number, got {change!r}",
                             field=f"{IN_HOUSE_DELTA}.{skill}")
        holders = [i for i, a in enumerate(agents) if skill in (a.get("skills") or [])]
        if not holders:
            raise InputError(source, f"{where}: no in-house agent has skill {skill!r}", field=f"{IN_HOUSE_DELTA}.{skill}")
        if change < 0:
            if -change > len(holders):
                raise InputError(source, f"{where}: cannot remove {-change} agents of {skill!r}, only {len(holders)} have it",
                                 field=f"{IN_HOUSE_DELTA}.{skill}")
            only = [i for i in holders if list(agents[i].get("skills")) == [skill]]
            multi = [i for i in holders if i not in only]
            doomed = set((list(reversed(only)) + list(reversed(multi)))[:-change])
            agents[:] = [a for i, a in enumerate(agents) if i not in doomed]
        elif change > 0:
            singles = [i for i in holders if list(agents[i].get("skills")) == [skill]]
            template = agents[(singles or holders)[0]]
            ids = {str(a.get("id")) for a in agents}
            serial = 1
            for _ in range(change):
                while f"{template['id']}-new{serial}" in ids:
                    serial += 1
                clone = copy.deepcopy(template)
                clone["id"] = f"{template['id']}-new{serial}"
                clone["name"] = f"{template.get('name', template['id'])} new {serial}"
                clone["leave"] = []
                clone.pop("preferences", None)
                ids.add(clone["id"])
                agents.append(clone)


def _drop_skills(data: dict, skills: object, where: str, source: str) -> None:
    """Take skills away from every in-house agent and part-timer (the work goes to vendors or the
    bot); people left with no skill leave the team."""
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        raise InputError(source, f"{where}: drop_skills must be a list of queue names", field=DROP_SKILLS)
    unknown = [s for s in skills if s not in (data.get("queues") or {})]
    if unknown:
        raise InputError(source, f"{where}: drop_skills names unknown queue {unknown[0]!r}", field=DROP_SKILLS)
    for group in ("in_house", "part_time"):
        kept = []
        for person in data.get(group) or []:
            person = dict(person)
            person["skills"] = [s for s in person.get("skills") or [] if s not in skills]
            if person["skills"]:
                kept.append(person)
        data[group] = kept


def apply_overrides(base: dict, overrides: dict[str, Any], *, scenario: str = "scenario",
                    source: str | Path = "<scenarios>") -> Workforce:
    """Merge dotted-path overrides into a copy of the workforce mapping and validate it."""
    source = str(source)
    where = f"scenario {scenario!r}"
    data = copy.deepcopy(base)
    for path, value in overrides.items():
        if path in SPECIAL_KEYS:
            continue
        if not isinstance(path, str) or not path or path.startswith(".") or path.endswith("."):
            raise InputError(source, f"{where}: bad field path {path!r}", field=str(path))
        _set_path(data, path, value, where, source)
    if IN_HOUSE_DELTA in overrides:
        _apply_in_house_delta(data, overrides[IN_HOUSE_DELTA], where, source)
    if DROP_SKILLS in overrides:
        _drop_skills(data, overrides[DROP_SKILLS], where, source)
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


# ---------------------------------------------------------------------------------------------
# The month as arrays: requirements pivoted to [queue, interval]
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonthGrid:
    """Requirements of one month as ``[queue, interval]`` arrays (absent rows are zero demand)."""
    queues: tuple[str, ...]
    intervals: pd.DatetimeIndex
    interval_h: float
    arrivals: np.ndarray          # contacts per interval, before the bot
    bot_handled: np.ndarray       # contacts the bot resolves per interval
    arrivals_human: np.ndarray    # contacts per interval reaching people
    aht_s: np.ndarray             # handle time of human contacts (escalations included)
    required: np.ndarray          # agents to schedule (heads; shrinkage is taken off them) for the targets
    event_day: np.ndarray         # bool per interval (any queue flagged)

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.intervals[0].normalize(), self.intervals[-1].normalize(), freq="D")

    @property
    def per_day(self) -> int:
        return int(round(24 / self.interval_h))


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{month}-01")
    return start, start + pd.offsets.MonthBegin(1)


def month_grid(requirements: pd.DataFrame, workforce: Workforce, month: str) -> MonthGrid:
    """Pivot a requirements table (docs/plan-files.md) for ``month`` into arrays."""
    start, end = month_bounds(month)
    minutes = workforce.site.interval_minutes
    intervals = pd.date_range(start, end, freq=f"{minutes}min", inclusive="left")
    queues = tuple(workforce.queues)
    requirements = requirements.assign(interval_start=pd.to_datetime(requirements["interval_start"]))
    req = requirements[(requirements["interval_start"] >= start) & (requirements["interval_start"] < end)]

    def pivot(column: str, fill: float = 0.0) -> np.ndarray:
        table = req.pivot_table(index="queue", columns="interval_start", values=column, aggfunc="sum")
        return table.reindex(index=list(queues), columns=intervals).fillna(fill).to_numpy(dtype=float)

    aht = req.pivot_table(index="queue", columns="interval_start", values="aht_s", aggfunc="mean")
    aht = aht.reindex(index=list(queues), columns=intervals)
    default_aht = np.array([workforce.queues[q].aht_s for q in queues])[:, None]
    aht_s = np.where(np.isnan(aht.to_numpy(dtype=float)), default_aht, aht.to_numpy(dtype=float))
    if "event_day" in req:
        flags = req.assign(event_day=req["event_day"].astype(bool)).groupby("interval_start")["event_day"].any()
        event_day = flags.reindex(intervals, fill_value=False).to_numpy(dtype=bool)
    else:
        event_day = np.zeros(len(intervals), dtype=bool)
    return MonthGrid(queues=queues, intervals=intervals, interval_h=minutes / 60, arrivals=pivot("arrivals"),
                     bot_handled=pivot("bot_handled"), arrivals_human=pivot("arrivals_human"), aht_s=aht_s,
                     required=pivot("agents_required"), event_day=event_day)


# ---------------------------------------------------------------------------------------------
# Staffing of a month by source, and its price and service
# ---------------------------------------------------------------------------------------------

@dataclass
class Staffing:
    """Heads on the floor per ``[queue, interval]`` by source — what any plan of a month amounts to."""
    in_house: np.ndarray
    part_time: np.ndarray
    vendor_seats: dict[str, np.ndarray]
    in_house_ids: tuple[str, ...]
    part_time_cost: float
    part_time_hours: float
    in_house_paid_hours: float
    overtime_cost: float = 0.0
    part_time_key: str = ""


def effective_agents(staffing: Staffing, workforce: Workforce, queues: tuple[str, ...]) -> np.ndarray:
    """Agents answering, per queue and interval: vendor seats count 1/aht_factor, then shrinkage."""
    heads = staffing.in_house + staffing.part_time
    for vendor in workforce.vendors:
        seats = staffing.vendor_seats.get(vendor.id)
        if seats is not None:
            heads = heads + seats / vendor.aht_factor
    keep = np.array([1 - workforce.queues[q].shrinkage for q in queues])[:, None]
    return heads * keep


def _threshold_s(workforce: Workforce, queue: str, event: bool) -> float | None:
    q = workforce.queues[queue]
    targets = q.event_targets if (event and q.event_targets is not None) else q.targets
    return targets.answer_within_s if targets.answer_within_s is not None else q.targets.answer_within_s


def _resolve_within_h(workforce: Workforce, queue: str) -> float:
    q = workforce.queues[queue]
    return q.targets.resolve_within_h or (q.event_targets.resolve_within_h if q.event_targets else None) or 24.0


@dataclass(frozen=True)
class QueueService:
    contacts: float
    answered_within: float     # contacts answered within the target threshold
    asa_s: float
    service_level: float
    abandon_rate: float
    shortfall_contacts: float


def queue_service(workforce: Workforce, grid: MonthGrid, effective: np.ndarray) -> dict[str, QueueService]:
    """Service achieved per queue over the month, from the staffing service functions."""
    from optimize.service import email_backlog, queue_metrics

    out = {}
    for qi, name in enumerate(grid.queues):
        queue = workforce.queues[name]
        arrivals = grid.arrivals_human[qi]
        contacts = float(arrivals.sum())
        if queue.channel == "email":
            backlog = email_backlog(arrivals, grid.aht_s[qi], effective[qi], _resolve_within_h(workforce, name),
                                    interval_minutes=workforce.site.interval_minutes)
            late = float(np.sum(backlog.late_contacts))
            share = 1 - late / contacts if contacts > 0 else 1.0
            out[name] = QueueService(contacts, contacts - late, float("nan"), share, 0.0, late)
            continue
        within = answered = waited = abandoned = shortfall = 0.0
        for event in (False, True):
            mask = grid.event_day == event
            if not mask.any():
                continue
            threshold = _threshold_s(workforce, name, event)
            metrics = queue_metrics(queue, arrivals[mask] / grid.interval_h, effective[qi, mask],
                                    answer_within_s=threshold, aht_s=grid.aht_s[qi, mask])
            arr = arrivals[mask]
            aband = np.nan_to_num(np.asarray(metrics.abandon_rate, dtype=float), nan=0.0) * arr
            ans = arr - aband
            abandoned += float(aband.sum())
            answered += float(ans.sum())
            waited += float(np.sum(np.nan_to_num(np.asarray(metrics.asa_s, dtype=float), nan=0.0) * ans))
            if threshold is not None:
                sl = np.clip(np.nan_to_num(np.asarray(metrics.service_level, dtype=float), nan=0.0), 0, 1)
                within += float(np.sum(sl * arr))
                shortfall += float(np.sum((1 - sl) * arr))
            else:
                within += float(ans.sum())
                shortfall += float(aband.sum())
        out[name] = QueueService(contacts, within, waited / answered if answered > 0 else 0.0,
                                 within / contacts if contacts > 0 else 1.0,
                                 abandoned / contacts if contacts > 0 else 0.0, shortfall)
    return out


def vendor_cost(workforce: Workforce, grid: MonthGrid, vendor_seats: dict[str, np.ndarray]) -> float:
    """Seat-hours at the (event-day) price, plus the commitment top-up at the normal price."""
    total = 0.0
    for vendor in workforce.vendors:
        seats = vendor_seats.get(vendor.id)
        hours_by_interval = (seats.sum(axis=0) if seats is not None else np.zeros(len(grid.intervals))) * grid.interval_h
        event_price = vendor.event_price_per_seat_hour or vendor.price_per_seat_hour
        price = np.where(grid.event_day, event_price, vendor.price_per_seat_hour)
        bought = float(hours_by_interval.sum())
        total += float(np.sum(hours_by_interval * price))
        total += max(0.0, vendor.min_monthly_seat_hours - bought) * vendor.price_per_seat_hour
    return total


def bot_cost(workforce: Workforce, grid: MonthGrid) -> float:
    if workforce.bot is None:
        return 0.0
    return float(grid.bot_handled.sum()) * workforce.bot.price_per_session + workforce.bot.monthly_fee


def standard_hours_month(workforce: Workforce) -> float:
    """Paid hours of one full-time equivalent per month (the in-house contracts' mean)."""
    if workforce.in_house:
        return float(np.mean([workforce.contracts[a.contract].standard_hours_month for a in workforce.in_house]))
    if workforce.contracts:
        return float(np.mean([c.standard_hours_month for c in workforce.contracts.values()]))
    return 166.64


@dataclass
class Pricing:
    """What a staffing of a month costs and delivers."""
    cost: dict[str, float]
    service: dict[str, QueueService]
    fte: dict[str, float]
    revenue: dict[str, float]


def presales_queue_names(workforce: Workforce, declared: Iterable[str] | None = None) -> tuple[str, ...]:
    if declared is not None:
        return tuple(q for q in declared if q in workforce.queues)
    return tuple(q for q in workforce.queues if "presale" in q.lower() or "pre_sale" in q.lower() or "售前" in q)


def presales_revenue(workforce: Workforce, grid: MonthGrid, staffing: Staffing,
                     service: dict[str, QueueService], presales: tuple[str, ...]) -> dict[str, float]:
    """Orders expected from pre-sales contacts: answered ones convert at the config's rate, those a
    vendor answers at the vendor's ``conversion_factor``, bot-contained ones at the in-house rate,
    abandoned ones not at all. Empty when the config has no conversion rate or order value."""
    rate, value = workforce.costs.presales_conversion_rate, workforce.costs.average_order_value
    if rate is None or value is None or not presales:
        return {}
    revenue = lost_to_vendor = 0.0
    for name in presales:
        qi = grid.queues.index(name)
        answered = service[name].contacts * (1 - service[name].abandon_rate)
        heads = staffing.in_house[qi] + staffing.part_time[qi]
        vendor_heads = np.zeros_like(heads)
        vendor_weighted = np.zeros_like(heads)
        for vendor in workforce.vendors:
            seats = staffing.vendor_seats.get(vendor.id)
            if seats is not None:
                vendor_heads += seats[qi] / vendor.aht_factor
                vendor_weighted += seats[qi] / vendor.aht_factor * vendor.conversion_factor
        total = heads + vendor_heads
        weights = grid.arrivals_human[qi]
        # conversion factor of the answering mix per interval, weighted by contacts
        mix = np.where(total > 0, (heads + vendor_weighted) / np.where(total > 0, total, 1), 1.0)
        factor = float(np.sum(mix * weights) / weights.sum()) if weights.sum() > 0 else 1.0
        revenue += answered * factor * rate * value + float(grid.bot_handled[qi].sum()) * rate * value
        lost_to_vendor += answered * (1 - factor) * rate * value
    return {"presales_revenue": revenue, "revenue_lost_to_vendor_conversion": lost_to_vendor}


def price_staffing(staffing: Staffing, workforce: Workforce, grid: MonthGrid,
                   presales: tuple[str, ...] = ()) -> Pricing:
    """Cost by source (docs/plan-files.md cost rules), service per queue, FTE-equivalents, revenue."""
    effective = effective_agents(staffing, workforce, grid.queues)
    service = queue_service(workforce, grid, effective)
    shortfall = sum(s.shortfall_contacts for s in service.values())
    cost = {
        "in_house": float(sum(a.monthly_salary for a in workforce.in_house)),
        "overtime": staffing.overtime_cost,
        "part_time": staffing.part_time_cost,
        "vendor": vendor_cost(workforce, grid, staffing.vendor_seats),
        "bot": bot_cost(workforce, grid),
        "shortfall_penalty": shortfall * workforce.costs.shortfall_penalty_per_contact,
    }
    cost["total"] = sum(cost[k] for k in COST_KEYS)
    fte = fte_by_source(workforce, grid, staffing)
    return Pricing(cost=cost, service=service, fte=fte,
                   revenue=presales_revenue(workforce, grid, staffing, service, presales))


def bot_agent_hours(workforce: Workforce, grid: MonthGrid) -> float:
    """Agent-hours the bot's contained sessions would have taken people (chat concurrency counted)."""
    hours = 0.0
    for qi, name in enumerate(grid.queues):
        queue = workforce.queues[name]
        per_session_s = queue.aht_s * (1 + queue.concurrency_slowdown * (queue.concurrency - 1)) / queue.concurrency
        hours += float(grid.bot_handled[qi].sum()) * per_session_s / 3600 / (1 - queue.shrinkage)
    return hours


def fte_by_source(workforce: Workforce, grid: MonthGrid, staffing: Staffing) -> dict[str, float]:
    """Full-time equivalents: paid hours / a contract's standard hours per month."""
    standard = standard_hours_month(workforce)
    vendor_hours = sum(float(s.sum()) for s in staffing.vendor_seats.values()) * grid.interval_h
    required_paid_h = float(np.sum(grid.required)) * grid.interval_h
    return {
        "in_house": float(len(workforce.in_house)),
        "part_time": staffing.part_time_hours / standard,
        "vendor": vendor_hours / standard,
        "bot": bot_agent_hours(workforce, grid) / standard,
        "required": required_paid_h / standard,
    }


# ---------------------------------------------------------------------------------------------
# Quick mode: an aggregate LP over shift-start counts per skill group
# ---------------------------------------------------------------------------------------------

class _LinearProgram:
    """Columns and ``A_ub x <= b`` rows gathered as sparse triplets, solved with HiGHS."""

    def __init__(self) -> None:
        self.cost: list[np.ndarray] = []
        self.size = 0
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rhs: list[np.ndarray] = []
        self.n_rows = 0

    def add_columns(self, cost: np.ndarray) -> np.ndarray:
        cost = np.asarray(cost, dtype=float).ravel()
        index = np.arange(self.size, self.size + cost.size)
        self.cost.append(cost)
        self.size += cost.size
        return index

    def add_rows(self, rhs: np.ndarray) -> np.ndarray:
        rhs = np.asarray(rhs, dtype=float).ravel()
        index = np.arange(self.n_rows, self.n_rows + rhs.size)
        self.rhs.append(rhs)
        self.n_rows += rhs.size
        return index

    def add_terms(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        rows, cols = np.asarray(rows).ravel(), np.asarray(cols).ravel()
        self.rows.append(rows)
        self.cols.append(cols)
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).ravel())

    def solve(self, time_limit_s: float = 120.0) -> tuple[np.ndarray, dict]:
        from scipy.optimize import linprog
        from scipy.sparse import coo_matrix

        matrix = coo_matrix((np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
                            shape=(self.n_rows, self.size)).tocsr()
        started = time.perf_counter()
        result = linprog(np.concatenate(self.cost), A_ub=matrix, b_ub=np.concatenate(self.rhs), bounds=(0, None),
                         method="highs-ipm", options={"time_limit": time_limit_s, "presolve": True})
        seconds = time.perf_counter() - started
        if result.x is None:
            raise RuntimeError(f"quick plan LP failed: {result.message}")
        info = {"status": "OPTIMAL" if result.status == 0 else f"STOPPED ({result.message})",
                "objective": float(result.fun), "best_bound": float(result.fun), "gap": 0.0 if result.status == 0 else None,
                "seconds": round(seconds, 3), "variables": self.size, "constraints": self.n_rows}
        return result.x, info


def shift_coverage(shift, interval_minutes: int) -> np.ndarray:
    """Share of each interval (from the start day's midnight, two days long) a shift is on the floor.

    Breaks are spread evenly over their window, the aggregate equivalent of staggering them.
    """
    on = np.zeros(2 * 1440)
    on[shift.start_min:shift.start_min + shift.length_min] = 1.0
    for brk in shift.breaks:
        w_start = minutes_of(brk.window_start)
        w_len = (minutes_of(brk.window_end) - w_start) % 1440 or 1440
        offset = (w_start - shift.start_min) % 1440 + shift.start_min
        on[offset:offset + w_len] -= brk.minutes / w_len
    on = np.clip(on, 0, 1)
    return on.reshape(-1, interval_minutes).mean(axis=1)


def _weeks_of(days: pd.DatetimeIndex) -> dict[tuple[int, int], list[int]]:
    weeks: dict[tuple[int, int], list[int]] = {}
    for d, day in enumerate(days):
        iso = day.isocalendar()
        weeks.setdefault((iso[0], iso[1]), []).append(d)
    return weeks


def _available_minutes(windows, weekday: str, interval_minutes: int) -> np.ndarray:
    """Share of each interval of one day inside a part-timer's availability windows."""
    free = np.zeros(1440)
    for window in windows:
        if weekday in window.days:
            start, end = minutes_of(window.start), minutes_of(window.end)
            if end <= start:
                free[start:] = 1.0
                free[:end] = 1.0
            else:
                free[start:end] = 1.0
    return free.reshape(-1, interval_minutes).mean(axis=1)


def plan_quick(workforce: Workforce, grid: MonthGrid, *, time_limit_s: float = 120.0) -> tuple[Staffing, dict]:
    """Cheapest staffing of the month meeting each interval's requirement, in aggregate.

    Steps (one function per rule would hide the shared index arithmetic, so they are blocks):
    in-house shift starts per skill group and day; their heads split across the group's queues;
    part-time heads per skill group within availability and daily/weekly caps; vendor seats
    within caps, hours and commitments; shortfall agents priced at the penalty of the contacts
    an agent would answer. In-house salaries are fixed, so in-house time is free to the LP.
    """
    minutes = workforce.site.interval_minutes
    per_day = grid.per_day
    n_q, n_t = len(grid.queues), len(grid.intervals)
    days = grid.days
    n_d = len(days)
    q_index = {q: i for i, q in enumerate(grid.queues)}
    lp = _LinearProgram()
    # requirements count heads to schedule; shrinkage is already in them (docs/plan-files.md)
    coverage_terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (queue idx, interval idx, col), weight

    # In-house: group agents by (skills, contract)
    groups: dict[tuple[tuple[str, ...], str], list] = {}
    for agent in workforce.in_house:
        groups.setdefault((tuple(sorted(agent.skills)), agent.contract), []).append(agent)
    ih_cols = []  # (group key, skills, y column matrix [len(skills), T])
    for (skills, contract_name), members in groups.items():
        contract = workforce.contracts[contract_name]
        shifts = [s for s in workforce.shifts if s.paid_hours <= contract.max_hours_day + 1e-9]
        if not shifts:
            continue
        starts = lp.add_columns(np.zeros(n_d * len(shifts))).reshape(n_d, len(shifts))
        assign = lp.add_columns(np.zeros(len(skills) * n_t)).reshape(len(skills), n_t)
        ih_cols.append((skills, assign))
        # heads assigned to queues <= heads on the floor
        floor_rows = lp.add_rows(np.zeros(n_t))
        for k in range(len(skills)):
            lp.add_terms(floor_rows, assign[k], 1.0)
        for si, shift in enumerate(shifts):
            cover = shift_coverage(shift, minutes)
            offsets = np.nonzero(cover > 0)[0]
            for d in range(n_d):
                t = d * per_day + offsets
                inside = t < n_t
                lp.add_terms(floor_rows[t[inside]], np.full(inside.sum(), starts[d, si]), -cover[offsets[inside]])
        # at most the members not on leave start a shift each day
        on_leave = np.array([sum(day.date() in set(a.leave) for a in members) for day in days])
        day_rows = lp.add_rows(len(members) - on_leave)
        lp.add_terms(np.repeat(day_rows, len(shifts)), starts.ravel(), 1.0)
        paid = np.array([s.paid_hours for s in shifts])
        # monthly hours (no overtime in quick mode)
        month_row = lp.add_rows([len(members) * contract.standard_hours_month * n_d / (365.25 / 12)])
        lp.add_terms(np.full(starts.size, month_row[0]), starts.ravel(), np.tile(paid, n_d))
        if contract.system == "standard":
            for week_days in _weeks_of(days).values():
                row = lp.add_rows([len(members) * contract.max_hours_week * len(week_days) / 7])
                cols = starts[week_days].ravel()
                lp.add_terms(np.full(cols.size, row[0]), cols, np.tile(paid, len(week_days)))
        else:  # comprehensive: at least the weekly rest days on average
            rest = workforce.labour_rules.min_rest_days_per_week
            for week_days in _weeks_of(days).values():
                row = lp.add_rows([len(members) * len(week_days) * (7 - rest) / 7])
                cols = starts[week_days].ravel()
                lp.add_terms(np.full(cols.size, row[0]), cols, 1.0)
        for k, skill in enumerate(skills):
            coverage_terms.append((np.full(n_t, q_index[skill]), np.arange(n_t), assign[k], 1.0))

    # Part-time: group by skills; heads within availability, hours within day/week caps
    pt_groups: dict[tuple[str, ...], list] = {}
    for person in workforce.part_time:
        pt_groups.setdefault(tuple(sorted(person.skills)), []).append(person)
    pt_cols = []
    for skills, members in pt_groups.items():
        rate = float(np.mean([p.hourly_rate for p in members]))
        assign = lp.add_columns(np.full(len(skills) * n_t, rate * grid.interval_h)).reshape(len(skills), n_t)
        pt_cols.append((skills, assign, rate))
        available = np.zeros(n_t)
        day_hours = np.zeros(n_d)
        for d, day in enumerate(days):
            weekday = WEEKDAYS[day.weekday()]
            for person in members:
                if day.date() in set(person.unavailable):
                    continue
                share = _available_minutes(person.availability, weekday, minutes)
                if share.any():
                    available[d * per_day:(d + 1) * per_day] += share[:per_day][:min(per_day, n_t - d * per_day)]
                    day_hours[d] += person.max_hours_day
        head_rows = lp.add_rows(available)
        for k in range(len(skills)):
            lp.add_terms(head_rows, assign[k], 1.0)
        day_rows = lp.add_rows(day_hours)
        for k in range(len(skills)):
            lp.add_terms(np.repeat(day_rows, per_day)[:n_t], assign[k], grid.interval_h)
        for week_days in _weeks_of(days).values():
            cap = sum(p.max_hours_week for p in members) * len(week_days) / 7
            row = lp.add_rows([cap])
            ts = np.concatenate([np.arange(d * per_day, min((d + 1) * per_day, n_t)) for d in week_days])
            for k in range(len(skills)):
                lp.add_terms(np.full(ts.size, row[0]), assign[k][ts], grid.interval_h)
        for k, skill in enumerate(skills):
            coverage_terms.append((np.full(n_t, q_index[skill]), np.arange(n_t), assign[k], 1.0))

    # Vendors: seats per queue and interval within cap and opening hours; commitment top-up
    tod = (grid.intervals.hour * 60 + grid.intervals.minute).to_numpy()
    vendor_cols = []
    for vendor in workforce.vendors:
        skills = [s for s in vendor.skills if s in q_index]
        open_from, open_to = minutes_of(vendor.hours[0]), minutes_of(vendor.hours[1])
        is_open = ((tod >= open_from) & (tod < open_to)) if open_to > open_from else ((tod >= open_from) | (tod < open_to))
        price = np.where(grid.event_day, vendor.event_price_per_seat_hour or vendor.price_per_seat_hour,
                         vendor.price_per_seat_hour) * grid.interval_h
        seats = lp.add_columns(np.tile(price, len(skills))).reshape(len(skills), n_t)
        vendor_cols.append((vendor, skills, seats))
        cap_rows = lp.add_rows(np.where(is_open, vendor.max_seats, 0))
        for k in range(len(skills)):
            lp.add_terms(cap_rows, seats[k], 1.0)
        if vendor.min_monthly_seat_hours > 0:
            topup = lp.add_columns([vendor.price_per_seat_hour])
            row = lp.add_rows([-vendor.min_monthly_seat_hours])
            # seat columns are per interval, the top-up column per hour
            weights = np.append(np.full(seats.size, -grid.interval_h), -1.0)
            lp.add_terms(np.full(seats.size + 1, row[0]), np.append(seats.ravel(), topup), weights)
        for k, skill in enumerate(skills):
            qi = q_index[skill]
            coverage_terms.append((np.full(n_t, qi), np.arange(n_t), seats[k], 1.0 / vendor.aht_factor))

    # Shortfall: agents short, priced at the penalty of the contacts one agent answers
    need = grid.required
    per_agent = np.divide(grid.arrivals_human, need, out=np.zeros_like(need), where=need > 0)
    penalty = workforce.costs.shortfall_penalty_per_contact
    short = lp.add_columns((penalty * per_agent + 1e-3).ravel()).reshape(n_q, n_t)
    cover_rows = lp.add_rows(-need.ravel()).reshape(n_q, n_t)
    lp.add_terms(cover_rows.ravel(), short.ravel(), -1.0)
    for qi_arr, t_arr, cols, weight in coverage_terms:
        lp.add_terms(cover_rows[qi_arr, t_arr], cols, -weight)

    solution, info = lp.solve(time_limit_s)

    in_house = np.zeros((n_q, n_t))
    for skills, assign in ih_cols:
        for k, skill in enumerate(skills):
            in_house[q_index[skill]] += solution[assign[k]]
    part_time = np.zeros((n_q, n_t))
    pt_cost = pt_hours = 0.0
    for skills, assign, rate in pt_cols:
        for k, skill in enumerate(skills):
            heads = solution[assign[k]]
            part_time[q_index[skill]] += heads
            pt_hours += float(heads.sum()) * grid.interval_h
            pt_cost += float(heads.sum()) * grid.interval_h * rate
    vendor_seats = {}
    for vendor, skills, seats in vendor_cols:
        matrix = np.zeros((n_q, n_t))
        for k, skill in enumerate(skills):
            matrix[q_index[skill]] = solution[seats[k]]
        vendor_seats[vendor.id] = matrix
    staffing = Staffing(in_house=in_house, part_time=part_time, vendor_seats=vendor_seats,
                        in_house_ids=tuple(a.id for a in workforce.in_house), part_time_cost=pt_cost,
                        part_time_hours=pt_hours, in_house_paid_hours=float(in_house.sum()) * grid.interval_h,
                        part_time_key=_part_time_key(workforce))
    info["shortfall_agent_hours"] = float(solution[short].sum()) * grid.interval_h
    return staffing, info


def _part_time_key(workforce: Workforce) -> str:
    return repr([p.model_dump() for p in workforce.part_time])


# ---------------------------------------------------------------------------------------------
# Running scenarios (in parallel worker processes)
# ---------------------------------------------------------------------------------------------

@dataclass
class ScenarioResult:
    """One planned and priced scenario (the row finance reads)."""
    name: str
    description: str
    mode: str
    cost: dict[str, float]
    service: dict[str, dict[str, float]]
    shortfall_contacts: float
    contacts: float
    fte: dict[str, float]
    revenue: dict[str, float]
    solver: dict[str, Any]
    seconds: float
    notes: list[str] = field(default_factory=list)
    sweep_value: float | None = None
    # kept for re-pricing a plan under a neighbouring scenario (quick mode)
    staffing: Staffing | None = None
    workforce: Workforce | None = None
    grid: MonthGrid | None = None
    plan: Any = None

    @property
    def vendor_seat_hours(self) -> dict[str, float]:
        if self.staffing is None or self.grid is None:
            return {}
        return {v: float(s.sum()) * self.grid.interval_h for v, s in self.staffing.vendor_seats.items()}


@dataclass(frozen=True)
class ScenarioJob:
    """Everything a worker process needs to plan one scenario (all picklable)."""
    scenario: Scenario
    base: dict
    forecast: pd.DataFrame
    events: pd.DataFrame | None
    month: str
    source: str
    presales: tuple[str, ...] | None = None
    sweep_value: float | None = None
    keep_plan: bool = False
    # requirements_table(forecast, workforce, events) → requirements; None: optimize.staffing's
    requirements_fn: Callable[..., pd.DataFrame] | None = None


def _service_dict(service: dict[str, QueueService]) -> dict[str, dict[str, float]]:
    return {q: {"asa_s": s.asa_s, "service_level": s.service_level, "abandon_rate": s.abandon_rate,
                "contacts": s.contacts, "shortfall_contacts": s.shortfall_contacts} for q, s in service.items()}


def staffing_from_plan(plan: Any, workforce: Workforce, grid: MonthGrid) -> Staffing:
    """Heads by source per queue and interval out of a roster plan's coverage and vendor seats."""
    q_index = {q: i for i, q in enumerate(grid.queues)}
    t_index = pd.Series(np.arange(len(grid.intervals)), index=grid.intervals)
    shape = (len(grid.queues), len(grid.intervals))
    in_house, part_time = np.zeros(shape), np.zeros(shape)
    coverage = plan.coverage
    if len(coverage):
        stamps = pd.to_datetime(coverage["interval_start"])
        ok = stamps.isin(grid.intervals) & coverage["queue"].isin(q_index)
        qi = coverage.loc[ok, "queue"].map(q_index).to_numpy()
        ti = t_index.loc[stamps[ok]].to_numpy()
        in_house[qi, ti] = coverage.loc[ok, "staffed_in_house"].to_numpy(dtype=float)
        part_time[qi, ti] = coverage.loc[ok, "staffed_part_time"].to_numpy(dtype=float)
    vendor_seats: dict[str, np.ndarray] = {v.id: np.zeros(shape) for v in workforce.vendors}
    seats = plan.vendor_seats
    if len(seats):
        stamps = pd.to_datetime(seats["interval_start"])
        ok = stamps.isin(grid.intervals) & seats["queue"].isin(q_index) & seats["vendor"].isin(vendor_seats)
        for vendor, rows in seats[ok].groupby("vendor"):
            vendor_seats[vendor][rows["queue"].map(q_index).to_numpy(),
                                 t_index.loc[pd.to_datetime(rows["interval_start"])].to_numpy()] = rows["seats"].to_numpy(float)
    roster = plan.roster
    pt_hours = float(roster.loc[roster["type"] == "part_time", "paid_hours"].astype(float).sum()) if len(roster) else 0.0
    ih_hours = float(roster.loc[roster["type"] == "in_house", "paid_hours"].astype(float).sum()) if len(roster) else 0.0
    return Staffing(in_house=in_house, part_time=part_time, vendor_seats=vendor_seats,
                    in_house_ids=tuple(a.id for a in workforce.in_house),
                    part_time_cost=float(plan.summary["cost"].get("part_time", 0.0)), part_time_hours=pt_hours,
                    in_house_paid_hours=ih_hours, overtime_cost=float(plan.summary["cost"].get("overtime", 0.0)),
                    part_time_key=_part_time_key(workforce))


def _call_plan_month(workforce: Workforce, requirements: pd.DataFrame, job: ScenarioJob,
                     report: Callable[[float, str], None]):
    from optimize.roster import plan_month

    kwargs: dict[str, Any] = {"events": job.events, "time_limit_s": job.scenario.time_limit_s, "seed": 0}
    params = inspect.signature(plan_month).parameters
    if "num_workers" in params:  # two scenarios share two cores
        kwargs["num_workers"] = 1
    if "progress" in params:
        kwargs["progress"] = _RosterProgress(report, job.scenario.time_limit_s)
    return plan_month(workforce, requirements, job.month, **kwargs)


class _RosterProgress:
    """Adapter for the roster's ``progress(stage, info)``: the bar follows the wall clock against
    the scenario's time limit, the text shows the stage and the gap."""

    def __init__(self, report: Callable[[float, str], None], limit_s: float):
        self.report, self.limit_s = report, max(limit_s, 1.0)
        self.started = time.perf_counter()

    def __call__(self, stage: str = "solving", info: dict | None = None) -> None:
        info = info or {}
        gap = info.get("gap")
        text = str(info.get("message") or stage) + (f" gap {gap:.1%}" if isinstance(gap, float) and gap == gap else "")
        elapsed = time.perf_counter() - self.started
        self.report(0.25 + 0.65 * min(1.0, elapsed / self.limit_s), text)


def run_scenario(job: ScenarioJob, report: Callable[[float, str], None] | None = None) -> ScenarioResult:
    """Plan and price one scenario: overrides → requirements → plan (quick or full) → price."""
    requirements_table = job.requirements_fn
    if requirements_table is None:
        from optimize.staffing import requirements_table

    report = report or (lambda fraction, message: None)
    started = time.perf_counter()
    scenario = job.scenario
    workforce = apply_overrides(job.base, scenario.overrides, scenario=scenario.name, source=job.source)
    report(0.05, "requirements")
    start, end = month_bounds(job.month)
    stamps = pd.to_datetime(job.forecast["interval_start"])
    forecast = job.forecast[(stamps >= start) & (stamps < end)]
    requirements = requirements_table(forecast, workforce, job.events)
    grid = month_grid(requirements, workforce, job.month)
    presales = presales_queue_names(workforce, job.presales)
    report(0.25, f"{scenario.mode} plan")
    notes: list[str] = []
    plan = None
    if scenario.mode == "full":
        try:
            plan = _call_plan_month(workforce, requirements, job, report)
            report(0.9, "pricing")
        except RuntimeError as exc:  # the roster found no plan in its time: say so, price the quick plan
            notes.append(f"full mode failed ({exc}); the quick plan is shown")
            plan = None
    if plan is None:
        staffing, solver = plan_quick(workforce, grid, time_limit_s=max(scenario.time_limit_s, 30))
        report(0.85, "pricing")
        pricing = price_staffing(staffing, workforce, grid, presales)
        cost, service = pricing.cost, _service_dict(pricing.service)
        fte, revenue = pricing.fte, pricing.revenue
    else:
        summary = plan.summary
        cost = {k: float(summary["cost"].get(k, 0.0)) for k in COST_KEYS}
        cost["total"] = float(summary["cost"].get("total", sum(cost.values())))
        staffing = staffing_from_plan(plan, workforce, grid)
        own = queue_service(workforce, grid, effective_agents(staffing, workforce, grid.queues))
        service = {}
        for q in grid.queues:
            reported = summary.get("service", {}).get(q, {})
            service[q] = {"asa_s": float(reported.get("asa_s", own[q].asa_s)),
                          "service_level": float(reported.get("service_level", own[q].service_level)),
                          "abandon_rate": float(reported.get("abandon_rate", own[q].abandon_rate)),
                          "contacts": float(reported.get("contacts", own[q].contacts)),
                          "shortfall_contacts": own[q].shortfall_contacts}
        fte = fte_by_source(workforce, grid, staffing)
        revenue = presales_revenue(workforce, grid, staffing, {
            q: QueueService(s["contacts"], 0.0, s["asa_s"], s["service_level"], s["abandon_rate"],
                            s["shortfall_contacts"]) for q, s in service.items()}, presales)
        solver = dict(summary.get("solver", {}))
        notes += [str(v) for v in summary.get("violations", [])]
        if not job.keep_plan:
            plan = None
    mode = "quick" if any("full mode failed" in n for n in notes) else scenario.mode
    shortfall = float(sum(s["shortfall_contacts"] for s in service.values()))
    if mode == "full" and workforce.costs.shortfall_penalty_per_contact > 0:
        shortfall = cost["shortfall_penalty"] / workforce.costs.shortfall_penalty_per_contact
    report(1.0, "done")
    return ScenarioResult(name=scenario.name, description=scenario.description, mode=mode, cost=cost,
                          service=service, shortfall_contacts=shortfall, contacts=float(grid.arrivals.sum()), fte=fte,
                          revenue=revenue, solver=solver, seconds=round(time.perf_counter() - started, 2), notes=notes,
                          sweep_value=job.sweep_value, staffing=staffing, workforce=workforce, grid=grid, plan=plan)


def _run_in_worker(job: ScenarioJob, messages) -> ScenarioResult:
    def report(fraction: float, message: str) -> None:
        messages.put((job.scenario.name, fraction, message))

    try:
        return run_scenario(job, report)
    finally:
        messages.put((job.scenario.name, 1.0, "done"))


ProgressCallback = Callable[[str, float, str], None]


def run_scenarios(jobs: list[ScenarioJob], *, max_workers: int = 2,
                  progress: ProgressCallback | None = None) -> list[ScenarioResult]:
    """Run jobs in ``max_workers`` processes (in-process when 1); results in job order.

    ``progress(name, fraction, message)`` is called in this process as workers report
    (fraction −1 means "still working, no estimate").
    """
    if max_workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            report = (lambda f, m, n=job.scenario.name: progress(n, f, m)) if progress else None
            results.append(run_scenario(job, report))
        return results
    import multiprocessing
    import queue as queue_module

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        messages = manager.Queue()
        with ProcessPoolExecutor(max_workers=max_workers, mp_context=context) as pool:
            futures = [pool.submit(_run_in_worker, job, messages) for job in jobs]
            pending = set(futures)
            while pending:
                try:
                    name, fraction, message = messages.get(timeout=0.2)
                    if progress:
                        progress(name, fraction, message)
                except queue_module.Empty:
                    pass
                pending = {f for f in pending if not f.done()}
            while True:  # drain the last reports
                try:
                    name, fraction, message = messages.get_nowait()
                    if progress:
                        progress(name, fraction, message)
                except queue_module.Empty:
                    break
            return [f.result() for f in futures]


# ---------------------------------------------------------------------------------------------
# Consistency: a plan of one scenario re-priced under another (monotonicity repair)
# ---------------------------------------------------------------------------------------------

def fits(staffing: Staffing, workforce: Workforce, grid: MonthGrid) -> bool:
    """Whether a staffing is a valid plan under another scenario's config: same people, same
    part-timers, vendor seats within that scenario's caps, skills and opening hours."""
    if staffing.in_house_ids != tuple(a.id for a in workforce.in_house):
        return False
    if staffing.part_time_key != _part_time_key(workforce):
        return False
    q_index = {q: i for i, q in enumerate(grid.queues)}
    tod = (grid.intervals.hour * 60 + grid.intervals.minute).to_numpy()
    vendors = {v.id: v for v in workforce.vendors}
    for vendor_id, seats in staffing.vendor_seats.items():
        if seats.sum() <= 1e-9:
            continue
        vendor = vendors.get(vendor_id)
        if vendor is None:
            return False
        allowed = np.zeros(len(grid.queues), dtype=bool)
        allowed[[q_index[s] for s in vendor.skills if s in q_index]] = True
        if seats[~allowed].sum() > 1e-9 or seats.sum(axis=0).max() > vendor.max_seats + 1e-6:
            return False
        open_from, open_to = minutes_of(vendor.hours[0]), minutes_of(vendor.hours[1])
        is_open = ((tod >= open_from) & (tod < open_to)) if open_to > open_from else ((tod >= open_from) | (tod < open_to))
        if seats[:, ~is_open].sum() > 1e-9:
            return False
    return True


def reprice(result: ScenarioResult, donor: ScenarioResult, presales: tuple[str, ...] | None = None) -> ScenarioResult | None:
    """``donor``'s plan priced under ``result``'s scenario, if it is a valid plan there."""
    if donor.staffing is None or result.workforce is None or result.grid is None or donor is result:
        return None
    if donor.grid is None or donor.grid.intervals.equals(result.grid.intervals) is False:
        return None
    if not fits(donor.staffing, result.workforce, result.grid):
        return None
    pricing = price_staffing(donor.staffing, result.workforce, result.grid,
                             presales_queue_names(result.workforce, presales))
    return ScenarioResult(
        name=result.name, description=result.description, mode=result.mode, cost=pricing.cost,
        service=_service_dict(pricing.service),
        shortfall_contacts=float(sum(s.shortfall_contacts for s in pricing.service.values())),
        contacts=result.contacts, fte=pricing.fte, revenue=pricing.revenue, solver=result.solver,
        seconds=result.seconds, notes=[n for n in result.notes if not n.startswith("re-used the plan of")]
        + [f"re-used the plan of {donor.name!r} (cheaper here)"],
        sweep_value=result.sweep_value, staffing=donor.staffing, workforce=result.workforce, grid=result.grid)


def enforce_consistency(results: list[ScenarioResult], presales: tuple[str, ...] | None = None,
                        rounds: int = 2) -> list[ScenarioResult]:
    """Give every scenario the cheapest plan among the plans of its mode that are valid for it.

    A quick plan is optimal for the LP's view of cost, a full plan is the roster optimizer's best
    within its time limit (a gap); the reported cost prices every contact answered after the
    threshold, so a neighbour's plan can be cheaper under this scenario's prices and arrivals.
    Re-pricing it (with the plan-file cost rules, which reproduce the roster's own summary) and
    keeping the cheaper makes the table monotone wherever one scenario's plan is valid in another
    (a cheaper vendor, more containment, a laxer target): the property finance expects. Plans are
    only exchanged within a mode, so quick rows stay quick and full rows stay rosters.
    """
    results = list(results)
    for _ in range(rounds):
        changed = False
        for i, result in enumerate(results):
            for donor in results:
                if donor.name == result.name or donor.mode != result.mode:
                    continue
                candidate = reprice(results[i], donor, presales)
                if candidate is not None and candidate.cost["total"] < results[i].cost["total"] - 1e-6:
                    results[i] = candidate
                    changed = True
        if not changed:
            break
    return results


def monotonicity_report(results: list[ScenarioResult], field: str, tolerance: float = 1e-6) -> list[str]:
    """Violations of 'more bot containment / a cheaper vendor never costs more' along a sweep."""
    points = sorted((r for r in results if r.sweep_value is not None), key=lambda r: r.sweep_value)
    leaf = field.rsplit(".", 1)[-1]
    if "containment" in field:
        direction = -1  # more containment → cost must not rise
    elif "price" in leaf:
        direction = +1  # higher price → cost must not fall
    else:
        return []
    problems = []
    for low, high in zip(points, points[1:]):
        change = high.cost["total"] - low.cost["total"]
        if direction * change < -tolerance * max(1.0, abs(low.cost["total"])):
            problems.append(f"{field} {low.sweep_value:g} → {high.sweep_value:g}: total cost "
                            f"{low.cost['total']:,.0f} → {high.cost['total']:,.0f} moves against the expected direction")
    return problems


# ---------------------------------------------------------------------------------------------
# The finance table, sweeps and break-even
# ---------------------------------------------------------------------------------------------

def results_table(results: list[ScenarioResult], baseline: str | None = None) -> pd.DataFrame:
    """One row per scenario: cost (total, per contact, by source), FTE by source, service per
    queue, shortfall, revenue at stake and the difference to the baseline."""
    rows = []
    for r in results:
        row: dict[str, Any] = {"scenario": r.name}
        if r.sweep_value is not None:
            row["sweep_value"] = r.sweep_value
        row.update({"mode": r.mode, "description": r.description, "total_cost": r.cost["total"],
                    "cost_per_contact": r.cost["total"] / r.contacts if r.contacts else float("nan")})
        for key in COST_KEYS:
            row[f"cost_{key}"] = r.cost.get(key, 0.0)
        for key in ("in_house", "part_time", "vendor", "bot", "required"):
            row[f"fte_{key}"] = r.fte.get(key, float("nan"))
        for queue, service in r.service.items():
            row[f"service_level_{queue}"] = service["service_level"]
            row[f"asa_s_{queue}"] = service["asa_s"]
            row[f"abandon_{queue}"] = service["abandon_rate"]
        contacts = sum(s["contacts"] for s in r.service.values())
        row["service_level_all"] = (sum(s["service_level"] * s["contacts"] for s in r.service.values()) / contacts
                                    if contacts else float("nan"))
        row["shortfall_contacts"] = r.shortfall_contacts
        row["contacts"] = r.contacts
        for key, value in r.revenue.items():
            row[key] = value
        row["solver_status"] = r.solver.get("status", "")
        row["solver_gap"] = r.solver.get("gap")
        row["seconds"] = r.seconds
        row["notes"] = "; ".join(r.notes)
        rows.append(row)
    table = pd.DataFrame(rows)
    if "sweep_value" in table:
        table.insert(1, "sweep_value", table.pop("sweep_value"))
    base_name = baseline if baseline in set(table["scenario"]) else None
    if base_name is not None:
        base = table.loc[table["scenario"] == base_name].iloc[0]
        table.insert(table.columns.get_loc("cost_per_contact") + 1, "cost_vs_baseline",
                     table["total_cost"] - base["total_cost"])
        if "presales_revenue" in table:
            table["revenue_vs_baseline"] = table["presales_revenue"] - base["presales_revenue"]
            table["net_vs_baseline"] = table["revenue_vs_baseline"] - table["cost_vs_baseline"]
        table["fte_required_vs_baseline"] = table["fte_required"] - base["fte_required"]
    return table


def sourcing_mix(result: ScenarioResult) -> dict[str, float]:
    """Share of staffed agent-hours by source (bot excluded: it is not bought per hour)."""
    if result.staffing is None:
        return {}
    hours = {"in_house": float(result.staffing.in_house.sum()), "part_time": float(result.staffing.part_time.sum()),
             "vendor": float(sum(s.sum() for s in result.staffing.vendor_seats.values()))}
    total = sum(hours.values()) or 1.0
    return {k: v / total for k, v in hours.items()}


def _crossing(x0: float, y0: float, x1: float, y1: float) -> float:
    return x0 + (x1 - x0) * (-y0) / (y1 - y0) if y1 != y0 else x0


def _net_cost(result: ScenarioResult) -> float:
    """Cost less pre-sales revenue (the revenue at stake counts as a negative cost)."""
    return result.cost["total"] - result.revenue.get("presales_revenue", 0.0)


def sweep_findings(results: list[ScenarioResult], field: str, baseline: ScenarioResult | float | None = None,
                   material_share: float = 0.01) -> list[str]:
    """Where along a sweep the cheapest sourcing changes, and where it crosses the baseline's cost
    (and, when the config prices pre-sales revenue, the baseline's cost net of revenue)."""
    points = sorted((r for r in results if r.sweep_value is not None), key=lambda r: r.sweep_value)
    findings = []
    for low, high in zip(points, points[1:]):
        a, b = sourcing_mix(low), sourcing_mix(high)
        used_a = {k for k, v in a.items() if v >= material_share}
        used_b = {k for k, v in b.items() if v >= material_share}
        if used_a != used_b:
            findings.append(f"between {field}={low.sweep_value:g} and {high.sweep_value:g} the sourcing changes from "
                            f"{'+'.join(sorted(used_a))} to {'+'.join(sorted(used_b))}")
        va, vb = low.vendor_seat_hours, high.vendor_seat_hours
        for vendor in sorted(set(va) | set(vb)):
            before, after = va.get(vendor, 0.0), vb.get(vendor, 0.0)
            if max(before, after) > 0 and abs(after - before) > 0.25 * max(before, after):
                findings.append(f"between {field}={low.sweep_value:g} and {high.sweep_value:g} vendor {vendor} seat-hours "
                                f"go {before:,.0f} → {after:,.0f}")
    if baseline is None or not points:
        return findings
    base_cost = baseline if isinstance(baseline, (int, float)) else baseline.cost["total"]
    views = [("cost", lambda r: r.cost["total"], base_cost)]
    if isinstance(baseline, ScenarioResult) and "presales_revenue" in baseline.revenue:
        views.append(("cost net of pre-sales revenue", _net_cost, _net_cost(baseline)))
    for label, measure, reference in views:
        at = break_even(points, reference, measure)
        if at is not None:
            cheaper_below = measure(points[0]) <= reference
            findings.append(f"break-even on {label} at {field} ≈ {at:.4g}: the scenario is cheaper than the baseline "
                            f"{'below' if cheaper_below else 'above'} it")
        else:
            side = "cheaper" if measure(points[0]) < reference else "dearer"
            findings.append(f"no break-even on {label} in {points[0].sweep_value:g}..{points[-1].sweep_value:g}: the "
                            f"scenario is {side} than the baseline across the whole range")
    return findings


def break_even(results: list[ScenarioResult], baseline_cost: float,
               measure: Callable[[ScenarioResult], float] = lambda r: r.cost["total"]) -> float | None:
    """First sweep value where ``measure`` (default the total cost) crosses the baseline's, linear between points."""
    points = sorted((r for r in results if r.sweep_value is not None), key=lambda r: r.sweep_value)
    for low, high in zip(points, points[1:]):
        d0, d1 = measure(low) - baseline_cost, measure(high) - baseline_cost
        if (d0 <= 0 < d1) or (d0 > 0 >= d1):
            return _crossing(low.sweep_value, d0, high.sweep_value, d1)
    return None


def net_break_even(results: list[ScenarioResult], baseline: ScenarioResult) -> float | None:
    """Break-even of the cost net of pre-sales revenue (None when revenue is not priced or no crossing)."""
    if "presales_revenue" not in baseline.revenue:
        return None
    return break_even(results, _net_cost(baseline), _net_cost)
