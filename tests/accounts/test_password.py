"""Changing a password, and the sessions that a password change or a deactivation ends."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from tests.factories import PASSWORD, form_values, sign_in

EMAIL = "chenjing@example.cn"
NEW = "Xihu#lake2026"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={"current": current, "new": new,
                                                  "confirm": new if confirm is None else confirm})


def lands_on_login(client) -> bool:
    response = client.get("/account")
    return response.status_code == 302 and response.location.startswith("/login")


@pytest.fixture
def user(create_user):
    return create_user(email=EMAIL)


def test_the_password_page_needs_a_signed_in_user(client):
    response = client.get("/account/password")

    assert response.status_code == 302 and response.location.startswith("/login?next=")


def test_a_change_needs_the_right_current_password(client, db, user):
    sign_in(client, EMAIL)

    response = change(client, current="Wrong#pass2025")

    assert response.status_code == 200
    assert "当前密码不正确。" in response.text
    assert form_values(response.text)["new"] == ""
    db.session.refresh(user)
    assert user.check_password(PASSWORD) and not user.check_password(NEW)


@pytest.mark.parametrize(("new", "confirm", "message"), [
    ("Ab#12345", None, "密码至少需要 10 个字符。"),
    ("xihulakehangzhou", None, "密码需包含字母、数字、符号中的至少两类。"),
    ("a123456789", None, "密码过于常见或简单"),
    ("Chenjing#2026", None, "密码不能包含邮箱用户名。"),
    (NEW, "Xihu#lake2027", "两次输入的密码不一致。"),
    ("", "", "请填写新密码。"),
], ids=["short", "one-class", "common", "email-name", "confirmation-differs", "empty"])
def test_a_weak_or_mistyped_new_password_is_refused_with_the_reason(client, db, user, new, confirm, message):
    sign_in(client, EMAIL)

    response = change(client, new=new, confirm=confirm)

    assert response.status_code == 200
    assert message in response.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_after_a_change_only_the_new_password_opens_the_account(app, client, db, user):
    sign_in(client, EMAIL)

    response = change(client)

    assert response.status_code == 302 and response.location == "/account"
    assert "密码已修改，其他设备上的登录已失效。" in client.get("/account").text
    assert db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()[-1] == "password.change"
    fresh = app.test_client()
    assert "邮箱或密码不正确。" in sign_in(fresh, EMAIL, PASSWORD).text
    assert sign_in(fresh, EMAIL, NEW).status_code == 302


def test_a_change_signs_out_every_other_browser_but_not_this_one(app, client, user):
    other = app.test_client()
    sign_in(other, EMAIL)
    remembered = app.test_client()
    sign_in(remembered, EMAIL, remember="y")
    sign_in(client, EMAIL)

    change(client)

    assert not lands_on_login(client)
    assert lands_on_login(other)
    remembered.delete_cookie("session")  # the browser was closed; only the remember-me cookie is left
    assert lands_on_login(remembered)


def test_deactivation_by_an_admin_ends_the_users_session_at_once(app, client, create_user, login_as, user):
    user_browser = app.test_client()
    sign_in(user_browser, EMAIL, remember="y")
    assert not lands_on_login(user_browser)
    login_as(create_user(Role.ADMIN))

    client.post(f"/admin/users/{user.id}/deactivate")

    assert lands_on_login(user_browser)
    user_browser.delete_cookie("session")
    assert lands_on_login(user_browser)
    assert "该账号已停用" in sign_in(user_browser, EMAIL).text
