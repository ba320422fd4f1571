"""In-app inbox and e-mail: operations add messages in the caller's transaction; mail.py sends them later."""

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__)


def init_app(app: Flask) -> None:
    """Wire the navbar's unread count, the CLI commands and the scheduled jobs (e-mail goes out from the worker)."""
    from portal import jobs
    from portal.notifications import cli, operations, outbox, reminders

    operations.init_app(app)
    cli.init_app(app)
    jobs.register(app, "notifications.deadline-reminders", reminders.send_deadline_reminders, jobs.every(minutes=10))
    jobs.register(app, "notifications.prune-outbox", outbox.prune, jobs.daily(4))
