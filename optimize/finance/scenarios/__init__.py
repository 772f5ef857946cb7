"""Finance scenarios: a name plus overrides of the workforce config, each planned and priced.

A scenario file (``data/scenarios.yaml``) lists scenarios; each overrides any field of the
workforce YAML by a dotted path (list items addressed by their ``id``), plus
``in_house_delta: {skill: ±N}`` to remove or clone in-house agents of a skill and
``drop_skills: [queue]`` to take a queue away from all staff (outsourcing it). Each scenario is
planned in one of two declared modes: ``full`` (the roster optimizer, named people and shifts)
or ``quick`` (an aggregate linear programme, seconds). Scenarios run through the execution
layer (:mod:`plan.execution`: local processes or Ray); :func:`run_scenarios` returns one :class:`ScenarioResult` per scenario and
:func:`results_table` turns them into the finance table.

Modules, in the order data flows through them:

* ``scenario_file`` — the scenario file and the ``--sweep`` grammar;
* ``overrides`` / ``team_changes`` — a scenario's overrides and team changes → a validated ``Workforce``;
* ``month_arrays`` — the month's requirements and a plan's heads as ``[queue, interval]`` arrays;
* ``pricing`` / ``revenue`` — what a staffing costs, the service it gives, the revenue at stake;
* ``quick`` / ``full`` — the two planning modes;
* ``run`` / ``parallel`` — one scenario end to end; many through the execution layer;
* ``consistency`` — a neighbour's plan re-priced under a scenario when it is cheaper there;
* ``sweep`` — scenarios across a field's values, findings and break-even;
* ``finance`` — the finance table.
"""
from plan.optimize.finance.scenarios.consistency import enforce_consistency
from plan.optimize.finance.scenarios.finance import results_table
from plan.optimize.finance.scenarios.full import price_roster_plan, staffing_from_plan
from plan.optimize.finance.scenarios.month_arrays import MonthGrid, Staffing, month_bounds, month_grid
from plan.optimize.finance.scenarios.overrides import apply_overrides
from plan.optimize.finance.scenarios.parallel import ProgressCallback, run_scenario_jobs, run_scenarios
from plan.optimize.finance.scenarios.pricing import COST_KEYS, Pricing, QueueService, price_staffing
from plan.optimize.finance.scenarios.quick import plan_quick, shift_coverage
from plan.optimize.finance.scenarios.result import ScenarioResult, sourcing_mix
from plan.optimize.finance.scenarios.revenue import presales_queue_names, presales_revenue
from plan.optimize.finance.scenarios.run import ScenarioJob, run_scenario
from plan.optimize.finance.scenarios.scenario_file import (MODES, Mode, Scenario, ScenarioSet, Sweep, parse_scenarios, parse_sweep,
                                              read_scenarios)
from plan.optimize.finance.scenarios.sweep import break_even, monotonicity_report, net_break_even, sweep_findings, sweep_scenarios
from plan.optimize.finance.scenarios.team_changes import DROP_SKILLS, IN_HOUSE_DELTA

__all__ = [
    "COST_KEYS", "DROP_SKILLS", "IN_HOUSE_DELTA", "MODES", "Mode", "MonthGrid", "Pricing", "ProgressCallback",
    "QueueService", "Scenario", "ScenarioJob", "ScenarioResult", "ScenarioSet", "Staffing", "Sweep",
    "apply_overrides", "break_even", "enforce_consistency", "month_bounds", "month_grid", "monotonicity_report",
    "net_break_even", "parse_scenarios", "parse_sweep", "plan_quick", "presales_queue_names", "presales_revenue",
    "price_roster_plan", "price_staffing", "read_scenarios", "results_table", "run_scenario", "run_scenario_jobs", "run_scenarios",
    "shift_coverage", "sourcing_mix", "staffing_from_plan", "sweep_findings", "sweep_scenarios",
]
