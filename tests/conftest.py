"""Fixtures: an app per test on a clean database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

import os
from datetime import UTC, datetime

import pytest
from flask import g, request_started
from sqlalchemy import text

from portal import create_app
from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.extensions import limiter as _limiter
from portal.util import clock
from tests.scratch_db import scratch_postgres

pytest_plugins = ["tests.factories"]

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(text(f"DELETE FROM {table}"))
    _db.session.commit()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL to run the suite on PostgreSQL too")
    # A database of this run's own on that server, so simultaneous runs never empty each other's tables.
    with scratch_postgres(PG_URL, "portal_test") as url:
        yield url


@pytest.fixture(scope="session")
def _session_app(database_url, tmp_path_factory):
    """One app (and one compiled template cache) per database backend; tests share it, not its data."""
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
        # Tests empty the tables between them without the ORM; tests/test_page_cache.py covers the cache.
        "PAGE_CACHE_SECONDS": 0,
        # Anchors would put a message in every admin's inbox on a test's first audited commit;
        # tests/test_audit_anchors.py turns them on.
        "AUDIT_ANCHOR_AUTO": False,
        # Tests move the portal clock by weeks with users signed in; tests/accounts/test_sessions.py covers it.
        "SESSION_MAX_AGE": None,
    })
    with app.app_context():
        _db.drop_all()
        _db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.session.commit()
        _db.create_all()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _forget_g(sender, **extra):
    # The test keeps an app context pushed and Flask reuses it for requests; a real request starts
    # with an empty `g` (no cached user, CSRF token or locale), so give each test request one too.
    g.__dict__.clear()


@pytest.fixture
def app(_session_app, tmp_path):
    """The app with empty tables and its configuration restored after the test."""
    saved = dict(_session_app.config)
    # Anchors live outside the database, so emptying the tables does not empty them: one folder per test.
    _session_app.config["AUDIT_ANCHOR_DIR"] = str(tmp_path / "audit-anchors")
    request_started.connect(_forget_g, _session_app)
    with _session_app.app_context():
        _empty_all_tables()
        # Throttling stays on in tests; each test starts with fresh in-memory counts (binding again also
        # undoes a test that pointed the one limiter at another app or store).
        _limiter.init_app(_session_app)
        yield _session_app
        _db.session.remove()
    request_started.disconnect(_forget_g, _session_app)
    _session_app.config.clear()
    _session_app.config.update(saved)
    clock.set_now(None)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def frozen_now():
    """Freeze the portal clock at a fixed moment and return a function to move it."""
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou
    clock.set_now(start)
    yield clock
    clock.set_now(None)


class World:
    """One of every role and object the access rules tell apart.

    `objects` holds ids by name; names a domain registers in tests/access BUILDERS are built on first use.
    """

    def __init__(self, request, users, objects):
        self.request, self.users, self.objects = request, users, objects

    def fixture(self, name):
        return self.request.getfixturevalue(name)

    def resolve(self, value):
        if not isinstance(value, str):
            return value
        if value not in self.objects:
            from tests.access import collect

            builders = collect()[1]
            if value not in builders:
                return value  # a literal URL value such as a language code
            self.objects[value] = builders[value](self)
        return self.objects[value]

    def url_for(self, endpoint, args):
        from flask import url_for

        return url_for(endpoint, **{k: self.resolve(v) for k, v in args.items()})


@pytest.fixture
def world(request, db, create_user, create_batch, create_scenario):
    owner = create_user(Role.GOVERNMENT)
    published_batch = create_batch(owner)
    published_scenario = create_scenario(published_batch, state="published")
    draft_batch = create_batch(owner)
    draft_scenario = create_scenario(draft_batch)
    pending = create_user(Role.ENTERPRISE, verified=False)
    users = {
        "anonymous": None,
        "enterprise": create_user(Role.ENTERPRISE),
        "pending_enterprise": pending,
        "reviewer": create_user(Role.REVIEWER),
        "department": owner,
        "other_department": create_user(Role.GOVERNMENT),
        "admin": create_user(Role.ADMIN),
    }
    objects = {
        "published_batch": published_batch.id,
        "published_scenario": published_scenario.id,
        "draft_batch": draft_batch.id,
        "draft_scenario": draft_scenario.id,
        "pending_org": pending.organization_id,
        "enterprise_user": users["enterprise"].id,
    }
    return World(request, users, objects)


def pytest_report_header(config):
    databases = "SQLite and PostgreSQL" if PG_URL else "SQLite only (set TEST_DATABASE_URL to add PostgreSQL)"
    return f"portal test databases: {databases}"


def pytest_terminal_summary(terminalreporter):
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reasons[reason.removeprefix("Skipped: ")] = reasons.get(reason.removeprefix("Skipped: "), 0) + 1
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"skipped {count}: {reason}")
