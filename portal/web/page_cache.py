"""A cache of public pages as an anonymous visitor sees them, shared by every node when Redis is configured.

Most traffic on a portal like this one is people without an account reading the same lists. Rendering
a list page costs tens of milliseconds of CPU at city scale; answering it from a cache costs well
under one. The cache sits in front of Flask (WSGI middleware) and is deliberately narrow:

- only GET requests without the session or remember-me cookie, so nobody's own page, flash message,
  language choice or CSRF token can be stored or served to someone else (an anonymous visitor chooses
  the language with ?lang=, which is part of the key);
- only endpoints listed in PUBLIC_ENDPOINTS, and only 200 answers that set no cookie;
- a page is fresh while the data version is the one it was rendered at and the portal's clock is in the
  same period of PAGE_CACHE_SECONDS, so statuses decided by server time (open → 已截止) and "剩余…" are at
  most about that many seconds behind on these pages. Deadlines themselves are enforced when a proposal
  is submitted, never by what a cached page shows.

The data version is raised after every commit that wrote (and by `touch_version`, which the search
worker calls once the index has caught up, so a page rendered before that is not kept as current). It
lives in Redis (REDIS_URL) or else in the database (for SQLite, a file beside its database file;
data_version.py), so a write on any node is seen by every node within about a second. Pages live in Redis
too, or else in each process (page_store.py).

No stampede: when a page's period is over, one request renders it (a render lock per page) while the
others are answered with the copy of the previous period. Without Redis each process keeps its own pages and
a sync worker cannot answer while it renders, so each process's periods start at a moment of its own: the
workers of a node do not all render at the same second. A page made out of date by a write is served to
others only while its render is under way and for at most STALE_GRACE_SECONDS; after that a waiting request
renders the page itself. A page that fails to render is never kept.
"""

import logging
import time

from flask import Flask, current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.util import clock
from portal.web import data_version
from portal.web.page_store import Entry, MemoryStore, RedisStore, Unavailable

PUBLIC_ENDPOINTS = frozenset({
    "main.home", "scenarios.list_batches", "scenarios.show_batch", "scenarios.list_scenarios",
    "scenarios.show_scenario", "catalogue.list_products", "catalogue.show_product", "catalogue.show_enterprise",
    "search.search_page", "announcements.results", "announcements.show_announcement", "dashboard.show_public",
    "api.list_batches", "api.list_scenarios", "api.show_scenario", "api.list_results", "api.list_products",
    "api.show_product", "documents.catalogue_pdf",
})
MARK = "portal.page_cache.store"
EXTENSION = "portal.page_cache"
_CHANGED = "portal.page_cache.changed"
STALE_GRACE_SECONDS = 0.5  # plus the version's memo (0.25 s with Redis, 0.4 s without): under a second
_WAIT_STEP = 0.02


class PageCache:
    """WSGI middleware answering repeated anonymous requests for public pages from the store."""

    def __init__(self, wsgi_app, *, seconds: int, store, private_cookies: tuple[str, ...],
                 stale_grace: float = STALE_GRACE_SECONDS):
        self.wsgi_app = wsgi_app
        self.seconds = seconds
        self.store = store
        self.private_cookies = tuple(f"{name}=" for name in private_cookies)
        self.stale_grace = stale_grace

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        token = None
        try:
            bucket = int(clock.now().timestamp() + self.store.phase(self.seconds)) // self.seconds
            version, entry = self.store.lookup(key, bucket)
            if entry is not None and entry.version == version and entry.bucket == bucket:
                return _serve(entry, start_response)
            token, rendering_for = self.store.try_lock(key)
            if token is None:
                kept = self._while_rendered(key, version, bucket, entry, rendering_for)
                if kept is not None:
                    return _serve(kept, start_response)
            else:
                version, entry = self.store.lookup(key)  # a render may have ended between the two
                if entry is not None and entry.version == version and entry.bucket == bucket:
                    self.store.release(key, token)
                    return _serve(entry, start_response)
        except Unavailable:
            if token is not None:
                self.store.release(key, token)
            return self.wsgi_app(environ, start_response)
        return self._render_and_keep(key, Entry(version, bucket, "", (), b""), token, environ, start_response)

    def _while_rendered(self, key, version, bucket, entry, rendering_for) -> Entry | None:
        """The copy to answer with while another request renders the page, if there is one to use."""
        if rendering_for is None:
            return None  # its render ended just now: render it here rather than ask again
        if entry is not None and entry.version == version and entry.bucket >= bucket - 1:
            return entry  # only its period is over: the previous period's copy until the render is done
        # Out of date (or not kept): wait for the render under way, at most until it is STALE_GRACE old,
        # answering with the old copy meanwhile if there is one.
        if entry is not None and entry.bucket >= bucket - 1:
            return entry if rendering_for < self.stale_grace else None
        deadline = time.monotonic() + self.stale_grace - rendering_for
        while time.monotonic() < deadline:
            time.sleep(_WAIT_STEP)
            version, entry = self.store.lookup(key, bucket)
            if entry is not None and entry.version == version and entry.bucket == bucket:
                return entry
        return None

    def _key(self, environ) -> tuple | None:
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        cookies = environ.get("HTTP_COOKIE", "")
        if any(name in cookies for name in self.private_cookies):
            return None
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("PATH_INFO"),
                environ.get("QUERY_STRING", ""))

    def _render_and_keep(self, key, stamp: Entry, token, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        try:
            body = self.wsgi_app(environ, capture)
            if not environ.get(MARK) or not _storable(captured):
                return body
            try:
                content = b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
            self.store.put(key, Entry(stamp.version, stamp.bucket, captured["status"],
                                      tuple(tuple(header) for header in captured["headers"]), content))
            return [content]
        finally:
            if token is not None:
                self.store.release(key, token)


def _serve(entry: Entry, start_response):
    start_response(entry.status, [tuple(header) for header in entry.headers])
    return [entry.body]


def _storable(captured: dict) -> bool:
    return (captured.get("status", "").startswith("200")
            and not any(name.lower() == "set-cookie" for name, _value in captured.get("headers", ())))


def make_store(app: Flask):
    """The store for this app's configuration: Redis when REDIS_URL is set, else memory and the database."""
    logger = logging.getLogger("portal.page_cache")
    seconds = int(app.config.get("PAGE_CACHE_SECONDS") or 0)
    if app.config.get("REDIS_URL"):
        # Kept a few periods: the previous period's copy is what others are answered with during a render.
        return RedisStore(app.config["REDIS_URL"], app.config.get("REDIS_KEY_PREFIX") or "portal", logger,
                          entry_seconds=max(4 * seconds, 60))
    return MemoryStore(data_version.for_app(app, logger),
                       max_entries=int(app.config.get("PAGE_CACHE_MAX_ENTRIES", 256)))


def touch_version(app: Flask) -> None:
    """Mark every kept page of every node out of date: after a commit that wrote, and after the search index
    caught up with one. Never raises (a store that does not answer is logged)."""
    cache = app.extensions.get(EXTENSION)
    if cache is not None:
        cache.store.bump()


@event.listens_for(Session, "after_flush")
def _remember_flush(session, _flush_context):
    session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _remember_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session):
    if session.info.pop(_CHANGED, False) and has_app_context() and current_app.config.get("PAGE_CACHE_SECONDS"):
        touch_version(current_app)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop(_CHANGED, None)


def init_app(app: Flask) -> None:
    @app.after_request
    def _mark_public_page(response):
        if request.endpoint in PUBLIC_ENDPOINTS:
            request.environ[MARK] = True
        return response

    seconds = int(app.config.get("PAGE_CACHE_SECONDS") or 0)
    if seconds <= 0:
        return
    cache = PageCache(app.wsgi_app, seconds=seconds, store=make_store(app),
                      private_cookies=(app.config["SESSION_COOKIE_NAME"],
                                       app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))
    app.extensions[EXTENSION] = cache
    app.wsgi_app = cache
    if isinstance(cache.store, RedisStore):
        touch_version(app)  # pages kept by an earlier release of the portal are not this one's
