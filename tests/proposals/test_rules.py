"""Rules of 揭榜 at their boundaries: sealing, one proposal per enterprise, receipts, attachments."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import permissions
from portal.errors import DeadlinePassed, NotReady, PermissionDenied
from portal.proposals import operations, receipts
from portal.proposals.models import Proposal, ProposalVersion
from tests.factories import proposal_fields

ROLES_THAT_NEVER_SEE_A_SEALED_BID = ["reviewer", "admin", "other_enterprise", "department", "other_department"]


@pytest.fixture
def people(create_user, department, bidder):
    return {
        "bidder": bidder,
        "reviewer": create_user("reviewer"),
        "admin": create_user("admin"),
        "other_enterprise": create_user("enterprise"),
        "department": department,
        "other_department": create_user("government"),
    }


@pytest.mark.parametrize("role", ROLES_THAT_NEVER_SEE_A_SEALED_BID)
def test_before_the_deadline_only_the_bidder_sees_the_proposal(open_scenario, submit_proposal, people, role,
                                                               stored_file):
    version = submit_proposal(open_scenario, people["bidder"], files=[stored_file()])
    proposal, attachment = version.proposal, version.attachments[0]
    assert permissions.can_view_proposal(people["bidder"], proposal)
    assert permissions.can_download_attachment(people["bidder"], attachment)
    assert not permissions.can_view_proposal(people[role], proposal)
    assert not permissions.can_download_attachment(people[role], attachment)


@pytest.mark.parametrize("role", ["reviewer", "admin", "other_enterprise", "other_department"])
def test_after_the_deadline_only_the_owning_department_joins_the_bidder(open_scenario, submit_proposal, people,
                                                                        role, frozen_now, stored_file):
    version = submit_proposal(open_scenario, people["bidder"], files=[stored_file()])
    frozen_now.travel(timedelta(days=4))
    assert permissions.can_view_proposal(people["department"], version.proposal)
    assert permissions.can_download_attachment(people["department"], version.attachments[0])
    assert not permissions.can_view_proposal(people[role], version.proposal)


@pytest.mark.parametrize("role", ROLES_THAT_NEVER_SEE_A_SEALED_BID + ["anonymous"])
def test_sealed_pages_and_downloads_answer_404_over_http(client, login_as, open_scenario, submit_proposal, people,
                                                         role, stored_file):
    version = submit_proposal(open_scenario, people["bidder"], files=[stored_file()])
    if role != "anonymous":
        login_as(people[role])
    paths = [f"/proposals/{version.proposal_id}", f"/receipts/{version.receipt_no}",
             f"/attachments/{version.attachments[0].id}", f"/manage/proposals/{version.proposal_id}"]
    for path in paths:
        response = client.get(path)
        response.close()
        assert response.status_code in (302, 403, 404), (path, response.status_code)
        assert people["bidder"].organization.name not in response.text
        assert "基于深度学习的道路病害识别方案" not in response.text


def test_a_withdrawn_proposal_stays_closed_to_the_department_after_the_deadline(open_scenario, submit_proposal,
                                                                                  people, db, frozen_now):
    version = submit_proposal(open_scenario, people["bidder"])
    operations.withdraw_proposal(version.proposal, people["bidder"])
    db.session.commit()
    frozen_now.travel(timedelta(days=4))
    assert not permissions.can_view_proposal(people["department"], version.proposal)


def test_the_database_allows_one_proposal_per_scenario_and_enterprise(db, open_scenario, bidder):
    from sqlalchemy.exc import IntegrityError

    from portal.util import clock

    operations.open_proposal(open_scenario, bidder)
    db.session.commit()
    db.session.add(Proposal(scenario_id=open_scenario.id, organization_id=bidder.organization_id,
                            created_by_id=bidder.id, created_at=clock.now(), updated_at=clock.now()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.real_commits  # threads, each on a connection of its own
def test_two_tabs_submitting_at_once_give_one_proposal(app, db, open_scenario, bidder):
    scenario_id, user_id = open_scenario.id, bidder.id
    db.session.commit()  # the test's own session must not hold a snapshot or a lock while the tabs run
    errors = []

    def tab(title):
        from portal.accounts.models import User
        from portal.scenarios.models import Scenario

        with app.app_context():
            try:
                user, scenario = db.session.get(User, user_id), db.session.get(Scenario, scenario_id)
                proposal = operations.open_proposal(scenario, user)
                operations.save_draft(proposal, user, proposal_fields(title=title))
                operations.submit_proposal(proposal, user, declaration=True)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 -- any failure is the bug this test looks for
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab, args=(f"标签页{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    numbers = db.session.scalars(select(ProposalVersion.number).order_by(ProposalVersion.number)).all()
    assert numbers == list(range(1, len(numbers) + 1))
    receipt_nos = db.session.scalars(select(ProposalVersion.receipt_no)).all()
    assert len(set(receipt_nos)) == len(receipt_nos)


def test_submitting_needs_the_declaration(db, open_scenario, bidder):
    proposal = operations.open_proposal(open_scenario, bidder)
    operations.save_draft(proposal, bidder, proposal_fields())
    with pytest.raises(NotReady, match="承诺书"):
        operations.submit_proposal(proposal, bidder, declaration=False)


def test_another_enterprise_cannot_change_the_proposal(db, open_scenario, bidder, create_user):
    proposal = operations.open_proposal(open_scenario, bidder)
    stranger = create_user("enterprise")
    with pytest.raises(PermissionDenied):
        operations.save_draft(proposal, stranger, proposal_fields())
    with pytest.raises(PermissionDenied):
        operations.submit_proposal(proposal, stranger, declaration=True)


def test_nothing_can_be_opened_after_the_deadline(db, open_scenario, bidder, frozen_now):
    frozen_now.set_now(open_scenario.deadline)
    with pytest.raises(DeadlinePassed):
        operations.open_proposal(open_scenario, bidder)


def test_attachments_are_limited_per_proposal(app, db, open_scenario, bidder, stored_file):
    app.config["UPLOAD_MAX_FILES"] = 2
    proposal = operations.open_proposal(open_scenario, bidder)
    operations.save_draft(proposal, bidder, {}, [stored_file(), stored_file()])
    with pytest.raises(NotReady, match="最多 2 个附件"):
        operations.save_draft(proposal, bidder, {}, [stored_file()])


def test_a_removed_attachment_stays_in_the_version_that_had_it(db, open_scenario, bidder, submit_proposal,
                                                               stored_file):
    version = submit_proposal(open_scenario, bidder, files=[stored_file()])
    attachment = version.attachments[0]
    operations.remove_attachment(attachment, bidder)
    second = operations.submit_proposal(version.proposal, bidder, declaration=True).version
    db.session.commit()
    assert attachment in version.attachments and second.attachments == []


def test_receipts_verify_and_tampering_is_detected(db, open_scenario, bidder, submit_proposal):
    version = submit_proposal(open_scenario, bidder)
    assert operations.verify_receipt(version.receipt_no, version.digest)
    assert operations.verify_receipt(version.receipt_no.lower(), version.digest.upper())
    assert not operations.verify_receipt(version.receipt_no, "0" * 64)
    assert not operations.verify_receipt("JB-1999-000001", version.digest)
    assert not operations.verify_receipt("", "")
    version.price = version.price + 1  # a silent change in the database
    db.session.commit()
    assert not operations.verify_receipt(version.receipt_no, version.digest)


def test_the_digest_can_be_recomputed_from_the_published_canonical_form(db, open_scenario, bidder,
                                                                        submit_proposal):
    import hashlib
    import json

    version = submit_proposal(open_scenario, bidder)
    canonical = {
        "title": version.title, "summary": version.summary, "approach_html": version.approach_html,
        "plan_months": version.plan_months, "price": f"{version.price:.2f}", "team": version.team,
        "cases": version.cases, "attachments": [], "receipt": version.receipt_no, "scenario": open_scenario.id,
        "enterprise": bidder.organization.uscc, "version": 1,
        "submitted_at": version.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == version.digest == receipts.version_digest(version)


def test_every_step_is_audited(db, open_scenario, bidder, submit_proposal):
    from portal.audit import AuditRecord

    version = submit_proposal(open_scenario, bidder)
    operations.withdraw_proposal(version.proposal, bidder)
    db.session.commit()
    actions = db.session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "Proposal")
                                 .order_by(AuditRecord.id)).all()
    assert actions == ["proposal.create", "proposal.save", "proposal.submit", "proposal.withdraw"]
