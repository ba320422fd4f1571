"""对接 meetings between the department owning a scenario and an enterprise."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User, _enum
from portal.extensions import db
from portal.scenarios.models import Scenario
from portal.util.dbtypes import UTCDateTime


class MeetingState(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RECORDED = "recorded"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    MeetingState.REQUESTED: _l("待确认"),
    MeetingState.ACCEPTED: _l("已确认"),
    MeetingState.DECLINED: _l("已谢绝"),
    MeetingState.RECORDED: _l("已记录结果"),
}


class MeetingOutcome(enum.StrEnum):
    AGREED = "agreed"
    FOLLOW_UP = "follow_up"
    NO_FIT = "no_fit"
    NOT_HELD = "not_held"

    @property
    def label(self):
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    MeetingOutcome.AGREED: _l("达成合作意向"),
    MeetingOutcome.FOLLOW_UP: _l("需继续沟通"),
    MeetingOutcome.NO_FIT: _l("暂不合作"),
    MeetingOutcome.NOT_HELD: _l("未举行"),
}
# Outcomes of a meeting that took place (the dashboard counts these as held).
HELD = frozenset({MeetingOutcome.AGREED, MeetingOutcome.FOLLOW_UP, MeetingOutcome.NO_FIT})


class Side(enum.StrEnum):
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("place != '' OR online_link != ''", name="has_place"),
        CheckConstraint("state != 'requested' OR awaiting IS NOT NULL", name="requested_awaits"),
        CheckConstraint("state != 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"),
        CheckConstraint("state != 'recorded' OR (outcome IS NOT NULL AND recorded_at IS NOT NULL)",
                        name="recorded_has_outcome"),
        Index("ix_meetings_department_state", "department_id", "state"),
        Index("ix_meetings_enterprise", "enterprise_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[MeetingState] = mapped_column(_enum(MeetingState), default=MeetingState.REQUESTED)
    # The side whose answer the current time and place wait for (none once answered).
    awaiting: Mapped[Side | None] = mapped_column(_enum(Side))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    online_link: Mapped[str] = mapped_column(String(300), default="")
    attendees: Mapped[str] = mapped_column(Text, default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[MeetingOutcome | None] = mapped_column(_enum(MeetingOutcome))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scenario: Mapped[Scenario] = relationship(lazy="joined")
    department: Mapped[Organization] = relationship(foreign_keys=[department_id], lazy="joined")
    enterprise: Mapped[Organization] = relationship(foreign_keys=[enterprise_id], lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def was_held(self) -> bool:
        return self.state == MeetingState.RECORDED and self.outcome in HELD

    def __repr__(self):
        return f"<Meeting {self.id} {self.state}>"
