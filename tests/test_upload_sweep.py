"""Files no row refers to are cleared away once they are old enough; files in use never are."""

import os
import time

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.uploads import sweep

DAY = 24 * 3600


@pytest.fixture
def folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def aged(path, seconds=2 * DAY):
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


@pytest.fixture
def uploads_in_use(folder, create_user, create_scenario, submit_proposal, stored_file):
    """An old file a submitted proposal refers to, an old one nothing refers to, a fresh one nothing refers to
    (a request still in flight) and an old temporary file of an upload that never finished."""
    used = stored_file()
    submit_proposal(create_scenario(state="published"), create_user(Role.ENTERPRISE), files=[used])
    (folder / ".incoming-abc123").write_bytes(b"partial")
    return {
        "used": aged(folder / used.stored_name),
        "orphan": aged(folder / stored_file().stored_name),
        "fresh": folder / stored_file().stored_name,
        "incoming": aged(folder / ".incoming-abc123"),
    }


def test_only_old_unreferenced_files_are_removed_and_the_sweep_is_audited(db, uploads_in_use, folder):
    removed = sweep.sweep(older_than_hours=24)

    assert sorted(p.name for p in removed.files) == sorted([uploads_in_use["orphan"].name, ".incoming-abc123"])
    assert uploads_in_use["used"].exists() and uploads_in_use["fresh"].exists()
    entry = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "uploads.sweep"))
    assert uploads_in_use["orphan"].name in entry.details["files"]


def test_the_command_lists_first_with_dry_run_then_removes(app, uploads_in_use):
    runner = app.test_cli_runner()
    orphan = uploads_in_use["orphan"]

    listed = runner.invoke(args=["sweep-uploads", "--dry-run"])
    assert listed.exit_code == 0 and orphan.name in listed.output and "would remove" in listed.output
    assert orphan.exists()

    done = runner.invoke(args=["sweep-uploads"])
    assert done.exit_code == 0 and "removed 2 unreferenced files" in done.output
    assert not orphan.exists() and uploads_in_use["used"].exists()


def test_a_grace_period_shorter_than_an_hour_is_refused(app, uploads_in_use):
    result = app.test_cli_runner().invoke(args=["sweep-uploads", "--older-than", "0"])
    assert result.exit_code != 0 and uploads_in_use["orphan"].exists()
