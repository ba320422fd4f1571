"""A batch's cap: at most N standing proposals per enterprise across its scenarios (default 3, set by the batch's
department)."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditRecord
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.proposals import caps, operations
from portal.proposals.models import Proposal, ProposalState
from portal.util import clock
from tests.factories import proposal_fields
from tests.proposals.conftest import form_data

# Counting and locking are SQL: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

CAP = 3


@pytest.fixture
def batch(create_batch, frozen_now):
    return create_batch(proposal_cap=CAP)


@pytest.fixture
def scenarios(batch, create_scenario):
    return [create_scenario(batch=batch, state="published", deadline=clock.now() + timedelta(days=3),
                            title=f"场景{i}") for i in range(CAP + 2)]


def draft(scenario, user, **fields):
    proposal = operations.open_proposal(scenario, user)
    operations.save_draft(proposal, user, proposal_fields(**fields))
    return proposal


def submit(proposal, user, db):
    result = operations.submit_proposal(proposal, user, declaration=True)
    db.session.commit()
    return result


def standing(batch, user):
    return caps.standing_count(batch.id, user.organization_id)


def test_a_new_batch_allows_three_proposals_per_enterprise(batch):
    assert batch.proposal_cap == CAP == caps.places(batch, 0).left


@pytest.mark.parametrize("then", ["nothing", "withdraw", "withdraw_and_resubmit", "replace_a_standing_one"])
@pytest.mark.parametrize("attempts", range(CAP + 2))
def test_standing_submissions_never_exceed_the_cap(db, batch, scenarios, bidder, attempts, then):
    proposals = [draft(s, bidder, title=f"方案{i}") for i, s in enumerate(scenarios)]
    db.session.commit()
    for i in range(attempts):
        if i < CAP:
            submit(proposals[i], bidder, db)
        else:
            with pytest.raises(caps.CapReached):
                operations.submit_proposal(proposals[i], bidder, declaration=True)
            db.session.rollback()
        assert standing(batch, bidder) == min(i + 1, CAP)
    expected = min(attempts, CAP)
    assert caps.places(batch, bidder.organization_id).left == CAP - expected

    if then == "withdraw" and expected:
        operations.withdraw_proposal(proposals[0], bidder)
        db.session.commit()
        expected -= 1
        submit(proposals[-1], bidder, db)  # the freed place is taken by another scenario's proposal
        expected += 1
    elif then == "withdraw_and_resubmit" and expected:
        operations.withdraw_proposal(proposals[0], bidder)
        db.session.commit()
        assert standing(batch, bidder) == expected - 1
        submit(proposals[0], bidder, db)
    elif then == "replace_a_standing_one" and expected:
        operations.save_draft(proposals[0], bidder, {"title": "修改后的方案"})
        assert not submit(proposals[0], bidder, db).repeated  # a new version in the place it already holds

    assert standing(batch, bidder) == expected <= CAP
    states = [db.session.get(Proposal, p.id).state for p in proposals]
    assert states.count(ProposalState.SUBMITTED) == expected
    assert all(s != ProposalState.SUBMITTED for s in states[CAP:-1])  # the refused ones stayed drafts


def test_the_fourth_submission_is_refused_with_the_reason_and_the_draft_kept(client, login_as, db, batch, scenarios,
                                                                              bidder, submit_proposal):
    for scenario in scenarios[:CAP]:
        submit_proposal(scenario, bidder)
    login_as(bidder)
    response = client.post(f"/scenarios/{scenarios[CAP].id}/proposal", data=form_data(title="第四份方案"),
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "本批次每家企业最多提交 3 份揭榜方案，贵单位已提交 3 份。" in response.text
    assert "草稿已保存，但尚未提交。" in response.text
    assert "第四份方案" in response.text
    proposal = operations.find_proposal(scenarios[CAP], bidder.organization_id)
    assert proposal.state == ProposalState.DRAFT and proposal.title == "第四份方案"
    assert proposal.version_count == 0


def test_a_withdrawn_proposal_frees_its_place_and_drafts_take_none(db, batch, scenarios, bidder, submit_proposal):
    versions = [submit_proposal(s, bidder) for s in scenarios[:CAP]]
    late = draft(scenarios[CAP], bidder)
    db.session.commit()
    assert caps.places(batch, bidder.organization_id).left == 0
    operations.withdraw_proposal(versions[1].proposal, bidder)
    db.session.commit()
    assert caps.places(batch, bidder.organization_id).left == 1
    submit(late, bidder, db)
    assert standing(batch, bidder) == CAP


def test_three_in_one_batch_do_not_limit_another_or_another_enterprise(db, batch, scenarios, bidder, create_user,
                                                                       create_scenario, submit_proposal):
    for scenario in scenarios[:CAP]:
        submit_proposal(scenario, bidder)
    elsewhere = create_scenario(state="published", deadline=clock.now() + timedelta(days=3))
    assert elsewhere.batch_id != batch.id
    submit_proposal(elsewhere, bidder)
    other = create_user("enterprise")
    submit_proposal(scenarios[0], other)
    assert standing(batch, bidder) == CAP and standing(batch, other) == 1
    assert caps.standing_count(elsewhere.batch_id, bidder.organization_id) == 1


def owner_of(batch, db):
    from portal.accounts.models import Role, User

    return db.session.scalar(select(User).where(User.organization_id == batch.department_id,
                                                User.role == Role.GOVERNMENT))


def cap_records(db, batch):
    stmt = select(AuditRecord).where(AuditRecord.action == "batch.cap", AuditRecord.object_id == batch.id)
    return db.session.scalars(stmt.order_by(AuditRecord.id)).all()


def test_the_cap_can_be_lowered_only_while_nothing_stands_submitted(db, batch, scenarios, bidder, submit_proposal):
    owner = owner_of(batch, db)
    draft(scenarios[0], bidder)
    caps.change_cap(batch, owner, 1)  # drafts take no place
    caps.change_cap(batch, owner, 2)
    db.session.commit()
    version = submit_proposal(scenarios[0], bidder)
    with pytest.raises(Conflict, match="只能调高，不能调低"):
        caps.change_cap(batch, owner, 1)
    db.session.rollback()
    caps.change_cap(batch, owner, 5)  # raising takes nothing from anyone
    db.session.commit()
    assert batch.proposal_cap == 5
    operations.withdraw_proposal(version.proposal, bidder)
    caps.change_cap(batch, owner, 1)  # nothing stands any more
    db.session.commit()
    assert batch.proposal_cap == 1
    assert [(r.details["before"], r.details["after"]) for r in cap_records(db, batch)] == [
        (3, 1), (1, 2), (2, 5), (5, 1)]


@pytest.mark.parametrize("value", [0, -1, 100, "三", ""])
def test_a_cap_out_of_range_is_refused(db, batch, value):
    with pytest.raises(InvalidInput, match="1 到 99"):
        caps.change_cap(batch, owner_of(batch, db), value)


def test_only_the_owning_department_sets_the_cap(db, batch, create_user):
    for user in (create_user("government"), create_user("enterprise"), create_user("admin")):
        with pytest.raises(PermissionDenied):
            caps.change_cap(batch, user, 5)
    assert batch.proposal_cap == CAP


def test_the_batch_form_sets_the_cap_and_keeps_what_was_typed_when_refused(client, login_as, db, batch, scenarios,
                                                                           bidder, submit_proposal):
    owner = login_as(owner_of(batch, db))
    response = client.post("/manage/batches/new", data={"title": "五项批次", "proposal_cap": "5"})
    assert response.status_code == 302
    created = db.session.scalar(select(type(batch)).where(type(batch).title == "五项批次"))
    assert created.proposal_cap == 5 and created.department_id == owner.organization_id

    submit_proposal(scenarios[0], bidder)
    response = client.post(f"/manage/batches/{batch.id}/edit", data={"title": "改名的批次", "proposal_cap": "2"})
    assert response.status_code == 200
    assert "只能调高，不能调低（现为 3 项）" in response.text and "改名的批次" in response.text
    db.session.expire_all()
    assert batch.proposal_cap == CAP and batch.title != "改名的批次"
    response = client.post(f"/manage/batches/{batch.id}/edit", data={"title": "改名的批次", "proposal_cap": "4"})
    assert response.status_code == 302
    db.session.expire_all()
    assert batch.proposal_cap == 4 and batch.title == "改名的批次"
    response = client.post(f"/manage/batches/{batch.id}/edit", data={"title": "改名的批次", "proposal_cap": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert batch.proposal_cap == 4  # left empty: unchanged


def test_the_batch_page_shows_the_cap_and_the_submit_page_the_places_left(client, login_as, db, batch, scenarios,
                                                                          bidder, submit_proposal):
    assert "每家企业限报 3 项" in client.get(f"/batches/{batch.id}").text
    submit_proposal(scenarios[0], bidder)
    login_as(bidder)
    page = client.get(f"/scenarios/{scenarios[1].id}/proposal").text
    assert "本批次每家企业限报 3 项，贵单位已提交 1 项，还可提交 2 项。" in page


def test_the_cap_reads_in_english(client, login_as, db, batch, scenarios, bidder, submit_proposal, app):
    app.extensions["babel"].instance.domain_instance.cache.clear()
    client.get("/lang/en")
    assert "Up to 3 proposals per enterprise" in client.get(f"/batches/{batch.id}").text
    for scenario in scenarios[:CAP]:
        submit_proposal(scenario, bidder)
    login_as(bidder)
    client.get("/lang/en")
    response = client.post(f"/scenarios/{scenarios[CAP].id}/proposal", data=form_data(),
                           content_type="multipart/form-data")
    assert "each enterprise may submit at most 3 proposals; your organization has submitted 3" in response.text


@pytest.mark.real_commits  # two sessions, each on a connection of its own
def test_two_submissions_at_the_same_moment_cannot_both_take_the_last_place(app, db, batch, scenarios, bidder):
    owner = owner_of(batch, db)
    caps.change_cap(batch, owner, 1)
    first, second = (draft(s, bidder).id for s in scenarios[:2])
    db.session.commit()
    user_id = bidder.id
    holding, release = threading.Event(), threading.Event()
    outcome = {}

    def submit_in_own_session(proposal_id, hold):
        from portal.accounts.models import User

        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                operations.submit_proposal(db.session.get(Proposal, proposal_id), user, declaration=True)
                if hold:
                    holding.set()
                    release.wait(10)
                db.session.commit()
                outcome[proposal_id] = "submitted"
            except caps.CapReached as error:
                outcome[proposal_id] = error.message
                db.session.rollback()
            finally:
                holding.set()
                db.session.remove()

    a = threading.Thread(target=submit_in_own_session, args=(first, True))
    a.start()
    assert holding.wait(10)
    b = threading.Thread(target=submit_in_own_session, args=(second, False))
    b.start()
    time.sleep(0.5)
    assert b.is_alive(), "the second submission did not wait for the first one's transaction"
    release.set()
    a.join(10)
    b.join(10)
    assert outcome[first] == "submitted"
    assert "最多提交 1 份" in outcome[second]
    db.session.rollback()
    assert standing(batch, bidder) == 1
