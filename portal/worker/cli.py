"""`flask --app wsgi worker [--once] [--interval SECONDS] [--name NODE]`."""

import click
from flask import current_app

from portal.worker.loop import Worker


@click.command("worker")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds between two ticks.")
@click.option("--once", is_flag=True, help="Run one tick (index, mail, jobs) and stop; fail if a step failed.")
@click.option("--name", default=None, help="This node's name (default: NODE_NAME, or the host and instance folder).")
def worker_command(interval, once, name):
    """Keep this node's search index up to date, send e-mail and run scheduled jobs, until stopped."""
    worker = Worker(current_app._get_current_object(), name=name, echo=click.echo)
    click.get_current_context().exit(worker.run(interval=interval, once=once))
