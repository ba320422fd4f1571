"""Flask-Login wiring: the session and remember-me cookies carry the token of one row of `user_sessions`.

Every request with a cookie looks that row up by its primary key (one indexed lookup, joined with the user),
so a revoked sign-in (logout, sign out everywhere, a password change, deactivation) stops working at once on
every node sharing the database, whichever cookie a copy was taken of. `last_seen_at` is written at most
every TOUCH_INTERVAL, after the response, so reading pages never writes.
"""

import hashlib
from datetime import timedelta
from functools import partial

from flask import Flask, current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, update

from portal.accounts.models import User, UserSession
from portal.extensions import db, login_manager
from portal.util import clock
from portal.web import unit_of_work

TOUCH_INTERVAL = timedelta(minutes=5)
# Ended sign-ins stay listed this long (the account page, an investigation), then the daily job removes them.
KEEP_ENDED = timedelta(days=30)
# The Flask session key of a sign-in whose password was right and whose second factor is still awaited
# (portal/accounts/two_factor_routes.py); nobody is signed in while it is there.
PENDING_SIGN_IN = "pending_sign_in"
# Tokens are secrets.token_urlsafe(32): 43 characters. Anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.after_request(_touch_after_response)


def token_digest(token: str) -> str:
    """The row id for a cookie's token: its SHA-256, so the table holds nothing a cookie could be made from."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_user(token: str) -> User | None:
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    row = db.session.get(UserSession, token_digest(token))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = clock.now()
    max_age = current_app.config.get("SESSION_MAX_AGE")
    if max_age and now - row.created_at > timedelta(seconds=max_age):
        return None
    user = row.user
    user.current_session, user.session_token = row, token
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        g.session_seen = (row.id, now)
    return user


def _touch_after_response(response):
    seen = g.pop("session_seen", None)
    if seen is not None:
        response.call_on_close(partial(_touch, current_app._get_current_object(), *seen))
    return response


def _touch(app: Flask, row_id: str, now) -> None:
    # In a fresh app context, after the request's own transaction has ended; a lost update costs nothing.
    try:
        if has_app_context():
            # Only when a caller keeps an app context around the request (the test client inside a test): end
            # the request's leftover transaction, as a real request's teardown has by now.
            db.session.rollback()
        with app.app_context(), unit_of_work.separate_unit() as session:
            session.execute(update(UserSession).where(UserSession.id == row_id, UserSession.last_seen_at < now)
                            .values(last_seen_at=now).execution_options(synchronize_session=False))
    except Exception:
        app.logger.exception("could not record when a session was last seen")


def prune_ended() -> int:
    """Remove sign-ins that ended more than KEEP_ENDED ago — signed out or revoked, or past SESSION_MAX_AGE —
    and return how many (the accounts.prune-sign-ins job; the caller commits). A live sign-in is never touched."""
    now = clock.now()
    ended = UserSession.revoked_at < now - KEEP_ENDED
    max_age = current_app.config.get("SESSION_MAX_AGE")
    if max_age:
        ended = or_(ended, UserSession.created_at < now - timedelta(seconds=max_age) - KEEP_ENDED)
    return db.session.execute(delete(UserSession).where(ended).execution_options(synchronize_session=False)).rowcount
