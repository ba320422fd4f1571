"""The administrators' synonym table lives in the database: saved on one node, used by every node's next search;
an older release's file in an instance folder is imported once when the portal starts."""

import contextlib
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app, search
from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.catalogue import operations
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db as _db
from portal.search.models import SearchVersion


@contextlib.contextmanager
def node(app, folder: Path):
    """Another node of the portal: the same database, an instance folder and a search index of its own."""
    other = create_app({"TESTING": True, "INSTANCE_PATH": str(folder), "SECRET_KEY": "other-node",
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SERVER_NAME": "localhost",
                        "UPLOAD_FOLDER": str(folder / "uploads"), "SEARCH_INDEX_DIR": str(folder / "index")})
    try:
        yield other
    finally:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


def found(other, q: str) -> list[int]:
    with other.app_context():
        try:
            return [hit.id for hit in search.query("product", q).items]
        finally:
            _db.session.remove()


def thesaurus_version() -> int:
    return _db.session.scalar(select(SearchVersion.version).where(SearchVersion.name == "thesaurus")) or 0


def actions(name: str) -> list[AuditRecord]:
    return list(_db.session.scalars(select(AuditRecord).where(AuditRecord.action == name)))


@pytest.mark.real_commits
def test_a_table_saved_on_one_node_is_used_by_the_next_search_on_another(app, db, client, login_as, create_user,
                                                                         create_product, tmp_path):
    product = create_product()
    with node(app, tmp_path / "node-b") as other:
        with other.app_context():
            search.rebuild()
            _db.session.commit()
        # 测温枪 would find the 热像仪 through its part 测温: a word with none.
        assert found(other, "体温枪") == []  # node B now holds the thesaurus of the current version

        login_as(create_user(Role.ADMIN))
        page = client.post("/admin/catalogue/synonyms", data={"text": "体温枪, 热像仪\n"}, follow_redirects=True)
        assert "所有服务器的新搜索立即生效" in page.get_data(as_text=True)

        assert found(other, "体温枪") == [product.id]
        assert found(app, "体温枪") == [product.id]
    # Nothing was written to either node's instance folder.
    assert not Path(app.config["SYNONYMS_FILE"]).exists() and not (tmp_path / "node-b" / "synonyms.txt").exists()
    [record] = actions("search.synonyms")
    assert record.details == {"groups": 1}
    page = client.get("/admin/catalogue/synonyms").get_data(as_text=True)
    assert "体温枪, 热像仪" in page and "最近由" in page


def test_a_malformed_table_is_refused_with_its_line_kept_as_typed_and_nothing_saved(db, client, login_as,
                                                                                     create_user):
    login_as(create_user(Role.ADMIN))
    client.post("/admin/catalogue/synonyms", data={"text": "热像仪, 红外相机\n"})
    version = thesaurus_version()
    typed = "热像仪, 红外相机\n盾构机, 隧道掘进机\n体温枪\n"

    page = client.post("/admin/catalogue/synonyms", data={"text": typed}).get_data(as_text=True)

    assert "第 3 行至少需要两个词：体温枪" in page
    assert "盾构机, 隧道掘进机" in page  # what the administrator typed is still in the textarea
    assert search.synonym_table().text == "热像仪, 红外相机\n"
    assert thesaurus_version() == version and len(actions("search.synonyms")) == 1


def test_the_operation_itself_refuses_a_malformed_table_and_a_non_administrator(db, create_user):
    with pytest.raises(InvalidInput, match="第 1 行格式不正确"):
        operations.save_synonyms(create_user(Role.ADMIN), "a => \n")
    with pytest.raises(PermissionDenied):
        operations.save_synonyms(create_user(Role.GOVERNMENT), "热像仪, 红外相机\n")
    assert search.synonym_table() is None


@pytest.mark.real_commits
def test_an_older_releases_file_is_imported_once_at_start_and_never_overwrites_the_database(app, db, tmp_path):
    first, second = tmp_path / "node-a", tmp_path / "node-b"
    for folder, text in ((first, "体温枪, 热像仪\n"), (second, "盾构机, TBM\n")):
        folder.mkdir()
        (folder / "synonyms.txt").write_text(text, encoding="utf-8")

    with node(app, first):
        pass
    assert search.synonym_table().text == "体温枪, 热像仪\n"
    assert not (first / "synonyms.txt").exists() and (first / "synonyms.txt.imported").is_file()
    [record] = actions("search.synonyms_import")
    assert record.actor_id is None and record.details["groups"] == 1
    version = thesaurus_version()
    _db.session.remove()

    # A second node's old file finds the table in the database: kept aside, not imported.
    with node(app, second):
        pass
    assert search.synonym_table().text == "体温枪, 热像仪\n"
    assert (second / "synonyms.txt.not-imported").read_text(encoding="utf-8") == "盾构机, TBM\n"
    assert thesaurus_version() == version and len(actions("search.synonyms_import")) == 1


def test_an_imported_table_with_a_malformed_line_leaves_search_working(db, create_product):
    product = create_product()
    search.save_synonym_table("体温枪, 热像仪\n只有一个词\n", by_id=None)
    db.session.commit()
    assert search.query("product", "热像仪").total == 1
    assert [hit.id for hit in search.query("product", "非制冷红外热像仪").items] == [product.id]


@pytest.mark.real_commits
def test_a_first_table_stored_meanwhile_by_another_process_is_kept(app, db, tmp_path):
    with node(app, tmp_path / "node-b") as other, other.app_context():
        search.save_synonym_table("盾构机, TBM\n", by_id=None)
        _db.session.commit()
        _db.session.remove()
    # This process found no table a moment ago and stores its first one now: the other's stays.
    assert search.create_synonym_table("体温枪, 热像仪\n", by_id=None) is None
    assert search.synonym_table().text == "盾构机, TBM\n"
    search.save_synonym_table("体温枪, 热像仪\n", by_id=None)  # a save replaces it
    _db.session.commit()
    assert search.synonym_table().text == "体温枪, 热像仪\n"
