"""The schema comes only from Alembic revisions: upgrading an empty database must give exactly the models."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, make_url, text

from portal import create_app
from portal.extensions import db


def _scratch_databases(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'migrated.sqlite'}", None
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if pg_url:
        name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield "postgresql", make_url(pg_url).set(database=name).render_as_string(hide_password=False), (admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, tmp_path):
    databases = {kind: (url, cleanup) for kind, url, cleanup in _scratch_databases(tmp_path)}
    if request.param not in databases:
        pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL to run the suite on PostgreSQL too")
    url, cleanup = databases[request.param]
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    for _url, other_cleanup in databases.values():
        if other_cleanup:
            admin, name = other_cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_migrations_produce_exactly_the_models(migrated_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_migrations_downgrade_to_empty_and_upgrade_again(migrated_app):
    upgrade()
    downgrade(revision="base")
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
