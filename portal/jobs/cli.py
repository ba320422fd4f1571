"""`flask run-jobs`: run the scheduled jobs that are due now, as a worker's tick would (or list them)."""

import click
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.jobs.models import JobRun


@click.command("run-jobs")
@click.option("--list", "listing", is_flag=True, help="List the jobs, their schedules and last runs; run nothing.")
def run_jobs_command(listing):
    """Run each scheduled job whose current slot no node has run yet."""
    if listing:
        for job in jobs.registered():
            last = db.session.scalars(select(JobRun).where(JobRun.job == job.name)
                                      .order_by(JobRun.slot.desc()).limit(1)).first()
            state = "never run" if last is None else (
                f"last slot {last.slot:%Y-%m-%d %H:%M} UTC: "
                + ("running or stopped" if last.finished_at is None else last.error or "ok"))
            click.echo(f"{job.name} ({job.schedule.text}): {state}")
        return
    ran = jobs.run_due()
    click.echo(f"jobs run: {', '.join(ran) if ran else 'none due'}")
