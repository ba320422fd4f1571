"""揭榜: drafts, submissions (immutable versions with receipts), withdrawal, attachments.

Each function checks its rule, changes rows, audits and flushes; the request commits once. The
deadline is checked by server time inside the transaction that stores the submission.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, permissions
from portal.accounts.models import User
from portal.errors import Conflict, NotReady, PermissionDenied
from portal.extensions import db
from portal.proposals import caps, consortia, lifecycle, receipts
from portal.proposals.models import Attachment, Proposal, ProposalState, ProposalVersion, ReceiptCounter
from portal.scenarios.operations import ensure_open, scenario_cancelled
from portal.util import clock
from portal.util.text import sanitize_html

EDITABLE = ("title", "summary", "approach", "plan_months", "price", "team", "cases")


@dataclass
class Submission:
    version: ProposalVersion
    repeated: bool  # the same content was already the latest submission (a double click, a resent form)


def find_proposal(scenario, organization_id: int) -> Proposal | None:
    return db.session.scalar(select(Proposal).where(Proposal.scenario_id == scenario.id,
                                                    Proposal.organization_id == organization_id))


def open_proposal(scenario, actor) -> Proposal:
    """Return the enterprise's proposal for the scenario, creating the draft on first use."""
    ensure_open(scenario)
    refusal = permissions.take_list_refusal(actor, scenario)
    if refusal:
        raise PermissionDenied(refusal)
    existing = find_proposal(scenario, actor.organization_id)
    if existing is not None:
        return _locked(existing)
    now = clock.now()
    proposal = Proposal(scenario=scenario, organization_id=actor.organization_id, created_by_id=actor.id,
                        state=ProposalState.DRAFT, created_at=now, updated_at=now)
    # Two tabs or a double click may race to create it; the unique constraint decides, and the loser
    # simply continues with the winner's row.
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
    except IntegrityError:
        existing = find_proposal(scenario, actor.organization_id)
        if existing is None:
            raise
        return _locked(existing)
    audit.record(actor, "proposal.create", proposal, sealed_by=scenario, scenario=scenario.id)
    return proposal


def _locked(proposal: Proposal) -> Proposal:
    # Serialise concurrent changes to one proposal (PostgreSQL row lock; SQLite already writes one at a time).
    db.session.refresh(proposal, with_for_update=True)
    return proposal


def _require_editable(proposal: Proposal, actor) -> None:
    if not permissions.owns_proposal(actor, proposal):
        raise PermissionDenied(_("您无权修改该揭榜方案。"))
    ensure_open(proposal.scenario)


def _clean_fields(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown proposal fields: {sorted(unknown)}")
    values = {}
    for name, value in fields.items():
        if name == "approach":
            values["approach_html"] = sanitize_html(value or "")
        elif name == "price":
            values["price"] = _decimal(value)
        elif name == "plan_months":
            values["plan_months"] = int(value) if value not in (None, "") else None
            if values["plan_months"] is not None and values["plan_months"] <= 0:
                raise NotReady(_("实施周期应为正整数（月）。"))
        else:
            values[name] = (value or "").strip()
    return values


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise NotReady(_("报价应为数字（万元）。")) from error
    if amount < 0:
        raise NotReady(_("报价不能为负数。"))
    return amount


def _attach(proposal: Proposal, actor, files) -> list[Attachment]:
    limit = current_app.config["UPLOAD_MAX_FILES"]
    if len(proposal.current_attachments) + len(files) > limit:
        raise NotReady(_("每份方案最多 %(n)d 个附件，请先删除不需要的附件。", n=limit))
    now = clock.now()
    added = []
    for checked in files:
        attachment = Attachment(proposal=proposal, stored_name=checked.stored_name,
                                display_name=checked.display_name, kind=checked.kind, mimetype=checked.mimetype,
                                size=checked.size, sha256=checked.sha256, uploaded_at=now, uploaded_by_id=actor.id)
        db.session.add(attachment)
        added.append(attachment)
    return added


def save_draft(proposal: Proposal, actor, fields: dict, files=()) -> Proposal:
    """Keep the working copy; nothing saved here is a submission."""
    _require_editable(proposal, actor)
    for name, value in _clean_fields(fields).items():
        setattr(proposal, name, value)
    added = _attach(proposal, actor, list(files))
    proposal.updated_at = clock.now()
    audit.record(actor, "proposal.save", proposal, sealed_by=proposal.scenario,
                 attachments=[a.display_name for a in added])
    db.session.flush()
    return proposal


def submission_problems(proposal: Proposal, declaration: bool) -> list[str]:
    """What a submission still lacks (empty when it can be submitted)."""
    problems = []
    if not proposal.title:
        problems.append(_("方案名称"))
    if not proposal.summary:
        problems.append(_("方案摘要"))
    if not proposal.approach_html:
        problems.append(_("技术路线"))
    if not proposal.plan_months:
        problems.append(_("实施周期（月）"))
    if proposal.price is None:
        problems.append(_("报价（万元）"))
    if not proposal.team:
        problems.append(_("团队情况"))
    if not declaration:
        problems.append(_("承诺书（请勾选）"))
    return problems


def submit_proposal(proposal: Proposal, actor, *, declaration: bool) -> Submission:
    """Submit the working copy as a new immutable version and issue its receipt."""
    _require_editable(proposal, actor)
    problems = submission_problems(proposal, declaration)
    if problems:
        raise NotReady(_("提交前请补全：%(items)s。", items="、".join(problems)))
    now = clock.now()
    if now >= proposal.scenario.deadline:
        ensure_open(proposal.scenario)  # the deadline passed while this request ran: refuse it the same way
    consortia.ensure_ready(proposal)
    caps.ensure_place(proposal)
    current = proposal.current_attachments
    content = {name: getattr(proposal, name) for name in receipts.CONTENT_FIELDS}
    records = [receipts.attachment_record(a) for a in current]
    digest_of_content = receipts.content_digest(content, records)
    latest = proposal.latest_version
    if proposal.state == ProposalState.SUBMITTED and latest and latest.content_digest == digest_of_content:
        return Submission(latest, repeated=True)

    submitted_at = now.replace(microsecond=0)
    year = submitted_at.astimezone(clock.LOCAL_TZ).year
    seq = _next_receipt_seq(year)
    number = proposal.version_count + 1
    receipt_no = receipts.receipt_number(year, seq)
    version = ProposalVersion(
        proposal=proposal, number=number, submitted_at=submitted_at, submitted_by_id=actor.id,
        receipt_no=receipt_no, receipt_year=year, receipt_seq=seq, content_digest=digest_of_content,
        digest=receipts.receipt_digest(receipt_no=receipt_no, scenario_id=proposal.scenario_id,
                                       uscc=proposal.organization.uscc or "", version=number,
                                       submitted_at=submitted_at, fields=content, attachments=records,
                                       members=[m.organization.uscc or "" for m in proposal.members]),
        attachments=list(current), **content,
    )
    db.session.add(version)
    db.session.flush()
    consortia.record_submission(proposal, version)
    proposal.version_count = number
    proposal.state = lifecycle.ensure_transition(proposal, "submit")
    proposal.submitted_at = submitted_at
    proposal.withdrawn_at = None
    audit.record(actor, "proposal.submit", proposal, sealed_by=proposal.scenario, version=number, receipt=receipt_no,
                 digest=version.digest)
    _tell_organization(proposal, "receipt_issued", _("揭榜方案已提交：%(title)s", title=proposal.scenario.title),
                       _("回执编号 %(no)s，摘要（SHA-256）%(digest)s。", no=receipt_no, digest=version.digest),
                       f"/receipts/{receipt_no}")
    db.session.flush()
    return Submission(version, repeated=False)


def _next_receipt_seq(year: int) -> int:
    """Take the next receipt number of the year; the counter row's lock orders concurrent submitters."""
    if db.session.get(ReceiptCounter, year) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ReceiptCounter(year=year, last_seq=0))
        except IntegrityError:
            pass  # another submitter created the year's row first
    return db.session.execute(
        update(ReceiptCounter).where(ReceiptCounter.year == year)
        .values(last_seq=ReceiptCounter.last_seq + 1).returning(ReceiptCounter.last_seq)
    ).scalar_one()


def withdraw_proposal(proposal: Proposal, actor) -> Proposal:
    """Withdraw a submitted proposal before the deadline (it can be submitted again later), or a void one."""
    if not permissions.owns_proposal(actor, proposal):
        raise PermissionDenied(_("您无权修改该揭榜方案。"))
    void = proposal.is_void
    if not void:
        # A void proposal (its scenario was cancelled before the deadline) stays the bidder's to take back.
        ensure_open(proposal.scenario)
    if not lifecycle.permits(proposal, "withdraw"):
        raise Conflict(_("只有已提交的方案可以撤回。"))
    proposal.state = lifecycle.ensure_transition(proposal, "withdraw")
    proposal.withdrawn_at = clock.now()
    proposal.updated_at = proposal.withdrawn_at
    audit.record(actor, "proposal.withdraw", proposal, sealed_by=proposal.scenario, void=void)
    consortia.void_on_withdrawal(proposal, actor)
    _tell_organization(proposal, "proposal_withdrawn", _("揭榜方案已撤回：%(title)s", title=proposal.scenario.title),
                       _("该场景已撤销，方案不会再被查看。") if void else _("截止时间前可以重新提交。"),
                       f"/proposals/{proposal.id}")
    db.session.flush()
    return proposal


def tell_bidders_of_cancellation(scenario, actor=None) -> int:
    """Tell each enterprise that bid on (or was preparing a bid for) a cancelled scenario; return how many.

    Each hears only of its own proposal: no message names another bidder, and the department is not
    told who they were.
    """
    proposals = db.session.scalars(select(Proposal).where(Proposal.scenario_id == scenario.id,
                                                          Proposal.state != ProposalState.WITHDRAWN)
                                   .order_by(Proposal.id)).all()
    title = _("场景已撤销：%(title)s", title=scenario.title)
    if scenario.cancelled_before_deadline:
        body = _("发布单位在揭榜截止前撤销了该场景，原因：%(reason)s。贵单位的方案已作废并永久密封，"
                 "他人无法查看；您仍可查看或撤回本单位的方案。", reason=scenario.cancel_reason)
    else:
        body = _("发布单位撤销了该场景，原因：%(reason)s。", reason=scenario.cancel_reason)
    for proposal in proposals:
        _tell_organization(proposal, "scenario_cancelled", title, body, f"/proposals/{proposal.id}")
    return len(proposals)


@scenario_cancelled.connect
def _on_scenario_cancelled(scenario, actor=None, **_extra) -> None:
    tell_bidders_of_cancellation(scenario, actor)


def remove_attachment(attachment: Attachment, actor) -> None:
    """Take a file out of the working copy; versions that included it keep it."""
    _require_editable(attachment.proposal, actor)
    if attachment.removed_at is None:
        attachment.removed_at = clock.now()
        audit.record(actor, "proposal.attachment_remove", attachment.proposal, sealed_by=attachment.proposal.scenario,
                     attachment=attachment.display_name)
        db.session.flush()


def record_read(actor, proposal: Proposal, what: str) -> None:
    """Audit a read of sealed content (a proposal page, a list, an attachment)."""
    # Reads happen once the seal has lifted; should one ever happen before, its record keeps the seal.
    audit.record(actor, "proposal.read", proposal, sealed_by=proposal.scenario, what=what)


def record_list_read(actor, scenario, proposals, what: str) -> None:
    """Audit a page that lists sealed content of several proposals: one record on the scenario naming them."""
    # One record per page view rather than one per row: a department's list or ranking names a few hundred
    # proposals, and the record still says who saw which proposals, when and from where.
    if not proposals:
        return
    audit.record(actor, "proposal.read", scenario, sealed_by=scenario, what=what,
                 proposals=[proposal.id for proposal in proposals])


def verify_receipt(receipt_no: str, digest: str) -> bool:
    """Whether a receipt number and digest match a stored submission; reveals nothing else."""
    version = db.session.scalar(select(ProposalVersion).where(ProposalVersion.receipt_no == (receipt_no or "").strip()
                                                              .upper()))
    if version is None:
        return False
    recomputed = receipts.version_digest(version)
    return recomputed == version.digest and receipts.digests_match(recomputed, digest)


def _tell_organization(proposal: Proposal, kind: str, title: str, body: str, link: str) -> None:
    from portal.notifications.operations import notify

    members = db.session.scalars(select(User).where(User.organization_id == proposal.organization_id,
                                                    User.active.is_(True))).all()
    for user in members:
        notify(user, kind, title, body, link)
