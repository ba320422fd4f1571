"""The web layer's own table: the data version the page cache of every node compares its pages with."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class DataVersion(db.Model):
    """A counter raised after every commit that wrote (portal/web/data_version.py), when no Redis is configured:
    a page kept at an older value is out of date."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
