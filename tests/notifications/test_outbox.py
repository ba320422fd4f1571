"""The mail outbox: account e-mail is stored by the request and sent by delivery, once, its secret body dropped."""

import email
import email.policy
import re
import smtplib
import threading

import pytest
from sqlalchemy import select

from portal.notifications import mail
from portal.notifications.models import Notification, OutboxMessage
from tests.factories import mails
from tests.notifications.test_mail import FakeSMTP

EMAIL = "sunli@example.cn"


@pytest.fixture
def user(create_user):
    return create_user(email=EMAIL)


def request_reset(client, address=EMAIL):
    response = client.post("/password/forgot", data={"email": address})
    assert response.status_code == 302
    response.close()


def rows(db):
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def stored_text(row) -> str:
    if row.message is None:
        return ""
    return email.message_from_bytes(row.message, policy=email.policy.default).get_content()


def test_a_reset_request_stores_its_message_and_writes_no_file_until_delivery(app, client, db, outbox, user):
    request_reset(client)

    assert not outbox.exists(), "no request sends mail"
    (row,) = rows(db)
    assert (row.status, row.kind, row.recipient, row.secret, row.attempts) == ("pending", "password-reset", EMAIL,
                                                                              True, 0)
    assert "/password/reset/" in stored_text(row)

    (message,) = mails(outbox)  # delivers, as the worker would
    assert message["To"].addresses[0].addr_spec == EMAIL
    assert re.search(r"https://portal\.example\.cn/password/reset/\S+", message.get_content())


def test_the_reset_link_is_gone_from_the_database_once_sent_and_its_metadata_stays(app, client, db, outbox, user,
                                                                                   frozen_now):
    request_reset(client)
    (message,) = mails(outbox)
    token = re.search(r"/password/reset/(\S+)", message.get_content()).group(1)

    (row,) = rows(db)
    assert row.status == "sent" and row.message is None
    assert (row.recipient, row.kind, row.attempts, row.sent_at) == (EMAIL, "password-reset", 1, frozen_now.now())
    assert row.subject.startswith("重置密码")
    assert not any(token in stored_text(r) for r in rows(db))
    assert mail.deliver_pending() == 0 and len(mails(outbox)) == 1, "sent once"


def test_a_reset_for_an_unknown_address_is_never_sent(app, client, db, outbox, user):
    request_reset(client, "nobody@example.cn")

    assert mails(outbox) == []
    (row,) = rows(db)
    assert row.status == "skipped" and row.message is None


def test_a_registration_link_is_dropped_once_sent_a_note_to_a_registered_address_is_kept(app, client, db, outbox,
                                                                                         user):
    from tests.accounts.test_registration import registration

    for address in ("new@example.cn", EMAIL):
        client.post("/register", data=registration(email=address)).close()

    assert len(mails(outbox)) == 2
    by_kind = {r.kind: r for r in rows(db)}
    assert by_kind["registration"].status == "sent" and by_kind["registration"].message is None
    assert by_kind["registration-existing"].status == "sent" and by_kind["registration-existing"].message


@pytest.fixture
def smtp(app, monkeypatch, outbox):
    FakeSMTP.instances, FakeSMTP.refuse, FakeSMTP.unreachable = [], set(), False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.cn", MAIL_PORT=25, MAIL_USE_TLS=False, MAIL_USERNAME=None)
    return FakeSMTP


def test_an_unreachable_server_keeps_the_message_and_its_body_pending(app, client, db, smtp, user):
    request_reset(client)
    smtp.unreachable = True

    assert mail.deliver_pending() == 0
    (row,) = rows(db)
    assert row.status == "pending" and row.message and row.attempts == 1

    smtp.unreachable = False
    assert mail.deliver_pending() == 1
    (server,) = smtp.instances
    assert [m["To"].addresses[0].addr_spec for m in server.sent] == [EMAIL]
    assert "/password/reset/" in server.sent[0].get_content()
    (row,) = rows(db)
    assert row.status == "sent" and row.message is None and row.attempts == 2


def test_a_refused_message_is_marked_failed_without_its_secret_and_not_retried(app, client, db, smtp, user):
    request_reset(client)
    smtp.refuse = {EMAIL}

    assert mail.deliver_pending() == 0
    (row,) = rows(db)
    assert row.status == "failed" and row.message is None
    assert mail.deliver_pending() == 0 and rows(db)[0].attempts == 1


def test_account_mail_goes_before_inbox_mail_and_both_count_as_pending(app, client, db, outbox, user,
                                                                      create_notification):
    create_notification(user, title="收件箱消息")
    request_reset(client)
    assert mail.pending_count() == 2

    assert mail.deliver_pending(limit=1) == 1
    assert rows(db)[0].status == "sent"
    assert db.session.scalar(select(Notification.email_status)) == "pending"
    assert mail.deliver_pending() == 1 and mail.pending_count() == 0


def test_the_cli_delivers_the_outbox_too(app, client, db, outbox, user):
    request_reset(client)

    result = app.test_cli_runner().invoke(args=["deliver-mail"])

    assert result.exit_code == 0, result.output
    assert "e-mails sent: 1; still pending: 0" in result.output
    assert len(list(outbox.glob("*.eml"))) == 1


@pytest.mark.real_commits  # two threads, each on a connection of its own
def test_two_deliveries_at_once_send_each_message_once(app, db, outbox, user, monkeypatch):
    from portal.accounts import operations

    for _ in range(3):
        operations.request_password_reset(EMAIL)
    db.session.commit()
    # Both deliveries have read every row as pending before either claims one.
    both_read = threading.Barrier(2, timeout=20)
    real_claim = mail._claim_outbox
    waited = set()

    def claim_after_both_read(ident, secret):
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            both_read.wait()
        return real_claim(ident, secret)

    monkeypatch.setattr(mail, "_claim_outbox", claim_after_both_read)
    sent, errors = {}, []

    def deliver(name):
        try:
            with app.app_context():
                sent[name] = mail.deliver_pending()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sent["a"] + sent["b"] == 3
    assert len(list(outbox.glob("*.eml"))) == 3
    assert all((r.status, r.attempts, r.message) == ("sent", 1, None) for r in rows(db))
