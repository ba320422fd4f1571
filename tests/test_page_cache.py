"""Public pages answered from memory for anonymous visitors, and never anything else."""

from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.web import page_cache


@pytest.fixture
def cached_app(app, monkeypatch):
    """The test app behind the page cache, as a served portal has it."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 30)
    cache = page_cache.PageCache(app.wsgi_app, seconds=30, store=page_cache.make_store(app),
                                 private_cookies=(app.config["SESSION_COOKIE_NAME"], "remember_token"))
    monkeypatch.setattr(app, "wsgi_app", cache)
    monkeypatch.setitem(app.extensions, page_cache.EXTENSION, cache)
    return cache


@pytest.fixture
def statements(db):
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(_db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(_db.engine, "before_cursor_execute", count)


def test_a_repeated_anonymous_request_for_a_public_page_is_answered_from_memory(
        cached_app, client, create_scenario, statements, frozen_now):
    create_scenario(state="published", title="城市道路病害智能巡检")
    _db.session.commit()
    cached_app.store.versions.memo_seconds = 60  # the data version is not read again either
    first = client.get("/scenarios")
    statements.clear()

    second = client.get("/scenarios")

    assert second.status_code == 200 and second.data == first.data
    assert statements == []
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_committed_change_is_shown_at_once(cached_app, client, create_batch, create_scenario, frozen_now):
    batch = create_batch()
    create_scenario(batch, state="published", title="城市道路病害智能巡检")
    _db.session.commit()
    assert "港口集装箱视觉识别" not in client.get("/scenarios").text

    create_scenario(batch, state="published", title="港口集装箱视觉识别")
    _db.session.commit()

    assert "港口集装箱视觉识别" in client.get("/scenarios").text


def test_a_deadline_passing_shows_within_the_cache_period(cached_app, client, create_scenario, frozen_now):
    scenario = create_scenario(state="published", title="城市道路病害智能巡检")
    _db.session.commit()
    url = f"/scenarios/{scenario.id}"
    assert "揭榜中" in client.get(url).text and "已截止" not in client.get(url).text

    frozen_now.travel(scenario.deadline - frozen_now.now() + timedelta(seconds=31))

    assert "已截止" in client.get(url).text


def test_signed_in_pages_are_neither_kept_nor_served(cached_app, client, create_user, login_as, create_scenario,
                                                     frozen_now):
    create_scenario(state="published", title="城市道路病害智能巡检")
    _db.session.commit()
    anonymous = client.get("/").text
    enterprise = create_user(Role.ENTERPRISE)
    login_as(enterprise)

    signed_in = client.get("/").text

    assert signed_in != anonymous and enterprise.name in signed_in
    client.delete_cookie("session")
    assert enterprise.name not in client.get("/").text
    assert len(cached_app.store.entries) == 1


def test_pages_outside_the_public_list_and_errors_are_not_kept(cached_app, client, frozen_now):
    client.get("/login")
    client.get("/scenarios/999999")
    client.get("/scenarios?page=abc")

    assert all(key[2] != "/login" and key[2] != "/scenarios/999999" for key in cached_app.store.entries)


def test_the_cache_keeps_only_its_newest_entries(app, cached_app, client, frozen_now):
    cached_app.store.max_entries = 3
    for page in range(1, 6):
        client.get(f"/scenarios?page={page}")

    assert [key[3] for key in cached_app.store.entries] == ["page=3", "page=4", "page=5"]
