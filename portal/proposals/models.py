import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User, _enum
from portal.extensions import db
from portal.scenarios.models import Scenario
from portal.uploads.columns import StoredFile
from portal.util.dbtypes import UTCDateTime


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return {"draft": _l("草稿"), "submitted": _l("已提交"), "withdrawn": _l("已撤回")}[self.value]


version_attachments = Table(
    "version_attachments",
    db.metadata,
    Column("version_id", Integer, ForeignKey("proposal_versions.id"), primary_key=True),
    Column("attachment_id", Integer, ForeignKey("attachments.id"), primary_key=True),
)

# The consortium members a submission was made with, in the order the lead named them: the receipt's digest covers
# their codes, and the 公示 names them, as submitted.
version_members = Table(
    "version_members",
    db.metadata,
    Column("version_id", Integer, ForeignKey("proposal_versions.id"), primary_key=True),
    Column("organization_id", Integer, ForeignKey("organizations.id"), primary_key=True),
    Column("position", Integer, nullable=False),
)


class Proposal(db.Model):
    """The enterprise's working copy for one scenario; what was submitted lives in its versions."""

    __tablename__ = "proposals"
    __table_args__ = (
        # One proposal per (scenario, enterprise), whatever the number of tabs or clicks.
        UniqueConstraint("scenario_id", "organization_id", name="uq_proposals_one_per_enterprise"),
        CheckConstraint("state != 'submitted' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        CheckConstraint("state != 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_has_time"),
        CheckConstraint("plan_months IS NULL OR plan_months > 0", name="plan_positive"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[ProposalState] = mapped_column(_enum(ProposalState), default=ProposalState.DRAFT)
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    approach_html: Mapped[str] = mapped_column(Text, default="")
    plan_months: Mapped[int | None]
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    team: Mapped[str] = mapped_column(Text, default="")
    cases: Mapped[str] = mapped_column(Text, default="")
    version_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scenario: Mapped[Scenario] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User] = relationship()
    versions: Mapped[list["ProposalVersion"]] = relationship(back_populates="proposal",
                                                             order_by="ProposalVersion.number")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="proposal", order_by="Attachment.id")
    members: Mapped[list["ConsortiumMember"]] = relationship(back_populates="proposal",
                                                             order_by="ConsortiumMember.position",
                                                             cascade="all, delete-orphan")

    @property
    def is_consortium(self) -> bool:
        return bool(self.members)

    @property
    def bidders(self) -> list[Organization]:
        """Every organisation of the bid, the lead first. The list cannot change while the proposal stands
        submitted (portal/proposals/consortia.py), so for a submitted bid it is the latest version's list."""
        return [self.organization, *(m.organization for m in self.members)]

    @property
    def bidder_names(self) -> str:
        """The bidder as the receipt, 公示 and results name it: the lead, marked as such in a consortium."""
        return bidder_names_of([o.name for o in self.bidders])

    @property
    def current_attachments(self) -> list["Attachment"]:
        return [a for a in self.attachments if a.removed_at is None]

    @property
    def latest_version(self) -> "ProposalVersion | None":
        return self.versions[-1] if self.versions else None

    # Derived, not stored: a scenario cancelled before its deadline voids every proposal not withdrawn,
    # and keeps them sealed for good (Scenario.cancelled_before_deadline).
    @property
    def is_void(self) -> bool:
        return self.state != ProposalState.WITHDRAWN and self.scenario.cancelled_before_deadline

    @property
    def is_draft(self) -> bool:
        return self.state == ProposalState.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.state == ProposalState.SUBMITTED

    @property
    def is_withdrawn(self) -> bool:
        return self.state == ProposalState.WITHDRAWN

    @property
    def is_effective(self) -> bool:
        """Its latest version stands as the bid: submitted, not withdrawn, not void."""
        return self.is_submitted and not self.is_void

    @property
    def state_label(self):
        return _l("已作废") if self.is_void else self.state.label


class ProposalVersion(db.Model):
    """An immutable submission: what the enterprise sent, when, and the receipt that proves it."""

    __tablename__ = "proposal_versions"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number", name="uq_proposal_versions_number"),
        UniqueConstraint("receipt_year", "receipt_seq", name="uq_proposal_versions_receipt_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    approach_html: Mapped[str] = mapped_column(Text)
    plan_months: Mapped[int]
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    team: Mapped[str] = mapped_column(Text)
    cases: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    receipt_no: Mapped[str] = mapped_column(String(24), unique=True)
    receipt_year: Mapped[int]
    receipt_seq: Mapped[int]
    content_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    submitted_by: Mapped[User] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(secondary=version_attachments, order_by="Attachment.id")
    members: Mapped[list[Organization]] = relationship(secondary=version_members,
                                                       order_by=version_members.c.position, viewonly=True)


class Attachment(StoredFile, db.Model):
    """An uploaded file. Files never change: removing one from a draft only unlinks it from the draft."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")


class ReceiptCounter(db.Model):
    """The last receipt number issued per year; its row lock serialises concurrent submissions."""

    __tablename__ = "receipt_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class MemberState(enum.StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"

    @property
    def label(self):
        return {"invited": _l("待确认"), "confirmed": _l("已确认"), "declined": _l("已拒绝")}[self.value]


class ConsortiumMember(db.Model):
    """A member of a consortium bid (联合体), named by the lead; it confirms or declines in its own account.

    The lead is the proposal's organization and is not a row here. A change of the list voids every confirmation.
    """

    __tablename__ = "consortium_members"
    __table_args__ = (
        UniqueConstraint("proposal_id", "organization_id", name="uq_consortium_members_once"),
        CheckConstraint("state = 'invited' OR answered_at IS NOT NULL", name="answer_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    position: Mapped[int]
    state: Mapped[MemberState] = mapped_column(_enum(MemberState), default=MemberState.INVITED)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="members")
    organization: Mapped[Organization] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.state == MemberState.CONFIRMED

    @property
    def is_invited(self) -> bool:
        return self.state == MemberState.INVITED

    @property
    def is_declined(self) -> bool:
        return self.state == MemberState.DECLINED


def bidder_names_of(names: list[str]) -> str:
    """The bidders' names as one text, the lead first (marked as such in a consortium): `Proposal.bidder_names`
    of names read as plain values."""
    if len(names) == 1:
        return names[0]
    return "、".join([str(_l("%(name)s（牵头）", name=names[0])), *names[1:]])
