"""场景能力清单: what a verified enterprise can deliver, published after review."""

import enum
from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User, _enum
from portal.catalogue.models import Product
from portal.extensions import db
from portal.reference import district_label, sector_label
from portal.scenarios.models import Scenario
from portal.util.dbtypes import UTCDateTime


class CapabilityState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    CapabilityState.DRAFT: _l("草稿"),
    CapabilityState.SUBMITTED: _l("待审核"),
    CapabilityState.APPROVED: _l("公开"),
    CapabilityState.RETURNED: _l("退回"),
    CapabilityState.WITHDRAWN: _l("已撤回"),
}


class Maturity(enum.StrEnum):
    PROTOTYPE = "prototype"
    SMALL_BATCH = "small_batch"
    SCALED = "scaled"

    @property
    def label(self):
        return MATURITY_LABELS[self]


MATURITY_LABELS = {
    Maturity.PROTOTYPE: _l("样机"),
    Maturity.SMALL_BATCH: _l("小批量"),
    Maturity.SCALED: _l("规模应用"),
}

# The enterprise's own catalogue products a capability names.
capability_products = Table(
    "capability_products", db.metadata,
    Column("capability_id", ForeignKey("capabilities.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CapabilityDistrict(db.Model):
    """A Hangzhou district a capability serves (a capability serves one or more)."""

    __tablename__ = "capability_districts"
    __table_args__ = (Index("ix_capability_districts_district", "district", "capability_id"),)

    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id", ondelete="CASCADE"), primary_key=True)
    district: Mapped[str] = mapped_column(String(16), primary_key=True)


class Capability(db.Model):
    __tablename__ = "capabilities"
    __table_args__ = (
        CheckConstraint("state != 'approved' OR approved_at IS NOT NULL", name="approved_has_time"),
        CheckConstraint("state != 'returned' OR (decided_at IS NOT NULL AND reason IS NOT NULL)",
                        name="returned_has_reason"),
        CheckConstraint("state NOT IN ('submitted', 'approved', 'returned') OR submitted_at IS NOT NULL",
                        name="sent_has_time"),
        CheckConstraint("state != 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_has_time"),
        Index("ix_capabilities_public", "state", "approved_at", "id"),
        Index("ix_capabilities_facets", "state", "sector", "field", "maturity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(32))
    # 技术领域: a 类别 code of portal/catalogue/taxonomy.toml.
    field: Mapped[str] = mapped_column(String(48))
    maturity: Mapped[Maturity] = mapped_column(_enum(Maturity))
    summary: Mapped[str] = mapped_column(Text, default="")
    cases: Mapped[str] = mapped_column(Text, default="")
    # The person to call: shown to the enterprise and its reviewers; the public sees the organisation.
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    state: Mapped[CapabilityState] = mapped_column(_enum(CapabilityState), default=CapabilityState.DRAFT,
                                                   index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    district_rows: Mapped[list[CapabilityDistrict]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CapabilityDistrict.district")
    products: Mapped[list[Product]] = relationship(secondary=capability_products, lazy="selectin",
                                                   order_by=Product.id)

    @property
    def districts(self) -> list[str]:
        return [row.district for row in self.district_rows]

    @property
    def is_public(self) -> bool:
        return self.state == CapabilityState.APPROVED

    @property
    def is_returned(self) -> bool:
        return self.state == CapabilityState.RETURNED

    @property
    def sector_label(self) -> str:
        return sector_label(self.sector)

    @property
    def field_label(self) -> str:
        from portal.catalogue.classify import category

        found = category(self.field)
        if found is None:
            return self.field or ""
        return found.label_en if str(get_locale()) == "en" else found.label

    @property
    def district_labels(self) -> list[str]:
        return [district_label(d) for d in self.districts]

    def __repr__(self):
        return f"<Capability {self.id} {self.title}>"


class ScenarioInvitation(db.Model):
    """邀请揭榜: the department owning an open scenario invites the enterprise behind a fitting capability to bid.
    One per (scenario, enterprise), whichever of its capabilities the invitation was sent from."""

    __tablename__ = "scenario_invitations"
    __table_args__ = (UniqueConstraint("scenario_id", "organization_id", name="uq_scenario_invitations_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scenario: Mapped[Scenario] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship()
    capability: Mapped[Capability] = relationship(lazy="joined")
    invited_by: Mapped[User] = relationship()


class CapabilityAlert(db.Model):
    """That the enterprises whose capabilities fit a published scenario were told of it (by the alert job),
    so that each scenario is looked at once."""

    __tablename__ = "capability_alerts"

    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), primary_key=True)
    alerted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    organizations: Mapped[int] = mapped_column(default=0)
