"""Rows for 揭榜: the enterprise's own proposal pages, the department's view, receipts and downloads."""

from datetime import timedelta

from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, ROLES, everyone


def enterprise_area(owner=OK, pending=NOT_FOUND):
    """Enterprise pages on the "enterprise" user's own proposal: another (pending) enterprise gets 404."""
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": owner, "pending_enterprise": pending}


def only_department(outcome=OK):
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "department": outcome, "other_department": NOT_FOUND}


ROWS = {
    "proposals.edit_proposal": ("GET", {"scenario_id": "published_scenario"}, enterprise_area(pending=FORBIDDEN)),
    "proposals.my_proposals": ("GET", {}, enterprise_area(pending=OK)),
    "proposals.show_proposal": ("GET", {"proposal_id": "own_proposal"}, enterprise_area()),
    "proposals.show_version": ("GET", {"proposal_id": "own_proposal", "number": 1}, enterprise_area()),
    "proposals.receipt": ("GET", {"receipt_no": "own_receipt"}, enterprise_area()),
    "proposals.withdraw": ("POST", {"proposal_id": "own_proposal"}, enterprise_area()),
    "proposals.remove_attachment": ("POST", {"proposal_id": "own_proposal", "attachment_id": "own_attachment"},
                                    enterprise_area()),
    "receipts.verify": ("GET", {}, everyone(OK)),
    # Sealed: before the deadline nobody but the bidder may fetch its files.
    "receipts.download_attachment": ("GET", {"attachment_id": "own_attachment"},
                                     {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN, "enterprise": OK}),
    "submissions.scenario_proposals": ("GET", {"scenario_id": "published_scenario"}, only_department()),
    "submissions.show_submission": ("GET", {"proposal_id": "opened_proposal"}, only_department()),
}


def _own_submission(world):
    if "_own_version" not in world.objects:
        scenario = world.fixture("db").session.get(_scenario_model(), world.objects["published_scenario"])
        pdf = world.fixture("stored_file")()
        world.objects["_own_version"] = world.fixture("submit_proposal")(scenario, world.users["enterprise"],
                                                                         files=[pdf])
    return world.objects["_own_version"]


def _scenario_model():
    from portal.scenarios.models import Scenario

    return Scenario


def _opened_proposal(world):
    """A submission to the department's scenario whose deadline has passed."""
    from portal.util import clock

    db = world.fixture("db")
    scenario = world.fixture("create_scenario")(db.session.get(_scenario_model(), world.objects["published_scenario"])
                                                .batch, state="published", title="已截止场景",
                                                deadline=clock.now() + timedelta(hours=1))
    version = world.fixture("submit_proposal")(scenario, world.users["enterprise"])
    scenario.deadline = clock.now() - timedelta(minutes=1)
    db.session.commit()
    return version.proposal_id


BUILDERS = {
    "own_proposal": lambda world: _own_submission(world).proposal_id,
    "own_receipt": lambda world: _own_submission(world).receipt_no,
    "own_attachment": lambda world: _own_submission(world).attachments[0].id,
    "opened_proposal": _opened_proposal,
}
