"""`flask --app wsgi reindex`. Keeping the index up to date is the worker's (portal/worker/, search/keeping.py)."""

import sys
import time

import click
from flask_babel import gettext as _

from portal import search
from portal.search import registry


class Progress:
    """A one-line counter on the terminal: count, rate and time left."""

    def __init__(self, label: str, stream=None):
        self.label, self.stream = label, stream or sys.stderr
        self.started = self.shown = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.shown < 0.2:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        left = (total - done) / rate if rate else 0
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} {done}/{total}  {rate:,.0f}/s  " + _("剩余 %(s)s 秒", s=f"{left:,.0f}")
                          + f"   {end}")
        self.stream.flush()


@click.command("reindex")
def reindex_command():
    """Rebuild the search index from the database into a fresh directory and switch to it."""
    bars: dict[str, Progress] = {}

    def progress(kind, done, total):
        if kind not in bars:
            bars[kind] = Progress(str(registry.get(kind).label or kind))
        bars[kind](done, total)

    from portal.extensions import db

    started = time.monotonic()
    counts = search.rebuild(progress)
    db.session.commit()  # the PostgreSQL backend writes its documents in this transaction
    done = " and ".join(f"{n} {registry.get(kind).index}" for kind, n in counts.items())
    click.echo(f"reindexed {done} in {time.monotonic() - started:.1f} s")
