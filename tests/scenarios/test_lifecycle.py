"""The scenario state machine: every allowed transition, every forbidden one, and the deadline."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import InvalidTransition, NotReady, PermissionDenied
from portal.scenarios import lifecycle, operations
from portal.scenarios.models import BatchState, ScenarioState
from portal.util import clock
from tests.factories import scenario_fields

S = ScenarioState


def audit_actions(db, obj):
    rows = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == type(obj).__name__,
                                                        AuditRecord.object_id == obj.id).order_by(AuditRecord.id))
    return [r.action for r in rows]


@pytest.mark.parametrize(("state", "action", "target"), [
    (S.DRAFT, "publish", S.PUBLISHED),
    (S.PUBLISHED, "close", S.CLOSED),
    (S.CLOSED, "start_review", S.UNDER_REVIEW),
    (S.UNDER_REVIEW, "decide", S.DECIDED),
    (S.DECIDED, "announce", S.ANNOUNCED),
    (S.ANNOUNCED, "finalize", S.FINAL),
    *[(s, "cancel", S.CANCELLED) for s in S if s not in (S.FINAL, S.CANCELLED)],
])
def test_allowed_transitions(state, action, target):
    assert lifecycle.target_state(state, action) == target


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", ["publish", "close", "start_review", "decide", "announce", "finalize", "cancel"])
def test_everything_else_is_forbidden(state, action):
    allowed = action in lifecycle.allowed_actions(state)
    assert (lifecycle.target_state(state, action) is not None) == allowed
    if action == "cancel":
        assert allowed == (state not in (S.FINAL, S.CANCELLED))


def test_publishing_a_batch_publishes_its_ready_scenarios_and_audits(db, create_batch):
    batch = create_batch()
    owner = batch.department.users[0]
    ready = operations.create_scenario(batch, owner, **scenario_fields(title="就绪场景"))
    unfinished = operations.create_scenario(batch, owner, title="未完成场景", sector="security", district="",
                                            description="", requirements="", budget=None, deadline=None,
                                            contact_name="", contact_phone="", contact_email=None)
    result = operations.publish_batch(batch, owner)
    db.session.commit()

    assert batch.state == BatchState.PUBLISHED and batch.published_at is not None
    assert ready.state == S.PUBLISHED and ready.published_at is not None
    assert unfinished.state == S.DRAFT
    assert "未设置揭榜截止时间" in result.skipped[unfinished]
    assert audit_actions(db, batch) == ["batch.create", "batch.publish"]
    assert audit_actions(db, ready) == ["scenario.create", "scenario.publish"]


def test_a_batch_with_nothing_ready_is_not_published(db, create_batch):
    batch = create_batch()
    with pytest.raises(NotReady):
        operations.publish_batch(batch, batch.department.users[0])


def test_a_scenario_whose_deadline_has_passed_cannot_be_published(db, create_scenario, frozen_now):
    scenario = create_scenario(deadline=clock.now() + timedelta(hours=1))
    frozen_now.travel(timedelta(hours=2))
    with pytest.raises(NotReady):
        operations.publish_batch(scenario.batch, scenario.batch.department.users[0])
    assert scenario.state == S.DRAFT


def test_the_deadline_closes_a_scenario_by_server_time_without_a_job(db, create_scenario, frozen_now):
    deadline = clock.now() + timedelta(days=1)
    scenario = create_scenario(state="published", deadline=deadline)
    assert scenario.status == S.PUBLISHED and scenario.is_open

    frozen_now.set_now(deadline - timedelta(seconds=1))
    assert scenario.status == S.PUBLISHED
    frozen_now.set_now(deadline)
    assert scenario.status == S.CLOSED and not scenario.is_open
    assert scenario.state == S.PUBLISHED  # nothing stored changed: the status is derived

    assert operations.close_if_due(scenario)
    db.session.commit()
    assert scenario.state == S.CLOSED and scenario.closed_at == deadline
    assert audit_actions(db, scenario)[-1] == "scenario.close"
    assert not operations.close_if_due(scenario)


def test_status_filters_in_sql_agree_with_the_derived_status(db, create_scenario, frozen_now):
    from portal.scenarios import queries

    open_one = create_scenario(state="published", title="开放", deadline=clock.now() + timedelta(days=2))
    due = create_scenario(state="published", title="将截止", deadline=clock.now() + timedelta(hours=1))
    frozen_now.travel(timedelta(hours=2))
    assert due.status == S.CLOSED
    opened = db.session.scalars(queries.public_scenarios_query({"status": "published"})).unique().all()
    closed = db.session.scalars(queries.public_scenarios_query({"status": "closed"})).unique().all()
    assert opened == [open_one]
    assert closed == [due]


def test_only_drafts_can_be_edited(db, create_scenario):
    scenario = create_scenario(state="published")
    owner = scenario.batch.department.users[0]
    with pytest.raises(InvalidTransition):
        operations.update_scenario(scenario, owner, title="改标题")


def test_publishing_twice_is_refused(db, create_scenario):
    scenario = create_scenario(state="published")
    with pytest.raises(InvalidTransition):
        operations.publish_scenario(scenario, scenario.batch.department.users[0])


def test_a_scenario_of_a_draft_batch_cannot_be_published_alone(db, create_scenario):
    scenario = create_scenario()
    with pytest.raises(NotReady, match="批次尚未发布"):
        operations.publish_scenario(scenario, scenario.batch.department.users[0])


@pytest.mark.parametrize("state", ["draft", "published", "closed"])
def test_cancel_needs_a_reason_and_is_audited(db, create_scenario, state):
    scenario = create_scenario(state=state)
    owner = scenario.batch.department.users[0]
    with pytest.raises(NotReady):
        operations.cancel_scenario(scenario, owner, "   ")
    operations.cancel_scenario(scenario, owner, "预算调整，需求取消")
    db.session.commit()
    assert scenario.state == S.CANCELLED and scenario.cancel_reason == "预算调整，需求取消"
    assert audit_actions(db, scenario)[-1] == "scenario.cancel"


def test_a_cancelled_scenario_cannot_be_cancelled_again(db, create_scenario):
    scenario = create_scenario(state="cancelled")
    with pytest.raises(InvalidTransition):
        operations.cancel_scenario(scenario, scenario.batch.department.users[0], "再次撤销")


def test_another_department_cannot_touch_the_scenario(db, create_scenario, create_user):
    scenario = create_scenario()
    stranger = create_user(Role.GOVERNMENT)
    for call in (lambda: operations.update_scenario(scenario, stranger, title="x"),
                 lambda: operations.cancel_scenario(scenario, stranger, "x"),
                 lambda: operations.publish_batch(scenario.batch, stranger),
                 lambda: operations.create_scenario(scenario.batch, stranger, **scenario_fields())):
        with pytest.raises(PermissionDenied):
            call()


def test_an_enterprise_cannot_create_a_batch(db, create_user):
    with pytest.raises(PermissionDenied):
        operations.create_batch(create_user(Role.ENTERPRISE), title="企业批次")
