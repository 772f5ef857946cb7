"""Data contracts between the stages (DESIGN §3): readers that validate once, at the boundary."""
from plan.contracts.errors import InputError

__all__ = ["InputError"]
