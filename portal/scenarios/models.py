import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, and_, not_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, _enum
from portal.extensions import db
from portal.reference import district_label, sector_label
from portal.util import clock
from portal.util.dbtypes import UTCDateTime

if TYPE_CHECKING:  # the 公示 domain sits above this one: named for the type checker only, never imported
    from portal.announcements.models import Decision


class BatchState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self):
        return {"draft": _l("草稿"), "published": _l("已发布")}[self.value]


class ScenarioState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    UNDER_REVIEW = "under_review"
    DECIDED = "decided"
    ANNOUNCED = "announced"
    FINAL = "final"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    ScenarioState.DRAFT: _l("草稿"),
    ScenarioState.PUBLISHED: _l("揭榜中"),
    ScenarioState.CLOSED: _l("已截止"),
    ScenarioState.UNDER_REVIEW: _l("评审中"),
    ScenarioState.DECIDED: _l("已定榜"),
    ScenarioState.ANNOUNCED: _l("公示中"),
    ScenarioState.FINAL: _l("揭榜成功"),
    ScenarioState.CANCELLED: _l("已撤销"),
}


DEFAULT_PROPOSAL_CAP = 3
MAX_PROPOSAL_CAP = 99


class Batch(db.Model):
    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint("state != 'published' OR published_at IS NOT NULL", name="published_has_time"),
        CheckConstraint("proposal_cap >= 1", name="proposal_cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary_html: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    state: Mapped[BatchState] = mapped_column(_enum(BatchState), default=BatchState.DRAFT, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # At most this many standing (submitted, not withdrawn) proposals per enterprise across the batch's scenarios
    # (portal.proposals.caps enforces it at submission).
    proposal_cap: Mapped[int] = mapped_column(default=DEFAULT_PROPOSAL_CAP, server_default=str(DEFAULT_PROPOSAL_CAP))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    department: Mapped[Organization] = relationship(lazy="joined")
    scenarios: Mapped[list["Scenario"]] = relationship(back_populates="batch", order_by="Scenario.id")

    @property
    def is_published(self) -> bool:
        return self.state == BatchState.PUBLISHED


class Scenario(db.Model):
    __tablename__ = "scenarios"
    __table_args__ = (
        # A cancelled draft was never public and keeps published_at empty.
        CheckConstraint("state IN ('draft', 'cancelled') OR published_at IS NOT NULL", name="published_has_time"),
        CheckConstraint("state != 'cancelled' OR (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)",
                        name="cancelled_has_reason"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_not_negative"),
        Index("ix_scenarios_public", "state", "deadline"),
        # The public list's order with its batch and filter columns: a deep page or a count walks this
        # narrow index instead of sorting the wide rows (portal.scenarios.queries.public_ids_query).
        Index("ix_scenarios_listing", "published_at", "id", "batch_id", "state", "sector", "district"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str] = mapped_column(String(16), index=True)
    description_html: Mapped[str] = mapped_column(Text, default="")
    requirements_html: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    state: Mapped[ScenarioState] = mapped_column(_enum(ScenarioState), default=ScenarioState.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    batch: Mapped[Batch] = relationship(back_populates="scenarios")
    department: Mapped[Organization] = relationship(lazy="joined")
    # The decision and its 公示, read-only from this side (portal.announcements writes it). Named by string,
    # so this domain imports nothing above it; lists eager-load it for `status` (portal.scenarios.queries).
    decision: Mapped["Decision | None"] = relationship("Decision", viewonly=True, uselist=False)

    # The deadline closes a scenario by server time, with no scheduled job: a published scenario
    # past its deadline *is* closed, whether or not the row has been brought up to date yet.
    @property
    def status(self) -> ScenarioState:
        if self.state == ScenarioState.PUBLISHED and self.deadline is not None and self.deadline <= clock.now():
            return ScenarioState.CLOSED
        # Likewise the end of 公示, with every objection answered, makes the result final (揭榜成功).
        if self.state == ScenarioState.ANNOUNCED and self.decision is not None and self.decision.is_settled:
            return ScenarioState.FINAL
        return self.state

    @classmethod
    def is_open_clause(cls):
        return and_(cls.state == ScenarioState.PUBLISHED, cls.deadline > clock.now())

    @classmethod
    def status_clause(cls, status: ScenarioState, state=None):
        """`status` as a SQL condition. `state` stands for the state column in it (an expression of it that no
        index serves, when the caller wants the rows walked in another index's order instead)."""
        state = cls.state if state is None else state
        if status == ScenarioState.PUBLISHED:
            return and_(state == ScenarioState.PUBLISHED, cls.deadline > clock.now())
        if status == ScenarioState.CLOSED:
            return or_(state == ScenarioState.CLOSED,
                       and_(state == ScenarioState.PUBLISHED, cls.deadline <= clock.now()))
        if status in (ScenarioState.ANNOUNCED, ScenarioState.FINAL):
            settled = cls._decision_settled_clause()
            if status == ScenarioState.FINAL:
                return or_(state == ScenarioState.FINAL, and_(state == ScenarioState.ANNOUNCED, settled))
            return and_(state == ScenarioState.ANNOUNCED, ~settled)
        return state == status

    @classmethod
    def _decision_settled_clause(cls):
        # `status`'s reading of the decision, in SQL: the decision's own rule, reached through the
        # relationship's target so that the rule is written once, in the domain that owns it.
        decision = cls.decision.property.mapper.class_
        return cls.decision.has(decision.settled_clause())

    @property
    def is_open(self) -> bool:
        return self.status == ScenarioState.PUBLISHED

    # What a page shows of the state; what a person may do about it is in portal.permissions.
    @property
    def is_draft(self) -> bool:
        return self.state == ScenarioState.DRAFT

    @property
    def is_cancelled(self) -> bool:
        return self.state == ScenarioState.CANCELLED

    @property
    def is_final(self) -> bool:
        return self.status == ScenarioState.FINAL

    @property
    def has_result(self) -> bool:
        """In 公示 or final: the winners are named on the scenario's page (to whoever may see the 公示)."""
        return self.status in (ScenarioState.ANNOUNCED, ScenarioState.FINAL)

    # --- Sealed bids (揭榜挂帅) ------------------------------------------------------------------------
    # A proposal's content and its bidder's name are read by anyone but the bidder only once the deadline
    # has passed on a scenario that was not cancelled before it. A scenario cancelled before its deadline
    # keeps its bids sealed for good: otherwise a department could open the bids by cancelling its own
    # scenario, and then publish the same need again. The rule is written here once, as a predicate for
    # one row and its SQL twin for queries; the two must always agree (tests/proposals/test_seal_invariant.py).
    # `published_at` is belt and braces: a scenario never published has no bids to open.

    @property
    def cancelled_before_deadline(self) -> bool:
        """Cancelled while still taking proposals: its bids stay sealed and are void."""
        return (self.state == ScenarioState.CANCELLED
                and (self.deadline is None or self.cancelled_at is None or self.cancelled_at < self.deadline))

    @classmethod
    def cancelled_before_deadline_clause(cls):
        return and_(cls.state == ScenarioState.CANCELLED,
                    or_(cls.deadline.is_(None), cls.cancelled_at.is_(None), cls.cancelled_at < cls.deadline))

    @property
    def bids_unsealed(self) -> bool:
        """Whether people other than the bidders may read the proposals (department, reviewers, 公示)."""
        return (self.published_at is not None and self.deadline is not None and self.deadline <= clock.now()
                and not self.cancelled_before_deadline)

    @classmethod
    def bids_unsealed_clause(cls):
        """`bids_unsealed` as a SQL condition on scenarios, for every query that reads others' proposals."""
        return and_(cls.published_at.is_not(None), cls.deadline.is_not(None), cls.deadline <= clock.now(),
                    not_(cls.cancelled_before_deadline_clause()))

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    @property
    def sector_label(self) -> str:
        return sector_label(self.sector)

    @property
    def district_label(self) -> str:
        return district_label(self.district)

    def time_left(self):
        if not self.is_open:
            return None
        return self.deadline - clock.now()
