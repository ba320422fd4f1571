from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class SectorFollow(db.Model):
    """An organization follows one sector (a code of portal.reference.SECTORS)."""

    __tablename__ = "sector_follows"
    __table_args__ = (UniqueConstraint("organization_id", "sector"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique (organization_id, sector) pair also serves lookups by organization.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    sector: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
