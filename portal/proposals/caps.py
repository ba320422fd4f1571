"""The cap of a batch: at most `Batch.proposal_cap` standing proposals per enterprise across the batch's scenarios.

A proposal stands while it is submitted: a draft takes no place, and a withdrawn proposal gives its place back
(submitting it again takes one anew). Replacing a standing submission keeps its place. The check runs inside the
submission's transaction with the batch row locked, so two submissions at the same moment cannot both take the last
place (PostgreSQL: SELECT … FOR UPDATE; SQLite writes one transaction at a time).

Who a proposal counts for is `bidders(proposal)`; the count for one of them is `standing_count`, whose condition
`_counts_for` is the one place that says which proposals are an enterprise's.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import audit, permissions
from portal.errors import Conflict, PermissionDenied
from portal.extensions import db
from portal.proposals import consortia
from portal.proposals.models import Proposal, ProposalState
from portal.scenarios import operations as scenario_operations
from portal.scenarios.models import Batch, Scenario
from portal.util import clock


class CapReached(Conflict):
    """The enterprise already has as many standing proposals in the batch as the batch allows."""


@dataclass(frozen=True)
class Places:
    cap: int
    used: int  # standing proposals of the enterprise in the batch
    holds_one: bool  # the proposal at hand is one of them (submitting it again replaces it)

    @property
    def left(self) -> int:
        return max(self.cap - self.used, 0)

    @property
    def can_submit(self) -> bool:
        return self.holds_one or self.used < self.cap


def bidders(proposal: Proposal) -> list[int]:
    """The organizations a proposal takes a place from: the lead and every member of a consortium."""
    return [proposal.organization_id, *(m.organization_id for m in proposal.members)]


def _counts_for(organization_id: int):
    return consortia.taking_part_clause(organization_id)


def standing_count(batch_id: int, organization_id: int) -> int:
    """How many of the enterprise's proposals stand submitted in the batch."""
    return db.session.scalar(
        select(func.count()).select_from(Proposal).join(Scenario, Scenario.id == Proposal.scenario_id)
        .where(Scenario.batch_id == batch_id, Proposal.state == ProposalState.SUBMITTED, _counts_for(organization_id)))


def batch_has_submissions(batch_id: int) -> bool:
    return db.session.scalar(
        select(select(Proposal.id).join(Scenario, Scenario.id == Proposal.scenario_id)
               .where(Scenario.batch_id == batch_id, Proposal.state == ProposalState.SUBMITTED).exists()))


def places(batch: Batch, organization_id: int, proposal: Proposal | None = None) -> Places:
    """The enterprise's places in the batch, for its submit page."""
    return Places(cap=batch.proposal_cap, used=standing_count(batch.id, organization_id),
                  holds_one=proposal is not None and proposal.state == ProposalState.SUBMITTED)


def _locked_cap(batch_id: int) -> int:
    # The batch row is the lock every submission in the batch and every cap change takes, in that transaction.
    return db.session.scalar(select(Batch.proposal_cap).where(Batch.id == batch_id).with_for_update())


def ensure_place(proposal: Proposal) -> None:
    """Refuse a submission that would take the enterprise over the batch's cap (a replacement takes no new place)."""
    if proposal.state == ProposalState.SUBMITTED:
        return
    batch_id = proposal.scenario.batch_id
    cap = _locked_cap(batch_id)
    for organization_id in bidders(proposal):
        used = standing_count(batch_id, organization_id)
        if used >= cap and organization_id != proposal.organization_id:
            # A member's other bids are its own (sealed) business: the lead is not told how many or where.
            name = next(m.organization.name for m in proposal.members if m.organization_id == organization_id)
            raise CapReached(_("联合体成员“%(name)s”在本批次参加的揭榜方案已达上限（每家企业最多 %(cap)d 份），"
                               "不能提交；请与该成员联系。", name=name, cap=cap))
        if used >= cap:
            raise CapReached(_("本批次每家企业最多提交 %(cap)d 份揭榜方案，贵单位已提交 %(used)d 份。"
                               "如需改投，请先撤回已提交的方案。", cap=cap, used=used))


def change_cap(batch: Batch, actor, proposal_cap) -> Batch:
    """Set the batch's cap: any value while no proposal stands submitted in it, afterwards only a higher one.

    Lowering it then would leave enterprises that submitted under the announced terms over the new limit, or
    treat them differently from those who come later; raising it takes nothing from anyone.
    """
    if not permissions.can_manage_batch(actor, batch):
        raise PermissionDenied(_("您无权执行该操作。"))
    if proposal_cap is None:  # left empty: the cap stays as it is
        return batch
    cap = scenario_operations.checked_proposal_cap(proposal_cap)
    before = _locked_cap(batch.id)
    if cap == before:
        return batch
    if cap < before and batch_has_submissions(batch.id):
        error = Conflict(_("本批次已有企业提交揭榜方案，每家企业限报数量只能调高，不能调低（现为 %(cap)d 项）。",
                           cap=before))
        error.field = "proposal_cap"  # shown on the form's field (portal.web.views.refuse)
        raise error
    batch.proposal_cap = cap
    batch.updated_at = clock.now()
    audit.record(actor, "batch.cap", batch, before=before, after=cap)
    db.session.flush()
    return batch


def update_batch(batch: Batch, actor, *, title: str, summary: str = "", proposal_cap=None) -> Batch:
    """The batch form: title and summary (portal.scenarios), then the cap under its rule."""
    scenario_operations.update_batch(batch, actor, title=title, summary=summary)
    return change_cap(batch, actor, proposal_cap)
