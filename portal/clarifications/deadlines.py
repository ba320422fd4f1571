"""When questions close: by default 3 working days (工作日, China's official calendar) before proposals are due."""

from datetime import datetime

from portal.util import workdays

DEFAULT_WORKING_DAYS_BEFORE = 3


def default_question_deadline(submission_deadline: datetime | None) -> datetime | None:
    """Questions close at 24:00 of the third working day before the deadline, unless the department set another
    time."""
    if submission_deadline is None:
        return None
    return workdays.working_days_before(submission_deadline, DEFAULT_WORKING_DAYS_BEFORE)
