"""The index follows the database through the change log: same transaction, applied after commit, never lost."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import search
from portal.accounts.models import Role
from portal.catalogue import operations
from portal.search import store, upkeep
from portal.search.models import SearchChange


def found(q="热像仪"):
    return [hit.id for hit in search.query("product", q).items]


def current(search_index):
    return store.generation_dir(search_index)


def test_a_rolled_back_change_leaves_no_log_row_and_no_document(db, create_product, create_user):
    product = create_product(state="pending")
    operations.approve_product(product, create_user(Role.ADMIN))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 0
    assert found() == []


def test_changes_are_applied_after_commit_and_applying_twice_is_harmless(db, create_product, search_index):
    search.rebuild()
    product = create_product()
    assert search.apply_pending() == 1
    assert search.apply_pending() == 0
    assert found() == [product.id]
    state = store.read_state(current(search_index))
    assert state["cursor"] == db.session.scalar(select(func.max(SearchChange.id)))


def test_a_locked_writer_delays_an_update_but_never_loses_it(db, create_product, create_user, search_index):
    first = create_product()
    assert found() == [first.id]
    second = create_product(name="测温型热成像摄像机", model="TC-384")
    path = current(search_index)
    with store.file_lock(path / "apply.lock", 1) as taken:
        assert taken
        assert search.apply_pending(timeout=0.05) == 0  # another process holds the index: nothing lost, only delayed
        assert second.id not in found("热成像摄像机")
    assert search.apply_pending() == 1
    assert second.id in found("热成像摄像机")


def test_a_crash_between_index_commit_and_cursor_write_replays_safely(db, create_product, search_index):
    product = create_product()
    search.apply_pending()
    path = current(search_index)
    store.write_state(path, {"cursor": 0, "gaps": {}})  # as if the cursor had never been saved
    assert search.apply_pending() == 1
    assert found() == [product.id]


def test_an_id_committed_late_is_picked_up_from_the_gaps(db, create_product, search_index):
    first = create_product()
    second = create_product(name="测温型热成像摄像机", model="TC-384")
    search.apply_pending()
    path = current(search_index)
    # Pretend the first change was still uncommitted when the second was applied (PostgreSQL ids).
    later = db.session.scalar(select(SearchChange).where(SearchChange.object_id == first.id))
    store.write_state(path, {"cursor": later.id + 1, "gaps": {later.id: time.time()}})
    first.name = "非制冷红外热像仪（改）"
    db.session.commit()
    assert search.apply_pending() == 1
    assert store.read_state(path)["gaps"] == {}
    names = [hit.fields["name"] for hit in search.query("product", "热像仪").items]
    assert "非制冷红外热像仪（改）" in names and second.id in found("热成像摄像机")


def test_applied_changes_leave_the_log_once_they_are_old(db, create_product, search_index, frozen_now):
    old = create_product()
    search.apply_pending()
    frozen_now.set_now(frozen_now.now() + timedelta(days=31))
    pending = create_product(name="测温型热成像摄像机", model="TC-384")  # logged, not yet applied
    recent_but_applied = create_product(name="红外测温仪", model="IR-9")
    search.apply_pending()
    unapplied = create_product(name="双光谱热像仪", model="DS-2")

    assert search.prune_log() == 1

    left = set(db.session.scalars(select(SearchChange.object_id)))
    assert old.id not in left and {pending.id, recent_but_applied.id, unapplied.id} <= left
    search.apply_pending()
    assert set(found()) >= {old.id, pending.id, unapplied.id}


def test_the_log_is_pruned_at_most_once_an_hour_by_a_process(db, create_product, search_index, frozen_now,
                                                             monkeypatch):
    create_product()
    create_product(name="测温型热成像摄像机", model="TC-384")
    search.apply_pending()
    frozen_now.set_now(frozen_now.now() + timedelta(days=31))
    monkeypatch.setattr(upkeep, "_last_prune", [time.monotonic()])
    search.prune_log_now_and_then()
    assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 2

    monkeypatch.setattr(upkeep, "_last_prune", [time.monotonic() - search.PRUNE_INTERVAL])
    search.prune_log_now_and_then()
    assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 1


def test_the_newest_change_stays_so_ids_keep_growing(db, create_product, search_index, frozen_now):
    """SQLite gives a new row the largest id + 1: with the log emptied, ids would start again below every
    node's cursor, and the changes they name would never be applied."""
    create_product()
    create_product(name="测温型热成像摄像机", model="TC-384")
    search.apply_pending()
    frozen_now.set_now(frozen_now.now() + timedelta(days=31))
    assert search.prune_log() == 1
    newest = db.session.scalar(select(func.max(SearchChange.id)))
    later = create_product(name="红外测温仪", model="IR-9")
    assert db.session.scalar(select(func.max(SearchChange.id))) > newest
    assert search.apply_pending() == 1 and later.id in found("红外测温仪")


@pytest.mark.real_commits  # threads, each on a connection of its own
def test_concurrent_writers_lose_nothing(app, db, create_product, create_user, search_index):
    products = [create_product(state="pending", name=f"红外热像仪{n}", model=f"IR-{n}") for n in range(8)]
    admin = create_user(Role.ADMIN)
    for product in products:
        operations.approve_product(product, admin)
    db.session.commit()
    search.apply_pending(timeout=0)  # build the (empty) generation first
    errors = []

    def worker():
        try:
            with app.app_context():
                search.apply_pending()
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(found("红外热像仪")) == sorted(p.id for p in products)


def test_rebuild_swaps_in_a_fresh_generation_while_searches_keep_working(db, create_product, search_index):
    product = create_product()
    assert found() == [product.id]
    old = current(search_index)
    counts = search.rebuild()
    assert counts == {"product": 1, "scenario": 0, "capability": 0}
    new = current(search_index)
    assert new != old and old.exists()
    assert found() == [product.id]
    search.rebuild()
    assert not old.exists(), "generations older than the one replaced are removed"


@pytest.mark.real_commits  # the rebuild runs in a thread of its own
def test_an_index_of_an_older_format_answers_until_its_successor_is_built(db, create_product, search_index,
                                                                           build_older_format_index, monkeypatch):
    product = create_product(description="支持表面检测和缺陷分类")
    build_older_format_index()
    old = store.served_dir(search_index)
    changed = create_product(name="测温型热成像摄像机", model="TC-384")  # logged, not written to the old index
    go_on, rebuild = threading.Event(), search.rebuild
    monkeypatch.setattr(search, "rebuild", lambda **kw: go_on.wait(10) and rebuild(**kw))

    assert found() == [product.id]  # answered by the old index while its successor is being built
    assert found('"表面检测"') == []  # no word pairs there
    assert store.served_dir(search_index) == old
    go_on.set()
    with search.backend().upgrading:  # the background rebuild has finished
        pass
    assert store.served_dir(search_index) != old and store.generation_dir(search_index) is not None
    assert found('"表面检测"') == [product.id] and changed.id in found("热成像摄像机")


def test_reindex_command_prints_progress_and_counts(app, db, create_product, search_index):
    create_product()
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "reindexed 1 products and 0 scenarios" in result.output and "产品 1/1" in result.output


def test_index_worker_is_the_worker_under_its_former_name(app, db, create_product, search_index):
    search.rebuild()
    create_product()
    result = app.test_cli_runner().invoke(args=["index-worker", "--once"])
    assert result.exit_code == 0 and "applied 1 search changes" in result.output


def test_admin_sees_the_index_status_and_rebuilds_it(client, login_as, create_product, create_user, search_index):
    create_product()
    login_as(create_user(Role.ADMIN))
    assert "变更日志" in client.get("/admin/catalogue/index").get_data(as_text=True)
    page = client.post("/admin/catalogue/index/rebuild", follow_redirects=True).get_data(as_text=True)
    assert "索引已从数据库重建" in page


def test_in_production_the_rebuild_button_hands_the_work_to_every_nodes_worker(
        app, client, login_as, create_product, create_user, search_index, monkeypatch):
    from portal import cluster

    search.rebuild()
    monkeypatch.setitem(app.config, "SEARCH_APPLY_IN_REQUESTS", False)
    before = cluster.epoch()
    generation = search.backend().position()["generation"]
    login_as(create_user(Role.ADMIN))
    page = client.post("/admin/catalogue/index/rebuild", follow_redirects=True).get_data(as_text=True)
    assert "已请求重建索引" in page
    assert cluster.epoch() == before + 1  # every node's worker sees the epoch move and rebuilds (keeping.py)
    assert search.backend().position()["generation"] == generation  # nothing was built inside the request


def test_admin_extends_the_synonym_table_and_search_uses_it_at_once(client, login_as, create_product, create_user,
                                                                    search_index):
    product = create_product()
    # 测温枪 would find the 热像仪 through its part 测温, a keyword of its 类别 红外热成像: a word with none.
    assert found("体温枪") == []
    login_as(create_user(Role.ADMIN))
    page = client.post("/admin/catalogue/synonyms", data={"text": "体温枪\n"}).get_data(as_text=True)
    assert "第 1 行至少需要两个词" in page
    client.post("/admin/catalogue/synonyms", data={"text": "体温枪, 热像仪\n"})
    assert found("体温枪") == [product.id]
