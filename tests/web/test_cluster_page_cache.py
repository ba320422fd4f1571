"""The page cache of several nodes on one database (and one Redis): a write on one node is seen on every other
within a second, an expired page is rendered once while the others get the previous copy, and a Redis that does
not answer costs the cache, never a page.

Each "node" is an app of its own with an instance folder of its own, as two servers have; they share the test's
database and, for the Redis variant, a Redis database of the tests' own (TEST_REDIS_URL).
"""

import logging
import os
import threading
import time
import uuid
from datetime import timedelta

import pytest

from portal import create_app
from portal.accounts.models import Role, User
from portal.extensions import db as _db
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import Scenario
from portal.web import page_cache, page_store

pytestmark = pytest.mark.real_commits  # the nodes have engines of their own: they see committed rows only

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"
OPEN, CANCELLED = "揭榜中", "已撤销"


@pytest.fixture
def key_prefix():
    """The test's own Redis keys, whatever else shares the Redis database (a parallel run, say)."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_db(key_prefix):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error}); set TEST_REDIS_URL or start redis-server")
    yield client
    for key in client.scan_iter(f"{key_prefix}:*"):
        client.delete(key)


@pytest.fixture(params=["redis", "database"])
def store(request):
    """Where the nodes keep the data version: Redis, or (no REDIS_URL) the database."""
    if request.param == "redis":
        request.getfixturevalue("redis_db")
        return REDIS_URL
    return None


@pytest.fixture
def make_node(app, database_url, tmp_path, key_prefix):
    made = []

    def make(name: str, redis_url: str | None):
        folder = tmp_path / name
        node = create_app({
            "TESTING": True, "INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost",
            "PAGE_CACHE_SECONDS": 30, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": key_prefix,
            "AUDIT_ANCHOR_AUTO": False, "SESSION_MAX_AGE": None,
            "SEARCH_INDEX_DIR": str(folder / "index"), "UPLOAD_FOLDER": str(folder / "uploads"),
            "MAIL_OUTBOX": str(folder / "outbox"),
        })
        made.append(node)
        return node

    yield make
    for node in made:
        with node.app_context():
            _db.engine.dispose()


@pytest.fixture
def nodes(make_node, store):
    return make_node("a", store), make_node("b", store)


class Renders:
    """Counts the requests a node's page cache hands to Flask (renders), optionally making the first `slow` of
    them take `delay` seconds longer."""

    def __init__(self, node, delay: float = 0.0, slow: int = 1):
        self.cache = node.extensions[page_cache.EXTENSION]
        self.inner = self.cache.wsgi_app
        self.cache.wsgi_app = self
        self.delay, self.slow = delay, slow
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.count += 1
            delay = self.delay if self.count <= self.slow else 0.0
        time.sleep(delay)
        return self.inner(environ, start_response)


def _published(create_scenario):
    scenario = create_scenario(state="published", title="城市道路病害智能巡检")
    _db.session.commit()
    return scenario.id, f"/scenarios/{scenario.id}"


def _cancel_on(node, scenario_id: int) -> None:
    """Cancel the scenario through `node`: its own engine and session, committed there."""
    with node.app_context():
        scenario = _db.session.get(Scenario, scenario_id)
        owner = _db.session.scalar(_db.select(User).where(User.organization_id == scenario.department_id,
                                                          User.role == Role.GOVERNMENT))
        scenario_ops.cancel_scenario(scenario, owner, "需求调整")
        _db.session.commit()


def _get_all(node, url: str, count: int) -> list:
    answers = [None] * count
    start = threading.Barrier(count)

    def get(i):
        client = node[i % len(node)].test_client() if isinstance(node, tuple) else node.test_client()
        start.wait()
        answers[i] = client.get(url)

    threads = [threading.Thread(target=get, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_a_write_on_one_node_is_shown_by_the_other_within_a_second(nodes, create_scenario, frozen_now):
    node_a, node_b = nodes
    scenario_id, url = _published(create_scenario)
    browser_b = node_b.test_client()
    renders_b = Renders(node_b)
    assert OPEN in browser_b.get(url).text
    assert OPEN in browser_b.get(url).text
    assert renders_b.count == 1, "node B answers the page from its cache"

    _cancel_on(node_a, scenario_id)
    written = time.monotonic()
    while OPEN in (page := browser_b.get(url).text):
        assert time.monotonic() - written < 1.0, "node B still shows the scenario open a second after the write"
        time.sleep(0.05)

    assert CANCELLED in page


def test_with_redis_a_page_rendered_on_one_node_is_served_by_the_other(nodes, store, create_scenario, frozen_now):
    if store is None:
        pytest.skip("without Redis each process keeps its own pages")
    node_a, node_b = nodes
    _scenario_id, url = _published(create_scenario)
    renders = Renders(node_a), Renders(node_b)
    first = node_a.test_client().get(url)

    again = node_b.test_client().get(url)

    assert again.status_code == 200 and again.data == first.data
    assert [r.count for r in renders] == [1, 0]


def test_each_language_of_a_page_is_kept_apart(nodes, store, create_scenario, frozen_now):
    node_a, _node_b = nodes
    _published(create_scenario)
    browser = node_a.test_client()
    chinese = browser.get("/scenarios").text
    english = browser.get("/scenarios?lang=en").text

    assert chinese != english
    assert browser.get("/scenarios").text == chinese and browser.get("/scenarios?lang=en").text == english
    assert "Set-Cookie" not in browser.get("/scenarios?lang=en").headers


def test_an_expired_page_is_rendered_once_while_the_others_get_the_previous_copy(nodes, store, create_scenario,
                                                                                 frozen_now):
    # With Redis every worker of every node waits on one render; without it, the workers of one process do.
    serving = nodes if store else nodes[1]
    _scenario_id, url = _published(create_scenario)
    previous = (serving[0] if store else serving).test_client().get(url)
    renders = [Renders(node, delay=0.5) for node in (nodes if store else (nodes[1],))]

    frozen_now.travel(timedelta(seconds=30))  # the next period of PAGE_CACHE_SECONDS, wherever it starts
    answers = _get_all(serving, url, 12)

    assert all(answer is not None and answer.status_code == 200 for answer in answers)
    assert all(OPEN in answer.text for answer in answers)
    assert sum(r.count for r in renders) == 1
    assert sum(answer.data == previous.data for answer in answers) >= 10, "the others got the kept copy at once"


def test_a_page_out_of_date_after_a_write_is_not_served_past_the_grace(nodes, store, create_scenario,
                                                                       frozen_now):
    node_a, node_b = nodes
    renderer = node_a if store else node_b  # without Redis the render under way must be in the same process
    scenario_id, url = _published(create_scenario)
    assert OPEN in node_b.test_client().get(url).text
    if store:
        assert OPEN in node_a.test_client().get(url).text
    _cancel_on(node_a, scenario_id)
    time.sleep(0.5)  # the database version's memo, without Redis
    slow = Renders(renderer, delay=3.0)
    if renderer is not node_b:
        Renders(node_b)
    under_way = threading.Thread(target=lambda: renderer.test_client().get(url))
    under_way.start()
    try:
        while slow.count == 0:
            time.sleep(0.01)
        started = time.monotonic()
        meanwhile = node_b.test_client().get(url)
        asked_at = time.monotonic() - started
        if asked_at < page_cache.STALE_GRACE_SECONDS - 0.1:  # a loaded machine may have taken longer to ask
            assert OPEN in meanwhile.text, "the previous copy, while the render under way is young"
        time.sleep(max(0.0, page_cache.STALE_GRACE_SECONDS + 0.05 - (time.monotonic() - started)))

        later = node_b.test_client().get(url)

        assert CANCELLED in later.text and OPEN not in later.text
        assert time.monotonic() - started < 3.0, "rendered by the request itself, not waiting for the slow one"
    finally:
        under_way.join(timeout=30)


def test_an_unreachable_redis_serves_every_page_uncached_and_says_so_once(make_node, create_scenario,
                                                                          frozen_now, caplog):
    node = make_node("a", UNREACHABLE_REDIS)
    scenario_id, url = _published(create_scenario)
    browser = node.test_client()
    renders = Renders(node)
    with caplog.at_level(logging.WARNING, logger="portal.page_cache"):
        pages = [browser.get(url) for _ in range(3)]
        _cancel_on(node, scenario_id)  # the version cannot be raised: no error for the writer
        after = browser.get(url)

    assert [page.status_code for page in pages] == [200, 200, 200] and after.status_code == 200
    assert renders.count == 4, "nothing was served from a cache"
    assert CANCELLED in after.text
    warnings = [r for r in caplog.records if "Redis does not answer" in r.getMessage()]
    assert len(warnings) == 1


def test_pages_kept_before_an_outage_are_out_of_date_after_it(make_node, redis_db, create_scenario, frozen_now,
                                                              monkeypatch):
    import redis

    node = make_node("a", REDIS_URL)
    scenario_id, url = _published(create_scenario)
    browser = node.test_client()
    assert OPEN in browser.get(url).text  # kept in Redis
    cache = node.extensions[page_cache.EXTENSION]
    working = cache.store.client
    monkeypatch.setattr(page_store, "RETRY_SECONDS", 0.2)
    cache.store.client = redis.Redis.from_url(UNREACHABLE_REDIS, socket_connect_timeout=0.25)

    _cancel_on(node, scenario_id)  # Redis is down: its version is not raised
    assert CANCELLED in browser.get(url).text  # rendered, not kept
    cache.store.client = working
    time.sleep(0.3)

    assert CANCELLED in browser.get(url).text


def test_a_page_that_is_not_a_success_is_never_kept(nodes, frozen_now):
    node_a, _node_b = nodes
    renders = Renders(node_a)
    browser = node_a.test_client()

    answers = [browser.get("/scenarios/999999").status_code for _ in range(2)]

    assert answers == [404, 404] and renders.count == 2
