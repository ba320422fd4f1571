import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, String, Text
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(back_populates="users", lazy="joined")

    # The sign-in this object was loaded through (portal/accounts/session.py); not a column. Its token is
    # what Flask-Login keeps in the session and remember-me cookies.
    current_session = None  # a UserSession
    session_token = None  # its token (str)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        if self.session_token is None:
            raise RuntimeError("no sign-in session is bound to this user (see accounts.session.start_session)")
        return self.session_token

    # Flask-Login's UserMixin compares users by get_id(), which here names a sign-in, not a person.
    def __eq__(self, other):
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self):
        return f"<User {self.id} {self.email} {self.role}>"


class UserSession(db.Model):
    """One sign-in on one device. The cookies carry a random token; the table keeps only its SHA-256, so a
    copy of the database (a backup) holds nothing that signs anyone in. Revoked rows are kept for the record."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(default=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class TwoFactor(db.Model):
    """A user's TOTP authenticator (RFC 6238). The secret is encrypted (portal/accounts/secretbox.py);
    `last_step` is the last 30-second step a code was accepted for, so no code is accepted twice."""

    __tablename__ = "two_factor"
    __table_args__ = (
        CheckConstraint("confirmed_at IS NOT NULL OR last_step IS NULL", name="unconfirmed_never_used"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None while enrolling: the user has not yet shown a code from the authenticator.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(db.Model):
    """A one-time recovery code, stored as a password hash; `used_at` marks it spent."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PrivacyConsent(db.Model):
    """A person's consent to a version of the privacy notice (个人信息保护法 第十四条: informed, explicit)."""

    __tablename__ = "privacy_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    notice_version: Mapped[str] = mapped_column(String(20))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClosureRequest(db.Model):
    """A person's request to close their account (个人信息保护法 第四十七条), and how an admin dealt with it."""

    __tablename__ = "closure_requests"
    __table_args__ = (
        CheckConstraint("processed_at IS NULL OR processed_by_id IS NOT NULL", name="processed_has_admin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def is_processed(self) -> bool:
        return self.processed_at is not None
