"""Benchmark: the finance scenarios of data/scenarios.yaml on the sample month, the sweeps, the annual plan.

Prints JSON lines. The main line has ``scenarios`` (how many ran), ``seconds`` (wall time of the six
scenarios in two worker processes, the forecast excluded), ``annual_seconds`` (requirements of
the year + the capacity model), plus the sample's answers and the sanity checks:

* more bot containment never costs more, a cheaper vendor never costs more (sweeps, quick mode);
* quick mode against full mode (the roster optimizer) on the baseline, when ``--mode full``.

Targets (issue 6): six scenarios ≤ 300 s on 2 cores; the annual plan ≤ 120 s.
The forecast (one fit of the sample history, minutes) is made once and reported as
``forecast_seconds``; ``--forecast FILE`` reuses a forecast covering 2026-11 and 2027.

    .venv/bin/python bench/scenarios.py [--mode full] [--forecast out/forecast-bench.parquet]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]


def emit(record: dict) -> None:
    print(json.dumps(record, ensure_ascii=False, default=float), flush=True)


def forecast(history: Path, events: pd.DataFrame, workforce, cache: Path | None) -> tuple[pd.DataFrame, float, str]:
    """Forecast of 2026-11 and all of 2027 (a cached file when given and present)."""
    if cache is not None and cache.exists():
        return pd.read_parquet(cache), 0.0, str(cache)
    from plan.contracts.history import read_history
    from plan.forecast.model import VolumeForecaster

    started = time.perf_counter()
    hist = read_history(history, known_queues=workforce.queues, interval_minutes=workforce.site.interval_minutes)
    model = VolumeForecaster(country=workforce.site.country, seed=0).fit(hist, events)
    frame = pd.concat([model.predict("2026-11-01", "2026-11-30"), model.predict("2027-01-01", "2027-12-31")],
                      ignore_index=True)
    seconds = time.perf_counter() - started
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(cache)
    return frame, seconds, "fitted on data/history.csv"


def _fte_saved(sweep: dict | None, low: float, high: float) -> float | None:
    """Required FTE at containment ``low`` minus at ``high`` along the bot sweep."""
    if not sweep:
        return None
    values = [round(v, 6) for v in sweep["values"]]
    if round(low, 6) not in values or round(high, 6) not in values:
        return None
    fte = sweep["fte_required"]
    return round(fte[values.index(round(low, 6))] - fte[values.index(round(high, 6))], 2)


def main() -> None:
    from plan.contracts.events import read_events
    from plan.contracts.workforce import read_workforce
    from plan.optimize.finance import scenarios as sc
    from plan.optimize.finance.capacity import parse_capacity, plan_capacity
    from plan.optimize.staffing.requirements import requirements_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("declared", "quick", "full"), default="declared",
                        help="plan the six scenarios in this mode (declared: as the file says)")
    parser.add_argument("--time-limit", type=float, default=None, help="roster time limit per scenario, full mode")
    parser.add_argument("--forecast", type=Path, default=None, help="parquet cache of the forecast (read or written)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    config = REPO / "data" / "workforce.yaml"
    scenario_file = REPO / "data" / "scenarios.yaml"
    workforce = read_workforce(config)
    base = yaml.safe_load(config.read_text(encoding="utf-8"))
    events = read_events(REPO / "data" / "events.csv")
    spec = sc.read_scenarios(scenario_file)
    volumes, forecast_seconds, source = forecast(REPO / "data" / "history.csv", events, workforce, args.forecast)
    stamps = pd.to_datetime(volumes["interval_start"])
    month = volumes[(stamps >= "2026-11-01") & (stamps < "2026-12-01")].reset_index(drop=True)
    year = volumes[(stamps >= "2027-01-01") & (stamps < "2028-01-01")].reset_index(drop=True)

    def jobs(scenarios, values=None):
        values = values or [None] * len(scenarios)
        return [sc.ScenarioJob(s, base, month, events, "2026-11", str(scenario_file), spec.presales_queues, v)
                for s, v in zip(scenarios, values)]

    # 1. the six scenarios, two worker processes
    chosen = [sc.Scenario(s.name, s.overrides, s.description, s.mode if args.mode == "declared" else args.mode,
                          args.time_limit or s.time_limit_s) for s in spec.scenarios]
    started = time.perf_counter()
    results = sc.enforce_consistency(sc.run_scenarios(jobs(chosen), max_workers=args.workers), spec.presales_queues)
    seconds = time.perf_counter() - started
    table = sc.results_table(results, spec.baseline).set_index("scenario")
    six_baseline = results[[r.name for r in results].index(spec.baseline)]
    # sweeps are compared with the baseline planned in their own (quick) mode
    quick_baseline = six_baseline if six_baseline.mode == "quick" else sc.run_scenario(
        jobs([sc.Scenario(spec.baseline, spec.get(spec.baseline).overrides, mode="quick")])[0])
    base_result = quick_baseline
    baseline = table.loc[spec.baseline]

    # 2. sweeps: vendor price on the outsourced team (break-even), bot containment (monotonicity)
    sweep_records = {}
    sweep_started = time.perf_counter()
    for sweep in spec.sweeps:
        points = sc.sweep_scenarios(spec.get(sweep.scenario), sweep)
        swept = sc.enforce_consistency(sc.run_scenarios(jobs(points, list(sweep.values)), max_workers=args.workers),
                                       spec.presales_queues)
        costs = [round(r.cost["total"], 2) for r in swept]
        sweep_records[sweep.label] = {
            "field": sweep.field, "values": list(sweep.values), "total_cost": costs,
            "monotonic_violations": sc.monotonicity_report(swept, sweep.field),
            "mode": swept[0].mode, "baseline_total_cost": round(base_result.cost["total"]),
            "break_even_vs_baseline": sc.break_even(swept, base_result.cost["total"]),
            "break_even_net_of_revenue": sc.net_break_even(swept, base_result),
            "findings": sc.sweep_findings(swept, sweep.field, baseline=base_result),
            "fte_required": [round(r.fte["required"], 2) for r in swept]}
    sweep_seconds = time.perf_counter() - sweep_started

    # 3. the annual plan: requirements of the year + the capacity model
    settings = parse_capacity(spec.capacity, str(scenario_file))
    started = time.perf_counter()
    annual_requirements = requirements_table(year, workforce, events)
    requirements_seconds = time.perf_counter() - started
    annual = plan_capacity(workforce, annual_requirements, settings.year or 2027, settings)
    annual_seconds = time.perf_counter() - started

    out = table
    outsource = out.loc["outsource_presales"]
    bot = out.loc["bot_40"]
    record = {
        "bench": "scenarios", "dataset": "sample", "month": "2026-11", "scenarios": len(results),
        "modes": sorted({r.mode for r in results}), "solver_status": {r.name: r.solver.get("status") for r in results},
        "solver_gap": {r.name: r.solver.get("gap") for r in results},
        "seconds": round(seconds, 1), "annual_seconds": round(annual_seconds, 1),
        "annual_requirements_seconds": round(requirements_seconds, 1), "annual_solver": annual.solver,
        "sweep_points": sum(len(s["values"]) for s in sweep_records.values()), "sweep_seconds": round(sweep_seconds, 1),
        "forecast_seconds": round(forecast_seconds, 1), "forecast": source, "workers": args.workers,
        "targets": {"seconds": 300, "annual_seconds": 120},
        "within_targets": seconds <= 300 and annual_seconds <= 120,
        "baseline_total_cost": round(float(baseline["total_cost"])),
        "total_cost": {name: round(float(v)) for name, v in out["total_cost"].items()},
        "cost_vs_baseline": {name: round(float(v)) for name, v in out["cost_vs_baseline"].items()},
        "fte_required": {name: round(float(v), 2) for name, v in out["fte_required"].items()},
        "service_level_all": {name: round(float(v), 4) for name, v in out["service_level_all"].items()},
        "notes": {name: v for name, v in out["notes"].items() if v},
        "answers": {
            "outsource_presales_saves_per_month": round(-float(outsource["cost_vs_baseline"])),
            "outsource_presales_net_of_revenue_per_month": round(float(outsource.get("net_vs_baseline", float("nan")))),
            "outsource_presales": bool(outsource.get("net_vs_baseline", -outsource["cost_vs_baseline"]) > 0),
            "bot_40_fte_saved": round(-float(bot["fte_required_vs_baseline"]), 2),
            "bot_30_to_40_fte_saved": _fte_saved(sweep_records.get("bot_containment"), 0.30, 0.40),
            "bot_40_cost_vs_baseline_per_month": round(float(bot["cost_vs_baseline"])),
            "annual_cost": round(annual.cost["total"]),
            "annual_answer": annual.answer,
            "break_even_vendor_price": sweep_records.get("vendor_price", {}).get("break_even_vs_baseline"),
            "break_even_vendor_price_net_of_revenue": sweep_records.get("vendor_price", {}).get(
                "break_even_net_of_revenue"),
        },
        "checks": {
            "more_containment_never_costs_more": not sweep_records.get("bot_containment", {}).get("monotonic_violations"),
            "cheaper_vendor_never_costs_more": not sweep_records.get("vendor_price", {}).get("monotonic_violations")
            and float(out.loc["vendor_discount", "total_cost"]) <= float(baseline["total_cost"]) + 1e-6,
            "bot_40_not_dearer": float(bot["total_cost"]) <= float(baseline["total_cost"]) + 1e-6,
        },
        "sweeps": sweep_records,
    }
    emit(record)

    if six_baseline.mode == "full":
        full, quick = six_baseline, quick_baseline
        emit({"bench": "scenarios-quick-vs-full", "dataset": "sample", "scenario": spec.baseline,
              "full_total_cost": round(full.cost["total"]), "quick_total_cost": round(quick.cost["total"]),
              "quick_minus_full_pct": round(100 * (quick.cost["total"] - full.cost["total"]) / full.cost["total"], 2),
              "full_cost": {k: round(v) for k, v in full.cost.items()},
              "quick_cost": {k: round(v) for k, v in quick.cost.items()},
              "full_service": {q: round(v["service_level"], 4) for q, v in full.service.items()},
              "quick_service": {q: round(v["service_level"], 4) for q, v in quick.service.items()},
              "full_fte_vendor": round(full.fte["vendor"], 2), "quick_fte_vendor": round(quick.fte["vendor"], 2),
              "full_seconds": full.seconds, "quick_seconds": quick.seconds, "full_solver": {
                  k: v for k, v in full.solver.items() if k in ("status", "objective", "best_bound", "gap", "seconds")}})

    shared = Path(os.environ.get("PLAN_SHARED_DATA", REPO.parent / "shared" / "data"))
    bank = shared / "anonymous-bank-1999" / "calls_hourly_1999.csv"
    if not bank.exists():
        emit({"bench": "capacity", "dataset": "anonymous-bank-1999", "skipped": True, "reason": f"{bank} absent"})
    else:
        emit(bank_capacity(bank))
    emit({"bench": "scenarios", "dataset": "shared", "skipped": True,
          "reason": "the reference data has no team, vendors or prices, so monthly finance scenarios run on the "
                    "sample only; the annual plan runs on the bank's real 1999 arrivals above"})


def bank_workforce(headcount: int) -> dict:
    """A hypothetical team for the bank's one voice queue (AHT 177 s and patience from Feb 1999's call log)."""
    agents = [{"id": f"B{i:03d}", "name": f"agent {i}", "skills": ["phone"], "contract": "standard",
               "monthly_salary": 7000} for i in range(headcount)]
    return {"site": {"name": "Anonymous Bank 1999", "currency": "CNY", "country": "IL", "interval_minutes": 60},
            "queues": {"phone": {"channel": "voice", "aht_s": 177, "patience_s": 300, "shrinkage": 0.3,
                                 "targets": {"service_level": 0.8, "answer_within_s": 20, "max_abandon": 0.05}}},
            "shifts": [{"code": "A", "name": "early", "start": "07:00", "end": "16:00",
                        "breaks": [{"minutes": 60, "window_start": "11:00", "window_end": "14:00"}]},
                       {"code": "B", "name": "late", "start": "14:00", "end": "23:00",
                        "breaks": [{"minutes": 60, "window_start": "17:00", "window_end": "20:00"}]}],
            "contracts": {"standard": {"system": "standard"}},
            "in_house": agents,
            "vendors": [{"id": "V1", "name": "overflow BPO", "skills": ["phone"], "price_per_seat_hour": 45,
                         "max_seats": 12, "aht_factor": 1.15}],
            "costs": {"shortfall_penalty_per_contact": 20}}


def bank_capacity(path: Path) -> dict:
    """The annual plan on real arrivals: the bank's 1999 hourly calls as a perfect forecast of the year."""
    from plan.contracts.workforce import parse_workforce
    from plan.optimize.finance.capacity import CapacityConfig, plan_capacity
    from plan.optimize.staffing.requirements import requirements_table

    calls = pd.read_csv(path)
    forecast = pd.DataFrame({"queue": "phone", "interval_start": pd.to_datetime(calls["hour_start"]),
                             "arrivals": calls["calls"].astype(float)})
    workforce = parse_workforce(bank_workforce(headcount=20), "bank workforce (bench)")
    started = time.perf_counter()
    requirements = requirements_table(forecast, workforce)
    plan = plan_capacity(workforce, requirements, 1999, CapacityConfig(cost_per_hire=6000, monthly_attrition=0.03))
    seconds = time.perf_counter() - started
    months = plan.months
    return {"bench": "capacity", "dataset": "anonymous-bank-1999", "year": 1999, "calls": int(calls["calls"].sum()),
            "annual_seconds": round(seconds, 1), "solver": plan.solver, "answer": plan.answer,
            "headcount_by_month": [round(h, 1) for h in months["headcount"]],
            "required_fte_by_month": [round(h, 1) for h in months["required_fte"]],
            "vendor_seat_hours_by_month": [round(h) for h in months["vendor_seat_hours"]],
            "hires_by_month": [int(h) for h in months["hires_decided"]],
            "note": "demand is real (1999 arrivals as a perfect forecast); the team, prices and targets are "
                    "hypothetical (20 agents to start, 7,000/month, vendor 45/seat-h)"}


if __name__ == "__main__":
    main()
