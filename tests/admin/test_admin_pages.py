"""The admin's pages: enterprise verification, accounts, and the audit log."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization, OrgKind, Role, User, Verification
from portal.audit import AuditRecord
from tests.factories import PASSWORD, form_values, sign_in


@pytest.fixture
def admin(create_user, login_as):
    return login_as(create_user(Role.ADMIN, email="admin@portal.cn"))


@pytest.fixture
def pending(create_org, create_user):
    """A registered enterprise waiting for verification, with its one user."""
    org = create_org(name="杭州待审科技有限公司", verified=False)
    return create_user(Role.ENTERPRISE, org=org, email="pending@ent.cn")


def audit_of(db, action):
    return db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)).all()


def test_the_admin_home_is_the_list_of_enterprises_waiting_for_verification(client, admin, pending, create_org):
    create_org(name="杭州已认证科技有限公司", verified=True)

    response = client.get("/admin/", follow_redirects=True)

    assert response.status_code == 200
    assert "杭州待审科技有限公司" in response.text and pending.organization.uscc in response.text
    assert "pending@ent.cn" in response.text
    assert "杭州已认证科技有限公司" not in response.text
    assert "杭州已认证科技有限公司" in client.get("/admin/enterprises?status=verified").text


def test_an_enterprise_without_contact_details_shows_a_dash_never_none(client, db, admin, create_org, create_user):
    org = create_org(name="杭州无联系人科技有限公司", verified=False)
    org.contact_name = org.contact_phone = None
    create_user(Role.ENTERPRISE, org=org)
    db.session.commit()
    page = client.get("/admin/enterprises").text
    row = page[page.index("杭州无联系人科技有限公司"):]
    row = row[:row.index("</tr>")]
    assert "None" not in row and row.count("—") >= 2


def test_verifying_an_enterprise_is_stored_audited_and_seen_by_the_enterprise(app, client, db, admin, pending):
    org = pending.organization

    response = client.post(f"/admin/enterprises/{org.id}/verify", follow_redirects=True)

    assert "已认证：杭州待审科技有限公司" in response.text
    db.session.refresh(org)
    assert org.verification == Verification.VERIFIED and org.verified_at is not None
    (record,) = audit_of(db, "enterprise.verify")
    assert (record.actor_id, record.object_id) == (admin.id, org.id)
    enterprise = app.test_client()
    sign_in(enterprise, "pending@ent.cn")
    assert "贵单位已通过认证，可以揭榜。" in enterprise.get("/account").text


def test_verifying_twice_is_refused_with_a_message(client, db, admin, pending):
    org_id = pending.organization_id
    client.post(f"/admin/enterprises/{org_id}/verify")

    response = client.post(f"/admin/enterprises/{org_id}/verify", follow_redirects=True)

    assert "该企业已认证。" in response.text
    assert len(audit_of(db, "enterprise.verify")) == 1


@pytest.mark.parametrize(("referrer", "landing"), [
    ("http://localhost/admin/enterprises?status=pending&page=1", "/admin/enterprises?status=pending&page=1"),
    ("https://evil.example.com/admin/enterprises", "/admin/enterprises"),
    (None, "/admin/enterprises"),
])
def test_after_verifying_the_admin_returns_to_the_list_never_off_site(client, admin, pending, referrer, landing):
    headers = {"Referer": referrer} if referrer else {}

    response = client.post(f"/admin/enterprises/{pending.organization_id}/verify", headers=headers)

    assert response.status_code == 302 and response.location == landing


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_rejecting_without_a_reason_is_refused_and_the_enterprise_stays_pending(client, db, admin, pending, reason):
    org = pending.organization

    response = client.post(f"/admin/enterprises/{org.id}/reject", data={"reason": reason}, follow_redirects=True)

    assert response.status_code == 200
    assert "请填写不予认证的原因。" in response.text
    db.session.refresh(org)
    assert org.verification == Verification.PENDING and org.rejection_reason is None
    assert audit_of(db, "enterprise.reject") == []


def test_a_rejection_stores_its_reason_and_the_enterprise_reads_it(app, client, db, admin, pending):
    org = pending.organization
    reason = "营业执照照片不清晰，请重新上传"

    response = client.post(f"/admin/enterprises/{org.id}/reject", data={"reason": reason}, follow_redirects=True)

    assert "已不予认证：杭州待审科技有限公司" in response.text
    db.session.refresh(org)
    assert org.verification == Verification.REJECTED and org.rejection_reason == reason
    (record,) = audit_of(db, "enterprise.reject")
    assert record.details["reason"] == reason and record.actor_id == admin.id
    assert reason in client.get("/admin/enterprises?status=rejected").text
    enterprise = app.test_client()
    sign_in(enterprise, "pending@ent.cn")
    account = enterprise.get("/account").text
    assert "贵单位未通过认证" in account and reason in account


def test_a_rejected_enterprise_can_still_be_verified_later(client, db, admin, pending):
    org = pending.organization
    client.post(f"/admin/enterprises/{org.id}/reject", data={"reason": "材料不全"})

    client.post(f"/admin/enterprises/{org.id}/verify")

    db.session.refresh(org)
    assert org.verification == Verification.VERIFIED and org.rejection_reason is None


@pytest.mark.parametrize(("role", "kind"), [(Role.GOVERNMENT, OrgKind.GOVERNMENT),
                                            (Role.REVIEWER, OrgKind.INSTITUTION)])
def test_the_admin_creates_department_and_reviewer_accounts_that_can_sign_in(app, client, db, admin, role, kind):
    response = client.post("/admin/users/new", data={
        "role": role.value, "org_name": "杭州市经济和信息化局", "name": "李处长", "email": "Li@JXJ.gov.cn",
        "password": "Jxj#initial2026"}, follow_redirects=True)

    assert "账号已创建：li@jxj.gov.cn" in response.text
    user = db.session.scalar(select(User).where(User.email == "li@jxj.gov.cn"))
    assert user.role == role and user.name == "李处长" and user.active
    assert user.organization.name == "杭州市经济和信息化局" and user.organization.kind == kind
    assert user.organization.verification == Verification.VERIFIED
    (record,) = audit_of(db, "user.create")
    assert record.actor_id == admin.id and record.object_id == user.id
    newcomer = app.test_client()
    assert sign_in(newcomer, "li@jxj.gov.cn", "Jxj#initial2026").status_code == 302


def test_a_second_account_of_a_department_joins_the_same_organization(client, db, admin, create_user):
    first = create_user(Role.GOVERNMENT)

    client.post("/admin/users/new", data={"role": "government", "org_name": first.organization.name,
                                          "name": "赵科长", "email": "zhao@jxj.gov.cn", "password": "Jxj#initial2026"})

    second = db.session.scalar(select(User).where(User.email == "zhao@jxj.gov.cn"))
    assert second.organization_id == first.organization_id


@pytest.mark.parametrize(("changes", "message"), [
    ({"email": "li.jxj.gov.cn"}, "邮箱格式不正确。"),
    ({"org_name": ""}, "请填写所属单位。"),
    ({"name": ""}, "请填写姓名。"),
    ({"password": "Jxj#2026"}, "密码至少需要 10 个字符。"),
    ({"password": "lijxjgovcnzju"}, "密码需包含字母、数字、符号中的至少两类。"),
    ({"org_name": "局" * 121}, "所属单位不能超过 120 个字符。"),
], ids=["bad-email", "no-organization", "no-name", "short-password", "one-class-password", "long-organization"])
def test_a_bad_new_account_is_refused_with_the_typed_fields_kept(client, db, admin, changes, message):
    data = {"role": "reviewer", "org_name": "浙江大学", "name": "周教授", "email": "li@jxj.gov.cn",
            "password": "Zju#review2026", **changes}

    response = client.post("/admin/users/new", data=data)

    assert response.status_code == 200
    assert message in response.text
    shown = form_values(response.text)
    assert [shown[k] for k in ("role", "org_name", "name", "email")] == [data[k] for k in (
        "role", "org_name", "name", "email")]
    assert shown["password"] == ""
    assert db.session.scalar(select(User).where(User.role == Role.REVIEWER)) is None


def test_an_email_already_in_use_is_refused_whatever_its_case(client, db, admin, create_user):
    create_user(email="li@jxj.gov.cn")

    response = client.post("/admin/users/new", data={"role": "government", "org_name": "市经信局", "name": "李处长",
                                                     "email": "LI@jxj.gov.cn", "password": "Jxj#initial2026"})

    assert response.status_code == 200
    assert "该邮箱已注册" in response.text
    assert form_values(response.text)["email"] == "LI@jxj.gov.cn"
    assert db.session.scalar(select(Organization).where(Organization.name == "市经信局")) is None


def test_deactivating_and_reactivating_an_account(client, db, admin, create_user):
    user = create_user(email="member@ent.cn")

    response = client.post(f"/admin/users/{user.id}/deactivate", follow_redirects=True)

    assert "账号已停用。" in response.text
    db.session.refresh(user)
    assert not user.active
    assert [r.object_id for r in audit_of(db, "user.deactivate")] == [user.id]
    row = response.text.split("member@ent.cn", 1)[1].split("</tr>", 1)[0]
    assert "已停用" in row and "启用" in row

    response = client.post(f"/admin/users/{user.id}/activate", follow_redirects=True)

    assert "账号已启用。" in response.text
    db.session.refresh(user)
    assert user.active
    assert [r.object_id for r in audit_of(db, "user.activate")] == [user.id]


def test_a_reactivated_user_can_sign_in_again(app, client, admin, create_user):
    user = create_user(email="member@ent.cn")
    client.post(f"/admin/users/{user.id}/deactivate")
    browser = app.test_client()
    assert "该账号已停用" in sign_in(browser, "member@ent.cn").text

    client.post(f"/admin/users/{user.id}/activate")

    assert sign_in(browser, "member@ent.cn", PASSWORD).status_code == 302


def test_the_admin_cannot_deactivate_their_own_account(client, db, admin):
    listing = client.get("/admin/users").text
    assert f"/admin/users/{admin.id}/deactivate" not in listing

    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)

    assert "不能停用自己的账号。" in response.text
    db.session.refresh(admin)
    assert admin.active
    assert client.get("/admin/users").status_code == 200


def test_the_audit_log_lists_records_and_filters_by_action(client, admin, pending, create_user):
    client.post(f"/admin/enterprises/{pending.organization_id}/verify")
    client.post("/admin/users/new", data={"role": "reviewer", "org_name": "浙江大学", "name": "周教授",
                                          "email": "zhou@zju.edu.cn", "password": "Zju#review2026"})

    everything = client.get("/admin/audit").text

    assert "<code>enterprise.verify</code>" in everything and "<code>user.create</code>" in everything
    assert "admin@portal.cn" in everything

    filtered = client.get("/admin/audit?action=enterprise.").text

    assert "<code>enterprise.verify</code>" in filtered
    assert "<code>user.create</code>" not in filtered
    assert "共 1 条记录" in filtered


@pytest.mark.parametrize("action", ["%", "_nterprise", "enterprise." * 6000])
def test_an_action_filter_is_a_literal_prefix_of_any_length(client, admin, pending, action):
    client.post(f"/admin/enterprises/{pending.organization_id}/verify")

    page = client.get("/admin/audit", query_string={"action": action})

    assert page.status_code == 200 and "<code>enterprise.verify</code>" not in page.text


@pytest.mark.parametrize("url", [
    "/admin/enterprises?page=99999999999999999999",
    "/admin/users?page=99999999999999999999",
    "/admin/audit?page=99999999999999999999",
    "/admin/enterprises?page=abc&status=nonsense",
])
def test_odd_page_numbers_do_not_break_the_admin_lists(client, admin, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/admin/enterprises/99999999999999999999/verify",
                                 "/admin/enterprises/99999999999999999999/reject",
                                 "/admin/users/99999999999999999999/deactivate"])
def test_an_id_too_large_for_the_database_is_simply_not_found(client, admin, url):
    assert client.post(url, data={"reason": "x"}).status_code == 404
