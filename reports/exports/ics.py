"""One iCalendar (RFC 5545) file per person: each working day one event, in the site's time zone.

Written with the ``icalendar`` package. An event starts and ends at the shift's wall-clock times with
the site's ``TZID`` (workforce.yaml ``site.timezone``), and its ``VTIMEZONE`` is embedded so that any
calendar app places it right; an overnight shift ends the next day. The summary names the shift and
the queue (``早班 D · phone``); the description lists the breaks. Rest days are not events, and
neither is leave (a calendar of leave days would be noise next to the HR system that grants it).
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from plan.reports.exports.plan_days import ExportPlan, PersonDay

PRODUCT_ID = "-//plan//workforce roster export//ZH"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def file_name(person_id: str) -> str:
    return f"{_UNSAFE_IN_NAME.sub('_', person_id) or 'person'}.ics"


def summary(day: PersonDay) -> str:
    shift = f"{day.shift_name} {day.shift_code}" if day.shift_name else day.shift_code
    return f"{shift} · {day.queue}" if day.queue else shift


def shift_event(day: PersonDay, zone: ZoneInfo, stamp: dt.datetime, site: str) -> Event:
    event = Event()
    event.add("uid", f"{day.person_id}-{day.date:%Y%m%d}-{day.shift_code}@{_UNSAFE_IN_NAME.sub('-', site)}.plan")
    event.add("dtstamp", stamp)
    event.add("dtstart", day.start.replace(tzinfo=zone))
    event.add("dtend", day.end.replace(tzinfo=zone))
    event.add("summary", summary(day))
    if day.breaks:
        event.add("description", f"休息 breaks: {day.breaks.replace(';', ', ')}")
    event.add("transp", "OPAQUE")
    return event


def person_calendar(plan: ExportPlan, person_id: str, name: str, stamp: dt.datetime) -> Calendar:
    zone = ZoneInfo(plan.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{name} 排班 {plan.month}")
    calendar.add("x-wr-timezone", plan.timezone)
    for day in plan.days:
        if day.person_id == person_id and day.working:
            calendar.add_component(shift_event(day, zone, stamp, plan.site_name))
    calendar.add_missing_timezones()
    return calendar


def build(plan: ExportPlan, mapping=None) -> dict[str, bytes]:
    """``mapping`` is not used: a personal calendar needs no platform ids."""
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    files = {}
    for person_id, name, _kind in plan.people:
        name_in_folder = file_name(person_id)
        if name_in_folder in files:  # two ids that differ only in characters a file name cannot hold
            name_in_folder = f"{name_in_folder[:-4]}-{len(files)}.ics"
        files[name_in_folder] = person_calendar(plan, person_id, name, stamp).to_ical()
    return files
