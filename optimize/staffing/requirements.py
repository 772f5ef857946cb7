"""From a forecast to what each queue needs each interval: the inverse of the service functions.

Built in named steps, one small function per rule:

1. :func:`arrivals_to_staff_for` — the forecast mean, or a quantile of the forecast distribution
   for a chosen confidence (risk option);
2. :func:`event_day_mask` — which intervals use ``queue.event_targets``;
3. :func:`bot_split` — contacts the bot contains (within its shared hourly cap), contacts left to
   humans and their blended handle time;
4. :func:`required_agents` — fewest agents on the floor meeting every target of the interval,
   integer (vectorised bisection over the exact service functions) and fractional;
5. :func:`requirements_table` — shrinkage applied, service of the chosen staffing, one row per
   queue and interval with the columns of docs/plan-files.md;
6. :func:`risk_table` — what staffing for the mean, p50, p80, p90 … costs in agent-hours.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from plan.contracts.errors import InputError
from plan.contracts.workforce import Queue, Targets, Workforce
from plan.optimize.queueing.email import email_backlog, email_required_agents
from plan.contracts.calendar import event_day_mask
from plan.contracts.forecast_table import read_forecast
from plan.optimize.queueing.erlang import ServiceMetrics
from plan.optimize.queueing.service import DEFAULT_ANSWER_WITHIN_S, queue_metrics

REQUIREMENT_COLUMNS = ["queue", "interval_start", "event_day", "arrivals", "bot_handled", "arrivals_human", "aht_s",
                       "workload_erlangs", "agents_required", "agents_required_frac", "asa_s", "service_level",
                       "abandon_rate", "occupancy"]
# z-score of the 90% quantile: p10/p90 are ±Z90 standard deviations of each half-normal.
Z90 = float(stats.norm.ppf(0.9))
RISK_CONFIDENCES = (0.5, 0.8, 0.9, 0.95)
# Metric tolerance when checking a target (the float noise of an exact formula, not slack).
TOLERANCE = 1e-9




# ---- 1. which arrivals to staff for ----------------------------------------------------------
def arrivals_to_staff_for(forecast: pd.DataFrame, confidence: float | None = None) -> np.ndarray:
    """Mean arrivals, or the ``confidence`` quantile of each interval's forecast distribution.

    The distribution is read as a two-piece normal through p10, p50 and p90 (exact at those three
    levels, skew kept: the upper half uses ``(p90 - p50) / z90``, the lower ``(p50 - p10) / z90``),
    floored at 0. Staffing an interval for its ``q`` quantile meets the targets with probability
    ``q``, because every service measure is monotone in arrivals.
    """
    if confidence is None:
        return forecast["arrivals"].to_numpy(float)
    if not 0 < confidence < 1:
        raise InputError(None, f"confidence must be between 0 and 1 (exclusive), got {confidence:g}",
                         field="confidence")
    missing = [c for c in ("p10", "p50", "p90") if c not in forecast.columns]
    if missing:
        raise InputError(None, f"--confidence needs forecast quantile columns; missing {', '.join(missing)}",
                         field=missing[0])
    z = float(stats.norm.ppf(confidence))
    p10, p50, p90 = (forecast[c].to_numpy(float) for c in ("p10", "p50", "p90"))
    spread = np.where(z >= 0, (p90 - p50) / Z90, (p50 - p10) / Z90)
    return np.maximum(p50 + z * np.maximum(spread, 0.0), 0.0)


# ---- 2. event days ---------------------------------------------------------------------------
# ---- 3. bot ----------------------------------------------------------------------------------
BotFirst = Collection[tuple[str, pd.Timestamp]] | None


@dataclass(frozen=True)
class BotSplit:
    bot_handled: np.ndarray     # contacts the bot resolved
    arrivals_human: np.ndarray  # contacts reaching agents
    aht_s: np.ndarray           # blended handle time of the human contacts


def agent_seconds_per_contact(queue: Queue, aht_s: np.ndarray | float) -> np.ndarray:
    """Agent time one contact takes: its handle time over the contacts an agent works at once
    (chat concurrency slows each conversation by ``concurrency_slowdown`` per extra one)."""
    at_once = queue.concurrency / (1.0 + queue.concurrency_slowdown * (queue.concurrency - 1))
    return np.asarray(aht_s, dtype=float) / at_once


def bot_cap_split(contained: np.ndarray, agent_s_spared: np.ndarray, interval: np.ndarray, cap: float) -> np.ndarray:
    """Sessions the bot takes, per row, when its capacity per interval is ``cap`` sessions.

    ``contained``: sessions the bot would resolve without a cap; ``agent_s_spared``: agent time one
    of them spares (the contact would reach an agent with its plain handle time); ``interval``: the
    rows' interval keys. Where an interval's demand exceeds the cap, the cap goes first to the rows
    whose sessions spare the most agent time: one capacity shared by divisible demands, so the
    greedy order by value per session is optimal (the fractional knapsack; Dantzig, 1957).
    """
    codes, _ = pd.factorize(pd.Series(interval))
    order = np.lexsort((-np.asarray(agent_s_spared, dtype=float), codes))
    sessions = np.asarray(contained, dtype=float)[order]
    before = pd.Series(sessions).groupby(codes[order]).cumsum().to_numpy() - sessions
    taken = np.empty_like(sessions)
    taken[order] = np.clip(cap - before, 0.0, sessions)
    return taken


def bot_containment(frame: pd.DataFrame, workforce: Workforce, bot_first: BotFirst = None) -> np.ndarray:
    """Containment per row: the configured share, the peak share on the (queue, interval) rows of
    ``bot_first`` (the spans `plan intraday` switched to bot-first mode)."""
    bot = workforce.bot
    share = frame["queue"].map(bot.containment).fillna(0.0).to_numpy(float)
    if bot_first:
        keys = pd.MultiIndex.from_arrays([frame["queue"], pd.to_datetime(frame["interval_start"])])
        raised = keys.isin(list(bot_first))
        peak = frame["queue"].map(bot.peak_containment).fillna(0.0).to_numpy(float)
        share = np.where(raised, np.maximum(share, peak), share)
    return share


def bot_split(frame: pd.DataFrame, workforce: Workforce, interval_minutes: int, bot_first: BotFirst = None
              ) -> BotSplit:
    """Apply bot containment to chat queues, within the bot's one hourly capacity shared by all queues.

    Contained demand is ``arrivals * containment``. When the queues' contained demand in an interval
    exceeds ``max_sessions_per_hour`` (scaled to the interval), the capacity goes first to the queue
    whose contacts take agents the most time (:func:`bot_cap_split`) and the overflow goes to humans
    untouched. Human contacts are the escalated sessions (``arrivals * (1 - containment)``, handle
    time ``aht * escalated_aht_factor``) plus the overflow (plain ``aht``); ``aht_s`` is their
    contact-weighted mean. ``bot_first`` rows take the peak share (:func:`bot_containment`).
    """
    arrivals = frame["arrivals"].to_numpy(float)
    base_aht = frame["queue"].map({q: spec.aht_s for q, spec in workforce.queues.items()}).to_numpy(float)
    bot = workforce.bot
    if bot is None:
        return BotSplit(np.zeros_like(arrivals), arrivals, base_aht)
    containment = bot_containment(frame, workforce, bot_first)
    demand = arrivals * containment
    handled = demand
    if bot.max_sessions_per_hour is not None:
        cap = bot.max_sessions_per_hour * interval_minutes / 60.0
        spared = np.zeros_like(arrivals)
        for name, queue in workforce.queues.items():
            rows = (frame["queue"] == name).to_numpy()
            spared[rows] = agent_seconds_per_contact(queue, base_aht[rows])
        handled = bot_cap_split(demand, spared, frame["interval_start"].to_numpy(), cap)
    escalated = arrivals - demand
    overflow = demand - handled
    human = escalated + overflow
    factor = np.where(containment > 0, bot.escalated_aht_factor, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(human > 0, base_aht * (escalated * factor + overflow) / np.maximum(human, 1e-300),
                       base_aht * factor)
    return BotSplit(handled, human, aht)


# ---- 4. the inverse --------------------------------------------------------------------------
@dataclass(frozen=True)
class RequiredAgents:
    whole: np.ndarray       # fewest whole agents on the floor meeting every target
    fractional: np.ndarray  # continuous value (service interpolated between floor and ceil)


def answer_threshold_s(targets: Targets, queue: Queue) -> float:
    """The service-level threshold of ``targets``; else the queue's normal one (as queue_metrics)."""
    return targets.answer_within_s or queue.targets.answer_within_s or DEFAULT_ANSWER_WITHIN_S


def target_shortfalls(metrics: ServiceMetrics, targets: Targets) -> list[np.ndarray]:
    """One array per set target: ``<= 0`` where met (metric minus limit, oriented so)."""
    gaps = []
    if targets.service_level is not None:
        gaps.append(targets.service_level - metrics.service_level)
    if targets.asa_s is not None:
        gaps.append(metrics.asa_s - targets.asa_s)
    if targets.max_abandon is not None:
        gaps.append(metrics.abandon_rate - targets.max_abandon)
    if targets.max_occupancy is not None:
        gaps.append(metrics.occupancy - targets.max_occupancy)
    return gaps


def meets_targets(metrics: ServiceMetrics, targets: Targets) -> np.ndarray:
    ok = np.ones(np.shape(metrics.service_level), dtype=bool)
    for gap in target_shortfalls(metrics, targets):
        ok &= np.nan_to_num(gap, nan=np.inf) <= TOLERANCE
    # Nobody answered is never a met target, whatever a lone ASA target would say.
    return ok & (metrics.abandon_rate < 1.0 - 1e-12)


def _capacity_per_agent_per_h(queue: Queue, aht_s: np.ndarray) -> np.ndarray:
    """Contacts one fully busy agent completes per hour (concurrency and its slowdown included)."""
    return 3600.0 / agent_seconds_per_contact(queue, aht_s)


def required_agents(queue: Queue, arrivals_per_h, targets: Targets, *, aht_s=None) -> RequiredAgents:
    """Fewest agents on the floor meeting ``targets`` per interval (vectorised bisection).

    Every measure is monotone in agents, so the set of agents meeting all targets is ``[n, inf)``;
    bisection finds ``n`` exactly (``n - 1`` fails). The fractional value is where the linearly
    interpolated measures between ``n - 1`` and ``n`` reach the binding target. Zero arrivals need
    zero agents. Targets that no finite staffing meets raise an :class:`InputError`.
    """
    rate = np.atleast_1d(np.asarray(arrivals_per_h, float))
    aht = np.broadcast_to(np.asarray(queue.aht_s if aht_s is None else aht_s, float), rate.shape).copy()
    threshold = answer_threshold_s(targets, queue)
    with_asa = targets.asa_s is not None
    n_targets = len(target_shortfalls(ServiceMetrics(*([np.zeros(1)] * 5)), targets))
    # Target gaps at the last failing (lo) and meeting (hi) staffing, reused for the fraction.
    gap_lo = np.full((n_targets, rate.size), np.nan)
    gap_hi = np.full((n_targets, rate.size), np.nan)

    def evaluate(rows: np.ndarray, agents: np.ndarray) -> np.ndarray:
        metrics = queue_metrics(queue, rate[rows], agents.astype(float), answer_within_s=threshold,
                                aht_s=aht[rows], with_asa=with_asa)
        ok = meets_targets(metrics, targets)
        gaps = np.array(target_shortfalls(metrics, targets)).reshape(n_targets, len(rows))
        gap_lo[:, rows[~ok]] = gaps[:, ~ok]
        gap_hi[:, rows[ok]] = gaps[:, ok]
        return ok

    busy = rate > 0
    lo = np.zeros(rate.shape, dtype=np.int64)  # known to fail (or zero arrivals)
    load = rate / _capacity_per_agent_per_h(queue, aht)
    hi = np.ceil(load + 4.0 * np.sqrt(load) + 5.0).astype(np.int64)
    hi[~busy] = 0
    # Grow the upper end until it meets the targets everywhere.
    todo = np.flatnonzero(busy)
    for _ in range(40):
        if not len(todo):
            break
        ok = evaluate(todo, hi[todo])
        lo[todo[~ok]] = hi[todo[~ok]]
        hi[todo[~ok]] *= 2
        todo = todo[~ok]
    if len(todo):
        raise InputError(None, f"targets {targets.model_dump(exclude_none=True)} cannot be met by any staffing",
                         field="targets")
    # Bisection on (lo, hi]: lo fails, hi meets.
    active = np.flatnonzero(busy & (hi - lo > 1))
    while len(active):
        mid = (lo[active] + hi[active]) // 2
        ok = evaluate(active, mid)
        hi[active[ok]] = mid[ok]
        lo[active[~ok]] = mid[~ok]
        active = active[hi[active] - lo[active] > 1]
    fractional = hi.astype(float)
    rows = np.flatnonzero(busy)
    unknown_lo = rows[np.isnan(gap_lo[0, rows])] if n_targets else rows[:0]
    if len(unknown_lo):  # zero agents never evaluated (one agent sufficed at once)
        evaluate(unknown_lo, lo[unknown_lo])
    if len(rows) and n_targets:
        step = np.zeros(len(rows))
        for below, at in zip(gap_lo[:, rows], gap_hi[:, rows]):
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.where(below <= TOLERANCE, 0.0, np.where(np.isfinite(below), below / (below - at), 1.0))
            step = np.maximum(step, np.clip(np.nan_to_num(t, nan=1.0), 0.0, 1.0))
        fractional[rows] = hi[rows] - 1 + step
    return RequiredAgents(whole=hi, fractional=fractional)


# ---- 5. the requirements table ---------------------------------------------------------------
def _validated_forecast(forecast: pd.DataFrame, workforce: Workforce) -> pd.DataFrame:
    missing = [c for c in ("queue", "interval_start", "arrivals") if c not in forecast.columns]
    if missing:
        raise InputError(None, f"forecast lacks column(s) {', '.join(missing)}", field=missing[0])
    frame = forecast.reset_index(drop=True).copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    unknown = sorted(set(frame["queue"]) - set(workforce.queues))
    if unknown:
        row = int(np.flatnonzero(frame["queue"].isin(unknown).to_numpy())[0])
        raise InputError(None, f"queue {unknown[0]!r} is not in the workforce config "
                               f"(known: {', '.join(workforce.queues)})", row=row + 2, field="queue")
    for column in ("arrivals", "p10", "p50", "p90"):
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
            bad = ~np.isfinite(values) | (values < 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(None, f"{column} must be a finite number >= 0, got {frame[column].iloc[i]!r}",
                                 row=i + 2, field=column)
            frame[column] = values
    minutes = workforce.site.interval_minutes
    stamps = frame["interval_start"]
    off_grid = ((stamps.dt.hour * 60 + stamps.dt.minute) % minutes != 0) | (stamps.dt.second != 0)
    if off_grid.any():
        i = int(np.flatnonzero(off_grid.to_numpy())[0])
        raise InputError(None, f"{stamps.iloc[i]:%Y-%m-%d %H:%M} is not the start of a {minutes}-min interval "
                               f"(site.interval_minutes)", row=i + 2, field="interval_start")
    duplicated = frame.duplicated(["queue", "interval_start"]).to_numpy()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated)[0])
        raise InputError(None, "duplicate queue and interval_start", row=i + 2, field="interval_start")
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def _email_rows(queue: Queue, part: pd.DataFrame, event: np.ndarray, interval_minutes: int):
    """Email: agents from the deadline-spread rule (on the full interval grid, gaps as no mail)."""
    normal_h = queue.targets.resolve_within_h
    event_h = (queue.event_targets.resolve_within_h if queue.event_targets is not None else None) or normal_h
    stamps = pd.DatetimeIndex(part["interval_start"])
    grid = pd.date_range(stamps.min(), stamps.max(), freq=f"{interval_minutes}min")
    position = grid.get_indexer(stamps)
    arrivals = np.zeros(len(grid))
    arrivals[position] = part["arrivals_human"].to_numpy(float)
    aht = np.full(len(grid), queue.aht_s)
    aht[position] = part["aht_s"].to_numpy(float)
    deadline = np.full(len(grid), normal_h)
    deadline[position] = np.where(event, event_h, normal_h)
    return email_required_agents(arrivals, aht, deadline, interval_minutes)[position]


def _email_service(queue: Queue, part: pd.DataFrame, agents_on_floor: np.ndarray, event: np.ndarray,
                   interval_minutes: int) -> dict[str, np.ndarray]:
    """Service of email staffing: share done by its deadline, response time, work share of capacity."""
    arrivals, aht = part["arrivals_human"].to_numpy(float), part["aht_s"].to_numpy(float)
    normal = email_backlog(arrivals, aht, agents_on_floor, queue.targets.resolve_within_h, interval_minutes)
    late = normal.late_contacts.copy()
    event_hours = queue.event_targets.resolve_within_h if queue.event_targets is not None else None
    if event.any() and event_hours:
        late[event] = email_backlog(arrivals, aht, agents_on_floor, event_hours, interval_minutes).late_contacts[event]
    capacity = agents_on_floor * interval_minutes * 60.0 / aht
    with np.errstate(invalid="ignore", divide="ignore"):
        service_level = np.where(arrivals > 0, 1.0 - late / np.maximum(arrivals, 1e-300), 1.0)
        occupancy = np.where(capacity > 0, normal.done / np.maximum(capacity, 1e-300), 0.0)
    return {"asa_s": normal.response_s, "service_level": np.clip(service_level, 0, 1),
            "abandon_rate": np.zeros(len(arrivals)), "occupancy": np.clip(occupancy, 0, 1)}


def requirements_table(forecast_df: pd.DataFrame, workforce: Workforce, events_df: pd.DataFrame | None = None,
                       confidence: float | None = None, bot_first: BotFirst = None) -> pd.DataFrame:
    """Per queue and interval: contacts for humans, agents required (after shrinkage) and their service;
    ``bot_first``: (queue, interval) pairs where the bot contains its peak share (`plan intraday`)."""
    interval_minutes = workforce.site.interval_minutes
    per_hour = 60.0 / interval_minutes
    frame = _validated_forecast(forecast_df, workforce)
    frame["arrivals"] = arrivals_to_staff_for(frame, confidence)
    frame["event_day"] = event_day_mask(frame["interval_start"], events_df)
    split = bot_split(frame, workforce, interval_minutes, bot_first)
    frame["bot_handled"] = split.bot_handled
    frame["arrivals_human"] = split.arrivals_human
    frame["aht_s"] = split.aht_s
    frame["workload_erlangs"] = frame["arrivals_human"] * per_hour * frame["aht_s"] / 3600.0
    for column in ("agents_required", "agents_required_frac", "asa_s", "service_level", "abandon_rate", "occupancy"):
        frame[column] = 0.0
    for name, part in frame.groupby("queue", sort=False):
        queue = workforce.queues[name]
        rows = part.index.to_numpy()
        event = part["event_day"].to_numpy(bool)
        rate = part["arrivals_human"].to_numpy(float) * per_hour
        aht = part["aht_s"].to_numpy(float)
        if queue.channel == "email":
            floor_frac = _email_rows(queue, part, event, interval_minutes)
        else:
            floor_frac = np.zeros(len(part))
            for is_event in (False, True):
                pick = event == is_event
                if pick.any():
                    targets = (queue.event_targets or queue.targets) if is_event else queue.targets
                    floor_frac[pick] = required_agents(queue, rate[pick], targets, aht_s=aht[pick]).fractional
        scheduled_frac = floor_frac / (1.0 - queue.shrinkage)
        scheduled = np.ceil(scheduled_frac - 1e-9)
        on_floor = scheduled * (1.0 - queue.shrinkage)
        frame.loc[rows, "agents_required_frac"] = scheduled_frac
        frame.loc[rows, "agents_required"] = scheduled
        if queue.channel == "email":
            service = _email_service(queue, part, on_floor, event, interval_minutes)
        else:
            threshold = np.where(event, answer_threshold_s(queue.event_targets or queue.targets, queue),
                                 answer_threshold_s(queue.targets, queue))
            metrics = queue_metrics(queue, rate, on_floor, answer_within_s=threshold, aht_s=aht)
            service = {name_: getattr(metrics, name_) for name_ in ("asa_s", "service_level", "abandon_rate",
                                                                    "occupancy")}
        for column, values in service.items():
            frame.loc[rows, column] = values
    frame["agents_required"] = frame["agents_required"].astype(int)
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    return frame[REQUIREMENT_COLUMNS]


# ---- 6. what certainty costs -----------------------------------------------------------------
def _service_level_if(table: pd.DataFrame, actual: pd.DataFrame, workforce: Workforce) -> pd.Series:
    """Arrival-weighted service level per queue when ``table``'s staffing meets ``actual``'s arrivals
    (same rows); email: share resolved by the deadline."""
    interval_minutes = workforce.site.interval_minutes
    out = {}
    for name, part in table.groupby("queue", sort=False):
        queue = workforce.queues[name]
        seen = actual.loc[part.index]
        humans = seen["arrivals_human"].to_numpy(float)
        on_floor = part["agents_required"].to_numpy(float) * (1.0 - queue.shrinkage)
        event = part["event_day"].to_numpy(bool)
        if queue.channel == "email":
            level = _email_service(queue, seen, on_floor, event, interval_minutes)["service_level"]
        else:
            threshold = np.where(event, answer_threshold_s(queue.event_targets or queue.targets, queue),
                                 answer_threshold_s(queue.targets, queue))
            level = queue_metrics(queue, humans * 60.0 / interval_minutes, on_floor, answer_within_s=threshold,
                                  aht_s=seen["aht_s"].to_numpy(float), with_asa=False).service_level
        out[name] = float((level * humans).sum() / humans.sum()) if humans.sum() > 0 else 1.0
    return pd.Series(out)


def risk_table(forecast_df: pd.DataFrame, workforce: Workforce, events_df: pd.DataFrame | None = None,
               confidences: tuple[float, ...] = RISK_CONFIDENCES, stress: float = 0.9) -> pd.DataFrame:
    """Agent-hours (scheduled) per queue when staffing for the mean and for each confidence level,
    and the service level each staffing delivers if arrivals turn out at the mean and at the
    ``stress`` quantile (p90 by default) in every interval."""
    hours = workforce.site.interval_minutes / 60.0
    at_mean = requirements_table(forecast_df, workforce, events_df, None)
    stressed = requirements_table(forecast_df, workforce, events_df, stress)
    tag = f"p{round(stress * 100)}"
    rows = []
    for confidence in (None, *confidences):
        table = at_mean if confidence is None else requirements_table(forecast_df, workforce, events_df, confidence)
        level_mean = _service_level_if(table, at_mean, workforce)
        level_stress = _service_level_if(table, stressed, workforce)
        for queue, part in table.groupby("queue", sort=False):
            rows.append({"queue": queue, "staff_for": "mean" if confidence is None else f"p{round(confidence * 100)}",
                         "confidence": np.nan if confidence is None else confidence,
                         "agent_hours": float(part["agents_required"].sum() * hours),
                         "peak_agents": int(part["agents_required"].max()),
                         "service_level_if_mean": level_mean[queue],
                         f"service_level_if_{tag}": level_stress[queue]})
    out = pd.DataFrame(rows)
    base = out[out["staff_for"] == "mean"].set_index("queue")["agent_hours"]
    out["extra_agent_hours_vs_mean"] = out["agent_hours"] - out["queue"].map(base)
    out["extra_pct_vs_mean"] = 100.0 * out["extra_agent_hours_vs_mean"] / out["queue"].map(base).replace(0, np.nan)
    return out
