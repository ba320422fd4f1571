"""SEARCH_BACKEND=postgresql: the same plans answered from a weighted tsvector table, written at commit."""

import json

import pytest
from sqlalchemy import func, select, text

from portal import search
from portal.accounts.models import Role
from portal.catalogue import importer, operations
from portal.search.models import SearchDocument
from tests.search.quality import CATALOGUE, load_judgments, ndcg_at_10, recall_at_10
from tests.search.test_queries import NASTY


@pytest.fixture
def pg_search(app, db, search_index):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend needs PostgreSQL")
    app.config["SEARCH_BACKEND"] = "postgresql"
    yield
    app.config["SEARCH_BACKEND"] = "whoosh"


@pytest.fixture
def pg_catalogue(pg_search, db):
    items = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    rows = [importer.check_row({k: str(v) for k, v in item.items()})[0] for item in items]
    result = operations.import_products(rows, None, source_name="catalogue_sample.json")
    db.session.commit()
    return {item["id"]: product.id for item, product in zip(items, result.created, strict=True)}


def documents(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SearchDocument))


def test_judged_queries_rank_as_well_as_with_whoosh(pg_catalogue, search_index, capsys):
    to_sample = {pid: sid for sid, pid in pg_catalogue.items()}
    ndcg = recall = 0.0
    queries = load_judgments()
    for judged in queries:
        ranked = [to_sample[hit.id] for hit in search.query("product", judged["q"], per_page=10).items]
        grades = {r["id"]: r["grade"] for r in judged["relevant"]}
        ndcg += ndcg_at_10(ranked, grades)
        recall += recall_at_10(ranked, grades)
    ndcg, recall = ndcg / len(queries), recall / len(queries)
    with capsys.disabled():
        print(f"\nPostgreSQL backend, {len(queries)} judged queries: nDCG@10 = {ndcg:.3f}, recall@10 = {recall:.3f}")
    assert ndcg >= 0.95 and recall >= 0.97
    assert not search_index.exists(), "no Whoosh index is built"


def test_the_same_pages_as_whoosh_for_phrases_filters_partial_matches_and_years(pg_catalogue, app):
    answers = {}
    cases = [("红外", {}), ("检测", {"level": "national"}), ('"热成像摄像机"', {}), ("红外 无人机", {}),
             ("热眸光电热像仪", {}), ("IR-640U", {}), ("热", {}), ("国产 光刻机 无人机", {}), ("监控摄像头", {}),
             ("检测", {"year": 2023}), ("红外 机器人", {"year": 2024, "level": "national"})]
    for backend in ("postgresql", "whoosh"):
        app.config["SEARCH_BACKEND"] = backend
        if backend == "whoosh":
            search.rebuild()
        for q, filters in cases:
            for sort in ("relevance", "year"):
                found = search.query("product", q, filters, per_page=50, sort=sort)
                answers.setdefault((q, str(filters), sort), []).append(
                    ([hit.id for hit in found.items], found.total, found.full_total, found.partial))
    app.config["SEARCH_BACKEND"] = "postgresql"
    for key, (pg, whoosh) in answers.items():
        assert pg[1:] == whoosh[1:], key
        if key[-1] == "relevance":
            assert pg[0] == whoosh[0], key
        else:
            assert sorted(pg[0]) == sorted(whoosh[0]), key


@pytest.mark.parametrize("q", NASTY + ["\ud800", "红外\udfff热像仪", "'", "\\", "a:b", "x'y\\z", "!!"])
def test_no_query_string_fails(pg_catalogue, q):
    for kind in ("product", "scenario"):
        assert search.query(kind, q).total >= 0


def test_a_document_with_monstrous_words_is_still_written(pg_search, db, create_product):
    product = create_product(description="x" * 5000 + " 红外 " * 2000 + "热像仪")
    assert [hit.id for hit in search.query("product", "热像仪").items] == [product.id]


def test_documents_follow_the_transaction_that_changes_them(pg_search, db, create_product, create_user):
    product = create_product()
    assert documents(db) == 1 and [h.id for h in search.query("product", "热像仪").items] == [product.id]
    operations.revoke_product(product, create_user(Role.ADMIN), "认定已撤销")
    db.session.rollback()
    assert documents(db) == 1
    operations.revoke_product(product, create_user(Role.ADMIN), "认定已撤销")
    db.session.commit()
    assert documents(db) == 0 and search.query("product", "热像仪").total == 0


def test_rebuild_and_status_and_matchmaking(pg_catalogue, db, create_scenario):
    assert search.rebuild() == {"product": len(pg_catalogue), "scenario": 0, "capability": 0}
    db.session.commit()
    assert search.status()["documents"] == {"products": len(pg_catalogue), "scenarios": 0, "capabilities": 0}
    scenario = create_scenario(state="published", title="变电站电力巡检智能化",
                               description="变电站和输电线路巡检依靠人工，夜间难以发现设备发热和放电缺陷。",
                               requirements="1. 红外测温发现设备过热\n2. 支持无人机或机器人自主巡检")
    assert search.query("scenario", "电力巡检").total == 1
    related = search.related("product", "变电站 电力巡检 红外测温 无人机 巡检 " + scenario.title)
    assert related and all(why for _id, why in related)
    assert search.related("scenario", "电力巡检 红外测温 无人机", filters={"open": True})


def test_the_admin_index_page_shows_the_postgresql_documents(pg_catalogue, client, login_as, create_user):
    login_as(create_user(Role.ADMIN))
    page = client.get("/admin/catalogue/index").get_data(as_text=True)
    assert f"产品 {len(pg_catalogue)} 个" in page


def statements_of(db, work):
    """The SQL statements `work()` runs."""
    from sqlalchemy import event

    seen = []

    def remember(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    return seen


@pytest.mark.real_commits  # another connection changes the committed documents
def test_a_repeated_search_reads_no_bitsets_and_a_change_elsewhere_is_seen(pg_catalogue, db):
    before = search.query("product", "红外 热像仪", per_page=5)
    again = statements_of(db, lambda: search.query("product", "红外 热像仪", per_page=5))
    assert not any("string_agg" in s for s in again) and len(again) <= 3, again
    # Another connection removes the best hit and commits, as another process's transaction would.
    best = before.items[0].id
    with db.engine.connect() as other:
        other.execute(text("DELETE FROM search_documents WHERE kind = 'product' AND object_id = :id"), {"id": best})
        other.execute(text("UPDATE search_versions SET version = version + 1 WHERE name = 'documents'"))
        other.commit()
    after = search.query("product", "红外 热像仪", per_page=50)
    assert after.total == before.total - 1 and best not in [hit.id for hit in after.items]


def test_a_transaction_sees_its_own_documents_and_a_rollback_leaves_no_trace(pg_search, db, create_product):
    product = create_product()
    assert [h.id for h in search.query("product", "热像仪").items] == [product.id]
    search.backend().delete("product", [product.id])
    assert search.query("product", "热像仪").total == 0
    db.session.rollback()
    assert [h.id for h in search.query("product", "热像仪").items] == [product.id]


def test_bitsets_read_at_another_version_are_refused(pg_catalogue, db):
    from portal.search.plan import Term
    from portal.search.postgresql_reader import PgDocSets, Stale

    with pytest.raises(Stale):
        PgDocSets("product", -5).bits(Term("name", "红外"))
    assert PgDocSets("product", None).bits(Term("name", "红外"))


def test_bitsets_are_read_through_the_gin_index(pg_catalogue, db):
    from sqlalchemy import event

    from portal.search.postgresql_reader import _index_scans

    db.session.execute(text("ANALYZE search_documents"))
    read = []

    def remember(_conn, _cursor, statement, parameters, *_args):
        if "string_agg" in statement:
            read.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        search.query("product", "检测 自主巡检")
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert read
    for statement, parameters in read:
        with _index_scans():
            plan = "\n".join(row[0] for row in db.session.connection().exec_driver_sql("EXPLAIN " + statement,
                                                                                       parameters))
        assert "Bitmap Index Scan on ix_search_documents_tsv" in plan, plan
        # A vector is only ever read by the index: never a filter evaluated on each row.
        assert "Seq Scan" not in plan and "Filter: (tsv @@" not in plan, plan
    assert db.session.scalar(text("SHOW enable_seqscan")) == "on"
    options = db.session.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'search_documents'"))
    assert "toast_tuple_target=128" in options
