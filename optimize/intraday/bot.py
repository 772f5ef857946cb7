"""Raise the bot's share: a chat queue switched to bot-first (deflection) mode for some hours.

The config's ``bot.peak_containment`` is the share the bot contains on a queue in bot-first mode
(the configured ``containment`` otherwise); a queue without one is not offered. Each option is one
hour (interval) of one queue in that mode, from ``now`` on, at no notice (a switch in the bot's
routing). Its effect is the human arrivals it removes, computed by the staffing stage itself
(:func:`plan.optimize.staffing.requirements.requirements_table` with ``bot_first``: the same
escalated handle time and the same shared ``max_sessions_per_hour`` cap), and it costs
``price_per_session`` per extra bot session plus, on a pre-sales queue when the config has a
conversion rate and an order value, the margin of the orders it loses: a deflected contact
converts at ``peak_conversion_factor`` of an agent's rate (1 by default: the finance scenarios
count a bot-contained pre-sales contact at the in-house rate).

In the choice MIP an hour of bot-first mode enters as the effective agents its removed workload
frees (the human contacts' agent time removed, over the interval): adding ``ΔA`` agents at the
old arrivals gives a service level no better than removing ``ΔA`` Erlangs of load (the square-root
staffing margin ``(N − A)/√A`` grows as ``A`` falls) and counts late contacts over the old, larger
arrivals, so the model never promises more than the formulas give. The requirement's deficit rows
take the exact drop of the requirement instead. After the choice every figure (late contacts,
coverage, service, the bot's cost) is recomputed on the reduced arrivals.

The spans switched are kept in summary.json ``intraday.bot_first`` (``[{queue, from, to}]``): a
later re-plan of the day keeps them, `plan verify` accepts the peak share there, and the replay
bench's simulator sees the reduced human arrivals.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from plan.contracts.workforce import Workforce
from plan.optimize.intraday.options import Horizon, Option, Options
from plan.optimize.staffing.requirements import agent_seconds_per_contact, requirements_table
from plan.optimize.finance.scenarios.revenue import presales_queue_names

KIND = "raise_bot"


def bot_first_of(summary: dict, interval: pd.Timedelta) -> set[tuple[str, pd.Timestamp]]:
    """The (queue, interval start) pairs a plan's earlier re-plans switched to bot-first mode."""
    out = set()
    for span in (summary.get("intraday") or {}).get("bot_first", []):
        for start in pd.date_range(span["from"], pd.Timestamp(span["to"]) - interval, freq=interval):
            out.add((span["queue"], start))
    return out


def bot_first_spans(pairs: set[tuple[str, pd.Timestamp]], interval: pd.Timedelta) -> list[dict]:
    """``pairs`` as contiguous spans per queue, for summary.json."""
    spans: list[dict] = []
    for queue, start in sorted(pairs):
        last = spans[-1] if spans else None
        if last and last["queue"] == queue and pd.Timestamp(last["to"]) == start:
            last["to"] = f"{start + interval:%Y-%m-%d %H:%M}"
        else:
            spans.append({"queue": queue, "from": f"{start:%Y-%m-%d %H:%M}",
                          "to": f"{start + interval:%Y-%m-%d %H:%M}"})
    return spans


def lost_margin_per_session(workforce: Workforce, queue: str) -> float:
    """The orders a pre-sales contact deflected to the bot loses, in the site currency."""
    costs, bot = workforce.costs, workforce.bot
    if costs.presales_conversion_rate is None or costs.average_order_value is None \
            or queue not in presales_queue_names(workforce):
        return 0.0
    return (1.0 - bot.peak_conversion_factor) * costs.presales_conversion_rate * costs.average_order_value


def _grid(table: pd.DataFrame, queue: str, starts: pd.DatetimeIndex, column: str) -> np.ndarray:
    part = table[table["queue"] == queue].set_index("interval_start")[column]
    return part.reindex(starts).fillna(0.0).to_numpy(float)


def bot_options(plan, now: pd.Timestamp, horizon: Horizon, requirements: pd.DataFrame, forecast: pd.DataFrame,
                bot_first: set[tuple[str, pd.Timestamp]], out: Options) -> None:
    """One option per queue with a peak share and hour of the horizon not yet in bot-first mode, where it
    removes human contacts without the bot's hourly cap binding; the cap is one linear limit per hour."""
    wf = plan.workforce
    bot = wf.bot
    if bot is None or not bot.peak_containment:
        return
    starts = horizon.starts
    step_s = horizon.step / pd.Timedelta(seconds=1)
    ahead = forecast[(forecast["interval_start"] >= now) & (forecast["interval_start"] < horizon.end)]
    base = requirements[(requirements["interval_start"] >= now) & (requirements["interval_start"] < horizon.end)]
    used = base.groupby("interval_start")["bot_handled"].sum().reindex(starts, fill_value=0.0).to_numpy(float)
    cap = np.inf if bot.max_sessions_per_hour is None else bot.max_sessions_per_hour * step_s / 3600.0
    cap_ids: dict[int, dict[int, float]] = {}
    for queue, peak in bot.peak_containment.items():
        share = bot.containment.get(queue, 0.0)
        if peak <= share:
            continue
        spec = wf.queues[queue]
        keep = 1.0 - spec.shrinkage
        raised = requirements_table(ahead, wf, plan.events,
                                    bot_first=set(bot_first) | {(queue, t) for t in starts})
        raised["interval_start"] = pd.to_datetime(raised["interval_start"])
        sessions = _grid(raised, queue, starts, "bot_handled") - _grid(base, queue, starts, "bot_handled")
        load = {name: _grid(frame, queue, starts, "arrivals_human")
                * agent_seconds_per_contact(spec, _grid(frame, queue, starts, "aht_s")) / step_s
                for name, frame in (("base", base), ("raised", raised))}
        need_drop = (_grid(base, queue, starts, "agents_required") - _grid(raised, queue, starts, "agents_required"))
        total = raised.groupby("interval_start")["bot_handled"].sum().reindex(starts, fill_value=0.0).to_numpy(float)
        price = bot.price_per_session + lost_margin_per_session(wf, queue)
        for i, start in enumerate(starts):
            if (queue, start) in bot_first or sessions[i] < 1e-6 or total[i] > cap * (1 + 1e-9):
                continue
            effect = np.zeros(len(starts))
            effect[i] = max(load["base"][i] - load["raised"][i], 0.0)
            relief = np.zeros(len(starts))
            relief[i] = max(need_drop[i], 0.0) * keep
            cap_ids.setdefault(i, {})[len(out.items)] = float(sessions[i])
            end = start + horizon.step
            out.items.append(Option(
                kind=KIND, who="bot", name="bot", queue=queue, start=start, end=end,
                unit_cost=float(sessions[i]) * price, max_units=1, heads={}, effective={queue: effect},
                relief={queue: relief}, edit={"queue": queue, "sessions": float(sessions[i]), "shares": (share, peak)},
                detail=f"bot-first on {queue} {start:%H:%M}-{end:%H:%M}: containment {share:.0%} → {peak:.0%} "
                       f"(+{sessions[i]:.0f} bot sessions)"))
    for i, ids in cap_ids.items():
        if np.isfinite(cap):
            out.limits.append((ids, max(0.0, cap - used[i])))


def chosen_bot_first(options: Options, units: np.ndarray) -> set[tuple[str, pd.Timestamp]]:
    return {(options.items[o].queue, options.items[o].start) for o in np.flatnonzero(units)
            if options.items[o].kind == KIND}


def bot_gains(workforce: Workforce, before, after, options: Options, horizon: Horizon, units: np.ndarray,
              people: np.ndarray) -> np.ndarray:
    """Per chosen bot hour: the late contacts it saves at the chosen staffing, by the queueing formulas on
    the arrivals with and without it (a chat hour's service does not depend on the hours around it)."""
    from plan.optimize.intraday.choose import effective_with, late_contacts
    step_min = int(horizon.step / pd.Timedelta(minutes=1))
    gains = np.zeros(len(options.items))
    chosen = [o for o in np.flatnonzero(units) if options.items[o].kind == KIND]
    if not chosen:
        return gains
    effective = effective_with(before, options, horizon, people)
    late = {}
    for q in {before.queues.index(options.items[o].queue) for o in chosen}:
        late[q] = (late_contacts(workforce, before, q, effective[q], step_min)
                   - late_contacts(workforce, after, q, effective[q], step_min))
    for o in chosen:
        q = before.queues.index(options.items[o].queue)
        gains[o] = late[q][horizon.starts.get_loc(options.items[o].start)]
    return gains
