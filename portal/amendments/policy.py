"""How many days must remain before a call's deadline after it is amended (AMENDMENT_MIN_DAYS, default 5).

Stored like the review rules (portal/reviews/policy.py): a value the platform admin set at /admin/amendments
(a row of policy_settings), else the app's configuration, else the default here.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.permissions import can_administer
from portal.reviews.models import PolicySetting
from portal.util import clock

NAME = "AMENDMENT_MIN_DAYS"
DEFAULT = 5
MAX_DAYS = 60


def min_days() -> int:
    """The days that must remain before the deadline once a call has been changed."""
    stored = db.session.scalar(select(PolicySetting.value).where(PolicySetting.name == NAME))
    if stored is not None:
        return stored
    return int(current_app.config.get(NAME, DEFAULT))


def set_min_days(actor, days) -> bool:
    """Store the admin's value; return whether it changed. Nothing is committed."""
    if not can_administer(actor):
        raise PermissionDenied(_("您无权执行该操作。"))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        error = InvalidInput(_("变更后距截止的最少天数应为 1 到 %(max)d 之间的整数。", max=MAX_DAYS))
        error.field = "min_days"
        raise error
    old = min_days()
    if old == days:
        return False
    setting = db.session.get(PolicySetting, NAME)
    if setting is None:
        setting = PolicySetting(name=NAME)
        db.session.add(setting)
    setting.value = days
    setting.updated_at = clock.now()
    setting.updated_by_id = actor.id
    audit.record(actor, "policy.update", None, changes={NAME: [old, days]})
    db.session.flush()
    return True
