"""What the database remembers about the storage outside it."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class StorageMarker(db.Model):
    """The id written into the marker file of the upload folder this database's rows belong to (marker.py)."""

    __tablename__ = "storage_markers"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
