"""The chosen options written into the plan's tables; nothing before ``now`` changes.

Roster rows keep their template start (an extension or a shortening moves only the end, after
``now``; a running shift moved to another queue gets a ``queue_moves`` entry from the next interval), part-time rows turn from REST into a block or back, vendor seats are added or removed
in whole blocks. Coverage, service and cost are then recomputed for the whole month with the
roster's own functions (:mod:`plan.optimize.roster.extract`), on the re-forecast demand from
``now`` on and the published demand before it.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from plan.contracts.calendar import event_day_mask
from plan.contracts.plan_files import PART_TIME_CODE, REST_CODE, PlanFiles, format_queue_moves
from plan.optimize.intraday.options import Horizon, Options
from plan.optimize.roster.extract import costs, service_arrays, service_summary


def _row_index(roster: pd.DataFrame, who: str, date: pd.Timestamp) -> int:
    match = roster.index[(roster["id"] == who) & (roster["date"] == date)]
    return int(match[0])


def apply_to_roster(roster: pd.DataFrame, options: Options, units: np.ndarray) -> pd.DataFrame:
    """A copy of the parsed roster with the chosen person options applied."""
    out = roster.copy()
    for o in np.flatnonzero(units):
        option = options.items[o]
        if "row" not in option.edit:  # seats and the bot: not the roster's
            continue
        i = _row_index(out, *option.edit["row"])
        if option.kind in ("extend", "shorten"):
            hours = option.edit["hours"]
            out.at[i, "end"] = out.at[i, "end"] + pd.Timedelta(hours=hours)
            out.at[i, "paid_hours"] = out.at[i, "paid_hours"] + hours
            overtime = max(0.0, out.at[i, "overtime_hours"] + hours)
            out.at[i, "overtime_hours"] = overtime
            out.at[i, "overtime_kind"] = option.edit["overtime_kind"] if overtime > 1e-9 else ""
        elif option.kind == "move" and "at" in option.edit:
            moves = [(moment, queue) for moment, queue in out.at[i, "moves"] if moment < option.edit["at"]]
            moves.append((option.edit["at"], option.edit["queue"]))
            out.at[i, "moves"] = moves
            out.at[i, "queue_moves"] = format_queue_moves(moves)
        elif option.kind == "move":
            out.at[i, "queue"] = option.edit["queue"]
        elif option.kind == "move_break":
            out.at[i, "break_spans"] = option.edit["breaks"]
            out.at[i, "breaks"] = ";".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in option.edit["breaks"])
        elif option.kind == "call_in":
            start, end = option.edit["start"], option.edit["end"]
            out.loc[i, ["shift_code", "shift_name", "breaks", "queue", "overtime_kind"]] = [
                PART_TIME_CODE, "part-time block", "", option.edit["queue"], ""]
            out.at[i, "start"], out.at[i, "end"] = start, end
            out.at[i, "paid_hours"] = (end - start) / pd.Timedelta(hours=1)
            out.at[i, "overtime_hours"] = 0.0
            out.at[i, "break_spans"] = []
        elif option.kind == "stand_down":
            out.loc[i, ["shift_code", "shift_name", "breaks", "queue", "overtime_kind", "queue_moves"]] = [
                REST_CODE, "rest", "", "", "", ""]
            out.at[i, "start"], out.at[i, "end"] = pd.NaT, pd.NaT
            out.at[i, "paid_hours"] = 0.0
            out.at[i, "break_spans"] = []
    return out


def apply_to_seats(plan: PlanFiles, options: Options, units: np.ndarray) -> pd.DataFrame:
    """vendor_seats.csv rows with the chosen seat blocks added or cancelled."""
    seats = plan.vendor_seats.groupby(["vendor", "queue", "interval_start"], sort=False)["seats"].sum()
    seats = seats.to_dict()
    intervals = plan.intervals
    for o in np.flatnonzero(units):
        option = options.items[o]
        if option.kind not in ("buy_seats", "cancel_seats"):
            continue
        edit = option.edit
        for t in range(edit["first"], edit["first"] + edit["length"]):
            key = (edit["vendor"], edit["queue"], intervals[t])
            seats[key] = seats.get(key, 0) + edit["sign"] * int(units[o])
    order = {v.id: i for i, v in enumerate(plan.workforce.vendors)}
    queues = {q: i for i, q in enumerate(plan.workforce.queues)}
    rows = sorted(((v, q, t, int(round(n))) for (v, q, t), n in seats.items() if n > 0.5),
                  key=lambda r: (order.get(r[0], 99), queues.get(r[1], 99), r[2]))
    return pd.DataFrame(rows, columns=["vendor", "queue", "interval_start", "seats"])


def month_arrays(plan: PlanFiles, requirements: pd.DataFrame, column: str) -> np.ndarray:
    """A requirements column as queues × month intervals."""
    keyed = requirements.set_index(["queue", "interval_start"])[column]
    index = pd.MultiIndex.from_product([list(plan.workforce.queues), plan.intervals])
    return keyed.reindex(index).fillna(0.0).to_numpy(float).reshape(len(plan.workforce.queues), -1)


def month_instance(plan: PlanFiles, requirements: pd.DataFrame) -> SimpleNamespace:
    """What the roster's service and cost functions read of their instance, for this plan."""
    per_day = int(pd.Timedelta(days=1) / plan.interval)
    minutes = plan.workforce.site.interval_minutes
    return SimpleNamespace(
        workforce=plan.workforce, queues=list(plan.workforce.queues), n_int=len(plan.intervals), per_day=per_day,
        interval_min=minutes, interval_h=minutes / 60.0, event_day=event_day_mask(plan.days, plan.events),
        arrivals=month_arrays(plan, requirements, "arrivals"),
        bot_handled=month_arrays(plan, requirements, "bot_handled"),
        arrivals_human=month_arrays(plan, requirements, "arrivals_human"),
        aht_s=month_arrays(plan, requirements, "aht_s"),
        agents_required=month_arrays(plan, requirements, "agents_required"))


def staffed_month(plan: PlanFiles, options: Options, units: np.ndarray, horizon: Horizon) -> dict[str, np.ndarray]:
    """Coverage's staffed columns (queues × month intervals) with the chosen options' heads added."""
    queues = list(plan.workforce.queues)
    coverage = plan.coverage.set_index(["queue", "interval_start"])
    index = pd.MultiIndex.from_product([queues, plan.intervals])
    staffed = {column: coverage[column].reindex(index).to_numpy(float).reshape(len(queues), -1).copy()
               for column in ("staffed_in_house", "staffed_part_time", "staffed_vendor", "staffed_effective")}
    source = {"extend": "staffed_in_house", "shorten": "staffed_in_house", "move": "staffed_in_house",
              "move_break": "staffed_in_house",
              "call_in": "staffed_part_time", "stand_down": "staffed_part_time",
              "buy_seats": "staffed_vendor", "cancel_seats": "staffed_vendor"}
    span = slice(horizon.first, horizon.first + len(horizon.starts))
    for o in np.flatnonzero(units):
        option = options.items[o]
        for queue, heads in option.heads.items():  # a bot hour adds no heads: it takes arrivals away
            q = queues.index(queue)
            staffed[source[option.kind]][q, span] += heads * units[o]
            staffed["staffed_effective"][q, span] += option.effective[queue] * units[o]
    return staffed


def coverage_table(plan: PlanFiles, inst: SimpleNamespace, staffed: dict, service: dict) -> pd.DataFrame:
    frames = []
    for q, name in enumerate(inst.queues):
        frames.append(pd.DataFrame({
            "queue": name, "interval_start": plan.intervals.strftime("%Y-%m-%d %H:%M"), "arrivals": inst.arrivals[q],
            "bot_handled": inst.bot_handled[q], "arrivals_human": inst.arrivals_human[q],
            "required": inst.agents_required[q],
            **{column: values[q] for column, values in staffed.items()},
            **{column: service[column][q] for column in ("asa_s", "service_level", "abandon_rate",
                                                         "shortfall_contacts")}}))
    return pd.concat(frames, ignore_index=True)


def seats_by_index(plan: PlanFiles, seats: pd.DataFrame) -> dict[tuple[int, int, int], int]:
    vendors = {v.id: i for i, v in enumerate(plan.workforce.vendors)}
    queues = {q: i for i, q in enumerate(plan.workforce.queues)}
    position = {t: i for i, t in enumerate(plan.intervals)}
    out: dict[tuple[int, int, int], int] = {}
    for row in seats.itertuples(index=False):
        key = (vendors[row.vendor], queues[row.queue], position[pd.Timestamp(row.interval_start)])
        out[key] = out.get(key, 0) + int(row.seats)
    return out


def recount(plan: PlanFiles, requirements: pd.DataFrame, roster: pd.DataFrame, seats: pd.DataFrame,
            staffed: dict) -> tuple[pd.DataFrame, dict, dict]:
    """(coverage table, cost, service summary) of the changed plan by the roster's own rules."""
    inst = month_instance(plan, requirements)
    service = service_arrays(inst, staffed["staffed_effective"])
    coverage = coverage_table(plan, inst, staffed, service)
    cost = costs(inst, roster, seats_by_index(plan, seats), service)
    return coverage, cost, service_summary(inst, service)
