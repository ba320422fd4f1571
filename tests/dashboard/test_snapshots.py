"""Figures counted ahead by the worker: the pages read them while they hold, and count live otherwise."""

import re
from datetime import timedelta

from sqlalchemy import event

from portal.accounts.models import Role
from portal.dashboard import snapshots
from portal.dashboard.models import DashboardFigures
from portal.extensions import db
from portal.jobs import registered
from portal.util import clock
from tests.dashboard.pages import assert_tables_match_charts, figure_table

PUBLIC, DEPARTMENT, PLATFORM = "/dashboard", "/manage/dashboard", "/admin/dashboard"


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def without_token(html: str) -> str:
    """The page without its signed CSRF token, which carries the second it was signed."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def refresh() -> None:
    snapshots.refresh()
    db.session.commit()


def _selects(client, url) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_worker_refreshes_the_figures_every_minute(app):
    job = next(job for job in registered(app) if job.name == "dashboard.refresh")
    assert job.schedule.period == timedelta(minutes=1)


def test_stored_figures_show_the_same_pages_as_live_counting(client, login_as, city, create_user):
    login_as(create_user(Role.ADMIN))
    live = {url: page(client, url) for url in (PUBLIC, PLATFORM)}
    refresh()
    departments = {f"department:{user.organization_id}" for user in (city.owner, city.other)}
    assert {row.key for row in db.session.scalars(db.select(DashboardFigures))} == {"public", "platform",
                                                                                     "catalogue", *departments}
    for url, html in live.items():
        stored = page(client, url)
        assert without_token(stored) == without_token(html)
        assert_tables_match_charts(stored)


def test_pages_read_the_stored_rows_instead_of_counting(client, login_as, city, create_user):
    login_as(create_user(Role.ADMIN))
    live = _selects(client, PLATFORM), _selects(client, PUBLIC)
    refresh()
    stored = _selects(client, PLATFORM), _selects(client, PUBLIC)
    assert stored[0] < live[0] and stored[1] < live[1]
    assert stored[1] <= 4  # the sign-in's lookups and the two rows of figures


def test_a_write_shows_at_the_next_refresh(client, city, create_scenario):
    refresh()
    before = figure_table(page(client, PUBLIC), "sector")["数字安防"]
    create_scenario(city.closed_b.batch, state="published", title="新发布的安防场景", sector="security")
    assert figure_table(page(client, PUBLIC), "sector")["数字安防"] == before  # the stored figures, ≤ 1 min old
    refresh()
    assert figure_table(page(client, PUBLIC), "sector")["数字安防"] == [before[0] + 1]


def test_a_passing_deadline_is_counted_live_until_the_next_refresh(client, city):
    refresh()
    assert figure_table(page(client, PUBLIC), "status")["揭榜中"] == [2]
    row = db.session.get(DashboardFigures, "public")
    assert row.valid_until == min(city.open_a.deadline, city.open_b.deadline)
    clock.set_now(row.valid_until)  # the first deadline passes: the stored status counts no longer hold
    still_open = sum(s.deadline > row.valid_until for s in (city.open_a, city.open_b))
    assert figure_table(page(client, PUBLIC), "status")["揭榜中"] == [still_open]
    clock.travel(timedelta(days=30))
    assert figure_table(page(client, PUBLIC), "status")["揭榜中"] == [0]
    assert figure_table(page(client, PUBLIC), "proposals")["2 份"] == [2]  # the unsealed bids are counted


def test_figures_the_worker_stopped_refreshing_are_counted_live(client, city, create_scenario):
    refresh()
    before = figure_table(page(client, PUBLIC), "sector")["数字安防"][0]
    db.session.get(DashboardFigures, "public").valid_until = None
    db.session.commit()
    create_scenario(city.closed_b.batch, state="published", title="新发布的安防场景", sector="security")
    clock.travel(snapshots.MAX_AGE + timedelta(seconds=1))
    assert figure_table(page(client, PUBLIC), "sector")["数字安防"] == [before + 1]


def test_a_departments_own_write_shows_at_once(client, login_as, city, create_scenario):
    refresh()
    login_as(city.owner)
    before = sum(n for (n,) in figure_table(page(client, DEPARTMENT), "own-status").values())
    create_scenario(city.closed_a.batch, state="published", title="本单位新场景")
    assert sum(n for (n,) in figure_table(page(client, DEPARTMENT), "own-status").values()) == before + 1


def test_a_departments_stored_figures_show_the_same_page_as_live_counting(client, login_as, city):
    login_as(city.owner)
    live = page(client, DEPARTMENT)
    live_selects = _selects(client, DEPARTMENT)
    refresh()
    stored = page(client, DEPARTMENT)
    assert without_token(stored) == without_token(live)
    assert_tables_match_charts(stored)
    assert _selects(client, DEPARTMENT) < live_selects


def test_an_edit_of_a_departments_scenario_is_counted_live_until_the_next_refresh(client, login_as, city):
    refresh()
    login_as(city.owner)
    before = figure_table(page(client, DEPARTMENT), "own-sector")
    scenario = city.open_a
    moved = "medical_imaging" if scenario.sector != "medical_imaging" else "security"
    scenario.sector, scenario.updated_at = moved, clock.now() + timedelta(seconds=1)
    db.session.commit()
    after = figure_table(page(client, DEPARTMENT), "own-sector")
    assert after != before and sum(n for (n,) in after.values()) == sum(n for (n,) in before.values())
