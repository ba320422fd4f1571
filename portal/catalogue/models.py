import enum
from datetime import date, datetime

from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User, _enum
from portal.catalogue import validity
from portal.extensions import db
from portal.reference import SECTORS, district_label, sector_label
from portal.util import clock
from portal.util.dbtypes import UTCDateTime


class ProductState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    ProductState.PENDING: _l("待审核"),
    ProductState.APPROVED: _l("已入库"),
    ProductState.REJECTED: _l("未通过"),
    ProductState.REVOKED: _l("已撤销"),
}


class ProductType(enum.StrEnum):
    EQUIPMENT = "equipment"
    SOFTWARE = "software"
    MATERIAL = "material"

    @property
    def label(self):
        return TYPE_LABELS[self]


TYPE_LABELS = {
    ProductType.EQUIPMENT: _l("首台（套）装备"),
    ProductType.SOFTWARE: _l("首版次软件"),
    ProductType.MATERIAL: _l("首批次新材料"),
}


class Level(enum.StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"

    @property
    def label(self):
        return LEVEL_LABELS[self]


LEVEL_LABELS = {
    Level.NATIONAL: _l("国家级"),
    Level.PROVINCIAL: _l("省级"),
    Level.MUNICIPAL: _l("市级"),
}

# Provincial 首台（套）recognitions go back to the 2000s (Shandong from 2009, Zhejiang certificates from
# 2007), and official lists republish them as they were; 2000 leaves room for the oldest.
FIRST_YEAR = 2000
LAST_YEAR = 2100


def _default_valid_until(context) -> date:
    # A row inserted without a validity (a test's or a script's) gets the default rule's date.
    return validity.valid_until(context.get_current_parameters()["year"])


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("state != 'approved' OR approved_at IS NOT NULL", name="approved_has_time"),
        CheckConstraint("state NOT IN ('rejected', 'revoked') OR (decided_at IS NOT NULL AND reason IS NOT NULL)",
                        name="refused_has_reason"),
        CheckConstraint(f"year >= {FIRST_YEAR} AND year <= {LAST_YEAR}", name="year_in_range"),
        Index("ix_products_public", "state", "year"),
        # The catalogue's default order (year, then approval, newest first) read from an index.
        Index("ix_products_listing", "state", "year", "approved_at", "id"),
        # Every facet column: the facet counts read this narrow index instead of the wide rows.
        Index("ix_products_facets", "state", "product_type", "sector", "level", "year", "district"),
        # Re-importing an official list finds the same product by company and model.
        Index("ix_products_identity", "organization_id", "model"),
        Index("ix_products_category", "state", "category"),
        Index("ix_products_validity", "state", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100), default="")
    product_type: Mapped[ProductType] = mapped_column(_enum(ProductType))
    sector: Mapped[str] = mapped_column(String(32), index=True)
    # 类别 within the sector, a code of taxonomy.toml; None until classified or corrected.
    category: Mapped[str | None] = mapped_column(String(48))
    level: Mapped[Level] = mapped_column(_enum(Level))
    year: Mapped[int]
    batch: Mapped[str] = mapped_column(String(60), default="")
    # The last day the recognition counts (portal/catalogue/validity.py); after it the product is 已过有效期.
    valid_until: Mapped[date] = mapped_column(Date, default=_default_valid_until)
    district: Mapped[str | None] = mapped_column(String(16))
    specs: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    cases: Mapped[str] = mapped_column(Text, default="")
    # Files kept by portal.uploads under their stored names.
    image_stored_name: Mapped[str | None] = mapped_column(String(64))
    image_mimetype: Mapped[str | None] = mapped_column(String(100))
    brochure_stored_name: Mapped[str | None] = mapped_column(String(64))
    brochure_display_name: Mapped[str | None] = mapped_column(String(200))
    brochure_mimetype: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[ProductState] = mapped_column(_enum(ProductState), default=ProductState.PENDING, index=True)
    source: Mapped[str] = mapped_column(String(16), default="application")
    reason: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="joined")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_public(self) -> bool:
        return self.state == ProductState.APPROVED

    @property
    def is_expired(self) -> bool:
        """Past its validity today (the portal's clock): no longer offered as 首台（套）."""
        return validity.is_expired(self.valid_until, clock.local_today())

    @property
    def is_rejected(self) -> bool:
        return self.state == ProductState.REJECTED

    @property
    def sector_label(self) -> str:
        return sector_label(self.sector)

    @property
    def category_label(self) -> str:
        from portal.catalogue.classify import category

        found = category(self.category)
        if found is None:
            return self.category or ""
        return found.label_en if str(get_locale()) == "en" else found.label

    @property
    def classification_text(self) -> str:
        """The 领域 and 类别 labels, in Chinese and English, for the search document to index.

        A buyer typing a category word (输变电装备, 工程机械) then finds products whose own text never
        says it.
        """
        from portal.catalogue.classify import category

        found = category(self.category)
        with force_locale("en"):
            sector_en = str(SECTORS.get(self.sector, "")) if self.sector else ""
        # The index speaks Chinese whatever the request's language.
        with force_locale("zh_CN"):
            sector_zh = str(SECTORS.get(self.sector, "")) if self.sector else ""
        parts = [sector_zh, sector_en if sector_en != sector_zh else ""]
        if found is not None:
            parts += [found.label, found.label_en]
        return " ".join(p for p in parts if p)

    @property
    def district_label(self) -> str:
        return district_label(self.district) if self.district else ""

    def __repr__(self):
        return f"<Product {self.id} {self.name} {self.model}>"
