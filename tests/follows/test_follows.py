"""Sector follows: an enterprise chooses sectors and hears of every new scenario published in them."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import NotReady, PermissionDenied
from portal.follows import operations
from portal.follows.models import SectorFollow
from portal.notifications.models import Notification
from portal.scenarios import operations as scenario_ops
from tests.factories import _owner_of, form_values


def messages(db, user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def test_enterprise_chooses_sectors_on_its_page(db, client, login_as, create_user):
    user = login_as(create_user(Role.ENTERPRISE))

    page = client.get("/account/follows")
    assert page.status_code == 200 and "工业视觉" in page.text and "特殊成像" in page.text
    response = client.post("/account/follows", data={"sectors": ["industrial_vision", "special_imaging"]})

    assert response.status_code == 302 and response.headers["Location"].endswith("/account/follows")
    assert operations.followed_sectors(user.organization_id) == ["industrial_vision", "special_imaging"]
    again = client.get("/account/follows")
    assert form_values(again.text)["sectors"] in ("industrial_vision", "special_imaging")
    assert again.text.count("checked") == 2


def test_unchecking_everything_unfollows(db, client, login_as, create_user):
    user = login_as(create_user(Role.ENTERPRISE))
    operations.set_followed_sectors(user, ["security", "other"])
    db.session.commit()

    client.post("/account/follows", data={})

    assert operations.followed_sectors(user.organization_id) == []
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "follows.update")
                                .order_by(AuditRecord.id.desc())).first()
    assert record.details["removed"] == ["other", "security"]


def test_unknown_sector_is_refused_by_form_and_operation(db, client, login_as, create_user):
    user = login_as(create_user(Role.ENTERPRISE))

    response = client.post("/account/follows", data={"sectors": ["crypto"]})

    assert response.status_code == 200
    assert db.session.scalar(select(SectorFollow.id)) is None
    with pytest.raises(NotReady):
        operations.set_followed_sectors(user, ["crypto"])


@pytest.mark.parametrize("role", [Role.GOVERNMENT, Role.REVIEWER, Role.ADMIN])
def test_only_enterprises_follow(db, create_user, role):
    with pytest.raises(PermissionDenied):
        operations.set_followed_sectors(create_user(role), ["security"])


def test_the_page_needs_the_csrf_token(csrf_app, db, client, login_as, create_user):
    user = login_as(create_user(Role.ENTERPRISE))

    response = client.post("/account/follows", data={"sectors": ["security"]})

    assert response.status_code in (200, 400)
    assert operations.followed_sectors(user.organization_id) == []


def test_account_page_links_to_follows_for_enterprises_only(db, client, login_as, create_user):
    login_as(create_user(Role.ENTERPRISE))
    assert "/account/follows" in client.get("/account").text
    login_as(create_user(Role.GOVERNMENT))
    assert "/account/follows" not in client.get("/account").text


def test_publishing_notifies_each_active_member_of_following_organizations_once(db, create_user, create_batch,
                                                                                create_scenario):
    follower = create_user(Role.ENTERPRISE)
    colleague = create_user(Role.ENTERPRISE, org=follower.organization)
    inactive = create_user(Role.ENTERPRISE, org=follower.organization, active=False)
    pending = create_user(Role.ENTERPRISE, verified=False)
    elsewhere = create_user(Role.ENTERPRISE)
    operations.set_followed_sectors(follower, ["special_imaging"])
    operations.set_followed_sectors(pending, ["special_imaging", "security"])
    operations.set_followed_sectors(elsewhere, ["security"])
    db.session.commit()

    scenario = create_scenario(state="published", sector="special_imaging", title="输电线路红外巡检")

    for user in (follower, colleague, pending):
        (message,) = messages(db, user)
        assert message.kind == "new_scenario" and message.title == "新场景：输电线路红外巡检"
        assert message.link == f"/scenarios/{scenario.id}"
        assert message.dedupe_key == f"new-scenario:{scenario.id}:{user.id}"
        assert "特殊成像" in message.body
    assert messages(db, inactive) == [] and messages(db, elsewhere) == []
    # Telling them again adds nothing.
    assert operations.notify_followers(scenario) == 0


def test_drafts_and_batch_publication_notify_only_published_scenarios(db, create_user, create_batch,
                                                                      create_scenario):
    follower = create_user(Role.ENTERPRISE)
    operations.set_followed_sectors(follower, ["medical_imaging"])
    db.session.commit()
    batch = create_batch()
    ready = create_scenario(batch, sector="medical_imaging", title="肺结节筛查")
    create_scenario(batch, sector="medical_imaging", title="未完成草稿", requirements="")
    assert messages(db, follower) == []

    result = scenario_ops.publish_batch(batch, _owner_of(batch))
    db.session.commit()

    assert [s.id for s in result.published] == [ready.id]
    assert [m.title for m in messages(db, follower)] == ["新场景：肺结节筛查"]
