"""Two-factor sign-in for staff: enrolment, the second step after the password, codes that work once within a
window of one step either side, single-use recovery codes, throttling, and what the admin may require or reset."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts import secretbox, two_factor
from portal.accounts.models import RecoveryCode, Role, TwoFactor, User, UserSession
from portal.audit import AuditRecord
from portal.util import clock
from tests.factories import PASSWORD, form_values, sign_in, start_test_session

EMAIL = "zhoujie@example.cn"
STEP = timedelta(seconds=two_factor.STEP_SECONDS)


@pytest.fixture(autouse=True)
def _clock(frozen_now):
    # 10:00:00 in Hangzhou, the start of a 30-second step.
    assert int(frozen_now.now().timestamp()) % two_factor.STEP_SECONDS == 0
    return frozen_now


def is_signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def actions(db):
    return db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()


def code(secret, offset_steps=0):
    return two_factor.code_at(secret, clock.now() + offset_steps * STEP)


def enable(db, user) -> tuple[str, list[str]]:
    """Turn the second factor on for `user` as the setup page does; the clock then moves one step on, so the
    enrolment's code is not the one the test signs in with."""
    secret = two_factor.begin_enrolment(user)
    codes = two_factor.confirm_enrolment(user, code(secret))
    db.session.commit()
    clock.travel(STEP)
    return secret, codes


def secret_on(page: str) -> str:
    return re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', page).group(1)


def recovery_codes_on(page: str) -> list[str]:
    return re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", page)


@pytest.fixture
def reviewer(db, create_user):
    return create_user(Role.REVIEWER, email=EMAIL)


@pytest.fixture
def enrolled(db, reviewer):
    secret, codes = enable(db, reviewer)
    return reviewer, secret, codes


def second_step(client, typed):
    return client.post("/login/verify", data={"code": typed})


# --- enrolment required for admins -------------------------------------------------------------------

def test_an_admin_without_a_second_factor_is_sent_to_set_it_up_right_after_the_password(client, db, create_user):
    create_user(Role.ADMIN, email=EMAIL)

    response = sign_in(client, EMAIL, next_url="/admin/users")

    assert response.status_code == 302 and response.location == "/login/enrol"
    assert not is_signed_in(client)  # not signed in until the code is right
    page = client.get("/login/enrol")
    assert page.status_code == 200
    assert '<svg role="img"' in page.text and "<title>两步验证二维码</title>" in page.text
    secret = secret_on(page.text)
    assert "<script" not in page.text.split("<main", 1)[-1].split("</main>")[0]

    wrong = client.post("/login/enrol", data={"code": code(secret, 5)})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.text
    assert not is_signed_in(client)

    done = client.post("/login/enrol", data={"code": code(secret)})
    assert done.status_code == 200
    codes = recovery_codes_on(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/admin/users"' in done.text  # where the person was going
    assert is_signed_in(client)
    assert actions(db)[-2:] == ["two_factor.enable", "login"]
    login = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert login.details["second_factor"] == "totp"


def test_enrolment_shows_the_same_secret_until_it_is_confirmed(client, create_user):
    create_user(Role.ADMIN, email=EMAIL)
    sign_in(client, EMAIL)

    first = secret_on(client.get("/login/enrol").text)
    again = secret_on(client.get("/login/enrol").text)

    assert first == again and len(first) == 32


def test_the_secret_is_stored_encrypted_under_a_key_derived_from_the_secret_key(app, db, enrolled):
    user, secret, _codes = enrolled
    row = db.session.get(TwoFactor, user.id)

    assert secret not in row.secret
    assert secretbox.decrypt("totp", row.secret, clock.now()).decode() == secret
    app.config["SECRET_KEY"] = "another-portal"
    with pytest.raises(secretbox.InvalidToken):
        secretbox.decrypt("totp", row.secret, clock.now())
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert not any(c.replace("-", "") in h for c in _codes for h in stored)


# --- the second step -----------------------------------------------------------------------------------

def test_an_enrolled_user_signs_in_with_password_then_code(client, db, enrolled):
    _user, secret, _codes = enrolled

    response = sign_in(client, EMAIL, remember="y", next_url="/account")

    assert response.status_code == 302 and response.location == "/login/verify"
    assert not is_signed_in(client)
    assert client.get_cookie("remember_token") is None
    done = second_step(client, code(secret))
    assert done.status_code == 302 and done.location == "/account"
    assert is_signed_in(client)
    assert client.get_cookie("remember_token") is not None  # "remember me" from the first step holds


def test_a_wrong_password_never_reaches_the_second_step(client, enrolled):
    assert sign_in(client, EMAIL, "Wrong#pass2025").status_code == 200

    assert client.get("/login/verify").location == "/login"


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_codes_are_accepted_one_step_either_side_of_now(client, enrolled, offset, accepted):
    _user, secret, _codes = enrolled
    clock.travel(STEP)  # the step before now is not the one the enrolment used
    sign_in(client, EMAIL)

    response = second_step(client, code(secret, offset))

    assert (response.status_code == 302) is accepted
    assert is_signed_in(client) is accepted


def test_a_code_is_never_accepted_twice(app, client, db, enrolled):
    _user, secret, _codes = enrolled
    sign_in(client, EMAIL)
    assert second_step(client, code(secret)).status_code == 302

    thief = app.test_client()  # saw the code over the shoulder and knows the password
    sign_in(thief, EMAIL)
    replay = second_step(thief, code(secret))

    assert replay.status_code == 200 and "验证码不正确或已使用过" in replay.text
    assert not is_signed_in(thief)
    # Nor an earlier step's code once a later one was used: the stored step only moves forward.
    assert second_step(thief, code(secret, -1)).status_code == 200
    assert actions(db)[-2:] == ["two_factor.failed", "two_factor.failed"]
    clock.travel(STEP)
    assert second_step(thief, code(secret)).status_code == 302


def test_the_pending_step_expires_after_five_minutes(client, enrolled):
    _user, secret, _codes = enrolled
    sign_in(client, EMAIL)
    clock.travel(timedelta(minutes=5, seconds=1))

    response = second_step(client, code(secret))

    assert response.status_code == 302 and response.location == "/login"
    assert "登录已超时" in client.get("/login").text
    assert not is_signed_in(client)


def test_a_pending_step_forged_in_the_cookie_is_not_trusted(client, enrolled):
    _user, secret, _codes = enrolled
    with client.session_transaction() as session:
        session["pending_sign_in"] = {"user": "1", "until": "never"}

    assert second_step(client, code(secret)).location == "/login"


def test_a_deactivated_account_at_the_second_step_goes_no_further(client, db, enrolled):
    user, secret, _codes = enrolled
    sign_in(client, EMAIL)
    user.active = False
    db.session.commit()

    assert second_step(client, code(secret)).location == "/login"
    assert not is_signed_in(client)


# --- recovery codes --------------------------------------------------------------------------------------

def test_a_recovery_code_works_once_says_how_many_remain_and_is_audited(app, db, enrolled):
    _user, _secret, codes = enrolled
    first = app.test_client()
    sign_in(first, EMAIL)

    response = second_step(first, codes[3].upper().replace("-", " "))  # as read aloud or typed from paper

    assert response.status_code == 302
    assert "还剩 9 个未用" in first.get("/").text
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "two_factor.recovery_used")).one()
    assert record.details["remaining"] == 9
    again = app.test_client()
    sign_in(again, EMAIL)
    assert second_step(again, codes[3]).status_code == 200
    assert not is_signed_in(again)
    assert second_step(again, codes[4]).status_code == 302


def test_regenerating_recovery_codes_needs_a_current_code_and_voids_the_old_ones(app, client, db, enrolled):
    _user, secret, codes = enrolled
    sign_in(client, EMAIL)
    second_step(client, code(secret))
    clock.travel(STEP)

    refused = client.post("/account/two-factor/recovery-codes", data={"codes-code": codes[0]})
    assert refused.status_code == 302
    assert "请用验证器上的验证码" in client.get("/account/two-factor").text

    clock.travel(STEP)
    page = client.post("/account/two-factor/recovery-codes", data={"codes-code": code(secret)})
    fresh = recovery_codes_on(page.text)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    other = app.test_client()
    sign_in(other, EMAIL)
    assert second_step(other, codes[1]).status_code == 200
    assert second_step(other, fresh[0]).status_code == 302


# --- throttling --------------------------------------------------------------------------------------------

def test_five_wrong_codes_lock_the_account_even_against_the_right_code(client, enrolled):
    _user, secret, _codes = enrolled
    sign_in(client, EMAIL)
    for _ in range(5):
        assert second_step(client, "000000").status_code == 200

    locked = second_step(client, code(secret))

    assert locked.status_code == 429
    assert "尝试次数过多" in locked.text and int(locked.headers["Retry-After"]) == 15 * 60
    assert not is_signed_in(client)


def test_wrong_codes_are_counted_per_address_across_accounts(app, db, create_user):
    app.config["TWO_FACTOR_LIMIT_PER_ADDRESS"] = "6 per 15 minutes"
    people = []
    for n in range(4):
        user = create_user(Role.REVIEWER, email=f"expert{n}@example.cn")
        people.append((user.email, enable(db, user)[0]))
    client = app.test_client()
    for email, _secret in people[:3]:
        sign_in(client, email)
        for _ in range(2):
            assert second_step(client, "000000").status_code == 200

    email, secret = people[3]
    sign_in(client, email)

    assert second_step(client, code(secret)).status_code == 429


def test_a_right_code_does_not_count(client, enrolled):
    _user, secret, _codes = enrolled
    for _ in range(6):
        sign_in(client, EMAIL)
        assert second_step(client, code(secret)).status_code == 302
        client.post("/logout")
        clock.travel(STEP)


# --- optional for departments and reviewers ------------------------------------------------------------

def test_a_reviewer_without_it_signs_in_with_the_password_alone_and_may_turn_it_on_and_off(client, db, reviewer):
    assert sign_in(client, EMAIL).location == "/reviewing/"  # a reviewer lands on its task list
    assert "未开启" in client.get("/account").text

    secret = secret_on(client.get("/account/two-factor/setup").text)
    page = client.post("/account/two-factor/setup", data={"code": code(secret)})
    assert len(recovery_codes_on(page.text)) == 10
    assert two_factor.is_enabled(reviewer)
    assert is_signed_in(client)

    clock.travel(STEP)
    assert client.post("/account/two-factor/disable", data={"disable-code": "123456"}).status_code == 302
    assert two_factor.is_enabled(reviewer)
    client.post("/account/two-factor/disable", data={"disable-code": code(secret)})
    assert not two_factor.is_enabled(reviewer)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert actions(db)[-1] == "two_factor.disable"


@pytest.mark.parametrize("role", [Role.ENTERPRISE])
def test_enterprises_are_not_offered_it(client, create_user, login_as, role):
    login_as(create_user(role))

    assert client.get("/account/two-factor/setup").status_code == 403
    assert client.get("/account/two-factor").status_code == 403
    assert "两步验证" not in client.get("/account").text


def test_an_admin_cannot_turn_it_off(client, db, create_user):
    admin = create_user(Role.ADMIN, email=EMAIL)
    secret, _codes = enable(db, admin)
    sign_in(client, EMAIL)
    second_step(client, code(secret))
    clock.travel(STEP)

    client.post("/account/two-factor/disable", data={"disable-code": code(secret)})

    assert two_factor.is_enabled(admin)
    assert "不能停用" in client.get("/account/two-factor").text


# --- what the admin does ------------------------------------------------------------------------------------

@pytest.fixture
def admin_client(app, db, create_user):
    admin = create_user(Role.ADMIN, email="admin@example.cn")
    secret, _codes = enable(db, admin)
    browser = app.test_client()
    sign_in(browser, admin.email)
    assert second_step(browser, code(secret)).status_code == 302
    return browser


def test_an_admin_resets_a_lost_device_which_ends_the_users_sessions_and_is_audited(app, db, admin_client, enrolled):
    user, secret, _codes = enrolled
    phone = app.test_client()
    sign_in(phone, EMAIL)
    second_step(phone, code(secret))
    assert "重置两步验证" in admin_client.get("/admin/users").text

    response = admin_client.post(f"/admin/users/{user.id}/reset-two-factor")

    assert response.status_code == 302
    assert not two_factor.is_enabled(user)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)) == 0
    assert not is_signed_in(phone)
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "two_factor.reset")).one()
    assert record.object_id == user.id and record.details["sessions_ended"] == 1
    # Optional for a reviewer: the password alone signs in now, and the old secret is gone.
    assert sign_in(app.test_client(), EMAIL).location == "/reviewing/"


def test_a_reset_admin_must_set_it_up_again_at_the_next_sign_in(app, db, admin_client, create_user):
    other = create_user(Role.ADMIN, email=EMAIL)
    enable(db, other)

    admin_client.post(f"/admin/users/{other.id}/reset-two-factor")

    assert sign_in(app.test_client(), EMAIL).location == "/login/enrol"


def test_requiring_it_for_departments_signs_out_those_without_it_and_sends_them_to_set_it_up(
        app, db, admin_client, create_user):
    department = create_user(Role.GOVERNMENT, email=EMAIL)
    protected = create_user(Role.GOVERNMENT, email="protected@example.cn")
    secret, _codes = enable(db, protected)
    reviewer = create_user(Role.REVIEWER, email="expert@example.cn")
    browsers = {}
    for person in (department, reviewer):
        browsers[person.email] = app.test_client()
        assert sign_in(browsers[person.email], person.email).location == ("/reviewing/" if person is reviewer else "/")
    browsers[protected.email] = app.test_client()
    sign_in(browsers[protected.email], protected.email)
    second_step(browsers[protected.email], code(secret))
    page = admin_client.get("/admin/two-factor")
    assert form_values(page.text).get("government") in (None, "")

    saved = admin_client.post("/admin/two-factor", data={"government": "y"})

    assert saved.status_code == 302
    assert two_factor.required_roles() == {Role.ADMIN, Role.GOVERNMENT}
    assert not is_signed_in(browsers[department.email])
    assert is_signed_in(browsers[protected.email]) and is_signed_in(browsers["expert@example.cn"])
    assert sign_in(app.test_client(), EMAIL).location == "/login/enrol"
    assert sign_in(app.test_client(), "expert@example.cn").location == "/reviewing/"
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "two_factor.policy")).one()
    assert record.details == {"changes": {"government": [False, True]}, "sessions_ended": 1}

    admin_client.post("/admin/two-factor", data={"reviewer": "y"})
    assert two_factor.required_roles() == {Role.ADMIN, Role.REVIEWER}
    assert sign_in(app.test_client(), EMAIL).location == "/"


def test_the_policy_only_names_departments_and_reviewers(db, create_user):
    admin = create_user(Role.ADMIN)

    with pytest.raises(two_factor.DomainError):
        two_factor.set_required_roles(admin, {Role.ENTERPRISE})
    with pytest.raises(two_factor.PermissionDenied):
        two_factor.set_required_roles(create_user(Role.REVIEWER), {Role.REVIEWER})


def test_only_an_admin_may_reset(db, enrolled, create_user):
    user, _secret, _codes = enrolled

    with pytest.raises(two_factor.PermissionDenied):
        two_factor.reset(user, create_user(Role.GOVERNMENT))


# --- forms carry CSRF tokens -----------------------------------------------------------------------------

def test_the_second_step_works_end_to_end_with_csrf(csrf_app, client, enrolled):
    _user, secret, _codes = enrolled
    token = form_values(client.get("/login").text)["csrf_token"]
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})

    assert client.post("/login/verify", data={"code": code(secret)}).status_code == 400
    page = client.get("/login/verify")
    done = client.post("/login/verify", data={"code": code(secret), "csrf_token": form_values(page.text)["csrf_token"]})
    assert done.status_code == 302 and is_signed_in(client)


def test_a_session_row_is_made_only_once_the_second_factor_is_right(client, db, enrolled):
    _user, secret, _codes = enrolled
    sign_in(client, EMAIL)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0

    second_step(client, code(secret))

    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1
    assert db.session.scalar(select(User.last_login_at).where(User.email == EMAIL)) == clock.now()


@pytest.mark.parametrize("path", ["/login/enrol", "/account/two-factor/setup", "/admin/two-factor"])
def test_every_two_factor_form_refuses_a_post_without_its_csrf_token(csrf_app, client, db, create_user, path):
    admin = create_user(Role.ADMIN, email=EMAIL)
    if path == "/login/enrol":
        sign_in(client, EMAIL, csrf_token=form_values(client.get("/login").text)["csrf_token"])
    else:
        with client.session_transaction() as session:
            session["_user_id"] = start_test_session(admin)
    assert client.get(path).status_code == 200

    response = client.post(path, data={"code": "123456", "government": "y"})

    assert response.status_code == 400 and "CSRF" in response.text
    assert not two_factor.is_enabled(admin) and two_factor.required_roles() == {Role.ADMIN}
