from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.scenarios.models import Scenario
from portal.uploads.columns import StoredFile
from portal.util.dbtypes import UTCDateTime


class ScenarioAmendment(db.Model):
    """One 变更公告: a version of a published call, what it changed (old and new values) and why."""

    __tablename__ = "scenario_amendments"
    __table_args__ = (
        UniqueConstraint("scenario_id", "number", name="uq_scenario_amendments_number"),
        CheckConstraint("reason != ''", name="has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    number: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    # {field: {"old": …, "new": …}} for requirements, budget and deadline; {"added": [...], "removed": [...]}
    # for attachments (each {"id", "name"}). Values are stored as shown: HTML, a decimal string, an ISO time.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A change of the requirements (their text or the call's files) asks every earlier bidder to confirm.
    requirements_changed: Mapped[bool] = mapped_column(default=False)
    deadline_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    scenario: Mapped[Scenario] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def deadline_moved(self) -> bool:
        return self.deadline_before != self.deadline_after


class ScenarioAttachment(StoredFile, db.Model):
    """A file of the call (需求说明书, drawings). Files never change: removing one keeps it in the history."""

    __tablename__ = "scenario_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_in_id: Mapped[int | None] = mapped_column(ForeignKey("scenario_amendments.id"))
    removed_in_id: Mapped[int | None] = mapped_column(ForeignKey("scenario_amendments.id"))

    scenario: Mapped[Scenario] = relationship()

    @property
    def is_current(self) -> bool:
        return self.removed_at is None


class ProposalConfirmation(db.Model):
    """A bidder's confirmation that its submitted proposal stands under the requirements as amended.

    It covers every amendment made before `confirmed_at`; a later submission covers them as well.
    """

    __tablename__ = "proposal_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("scenario_amendments.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    proposal: Mapped[Proposal] = relationship()
    amendment: Mapped[ScenarioAmendment] = relationship()
