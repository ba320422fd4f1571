"""The project of a winning proposal: its 任务书 (versions of milestones), progress reports, 验收 and its
public case (场景创新成果)."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User, _enum
from portal.capabilities.models import Capability
from portal.catalogue.models import Product
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.scenarios.models import Scenario
from portal.uploads.columns import StoredFile
from portal.util.dbtypes import UTCDateTime


class ProjectState(enum.StrEnum):
    PLANNING = "planning"  # 任务书 not yet agreed
    IN_PROGRESS = "in_progress"
    ACCEPTANCE = "acceptance"  # 验收中
    PASSED = "passed"
    CONDITIONAL = "conditional"
    FAILED = "failed"

    @property
    def label(self):
        return PROJECT_STATE_LABELS[self]


PROJECT_STATE_LABELS = {
    ProjectState.PLANNING: _l("任务书拟定中"),
    ProjectState.IN_PROGRESS: _l("实施中"),
    ProjectState.ACCEPTANCE: _l("验收中"),
    ProjectState.PASSED: _l("验收通过"),
    ProjectState.CONDITIONAL: _l("有条件通过"),
    ProjectState.FAILED: _l("验收不通过"),
}


class Verdict(enum.StrEnum):
    """A 验收 result; 延期 sends the project back to work with a later 验收."""

    PASSED = "pass"
    CONDITIONAL = "conditional"
    FAIL = "fail"
    EXTEND = "extend"

    @property
    def label(self):
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.PASSED: _l("通过"),
    Verdict.CONDITIONAL: _l("有条件通过"),
    Verdict.FAIL: _l("不通过"),
    Verdict.EXTEND: _l("延期"),
}


class PlanState(enum.StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"  # sent to the winner
    RETURNED = "returned"  # the winner asked for changes
    AGREED = "agreed"  # the 任务书 in force
    SUPERSEDED = "superseded"  # replaced by a later agreed version

    @property
    def label(self):
        return PLAN_STATE_LABELS[self]


PLAN_STATE_LABELS = {
    PlanState.DRAFT: _l("草稿"),
    PlanState.PROPOSED: _l("待揭榜单位确认"),
    PlanState.RETURNED: _l("揭榜单位退回"),
    PlanState.AGREED: _l("已确认"),
    PlanState.SUPERSEDED: _l("已被新版本替代"),
}


class MilestoneState(enum.StrEnum):
    PENDING = "pending"
    MET = "met"
    LATE = "late"

    @property
    def label(self):
        return MILESTONE_STATE_LABELS[self]


MILESTONE_STATE_LABELS = {
    MilestoneState.PENDING: _l("进行中"),
    MilestoneState.MET: _l("按期完成"),
    MilestoneState.LATE: _l("逾期"),
}

project_products = Table(
    "project_products", db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)
project_capabilities = Table(
    "project_capabilities", db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("capability_id", ForeignKey("capabilities.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("state NOT IN ('passed', 'conditional', 'failed') OR (result_at IS NOT NULL "
                        "AND result_reason IS NOT NULL)", name="concluded_has_result"),
        CheckConstraint("state = 'planning' OR started_at IS NOT NULL", name="started_has_time"),
        Index("ix_projects_showcase", "state", "result_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    # One project per winning proposal: the unique column is what makes a second one impossible.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    state: Mapped[ProjectState] = mapped_column(_enum(ProjectState), default=ProjectState.PLANNING, index=True)
    acceptance_round: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_reason: Mapped[str | None] = mapped_column(Text)
    # The public case, written by the winner (what the showcase shows once 验收 passed).
    case_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    case_results: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scenario: Mapped[Scenario] = relationship(lazy="joined")
    proposal: Mapped[Proposal] = relationship()
    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id], lazy="joined")
    department: Mapped[Organization] = relationship(foreign_keys=[department_id])
    plans: Mapped[list["Plan"]] = relationship(back_populates="project", order_by="Plan.version",
                                               cascade="all, delete-orphan")
    reports: Mapped[list["ProgressReport"]] = relationship(back_populates="project",
                                                          order_by="ProgressReport.id.desc()")
    experts: Mapped[list["AcceptanceExpert"]] = relationship(back_populates="project",
                                                            order_by="AcceptanceExpert.id")
    results: Mapped[list["AcceptanceResult"]] = relationship(back_populates="project",
                                                            order_by="AcceptanceResult.id")
    pictures: Mapped[list["CasePicture"]] = relationship(back_populates="project", order_by="CasePicture.id")
    products: Mapped[list[Product]] = relationship(secondary=project_products, order_by=Product.id)
    capabilities: Mapped[list[Capability]] = relationship(secondary=project_capabilities, order_by=Capability.id)

    @property
    def title(self) -> str:
        return self.scenario.title

    @property
    def agreed_plan(self) -> "Plan | None":
        """The 任务书 in force."""
        return next((p for p in self.plans if p.state == PlanState.AGREED), None)

    @property
    def open_plan(self) -> "Plan | None":
        """The version being drafted, sent or returned (at most one)."""
        return next((p for p in self.plans if p.state in OPEN_PLAN_STATES), None)

    @property
    def milestones(self) -> list["Milestone"]:
        plan = self.agreed_plan
        return plan.milestones if plan else []

    @property
    def is_showcased(self) -> bool:
        return self.state in SHOWCASED

    @property
    def last_result(self) -> "AcceptanceResult | None":
        return self.results[-1] if self.results else None

    @property
    def public_products(self) -> list[Product]:
        """The linked products the public may see (a product revoked later drops out)."""
        return [p for p in self.products if p.is_public]

    @property
    def public_capabilities(self) -> list[Capability]:
        return [c for c in self.capabilities if c.is_public]

    @property
    def round_experts(self) -> list["AcceptanceExpert"]:
        return [e for e in self.experts if e.round == self.acceptance_round]

    def __repr__(self):
        return f"<Project {self.id} {self.state}>"


OPEN_PLAN_STATES = frozenset({PlanState.DRAFT, PlanState.PROPOSED, PlanState.RETURNED})
SHOWCASED = frozenset({ProjectState.PASSED, ProjectState.CONDITIONAL})


class Plan(db.Model):
    """One version of a project's 任务书. Agreed, it is fixed: a change is a new version, agreed again."""

    __tablename__ = "project_plans"
    __table_args__ = (
        UniqueConstraint("project_id", "version", name="uq_project_plans_version"),
        CheckConstraint("state NOT IN ('agreed', 'superseded') OR agreed_at IS NOT NULL", name="agreed_has_time"),
        CheckConstraint("state != 'returned' OR comment IS NOT NULL", name="returned_has_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    state: Mapped[PlanState] = mapped_column(_enum(PlanState), default=PlanState.DRAFT)
    comment: Mapped[str | None] = mapped_column(Text)  # the winner's reason for returning it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship(back_populates="plans")
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="plan", order_by="(Milestone.due_on, Milestone.id)", cascade="all, delete-orphan")
    agreed_by: Mapped[User | None] = relationship(foreign_keys=[agreed_by_id])

    @property
    def is_returned(self) -> bool:
        return self.state == PlanState.RETURNED


class Milestone(db.Model):
    __tablename__ = "project_milestones"
    __table_args__ = (
        CheckConstraint("state = 'pending' OR marked_at IS NOT NULL", name="marked_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("project_plans.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    deliverables: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[MilestoneState] = mapped_column(_enum(MilestoneState), default=MilestoneState.PENDING)
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="milestones")

    @property
    def is_marked(self) -> bool:
        return self.state != MilestoneState.PENDING


class MilestoneReminder(db.Model):
    """A reminder sent before a milestone's due date; the unique key is what keeps it to one. Keyed on the
    project, title and date, so copying a milestone into a new version of the 任务书 does not send it again."""

    __tablename__ = "project_milestone_reminders"
    __table_args__ = (UniqueConstraint("project_id", "title", "due_on", "days_before",
                                       name="uq_project_milestone_reminders_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgressReport(db.Model):
    __tablename__ = "project_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("project_milestones.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="reports")
    milestone: Mapped[Milestone | None] = relationship()
    filed_by: Mapped[User] = relationship()
    attachments: Mapped[list["ReportAttachment"]] = relationship(back_populates="report",
                                                                order_by="ReportAttachment.id",
                                                                cascade="all, delete-orphan")


class ReportAttachment(StoredFile, db.Model):
    __tablename__ = "project_report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("project_reports.id", ondelete="CASCADE"), index=True)

    report: Mapped[ProgressReport] = relationship(back_populates="attachments")


class AcceptanceExpert(db.Model):
    """An expert invited to a round of 验收, and the opinion given."""

    __tablename__ = "project_experts"
    __table_args__ = (
        UniqueConstraint("project_id", "round", "reviewer_id", name="uq_project_experts_once"),
        CheckConstraint("given_at IS NULL OR (opinion IS NOT NULL AND verdict IS NOT NULL)",
                        name="given_has_opinion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[Verdict | None] = mapped_column(_enum(Verdict))  # what the expert recommends
    opinion: Mapped[str | None] = mapped_column(Text)
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="experts")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    @property
    def has_given(self) -> bool:
        return self.given_at is not None


class AcceptanceResult(db.Model):
    """The department's 验收 result of one round, with its reason: public on the project's page."""

    __tablename__ = "project_results"
    __table_args__ = (UniqueConstraint("project_id", "round", name="uq_project_results_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship(back_populates="results")


class CasePicture(StoredFile, db.Model):
    """A picture of the case (PNG or JPG, checked by content), public once the project is showcased."""

    __tablename__ = "project_pictures"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(String(200), default="")

    project: Mapped[Project] = relationship(back_populates="pictures")
