"""Pages that show sealed content once it is open (a department's list of submissions, a submission, the ranking)
record who saw what. The record is written after the page has been drawn, in a short transaction of its own, so
drawing a large list never holds SQLite's write lock (other requests would queue behind it, and time out as
"database is locked"); and a record that cannot be written turns the page into an error page: nothing is shown
without its record."""

from datetime import timedelta

import pytest
from flask import has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.audit import AuditRecord
from portal.scenarios.models import ScenarioState
from portal.web.sqlite import wants_write_lock


@pytest.fixture
def opened(open_scenario, bidder, submit_proposal, frozen_now):
    """A scenario past its deadline with one submission: its department may read it."""
    version = submit_proposal(open_scenario, bidder, title="开标后的方案")
    frozen_now.travel(timedelta(days=4))
    return open_scenario, version


@pytest.fixture
def statements(db):
    seen: list[str] = []

    def remember(_conn, _cursor, statement, _params, _context, _many):
        # With whether the request's transactions then took SQLite's write lock as they began.
        if has_request_context():
            seen.append((" ".join(statement.split()[:3]).upper(), wants_write_lock()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    yield seen
    event.remove(engine, "before_cursor_execute", remember)


def _pages(scenario, version):
    return [f"/manage/scenarios/{scenario.id}/proposals", f"/manage/proposals/{version.proposal_id}"]


def test_each_page_is_drawn_before_its_record_is_written(client, db, login_as, department, opened, statements):
    scenario, version = opened
    login_as(department)
    client.get(_pages(scenario, version)[0])  # the first visit records the close the deadline made (below)
    for path in _pages(scenario, version):
        statements.clear()
        response = client.get(path)
        assert response.status_code == 200 and "开标后的方案" in response.text
        assert any(s.startswith("INSERT INTO AUDIT_RECORDS") for s, _locked in statements), f"{path}: no record"
        # The page is read without the write lock; the lock is taken once it is drawn, for the record only.
        first_locked = next(i for i, (_s, locked) in enumerate(statements) if locked)
        assert first_locked > 0 and all(locked for _s, locked in statements[first_locked:]), (path, statements)
        assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s, _ in statements[:first_locked]), path
        assert len(statements) - first_locked <= 8, (path, statements[first_locked:])
    reads = db.session.scalars(select(AuditRecord.details).where(AuditRecord.action == "proposal.read")).all()
    assert {"what": "list", "proposals": [version.proposal_id]} in reads and {"what": "version:1"} in reads


def test_a_record_that_cannot_be_written_withholds_the_page(client, db, login_as, department, opened):
    scenario, version = opened
    login_as(department)

    def refuse(session, _flush_context, _instances):
        if any(isinstance(row, AuditRecord) for row in session.new):
            raise RuntimeError("the audit log cannot be written")

    event.listen(Session, "before_flush", refuse)
    try:
        for path in _pages(scenario, version):
            response = client.get(path)
            assert response.status_code == 500, path
            assert "开标后的方案" not in response.text
    finally:
        event.remove(Session, "before_flush", refuse)
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "proposal.read")) is None


@pytest.mark.parametrize("page", ["proposals", "review", "ranking"])
def test_a_close_the_deadline_made_true_is_recorded_with_the_lock_taken_first(client, db, login_as, department,
                                                                            opened, statements, page):
    """The department's pages of a scenario record the close its deadline made true: such a write ends the page's
    read-only transaction first, so on SQLite it never tries to write from a read (a "database is locked" 500
    as soon as another process has written)."""
    scenario, _version = opened
    assert scenario.state == ScenarioState.PUBLISHED  # nothing has recorded the close yet
    login_as(department)
    statements.clear()
    assert client.get(f"/manage/scenarios/{scenario.id}/{page}").status_code < 500
    unlocked = [s for s, locked in statements if s.startswith(("INSERT", "UPDATE", "DELETE")) and not locked]
    assert unlocked == []
    db.session.expire_all()
    assert scenario.state == ScenarioState.CLOSED
    assert "scenario.close" in db.session.scalars(select(AuditRecord.action)).all()
