"""Fixtures: an app per test on a clean database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from portal import create_app
from portal.extensions import db as _db
from portal.util import clock

pytest_plugins = ["tests.factories"]

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
_pg_schema_ready = False


def _reset_postgres(app) -> None:
    """Create the schema once per run, then empty every table between tests (much faster than DDL)."""
    global _pg_schema_ready
    if not _pg_schema_ready:
        _db.drop_all()
        _db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.session.commit()
        _db.create_all()
        _pg_schema_ready = True
        return
    tables = ", ".join(t.name for t in _db.metadata.sorted_tables)
    _db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    _db.session.commit()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL to run the suite on PostgreSQL too")
        return PG_URL
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
    })
    with app.app_context():
        if database_url.startswith("postgresql"):
            _reset_postgres(app)
        else:
            _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()
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
