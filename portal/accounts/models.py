import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


def _enum(cls):
    # Store the value strings, checked by a named constraint, on both SQLite and PostgreSQL.
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                create_constraint=True, name=cls.__name__.lower())


class Role(enum.StrEnum):
    ENTERPRISE = "enterprise"
    GOVERNMENT = "government"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ENTERPRISE: _l("企业"),
    Role.GOVERNMENT: _l("发布单位"),
    Role.REVIEWER: _l("评审专家"),
    Role.ADMIN: _l("平台管理员"),
}


class OrgKind(enum.StrEnum):
    ENTERPRISE = "enterprise"
    GOVERNMENT = "government"
    INSTITUTION = "institution"


class Verification(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self):
        return {"pending": _l("待审核"), "verified": _l("已认证"), "rejected": _l("未通过")}[self.value]


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("verification != 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind))
    district: Mapped[str | None] = mapped_column(String(16))
    contact_name: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    verification: Mapped[Verification] = mapped_column(_enum(Verification), default=Verification.PENDING)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    users: Mapped[list["User"]] = relationship(back_populates="organization")

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED

    def __repr__(self):
        return f"<Organization {self.id} {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(_enum(Role))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie's id: replacing it signs out every other session of the user.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(back_populates="users", lazy="joined")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self):
        return f"<User {self.id} {self.email} {self.role}>"
