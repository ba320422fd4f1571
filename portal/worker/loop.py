"""The worker's loop: a tick of steps, each in a transaction of its own, until a signal stops it."""

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable

from flask import Flask

from portal import cluster, search
from portal.extensions import db
from portal.search import keeping, registry
from portal.util import clock
from portal.web import sqlite, unit_of_work

log = logging.getLogger("portal.worker")

PRUNE_INTERVAL = search.PRUNE_INTERVAL  # seconds between two prunings of the change log by one worker
FAILED = "failed"


class Worker:
    """One node's worker (see portal/worker/__init__.py); `run()` until stopped, or `tick()` once."""

    def __init__(self, app: Flask, name: str | None = None, echo: Callable[[str], object] | None = None):
        self.app = app
        self.name = name or cluster.node_name(app)
        self.echo = echo or (lambda _message: None)
        self.started_at = clock.now()
        self.pruned_at: float | None = None  # time.monotonic() of this worker's last pruning
        self.stopping = threading.Event()

    def steps(self) -> list[tuple[str, Callable[[], object]]]:
        return [("heartbeat", self.heartbeat), ("search", self.keep_index), ("prune", self.prune),
                ("mail", self.deliver_mail), ("jobs", self.run_jobs)]

    def run(self, interval: float = 1.0, once: bool = False) -> int:
        """Tick every `interval` seconds until SIGTERM or SIGINT (or once); return the exit status (with `once`,
        1 when a step failed)."""
        with self._stopped_by_signals():
            while True:
                report = self.tick()
                if once:
                    return 1 if FAILED in report.values() else 0
                if self.stopping.wait(interval):
                    return 0

    def tick(self) -> dict[str, object]:
        """Run each step in a transaction of its own; return what each did (FAILED for one that raised)."""
        report: dict[str, object] = {}
        try:
            for name, step in self.steps():
                if self.stopping.is_set():
                    break
                try:
                    with unit_of_work.separate_unit():
                        report[name] = step()
                except Exception:  # one step's failure must not stop the node's other work
                    log.exception("worker %s: the %s step failed", self.name, name)
                    db.session.rollback()
                    report[name] = FAILED
        finally:
            db.session.remove()
        return report

    # --- the steps -------------------------------------------------------------------------------

    def heartbeat(self) -> None:
        self._report(keeping.where_it_stands())

    def keep_index(self) -> dict:
        # It reads the database and writes the index on disk: on SQLite, without holding the database's write
        # lock meanwhile (a rebuild takes minutes, and every request that writes would wait for it).
        with sqlite.reading(), unit_of_work.separate_unit():
            done = keeping.keep_up()
        if done["action"] in ("built", "rebuilt"):
            counts = ", ".join(f"{n} {registry.get(kind).index}" for kind, n in done["indexed"].items()) or "none"
            self.echo(f"search index {done['action']} ({done['reason']}): {counts}")
        elif done["applied"]:
            self.echo(f"applied {done['applied']} search changes")
        self._report(done)
        return done

    def prune(self) -> dict | None:
        """At most once per PRUNE_INTERVAL (the first tick prunes): the change log, then forgotten nodes."""
        now = time.monotonic()
        if self.pruned_at is not None and now - self.pruned_at < PRUNE_INTERVAL:
            return None
        self.pruned_at = now
        pruned = {"changes": search.prune_log(), "nodes": cluster.forget_dead_nodes()}
        if pruned["changes"]:
            self.echo(f"pruned {pruned['changes']} applied search changes from the log")
        return pruned

    def deliver_mail(self) -> int:
        from portal.notifications import mail

        sent = mail.deliver_pending(limit=self.app.config["MAIL_BATCH_SIZE"])
        if sent:
            self.echo(f"sent {sent} e-mails")
        return sent

    def run_jobs(self) -> int | str:
        """Call each of TICK_HOOKS (scheduled jobs), each in a transaction of its own, whatever the others did;
        return how many ran (FAILED when one raised)."""
        from portal.worker import TICK_HOOKS

        ran, failed = 0, False
        for hook in list(TICK_HOOKS):
            if self.stopping.is_set():
                break
            try:
                with unit_of_work.separate_unit():
                    hook()
                ran += 1
            except Exception:  # one job's failure must not keep the others from running
                log.exception("worker %s: the job hook %r failed", self.name, hook)
                db.session.rollback()
                failed = True
        return FAILED if failed else ran

    # --- helpers ---------------------------------------------------------------------------------

    def _report(self, position: dict) -> None:
        cluster.heartbeat(self.name, self.started_at, position["backend"], generation=position["generation"],
                          cursor=position["cursor"], epoch_applied=position["epoch"])

    def stop(self, *_signal) -> None:
        """Finish the step under way, then stop (the handler of SIGTERM and SIGINT)."""
        self.stopping.set()

    @contextlib.contextmanager
    def _stopped_by_signals(self):
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach the main thread only; whoever runs this elsewhere calls stop()
            return
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
