"""Signing in and out through the forms: credentials, refusals, remember me, `next`, and a fresh session."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from tests.factories import PASSWORD, form_values, sign_in

EMAIL = "wangli@example.cn"


def is_signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def actions(db):
    return [r.action for r in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))]


def test_right_credentials_sign_in_and_are_recorded(client, db, create_user):
    user = create_user(email=EMAIL)

    response = sign_in(client, EMAIL)

    assert response.status_code == 302 and response.location == "/"
    assert f"欢迎，{user.name}。" in client.get("/").text
    account = client.get("/account")
    assert account.status_code == 200 and EMAIL in account.text
    assert user.last_login_at is not None
    assert actions(db)[-1] == "login"


def test_the_email_is_matched_whatever_its_case(client, create_user):
    create_user(email=EMAIL)

    sign_in(client, "WangLi@Example.CN")

    assert is_signed_in(client)


@pytest.mark.parametrize(("email", "password"), [(EMAIL, "Wrong#pass2025"), ("nobody@example.cn", PASSWORD)],
                         ids=["wrong-password", "unknown-email"])
def test_a_refused_login_says_only_that_email_or_password_is_wrong(client, db, create_user, email, password):
    create_user(email=EMAIL)

    response = sign_in(client, email, password)

    assert response.status_code == 200
    assert "邮箱或密码不正确。" in response.text
    assert form_values(response.text)["email"] == email
    assert form_values(response.text)["password"] == ""
    assert not is_signed_in(client)
    assert actions(db)[-1] == "login.failed"


def test_wrong_password_and_unknown_email_give_identical_pages(client, create_user):
    create_user(email=EMAIL)

    wrong_password = sign_in(client, EMAIL, "Wrong#pass2025").text
    unknown_email = sign_in(client, "nobody@example.cn", PASSWORD).text

    assert wrong_password.replace(EMAIL, "") == unknown_email.replace("nobody@example.cn", "")


def test_a_deactivated_account_is_told_so_and_stays_out(client, db, create_user):
    create_user(email=EMAIL, active=False)

    response = sign_in(client, EMAIL)

    assert response.status_code == 200
    assert "该账号已停用" in response.text
    assert not is_signed_in(client)
    assert actions(db)[-1] == "login.refused"


def test_a_deactivated_account_with_a_wrong_password_learns_nothing_more(client, create_user):
    create_user(email=EMAIL, active=False)

    response = sign_in(client, EMAIL, "Wrong#pass2025")

    assert "邮箱或密码不正确。" in response.text and "停用" not in response.text


def test_a_pending_enterprise_can_sign_in_and_sees_it_is_awaiting_verification(client, create_user):
    create_user(Role.ENTERPRISE, verified=False, email=EMAIL)

    sign_in(client, EMAIL)

    page = client.get("/account")
    assert page.status_code == 200
    assert "贵单位的注册信息正在等待平台管理员审核" in page.text
    assert "待审核" in page.text


def test_remember_me_keeps_the_user_signed_in_after_the_browser_session_ends(client, create_user):
    create_user(email=EMAIL)

    sign_in(client, EMAIL, remember="y")

    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    assert is_signed_in(client)


def test_without_remember_me_closing_the_browser_signs_out(client, create_user):
    create_user(email=EMAIL)

    sign_in(client, EMAIL)

    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert not is_signed_in(client)


@pytest.mark.parametrize(("next_url", "landing"), [
    ("/scenarios?sector=security", "/scenarios?sector=security"),
    ("/account", "/account"),
    ("https://evil.example.com/phish", "/"),
    ("//evil.example.com/phish", "/"),
    ("/\\evil.example.com", "/"),
    ("http://localhost/account", "/"),
    ("javascript:alert(1)", "/"),
    ("account", "/"),
])
def test_after_login_only_local_paths_are_followed(client, create_user, next_url, landing):
    create_user(email=EMAIL)

    response = sign_in(client, EMAIL, next_url=next_url)

    assert response.status_code == 302
    assert response.location == landing


def test_a_signed_in_user_opening_the_login_page_is_not_sent_off_site(client, create_user, login_as):
    login_as(create_user())

    response = client.get("/login?next=//evil.example.com")

    assert response.status_code == 302 and response.location == "/"


def test_a_protected_page_sends_to_login_and_back(client, create_user):
    create_user(email=EMAIL)

    response = client.get("/account/password")
    assert response.status_code == 302 and response.location.startswith("/login?next=")

    after = sign_in(client, EMAIL, next_url="/account/password")
    assert after.location == "/account/password"


def test_logout_is_not_possible_with_get(client, create_user, login_as):
    login_as(create_user())

    response = client.get("/logout")

    assert response.status_code == 405
    assert "不支持该请求方式" in response.text
    assert is_signed_in(client)


def test_logout_ends_the_session_and_forgets_the_remembered_login(client, create_user):
    create_user(email=EMAIL)
    sign_in(client, EMAIL, remember="y")

    response = client.post("/logout")

    assert response.status_code == 302 and response.location == "/"
    assert "您已退出登录。" in client.get("/").text
    assert not is_signed_in(client)
    assert client.get_cookie("remember_token") is None or client.get_cookie("remember_token").value == ""
    client.delete_cookie("session")
    assert not is_signed_in(client)


def test_logout_needs_the_pages_csrf_token(csrf_app, client, create_user, login_as):
    login_as(create_user())

    forged = client.post("/logout")
    assert forged.status_code == 400
    assert is_signed_in(client)

    token = form_values(client.get("/").text)["csrf_token"]
    client.post("/logout", data={"csrf_token": token})
    assert not is_signed_in(client)


def test_signing_in_starts_a_fresh_session(client, create_user):
    user = create_user(email=EMAIL)
    with client.session_transaction() as session:
        session["planted"] = "set before login"
        session["_user_id"] = "999:forged"
        session["lang"] = "en"

    sign_in(client, EMAIL)

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()
        assert session["lang"] == "en"  # the chosen language is not a secret and survives


def test_a_session_cookie_from_before_sign_in_gives_no_access_after_it(app, client, create_user):
    create_user(email=EMAIL)
    with client.session_transaction() as session:
        session["lang"] = "zh_CN"  # any visitor has a session cookie before signing in
    before = client.get_cookie("session").value

    sign_in(client, EMAIL)

    assert client.get_cookie("session").value != before
    copied = app.test_client()  # someone who kept (or planted) the earlier cookie
    copied.set_cookie("session", before)
    assert not is_signed_in(copied)


def test_the_login_form_with_csrf_works_end_to_end(csrf_app, client, create_user):
    create_user(email=EMAIL)

    token = form_values(client.get("/login").text)["csrf_token"]
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})

    assert response.status_code == 302
    assert is_signed_in(client)
