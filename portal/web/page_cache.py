"""A per-worker cache of public pages as an anonymous visitor sees them.

Most traffic on a portal like this one is people without an account reading the same lists. Rendering
a list page costs tens of milliseconds of CPU at city scale; answering it from memory costs well
under one. The cache sits in front of Flask (WSGI middleware) and is deliberately narrow:

- only GET requests without the session or remember-me cookie, so nobody's own page, flash message,
  language choice or CSRF token can be stored or served to someone else;
- only endpoints listed in PUBLIC_ENDPOINTS, and only 200 answers that set no cookie;
- an entry is used only while the data version is unchanged and within the same time bucket of
  PAGE_CACHE_SECONDS by the portal's clock, so statuses decided by server time (open → 已截止) and
  "剩余…" are at most that many seconds behind on these pages. Deadlines themselves are enforced
  when a proposal is submitted, never by what a cached page shows.

The data version is the modification time of a file in the instance folder, touched after every
commit that wrote anything, so every worker of a node sees a change at once. (Nodes that share a
database but not an instance folder see another node's change within PAGE_CACHE_SECONDS.)
"""

import os
import time
from collections import OrderedDict
from pathlib import Path
from threading import Lock

from flask import Flask, current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.util import clock

PUBLIC_ENDPOINTS = frozenset({
    "main.home", "scenarios.list_batches", "scenarios.show_batch", "scenarios.list_scenarios",
    "scenarios.show_scenario", "catalogue.list_products", "catalogue.show_product", "catalogue.show_enterprise",
    "search.search_page", "announcements.results", "announcements.show_announcement", "dashboard.show_public",
    "api.list_batches", "api.list_scenarios", "api.show_scenario", "api.list_results", "api.list_products",
    "api.show_product",
})
MARK = "portal.page_cache.store"
_CHANGED = "portal.page_cache.changed"


class PageCache:
    """WSGI middleware answering repeated anonymous requests for public pages from memory."""

    def __init__(self, wsgi_app, *, seconds: int, version_file: Path, private_cookies: tuple[str, ...],
                 max_entries: int = 256):
        self.wsgi_app = wsgi_app
        self.seconds = seconds
        self.version_file = version_file
        self.private_cookies = tuple(f"{name}=" for name in private_cookies)
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, tuple] = OrderedDict()
        self.lock = Lock()

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        stamp = (self._version(), int(clock.now().timestamp()) // self.seconds)
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and entry[0] == stamp:
                self.entries.move_to_end(key)
        if entry is not None and entry[0] == stamp:
            _stamp, status, headers, body = entry
            start_response(status, list(headers))
            return [body]
        return self._render_and_keep(key, stamp, environ, start_response)

    def _key(self, environ) -> tuple | None:
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        cookies = environ.get("HTTP_COOKIE", "")
        if any(name in cookies for name in self.private_cookies):
            return None
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("PATH_INFO"),
                environ.get("QUERY_STRING", ""))

    def _version(self) -> int:
        try:
            return self.version_file.stat().st_mtime_ns
        except OSError:
            return 0

    def _render_and_keep(self, key, stamp, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        if not environ.get(MARK) or not _storable(captured):
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        with self.lock:
            self.entries[key] = (stamp, captured["status"], tuple(captured["headers"]), content)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return [content]


def _storable(captured: dict) -> bool:
    return (captured.get("status", "").startswith("200")
            and not any(name.lower() == "set-cookie" for name, _value in captured.get("headers", ())))


def version_file(app: Flask) -> Path:
    return Path(app.instance_path) / "data_version"


def touch_version(app: Flask) -> None:
    path = version_file(app)
    try:
        path.touch()
        now = time.time_ns()
        os.utime(path, ns=(now, now))
    except OSError:
        app.logger.warning("page cache: cannot touch %s; cached pages expire by time only", path)


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
    touch_version(app)
    app.wsgi_app = PageCache(app.wsgi_app, seconds=seconds, version_file=version_file(app),
                             private_cookies=(app.config["SESSION_COOKIE_NAME"],
                                              app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))
