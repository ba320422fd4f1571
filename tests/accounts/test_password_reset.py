"""Forgotten passwords: a request that reveals nothing, an e-mailed link that works once and expires."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from portal.accounts import reset_mail, reset_tokens
from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.notifications.models import Notification
from tests.factories import PASSWORD, form_values, mails, sign_in

EMAIL = "sunli@example.cn"
UNKNOWN = "nobody@example.cn"
NEW = "Qiantang#river26"
SAME_ANSWER = "如果该邮箱已注册，我们已发送重置密码的邮件"


@pytest.fixture
def user(create_user):
    return create_user(email=EMAIL)


def request_reset(client, address=EMAIL):
    return client.post("/password/forgot", data={"email": address}, follow_redirects=True)


def emailed_link(outbox) -> str:
    (message,) = mails(outbox)
    text = message.get_content()
    (link,) = re.findall(r"https://portal\.example\.cn(/password/reset/\S+)", text)
    return link


def set_password(client, new=NEW, confirm=None):
    return client.post("/password/reset", data={"new": new, "confirm": new if confirm is None else confirm})


def audit_actions(db):
    return db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()


def test_the_login_page_offers_a_way_back_in(client):
    page = client.get("/login").text

    assert "忘记密码？" in page and 'href="/password/forgot"' in page


def test_a_request_reads_the_same_for_known_and_unknown_addresses(client, outbox, user):
    known = request_reset(client, EMAIL)
    unknown = request_reset(client, UNKNOWN)

    assert SAME_ANSWER in known.text
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    (message,) = mails(outbox)
    assert message["To"].addresses[0].addr_spec == EMAIL


def test_the_email_link_sets_a_new_password_once(app, client, db, outbox, user):
    request_reset(client)
    link = emailed_link(outbox)
    assert "30 分钟" in mails(outbox)[0].get_content()

    opened = client.get(link)
    assert opened.status_code == 302 and opened.location == "/password/reset"  # the token leaves the address bar
    form = client.get("/password/reset")
    assert form.status_code == 200 and EMAIL in form.text

    done = set_password(client)

    assert done.status_code == 302 and done.location == "/login"
    assert "密码已重置" in client.get("/login").text
    fresh = app.test_client()
    assert "邮箱或密码不正确。" in sign_in(fresh, EMAIL, PASSWORD).text
    assert sign_in(fresh, EMAIL, NEW).status_code == 302
    assert audit_actions(db)[:2] == ["password.reset_request", "password.reset"]

    client.get(link)
    again = client.get("/password/reset")
    assert again.status_code == 400
    assert "该链接已经用过" in again.text


def test_a_reset_ends_every_session_of_the_account(app, client, outbox, user):
    signed_in = app.test_client()
    sign_in(signed_in, EMAIL)
    remembered = app.test_client()
    sign_in(remembered, EMAIL, remember="y")
    request_reset(client)
    client.get(emailed_link(outbox))

    set_password(client)

    assert signed_in.get("/account").status_code == 302
    remembered.delete_cookie("session")
    assert remembered.get("/account").status_code == 302


def test_the_link_expires_after_thirty_minutes(client, outbox, user, frozen_now):
    request_reset(client)
    link = emailed_link(outbox)
    frozen_now.travel(timedelta(minutes=31))

    client.get(link)
    response = client.get("/password/reset")

    assert response.status_code == 400
    assert "重置密码的链接已过期（有效期 30 分钟），请重新申请。" in response.text
    assert 'href="/password/forgot"' in response.text


def test_the_link_still_works_just_before_it_expires(client, outbox, user, frozen_now):
    request_reset(client)
    link = emailed_link(outbox)
    frozen_now.travel(timedelta(minutes=29))

    client.get(link)

    assert set_password(client).location == "/login"


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
    lambda token: token[: len(token) // 2],
    lambda token: "not-a-token",
    lambda token: "A" * 5000,
    lambda token: token + "%01",  # (a NUL anywhere in an address is not found: tests/test_security.py)
    lambda token: "重置密码",
], ids=["bad-signature", "truncated", "garbage", "oversized", "control-character", "unicode"])
def test_a_forged_or_damaged_link_gets_a_clear_message(client, outbox, user, mangle):
    request_reset(client)
    token = emailed_link(outbox).rsplit("/", 1)[1]

    client.get(f"/password/reset/{mangle(token)}")
    response = client.get("/password/reset")

    assert response.status_code == 400
    assert "重置密码的链接无效" in response.text
    assert set_password(client).status_code == 302  # nothing left to use: back to the request page


def test_a_token_signed_with_another_key_is_refused(app, client, user):
    app.config["SECRET_KEY"] = "another-portal"
    token = reset_tokens.issue(user)
    app.config["SECRET_KEY"] = "test-secret"

    client.get(f"/password/reset/{token}")

    assert "重置密码的链接无效" in client.get("/password/reset").text


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(client, db, outbox, user):
    request_reset(client)
    client.get(emailed_link(outbox))

    weak = set_password(client, new="a123456789")
    mistyped = set_password(client, confirm="Qiantang#river27")

    assert weak.status_code == 200 and "密码过于常见或简单" in weak.text
    assert "两次输入的密码不一致。" in mistyped.text
    assert form_values(mistyped.text)["new"] == ""
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert set_password(client).location == "/login"


def test_changing_the_password_voids_links_sent_before(client, outbox, user):
    request_reset(client)
    link = emailed_link(outbox)
    sign_in(client, EMAIL)
    client.post("/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW})

    client.get(link)

    assert "该链接已经用过" in client.get("/password/reset").text


def test_a_second_request_leaves_both_links_working_until_one_is_used(client, outbox, user):
    request_reset(client)
    request_reset(client)
    first, second = [re.search(r"/password/reset/\S+", m.get_content()).group(0) for m in mails(outbox)]

    client.get(second)
    set_password(client)
    client.get(first)

    assert "该链接已经用过" in client.get("/password/reset").text


def test_a_deactivated_account_gets_the_same_answer_and_no_email(client, create_user, outbox):
    create_user(email=EMAIL, active=False)

    response = request_reset(client)

    assert SAME_ANSWER in response.text
    assert mails(outbox) == []


def test_the_reset_page_without_a_link_points_to_the_request_form(client):
    response = client.get("/password/reset", follow_redirects=True)

    assert response.request.path == "/password/forgot"
    assert "请先申请重置密码，然后打开邮件中的链接。" in response.text


def test_an_invalid_address_is_refused_with_what_was_typed_kept(client, outbox):
    response = client.post("/password/forgot", data={"email": "not an address"})

    assert response.status_code == 200
    assert "邮箱格式不正确。" in response.text
    assert form_values(response.text)["email"] == "not an address"


def test_the_link_is_never_stored_in_the_inbox(client, db, outbox, user):
    request_reset(client)

    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    token = emailed_link(outbox).rsplit("/", 1)[1]
    assert not any(token in str(r.details) for r in db.session.scalars(select(AuditRecord)))


def test_a_signed_in_user_of_another_account_is_signed_out_by_a_reset(client, create_user, login_as, outbox, user):
    login_as(create_user(Role.REVIEWER))
    request_reset(client)
    client.get(emailed_link(outbox))

    set_password(client)

    assert client.get("/account").status_code == 302


def test_the_whole_reset_works_with_csrf_protection(csrf_app, client, outbox, user):
    page = client.get("/password/forgot")
    client.post("/password/forgot", data={"email": EMAIL, "csrf_token": form_values(page.text)["csrf_token"]}).close()
    client.get(emailed_link(outbox))
    token = form_values(client.get("/password/reset").text)["csrf_token"]

    assert client.post("/password/reset", data={"new": NEW, "confirm": NEW}).status_code == 400
    done = client.post("/password/reset", data={"new": NEW, "confirm": NEW, "csrf_token": token})
    assert done.location == "/login"


def statements_of(client, db, address) -> list[str]:
    statements = []

    def note(_conn, _cursor, statement, _params, _context, _executemany):
        # Savepoints are numbered: the test's transaction turns each commit into a savepoint's release.
        statements.append(re.sub(r"sa_savepoint_\d+", "sa_savepoint", " ".join(statement.split())))

    db.session.expunge_all()  # a real request starts with an empty session
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        request_reset(client, address).close()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return statements


@pytest.mark.parametrize("other", [UNKNOWN, "inactive@example.cn"], ids=["unknown", "deactivated"])
def test_known_and_other_addresses_do_the_same_work(client, db, outbox, create_user, user, monkeypatch, other):
    # Timing differences come from different work; the same statements and the same message-building remove
    # them without a timed test (bench/reset_timing.py prints the figures).
    create_user(email="inactive@example.cn", active=False)
    built = []
    real_build = reset_mail.build_message
    monkeypatch.setattr(reset_mail, "build_message", lambda u, token: built.append(u.email) or real_build(u, token))
    issued = []
    real_issue = reset_tokens.issue
    monkeypatch.setattr(reset_tokens, "issue", lambda u: issued.append(u.email) or real_issue(u))
    statements_of(client, db, EMAIL)  # warm up: the first request of a test also reads the audit chain's head

    known = statements_of(client, db, EMAIL)
    unknown = statements_of(client, db, other)

    assert known == unknown
    assert any(s.startswith("INSERT INTO audit_records") for s in known)
    assert built == issued == [EMAIL, EMAIL, other]
    assert [m["To"].addresses[0].addr_spec for m in mails(outbox)] == [EMAIL, EMAIL]
    records = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "password.reset_request")
                                 .order_by(AuditRecord.id)).all()
    assert [r.details["known"] for r in records] == [True, True, False]
