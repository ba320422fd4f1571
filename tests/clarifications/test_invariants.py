"""Every scenario state × every role: who may ask, who may answer, who reads a question, who reads the opening
record. The predicate (what the page shows) and the operation (what the server does) must agree with the rule."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from portal import permissions
from portal.accounts.models import Role
from portal.clarifications import operations, queries
from portal.clarifications.opening import opening_record
from portal.errors import Conflict, DeadlinePassed, PermissionDenied
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import ScenarioState
from portal.util import clock
from tests.factories import _owner_of

REFUSALS = (PermissionDenied, DeadlinePassed, Conflict)
STATES = ["draft", "open", "questions_closed", "closed", "under_review", "decided", "announced", "final",
          "cancelled_while_open", "cancelled_after_deadline"]
ROLES = ["anonymous", "asker", "enterprise", "pending_enterprise", "reviewer", "owner", "other_department", "admin"]
UNSEALED = {"closed", "under_review", "decided", "announced", "final", "cancelled_after_deadline"}


@pytest.fixture
def case(db, frozen_now, create_scenario, create_user):
    """Build (scenario, pending question or None, users by role) for a state."""

    def build(state):
        users = {"anonymous": AnonymousUserMixin(), "asker": create_user(Role.ENTERPRISE),
                 "enterprise": create_user(Role.ENTERPRISE),
                 "pending_enterprise": create_user(Role.ENTERPRISE, verified=False),
                 "reviewer": create_user(Role.REVIEWER), "other_department": create_user(Role.GOVERNMENT),
                 "admin": create_user(Role.ADMIN)}
        if state == "draft":
            scenario = create_scenario()
            users["owner"] = _owner_of(scenario.batch)
            return scenario, None, users
        scenario = create_scenario(state="published", deadline=clock.now() + timedelta(days=10))
        owner = users["owner"] = _owner_of(scenario.batch)
        question = operations.ask_question(scenario, users["asker"], "验收样本由谁提供？")
        if state == "questions_closed":
            clock.set_now(scenario.deadline - timedelta(days=1))
        elif state == "cancelled_while_open":
            scenario_ops.cancel_scenario(scenario, owner, "需求调整")
        elif state != "open":
            clock.set_now(scenario.deadline + timedelta(minutes=1))
            scenario_ops.close_if_due(scenario)
            if state == "cancelled_after_deadline":
                scenario_ops.cancel_scenario(scenario, owner, "需求调整")
            elif state != "closed":
                scenario.state = ScenarioState(state)  # the review's own steps are tested in tests/reviews
        db.session.commit()
        return scenario, question, users

    return build


@pytest.mark.parametrize("state", STATES)
def test_only_verified_enterprises_ask_and_only_before_the_question_deadline(case, state):
    scenario, _question, users = case(state)
    for role in ROLES:
        user = users[role]
        expected = role in ("asker", "enterprise") and state == "open"
        assert permissions.can_ask_question(user, scenario) is expected, role
        if expected:
            assert operations.ask_question(scenario, user, "还有一个问题：样本格式？").is_pending
        else:
            with pytest.raises(REFUSALS):
                operations.ask_question(scenario, user, "还有一个问题：样本格式？")


@pytest.mark.parametrize("state", [s for s in STATES if s != "draft"])
@pytest.mark.parametrize("action", ["answer", "decline"])
def test_only_the_owning_department_answers_and_only_while_open(db, case, state, action):
    scenario, question, users = case(state)
    for role in ROLES:
        user = users[role]
        expected = role == "owner" and state in ("open", "questions_closed")
        assert permissions.can_answer_question(user, question) is expected, role
        nested = db.session.begin_nested()
        if expected:
            if action == "answer":
                assert operations.answer_question(question, user, "发布单位提供。").is_answered
            else:
                assert operations.decline_question(question, user, "与场景无关").is_declined
        else:
            with pytest.raises(REFUSALS):
                if action == "answer":
                    operations.answer_question(question, user, "发布单位提供。")
                else:
                    operations.decline_question(question, user, "与场景无关")
        nested.rollback()
        db.session.refresh(question)


@pytest.mark.parametrize("state", [s for s in STATES if s != "draft"])
def test_a_question_is_read_by_its_asker_and_the_owning_department_only(case, state):
    scenario, question, users = case(state)
    for role in ROLES:
        assert permissions.can_view_question(users[role], question) is (role in ("asker", "owner")), role
        # Who asked is told only to the asker: its own list is the one place the question is tied to it.
        assert (question in queries.own_questions(users[role], scenario)) is (role == "asker"), role


@pytest.mark.parametrize("state", STATES)
def test_the_opening_record_exists_only_once_the_deadline_unsealed_the_bids(case, state):
    scenario, _question, users = case(state)
    for role in ROLES:
        visible = state in UNSEALED
        assert permissions.can_view_opening_record(users[role], scenario) is visible, role
        assert (opening_record(scenario, users[role]) is not None) is visible, role
