"""公示 in working days: its default end on the official calendar, the page saying how long it runs, and a warning
(not a refusal) for an end or a deadline that falls on a rest day."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.accounts.models import Role
from portal.announcements import operations as announcement_ops
from portal.util import clock
from tests.announcements.helpers import announced, decided
from tests.reviews.helpers import fully_reviewed

# The 公示 window's times are stored and compared in SQL (UTC on both): held to both databases.
pytestmark = pytest.mark.both_databases


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def clock_from(request, frozen_now):
    """The portal's clock from the moment the test names (before its scenario is made, so it is made then)."""
    frozen_now.set_now(request.param)
    return frozen_now


@pytest.fixture
def decided_scenario(closed, reviewers, proposals):
    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    decided(closed, proposals[:1])
    return closed


@pytest.mark.parametrize("clock_from", [local(2025, 9, 30, 10, 0)], indirect=True)
def test_a_publicity_started_before_national_day_ends_after_the_fifth_working_day(
        client, login_as, db, clock_from, decided_scenario, create_user):
    # 30 September 2025, 10:00: 国庆 and 中秋 run 1 to 8 October; Saturday 11 October is worked.
    frozen_now = clock_from
    decision = announced(decided_scenario)
    assert clock.to_local(decision.ends_at) == datetime(2025, 10, 15, 0, 0, tzinfo=clock.LOCAL_TZ)
    assert decision.working_days == 5
    page = client.get(f"/scenarios/{decided_scenario.id}/announcement").text
    assert "5 个工作日" in page

    objector = create_user(Role.ENTERPRISE)
    login_as(objector)
    frozen_now.set_now(local(2025, 10, 14, 23, 59))
    assert client.post(f"/scenarios/{decided_scenario.id}/objections", data={"text": "最后一天"},
                       content_type="multipart/form-data").status_code == 302
    frozen_now.set_now(local(2025, 10, 15, 0, 0))
    assert "不在公示期内" in client.post(f"/scenarios/{decided_scenario.id}/objections", data={"text": "迟到"},
                                      content_type="multipart/form-data").text


@pytest.mark.parametrize("clock_from", [local(2026, 2, 13, 9, 0)], indirect=True)
def test_a_publicity_over_the_spring_festival_counts_the_worked_saturdays(clock_from, decided_scenario):
    # Friday 13 February 2026: Saturday 14 February worked, 15 to 23 February off, then 24 to 27: ends at 24:00
    # of Friday 27 February (a plain "+5 days" would have ended on 18 February, in the holiday).
    decision = announced(decided_scenario)
    assert clock.to_local(decision.ends_at) == datetime(2026, 2, 28, 0, 0, tzinfo=clock.LOCAL_TZ)
    assert decision.working_days == 5


def test_the_announce_form_offers_the_working_day_window(client, login_as, frozen_now, decided_scenario, department):
    login_as(department)
    page = client.get(f"/manage/scenarios/{decided_scenario.id}/announce").text
    assert "默认 5 个工作日" in page
    # Monday 2 March 2026, 10:00 → 24:00 of Monday 9 March.
    assert 'value="2026-03-10T00:00"' in page


@pytest.mark.parametrize("clock_from", [local(2025, 9, 22, 10, 0)], indirect=True)
def test_an_end_set_on_a_holiday_is_published_with_a_warning(client, login_as, db, clock_from, decided_scenario,
                                                             department):
    login_as(department)
    window = {"starts_at": "2025-09-22T10:00", "ends_at": "2025-10-03T17:00"}
    url = f"/manage/scenarios/{decided_scenario.id}/announce"
    confirmation = client.post(url, data=window)
    assert "公示结束时间 2025-10-03 17:00 是周末或法定节假日，请确认。" in confirmation.text
    response = client.post(url, follow_redirects=True, data={**window, "confirmed": "1"})
    assert response.status_code == 200
    assert "公示结束时间 2025-10-03 17:00 是周末或法定节假日，请确认。" in response.text
    db.session.refresh(decided_scenario)
    assert decided_scenario.decision.is_announced


def test_the_end_warning_is_silent_on_working_days():
    assert announcement_ops.end_warning(local(2025, 10, 11, 17, 0)) is None  # a worked Saturday
    assert announcement_ops.end_warning(local(2025, 10, 1, 0, 0)) is None  # 24:00 of 30 September
    assert announcement_ops.end_warning(local(2025, 10, 2, 0, 0))


def test_the_changed_length_applies_in_working_days(app, frozen_now, decided_scenario):
    app.config["ANNOUNCEMENT_DAYS"] = 2
    decision = announced(decided_scenario, starts_at=frozen_now.now() - timedelta(hours=1))
    assert decision.working_days == 2


def test_a_deadline_on_a_holiday_is_published_with_a_warning(client, login_as, db, frozen_now, create_scenario,
                                                             create_batch):
    batch = create_batch()
    create_scenario(batch, state="published")  # the batch is published with a first scenario
    scenario = create_scenario(batch, deadline=local(2026, 4, 5, 17, 0))  # 清明节 2026 (4 to 6 April)
    login_as(department_of_batch(batch))
    response = client.post(f"/manage/scenarios/{scenario.id}/publish", follow_redirects=True)
    assert "揭榜截止时间 2026-04-05 17:00 是周末或法定节假日" in response.text
    db.session.refresh(scenario)
    assert scenario.is_open


def department_of_batch(batch):
    from tests.factories import _owner_of

    return _owner_of(batch)
