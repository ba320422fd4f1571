"""`flask --app wsgi worker`: what a node does outside requests. Run one per node, beside its web server.

Each tick, every step in a transaction of its own (loop.py):

1. heartbeat — register this node in the registry (portal/cluster) or say it is alive, with where its search
   index stands;
2. search — keep this node's index up to date (portal/search/keeping.py): build it when there is none,
   rebuild it when it is of an older format, was built before a restore (the cluster epoch moved) or missed
   changes pruned from the log, otherwise apply the changes logged since;
3. prune — at most hourly: the change-log rows every live node has applied (search.prune_log), and the rows
   of nodes silent for a day;
4. mail — send pending e-mail (portal.notifications.mail.deliver_pending, MAIL_BATCH_SIZE at a time);
5. jobs — call each of TICK_HOOKS: where scheduled jobs are wired in (the worker imports them; no feature
   imports the worker).

An error in one step is logged and the next step runs; SIGTERM (or Ctrl-C) stops the worker between two steps.
"""

from collections.abc import Callable

from flask import Flask

# Called once a tick, in order, after the mail (each in a transaction of its own, its errors logged).
TICK_HOOKS: list[Callable[[], object]] = []


def init_app(app: Flask) -> None:
    from portal import jobs
    from portal.worker.cli import worker_command

    if jobs.run_due not in TICK_HOOKS:
        TICK_HOOKS.append(jobs.run_due)

    app.cli.add_command(worker_command)
    app.cli.add_command(worker_command, "index-worker")  # its former name, when it only kept the index
