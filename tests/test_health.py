"""/healthz and /readyz: what a load balancer in front of several nodes asks each of them."""

from pathlib import Path

import pytest
from sqlalchemy import event

from portal import cluster, create_app, search
from portal.extensions import db
from portal.search import store
from portal.search.models import SearchChange
from portal.util import clock


def _log_change(object_id: int = 1) -> None:
    db.session.add(SearchChange(kind="product", object_id=object_id, created_at=clock.now()))
    db.session.commit()  # a request's teardown rolls back what is not


@pytest.fixture
def statements(app):
    """The SQL statements sent while the test runs."""
    sent = []

    def remember(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):  # the test's harness
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    yield sent
    event.remove(db.engine, "before_cursor_execute", remember)


def test_healthz_reports_database_redis_and_search(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "not configured",
                             "search": {"backend": "whoosh", "lag": None, "generation": None},
                             "node": cluster.node_name(app)}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_waits_for_an_index_of_the_nodes_own_and_never_builds_one(app, client):
    index = Path(app.config["SEARCH_INDEX_DIR"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["ready"] is False and response.json["database"] == "ok"
    assert not index.exists(), "a health check built the index"

    search.rebuild()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["ready"] is True
    assert response.json["search"]["generation"] == store.served_dir(index).name


def test_readyz_is_not_ready_while_the_served_index_cannot_be_opened(app, client):
    search.rebuild()
    generation = store.served_dir(Path(app.config["SEARCH_INDEX_DIR"]))
    for toc in generation.glob("_*.toc"):
        toc.unlink()
    assert client.get("/readyz").status_code == 503


def test_lag_counts_committed_changes_the_index_has_not_applied_and_the_check_applies_none(app, client):
    search.rebuild()
    generation = store.served_dir(Path(app.config["SEARCH_INDEX_DIR"])).name
    assert client.get("/healthz").json["search"] == {"backend": "whoosh", "lag": 0, "generation": generation}
    _log_change(1)
    _log_change(2)
    assert client.get("/healthz").json["search"]["lag"] == 2
    assert client.get("/healthz").json["search"]["lag"] == 2, "the health check applied changes"
    assert search.apply_pending() == 2
    assert client.get("/healthz").json["search"]["lag"] == 0


def test_a_change_the_index_still_looks_for_counts_once_it_is_in_the_log(app, client):
    search.rebuild()
    path = store.served_dir(Path(app.config["SEARCH_INDEX_DIR"]))
    _log_change(1)
    _log_change(2)
    search.apply_pending()
    (first, second) = sorted(db.session.scalars(db.select(SearchChange.id)))
    # As if the first had been invisible (an open transaction) when the index applied the second.
    store.write_state(path, {"cursor": second, "gaps": {first: clock.now().timestamp()}})
    assert client.get("/healthz").json["search"]["lag"] == 1


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_health_checks_read_only_and_leave_the_session_alone(app, client, login_as, create_user, statements, url):
    search.rebuild()
    for signed_in in (False, True):
        if signed_in:
            login_as(create_user())
        statements.clear()
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert statements and all(s.lstrip().upper().startswith("SELECT") for s in statements), statements
        assert not any("user_sessions" in s for s in statements), "the check looked the visitor up"


@pytest.fixture
def unreachable_database(app, database_url, tmp_path):
    """A node whose database does not answer (nothing listens where it points)."""
    url = (f"sqlite:///{tmp_path / 'missing' / 'portal.sqlite'}" if database_url.startswith("sqlite")
           else "postgresql+psycopg://postgres@127.0.0.1:9/portal?connect_timeout=2")
    down = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": url,
                       "SECRET_KEY": "x", "SERVER_NAME": "localhost", "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                       "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
    yield down
    with down.app_context():
        down.extensions["sqlalchemy"].engine.dispose()


def test_without_a_database_both_answer_503_in_the_same_shape(unreachable_database):
    browser = unreachable_database.test_client()
    health = browser.get("/healthz")
    assert health.status_code == 503
    assert health.json == {"database": "error", "redis": "error",
                           "search": {"backend": "whoosh", "lag": None, "generation": None},
                           "node": cluster.node_name(unreachable_database)}
    ready = browser.get("/readyz")
    assert ready.status_code == 503 and ready.json["ready"] is False and ready.json["database"] == "error"


def test_with_the_postgresql_backend_a_node_is_ready_with_its_database_and_never_behind(app, client, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL search backend runs on PostgreSQL")
    app.config["SEARCH_BACKEND"] = "postgresql"
    _log_change(1)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["search"]["backend"] == "postgresql" and health.json["search"]["lag"] == 0
    assert client.get("/readyz").status_code == 200
