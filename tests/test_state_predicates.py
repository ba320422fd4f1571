"""State-aware permissions: one rule decides the button in the template and the refusal on the server.

For every state × role the predicate must agree with an independent statement of the rule, and with the
operation itself: where the predicate says yes the operation gets past its who-and-when checks, where it
says no the operation refuses (PermissionDenied, InvalidTransition, Conflict or DeadlinePassed). Each
operation runs inside a savepoint that is rolled back, so one world serves every predicate of a case.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin

from portal import permissions
from portal.accounts.models import Role
from portal.announcements import operations as announcement_ops
from portal.announcements.models import Decision
from portal.catalogue import operations as catalogue_ops
from portal.catalogue.models import ProductState
from portal.errors import Conflict, DeadlinePassed, DomainError, InvalidTransition, PermissionDenied
from portal.proposals import operations as proposal_ops
from portal.proposals.models import Proposal, ProposalState
from portal.reviews import conflicts
from portal.reviews import operations as review_ops
from portal.reviews.models import Review, ReviewState
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import BatchState, ScenarioState
from portal.util import clock
from tests.catalogue.conftest import product_fields
from tests.factories import scenario_fields

S = ScenarioState
REFUSALS = (PermissionDenied, InvalidTransition, Conflict, DeadlinePassed)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


# --- no template spells a state rule of its own -----------------------------------------------------

def test_no_template_compares_a_state_or_status_value():
    pattern = re.compile(r"\.(state|status)\.value")
    found = [f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == [], "use a predicate of portal/permissions/ or a model property:\n" + "\n".join(found)


STATE_PREDICATES = ["can_edit_scenario", "can_publish_scenario", "can_cancel_scenario", "can_withdraw_proposal",
                    "can_approve_product", "can_reject_product", "can_revoke_product", "can_reopen_review",
                    "can_recuse", "can_decide", "can_announce"]


@pytest.mark.parametrize("name", STATE_PREDICATES)
def test_state_predicates_are_template_globals(app, name):
    assert app.jinja_env.globals[name] is getattr(permissions, name)


# --- the world ------------------------------------------------------------------------------------

def refused(db, operation, *args, **kwargs) -> bool:
    """Run the operation in a savepoint that is always rolled back; True when it refused who or when."""
    savepoint = db.session.begin_nested()
    try:
        operation(*args, **kwargs)
    except REFUSALS:
        return True
    except DomainError:  # any other refusal (NotReady: a reason missing …) comes after the who-and-when gate
        return False
    finally:
        savepoint.rollback()
    return False


def scenario_in(db, owner, batch, state: S):
    """A scenario stored in `state`, with the timestamps its constraints and its status need."""
    now = clock.now()
    scenario = scenario_ops.create_scenario(batch, owner, **scenario_fields())
    if state != S.DRAFT:
        scenario.state = state
        scenario.published_at = now - timedelta(days=20)
        # Open scenarios take bids until the deadline; every later state is past it, bids unsealed.
        scenario.deadline = now + timedelta(days=10) if state == S.PUBLISHED else now - timedelta(days=1)
    if state == S.CANCELLED:
        scenario.cancelled_at, scenario.cancel_reason = now, "需求调整"
    if state in (S.DECIDED, S.ANNOUNCED, S.FINAL):
        decision = Decision(scenario_id=scenario.id, rationale="综合得分最高", decided_at=now, decided_by_id=owner.id)
        if state != S.DECIDED:
            decision.announced_at, decision.announced_by_id = now - timedelta(days=6), owner.id
            decision.starts_at = now - timedelta(days=6)
            decision.ends_at = now + timedelta(days=5) if state == S.ANNOUNCED else now - timedelta(days=1)
        db.session.add(decision)
    db.session.commit()
    assert scenario.status == state
    return scenario


@pytest.fixture
def department(db, create_user, create_batch):
    """The owning department's user and a published batch of its own."""
    owner = create_user(Role.GOVERNMENT)
    batch = create_batch(owner)
    batch.state, batch.published_at = BatchState.PUBLISHED, clock.now()
    db.session.commit()
    return owner, batch


ROLES = ["anonymous", "owner_department", "inactive_owner_department", "other_department", "enterprise",
         "unverified_enterprise", "reviewer", "admin"]


def user_for(role: str, create_user, owner):
    if role == "anonymous":
        return AnonymousUserMixin()
    if role == "owner_department":
        return owner
    if role == "inactive_owner_department":
        return create_user(Role.GOVERNMENT, org=owner.organization, active=False)
    if role == "other_department":
        return create_user(Role.GOVERNMENT)
    if role == "unverified_enterprise":
        return create_user(Role.ENTERPRISE, verified=False)
    return create_user(Role(role))


# --- scenarios: edit, publish, cancel, 定榜, 公示 -------------------------------------------------------

SCENARIO_RULES = {
    # predicate: (states in which the owning department may, the operation that enforces it)
    "can_edit_scenario": ({S.DRAFT}, lambda s, u: scenario_ops.update_scenario(s, u, title="新标题")),
    "can_publish_scenario": ({S.DRAFT}, scenario_ops.publish_scenario),
    "can_cancel_scenario": (set(S) - {S.FINAL, S.CANCELLED},
                            lambda s, u: scenario_ops.cancel_scenario(s, u, "需求调整")),
    "can_decide": ({S.UNDER_REVIEW}, lambda s, u: announcement_ops.decide(s, u, winner_ids=[], rationale="理由")),
    "can_announce": ({S.DECIDED}, announcement_ops.announce),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(S))
def test_scenario_predicates_follow_the_lifecycle_and_the_operations(db, department, create_user, state, role):
    owner, batch = department
    scenario = scenario_in(db, owner, batch, state)
    user = user_for(role, create_user, owner)
    for name, (states, operation) in SCENARIO_RULES.items():
        expected = role == "owner_department" and state in states
        assert getattr(permissions, name)(user, scenario) is expected, name
        assert refused(db, operation, scenario, user) is not expected, name
        assert scenario.status == state


# --- proposals: withdraw ------------------------------------------------------------------------------

SITUATIONS = ["open", "closed", "cancelled_before_deadline", "cancelled_after_deadline"]
PROPOSAL_ROLES = ["anonymous", "bidder", "inactive_bidder", "other_enterprise", "owner_department", "reviewer",
                  "admin"]


def scenario_for_bids(db, owner, batch, situation: str):
    scenario = scenario_in(db, owner, batch, S.CLOSED if situation == "closed" else S.PUBLISHED)
    if situation.startswith("cancelled"):
        scenario.state, scenario.cancel_reason = S.CANCELLED, "需求调整"
        scenario.cancelled_at = clock.now()
        if situation == "cancelled_after_deadline":
            scenario.deadline = clock.now() - timedelta(days=1)
        db.session.commit()
    return scenario


@pytest.mark.parametrize("role", PROPOSAL_ROLES)
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("state", list(ProposalState))
def test_withdrawal_is_the_bidders_for_a_submission_while_open_or_void(db, department, create_user, state,
                                                                      situation, role):
    owner, batch = department
    scenario = scenario_for_bids(db, owner, batch, situation)
    bidder = create_user(Role.ENTERPRISE)
    now = clock.now()
    proposal = Proposal(scenario_id=scenario.id, organization_id=bidder.organization_id, created_by_id=bidder.id,
                        state=state, title="方案", created_at=now, updated_at=now,
                        submitted_at=now if state == ProposalState.SUBMITTED else None,
                        withdrawn_at=now if state == ProposalState.WITHDRAWN else None)
    db.session.add(proposal)
    db.session.commit()
    user = {"anonymous": AnonymousUserMixin(), "bidder": bidder, "owner_department": owner,
            "inactive_bidder": lambda: create_user(Role.ENTERPRISE, org=bidder.organization, active=False),
            "other_enterprise": lambda: create_user(Role.ENTERPRISE),
            "reviewer": lambda: create_user(Role.REVIEWER), "admin": lambda: create_user(Role.ADMIN)}[role]
    user = user() if callable(user) else user

    expected = (role == "bidder" and state == ProposalState.SUBMITTED
                and situation in ("open", "cancelled_before_deadline"))
    assert permissions.can_withdraw_proposal(user, proposal) is expected
    assert refused(db, proposal_ops.withdraw_proposal, proposal, user) is not expected


# --- reviews: 退回 by the department, 回避 by the reviewer ---------------------------------------------

REVIEW_ROLES = ["anonymous", "assigned_reviewer", "other_reviewer", "owner_department", "other_department",
                "enterprise", "admin"]
# Reviews exist from the close of bids on; the department may cancel the scenario at any point after.
REVIEW_SCENARIO_STATES = [S.CLOSED, S.UNDER_REVIEW, S.DECIDED, S.ANNOUNCED, S.CANCELLED]


def review_in(db, scenario, reviewer, owner, state: ReviewState, create_user) -> Review:
    bidder = create_user(Role.ENTERPRISE)
    now = clock.now()
    proposal = Proposal(scenario_id=scenario.id, organization_id=bidder.organization_id, created_by_id=bidder.id,
                        state=ProposalState.SUBMITTED, title="方案", created_at=now, updated_at=now, submitted_at=now)
    db.session.add(proposal)
    db.session.flush()
    review = Review(scenario_id=scenario.id, proposal_id=proposal.id, reviewer_id=reviewer.id, state=state,
                    assigned_at=now, assigned_by_id=owner.id, updated_at=now,
                    declared_at=now if state in (ReviewState.IN_PROGRESS, ReviewState.SUBMITTED,
                                                 ReviewState.RECUSED) else None,
                    submitted_at=now if state == ReviewState.SUBMITTED else None,
                    replaced_at=now if state == ReviewState.REPLACED else None,
                    conflict_reason="任职单位相同" if state in (ReviewState.EXCLUDED, ReviewState.RECUSED) else None)
    db.session.add(review)
    db.session.commit()
    return review


@pytest.mark.parametrize("role", REVIEW_ROLES)
@pytest.mark.parametrize("scenario_state", REVIEW_SCENARIO_STATES)
@pytest.mark.parametrize("state", list(ReviewState))
def test_review_predicates_follow_the_lifecycle_and_the_operations(db, department, create_user, state,
                                                                   scenario_state, role):
    owner, batch = department
    scenario = scenario_in(db, owner, batch, scenario_state)
    reviewer = create_user(Role.REVIEWER)
    review = review_in(db, scenario, reviewer, owner, state, create_user)
    user = {"anonymous": lambda: AnonymousUserMixin(), "assigned_reviewer": lambda: reviewer,
            "other_reviewer": lambda: create_user(Role.REVIEWER), "owner_department": lambda: owner,
            "other_department": lambda: create_user(Role.GOVERNMENT),
            "enterprise": lambda: create_user(Role.ENTERPRISE), "admin": lambda: create_user(Role.ADMIN)}[role]()
    under_review = scenario_state == S.UNDER_REVIEW

    may_reopen = role == "owner_department" and state == ReviewState.SUBMITTED and under_review
    assert permissions.can_reopen_review(user, review) is may_reopen
    assert refused(db, review_ops.reopen_review, review, user, "评分依据有误") is not may_reopen

    may_recuse = (role == "assigned_reviewer" and under_review
                  and state in (ReviewState.PENDING, ReviewState.IN_PROGRESS))
    assert permissions.can_recuse(user, review) is may_recuse
    assert refused(db, conflicts.recuse, review, user, "与揭榜单位有合作") is not may_recuse


# --- catalogue: approve, reject, revoke -------------------------------------------------------------

PRODUCT_ROLES = ["anonymous", "owner_enterprise", "other_enterprise", "department", "reviewer", "admin"]
PRODUCT_RULES = {
    "can_approve_product": ({ProductState.PENDING}, catalogue_ops.approve_product),
    "can_reject_product": ({ProductState.PENDING}, lambda p, u: catalogue_ops.reject_product(p, u, "材料不全")),
    "can_revoke_product": ({ProductState.APPROVED}, lambda p, u: catalogue_ops.revoke_product(p, u, "认定失效")),
}


@pytest.mark.parametrize("role", PRODUCT_ROLES)
@pytest.mark.parametrize("state", list(ProductState))
def test_product_predicates_follow_the_lifecycle_and_the_operations(app, db, create_user, tmp_path, state, role):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    owner = create_user(Role.ENTERPRISE)
    admin = create_user(Role.ADMIN)
    product = catalogue_ops.apply_product(owner, **product_fields())
    if state in (ProductState.APPROVED, ProductState.REVOKED):
        catalogue_ops.approve_product(product, admin)
    if state == ProductState.REJECTED:
        catalogue_ops.reject_product(product, admin, "材料不全")
    if state == ProductState.REVOKED:
        catalogue_ops.revoke_product(product, admin, "认定失效")
    db.session.commit()
    assert product.state == state
    user = {"anonymous": lambda: AnonymousUserMixin(), "owner_enterprise": lambda: owner,
            "other_enterprise": lambda: create_user(Role.ENTERPRISE),
            "department": lambda: create_user(Role.GOVERNMENT), "reviewer": lambda: create_user(Role.REVIEWER),
            "admin": lambda: admin}[role]()
    for name, (states, operation) in PRODUCT_RULES.items():
        expected = role in ("department", "admin") and state in states
        assert getattr(permissions, name)(user, product) is expected, name
        assert refused(db, operation, product, user) is not expected, name


# --- the tables themselves: `permits` and `ensure_transition` read the same one ---------------------

def _lifecycles():
    from portal.catalogue import lifecycle as products
    from portal.proposals import lifecycle as proposals
    from portal.reviews import lifecycle as reviews

    return {"proposal": (proposals, ProposalState), "review": (reviews, ReviewState),
            "product": (products, ProductState)}


@pytest.mark.parametrize("kind", ["proposal", "review", "product"])
def test_each_table_allows_exactly_its_transitions_and_refuses_the_rest(kind):
    module, states = _lifecycles()[kind]
    actions = {action for (_state, action) in module.TRANSITIONS}
    for state in states:
        for action in actions:
            target = module.TRANSITIONS.get((state, action))
            assert (action in module.allowed_actions(state)) == (target is not None)

            class Row:
                pass

            row = Row()
            row.state = state
            if target is None:
                with pytest.raises(InvalidTransition):
                    module.ensure_transition(row, action)
            else:
                assert module.ensure_transition(row, action) == target
