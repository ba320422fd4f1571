"""Health checks for the load balancer in front of several nodes: `/healthz` (is this node well) and
`/readyz` (may it be sent traffic).

Both are cheap and read-only: one `SELECT 1`, a ping of the throttling store when it is not in memory, the
search index's position read from disk and one capped count of the change log. Neither builds an index or
brings one up to date (the node's worker and `flask --app wsgi reindex` do), neither reads or writes the
session (no cookie), and neither is throttled or kept by the page cache.
"""

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import cluster, search
from portal.extensions import db, limiter
from portal.main import bp

OK, ERROR, NOT_CONFIGURED = "ok", "error", "not configured"


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.warning("health check: the database does not answer", exc_info=True)
        db.session.rollback()
        return ERROR
    return OK


def _redis() -> str:
    """The store of the throttling counts (RATELIMIT_STORAGE_URI), shared by every worker and node."""
    if str(current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        return NOT_CONFIGURED
    try:
        return OK if limiter.storage.check() else ERROR
    except Exception:  # any client error of any store is an answer here, not a 500
        current_app.logger.warning("health check: the throttling store does not answer", exc_info=True)
        return ERROR


def _search(database: str) -> dict:
    if database != OK:
        return {"backend": current_app.config.get("SEARCH_BACKEND", "whoosh"), "ready": False,
                "generation": None, "lag": None}
    try:
        return search.health()
    except (SQLAlchemyError, OSError):
        current_app.logger.warning("health check: the search index's position could not be read", exc_info=True)
        db.session.rollback()
        return {"backend": current_app.config.get("SEARCH_BACKEND", "whoosh"), "ready": False,
                "generation": None, "lag": None}


def _answer(body: dict, healthy: bool):
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 while the database answers, 503 when it does not; the throttling store and the search index are
    reported, not judged (a node whose index lags still serves, and its worker catches up). "node" is the name
    this node's worker reports under in the node registry (portal/cluster)."""
    database = _database()
    found = _search(database)
    body = {"database": database, "redis": _redis(),
            "search": {"backend": found["backend"], "lag": found["lag"], "generation": found["generation"]},
            "node": cluster.node_name(current_app)}
    return _answer(body, database == OK)


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """503 until this node answers searches from an index of its own (and its database answers), 200 after."""
    database = _database()
    found = _search(database)
    ready = database == OK and found["ready"]
    return _answer({"ready": ready, "database": database, "search": found}, ready)
