"""From solver values to the plan-directory tables: named roster, vendor seats, coverage with
service recomputed by the staffing service functions, and costs by the rules of docs/plan-files.md."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from plan.contracts.plan_files import COVERAGE_COLUMNS, LEAVE_CODE, PART_TIME_CODE, REST_CODE, ROSTER_COLUMNS
from plan.optimize.cost_rules import bot_month_cost, hourly_rate, overtime_premium, vendor_month_cost
from plan.optimize.queueing.email import deadline_intervals
from plan.optimize.queueing.service import queue_service_arrays
from plan.optimize.roster.instance import DAY_MIN, Instance


def fill_slots(people: list[int], slots: list[tuple[int, int]], fallback: tuple[int, int]) -> dict[int, tuple[int, int]]:
    """Give each person one (variant, queue) slot; extra people take the fallback slot."""
    out = {}
    for i, person in enumerate(people):
        out[person] = slots[i] if i < len(slots) else fallback
    return out


UNSKILLED = 10**6  # cost of a slot on a queue the person has no skill for: taken only if nothing else fits


def _slot_cost(queue: int, skilled: set[int], previous: int | None, usual: int | None) -> int:
    """Cost of giving a person a slot on ``queue`` today: a switch from her last working day's queue
    first, then leaving the queue she has worked most this week (a tie-break that keeps weeks whole)."""
    if queue not in skilled:
        return UNSKILLED
    return 2 * (previous is not None and queue != previous) + (usual is not None and queue != usual)


def assign_slots(agents: list[int], slots: list[tuple[int, int]], skilled: dict[int, set[int]],
                 previous: dict[int, int], usual: dict[int, int | None]) -> dict[int, tuple[int, int]]:
    """Each agent one (variant, queue) slot, at the fewest queue switches: an assignment problem
    (Hungarian method). Agents left without a skilled slot are not in the answer."""
    if not slots or not agents:
        return {}
    cost = np.array([[_slot_cost(q, skilled[a], previous.get(a), usual.get(a)) for _, q in slots] for a in agents])
    rows, cols = linear_sum_assignment(cost)
    return {agents[r]: slots[c] for r, c in zip(rows, cols) if cost[r, c] < UNSKILLED}


def in_house_details(inst: Instance, chosen: dict[tuple[int, int], int],
                     breaks: dict[tuple[int, int, int, int], int]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(agent, day) → (shift, variant, queue), day by day: the people on each (day, shift), whatever
    their group, share its (break placement, queue) slots exactly as the aggregate counted them
    (so coverage is the aggregate's), each within her skills and keeping yesterday's queue where
    the counts allow. A person no slot fits (only when names and counts differ) takes her first
    skill and the shift's placements in turn."""
    skilled = {a: {inst.queues.index(q) for q in agent.skills} for a, agent in enumerate(inst.workforce.in_house)}
    first_skill = {a: inst.queues.index(agent.skills[0]) for a, agent in enumerate(inst.workforce.in_house)}
    slots = defaultdict(list)
    for (d, s, v, q), n in sorted(breaks.items()):
        slots[(d, s)].extend([(v, q)] * n)
    people = defaultdict(list)
    for (a, d), s in sorted(chosen.items()):
        people[(d, s)].append(a)
    week_of = [w for w, week in enumerate(inst.weeks) for _ in week]
    previous: dict[int, int] = {}
    worked: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))  # (agent, week) → queue → days
    out = {}
    for (d, s), agents in sorted(people.items()):
        usual = {a: max(worked[(a, week_of[d])], key=worked[(a, week_of[d])].get, default=None) for a in agents}
        given = assign_slots(agents, slots.get((d, s), []), skilled, previous, usual)
        placements = inst.variants_of_shift[s]
        for i, a in enumerate(agents):
            v, q = given.get(a, (placements[i % len(placements)], first_skill[a]))
            out[(a, d)] = (s, v, q)
            previous[a] = q
            worked[(a, week_of[d])][q] += 1
    return out


def part_time_details(inst: Instance, chosen: dict[tuple[int, int], int], counts: dict[tuple[int, int, int, int], int]
                      ) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(part-timer, day) → (group, block, queue)."""
    group_of = {p: h for h, grp in enumerate(inst.pt_groups) for p in grp.members}
    slots = defaultdict(list)
    for (h, d, b, q), n in sorted(counts.items()):
        slots[(h, d, b)].extend([(b, q)] * n)
    people = defaultdict(list)
    for (p, d), b in sorted(chosen.items()):
        people[(group_of[p], d, b)].append(p)
    out = {}
    for (h, d, b), persons in people.items():
        own = slots.get((h, d, b), [])
        fallback = own[0] if own else (b, inst.queues.index(inst.pt_groups[h].skills[0]))
        for p, (bb, q) in fill_slots(persons, own, fallback).items():
            out[(p, d)] = (h, bb, q)
    return out


# ---------------------------------------------------------------- overtime

def overtime_by_day(inst: Instance, shifts_of: dict[int, dict[int, int]]) -> dict[tuple[int, int], tuple[float, str]]:
    """Attribute each agent's overtime to days: statutory-holiday work in full (holiday premium);
    comprehensive contracts: hours beyond the month's contract, from the last worked day backwards
    (workday premium, 150%); standard contracts: hours beyond each week's limit, from the week's last
    worked day backwards (rest-day premium, 200%: it is the agent's weekly rest day being worked)."""
    wf = inst.workforce
    out = {}
    for a, agent in enumerate(wf.in_house):
        days = shifts_of.get(a, {})
        contract = wf.contracts[agent.contract]
        for d, s in days.items():
            if inst.day_kind[d] == "holiday":
                out[(a, d)] = (inst.shift_hours(s), "holiday")
        ordinary = sorted(d for d in days if inst.day_kind[d] != "holiday")

        def spill(excess: float, candidates: list[int], kind: str) -> None:
            for d in reversed(candidates):
                if excess <= 1e-9:
                    break
                take = min(excess, inst.shift_hours(days[d]))
                out[(a, d)] = (round(take, 4), kind)
                excess -= take

        if contract.system == "comprehensive":
            regular = sum(inst.shift_hours(days[d]) for d in ordinary)
            spill(regular - inst.contracted_h[a], ordinary, "workday")
        else:
            from plan.optimize.roster.instance import agent_week_caps
            for week, cap in zip(inst.weeks, agent_week_caps(inst, a, contract.max_hours_week)):
                limit = cap
                in_week = [d for d in ordinary if d in set(week)]
                spill(sum(inst.shift_hours(days[d]) for d in in_week) - limit, in_week, "rest_day")
    return out


# ---------------------------------------------------------------- tables

def _ts(day: dt.date, minutes: int) -> str:
    return (dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def _hhmm(minutes: int) -> str:
    minutes %= DAY_MIN
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def roster_table(inst: Instance, ih: dict[tuple[int, int], tuple[int, int, int]],
                 pt: dict[tuple[int, int], tuple[int, int, int]], overtime: dict) -> pd.DataFrame:
    wf = inst.workforce
    rows = []
    for a, agent in enumerate(wf.in_house):
        for d, day in enumerate(inst.days):
            base = {"type": "in_house", "id": agent.id, "name": agent.name, "date": day.isoformat()}
            if d in inst.leave[a] and not (inst.pinned_rest and d in inst.pinned_rest[a]):
                rows.append({**base, "shift_code": LEAVE_CODE, "shift_name": "leave", "paid_hours": 0.0})
                continue
            if (a, d) not in ih:
                rows.append({**base, "shift_code": REST_CODE, "shift_name": "rest", "paid_hours": 0.0})
                continue
            s, v, q = ih[(a, d)]
            shift = wf.shifts[s]
            hours, kind = overtime.get((a, d), (0.0, ""))
            rows.append({**base, "shift_code": shift.code, "shift_name": shift.name,
                         "start": _ts(day, shift.start_min), "end": _ts(day, shift.start_min + shift.length_min),
                         "breaks": ";".join(f"{_hhmm(b0)}-{_hhmm(b1)}" for b0, b1 in inst.variants[v].breaks),
                         "paid_hours": shift.paid_hours, "queue": inst.queues[q],
                         "overtime_hours": hours, "overtime_kind": kind})
    for p, person in enumerate(wf.part_time):
        for d, day in enumerate(inst.days):
            base = {"type": "part_time", "id": person.id, "name": person.name, "date": day.isoformat()}
            if (p, d) not in pt:
                rows.append({**base, "shift_code": REST_CODE, "shift_name": "rest", "paid_hours": 0.0})
                continue
            h, b, q = pt[(p, d)]
            block = inst.pt_groups[h].blocks[d][b]
            start = block.start * inst.interval_min
            rows.append({**base, "shift_code": PART_TIME_CODE, "shift_name": "part-time block", "start": _ts(day, start),
                         "end": _ts(day, start + block.length * inst.interval_min), "breaks": "",
                         "paid_hours": block.hours(inst.interval_h), "queue": inst.queues[q]})
    df = pd.DataFrame(rows).reindex(columns=ROSTER_COLUMNS)
    df["overtime_hours"] = df["overtime_hours"].fillna(0.0)
    for column in ("start", "end", "breaks", "queue", "overtime_kind", "queue_moves"):
        df[column] = df[column].astype(object).fillna("")
    return df


def vendor_table(inst: Instance, seats: dict[tuple[int, int, int], int]) -> pd.DataFrame:
    starts = inst.interval_starts()
    rows = [{"vendor": inst.workforce.vendors[v].id, "queue": inst.queues[q],
             "interval_start": starts[t].strftime("%Y-%m-%d %H:%M"), "seats": int(n)}
            for (v, q, t), n in sorted(seats.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])) if n > 0]
    return pd.DataFrame(rows, columns=["vendor", "queue", "interval_start", "seats"])


def staffed_arrays(inst: Instance, ih: dict, pt: dict, seats: dict) -> dict[str, np.ndarray]:
    """Heads on the floor per queue and interval by source (breaks removed), vendor seats, and the
    effective agents (vendor seats ÷ AHT factor, all after shrinkage)."""
    shape = (len(inst.queues), inst.n_int)
    in_house, part_time, vendor, vendor_eff = (np.zeros(shape) for _ in range(4))
    for (a, d), (s, v, q) in ih.items():
        first, cov = inst.coverage_on_month(v, d)
        in_house[q, first:first + len(cov)] += cov
    for (p, d), (h, b, q) in pt.items():
        block = inst.pt_groups[h].blocks[d][b]
        first = d * inst.per_day + block.start
        last = min(first + block.length, inst.n_int)
        part_time[q, first:last] += 1.0
    for (v, q, t), n in seats.items():
        vendor[q, t] += n
        vendor_eff[q, t] += n / inst.workforce.vendors[v].aht_factor
    keep = np.array([1.0 - inst.workforce.queues[q].shrinkage for q in inst.queues])[:, None]
    return {"in_house": in_house, "part_time": part_time, "vendor": vendor,
            "effective": (in_house + part_time + vendor_eff) * keep}


def service_arrays(inst: Instance, effective: np.ndarray) -> dict[str, np.ndarray]:
    """ASA, service level, abandonment and shortfall contacts per queue and interval, from the
    staffing service functions at the effective agents present (email: FIFO backlog)."""
    event_interval = np.repeat(inst.event_day, inst.per_day)
    per_queue = [queue_service_arrays(inst.workforce.queues[name], inst.arrivals_human[qi], inst.aht_s[qi],
                                      effective[qi], event_interval, inst.interval_min)
                 for qi, name in enumerate(inst.queues)]
    return {k: np.stack([part[k] for part in per_queue]) if per_queue else np.zeros(effective.shape)
            for k in ("asa_s", "service_level", "abandon_rate", "shortfall_contacts")}


def coverage_table(inst: Instance, staffed: dict, service: dict) -> pd.DataFrame:
    starts = inst.interval_starts().strftime("%Y-%m-%d %H:%M")
    frames = []
    for qi, name in enumerate(inst.queues):
        frames.append(pd.DataFrame({
            "queue": name, "interval_start": starts, "arrivals": inst.arrivals[qi], "bot_handled": inst.bot_handled[qi],
            "arrivals_human": inst.arrivals_human[qi], "required": inst.agents_required[qi],
            "staffed_in_house": staffed["in_house"][qi], "staffed_part_time": staffed["part_time"][qi],
            "staffed_vendor": staffed["vendor"][qi], "staffed_effective": staffed["effective"][qi],
            "asa_s": service["asa_s"][qi], "service_level": service["service_level"][qi],
            "abandon_rate": service["abandon_rate"][qi], "shortfall_contacts": service["shortfall_contacts"][qi]}))
    return pd.DataFrame(pd.concat(frames, ignore_index=True), columns=COVERAGE_COLUMNS)


def costs(inst: Instance, roster: pd.DataFrame, seats: dict, service: dict) -> dict[str, float]:
    """Cost by the rules of docs/plan-files.md (what `plan verify` recomputes)."""
    wf = inst.workforce
    in_house = float(sum(a.monthly_salary for a in wf.in_house))
    rate = {a.id: hourly_rate(a.monthly_salary, wf.contracts[a.contract].standard_hours_month) for a in wf.in_house}
    ih = roster[(roster["type"] == "in_house") & (roster["overtime_hours"] > 0)]
    overtime = float(sum(r.overtime_hours * rate[r.id] * overtime_premium(wf.labour_rules, r.overtime_kind)
                         for r in ih.itertuples()))
    pt_rate = {p.id: p.hourly_rate for p in wf.part_time}
    pt = roster[roster["type"] == "part_time"]
    part_time = float(sum(r.paid_hours * pt_rate[r.id] for r in pt.itertuples()))
    event_interval = np.repeat(inst.event_day, inst.per_day)
    vendor = 0.0
    for v, spec in enumerate(wf.vendors):
        seat_hours = np.zeros(inst.n_int)
        for (vv, q, t), n in seats.items():
            if vv == v and n > 0:
                seat_hours[t] += n * inst.interval_h
        vendor += vendor_month_cost(spec, seat_hours, event_interval)
    bot = bot_month_cost(wf.bot, float(inst.bot_handled.sum()))
    shortfall = float(service["shortfall_contacts"].sum() * wf.costs.shortfall_penalty_per_contact)
    parts = {"in_house": in_house, "overtime": overtime, "part_time": part_time, "vendor": vendor, "bot": bot,
             "shortfall_penalty": shortfall}
    return {"total": round(sum(parts.values()), 2), **{k: round(v, 2) for k, v in parts.items()}}


def service_summary(inst: Instance, service: dict) -> dict[str, dict]:
    out = {}
    for qi, name in enumerate(inst.queues):
        ah = inst.arrivals_human[qi]
        contacts = float(ah.sum())
        answered = ah * (1 - service["abandon_rate"][qi])
        out[name] = {
            # hours nobody is answered in add no wait (an unstaffed hour without contacts has no finite ASA)
            "asa_s": float(np.where(answered > 0, answered * service["asa_s"][qi], 0.0).sum()
                           / max(answered.sum(), 1e-9)),
            "service_level": float(1 - service["shortfall_contacts"][qi].sum() / max(contacts, 1e-9)),
            "abandon_rate": float((ah * service["abandon_rate"][qi]).sum() / max(contacts, 1e-9)),
            "contacts": contacts}
    return out


def email_deadline(inst: Instance, queue_name: str) -> int:
    return deadline_intervals(inst.workforce.queues[queue_name].targets.resolve_within_h, inst.interval_min)
