"""`flask audit-verify`: check the audit log's chain."""

import click

from portal.audit import verify
from portal.extensions import db


@click.command("audit-verify")
def audit_verify_command():
    """Walk the audit chain; report OK with the count, or the first broken link (exit code 1)."""
    report = verify(db.session)
    if report.ok:
        click.echo(f"OK: {report.count} audit records, chain head {report.head}")
        return
    broken = report.broken
    click.echo(f"BROKEN at audit record {broken.record_id} (chain position {broken.seq}): {broken.problem}", err=True)
    click.echo(f"{report.count} records before it verify.", err=True)
    click.get_current_context().exit(1)
