"""Commands for cron: `flask --app wsgi send-reminders` and `flask --app wsgi deliver-mail`."""

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.mail import deliver_pending
from portal.notifications.models import Notification
from portal.notifications.reminders import send_deadline_reminders


@click.command("send-reminders")
def send_reminders_command():
    """Remind enterprises of drafts not yet submitted 24 hours before the deadline (each reminder once)."""
    added = send_deadline_reminders()
    db.session.commit()
    click.echo(f"deadline reminders sent: {added}")
    _deliver()


@click.command("deliver-mail")
def deliver_mail_command():
    """Send the e-mail of inbox messages still waiting for it."""
    _deliver()


def _deliver() -> None:
    total, waiting = 0, _pending()
    # Batch after batch until nothing is pending or a batch makes no progress (server unreachable).
    while waiting:
        total += deliver_pending(limit=current_app.config["MAIL_BATCH_SIZE"])
        before, waiting = waiting, _pending()
        if waiting >= before:
            break
    click.echo(f"e-mails sent: {total}; still pending: {waiting}")


def _pending() -> int:
    count = db.session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.email_status == "pending"))
    db.session.rollback()
    return count


def init_app(app: Flask) -> None:
    for command in (send_reminders_command, deliver_mail_command):
        app.cli.add_command(command)
