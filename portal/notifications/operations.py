"""Inbox operations. Like every operation they add to the caller's transaction and never commit."""

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.errors import PermissionDenied
from portal.extensions import db
from portal.notifications.models import Notification
from portal.permissions import can_read_notification
from portal.util import clock
from portal.web import unit_of_work
from portal.web.paging import Page

TITLE_MAX = 200
LINK_MAX = 300


def notify(user, kind: str, title: str, body: str = "", link: str | None = None,
           dedupe_key: str | None = None) -> Notification | None:
    """Put a message in the user's inbox (its e-mail goes out after commit); None if `dedupe_key` was used."""
    if link is not None and (len(link) > LINK_MAX
                             or not (is_local_link(link) or urlsplit(link).scheme in ("http", "https"))):
        raise ValueError(f"a notification link is a local path or an http(s) URL of at most {LINK_MAX} characters")
    notification = Notification(user_id=user.id, kind=kind, title=str(title)[:TITLE_MAX], body=str(body or ""),
                                link=link, created_at=clock.now(), email_status="pending", dedupe_key=dedupe_key)
    if dedupe_key is None:
        db.session.add(notification)
        db.session.flush()
        return notification
    exists = db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    return None if exists is not None else _add_once(notification)


def _add_once(notification: Notification) -> Notification | None:
    # Two runs racing past the check above meet at the unique constraint: the loser's savepoint
    # rolls back and the rest of its transaction goes on.
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None
    return notification


def mark_read(notification: Notification, user) -> Notification:
    """Mark one of the user's messages read (reading it again changes nothing)."""
    if not can_read_notification(user, notification):
        raise PermissionDenied("not the recipient")
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.flush()
    return notification


def mark_all_read(user) -> int:
    """Mark every unread message of the user read; return how many were unread."""
    result = db.session.execute(update(Notification)
                                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=clock.now())
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox_page(user, page: int, per_page: int):
    stmt = (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return Page.of_select(stmt, page, per_page)


def link_to(endpoint: str, **values) -> str:
    """A site-relative link for a message, inside a request or outside one (CLI, cron)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return _link_from_base_url(endpoint, values)


def _link_from_base_url(endpoint: str, values: dict) -> str:
    # Without a request there is no host to build on; PORTAL_BASE_URL says where the portal is mounted.
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc or "localhost", script_name=base.path or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values)


def is_local_link(link: str | None) -> bool:
    if not link:
        return False
    parts = urlsplit(link)
    return (link.startswith("/") and not link.startswith("//") and "\\" not in link
            and not parts.scheme and not parts.netloc)


def absolute_link(link: str | None) -> str | None:
    """The link as a full URL for e-mail, against PORTAL_BASE_URL."""
    if not link:
        return None
    if urlsplit(link).scheme in ("http", "https"):
        return link
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    if link.startswith("/"):
        return f"{base.scheme}://{base.netloc}{link}"
    return f"{current_app.config['PORTAL_BASE_URL']}/{link}"


def _navbar_unread_count() -> int:
    # One COUNT per request, however many templates ask (kept on the request: tests reuse `g`).
    # An error page must render even when the database is what failed, so then no badge is shown.
    if not has_request_context():
        return 0
    holder = request._get_current_object()
    if not hasattr(holder, "portal_unread_notifications"):
        try:
            holder.portal_unread_notifications = unread_count(current_user)
        except SQLAlchemyError:
            if unit_of_work.wrote():
                raise  # rolling back here would drop the request's writes under a page that says they were made
            db.session.rollback()
            current_app.logger.warning("could not count unread notifications", exc_info=True)
            holder.portal_unread_notifications = 0
    return holder.portal_unread_notifications


def init_app(app: Flask) -> None:
    @app.context_processor
    def _inbox():
        return {"unread_notification_count": _navbar_unread_count}
