"""Commands for operators: `flask --app wsgi send-reminders` and `flask --app wsgi deliver-mail`.

Each node's worker does both on its own (scheduled jobs, mail delivery); these run them now, by hand.
"""

import click
from flask import Flask, current_app

from portal.extensions import db
from portal.notifications.mail import deliver_pending, pending_count
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
    """Send every e-mail still waiting: inbox messages and the mail outbox (reset and registration links)."""
    _deliver()


def _deliver() -> None:
    total, waiting = 0, pending_count()
    # Batch after batch until nothing is pending or a batch makes no progress (server unreachable).
    while waiting:
        total += deliver_pending(limit=current_app.config["MAIL_BATCH_SIZE"])
        before, waiting = waiting, pending_count()
        if waiting >= before:
            break
    click.echo(f"e-mails sent: {total}; still pending: {waiting}")


def init_app(app: Flask) -> None:
    for command in (send_reminders_command, deliver_mail_command):
        app.cli.add_command(command)
