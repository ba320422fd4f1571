"""When questions close. One function, so that counting in working days (工作日) can replace calendar days here
without touching any rule that asks it."""

from datetime import datetime, timedelta

DEFAULT_DAYS_BEFORE = 3


def default_question_deadline(submission_deadline: datetime | None) -> datetime | None:
    """Questions close this long before proposals do, unless the department set another time."""
    if submission_deadline is None:
        return None
    return submission_deadline - timedelta(days=DEFAULT_DAYS_BEFORE)
