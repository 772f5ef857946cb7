"""Many teams planned at once (``plan batch DIR``): one sub-folder per team, each an execution-layer task.

A team folder holds ``workforce.yaml``, a history (``history.csv``/``.parquet``, forecast here) or a
forecast (``forecast.csv``/``.parquet`` covering the month), and optionally ``events.csv``. Each team
is forecast, staffed and rostered on its own (``plan_month`` with an explicit CP-SAT thread count);
the plans come back to this process, which writes them (and the combined summary) only after every
team has finished.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from plan.contracts.errors import InputError
from plan.execution import TaskContext

SUFFIXES = (".csv", ".parquet", ".pq")


@dataclass(frozen=True)
class BatchSettings:
    month: str
    time_limit_s: float | None  # None: each team's least useful limit (budgets.minimum_time_limit_s)
    seed: int


@dataclass
class TeamPlan:
    team: str
    plan: Any  # the roster's result (tables and summary)
    workforce_path: Path
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    events_path: Path | None
    time_limit_s: float
    seconds: float
    currency: str


def team_folders(root: Path) -> list[Path]:
    """Sub-folders of ``root`` (sorted by name), hidden ones left out; a folder without a
    workforce.yaml is still a team, reported as failed by its own task."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def find_table(folder: Path, stem: str) -> Path | None:
    return next((folder / f"{stem}{s}" for s in SUFFIXES if (folder / f"{stem}{s}").exists()), None)


def plan_team(folder: Path, context: TaskContext) -> TeamPlan:
    """One team (an execution-layer task): read, forecast, staff and roster its month."""
    from plan.cli.sources import forecast_or_history, range_forecast, refuse_daily
    from plan.contracts.events import read_events
    from plan.contracts.history import read_history
    from plan.contracts.workforce import read_workforce
    settings: BatchSettings = context.shared
    started = time.perf_counter()
    config = folder / "workforce.yaml"
    if not config.exists():
        raise InputError(config, "file not found: a team folder needs workforce.yaml")
    workforce = read_workforce(config)
    first = pd.Timestamp(f"{settings.month}-01")
    last = first + pd.offsets.MonthEnd(0)
    events_path = find_table(folder, "events")
    calendar = read_events(events_path) if events_path is not None else None
    forecast_path, history_path = find_table(folder, "forecast"), find_table(folder, "history")
    if forecast_path is not None:
        given, hist = forecast_or_history(forecast_path, folder / "history.csv", workforce, first, last)
    elif history_path is not None:
        given, hist = None, read_history(history_path, known_queues=workforce.queues,
                                         interval_minutes=workforce.site.interval_minutes,
                                         timezone=workforce.site.timezone)
        refuse_daily(hist, history_path, "history")
        hist.attrs["path"] = str(history_path)
    else:
        raise InputError(folder, "no history.csv (or forecast.csv) in the team folder", field="history")
    from plan.optimize.roster import plan_month  # the solvers load once a team's inputs are known to be good
    from plan.optimize.roster.budgets import minimum_time_limit_s
    from plan.optimize.staffing.requirements import requirements_table

    forecast = range_forecast(given, hist, workforce, calendar, first, last)
    requirements = requirements_table(forecast, workforce, calendar)
    days = (last - first).days + 1
    floor = minimum_time_limit_s(len(workforce.in_house), days)
    limit = max(settings.time_limit_s or 0.0, floor)
    plan = plan_month(workforce, requirements, settings.month, events=calendar, time_limit_s=limit,
                      seed=settings.seed, num_workers=context.solver_threads)
    return TeamPlan(team=folder.name, plan=plan, workforce_path=config, forecast=forecast, requirements=requirements,
                    events_path=events_path, time_limit_s=limit, seconds=round(time.perf_counter() - started, 1),
                    currency=workforce.site.currency)


def summary_row(team: TeamPlan, violations: list[str]) -> dict:
    """The combined summary's row for a planned team."""
    summary = team.plan.summary
    service = summary.get("service", {})
    contacts = sum(float(s.get("contacts", 0.0)) for s in service.values())
    answered_in_time = sum(float(s.get("contacts", 0.0)) * float(s.get("service_level", 1.0)) for s in service.values())
    people = int(team.plan.roster["id"].nunique()) if len(team.plan.roster) else 0
    solver = summary.get("solver", {})
    return {"team": team.team, "status": "ok", "error": "", "people": people,
            "cost_total": float(summary["cost"]["total"]), "contacts": contacts,
            "service_level": answered_in_time / contacts if contacts else 1.0,
            "shortfall_contacts": sum(float(s.get("contacts", 0.0)) * (1 - float(s.get("service_level", 1.0)))
                                      for s in service.values()),
            "gap": solver.get("gap"), "time_limit_s": team.time_limit_s, "seconds": team.seconds,
            "violations": len(violations)}


def failed_row(team: str, error: str) -> dict:
    return {"team": team, "status": "failed", "error": error}
