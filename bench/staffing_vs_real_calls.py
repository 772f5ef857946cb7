"""Erlang A vs Erlang C against a real call centre: the Anonymous Bank log of February 1999.

Data: ``data_anonymous_bank_february.txt`` (Technion SEE; Brown et al. 2005, JASA 100(469):36-50),
one row per call. Parsed here with pandas:

* a call reaches the agent queue when it leaves the voice response unit (``vru_exit``): served calls
  (``outcome == AGENT`` with a real ``server``) and calls abandoned in the queue (``HANG`` with
  ``q_time > 0``); hang-ups inside the VRU, ``PHANTOM`` calls and calls "served" by ``NO_SERVER``
  never used an agent and are left out;
* per hour: arrivals to the queue, AHT (mean ``ser_time`` of the hour's served calls), the agents
  actually serving (distinct ``server`` ids whose service overlaps the hour), the observed
  abandonment share and service level (share of arrivals answered within T seconds);
* patience: exponential MLE over the whole month, abandonments / total time waited by all queued
  calls (served waits censor patience; Brown et al. 2005 §6 use the same estimator family).

Each hour's abandonment and service level are then predicted with Erlang C (no abandonment) and
Erlang A (the month's patience) from that hour's arrivals, AHT and agents, and compared with what the
log shows. Hours with fewer than 20 arrivals are skipped (their observed shares are mostly noise).
Known departures from the models, which bound how good any of them can be: priority customers jump
the queue (not FCFS), agents serving in an hour are not all there for the whole hour (the
distinct-id count overstates staffing), handle times are far from exponential.

Prints one JSON object per line; skips cleanly when the data is absent.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from plan.optimize.queueing.erlang import erlang_a, erlang_c

ANSWER_WITHIN_S = (20.0, 60.0)
MIN_ARRIVALS_PER_HOUR = 20
# An agent with no call for longer than this while on shift is taken as away (break, other work).
PRESENCE_GAP_MIN = 10.0
FILE = "anonymous-bank-1999/data_anonymous_bank_february.txt"


def shared_data() -> Path:
    env = os.environ.get("PLAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def _clock(day: pd.Series, time_of_day: pd.Series) -> pd.Series:
    return pd.to_datetime(day.astype(str), format="%y%m%d") + pd.to_timedelta(time_of_day)


def load_calls(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, sep="\t")
    served = (raw["outcome"] == "AGENT") & (raw["server"] != "NO_SERVER")
    abandoned = (raw["outcome"] == "HANG") & (raw["q_time"] > 0)
    calls = raw[served | abandoned].copy()
    calls["served"] = served[calls.index]
    calls["queued_at"] = _clock(calls["date"], calls["vru_exit"])
    calls["service_start"] = _clock(calls["date"], calls["ser_start"])
    calls["service_end"] = calls["service_start"] + pd.to_timedelta(calls["ser_time"], unit="s")
    return calls


def patience_mle_s(calls: pd.DataFrame) -> float:
    """Exponential patience: total waiting exposure / abandonments (served waits are censored)."""
    return float(calls["q_time"].sum() / (~calls["served"]).sum())


def agents_per_hour(calls: pd.DataFrame) -> pd.Series:
    """Distinct servers whose service time overlaps each hour."""
    served = calls[calls["served"]]
    first = served["service_start"].dt.floor("h")
    last = (served["service_end"] - pd.Timedelta(seconds=1)).dt.floor("h").where(lambda s: s >= first, first)
    spans = (last - first) // pd.Timedelta(hours=1)
    rows = np.repeat(np.arange(len(served)), spans.to_numpy() + 1)
    offsets = np.concatenate([np.arange(n + 1) for n in spans.to_numpy()])
    hours = first.to_numpy()[rows] + offsets * np.timedelta64(1, "h")
    pairs = pd.DataFrame({"hour": hours, "server": served["server"].to_numpy()[rows]}).drop_duplicates()
    return pairs.groupby("hour")["server"].nunique()


def present_agents_per_hour(calls: pd.DataFrame, break_after_min: float = PRESENCE_GAP_MIN) -> pd.Series:
    """Agent-hours on shift per hour: a server is on shift from one service to the next unless the gap
    exceeds ``break_after_min`` (then it was away: break, other work, end of shift)."""
    served = calls[calls["served"]].sort_values(["server", "service_start"])
    gap = np.timedelta64(int(break_after_min * 60), "s")
    acc: dict[pd.Timestamp, float] = {}
    for _, group in served.groupby("server"):
        starts, ends = group["service_start"].to_numpy(), group["service_end"].to_numpy()
        run_end = np.maximum.accumulate(ends)
        new_span = np.concatenate([[True], starts[1:] - run_end[:-1] > gap])
        span_id = np.cumsum(new_span)
        spans = pd.DataFrame({"start": starts, "end": run_end, "id": span_id}).groupby("id").agg(
            start=("start", "min"), end=("end", "max"))
        for start, end in spans.itertuples(index=False):
            hour = pd.Timestamp(start).floor("h")
            while hour < end:
                overlap = (min(pd.Timestamp(end), hour + pd.Timedelta(hours=1)) - max(pd.Timestamp(start), hour))
                acc[hour] = acc.get(hour, 0.0) + overlap.total_seconds() / 3600.0
                hour += pd.Timedelta(hours=1)
    return pd.Series(acc).sort_index()


def hourly(calls: pd.DataFrame) -> pd.DataFrame:
    calls = calls.assign(hour=calls["queued_at"].dt.floor("h"))
    grouped = calls.groupby("hour")
    table = pd.DataFrame({"arrivals": grouped.size(), "abandoned": grouped["served"].apply(lambda s: (~s).sum()),
                          "aht_s": calls[calls["served"]].groupby("hour")["ser_time"].mean()})
    for t in ANSWER_WITHIN_S:
        within = calls["served"] & (calls["q_time"] <= t)
        table[f"answered_within_{t:g}"] = within.groupby(calls["hour"]).sum()
    table["agents"] = agents_per_hour(calls).reindex(table.index)
    table["agents_present"] = present_agents_per_hour(calls).reindex(table.index).fillna(0.0)
    return table.dropna()


def predict_and_compare(table: pd.DataFrame, patience_s: float, agents_column: str = "agents") -> dict:
    table = table[(table["arrivals"] >= MIN_ARRIVALS_PER_HOUR) & (table["agents"] >= 1)]
    table = table.assign(agents=table[agents_column].clip(lower=0.5))
    observed_abandon = table["abandoned"] / table["arrivals"]
    args = (table["arrivals"].to_numpy(float), table["aht_s"].to_numpy(float), table["agents"].to_numpy(float))
    out = {"hours": int(len(table)), "calls": int(table["arrivals"].sum()), "patience_mle_s": round(patience_s, 1),
           "observed_abandon_mean_pct": round(100 * float(observed_abandon.mean()), 2)}
    for t in ANSWER_WITHIN_S:
        a = erlang_a(*args, patience_s, t)
        c = erlang_c(*args, t)
        observed_sl = (table[f"answered_within_{t:g}"] / table["arrivals"]).to_numpy()
        tag = "" if t == ANSWER_WITHIN_S[0] else f"_{t:g}s"
        if not tag:
            out["erlang_a_abandon_mae_pp"] = round(100 * float(np.mean(np.abs(a.abandon_rate - observed_abandon))), 2)
            out["erlang_c_abandon_mae_pp"] = round(100 * float(np.mean(np.abs(c.abandon_rate - observed_abandon))), 2)
            out["erlang_a_abandon_bias_pp"] = round(100 * float(np.mean(a.abandon_rate - observed_abandon)), 2)
            out["erlang_a_abandon_corr"] = round(float(np.corrcoef(a.abandon_rate, observed_abandon)[0, 1]), 3)
            out["erlang_c_unstable_hours"] = int(np.sum(np.isinf(c.asa_s)))
        out[f"observed_sl_mean_pct{tag}"] = round(100 * float(observed_sl.mean()), 2)
        out[f"erlang_a_sl_mae_pp{tag}"] = round(100 * float(np.mean(np.abs(a.service_level - observed_sl))), 2)
        out[f"erlang_c_sl_mae_pp{tag}"] = round(100 * float(np.mean(np.abs(c.service_level - observed_sl))), 2)
        out[f"erlang_a_sl_bias_pp{tag}"] = round(100 * float(np.mean(a.service_level - observed_sl)), 2)
        out[f"erlang_c_sl_bias_pp{tag}"] = round(100 * float(np.mean(c.service_level - observed_sl)), 2)
    return out


def main() -> None:
    path = shared_data() / FILE
    if not path.exists():
        print(json.dumps({"bench": "staffing_vs_real_calls", "skipped": f"{path} not found"}))
        return
    calls = load_calls(path)
    patience = patience_mle_s(calls)
    table = hourly(calls)
    base = {"bench": "staffing_vs_real_calls", "data": "anonymous bank 1999-02, all call types pooled",
            "answer_within_s": ANSWER_WITHIN_S[0]}
    by_ids = predict_and_compare(table, patience, "agents")
    print(json.dumps({**base, "agents_measure": "distinct server ids serving in the hour",
                      "mean_agents": round(float(table["agents"].mean()), 2), **by_ids}))
    by_presence = predict_and_compare(table, patience, "agents_present")
    sensitivity = {}
    for gap in (5.0, 20.0):
        alt = table.assign(agents_present=present_agents_per_hour(calls, gap).reindex(table.index).fillna(0.0))
        got = predict_and_compare(alt, patience, "agents_present")
        sensitivity[f"{gap:g}min"] = {k: got[k] for k in ("erlang_a_abandon_mae_pp", "erlang_c_abandon_mae_pp",
                                                           "erlang_a_sl_mae_pp", "erlang_c_sl_mae_pp")}
    print(json.dumps({**base, "agents_measure": f"agent-hours on shift (gaps > {PRESENCE_GAP_MIN:g} min = away)",
                      "mean_agents": round(float(table["agents_present"].mean()), 2), **by_presence,
                      "gap_sensitivity": sensitivity}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
