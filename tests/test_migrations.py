"""The schema comes only from Alembic revisions: upgrading an empty database must give exactly the models."""

import contextlib
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests.scratch_db import scratch_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, tmp_path):
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        elif os.environ.get("TEST_DATABASE_URL"):
            url = stack.enter_context(scratch_postgres(os.environ["TEST_DATABASE_URL"], "portal_migrations"))
        else:
            pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL to run the suite on PostgreSQL too")
        app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                          "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


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
