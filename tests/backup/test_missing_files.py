"""A backup never silently leaves out a file a row names, and a restore never deletes one."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db as _db
from portal.proposals.models import Attachment
from tests.backup.conftest import all_rows, run_command, stored_files

pytestmark = pytest.mark.real_commits


def _an_attachment(app):
    found = _db.session.scalars(select(Attachment).order_by(Attachment.id)).first()
    named = found.stored_name, found.display_name
    _db.session.remove()  # as a stopped portal would: no transaction of this process stays open
    return named


def test_backup_refuses_when_a_named_file_is_missing_and_leaves_nothing(app, populated, own_uploads, tmp_path):
    name, shown = _an_attachment(app)
    (own_uploads / name).rename(tmp_path / "elsewhere")
    backup = tmp_path / "backups" / "b1"
    before = set((tmp_path / "backups").iterdir()) if (tmp_path / "backups").exists() else set()

    result = run_command(app, "backup", str(backup))
    assert result.exit_code != 0
    assert name in result.output and shown in result.output and "--allow-missing" in result.output
    assert not backup.exists()
    assert set((tmp_path / "backups").iterdir()) == before  # no .partial directory left


def test_allow_missing_writes_a_partial_backup_that_says_so(app, populated, own_uploads, tmp_path):
    name, shown = _an_attachment(app)
    (own_uploads / name).unlink()
    backup = tmp_path / "backup"
    result = run_command(app, "backup", "--allow-missing", str(backup))
    assert result.exit_code == 0, result.output
    assert "PARTIAL" in result.output and name in result.output

    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["partial"] is True
    assert [item["stored_name"] for item in manifest["missing_files"]] == [name]
    assert manifest["missing_files"][0]["display_name"] == shown
    assert name in manifest["referenced_files"]
    assert f"uploads/{name}" not in {item["path"] for item in manifest["files"]}


def test_a_complete_backup_lists_what_its_rows_name(app, populated, tmp_path):
    backup = tmp_path / "backup"
    assert run_command(app, "backup", str(backup)).exit_code == 0
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["partial"] is False and manifest["missing_files"] == []
    assert {f"uploads/{n}" for n in manifest["referenced_files"]} <= {item["path"] for item in manifest["files"]}
    assert len(manifest["referenced_files"]) == 8


def test_forced_restore_keeps_named_files_the_backup_lacks_and_sets_extras_aside(app, populated, own_uploads,
                                                                                 tmp_path):
    """The reported case: a backup made where a file was missing, restored with --force where it is."""
    name, _ = _an_attachment(app)
    kept = tmp_path / "kept"
    (own_uploads / name).rename(kept)
    backup = tmp_path / "backup"
    assert run_command(app, "backup", "--allow-missing", str(backup)).exit_code == 0
    kept.rename(own_uploads / name)
    content = (own_uploads / name).read_bytes()
    extra = own_uploads / ("e" * 32)
    extra.write_bytes(b"a file no row names")

    result = run_command(app, "restore", "--force", str(backup))
    assert result.exit_code == 0, result.output
    assert (own_uploads / name).read_bytes() == content  # named by a restored row: never deleted
    assert not extra.exists()
    [aside] = list((own_uploads / ".set-aside").iterdir())
    assert (aside / extra.name).read_bytes() == b"a file no row names" and str(aside) in result.output
    assert len(stored_files(app)) == 8


def test_restore_refuses_before_changing_anything_when_named_files_are_nowhere(app, populated, own_uploads,
                                                                               restored_app, tmp_path):
    name, shown = _an_attachment(app)
    (own_uploads / name).unlink()
    backup = tmp_path / "backup"
    assert run_command(app, "backup", "--allow-missing", str(backup)).exit_code == 0

    refused = run_command(restored_app, "restore", str(backup))
    assert refused.exit_code != 0
    assert name in refused.output and shown in refused.output and "--allow-missing-files" in refused.output
    assert all(not rows for rows in all_rows(restored_app).values())
    assert stored_files(restored_app) == {}

    forced = run_command(restored_app, "restore", "--allow-missing-files", str(backup))
    assert forced.exit_code == 0, forced.output
    assert name in forced.output  # the note names what is missing
    assert len(stored_files(restored_app)) == 7


def test_an_older_sqlite_backup_is_checked_from_its_database(app, populated, own_uploads, restored_app, tmp_path):
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("a PostgreSQL dump cannot be read before it is loaded")
    name, _ = _an_attachment(app)
    (own_uploads / name).unlink()
    backup = tmp_path / "backup"
    assert run_command(app, "backup", "--allow-missing", str(backup)).exit_code == 0
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key in ("referenced_files", "missing_files", "partial"):
        del manifest[key]
    path.write_text(json.dumps(manifest), encoding="utf-8")

    refused = run_command(restored_app, "restore", str(backup))
    assert refused.exit_code != 0 and name in refused.output
    assert stored_files(restored_app) == {}


def test_sweep_and_backup_share_one_list_of_file_columns(app, populated):
    from portal.uploads import references, sweep

    with app.app_context():
        assert sweep.referenced_names() == references.referenced_names(_db.session)
        assert len(sweep.referenced_names()) == 8
        _db.session.remove()
    assert Path(app.config["UPLOAD_FOLDER"]).is_dir()
