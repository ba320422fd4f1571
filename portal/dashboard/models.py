"""Dashboard figures counted ahead: one row per set of figures, written by the worker's job (snapshots.py)."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class DashboardFigures(db.Model):
    """The counts behind one set of figures (`key`: public, platform, catalogue), as JSON.

    `valid_until` is the next moment a status derived by server time changes (a deadline passes, a 公示 starts
    or ends): from then on the counts are read live again until the next refresh.
    """

    __tablename__ = "dashboard_figures"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
