"""Daily histories: read, forecast by day, split into intervals by a profile; stated opening hours."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from plan.contracts.drivers import read_drivers
from plan.contracts.errors import InputError
from plan.contracts.history import read_history
from plan.contracts.intraday_profile import read_intraday_profile
from plan.contracts.workforce import parse_workforce
from plan.contracts.yaml_file import read_yaml
from plan.contracts.paths import SAMPLE_WORKFORCE
from plan.forecast.calendar import CountryCalendar
from plan.forecast.hours import StatedHours
from plan.forecast.model import VolumeForecaster
from plan.forecast.split import day_type_chain, default_shape, shape_from_file, shape_from_history, split_daily
from test_forecast import synthetic_history

FIRST, LAST = "2025-06-02", "2025-09-28"        # a Monday .. a Sunday; CN National Day follows
FORECAST = ("2025-09-29", "2025-10-12")
EMPTY_EVENTS = pd.DataFrame({"name": [], "kind": [], "start": pd.DatetimeIndex([]), "end": pd.DatetimeIndex([]),
                             "intensity": []})
COLUMNS = ["arrivals", "p10", "p50", "p90"]


def closed_at_night(history: pd.DataFrame, first_open_hour: int = 8) -> pd.DataFrame:
    """The same history with nothing before ``first_open_hour``: a queue that opens at 08:00."""
    out = history.copy()
    out.loc[out["interval_start"].dt.hour < first_open_hour, "arrivals"] = 0.0
    return out


def to_daily(history: pd.DataFrame) -> pd.DataFrame:
    day = history["interval_start"].dt.normalize()
    return history.groupby(["queue", day])["arrivals"].sum().reset_index()


def write_csv(path, frame: pd.DataFrame, date_format: str = "%Y-%m-%d %H:%M"):
    frame.assign(interval_start=frame["interval_start"].dt.strftime(date_format)).to_csv(path, index=False)
    return path


def daily_sums(table: pd.DataFrame) -> pd.DataFrame:
    return table.groupby(["queue", table["interval_start"].dt.normalize()])[COLUMNS].sum()


@pytest.fixture(scope="module")
def daily_forecast() -> pd.DataFrame:
    """A daily forecast of two queues over two weeks that hold China's National Day."""
    history = pd.concat([to_daily(synthetic_history(FIRST, LAST, per_day=2000)),
                         to_daily(synthetic_history(FIRST, LAST, per_day=600, seed=2)).assign(queue="phone")])
    model = VolumeForecaster(country="CN", seed=1, n_draws=300).fit(history)
    assert model.interval_minutes_ == 1440
    return model.predict(*FORECAST)


# ---- reading -----------------------------------------------------------------------------------
def test_reader_detects_daily_totals_and_keeps_a_missing_day_unknown(tmp_path):
    daily = to_daily(synthetic_history(FIRST, LAST))
    holed = daily.drop(index=[30, 31])
    path = write_csv(tmp_path / "daily.csv", holed, "%Y-%m-%d")
    read = read_history(path, interval_minutes=None, missing="unknown")
    assert read.attrs["interval_minutes"] == 1440
    assert len(read) == len(holed)
    assert read.attrs["missing_intervals"] == [("chat_presales", 2)]
    assert [f"{d:%Y-%m-%d}" for d in read.attrs["missing_days"]["chat_presales"]] == \
        [f"{d:%Y-%m-%d}" for d in daily["interval_start"].iloc[[30, 31]]]
    with pytest.raises(InputError, match="gap in queue chat_presales: 2 missing") as caught:
        read_history(path, interval_minutes=1440)
    assert caught.value.field == "interval_start" and caught.value.row == 31


def test_reader_refuses_times_off_any_supported_grid(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("queue,interval_start,arrivals\nq,2025-01-01 00:00,1\nq,2025-01-01 00:10,2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_history(path, interval_minutes=None)
    assert caught.value.one_line().startswith(f"{path}:3: interval_start: 00:10 is not on a 15-, 30- or 60-minute")


# ---- profile files -----------------------------------------------------------------------------
PROFILE_HEAD = "queue,day_type,time,share\n"


READERS = {"profile": (read_intraday_profile, PROFILE_HEAD), "drivers": (read_drivers, "date,driver,value\n")}


@pytest.mark.parametrize("table, rows, line, field, problem", [
    ("profile", "*,all,08:00,1\n*,someday,09:00,1\n", 3, "day_type", "unknown day type 'someday'"),
    ("profile", "*,all,8h,1\n", 2, "time", "not a time of day"),
    ("profile", "*,all,24:00,1\n", 2, "time", "00:00..23:59"),
    ("profile", "*,all,08:00,1\n*,all,08:10,1\n", 3, "time", "60-, 30- or 15-minute grid"),
    ("profile", "*,all,08:00,1\n*,ALL,08:00,2\n", 3, "time", "second row for * all 08:00"),
    ("profile", "*,all,08:00,-1\n", 2, "share", "must be >= 0"),
    ("profile", "phone,mon,08:00,0\nphone,mon,09:00,0\n", 2, "share", "add up to 0"),
    ("profile", ",all,08:00,1\n", 2, "queue", "empty queue name"),
    ("drivers", "2025-01-01,orders,10\n2025-01-01,orders,12\n", 3, "date", "second value of orders on 2025-01-01"),
    ("drivers", "2025-01-01,orders,ten\n", 2, "value", "not a number"),
    ("drivers", "2025-01-01,orders,-1\n", 2, "value", "must be >= 0"),
    ("drivers", "2025-01-01,,3\n", 2, "driver", "empty driver name"),
    ("drivers", "2025/01/01,orders,3\n", 2, "date", "YYYY-MM-DD"),
])
def test_profile_and_driver_errors_name_file_line_and_column(tmp_path, table, rows, line, field, problem):
    reader, header = READERS[table]
    path = tmp_path / f"{table}.csv"
    path.write_text(header + rows, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        reader(path)
    text = caught.value.one_line()
    assert text.startswith(f"{path}:{line}: {field}: ") and problem in text


def test_profile_weights_are_normalised_and_missing_times_closed(tmp_path):
    path = tmp_path / "profile.csv"
    path.write_text(PROFILE_HEAD + "*,all,08:30,30\n*,all,09:00,10\n*,all,20:00,60\n", encoding="utf-8")
    table = read_intraday_profile(path)
    shares = table.lookup("any queue", ["mon", "weekday", "all"])
    assert table.interval_minutes == 30 and len(shares) == 48
    assert shares.sum() == pytest.approx(1.0)
    assert shares[17] == pytest.approx(0.3) and shares[40] == pytest.approx(0.6) and shares[:17].sum() == 0


def test_day_types_most_specific_first():
    calendar = CountryCalendar("CN")
    flags = calendar.flags(pd.DatetimeIndex(["2025-10-01", "2025-10-11", "2025-10-13", "2025-10-12"]))
    chains = [day_type_chain(flags.iloc[i], calendar.weekend_days) for i in range(4)]
    assert chains[0][0] == "holiday"                      # National Day
    assert chains[1][0] == "weekday"                      # Saturday made a working day (调休)
    assert chains[2] == ["mon", "weekday", "all"]
    assert chains[3] == ["sun", "weekend", "all"]


def test_default_profile_covers_every_day_type():
    shape = default_shape()
    calendar = CountryCalendar("CN")
    days = pd.date_range("2025-09-29", "2025-10-12")
    shares, hours, used = shape.shares("any queue", days, calendar, EMPTY_EVENTS)
    assert shares.shape == (14, 24) and np.allclose(shares.sum(axis=1), 1.0) and hours is None
    assert "default profile" in used
    holiday, monday = shares[2], shares[0]               # 2025-10-01 and 2025-09-29
    assert not np.allclose(holiday, monday)


# ---- the split ---------------------------------------------------------------------------------
def test_split_keeps_every_daily_total_and_the_band_order(tmp_path, daily_forecast):
    path = tmp_path / "profile.csv"
    hours = [f"{h:02d}:00" for h in range(24)]
    rows = [f"phone,weekday,{t},{1 + (8 <= i < 20) * 5}" for i, t in enumerate(hours)]
    rows += [f"*,all,{t},{i + 1}" for i, t in enumerate(hours)]
    rows += [f"*,holiday,{t},{1 if i == 12 else 0}" for i, t in enumerate(hours)]
    path.write_text(PROFILE_HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    table, used, notes = split_daily(daily_forecast, shape_from_file(path), CountryCalendar("CN"), EMPTY_EVENTS)
    assert len(table) == 24 * len(daily_forecast) and not notes
    np.testing.assert_allclose(daily_sums(table).to_numpy(), daily_forecast.set_index(
        ["queue", "interval_start"])[COLUMNS].to_numpy(), rtol=1e-12)
    assert (table["p10"] <= table["p50"]).all() and (table["p50"] <= table["p90"]).all()
    national_day = table[table["interval_start"].dt.normalize() == pd.Timestamp("2025-10-01")]
    assert (national_day.loc[national_day["interval_start"].dt.hour != 12, "arrivals"] == 0).all()
    phone_monday = table[(table["queue"] == "phone") & (table["interval_start"].dt.normalize() == "2025-09-29")]
    assert phone_monday["arrivals"].iloc[10] == pytest.approx(6 * phone_monday["arrivals"].iloc[3])
    assert used["phone"] == f"profile file {path}"


def test_stated_hours_close_intervals_and_keep_the_totals(daily_forecast):
    open_minutes = np.zeros((7, 1440), dtype=bool)
    open_minutes[:, 8 * 60 + 30:22 * 60] = True        # 08:30-22:00 opens the 08:00 hour
    stated = {"phone": StatedHours(open_minutes)}
    table, _, _ = split_daily(daily_forecast, default_shape(), CountryCalendar("CN"), EMPTY_EVENTS, stated)
    phone = table[table["queue"] == "phone"]
    hour = phone["interval_start"].dt.hour
    assert (phone.loc[(hour < 8) | (hour >= 22), COLUMNS].to_numpy() == 0).all()
    assert (phone.loc[hour == 8, "arrivals"] > 0).all()
    np.testing.assert_allclose(daily_sums(table).to_numpy(), daily_forecast.set_index(
        ["queue", "interval_start"])[COLUMNS].to_numpy(), rtol=1e-12)


def test_profile_history_gives_each_queue_its_shape_and_hours(daily_forecast):
    hourly = closed_at_night(synthetic_history("2025-07-07", LAST, per_day=900, seed=4)).assign(queue="phone")
    hourly.attrs.update(path="hourly.csv", interval_minutes=60)
    shape = shape_from_history(hourly, EMPTY_EVENTS, CountryCalendar("CN"), default_shape())
    table, used, _ = split_daily(daily_forecast, shape, CountryCalendar("CN"), EMPTY_EVENTS)
    phone = table[table["queue"] == "phone"]
    assert (phone.loc[phone["interval_start"].dt.hour < 8, COLUMNS].to_numpy() == 0).all()
    assert used == {"chat_presales": f"default profile {default_shape().path}", "phone": "profile history hourly.csv"}
    assert shape.describe()["queues"] == ["phone"]
    np.testing.assert_allclose(daily_sums(table).to_numpy(), daily_forecast.set_index(
        ["queue", "interval_start"])[COLUMNS].to_numpy(), rtol=1e-12)


def test_a_daily_profile_history_is_refused(daily_forecast):
    daily = to_daily(synthetic_history(FIRST, LAST))
    daily.attrs.update(path="days.csv", interval_minutes=1440)
    with pytest.raises(InputError, match="days.csv: interval_start: holds daily totals"):
        shape_from_history(daily, EMPTY_EVENTS, CountryCalendar("CN"), default_shape())


# ---- the command line --------------------------------------------------------------------------
@pytest.fixture
def daily_inputs(tmp_path):
    daily = to_daily(synthetic_history(FIRST, LAST, per_day=1500))
    events = tmp_path / "events.csv"
    events.write_text("name,kind,start,end,intensity\n", encoding="utf-8")
    return {"history": write_csv(tmp_path / "daily.csv", daily, "%Y-%m-%d"), "events": events, "dir": tmp_path}


def test_forecast_command_splits_a_daily_history_and_says_how(run_plan, daily_inputs):
    d = daily_inputs["dir"]
    common = ["forecast", "--history", daily_inputs["history"], "--events", daily_inputs["events"],
              "--start", FORECAST[0], "--end", FORECAST[1]]
    split = run_plan(*common, "--out", d / "hours.csv", "--plot", d / "hours.png")
    assert split.exit_code == 0, split.output
    assert "split into 60-minute intervals by the default profile" in " ".join(split.stdout.split())
    kept = run_plan(*common, "--keep-daily", "--out", d / "days.csv", "--plot", d / "days.png")
    assert kept.exit_code == 0, kept.output
    hours = pd.read_csv(d / "hours.csv", parse_dates=["interval_start"])
    days = pd.read_csv(d / "days.csv", parse_dates=["interval_start"])
    assert len(hours) == 24 * len(days) == 24 * 14
    # the same seed gives the same days; the split keeps them (up to the 2-decimal rounding of the file)
    np.testing.assert_allclose(daily_sums(hours).to_numpy(), days.set_index(["queue", "interval_start"])[COLUMNS]
                               .to_numpy(), atol=24 * 0.005 + 1e-9)
    sidecar = json.loads((d / "hours.model.json").read_text(encoding="utf-8"))
    assert sidecar["history_interval_minutes"] == 1440 and sidecar["forecast_interval_minutes"] == 60
    assert sidecar["intraday_profile"]["source"] == "default profile"
    assert json.loads((d / "days.model.json").read_text(encoding="utf-8"))["intraday_profile"] is None


def test_staffing_refuses_a_daily_forecast_in_one_line(run_plan, daily_inputs):
    d = daily_inputs["dir"]
    days = to_daily(synthetic_history("2026-11-01", "2026-11-30"))
    write_csv(d / "days.csv", days)
    line = run_plan("staffing", "--forecast", d / "days.csv", "--out", d / "req.csv", cwd=d).error_line(
        ("days.csv", "interval_start"))
    assert "daily totals" in line and "--keep-daily" in line


@pytest.mark.parametrize("option", ["--profile", "--profile-history"])
def test_profile_options_need_a_daily_history(run_plan, tmp_path, option):
    hourly = write_csv(tmp_path / "hourly.csv", synthetic_history(FIRST, LAST))
    events = tmp_path / "events.csv"
    events.write_text("name,kind,start,end\n", encoding="utf-8")
    line = run_plan("forecast", "--history", hourly, "--events", events, option, hourly,
                    "--out", tmp_path / "f.csv", "--plot", tmp_path / "f.png").error_line(("command line", option))
    assert "already has intervals" in line


# ---- opening hours stated in the workforce config ----------------------------------------------
def sample_config_with(phone_hours: dict | None = None, closed: list[str] | None = None) -> dict:
    data = read_yaml(SAMPLE_WORKFORCE)
    if phone_hours is not None:
        data["queues"]["phone"]["opening_hours"] = phone_hours
    if closed is not None:
        data["queues"]["phone"]["closed_dates"] = closed
    return data


@pytest.mark.parametrize("hours, problem", [
    ({"mon": "08:00-22:00"}, "name every weekday: tue, wed, thu, fri, sat, sun missing"),
    ({d: "08:00-22:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": "22:00-08:00"},
     "sun: '22:00-08:00' ends before it starts"),
    ({d: "08:00-22:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": "9 to 5"},
     "sun: '9 to 5' is not open hours"),
])
def test_opening_hours_errors_name_the_queue(hours, problem):
    with pytest.raises(InputError) as caught:
        parse_workforce(sample_config_with(hours), "workforce.yaml")
    text = caught.value.one_line()
    assert text.startswith("workforce.yaml: queues.phone.opening_hours: ") and problem in text


def test_forecaster_uses_stated_hours_and_closed_dates():
    week = {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": "closed"}
    queue = parse_workforce(sample_config_with(week, ["2025-10-07"]), "w.yaml").queues["phone"]
    stated = StatedHours(queue.open_minutes(), frozenset(pd.Timestamp(d) for d in queue.closed_dates), "workforce config w.yaml")
    history = synthetic_history(FIRST, LAST, per_day=900).assign(queue="phone")
    model = VolumeForecaster(country="CN", seed=1, n_draws=200, stated_hours={"phone": stated}).fit(history)
    table = model.predict(*FORECAST)
    day, hour = table["interval_start"].dt.normalize(), table["interval_start"].dt.hour
    shut = (hour < 9) | (hour >= 18) | (day.dt.day_of_week == 6) | (day == pd.Timestamp("2025-10-07"))
    assert (table.loc[shut, COLUMNS].to_numpy() == 0).all() and (table.loc[~shut, "arrivals"] > 0).all()
    summary = model.summary()["queues"]["phone"]
    assert summary["opening_hours_from"] == "workforce config w.yaml" and summary["opening_hours"]["Sun"] == "closed"
    assert any("opening hours from the workforce config w.yaml" in n for n in model.notes)


# ---- drivers -------------------------------------------------------------------------------------
def orders_and_calls(first: str = "2025-01-06", last: str = "2025-08-31", lag_days: int = 2, seed: int = 5):
    """Daily orders with campaign bursts, and after-sales calls that follow them ``lag_days`` later."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(first, pd.Timestamp(last) + pd.Timedelta(days=28))
    orders = 5000 * np.exp(rng.normal(0, 0.05, len(days)))
    for start in rng.choice(len(days) - 5, 14, replace=False):
        orders[start:start + 3] *= rng.uniform(1.6, 2.4)        # unannounced campaigns: only the plan knows
    lagged = np.roll(orders, lag_days)
    lagged[:lag_days] = orders[0]
    calls = rng.poisson(0.2 * lagged * np.where(days.day_of_week >= 5, 0.7, 1.0))
    table = pd.DataFrame({"date": days, "driver": "orders", "value": orders.round()})
    history = pd.DataFrame({"queue": "aftersales", "interval_start": days, "arrivals": calls.astype(float)})
    return table, history


def test_a_driver_plan_explains_what_the_calendar_cannot():
    table, everything = orders_and_calls()
    history = everything[everything["interval_start"] <= "2025-08-31"]
    truth = everything[everything["interval_start"] > "2025-08-31"]["arrivals"].to_numpy()
    errors = {}
    for name, drivers in (("without", None), ("with", table)):
        model = VolumeForecaster(country="CN", seed=1, n_draws=200, drivers=drivers).fit(history)
        forecast = model.predict("2025-09-01", "2025-09-28")["arrivals"].to_numpy()
        errors[name] = np.abs(forecast - truth).sum() / truth.sum()
    assert errors["with"] < 0.6 * errors["without"]
    effects = model.summary()["queues"]["aftersales"]["driver_effects"]
    assert max(effects, key=lambda k: abs(effects[k])) == "orders|lag2" and effects["orders|lag2"] > 0.5


def test_a_forecast_day_without_a_planned_driver_value_is_refused():
    table, everything = orders_and_calls()
    table.attrs["path"] = "orders.csv"
    short = table[table["date"] <= "2025-09-10"]
    short.attrs["path"] = "orders.csv"
    model = VolumeForecaster(country="CN", seed=1, n_draws=100, drivers=short).fit(
        everything[everything["interval_start"] <= "2025-08-31"])
    with pytest.raises(InputError) as caught:
        model.predict("2025-09-01", "2025-09-28")
    assert caught.value.one_line() == ("orders.csv: value: driver orders has no value for 2025-09-11 (and 17 more "
                                       "forecast days): give the plan for every forecast day")


def test_forecast_command_takes_drivers_and_names_a_missing_plan(run_plan, tmp_path):
    table, everything = orders_and_calls()
    history = write_csv(tmp_path / "calls.csv", everything[everything["interval_start"] <= "2025-08-31"], "%Y-%m-%d")
    events = tmp_path / "events.csv"
    events.write_text("name,kind,start,end\n", encoding="utf-8")
    drivers = tmp_path / "orders.csv"
    table.assign(date=table["date"].dt.strftime("%Y-%m-%d")).to_csv(drivers, index=False)
    common = ["forecast", "--history", history, "--events", events, "--drivers", drivers, "--keep-daily",
              "--out", tmp_path / "f.csv", "--plot", tmp_path / "f.png"]
    done = run_plan(*common, "--start", "2025-09-01", "--end", "2025-09-28")
    assert done.exit_code == 0, done.output
    sidecar = json.loads((tmp_path / "f.model.json").read_text(encoding="utf-8"))
    assert sidecar["drivers"] == str(drivers) and "orders|lag2" in sidecar["queues"]["aftersales"]["driver_effects"]
    line = run_plan(*common, "--start", "2025-09-01", "--end", "2025-10-05", "--overwrite").error_line(("orders.csv",))
    assert "driver orders has no value for 2025-09-29" in line


def test_daily_totals_read_as_hours_are_refused(tmp_path):
    path = write_csv(tmp_path / "daily.csv", to_daily(synthetic_history(FIRST, LAST)), "%Y-%m-%d")
    with pytest.raises(InputError, match="every time is 00:00: these are daily totals, not 60-minute intervals"):
        read_history(path, interval_minutes=60, missing="unknown")
