"""Data contracts between the stages (docs/plan-files.md): readers that validate once, at the boundary."""
from plan.contracts.errors import InputError

__all__ = ["InputError"]
