"""A backup restored into an empty instance gives back every row, every file and a working search."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import search
from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.backup.manifest import entry
from portal.extensions import db as _db
from portal.proposals import operations as proposal_ops
from portal.proposals.models import ProposalVersion
from portal.uploads import marker
from tests.backup.conftest import all_rows, run_command, stored_files

# A backup reads the database through connections of its own, and a restore replaces it.
pytestmark = pytest.mark.real_commits


def test_restored_portal_has_every_row_file_and_search(app, populated, restored_app, tmp_path):
    backup = tmp_path / "backup"
    made = run_command(app, "backup", str(backup))
    assert made.exit_code == 0, made.output

    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"] == _db.engine.dialect.name
    assert manifest["tables"]["proposal_versions"] == 3 and manifest["tables"]["products"] == 2
    listed = {item["path"] for item in manifest["files"]}
    assert {f"uploads/{name}" for name in stored_files(app)} <= listed
    assert "synonyms.txt" not in listed, "the synonym table travels inside the database"

    result = run_command(restored_app, "restore", str(backup))
    assert result.exit_code == 0, result.output

    original, restored = all_rows(app), all_rows(restored_app)
    assert original.keys() == restored.keys()
    # The restored database names the folder the files were restored into (portal/uploads/marker.py).
    [(_, token, _)] = restored.pop("storage_markers")
    # Its epoch is above the one the backup carries (and the empty target's): every node rebuilds its index.
    assert dict(restored.pop("cluster_state"))["epoch"] > dict(original.pop("cluster_state")).get("epoch", 0)
    assert marker.read_marker(Path(restored_app.config["UPLOAD_FOLDER"])) == token
    # The thesaurus version moves past the one before the restore, so every node reads the restored table afresh.
    [(name, version)] = restored.pop("search_versions")
    assert name == "thesaurus" and version > dict(original["search_versions"])["thesaurus"]
    for table, rows in original.items():
        # The page cache's data version moves with every commit (the backup's own included): cache state, not data.
        if table not in ("storage_markers", "search_versions", "data_versions"):
            assert restored[table] == rows, f"table {table} differs after restore"
    assert sum(len(rows) for rows in original.values()) > 100
    assert stored_files(restored_app) == stored_files(app) and len(stored_files(app)) == 8
    assert not Path(restored_app.config["SYNONYMS_FILE"]).exists()

    with restored_app.app_context():
        found = search.query("product", "热像仪")
        assert [hit.id for hit in found.items] == [populated.product_id]
        # The administrators' synonym line came back with the database: 红外相机 finds the 热像仪.
        assert [hit.id for hit in search.query("product", "红外相机").items] == [populated.product_id]
        assert [hit.id for hit in search.query("scenario", "红外测温").items] == [populated.scenario_id]
        # Receipts issued before the backup still verify against the restored rows.
        for receipt_no in populated.receipts:
            version = _db.session.scalar(select(ProposalVersion).where(ProposalVersion.receipt_no == receipt_no))
            assert proposal_ops.verify_receipt(receipt_no, version.digest)
        _db.session.remove()


def test_backup_is_refused_into_a_directory_that_holds_something(app, populated, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    result = run_command(app, "backup", str(tmp_path / "old"))
    assert result.exit_code != 0 and "不为空" in result.output
    assert (tmp_path / "old" / "manifest.json").read_text() == "{}"


def test_populated_instance_is_refused_unless_forced(app, populated, tmp_path, create_user):
    backup = tmp_path / "backup"
    assert run_command(app, "backup", str(backup)).exit_code == 0
    create_user()  # a change after the backup
    users = _db.session.scalar(select(func.count()).select_from(User))
    _db.session.remove()  # as a stopped portal would: no transaction of this process stays open

    refused = run_command(app, "restore", str(backup))
    assert refused.exit_code != 0 and "目标实例不为空" in refused.output and "--force" in refused.output
    assert _db.session.scalar(select(func.count()).select_from(User)) == users
    _db.session.remove()

    forced = run_command(app, "restore", "--force", str(backup))
    assert forced.exit_code == 0, forced.output
    _db.session.remove()
    assert _db.session.scalar(select(func.count()).select_from(User)) == users - 1


def _flip_upload(backup):
    path = next((backup / "uploads").iterdir())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return "SHA-256"


def _truncate_database(backup):
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    path = backup / manifest["database"]
    path.write_bytes(path.read_bytes()[:-100])
    return "大小不符"


def _remove_upload(backup):
    next((backup / "uploads").iterdir()).unlink()
    return "缺少文件"


def _escape_in_manifest(backup):
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][-1]["path"] = "../../outside.txt"
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return "不允许的路径"


@pytest.mark.parametrize("damage", [_flip_upload, _truncate_database, _remove_upload, _escape_in_manifest])
def test_damaged_backup_is_refused_and_changes_nothing(app, populated, restored_app, tmp_path, damage):
    backup = tmp_path / "backup"
    assert run_command(app, "backup", str(backup)).exit_code == 0
    expected = damage(backup)

    result = run_command(restored_app, "restore", str(backup))
    assert result.exit_code != 0
    assert "备份已损坏，未做任何更改" in result.output and expected in result.output
    assert all(not rows for rows in all_rows(restored_app).values())
    assert stored_files(restored_app) == {}


def test_a_backup_of_an_older_release_brings_its_synonym_file_into_the_database(app, db, own_uploads, create_product,
                                                                              restored_app, tmp_path):
    product = create_product(name="非制冷红外热像仪")
    backup = tmp_path / "backup"
    assert run_command(app, "backup", str(backup)).exit_code == 0
    # An older release wrote the administrators' table beside the database, listed in the manifest.
    (backup / "synonyms.txt").write_text("体温枪, 热像仪\n", encoding="utf-8")
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"].append(entry(backup, "synonyms.txt"))
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    # The restored instance holds a file of an older release of its own: the backup's table wins.
    legacy = Path(restored_app.config["SYNONYMS_FILE"])
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text("盾构机, TBM\n", encoding="utf-8")

    result = run_command(restored_app, "restore", str(backup))
    assert result.exit_code == 0, result.output

    assert not legacy.exists() and legacy.with_name("synonyms.txt.imported").is_file()
    with restored_app.app_context():
        assert search.synonym_table().text == "体温枪, 热像仪\n"
        assert _db.session.scalar(select(func.count()).select_from(AuditRecord)
                                  .where(AuditRecord.action == "search.synonyms_import")) == 1
        assert [hit.id for hit in search.query("product", "体温枪").items] == [product.id]
        _db.session.remove()
    # The search left connections of the restored database in this test's session (two apps' contexts nested in
    # one test): hand them back before its database is dropped.
    _db.session.remove()


def test_restoring_a_current_backup_removes_an_older_synonym_file_of_the_replaced_data(app, db, own_uploads,
                                                                                    create_product, restored_app,
                                                                                    tmp_path):
    create_product()
    backup = tmp_path / "backup"
    assert run_command(app, "backup", str(backup)).exit_code == 0
    legacy = Path(restored_app.config["SYNONYMS_FILE"])
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text("盾构机, TBM\n", encoding="utf-8")

    assert run_command(restored_app, "restore", str(backup)).exit_code == 0

    assert not legacy.exists()
    with restored_app.app_context():
        assert search.synonym_table() is None
        _db.session.remove()
