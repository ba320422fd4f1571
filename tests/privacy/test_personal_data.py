"""The registrant's consent to the privacy notice, a user's own data as JSON, and closing an account."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts import privacy
from portal.accounts.models import ClosureRequest, Organization, PrivacyConsent, Role, User
from portal.audit import AuditRecord
from tests.accounts.test_registration import KEPT, emailed_link, register, register_and_confirm, registration
from tests.factories import form_values

# Consents and closure requests are rows written and read in SQL: held to both databases.
pytestmark = pytest.mark.both_databases


def actions(db, name):
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == name)))


def test_the_privacy_notice_is_public_and_linked_from_every_page_and_the_form(client):
    page = client.get("/privacy").text
    assert "个人信息保护说明" in page and f"版本 {privacy.NOTICE_VERSION}" in page
    assert "账号注销后仍按规定期限保存" in page
    assert 'href="/privacy"' in client.get("/").text and 'href="/privacy"' in client.get("/register").text


def test_registration_without_consent_is_refused_and_what_was_typed_is_kept(client, db):
    data = registration(privacy_consent="")
    del data["privacy_consent"]
    response = client.post("/register", data=data)
    assert response.status_code == 200
    assert "请阅读并同意《个人信息保护说明》后再注册。" in response.text
    shown = form_values(response.text)
    assert all(shown[name] == data[name] for name in KEPT)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_consent_is_recorded_with_its_time_and_version_when_the_account_is_made(client, db, outbox, frozen_now):
    ticked_at = frozen_now.now()
    answered = register(client)
    assert answered.status_code == 302
    frozen_now.travel(timedelta(hours=2))  # the e-mail is opened later
    link = emailed_link(outbox)
    assert client.post(link).status_code == 302
    user = db.session.scalar(select(User))
    (consent,) = db.session.scalars(select(PrivacyConsent))
    assert consent.user_id == user.id and consent.notice_version == privacy.NOTICE_VERSION
    assert consent.consented_at == ticked_at  # when the box was ticked, not when the link was opened
    assert [a.details for a in actions(db, "privacy.consent")] == [{"notice_version": privacy.NOTICE_VERSION}]
    assert "同意了《个人信息保护说明》" in client.get("/account").text


def test_a_user_downloads_their_own_data_only(client, db, login_as, create_user, create_org, outbox):
    assert register_and_confirm(client, outbox).status_code == 302  # signed in as the new enterprise
    other = create_user(Role.ENTERPRISE)
    response = client.get("/account/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert data["account"]["email"] == "zhangmin@shigu.cn" and data["account"]["phone"] == "0571-88886666"
    assert data["organization"]["contact_name"] == "张敏"
    assert [c["notice_version"] for c in data["privacy_consents"]] == [privacy.NOTICE_VERSION]
    assert data["sign_ins"] and {"enterprise.register", "login"} & {a["action"] for a in data["recorded_actions"]}
    assert other.email not in response.text and other.name not in response.text
    me = db.session.scalar(select(User).where(User.email == "zhangmin@shigu.cn"))
    assert [a.actor_id for a in actions(db, "privacy.export")] == [me.id]
    # The route names nobody: asking for someone else's data is not a thing one can do.
    assert client.get(f"/account/data.json?user_id={other.id}").get_json()["account"]["email"] == me.email


def test_anonymous_visitors_have_no_data_to_download(client):
    response = client.get("/account/data.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_closure_request_is_recorded_then_an_admin_closes_the_account(client, db, login_as, create_user):
    user = create_user(Role.ENTERPRISE)
    user.phone = "13812345678"
    db.session.commit()
    login_as(user)
    page = client.get("/account/close").text
    assert "依照法律法规和审计要求须保存的记录不会删除" in page
    response = client.post("/account/close", data={"reason": "公司业务调整"}, follow_redirects=True)
    assert "注销申请已提交" in response.text
    (request,) = db.session.scalars(select(ClosureRequest))
    assert request.user_id == user.id and request.reason == "公司业务调整" and not request.is_processed
    assert "正在等待平台管理员处理" in client.get("/account/close").text
    # A second request while one is pending is refused in words.
    again = client.post("/account/close", data={"reason": "再次申请"})
    assert "您已提交注销申请" in again.text and db.session.scalar(select(func.count(ClosureRequest.id))) == 1

    admin = create_user(Role.ADMIN)
    login_as(admin)
    assert user.email in client.get("/admin/closures").text
    assert client.post(f"/admin/closures/{request.id}/close").status_code == 302
    db.session.refresh(user)
    db.session.refresh(request)
    assert not user.active and user.phone is None and request.processed_by_id == admin.id
    assert db.session.get(Organization, user.organization_id) is not None  # records the law requires stay
    assert [a.object_id for a in actions(db, "account.closure_request")] == [request.id]
    assert [(a.actor_id, a.object_id) for a in actions(db, "account.close")] == [(admin.id, user.id)]
    # Processed once only.
    assert "该注销申请已处理" in client.post(f"/admin/closures/{request.id}/close", follow_redirects=True).text
    # The closed account can no longer sign in.
    login_as(user)
    assert client.get("/account").status_code == 302


def test_an_overlong_reason_is_refused_and_kept(client, login_as, create_user):
    login_as(create_user(Role.REVIEWER))
    response = client.post("/account/close", data={"reason": "理" * 1001})
    assert "注销原因不超过 1000 字。" in response.text and "理" * 1001 in response.text
