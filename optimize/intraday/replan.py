"""One same-day re-plan: re-forecast, options, choice, the changed plan and its change list."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.errors import InputError
from plan.contracts.calendar import event_day_mask
from plan.contracts.forecast_table import read_forecast
from plan.contracts.plan_files import PlanFiles, read_plan, roster_as_written
from plan.contracts.workforce import Targets
from plan.forecast.reforecast import LevelUpdate, reforecast
from plan.optimize.intraday.apply import (apply_to_roster, apply_to_seats, recount,
                                          staffed_month)
from plan.optimize.intraday.bot import (KIND as BOT_KIND, bot_first_of, bot_first_spans, bot_gains,
                                        chosen_bot_first)
from plan.optimize.intraday.choose import Demand, choose, horizon_late, effective_with, service_gains
from plan.optimize.intraday.options import Horizon, Options, change_key, list_options, make_horizon
from plan.optimize.staffing.requirements import answer_threshold_s, requirements_table
from plan.optimize.verify.fairness import recompute_fairness

CHANGE_COLUMNS = ["rank", "kind", "who", "name", "queue", "from", "to", "units", "what", "cost",
                  "late_contacts_saved", "saved_per_100_yuan"]


@dataclass
class Replan:
    plan: PlanFiles
    now: pd.Timestamp
    horizon: Horizon
    forecast_old: pd.DataFrame
    forecast_new: pd.DataFrame
    actuals: pd.DataFrame
    level: LevelUpdate
    requirements: pd.DataFrame
    options: Options
    units: np.ndarray
    changes: pd.DataFrame
    roster: pd.DataFrame            # parsed, changed
    vendor_seats: pd.DataFrame
    coverage: pd.DataFrame
    summary: dict
    late_before: float              # late contacts over the horizon, plan as published, new demand
    late_after: float
    solver_status: str
    seconds: float


def check_now(plan: PlanFiles, now: pd.Timestamp, source: str = "--now") -> None:
    first, last = plan.intervals[0], plan.intervals[-1]
    if not first < now <= last:
        raise InputError(source, f"{now:%Y-%m-%d %H:%M} is outside the plan's month {plan.month} "
                                 f"(give a time after {first:%Y-%m-%d %H:%M} and up to {last:%Y-%m-%d %H:%M})")
    if now not in plan.intervals:
        raise InputError(source, f"{now:%Y-%m-%d %H:%M} is not an interval start of the plan "
                                 f"({plan.workforce.site.interval_minutes}-minute intervals)")


PUBLISHED_FORECAST = "published_forecast.csv"


def plan_forecast(plan: PlanFiles) -> pd.DataFrame:
    """The forecast the month was published with (a re-plan keeps it as inputs/published_forecast.csv,
    so every re-plan of the day measures the actuals against it), else inputs/forecast.csv, else
    the requirements' arrivals."""
    for name in (PUBLISHED_FORECAST, "forecast.csv"):
        path = plan.directory / "inputs" / name
        if path.exists():
            return read_forecast(path, known_queues=plan.workforce.queues, timezone=plan.workforce.site.timezone)
    path = plan.directory / "inputs" / "forecast.csv"
    if path.exists():
        return read_forecast(path, known_queues=plan.workforce.queues, timezone=plan.workforce.site.timezone)
    if plan.requirements is None:
        raise InputError(plan.directory / "inputs", "the plan carries neither forecast.csv nor requirements.csv")
    return plan.requirements[["queue", "interval_start", "arrivals"]].copy()


def check_actuals(actuals: pd.DataFrame, plan: PlanFiles, now: pd.Timestamp, source: str) -> pd.DataFrame:
    """Actuals of today before ``now`` on the plan's grid; rows after ``now`` are refused (not yet known)."""
    later = actuals["interval_start"] >= now
    if later.any():
        i = int(np.argmax(later.to_numpy()))
        raise InputError(source, f"{actuals['interval_start'].iloc[i]:%Y-%m-%d %H:%M} is at or after --now "
                                 f"{now:%Y-%m-%d %H:%M}: actuals are what has happened", field="interval_start")
    if actuals.attrs.get("interval_minutes", plan.workforce.site.interval_minutes) != \
            plan.workforce.site.interval_minutes:
        raise InputError(source, f"{actuals.attrs['interval_minutes']}-minute intervals; the plan has "
                                 f"{plan.workforce.site.interval_minutes}-minute intervals", field="interval_start")
    return actuals[actuals["interval_start"] >= now.normalize()]


def new_requirements(plan: PlanFiles, forecast_new: pd.DataFrame, now: pd.Timestamp,
                     bot_first: set | None = None) -> pd.DataFrame:
    """The plan's requirements before ``now``, the re-forecast's from ``now`` on (same staffing stage;
    the bot at its peak share on the ``bot_first`` hours)."""
    fresh = requirements_table(forecast_new, plan.workforce, plan.events, bot_first=bot_first)
    fresh["interval_start"] = pd.to_datetime(fresh["interval_start"])
    keep = plan.requirements[plan.requirements["interval_start"] < now]
    return pd.concat([keep, fresh[fresh["interval_start"] >= now][keep.columns]], ignore_index=True) \
        .sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def _targets(queue, event: bool) -> Targets:
    return queue.event_targets if (event and queue.event_targets is not None) else queue.targets


def horizon_demand(plan: PlanFiles, requirements: pd.DataFrame, horizon: Horizon,
                   published_need: np.ndarray) -> Demand:
    """The horizon's demand on the re-forecast; ``published_need`` the heads the month's published
    forecast requires there (queues × horizon intervals)."""
    queues = list(plan.workforce.queues)
    keyed = requirements.set_index(["queue", "interval_start"])
    index = pd.MultiIndex.from_product([queues, horizon.starts])

    def grid(frame: pd.DataFrame, column: str) -> np.ndarray:
        return frame[column].reindex(index).to_numpy(float).reshape(len(queues), -1)

    event = np.tile(event_day_mask(horizon.starts, plan.events), (len(queues), 1))
    specs = [plan.workforce.queues[q] for q in queues]
    threshold = np.array([[answer_threshold_s(_targets(s, e), s) for e in row] for s, row in zip(specs, event)])
    deadline = np.array([[_targets(s, e).resolve_within_h or s.targets.resolve_within_h or 0.0 for e in row]
                         for s, row in zip(specs, event)])
    keep = np.array([1.0 - s.shrinkage for s in specs])[:, None]
    coverage = plan.coverage.set_index(["queue", "interval_start"])
    staffed = grid(coverage, "staffed_effective")
    # A re-plan answers the change of forecast; it does not re-optimise what the roster already weighed
    # (which would buy on a day quieter than forecast, or chase each hour's noise): the requirement binds
    # only where the re-forecast needs more heads than the published forecast did, less what the plan
    # already lacked there, and the plan's own late contacts on the demand it was made for are the
    # reference of the late-contact term.
    need = grid(keyed, "agents_required") * keep
    published_need = published_need * keep
    raised = need > published_need + 1e-9
    demand = Demand(queues=queues, arrivals_human=grid(keyed, "arrivals_human"), aht_s=grid(keyed, "aht_s"),
                    threshold_s=threshold, deadline_h=deadline, need_effective=np.where(raised, need, 0.0),
                    staffed_effective=staffed,
                    allowed_miss=np.where(raised, np.maximum(published_need - staffed, 0.0), 0.0),
                    late_reference=np.zeros_like(staffed))
    published = plan.requirements.set_index(["queue", "interval_start"])
    as_published = dataclasses.replace(demand, arrivals_human=grid(published, "arrivals_human"),
                                       aht_s=grid(published, "aht_s"))
    reference = horizon_late(plan.workforce, as_published, staffed, plan.workforce.site.interval_minutes)
    return dataclasses.replace(demand, late_reference=reference)


def with_arrivals(demand: Demand, requirements: pd.DataFrame, horizon: Horizon) -> Demand:
    """``demand`` with the human arrivals and handle times of ``requirements`` (after bot hours)."""
    index = pd.MultiIndex.from_product([demand.queues, horizon.starts])
    keyed = requirements.set_index(["queue", "interval_start"])

    def grid(column: str) -> np.ndarray:
        return keyed[column].reindex(index).to_numpy(float).reshape(len(demand.queues), -1)

    return dataclasses.replace(demand, arrivals_human=grid("arrivals_human"), aht_s=grid("aht_s"))


def published_heads(plan: PlanFiles, published: pd.DataFrame, horizon: Horizon) -> np.ndarray:
    """Heads required on the horizon by the month's published forecast (queues × intervals)."""
    table = requirements_table(published, plan.workforce, plan.events)
    table["interval_start"] = pd.to_datetime(table["interval_start"])
    index = pd.MultiIndex.from_product([list(plan.workforce.queues), horizon.starts])
    heads = table.set_index(["queue", "interval_start"])["agents_required"].reindex(index)
    return heads.to_numpy(float).reshape(len(plan.workforce.queues), -1)


def _bot_rows(options: Options, units: np.ndarray, gains: np.ndarray) -> list[dict]:
    """The chosen bot hours as one change per queue and run of consecutive hours."""
    runs: list[dict] = []
    chosen = sorted((o for o in np.flatnonzero(units) if options.items[o].kind == BOT_KIND),
                    key=lambda o: (options.items[o].queue, options.items[o].start))
    for o in chosen:
        option = options.items[o]
        last = runs[-1] if runs else None
        if last and last["queue"] == option.queue and last["end"] == option.start:
            last.update(end=option.end, cost=last["cost"] + option.unit_cost, gain=last["gain"] + gains[o],
                        sessions=last["sessions"] + option.edit["sessions"])
        else:
            runs.append({"kind": BOT_KIND, "who": option.who, "name": option.name, "queue": option.queue,
                         "start": option.start, "end": option.end, "units": 1, "cost": option.unit_cost,
                         "gain": gains[o], "sessions": option.edit["sessions"], "shares": option.edit["shares"]})
    for run in runs:
        run["what"] = (f"bot-first on {run['queue']} {run['start']:%H:%M}-{run['end']:%H:%M}: containment "
                       f"{run['shares'][0]:.0%} → {run['shares'][1]:.0%} (+{run['sessions']:.0f} bot sessions)")
    return runs


def change_table(options: Options, units: np.ndarray, gains: np.ndarray) -> pd.DataFrame:
    """The change list, ranked: purchases by late contacts saved per yuan, then savings by yuan per contact
    lost; a queue's consecutive bot-first hours are one change."""
    changes = []
    for o in np.flatnonzero(units):
        option = options.items[o]
        if option.kind == BOT_KIND:
            continue
        cost = 0.0 if option.kind == "move" else option.unit_cost * units[o]  # a move is free by the cost rules
        changes.append({"kind": option.kind, "who": option.who, "name": option.name, "queue": option.queue,
                        "start": option.start, "end": option.end, "units": int(units[o]), "cost": cost,
                        "gain": gains[o], "what": (f"{units[o]} × " if units[o] > 1 else "") + option.detail})
    rows = []
    for change in changes + _bot_rows(options, units, gains):
        cost, gain = change["cost"], change["gain"]
        rows.append({"kind": change["kind"], "who": change["who"], "name": change["name"], "queue": change["queue"],
                     "from": f"{change['start']:%Y-%m-%d %H:%M}", "to": f"{change['end']:%Y-%m-%d %H:%M}",
                     "units": change["units"], "what": change["what"],
                     "cost": round(cost, 2), "late_contacts_saved": round(float(gain), 2),
                     "saved_per_100_yuan": round(100.0 * gain / cost, 3) if abs(cost) > 1e-9
                     else float(np.sign(gain)) * float("inf")})
    frame = pd.DataFrame(rows, columns=[c for c in CHANGE_COLUMNS if c != "rank"])
    buys = frame[frame["cost"] >= 0].sort_values("saved_per_100_yuan", ascending=False, kind="stable")
    cuts = frame[frame["cost"] < 0].sort_values("saved_per_100_yuan", ascending=False, kind="stable")
    out = pd.concat([buys, cuts], ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def replan(plan_dir: str | Path, now: pd.Timestamp, actuals: pd.DataFrame, *, actuals_source: str = "--actuals"
           ) -> Replan:
    """Read the plan directory and re-plan it at ``now`` from ``actuals`` (see :func:`replan_plan`)."""
    started = time.perf_counter()
    plan = read_plan(plan_dir, requirements_table)
    check_now(plan, now)
    actuals = check_actuals(actuals, plan, now, actuals_source)
    return replan_plan(plan, now, actuals, plan_forecast(plan), started=started)


def replan_plan(plan: PlanFiles, now: pd.Timestamp, actuals: pd.DataFrame, published: pd.DataFrame, *,
                known_forecast: pd.DataFrame | None = None, started: float | None = None,
                recount_fairness: bool = True) -> Replan:
    """Re-plan ``plan`` at ``now``: the ``published`` forecast re-leveled by ``actuals`` (or, for the
    benchmark's perfect-knowledge bound, ``known_forecast`` taken as it is). ``recount_fairness=False``
    leaves summary.json's fairness figures as they were (the benchmark's chain, which writes no plan);
    they are recounted only when an in-house day changed (part-timers and vendors are not counted)."""
    started = time.perf_counter() if started is None else started
    if known_forecast is None:
        forecast_new, level = reforecast(published, actuals, now)
    else:
        forecast_new, level = known_forecast, reforecast(published, actuals.iloc[:0], now)[1]
    bot_first = bot_first_of(plan.summary, plan.interval)
    requirements = new_requirements(plan, forecast_new, now, bot_first)
    horizon = make_horizon(plan, now)
    demand = horizon_demand(plan, requirements, horizon, published_heads(plan, published, horizon))
    options = list_options(plan, now, horizon, requirements, forecast_new, bot_first)
    choice = choose(plan.workforce, demand, options, horizon)
    units = choice.units
    # the bot hours chosen take arrivals away: every figure from here on is on the reduced arrivals
    raised = chosen_bot_first(options, units)
    if raised:
        bot_first |= raised
        requirements = new_requirements(plan, forecast_new, now, bot_first)
    demand_after = with_arrivals(demand, requirements, horizon)
    people = np.where([o.kind == BOT_KIND for o in options.items], 0, units)
    gains = service_gains(plan.workforce, demand_after, options, horizon, people) \
        + bot_gains(plan.workforce, demand, demand_after, options, horizon, units, people)
    step_min = plan.workforce.site.interval_minutes
    late_before = float(horizon_late(plan.workforce, demand, demand.staffed_effective, step_min).sum())
    late_after = float(horizon_late(plan.workforce, demand_after, effective_with(demand, options, horizon, people),
                                    step_min).sum())
    roster = apply_to_roster(plan.roster, options, units)
    seats = apply_to_seats(plan, options, units)
    staffed = staffed_month(plan, options, units, horizon)
    coverage, cost, service = recount(plan, requirements, roster, seats, staffed)
    in_house_changed = any(options.items[o].kind in ("extend", "shorten", "move", "move_break")
                           for o in np.flatnonzero(units))
    summary = updated_summary(plan, roster if recount_fairness and in_house_changed else None, cost, service, now,
                              level, choice.status)
    summary["intraday"]["bot_first"] = bot_first_spans(bot_first, plan.interval)
    summary["intraday"]["changed"] = sorted(set((plan.summary.get("intraday") or {}).get("changed", []))
                                            | {change_key(options.items[o]) for o in np.flatnonzero(units)})
    return Replan(plan=plan, now=now, horizon=horizon, forecast_old=published, forecast_new=forecast_new,
                  actuals=actuals, level=level, requirements=requirements, options=options, units=units,
                  changes=change_table(options, units, gains), roster=roster, vendor_seats=seats, coverage=coverage,
                  summary=summary, late_before=late_before, late_after=late_after, solver_status=choice.status,
                  seconds=time.perf_counter() - started)


def next_plan(result: Replan) -> PlanFiles:
    """The changed plan as :class:`PlanFiles`, without writing it (the benchmark's hour-by-hour chain)."""
    coverage = result.coverage.assign(interval_start=pd.to_datetime(result.coverage["interval_start"]))
    return dataclasses.replace(result.plan, roster=result.roster, vendor_seats=result.vendor_seats,
                               coverage=coverage, requirements=result.requirements, summary=result.summary)


def updated_summary(plan: PlanFiles, roster: pd.DataFrame | None, cost: dict, service: dict, now: pd.Timestamp,
                    level: LevelUpdate, status: str) -> dict:
    summary = dict(plan.summary)
    parent_version = int(summary.get("version", 1))
    earlier = summary.get("intraday", {})
    summary.update(version=parent_version + 1, parent={"plan_dir": str(plan.directory), "version": parent_version},
                   cost=cost, service=service)
    summary["intraday"] = {
        "now": f"{now:%Y-%m-%d %H:%M}",
        # the earliest re-plan of the day: shift ends may differ from their template after it
        "first_now": earlier.get("first_now", f"{now:%Y-%m-%d %H:%M}"),
        "solver_status": status,
        "level": level.table.round(4).to_dict("records")}
    if roster is not None:
        summary["fairness"] = {**summary.get("fairness", {}),
                               **recompute_fairness(dataclasses.replace(plan, roster=roster))}
    return summary


def replan_tables(result: Replan) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(roster, vendor seats, coverage) in their file form."""
    seats = result.vendor_seats.assign(interval_start=result.vendor_seats["interval_start"].dt.strftime("%Y-%m-%d %H:%M"))
    return roster_as_written(result.roster), seats, result.coverage
