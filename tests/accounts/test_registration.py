"""Enterprise registration through the form: the happy path, and every refusal with the typed fields kept."""

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organization, Role, User, Verification
from portal.audit import AuditRecord
from portal.util.uscc import make_uscc
from tests.factories import form_values

USCC = make_uscc("91330106MA2H3K7L8")
PASSWORD = "Shigu#2025ok"
# What the person typed and expects to find again after a refusal (passwords are never sent back).
KEPT = ("org_name", "uscc", "district", "contact_name", "phone", "email")


def registration(**changes):
    data = {"org_name": "杭州视谷智能科技有限公司", "uscc": USCC, "district": "滨江区", "contact_name": "张敏",
            "phone": "0571-88886666", "email": "zhangmin@shigu.cn", "password": PASSWORD, "confirm": PASSWORD}
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


def test_registration_creates_a_pending_enterprise_signs_in_and_shows_the_pending_notice(client, db):
    response = client.post("/register", data=registration())

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


def test_a_lower_case_code_is_accepted_and_stored_upper_case(client, db):
    response = client.post("/register", data=registration(uscc=f" {USCC.lower()} "))

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


def test_an_already_registered_email_is_refused_whatever_its_case(client, db, create_user):
    create_user(email="zhangmin@shigu.cn")
    data = registration(email="ZhangMin@Shigu.CN")
    response = client.post("/register", data=data)

    assert response.status_code == 200
    assert "该邮箱已注册" in response.text
    shown = form_values(response.text)
    assert all(shown[name] == data[name] for name in KEPT)
    assert db.session.scalar(select(Organization).where(Organization.uscc == USCC)) is None


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


def test_registration_through_the_real_form_carries_its_csrf_token(csrf_app, client, db):
    without_token = client.post("/register", data=registration())
    assert without_token.status_code == 400
    assert count(db, User) == 0

    token = form_values(client.get("/register").text)["csrf_token"]
    response = client.post("/register", data=registration(csrf_token=token))

    assert response.status_code == 302
    assert count(db, User) == 1
