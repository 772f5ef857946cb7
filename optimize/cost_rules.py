"""The month's cost rules, one definition shared by the roster (its model and its plan files) and finance.

Everything in the site currency. ``plan verify`` re-derives every figure with its own code on
purpose (an independent check), so it does not import this module.

* in-house salary is fixed per month; an hour of overtime costs the agent's hourly rate (salary ÷
  contract hours of the month) times the premium of the day it falls on: 150 % on a workday,
  200 % on a rest day, 300 % on a statutory holiday (Labour Law of the PRC, art. 44);
* part-time hours at the person's hourly rate;
* vendor seat-hours at the vendor's price, its event-day price on event days, and the monthly
  commitment topped up at the normal price when fewer seat-hours are bought;
* the bot per contained session plus its monthly fee;
* contacts answered late or lost at the shortfall penalty.
"""
from __future__ import annotations

import numpy as np

from plan.contracts.workforce import Bot, LabourRules, Vendor

OVERTIME_KINDS = ("workday", "rest_day", "holiday")


def overtime_premium(rules: LabourRules, kind: str) -> float:
    """The multiplier of the hourly rate for an overtime hour on a day of ``kind`` (0 for no overtime)."""
    return {"workday": rules.overtime_premium_workday, "rest_day": rules.overtime_premium_rest_day,
            "holiday": rules.overtime_premium_holiday}.get(kind, 0.0)


def hourly_rate(monthly_salary: float, standard_hours_month: float) -> float:
    """An in-house agent's hourly rate: the month's salary over the contract's hours of the month."""
    return monthly_salary / standard_hours_month


def seat_hour_price(vendor: Vendor, event_day: np.ndarray | bool) -> np.ndarray:
    """Price of a seat-hour per interval (or day): the event-day price on event days, when the vendor has one."""
    event_price = vendor.event_price_per_seat_hour or vendor.price_per_seat_hour
    return np.where(event_day, event_price, vendor.price_per_seat_hour)


def commitment_topup(vendor: Vendor, seat_hours_bought: float) -> float:
    """What the vendor charges for the commitment's unused seat-hours, at its normal price."""
    return max(0.0, vendor.min_monthly_seat_hours - seat_hours_bought) * vendor.price_per_seat_hour


def vendor_month_cost(vendor: Vendor, seat_hours: np.ndarray, event_day: np.ndarray) -> float:
    """Seat-hours per interval at their (event-day) price, plus the commitment's top-up."""
    seat_hours = np.asarray(seat_hours, dtype=float)
    return float(np.sum(seat_hours * seat_hour_price(vendor, event_day))) + commitment_topup(vendor, seat_hours.sum())


def bot_month_cost(bot: Bot | None, sessions: float) -> float:
    """Contained sessions at the per-session price, plus the monthly fee (nothing without a bot)."""
    return float(sessions * bot.price_per_session + bot.monthly_fee) if bot is not None else 0.0
