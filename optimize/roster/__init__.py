"""The month's roster: in-house shifts, part-time blocks, vendor seats and bot at minimum cost."""
from plan.optimize.roster.plan import RosterPlan, plan_month

__all__ = ["RosterPlan", "plan_month", "write_plan"]


def __getattr__(name):
    if name == "write_plan":
        from plan.contracts.plan_files import write_plan
        return write_plan
    raise AttributeError(name)
