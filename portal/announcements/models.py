"""The department's decision (定榜) and its 公示, and the objections (异议) filed during it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, and_, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User
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


class Decision(db.Model):
    """The department's choice of winners, and its 公示 (announcement window) once announced."""

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

    scenario: Mapped[Scenario] = relationship()
    winners: Mapped[list[Proposal]] = relationship(secondary=decision_winners, order_by="Proposal.id")
    # Loaded with the decision (one statement for a whole list of them): Scenario.status reads them to tell
    # a 公示 still running from a final result.
    objections: Mapped[list["Objection"]] = relationship(back_populates="decision", order_by="Objection.id",
                                                         lazy="selectin")

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
                                                       Objection.answered_at.is_(None)))
        return and_(cls.ends_at <= clock.now(), ~unanswered)


class Objection(db.Model):
    """An objection (异议) filed by a verified enterprise during 公示, and the department's answer."""

    __tablename__ = "objections"
    __table_args__ = (
        CheckConstraint("answered_at IS NULL OR answer IS NOT NULL", name="answered_has_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("decisions.scenario_id"), index=True)
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

    decision: Mapped[Decision] = relationship(back_populates="objections")
    organization: Mapped[Organization] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
