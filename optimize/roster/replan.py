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
* :func:`add_reference_counts`, in the aggregate model (:mod:`plan.optimize.roster.model`): each
  group's count of a (day, shift) away from the published count of the people still present costs
  half a change (a person moved between two shifts changes two counts), so the counts naming is asked
  to staff stay the published ones unless service or cost pays for the difference.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from plan.contracts.workforce import Replan
from plan.optimize.roster.instance import contracted_hours

DISRUPTION = "disruption"   # the aggregate's cost label of the deviation from the published counts


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
    """Aggregate: each group's (day, shift) count from the window's first day on, above or below the
    published count of the people still present, costs half a change per head (a person moved from
    one shift to another changes two counts; one fewer where someone is absent changes none)."""
    inst = m.inst
    if getattr(inst, "reference", None) is None or not inst.reference.priced:
        return
    counts = reference_counts(inst)
    for (g, d, s), keys in m._by_gds.items():
        if d < inst.first_day or not keys:
            continue
        target = counts.get((g, d, s), 0)
        price = change_cost(inst.reference.costs, d - inst.first_day, rest_taken=False) / 2
        heads = [(m.in_house[k], 1) for k in keys]
        over = m.model.new_int_var(0, len(inst.groups[g].members), f"ref_over_g{g}_d{d}_s{s}")
        m.at_least(over, heads, -target)
        m.add_cost(DISRUPTION, over, price)
        if target:
            under = m.model.new_int_var(0, target, f"ref_under_g{g}_d{d}_s{s}")
            m.at_least(under, [(v, -1) for v, _ in heads], target)
            m.add_cost(DISRUPTION, under, price)
