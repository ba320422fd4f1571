"""Working days (工作日) by China's official calendar: public holidays and the weekend days worked in their place.

The State Council (国务院办公厅) publishes each year's arrangement late in the year before; the `chinese_calendar`
package carries the published years. Years it lacks are read from holidays.toml beside this module (the platform
admin adds a year there when the notice comes out, or in the instance folder's holidays.toml, read the same way);
a year in neither counts Monday to Friday only, with a warning in the log, so nothing stops but the count may be
off around a holiday until the year is added.

Periods follow the Civil Code (民法典 第二百零一条、第二百零三条): the day a period starts is not counted, and it
ends at 24:00 of its last day. So a 公示 of 5 working days started on any day ends at midnight after the fifth
working day that follows it.
"""

import logging
import os
import tomllib
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import chinese_calendar
from flask import current_app, has_app_context

from portal.util import clock

log = logging.getLogger(__name__)

PACKAGED_FILE = Path(__file__).with_name("holidays.toml")
INSTANCE_FILE_NAME = "holidays.toml"
# Beyond this many days without a working day the calendar is broken (the longest holiday is 8 or 9 days).
_LONGEST_REST = 31


class CalendarYear:
    """One year's official exceptions to "Monday to Friday": rest days on weekdays, working weekend days."""

    def __init__(self, holidays=(), workdays=()):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)


def _read_file(path: Path) -> dict[int, CalendarYear]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    years = {}
    for key, entry in data.items():
        year = int(key)
        holidays = [date.fromisoformat(str(d)) for d in entry.get("holidays", [])]
        workdays = [date.fromisoformat(str(d)) for d in entry.get("workdays", [])]
        if not holidays and not workdays:
            continue  # a year listed but not filled in yet is still unknown
        if any(d.year != year for d in holidays + workdays):
            raise ValueError(f"{path}: a date under [{year}] is not in {year}")
        years[year] = CalendarYear(holidays, workdays)
    return years


def _instance_file() -> Path | None:
    if has_app_context():
        return Path(current_app.instance_path) / INSTANCE_FILE_NAME
    return None


@cache
def _files(instance_file: Path | None, stamp: float | None) -> dict[int, CalendarYear]:
    years = _read_file(PACKAGED_FILE)
    if instance_file is not None:
        years.update(_read_file(instance_file))  # the instance's file wins for the years it fills in
    return years


def _extra_years() -> dict[int, CalendarYear]:
    instance_file = _instance_file()
    stamp = None
    if instance_file is not None:
        try:
            stamp = os.stat(instance_file).st_mtime
        except OSError:
            instance_file = None
    return _files(instance_file, stamp)


@cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _warn_unknown(year: int) -> None:
    log.warning("no official holiday calendar for %d: counting Monday to Friday as working days; add the year's "
                "arrangement to %s (国务院办公厅 节假日安排通知)", year, INSTANCE_FILE_NAME)


def has_official_calendar(year: int) -> bool:
    """Whether the official arrangement of `year` is known (packaged or in a holidays.toml)."""
    return year in _extra_years() or _package_knows(year)


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: a weekday that is no public holiday, or a weekend day worked in lieu."""
    if isinstance(day, datetime):
        day = clock.to_local(day).date()
    extra = _extra_years().get(day.year)
    if extra is not None:
        if day in extra.workdays:
            return True
        if day in extra.holidays:
            return False
        return day.weekday() < 5
    if _package_knows(day.year):
        return chinese_calendar.is_workday(day)
    _warn_unknown(day.year)
    return day.weekday() < 5


def add_working_days(day: date, n: int) -> date:
    """The `n`th working day after `day` (before it when `n` is negative); `day` itself is not counted."""
    step = 1 if n >= 0 else -1
    remaining, current, idle = abs(n), day, 0
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
            idle = 0
        else:
            idle += 1
            if idle > _LONGEST_REST:
                raise ValueError(f"no working day within {_LONGEST_REST} days of {current}")
    return current


def working_days_between(start: date, end: date) -> int:
    """How many working days come after `start` up to and including `end`.

    When `end` is earlier, minus the working days from `end` up to, not including, `start`, so that
    `working_days_between(d, add_working_days(d, n)) == n` for every n.
    """
    if end < start:
        return -sum(1 for k in range((start - end).days) if is_working_day(end + timedelta(days=k)))
    return sum(1 for k in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=k)))


def period_end(start: datetime, n: int) -> datetime:
    """When a period of `n` working days that starts at `start` ends: 24:00 (Asia/Shanghai) of its last day, in UTC.

    For the 公示 window, and for any deadline set as "n working days from" a moment (a clarification's question
    deadline: `period_end(published_at, n)`).
    """
    last = add_working_days(clock.to_local(start).date(), n)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ).astimezone(start.tzinfo)


def working_days_before(moment: datetime, n: int) -> datetime:
    """When a deadline `n` working days before `moment` falls: 24:00 (Asia/Shanghai) of that working day, in UTC.

    E.g. questions about a call close 3 working days before its proposals are due:
    `working_days_before(scenario.deadline, 3)`.
    """
    day = add_working_days(clock.to_local(moment).date(), -n)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ).astimezone(moment.tzinfo)


def closing_day(moment: datetime) -> date:
    """The local day a deadline at `moment` closes: 24:00 (00:00 of the next day) belongs to the day before."""
    local = clock.to_local(moment)
    return local.date() - timedelta(days=1) if local.time() == time(0) else local.date()


def falls_on_rest_day(moment: datetime) -> bool:
    """Whether a deadline at `moment` falls on a weekend or public holiday in Asia/Shanghai."""
    return not is_working_day(closing_day(moment))
