"""Naming the people: each group's shift counts from the aggregate model become a roster of named
agents that honours every individual hard rule, with the soft wishes priced.

One CP-SAT model per group (large groups are cut into chunks of at most ``CHUNK`` agents, the day's
counts shared pro rata). Hard rules, one function each, mirror their aggregate forms in
:mod:`plan.optimize.roster.model`: one shift a day, leave, weekly rest day, maximum consecutive days,
minimum rest between shifts, contract hours and overtime cap; pinned days, the carried-in state
and the month's end left free for the next month (:mod:`plan.optimize.roster.pins`). Counts the aggregate asked for are a
target, not a constraint: a shift that cannot be staffed legally is priced (``missed_shift``) and the
plan's coverage is recomputed from the named roster afterwards. Soft rules, one function each:
fair spread of nights, weekends and holidays; stable start times within a week; no lone rest days;
a whole weekend off; no quick returns; no rest day a night runs into; shift and rest-day preferences.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from plan.contracts.workforce import WEEKDAYS, SoftRules, minutes_of
from plan.optimize.cost_rules import hourly_rate, overtime_premium
from plan.optimize.roster import budgets as B
from plan.optimize.roster.budgets import NO_DEADLINE, Deadline
from plan.optimize.roster.fairness import night_eligible
from plan.optimize.roster.instance import Instance, agent_week_caps, rest_conflicts
from plan.optimize.roster.pins import carried_rest_windows, forced_overtime_of, month_end_windows
from plan.optimize.roster.replan import add_disruption

CHUNK = 60
# Below this many agents CP-SAT finds better rosters on its own than from the greedy hint; above it
# the hint is what makes a good start at all (docs/architecture.md, the naming stage).
GREEDY_HINT_MIN_AGENTS = 30


def _solver(budget_s: float, workers: int, seed: int, deadline: Deadline) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    B.set_cp_sat_limits(solver.parameters, budget_s, deadline, seed=seed, workers=min(workers, B.NAMING_WORKERS),
                        per_s=B.NAMING_WORK_PER_S)
    return solver


@dataclass(frozen=True)
class SoftWeights:
    """Soft-rule prices in the site currency (they enter the objective next to real costs); the
    config's ``soft_rules`` (:class:`plan.contracts.workforce.SoftRules`) sets them for a plan."""
    night_spread: float = 10.0       # per night between the most- and least-loaded agent of a group
    weekend_spread: float = 5.0      # per weekend day, same
    holiday_spread: float = 10.0     # per statutory-holiday day, same
    start_time_change: float = 2.0   # per extra start time an agent has within a week
    split_rest: float = 5.0          # per lone rest day (a day off between two worked days)
    no_whole_weekend: float = 20.0   # per agent without one whole weekend off in the month
    preference: float = 5.0          # per shift worked against a stated preference
    quick_return: float = 4.0        # per shift starting less than quick_return_min_rest_h after the last
    quick_return_min_rest_h: float = 12.0
    short_rest_day: float = 6.0      # per rest day a night shift from the day before runs into
    missed_shift: float = 500.0      # steering only: a shift the aggregate plan asked for, not staffed
    extra_shift: float = 0.5         # steering only: a shift beyond the aggregate plan

    @classmethod
    def from_rules(cls, rules: SoftRules) -> "SoftWeights":
        return cls(**rules.model_dump())


@dataclass
class PersonModel:
    inst: Instance
    g: int
    members: list[int]
    weights: SoftWeights
    model: cp_model.CpModel
    x: dict[tuple[int, int, int], cp_model.IntVar]   # (agent, day, shift)
    penalties: list[tuple[cp_model.IntVar, float]]

    def works(self, a: int, d: int):
        return sum(self.x[(a, d, s)] for s in self.inst.groups[self.g].shifts if (a, d, s) in self.x)

    def hours(self, a: int, days) -> cp_model.LinearExpr:
        return sum(self.x[(a, d, s)] * round(100 * self.inst.shift_hours(s))
                   for d in days for s in self.inst.groups[self.g].shifts if (a, d, s) in self.x)


def add_variables_and_leave(pm: PersonModel) -> None:
    """One shift a day at most; none on a day of leave (no variable exists for it)."""
    inst = pm.inst
    for a in pm.members:
        for d in range(inst.n_days):
            if d in inst.leave[a]:
                continue
            for s in inst.groups[pm.g].shifts_on(d):
                pm.x[(a, d, s)] = pm.model.new_bool_var(f"x_a{a}_d{d}_s{s}")
            pm.model.add(pm.works(a, d) <= 1)


def add_weekly_rest_day(pm: PersonModel) -> None:
    rest = pm.inst.workforce.labour_rules.min_rest_days_per_week
    if rest > 0:
        for a in pm.members:
            for d0 in range(pm.inst.n_days - 6):
                pm.model.add(sum(pm.works(a, d) for d in range(d0, d0 + 7)) <= 7 - rest)


def add_max_consecutive_days(pm: PersonModel) -> None:
    k = pm.inst.workforce.labour_rules.max_consecutive_days
    for a in pm.members:
        for d0 in range(pm.inst.n_days - k):
            pm.model.add(sum(pm.works(a, d) for d in range(d0, d0 + k + 1)) <= k)


def add_min_rest_between_shifts(pm: PersonModel) -> None:
    inst = pm.inst
    shifts = inst.groups[pm.g].shifts
    for a in pm.members:
        for d in range(inst.n_days - 1):
            for s1 in shifts:
                after = [pm.x[(a, d + 1, s2)] for s2 in inst.rest_conflicts[s1] if (a, d + 1, s2) in pm.x]
                if (a, d, s1) in pm.x and after:
                    pm.model.add(pm.x[(a, d, s1)] + sum(after) <= 1)


def add_pinned_days(pm: PersonModel) -> None:
    """A pinned shift is worked (a day pinned to rest is off like leave: it has no variable)."""
    for a in pm.members:
        for d in range(pm.inst.n_days):
            s = pm.inst.pinned_shift.get((a, d))
            if s is not None:
                pm.model.add(pm.x[(a, d, s)] == 1)


def add_carried_rest_days(pm: PersonModel) -> None:
    """Days worked just before the month count toward the consecutive-days limit and the weekly rest day."""
    for a in pm.members:
        for length, most in carried_rest_windows(pm.inst, a):
            pm.model.add(sum(pm.works(a, d) for d in range(length)) <= most)


def add_month_end_room(pm: PersonModel) -> None:
    """The month's last days leave every agent free to work the next month's first day."""
    inst = pm.inst
    for a in pm.members:
        for length, most in month_end_windows(inst):
            pm.model.add(sum(pm.works(a, d) for d in range(inst.n_days - length, inst.n_days)) <= most)


def add_carried_min_rest(pm: PersonModel) -> None:
    """No shift on the month's first days starts less than the minimum rest after the last one carried in."""
    for (a, d), barred in pm.inst.carried_bars.items():
        if a in pm.members:
            for s in barred:
                if (a, d, s) in pm.x:
                    pm.model.add(pm.x[(a, d, s)] == 0)


def add_contract_hours_and_overtime_cap(pm: PersonModel, overtime_allowed_h: float | None = None) -> None:
    """Regular hours ≥ the contract less one day; overtime (comprehensive: the month beyond the
    contract; standard: each calendar week beyond its limit; plus all statutory-holiday work) ≤ the cap,
    priced per agent at salary ÷ standard hours × the premium. ``overtime_allowed_h``: the chunk's
    ordinary-day overtime is at most what the aggregate plan priced for it (a hard rule: overtime
    nobody planned would be paid at 150-200% without the plan ever weighing it against other staff)."""
    inst = pm.inst
    wf = inst.workforce
    rules = wf.labour_rules
    contract = wf.contracts[inst.groups[pm.g].contract]
    ordinary = [d for d, k in enumerate(inst.day_kind) if k != "holiday"]
    holidays_ = [d for d, k in enumerate(inst.day_kind) if k == "holiday"]
    pm.overtime = {}
    ordinary_ot = []
    for a in pm.members:
        agent = wf.in_house[a]
        rate = hourly_rate(agent.monthly_salary, contract.standard_hours_month)
        owed = inst.contracted_h[a]
        regular = pm.hours(a, ordinary)
        pm.model.add(regular >= round(100 * max(0.0, owed - contract.max_hours_day)))
        cap = round(100 * rules.overtime_max_h_month)
        ot_terms = []
        if contract.system == "comprehensive":
            ot = pm.model.new_int_var(0, cap, f"ot_a{a}")
            pm.model.add(ot >= regular - round(100 * owed))
            pm.penalties.append((ot, rate * overtime_premium(rules, "workday") / 100))
            ot_terms.append(ot)
            ordinary_ot.append(ot)
        else:
            for w, (week, wcap) in enumerate(zip(inst.weeks, agent_week_caps(inst, a, contract.max_hours_week))):
                limit = wcap
                ot = pm.model.new_int_var(0, cap, f"ot_a{a}_w{w}")
                pm.model.add(ot >= pm.hours(a, [d for d in week if d in set(ordinary)]) - round(100 * limit))
                pm.penalties.append((ot, rate * overtime_premium(rules, "rest_day") / 100))
                ot_terms.append(ot)
                ordinary_ot.append(ot)
        if holidays_:
            hol = pm.hours(a, holidays_)
            ot_terms.append(hol)
            for d in holidays_:
                for s in inst.groups[pm.g].shifts:
                    if (a, d, s) in pm.x:
                        pm.penalties.append((pm.x[(a, d, s)], rate * overtime_premium(rules, "holiday") * inst.shift_hours(s)))
        if ot_terms:
            pm.model.add(sum(ot_terms) <= cap)
    if overtime_allowed_h is not None and ordinary_ot:
        pm.model.add(sum(ordinary_ot) <= round(100 * overtime_allowed_h + 1e-6))


def add_count_targets(pm: PersonModel, counts: dict[tuple[int, int], int],
                      miss_values: dict[tuple[int, int], float] | None = None) -> list[tuple[cp_model.IntVar, int]]:
    """Staff the aggregate plan's shift counts; a miss or an extra is priced, never infeasible. A miss
    costs ``miss_values[(d, s)]`` when given (what one head fewer on that shift costs in service),
    else the flat ``missed_shift``: when the rules force misses, the cheap ones are taken. Returns the
    deviation from the counts as (variable, weight) terms."""
    w = pm.weights
    weighted = []
    for d in range(pm.inst.n_days):
        for s in pm.inst.groups[pm.g].shifts:
            target = counts.get((d, s), 0)
            people = [pm.x[(a, d, s)] for a in pm.members if (a, d, s) in pm.x]
            if not people and target == 0:
                continue
            under = pm.model.new_int_var(0, max(target, 0), f"under_d{d}_s{s}")
            over = pm.model.new_int_var(0, len(people), f"over_d{d}_s{s}")
            pm.model.add(sum(people) + under - over == target)
            miss = w.missed_shift if miss_values is None else miss_values.get((d, s), w.missed_shift)
            pm.penalties.append((under, miss))
            pm.penalties.append((over, w.extra_shift))
            weighted += [(under, round(miss * 10)), (over, max(1, round(w.extra_shift * 10)))]
    return weighted


def _spread(pm: PersonModel, counts: list, weight: float, name: str) -> None:
    if weight <= 0 or len(counts) < 2:
        return
    hi = pm.model.new_int_var(0, pm.inst.n_days, f"{name}_max")
    lo = pm.model.new_int_var(0, pm.inst.n_days, f"{name}_min")
    for c in counts:
        pm.model.add(hi >= c)
        pm.model.add(lo <= c)
    pm.penalties.append((hi, weight))
    pm.penalties.append((lo, -weight))


def add_fair_spread(pm: PersonModel) -> None:
    """Nights, weekend days and statutory holidays spread evenly: price max − min in the group."""
    inst = pm.inst
    shifts = inst.groups[pm.g].shifts
    nights = [s for s in shifts if inst.night_shift[s]]
    weekend = [d for d, day in enumerate(inst.days) if day.weekday() >= 5]
    holidays_ = [d for d, k in enumerate(inst.day_kind) if k == "holiday"]
    for label, days, subset, weight in (("night", range(inst.n_days), nights, pm.weights.night_spread),
                                        ("weekend", weekend, shifts, pm.weights.weekend_spread),
                                        ("holiday", holidays_, shifts, pm.weights.holiday_spread)):
        if not days or not subset:
            continue
        members = night_eligible(inst, pm.members) if label == "night" else pm.members
        counts = [sum(pm.x[(a, d, s)] for d in days for s in subset if (a, d, s) in pm.x) for a in members]
        _spread(pm, counts, weight, label)


def add_stable_start_times(pm: PersonModel) -> None:
    """Price every start time an agent uses in a week (the first one is a constant)."""
    inst = pm.inst
    for a in pm.members:
        for w, week in enumerate(inst.weeks):
            for s in inst.groups[pm.g].shifts:
                xs = [pm.x[(a, d, s)] for d in week if (a, d, s) in pm.x]
                if not xs:
                    continue
                used = pm.model.new_bool_var(f"used_a{a}_w{w}_s{s}")
                for x in xs:
                    pm.model.add_implication(x, used)
                pm.penalties.append((used, pm.weights.start_time_change))


def add_rest_days_in_pairs(pm: PersonModel) -> None:
    """Price every lone rest day: a day off (not leave) between two worked days, the month's edges
    counting as worked (the fairness table's "rest days in blocks of two or more")."""
    inst = pm.inst
    last = inst.n_days - 1
    for a in pm.members:
        for d in range(inst.n_days):
            if d in inst.leave[a]:
                continue
            before = pm.works(a, d - 1) if d > 0 else 1
            after = pm.works(a, d + 1) if d < last else 1
            lone = pm.model.new_bool_var(f"lone_rest_a{a}_d{d}")
            pm.model.add(before + after - pm.works(a, d) - 1 <= lone)
            pm.penalties.append((lone, pm.weights.split_rest))


def add_whole_weekend_off(pm: PersonModel) -> None:
    """Price an agent without one whole weekend (Saturday and Sunday both off) in the month."""
    inst = pm.inst
    saturdays = inst.weekend_saturdays
    if not saturdays:
        return
    for a in pm.members:
        free = []
        for d in saturdays:
            off = pm.model.new_bool_var(f"weekend_off_a{a}_d{d}")
            pm.model.add(pm.works(a, d) + off <= 1)
            pm.model.add(pm.works(a, d + 1) + off <= 1)
            free.append(off)
        none = pm.model.new_bool_var(f"no_weekend_a{a}")
        pm.model.add(sum(free) + none >= 1)
        pm.penalties.append((none, pm.weights.no_whole_weekend))


def add_no_quick_returns(pm: PersonModel) -> None:
    """Price a shift that starts less than ``quick_return_min_rest_h`` after the previous day's ends
    (those closer than the legal minimum rest have no roster at all)."""
    inst = pm.inst
    quick = rest_conflicts(inst.workforce.shifts, pm.weights.quick_return_min_rest_h)
    shifts = inst.groups[pm.g].shifts
    for a in pm.members:
        for d in range(inst.n_days - 1):
            for s1 in shifts:
                after = [pm.x[(a, d + 1, s2)] for s2 in quick[s1]
                         if s2 not in inst.rest_conflicts[s1] and (a, d + 1, s2) in pm.x]
                if (a, d, s1) in pm.x and after:
                    back = pm.model.new_bool_var(f"quick_a{a}_d{d}_s{s1}")
                    pm.model.add(pm.x[(a, d, s1)] + sum(after) <= 1 + back)
                    pm.penalties.append((back, pm.weights.quick_return))


def add_full_rest_days(pm: PersonModel) -> None:
    """Price a rest day that a shift from the day before runs into (a night ending at 08:00 leaves no
    whole day off): a rest day counts when the calendar day is free."""
    inst = pm.inst
    late = [s for s in inst.groups[pm.g].shifts if inst.workforce.shifts[s].crosses_midnight]
    if not late:
        return
    for a in pm.members:
        for d in range(inst.n_days - 1):
            into = [pm.x[(a, d, s)] for s in late if (a, d, s) in pm.x]
            if into and d + 1 not in inst.leave[a]:
                short = pm.model.new_bool_var(f"short_rest_a{a}_d{d + 1}")
                pm.model.add(sum(into) - pm.works(a, d + 1) <= short)
                pm.penalties.append((short, pm.weights.short_rest_day))


def add_preferences(pm: PersonModel) -> None:
    inst = pm.inst
    codes = [s.code for s in inst.workforce.shifts]
    for a in pm.members:
        pref = inst.workforce.in_house[a].preferences
        for (aa, d, s), x in pm.x.items():
            if aa != a:
                continue
            bad = ((bool(pref.prefer_shifts) and codes[s] not in pref.prefer_shifts) + (codes[s] in pref.avoid_shifts)
                   + (WEEKDAYS[inst.days[d].weekday()] in pref.prefer_rest_days))
            if bad:
                pm.penalties.append((x, pm.weights.preference * bad))


def split_counts(inst: Instance, chunks: list[list[int]], counts: dict[tuple[int, int], int]) -> list[dict]:
    """Share each (day, shift) count among chunks pro rata to their members present that day."""
    out = [dict() for _ in chunks]
    for (d, s), total in counts.items():
        present = np.array([sum(1 for a in c if d not in inst.leave[a]) for c in chunks], dtype=float)
        if present.sum() == 0:
            continue
        cum = np.floor(np.cumsum(present) / present.sum() * total + 1e-9).astype(int)
        prev = 0
        for i, value in enumerate(cum):
            out[i][(d, s)] = int(value - prev)
            prev = value
    return out


class _GreedyRoster:
    """One chunk's roster built a shift at a time, with every individual rule that can be checked on
    one agent's own days: leave, one shift a day, rest between shifts (both neighbours), consecutive
    days, the rest day in every 7-day window, weekly (standard) or monthly (comprehensive) regular
    hours within the overtime the plan priced, and the monthly overtime cap on holidays."""

    def __init__(self, inst: Instance, g: int, members: list[int], overtime_allowed_h: float | None):
        self.inst, self.members = inst, members
        wf = inst.workforce
        self.rules = wf.labour_rules
        self.contract = wf.contracts[inst.groups[g].contract]
        self.ordinary = {d for d, k in enumerate(inst.day_kind) if k != "holiday"}
        self.week_of = {d: w for w, week in enumerate(inst.weeks) for d in week}
        self.caps = {a: agent_week_caps(inst, a, self.contract.max_hours_week) for a in members}
        self.spare_ot = 100.0 * (overtime_allowed_h if overtime_allowed_h is not None
                                 else self.rules.overtime_max_h_month * len(members))
        self.worked: dict[int, dict[int, int]] = {a: {} for a in members}
        self.hours = {a: 0.0 for a in members}
        self.week_hours = {a: defaultdict(float) for a in members}
        self.holiday_h = {a: 0.0 for a in members}

    def extra_overtime(self, a: int, d: int, h: float) -> float:
        """Ordinary-day overtime hours that working ``h`` more hours on day ``d`` adds."""
        if self.contract.system == "comprehensive":
            owed = self.inst.contracted_h[a]
            return max(0.0, self.hours[a] + h - owed) - max(0.0, self.hours[a] - owed)
        w = self.week_of[d]
        now, cap = self.week_hours[a][w], self.caps[a][w]
        return max(0.0, now + h - cap) - max(0.0, now - cap)

    def can_work(self, a: int, d: int, s: int) -> float | None:
        """The overtime hours agent ``a`` taking shift ``s`` on day ``d`` adds, or None if a rule forbids it."""
        inst, days = self.inst, self.worked[a]
        if d in days or d in inst.leave[a]:
            return None
        if d - 1 in days and s in inst.rest_conflicts[days[d - 1]]:
            return None
        if d + 1 in days and days[d + 1] in inst.rest_conflicts[s]:
            return None
        after = next(k for k in range(inst.n_days + 1) if d + k + 1 not in days)
        if self.run_before(a, d) + after + 1 > self.rules.max_consecutive_days:
            return None
        window_work = 7 - self.rules.min_rest_days_per_week
        for d0 in range(max(0, d - 6), min(d, inst.n_days - 7) + 1):
            if sum(1 for dd in range(d0, d0 + 7) if dd in days) + 1 > window_work:
                return None
        if self.breaks_edge_rules(a, d, s):
            return None
        h = inst.shift_hours(s)
        if d not in self.ordinary:
            return None if self.holiday_h[a] + h > self.rules.overtime_max_h_month else 0.0
        extra = self.extra_overtime(a, d, h)
        return None if 100 * extra > self.spare_ot + 1e-6 else extra

    def breaks_edge_rules(self, a: int, d: int, s: int) -> bool:
        """Whether shift ``s`` on day ``d`` breaks a rule across the month's edges: too soon after
        the shift carried in, more days than the carried-in run allows, the month's end not left free."""
        inst, days = self.inst, self.worked[a]
        if s in inst.carried_bars.get((a, d), ()):
            return True
        windows = [(range(length), most) for length, most in carried_rest_windows(inst, a)]
        windows += [(range(inst.n_days - length, inst.n_days), most) for length, most in month_end_windows(inst)]
        return any(d in window and sum(1 for dd in window if dd in days) + 1 > most for window, most in windows)

    def run_before(self, a: int, d: int) -> int:
        """Days in a row agent ``a`` works just before day ``d``."""
        return next(k for k in range(d + 1) if d - k - 1 not in self.worked[a])

    def take(self, a: int, d: int, s: int, extra: float) -> None:
        self.worked[a][d] = s
        h = self.inst.shift_hours(s)
        if d in self.ordinary:
            self.hours[a] += h
            self.week_hours[a][self.week_of[d]] += h
            self.spare_ot -= 100 * extra
        else:
            self.holiday_h[a] += h

    def release(self, a: int, d: int) -> tuple[int, float]:
        """Take agent ``a``'s shift off day ``d``; returns the shift and the overtime hours it carried."""
        s = self.worked[a].pop(d)
        h = self.inst.shift_hours(s)
        if d not in self.ordinary:
            self.holiday_h[a] -= h
            return s, 0.0
        self.hours[a] -= h
        self.week_hours[a][self.week_of[d]] -= h
        extra = self.extra_overtime(a, d, h)
        self.spare_ot += 100 * extra
        return s, extra

    def short_of_minimum_h(self, a: int) -> float:
        """Regular hours still missing to the contract's floor (contract less one day's maximum)."""
        return self.inst.contracted_h[a] - self.contract.max_hours_day - self.hours[a]

    def chosen(self) -> dict[tuple[int, int], int]:
        return {(a, d): s for a, days in self.worked.items() for d, s in days.items()}


def greedy_names(inst: Instance, g: int, members: list[int], counts: dict[tuple[int, int], int],
                 overtime_allowed_h: float | None = None) -> dict[tuple[int, int], int]:
    """A quick legal roster for one chunk: staff the asked counts day by day, agents owed the most
    hours first, then give every agent still short of the contract's floor extra shifts where the
    counts are highest. Used as the CP-SAT hint: a hint that keeps every hard rule lets CP-SAT start
    from a roster, where big groups would otherwise start from nothing."""
    roster = _GreedyRoster(inst, g, members, overtime_allowed_h)
    # later starts first: their agents need the most rest before the next day's shifts
    order = sorted(inst.groups[g].shifts, key=lambda s: -minutes_of(inst.workforce.shifts[s].start))
    for d in range(inst.n_days):
        for s in order:
            need = counts.get((d, s), 0)
            if need <= 0:
                continue
            candidates = []
            for a in members:
                extra = roster.can_work(a, d, s)
                if extra is not None:
                    candidates.append((extra, -(inst.contracted_h[a] - roster.hours[a]), roster.run_before(a, d), a))
            candidates.sort()
            for extra, _, _, a in candidates:
                if need == 0:
                    break
                if 100 * extra <= roster.spare_ot + 1e-6:  # the spare shrinks as overtime is taken
                    roster.take(a, d, s, extra)
                    need -= 1
    _hand_over_to_agents_short_of_hours(roster)
    _swap_short_for_long_shifts(roster)
    _top_up_to_contract_floor(roster, g, counts)
    _lengthen_short_shifts(roster, g, counts)
    return roster.chosen()


def _hand_over_to_agents_short_of_hours(roster: _GreedyRoster) -> None:
    """Agents below their contract's floor take over ordinary-day shifts from agents who stay at or
    above theirs without them, wherever the taker stays legal: the counts stay as staffed."""
    inst = roster.inst
    for a in sorted(roster.members, key=roster.short_of_minimum_h, reverse=True):
        for b in sorted(roster.members, key=roster.short_of_minimum_h):
            for d, s in sorted(roster.worked[b].items()):
                if roster.short_of_minimum_h(a) <= 1e-6:
                    break
                if d not in roster.ordinary or roster.short_of_minimum_h(b) + inst.shift_hours(s) > 1e-6:
                    continue
                s, carried = roster.release(b, d)
                extra = roster.can_work(a, d, s)
                if extra is not None and extra <= 1e-9:
                    roster.take(a, d, s, extra)
                else:
                    roster.take(b, d, s, carried)


def _lengthen_short_shifts(roster: _GreedyRoster, g: int, counts: dict[tuple[int, int], int]) -> None:
    """Last resort for an agent still below the contract's floor with no day left to add: a short
    shift becomes a longer one on the same day (one shift missed, one extra), the busiest first."""
    inst = roster.inst
    for a in roster.members:
        for d in sorted(d for d in roster.worked[a] if d in roster.ordinary):
            if roster.short_of_minimum_h(a) <= 1e-6:
                break
            mine, carried = roster.release(a, d)
            longer = sorted((s for s in inst.groups[g].shifts_on(d) if inst.shift_hours(s) > inst.shift_hours(mine)),
                            key=lambda s: -counts.get((d, s), 0))
            for s in longer:
                extra = roster.can_work(a, d, s)
                if extra is not None and extra <= 1e-9:
                    roster.take(a, d, s, 0.0)
                    break
            else:
                roster.take(a, d, mine, carried)


def _swap_short_for_long_shifts(roster: _GreedyRoster) -> None:
    """An agent below the contract's floor trades a short shift for a colleague's longer one on the
    same day, where the colleague stays at or above the floor and both stay legal."""
    inst = roster.inst
    for a in sorted(roster.members, key=roster.short_of_minimum_h, reverse=True):
        for d in sorted(d for d in roster.worked[a] if d in roster.ordinary):
            if roster.short_of_minimum_h(a) <= 1e-6:
                break
            mine = roster.worked[a][d]
            for b in roster.members:
                theirs = roster.worked[b].get(d)
                if b == a or theirs is None or inst.shift_hours(theirs) <= inst.shift_hours(mine):
                    continue
                gain = inst.shift_hours(theirs) - inst.shift_hours(mine)
                if roster.short_of_minimum_h(b) + gain > 1e-6:
                    continue
                _, carried_a = roster.release(a, d)
                _, carried_b = roster.release(b, d)
                extra_a, extra_b = roster.can_work(a, d, theirs), roster.can_work(b, d, mine)
                if extra_a is not None and extra_b is not None and extra_a + extra_b <= 1e-9:
                    roster.take(a, d, theirs, 0.0)
                    roster.take(b, d, mine, 0.0)
                    break
                roster.take(a, d, mine, carried_a)
                roster.take(b, d, theirs, carried_b)


def _top_up_to_contract_floor(roster: _GreedyRoster, g: int, counts: dict[tuple[int, int], int]) -> None:
    """Agents below their contract's floor of regular hours get shifts beyond the counts (an extra
    shift is cheap next to an infeasible hint), on the busiest (day, shift) each can legally take."""
    inst = roster.inst
    busiest = sorted(((counts.get((d, s), 0), d, s) for d in sorted(roster.ordinary) for s in inst.groups[g].shifts_on(d)),
                     reverse=True)
    for a in sorted(roster.members, key=roster.short_of_minimum_h, reverse=True):
        for _, d, s in busiest:
            if roster.short_of_minimum_h(a) <= 1e-6:
                break
            extra = roster.can_work(a, d, s)
            if extra is not None and extra <= 1e-9:
                roster.take(a, d, s, extra)


def assign_group(inst: Instance, g: int, members: list[int], counts: dict[tuple[int, int], int],
                 weights: SoftWeights, budget_s: float, seed: int, workers: int = B.CP_SAT_WORKERS,
                 overtime_allowed_h: float | None = None, miss_values: dict[tuple[int, int], float] | None = None,
                 keep_pins: bool = True, deadline: Deadline = NO_DEADLINE) -> tuple[dict[tuple[int, int], int], str]:
    """Named shifts {(agent, day): shift} for one chunk of a group, and the solver status.
    ``keep_pins``: the kept pins fixed (False: a roster without them, when none holds them all)."""
    pm = PersonModel(inst, g, members, weights, cp_model.CpModel(), {}, [])
    add_variables_and_leave(pm)
    add_weekly_rest_day(pm)
    add_max_consecutive_days(pm)
    add_min_rest_between_shifts(pm)
    add_carried_rest_days(pm)
    add_carried_min_rest(pm)
    add_month_end_room(pm)
    if keep_pins:
        add_pinned_days(pm)
    add_contract_hours_and_overtime_cap(pm, overtime_allowed_h)
    count_terms = add_count_targets(pm, counts, miss_values)
    add_disruption(pm)
    hard_terms = [(v, round(c * 10)) for v, c in pm.penalties if round(c * 10)]
    pm.model.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in hard_terms], [c for _, c in hard_terms]))
    greedy = complete_start(pm, greedy_names(inst, g, members, counts, overtime_allowed_h), seed)
    if greedy is not None and len(members) >= GREEDY_HINT_MIN_AGENTS:
        _hint(pm.model, greedy)
    # lexicographic: first staff the aggregate plan's counts (and price overtime), then, holding that
    # level, the soft wishes — CP-SAT finds far better count matches without the soft terms in play.
    # Not cut by the command's deadline, only by its own safety net: a roster blind to the counts
    # misses shifts by the hundred, far worse than running over a limit that earlier stages overran
    solver = _solver(B.NAMING_COUNTS_PART * budget_s, workers, seed, NO_DEADLINE)
    status = solver.solve(pm.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = [solver.value(v) for v in _all_variables(pm.model)]
    elif greedy is not None:
        values = greedy  # the legal greedy roster, staffed to the counts as far as it could
    else:
        # neither: any legal roster first (no objective is much easier), past the deadline too:
        # without a legal roster there is no plan (the overrun budgets documents)
        pm.model.clear_objective()
        legal = _solver(max(B.NAMING_LEGAL_MIN_S, budget_s), workers, seed, NO_DEADLINE)
        legal_status = legal.solve(pm.model)
        if legal_status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return {}, legal.status_name(legal_status)
        return {(a, d): s for (a, d, s), x in pm.x.items() if legal.boolean_value(x)}, "FEASIBLE (legal only)"
    first_status = solver.status_name(status) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else "FEASIBLE (greedy)"
    first = {(a, d): s for (a, d, s), x in pm.x.items() if values[x.index]}
    deviation = cp_model.LinearExpr.weighted_sum([v for v, _ in count_terms], [c for _, c in count_terms])
    pm.model.add(deviation <= sum(values[v.index] * c for v, c in count_terms))
    pm.model.clear_hints()
    _hint(pm.model, values)
    add_fair_spread(pm)
    add_stable_start_times(pm)
    add_rest_days_in_pairs(pm)
    add_whole_weekend_off(pm)
    add_no_quick_returns(pm)
    add_full_rest_days(pm)
    add_preferences(pm)
    terms = [(v, round(c * 10)) for v, c in pm.penalties if round(c * 10)]
    pm.model.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]))
    solver = _solver(B.NAMING_WISHES_PART * budget_s, workers, seed, deadline)
    second = solver.solve(pm.model)
    if second not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return first, first_status
    chosen = {(a, d): s for (a, d, s), x in pm.x.items() if solver.boolean_value(x)}
    return chosen, solver.status_name(second)


def _all_variables(model: cp_model.CpModel) -> list[cp_model.IntVar]:
    return [model.get_int_var_from_proto_index(i) for i in range(len(model.proto.variables))]


def _hint(model: cp_model.CpModel, values: list[int]) -> None:
    """Hint every variable of ``model`` (a complete hint CP-SAT can take as its first solution)."""
    for var, value in zip(_all_variables(model), values):
        model.add_hint(var, value)


def complete_start(pm: PersonModel, start: dict[tuple[int, int], int], seed: int) -> list[int] | None:
    """Every variable's value with the shifts fixed to ``start`` (overtime, misses and extras follow),
    or None when ``start`` breaks a hard rule. Cheap: with the shifts fixed little is left to search."""
    fixed = pm.model.clone()
    for (a, d, s), x in pm.x.items():
        fixed.add(fixed.get_bool_var_from_proto_index(x.index) == int(start.get((a, d)) == s))
    # stopped on solver work like every naming search: a clock cut here would change the plan
    solver = _solver(B.NAMING_LEGAL_MIN_S, 1, seed, NO_DEADLINE)
    status = solver.solve(fixed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [solver.value(v) for v in _all_variables(fixed)[:len(pm.model.proto.variables)]]


def assign_in_house(inst: Instance, group_counts: list[dict[tuple[int, int], int]], weights: SoftWeights,
                    budget_s: float, seed: int, progress=None, overtime_allowed_h: list[float] | None = None,
                    workers: int = B.CP_SAT_WORKERS, miss_values: list[dict[tuple[int, int], float]] | None = None,
                    deadline: Deadline = NO_DEADLINE) -> tuple[dict[tuple[int, int], int], list[str]]:
    """Named shifts for every in-house agent; ``group_counts[g][(d, s)]`` from the aggregate plan;
    ``overtime_allowed_h[g]``: the group's ordinary-day overtime the aggregate plan priced (None: no cap
    beyond the labour rules), shared among a group's chunks pro rata to their size."""
    jobs = []
    for g, group in enumerate(inst.groups):
        members = sorted(group.members)
        n_chunks = max(1, -(-len(members) // CHUNK))
        chunks = [members[i::n_chunks] for i in range(n_chunks)]
        for chunk, counts in zip(chunks, split_counts(inst, chunks, group_counts[g])):
            # at least the overtime the chunk's pins force (the aggregate priced it for the group)
            allowed = None if overtime_allowed_h is None else max(overtime_allowed_h[g] * len(chunk) / len(members),
                                                                  forced_overtime_of(inst, chunk))
            jobs.append((g, chunk, counts, allowed))
    total_agents = max(1, sum(len(c) for _, c, _, _ in jobs))
    chosen: dict[tuple[int, int], int] = {}
    statuses = []
    for i, (g, chunk, counts, allowed) in enumerate(jobs):
        share = budget_s * len(chunk) / total_agents
        result, status = assign_group(inst, g, chunk, counts, weights, share, seed, workers=workers,
                                      overtime_allowed_h=allowed, deadline=deadline,
                                      miss_values=None if miss_values is None else miss_values[g])
        if not result and any(a in chunk for a, _ in inst.pinned_shift):
            # the pins and the other rules leave this chunk no roster: name it without them (the
            # pins not held are listed with the plan, see pins.unmet_after_naming)
            result, status = assign_group(inst, g, chunk, counts, weights, share, seed, workers=workers,
                                          overtime_allowed_h=allowed, keep_pins=False, deadline=deadline,
                                          miss_values=None if miss_values is None else miss_values[g])
        if not result and status not in ("OPTIMAL", "FEASIBLE"):
            raise RuntimeError(f"no legal roster for group {inst.groups[g].key} ({status}): the hard rules "
                               f"contradict each other for these agents (e.g. contract hours vs leave)")
        chosen.update(result)
        statuses.append(status)
        if progress:
            progress("assign", {"done": i + 1, "total": len(jobs), "group": inst.groups[g].key, "status": status})
    return chosen, statuses


# ---------------------------------------------------------------- part-time

# A published block kept by its part-timer outweighs any evening-out of hours (a block is at most a
# day's hours: 100 per hour) and yields to staffing the counts (1000 per block missed).
KEPT_BLOCK_REWARD = 900


def assign_part_time(inst: Instance, group_counts: list[dict[tuple[int, int], int]], budget_s: float,
                     seed: int, workers: int = B.CP_SAT_WORKERS, deadline: Deadline = NO_DEADLINE,
                     kept: dict[tuple[int, int], int] | None = None) -> dict[tuple[int, int], int]:
    """Named blocks {(part-timer, day): block index} matching each group's block counts, at most one
    a day and ``max_hours_week`` a calendar week per person, hours spread evenly; a re-plan's
    published blocks (``kept``) stay with their people where the counts allow."""
    kept = kept or {}
    chosen: dict[tuple[int, int], int] = {}
    for h, group in enumerate(inst.pt_groups):
        counts = group_counts[h]
        if not counts:
            continue
        model = cp_model.CpModel()
        z = {}
        for p in group.members:
            for d, blocks in enumerate(group.blocks):
                for b in range(len(blocks)):
                    if counts.get((d, b), 0) > 0:
                        z[(p, d, b)] = model.new_bool_var(f"z_p{p}_d{d}_b{b}")
        penalties = []
        for p in group.members:
            for d in range(inst.n_days):
                day = [z[k] for k in z if k[0] == p and k[1] == d]
                if len(day) > 1:
                    model.add(sum(day) <= 1)
            for week in inst.weeks:
                terms = [z[k] * round(100 * group.blocks[k[1]][k[2]].hours(inst.interval_h))
                         for k in z if k[0] == p and k[1] in week]
                if terms:
                    model.add(sum(terms) <= round(100 * group.max_hours_week))
        penalties += [(z[(p, d, b)], -KEPT_BLOCK_REWARD) for (p, d), b in kept.items() if (p, d, b) in z]
        for (d, b), target in counts.items():
            people = [z[(p, d, b)] for p in group.members if (p, d, b) in z]
            under = model.new_int_var(0, target, f"under_d{d}_b{b}")
            model.add(sum(people) + under == target)
            penalties.append((under, 1000))
        totals = [sum(z[k] * round(100 * group.blocks[k[1]][k[2]].hours(inst.interval_h)) for k in z if k[0] == p)
                  for p in group.members]
        if len(totals) > 1:
            hi = model.new_int_var(0, 100 * 24 * inst.n_days, "hi")
            lo = model.new_int_var(0, 100 * 24 * inst.n_days, "lo")
            for t in totals:
                model.add(hi >= t)
                model.add(lo <= t)
            penalties += [(hi, 1), (lo, -1)]
        model.minimize(sum(v * c for v, c in penalties))
        solver = _solver(budget_s / max(1, len(inst.pt_groups)), workers, seed, deadline)
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen.update({(p, d): b for (p, d, b), var in z.items() if solver.boolean_value(var)})
    return chosen


def soft_penalties(inst: Instance, shifts_of: dict[int, dict[int, int]], weights: SoftWeights) -> dict[str, float]:
    """The soft rules priced on a finished roster (the same rules the assignment model prices)."""
    codes = [s.code for s in inst.workforce.shifts]
    weekend = {d for d, day in enumerate(inst.days) if day.weekday() >= 5}
    holidays_ = {d for d, k in enumerate(inst.day_kind) if k == "holiday"}
    out = defaultdict(float)
    for group in inst.groups:
        for label, days, night_only, weight in (("fair_nights", None, True, weights.night_spread),
                                                ("fair_weekends", weekend, False, weights.weekend_spread),
                                                ("fair_holidays", holidays_, False, weights.holiday_spread)):
            if days is not None and not days:
                continue
            if night_only and not any(inst.night_shift[s] for s in group.shifts):
                continue
            members = night_eligible(inst, group.members) if night_only else group.members
            counts = [sum(1 for d, s in shifts_of.get(a, {}).items()
                          if (days is None or d in days) and (not night_only or inst.night_shift[s]))
                      for a in members]
            if len(counts) > 1:
                out[label] += weight * (max(counts) - min(counts))
    quick = rest_conflicts(inst.workforce.shifts, weights.quick_return_min_rest_h)
    for a, agent in enumerate(inst.workforce.in_house):
        days = shifts_of.get(a, {})
        for d, s in days.items():
            nxt = days.get(d + 1)
            if nxt is not None and nxt in quick[s]:
                out["quick_returns"] += weights.quick_return
            if (nxt is None and d + 1 < inst.n_days and d + 1 not in inst.leave[a]
                    and inst.workforce.shifts[s].crosses_midnight):
                out["short_rest_days"] += weights.short_rest_day
        pref = agent.preferences
        for week in inst.weeks:
            starts = {days[d] for d in week if d in days}
            out["start_time_changes"] += weights.start_time_change * max(0, len(starts) - 1)
        worked = [d in days for d in range(-1, inst.n_days + 1)]
        worked[0] = worked[-1] = True  # the month's edges close a block
        out["split_rest"] += weights.split_rest * sum(
            1 for d in range(inst.n_days) if d not in inst.leave[a] and worked[d] and not worked[d + 1] and worked[d + 2])
        if not any(d not in days and d + 1 not in days for d in inst.weekend_saturdays):
            out["no_whole_weekend"] += weights.no_whole_weekend
        for d, s in days.items():
            bad = ((bool(pref.prefer_shifts) and codes[s] not in pref.prefer_shifts) + (codes[s] in pref.avoid_shifts)
                   + (WEEKDAYS[inst.days[d].weekday()] in pref.prefer_rest_days))
            out["preferences"] += weights.preference * bad
    return {k: round(v, 2) for k, v in out.items()}
