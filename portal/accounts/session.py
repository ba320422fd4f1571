"""Flask-Login wiring: the cookie carries the user id and a per-user token, so replacing the
token (password change, deactivation) ends every other session."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(cookie_id: str) -> User | None:
    user_id, _, token = cookie_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 18):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not token or user.session_token != token or not user.active:
        return None
    return user
