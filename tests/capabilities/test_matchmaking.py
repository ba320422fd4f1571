"""Two-way matchmaking: the open scenarios a capability fits, 邀请揭榜 by the owning department, and the alert an
enterprise gets when a new scenario fits one of its capabilities."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import search
from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.capabilities import matching, operations
from portal.capabilities.models import CapabilityAlert, ScenarioInvitation
from portal.errors import InvalidTransition, PermissionDenied
from portal.notifications.models import Notification
from portal.util import clock
from tests.factories import mails

DEFECTS = {"title": "汽车零部件表面缺陷视觉检测", "sector": "industrial_vision", "district": "滨江区",
           "description": "冲压件表面划痕、凹坑依靠人工目检，漏检率高。",
           "requirements": "1. 缺陷检出率不低于99%\n2. 产线节拍内完成检测"}


def _notes(user, kind):
    return list(db_session().scalars(select(Notification).where(Notification.user_id == user.id,
                                                                Notification.kind == kind)))


def db_session():
    from portal.extensions import db

    return db.session


def _actions(after_id):
    return [r.action for r in db_session().scalars(select(AuditRecord).where(AuditRecord.id > after_id))]


def _last_audit():
    return db_session().scalar(select(func.max(AuditRecord.id))) or 0


# --- a capability's page: the open scenarios it fits ------------------------------------------------------

def test_a_capability_page_lists_the_open_scenarios_it_fits_with_reasons(db, client, create_scenario,
                                                                        create_capability):
    capability = create_capability(title="金属表面缺陷视觉检测", districts=["滨江区"])
    fitting = create_scenario(state="published", **DEFECTS)
    closed = create_scenario(state="closed", **{**DEFECTS, "title": "已截止的缺陷检测场景"})
    draft = create_scenario(**{**DEFECTS, "title": "草稿中的缺陷检测场景"})
    unrelated = create_scenario(state="published", title="医院影像云归档", sector="medical_imaging",
                                district="上城区", description="影像资料归档与调阅。", requirements="支持DICOM")
    search.apply_pending()
    page = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert "可对接的场景" in page and fitting.title in page
    for hidden in (closed, draft, unrelated):
        assert hidden.title not in page
    assert "服务滨江区" in page and "同属" in page


def test_both_directions_give_the_same_score(db, create_scenario, create_capability):
    capability = create_capability(title="金属表面缺陷视觉检测", districts=["滨江区"])
    scenario = create_scenario(state="published", **DEFECTS)
    search.apply_pending()
    (found, backward), = [(s, f) for s, f in matching.matching_scenarios(capability) if s.id == scenario.id]
    forward = dict(matching.matching_capabilities(scenario))[capability]
    assert (backward.same_field, backward.same_sector, backward.districts) == (
        forward.same_field, forward.same_sector, forward.districts)
    assert backward == matching.score(matching.scenario_profile(found), matching.capability_profile(capability),
                                      backward.words)


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "withdrawn"])
def test_a_capability_not_public_is_matched_with_nothing(db, create_scenario, create_capability, state):
    capability = create_capability(state)
    create_scenario(state="published", **DEFECTS)
    search.apply_pending()
    assert matching.matching_scenarios(capability) == []


# --- 邀请揭榜 -----------------------------------------------------------------------------------------------

@pytest.fixture
def invited_world(db, create_user, create_scenario, create_capability, search_index):
    enterprise = create_user(Role.ENTERPRISE)
    colleague = create_user(Role.ENTERPRISE, org=enterprise.organization)
    capability = create_capability(title="金属表面缺陷视觉检测", districts=["滨江区"], owner=enterprise)
    scenario = create_scenario(state="published", **DEFECTS)
    search.apply_pending()
    department = db.session.get(type(enterprise), _owner_id(scenario))
    return scenario, capability, department, enterprise, colleague


def _owner_id(scenario):
    from portal.accounts.models import User

    return db_session().scalar(select(User.id).where(User.organization_id == scenario.department_id))


def test_the_owning_department_sees_the_invite_button_and_others_do_not(client, login_as, invited_world,
                                                                       create_user):
    scenario, capability, department, enterprise, _colleague = invited_world
    login_as(department)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "邀请揭榜" in page and "约请对接" in page
    for other in (create_user(Role.GOVERNMENT), enterprise):
        login_as(other)
        page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
        assert capability.title in page and f"/invite/{capability.id}" not in page


def test_an_invitation_tells_every_account_of_the_enterprise_by_message_and_mail(db, client, login_as, outbox,
                                                                                invited_world):
    scenario, capability, department, enterprise, colleague = invited_world
    before = _last_audit()
    login_as(department)
    response = client.post(f"/manage/scenarios/{scenario.id}/invite/{capability.id}")
    assert response.status_code == 302
    assert "已邀请" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已邀请揭榜" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    for user in (enterprise, colleague):
        (note,) = _notes(user, "bid_invitation")
        assert scenario.title in note.title and capability.title in note.body
        assert note.link == f"/scenarios/{scenario.id}"
    assert "scenario.invite_to_bid" in _actions(before)
    subjects = [m["Subject"] for m in mails(outbox)]
    assert sum(scenario.title in s for s in subjects) == 2


def test_an_enterprise_is_invited_once_per_scenario(db, client, login_as, invited_world, create_capability):
    scenario, capability, department, enterprise, _colleague = invited_world
    second = create_capability(title="玻璃面板缺陷检测", owner=enterprise)
    operations.invite_to_bid(scenario, capability, department)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="已邀请过"):
        operations.invite_to_bid(scenario, second, department)
    db.session.rollback()
    login_as(department)
    response = client.post(f"/manage/scenarios/{scenario.id}/invite/{second.id}", follow_redirects=True)
    assert "已邀请过该企业揭榜本场景" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ScenarioInvitation)) == 1
    assert len(_notes(enterprise, "bid_invitation")) == 1


def test_a_scenario_not_open_refuses_invitations(db, client, login_as, invited_world):
    scenario, capability, department, _enterprise, _colleague = invited_world
    scenario.deadline = clock.now() - timedelta(minutes=1)
    db.session.commit()
    login_as(department)
    response = client.post(f"/manage/scenarios/{scenario.id}/invite/{capability.id}", follow_redirects=True)
    assert response.status_code == 200 and "未在揭榜期内" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ScenarioInvitation)) == 0


def test_only_the_owning_department_invites_and_only_from_a_public_capability(db, invited_world, create_user,
                                                                              create_capability):
    scenario, capability, _department, enterprise, _colleague = invited_world
    for outsider in (create_user(Role.GOVERNMENT), create_user(Role.ADMIN), enterprise):
        with pytest.raises(PermissionDenied):
            operations.invite_to_bid(scenario, capability, outsider)
    hidden = create_capability("submitted")
    with pytest.raises(InvalidTransition, match="未公开"):
        operations.invite_to_bid(scenario, hidden, _department)


def test_the_enterprise_sees_its_invitations_and_opens_the_bid_form(db, client, login_as, invited_world):
    scenario, capability, department, enterprise, _colleague = invited_world
    operations.invite_to_bid(scenario, capability, department)
    db.session.commit()
    login_as(enterprise)
    page = client.get("/my/capabilities/invitations").get_data(as_text=True)
    assert scenario.title in page and capability.title in page and "去揭榜" in page
    assert client.get(f"/scenarios/{scenario.id}/proposal").status_code == 200


# --- alerts of new fitting scenarios -------------------------------------------------------------------------

def test_publishing_alerts_nobody_itself_and_the_job_alerts_close_fits_once(db, create_user, create_scenario,
                                                                          create_capability, search_index):
    close = create_capability(title="金属表面缺陷视觉检测", districts=["滨江区"])
    loose = create_capability(title="仓储机器人调度", sector="smart_living", field="robots_automation",
                              summary="仓库搬运机器人路径规划。", cases="某电商仓库。", districts=["余杭区"])
    search.apply_pending()
    scenario = create_scenario(state="published", **DEFECTS)
    search.apply_pending()
    close_user, loose_user = close.created_by, loose.created_by
    assert _notes(close_user, "fitting_scenario") == []  # the publish request did not do the matching
    fits = dict(matching.matching_capabilities(scenario, limit=40))
    assert fits[close].points >= matching.ALERT_MINIMUM
    assert loose not in fits or fits[loose].points < matching.ALERT_MINIMUM
    assert operations.send_capability_alerts() == 1
    db.session.commit()
    (note,) = _notes(close_user, "fitting_scenario")
    assert scenario.title in note.title and close.title in note.body
    assert _notes(loose_user, "fitting_scenario") == []
    assert db.session.get(CapabilityAlert, scenario.id).organizations == 1
    assert operations.send_capability_alerts() == 0
    assert operations.alert_fitting_enterprises(scenario) == 0
    assert len(_notes(close_user, "fitting_scenario")) == 1


def test_the_alert_job_is_scheduled_and_skips_old_or_closed_scenarios(app, db, create_scenario, create_capability,
                                                                     search_index):
    from portal import jobs

    assert "capabilities.scenario-alerts" in [job.name for job in jobs.registered(app)]
    create_capability(title="金属表面缺陷视觉检测", districts=["滨江区"])
    old = create_scenario(state="published", **DEFECTS)
    old.published_at = clock.now() - timedelta(days=3)
    create_scenario(state="closed", **DEFECTS)
    db.session.commit()
    search.apply_pending()
    assert operations.send_capability_alerts() == 0
