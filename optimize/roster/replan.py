"""Re-planning a published plan with the fewest changes: the published roster as the reference, every
changed person-day priced (``plan reroster``, :mod:`plan.optimize.roster.reroster`).

A :class:`Reference` is the published in-house roster from the re-plan's first day on, by person and
date, with the prices of the workforce config's ``replan:`` section
(:class:`plan.contracts.workforce.Replan`). :func:`apply_reference` sets it on the instance after the
pins (the days before the window are pinned exactly as published). Two model terms read it:

* :func:`add_disruption`, in naming (:mod:`plan.optimize.roster.assign`): each person-day from the
  window's first day on that leaves its published shift (moved, removed, or worked on a published
  rest day) costs :func:`change_cost`, next to the count targets and overtime, so a change is made
  only where it buys more service or saves more than it costs;
* :func:`add_reference_counts`, in the aggregate model (:mod:`plan.optimize.roster.model`): per group
  and day, the heads its (day, shift) counts gained or lost against the published counts of the
  people still present bound the people whose day changed from below, each priced as a change, so
  the counts naming is asked to staff stay the published ones unless service or cost pays for the
  difference.

The published plan with the days away taken off is also where the aggregate's search starts
(:func:`published_decisions`, the search's incumbent): a short budget then only moves away from it
where the move pays, instead of re-finding the month from the LP and landing somewhere worse.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from plan.contracts.workforce import Replan
from plan.optimize.roster.instance import contracted_hours

DISRUPTION = "disruption"   # the aggregate's cost label of the deviation from the published counts


@dataclass(frozen=True)
class PublishedTables:
    """The published plan with the days away taken off, on the instance's indices: ``in_house``
    {(agent, day): (shift, break variant, queue)}, ``part_time`` {(part-timer, day): (group, block,
    queue)}, ``seats`` {(vendor, queue, interval): seats}."""
    in_house: dict[tuple[int, int], tuple[int, int, int]]
    part_time: dict[tuple[int, int], tuple[int, int, int]]
    seats: dict[tuple[int, int, int], int]


@dataclass(frozen=True)
class Reference:
    """The published plan as re-planning reads it: ``shifts`` {(agent_id, date): shift code} of the
    in-house days worked, from the window's first day on (other days of present people were rest);
    ``kept_off`` the (agent_id, date) the published plan had pinned to REST (they stay out of the
    hours owed, as they were); ``costs`` the prices of a change; ``priced`` False: the published days
    are not priced (the rest of the month planned afresh, for comparison), only the hours kept."""
    shifts: dict[tuple[str, dt.date], str]
    costs: Replan
    kept_off: frozenset[tuple[str, dt.date]] = frozenset()
    priced: bool = True
    left_alone: PublishedTables | None = None   # the aggregate search's start (see published_decisions)
    # filled by apply_reference: (agent, day) -> shift index of the instance
    by_index: dict[tuple[int, int], int] = field(default_factory=dict, compare=False)


def change_cost(costs: Replan, days_ahead: int, rest_taken: bool) -> float:
    """Price of changing one person's day ``days_ahead`` days after the re-plan's first day: the
    base, × the short-notice factor in the first ``short_notice_days``, × the rest-day factor when a
    published rest day is worked."""
    cost = costs.change_cost
    if days_ahead < costs.short_notice_days:
        cost *= costs.short_notice_factor
    if rest_taken:
        cost *= costs.rest_day_taken_factor
    return cost


def apply_reference(inst, reference: Reference | None) -> None:
    """Set the published plan on ``inst`` (after :func:`plan.optimize.roster.pins.apply_window`).

    The days before the window are off the plan (pinned), but a published rest day there is an
    ordinary rest day, not time taken off: the hours the contract is owed are the month's, less
    leave and the published plan's own REST pins, as they were when it was made."""
    if reference is None:
        return
    inst.reference = reference
    agents = {agent.id: a for a, agent in enumerate(inst.workforce.in_house)}
    codes = {shift.code: s for s, shift in enumerate(inst.workforce.shifts)}
    index = {day: d for d, day in enumerate(inst.days)}
    reference.by_index.clear()
    for (agent_id, day), code in reference.shifts.items():
        if agent_id in agents and day in index and code in codes and index[day] >= inst.first_day:
            reference.by_index[(agents[agent_id], index[day])] = codes[code]
    kept_off = {(agents[i], index[day]) for i, day in reference.kept_off if i in agents and day in index}
    off = [{d for d in rest if d >= inst.first_day or (a, d) in kept_off} for a, rest in enumerate(inst.pinned_rest)]
    inst.contracted_h = contracted_hours(inst.workforce, inst.days, inst.day_kind, off or None)


def add_disruption(pm) -> None:
    """Naming: price every person-day from the window's first day on that differs from the published
    one (a published shift not worked as published: its reward is the change it avoids; a shift on a
    published rest day: the change with the rest-day factor). Days on leave have no choice to price."""
    inst = pm.inst
    reference = getattr(inst, "reference", None)
    if reference is None or not reference.priced:
        return
    shifts = inst.groups[pm.g].shifts
    for a in pm.members:
        for d in range(inst.first_day, inst.n_days):
            published = reference.by_index.get((a, d))
            if published is None:
                cost = change_cost(reference.costs, d - inst.first_day, rest_taken=True)
                pm.penalties += [(pm.x[(a, d, s)], cost) for s in shifts if (a, d, s) in pm.x]
            elif (a, d, published) in pm.x:
                pm.penalties.append((pm.x[(a, d, published)],
                                     -change_cost(reference.costs, d - inst.first_day, rest_taken=False)))


def reference_counts(inst) -> dict[tuple[int, int, int], int]:
    """{(group, day, shift): people of the group the published plan put on it who are still present}."""
    group_of = {a: g for g, group in enumerate(inst.groups) for a in group.members}
    counts: dict[tuple[int, int, int], int] = {}
    for (a, d), s in inst.reference.by_index.items():
        if d not in inst.leave[a]:
            key = (group_of[a], d, s)
            counts[key] = counts.get(key, 0) + 1
    return counts


def add_reference_counts(m) -> None:
    """Aggregate: from the window's first day on, the people of a group whose day differs from the
    published one, at least the heads its (day, shift) counts gained and at least those they lost
    against the published counts of the people still present (someone moved between two shifts is
    one of each; someone away changes none), each priced as a change; the heads gained beyond those
    lost worked a published rest day and carry the rest-day factor. Part-time groups' (day, block)
    counts likewise, without the rest-day factor (a part-timer's free day is not a rest day the law
    gives). Each is a lower bound on the changes naming then prices person by person."""
    inst = m.inst
    if getattr(inst, "reference", None) is None or not inst.reference.priced:
        return
    counts = reference_counts(inst)
    shifts_of_day: dict[tuple[int, int], list] = defaultdict(list)
    for (g, d, s), keys in m._by_gds.items():
        if d >= inst.first_day and keys:
            shifts_of_day[(g, d)].append((s, [m.in_house[k] for k in keys]))
    for (g, d), shifts in shifts_of_day.items():
        _price_day_changes(m, f"g{g}_d{d}", [(f"s{s}", variables, counts.get((g, d, s), 0)) for s, variables in shifts],
                           len(inst.groups[g].members), d - inst.first_day, rest_days=True)
    published = part_time_reference_counts(inst)
    blocks: dict[tuple[int, int], dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for (h, d, b, _), var in m.part_time.items():
        if d >= inst.first_day:
            blocks[(h, d)][b].append(var)
    for (h, d), by_block in blocks.items():
        _price_day_changes(m, f"h{h}_d{d}", [(f"b{b}", variables, published.get((h, d, b), 0))
                                             for b, variables in by_block.items()],
                           len(inst.pt_groups[h].members), d - inst.first_day, rest_days=False)


def _price_day_changes(m, name: str, counts: list[tuple[str, list, int]], people: int, days_ahead: int,
                       rest_days: bool) -> None:
    """One group-day: ``counts`` (label, variables summed, published target) of its shifts or blocks."""
    costs = m.inst.reference.costs
    gained, lost = [], []
    for label, variables, target in counts:
        heads = [(v, 1) for v in variables]
        over = m.model.new_int_var(0, max(people, target), f"ref_over_{name}_{label}")
        m.at_least(over, heads, -target)
        gained.append((over, 1))
        if target:
            under = m.model.new_int_var(0, target, f"ref_under_{name}_{label}")
            m.at_least(under, [(v, -1) for v in variables], target)
            lost.append((under, 1))
    changed = m.model.new_int_var(0, people, f"ref_changed_{name}")
    m.at_least_all(changed, [(gained, 0), (lost, 0)])
    m.add_cost(DISRUPTION, changed, change_cost(costs, days_ahead, rest_taken=False))
    if rest_days and costs.rest_day_taken_factor != 1.0:
        taken = m.model.new_int_var(0, people, f"ref_rest_taken_{name}")
        m.at_least(taken, gained + [(v, -1) for v, _ in lost], 0)
        m.add_cost(DISRUPTION, taken, change_cost(costs, days_ahead, rest_taken=True)
                   - change_cost(costs, days_ahead, rest_taken=False))


def part_time_reference_counts(inst, before_window: bool = False) -> dict[tuple, int]:
    """{(part-time group, day, block): part-timers the published plan put on it} from the window's
    first day on, or {(group, day, block, queue): ...} before it (none without its tables)."""
    tables = inst.reference.left_alone
    counts: dict[tuple, int] = {}
    for (_, d), (h, b, q) in (tables.part_time.items() if tables is not None else ()):
        if (d < inst.first_day) == before_window:
            key = (h, d, b, q) if before_window else (h, d, b)
            counts[key] = counts.get(key, 0) + 1
    return counts


def kept_part_time(inst) -> dict[tuple[int, int], int]:
    """{(part-timer, day): block} of the published plan, which naming keeps where the counts allow:
    before the window they are the blocks worked (so each person's week counts them), from it on the
    published ones a re-plan changes only where that pays (from it on: empty without a priced reference)."""
    reference = getattr(inst, "reference", None)
    if reference is None or reference.left_alone is None:
        return {}
    return {(p, d): b for (p, d), (_, b, _) in reference.left_alone.part_time.items()
            if reference.priced or d < inst.first_day}


def add_published_past(m) -> None:
    """Vendor seats and part-time blocks before the window's first day are the published ones: they
    were bought and worked. A seat block running over the first midnight then goes on as bought, the
    vendor's monthly commitment counts the hours already taken, and a part-timer's week its hours."""
    inst = m.inst
    reference = getattr(inst, "reference", None)
    if reference is None or reference.left_alone is None:
        return
    tables = reference.left_alone
    window_t = inst.first_day * inst.per_day
    for key, var in m.seats.items():
        if key[2] < window_t:
            m.model.add(var == tables.seats.get(key, 0))
    published = part_time_reference_counts(inst, before_window=True)
    for (h, d, b, q), var in m.part_time.items():
        if d < inst.first_day:
            m.model.add(var == published.get((h, d, b, q), 0))


def published_decisions(m) -> dict[int, int] | None:
    """Every decision of the aggregate model ``m`` (proto index → value) as the published plan with the
    days away taken off has it, or None without one (a fresh plan, or the comparison run)."""
    reference = getattr(m.inst, "reference", None)
    if reference is None or not reference.priced or reference.left_alone is None:
        return None
    tables = reference.left_alone
    group_of = {a: g for g, group in enumerate(m.inst.groups) for a in group.members}
    counts: dict[tuple, int] = {}
    for (a, d), (s, v, q) in tables.in_house.items():
        for key in (("in_house", group_of[a], d, s, q), ("breaks", d, s, v, q)):
            counts[key] = counts.get(key, 0) + 1
    for (_, d), (h, b, q) in tables.part_time.items():
        counts[("part_time", h, d, b, q)] = counts.get(("part_time", h, d, b, q), 0) + 1
    fixed = {}
    for kind in ("in_house", "breaks", "part_time"):
        for key, var in getattr(m, kind).items():
            fixed[var.index] = counts.get((kind, *key), 0)
    for key, var in m.seats.items():
        fixed[var.index] = tables.seats.get(key, 0)
    return fixed
