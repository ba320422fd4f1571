"""`flask audit-verify` and `flask audit-anchor`: check the audit log's chain; anchor its head outside the database."""

from datetime import timedelta

import click
from flask import current_app

from portal import audit
from portal.audit import anchors, verify
from portal.extensions import db
from portal.util import clock


@click.command("audit-verify")
def audit_verify_command():
    """Walk the audit chain and check it against every anchor; report OK, or the first break (exit code 1)."""
    report = verify(db.session)
    if report.ok:
        click.echo(f"OK: {report.count} audit records, chain head {report.head}")
        folder = anchors.anchor_folder()
        newest = anchors.newest_anchor_time(folder)
        if newest is None:
            click.echo(f"No anchor in {folder} yet: a chain cut off at its end cannot be detected until "
                       f"`flask audit-anchor` has run.")
        else:
            click.echo(f"{report.anchors} anchors in {folder} agree with it; the newest was written "
                       f"{newest:%Y-%m-%d %H:%M:%S} UTC.")
            max_age = timedelta(hours=current_app.config["AUDIT_ANCHOR_MAX_AGE_HOURS"])
            if clock.now() - newest > 2 * max_age:
                click.echo("Warning: no anchor for more than two days; is `flask audit-anchor` scheduled?", err=True)
        return
    broken = report.broken
    if broken.record_id is not None:
        click.echo(f"BROKEN at audit record {broken.record_id} (chain position {broken.seq}): {broken.problem}",
                   err=True)
        click.echo(f"{report.count} records before it verify.", err=True)
    else:
        click.echo(f"BROKEN: {broken.problem}", err=True)
    click.get_current_context().exit(1)


@click.command("audit-anchor")
def audit_anchor_command():
    """Write the audit chain's head to the anchor folder and e-mail it to the platform admins (the worker does it
    daily)."""
    try:
        anchor = audit.anchor_now()
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(f"anchor not written to {anchors.anchor_folder()}: {error}") from error
    db.session.commit()
    click.echo(f"anchored audit chain position {anchor.seq}, digest {anchor.digest}, at {anchor.at} "
               f"in {anchors.anchor_folder() / anchor.source}")
    from portal.notifications.mail import deliver_pending

    try:
        deliver_pending(limit=current_app.config["MAIL_BATCH_SIZE"])
    except Exception as error:  # noqa: BLE001 -- the anchor is written; the e-mail waits for `deliver-mail`
        click.echo(f"e-mail to the admins not sent yet ({error}); it stays pending", err=True)
