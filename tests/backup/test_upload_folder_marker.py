"""Several nodes share one upload folder: in production a node whose folder lacks the marker the database names
refuses to start (PostgreSQL; SQLite is one machine and is not checked)."""

import contextlib

import click
import pytest

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db as _db
from portal.uploads import marker
from tests.scratch_db import scratch_postgres

pytestmark = pytest.mark.real_commits


@pytest.fixture
def node(database_url, tmp_path):
    """Start a node (an app) on a database of this test's own, with the upload folder given."""
    with contextlib.ExitStack() as stack:
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'nodes.sqlite'}"
        else:
            url = stack.enter_context(scratch_postgres(database_url, "portal_nodes"))
        apps = []

        def start(folder, check=True):
            app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                              "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "nodes", "UPLOAD_FOLDER": str(folder),
                              "UPLOAD_FOLDER_CHECK": check, "SEARCH_INDEX_DIR": str(tmp_path / "index")})
            apps.append(app)
            return app

        with start(tmp_path / "setup", check=False).app_context():
            # The first check of an unmigrated database is skipped (flask db upgrade must run).
            assert marker.problem(tmp_path / "setup") is None and not (tmp_path / "setup" / marker.FILE).exists()
            _db.create_all()
        yield start
        for app in apps:
            with app.app_context():
                _db.session.remove()
                _db.engine.dispose()


def test_a_node_with_a_folder_of_its_own_refuses_to_start(node, tmp_path, database_url):
    shared, local = tmp_path / "shared", tmp_path / "local"
    node(shared)
    if database_url.startswith("sqlite"):
        node(local)  # not checked: one machine
        assert not (shared / marker.FILE).exists()
        return
    token = marker.read_marker(shared)
    assert token and len(token) == 32
    node(shared)  # a second node on the shared folder starts

    with pytest.raises(ConfigError) as refused:
        node(local)
    assert str(local.resolve()) in str(refused.value) and marker.FILE in str(refused.value)
    assert "shared" in str(refused.value) and token in str(refused.value)
    assert not (local / marker.FILE).exists()  # the refused node marks nothing

    (local / marker.FILE).write_text("0" * 32 + "\n")
    with pytest.raises(ConfigError, match="another upload folder"):
        node(local)
    (local / marker.FILE).write_text(token + "\n")  # the files (and the marker) moved on purpose
    node(local)


def test_flask_commands_and_development_are_not_checked(node, tmp_path, database_url):
    node(tmp_path / "shared")
    node(tmp_path / "local", check=False)
    with click.Context(click.Command("restore")):
        node(tmp_path / "local")
    assert not (tmp_path / "local" / marker.FILE).exists()


def test_a_restore_makes_the_database_name_its_folder(node, tmp_path, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite is not checked")
    node(tmp_path / "old")
    with node(tmp_path / "new", check=False).app_context():
        token = marker.adopt(tmp_path / "new")
    assert marker.read_marker(tmp_path / "new") == token
    node(tmp_path / "new")
    with pytest.raises(ConfigError):
        node(tmp_path / "old")
