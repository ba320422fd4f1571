"""The department's decision (定榜) and its 公示, and the objections (异议) filed during it."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User, _enum
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.scenarios.models import Scenario
from portal.util import clock, workdays
from portal.util.dbtypes import UTCDateTime

decision_winners = Table(
    "decision_winners",
    db.metadata,
    Column("scenario_id", Integer, ForeignKey("decisions.scenario_id"), primary_key=True),
    Column("proposal_id", Integer, ForeignKey("proposals.id"), primary_key=True),
)


class Feedback(enum.StrEnum):
    """What each bidder reads of its own review once the result is final (the department chooses per scenario)."""

    NONE = "none"
    TOTAL = "total"
    PLACE = "place"
    COMMENTS = "comments"

    @property
    def label(self):
        return {"none": _l("不反馈"), "total": _l("仅总分"), "place": _l("总分和名次"),
                "comments": _l("总分、名次和专家评语")}[self.value]

    @property
    def shows_total(self) -> bool:
        return self != Feedback.NONE

    @property
    def shows_place(self) -> bool:
        return self in (Feedback.PLACE, Feedback.COMMENTS)

    @property
    def shows_comments(self) -> bool:
        return self == Feedback.COMMENTS


class Outcome(enum.StrEnum):
    """The department's finding on an objection."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    REJECTED = "rejected"

    @property
    def label(self):
        return {"upheld": _l("成立"), "partly_upheld": _l("部分成立"), "rejected": _l("不成立")}[self.value]

    @property
    def reopens(self) -> bool:
        """An objection found (partly) right sends the result back: to the review or to a new decision."""
        return self != Outcome.REJECTED


class Consequence(enum.StrEnum):
    """Where an upheld objection sends the scenario: each is an action of portal.scenarios.lifecycle."""

    REVIEW = "reopen_review"
    DECISION = "reopen_decision"

    @property
    def label(self):
        return {"reopen_review": _l("退回评审（全部评分退回专家重新评审）"),
                "reopen_decision": _l("重新定榜（沿用现有评分）")}[self.value]


class Decision(db.Model):
    """The department's choice of winners, and its 公示 (announcement window) once announced.

    One row per scenario: the current decision. When an upheld objection reopens it, the row is copied to
    PastDecision and removed; the next decision is the next `round`, and the objections of every round stay."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("announced_at IS NULL OR (starts_at IS NOT NULL AND ends_at IS NOT NULL "
                        "AND ends_at > starts_at)", name="announced_has_window"),
    )

    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), primary_key=True, autoincrement=False)
    rationale: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    publish_scores: Mapped[bool] = mapped_column(default=False)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    feedback: Mapped[Feedback] = mapped_column(_enum(Feedback), default=Feedback.COMMENTS,
                                               server_default=Feedback.COMMENTS.value)

    scenario: Mapped[Scenario] = relationship()
    winners: Mapped[list[Proposal]] = relationship(secondary=decision_winners, order_by="Proposal.id")
    # The objections to this round's 公示, loaded with the decision (one statement for a whole list of them):
    # Scenario.status reads them to tell a 公示 still running from a final result.
    objections: Mapped[list["Objection"]] = relationship(
        back_populates="decision", order_by="Objection.id", lazy="selectin",
        primaryjoin="and_(Decision.scenario_id == foreign(Objection.scenario_id), "
                    "Decision.round == foreign(Objection.round))",
        # A reopened decision is removed; its objections stay on record untouched (never nulled or deleted).
        passive_deletes="all")

    @property
    def is_announced(self) -> bool:
        return self.announced_at is not None

    @property
    def window_started(self) -> bool:
        return self.is_announced and self.starts_at <= clock.now()

    @property
    def window_open(self) -> bool:
        """公示 accepts objections from its start up to, not including, its end."""
        return self.is_announced and self.starts_at <= clock.now() < self.ends_at

    @property
    def window_over(self) -> bool:
        return self.is_announced and self.ends_at <= clock.now()

    @property
    def working_days(self) -> int | None:
        """How many working days the 公示 runs (the start day not counted, a 24:00 end counted with its day)."""
        if not self.is_announced:
            return None
        return workdays.working_days_between(clock.to_local(self.starts_at).date(),
                                             workdays.closing_day(self.ends_at))

    @property
    def open_objections(self) -> list["Objection"]:
        return [o for o in self.objections if o.answered_at is None]

    # The end of 公示 makes the result final by server time, with no scheduled job, once every objection is
    # answered. Scenario.status and Scenario.status_clause read these two through Scenario.decision; they
    # must always agree.
    @property
    def is_settled(self) -> bool:
        return self.window_over and not self.open_objections

    @classmethod
    def settled_clause(cls):
        unanswered = exists(select(Objection.id).where(Objection.scenario_id == cls.scenario_id,
                                                       Objection.round == cls.round,
                                                       Objection.answered_at.is_(None)))
        return and_(cls.ends_at <= clock.now(), ~unanswered)


class Objection(db.Model):
    """An objection (异议) filed by a verified enterprise during 公示, and the department's answer."""

    __tablename__ = "objections"
    __table_args__ = (
        CheckConstraint("answered_at IS NULL OR answer IS NOT NULL", name="answered_has_text"),
        # Every answer states its finding; one that reopens the result says where it sent it.
        CheckConstraint("answered_at IS NULL OR outcome IS NOT NULL", name="answered_has_outcome"),
        CheckConstraint("consequence IS NULL OR outcome IN ('upheld', 'partly_upheld')",
                        name="consequence_when_upheld"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The scenario, not its decision: a reopened decision is removed, and its objections stay on record.
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attachment_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_mimetype: Mapped[str | None] = mapped_column(String(100))
    attachment_size: Mapped[int | None]
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome))
    consequence: Mapped[Consequence | None] = mapped_column(_enum(Consequence))

    # The current decision while this objection's round is the current one; None once that round was reopened.
    decision: Mapped[Decision | None] = relationship(
        back_populates="objections",
        primaryjoin="and_(Decision.scenario_id == foreign(Objection.scenario_id), "
                    "Decision.round == foreign(Objection.round))")
    scenario: Mapped[Scenario] = relationship(viewonly=True)  # scenario_id is written with the round
    organization: Mapped[Organization] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def reopened_the_result(self) -> bool:
        return self.consequence is not None


class PastDecision(db.Model):
    """A decision and its 公示 that an upheld objection reopened, kept as it was announced (history)."""

    __tablename__ = "past_decisions"
    __table_args__ = (UniqueConstraint("scenario_id", "round", name="uq_past_decisions_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    round: Mapped[int]
    rationale: Mapped[str] = mapped_column(Text)
    winner_names: Mapped[str] = mapped_column(Text)  # as they were announced, joined with 、
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"))
    consequence: Mapped[Consequence] = mapped_column(_enum(Consequence))

    objection: Mapped[Objection] = relationship(foreign_keys=[objection_id])
    objections: Mapped[list[Objection]] = relationship(
        viewonly=True, order_by="Objection.id",
        primaryjoin="and_(PastDecision.scenario_id == foreign(Objection.scenario_id), "
                    "PastDecision.round == foreign(Objection.round))")
