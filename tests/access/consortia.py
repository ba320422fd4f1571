"""Rows for 联合体: the lead's member list on its own proposal, and a member's invitations."""

from datetime import timedelta

from tests.access import OK
from tests.access.proposals import enterprise_area

ROWS = {
    "proposals.consortium": ("GET", {"proposal_id": "own_consortium"}, enterprise_area()),
    "proposals.remove_member": ("POST", {"proposal_id": "own_consortium", "member_id": "own_member"},
                                enterprise_area()),
    "proposals.invitations": ("GET", {}, enterprise_area(pending=OK)),
    # Only the invited enterprise answers; another enterprise gets 404 (the invitation's existence does not leak).
    "proposals.answer_invitation": ("POST", {"member_id": "invitation", "answer": "confirm"}, enterprise_area()),
}


def _consortium_draft(world):
    """A draft of the "enterprise" on a scenario of its own, leading a consortium with one invited member."""
    if "_consortium" not in world.objects:
        from portal.accounts.models import Role
        from portal.proposals import consortia
        from portal.proposals import operations as proposal_ops
        from portal.scenarios.models import Scenario
        from portal.util import clock

        db = world.fixture("db")
        batch = db.session.get(Scenario, world.objects["published_scenario"]).batch
        scenario = world.fixture("create_scenario")(batch, state="published", title="联合体场景",
                                                    deadline=clock.now() + timedelta(days=5))
        lead = world.users["enterprise"]
        proposal = proposal_ops.open_proposal(scenario, lead)
        partner = world.fixture("create_user")(Role.ENTERPRISE).organization
        member = consortia.name_member(proposal, lead, partner.uscc)
        db.session.commit()
        world.objects["_consortium"] = (proposal.id, member.id)
    return world.objects["_consortium"]


def _invitation(world):
    """Another enterprise's draft naming the "enterprise" as a member."""
    from portal.accounts.models import Role
    from portal.proposals import consortia
    from portal.proposals import operations as proposal_ops
    from portal.scenarios.models import Scenario

    db = world.fixture("db")
    scenario = db.session.get(Scenario, world.objects["published_scenario"])
    lead = world.fixture("create_user")(Role.ENTERPRISE)
    proposal = proposal_ops.open_proposal(scenario, lead)
    member = consortia.name_member(proposal, lead, world.users["enterprise"].organization.uscc)
    db.session.commit()
    return member.id


BUILDERS = {
    "own_consortium": lambda world: _consortium_draft(world)[0],
    "own_member": lambda world: _consortium_draft(world)[1],
    "invitation": _invitation,
}
