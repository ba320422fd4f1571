"""`flask db upgrade` from several nodes at once: on PostgreSQL one upgrades under an advisory lock
(migrations/env.py) while the others wait, then find the database at head."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from tests.scratch_db import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL")
MIGRATION_LOCK = 0x706F7274616C  # migrations/env.py

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL run skipped: set TEST_DATABASE_URL")


@pytest.fixture
def empty_database():
    with scratch_postgres(PG_URL, "portal_upgrade") as url:
        yield url


def _upgrade(url: str, instance: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "FLASK_"))}
    env.update(DATABASE_URL=url, PORTAL_INSTANCE_PATH=str(instance))
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _version(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def test_two_nodes_upgrading_an_empty_database_at_once_both_succeed(empty_database, tmp_path):
    nodes = [_upgrade(empty_database, tmp_path / f"node{n}") for n in (1, 2)]
    outputs = [node.communicate(timeout=180)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], outputs
    assert _version(empty_database) == [ScriptDirectory(str(ROOT / "migrations")).get_current_head()]
    # One ran the revisions; the other waited for the lock and found nothing left to do.
    assert sum("Running upgrade  -> " in output for output in outputs) == 1, outputs


def test_an_upgrade_waits_while_another_holds_the_lock(empty_database, tmp_path):
    engine = create_engine(empty_database)
    try:
        with engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            holder.commit()
            node = _upgrade(empty_database, tmp_path / "node")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                waiting = holder.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                              "AND NOT granted")).scalar()
                holder.commit()
                if waiting:
                    break
                assert node.poll() is None, node.communicate()[0]
                time.sleep(0.1)
            assert waiting == 1 and node.poll() is None
            assert not holder.execute(text("SELECT to_regclass('alembic_version')")).scalar()
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            holder.commit()
        output = node.communicate(timeout=180)[0]
        assert node.returncode == 0, output
        assert _version(empty_database) == [ScriptDirectory(str(ROOT / "migrations")).get_current_head()]
    finally:
        engine.dispose()
