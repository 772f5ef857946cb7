"""Every change the published plan still allows from ``now`` on, priced and described by its heads.

An option adds (or removes) heads on one or two queues over a span of the horizon (the rest of
today and tomorrow) and costs what the cost rules say (:mod:`plan.optimize.cost_rules`; a saving
is a negative cost). Options that exclude each other (two changes of one person-day) share a
group; limits over several options (a part-timer's week, an agent's month of overtime, a vendor's
seat cap or commitment) are linear rows ``Σ coef · units ≤ upper``.

What each kind may do, within the law (PRC Labour Law; the config's ``labour_rules``):

* ``extend`` a shift still running or not begun by whole intervals at its end: overtime at the
  day's premium, at most :data:`MAX_EXTENSION_H` a day (art. 41: extended hours at most 3 h a day),
  within the month's ``overtime_max_h_month``, the comprehensive contract's daily cap, and
  ``min_rest_between_shifts_h`` before the person's next shift;
* ``shorten`` a shift that carries overtime (voluntary time off): the overtime not yet worked is
  not paid; the shift keeps its meal break;
* ``call_in`` a part-timer resting that day, with ``notice_hours``, inside their availability, a
  block of ``min_block_hours`` up to the day's cap, within the week's cap;
* ``stand_down`` a part-time block that starts after the notice;
* ``buy_seats`` vendor blocks of ``block_hours`` after the vendor's notice, within ``max_seats``;
* ``cancel_seats`` whole bought seat blocks that start after the notice, never below the
  vendor's monthly commitment (those hours are paid anyway);
* ``move`` a multi-skilled agent to another queue they are skilled for: for the day when the shift
  has not begun, from the next interval on when it has (roster.csv ``queue_moves``);
* ``move_break`` a meal break not yet begun to another start inside its template window, on the
  roster's grid, where someone else on the queue answers through it;
* ``raise_bot`` (:mod:`plan.optimize.intraday.bot`) an hour of a chat queue in bot-first mode: no
  heads, its effect the human workload it removes.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from plan.contracts.calendar import event_day_mask
from plan.contracts.plan_files import NOT_WORKING, PART_TIME_CODE, REST_CODE, PlanFiles, queue_at_end, queue_pieces
from plan.contracts.workforce import minutes_of
from plan.optimize.cost_rules import hourly_rate, overtime_premium, seat_hour_price

# Labour Law of the PRC art. 41: extended working hours at most 3 h a day (1 h ordinarily).
MAX_EXTENSION_H = 3.0


@dataclass
class Option:
    kind: str
    who: str
    name: str
    queue: str                      # the queue gaining (or, for a saving, losing) heads
    start: pd.Timestamp             # from when
    end: pd.Timestamp
    unit_cost: float                # site currency per unit; negative = a saving
    max_units: int                  # 1, or seats for vendor blocks
    heads: dict[str, np.ndarray]    # queue → heads per horizon interval, per unit (negative = removed)
    effective: dict[str, np.ndarray]  # the same in effective agents (shrinkage, vendor AHT factor)
    edit: dict                      # what `apply` changes
    detail: str = ""
    group: tuple | None = None      # options of one group exclude each other
    relief: dict[str, np.ndarray] | None = None  # effective agents off the requirement's deficit (else effective)


@dataclass
class Options:
    items: list[Option]
    limits: list[tuple[dict[int, float], float]] = field(default_factory=list)  # Σ coef·units ≤ upper


@dataclass(frozen=True)
class Horizon:
    """The intervals from ``now`` to the end of tomorrow (or of the month), on the plan's grid."""
    starts: pd.DatetimeIndex
    step: pd.Timedelta
    first: int                      # index of starts[0] in the month's intervals

    @property
    def end(self) -> pd.Timestamp:
        return self.starts[-1] + self.step

    def presence(self, begin: pd.Timestamp, end: pd.Timestamp,
                 breaks: list[tuple[pd.Timestamp, pd.Timestamp]] = ()) -> np.ndarray:
        """Share of each interval that someone working ``begin``-``end`` less ``breaks`` is present."""
        lo = self.starts.to_numpy()
        hi = lo + self.step.to_timedelta64()

        def overlap(a: pd.Timestamp, b: pd.Timestamp) -> np.ndarray:
            inside = np.minimum(hi, b.to_datetime64()) - np.maximum(lo, a.to_datetime64())
            return np.clip(inside / self.step.to_timedelta64(), 0.0, 1.0)

        share = overlap(begin, end)
        for a, b in breaks:
            share = share - overlap(max(a, begin), min(b, end))
        return share


def make_horizon(plan: PlanFiles, now: pd.Timestamp) -> Horizon:
    intervals = plan.intervals
    day_after = now.normalize() + pd.Timedelta(days=2)
    starts = intervals[(intervals >= now) & (intervals < day_after)]
    return Horizon(starts=starts, step=plan.interval, first=int(intervals.get_loc(starts[0])))


def _per_unit(plan: PlanFiles, queue: str, heads: np.ndarray, aht_factor: float = 1.0) -> np.ndarray:
    return heads * (1.0 - plan.workforce.queues[queue].shrinkage) / aht_factor


def _option(plan: PlanFiles, *, kind, who, name, moves: dict[str, np.ndarray], aht_factor: float = 1.0,
            **rest) -> Option:
    return Option(kind=kind, who=who, name=name, heads=moves,
                  effective={q: _per_unit(plan, q, h, aht_factor) for q, h in moves.items()}, **rest)


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns as Python objects: split per person and read row by row, a
    thousand people's rows go several times faster than through Arrow strings."""
    return frame.astype({c: object for c, t in frame.dtypes.items() if isinstance(t, pd.StringDtype)})


def _rows_by_person(roster: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {pid: rows.sort_values("date") for pid, rows in roster.groupby("id", sort=False)}


def _next_start(starts: np.ndarray, after: pd.Timestamp) -> pd.Timestamp | None:
    """The first of the sorted working ``starts`` after ``after``."""
    i = int(np.searchsorted(starts, after.to_datetime64(), side="right"))
    return pd.Timestamp(starts[i]) if i < len(starts) else None


@dataclass(frozen=True)
class MealBreaks:
    """The in-house shifts near ``now`` per queue (a shift that changes queue counts on each for its
    stretch there), with their meal breaks. The roster keeps someone answering a chat or phone queue
    through every break; a change that takes heads off a queue (a shorter shift, a move before the
    shift, a stand-down, a cancelled seat block) is offered only where no one else's break falls, a
    running shift leaves a queue only with one of those answering through each break there kept
    (:func:`add_kept_answered_limits`), and a move goes only onto a queue where others work through
    the mover's breaks (a conservative reading of the rule that `plan verify` checks)."""
    shifts: dict[str, list[tuple[pd.Timestamp, pd.Timestamp, list, str]]]
    _on_floor: dict = field(default_factory=dict, compare=False, repr=False)  # (queue, span) → who answers

    @classmethod
    def of(cls, roster: pd.DataFrame) -> "MealBreaks":
        shifts: dict[str, list] = defaultdict(list)
        working = roster[(roster["type"] == "in_house") & roster["start"].notna() & roster["end"].notna()]
        for row in queue_pieces(working).itertuples(index=False):
            spans = [(b, e) for b, e in (row.break_spans or []) if b < row.end and row.start < e]
            shifts[row.queue].append((row.start, row.end, spans, row.id))
        return cls(dict(shifts))

    def during(self, queue: str, start: pd.Timestamp, end: pd.Timestamp, other_than: str | None = None) -> bool:
        """Someone else on ``queue`` has a break overlapping ``start``-``end``."""
        return any(b < end and start < e and who != other_than
                   for _, _, spans, who in self.shifts.get(queue, []) for b, e in spans)

    def answering(self, queue: str, span: tuple, mover: str) -> set[str]:
        """Those other than ``mover`` at work on ``queue`` through ``span`` and not on a break in it."""
        key = (queue, span)
        if key not in self._on_floor:
            b, e = span
            self._on_floor[key] = frozenset(who for s, t, own, who in self.shifts.get(queue, [])
                                            if s <= b and e <= t and not any(x < e and b < y for x, y in own))
        return set(self._on_floor[key] - {mover})

    def answered_through(self, queue: str, spans: list, mover: str) -> bool:
        """Every span is covered on ``queue`` by someone else at work and not on a break then."""
        return all(self.answering(queue, span, mover) for span in spans)

    def breaks_during(self, queue: str, start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[tuple, str]]:
        """(span, whose) of every break on ``queue`` overlapping ``start``-``end``."""
        return [(span, who) for _, _, spans, who in self.shifts.get(queue, [])
                for span in spans if span[0] < end and start < span[1]]


def _people_working_near(roster: pd.DataFrame, now: pd.Timestamp, horizon: Horizon) -> set[str]:
    """People with a working day whose shift ends after ``now`` and begins inside the horizon."""
    near = roster[(roster["end"] > now) & (roster["start"] < horizon.end)]
    return set(near["id"])


def in_house_options(plan: PlanFiles, now: pd.Timestamp, horizon: Horizon, out: Options) -> None:
    wf = plan.workforce
    rules = wf.labour_rules
    agents = {a.id: a for a in wf.in_house}
    roster = _plain_strings(plan.roster[(plan.roster["type"] == "in_house")
                                        & (plan.roster["id"].isin(_people_working_near(plan.roster, now, horizon)))])
    step_h = horizon.step / pd.Timedelta(hours=1)
    month_end = plan.month.end_time + pd.Timedelta(1)
    meal = MealBreaks.of(plan.roster[(plan.roster["end"] > now) & (plan.roster["start"] < horizon.end)])
    shift_codes = {shift.code for shift in wf.shifts}
    # per person, read once for the month: overtime so far, and every working start (for the rest rule)
    overtime_used = roster.groupby("id", sort=False)["overtime_hours"].sum().to_dict()
    worked_all = roster[~roster["shift_code"].isin(NOT_WORKING)]
    starts_of = {pid: np.sort(times) for pid, times in worked_all.groupby("id", sort=False)["start"]
                 .agg(lambda column: column.to_numpy()).items()}
    near = worked_all[(worked_all["end"] > now) & (worked_all["start"] < horizon.end)].sort_values(["id", "date"])
    rows_of: dict[str, list] = defaultdict(list)
    for row in near.itertuples(index=False):  # one pass: a thousand people's frames read row by row are slow
        rows_of[row.id].append(row)
    for pid, rows in rows_of.items():
        agent = agents.get(pid)
        if agent is None:
            continue
        contract = wf.contracts[agent.contract]
        rate = hourly_rate(agent.monthly_salary, contract.standard_hours_month)
        overtime_left = rules.overtime_max_h_month - float(overtime_used.get(pid, 0.0))
        extend_ids: dict[int, float] = {}
        starts = starts_of[pid]
        for row in rows:
            group = ("day", pid, row.date)
            kind = row.overtime_kind or "workday"
            premium = overtime_premium(rules, kind)
            rest_until = _next_start(starts, row.start)
            breaks = row.break_spans or []
            last_queue = queue_at_end(row)  # where an extension lands and a shortening takes heads off
            # extend at the end
            for steps in range(1, int(MAX_EXTENSION_H / step_h) + 1):
                hours = steps * step_h
                new_end = row.end + pd.Timedelta(hours=hours)
                if (row.overtime_hours + hours > MAX_EXTENSION_H + 1e-9 or hours > overtime_left + 1e-9
                        or new_end > min(horizon.end, month_end)
                        or (contract.system == "comprehensive" and row.paid_hours + hours > contract.max_hours_day + 1e-9)
                        or (rest_until is not None
                            and rest_until - new_end < pd.Timedelta(hours=rules.min_rest_between_shifts_h))):
                    break
                extend_ids[len(out.items)] = hours
                out.items.append(_option(
                    plan, kind="extend", who=pid, name=agent.name, queue=last_queue, start=row.end, end=new_end,
                    unit_cost=hours * rate * premium, max_units=1, group=group,
                    moves={last_queue: horizon.presence(row.end, new_end)},
                    edit={"row": (pid, row.date), "hours": hours, "overtime_kind": kind},
                    detail=f"{row.shift_code} to {new_end:%H:%M} (+{hours:g} h {kind} overtime)"))
            # shorten: overtime not yet worked, meal breaks kept
            last_break = max((b for _, b in breaks), default=row.start)
            for steps in range(1, int(row.overtime_hours / step_h + 1e-9) + 1):
                hours = steps * step_h
                new_end = row.end - pd.Timedelta(hours=hours)
                if (new_end < max(now, last_break, *(moment for moment, _ in row.moves)) or new_end <= row.start
                        or meal.during(last_queue, new_end, row.end, other_than=pid)):
                    break
                out.items.append(_option(
                    plan, kind="shorten", who=pid, name=agent.name, queue=last_queue, start=new_end, end=row.end,
                    unit_cost=-hours * rate * premium, max_units=1, group=group,
                    moves={last_queue: -horizon.presence(new_end, row.end)},
                    edit={"row": (pid, row.date), "hours": -hours, "overtime_kind": kind},
                    detail=f"{row.shift_code} ends {new_end:%H:%M} (−{hours:g} h overtime, time off)"))
            if row.shift_code in shift_codes and not row.moves:
                # a moved shift's breaks may fall on either queue: they stay where they are
                break_options(plan, row, agent, horizon, now, meal, out)
            if len(agent.skills) > 1:
                move_options(plan, row, agent, horizon, now, meal, out)
        if extend_ids:
            out.limits.append((extend_ids, overtime_left))
    add_kept_answered_limits(out, meal, horizon)


def move_options(plan: PlanFiles, row, agent, horizon: Horizon, now: pd.Timestamp, meal: "MealBreaks",
                 out: Options) -> None:
    """``move`` a multi-skilled agent to another queue they are skilled for: a shift not yet begun
    (and not moved before) changes queue for the day; a shift already running changes queue from the
    horizon's first interval to its end (roster.csv ``queue_moves``), its breaks from then on taken
    on the new queue. Where the agent leaves, the others' breaks stay answered
    (:func:`add_kept_answered_limits`); where they arrive, someone else must answer through their breaks."""
    if row.end > horizon.end or (row.start >= now and row.moves):
        return
    begun = row.start < now
    at = horizon.starts[0] if begun else row.start
    if at >= row.end:
        return
    leaving = queue_at_end(row)
    breaks_ahead = [(b, e) for b, e in (row.break_spans or []) if e > at]
    if not begun and meal.during(leaving, row.start, row.end, other_than=row.id):
        return
    here = horizon.presence(at, row.end, breaks_ahead)
    for queue in agent.skills:
        if queue == leaving or not meal.answered_through(queue, breaks_ahead, row.id):
            continue
        if begun:
            edit = {"row": (row.id, row.date), "queue": queue, "at": at, "leaves": (leaving, at, row.end)}
            detail = f"{row.shift_code} from {at:%H:%M} on {queue} instead of {leaving}"
        else:
            edit = {"row": (row.id, row.date), "queue": queue}
            detail = f"{row.shift_code} {row.start:%H:%M} on {queue} instead of {leaving}"
        out.items.append(_option(
            plan, kind="move", who=row.id, name=agent.name, queue=queue, start=at, end=row.end,
            unit_cost=0.0, max_units=1, group=("day", row.id, row.date), moves={queue: here, leaving: -here},
            edit=edit, detail=detail))


def break_places(shift, row, now: pd.Timestamp, step: pd.Timedelta) -> list[tuple[int, list]]:
    """(break index, its other starts) for each break of ``row`` not yet begun at ``now``: inside its
    template window and the template's hours, on the roster's grid (min(interval, 30 min) from the
    window's start), from ``now`` on, overlapping none of the row's other breaks."""
    spans = sorted(row.break_spans or [])
    windows = sorted(shift.breaks, key=lambda b: (minutes_of(b.window_start) - shift.start_min) % 1440)
    if len(spans) != len(windows):
        return []
    grid = min(step, pd.Timedelta(minutes=30))
    template_end = row.start + pd.Timedelta(minutes=shift.length_min)
    out = []
    for k, ((begin, end), meal) in enumerate(zip(spans, windows)):
        if begin < now:
            continue
        opens = row.start + pd.Timedelta(minutes=(minutes_of(meal.window_start) - shift.start_min) % 1440)
        closes = opens + pd.Timedelta(minutes=(minutes_of(meal.window_end) - minutes_of(meal.window_start)) % 1440)
        length = end - begin
        first = max(opens, row.start, now)
        first = opens + math.ceil((first - opens) / grid - 1e-9) * grid
        others = [span for j, span in enumerate(spans) if j != k]
        places = []
        at = first
        while at + length <= min(closes, template_end):
            if at != begin and not any(a < at + length and at < b for a, b in others):
                places.append((at, at + length))
            at += grid
        out.append((k, places))
    return out


def break_options(plan: PlanFiles, row, agent, horizon: Horizon, now: pd.Timestamp, meal: "MealBreaks",
                  out: Options) -> None:
    """``move_break``: one break not yet begun to another start in its window, where someone else on the
    queue is at work and not on a break (the roster's staggering; :func:`add_break_limits` keeps one of
    them answering whatever else the re-plan changes)."""
    shift = plan.workforce.shift(row.shift_code)
    spans = sorted(row.break_spans or [])
    for k, places in break_places(shift, row, now, horizon.step):
        old = spans[k]
        for new in places:
            answering = meal.answering(row.queue, new, row.id)
            if not answering:
                continue
            moved = sorted(spans[:k] + [new] + spans[k + 1:])
            out.items.append(_option(
                plan, kind="move_break", who=row.id, name=agent.name, queue=row.queue, start=min(old[0], new[0]),
                end=max(old[1], new[1]), unit_cost=0.0, max_units=1, group=("day", row.id, row.date),
                moves={row.queue: horizon.presence(*old) - horizon.presence(*new)},
                edit={"row": (row.id, row.date), "breaks": moved, "answering": answering},
                detail=f"break {old[0]:%H:%M}-{old[1]:%H:%M} to {new[0]:%H:%M}-{new[1]:%H:%M}"))


def _taking_heads_off(out: Options, queues=None) -> dict[tuple[str, int], list[int]]:
    """(queue, horizon interval) → the options that take heads off that queue then (``queues``: only those)."""
    taking: dict[tuple[str, int], list[int]] = defaultdict(list)
    for c, option in enumerate(out.items):
        for queue, heads in option.heads.items():
            if queues is None or queue in queues:
                for t in np.flatnonzero(heads < -1e-9):
                    taking[(queue, int(t))].append(c)
    return taking


def add_break_limits(out: Options) -> None:
    """A moved break keeps one of those answering through it (``edit["answering"]``) on the queue: the
    options that take them off it then (a shorter shift, a move away, their own break moved there) are
    chosen together with it for fewer than all of them, ``Σ x_c + M·x_o ≤ |answering| − 1 + M``."""
    breaks = [o for o, option in enumerate(out.items) if option.kind == "move_break"]
    if not breaks:
        return
    taking = _taking_heads_off(out)
    for o in breaks:
        option = out.items[o]
        answering = option.edit["answering"]
        conflicts = sorted({c for t in np.flatnonzero(option.heads[option.queue] < -1e-9)
                            for c in taking[(option.queue, int(t))] if c != o and out.items[c].who in answering})
        if len(conflicts) >= len(answering):
            big = float(len(conflicts))
            out.limits.append(({**{c: 1.0 for c in conflicts}, o: big}, len(answering) - 1 + big))


def add_kept_answered_limits(out: Options, meal: MealBreaks, horizon: Horizon) -> None:
    """Each meal break on a queue that running shifts may leave (``move`` with ``edit["leaves"]``)
    keeps one of those answering through it there: of the options that take any of them off the
    queue during the break (moves away, shorter shifts, their own break moved there), fewer than all
    are chosen, ``Σ x_c ≤ |answering| − 1``. Each person's options share a group, so the sum counts
    people."""
    windows: dict[str, list[tuple]] = defaultdict(list)
    for option in out.items:
        if "leaves" in option.edit:
            queue, start, end = option.edit["leaves"]
            windows[queue].append((start, end))
    if not windows:
        return
    taking = _taking_heads_off(out, windows)
    for queue, spans in windows.items():
        first, last = min(s for s, _ in spans), max(e for _, e in spans)
        seen = set()
        for span, who in meal.breaks_during(queue, first, last):
            if span in seen or not any(s < span[1] and span[0] < e for s, e in spans):
                continue
            seen.add(span)
            answering = meal.answering(queue, span, who)
            intervals = np.flatnonzero(horizon.presence(*span) > 1e-9)
            conflicts = sorted({c for t in intervals for c in taking[(queue, int(t))] if out.items[c].who in answering})
            if conflicts and len({out.items[c].who for c in conflicts}) >= len(answering):
                out.limits.append(({c: 1.0 for c in conflicts}, len(answering) - 1.0))


def _ceil_to_grid(moment: pd.Timestamp, step: pd.Timedelta) -> pd.Timestamp:
    return moment.ceil(step)


def _week_hours(rows: pd.DataFrame, day: pd.Timestamp) -> float:
    monday = day - pd.Timedelta(days=day.weekday())
    in_week = rows[(rows["date"] >= monday) & (rows["date"] < monday + pd.Timedelta(days=7))]
    return float(in_week["paid_hours"].sum())


def part_time_options(plan: PlanFiles, now: pd.Timestamp, horizon: Horizon, out: Options) -> None:
    wf = plan.workforce
    rules = wf.labour_rules
    roster = plan.roster[plan.roster["type"] == "part_time"]
    people = {p.id: p for p in wf.part_time}
    meal = MealBreaks.of(plan.roster[(plan.roster["end"] > now) & (plan.roster["start"] < horizon.end)])
    for pid, rows in _rows_by_person(roster).items():
        person = people.get(pid)
        if person is None:
            continue
        earliest = _ceil_to_grid(now + pd.Timedelta(hours=person.notice_hours), horizon.step)
        day_cap = min(person.max_hours_day, rules.part_time_max_h_day)
        week_cap = min(person.max_hours_week, rules.part_time_max_h_week)
        week_ids: dict[pd.Timestamp, dict[int, float]] = defaultdict(dict)
        for row in rows[(rows["date"] >= now.normalize()) & (rows["date"] < horizon.end)].itertuples(index=False):
            group = ("day", pid, row.date)
            monday = row.date - pd.Timedelta(days=row.date.weekday())
            if row.shift_code == PART_TIME_CODE and row.start >= earliest \
                    and not meal.during(row.queue, row.start, row.end):
                out.items.append(_option(
                    plan, kind="stand_down", who=pid, name=person.name, queue=row.queue, start=row.start,
                    end=row.end, unit_cost=-row.paid_hours * person.hourly_rate, max_units=1, group=group,
                    moves={row.queue: -horizon.presence(row.start, row.end)},
                    edit={"row": (pid, row.date)}, detail=f"part-time block {row.start:%H:%M}-{row.end:%H:%M} cancelled"))
                continue
            if row.shift_code != REST_CODE or row.date.date() in person.unavailable:
                continue
            week_left = week_cap - _week_hours(rows, row.date)
            weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[row.date.weekday()]
            lengths = sorted({h for h in (person.min_block_hours, day_cap) if person.min_block_hours <= h <= day_cap
                              and h <= week_left + 1e-9 and (h * 60) % (horizon.step / pd.Timedelta(minutes=1)) == 0})
            for window in (w for w in person.availability if weekday in w.days):
                open_at = row.date + pd.Timedelta(minutes=minutes_of(window.start))
                close_at = row.date + pd.Timedelta(minutes=(minutes_of(window.end) - minutes_of(window.start)) % 1440
                                                   + minutes_of(window.start) or 1440)
                begin = max(open_at, earliest)
                for hours in lengths:
                    start = begin
                    # a block starts on its row's date (the roster's rule for part-time rows)
                    while (start + pd.Timedelta(hours=hours) <= min(close_at, horizon.end)
                           and start < row.date + pd.Timedelta(days=1)):
                        end = start + pd.Timedelta(hours=hours)
                        for queue in person.skills:
                            week_ids[monday][len(out.items)] = hours
                            out.items.append(_option(
                                plan, kind="call_in", who=pid, name=person.name, queue=queue, start=start, end=end,
                                unit_cost=hours * person.hourly_rate, max_units=1, group=group,
                                moves={queue: horizon.presence(start, end)},
                                edit={"row": (pid, row.date), "start": start, "end": end, "queue": queue},
                                detail=f"part-time {start:%H:%M}-{end:%H:%M} on {queue}"))
                        start += horizon.step
            if week_ids[monday]:
                out.limits.append((week_ids[monday], week_left))


def seat_blocks(profile: np.ndarray) -> list[tuple[int, int, int]]:
    """A seat profile as blocks (start, end, seats), each rise matched first in, first out."""
    open_blocks: list[list[int]] = []
    blocks = []
    level = 0
    for t, seats in enumerate(list(profile) + [0]):
        seats = int(round(seats))
        if seats > level:
            open_blocks.append([t, seats - level])
        drop = level - seats
        while drop > 0:
            first = open_blocks[0]
            taken = min(first[1], drop)
            blocks.append((first[0], t, taken))
            first[1] -= taken
            drop -= taken
            if first[1] == 0:
                open_blocks.pop(0)
        level = seats
    return blocks


def vendor_options(plan: PlanFiles, now: pd.Timestamp, horizon: Horizon, out: Options) -> None:
    wf = plan.workforce
    intervals = plan.intervals
    step_h = horizon.step / pd.Timedelta(hours=1)
    event = event_day_mask(intervals, plan.events)
    seats = plan.vendor_seats
    meal = MealBreaks.of(plan.roster[(plan.roster["end"] > now) & (plan.roster["start"] < horizon.end)])
    for vendor in wf.vendors:
        price = seat_hour_price(vendor, event) * step_h
        earliest = _ceil_to_grid(now + pd.Timedelta(hours=vendor.notice_hours), horizon.step)
        length = int(round(vendor.block_hours / step_h))
        mine = seats[seats["vendor"] == vendor.id]
        used = mine.groupby("interval_start")["seats"].sum().reindex(intervals, fill_value=0.0).to_numpy()
        open_min = minutes_of(vendor.hours[0])
        open_len = (minutes_of(vendor.hours[1]) - open_min) % 1440 or 1440
        minute_of_day = (intervals.hour * 60 + intervals.minute).to_numpy()
        inside = ((minute_of_day - open_min) % 1440 + step_h * 60) <= open_len + 1e-9
        cap_ids: dict[int, dict[int, float]] = defaultdict(dict)
        for queue in vendor.skills:
            for first in range(horizon.first, horizon.first + len(horizon.starts) - length + 1):
                if intervals[first] < earliest or not inside[first:first + length].all():
                    continue
                index = len(out.items)
                for t in range(first, first + length):
                    cap_ids[t][index] = 1.0
                start, end = intervals[first], intervals[first] + horizon.step * length
                out.items.append(_option(
                    plan, kind="buy_seats", who=vendor.id, name=vendor.name, queue=queue, start=start, end=end,
                    unit_cost=float(price[first:first + length].sum()), max_units=vendor.max_seats,
                    moves={queue: horizon.presence(start, end)}, aht_factor=vendor.aht_factor,
                    edit={"vendor": vendor.id, "queue": queue, "first": first, "length": length, "sign": 1},
                    detail=f"{vendor.block_hours} h seat block {start:%m-%d %H:%M}-{end:%H:%M} on {queue}"))
        for t, ids in cap_ids.items():
            out.limits.append((ids, max(0.0, vendor.max_seats - used[t])))
        cancel_ids = {}
        for queue in sorted(set(mine["queue"])):
            profile = mine[mine["queue"] == queue].groupby("interval_start")["seats"].sum()
            profile = profile.reindex(intervals, fill_value=0.0).to_numpy()
            for first, last, count in seat_blocks(profile):
                start, end = intervals[first], intervals[first] + horizon.step * (last - first)
                if (intervals[first] < earliest or last > horizon.first + len(horizon.starts)
                        or meal.during(queue, start, end)):
                    continue
                cancel_ids[len(out.items)] = (last - first) * step_h
                out.items.append(_option(
                    plan, kind="cancel_seats", who=vendor.id, name=vendor.name, queue=queue, start=start, end=end,
                    unit_cost=-float(price[first:last].sum()), max_units=count,
                    moves={queue: -horizon.presence(start, end)}, aht_factor=vendor.aht_factor,
                    edit={"vendor": vendor.id, "queue": queue, "first": first, "length": last - first, "sign": -1},
                    detail=f"seat block {start:%m-%d %H:%M}-{end:%H:%M} on {queue} cancelled"))
        if cancel_ids:
            bought = float(used.sum() * step_h)
            out.limits.append((cancel_ids, max(0.0, bought - vendor.min_monthly_seat_hours)))


def change_key(option: Option) -> str:
    """What a change touches: a person-day, a vendor's queue or a bot hour (summary.json ``intraday.changed``)."""
    if option.kind in ("buy_seats", "cancel_seats"):
        return f"{option.who} {option.queue}"
    if option.kind == "raise_bot":
        return f"bot {option.queue} {option.start:%Y-%m-%d %H:%M}"
    return f"{option.who} {option.edit['row'][1]:%Y-%m-%d}"


def list_options(plan: PlanFiles, now: pd.Timestamp, horizon: Horizon, requirements: pd.DataFrame | None = None,
                 forecast: pd.DataFrame | None = None, bot_first: set | None = None) -> Options:
    """Every option, less those that would touch again what an earlier re-plan of the day changed:
    a change once announced stands (no calling in and standing down the same part-timer hour after
    hour, no extending and then shortening the same shift). Bot hours (:mod:`.bot`) are offered when
    the re-forecast ``requirements`` and ``forecast`` are given."""
    out = Options(items=[])
    in_house_options(plan, now, horizon, out)
    part_time_options(plan, now, horizon, out)
    vendor_options(plan, now, horizon, out)
    add_break_limits(out)
    if requirements is not None and forecast is not None:
        from plan.optimize.intraday.bot import bot_options
        bot_options(plan, now, horizon, requirements, forecast, bot_first or set(), out)
    changed = set((plan.summary.get("intraday") or {}).get("changed", []))
    if not changed:
        return out
    keep = [i for i, option in enumerate(out.items)
            if change_key(option) not in changed or option.kind == "buy_seats"]
    renumber = {old: new for new, old in enumerate(keep)}
    limits = [({renumber[i]: c for i, c in coefs.items() if i in renumber}, bound) for coefs, bound in out.limits]
    return Options(items=[out.items[i] for i in keep], limits=[(c, b) for c, b in limits if c])
