"""Replay 11-11 of the sample hour by hour against surprises, judged by the discrete-event simulator.

Scenarios the published forecast did not expect: ``above_midnight`` (30 % more contacts at
00:00-02:00), ``below_all_day`` (20 % fewer all day), ``peak_late`` (the whole day's shape two hours
late), ``mix_shift`` (from 08:00 after-sales 40 % above, pre-sales 40 % below: the case for moving
multi-skilled agents between queues, also within a shift). Each hour's actual contacts are drawn (Poisson, seeded) from the scenario's mean. Compared,
for the chat and phone queues of 11-11 simulated with the scenario's mean arrivals (same seed for
every plan, so the plans face the same contacts):

* (a) the published plan left alone;
* (b) ``plan intraday`` re-plans at every ``--every`` hours from 01:00, each from the plan the one
  before left, with the actuals drawn so far;
* (c) one re-plan at 00:00 knowing the day's mean arrivals and with no notice for part-timers and
  vendors: the best any re-plan with these levers can reach (a lower bound on cost for its service).

Cost: ``day_cost``, 11-11's overtime, part-time, vendor seats and bot sessions (salaries are fixed;
the vendor commitment's top-up belongs to the month), and ``cost_vs_a``, the month's labour and bot
cost (overtime, part-time, vendor, bot; the shortfall penalty left out) minus the published plan's,
which includes what the re-plans bought for 11-12 (each horizon runs to the end of tomorrow). Service: the share of
contacts answered within the target over the day and over 00:00-04:00, abandonment.

Usage: python bench/intraday_replay.py --plan /tmp/intraday-plan [--every 1] [--seed 3]
Prints one JSON object per scenario.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np
import pandas as pd

from plan.contracts.plan_files import read_plan
from plan.optimize.intraday.bot import bot_first_of
from plan.optimize.intraday.replan import next_plan, plan_forecast, replan_plan
from plan.optimize.queueing.simulate import simulate_table
from plan.optimize.staffing.requirements import requirements_table

DAY = pd.Timestamp("2026-11-11")
LABOUR = ("overtime", "part_time", "vendor", "bot")
# mix_shift: from the morning on, after-sales (delivery questions) runs this share above its forecast
# and pre-sales the same share below: the day multi-skilled agents move between queues
MIX_SHARE, MIX_FROM_H = 0.4, 8


def scenario_mean(published: pd.DataFrame, name: str) -> pd.DataFrame:
    """The day's true mean arrivals under scenario ``name`` (other days as published)."""
    out = published.copy()
    today = (out["interval_start"] >= DAY) & (out["interval_start"] < DAY + pd.Timedelta(days=1))
    hour = out["interval_start"].dt.hour
    if name == "above_midnight":
        out.loc[today & (hour < 2), "arrivals"] *= 1.3
    elif name == "below_all_day":
        out.loc[today, "arrivals"] *= 0.8
    elif name == "mix_shift":
        out.loc[today & (out["queue"] == "chat_aftersales") & (hour >= MIX_FROM_H), "arrivals"] *= 1.0 + MIX_SHARE
        out.loc[today & (out["queue"] == "chat_presales") & (hour >= MIX_FROM_H), "arrivals"] *= 1.0 - MIX_SHARE
    elif name == "peak_late":
        for queue, part in out[today].groupby("queue"):
            out.loc[part.index, "arrivals"] = np.roll(part.sort_values("interval_start")["arrivals"].to_numpy(), 2)
    return out


def day_cost(plan) -> float:
    """11-11's labour bought beyond salaries: overtime and part-time of its rows, vendor seats in its hours
    (the commitment top-up belongs to the month, not to a day), and the bot's sessions of the day."""
    from plan.contracts.calendar import event_day_mask
    from plan.optimize.cost_rules import hourly_rate, overtime_premium, seat_hour_price
    wf = plan.workforce
    rows = plan.roster[plan.roster["date"] == DAY]
    rate = {a.id: hourly_rate(a.monthly_salary, wf.contracts[a.contract].standard_hours_month) for a in wf.in_house}
    pt_rate = {p.id: p.hourly_rate for p in wf.part_time}
    cost = sum(r.overtime_hours * rate[r.id] * overtime_premium(wf.labour_rules, r.overtime_kind)
               for r in rows[rows["type"] == "in_house"].itertuples() if r.overtime_hours > 0)
    cost += sum(r.paid_hours * pt_rate[r.id] for r in rows[rows["type"] == "part_time"].itertuples())
    seats = plan.vendor_seats[(plan.vendor_seats["interval_start"] >= DAY)
                              & (plan.vendor_seats["interval_start"] < DAY + pd.Timedelta(days=1))]
    step_h = wf.site.interval_minutes / 60
    for vendor in wf.vendors:
        mine = seats[seats["vendor"] == vendor.id]
        price = seat_hour_price(vendor, event_day_mask(mine["interval_start"], plan.events))
        cost += float((mine["seats"].to_numpy() * price).sum() * step_h)
    if wf.bot is not None:
        coverage = plan.coverage
        today = (coverage["interval_start"] >= DAY) & (coverage["interval_start"] < DAY + pd.Timedelta(days=1))
        cost += float(coverage.loc[today, "bot_handled"].sum()) * wf.bot.price_per_session
    return round(float(cost), 2)


def simulate_day(plan, coverage: pd.DataFrame, truth: pd.DataFrame, seed: int) -> dict:
    """Simulated service of 11-11 (chat and phone) with the plan's effective agents against ``truth``, the
    bot at its peak share on the hours the re-plans switched to bot-first mode."""
    human = requirements_table(truth[(truth["interval_start"] >= DAY)
                                     & (truth["interval_start"] < DAY + pd.Timedelta(days=1))],
                               plan.workforce, plan.events, bot_first=bot_first_of(plan.summary, plan.interval))
    human["interval_start"] = pd.to_datetime(human["interval_start"])
    cov = coverage[(coverage["interval_start"] >= DAY) & (coverage["interval_start"] < DAY + pd.Timedelta(days=1))]
    frame = human.merge(cov[["queue", "interval_start", "staffed_effective"]], on=["queue", "interval_start"])
    frame = frame[frame["queue"].map(lambda q: plan.workforce.queues[q].channel != "email")]
    frame = frame.rename(columns={"staffed_effective": "agents_on_floor"})
    sim = simulate_table(frame[["queue", "interval_start", "arrivals_human", "agents_on_floor", "aht_s",
                                "event_day"]], plan.workforce, seed=seed)
    contacts = sim["arrivals_simulated"].sum()
    decided = sim["arrivals_simulated"] - sim["censored"]  # censored: still waiting at midnight, deadline after it
    early = pd.to_datetime(sim["interval_start"]) < DAY + pd.Timedelta(hours=4)
    return {"service_level": round(float(sim["answered_within"].sum() / decided.sum()), 4),
            "service_level_00_04": round(float(sim.loc[early, "answered_within"].sum() / decided[early].sum()), 4),
            "abandon_rate": round(float(sim["abandoned"].sum() / contacts), 4), "contacts": int(contacts),
            "day_cost": day_cost(plan)}


def labour_cost(summary: dict, base: dict) -> float:
    return round(sum(summary["cost"][k] - base["cost"][k] for k in LABOUR), 2)


def no_notice(plan):
    wf = plan.workforce
    quick = wf.model_copy(update={
        "vendors": [v.model_copy(update={"notice_hours": 0.0}) for v in wf.vendors],
        "part_time": [p.model_copy(update={"notice_hours": 0.0}) for p in wf.part_time]})
    return dataclasses.replace(plan, workforce=quick)


def replay(plan_dir: str, name: str, every: int, seed: int) -> dict:
    base = read_plan(plan_dir, requirements_table)
    published = plan_forecast(base)
    truth = scenario_mean(published, name)
    rng = np.random.default_rng(seed)
    drawn = truth[(truth["interval_start"] >= DAY) & (truth["interval_start"] < DAY + pd.Timedelta(days=1))].copy()
    drawn["arrivals"] = rng.poisson(drawn["arrivals"].to_numpy())
    published_result = simulate_day(base, base.coverage, truth, seed)

    plan, seconds, kinds = base, [], {}
    for hour in range(every, 24, every):
        now = DAY + pd.Timedelta(hours=hour)
        result = replan_plan(plan, now, drawn[drawn["interval_start"] < now], published, recount_fairness=False)
        seconds.append(result.seconds)
        for kind in result.changes["kind"]:
            kinds[kind] = kinds.get(kind, 0) + 1
        plan = next_plan(result)
    replanned = simulate_day(plan, plan.coverage, truth, seed)

    known = replan_plan(no_notice(base), DAY, drawn.iloc[:0], published, known_forecast=truth,
                        recount_fairness=False)
    known_plan = next_plan(known)
    perfect = simulate_day(known_plan, known_plan.coverage, truth, seed)

    gap = perfect["service_level"] - published_result["service_level"]
    # only a plan that knows the day and serves it better leaves a gap to close
    closed = (replanned["service_level"] - published_result["service_level"]) / gap if gap > 1e-3 else None
    return {"scenario": name, "every_h": every, "seed": seed,
            "a_published": {**published_result, "cost_vs_a": 0.0},
            "b_replans": {**replanned, "cost_vs_a": labour_cost(plan.summary, base.summary),
                          "changes": " ".join(f"{k}:{n}" for k, n in sorted(kinds.items())) or "none",
                          "replans": len(seconds), "seconds_mean": round(float(np.mean(seconds)), 1),
                          "seconds_max": round(float(np.max(seconds)), 1)},
            "c_known": {**perfect, "cost_vs_a": labour_cost(known_plan.summary, base.summary)},
            "gap_closed": None if closed is None else round(float(closed), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True, help="plan directory of 2026-11 (plan roster --month 2026-11)")
    parser.add_argument("--every", type=int, default=1, help="hours between re-plans")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--scenarios", default="above_midnight,below_all_day,peak_late")
    args = parser.parse_args()
    for name in args.scenarios.split(","):
        started = time.perf_counter()
        record = replay(args.plan, name, args.every, args.seed)
        record["bench_seconds"] = round(time.perf_counter() - started, 1)
        record["machine"] = "busy"
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
