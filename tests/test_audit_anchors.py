"""The audit chain cannot be rewritten end to end: digests are HMACs with a key outside the database, and the
chain's head is anchored outside it at least daily (a file and an e-mail to the admins), so `flask audit-verify`
finds every edit, deletion, insertion and reordering at every position, even by someone holding the key, and a
chain cut off at its end."""

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import audit
from portal.accounts.models import Role
from portal.audit import AuditRecord, anchors
from portal.audit.chain import GENESIS, HMAC_SHA256, SHA256, record_digest
from portal.notifications.models import Notification
from portal.util import clock
from tests.factories import mails

# An anchor reads the chain head in a session of its own, after the request's commit.
pytestmark = pytest.mark.real_commits

N = 5  # records in the anchored chain the attacks start from


def write(db, count=1, action="scenario.update", **details):
    entries = [audit.record(None, action, None, n=n, **details) for n in range(count)]
    db.session.commit()
    return entries


def records(db):
    return db.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def anchor_lines(app):
    folder = Path(app.config["AUDIT_ANCHOR_DIR"])
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()]


def key_of(app):
    return app.config["AUDIT_KEY"].encode()


@pytest.fixture
def anchored(app, db, frozen_now):
    """N records in three transactions, then `flask audit-anchor`."""
    write(db, 2)
    write(db, 1, note="第二个请求")
    write(db, 2, by="deadline")
    result = run(app, "audit-anchor")
    assert result.exit_code == 0, result.output
    assert audit.verify(db.session).ok
    return records(db)


# --- anchors are written ----------------------------------------------------------------------------------


def test_the_anchor_command_writes_the_head_to_a_file_and_mails_it_to_every_active_admin(
        app, db, create_user, outbox, frozen_now):
    admins = [create_user(Role.ADMIN, email=f"admin{n}@portal.cn") for n in range(2)]
    create_user(Role.ADMIN, email="gone@portal.cn", active=False)
    create_user(Role.GOVERNMENT, email="dept@hz.gov.cn")
    write(db, 3)
    head = records(db)[-1]

    result = run(app, "audit-anchor")

    assert result.exit_code == 0, result.output
    assert f"anchored audit chain position 3, digest {head.digest}" in result.output
    (line,) = anchor_lines(app)
    assert (line["seq"], line["digest"], line["at"], line["hmac_from"]) == (3, head.digest,
                                                                            "2026-03-02T02:00:00.000000Z", 1)
    assert (Path(app.config["AUDIT_ANCHOR_DIR"]) / "2026-03-02.jsonl").exists()
    sent = mails(outbox)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == sorted(a.email for a in admins)
    assert all(head.digest in m.get_content() and "第 3 条记录" in m["Subject"] for m in sent)
    verified = run(app, "audit-verify")
    assert verified.exit_code == 0 and "1 anchors in" in verified.output


def test_an_anchor_from_the_mail_put_back_in_the_folder_is_the_same_anchor(app, db, create_user, outbox,
                                                                           frozen_now):
    create_user(Role.ADMIN)
    write(db, 2)
    run(app, "audit-anchor")
    mailed = mails(outbox)[0].get_content()
    line = next(text for text in mailed.splitlines() if text.startswith("{"))
    assert json.loads(line) == anchor_lines(app)[0]


def test_committing_a_record_anchors_the_chain_when_the_newest_anchor_is_a_day_old(app, db, create_user,
                                                                                   frozen_now):
    app.config["AUDIT_ANCHOR_AUTO"] = True
    admin = create_user(Role.ADMIN)
    write(db, 2)
    assert [(a["seq"]) for a in anchor_lines(app)] == [2]  # no anchor yet: the first commit writes one
    frozen_now.set_now(clock.now() + timedelta(hours=23, minutes=59))
    write(db, 1)
    assert len(anchor_lines(app)) == 1
    frozen_now.set_now(clock.now() + timedelta(minutes=1))
    write(db, 1)
    lines = anchor_lines(app)
    assert [a["seq"] for a in lines] == [2, 4]
    assert lines[1]["digest"] == records(db)[-1].digest
    inbox = db.session.scalars(select(Notification).where(Notification.user_id == admin.id)).all()
    assert [n.kind for n in inbox] == ["audit_anchor", "audit_anchor"] and inbox[1].email_status == "pending"
    assert audit.verify(db.session).ok and audit.verify(db.session).anchors == 2


def test_a_savepoint_inside_the_transaction_neither_seals_nor_anchors_what_is_not_yet_committed(
        app, db, create_user, frozen_now):
    # A savepoint's release is not a commit: an anchor written there could name a head that is then rolled
    # back (a false alarm in audit-verify), and on SQLite its own session waits for the lock this one holds.
    app.config["AUDIT_ANCHOR_AUTO"] = True
    create_user(Role.ADMIN)
    audit.record(None, "scenario.update", None, n=0)
    with db.session.begin_nested():
        audit.record(None, "scenario.update", None, n=1)
    assert anchor_lines(app) == []
    assert [r.seq for r in records(db)] == [None, None]
    db.session.rollback()

    assert records(db) == [] and anchor_lines(app) == []
    write(db, 1)
    assert [a["seq"] for a in anchor_lines(app)] == [1]
    assert audit.verify(db.session).ok


def test_a_day_without_audited_commits_is_caught_up_by_the_command(app, db, frozen_now):
    app.config["AUDIT_ANCHOR_AUTO"] = True
    write(db, 1)
    for _day in range(3):
        frozen_now.set_now(clock.now() + timedelta(days=1))
        run(app, "audit-anchor")
    assert [a["at"][:10] for a in anchor_lines(app)] == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    assert sorted(p.name for p in Path(app.config["AUDIT_ANCHOR_DIR"]).iterdir()) == [
        "2026-03-02.jsonl", "2026-03-03.jsonl", "2026-03-04.jsonl", "2026-03-05.jsonl"]


def test_an_anchor_that_cannot_be_written_never_fails_the_request_and_is_retried_an_hour_later(
        app, db, client, login_as, create_user, create_org, frozen_now, caplog, tmp_path):
    app.config["AUDIT_ANCHOR_AUTO"] = True
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the anchor folder should be")
    app.config["AUDIT_ANCHOR_DIR"] = str(blocked)
    login_as(create_user(Role.ADMIN))
    org = create_org(verified=False)

    with caplog.at_level(logging.ERROR):
        response = client.post(f"/admin/enterprises/{org.id}/verify")
        write(db, 1)  # within the hour: not tried again

    assert response.status_code == 302
    assert [r.action for r in records(db)] == ["enterprise.verify", "scenario.update"]
    assert [r.getMessage() for r in caplog.records].count(f"audit anchor not written (next try in an hour): "
                                                          f"{blocked}") == 1
    blocked.unlink()  # the operator fixes the folder
    frozen_now.set_now(clock.now() + timedelta(hours=1))
    write(db, 1)
    assert [a["seq"] for a in anchor_lines(app)] == [3]


def test_the_anchor_command_fails_clearly_when_the_folder_cannot_be_written(app, db, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    app.config["AUDIT_ANCHOR_DIR"] = str(blocked)
    write(db, 1)
    result = run(app, "audit-anchor")
    assert result.exit_code == 1 and f"anchor not written to {blocked}" in result.output


def test_the_admin_page_says_when_the_chain_was_last_anchored(app, db, client, login_as, create_user, frozen_now):
    login_as(create_user(Role.ADMIN))
    write(db, 1)
    assert "审计链超过一天没有锚定" in client.get("/admin/audit").text
    run(app, "audit-anchor")
    page = client.get("/admin/audit").text
    assert "审计链超过一天没有锚定" not in page and "2026-03-02 10:00" in page


# --- attacks on the anchored chain, at every position ---------------------------------------------------------


def rechain(db, chain, start, key=None, scheme=HMAC_SHA256):
    """What someone who can write the database does after a change: renumber and recompute every digest from
    position `start` on, as HMACs with `key` or as plain SHA-256."""
    previous = chain[start - 2].digest if start > 1 else GENESIS
    for seq, row in enumerate(chain[start - 1:], start=start):
        row.seq = -seq  # out of the way of the unique constraint while moving
    db.session.flush()
    for seq, row in enumerate(chain[start - 1:], start=start):
        row.seq, row.prev_digest, row.digest_scheme = seq, previous, scheme
        row.digest = previous = record_digest(row, key)
    db.session.commit()


def edit(db, chain, position):
    chain[position - 1].details = {"n": 99, "note": "改过的"}
    return list(chain)


def attack_edit(db, chain, p, key):
    edit(db, chain, p)
    db.session.commit()
    return p, "fields differ from the digest"


def attack_edit_and_recompute_all_with_the_key(db, chain, p, key):
    rechain(db, edit(db, chain, p), p, key)
    return N, "differs from the one anchored"


def attack_edit_and_recompute_all_as_plain_sha256(db, chain, p, key):
    rechain(db, edit(db, chain, p), p, scheme=SHA256)
    return p, "claims a plain SHA-256 digest"


def attack_edit_and_recompute_all_with_a_guessed_key(db, chain, p, key):
    rechain(db, edit(db, chain, p), p, b"guessed")
    return p, "fields differ from the digest"


def attack_delete_the_tail(db, chain, p, key):
    for row in chain[p - 1:]:
        db.session.delete(row)
    db.session.commit()
    return None, f"TRUNCATED: the chain ends at position {p - 1} but the anchor"


def attack_delete_one(db, chain, p, key):
    db.session.delete(chain[p - 1])
    db.session.commit()
    return (p + 1, f"where {p} was expected") if p < N else (None, "TRUNCATED")


def attack_delete_one_and_recompute_the_rest_with_the_key(db, chain, p, key):
    db.session.delete(chain[p - 1])
    db.session.flush()
    rest = chain[:p - 1] + chain[p:]
    if p < N:
        rechain(db, rest, p, key)
    db.session.commit()
    return None, f"TRUNCATED: the chain ends at position {N - 1}"


def attack_insert_and_recompute_the_rest_with_the_key(db, chain, p, key):
    forged = AuditRecord(created_at=chain[p - 1].created_at, action="scenario.update", object_type="",
                         details={"n": 7}, digest_scheme=HMAC_SHA256)
    db.session.add(forged)
    db.session.flush()
    rechain(db, chain[:p - 1] + [forged] + chain[p - 1:], p, key)
    return N, "differs from the one anchored"


def attack_swap_with_the_next_and_recompute_with_the_key(db, chain, p, key):
    if p == N:
        pytest.skip("the last record has no next one")
    swapped = list(chain)
    swapped[p - 1], swapped[p] = swapped[p], swapped[p - 1]
    rechain(db, swapped, p, key)
    return N, "differs from the one anchored"


def attack_swap_with_the_next(db, chain, p, key):
    if p == N:
        pytest.skip("the last record has no next one")
    first, second = chain[p - 1], chain[p]
    first.seq, second.seq = -1, -2
    db.session.flush()
    first.seq, second.seq = p + 1, p
    db.session.commit()
    return p, "prev_digest"


ATTACKS = [attack_edit, attack_edit_and_recompute_all_with_the_key, attack_edit_and_recompute_all_as_plain_sha256,
           attack_edit_and_recompute_all_with_a_guessed_key, attack_delete_the_tail, attack_delete_one,
           attack_delete_one_and_recompute_the_rest_with_the_key, attack_insert_and_recompute_the_rest_with_the_key,
           attack_swap_with_the_next_and_recompute_with_the_key, attack_swap_with_the_next]


@pytest.mark.parametrize("position", range(1, N + 1))
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.__name__.removeprefix("attack_"))
def test_every_rewrite_at_every_position_fails_verification_with_the_reason(app, db, anchored, attack, position):
    at_seq, reason = attack(db, anchored, position, key_of(app))
    db.session.expire_all()

    report = audit.verify(db.session)
    result = run(app, "audit-verify")

    assert not report.ok and result.exit_code == 1
    assert reason in report.broken.problem and reason in result.output
    if at_seq is not None:
        assert report.broken.seq == at_seq


def test_a_wrong_audit_key_is_named_as_the_cause(app, db, anchored):
    app.config["AUDIT_KEY"] = "not-the-key"
    result = run(app, "audit-verify")
    assert result.exit_code == 1
    assert "none of the 1 anchors verifies with this AUDIT_KEY" in result.output


def test_without_anchors_a_wrong_key_fails_at_the_first_hmac_digest(app, db):
    write(db, 3)
    app.config["AUDIT_KEY"] = "not-the-key"
    broken = audit.verify(db.session).broken
    assert broken.seq == 1 and "AUDIT_KEY is not its key" in broken.problem


@pytest.mark.parametrize("field", ["seq", "digest", "at", "hmac_from"])
def test_a_changed_anchor_fails_its_hmac(app, db, anchored, frozen_now, field):
    frozen_now.set_now(clock.now() + timedelta(days=1))
    write(db, 1)
    run(app, "audit-anchor")  # a second, genuine anchor
    path = sorted(Path(app.config["AUDIT_ANCHOR_DIR"]).glob("*.jsonl"))[0]
    line = json.loads(path.read_text())
    line[field] = {"seq": 4, "digest": "f" * 64, "at": "2026-03-01T00:00:00.000000Z", "hmac_from": 2}[field]
    path.write_text(json.dumps(line) + "\n")
    result = run(app, "audit-verify")
    assert result.exit_code == 1 and f"anchor {path.name}:1 fails its HMAC" in result.output


def test_an_unreadable_anchor_line_is_a_break(app, db, anchored):
    path = next(Path(app.config["AUDIT_ANCHOR_DIR"]).glob("*.jsonl"))
    path.write_text(path.read_text() + "{not json\n")
    result = run(app, "audit-verify")
    assert result.exit_code == 1 and f"anchor {path.name}:2 cannot be read" in result.output


def test_records_after_the_switch_cannot_claim_the_old_scheme_even_without_anchors(app, db):
    write(db, 4)
    chain = records(db)
    rechain(db, chain, 3, scheme=SHA256)
    broken = audit.verify(db.session).broken
    assert broken.seq == 3 and "after the chain switched to HMAC digests at position 1" in broken.problem


def test_a_chain_rewritten_entirely_as_plain_sha256_contradicts_its_anchor(app, db, anchored):
    rechain(db, anchored, 1, scheme=SHA256)
    broken = audit.verify(db.session).broken
    assert broken.seq == 1 and "the anchors record HMAC digests from position 1" in broken.problem


def test_records_written_before_the_switch_keep_verifying_as_plain_sha256(app, db):
    write(db, 3)
    chain = records(db)
    rechain(db, chain, 1, scheme=SHA256)  # as migration 0006 left them
    write(db, 2)
    chain = records(db)
    assert [r.digest_scheme for r in chain] == [SHA256] * 3 + [HMAC_SHA256] * 2
    report = audit.verify(db.session)
    assert report.ok and report.count == 5 and report.switch == 4
    run(app, "audit-anchor")
    assert anchor_lines(app)[0]["hmac_from"] == 4 and audit.verify(db.session).ok


def test_anchors_folder_reading_ignores_blank_lines(app, db, anchored):
    path = next(Path(app.config["AUDIT_ANCHOR_DIR"]).glob("*.jsonl"))
    path.write_text("\n" + path.read_text() + "\n\n")
    assert audit.verify(db.session).ok
    assert anchors.read_anchors(path.parent).unreadable == []
