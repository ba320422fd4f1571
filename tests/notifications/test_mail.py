"""E-mail: .eml files in the outbox by default, SMTP when configured, each message once; a failure never
breaks the user's request."""

import smtplib

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.notifications.mail import deliver_pending
from portal.notifications.models import Notification
from tests.factories import read_eml


@pytest.fixture
def recipient(create_user, db):
    user = create_user(Role.ENTERPRISE, email="zhang@ent.example.cn")
    user.name = "张工"
    db.session.commit()
    return user


def statuses(db):
    db.session.expire_all()
    return [n.email_status for n in db.session.scalars(select(Notification).order_by(Notification.id))]


def test_without_smtp_each_message_is_written_once_as_an_eml_file(app, db, outbox, recipient, create_notification):
    assert app.config["MAIL_OUTBOX"].endswith("outbox")
    notification = create_notification(recipient, title="揭榜回执：城市道路病害智能巡检",
                                       body="回执编号 JB-2026-000001。", link="/scenarios/3")

    assert deliver_pending() == 1
    assert deliver_pending() == 0, "a message goes out once"

    (path,) = outbox.glob("*.eml")
    message = read_eml(path)
    assert message["To"].addresses[0].addr_spec == "zhang@ent.example.cn"
    assert message["To"].addresses[0].display_name == "张工"
    assert message["Subject"] == "揭榜回执：城市道路病害智能巡检"
    assert message["From"] and message["Date"] and message["Message-ID"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    text = message.get_content()
    assert "张工，您好" in text and "回执编号 JB-2026-000001。" in text
    assert "https://portal.example.cn/scenarios/3" in text
    assert "https://portal.example.cn/notifications/" in text
    assert b"\r\n" in path.read_bytes(), "RFC 5322 line endings"
    db.session.refresh(notification)
    assert notification.email_status == "sent" and notification.emailed_at is not None


def test_the_outbox_is_in_the_instance_folder_by_default(app):
    from pathlib import Path

    from portal.config import build_config

    assert Path(build_config(Path(app.instance_path))["MAIL_OUTBOX"]) == Path(app.instance_path) / "outbox"


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what a real server would have received."""

    instances: list["FakeSMTP"] = []
    refuse: set[str] = set()
    unreachable = False

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.unreachable:
            raise ConnectionRefusedError(111, "Connection refused")
        self.host, self.port, self.timeout = host, port, timeout
        self.tls = self.login_as = None
        self.sent, self.closed = [], False
        FakeSMTP.instances.append(self)

    def starttls(self, context=None):
        self.tls = context

    def login(self, user, password):
        self.login_as = (user, password)

    def send_message(self, message):
        address = message["To"].addresses[0].addr_spec
        if address in FakeSMTP.refuse:
            raise smtplib.SMTPRecipientsRefused({address: (550, b"no such user")})
        self.sent.append(message)

    def quit(self):
        self.closed = True


@pytest.fixture
def smtp(app, monkeypatch, outbox):
    FakeSMTP.instances, FakeSMTP.refuse, FakeSMTP.unreachable = [], set(), False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.cn", MAIL_PORT=587, MAIL_USE_TLS=True, MAIL_USERNAME="portal",
                      MAIL_PASSWORD="secret", MAIL_FROM="幸会·杭州 <noreply@example.cn>")
    return FakeSMTP


def test_with_smtp_messages_go_through_one_authenticated_tls_connection(app, db, smtp, recipient, create_user,
                                                                          create_notification, outbox):
    other = create_user(Role.ENTERPRISE, email="li@ent.example.cn")
    create_notification(recipient, title="回执一")
    create_notification(other, title="回执二")

    assert deliver_pending() == 2

    (server,) = smtp.instances
    assert (server.host, server.port, server.timeout) == ("smtp.example.cn", 587, 10)
    assert server.tls is not None and server.login_as == ("portal", "secret") and server.closed
    assert [m["Subject"] for m in server.sent] == ["回执一", "回执二"]
    assert [m["To"].addresses[0].addr_spec for m in server.sent] == ["zhang@ent.example.cn", "li@ent.example.cn"]
    assert "noreply@example.cn" in str(server.sent[0]["From"])
    assert not outbox.exists(), "no files when SMTP is configured"
    assert statuses(db) == ["sent", "sent"]


def test_a_refused_message_is_marked_failed_and_the_others_still_go(app, db, smtp, recipient, create_user,
                                                                    create_notification):
    other = create_user(Role.ENTERPRISE, email="li@ent.example.cn")
    create_notification(recipient, title="一")
    create_notification(other, title="二")
    smtp.refuse = {"zhang@ent.example.cn"}

    assert deliver_pending() == 1

    assert statuses(db) == ["failed", "sent"]
    assert deliver_pending() == 0, "a failed message is not retried on every run"


def test_an_unreachable_server_leaves_messages_pending_for_the_next_run(app, db, smtp, recipient,
                                                                        create_notification):
    create_notification(recipient, title="一")
    smtp.unreachable = True

    assert deliver_pending() == 0
    assert statuses(db) == ["pending"]

    smtp.unreachable = False
    assert deliver_pending() == 1
    assert statuses(db) == ["sent"]


def test_no_request_sends_mail_the_delivery_does(app, db, client, login_as, outbox, recipient, create_notification):
    login_as(recipient)
    create_notification(recipient, title="待发送的消息")

    with client.post("/notifications/read-all") as response:
        assert response.status_code == 302
    assert statuses(db) == ["pending"] and not outbox.exists(), "a request leaves e-mail to the worker"

    assert deliver_pending() == 1
    assert statuses(db) == ["sent"]
    assert len(list(outbox.glob("*.eml"))) == 1


def test_a_request_never_talks_to_the_mail_server(app, db, client, login_as, smtp, recipient, create_notification):
    login_as(recipient)
    create_notification(recipient, title="一条消息")
    smtp.unreachable = True

    with client.post("/notifications/read-all", follow_redirects=True) as response:
        assert response.status_code == 200 and "已将 1 条消息标为已读。" in response.text
    assert smtp.instances == [] and statuses(db) == ["pending"]


def test_cli_deliver_mail_flushes_everything_pending(app, db, outbox, recipient, create_notification):
    app.config["MAIL_BATCH_SIZE"] = 2
    for i in range(5):
        create_notification(recipient, title=f"消息{i}")

    result = app.test_cli_runner().invoke(args=["deliver-mail"])

    assert result.exit_code == 0, result.output
    assert "e-mails sent: 5; still pending: 0" in result.output
    assert len(list(outbox.glob("*.eml"))) == 5
