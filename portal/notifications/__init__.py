"""In-app inbox and e-mail: operations add messages in the caller's transaction; mail.py sends them later."""

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__)


def init_app(app: Flask) -> None:
    """Wire the navbar's unread count, e-mail after state-changing requests, and the CLI commands."""
    from portal.notifications import cli, mail, operations

    operations.init_app(app)
    mail.init_app(app)
    cli.init_app(app)
