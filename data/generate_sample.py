"""Write the bundled sample inputs of ``plan`` (seeded; re-running reproduces the files byte for byte).

    python data/generate_sample.py [--out DIR] [--seed N]

The sample is a mid-size Chinese consumer shop with ~320,000 contacts a year (field figures, docs/architecture.md: phone 41%,
chat 50%, email 9%) over 2024-11-01 .. 2026-10-31, built in named steps:

1. calendar      - working days, rest days, statutory holidays and swapped working days (调休)
                   from the ``holidays`` package, Spring Festival offsets;
2. level         - trend, yearly season, the Douyin-store level shift;
3. events        - each promotion edition with its own strength (no two years alike);
4. orders        - a latent daily order series; after-sales follow it through a delivery-lag
                   convolution, and Spring Festival's courier stop moves shipments behind the holiday;
5. expected      - hourly expected arrivals per queue (intraday shapes, payment rushes, the 11.11
                   00:00 spike), calibrated to the yearly total and channel mix;
6. noise         - gamma-Poisson counts with day-level (shared and per queue) and autocorrelated
                   hour-level multiplicative shocks;
7. service       - abandonment from overload against the staffing the shop had, handle times;
8. contact log   - 2026-10 one row per contact (Chinese platform export) summing exactly to history;
9. workforce     - the team for 2026-11 (``sample_workforce.py``), events calendar, mapping.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time
import zlib
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from plan.contracts.tables import atomic_path
from plan.data import sample_shapes as shapes
from plan.data import sample_workforce

SEED = 20261111
FIRST_DAY = dt.date(2024, 11, 1)
LAST_DAY = dt.date(2026, 10, 31)
PLAN_LAST_DAY = dt.date(2026, 11, 30)  # the sample's plan month, 2026-11
BURN_IN_DAYS = 70  # latent orders start earlier so after-sales on 2024-11-01 have their lagged past
LOG_MONTH = (2026, 10)
CHAT = ("chat_presales", "chat_aftersales")


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per step, so refining one step leaves the others' draws alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


# ---------------------------------------------------------------- 1. calendar
def build_calendar(first: dt.date, last: dt.date) -> pd.DataFrame:
    days = pd.date_range(first, last, freq="D")
    cn = holidays.country_holidays("CN", years=range(first.year - 1, last.year + 2))
    dates = [d.date() for d in days]
    holiday = np.array([d in cn for d in dates])
    working = np.array([cn.is_working_day(d) for d in dates])
    swapped = np.array([d in cn.weekend_workdays for d in dates])
    # first working day after a break of >= 3 rest days that contained a holiday: backlog
    after_break = np.zeros(len(dates), bool)
    for i in range(3, len(dates)):
        if working[i] and not working[i - 3:i].any() and holiday[i - 3:i].any():
            after_break[i] = True
    new_years = sorted(d for d, name in cn.items() if "Spring Festival" in name and "observed" not in name)
    first_day_of_year = {}
    for d in new_years:
        first_day_of_year.setdefault(d.year, d)
    sf_offset = np.full(len(dates), 999)
    for d0 in first_day_of_year.values():
        offset = np.array([(d - d0).days for d in dates])
        near = np.abs(offset) <= 40
        sf_offset[near] = offset[near]
    return pd.DataFrame({"date": dates, "dow": days.day_of_week.to_numpy(), "holiday": holiday, "working": working,
                         "swapped": swapped, "after_break": after_break, "sf_offset": sf_offset})


def day_factor(cal: pd.DataFrame, series: str) -> np.ndarray:
    """Propensity to contact by day type: weekday, holiday, 调休, post-holiday backlog, Spring Festival."""
    weekday = np.asarray(shapes.WEEKDAY_FACTOR[series])
    factor = weekday[cal["dow"].to_numpy()]
    factor = np.where(cal["swapped"], weekday[shapes.SWAPPED_WORKDAY_WEEKDAY], factor)
    factor = np.where(cal["holiday"], shapes.HOLIDAY_FACTOR[series], factor)
    factor = np.where(cal["after_break"], factor * shapes.AFTER_HOLIDAY_BACKLOG[series], factor)
    offset = cal["sf_offset"].to_numpy()
    for first, last, f in shapes.SPRING_FESTIVAL.get(series, []):
        factor = np.where((offset >= first) & (offset <= last), factor * f, factor)
    return factor


# ---------------------------------------------------------------- 2. level
def level(cal: pd.DataFrame) -> np.ndarray:
    t_years = np.array([(d - FIRST_DAY).days for d in cal["date"]]) / 365.25
    doy = np.array([d.timetuple().tm_yday for d in cal["date"]])
    season = 1 + 0.05 * np.cos(2 * np.pi * (doy - 345) / 365.25)
    return np.exp(np.log1p(shapes.GROWTH_PER_YEAR) * t_years) * season


def level_shift(cal: pd.DataFrame, series: str) -> np.ndarray:
    after = np.array([d >= shapes.LEVEL_SHIFT for d in cal["date"]])
    return np.where(after, shapes.LEVEL_SHIFT_FACTOR[series], 1.0)


def anomaly_factor(cal: pd.DataFrame, queue: str) -> np.ndarray:
    factor = np.ones(len(cal))
    dates = cal["date"].to_numpy()
    for first, last, q, f in shapes.ANOMALIES:
        if q == queue:
            factor[(dates >= first) & (dates <= last)] *= f
    return factor


# ---------------------------------------------------------------- 3. events
def draw_strengths(seed: int) -> dict[str, shapes.Strength]:
    """Every edition gets its own strength: a forecaster must generalise, not copy last year."""
    rng = stream(seed, "event-strength")
    out = {}
    for name, kind, start, end, _ in shapes.CALENDAR:
        draw = np.clip(np.exp(rng.normal(0.0, 0.2, size=4)), 0.72, 1.4)
        if kind == "double11":  # the 00:00 opening never fails completely
            draw[1] = max(draw[1], 1.0)
        out[name] = shapes.Strength(*draw)
    return out


class EventGrid:
    """Event effects on the hourly grid: daily uplift per series and rush bursts (in mean hours)."""

    def __init__(self, cal: pd.DataFrame, strengths: dict[str, shapes.Strength] | None):
        n = len(cal)
        self.first = cal["date"].iloc[0]
        self.uplift = {s: np.zeros(n) for s in ("chat_presales", "chat_aftersales", "orders")}
        self.rush = {s: np.zeros(n * 24) for s in ("chat_presales", "chat_aftersales")}
        self.extended_phone = np.zeros(n * 24, bool)
        if strengths is None:
            return
        for name, kind, start, end, _ in shapes.CALENDAR:
            fx = shapes.EFFECTS[kind](start, end, strengths[name])
            for day, extra in fx.uplift.items():
                i = (day - self.first).days
                if 0 <= i < n:
                    for series, value in extra.items():
                        self.uplift[series][i] += value
            for rush in fx.rushes:
                i0 = (rush.at.date() - self.first).days * 24 + rush.at.hour
                k = np.arange(10)
                decay = np.exp(-k / rush.tau_h)
                idx = i0 + k
                ok = (idx >= 0) & (idx < n * 24)
                self.rush["chat_presales"][idx[ok]] += rush.presales * decay[ok]
                self.rush["chat_aftersales"][idx[ok]] += rush.aftersales * decay[ok]
            for hour in fx.extended_phone:
                i = (hour.date() - self.first).days * 24 + hour.hour
                if 0 <= i < n * 24:
                    self.extended_phone[i] = True


# ---------------------------------------------------------------- 4. orders and after-sales
def shipped_orders(cal: pd.DataFrame, orders: np.ndarray) -> np.ndarray:
    """Orders placed while couriers stop for Spring Festival ship on days +7..+9 after it."""
    offset = cal["sf_offset"].to_numpy()
    first, last = shapes.COURIER_STOP
    held = (offset >= first) & (offset <= last)
    shipped = np.where(held, 0.0, orders)
    for d0 in np.flatnonzero(offset == 0):
        backlog = orders[held & (np.abs(np.arange(len(cal)) - d0) <= 20)].sum()
        for k, w in zip((7, 8, 9), (0.40, 0.35, 0.25)):
            if d0 + k < len(cal):
                shipped[d0 + k] += w * backlog
    return shipped


def aftersales_driver(cal: pd.DataFrame, lvl: np.ndarray, orders: np.ndarray, order_uplift: np.ndarray) -> np.ndarray:
    """After-sales demand = base (account, invoices) + lagged convolution of shipped orders."""
    shipped = shipped_orders(cal, orders)
    n = len(cal)
    normal, slow = shapes.aftersales_lag_kernel(1.0), shapes.aftersales_lag_kernel(1.35)
    lagged = np.zeros(n + len(normal))
    for i in range(n):
        kernel = slow if order_uplift[i] > 1.5 else normal  # peak parcels travel slower
        lagged[i:i + len(kernel)] += shipped[i] * kernel
    driver = 0.25 * lvl + 0.75 * lagged[:n]
    offset = cal["sf_offset"].to_numpy()
    first, last, extra = shapes.WHERE_IS_MY_PARCEL
    return driver + np.where((offset >= first) & (offset <= last), extra * lvl, 0.0)


# ---------------------------------------------------------------- 5. expected arrivals
def hour_shapes(cal: pd.DataFrame, queue: str) -> np.ndarray:
    work = np.asarray(cal["working"])[:, None]
    return np.where(work, shapes.HOUR_SHAPE[queue]["work"], shapes.HOUR_SHAPE[queue]["rest"])


def expected_arrivals(cal: pd.DataFrame, grid: EventGrid) -> dict[str, np.ndarray]:
    """Unscaled expected arrivals per queue on the (days, 24) grid."""
    lvl = level(cal)
    orders = lvl * day_factor(cal, "orders") * level_shift(cal, "orders") * (1 + grid.uplift["orders"])
    driver = aftersales_driver(cal, lvl, orders, grid.uplift["orders"])
    n = len(cal)
    out = {}

    presales_day = lvl * day_factor(cal, "chat_presales") * level_shift(cal, "chat_presales")
    presales_day *= anomaly_factor(cal, "chat_presales")
    # promotion traffic leans even harder on the evening than ordinary shopping does
    shape = hour_shapes(cal, "chat_presales")
    promo_shape = shape ** 1.5 * 24 / (shape ** 1.5).sum(axis=1, keepdims=True)
    out["chat_presales"] = presales_day[:, None] * (shape + grid.uplift["chat_presales"][:, None] * promo_shape
                                                    + grid.rush["chat_presales"].reshape(n, 24))
    after_day = driver * day_factor(cal, "chat_aftersales") * anomaly_factor(cal, "chat_aftersales")
    out["chat_aftersales"] = after_day[:, None] * ((1 + grid.uplift["chat_aftersales"])[:, None]
                                                   * hour_shapes(cal, "chat_aftersales")
                                                   + grid.rush["chat_aftersales"].reshape(n, 24))

    t_years = np.array([(d - FIRST_DAY).days for d in cal["date"]]) / 365.25
    presales_core = lvl * level_shift(cal, "phone") * (1 + 0.3 * grid.uplift["chat_presales"])
    phone_day = (0.35 * presales_core + 0.65 * driver * (1 + 0.5 * grid.uplift["chat_aftersales"]))
    phone_day *= day_factor(cal, "phone") * anomaly_factor(cal, "phone") * np.exp(shapes.PHONE_DRIFT_PER_YEAR * t_years)
    phone_shape = hour_shapes(cal, "phone")
    closed = phone_shape == 0
    # around the big peaks the hotline stays open late; the payment rushes reach it too
    phone_shape = np.where(grid.extended_phone.reshape(n, 24) & closed, 0.6, phone_shape)
    phone_rush = 0.05 * grid.rush["chat_presales"].reshape(n, 24) + 0.12 * grid.rush["chat_aftersales"].reshape(n, 24)
    out["phone"] = phone_day[:, None] * (phone_shape + np.where(phone_shape > 0, phone_rush, 0.0))

    email_day = (0.2 * lvl + 0.8 * driver) * (1 + 0.3 * grid.uplift["chat_aftersales"])
    email_day *= day_factor(cal, "email") * anomaly_factor(cal, "email")
    out["email"] = email_day[:, None] * hour_shapes(cal, "email")

    start, hours, factor, catch_up = shapes.PLATFORM_OUTAGE
    i0 = (start.date() - cal["date"].iloc[0]).days * 24 + start.hour
    for queue in CHAT:
        flat = out[queue].reshape(-1)
        if 0 <= i0 < flat.size - hours:
            flat[i0:i0 + hours] *= factor
            flat[i0 + hours] *= catch_up
    return out


def calibrate(expected: dict[str, np.ndarray], history_days: slice) -> dict[str, float]:
    """Scale per queue so the two years hold 2 x 320,000 contacts in the field's channel mix (docs/architecture.md)."""
    years = (LAST_DAY - FIRST_DAY).days / 365.0
    return {q: shapes.TARGET_CONTACTS_PER_YEAR * years * shapes.TARGET_SHARE[q] / expected[q][history_days].sum()
            for q in shapes.QUEUES}


# ---------------------------------------------------------------- 6. noise
def sample_arrivals(seed: int, expected: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Gamma-Poisson counts: shared day shock (traffic level), queue day shock, and an AR(1) hour
    shock in log space, so busy hours cluster like real ones."""
    rng = stream(seed, "arrivals")
    n_days = next(iter(expected.values())).shape[0]
    # shared: a slowly wandering traffic level (AR(1) over days: campaigns, competitors, weather)
    # times an independent day shock; together a day-to-day spread like the Anonymous Bank's.
    drift = np.zeros(n_days)
    steps = rng.normal(0.0, 0.05 * np.sqrt(1 - 0.85 ** 2), size=n_days)
    for d in range(1, n_days):
        drift[d] = 0.85 * drift[d - 1] + steps[d]
    shared = rng.gamma(100.0, 1 / 100.0, size=n_days) * np.exp(drift)
    out = {}
    for queue in shapes.QUEUES:
        own = rng.gamma(200.0, 1 / 200.0, size=n_days)
        phi, sigma = 0.5, 0.13
        eps = rng.normal(0.0, sigma * np.sqrt(1 - phi ** 2), size=(n_days, 24))
        log_shock = np.zeros((n_days, 24))
        log_shock[:, 0] = rng.normal(0.0, sigma, size=n_days)
        for h in range(1, 24):
            log_shock[:, h] = phi * log_shock[:, h - 1] + eps[:, h]
        hour = np.exp(log_shock - sigma ** 2 / 2)
        out[queue] = rng.poisson(expected[queue] * (shared * own)[:, None] * hour)
    return out


# ---------------------------------------------------------------- 7. service: abandonment, handle times
def overload(arrivals: np.ndarray, expected: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Load against the staffing the shop had: planned for the ordinary day plus 85% of a known
    event's extra. Returns (load = arrivals / capacity, overload share beyond capacity)."""
    # staffing is whole agents: slack of at least ~2.5 sd of Poisson noise and a minimum crew
    slack = np.maximum.reduce([0.25 * baseline, 3.0 * np.sqrt(baseline), np.full_like(baseline, 6.0)])
    capacity = baseline + slack + 0.85 * np.maximum(expected - baseline, 0.0)
    load = arrivals / capacity
    return load, np.clip(1.0 - 1.0 / np.maximum(load, 1e-9), 0.0, None)


def queue_state(seed: int, load: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per hour: the share of contacts that have to queue and the mean virtual wait of those
    (Erlang-C-like: wait ~ scale / (1 - load), and a backlog beyond capacity), with hour jitter."""
    rng = stream(seed, "queue-state")
    out = {}
    for queue in shapes.PATIENCE_S:
        rho, over = load[queue]
        p_wait = np.clip(0.05 + 0.45 * np.minimum(rho, 1.0) ** 3 + over, 0.0, 0.97)
        wait = shapes.QUEUED_WAIT_SCALE_S[queue] / np.maximum(1.0 - np.minimum(rho, 1.0), 0.08) + 300.0 * over
        out[queue] = (p_wait, wait * np.exp(rng.normal(0.0, 0.3, size=rho.shape)))
    return out


def sample_abandoned(seed: int, arrivals: dict, state: dict) -> dict[str, np.ndarray]:
    """Abandoned ~ Binomial(arrivals, p_wait · w / (w + θ)): with exponential virtual wait (mean w)
    and patience (mean θ) a queued contact leaves first with probability w / (w + θ)."""
    rng = stream(seed, "abandoned")
    out = {}
    for queue in shapes.QUEUES:
        if queue not in state:
            out[queue] = np.zeros_like(arrivals[queue])
            continue
        p_wait, wait = state[queue]
        out[queue] = rng.binomial(arrivals[queue], p_wait * wait / (wait + shapes.PATIENCE_S[queue]))
    return out


def mean_handle_s(seed: int, cal: pd.DataFrame, grid: EventGrid, load: dict) -> dict[str, np.ndarray]:
    """Mean handle time of a contact per hour: longer at night, shorter for rush questions
    ("is the coupon valid?"), longer when the team is overloaded, drifting down over the years."""
    rng = stream(seed, "aht-mean")
    n = len(cal)
    t_years = np.array([(d - FIRST_DAY).days for d in cal["date"]]) / 365.25
    night = np.where(np.arange(24) < 7, 1.06, 1.0)
    out = {}
    for queue in shapes.QUEUES:
        m = shapes.AHT_S[queue] * np.exp(shapes.AHT_DRIFT_PER_YEAR * t_years)[:, None] * night[None, :]
        if queue in CHAT:
            rush = grid.rush[queue].reshape(n, 24)
            share = rush / np.maximum(rush + hour_shapes(cal, queue) * (1 + grid.uplift[queue][:, None]), 1e-9)
            m = m * (1 - 0.15 * share)
        m = m * (1 + 0.10 * np.minimum(load[queue][1], 1.0))
        m = m * np.exp(rng.normal(0.0, 0.04, size=n))[:, None]
        out[queue] = m
    return out


def sample_aht(seed: int, answered: dict, mean_s: dict) -> dict[str, np.ndarray]:
    """Average of n gamma handle times is gamma(n·k, m/(n·k)); blank (NaN) when nobody was answered."""
    rng = stream(seed, "aht")
    out = {}
    for queue in shapes.QUEUES:
        n = answered[queue]
        k = shapes.AHT_SHAPE[queue] * np.maximum(n, 1)
        aht = rng.gamma(k, mean_s[queue] / k)
        out[queue] = np.where(n > 0, aht, np.nan)
    return out


# ---------------------------------------------------------------- 8. contact log
QUEUE_LABEL = {"chat_presales": "售前咨询", "chat_aftersales": "售后服务", "phone": "电话", "email": "邮件工单"}
LOG_COLUMNS = ["会话ID", "技能组", "来源渠道", "进线时间", "首次响应时间", "结束时间", "是否放弃"]


def contact_log(seed: int, hours: pd.DatetimeIndex, arrivals: dict, abandoned: dict, load: dict, state: dict,
                mean_s: dict) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """One row per contact for the hours given; returns the log and the per-hour mean handle time
    it implies (so the history's aht_s is exactly the log's)."""
    rng = stream(seed, "contact-log")
    frames, aht = [], {}
    for queue in shapes.QUEUES:
        counts = arrivals[queue].astype(int)
        hour_of = np.repeat(np.arange(len(counts)), counts)
        second = rng.integers(0, 3600, size=hour_of.size)
        order = np.lexsort((second, hour_of))
        hour_of, second = hour_of[order], second[order]
        # exactly `abandoned` contacts of each hour abandon, chosen at random
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        key = rng.random(hour_of.size)
        by_key = np.lexsort((key, hour_of))
        rank = np.empty(hour_of.size, int)
        rank[by_key] = np.arange(hour_of.size) - starts[hour_of[by_key]]
        gave_up = rank < abandoned[queue].astype(int)[hour_of]
        arrival = hours[hour_of] + pd.to_timedelta(second, unit="s")
        handle = np.maximum(np.rint(rng.gamma(shapes.AHT_SHAPE[queue],
                                              mean_s[queue][hour_of] / shapes.AHT_SHAPE[queue])), 10).astype(int)
        if queue == "email":
            wait = email_first_reply_s(rng, arrival, load[queue][0][hour_of])
        else:
            wait = contact_waits(rng, queue, gave_up, *(x[hour_of] for x in state[queue]))
        wait = wait.astype(int)
        first_reply = arrival + pd.to_timedelta(wait, unit="s")
        end = np.where(gave_up, first_reply, first_reply + pd.to_timedelta(handle, unit="s"))
        answered_handle = np.where(gave_up, 0, handle)
        answered = np.bincount(hour_of, weights=~gave_up, minlength=len(counts))
        total = np.bincount(hour_of, weights=answered_handle, minlength=len(counts))
        aht[queue] = np.where(answered > 0, total / np.maximum(answered, 1), np.nan)
        frames.append(pd.DataFrame({
            "queue": queue, "arrival": arrival, "first_reply": first_reply.where(~gave_up),
            "end": pd.DatetimeIndex(end), "abandoned": gave_up, "channel": platform_channel(rng, queue, hour_of.size)}))
    log = pd.concat(frames, ignore_index=True)
    log["rank"] = log["queue"].map({q: i for i, q in enumerate(shapes.QUEUES)})
    log = log.sort_values(["arrival", "rank"], kind="stable").reset_index(drop=True)
    day = log["arrival"].dt.strftime("%Y%m%d")
    seq = log.groupby(day).cumcount() + 1
    fmt = "%Y-%m-%d %H:%M:%S"
    out = pd.DataFrame({
        "会话ID": "KF" + day + seq.map("{:06d}".format),
        "技能组": log["queue"].map(QUEUE_LABEL),
        "来源渠道": log["channel"],
        "进线时间": log["arrival"].dt.strftime(fmt),
        "首次响应时间": log["first_reply"].dt.strftime(fmt).fillna(""),
        "结束时间": log["end"].dt.strftime(fmt),
        "是否放弃": np.where(log["abandoned"], "是", "否"),
    })
    return out, aht


def contact_waits(rng: np.random.Generator, queue: str, gave_up: np.ndarray, p_wait: np.ndarray,
                  wait_s: np.ndarray) -> np.ndarray:
    """Seconds to first reply (or to giving up). A queued contact's time in queue is the minimum of
    its virtual wait and its patience, exponential with rate 1/w + 1/θ whichever comes first."""
    theta = shapes.PATIENCE_S[queue]
    in_queue = np.ceil(rng.exponential(1.0 / (1.0 / wait_s + 1.0 / theta)))
    # of the answered, the share that queued: p_wait·θ/(w+θ) out of 1 - p_wait·w/(w+θ)
    queued = rng.random(gave_up.size) < p_wait * theta / (wait_s + theta) / (1 - p_wait * wait_s / (wait_s + theta))
    low, high = shapes.REPLY_DELAY_S[queue]
    delay = rng.integers(low, high + 1, size=gave_up.size)
    return np.where(gave_up, np.maximum(in_queue, 1), np.where(queued, in_queue + delay, delay))


def email_first_reply_s(rng: np.random.Generator, arrival: pd.DatetimeIndex, load: np.ndarray) -> np.ndarray:
    """Tickets are answered by the email desk 09:00-22:00; overnight mail waits for the morning."""
    hour = arrival.hour.to_numpy()
    work = rng.exponential(1.6 * 3600 * np.clip(load, 0.6, 3.0)) + 300
    next_morning = (pd.DatetimeIndex(arrival.normalize() + pd.Timedelta(hours=9))
                    + pd.to_timedelta(np.where(hour >= 22, 1, 0), unit="D"))
    until_open = (next_morning - arrival).total_seconds().to_numpy()
    in_hours = (hour >= 9) & (hour < 22)
    return np.where(in_hours, work, until_open + rng.exponential(1.2 * 3600, size=hour.size))


def platform_channel(rng: np.random.Generator, queue: str, n: int) -> np.ndarray:
    if queue == "phone":
        return np.full(n, "400热线")
    if queue == "email":
        return np.full(n, "邮件")
    return rng.choice(np.array(["天猫", "抖音", "京东"]), size=n, p=[0.60, 0.25, 0.15])


MAPPING_YAML = """\
# Column mapping for data/contact_log_2026-10.csv (a Chinese CS-platform export) onto the
# contact-log contract of `plan ingest`.
columns:
  arrival: 进线时间
  first_reply: 首次响应时间
  end: 结束时间
  abandoned: 是否放弃
  queue: 技能组
  id: 会话ID
abandoned_values: [是]
queues:
  售前咨询: chat_presales
  售后服务: chat_aftersales
  电话: phone
  邮件工单: email
time_format: "%Y-%m-%d %H:%M:%S"
"""


# ---------------------------------------------------------------- writing
def history_frame(hours: pd.DatetimeIndex, arrivals: dict, aht: dict, abandoned: dict) -> pd.DataFrame:
    stamp = hours.strftime("%Y-%m-%d %H:%M")
    frames = [pd.DataFrame({"queue": q, "interval_start": stamp, "arrivals": arrivals[q].astype(int),
                            "aht_s": np.round(aht[q], 1), "abandoned": abandoned[q].astype(int),
                            "_rank": i, "_t": np.arange(len(hours))})
              for i, q in enumerate(shapes.QUEUES)]
    out = pd.concat(frames, ignore_index=True).sort_values(["_t", "_rank"], kind="stable")
    return out.drop(columns=["_rank", "_t"]).reset_index(drop=True)


def expected_frame(cal: pd.DataFrame, expected: dict) -> pd.DataFrame:
    """The noise-free mean per queue and hour (history span and plan month): what a perfect
    forecaster would predict, for benchmarks that separate model error from noise."""
    hours = pd.date_range(pd.Timestamp(cal["date"].iloc[0]), periods=len(cal) * 24, freq="h")
    stamp = hours.strftime("%Y-%m-%d %H:%M")
    return pd.concat([pd.DataFrame({"queue": q, "interval_start": stamp, "arrivals": expected[q].reshape(-1)})
                      for q in shapes.QUEUES], ignore_index=True)


def events_frame() -> pd.DataFrame:
    rows = [(name, kind, start.isoformat(), end.isoformat(), "" if intensity is None else f"{intensity:g}")
            for name, kind, start, end, intensity in shapes.CALENDAR if end >= FIRST_DAY]
    return pd.DataFrame(rows, columns=["name", "kind", "start", "end", "intensity"])


def write_csv(frame: pd.DataFrame, path: Path, float_format: str = "%.1f") -> None:
    """Fixed float format and line ends, so the bytes only change when the data does."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", float_format=float_format, na_rep="", encoding="utf-8")
        tmp.chmod(0o644)  # a temp file starts private; the sample is for everyone to read


def write_text(text: str, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o644)


def summarise(history: pd.DataFrame) -> str:
    h = history.assign(ts=pd.to_datetime(history["interval_start"]))
    h["year"] = np.where(h["ts"] < pd.Timestamp("2025-11-01"), "2024-11..2025-10", "2025-11..2026-10")
    table = h.pivot_table(index="year", columns="queue", values="arrivals", aggfunc="sum")[list(shapes.QUEUES)]
    table["total"] = table.sum(axis=1)
    lines = ["contacts per year and queue:", table.to_string()]
    total = table["total"].sum()
    lines.append("mix: " + ", ".join(f"{q} {table[q].sum() / total:.1%}" for q in shapes.QUEUES)
                 + f"; chat {table[list(CHAT)].sum().sum() / total:.1%}")
    abandon = h.groupby("queue")[["abandoned", "arrivals"]].sum()
    lines.append("abandoned: " + ", ".join(f"{q} {abandon.loc[q, 'abandoned'] / abandon.loc[q, 'arrivals']:.1%}"
                                           for q in shapes.QUEUES))
    chat = h[h["queue"].isin(CHAT)].groupby("ts")["arrivals"].sum()
    for year in (2024, 2025):
        peak_day = chat[str(pd.Timestamp(year, 11, 11).date())]
        # an ordinary day: after the after-sales tail, before the double12 pre-sale
        normal = chat[f"{year}-11-26":f"{year}-12-03"].resample("D").sum().median() / 24
        lines.append(f"11.11 {year}: chat peak hour {peak_day.idxmax():%H:%M} = {peak_day.max():.0f} "
                     f"({peak_day.max() / normal:.1f}x a normal day's mean hour {normal:.1f}); "
                     f"day {peak_day.sum():.0f} = {peak_day.sum() / normal / 24:.1f}x a normal day")
    busiest = h.loc[h["arrivals"].idxmax()]
    lines.append(f"busiest queue-hour: {busiest['queue']} {busiest['interval_start']} = {busiest['arrivals']}")
    return "\n".join(lines)


def generate(out: Path, seed: int = SEED, *, write_expected: bool = False) -> str:
    out.mkdir(parents=True, exist_ok=True)
    # the model runs on through the plan month, so its noise-free mean there is the oracle forecast
    cal = build_calendar(FIRST_DAY - dt.timedelta(days=BURN_IN_DAYS), PLAN_LAST_DAY)
    in_history = slice(BURN_IN_DAYS, BURN_IN_DAYS + (LAST_DAY - FIRST_DAY).days + 1)
    after_burn_in = slice(BURN_IN_DAYS, None)
    expected = expected_arrivals(cal, EventGrid(cal, draw_strengths(seed)))
    baseline = expected_arrivals(cal, EventGrid(cal, None))
    scale = calibrate(expected, in_history)
    if write_expected:
        oracle = {q: v[after_burn_in] * scale[q] for q, v in expected.items()}
        write_csv(expected_frame(cal.iloc[after_burn_in], oracle), out / "expected.csv", float_format="%.3f")
    expected = {q: v[in_history] * scale[q] for q, v in expected.items()}
    baseline = {q: v[in_history] * scale[q] for q, v in baseline.items()}
    cal = cal.iloc[in_history].reset_index(drop=True)
    grid = EventGrid(cal, draw_strengths(seed))

    arrivals = sample_arrivals(seed, expected)
    load = {q: overload(arrivals[q], expected[q], baseline[q]) for q in shapes.QUEUES}
    state = queue_state(seed, load)
    abandoned = sample_abandoned(seed, arrivals, state)
    mean_s = mean_handle_s(seed, cal, grid, load)
    flat = lambda d: {q: v.reshape(-1) for q, v in d.items()}  # noqa: E731
    arrivals, abandoned, mean_s = flat(arrivals), flat(abandoned), flat(mean_s)
    load = {q: (lo.reshape(-1), ov.reshape(-1)) for q, (lo, ov) in load.items()}
    state = {q: (pw.reshape(-1), w.reshape(-1)) for q, (pw, w) in state.items()}
    aht = sample_aht(seed, {q: arrivals[q] - abandoned[q] for q in shapes.QUEUES}, mean_s)

    hours = pd.date_range(pd.Timestamp(FIRST_DAY), pd.Timestamp(LAST_DAY) + pd.Timedelta(hours=23), freq="h")
    month = (hours.year == LOG_MONTH[0]) & (hours.month == LOG_MONTH[1])
    pick = lambda d: {q: v[month] for q, v in d.items()}  # noqa: E731
    log, log_aht = contact_log(seed, hours[month], pick(arrivals), pick(abandoned),
                               {q: (lo[month], ov[month]) for q, (lo, ov) in load.items()},
                               {q: (pw[month], w[month]) for q, (pw, w) in state.items()}, pick(mean_s))
    for q in shapes.QUEUES:
        aht[q][month] = log_aht[q]

    history = history_frame(hours, arrivals, aht, abandoned)
    write_csv(history, out / "history.csv")
    write_csv(events_frame(), out / "events.csv")
    write_csv(log, out / f"contact_log_{LOG_MONTH[0]}-{LOG_MONTH[1]:02d}.csv")
    write_text(MAPPING_YAML, out / "contact_log_mapping.yaml")
    write_text(sample_workforce.workforce_yaml(seed), out / "workforce.yaml")
    return summarise(history)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output directory")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--expected", action="store_true",
                        help="also write expected.csv: the noise-free mean through 2026-11 (not committed)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = generate(args.out, args.seed, write_expected=args.expected)
    print(summary)
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
