"""One unit of work per request: commit once when the request succeeded, roll back otherwise.

Operations flush and never commit; views do not commit either. After the view has answered, a response
below 400 (a page, a redirect after a POST) commits whatever the request wrote, and any other answer (a
403 or 404 from `abort()`, a refused operation's 409, a 500) rolls it back. A request that wrote nothing
does not commit at all. The commit happens before any byte of the response is sent, so a commit that fails
becomes an error page through the portal's error handlers, never a success page over lost data.

Files live outside the database: a stored file is staged on the session (`discard_unless_committed`) and
removed when its transaction ends without committing, whoever ends it (a refused operation's rollback, an
error page, an exception, the session's close). Once the transaction has committed the file is the row's
and is never removed here.

A page that only records what it showed (an audited read of sealed content, `audited_read`) is read and drawn in
a read-only transaction; its records (`write`) are written after it, in a short transaction of their own, still
before any byte is sent. On SQLite the page thus never holds the database's write lock while it is drawn, and a
record that cannot be written turns the page into an error page: nothing sealed is shown without its record.

Work that needs the request's data committed (bringing the search index up to date) registers with
`after_commit`; work outside any request (after the response, jobs) uses `separate_unit`. CLI commands
commit themselves; a test holds every other `.commit(` call in `portal/` to this module.
"""

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.web.sqlite import write_from_now_on, writing

log = logging.getLogger(__name__)
EXTENSION = "portal.unit_of_work"
WROTE = "unit_of_work.wrote"
STAGED = "unit_of_work.staged"
_COMMITTED = "unit_of_work_committed"  # on `g`: this request has committed (early or at its end)
_AFTER_PAGE = "unit_of_work_after_page"  # on `g`: the writes of an audited read, held until its page is drawn


def init_app(app: Flask) -> None:
    """Commit or roll back each request in one place. Register last: its hook must run before the others."""
    # Flask runs an app's after_request hooks in reverse order of registration, so this one runs first:
    # the hooks after it (security headers, the session touch) see the final answer, which is an
    # error page if the commit failed.
    app.extensions.setdefault(EXTENSION, [])
    app.after_request(_finish_request)
    app.teardown_request(_roll_back_leftovers)


def after_commit(app: Flask, callback: Callable[[], None]) -> None:
    """Call `callback` after a request's data has committed, in a transaction of its own."""
    app.extensions.setdefault(EXTENSION, []).append(callback)


def commit_early() -> None:
    """Commit what the request has done so far; for a view whose later step may be refused without undoing it.

    Say at the call why the view cannot wait for the end of the request.
    """
    db.session.commit()
    g.setdefault(_COMMITTED, True)


def discard_unless_committed(cleanup: Callable[[], None], session: Session | None = None) -> None:
    """Run `cleanup` (remove a stored file) if the current transaction ends without committing."""
    session = session or db.session()
    if not session.in_transaction():
        session.begin()  # so that closing the session also ends a transaction, and the cleanup runs
    session.info.setdefault(STAGED, []).append(cleanup)


def wrote(session: Session | None = None) -> bool:
    """Whether the session's transaction has written, or holds changes not yet flushed."""
    session = session or db.session()
    return bool(session.info.get(WROTE) or session.new or session.deleted
                or any(session.is_modified(obj) for obj in session.dirty))


def audited_read(view):
    """Mark a GET view whose only writes are the records of what it showed, made through `write`: they are
    written after its page, so drawing the page holds no write lock. A view that finds it must write something
    else says so first (`begin_writing`)."""
    @functools.wraps(view)
    def hold_records(*args, **kwargs):
        g.setdefault(_AFTER_PAGE, [])
        return view(*args, **kwargs)

    return hold_records


def write(add: Callable[[], None]) -> None:
    """Add rows to the request's unit of work: at once, or after the page in a view marked `audited_read`."""
    held = g.get(_AFTER_PAGE) if has_request_context() else None
    if held is None or writing():
        add()
    else:
        held.append(add)


def begin_writing() -> None:
    """In a view marked `audited_read` that has to write after all (the lazy transitions of scenarios.operations,
    `close_if_due` and `finalize_if_due`, call it): end its read-only transaction — what it read reloads when next
    used, so check again what made the write due — so that the next one takes the write lock, and make the records
    held so far in it. Call it before the write; elsewhere it does nothing."""
    held = g.pop(_AFTER_PAGE, None) if has_request_context() else None
    if held is None or writing():
        return
    _start_writing(db.session())
    for add in held:
        add()


def _start_writing(session: Session) -> None:
    if session.in_transaction() and not wrote(session):
        session.rollback()  # nothing written: only the read snapshot ends (on SQLite it could not take the lock)
    write_from_now_on()


@contextmanager
def separate_unit(session: Session | None = None) -> Iterator[Session]:
    """A unit of work outside any request's (after the response, a job): commit at the end, roll back on error."""
    session = session or db.session()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


# --- the request's unit of work --------------------------------------------------------------------

def _finish_request(response):
    session = db.session()
    held = g.pop(_AFTER_PAGE, None)
    if held and response.status_code < 400 and not writing():
        _start_writing(session)
        for add in held:
            add()
    if response.status_code >= 400:
        if wrote(session) or session.info.get(STAGED):
            session.rollback()
        return response
    if wrote(session):
        try:
            session.commit()
        except Exception as error:
            session.rollback()
            # The same handlers as an exception in the view: a logged 500 page (JSON under /api/).
            return current_app.make_response(current_app.handle_user_exception(error))
        g.setdefault(_COMMITTED, True)
    elif session.info.get(STAGED):
        session.rollback()  # files stored for rows that were never written
    if g.pop(_COMMITTED, False):
        _run_after_commit(session)
    return response


def _run_after_commit(session: Session) -> None:
    for callback in current_app.extensions[EXTENSION]:
        try:
            callback()
            if wrote(session):
                session.commit()
        except Exception:
            # The request's own data is committed and its answer stands; what failed here is redone later.
            session.rollback()
            current_app.logger.exception("after-commit work %s failed", getattr(callback, "__name__", callback))


def _roll_back_leftovers(error: BaseException | None) -> None:
    session = db.session()
    if error is not None or wrote(session) or session.info.get(STAGED):
        session.rollback()


# --- tracking writes and staged files on every session ---------------------------------------------

@event.listens_for(Session, "after_flush")
def _remember_flush(session: Session, _flush_context) -> None:
    # A flush can find nothing to write (an attribute set to its own value): count only real changes.
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _remember_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_commit", insert=True)
def _keep_committed_files(session: Session) -> None:
    # Also fired when a savepoint is released; only the outermost commit makes the files the rows'.
    # First of the after_commit listeners, so no other listener's failure can leave committed files staged.
    if not session.in_nested_transaction():
        session.info.pop(STAGED, None)


@event.listens_for(Session, "after_transaction_end")
def _discard_uncommitted_files(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or subtransaction: the outermost transaction decides
    session.info.pop(WROTE, None)
    for cleanup in session.info.pop(STAGED, []):
        try:
            cleanup()
        except Exception:  # a file left behind is swept later (portal/uploads/sweep.py); the rollback must go on
            log.exception("could not discard a file stored for an uncommitted transaction")
