"""Command-line tasks: `flask --app wsgi <command>`. The work itself is done by operations."""

import click
from flask import Flask
from sqlalchemy import func, select

from portal.accounts import operations as accounts
from portal.accounts.models import Role, User
from portal.errors import DomainError
from portal.extensions import db
from portal.util.uscc import USCCError


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--org", "org_name", required=True, help="Organization name.")
@click.option("--uscc", default=None, help="统一社会信用代码 (required for enterprises).")
@click.option("--name", default="", help="Person's name (defaults to the organization name).")
def create_user_command(email, password, role, org_name, uscc, name):
    """Create an account of any role; its organization is created when new."""
    role = Role(role)
    if role == Role.ENTERPRISE and not uscc:
        raise click.UsageError("--uscc is required for an enterprise.")
    from portal.reviews import conflicts

    try:
        if role == Role.REVIEWER:
            # The organization is the reviewer's current employer for 回避, --uscc its code (never an account's).
            user = conflicts.create_reviewer(None, email=email, password=password, name=name, employer=org_name,
                                             employer_uscc=uscc)
        else:
            user = accounts.create_account(None, email=email, password=password, role=role, org_name=org_name,
                                           name=name, uscc=uscc)
    except (DomainError, USCCError) as error:
        db.session.rollback()
        raise click.ClickException(getattr(error, "message", str(error))) from error
    db.session.commit()
    click.echo(f"created {user.role.value} {user.email} ({user.organization.name})")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo_command(if_empty):
    """Load the demo departments, enterprises, reviewers, batches and scenarios."""
    from portal import demo

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("database already has data; demo not loaded")
    else:
        try:
            summary = demo.seed()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(f"demo data not loaded: {error.message}") from error
        db.session.commit()
        click.echo(summary)
    click.echo(demo.accounts_table())


@click.command("sweep-uploads")
@click.option("--older-than", "hours", default=24.0, show_default=True, type=click.FloatRange(min=1),
              help="Hours a file must have been left untouched, so requests in flight keep theirs.")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
def sweep_uploads_command(hours, dry_run):
    """Remove uploaded files that no proposal, objection or product refers to."""
    from portal.uploads import sweep

    result = sweep.unreferenced(hours) if dry_run else sweep.sweep(hours)
    db.session.commit()
    for path in result.files:
        click.echo(path.name)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(result.files)} unreferenced files ({result.size:,} bytes)")


def init_app(app: Flask) -> None:
    from portal.audit.cli import audit_anchor_command, audit_verify_command

    for command in (create_user_command, seed_demo_command, audit_verify_command, audit_anchor_command,
                    sweep_uploads_command):
        app.cli.add_command(command)
