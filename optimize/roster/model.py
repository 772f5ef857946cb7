"""The aggregate CP-SAT model: how many agents of each group work each shift, break placement and
queue each day; each part-time group's blocks; vendor seats per interval; service per interval.

In-house agents who share skills and contract are interchangeable for cost and coverage, so the
month is decided on *counts* per group (the variable count does not grow with head count: 60 or
1,000 agents give the same model). Every individual hard rule is written here in its aggregate
form, which every roster of named people satisfies — so the model is a relaxation of the
per-person problem and its LP relaxation's bound is a valid lower bound on the cost of any legal
roster (:mod:`plan.optimize.roster.assign` then names the people; :mod:`plan.optimize.roster.solve` measures
the final gap against this bound).

Steps, one function each (as in OR-Tools' shift-scheduling sample): variables; hard rules
``add_leave_days``, ``add_weekly_rest_day``, ``add_max_consecutive_days``,
``add_min_rest_between_shifts``, ``add_contract_hours``, ``add_overtime_cap``, ``add_meal_breaks``,
``add_part_time_limits``, ``add_vendor_blocks_caps_commitments``, ``add_bot_cap``; pins and the
carried-in state (:mod:`plan.optimize.roster.pins`) ``add_pinned_shifts``, ``add_carried_rest_days``,
``add_carried_min_rest``, and the month's end ``add_month_end_room``; a re-plan's published counts (in-house shifts and
part-time blocks) ``add_reference_counts`` and its seats and blocks before the window
``add_published_past`` (:mod:`plan.optimize.roster.replan`); then coverage, the rule
that reads it (``add_coverage``, ``add_staggered_breaks``) and service (``add_service``,
``add_email``). Costs are kept by label so the
solver report and the plan summary share one breakdown.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from plan.optimize.cost_rules import hourly_rate, overtime_premium, seat_hour_price
from plan.optimize.roster.breaks import break_segments, exempt_queue
from plan.optimize.roster.curves import QueueCurves, target_metrics
from plan.optimize.roster.instance import Instance, agent_week_caps
from plan.optimize.roster.pins import carried_rest_windows, month_end_windows, pinned_heads, work_allowed
from plan.optimize.roster.replan import add_published_past, add_reference_counts

SOFT_RULES = "soft_rules"   # cost label of the room the counts leave for the soft rules

EFF_SCALE = 100      # effective agents are integers in hundredths
COST_SCALE = 1000    # objective in thousandths of the currency unit (email work is priced per 1/1000 contact)
CONTACT_SCALE = 10   # period-target slack in tenths of a contact
EMAIL_SCALE = 1000   # email work in thousandths of a contact


@dataclass(frozen=True)
class ModelOptions:
    service_mode: str = "period"       # "period": period targets + interval floors; "interval": full target each interval
    target_slack_weight: float = 1.0   # × shortfall penalty per contact, for each contact below a period target
    floor_weight: float = 1.0          # × shortfall penalty, per contact below an interval floor's service level
    contract_band_h: float | None = None  # regular hours may fall this far below the contract (default: one day)
    # the soft rules a group's counts decide (prices per occurrence, SoftWeights): 0 leaves them out
    lone_rest_day_price: float = 0.0
    no_whole_weekend_price: float = 0.0


@dataclass
class EmailDemand:
    arrivals: np.ndarray   # human arrivals per interval
    aht_s: np.ndarray
    deadline: int          # intervals


@dataclass
class AggregateModel:
    inst: Instance
    curves: dict[str, QueueCurves]
    email: dict[str, EmailDemand]
    options: ModelOptions = ModelOptions()
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    in_house: dict[tuple[int, int, int, int], cp_model.IntVar] = field(default_factory=dict)   # (g, d, s, q)
    part_time: dict[tuple[int, int, int, int], cp_model.IntVar] = field(default_factory=dict)  # (h, d, block, q)
    seats: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)           # (vendor, q, t)
    seat_starts: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # blocks starting at (v, q, t)
    breaks: dict[tuple[int, int, int, int], cp_model.IntVar] = field(default_factory=dict)     # (d, s, variant, q)
    levels: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=dict)         # (q, t) -> b_j
    cost_terms: dict[str, list[tuple[cp_model.IntVar, float]]] = field(default_factory=lambda: defaultdict(list))
    cost_constant: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    group_overtime: dict[int, list] = field(default_factory=dict)  # g -> overtime terms (add_contract_hours)
    coverage_terms: list[list[list[tuple[cp_model.IntVar, int]]]] = field(default_factory=list)
    overtime_vars: list = field(default_factory=list)
    # per group: overtime beyond the contract on ordinary days (hundredths of an hour), holidays apart
    regular_overtime: dict[int, list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    # how every non-decision variable follows from the decisions, in build order (see best_completion)
    dependents: list[tuple] = field(default_factory=list)
    pin_constraints: list = field(default_factory=list)  # see add_pinned_shifts

    # -- helpers ---------------------------------------------------------------------------------
    def add_cost(self, label: str, var, coef: float) -> None:
        if coef:
            self.cost_terms[label].append((var, coef))

    def shift_count(self, g: int, d: int, s: int):
        return sum(self.in_house[k] for k in self._by_gds.get((g, d, s), []))

    def day_count(self, g: int, d: int):
        return sum(self.in_house[k] for k in self._by_gd.get((g, d), []))

    def hour_terms(self, g: int, days) -> list[tuple[cp_model.IntVar, int]]:
        """(variable, hundredths of an hour) of group g's shifts on ``days``."""
        return [(self.in_house[k], round(self.inst.shift_hours(k[2]) * 100))
                for d in days for k in self._by_gd.get((g, d), [])]

    def hours(self, g: int, days) -> cp_model.LinearExpr:
        terms = self.hour_terms(g, days)
        return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]) if terms else 0

    def at_least(self, var: cp_model.IntVar, terms: list[tuple[cp_model.IntVar, int]], const: int) -> None:
        """var ≥ Σ terms + const, where var is priced (its cheapest value is that bound, or 0)."""
        expr = cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]) if terms else 0
        self.model.add(var >= expr + const)
        self.dependents.append(("at_least", var, terms, const))

    def at_least_all(self, var: cp_model.IntVar, bounds: list[tuple[list[tuple[cp_model.IntVar, int]], int]]) -> None:
        """var ≥ Σ terms + const for every (terms, const) of ``bounds``, var priced (its cheapest: the largest)."""
        for terms, const in bounds:
            expr = cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]) if terms else 0
            self.model.add(var >= expr + const)
        self.dependents.append(("at_least_all", var, bounds))

    def objective_expr(self):
        terms = [(var, round(coef * COST_SCALE)) for items in self.cost_terms.values() for var, coef in items]
        terms = [(v, c) for v, c in terms if c]
        return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])

    def constant_cost(self) -> float:
        return float(sum(self.cost_constant.values()))

    def optimistic_bound(self) -> float:
        """A lower bound needing no solve: the constants, every service level reached, nothing else
        paid (every priced variable other than a level costs ≥ 0 and may be 0)."""
        gains = sum(min(0, round(c * COST_SCALE)) for items in self.cost_terms.values() for _, c in items)
        return self.constant_cost() + gains / COST_SCALE


# ---------------------------------------------------------------- variables

def available(inst: Instance, g: int, days) -> int:
    """Members of group g not on leave on any of ``days`` (a day set of size one: present that day)."""
    return sum(1 for a in inst.groups[g].members if any(d not in inst.leave[a] for d in days))


def add_in_house_variables(m: AggregateModel) -> None:
    """n[g, d, s, q]: agents of group g on shift s serving queue q on day d."""
    inst = m.inst
    m._by_gd, m._by_gds = defaultdict(list), defaultdict(list)
    for g, group in enumerate(inst.groups):
        queues = [inst.queues.index(q) for q in group.skills]
        for d in range(inst.n_days):
            cap = available(inst, g, [d])
            if cap == 0:
                continue
            for s in group.shifts_on(d):
                for q in queues:
                    key = (g, d, s, q)
                    m.in_house[key] = m.model.new_int_var(0, cap, f"n_g{g}_d{d}_s{s}_q{q}")
                    m._by_gd[(g, d)].append(key)
                    m._by_gds[(g, d, s)].append(key)


def add_leave_days(m: AggregateModel) -> None:
    """One shift a day at most, and nobody works a day of leave."""
    for g in range(len(m.inst.groups)):
        for d in range(m.inst.n_days):
            if m._by_gd.get((g, d)):
                m.model.add(m.day_count(g, d) <= available(m.inst, g, [d]))


def _window_limit(m: AggregateModel, length: int, max_work: int) -> None:
    inst = m.inst
    for g, group in enumerate(inst.groups):
        for d0 in range(0, inst.n_days - length + 1):
            window = range(d0, d0 + length)
            limit = sum(min(max_work, sum(1 for d in window if d not in inst.leave[a])) for a in group.members)
            m.model.add(sum(m.day_count(g, d) for d in window) <= limit)


def add_weekly_rest_day(m: AggregateModel) -> None:
    """Every 7 consecutive days hold ``min_rest_days_per_week`` rest days for every agent."""
    rest = m.inst.workforce.labour_rules.min_rest_days_per_week
    if rest > 0:
        _window_limit(m, 7, 7 - rest)


def add_max_consecutive_days(m: AggregateModel) -> None:
    """No more than ``max_consecutive_days`` working days in a row: any K+1 days hold a rest day."""
    k = m.inst.workforce.labour_rules.max_consecutive_days
    rest = m.inst.workforce.labour_rules.min_rest_days_per_week
    if k + 1 <= m.inst.n_days and not (k + 1 == 7 and rest >= 1):  # else implied by the weekly rest day
        _window_limit(m, k + 1, k)


def add_min_rest_between_shifts(m: AggregateModel) -> None:
    """Whoever works shift s1 on day d works none of the shifts too close after it on day d+1. Every
    agent on a shift whose conflicts include all of s1's (a later end) is barred from them too, so
    all those agents and the ones on s1's conflicts the next day are disjoint sets of the group: a
    cut much tighter than the pair (s1, its conflicts) alone, which named rosters often cannot meet."""
    inst = m.inst
    for g, group in enumerate(inst.groups):
        conflicts = {s: set(inst.rest_conflicts[s]) & set(group.shifts) for s in group.shifts}
        cuts = [([s for s in group.shifts if conflicts[s] >= conflicts[s1]], conflicts[s1])
                for s1 in group.shifts if conflicts[s1]]
        for d in range(inst.n_days - 1):
            cap = available(inst, g, [d, d + 1])
            for before, after in cuts:
                m.model.add(sum(m.shift_count(g, d, s) for s in before)
                            + sum(m.shift_count(g, d + 1, s2) for s2 in after) <= cap)


def add_contract_hours(m: AggregateModel) -> None:
    """Regular hours: at least the contract less one day's band; overtime beyond the contract
    (comprehensive: the month; standard: each calendar week's 40 h, at the month edges as
    :func:`~plan.optimize.roster.instance.agent_week_caps` splits it, paid as rest-day work) is counted here and capped by :func:`add_overtime_cap`. Statutory-holiday work
    is all overtime at the holiday premium."""
    inst = m.inst
    wf = inst.workforce
    holidays_ = [d for d, k in enumerate(inst.day_kind) if k == "holiday"]
    ordinary = [d for d, k in enumerate(inst.day_kind) if k != "holiday"]
    m.overtime_vars = []
    for g, group in enumerate(inst.groups):
        contract = wf.contracts[group.contract]
        band = m.options.contract_band_h if m.options.contract_band_h is not None else contract.max_hours_day
        owed = inst.contracted_h[group.members]
        rate = hourly_rate(min(wf.in_house[a].monthly_salary for a in group.members), contract.standard_hours_month)
        regular = m.hours(g, ordinary)
        m.model.add(regular >= round(100 * np.maximum(owed - band, 0).sum()))
        regular_terms = m.hour_terms(g, ordinary)
        ot_cap = wf.labour_rules.overtime_max_h_month
        if contract.system == "comprehensive":
            ot = m.model.new_int_var(0, round(100 * ot_cap * len(group.members)), f"ot_g{g}")
            m.at_least(ot, regular_terms, -round(100 * owed.sum()))
            m.add_cost("overtime", ot, rate * overtime_premium(wf.labour_rules, "workday") / 100)
            m.overtime_vars.append(ot)
            m.regular_overtime[g].append(ot)
        else:
            caps = {a: agent_week_caps(inst, a, contract.max_hours_week) for a in group.members}
            longest = max(inst.shift_hours(s) for s in group.shifts)
            for w, week in enumerate(inst.weeks):
                days = [d for d in week if d in set(ordinary)]
                # an agent's regular hours in a week are at most min(cap, what her days there can hold):
                # leave cannot lend its unused weekly allowance to a colleague (valid for every roster)
                limit = sum(min(caps[a][w], longest * sum(1 for d in days if d not in inst.leave[a]))
                            for a in group.members)
                ot = m.model.new_int_var(0, round(100 * ot_cap * len(group.members)), f"ot_g{g}_w{w}")
                m.at_least(ot, m.hour_terms(g, days), -round(100 * limit))
                m.add_cost("overtime", ot, rate * overtime_premium(wf.labour_rules, "rest_day") / 100)
                m.overtime_vars.append(ot)
                m.regular_overtime[g].append(ot)
        if holidays_:
            hol = m.hours(g, holidays_)
            m.overtime_vars.append(hol)
            for d in holidays_:
                for k in m._by_gd.get((g, d), []):
                    m.add_cost("overtime", m.in_house[k],
                               rate * overtime_premium(wf.labour_rules, "holiday") * inst.shift_hours(k[2]))
        m.group_overtime[g] = list(m.overtime_vars)
        m.overtime_vars = []


def add_overtime_cap(m: AggregateModel) -> None:
    """Overtime (incl. holiday work) at most ``overtime_max_h_month`` per agent."""
    cap = m.inst.workforce.labour_rules.overtime_max_h_month
    if m.inst.groups and len(m.group_overtime) != len(m.inst.groups):
        raise RuntimeError("add_overtime_cap reads the overtime add_contract_hours states: add that rule first")
    for g, terms in m.group_overtime.items():
        if terms:
            m.model.add(sum(terms) <= round(100 * cap * len(m.inst.groups[g].members)))


def add_pinned_shifts(m: AggregateModel) -> None:
    """A pinned shift is worked: each group's count of a (day, shift) is at least the heads pinned
    to it (a day pinned to rest is off like leave, so :func:`available` leaves it out already)."""
    for (g, d, s), n in pinned_heads(m.inst).items():
        m.pin_constraints.append(m.model.add(m.shift_count(g, d, s) >= n))


def without_pinned_shifts(m: AggregateModel) -> cp_model.CpModel:
    """A copy of the model without :func:`add_pinned_shifts`' bounds (when naming could not hold every
    pin, the repair follows the named roster instead); ``m.model`` is unchanged."""
    copy = m.model.clone()
    for constraint in m.pin_constraints:
        copy.proto.constraints[constraint.index].clear_linear()
    return copy


def add_carried_rest_days(m: AggregateModel) -> None:
    """Days worked just before the month count toward the consecutive-days limit and the weekly
    rest day: the group's working days among the month's first L days are at most what its
    members' carried-in runs allow (:func:`plan.optimize.roster.pins.work_allowed`)."""
    inst = m.inst
    for g, group in enumerate(inst.groups):
        lengths = sorted({L for a in group.members for L, _ in carried_rest_windows(inst, a)})
        for length in lengths:
            days = [d for d in range(length) if m._by_gd.get((g, d))]
            if days:
                m.model.add(sum(m.day_count(g, d) for d in days)
                            <= sum(work_allowed(inst, a, length) for a in group.members))


def add_carried_min_rest(m: AggregateModel) -> None:
    """Nobody starts a shift on the month's first days less than the minimum rest after the last
    shift carried in: at most the members it does not bar work it."""
    inst = m.inst
    for (g, d, s), keys in m._by_gds.items():
        barred = [a for a in inst.groups[g].members
                  if s in inst.carried_bars.get((a, d), ()) and d not in inst.leave[a]]
        if barred:
            m.model.add(m.shift_count(g, d, s) <= available(inst, g, [d]) - len(barred))


def add_month_end_room(m: AggregateModel) -> None:
    """The month's last days leave every agent free to work the next month's first day: each
    window of :func:`plan.optimize.roster.pins.month_end_windows` holds at most its working days
    per member present."""
    inst = m.inst
    for length, most in month_end_windows(inst):
        window = range(inst.n_days - length, inst.n_days)
        for g, group in enumerate(inst.groups):
            limit = sum(min(most, sum(1 for d in window if d not in inst.leave[a])) for a in group.members)
            m.model.add(sum(m.day_count(g, d) for d in window) <= limit)


def add_meal_breaks(m: AggregateModel) -> None:
    """Meal breaks placed inside their windows: of the agents on shift s for queue q on day d (all
    groups together), breaks[d, s, v, q] take break placement v — a shift variant whose coverage
    leaves the break out (see :func:`plan.optimize.roster.instance.shift_variants`), so coverage is true
    hour by hour. Placement is chosen per queue, not per group: it changes no individual rule."""
    inst = m.inst
    heads = defaultdict(list)
    for (g, d, s, q), var in m.in_house.items():
        heads[(d, s, q)].append(var)
    for (d, s, q), vars_ in heads.items():
        variants = inst.variants_of_shift[s]
        top = sum(available(inst, g, [d]) for g, grp in enumerate(inst.groups)
                  if inst.queues[q] in grp.skills and s in grp.shifts)
        placed = []
        for v in variants:
            var = m.model.new_int_var(0, top, f"brk_d{d}_s{s}_v{v}_q{q}")
            m.breaks[(d, s, v, q)] = var
            placed.append(var)
        m.model.add(sum(placed) == sum(vars_))


def add_part_time_limits(m: AggregateModel) -> None:
    """A part-timer works at most one block a day inside availability (blocks are built within the
    windows, of min_block..max_hours_day), at most ``max_hours_week`` per calendar week."""
    inst = m.inst
    h_int = inst.interval_h
    for h, group in enumerate(inst.pt_groups):
        queues = [inst.queues.index(q) for q in group.skills]
        size = len(group.members)
        day_vars = defaultdict(list)
        for d, blocks in enumerate(group.blocks):
            for b, block in enumerate(blocks):
                for q in queues:
                    var = m.model.new_int_var(0, size, f"pt_h{h}_d{d}_b{b}_q{q}")
                    m.part_time[(h, d, b, q)] = var
                    day_vars[d].append((var, block.hours(h_int)))
                    m.add_cost("part_time", var, group.hourly_rate * block.hours(h_int))
            if day_vars[d]:
                m.model.add(sum(v for v, _ in day_vars[d]) <= size)
        for week in inst.weeks:
            terms = [(v, hrs) for d in week for v, hrs in day_vars[d]]
            if terms:
                m.model.add(sum(v * round(100 * hrs) for v, hrs in terms) <= round(100 * group.max_hours_week * size))


def add_vendor_blocks_caps_commitments(m: AggregateModel) -> None:
    """Seats per vendor, queue and interval, bought in runs of at least ``block_hours`` inside the
    vendor's hours and the month (no block crosses the month's end), at most ``max_seats`` at once over all queues; the monthly commitment is paid
    even if unused (top-up at the normal price)."""
    inst = m.inst
    length = {}
    for v, vendor in enumerate(inst.workforce.vendors):
        block = max(1, math.ceil(vendor.block_hours * 60 / inst.interval_min))
        length[v] = block
        queues = [inst.queues.index(q) for q in vendor.skills]
        by_t = defaultdict(list)
        for q in queues:
            prev = None
            starts = []
            for t in range(inst.n_int):
                if not inst.vendor_open[v, t]:
                    prev = None
                    starts.append(None)
                    continue
                seats = m.model.new_int_var(0, vendor.max_seats, f"seat_v{v}_q{q}_t{t}")
                start = m.model.new_int_var(0, vendor.max_seats, f"start_v{v}_q{q}_t{t}")
                m.seat_starts[(v, q, t)] = start
                m.seats[(v, q, t)] = seats
                by_t[t].append(seats)
                m.model.add(seats <= start + (prev if prev is not None else 0))
                starts.append(start)
                recent = [s for s in starts[max(0, t - block + 1): t + 1] if s is not None]
                m.model.add(seats >= sum(recent))
                # a block must fit before the vendor closes, and before the month ends: its seat-hours
                # are all on this month's bill, and the next month's plan buys its own
                closes = [tt for tt in range(t, min(t + block, inst.n_int)) if not inst.vendor_open[v, tt]]
                if closes or t + block > inst.n_int:
                    m.model.add(start == 0)
                price = float(seat_hour_price(vendor, inst.event_day[t // inst.per_day]))
                m.add_cost("vendor", seats, price * inst.interval_h)
                prev = seats
        for t, vars_ in by_t.items():
            if len(vars_) > 1:
                m.model.add(sum(vars_) <= vendor.max_seats)
        if vendor.min_monthly_seat_hours > 0:
            # in hundredths of an hour: the commitment is paid to the minute, as the invoice (and
            # ``plan verify``) reads it, not rounded up to whole intervals
            need = round(100 * vendor.min_monthly_seat_hours)
            per_seat = round(100 * inst.interval_h)
            topup = m.model.new_int_var(0, need, f"topup_v{v}")
            m.at_least(topup, [(m.seats[k], -per_seat) for k in m.seats if k[0] == v], need)
            m.add_cost("vendor", topup, vendor.price_per_seat_hour / 100)
    m._vendor_block = length


def add_bot_cap(m: AggregateModel) -> None:
    """The bot's share is the configured containment clipped to its hourly cap (applied when the
    instance is built, the excess going to humans); its sessions and fee are a fixed cost here."""
    bot = m.inst.workforce.bot
    if bot is not None:
        m.cost_constant["bot"] = float(m.inst.bot_handled.sum() * bot.price_per_session + bot.monthly_fee)


# ---------------------------------------------------------------- coverage and service

def add_coverage(m: AggregateModel) -> None:
    """Effective agents per queue and interval, in hundredths: in-house and part-time heads on the
    floor (breaks removed, partial intervals as fractions) and vendor seats ÷ the vendor's AHT
    factor, all after the queue's shrinkage."""
    inst = m.inst
    wf = inst.workforce
    keep = [1.0 - wf.queues[q].shrinkage for q in inst.queues]
    terms = [[[] for _ in range(inst.n_int)] for _ in inst.queues]
    for (d, s, v, q), var in m.breaks.items():
        first, cov = inst.coverage_on_month(v, d)
        for k in np.nonzero(cov)[0]:
            terms[q][first + k].append((var, round(EFF_SCALE * cov[k] * keep[q])))
    for (h, d, b, q), var in m.part_time.items():
        block = inst.pt_groups[h].blocks[d][b]
        first = d * inst.per_day + block.start
        for t in range(first, min(first + block.length, inst.n_int)):
            terms[q][t].append((var, round(EFF_SCALE * keep[q])))
    for (v, q, t), var in m.seats.items():
        terms[q][t].append((var, round(EFF_SCALE * keep[q] / wf.vendors[v].aht_factor)))
    m.coverage_terms = terms


def unanswered_break_price(inst: Instance) -> float:
    """Price of one head-hour of a queue left with everyone on break: one shift of the dearest
    agent at the highest overtime premium, so any roster that keeps the rule is cheaper wherever
    the labour rules allow one."""
    wf = inst.workforce
    rules = wf.labour_rules
    rate = max((hourly_rate(a.monthly_salary, wf.contracts[a.contract].standard_hours_month) for a in wf.in_house),
               default=0.0)
    premium = max(overtime_premium(rules, kind) for kind in ("workday", "rest_day", "holiday"))
    longest = max((s.paid_hours for s in wf.shifts), default=0.0)
    return rate * premium * longest


# heads one answering agent lets go on break at once (see add_staggered_breaks)
BREAKS_PER_ANSWERING = 3


def add_staggered_breaks(m: AggregateModel) -> None:
    """Never all agents of a queue on break at once where contacts arrive: in every span of an
    interval where some of queue q's in-house heads are on break (:func:`plan.optimize.roster.breaks.break_segments`)
    and q has human contacts, someone answers it — an in-house head on the floor, a part-timer or a
    vendor seat — and each answering head lets at most :data:`BREAKS_PER_ANSWERING` go on break.
    That is the rule ``plan verify`` checks up to that many + 1 heads, and stricter beyond: with a
    big-M on the answering side instead, the LP relaxation answered with a sliver of a seat and
    slowed much more. Where the rules leave no way (a lone night agent must still eat), ``unmet``
    counts the heads on break beyond those allowed, priced above any fix
    (:func:`unanswered_break_price`) plus the span's contacts at the shortfall penalty, so such a
    break goes where demand is lowest; the plan lists those spans (summary ``breaks.unanswered``).
    Email is exempt."""
    inst = m.inst
    base = unanswered_break_price(inst)
    penalty = inst.workforce.costs.shortfall_penalty_per_contact
    purchased = {var.index for var in (*m.part_time.values(), *m.seats.values())}
    for k, spans in enumerate(break_segments(inst)):
        for d in range(inst.n_days):
            t = d * inst.per_day + k
            for q in range(len(inst.queues)):
                if not spans or exempt_queue(inst, q) or inst.arrivals_human[q, t] <= 0:
                    continue
                others = [var for var, c in m.coverage_terms[q][t] if c > 0 and var.index in purchased]
                for span in spans:
                    breaking = [m.breaks[key] for o, v in span.on_break
                                if (key := (d + o, inst.variants[v].shift, v, q)) in m.breaks]
                    if not breaking:
                        continue
                    working = [m.breaks[key] for o, v in span.on_floor
                               if (key := (d + o, inst.variants[v].shift, v, q)) in m.breaks]
                    most = sum(list(m.model.proto.variables[var.index].domain)[-1] for var in breaking)
                    # heads on break ≤ BREAKS_PER_ANSWERING × heads answering + unmet
                    unmet = m.model.new_int_var(0, most, f"unanswered_q{q}_t{t}_m{span.first}")
                    m.at_least(unmet, [(var, 1) for var in breaking]
                               + [(var, -BREAKS_PER_ANSWERING) for var in working + others], 0)
                    share = span.minutes / inst.interval_min
                    contacts = inst.arrivals_human[q, t] * share
                    m.add_cost("unanswered_breaks", unmet, base * span.minutes / 60 + penalty * contacts)


def effective(m: AggregateModel, q: int, t: int):
    items = [(v, c) for v, c in m.coverage_terms[q][t] if c]
    if not items:
        return 0
    return cp_model.LinearExpr.weighted_sum([v for v, _ in items], [c for _, c in items])


def add_service(m: AggregateModel) -> None:
    """Monotone level booleans per queue and interval, each priced as a whole step (the plan's
    reading takes the step above the last level in part); late contacts priced at the shortfall
    penalty; the interval floor priced per agent short; period targets with priced slack."""
    inst = m.inst
    wf = inst.workforce
    penalty = wf.costs.shortfall_penalty_per_contact
    period_terms: dict[tuple, list] = defaultdict(list)
    period_const: dict[tuple, float] = defaultdict(float)
    for qn, qc in m.curves.items():
        q = inst.queues.index(qn)
        for t, curve in enumerate(qc.curves):
            thr, late = curve.thresholds, curve.late
            m.cost_constant["shortfall_penalty"] += penalty * late[0]
            bs = [m.model.new_bool_var(f"b_q{q}_t{t}_j{j}") for j in range(1, len(thr))]
            m.levels[(q, t)] = bs
            if not bs:
                continue
            for a, b in zip(bs, bs[1:]):
                m.model.add_implication(b, a)
            steps = [int(w) for w in curve.steps(EFF_SCALE)]
            m.model.add(cp_model.LinearExpr.weighted_sum(bs, steps) <= effective(m, q, t))
            m.dependents.append(("levels", bs, steps, m.coverage_terms[q][t]))
            _price_steps(m, "shortfall_penalty", bs, curve.step_values(late, penalty, COST_SCALE))
            floor = curve.full_level if m.options.service_mode == "interval" else curve.floor_level
            if floor > 0:
                # contacts below the floor's service level, priced on top of their lateness
                price = m.options.floor_weight * penalty
                m.cost_constant["floor_penalty"] += price * curve.floor_short[0]
                _price_steps(m, "floor_penalty", bs, curve.step_values(curve.floor_short, price, COST_SCALE))
            if m.options.service_mode == "interval":
                continue
            d = t // inst.per_day
            day_set = "event" if inst.event_day[d] else "normal"
            periods = [("day", d, day_set), ("month", 0, "normal")]
            if inst.event_day[d] and wf.queues[qn].event_targets is not None:
                periods.append(("event", _event_window(inst, d), "event"))
            for kind, index, tset in periods:
                for metric in target_metrics(wf.queues[qn].event_targets if tset == "event" and
                                             wf.queues[qn].event_targets is not None else wf.queues[qn].targets):
                    e = curve.excess[f"{tset}:{metric}"]
                    key = (q, kind, index, metric)
                    period_const[key] += e[0]
                    for b, value in zip(bs, curve.step_values(e, 1.0, CONTACT_SCALE)):
                        if value:
                            period_terms[key].append((b, int(value)))
    m.period_keys = []
    # in the order the keys were met (a set of keys holding strings would order the variables by the
    # process's string hashing, and the same inputs would build another model in another run)
    for key in dict.fromkeys([*period_const, *period_terms]):
        items = period_terms.get(key, [])
        const = round(CONTACT_SCALE * period_const[key])
        top = max(0, const) + sum(c for _, c in items if c > 0)
        slack = m.model.new_int_var(0, top, f"slack_{'_'.join(map(str, key))}")
        m.at_least(slack, items, const)
        m.add_cost("target_slack", slack, m.options.target_slack_weight * penalty / CONTACT_SCALE)
        m.period_keys.append((key, slack))


def _price_steps(m: AggregateModel, label: str, booleans: list, values: np.ndarray) -> None:
    """A measure's change priced per whole step (``values`` in 1/COST_SCALE of the currency); the
    plan's reading (:func:`plan.optimize.roster.evaluate.service_terms`) takes a step in part in
    proportion, as this model's LP relaxation does."""
    for b, value in zip(booleans, values):
        m.add_cost(label, b, int(value) / COST_SCALE)


def _event_window(inst: Instance, d: int) -> int:
    """Index of the run of consecutive event days containing day d (its first day)."""
    while d > 0 and inst.event_day[d - 1]:
        d -= 1
    return d


def add_email(m: AggregateModel) -> None:
    """Email is deferrable: cumulative work done by t ≤ work arrived by t and grows by at most the
    capacity present; work due (arrived ``resolve_within_h`` ago) and not done is late. New late
    work per interval (the rise of the overdue backlog, read exactly as :mod:`plan.optimize.roster.evaluate`
    and ``plan verify`` read it) is priced at the shortfall penalty."""
    inst = m.inst
    penalty = inst.workforce.costs.shortfall_penalty_per_contact
    for qn, dem in m.email.items():
        q = inst.queues.index(qn)
        cum = np.concatenate([[0.0], np.cumsum(dem.arrivals)])
        top = int(round(EMAIL_SCALE * cum[-1])) + 1
        prev_done, prev_over = None, None
        for t in range(inst.n_int):
            done = m.model.new_int_var(0, int(round(EMAIL_SCALE * cum[t + 1])), f"email_done_q{q}_t{t}")
            per_unit = round(EMAIL_SCALE * inst.interval_h * 3600.0 / dem.aht_s[t] / EFF_SCALE)
            m.model.add(done <= (prev_done if prev_done is not None else 0) + per_unit * effective(m, q, t))
            capacity = [(var, per_unit * c) for var, c in m.coverage_terms[q][t]]
            m.dependents.append(("at_most", done, capacity + ([(prev_done, 1)] if prev_done is not None else []), 0))
            if prev_done is not None:
                m.model.add(done >= prev_done)
            due = t + 1 - dem.deadline
            over = m.model.new_int_var(0, top, f"email_over_q{q}_t{t}")
            if due > 0:
                m.at_least(over, [(done, -1)], int(round(EMAIL_SCALE * cum[due])))
                # exactly the overdue backlog: an overstated one would hide every later rise (the LP
                # relaxation keeps only the linear row above, which stays a valid bound)
                m.model.add_max_equality(over, [0, int(round(EMAIL_SCALE * cum[due])) - done])
            else:
                m.dependents.append(("at_least", over, [], 0))
            late = m.model.new_int_var(0, top, f"email_late_q{q}_t{t}")
            m.at_least(late, [(over, 1)] + ([(prev_over, -1)] if prev_over is not None else []), 0)
            m.add_cost("shortfall_penalty", late, penalty / EMAIL_SCALE)
            prev_done, prev_over = done, over


# ---------------------------------------------------------------- soft rules a group's counts decide

def _off_terms(m: AggregateModel, g: int, d: int) -> list[tuple[cp_model.IntVar, int]]:
    """Members of g not working day d (leave included) = len(members) − Σ terms."""
    return [(m.in_house[k], -1) for k in m._by_gd.get((g, d), [])]


def _at_most_all(m: AggregateModel, var, bounds: list[tuple[list, int]]) -> None:
    for terms, const in bounds:
        expr = cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]) if terms else 0
        m.model.add(var <= expr + const)
    m.dependents.append(("at_most_all", var, bounds))


def add_whole_weekends_room(m: AggregateModel) -> None:
    """Leave each group room for everyone to have a whole weekend off: a weekend frees at most as
    many members as are off on its busier day, and the weekends together must free every member
    (each one missing is priced at ``no_whole_weekend_price``, as naming prices a person)."""
    price = m.options.no_whole_weekend_price
    inst = m.inst
    saturdays = inst.weekend_saturdays
    if price <= 0 or not saturdays:
        return
    for g, group in enumerate(inst.groups):
        size = len(group.members)
        free = []
        for d in saturdays:
            both = m.model.new_int_var(0, size, f"weekend_free_g{g}_d{d}")
            _at_most_all(m, both, [(_off_terms(m, g, d), size), (_off_terms(m, g, d + 1), size)])
            free.append(both)
        missing = m.model.new_int_var(0, size, f"weekend_missing_g{g}")
        m.at_least(missing, [(v, -1) for v in free], size)
        m.add_cost(SOFT_RULES, missing, price)


def add_rest_day_pairs_room(m: AggregateModel) -> None:
    """Leave each group room for rest days in pairs: a member resting two days in a row is off on
    both, so pairs on (d, d+1) are at most the members off on the busier day, and the rest days
    not in a pair (at least the rest days less twice the pairs) are priced at ``lone_rest_day_price``."""
    price = m.options.lone_rest_day_price
    inst = m.inst
    if price <= 0 or inst.n_days < 2:
        return
    for g, group in enumerate(inst.groups):
        size = len(group.members)
        pairs = []
        for d in range(inst.n_days - 1):
            pair = m.model.new_int_var(0, size, f"rest_pair_g{g}_d{d}")
            _at_most_all(m, pair, [(_off_terms(m, g, d), size), (_off_terms(m, g, d + 1), size)])
            pairs.append(pair)
        rest_days = sum(available(inst, g, [d]) for d in range(inst.n_days))
        minus_worked = [t for d in range(inst.n_days) for t in _off_terms(m, g, d)]
        lone = m.model.new_int_var(0, rest_days, f"lone_rest_g{g}")
        m.at_least(lone, minus_worked + [(p, -2) for p in pairs], rest_days)
        m.add_cost(SOFT_RULES, lone, price)


def best_completion(m: AggregateModel, values: np.ndarray) -> np.ndarray:
    """``values`` with every priced dependent variable at its cheapest for the decisions in it: each
    service level reached as far as the effective agents allow, slack, overtime, top-ups and late
    email at their lower bounds, email worked as early as capacity allows (FIFO). A legal point
    becomes a priced one in milliseconds, where CP-SAT needs seconds on a month's model."""
    out = values.copy()

    def total(terms) -> int:
        return sum(c * int(out[v.index]) for v, c in terms)

    for kind, *row in m.dependents:
        if kind == "levels":
            booleans, steps, coverage = row
            room, level = total(coverage), 0
            for step in steps:
                if room < step:
                    break
                room -= step
                level += 1
            for j, b in enumerate(booleans):
                out[b.index] = int(j < level)
            continue
        if kind == "at_most_all":  # as much as every bound allows
            var, bounds = row
            domain = list(m.model.proto.variables[var.index].domain)
            out[var.index] = max(domain[0], min([domain[len(domain) - 1]] + [total(t) + c for t, c in bounds]))
            continue
        if kind == "at_least_all":  # as little as every bound allows
            var, bounds = row
            out[var.index] = max([list(m.model.proto.variables[var.index].domain)[0]]
                                 + [total(t) + c for t, c in bounds])
            continue
        var, terms, const = row
        if kind == "at_least":
            lo = list(m.model.proto.variables[var.index].domain)[0]
            out[var.index] = max(lo, total(terms) + const)
        else:  # "at_most": as much as allowed
            domain = list(m.model.proto.variables[var.index].domain)
            out[var.index] = min(domain[len(domain) - 1], total(terms) + const)
    return out


def build_aggregate(inst: Instance, curves: dict[str, QueueCurves], email: dict[str, EmailDemand],
                    options: ModelOptions = ModelOptions()) -> AggregateModel:
    m = AggregateModel(inst, curves, email, options)
    add_in_house_variables(m)
    add_leave_days(m)
    add_weekly_rest_day(m)
    add_max_consecutive_days(m)
    add_min_rest_between_shifts(m)
    add_contract_hours(m)
    add_overtime_cap(m)
    add_pinned_shifts(m)
    add_carried_rest_days(m)
    add_carried_min_rest(m)
    add_month_end_room(m)
    add_meal_breaks(m)
    add_part_time_limits(m)
    add_reference_counts(m)
    add_vendor_blocks_caps_commitments(m)
    add_published_past(m)
    add_bot_cap(m)
    add_coverage(m)
    add_staggered_breaks(m)
    add_service(m)
    add_email(m)
    add_whole_weekends_room(m)
    add_rest_day_pairs_room(m)
    m.model.minimize(m.objective_expr())
    return m
