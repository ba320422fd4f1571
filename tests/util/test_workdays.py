"""Working days by China's official calendar: the real 2025 and 2026 holidays and the weekend days worked for them."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.util import clock, workdays
from portal.util.workdays import add_working_days, is_working_day, period_end, working_days_between


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.mark.parametrize(("day", "working"), [
    (date(2025, 10, 1), False), (date(2025, 10, 8), False),  # 国庆、中秋 2025: 10月1日至8日放假
    (date(2025, 9, 28), True), (date(2025, 10, 11), True),  # …and the Sunday before, the Saturday after worked
    (date(2025, 1, 28), False), (date(2025, 2, 4), False),  # 春节 2025: 1月28日至2月4日
    (date(2025, 1, 26), True), (date(2025, 2, 8), True),  # 1月26日（周日）、2月8日（周六）上班
    (date(2026, 2, 15), False), (date(2026, 2, 23), False),  # 春节 2026: 2月15日至23日
    (date(2026, 2, 14), True), (date(2026, 2, 28), True),  # 2月14日（周六）、2月28日（周六）上班
    (date(2026, 10, 7), False), (date(2026, 10, 10), True),  # 国庆 2026; 10月10日（周六）上班
    (date(2026, 3, 2), True), (date(2026, 3, 7), False),  # an ordinary Monday and Saturday
])
def test_official_holidays_and_adjusted_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Friday → the Sunday worked before 国庆
    (date(2025, 9, 30), 1, date(2025, 10, 9)),  # over the whole 国庆 holiday
    (date(2025, 9, 30), 3, date(2025, 10, 11)),  # 10/9, 10/10, and Saturday 10/11 (worked)
    (date(2025, 9, 30), 5, date(2025, 10, 14)),
    (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Friday → the Saturday worked before 春节
    (date(2026, 2, 13), 2, date(2026, 2, 24)),
    (date(2026, 2, 24), 4, date(2026, 2, 28)),  # 2/25, 2/26, 2/27, Saturday 2/28 (worked)
    (date(2026, 3, 2), 5, date(2026, 3, 9)),  # an ordinary week
    (date(2025, 10, 9), -1, date(2025, 9, 30)),  # backwards over the holiday
    (date(2026, 3, 2), 0, date(2026, 3, 2)),
])
def test_adding_working_days_skips_holidays_and_counts_worked_weekends(start, n, expected):
    assert add_working_days(start, n) == expected
    assert working_days_between(start, expected) == n


@given(st.dates(date(2025, 1, 1), date(2026, 11, 30)), st.integers(-20, 20))
def test_counting_undoes_adding(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert n == 0 or is_working_day(end)


def test_a_period_ends_at_midnight_after_its_last_working_day():
    # Started on 30 September 2025 at 10:00: 10/9, 10/10, 10/11 (Saturday, worked), 10/13, 10/14.
    end = period_end(local(2025, 9, 30, 10, 0).astimezone(UTC), 5)
    assert clock.to_local(end) == local(2025, 10, 15, 0, 0)
    assert workdays.closing_day(end) == date(2025, 10, 14)
    # Started on a holiday, the count starts the same way: the start day never counts.
    assert clock.to_local(period_end(local(2026, 2, 17, 9, 0), 1)) == local(2026, 2, 25, 0, 0)


def test_working_days_before_a_deadline_for_questions():
    # Proposals due Friday 9 October 2026 17:00; questions close 3 working days before: 10/8, then over 国庆
    # (1 to 7 October) 9/30 and 9/29, at 24:00 of 29 September.
    cutoff = workdays.working_days_before(local(2026, 10, 9, 17, 0), 3)
    assert clock.to_local(cutoff) == local(2026, 9, 29, 0, 0) + timedelta(days=1)


def test_rest_day_deadlines_are_recognised():
    assert workdays.falls_on_rest_day(local(2025, 10, 3, 17, 0))
    assert not workdays.falls_on_rest_day(local(2025, 10, 11, 17, 0))  # a worked Saturday
    assert not workdays.falls_on_rest_day(local(2025, 10, 1, 0, 0))  # 24:00 of 30 September
    assert workdays.falls_on_rest_day(local(2025, 10, 2, 0, 0))  # 24:00 of 1 October


def test_the_portal_knows_2025_and_2026():
    assert workdays.has_official_calendar(2025) and workdays.has_official_calendar(2026)


def test_a_year_without_official_data_counts_weekdays_and_says_so(caplog):
    workdays._warn_unknown.cache_clear()
    with caplog.at_level(logging.WARNING, logger="portal.util.workdays"):
        assert is_working_day(date(2030, 10, 1))  # a Tuesday: unknown holidays are not guessed
        assert not is_working_day(date(2030, 10, 5))
    assert "no official holiday calendar for 2030" in caplog.text
    assert not workdays.has_official_calendar(2030)


def test_the_admin_adds_a_year_in_the_instance_file(app):
    path = workdays.Path(app.instance_path) / workdays.INSTANCE_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[2030]\nholidays = ["2030-10-01", "2030-10-02"]\nworkdays = ["2030-10-05"]\n', encoding="utf-8")
    try:
        with app.app_context():
            assert workdays.has_official_calendar(2030)
            assert not is_working_day(date(2030, 10, 1)) and is_working_day(date(2030, 10, 5))
            assert add_working_days(date(2030, 9, 30), 1) == date(2030, 10, 3)
    finally:
        path.unlink()


def test_a_date_filed_under_the_wrong_year_is_refused(tmp_path):
    wrong = tmp_path / "holidays.toml"
    wrong.write_text('[2030]\nholidays = ["2031-01-01"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not in 2030"):
        workdays._read_file(wrong)


def test_the_packaged_file_reads():
    assert workdays._read_file(workdays.PACKAGED_FILE) == {}  # 2027 is listed, not filled in yet
