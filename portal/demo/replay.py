"""What every part of the demo's replay shares: the moments of its events, and finding what earlier events made."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.scenarios.models import Scenario
from portal.util import clock


def day_at(base: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """Hangzhou wall time hour:minute on the day `days` after `base` (negative: before), in UTC."""
    day = clock.to_local(base).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def scenario_titled(title: str) -> Scenario:
    return db.session.scalars(select(Scenario).where(Scenario.title == title)).one()
