import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User, _enum
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.scenarios.models import Scenario
from portal.util.dbtypes import UTCDateTime


class ReviewState(enum.StrEnum):
    PENDING = "pending"  # assigned; the reviewer has not yet declared (回避声明)
    EXCLUDED = "excluded"  # kept out automatically: the reviewer's conflict profile matches the bidder
    RECUSED = "recused"  # the reviewer declared a conflict; a replacement is needed
    IN_PROGRESS = "in_progress"  # declared no conflict; scores may be drafted
    SUBMITTED = "submitted"  # final, unless the department reopens it
    REPLACED = "replaced"  # overdue after the review period; the department gave the work to a standby reviewer

    @property
    def label(self):
        return REVIEW_STATE_LABELS[self]


REVIEW_STATE_LABELS = {
    ReviewState.PENDING: _l("待声明"),
    ReviewState.EXCLUDED: _l("自动回避"),
    ReviewState.RECUSED: _l("声明回避"),
    ReviewState.IN_PROGRESS: _l("评审中"),
    ReviewState.SUBMITTED: _l("已提交"),
    ReviewState.REPLACED: _l("逾期已替换"),
}
ACTIVE_STATES = (ReviewState.PENDING, ReviewState.IN_PROGRESS, ReviewState.SUBMITTED)
UNFINISHED_STATES = (ReviewState.PENDING, ReviewState.IN_PROGRESS)


class ReviewSetup(db.Model):
    """A scenario's review mode and rubric; absent until the department first saves or assigns."""

    __tablename__ = "review_setups"

    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), primary_key=True, autoincrement=False)
    blind: Mapped[bool] = mapped_column(default=True)
    # [[name, weight], ...]; the weights are integers summing to 100 and are each criterion's maximum.
    rubric: Mapped[list] = mapped_column(JSON)
    # The end of the review period (exclusive): reviewers are reminded before it, and flagged overdue after it.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scenario: Mapped[Scenario] = relationship()

    @property
    def criteria(self) -> list[tuple[str, int]]:
        return [(name, int(weight)) for name, weight in self.rubric]


class Review(db.Model):
    """One reviewer's review of one proposal."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("proposal_id", "reviewer_id", name="uq_reviews_once_per_reviewer"),
        CheckConstraint("state NOT IN ('excluded', 'recused') OR conflict_reason IS NOT NULL",
                        name="conflict_has_reason"),
        CheckConstraint("state != 'submitted' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        CheckConstraint("state NOT IN ('in_progress', 'submitted') OR declared_at IS NOT NULL",
                        name="scored_after_declaration"),
        CheckConstraint("state != 'replaced' OR replaced_at IS NOT NULL", name="replaced_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[ReviewState] = mapped_column(_enum(ReviewState), default=ReviewState.PENDING)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conflict_reason: Mapped[str | None] = mapped_column(Text)
    opinion: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scenario: Mapped[Scenario] = relationship()
    proposal: Mapped[Proposal] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    scores: Mapped[list["ReviewScore"]] = relationship(back_populates="review", order_by="ReviewScore.position",
                                                       cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_pending(self) -> bool:
        """Assigned, waiting for the reviewer's 回避声明."""
        return self.state == ReviewState.PENDING

    @property
    def is_submitted(self) -> bool:
        return self.state == ReviewState.SUBMITTED

    @property
    def is_unfinished(self) -> bool:
        """Still the reviewer's work to do: assigned and not yet submitted."""
        return self.state in UNFINISHED_STATES

    @property
    def is_reopened(self) -> bool:
        """Sent back by the department and not yet submitted again."""
        return self.state == ReviewState.IN_PROGRESS and bool(self.reopen_reason)

    def score_at(self, position: int) -> "ReviewScore | None":
        return next((s for s in self.scores if s.position == position), None)


class ReviewScore(db.Model):
    """A reviewer's score (0 to the criterion's weight, in steps of 0.5) and comment on one criterion."""

    __tablename__ = "review_scores"
    __table_args__ = (CheckConstraint("score IS NULL OR score >= 0", name="score_not_negative"),)

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")


class ConflictKind(enum.StrEnum):
    """Entries of a reviewer's conflict profile besides the current employer (portal/reviews/matching.py)."""

    FORMER_EMPLOYER = "former_employer"
    SHAREHOLDING = "shareholding"
    POST = "post"
    RELATION = "relation"

    @property
    def label(self):
        return CONFLICT_KIND_LABELS[self]


CONFLICT_KIND_LABELS = {
    ConflictKind.FORMER_EMPLOYER: _l("近三年曾任职单位"),
    ConflictKind.SHAREHOLDING: _l("持股"),
    ConflictKind.POST: _l("兼职、任职（董事、监事、顾问等）"),
    ConflictKind.RELATION: _l("其他利益关系"),
}


class ReviewerProfile(db.Model):
    """A reviewer's conflict profile (利益冲突信息): the current employer and the entries below it. Absent until
    first saved; until then the account's organization is the current employer."""

    __tablename__ = "reviewer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    employer_name: Mapped[str] = mapped_column(String(120))
    employer_uscc: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    entries: Mapped[list["ConflictEntry"]] = relationship(back_populates="profile", order_by="ConflictEntry.id",
                                                          cascade="all, delete-orphan")


class ConflictEntry(db.Model):
    """One declared interest: a former employer (until when), a shareholding, a post or another relation."""

    __tablename__ = "conflict_entries"
    __table_args__ = (
        CheckConstraint("kind != 'former_employer' OR until IS NOT NULL", name="former_employer_has_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewer_profiles.user_id"), index=True)
    kind: Mapped[ConflictKind] = mapped_column(_enum(ConflictKind))
    org_name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str | None] = mapped_column(String(18))
    until: Mapped[date | None] = mapped_column(Date)
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    profile: Mapped[ReviewerProfile] = relationship(back_populates="entries")


class PolicySetting(db.Model):
    """A review rule the platform admin set (portal/reviews/policy.py); it overrides the configuration."""

    __tablename__ = "policy_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReviewReminder(db.Model):
    """A reminder sent to a reviewer with unfinished reviews, `days_before` days before the review period ends.
    The unique key is the record that each reminder goes out once, however often the job runs; a period the
    department moves gets its own reminders."""

    __tablename__ = "review_reminders"
    __table_args__ = (UniqueConstraint("scenario_id", "reviewer_id", "days_before", "ends_at",
                                       name="uq_review_reminders_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    days_before: Mapped[int] = mapped_column(Integer)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the end of the period the reminder was about
    unfinished: Mapped[int] = mapped_column(Integer)  # how many reviews were still open when it went out
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DiscussionPost(db.Model):
    """A post in the panel's discussion of a proposal flagged 需讨论 (plain text; shown escaped)."""

    __tablename__ = "review_discussion_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()


class ExpertProfile(db.Model):
    """A reviewer's entry in the 专家库: fields of expertise (类别 codes of portal/catalogue/taxonomy.toml), district
    and availability. Absent until first saved; until then the reviewer has no field and is never drawn."""

    __tablename__ = "expert_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    district: Mapped[str | None] = mapped_column(String(16))
    # Not available: until the given day (inclusive), or, without a day, until the reviewer says otherwise.
    available: Mapped[bool] = mapped_column(default=True)
    unavailable_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_available_on(self, day: date) -> bool:
        return self.available or (self.unavailable_until is not None and self.unavailable_until < day)


class ExpertDraw(db.Model):
    """A recorded random draw of experts for a scenario (portal/reviews/draw.py): the seed and the candidate list
    are kept, so anyone who sees them can recompute who was drawn and who stands by."""

    __tablename__ = "expert_draws"
    __table_args__ = (CheckConstraint("size >= 1", name="size_positive"),
                      CheckConstraint("standby_count >= 0", name="standby_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))  # the version of the rule, e.g. "sha256-v1"
    seed: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list] = mapped_column(JSON)  # the 类别 codes asked for
    size: Mapped[int] = mapped_column(Integer)  # K, the experts drawn
    standby_count: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[list] = mapped_column(JSON)  # user ids, ascending: the whole pool after the filters
    drawn: Mapped[list] = mapped_column(JSON)  # user ids, in draw order
    standbys: Mapped[list] = mapped_column(JSON)  # user ids, in draw order
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    scenario: Mapped[Scenario] = relationship()
    created_by: Mapped[User] = relationship()


class ExpertPick(db.Model):
    """An expert the department chose by hand (指定) for a scenario, with the reason it gave."""

    __tablename__ = "expert_picks"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
