"""Enterprise registration through the form and the e-mailed link: the happy path, every refusal with the
typed fields kept, and an answer that never tells whether an address already has an account."""

import base64
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organization, Role, User, Verification
from portal.audit import AuditRecord
from portal.util.uscc import make_uscc
from tests.factories import form_values, mails

USCC = make_uscc("91330106MA2H3K7L8")
PASSWORD = "Shigu#2025ok"
# What the person typed and expects to find again after a refusal (passwords are never sent back).
KEPT = ("org_name", "uscc", "district", "contact_name", "phone", "email")


def registration(**changes):
    data = {"org_name": "杭州视谷智能科技有限公司", "uscc": USCC, "district": "滨江区", "contact_name": "张敏",
            "phone": "0571-88886666", "email": "zhangmin@shigu.cn", "password": PASSWORD, "confirm": PASSWORD,
            "privacy_consent": "y"}
    data.update(changes)
    return data


def wrong_check_character(code):
    return code[:17] + ("0" if code[17] != "0" else "1")


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def assert_refused_and_kept(db, response, data, message):
    assert response.status_code == 200
    page = response.text
    assert message in page
    shown = form_values(page)
    for name in KEPT:
        assert shown[name] == data[name], f"{name} was not kept"
    assert shown["password"] == "" and shown["confirm"] == ""
    assert data["password"] not in page
    assert count(db, Organization) == 0 and count(db, User) == 0


SENT = "我们已向 zhangmin@shigu.cn 发送了一封邮件，请按邮件中的说明完成注册。"


def register(client, **changes):
    """Post the form; closing the response is what sends the e-mail (after the response, as in production)."""
    response = client.post("/register", data=registration(**changes))
    response.close()
    return response


def emailed_link(outbox, to="zhangmin@shigu.cn") -> str:
    (message,) = [m for m in mails(outbox) if m["To"].addresses[0].addr_spec == to]
    (link,) = re.findall(r"https://portal\.example\.cn(/register/confirm/\S+)", message.get_content())
    return link


def register_and_confirm(client, outbox, **changes):
    """Fill in the form, open the e-mailed link and confirm: what a registrant does."""
    answered = register(client, **changes)
    assert answered.status_code == 302 and answered.location == "/register/sent"
    link = emailed_link(outbox, to=registration(**changes)["email"].strip().lower())
    assert client.get(link).status_code == 200
    return client.post(link)


def test_registration_creates_a_pending_enterprise_signs_in_and_shows_the_pending_notice(client, db, outbox):
    answered = register(client)

    assert answered.status_code == 302 and answered.location == "/register/sent"
    assert SENT in client.get("/register/sent").text
    assert count(db, Organization) == 0 and count(db, User) == 0  # nothing until the address's owner confirms
    link = emailed_link(outbox)
    confirm_page = client.get(link)
    assert confirm_page.status_code == 200 and "杭州视谷智能科技有限公司" in confirm_page.text
    assert count(db, User) == 0  # opening the link (a mail scanner does) creates nothing
    response = client.post(link)
    assert response.status_code == 302 and response.location == "/account"
    page = client.get("/account")
    assert page.status_code == 200
    assert "注册成功" in page.text
    assert "贵单位的注册信息正在等待平台管理员审核" in page.text
    user = db.session.scalar(select(User).where(User.email == "zhangmin@shigu.cn"))
    org = user.organization
    assert (org.name, org.uscc, org.district, org.contact_name, org.contact_phone) == (
        "杭州视谷智能科技有限公司", USCC, "滨江区", "张敏", "0571-88886666")
    assert org.verification == Verification.PENDING and org.verified_at is None
    assert user.role == Role.ENTERPRISE and user.active
    assert user.password_hash != PASSWORD and user.check_password(PASSWORD)
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "enterprise.register"))
    assert (record.actor_id, record.object_type, record.object_id) == (user.id, "Organization", org.id)
    assert record.details["uscc"] == USCC


def test_a_lower_case_code_is_accepted_and_stored_upper_case(client, db, outbox):
    response = register_and_confirm(client, outbox, uscc=f" {USCC.lower()} ")

    assert response.status_code == 302
    assert db.session.scalar(select(Organization.uscc)) == USCC


@pytest.mark.parametrize(("changes", "message"), [
    ({"uscc": wrong_check_character(USCC)}, f"校验位错误：第18位应为 {USCC[17]}"),
    ({"uscc": USCC[:10] + "I" + USCC[11:]}, "不允许的字符：I"),
    ({"uscc": USCC[:10] + "O" + USCC[11:]}, "不允许的字符：O"),
    ({"uscc": USCC[:17]}, "应为18位，当前为17位"),
    ({"uscc": USCC + "1"}, "应为18位，当前为19位"),
    ({"uscc": ""}, "请填写统一社会信用代码。"),
    ({"org_name": ""}, "请填写企业名称。"),
    ({"contact_name": ""}, "请填写联系人。"),
    ({"district": ""}, "请选择所在区县市。"),
    ({"phone": "电话号码"}, "请填写有效的电话号码"),
    ({"phone": "12345"}, "请填写有效的电话号码"),
    ({"email": "zhangmin.shigu.cn"}, "邮箱格式不正确。"),
    ({"email": ""}, "请填写邮箱。"),
    ({"password": "Ab#12345", "confirm": "Ab#12345"}, "密码至少需要 10 个字符。"),
    ({"password": "abcdefghijkl", "confirm": "abcdefghijkl"}, "密码需包含字母、数字、符号中的至少两类。"),
    ({"password": "password123", "confirm": "password123"}, "密码过于常见或简单"),
    ({"password": "Zhangmin#2025", "confirm": "Zhangmin#2025"}, "密码不能包含邮箱用户名。"),
    ({"confirm": "Shigu#2025no"}, "两次输入的密码不一致。"),
    ({"org_name": "杭" * 121}, "企业名称不能超过 120 个字符。"),
    ({"contact_name": "张" * 41}, "联系人不能超过 40 个字符。"),
], ids=["check-character", "letter-I", "letter-O", "too-short", "too-long", "no-code", "no-name", "no-contact",
        "no-district", "phone-letters", "phone-short", "bad-email", "no-email", "password-short",
        "password-one-class", "password-common", "password-has-email-name", "confirmation-differs",
        "name-too-long", "contact-too-long"])
def test_bad_input_is_named_in_chinese_and_typed_fields_are_kept(client, db, changes, message):
    data = registration(**changes)
    response = client.post("/register", data=data)

    assert_refused_and_kept(db, response, data, message)


def test_an_unknown_district_is_refused_in_chinese(client, db):
    response = client.post("/register", data=registration(district="朝阳区"))

    assert response.status_code == 200
    assert "请从列表中选择所在区县市" in response.text
    assert "Not a valid choice" not in response.text
    assert count(db, Organization) == 0


def test_an_already_registered_code_is_refused_even_in_lower_case(client, db, create_user):
    # An organization with an account (one without any is claimed instead: tests/accounts/test_claim.py).
    existing = create_user().organization
    data = registration(uscc=existing.uscc.lower())
    response = client.post("/register", data=data)

    assert response.status_code == 200
    assert "该统一社会信用代码已注册" in response.text
    assert form_values(response.text)["org_name"] == data["org_name"]
    assert form_values(response.text)["email"] == data["email"]
    assert count(db, Organization) == 1 and count(db, User) == 1


def test_an_already_registered_email_gets_the_same_answer_and_its_owner_an_email(client, db, outbox, create_user):
    owner = create_user(email="zhangmin@shigu.cn")
    response = register(client, email="ZhangMin@Shigu.CN")

    assert response.status_code == 302 and response.location == "/register/sent"
    assert SENT in client.get("/register/sent").text
    assert db.session.scalar(select(Organization).where(Organization.uscc == USCC)) is None
    (message,) = mails(outbox)
    assert message["To"].addresses[0].addr_spec == owner.email
    text = message.get_content()
    assert "该邮箱已有账号，因此没有创建新账号" in text
    assert "https://portal.example.cn/login" in text and "https://portal.example.cn/password/forgot" in text
    assert "/register/confirm/" not in text
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "registration.request")).one()
    assert record.details["existing"] is True and record.object_id == owner.id


def without_csrf_token(html: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html)


@pytest.mark.parametrize("existing_case", ["zhangmin@shigu.cn", "ZhangMin@Shigu.CN"])
def test_new_and_registered_addresses_are_answered_identically(csrf_app, app, db, outbox, create_user,
                                                               existing_case):
    create_user(email="taken@shigu.cn")
    answers = []
    for typed, shown in ((existing_case, "zhangmin@shigu.cn"), ("TAKEN@shigu.cn", "taken@shigu.cn")):
        browser = app.test_client()
        token = form_values(browser.get("/register").text)["csrf_token"]
        posted = browser.post("/register", data=registration(email=typed, csrf_token=token,
                                                             uscc=make_uscc(f"91330106MA2H3K{len(answers)}L8")))
        posted.close()
        landing = browser.get(posted.location)
        answers.append((posted.status_code, posted.location, posted.get_data(), landing.status_code,
                        without_csrf_token(landing.text).replace(shown, "ADDRESS")))

    assert answers[0] == answers[1]
    assert len(mails(outbox)) == 2


def test_a_link_works_once(app, client, db, outbox):
    register_and_confirm(client, outbox)
    link = emailed_link(outbox)
    other = app.test_client()

    again = other.post(link)

    assert again.status_code == 409
    assert "该邮箱已完成注册，请直接登录。" in again.text
    assert count(db, User) == 1


def test_two_links_for_one_address_make_one_account(app, client, db, outbox):
    register(client)
    register(client, org_name="另一家公司", uscc=make_uscc("91330106MA2H3K8L9"))
    first, second = [re.search(r"/register/confirm/\S+", m.get_content()).group(0) for m in mails(outbox)]

    assert client.post(first).status_code == 302
    assert app.test_client().post(second).status_code == 409
    assert count(db, User) == 1 and count(db, Organization) == 1


def test_the_link_expires_after_a_day(client, db, outbox, frozen_now):
    register(client)
    link = emailed_link(outbox)
    frozen_now.travel(timedelta(hours=25))

    response = client.post(link)

    assert response.status_code == 400
    assert "注册链接已过期（有效期 24 小时），请重新注册。" in response.text
    assert count(db, User) == 0


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
    lambda token: token[: len(token) // 2],
    lambda token: "not-a-token",
    lambda token: "A" * 5000,
    lambda token: "注册",
], ids=["bad-mac", "truncated", "garbage", "oversized", "unicode"])
def test_a_forged_or_damaged_link_is_refused_in_words(client, db, outbox, mangle):
    register(client)
    token = emailed_link(outbox).rsplit("/", 1)[1]

    for method in ("GET", "POST"):
        response = client.open(f"/register/confirm/{mangle(token)}", method=method)
        assert response.status_code in (400, 404)
        if response.status_code == 400:
            assert "注册链接无效" in response.text
    assert count(db, User) == 0


def test_the_link_does_not_disclose_what_was_typed(client, outbox):
    register(client)
    token = emailed_link(outbox).rsplit("/", 1)[1]

    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    for typed in (b"0571-88886666", b"scrypt", b"zhangmin", USCC.encode()):
        assert typed not in raw


def test_confirming_needs_the_pages_csrf_token(csrf_app, client, db, outbox):
    token = form_values(client.get("/register").text)["csrf_token"]
    register(client, csrf_token=token)
    link = emailed_link(outbox)

    assert client.post(link).status_code == 400
    assert count(db, User) == 0
    page_token = form_values(client.get(link).text)["csrf_token"]
    assert client.post(link, data={"csrf_token": page_token}).status_code == 302
    assert count(db, User) == 1


def test_a_registration_by_link_whose_code_was_taken_meanwhile_is_refused(app, client, db, outbox, create_user):
    register(client)
    link = emailed_link(outbox)
    create_user().organization.uscc = USCC
    db.session.commit()

    response = client.post(link)

    assert response.status_code == 409
    assert "该统一社会信用代码已注册" in response.text


def test_an_empty_submission_names_every_required_field(client, db):
    response = client.post("/register", data={})

    assert response.status_code == 200
    for message in ("请填写企业名称。", "请填写统一社会信用代码。", "请选择所在区县市。", "请填写联系人。",
                    "请填写联系电话。", "请填写邮箱。", "请设置密码。"):
        assert message in response.text
    assert count(db, User) == 0


def test_a_signed_in_user_is_sent_to_the_account_page_instead(client, create_user, login_as):
    login_as(create_user())

    response = client.get("/register")

    assert response.status_code == 302 and response.location == "/account"


def test_registration_through_the_real_form_carries_its_csrf_token(csrf_app, client, db, outbox):
    without_token = client.post("/register", data=registration())
    assert without_token.status_code == 400
    assert mails(outbox) == []

    token = form_values(client.get("/register").text)["csrf_token"]
    response = register(client, csrf_token=token)

    assert response.status_code == 302
    assert len(mails(outbox)) == 1


@pytest.mark.parametrize("address", ["zhangmin@shigu.cn", "taken@shigu.cn"], ids=["new", "registered"])
def test_registrations_are_throttled_per_typed_address_alike_for_new_and_registered(client, db, outbox,
                                                                                     create_user, address):
    create_user(email="taken@shigu.cn")
    for n in range(3):
        assert register(client, email=address, uscc=make_uscc(f"91330106MA2H3K{n}L8")).status_code == 302

    data = registration(email=address, uscc=make_uscc("91330106MA2H3K9L8"))
    refused = client.post("/register", data=data)

    assert refused.status_code == 429
    assert "尝试次数过多，请 60 分钟后再试。" in refused.text
    assert int(refused.headers["Retry-After"]) == 3600
    assert form_values(refused.text)["org_name"] == data["org_name"]
    assert len(mails(outbox)) == 3


def test_registrations_are_throttled_per_client_address(client, outbox):
    for n in range(10):
        assert register(client, email=f"firm{n}@shigu.cn", uscc=make_uscc(f"91330106MA2H4K{n}L8")).status_code == 302

    assert client.post("/register", data=registration(email="firm10@shigu.cn")).status_code == 429
    assert len(mails(outbox)) == 10


def test_a_form_sent_back_with_a_mistake_does_not_count(client, outbox):
    for _ in range(5):
        assert client.post("/register", data=registration(phone="12345")).status_code == 200

    assert register(client).status_code == 302
