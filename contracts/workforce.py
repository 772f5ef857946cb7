"""Workforce config contract (docs/plan-files.md, docs/architecture.md): queues and targets, shifts, people, vendors, bot, costs.

One YAML mapping, validated here once with pydantic; everything downstream trusts these types.
Times of day are ``HH:MM`` strings; a shift whose end is not after its start crosses midnight.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from plan.contracts.errors import InputError
from plan.contracts.tables import SITE_TIMEZONE, known_time_zone
from plan.contracts.yaml_file import read_yaml

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def minutes_of(hhmm: str) -> int:
    """``"08:30"`` → 510. ``"24:00"`` is allowed as an end of day; a shift end may also be written
    past midnight as ``"26:00"`` or ``"02:00+1"`` (both 1560: minutes after the start day's 00:00)."""
    clock, _, days = hhmm.partition("+")
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes) + int(days or 0) * 24 * 60


NIGHT_HOURS = (0, 6)  # work touching 00:00-06:00 makes a night shift (fairness, the 排班表's night count)
DAY_MIN = 24 * 60


def works_at_night(start_min: float, end_min: float) -> bool:
    """Whether work from ``start_min`` to ``end_min`` (minutes from the start day's 00:00, the end
    possibly the next day) touches 00:00-06:00 of the start day or the next: a late shift to 02:00
    and a shift from 00:00 both count, one ending at 24:00 does not."""
    lo, hi = NIGHT_HOURS[0] * 60, NIGHT_HOURS[1] * 60
    return any(start_min < b and a < end_min for a, b in ((lo, hi), (lo + DAY_MIN, hi + DAY_MIN)))


def _check_hhmm(value: str) -> str:
    parts = value.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    hours, minutes = int(parts[0]), int(parts[1])
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    return value


_SHIFT_END = re.compile(r"^(\d{1,2}):(\d{2})(?:\+(\d))?$")


def _check_shift_end(value: str) -> str:
    """``HH:MM`` (at or before the start = next day), ``HH:MM+N`` (N days later) or ``HH:MM`` with
    HH 24..48 (the clock continued past midnight). Only this explicit form can exceed 24 h."""
    match = _SHIFT_END.match(value)
    if not match or int(match.group(2)) >= 60 or int(match.group(1)) > 48:
        raise ValueError(f"{value!r} is not a shift end: HH:MM, HH:MM+1 (next day) or e.g. 26:00")
    return value


def _explicit_end(value: str) -> bool:
    return "+" in value or minutes_of(value) > 24 * 60


class Site(Strict):
    name: str = "CS centre"
    # Times with a UTC offset in history and forecast tables are converted to this zone's wall clock.
    timezone: str = SITE_TIMEZONE
    currency: str = "CNY"
    country: str = "CN"
    interval_minutes: Literal[15, 30, 60] = 60

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)


class Targets(Strict):
    """What a manager promises for a queue. Any subset; ``None`` means not targeted.

    ``service_level`` is the share answered within ``answer_within_s``; for email,
    ``resolve_within_h`` is the deadline for the backlog.
    """
    service_level: float | None = Field(None, gt=0, le=1)
    answer_within_s: float | None = Field(None, gt=0)
    asa_s: float | None = Field(None, gt=0)
    max_abandon: float | None = Field(None, ge=0, le=1)
    max_occupancy: float | None = Field(None, gt=0, le=1)
    resolve_within_h: float | None = Field(None, gt=0)
    # Period targets (day / month / event window) hold on average; every interval must still
    # reach this share of the target service level (Koole & van der Sluis 2003 floors).
    interval_floor: float = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _service_level_needs_threshold(self) -> "Targets":
        if self.service_level is not None and self.answer_within_s is None:
            raise ValueError("service_level needs answer_within_s")
        return self


def _check_open_spans(value: str) -> str:
    """``"08:00-22:00"``, ``"08:00-12:00, 13:30-22:00"`` or ``"closed"``; ends up to ``24:00``."""
    if value.strip().lower() == "closed":
        return "closed"
    last_end = -1
    for span in value.split(","):
        start, dash, end = span.strip().partition("-")
        if not dash:
            raise ValueError(f"{value!r} is not open hours: write 08:00-22:00, 08:00-12:00, 13:00-22:00 or closed")
        _check_hhmm(start.strip())
        _check_hhmm(end.strip())
        lo, hi = minutes_of(start.strip()), minutes_of(end.strip())
        if hi <= lo:
            raise ValueError(f"{span.strip()!r} ends before it starts (a queue open past midnight: "
                             f"write 20:00-24:00 and 00:00-02:00 on the next day)")
        if lo < last_end:
            raise ValueError(f"spans of {value!r} overlap or are not in order")
        last_end = hi
    return value


def open_minutes_of(spans: str) -> np.ndarray:
    """The 1440 minutes of a day, True where ``spans`` (checked by :func:`_check_open_spans`) is open."""
    minutes = np.zeros(1440, dtype=bool)
    if spans == "closed":
        return minutes
    for span in spans.split(","):
        start, _, end = span.strip().partition("-")
        minutes[minutes_of(start.strip()):minutes_of(end.strip())] = True
    return minutes


class Queue(Strict):
    channel: Literal["chat", "voice", "email"]
    aht_s: float = Field(gt=0)
    patience_s: float | None = Field(None, gt=0, description="mean patience before abandoning")
    concurrency: int = Field(1, ge=1, le=10, description="sessions one agent holds at once (chat)")
    concurrency_slowdown: float = Field(0.18, ge=0, le=2,
                                        description="extra handle time per extra concurrent session")
    shrinkage: float = Field(0.0, ge=0, lt=1, description="share of paid time not available to answer")
    targets: Targets
    event_targets: Targets | None = None
    # Stated opening hours per weekday ("08:00-22:00", "closed"), every weekday named; and dates the
    # queue is closed. The forecaster uses them instead of the hours it infers from the history.
    opening_hours: dict[Weekday, str] | None = None
    closed_dates: list[dt.date] = []

    @field_validator("opening_hours")
    @classmethod
    def _every_weekday(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        absent = [d for d in WEEKDAYS if d not in value]
        if absent:
            raise ValueError(f"name every weekday: {', '.join(absent)} missing (write e.g. {absent[0]}: closed)")
        for day in WEEKDAYS:
            try:
                _check_open_spans(value[day])
            except ValueError as exc:
                raise ValueError(f"{day}: {exc}") from None
        return {d: value[d].strip() if value[d].strip().lower() != "closed" else "closed" for d in WEEKDAYS}

    def open_minutes(self) -> np.ndarray | None:
        """7 x 1440 (0 = Monday): the stated open minutes of each weekday, or None when not stated."""
        if self.opening_hours is None:
            return None
        return np.vstack([open_minutes_of(self.opening_hours[d]) for d in WEEKDAYS])

    @model_validator(mode="after")
    def _channel_rules(self) -> "Queue":
        if self.channel != "chat" and self.concurrency != 1:
            raise ValueError(f"concurrency {self.concurrency} only makes sense for chat")
        if self.channel == "email" and self.targets.resolve_within_h is None:
            raise ValueError("email queue needs targets.resolve_within_h")
        return self


class MealBreak(Strict):
    minutes: int = Field(gt=0, le=120)
    window_start: str
    window_end: str
    _hhmm = field_validator("window_start", "window_end")(_check_hhmm)


EventPhase = Literal["run_up", "peak", "tail"]


def _check_date_span(value: str) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD`` (inclusive)."""
    first, _, last = value.partition("..")
    try:
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
    except ValueError:
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD or a span YYYY-MM-DD..YYYY-MM-DD") from None
    if end < start:
        raise ValueError(f"{value!r} ends before it starts")
    return value


class ShiftValidity(Strict):
    """Where a shift template may be worked. Each condition that is given must hold (a list holds when
    any of its entries does); one left empty always holds. Event kinds and phases refer to the events
    calendar: ``run_up`` is an event's days before its last, ``peak`` its last day (11-11 for 双11),
    ``tail`` the after-sales days that follow a promotion's peak (see plan.contracts.calendar)."""
    dates: list[str] = []
    weekdays: list[Weekday] = []
    event_kinds: list[str] = []
    event_phases: list[EventPhase] = []
    contracts: list[str] = []
    _dates = field_validator("dates")(lambda values: [_check_date_span(v) for v in values])

    def holds(self, day: dt.date, phases: set[tuple[str, str]], contract: str) -> bool:
        """On ``day`` (with the (event kind, phase) pairs it lies in), for an agent on ``contract``."""
        if self.contracts and contract not in self.contracts:
            return False
        if self.weekdays and WEEKDAYS[day.weekday()] not in self.weekdays:
            return False
        if self.dates and not any(_in_span(day, span) for span in self.dates):
            return False
        return all(not wanted or any(value in wanted for value in values)
                   for wanted, values in ((self.event_kinds, {kind for kind, _ in phases}),
                                          (self.event_phases, {phase for _, phase in phases})))


def _in_span(day: dt.date, span: str) -> bool:
    first, _, last = span.partition("..")
    return dt.date.fromisoformat(first) <= day <= dt.date.fromisoformat(last or first)


class Shift(Strict):
    code: str = Field(min_length=1, max_length=4)
    name: str
    start: str
    end: str
    breaks: list[MealBreak] = []
    colour: str = "FFFFFF"
    valid: ShiftValidity = ShiftValidity()
    _hhmm = field_validator("start")(_check_hhmm)
    _end = field_validator("end")(_check_shift_end)

    @property
    def start_min(self) -> int:
        return minutes_of(self.start)

    @property
    def length_min(self) -> int:
        """Span from start to end; a plain end at or before the start means the next day, an
        explicit one (``02:00+1``, ``26:00``) counts from 00:00 of the start day."""
        if _explicit_end(self.end):
            return minutes_of(self.end) - self.start_min
        length = (minutes_of(self.end) - self.start_min) % (24 * 60)
        return length or 24 * 60

    @property
    def crosses_midnight(self) -> bool:
        return self.start_min + self.length_min > 24 * 60

    @property
    def is_night(self) -> bool:
        return works_at_night(self.start_min, self.start_min + self.length_min)

    @property
    def paid_hours(self) -> float:
        return (self.length_min - sum(b.minutes for b in self.breaks)) / 60.0

    @model_validator(mode="after")
    def _length(self) -> "Shift":
        if self.length_min <= 0:
            raise ValueError(f"shift ends ({self.end}) before it starts ({self.start})")
        if self.length_min > 24 * 60:
            raise ValueError(f"shift longer than 24 h ({self.start} to {self.end} is {self.length_min / 60:g} h)")
        if self.paid_hours <= 0:
            raise ValueError("breaks take the whole shift")
        return self


class Contract(Strict):
    """Working-time system (工时制度). ``standard``: ≤ 8 h a day and ≤ 40 h a week (State Council
    Regulations on Working Hours, 1995, art. 3); ``comprehensive`` (综合计算工时制, approved under
    劳部发〔1994〕503号): hours averaged over the month, the daily cap only as a safety limit.
    ``standard_hours_month`` 166.64 = 21.75 paid days × 8 h (劳社部发〔2008〕3号)."""
    system: Literal["standard", "comprehensive"]
    max_hours_day: float = Field(8, gt=0, le=24)
    max_hours_week: float = Field(40, gt=0, le=168)
    standard_hours_month: float = Field(166.64, gt=0, description="21.75 days x 8 h (China)")


class LabourRules(Strict):
    """The labour rules every roster keeps; the defaults and their sources (PRC law unless noted):

    * ``overtime_max_h_month`` 36 h — Labour Law art. 41 (at most 36 h of extended hours a month);
    * ``overtime_premium_workday / rest_day / holiday`` 150 / 200 / 300 % — Labour Law art. 44;
    * ``min_rest_days_per_week`` 1 — Labour Law art. 38 (at least one day off a week);
    * ``max_consecutive_days`` 6 — the strictest reading of art. 38 that holds across week boundaries
      (a house default, not a statutory figure);
    * ``min_rest_between_shifts_h`` 11 h — no PRC statute sets a daily rest; 11 h is the EU Working
      Time Directive's (2003/88/EC art. 3), kept as a configurable house default;
    * ``part_time_max_h_day / week`` 4 / 24 h — Labour Contract Law art. 68 (非全日制用工).
    Daily and weekly hours belong to the contract (:class:`Contract`).
    """
    min_rest_between_shifts_h: float = Field(11, ge=0, le=24)
    max_consecutive_days: int = Field(6, ge=1, le=14)
    min_rest_days_per_week: int = Field(1, ge=0, le=7)
    overtime_max_h_month: float = Field(36, ge=0)
    overtime_premium_workday: float = Field(1.5, ge=1)
    overtime_premium_rest_day: float = Field(2.0, ge=1)
    overtime_premium_holiday: float = Field(3.0, ge=1)
    part_time_max_h_day: float = Field(4, gt=0, le=24)
    part_time_max_h_week: float = Field(24, gt=0, le=168)


class Preferences(Strict):
    prefer_shifts: list[str] = []
    avoid_shifts: list[str] = []
    prefer_rest_days: list[Weekday] = []


class InHouseAgent(Strict):
    id: str
    name: str
    skills: list[str] = Field(min_length=1)
    contract: str = Field(description="key into contracts")
    monthly_salary: float = Field(gt=0)
    leave: list[dt.date] = []
    preferences: Preferences = Preferences()


class Availability(Strict):
    days: list[Weekday] = Field(min_length=1)
    start: str
    end: str
    _hhmm = field_validator("start", "end")(_check_hhmm)


class PartTimer(Strict):
    id: str
    name: str
    skills: list[str] = Field(min_length=1)
    hourly_rate: float = Field(gt=0)
    max_hours_day: float = Field(4, gt=0)
    max_hours_week: float = Field(24, gt=0)
    min_block_hours: float = Field(2, gt=0)
    availability: list[Availability] = Field(min_length=1)
    unavailable: list[dt.date] = []
    # Hours between a same-day call-in (or stand-down) and the block's start (`plan intraday`).
    notice_hours: float = Field(2, ge=0, le=72)


class Vendor(Strict):
    id: str
    name: str
    skills: list[str] = Field(min_length=1)
    price_per_seat_hour: float = Field(gt=0)
    event_price_per_seat_hour: float | None = Field(None, gt=0)
    max_seats: int = Field(ge=0, description="cap on seats in any interval")
    block_hours: int = Field(4, ge=1, le=24, description="seats are bought for at least this many hours")
    min_monthly_seat_hours: float = Field(0, ge=0, description="commitment; paid even if unused")
    aht_factor: float = Field(1.0, gt=0, description="vendor handle time relative to in-house")
    conversion_factor: float = Field(1.0, gt=0, le=1.5, description="pre-sales conversion relative to in-house")
    hours: tuple[str, str] = ("00:00", "24:00")
    # Hours between a same-day order (or cancellation) of a seat block and its start (`plan intraday`).
    notice_hours: float = Field(2, ge=0, le=72)


class Bot(Strict):
    containment: dict[str, float] = Field(description="share of chat arrivals the bot resolves, per queue")
    escalated_aht_factor: float = Field(1.2, gt=0)
    price_per_session: float = Field(0, ge=0)
    monthly_fee: float = Field(0, ge=0)
    max_sessions_per_hour: float | None = Field(None, gt=0)
    # `plan intraday`: the share a queue's bot-first (deflection) mode contains when a team lead
    # switches it on for some hours; absent, or not above the queue's containment (a scenario may
    # raise that), the lever is not offered on the queue.
    peak_containment: dict[str, float] = Field(default_factory=dict, description="share of chat arrivals the "
                                               "bot contains in bot-first mode, per queue")
    peak_conversion_factor: float = Field(1.0, ge=0, le=1, description="pre-sales conversion of a contact "
                                          "deflected in bot-first mode, relative to an agent's")

    @field_validator("containment", "peak_containment")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        for queue, share in value.items():
            if not 0 <= share < 1:
                raise ValueError(f"containment for {queue} must be in [0, 1), got {share}")
        return value


class Costs(Strict):
    shortfall_penalty_per_contact: float = Field(ge=0, description="value lost per contact answered late or lost")
    overtime_hourly_base: Literal["salary"] = "salary"
    presales_conversion_rate: float | None = Field(None, ge=0, le=1)
    average_order_value: float | None = Field(None, ge=0)


class SoftRules(Strict):
    """What a roster weighs besides cost, each priced in the site currency per occurrence: the amount a
    CS manager would pay to avoid one (the roster's naming step minimises these once the shifts the
    cost plan needs are staffed). The defaults rank a month without a free weekend first, then a false
    rest day, a lone rest day, a shift against a stated wish and a quick return, and those above a
    changed start time."""
    night_spread: float = Field(10.0, ge=0, description="per night between the most- and least-loaded agent of a group")
    weekend_spread: float = Field(5.0, ge=0, description="per weekend day, the same")
    holiday_spread: float = Field(10.0, ge=0, description="per statutory-holiday day, the same")
    start_time_change: float = Field(2.0, ge=0, description="per extra start time an agent has within a week")
    split_rest: float = Field(5.0, ge=0, description="per lone rest day: a day off between two worked days "
                                                     "(leave counts as off)")
    no_whole_weekend: float = Field(20.0, ge=0, description="per person without one whole weekend (Saturday "
                                                            "and Sunday) off in the month")
    preference: float = Field(5.0, ge=0, description="per day worked against a stated preference")
    quick_return: float = Field(4.0, ge=0, description="per shift starting less than quick_return_min_rest_h "
                                                       "after the previous one ends")
    quick_return_min_rest_h: float = Field(12.0, ge=0, le=48)
    short_rest_day: float = Field(6.0, ge=0, description="per rest day that leaves less than 24 h off between "
                                                         "the shifts around it (a night ending that morning)")


class Replan(Strict):
    """What ``plan reroster`` pays per person-day it changes in a published plan (site currency): a
    changed shift, a shift added on a day off or a shift taken away. A CS manager's defaults: a
    changed day is worth an hour or two of an agent's pay in goodwill; on short notice (the first
    ``short_notice_days`` days from the re-plan) people have made plans, so it costs more; a rest day
    taken away (work on a published day off) costs more again (its overtime premium is paid on top)."""
    change_cost: float = Field(60.0, ge=0, description="per person-day whose shift changes, is added or removed")
    short_notice_days: int = Field(2, ge=0, description="days from --from that count as short notice")
    short_notice_factor: float = Field(2.5, ge=1, description="× change_cost on a short-notice day")
    rest_day_taken_factor: float = Field(2.0, ge=1, description="× change_cost when a published rest day is worked")


class Workforce(Strict):
    site: Site = Site()
    queues: dict[str, Queue] = Field(min_length=1)
    shifts: list[Shift] = Field(min_length=1)
    contracts: dict[str, Contract]
    labour_rules: LabourRules = LabourRules()
    in_house: list[InHouseAgent] = []
    part_time: list[PartTimer] = []
    vendors: list[Vendor] = []
    bot: Bot | None = None
    costs: Costs
    soft_rules: SoftRules = SoftRules()
    replan: Replan = Replan()

    @model_validator(mode="after")
    def _references(self) -> "Workforce":
        queues = set(self.queues)
        codes = [s.code for s in self.shifts]
        if len(set(codes)) != len(codes):
            raise ValueError(f"shift codes must be unique: {codes}")
        for group, people in (("in_house", self.in_house), ("part_time", self.part_time), ("vendors", self.vendors)):
            ids = [p.id for p in people]
            seen = set()
            for i, person in enumerate(people):
                if person.id in seen:
                    raise ValueError(f"{group}.{i}.id: duplicate id {person.id!r}")
                seen.add(person.id)
                bad = [s for s in person.skills if s not in queues]
                if bad:
                    raise ValueError(f"{group}.{i}.skills: unknown queue {bad[0]!r}")
            del ids
        for i, agent in enumerate(self.in_house):
            if agent.contract not in self.contracts:
                raise ValueError(f"in_house.{i}.contract: unknown contract {agent.contract!r}")
            for pref in agent.preferences.prefer_shifts + agent.preferences.avoid_shifts:
                if pref not in codes:
                    raise ValueError(f"in_house.{i}.preferences: unknown shift code {pref!r}")
        for i, shift in enumerate(self.shifts):
            unknown = [c for c in shift.valid.contracts if c not in self.contracts]
            if unknown:
                raise ValueError(f"shifts.{i}.valid.contracts: unknown contract {unknown[0]!r}")
        rules = self.labour_rules
        for i, person in enumerate(self.part_time):
            if person.max_hours_day > rules.part_time_max_h_day:
                raise ValueError(f"part_time.{i}.max_hours_day: {person.max_hours_day:g} h exceeds the part-time "
                                 f"limit of {rules.part_time_max_h_day:g} h/day")
            if person.max_hours_week > rules.part_time_max_h_week:
                raise ValueError(f"part_time.{i}.max_hours_week: {person.max_hours_week:g} h exceeds the part-time "
                                 f"limit of {rules.part_time_max_h_week:g} h/week")
        if self.bot is not None:
            for field_name in ("containment", "peak_containment"):
                for queue in getattr(self.bot, field_name):
                    if queue not in queues:
                        raise ValueError(f"bot.{field_name}: unknown queue {queue!r}")
                    if self.queues[queue].channel != "chat":
                        raise ValueError(f"bot.{field_name}: queue {queue!r} is not a chat queue")
        return self

    def shift(self, code: str) -> Shift:
        return next(s for s in self.shifts if s.code == code)


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def parse_workforce(data: object, source: str | Path = "<workforce>") -> Workforce:
    """Validate an already-loaded mapping (e.g. a scenario's merged overrides)."""
    if not isinstance(data, dict):
        raise InputError(source, f"expected a YAML mapping at the top level, got {type(data).__name__}")
    try:
        return Workforce.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _location(err["loc"]) or None
        message = err["msg"].removeprefix("Value error, ")
        if message.startswith(tuple(f"{g}." for g in ("in_house", "part_time", "vendors"))) and ": " in message:
            field, message = message.split(": ", 1)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise InputError(source, message + more, field=field) from None


def read_workforce(path: str | Path) -> Workforce:
    """Read and validate the workforce YAML; errors name the file and the dotted field path."""
    data = read_yaml(path)
    return parse_workforce(data, path)
