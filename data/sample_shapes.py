"""The shapes behind the sample shop: intraday curves, weekly factors, Spring Festival, promotions.

A mid-size Chinese consumer shop (Tmall / JD / Douyin) with four queues. The numbers are relative
(an hour shape has mean 1, a day factor multiplies a trend level); ``generate_sample.py`` scales
them to ~320,000 contacts a year. Private to the generator: nothing in the product imports it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

QUEUES = ("chat_presales", "chat_aftersales", "phone", "email")

# Channel mix of the field figures in docs/architecture.md (phone 41% / chat 50% / email 9%); chat split by the shop's share of
# pre-sales questions (slightly more than after-sales in a growing shop).
TARGET_SHARE = {"chat_presales": 0.27, "chat_aftersales": 0.23, "phone": 0.41, "email": 0.09}
TARGET_CONTACTS_PER_YEAR = 320_000


def _unit_mean(values: list[float]) -> np.ndarray:
    shape = np.asarray(values, dtype=float)
    return shape * (len(shape) / shape.sum())


# Hour-of-day shapes, mean 1 over 24 hours, for working days and rest days (weekends, holidays).
# Chat pre-sales peaks late in the evening (20:00-23:00: shopping after work), after-sales is a
# daytime queue with an evening shoulder, the hotline is open 08:00-22:00, email trickles in all day.
HOUR_SHAPE = {
    "chat_presales": {
        "work": _unit_mean([.55, .30, .15, .08, .06, .07, .15, .35, .70, 1.05, 1.25, 1.20,
                            .95, 1.05, 1.20, 1.20, 1.15, 1.00, .95, 1.25, 1.65, 1.85, 1.70, 1.15]),
        "rest": _unit_mean([.70, .42, .20, .10, .07, .07, .12, .25, .50, .85, 1.10, 1.15,
                            1.00, 1.10, 1.20, 1.20, 1.15, 1.05, 1.00, 1.30, 1.70, 1.85, 1.65, 1.20]),
    },
    "chat_aftersales": {
        "work": _unit_mean([.35, .18, .10, .06, .05, .06, .15, .40, .90, 1.35, 1.55, 1.45,
                            1.10, 1.25, 1.45, 1.45, 1.35, 1.15, 1.00, 1.15, 1.35, 1.40, 1.20, .75]),
        "rest": _unit_mean([.45, .22, .12, .07, .05, .06, .12, .30, .65, 1.05, 1.30, 1.35,
                            1.15, 1.25, 1.35, 1.35, 1.30, 1.15, 1.05, 1.20, 1.40, 1.45, 1.25, .80]),
    },
    "phone": {
        "work": _unit_mean([0, 0, 0, 0, 0, 0, 0, 0, .90, 2.00, 2.40, 2.20,
                            1.40, 1.70, 2.20, 2.20, 2.00, 1.60, 1.20, 1.30, 1.30, .50, 0, 0]),
        "rest": _unit_mean([0, 0, 0, 0, 0, 0, 0, 0, .60, 1.50, 2.10, 2.10,
                            1.60, 1.80, 2.10, 2.10, 1.90, 1.70, 1.40, 1.60, 1.60, .70, 0, 0]),
    },
    "email": {
        "work": _unit_mean([.50, .35, .25, .20, .20, .25, .40, .70, 1.10, 1.50, 1.60, 1.50,
                            1.20, 1.30, 1.50, 1.50, 1.45, 1.30, 1.10, 1.00, 1.00, .95, .80, .65]),
        "rest": _unit_mean([.60, .40, .28, .22, .20, .22, .32, .55, .85, 1.15, 1.30, 1.35,
                            1.25, 1.30, 1.35, 1.35, 1.30, 1.20, 1.10, 1.10, 1.10, 1.05, .90, .75]),
    },
}

# Day-of-week propensity to contact (Mon..Sun) on ordinary days; statutory holidays use the
# "holiday" factor, swapped working days (调休) count as a Monday-like working day.
WEEKDAY_FACTOR = {
    "chat_presales": [0.97, 0.96, 0.97, 0.98, 1.00, 1.08, 1.12],
    "chat_aftersales": [1.12, 1.05, 1.00, 0.98, 0.97, 0.93, 0.92],
    "phone": [1.12, 1.04, 1.00, 0.99, 0.97, 0.72, 0.64],
    "email": [1.28, 1.08, 1.02, 1.00, 0.95, 0.55, 0.48],
    "orders": [0.96, 0.95, 0.96, 0.97, 1.00, 1.07, 1.10],
}
HOLIDAY_FACTOR = {"chat_presales": 1.02, "chat_aftersales": 0.86, "phone": 0.52, "email": 0.40, "orders": 1.05}
SWAPPED_WORKDAY_WEEKDAY = 0  # a 调休 Sunday behaves like a Monday (backlog from the long weekend)
AFTER_HOLIDAY_BACKLOG = {"chat_presales": 1.00, "chat_aftersales": 1.15, "phone": 1.22, "email": 1.35, "orders": 1.0}

# Spring Festival (春节): couriers stop about a week before New Year's Day and resume around 初七.
# Factors by day offset from New Year's Day, (first, last, factor); orders placed while couriers
# stop ship when they resume, which moves the after-sales wave behind the festival.
SPRING_FESTIVAL = {
    "chat_presales": [(-14, -8, 0.92), (-7, -2, 0.62), (-1, 2, 0.42), (3, 6, 0.62), (7, 13, 1.20), (14, 20, 1.06)],
    "chat_aftersales": [(-10, -2, 1.05), (-1, 3, 0.55), (4, 6, 0.78), (7, 16, 1.05)],
    "phone": [(-10, -2, 1.08), (-1, 5, 0.38), (6, 8, 0.80)],
    "email": [(-1, 6, 0.45)],
    "orders": [(-14, -8, 0.95), (-7, -2, 0.55), (-1, 2, 0.35), (3, 6, 0.55), (7, 13, 1.22), (14, 20, 1.06)],
}
COURIER_STOP = (-7, 6)        # orders placed in these days ship on day +7 .. +9
WHERE_IS_MY_PARCEL = (-9, -2, 0.30)  # extra after-sales (share of the day's level) while parcels are stuck

# Delivery-lag kernel from an order shipping to the after-sales contact it causes (days 0..27):
# order changes / price protection the same day, "where is my parcel" while in transit (2-6 days),
# returns and refunds after delivery (5-20 days). Peak orders ship slower (warehouse backlog).
def aftersales_lag_kernel(stretch: float = 1.0, days: int = 28) -> np.ndarray:
    lag = np.arange(days, dtype=float)
    same_day = np.where(lag == 0, 1.0, 0.0)
    transit = lag ** 2 * np.exp(-lag / (1.4 * stretch))
    returns = lag ** 3 * np.exp(-lag / (2.6 * stretch))
    kernel = 0.12 * same_day + 0.45 * transit / transit.sum() + 0.43 * returns / returns.sum()
    return kernel / kernel.sum()


# Smooth yearly seasonality of the level (Q4 busier, summer quieter) and the trend.
GROWTH_PER_YEAR = 0.10
PHONE_DRIFT_PER_YEAR = -0.06  # customers move from the hotline to chat
LEVEL_SHIFT = dt.date(2025, 9, 1)  # the shop opens its Douyin store: more pre-sales and orders
LEVEL_SHIFT_FACTOR = {"chat_presales": 1.15, "orders": 1.10, "phone": 1.02, "email": 1.0, "chat_aftersales": 1.0}

# Things no calendar predicts: the forecaster has to be robust to them.
ANOMALIES = [
    # (first day, last day, queue, factor): a courier network jam (快递爆仓) after a storm
    (dt.date(2025, 7, 15), dt.date(2025, 7, 17), "chat_aftersales", 1.55),
    (dt.date(2025, 7, 15), dt.date(2025, 7, 17), "phone", 1.40),
    (dt.date(2025, 7, 15), dt.date(2025, 7, 17), "email", 1.30),
    # a product recall notice
    (dt.date(2026, 4, 21), dt.date(2026, 4, 24), "chat_aftersales", 1.35),
    (dt.date(2026, 4, 21), dt.date(2026, 4, 24), "phone", 1.60),
]
PLATFORM_OUTAGE = (dt.datetime(2026, 3, 18, 14), 2, 0.15, 1.6)  # start, hours, factor, catch-up factor

# Base handle times (seconds, answered contacts) and shape of the per-contact distribution
# (gamma; shape 1.6 gives the right skew of real handle times, CV ~0.8).
AHT_S = {"chat_presales": 290.0, "chat_aftersales": 470.0, "phone": 265.0, "email": 560.0}
AHT_SHAPE = {"chat_presales": 1.6, "chat_aftersales": 1.8, "phone": 2.2, "email": 1.4}
AHT_DRIFT_PER_YEAR = -0.03  # better knowledge base, bot takes the simplest sessions
# Queueing: exponential patience (mean, s) and the scale of the mean wait of a contact that has to
# queue (s; grows as 1 / (1 - load)). Contacts answered without queueing see a short reply delay.
PATIENCE_S = {"chat_presales": 180.0, "chat_aftersales": 220.0, "phone": 110.0}
QUEUED_WAIT_SCALE_S = {"chat_presales": 8.0, "chat_aftersales": 10.0, "phone": 7.0}
REPLY_DELAY_S = {"chat_presales": (3, 12), "chat_aftersales": (3, 15), "phone": (3, 9)}  # uniform, reading/ringing


@dataclass(frozen=True)
class Rush:
    """A burst at a known moment (payment opens, the 00:00 spike): extra arrivals of ``magnitude``
    mean hours in the first hour, decaying with time constant ``tau_h``."""
    at: dt.datetime
    presales: float
    aftersales: float
    tau_h: float


@dataclass
class EventEffect:
    uplift: dict[dt.date, dict[str, float]] = field(default_factory=dict)  # day -> {series: extra share}
    rushes: list[Rush] = field(default_factory=list)
    extended_phone: list[dt.datetime] = field(default_factory=list)  # hotline hours opened specially

    def add(self, day: dt.date, **extra: float) -> None:
        slot = self.uplift.setdefault(day, {})
        for series, value in extra.items():
            slot[series] = slot.get(series, 0.0) + value


@dataclass(frozen=True)
class Strength:
    """How strong this year's edition is, relative to the kind's typical edition."""
    presale: float = 1.0
    spike: float = 1.0
    orders: float = 1.0
    peak: float = 1.0


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour)


def double11(start: dt.date, end: dt.date, s: Strength) -> EventEffect:
    """Deposits from ``start`` 20:00; first-wave final payment 10-31 20:00 (ships 11-01);
    second-wave payment 11-10 20:00; the 00:00 opening of 11-11 with ~10x volume; tail."""
    fx = EventEffect()
    year = end.year
    for day in _days(start, end - dt.timedelta(days=1)):
        fx.add(day, chat_presales=0.30 * s.presale, orders=0.22 * s.presale, chat_aftersales=0.05)
    fx.rushes.append(Rush(_at(start, 20), 3.5 * s.spike, 0.4, 2.0))
    wave1 = dt.date(year, 10, 31)
    fx.add(wave1, chat_presales=0.45 * s.presale)
    fx.rushes.append(Rush(_at(wave1, 20), 6.0 * s.spike, 1.6, 2.0))
    fx.add(dt.date(year, 11, 1), chat_presales=0.55, orders=4.0 * s.orders, chat_aftersales=0.25)
    for day in (dt.date(year, 11, 2), dt.date(year, 11, 3)):
        fx.add(day, orders=0.8 * s.orders)
    eve = end - dt.timedelta(days=1)
    fx.add(eve, chat_presales=0.80 * s.peak)
    fx.rushes.append(Rush(_at(eve, 20), 7.0 * s.spike, 2.0, 1.5))
    fx.add(end, chat_presales=1.8 * s.peak, chat_aftersales=0.9 * s.peak, orders=12.0 * s.orders)
    fx.rushes.append(Rush(_at(end, 0), 10.5 * s.spike, 4.5 * s.spike, 1.3))
    fx.add(end + dt.timedelta(days=1), chat_presales=0.40, orders=1.5 * s.orders)
    fx.add(end + dt.timedelta(days=2), chat_presales=0.15, orders=0.5 * s.orders)
    fx.extended_phone += [_at(eve, 22), _at(eve, 23), _at(end, 0), _at(end, 1), _at(end, 22), _at(end, 23)]
    return fx


def six18(start: dt.date, end: dt.date, s: Strength) -> EventEffect:
    """618: pre-sale from ~05-20, first payment 05-31 20:00, final payment 06-17 20:00, 06-18 00:00."""
    fx = EventEffect()
    year = end.year
    for day in _days(start, end - dt.timedelta(days=1)):
        fx.add(day, chat_presales=0.20 * s.presale, orders=0.15 * s.presale)
    fx.rushes.append(Rush(_at(start, 20), 2.5 * s.spike, 0.3, 2.0))
    wave1 = dt.date(year, 5, 31)
    if start <= wave1 < end:
        fx.add(wave1, chat_presales=0.35 * s.presale)
        fx.rushes.append(Rush(_at(wave1, 20), 4.0 * s.spike, 0.8, 2.0))
        fx.add(wave1 + dt.timedelta(days=1), orders=1.6 * s.orders, chat_aftersales=0.1)
    eve = end - dt.timedelta(days=1)
    fx.add(eve, chat_presales=0.50 * s.peak)
    fx.rushes.append(Rush(_at(eve, 20), 4.5 * s.spike, 1.0, 1.8))
    fx.add(end, chat_presales=1.0 * s.peak, chat_aftersales=0.4 * s.peak, orders=3.5 * s.orders)
    fx.rushes.append(Rush(_at(end, 0), 6.0 * s.spike, 2.5 * s.spike, 1.3))
    fx.add(end + dt.timedelta(days=1), orders=0.6 * s.orders, chat_presales=0.15)
    fx.extended_phone += [_at(eve, 22), _at(eve, 23), _at(end, 0), _at(end, 1)]
    return fx


def short_promotion(presale: float, peak: float, orders: float, spike: float, eve_spike: float):
    """Shape of the smaller festivals (99, double12, women38): a light pre-sale, an evening before
    and a 00:00 opening on the peak day."""
    def effect(start: dt.date, end: dt.date, s: Strength) -> EventEffect:
        fx = EventEffect()
        for day in _days(start, end - dt.timedelta(days=1)):
            fx.add(day, chat_presales=presale * s.presale, orders=0.8 * presale * s.presale)
        fx.rushes.append(Rush(_at(start, 20), 1.5 * s.spike, 0.2, 2.0))
        eve = end - dt.timedelta(days=1)
        if eve >= start:
            fx.rushes.append(Rush(_at(eve, 20), eve_spike * s.spike, 0.3, 2.0))
        fx.add(end, chat_presales=peak * s.peak, chat_aftersales=0.15 * s.peak, orders=orders * s.orders)
        fx.rushes.append(Rush(_at(end, 0), spike * s.spike, 0.3 * spike * s.spike, 1.2))
        fx.add(end + dt.timedelta(days=1), orders=0.3 * orders * s.orders)
        return fx
    return effect


def nianhuo(start: dt.date, end: dt.date, s: Strength) -> EventEffect:
    """年货节: two weeks of stocking up for the festival, the peak just before couriers stop."""
    fx = EventEffect()
    for day in _days(start, end):
        fx.add(day, chat_presales=0.25 * s.presale, orders=0.30 * s.presale)
    fx.rushes.append(Rush(_at(start, 20), 1.5 * s.spike, 0.2, 2.0))
    fx.add(end, chat_presales=0.45 * s.peak, orders=0.8 * s.orders)
    return fx


def livestream(start: dt.date, end: dt.date, s: Strength) -> EventEffect:
    """An influencer live-stream (达人直播) in the evening: pre-sales questions and orders."""
    fx = EventEffect()
    for day in _days(start, end):
        fx.add(day, chat_presales=0.30 * s.presale, orders=0.9 * s.orders)
        fx.rushes.append(Rush(_at(day, 20), 3.0 * s.spike, 0.3, 2.5))
    return fx


def brand_day(start: dt.date, end: dt.date, s: Strength) -> EventEffect:
    """Tmall Super Brand Day (超级品牌日): a short, intense single-brand promotion."""
    return short_promotion(0.20, 1.2, 2.5, 4.0, 2.0)(start, end, s)


EFFECTS = {
    "double11": double11,
    "618": six18,
    "99": short_promotion(0.10, 0.50, 1.2, 2.0, 1.5),
    "double12": short_promotion(0.12, 0.60, 1.5, 2.5, 2.0),
    "women38": short_promotion(0.15, 0.55, 1.3, 2.0, 1.5),
    "nianhuo": nianhuo,
    "livestream": livestream,
    "brand_day": brand_day,
}

D = dt.date
# The shop's promotion calendar: (name, kind, first pre-sale day, peak day, intensity or None).
# Past rows shaped the history; future rows (after 2026-10-31) drive the forecast. Pre-sale
# starts move from year to year as the platforms change the rules.
CALENDAR = [
    ("99划算节 2024", "99", D(2024, 8, 29), D(2024, 9, 9), None),
    ("双11 2024", "double11", D(2024, 10, 14), D(2024, 11, 11), None),
    ("双12 2024", "double12", D(2024, 12, 6), D(2024, 12, 12), None),
    ("年货节 2025", "nianhuo", D(2025, 1, 3), D(2025, 1, 17), None),
    ("女王节 2025", "women38", D(2025, 2, 28), D(2025, 3, 8), None),
    ("618 2025", "618", D(2025, 5, 13), D(2025, 6, 18), None),
    ("达人直播 2025-08", "livestream", D(2025, 8, 8), D(2025, 8, 8), None),
    ("99划算节 2025", "99", D(2025, 8, 30), D(2025, 9, 9), None),
    ("双11 2025", "double11", D(2025, 10, 15), D(2025, 11, 11), None),
    ("双12 2025", "double12", D(2025, 12, 5), D(2025, 12, 12), None),
    ("年货节 2026", "nianhuo", D(2026, 1, 15), D(2026, 2, 3), None),
    ("女王节 2026", "women38", D(2026, 3, 1), D(2026, 3, 8), None),
    ("达人直播 2026-04", "livestream", D(2026, 4, 16), D(2026, 4, 16), None),
    ("618 2026", "618", D(2026, 5, 20), D(2026, 6, 18), None),
    ("达人直播 2026-07", "livestream", D(2026, 7, 22), D(2026, 7, 22), None),
    ("99划算节 2026", "99", D(2026, 8, 28), D(2026, 9, 9), None),
    ("双11 2026", "double11", D(2026, 10, 20), D(2026, 11, 11), None),
    ("双12 2026", "double12", D(2026, 12, 5), D(2026, 12, 12), None),
    ("年货节 2027", "nianhuo", D(2027, 1, 4), D(2027, 1, 22), None),
    ("女王节 2027", "women38", D(2027, 2, 28), D(2027, 3, 8), None),
    ("达人直播 2027-04", "livestream", D(2027, 4, 15), D(2027, 4, 15), None),
    ("618 2027", "618", D(2027, 5, 20), D(2027, 6, 18), None),
    ("超级品牌日 2027", "brand_day", D(2027, 8, 16), D(2027, 8, 18), 2.5),
    ("99划算节 2027", "99", D(2027, 8, 28), D(2027, 9, 9), None),
    ("双11 2027", "double11", D(2027, 10, 20), D(2027, 11, 11), None),
    ("双12 2027", "double12", D(2027, 12, 5), D(2027, 12, 12), None),
]
