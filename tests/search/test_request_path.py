"""What a web request does with the search index in production (SEARCH_APPLY_IN_REQUESTS off): it reads it and
nothing more — no change applied, no index built or upgraded, no thread started — and while the node has no
index a search answers at once from the database and says so."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import search
from portal.accounts.models import Role
from portal.search import store
from portal.search.models import SearchChange
from tests.search.test_matchmaking import POWER

NOTICE = "搜索索引正在准备中，以下为数据库中的简单匹配结果，排序可能不够准确。"


@pytest.fixture
def production(app, search_index):
    """The production setting: only the index worker (and the CLI) keeps the index."""
    app.config["SEARCH_APPLY_IN_REQUESTS"] = False
    return search_index


@pytest.fixture
def threads_started(monkeypatch):
    """The names of the threads started while the test runs."""
    names = []
    start = threading.Thread.start

    def remember(thread):
        names.append(thread.name)
        return start(thread)

    monkeypatch.setattr(threading.Thread, "start", remember)
    return names


def snapshot(root: Path) -> dict:
    """Every file under the index directory with its size, modification time and, for the state, its content."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            info = path.lstat()
            found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns,
                                                  path.read_text() if path.name == store.STATE_FILE else None)
    return found


def names(results) -> list[str]:
    return [hit.fields["name"] for hit in results.items]


def test_a_writing_request_and_searches_leave_the_index_untouched(client, login_as, create_product, create_user,
                                                                   production, threads_started):
    listed = create_product(name="红外热像仪甲")
    pending = create_product(name="红外热像仪乙", state="pending")
    search.rebuild()  # as the index worker would
    before = snapshot(production)
    cursor = store.read_state(store.served_dir(production))["cursor"]

    login_as(create_user(Role.GOVERNMENT))
    assert client.post(f"/review/products/{pending.id}/approve").status_code == 302
    assert search.db.session.scalar(select(func.max(SearchChange.id))) > cursor  # logged, for the worker
    page = client.get("/search?q=热像仪")
    api = client.get("/api/v1/products?q=热像仪")
    client.get("/search?q=热像仪&tab=scenarios")
    client.get(f"/products/{listed.id}")

    assert page.status_code == 200 and api.status_code == 200
    assert NOTICE not in page.get_data(as_text=True) and api.json["from_database"] is False
    # The index answered as it stands: the approval waits for the worker.
    assert [item["name"] for item in api.json["items"]] == ["红外热像仪甲"]
    assert snapshot(production) == before
    assert list(production.glob("gen-*")) == [store.served_dir(production)]
    assert threads_started == []


def test_an_index_of_an_older_format_is_searched_and_no_request_upgrades_it(client, create_product, production,
                                                                             build_older_format_index,
                                                                             threads_started):
    product = create_product()
    build_older_format_index()
    assert store.generation_dir(production) is None  # of an older format: the worker rebuilds it
    before = snapshot(production)

    response = client.get("/api/v1/products?q=热像仪")
    assert response.status_code == 200 and response.json["from_database"] is False
    assert [item["id"] for item in response.json["items"]] == [product.id]
    assert snapshot(production) == before and threads_started == []


def test_without_an_index_the_search_page_answers_from_the_database(client, create_product, production):
    newer = create_product(name="非制冷红外热像仪二代", year=2025, level="provincial")
    older = create_product(name="手持红外热像仪", year=2023, model="IR_640")
    create_product(name="工业内窥镜", model="IR-640U", specs="纯度99.5以上", description="管道内部检查")
    create_product(name="医用消毒机器人", specs="纯度99%以上", description="病房自主消毒")
    unreviewed = create_product(name="未审核的热像仪", state="pending")

    page = client.get("/search?q=热像仪").get_data(as_text=True)
    assert NOTICE in page and "找到 2 个结果" in page and "手持红外<mark>热像仪</mark>" in page
    assert f"/products/{newer.id}" in page and f"/products/{older.id}" in page
    assert f"/products/{unreviewed.id}" not in page

    results = search.query("product", "热像仪")
    assert results.from_database and results.total == 2 and results.exact and not results.partial
    assert names(results) == ["非制冷红外热像仪二代", "手持红外热像仪"]  # newest first
    assert results.items[0].id == newer.id and results.items[0].fields["company"]
    assert results.items[0].fields["level"] == "provincial" and results.items[0].fields["year"] == 2025

    # Every word must be held; when no product holds them all, any of them (a partial match).
    assert names(search.query("product", "手持 热像仪")) == ["手持红外热像仪"]
    partial = search.query("product", "热像仪 不存在的词")
    assert partial.partial and partial.full_total == 0 and partial.total == 2
    assert "没有同时包含全部词语的产品" in client.get("/search?q=热像仪 不存在的词").get_data(as_text=True)
    # A word typed whole is also looked for in its parts: 消毒 and 机器人.
    assert names(search.query("product", "消毒搬运机器人")) == ["医用消毒机器人"]

    assert names(search.query("product", "热像仪", {"level": "provincial"})) == ["非制冷红外热像仪二代"]
    assert names(search.query("product", "热像仪", {"year": 2023})) == ["手持红外热像仪"]
    assert search.query("product", "热像仪", {"level": "no-such-level"}).total == 0
    assert f"/products/{older.id}" not in client.get("/search?q=热像仪&level=provincial").get_data(as_text=True)

    # % and _ are themselves, not wildcards.
    assert names(search.query("product", "99%以")) == ["医用消毒机器人"]
    assert names(search.query("product", "IR_640")) == ["手持红外热像仪"]
    assert older.id in [hit.id for hit in search.query("product", "ir_640").items]  # any case

    response = client.get("/api/v1/products?q=热像仪&per_page=1")
    assert response.status_code == 200
    body = response.json
    assert body["from_database"] is True and body["total"] == 2 and body["partial"] is False
    assert [item["name"] for item in body["items"]] == ["非制冷红外热像仪二代"]
    assert client.get("/api/v1/products?q=热像仪&page=2&per_page=1").json["items"][0]["id"] == older.id
    assert client.get("/api/v1/products?q=不存在的词").json["items"] == []
    assert not production.exists(), "a request built an index"


def test_without_an_index_scenarios_are_searched_in_the_database(client, create_scenario, production):
    published = create_scenario(state="published", **POWER)
    closed = create_scenario(state="closed", **{**POWER, "title": "已截止的电力巡检场景"})
    cancelled = create_scenario(state="cancelled", **{**POWER, "title": "已撤销的电力巡检场景"})
    draft = create_scenario(**{**POWER, "title": "电力巡检草稿场景"})

    page = client.get("/search?q=电力巡检&tab=scenarios").get_data(as_text=True)
    assert NOTICE in page and "找到 2 个结果" in page
    assert f"/scenarios/{published.id}" in page and f"/scenarios/{closed.id}" in page
    assert f"/scenarios/{cancelled.id}" not in page and f"/scenarios/{draft.id}" not in page
    assert [hit.id for hit in search.query("scenario", "电力巡检", {"open": True}).items] == [published.id]
    assert [hit.id for hit in search.query("scenario", "紫外电晕").items] == [closed.id, published.id]
    found = client.get("/api/v1/scenarios?q=电力巡检").json
    assert {item["id"] for item in found["items"]} == {published.id, closed.id}
    assert not production.exists()


def test_without_an_index_pages_with_related_items_answer(client, create_product, create_scenario, production):
    product = create_product(name="电力巡检红外热成像无人机吊舱", description="变电站巡检，红外测温")
    scenario = create_scenario(state="published", **POWER)
    response = client.get(f"/scenarios/{scenario.id}")
    assert response.status_code == 200 and "相关产品" not in response.get_data(as_text=True)
    assert client.get(f"/products/{product.id}").status_code == 200
    assert search.related("product", "变电站巡检") == []
    assert not production.exists()


def test_an_index_that_cannot_be_opened_gives_way_to_the_database(client, create_product, production):
    create_product()
    search.rebuild()
    for toc in store.served_dir(production).glob("_*.toc"):
        toc.unlink()
    response = client.get("/search?q=热像仪")
    assert response.status_code == 200 and NOTICE in response.get_data(as_text=True)
    assert client.get("/readyz").status_code == 503


def test_the_tests_setting_still_builds_and_follows_the_index_in_requests(client, create_product, search_index):
    product = create_product()
    response = client.get("/api/v1/products?q=热像仪")
    assert response.json["from_database"] is False and [i["id"] for i in response.json["items"]] == [product.id]
    assert store.generation_dir(search_index) is not None
