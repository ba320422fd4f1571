"""Small steps the review and 公示 operations share: the permission check, the row lock, notifications."""

from flask_babel import gettext as _
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.errors import PermissionDenied
from portal.extensions import db


def require(allowed: bool) -> None:
    """Refuse the operation when the permission predicate said no."""
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def locked(obj):
    """Lock the object's row for the rest of the transaction and reload it."""
    # Serialise concurrent changes to one row (PostgreSQL row lock; SQLite already writes one at a time),
    # so a double click or two tabs cannot both pass a state check. The lock is taken on the bare row:
    # FOR UPDATE cannot cover the outer joins of eagerly loaded relationships.
    (key,) = sa_inspect(type(obj)).primary_key
    db.session.execute(select(key).where(key == getattr(obj, key.key)).with_for_update())
    db.session.refresh(obj)
    return obj


def notify(users, kind: str, title: str, body: str, link: str) -> None:
    """Put one notification in each user's inbox."""
    from portal.notifications.operations import notify as notify_one

    for user in users:
        notify_one(user, kind, title, body, link)


def link(endpoint: str, **values) -> str:
    """The link a notification carries to a page."""
    from portal.notifications.operations import link_to

    return link_to(endpoint, **values)


def department_users(scenario) -> list[User]:
    """The active accounts of the scenario's owning department."""
    return db.session.scalars(select(User).where(User.organization_id == scenario.department_id,
                                                 User.role == Role.GOVERNMENT, User.active.is_(True))).all()


def organization_users(organization_id: int) -> list[User]:
    """The active accounts of an organization."""
    return db.session.scalars(select(User).where(User.organization_id == organization_id,
                                                 User.active.is_(True))).all()
