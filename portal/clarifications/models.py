import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import _enum
from portal.extensions import db
from portal.scenarios.models import Scenario
from portal.util.dbtypes import UTCDateTime


class QuestionState(enum.StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    DECLINED = "declined"

    @property
    def label(self):
        return {"pending": _l("待答复"), "answered": _l("已答复"), "declined": _l("不予答复")}[self.value]


class Question(db.Model):
    """An enterprise's question on an open scenario, and the department's public answer (答疑).

    Who asked (`organization_id`, `user_id`) is read by the asker only: no relationship leads from here to the
    organization, so no page or serializer reaches the asker's name by walking the object.
    """

    __tablename__ = "clarification_questions"
    __table_args__ = (
        CheckConstraint("state != 'answered' OR (answer IS NOT NULL AND answered_at IS NOT NULL "
                        "AND public_text IS NOT NULL)", name="answered_has_answer"),
        CheckConstraint("state != 'declined' OR (decline_reason IS NOT NULL AND declined_at IS NOT NULL)",
                        name="declined_has_reason"),
        Index("ix_clarification_questions_scenario_state", "scenario_id", "state"),
        Index("ix_clarification_questions_asker", "organization_id", "scenario_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[QuestionState] = mapped_column(_enum(QuestionState), default=QuestionState.PENDING)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The question as published beside the answer: the department may reword it so that it names nobody.
    public_text: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scenario: Mapped[Scenario] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.state == QuestionState.PENDING

    @property
    def is_answered(self) -> bool:
        return self.state == QuestionState.ANSWERED

    @property
    def is_declined(self) -> bool:
        return self.state == QuestionState.DECLINED


class CallTerms(db.Model):
    """A scenario's terms for its call that the department sets beside the scenario itself: when questions close,
    and whether the opening record names the bidders. No row means the defaults."""

    __tablename__ = "scenario_call_terms"

    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), primary_key=True)
    # None: the default, some days before the submission deadline (portal.clarifications.deadlines).
    question_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opening_names_bidders: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
