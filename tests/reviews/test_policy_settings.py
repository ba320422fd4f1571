"""The review rules the platform admin sets at /admin/policy: stored setting > configuration > default."""


import pytest
from sqlalchemy import event, select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import PermissionDenied
from portal.reviews import policy
from portal.reviews.models import PolicySetting
from tests.announcements.helpers import announced, decided
from tests.factories import form_values
from tests.reviews.helpers import department_of, fully_reviewed

CURRENT = {"min_reviewers": "3", "default_reviewers": "5", "announcement_days": "5", "spread_flag_points": "20"}


@pytest.fixture
def admin(create_user, login_as):
    return login_as(create_user(Role.ADMIN))


def _post(client, **changed):
    return client.post("/admin/policy", data={**CURRENT, **changed})


def _audits(db):
    return db.session.scalars(select(AuditRecord).where(AuditRecord.action == "policy.update")).all()


def _stored(db):
    return {s.name: s.value for s in db.session.scalars(select(PolicySetting))}


def test_the_page_shows_the_values_in_force(client, admin):
    page = client.get("/admin/policy")

    assert page.status_code == 200
    assert "评审规则" in page.text and "公示天数" in page.text
    assert "已发布的公示期不变" in page.text
    assert {k: v for k, v in form_values(page.text).items() if k in CURRENT} == CURRENT


def test_the_admin_changes_the_announcement_days_and_a_later_announcement_gets_the_new_window(
        client, db, admin, closed, reviewers, proposals):
    response = _post(client, announcement_days="7")

    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/policy")
    page = client.get("/admin/policy").text
    assert "评审规则已保存。" in page and form_values(page)["announcement_days"] == "7"
    assert policy.announcement_days() == 7
    assert _stored(db) == {"ANNOUNCEMENT_DAYS": 7}  # only the changed value is written

    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    decided(closed, proposals[:1])
    decision = announced(closed)
    assert decision.working_days == 7


def test_the_change_is_audited_with_old_and_new_values(client, db, admin):
    _post(client, announcement_days="10", spread_flag_points="15")

    (entry,) = _audits(db)
    assert entry.actor_id == admin.id and entry.object_type == ""
    assert entry.details == {"changes": {"ANNOUNCEMENT_DAYS": [5, 10], "SPREAD_FLAG_POINTS": [20, 15]}}


def test_saving_unchanged_values_writes_and_audits_nothing(client, db, admin):
    response = _post(client)

    assert response.status_code == 302
    assert "评审规则没有变化。" in client.get("/admin/policy").text
    assert _stored(db) == {} and _audits(db) == []


@pytest.mark.parametrize(("typed", "message"), [
    ({"min_reviewers": "0"}, "每份方案最少评审专家人数应在 1 到 15 之间。"),
    ({"min_reviewers": "4", "default_reviewers": "3"}, "建议评审专家人数应在最少人数（4）到 15 之间。"),
    ({"default_reviewers": "16"}, "建议评审专家人数应在最少人数（3）到 15 之间。"),
    ({"announcement_days": "31"}, "公示天数应在 1 到 30 天之间。"),
    ({"spread_flag_points": "0"}, "极差提示分值应在 1 到 100 分之间。"),
    ({"announcement_days": "七天"}, "请填写整数。"),
    ({"announcement_days": ""}, "请填写公示天数。"),
])
def test_bad_values_are_refused_in_chinese_and_kept_as_typed(client, db, admin, typed, message):
    response = _post(client, **typed)

    assert response.status_code == 200
    assert message in response.text
    shown = form_values(response.text)
    assert all(shown[name] == value for name, value in typed.items())
    assert _stored(db) == {} and _audits(db) == []
    assert policy.announcement_days() == 5 and policy.min_reviewers() == 3


def test_configuration_applies_when_nothing_is_stored_and_a_stored_value_overrides_it(app, client, db, admin):
    app.config["ANNOUNCEMENT_DAYS"] = 9

    assert policy.announcement_days() == 9
    assert form_values(client.get("/admin/policy").text)["announcement_days"] == "9"
    assert policy.min_reviewers() == 3  # neither stored nor configured: the default

    _post(client, announcement_days="6")
    assert policy.announcement_days() == 6
    assert _audits(db)[0].details == {"changes": {"ANNOUNCEMENT_DAYS": [9, 6]}}


def test_stored_values_are_read_once_per_request(client, db, admin, login_as, closed):
    _post(client, min_reviewers="4", default_reviewers="7")
    login_as(department_of(closed))
    reads = []

    def note(_conn, _cursor, statement, *_args):
        if "policy_settings" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = client.get(f"/manage/scenarios/{closed.id}/review")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)

    assert page.status_code == 200
    assert "每份方案至少 4 位专家，建议 7 位。" in page.text
    assert len(reads) == 1


def test_update_policy_is_for_admins_only(db, create_user):
    with pytest.raises(PermissionDenied):
        policy.update_policy(create_user(Role.GOVERNMENT), {"ANNOUNCEMENT_DAYS": 7})


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.GOVERNMENT, Role.REVIEWER])
def test_other_roles_cannot_see_or_change_the_rules(client, db, create_user, login_as, role):
    login_as(create_user(role))

    assert client.get("/admin/policy").status_code == 403
    assert _post(client, announcement_days="7").status_code == 403
    assert _stored(db) == {} and policy.announcement_days() == 5


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = _post(client, announcement_days="7")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _stored(db) == {}


def test_department_pages_state_the_rules_in_force(client, db, create_user, login_as, closed, reviewers, proposals):
    policy.update_policy(create_user(Role.ADMIN), {"ANNOUNCEMENT_DAYS": 7, "SPREAD_FLAG_POINTS": 30})
    db.session.commit()
    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    decided(closed, proposals[:1])
    login_as(department_of(closed))

    assert "极差超过 30 分" in client.get(f"/manage/scenarios/{closed.id}/ranking").text
    assert "默认 7 个工作日" in client.get(f"/manage/scenarios/{closed.id}/announce").text


@pytest.mark.parametrize("edge", [
    {"min_reviewers": "1", "default_reviewers": "1", "announcement_days": "1", "spread_flag_points": "1"},
    {"min_reviewers": "15", "default_reviewers": "15", "announcement_days": "30", "spread_flag_points": "100"},
])
def test_the_ends_of_every_range_are_accepted(client, db, admin, edge):
    assert _post(client, **edge).status_code == 302

    assert policy.effective() == {"REVIEW_MIN_REVIEWERS": int(edge["min_reviewers"]),
                                  "REVIEW_DEFAULT_REVIEWERS": int(edge["default_reviewers"]),
                                  "ANNOUNCEMENT_DAYS": int(edge["announcement_days"]),
                                  "SPREAD_FLAG_POINTS": int(edge["spread_flag_points"])}
