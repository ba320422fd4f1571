"""Claiming an enterprise that an imported 首台（套）list created without any account."""

import pytest
from sqlalchemy import func, select

from portal.accounts import operations
from portal.accounts.models import Organization, OrgKind, Role, User, Verification
from portal.audit import AuditRecord
from portal.errors import Conflict
from portal.util import clock
from tests.accounts.test_registration import PASSWORD, register_and_confirm, registration


@pytest.fixture
def listed(db, create_org):
    """A verified enterprise as the catalogue importer leaves it: no users, no contact."""
    org = create_org(name="杭州热域红外技术有限公司", verified_at=clock.now())
    org.district = None
    db.session.commit()
    return org


def test_registering_with_a_listed_code_claims_the_enterprise_and_sends_it_back_to_review(client, db, outbox,
                                                                                         listed):
    response = register_and_confirm(client, outbox, uscc=listed.uscc.lower(), org_name="热域红外")

    assert response.status_code == 302 and response.location == "/account"
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
    user = db.session.scalar(select(User).where(User.email == "zhangmin@shigu.cn"))
    org = user.organization
    assert org.id == listed.id and user.role == Role.ENTERPRISE
    # Anyone can read a USCC off a public list: the claimant waits for an admin like any registrant.
    assert org.verification == Verification.PENDING and org.verified_at is None
    assert org.name == "杭州热域红外技术有限公司"  # the name on the official list stays
    assert (org.contact_name, org.contact_phone, org.district) == ("张敏", "0571-88886666", "滨江区")
    assert "正在等待平台管理员审核" in client.get("/account").text
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "enterprise.claim"))
    assert (record.actor_id, record.object_type, record.object_id) == (user.id, "Organization", org.id)
    assert record.details["previous"] == "verified" and record.details["name_given"] == "热域红外"


def test_a_claimed_enterprise_cannot_be_claimed_again(db, listed):
    operations.register_enterprise(org_name="甲", uscc=listed.uscc, district="滨江区", contact_name="张敏",
                                   phone="0571-88886666", email="a@shigu.cn", password=PASSWORD)

    with pytest.raises(Conflict, match="该统一社会信用代码已注册"):
        operations.register_enterprise(org_name="乙", uscc=listed.uscc, district="滨江区", contact_name="李强",
                                       phone="0571-88887777", email="b@shigu.cn", password=PASSWORD)


def test_a_claim_with_a_taken_email_changes_nothing(db, listed, create_user):
    create_user(email="zhangmin@shigu.cn")

    with pytest.raises(Conflict, match="该邮箱已注册"):
        operations.register_enterprise(**{k: v for k, v in registration(uscc=listed.uscc).items()
                                          if k not in ("confirm", "privacy_consent")})

    db.session.rollback()
    assert db.session.get(Organization, listed.id).verification == Verification.VERIFIED


def test_an_organization_of_another_kind_is_never_claimed(db, create_org):
    org = create_org(kind=OrgKind.GOVERNMENT)
    org.uscc = registration()["uscc"]
    db.session.commit()

    with pytest.raises(Conflict):
        operations.register_enterprise(**{k: v for k, v in registration().items()
                                          if k not in ("confirm", "privacy_consent")})
