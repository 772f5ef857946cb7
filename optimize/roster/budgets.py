"""Every time budget of ``plan roster``, in one table, and how ``--time-limit`` becomes solver work.

The limit counts from the command's start to the verified plan. It is split into stage budgets
from the limit alone, never from a clock, so that the same inputs, seed and limit give the same
plan on a busy machine as on an idle one:

- CP-SAT runs its deterministic, interleaved search (``interleave_search``: the workers' results
  are merged in fixed batches, so thread timing does not enter the result) and stops on
  *deterministic time* (``max_deterministic_time``, a weighted count of the solver's operations);
  a stage's budget in seconds is converted with :data:`CP_SAT_WORK_PER_S`.
- HiGHS stops on its own counts: simplex iterations for the LP relaxation, branch-and-bound nodes
  for the exact MIPs (:data:`LP_ITERATIONS_PER_S`, :data:`MIP_NODES`).
- The wall clock is a safety net only: each call is also cut at :data:`WALL_SAFETY` × its budget,
  and none runs past the command's deadline (:data:`WALL_SAFETY` × the limit from the command's
  start, less :data:`AFTER_SOLVE_S` for extraction, writing and the check), except the calls without which the
  plan is not worth having: the LP relaxation (:data:`LP_MIN_WALL_S`), naming's shift counts and a
  legal roster (:mod:`plan.optimize.roster.assign`), and the repair's consistent start. A call the wall clock cuts (a machine
  much slower or busier than the conversions assume) still ends with a plan, perhaps another one.

Overhead: the limit is kept to within the work that cannot be cut: reading and forecasting before
the roster starts, the month's build (bounded by the team's size, see
:func:`plan.optimize.roster.curves.queue_curves`), the minimum allowance of a solver call
(:data:`MIN_CALL_S`, a plan must come out of every stage), and writing and checking the plan.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

# ---- what the limit is spent on -------------------------------------------------------------------
# Part of the limit the solvers do not get: reading the inputs, building the month (instance, service
# curves, model) before the first solve, and the plan's tables, workbook, chart and independent check
# after the last. None of it shrinks with the limit; it grows with the month's person-days (in-house
# agents × days). A fixed part and a part per person-day, fitted to the stage timings of
# bench/limits.py (the sample and the generated 300-agent month on the reference two-core machine).
OVERHEAD_FIXED_S = 10.0
OVERHEAD_PER_PERSON_DAY_S = 0.008
# The solvers' time is never below this: less does not load the aggregate model and re-find a hint,
# and a plan must come out whatever the limit (the limit is then overrun by at most this much).
MIN_SOLVE_S = 4.0
# The least solver time worth a plan, per in-house agent: with less, naming the people cannot keep the
# aggregate's shift counts, and the plan misses shifts by the hundred. `plan roster` refuses a
# --time-limit below the overhead plus this (:func:`minimum_time_limit_s`).
USEFUL_SOLVE_PER_AGENT_S = 1.1
# Shares of the solvers' time, in pipeline order (they sum to 1). The aggregate (LP + box search)
# and naming the people carry the plan's cost; the repair re-chooses queues, breaks and purchases
# around the names; the consistent start builds the plan the repair starts from; the re-buy is an
# exact MIP over the purchases; part-time naming is small (one block a day per person).
AGGREGATE_SHARE = 0.40
NAMING_SHARE = 0.40
CONSISTENT_START_SHARE = 0.03
REPAIR_SHARE = 0.10
REBUY_SHARE = 0.05
PART_TIME_SHARE = 0.02
# With this much solver time or more, half of the aggregate's share goes to day windows (exact HiGHS
# MIPs over a few days at a time, :mod:`plan.optimize.roster.neighbourhoods`); with less, naming needs the
# time more. Skipped when the aggregate plan is already within WINDOWS_ABOVE_GAP of the bound.
WINDOWS_FROM_S = 150.0
WINDOWS_PART = 0.5
WINDOWS_ABOVE_GAP = 0.005

# ---- inside the aggregate's search (:func:`plan.optimize.roster.solve.solve_aggregate`) -----------
# The LP relaxation's share of a search stage: without the LP there is neither a bound nor a box to
# search in, and its simplex is the one step that cannot stop early with something useful.
LP_SHARE = 0.3
# The LP's wall-clock cap is at least this: an LP cut short gives nothing (no bound, no box: the plan
# that follows is far from the cheapest), so it is cut only as a safety net, well beyond the time its
# iteration count (below) takes, and not by the command's deadline (part of the documented overrun).
LP_MIN_WALL_S = 15.0
# The legal point (the rules alone, objective set aside) ends at its first solution, so its budget
# binds only when the box holds none (then the box is widened): LEGAL_POINT_S at most, and at most
# LEGAL_POINT_SHARE of what the search has left. It runs on one worker: without an objective the
# other workers' neighbourhoods have nothing to improve, and one sequential search is deterministic
# by itself and finds the point sooner than the interleaved portfolio.
LEGAL_POINT_SHARE = 0.5
LEGAL_POINT_S = 20.0
LEGAL_POINT_WORKERS = 1
# A short full search of the box first (it proves small boxes optimal), then large neighbourhoods
# only from its best; the full search gets FULL_SEARCH_SHARE of what is left, at least
# FULL_SEARCH_MIN_S (less does not re-find the hint on a large team), and only when at least
# FULL_SEARCH_FROM_S is left. The deterministic interleaved search spends a short full search
# re-finding its hint, far above what its neighbourhoods reach from the hint in the same work
# (bench/limits.py), so below a long budget the neighbourhoods start at once.
FULL_SEARCH_SHARE = 0.2
FULL_SEARCH_MIN_S = 4.0
FULL_SEARCH_FROM_S = 60.0
# Large neighbourhoods run only with at least this much of the stage left (one LNS round on the
# month's model needs about that much to finish a neighbourhood).
LNS_MIN_S = 1.0
# A whole-model search after the box failed starts from a legal point of at least this much time.
FALLBACK_LEGAL_MIN_S = 5.0
# When the aggregate search ends with no plan at all, one more legal-point try of at least this much
# (or RETRY_SHARE of the solvers' time) decides between "slow" and "the rules contradict each other".
RETRY_MIN_S = 20.0
RETRY_SHARE = 0.3

# ---- naming (:mod:`plan.optimize.roster.assign`) --------------------------------------------------
# Two phases per chunk of a group: the shift counts, then the soft wishes at that level.
NAMING_COUNTS_PART = 0.6
NAMING_WISHES_PART = 0.4
# With no roster in the counts' time, a legal roster alone gets at least this much (it is needed).
NAMING_LEGAL_MIN_S = 10.0

# ---- exact MIPs (:mod:`plan.optimize.roster.neighbourhoods`) --------------------------------------
# Days a window frees at a time, and one window's share: a window is solved to the end or cut here.
WINDOW_DAYS = 6
WINDOW_LIMIT_S = 8.0
# Reading a model's rows off the proto for HiGHS, set aside per MIP (not HiGHS's time).
READ_ROWS_S = 1.0

# ---- the conversions --------------------------------------------------------------------------
# CP-SAT deterministic time per second of budget. Deterministic time counts the search's propagation
# and clause work, calibrated by OR-Tools to about a second of one core; on the month's models most
# of the wall time goes to the LP relaxation inside CP-SAT and to presolve, which it counts lightly,
# so a unit takes several seconds here. The value is set so that a stage ends on its deterministic
# budget, before its wall-clock safety net, on a two-core machine shared with other work
# (bench/limits.py reports wall time against the limit).
CP_SAT_WORK_PER_S = 0.17
# The same for the naming models (booleans and small sums, no LP to speak of): deterministic time
# accrues faster per second there.
NAMING_WORK_PER_S = 0.55
# CP-SAT workers, and the number of tasks in one deterministic batch (fixed, so the result does not
# depend on how many threads run it). Naming runs on one worker: its small models need a first
# solution fast, which one sequential search from the hint finds sooner than the interleaved portfolio.
CP_SAT_WORKERS = 2
NAMING_WORKERS = 1
CP_SAT_BATCH = 6
# HiGHS dual simplex iterations per second of budget: an LP that needs more iterations than its
# budget buys is stopped on the count (no bound, the search goes on without it).
LP_ITERATIONS_PER_S = 2000
# An LP cut on its count gives nothing (no bound, no box), so a short stage still buys the iterations a
# month's relaxation needs on a team without slack, the longest of the LPs met here.
LP_MIN_ITERATIONS = 60_000
# Branch-and-bound nodes an exact MIP may explore; its root (presolve, cuts) is bounded by the wall
# clock only, and the node count bounds what follows deterministically.
MIP_NODES = 500
# Each call is also cut by the wall clock at this multiple of its budget (the safety net): a machine
# up to this much slower than the conversions assume still gives the same plan.
WALL_SAFETY = 2.0
# Every solver call gets at least this wall time (a plan must come out of each stage), and the work
# after the last solve (extraction, writing, the independent check) is kept out of the deadline.
MIN_CALL_S = 1.0
AFTER_SOLVE_S = 3.0


@dataclass(frozen=True)
class Deadline:
    """The command's wall-clock deadline (``time.perf_counter()`` seconds): the safety net."""
    at: float

    @classmethod
    def after(cls, limit_s: float, started: float | None = None) -> "Deadline":
        """WALL_SAFETY × the limit from ``started``: the budgets already fit the limit on the reference
        machine, so the deadline only stops a machine more than that much slower (a tighter one would
        cut every stage after the first overrun and give another, worse plan on a busy machine)."""
        return cls((time.perf_counter() if started is None else started) + WALL_SAFETY * limit_s - AFTER_SOLVE_S)

    def left_s(self) -> float:
        return self.at - time.perf_counter()

    def wall_cap_s(self, budget_s: float) -> float:
        """The wall clock a call of ``budget_s`` may take: WALL_SAFETY × its budget, never past the
        deadline, never below MIN_CALL_S."""
        return max(MIN_CALL_S, min(WALL_SAFETY * budget_s, self.left_s()))


NO_DEADLINE = Deadline(float("inf"))


@dataclass(frozen=True)
class StageBudgets:
    """Seconds of budget per stage, from ``--time-limit`` alone (so the same for every run)."""
    solve_s: float
    aggregate_s: float
    windows_s: float
    naming_s: float
    consistent_start_s: float
    repair_s: float
    rebuy_s: float
    part_time_s: float


def overhead_s(agents: int, days: int) -> float:
    """The command's work besides the solvers for a month of ``agents`` in-house agents × ``days``."""
    return OVERHEAD_FIXED_S + OVERHEAD_PER_PERSON_DAY_S * agents * days


def minimum_time_limit_s(agents: int, days: int) -> float:
    """The shortest ``--time-limit`` that leaves the solvers enough for a useful plan (whole seconds)."""
    return float(math.ceil(overhead_s(agents, days) + max(MIN_SOLVE_S, USEFUL_SOLVE_PER_AGENT_S * agents)))


def stage_budgets(time_limit_s: float, agents: int = 0, days: int = 0) -> StageBudgets:
    """Each stage's budget: the limit less the overhead of a month of ``agents`` × ``days``, shared out."""
    solve_s = max(MIN_SOLVE_S, time_limit_s - overhead_s(agents, days))
    aggregate_s = AGGREGATE_SHARE * solve_s
    windows_s = WINDOWS_PART * aggregate_s if solve_s >= WINDOWS_FROM_S else 0.0
    return StageBudgets(solve_s=solve_s, aggregate_s=aggregate_s - windows_s, windows_s=windows_s,
                        naming_s=NAMING_SHARE * solve_s, consistent_start_s=CONSISTENT_START_SHARE * solve_s,
                        repair_s=REPAIR_SHARE * solve_s, rebuy_s=REBUY_SHARE * solve_s,
                        part_time_s=PART_TIME_SHARE * solve_s)


def cp_sat_work(budget_s: float, per_s: float = CP_SAT_WORK_PER_S) -> float:
    """CP-SAT deterministic time for a budget of ``budget_s`` seconds."""
    return max(0.0, budget_s) * per_s


def seconds_of_work(work: float) -> float:
    """The budget seconds a CP-SAT call's deterministic time stands for (inverse of :func:`cp_sat_work`)."""
    return work / CP_SAT_WORK_PER_S


# "deterministic" (the product) or "parallel": CP-SAT's default parallel search stopped by the wall
# clock at each budget, kept only so bench/limits.py can measure what determinism costs in gap.
SEARCH_MODE = "deterministic"


def set_cp_sat_limits(parameters, budget_s: float, deadline: Deadline, *, seed: int, workers: int,
                      per_s: float = CP_SAT_WORK_PER_S) -> None:
    """Deterministic search stopped on deterministic time, the wall clock as a safety net."""
    if SEARCH_MODE == "parallel":
        parameters.max_time_in_seconds = max(0.5, min(budget_s, deadline.left_s()))
        parameters.num_workers = workers
        parameters.random_seed = seed
        return
    parameters.max_deterministic_time = max(1e-3, cp_sat_work(budget_s, per_s))
    parameters.max_time_in_seconds = deadline.wall_cap_s(budget_s)
    parameters.num_workers = workers
    parameters.interleave_search = workers > 1  # one worker is a sequential search, deterministic by itself
    parameters.interleave_batch_size = CP_SAT_BATCH
    parameters.random_seed = seed
