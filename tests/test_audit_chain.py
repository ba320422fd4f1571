"""The audit log is a hash chain: `flask audit-verify` finds any edit, deletion or reordering at the record where
it happened, concurrent writers never fork it, and every read of sealed proposal content is in it."""

import json
import os
import threading
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text, update

from portal import audit, create_app
from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.audit.chain import GENESIS
from portal.extensions import db as _db
from portal.util import clock
from tests.reviews import helpers
from tests.scratch_db import scratch_postgres


def write(actor=None, count=1, action="scenario.update", **details):
    """Commit `count` audit records in one transaction, as an operation would."""
    entries = [audit.record(actor, action, None, n=n, **details) for n in range(count)]
    _db.session.commit()
    return [e.id for e in entries]


def records():
    return _db.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()


def verify_cli(app):
    return app.test_cli_runner().invoke(args=["audit-verify"])


@pytest.fixture
def five(db, create_user):
    """Five records written by three transactions, the way a day's requests leave them."""
    actor = create_user(Role.GOVERNMENT)
    return write(actor, 2) + write(actor, 1, note="说明：第二个请求") + write(None, 2, by="deadline")


def test_an_untouched_chain_verifies_and_reports_its_length_and_head(app, five):
    chain = records()
    assert [r.seq for r in chain] == [1, 2, 3, 4, 5]
    assert [r.id for r in chain] == five
    assert chain[0].prev_digest == GENESIS
    assert all(later.prev_digest == earlier.digest for earlier, later in zip(chain, chain[1:], strict=False))
    result = verify_cli(app)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"OK: 5 audit records, chain head {chain[-1].digest}"


@pytest.mark.parametrize(("field", "value"), [
    ("action", "proposal.withdraw"),
    ("details", {"n": 0, "note": "说明：改过的"}),
    ("actor_id", None),
    ("object_id", 99),
    ("ip", "10.0.0.66"),
])
def test_editing_a_field_is_reported_at_the_edited_record(app, db, five, field, value):
    target = db.session.get(AuditRecord, five[2])
    setattr(target, field, value)
    db.session.commit()
    result = verify_cli(app)
    assert result.exit_code == 1
    assert f"BROKEN at audit record {five[2]} (chain position 3): fields differ from the digest" in result.output
    assert "2 records before it verify." in result.output


def test_moving_a_record_in_time_is_reported(app, db, five):
    target = db.session.get(AuditRecord, five[1])
    target.created_at = target.created_at - timedelta(days=1)
    db.session.commit()
    assert audit.verify(db.session).broken.record_id == five[1]


def test_an_edit_with_a_recomputed_digest_is_reported_at_the_next_record(app, db, five):
    from portal.audit.chain import record_digest

    target = db.session.get(AuditRecord, five[2])
    target.action = "proposal.withdraw"
    target.digest = record_digest(target, app.config["AUDIT_KEY"].encode())
    db.session.commit()
    broken = audit.verify(db.session).broken
    assert (broken.record_id, broken.seq) == (five[3], 4)
    assert "prev_digest" in broken.problem


def test_a_deleted_record_is_reported_at_the_record_after_it(app, db, five):
    db.session.delete(db.session.get(AuditRecord, five[2]))
    db.session.commit()
    result = verify_cli(app)
    assert result.exit_code == 1
    assert f"BROKEN at audit record {five[3]} (chain position 4): chain position 4 where 3 was expected" \
        in result.output


def test_reordered_records_are_reported_at_the_first_one_out_of_place(app, db, five):
    second, third = five[1], five[2]
    table = AuditRecord.__table__
    db.session.execute(update(table).where(table.c.id == second).values(seq=-2))
    db.session.execute(update(table).where(table.c.id == third).values(seq=2))
    db.session.execute(update(table).where(table.c.id == second).values(seq=3))
    db.session.commit()
    broken = audit.verify(db.session).broken
    assert (broken.record_id, broken.seq) == (third, 2)


def test_swapped_ids_are_reported(app, db, five):
    table = AuditRecord.__table__
    db.session.execute(update(table).where(table.c.id == five[3]).values(id=-1))
    db.session.execute(update(table).where(table.c.id == five[4]).values(id=five[3]))
    db.session.execute(update(table).where(table.c.id == -1).values(id=five[4]))
    db.session.commit()
    assert audit.verify(db.session).broken.seq == 4


def test_a_record_slipped_in_outside_the_chain_is_reported(app, db, five):
    db.session.execute(AuditRecord.__table__.insert().values(
        created_at=clock.now(), action="proposal.read", object_type="Proposal", object_id=1, details={}))
    db.session.commit()
    report = audit.verify(db.session)
    assert report.count == 5
    assert "not in the chain" in report.broken.problem


def test_rolled_back_records_take_no_place_in_the_chain(app, db, five):
    audit.record(None, "scenario.update")
    db.session.flush()
    db.session.rollback()
    kept = audit.record(None, "scenario.publish")
    with db.session.begin_nested() as savepoint:
        audit.record(None, "scenario.cancel")
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    chain = records()
    assert [r.action for r in chain][-1:] == ["scenario.publish"] and chain[-1].id == kept.id
    assert audit.verify(db.session).ok and audit.verify(db.session).count == 6


def test_details_are_hashed_as_stored(app, db):
    # Tuples come back from the JSON column as lists and integer keys as strings.
    audit.record(None, "review.assign", None, reviewers=(3, 4), scores={1: "9.5"}, when=clock.now())
    db.session.commit()
    db.session.expire_all()
    assert audit.verify(db.session).ok


@pytest.mark.real_commits  # threads, each on a connection of its own
def test_concurrent_writers_leave_one_unbroken_chain(app, db):
    threads, per_thread, failures = 6, 8, []
    start = threading.Barrier(threads)

    def writer(n):
        try:
            with app.app_context():
                start.wait()
                for i in range(per_thread):
                    write(None, 1 + i % 2, action="proposal.submit", writer=n)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            failures.append(repr(error))

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert failures == []
    db.session.expire_all()
    expected = threads * per_thread * 3 // 2
    assert db.session.scalar(select(func.count()).select_from(AuditRecord)) == expected
    report = audit.verify(db.session)
    assert report.ok, report.broken
    assert report.count == expected


# --- sealed-content reads ----------------------------------------------------------------------------------


@pytest.fixture
def opened(frozen_now, create_user, create_scenario, submit_proposal, stored_file):
    """A scenario past its deadline with two proposals, the first with a PDF attachment."""
    bidders = [create_user(Role.ENTERPRISE) for _ in range(2)]
    scenario, versions = helpers.closed_scenario(
        create_scenario, submit_proposal, bidders,
        files_for=lambda b: [stored_file()] if b is bidders[0] else [])
    return scenario, [v.proposal for v in versions]


def reads_by(user):
    return _db.session.scalars(select(AuditRecord).where(AuditRecord.action == "proposal.read",
                                                         AuditRecord.actor_id == user.id)
                               .order_by(AuditRecord.seq)).all()


def test_a_departments_reads_of_opened_proposals_are_chained_in_the_log(app, client, login_as, opened):
    scenario, proposals = opened
    department = login_as(helpers.department_of(scenario))
    attachment = proposals[0].latest_version.attachments[0]
    for path in (f"/manage/scenarios/{scenario.id}/proposals", f"/manage/proposals/{proposals[1].id}",
                 f"/attachments/{attachment.id}"):
        response = client.get(path)
        response.close()
        assert response.status_code == 200, path
    reads = reads_by(department)
    assert [(r.object_type, r.object_id, r.details["what"]) for r in reads] == [
        ("Scenario", scenario.id, "list"), ("Proposal", proposals[1].id, "version:1"),
        ("Proposal", proposals[0].id, f"attachment:{attachment.id}")]
    assert sorted(reads[0].details["proposals"]) == sorted(p.id for p in proposals)
    assert all(r.seq and r.digest and r.ip == "127.0.0.1" for r in reads)
    assert audit.verify(_db.session).ok


def test_a_reviewers_reads_and_a_departments_exports_are_chained_in_the_log(app, client, login_as, opened,
                                                                            create_user):
    scenario, proposals = opened
    reviewer = create_user(Role.REVIEWER)
    helpers.assign(scenario, [reviewer], proposals[:1])
    review = helpers.review_of(scenario, reviewer, proposals[0])
    login_as(reviewer)
    client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "no"})
    assert client.get(f"/reviewing/reviews/{review.id}").status_code == 200
    download = client.get(f"/reviewing/reviews/{review.id}/attachments/1")
    download.close()
    assert download.status_code == 200
    attachment = proposals[0].latest_version.attachments[0]
    assert [r.details["what"] for r in reads_by(reviewer)] == [f"review:{review.id}", f"attachment:{attachment.id}"]

    department = login_as(helpers.department_of(scenario))
    assert client.get(f"/manage/scenarios/{scenario.id}/ranking/scores.csv").status_code == 200
    export = _db.session.scalar(select(AuditRecord).where(AuditRecord.action == "review.export"))
    assert (export.actor_id, export.object_id, export.details) == (department.id, scenario.id,
                                                                   {"kind": "scores", "format": "csv"})
    assert audit.verify(_db.session).ok


def test_before_the_deadline_the_department_reads_nothing_sealed_and_nothing_is_logged(
        app, client, login_as, frozen_now, create_user, create_scenario, submit_proposal):
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(days=2))
    proposal = submit_proposal(scenario, create_user(Role.ENTERPRISE)).proposal
    department = login_as(helpers.department_of(scenario))
    assert client.get(f"/manage/scenarios/{scenario.id}/proposals").status_code == 200
    assert client.get(f"/manage/proposals/{proposal.id}").status_code in (403, 404)
    assert reads_by(department) == []


# --- upgrading a database that already has a log -------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgraded.sqlite'}"
        return
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if not pg_url:
        pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL to run the suite on PostgreSQL too")
    with scratch_postgres(pg_url, "portal_audit") as url:
        yield url


def test_upgrading_chains_the_existing_log_in_order(scratch_url, tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision="0005")
        moments = ["2026-03-02 02:00:00.123456", "2026-03-02 02:00:00", "2026-03-01 23:59:59.5"]
        for n, moment in enumerate(moments):
            _db.session.execute(text(
                "INSERT INTO audit_records (created_at, action, object_type, object_id, details, ip) "
                "VALUES (:at, 'scenario.update', 'Scenario', :n, :details, '127.0.0.1')"),
                {"at": moment + ("+00:00" if _db.engine.dialect.name == "postgresql" else ""), "n": n,
                 "details": json.dumps({"fields": ["title", "预算"], "n": n}, ensure_ascii=False)})
        _db.session.commit()
        upgrade()
        try:
            assert [r.seq for r in _db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))] == [1, 2, 3]
            assert verify_cli(app).output.startswith("OK: 3 audit records")
            write(None, 1)
            assert audit.verify(_db.session).count == 4
            _db.session.execute(text("UPDATE audit_records SET details = '{}' WHERE seq = 2"))
            _db.session.commit()
            assert audit.verify(_db.session).broken.seq == 2
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_the_admin_audit_page_shows_the_chain_head_and_warns_of_records_outside_it(app, db, client, login_as,
                                                                                   create_user, five):
    login_as(create_user(Role.ADMIN))
    head = records()[-1].digest
    page = client.get("/admin/audit").text
    assert "审计链：5 条记录已入链" in page and head[:16] in page
    assert "不在链中" not in page
    db.session.execute(update(AuditRecord.__table__).where(AuditRecord.id == five[4]).values(seq=None))
    db.session.commit()
    assert "有 1 条审计记录不在链中" in client.get("/admin/audit").text
