"""Discrete-event simulation of one queue: arrivals, patience, concurrency and agents per interval.

Checks the analytic service functions where their assumptions hold, and shows what happens where
they do not (non-exponential handle times, agents changing between intervals, no rebalancing of
chat sessions). Seeded and reproducible.

What is simulated:

* arrivals: a Poisson process whose rate is constant within each interval (the interval's
  ``arrivals`` spread uniformly at random over it);
* agents: the interval's count; a fractional count ``c`` means ``floor(c)`` agents for the whole
  interval plus one more for the first ``c - floor(c)`` of it. Agents leaving at a boundary take no
  new contacts but finish what they hold (idle and least-loaded agents leave first);
* service: each contact brings work (seconds of handle time when handled alone), exponential by
  default or lognormal with a given coefficient of variation; an agent holding ``j`` sessions works
  each of them at speed ``1 / (1 + slowdown * (j - 1))`` (processor sharing with the linear slowdown
  of :mod:`plan.optimize.queueing.chat`; for exponential work this is exactly the chain the formulas solve);
* routing: FCFS; a new contact goes to the least-loaded agent with a free slot; a freed slot takes
  the head of the queue. Sessions are never moved between agents;
* patience: exponential with mean ``patience_s`` (none when ``None``); a contact abandons when its
  patience runs out before a slot frees.

Outputs are per interval of arrival (contacts are attributed to the interval they arrive in).

**The horizon's end.** The last interval's agents stay on after the horizon and work off what is
still queued (with none on, the queue waits and contacts abandon when their patience runs out):
the staff the analytic engine's stationary reading of the last interval assumes (Erlang A and the
chat chain read each interval as if its agents stayed), so answers and abandonments after the end
count as for any contact. The answer-within test alone is not left to that guess: a contact still
waiting at the end (neither answered nor abandoned by then) whose deadline, arrival plus
``answer_within_s``, lies after the end is *censored*. Whether it is answered in time is up to the
next horizon's staff, which this one does not hold, so it is neither within nor late: it is counted
in ``censored`` and left out of the service level's denominator. A contact still waiting at the end
whose deadline has passed is late.

This asks what the email backlog (:func:`plan.optimize.queueing.email.email_backlog`) asks: there a
contact whose deadline lies beyond the horizon is never late, so the emails of a month's last hours
after its last email shift (a 24 h deadline in the next month) are late under neither engine;
counting them late made the simulator miss "no email late" on every path of ``plan risk``. (The
backlog keeps them in its service level's denominator as on time; for the late count the two
readings are the same, for a service level they differ by at most the censored share.) Only contacts
arriving within ``answer_within_s`` of the end can be censored: a chat's or call's last seconds, an
email's last day; every earlier hour is unchanged.
"""
from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

COMPLETE, ABANDON, SET_AGENTS, TICK = 0, 1, 2, 3


@dataclass(frozen=True)
class QueueSpec:
    """What the simulator needs to know about a queue (units in the names)."""

    aht_s: float
    patience_s: float | None = None
    concurrency: int = 1
    slowdown: float = 0.0
    handle_cv: float | None = None  # None: exponential handle time; else lognormal with this CV

    @classmethod
    def of(cls, queue, handle_cv: float | None = None) -> "QueueSpec":
        """From a ``plan.contracts.workforce.Queue``."""
        chat = queue.channel == "chat"
        return cls(aht_s=queue.aht_s, patience_s=queue.patience_s, concurrency=queue.concurrency if chat else 1,
                   slowdown=queue.concurrency_slowdown if chat else 0.0, handle_cv=handle_cv)


@dataclass
class SimulationResult:
    # interval, arrivals, answered, answered_within, censored, abandoned, asa_s, service_level, abandon_rate,
    # occupancy (per interval of arrival)
    per_interval: pd.DataFrame
    contacts: int

    def totals(self, skip_intervals: int = 0) -> dict[str, float]:
        """Service over all contacts arriving after the first ``skip_intervals`` (warm-up); the service
        level over those whose answer-within test the horizon decides (not ``censored``)."""
        part = self.per_interval.iloc[skip_intervals:]
        arrivals = part["arrivals"].sum()
        answered = part["answered"].sum()
        decided = arrivals - part["censored"].sum()
        return {"arrivals": float(arrivals), "censored": float(arrivals - decided),
                "service_level": float(part["answered_within"].sum() / decided) if decided else 1.0,
                "abandon_rate": float(part["abandoned"].sum() / arrivals) if arrivals else 0.0,
                "asa_s": float(part["wait_answered_s"].sum() / answered) if answered else 0.0,
                "p_wait": float(part["waited"].sum() / arrivals) if arrivals else 0.0,
                "occupancy": float(part["busy_agent_s"].sum() / max(part["agent_s"].sum(), 1e-12))}


def _draw_work(rng: np.random.Generator, aht_s: np.ndarray, spec: QueueSpec) -> np.ndarray:
    """Handle time (alone) per contact with mean ``aht_s``: exponential, or lognormal of CV ``handle_cv``."""
    if spec.handle_cv is None:
        return rng.exponential(1.0, len(aht_s)) * aht_s
    sigma2 = math.log1p(spec.handle_cv ** 2)
    return rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), len(aht_s)) * aht_s


class _Agent:
    __slots__ = ("sessions", "last", "version", "active")

    def __init__(self) -> None:
        self.sessions: list[list[float]] = []  # [contact id, remaining work in alone-seconds]
        self.last = 0.0
        self.version = 0
        self.active = True


def simulate_queue(arrivals_per_interval, agents_per_interval, spec: QueueSpec, *, answer_within_s=20.0,
                   interval_s: float = 3600.0, aht_s=None, seed: int = 0) -> SimulationResult:
    """Simulate one queue over consecutive intervals (see module doc).

    ``arrivals_per_interval`` are expected contacts per interval; ``agents_per_interval`` (may be
    fractional), ``answer_within_s`` and ``aht_s`` (default ``spec.aht_s``) are scalars or per interval.
    """
    arrivals_per_interval = np.asarray(arrivals_per_interval, float)
    agents_per_interval = np.broadcast_to(np.asarray(agents_per_interval, float), arrivals_per_interval.shape)
    n_intervals = len(arrivals_per_interval)
    aht_per_interval = np.broadcast_to(np.asarray(spec.aht_s if aht_s is None else aht_s, float), (n_intervals,))
    contacts = _draw_contacts(np.random.default_rng(seed), arrivals_per_interval, aht_per_interval, spec, interval_s)
    floor = _Floor(contacts, spec, n_intervals, interval_s)
    floor.schedule_agents(agents_per_interval)
    floor.run()
    threshold = np.broadcast_to(np.asarray(answer_within_s, float), (n_intervals,))
    return _summarise(contacts, floor, threshold, n_intervals)


@dataclass(frozen=True)
class _Contacts:
    """Every contact of the run, in order of arrival: its interval, arrival time, work and patience."""
    counts: np.ndarray  # contacts per interval
    interval_of: np.ndarray
    arrive_s: np.ndarray
    work_s: np.ndarray
    patience_s: np.ndarray

    @property
    def n(self) -> int:
        return len(self.arrive_s)


def _draw_contacts(rng: np.random.Generator, arrivals: np.ndarray, aht_s: np.ndarray, spec: QueueSpec,
                   interval_s: float) -> _Contacts:
    counts = rng.poisson(arrivals)
    n = int(counts.sum())
    interval_of = np.repeat(np.arange(len(arrivals)), counts)
    arrive = (interval_of + rng.random(n)) * interval_s
    order = np.argsort(arrive, kind="stable")
    arrive, interval_of = arrive[order], interval_of[order]
    work = _draw_work(rng, aht_s[interval_of], spec)
    patience = rng.exponential(spec.patience_s, n) if spec.patience_s else np.full(n, np.inf)
    return _Contacts(counts, interval_of, arrive, work, patience)


class _Floor:
    """The agents on the floor, their sessions, the FIFO queue and the event heap of one run.

    Agents with a free slot are kept in buckets by load, so routing to the least-loaded agent is
    O(concurrency); a completion event carries its agent's version and is stale once the agent's
    sessions change.
    """

    def __init__(self, contacts: _Contacts, spec: QueueSpec, n_intervals: int, interval_s: float) -> None:
        self.contacts, self.n_intervals, self.interval_s = contacts, n_intervals, interval_s
        self.k = spec.concurrency
        self.speed = [0.0] + [1.0 / (1.0 + spec.slowdown * (j - 1)) for j in range(1, self.k + 1)]
        self.start_wait = np.full(contacts.n, np.nan)  # wait until a slot (answer), seconds
        self.abandoned = np.zeros(contacts.n, dtype=bool)
        self.waiting = np.zeros(contacts.n, dtype=bool)
        self.agents: list[_Agent] = []
        self.buckets: list[set[int]] = [set() for _ in range(self.k)]  # active agents by load, with a free slot
        self.active_count = 0
        self.busy_agents = 0
        self.queue: deque[int] = deque()
        self.heap: list[tuple] = []
        self.seq = 0
        self.clock = 0.0
        self.busy_area = np.zeros(n_intervals)
        self.agent_area = np.zeros(n_intervals)

    def schedule_agents(self, agents_per_interval: np.ndarray) -> None:
        """A SET_AGENTS event at each boundary, and one inside an interval for a fractional agent."""
        for i, count in enumerate(agents_per_interval):
            whole = int(math.floor(count + 1e-9))
            frac = count - whole
            t0 = i * self.interval_s
            if frac > 1e-9:
                self.heap.append((t0, -2, SET_AGENTS, whole + 1, 0))
                self.heap.append((t0 + frac * self.interval_s, -1, SET_AGENTS, whole, 0))
            else:
                self.heap.append((t0, -2, SET_AGENTS, whole, 0))
        self.heap.append((self.n_intervals * self.interval_s, -1, TICK, 0, 0))
        heapq.heapify(self.heap)

    def run(self) -> None:
        arrive, n = self.contacts.arrive_s, self.contacts.n
        next_arrival = 0
        while True:
            t_event = self.heap[0][0] if self.heap else math.inf
            t_arrival = arrive[next_arrival] if next_arrival < n else math.inf
            if t_arrival == math.inf and t_event == math.inf:
                break
            if t_arrival < t_event:
                self.advance(t_arrival)
                self.arrival(next_arrival, t_arrival)
                next_arrival += 1
                continue
            now, _, kind, x, version = heapq.heappop(self.heap)
            self.advance(now)
            if kind == TICK:
                if next_arrival >= n and not self.queue and all(not ag.sessions for ag in self.agents):
                    break
            elif kind == SET_AGENTS:
                self.set_agents(x, now)
            elif kind == ABANDON:
                if self.waiting[x]:
                    self.waiting[x] = False
                    self.abandoned[x] = True
            else:
                self.completion(x, version, now)

    def advance(self, to: float) -> None:
        """Move the clock, adding busy and present agent-seconds to the interval it is in."""
        if to <= self.clock:
            return
        i = int(self.clock // self.interval_s)
        if i < self.n_intervals:  # after the horizon only the remaining work is finished, not measured
            self.busy_area[i] += self.busy_agents * (to - self.clock)
            self.agent_area[i] += self.active_count * (to - self.clock)
        self.clock = to

    def arrival(self, contact: int, now: float) -> None:
        """A new contact goes to a free slot if nobody is queued, else to the back of the queue."""
        queue = self.queue
        while queue and not self.waiting[queue[0]]:
            queue.popleft()  # abandoned contacts leave the queue lazily
        a = self.free_agent() if not queue else None
        if a is not None:
            self.assign(contact, a, now)
            return
        queue.append(contact)
        self.waiting[contact] = True
        patience = self.contacts.patience_s[contact]
        if patience < math.inf:
            self.seq += 1
            heapq.heappush(self.heap, (now + patience, self.seq, ABANDON, contact, 0))

    def completion(self, a: int, version: int, now: float) -> None:
        """A session ends: the agent's freed slot takes the head of the queue."""
        agent = self.agents[a]
        if version != agent.version:
            return
        self.progress(a, now)
        old = len(agent.sessions)
        finished = min(range(old), key=lambda i: agent.sessions[i][1])
        agent.sessions.pop(finished)
        if old == 1:
            self.busy_agents -= 1
        self.set_bucket(a, old)
        if agent.active and self.queue:
            contact = self.next_waiting()
            if contact is not None:
                self.assign(contact, a, now)
                return
        self.reschedule(a, now)

    def reschedule(self, a: int, now: float) -> None:
        agent = self.agents[a]
        agent.version += 1
        if agent.sessions:
            rate = self.speed[len(agent.sessions)]
            soonest = min(s[1] for s in agent.sessions)
            self.seq += 1
            heapq.heappush(self.heap, (now + soonest / rate, self.seq, COMPLETE, a, agent.version))

    def progress(self, a: int, now: float) -> None:
        """Work done on each of the agent's sessions since its last change, at its current speed."""
        agent = self.agents[a]
        held = len(agent.sessions)
        if held:
            done = (now - agent.last) * self.speed[held]
            for session in agent.sessions:
                session[1] -= done
        agent.last = now

    def set_bucket(self, a: int, old: int | None) -> None:
        agent = self.agents[a]
        if old is not None and old < self.k:
            self.buckets[old].discard(a)
        load = len(agent.sessions)
        if agent.active and load < self.k:
            self.buckets[load].add(a)

    def assign(self, contact: int, a: int, now: float) -> None:
        self.progress(a, now)
        agent = self.agents[a]
        old = len(agent.sessions)
        if old == 0:
            self.busy_agents += 1
        agent.sessions.append([contact, self.contacts.work_s[contact]])
        self.start_wait[contact] = now - self.contacts.arrive_s[contact]
        self.set_bucket(a, old)
        self.reschedule(a, now)

    def free_agent(self) -> int | None:
        for load in range(self.k):
            if self.buckets[load]:
                return next(iter(self.buckets[load]))
        return None

    def next_waiting(self) -> int | None:
        while self.queue:
            contact = self.queue.popleft()
            if self.waiting[contact]:
                self.waiting[contact] = False
                return contact
        return None

    def fill_from_queue(self, now: float) -> None:
        while self.queue:
            a = self.free_agent()
            if a is None:
                return
            contact = self.next_waiting()
            if contact is None:
                return
            self.assign(contact, a, now)

    def set_agents(self, target: int, now: float) -> None:
        """Bring agents on until ``target``, or take the idle and least loaded off (they finish what they hold)."""
        while self.active_count < target:
            self.agents.append(_Agent())
            a = len(self.agents) - 1
            self.agents[a].last = now
            self.active_count += 1
            self.set_bucket(a, None)
        if self.active_count > target:
            candidates = sorted((len(ag.sessions), a) for a, ag in enumerate(self.agents) if ag.active)
            for _, a in candidates[: self.active_count - target]:
                agent = self.agents[a]
                old = len(agent.sessions)
                if old < self.k:
                    self.buckets[old].discard(a)
                agent.active = False
                self.active_count -= 1
        self.fill_from_queue(now)


def _censored(contacts: _Contacts, floor: _Floor, threshold_s: np.ndarray) -> np.ndarray:
    """Contacts still waiting at the horizon's end whose answer-within deadline lies after it (module doc)."""
    arrive, end_s = contacts.arrive_s, floor.n_intervals * floor.interval_s
    answered_by_end = arrive + np.nan_to_num(floor.start_wait, nan=np.inf) <= end_s
    abandoned_by_end = floor.abandoned & (arrive + contacts.patience_s <= end_s)
    return ~answered_by_end & ~abandoned_by_end & (arrive + threshold_s > end_s)


def _summarise(contacts: _Contacts, floor: _Floor, threshold: np.ndarray, n_intervals: int) -> SimulationResult:
    """Per interval of arrival. Contacts still waiting at the end count as abandoned only if their
    patience ran out, and as censored (neither within nor late) if their deadline lies after it."""
    start_wait, abandoned = floor.start_wait, floor.abandoned
    threshold_s = threshold[contacts.interval_of]
    censored = _censored(contacts, floor, threshold_s)
    answered = ~np.isnan(start_wait)
    within = answered & (start_wait <= threshold_s) & ~censored
    waited = answered & (start_wait > 1e-9) | abandoned
    frame = pd.DataFrame({"interval": np.arange(n_intervals), "arrivals": contacts.counts})
    sums = pd.DataFrame({"interval": contacts.interval_of, "answered": answered, "answered_within": within,
                         "censored": censored, "abandoned": abandoned, "waited": waited,
                         "wait_answered_s": np.where(answered, start_wait, 0.0)}).groupby("interval").sum()
    frame = frame.join(sums, on="interval").fillna(0.0)
    busy_area, agent_area = floor.busy_area, floor.agent_area
    frame["busy_agent_s"] = busy_area
    frame["agent_s"] = agent_area
    decided = frame["arrivals"] - frame["censored"]
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["service_level"] = np.where(decided > 0, frame["answered_within"] / decided, 1.0)
        frame["abandon_rate"] = np.where(frame["arrivals"] > 0, frame["abandoned"] / frame["arrivals"], 0.0)
        frame["asa_s"] = np.where(frame["answered"] > 0, frame["wait_answered_s"] / frame["answered"], 0.0)
        frame["occupancy"] = np.where(agent_area > 0, np.clip(busy_area / np.maximum(agent_area, 1e-12), 0, 1), 0.0)
    return SimulationResult(per_interval=frame, contacts=contacts.n)


# ---- whole requirements tables and plans -------------------------------------------------------
MODEL_COLUMNS = ("service_level", "asa_s", "abandon_rate")


def simulate_table(table: pd.DataFrame, workforce, *, seed: int = 0, handle_cv: float | None = None,
                   events: pd.DataFrame | None = None, progress=None) -> pd.DataFrame:
    """Simulate every queue of a requirements or coverage table with its agents on the floor.

    ``table`` needs ``queue, interval_start, arrivals_human, agents_on_floor``; ``aht_s`` (per
    interval, e.g. blended with bot escalations) and ``event_day`` are used when present. Intervals
    missing inside a queue's span are simulated as empty and unstaffed. Email is simulated as a
    patient FCFS queue whose "answer within" is its resolve deadline. Returns one row per queue and
    interval with the simulated service next to the model's (``*_model``) when the table has it.
    """
    from plan.contracts.calendar import event_day_mask
    from plan.optimize.staffing.requirements import answer_threshold_s  # one-way: simulation reads targets

    minutes = workforce.site.interval_minutes
    frame = table.copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    if "event_day" not in frame.columns:
        frame["event_day"] = event_day_mask(frame["interval_start"], events)
    frame["event_day"] = frame["event_day"].astype(str).str.lower().isin(["true", "1"])
    out = []
    queues = list(dict.fromkeys(frame["queue"]))
    for number, name in enumerate(queues):
        if progress is not None:
            progress(f"simulating {name} ({number + 1}/{len(queues)})")
        queue = workforce.queues[name]
        part = frame[frame["queue"] == name].set_index("interval_start").sort_index()
        span = pd.date_range(part.index.min(), part.index.max(), freq=f"{minutes}min")
        part = part.reindex(span)
        arrivals = part["arrivals_human"].fillna(0.0).to_numpy(float)
        agents = part["agents_on_floor"].fillna(0.0).to_numpy(float)
        aht = part["aht_s"].fillna(queue.aht_s).to_numpy(float) if "aht_s" in part else queue.aht_s
        event = part["event_day"].fillna(False).to_numpy(bool)
        normal_t, event_t = queue.targets, queue.event_targets or queue.targets
        if queue.channel == "email":
            threshold = np.where(event, (event_t.resolve_within_h or normal_t.resolve_within_h),
                                 normal_t.resolve_within_h) * 3600.0
            spec = QueueSpec(aht_s=queue.aht_s, patience_s=None, handle_cv=handle_cv)
        else:
            threshold = np.where(event, answer_threshold_s(event_t, queue), answer_threshold_s(normal_t, queue))
            spec = QueueSpec.of(queue, handle_cv)
        result = simulate_queue(arrivals, agents, spec, answer_within_s=threshold, interval_s=minutes * 60.0,
                                aht_s=aht, seed=seed + number)
        sim = result.per_interval
        rows = pd.DataFrame({"queue": name, "interval_start": span.strftime("%Y-%m-%d %H:%M"),
                             "agents_on_floor": agents, "arrivals_expected": arrivals,
                             "arrivals_simulated": sim["arrivals"].to_numpy(), "answered": sim["answered"].to_numpy(),
                             "abandoned": sim["abandoned"].to_numpy(),
                             "service_level": sim["service_level"].to_numpy(), "asa_s": sim["asa_s"].to_numpy(),
                             "abandon_rate": sim["abandon_rate"].to_numpy(), "occupancy": sim["occupancy"].to_numpy(),
                             "answered_within": sim["answered_within"].to_numpy(),
                             "censored": sim["censored"].to_numpy(),
                             "wait_answered_s": sim["wait_answered_s"].to_numpy()})
        for column in MODEL_COLUMNS:
            if column in part:
                rows[f"{column}_model"] = part[column].to_numpy(float)
        out.append(rows)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def summarise(simulated: pd.DataFrame) -> pd.DataFrame:
    """Per queue: contacts, simulated service level (of those not censored) / ASA / abandonment, censored
    contacts and the model's figures (arrival-weighted)."""
    rows = []
    for name, part in simulated.groupby("queue", sort=False):
        arrivals = part["arrivals_simulated"].sum()
        answered = part["answered"].sum()
        censored = part["censored"].sum()
        weight = part["arrivals_expected"]
        row = {"queue": name, "contacts": int(arrivals), "censored": int(censored),
               "service_level": part["answered_within"].sum() / (arrivals - censored) if arrivals > censored else 1.0,
               "asa_s": part["wait_answered_s"].sum() / answered if answered else 0.0,
               "abandon_rate": part["abandoned"].sum() / arrivals if arrivals else 0.0}
        for column in MODEL_COLUMNS:
            if f"{column}_model" in part and weight.sum() > 0:
                values = part[f"{column}_model"].clip(upper=1e9)
                row[f"{column}_model"] = float((values * weight).sum() / weight.sum())
        rows.append(row)
    return pd.DataFrame(rows)
