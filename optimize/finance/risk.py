"""Service risk of a plan under forecast uncertainty: many seeded forecast paths, the plan's fixed
staffing under each, and the chance of meeting each target per queue and period.

**Paths.** Each path is a month of hourly arrival rates per queue drawn from the forecast's own
band (``p10``/``p90`` of the plan's ``inputs/forecast``). An interval's band, less its Poisson part
(the count noise the service models and the simulator already draw), is a log-normal spread of the
rate, ``s²``. Within a day the intervals share a common shock: the part of ``s²`` that the day's busy
intervals all carry (the lower quartile of their ``s²``, so a day-level error moves every hour of
the day together, as the forecast's daily level does); the rest of each interval's ``s²`` is its own
noise. ``log rate = log mean − s²/2 + sqrt(common)·z_day + sqrt(own)·e_hour``, so the mean of the
paths is the forecast. The bot takes its planned share of each interval.

**Service** under a path, with the plan's effective agents per interval, is read either by the
staffing service functions (``engine="analytic"``: Erlang A, the chat chain, the email backlog; the
same functions the roster priced the plan with) or by the discrete-event simulator
(``engine="simulate"``, slower: a month of contacts per path). Both read the same drawn paths, and the
month's end alike: a contact whose deadline falls after the month is never late (the backlog) or,
still waiting at the end, censored and left out (the simulator's module doc).

**Targets.** A period (the month, 11.11, each event window) meets a queue's target when its
contact-weighted service level reaches ``service_level`` (event targets in event windows and on
11.11; every interval's answer-within threshold its own), or, for a queue with only an ``asa_s``
target, when the mean wait stays within it; an email queue without a ``service_level`` meets its
deadline target when less than one email of the period is late. The probability is the share of
paths that meet it, with its binomial Monte-Carlo standard error ``sqrt(p(1−p)/N)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from plan.contracts.calendar import event_day_mask
from plan.contracts.errors import InputError
from plan.contracts.workforce import Workforce
from plan.execution import TaskContext

ENGINES = ("analytic", "simulate")
Z90 = 1.2815515655446004  # the standard normal's 90 % quantile: p10..p90 spans 2 × Z90 sd
BUSY_ARRIVALS = 10.0  # intervals at least this busy size a day's common shock (fewer: Poisson noise dominates)
PATHS_PER_TASK = {"analytic": 25, "simulate": 1}  # fixed, so results never depend on the worker count
COST_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
METHOD_LINE = {
    "analytic": "paths: forecast band (p10..p90 less Poisson) as a day-level shock plus hourly noise; service: the "
                "staffing service functions the roster priced the plan with (Erlang A, chat chain, email backlog)",
    "simulate": "paths: forecast band (p10..p90 less Poisson) as a day-level shock plus hourly noise; service: the "
                "discrete-event simulator, contacts drawn afresh on each path"}


@dataclass(frozen=True)
class Period:
    name: str
    mask: np.ndarray  # [interval] bool
    event: bool  # event targets apply


@dataclass(frozen=True)
class RiskInputs:
    """A plan and its forecast band as arrays ``[queue, interval]`` (picklable, shared by all tasks)."""
    workforce: Workforce
    queues: tuple[str, ...]
    stamps: pd.DatetimeIndex
    mean: np.ndarray  # the forecast's mean arrivals (before the bot)
    bot_share: np.ndarray
    common_var_log: np.ndarray  # the day's shared log variance, per interval
    own_var_log: np.ndarray  # the interval's own log variance
    effective: np.ndarray  # the plan's effective agents on the floor
    aht_s: np.ndarray
    event_interval: np.ndarray  # [interval] bool
    periods: tuple[Period, ...]
    seed: int

    @property
    def interval_min(self) -> int:
        return self.workforce.site.interval_minutes


# ---- reading a plan ------------------------------------------------------------------------------

def read_risk_inputs(plan_dir: Path, seed: int = 0) -> RiskInputs:
    """The plan directory's coverage, requirements (handle times), events and forecast band."""
    from plan.contracts.plan_files import _find_input, read_plan
    from plan.contracts.tables import parse_numbers, read_table, require_columns
    from plan.optimize.staffing.requirements import requirements_table

    plan = read_plan(plan_dir, requirements_table)
    workforce = plan.workforce
    coverage = plan.coverage
    queues = tuple(dict.fromkeys(coverage["queue"]))
    stamps = pd.DatetimeIndex(sorted(coverage["interval_start"].unique()))
    grid = lambda frame, column: (frame.pivot_table(index="queue", columns="interval_start", values=column,  # noqa: E731
                                                    aggfunc="first").reindex(index=list(queues), columns=stamps)
                                  .to_numpy(float))
    mean = np.nan_to_num(grid(coverage, "arrivals"))
    bot_share = np.where(mean > 0, np.nan_to_num(grid(coverage, "bot_handled")) / np.maximum(mean, 1e-12), 0.0)
    effective = np.nan_to_num(grid(coverage, "staffed_effective"))
    aht = np.array([[workforce.queues[q].aht_s] for q in queues]) * np.ones((1, len(stamps)))
    if plan.requirements is not None and "aht_s" in plan.requirements:
        given = grid(plan.requirements, "aht_s")
        aht = np.where(np.isnan(given), aht, given)
    forecast_path = _find_input(Path(plan_dir), "forecast")
    if forecast_path is None:
        raise InputError(Path(plan_dir) / "inputs", "the plan carries no forecast (inputs/forecast.csv): no band "
                                                    "to draw paths from", field="forecast")
    raw = read_table(forecast_path)
    require_columns(raw, forecast_path, ["queue", "interval_start", "p10", "p90"])
    band = pd.DataFrame({"queue": raw["queue"].astype(str).str.strip(),
                         "interval_start": pd.to_datetime(raw["interval_start"]),
                         "p10": parse_numbers(raw, "p10", forecast_path),
                         "p90": parse_numbers(raw, "p90", forecast_path)})
    p10, p90 = np.nan_to_num(grid(band, "p10")), np.nan_to_num(grid(band, "p90"))
    common, own = band_variances(mean, p10, p90, stamps)
    event_interval = event_day_mask(stamps, plan.events)
    return RiskInputs(workforce=workforce, queues=queues, stamps=stamps, mean=mean, bot_share=bot_share,
                      common_var_log=common, own_var_log=own, effective=effective, aht_s=aht,
                      event_interval=event_interval, periods=tuple(risk_periods(stamps, plan.events, event_interval)),
                      seed=seed)


def band_variances(mean: np.ndarray, p10: np.ndarray, p90: np.ndarray,
                   stamps: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """(common, own) log variances of the rate per interval from the count band (module doc)."""
    count_var = ((p90 - p10) / (2 * Z90)) ** 2
    extra = np.maximum(count_var - mean, 0.0)  # beyond Poisson
    total = np.where(mean > 0, np.log1p(extra / np.maximum(mean, 1e-12) ** 2), 0.0)
    days = np.asarray(stamps.normalize().asi8)
    common = np.zeros_like(total)
    for day in np.unique(days):
        columns = days == day
        for q in range(total.shape[0]):
            values, volume = total[q, columns], mean[q, columns]
            busy = values[volume >= BUSY_ARRIVALS]
            if busy.size == 0:
                busy = values[volume > 0]
            shared = float(np.quantile(busy, 0.25)) if busy.size else 0.0
            common[q, columns] = np.minimum(shared, values)
    return common, total - common


def risk_periods(stamps: pd.DatetimeIndex, events: pd.DataFrame | None, event_interval: np.ndarray) -> list[Period]:
    """The month; 11.11 when the month holds it; each event window overlapping the month (clipped)."""
    days = stamps.normalize()
    periods = [Period("month", np.ones(len(stamps), bool), False)]
    double11 = (days.month == 11) & (days.day == 11)
    if double11.any():
        periods.append(Period("11.11", np.asarray(double11), True))
    for row in (events.itertuples(index=False) if events is not None else []):
        start, end = pd.Timestamp(row.start).normalize(), pd.Timestamp(row.end).normalize()
        inside = np.asarray((days >= start) & (days <= end))
        if inside.any():
            periods.append(Period(f"{row.name} ({max(start, days[0]):%m-%d}..{min(end, days[-1]):%m-%d})",
                                  inside, True))
    return periods


# ---- one path ------------------------------------------------------------------------------------

def path_seeds(seed: int, n_paths: int) -> list[np.random.SeedSequence]:
    """Path *p*'s stream: child *p* of ``SeedSequence(seed)``, whatever task or worker draws it."""
    return list(np.random.SeedSequence(seed).spawn(n_paths))


def draw_rates(inputs: RiskInputs, seed: np.random.SeedSequence) -> np.ndarray:
    """One path: arrival rates ``[queue, interval]`` before the bot (module doc)."""
    rng = np.random.default_rng(seed)
    days = np.asarray(inputs.stamps.normalize().asi8)
    _, day_index = np.unique(days, return_inverse=True)
    z_day = rng.standard_normal((len(inputs.queues), day_index.max() + 1))[:, day_index]
    e_hour = rng.standard_normal(inputs.mean.shape)
    total = inputs.common_var_log + inputs.own_var_log
    log_factor = -0.5 * total + np.sqrt(inputs.common_var_log) * z_day + np.sqrt(inputs.own_var_log) * e_hour
    return inputs.mean * np.exp(log_factor)


@dataclass(frozen=True)
class PathService:
    """What the report needs from paths ``[path, queue, interval]``: contacts reaching people (the
    simulator's less those censored at the month's end), those not served within the target
    threshold, and the waits of those answered (ASA)."""
    contacts: np.ndarray
    short: np.ndarray
    wait_s: np.ndarray  # total wait of answered contacts
    answered: np.ndarray


def analytic_service(inputs: RiskInputs, human: np.ndarray) -> PathService:
    """The staffing service functions (the ones the roster priced the plan with) on paths ``[path, queue, interval]``."""
    from plan.optimize.queueing.service import queue_service_arrays

    short, wait, answered = np.zeros_like(human), np.zeros_like(human), np.zeros_like(human)
    for qi, name in enumerate(inputs.queues):
        service = queue_service_arrays(inputs.workforce.queues[name], human[:, qi], inputs.aht_s[qi],
                                       inputs.effective[qi], inputs.event_interval, inputs.interval_min)
        short[:, qi] = service["shortfall_contacts"]
        answered[:, qi] = human[:, qi] * (1.0 - service["abandon_rate"])
        wait[:, qi] = np.nan_to_num(service["asa_s"], posinf=0.0) * answered[:, qi]
    return PathService(contacts=human, short=short, wait_s=wait, answered=answered)


def simulated_service(inputs: RiskInputs, human: np.ndarray, seeds: list[np.random.SeedSequence]) -> PathService:
    """The discrete-event simulator on each path (its contacts drawn afresh from the path's rates)."""
    from plan.optimize.queueing.simulate import simulate_table

    shape = human.shape
    out = {k: np.zeros(shape) for k in ("contacts", "short", "wait_s", "answered")}
    stamps = np.tile(inputs.stamps.strftime("%Y-%m-%d %H:%M"), len(inputs.queues))
    for p in range(shape[0]):
        frame = pd.DataFrame({"queue": np.repeat(inputs.queues, len(inputs.stamps)), "interval_start": stamps,
                              "arrivals_human": human[p].ravel(), "agents_on_floor": inputs.effective.ravel(),
                              "aht_s": inputs.aht_s.ravel(),
                              "event_day": np.tile(inputs.event_interval, len(inputs.queues))})
        seed = int(seeds[p].spawn(1)[0].generate_state(1, dtype=np.uint32)[0] >> 1)
        sim = simulate_table(frame, inputs.workforce, seed=seed)
        for qi, name in enumerate(inputs.queues):
            part = sim[sim["queue"] == name]
            index = pd.DatetimeIndex(pd.to_datetime(part["interval_start"])).get_indexer(inputs.stamps)
            ok = index >= 0
            rows = part.iloc[index[ok]]
            # censored contacts (still waiting at the month's end, deadline after it) are neither met nor short,
            # as the email backlog never counts late a contact whose deadline lies beyond the month
            decided = (rows["arrivals_simulated"] - rows["censored"]).to_numpy(float)
            out["contacts"][p, qi, ok] = decided
            out["short"][p, qi, ok] = decided - rows["answered_within"].to_numpy(float)
            out["wait_s"][p, qi, ok] = rows["wait_answered_s"].to_numpy(float)
            out["answered"][p, qi, ok] = rows["answered"].to_numpy(float)
    return PathService(**out)


# ---- what a chunk of paths reports ---------------------------------------------------------------

def target_of(queue, period_event: bool) -> tuple[str, float | None]:
    """(kind, value): ``("sl", 0.95)``, ``("asa", 20)``, ``("late", 0.5)`` or ``("none", None)``."""
    targets = queue.event_targets if (period_event and queue.event_targets is not None) else queue.targets
    if targets.service_level is not None:
        return "sl", float(targets.service_level)
    if targets.asa_s is not None and queue.channel != "email":
        return "asa", float(targets.asa_s)
    if queue.channel == "email" and targets.resolve_within_h is not None:
        return "late", 0.5
    return "none", None


def period_outcomes(inputs: RiskInputs, service: PathService) -> tuple[np.ndarray, np.ndarray]:
    """(value, met) per ``[path, queue, period]``: service level, mean wait or late emails, and whether
    the period's target holds (NaN / False where a queue has no target)."""
    n_paths, n_queues = service.contacts.shape[:2]
    value = np.full((n_paths, n_queues, len(inputs.periods)), np.nan)
    met = np.zeros(value.shape, bool)
    for qi, name in enumerate(inputs.queues):
        queue = inputs.workforce.queues[name]
        for k, period in enumerate(inputs.periods):
            kind, target = target_of(queue, period.event)
            contacts = service.contacts[:, qi, period.mask].sum(axis=1)
            short = service.short[:, qi, period.mask].sum(axis=1)
            if kind == "sl":
                value[:, qi, k] = np.where(contacts > 0, 1.0 - short / np.maximum(contacts, 1e-12), 1.0)
                met[:, qi, k] = value[:, qi, k] >= target - 1e-12
            elif kind == "asa":
                answered = service.answered[:, qi, period.mask].sum(axis=1)
                value[:, qi, k] = np.where(answered > 0, service.wait_s[:, qi, period.mask].sum(axis=1)
                                           / np.maximum(answered, 1e-12), 0.0)
                met[:, qi, k] = value[:, qi, k] <= target + 1e-12
            elif kind == "late":
                value[:, qi, k] = short
                met[:, qi, k] = short < target
    return value, met


def interval_misses(inputs: RiskInputs, service: PathService) -> np.ndarray:
    """``[path, queue, interval]`` True where the interval itself falls short of its own target."""
    miss = np.zeros(service.contacts.shape, bool)
    for qi, name in enumerate(inputs.queues):
        queue = inputs.workforce.queues[name]
        for is_event in (False, True):
            cols = inputs.event_interval == is_event
            kind, target = target_of(queue, is_event)
            contacts, short = service.contacts[:, qi][:, cols], service.short[:, qi][:, cols]
            if kind == "sl":
                miss[:, qi, cols] = (contacts > 0) & (short > (1.0 - target) * contacts + 1e-9)
            elif kind == "asa":
                answered = service.answered[:, qi][:, cols]
                miss[:, qi, cols] = service.wait_s[:, qi][:, cols] > target * answered + 1e-9
            elif kind == "late":
                miss[:, qi, cols] = short >= target
    return miss


def run_paths(chunk: tuple[str, int, int, int], context: TaskContext) -> dict:
    """One task: paths ``start..stop-1`` of ``n_paths`` drawn and served by ``engine``; per-path
    outcomes and per-interval sums."""
    inputs: RiskInputs = context.shared
    engine, start, stop, n_paths = chunk
    seeds = path_seeds(inputs.seed, n_paths)[start:stop]
    human = np.stack([draw_rates(inputs, s) for s in seeds]) * (1.0 - inputs.bot_share)[None]
    service = (analytic_service(inputs, human) if engine == "analytic"
               else simulated_service(inputs, human, seeds))
    value, met = period_outcomes(inputs, service)
    return {"value": value, "met": met, "short": service.short.sum(axis=2),
            "misses": interval_misses(inputs, service).sum(axis=0), "short_sum": service.short.sum(axis=0)}


def path_tasks(engine: str, n_paths: int) -> list[tuple[str, tuple[str, int, int, int]]]:
    """Fixed chunks of paths, named ``paths start-stop``."""
    size = PATHS_PER_TASK[engine]
    return [(f"paths {start}-{min(start + size, n_paths) - 1}", (engine, start, min(start + size, n_paths), n_paths))
            for start in range(0, n_paths, size)]


# ---- the report ----------------------------------------------------------------------------------

@dataclass
class RiskReport:
    targets: pd.DataFrame  # queue, period, target, expected (at the forecast mean), probability, mc_se, paths
    cost: dict  # shortfall cost: mean, quantiles, the plan's own
    hours: pd.DataFrame  # the hours most at risk
    engine: str
    paths: int
    seconds: float = 0.0
    failures: list[str] | None = None


def combine(inputs: RiskInputs, chunks: list[dict], engine: str, top_hours: int = 12) -> RiskReport:
    """Chunks' results (in path order) → probabilities with their MC errors, cost quantiles, hours at risk."""
    value = np.concatenate([c["value"] for c in chunks])
    met = np.concatenate([c["met"] for c in chunks])
    short = np.concatenate([c["short"] for c in chunks])  # [path, queue]
    misses = sum(c["misses"] for c in chunks)
    short_sum = sum(c["short_sum"] for c in chunks)
    n = len(value)
    human = inputs.mean * (1.0 - inputs.bot_share)
    expected, _ = period_outcomes(inputs, analytic_service(inputs, human[None]))
    rows = []
    for qi, name in enumerate(inputs.queues):
        queue = inputs.workforce.queues[name]
        for k, period in enumerate(inputs.periods):
            kind, target = target_of(queue, period.event)
            if kind == "none":
                continue
            p = float(met[:, qi, k].mean())
            rows.append({"queue": name, "period": period.name, "target": target_text(kind, target),
                         "at_forecast": float(expected[0, qi, k]), "probability_met": p,
                         "mc_se": float(np.sqrt(p * (1 - p) / n)), "p10_value": float(np.quantile(value[:, qi, k], 0.1)),
                         "p50_value": float(np.quantile(value[:, qi, k], 0.5)), "kind": kind, "paths": n})
    penalty = inputs.workforce.costs.shortfall_penalty_per_contact
    cost = short.sum(axis=1) * penalty
    at_mean = float(analytic_service(inputs, human[None]).short.sum() * penalty)
    cost_summary = {"penalty_per_contact": penalty, "mean": float(cost.mean()),
                    "mc_se_of_mean": float(cost.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
                    "at_forecast_mean": at_mean,
                    "quantiles": {f"p{round(q * 100)}": float(np.quantile(cost, q)) for q in COST_QUANTILES},
                    "by_queue_mean": {name: float(short[:, qi].mean() * penalty) for qi, name in enumerate(inputs.queues)}}
    probability = misses / n
    # most at risk: the most contacts expected short of target over the paths, then the likeliest to miss
    order = np.lexsort((-probability.ravel(), -short_sum.ravel()))[:top_hours]
    hours = pd.DataFrame([{"queue": inputs.queues[i // len(inputs.stamps)],
                           "interval_start": f"{inputs.stamps[i % len(inputs.stamps)]:%Y-%m-%d %H:%M}",
                           "probability_short": float(probability.ravel()[i]),
                           "mc_se": float(np.sqrt(probability.ravel()[i] * (1 - probability.ravel()[i]) / n)),
                           "expected_short_contacts": float(short_sum.ravel()[i] / n),
                           "agents_on_floor": float(inputs.effective.ravel()[i]),
                           "arrivals_forecast": float(inputs.mean.ravel()[i])} for i in order
                          if probability.ravel()[i] > 0])
    return RiskReport(targets=pd.DataFrame(rows), cost=cost_summary, hours=hours, engine=engine, paths=n)


def target_text(kind: str, target: float) -> str:
    return {"sl": f"SL ≥ {target:.0%}", "asa": f"ASA ≤ {target:g} s", "late": "no email late"}[kind]
