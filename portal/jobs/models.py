"""What the database remembers about scheduled jobs: one row per job and time slot, claimed by whoever runs it."""

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class JobRun(db.Model):
    """A job's run for one slot. The unique (job, slot) is the claim: a second node inserting it is refused."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_runs_job_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(80))
    slot: Mapped[datetime] = mapped_column(UTCDateTime)  # the start of the period this run is for
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)  # None: succeeded (or still running, finished_at None)
