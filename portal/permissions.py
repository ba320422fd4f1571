"""Who may do what: every authorization decision of the portal is made here.

Predicates take the user explicitly and are registered as Jinja globals, so the same function
decides the 403/404 in a view and whether a template shows the button.
"""

from collections.abc import Callable

from flask import abort

from portal.accounts.models import Role
from portal.extensions import db


def has_role(user, *roles: Role) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


def is_department(user) -> bool:
    return has_role(user, Role.GOVERNMENT)


def is_verified_enterprise(user) -> bool:
    return has_role(user, Role.ENTERPRISE) and user.organization.is_verified


def can_administer(user) -> bool:
    """Accounts, enterprise verification and the audit log belong to platform admins."""
    return is_admin(user)


def can_create_batch(user) -> bool:
    return is_department(user)


def can_manage_batch(user, batch) -> bool:
    """A department touches only its own batches."""
    return is_department(user) and batch.department_id == user.organization_id


def can_view_batch(user, batch) -> bool:
    return batch.is_published or can_manage_batch(user, batch)


def can_manage_scenario(user, scenario) -> bool:
    return is_department(user) and scenario.department_id == user.organization_id


def can_view_scenario(user, scenario) -> bool:
    return (scenario.is_public and scenario.batch.is_published) or can_manage_scenario(user, scenario)


# Ids are 32-bit integers in the database; a larger number in a URL would make the query itself fail.
MAX_ID = 2**31 - 1


def load_or_404(model, ident: int, user=None, need: Callable | None = None):
    """Load a row by id, answering 404 when it is missing or `need(user, obj)` refuses it."""
    obj = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    # Objects the user may not see answer 404, so their existence does not leak.
    if obj is None or (need is not None and not need(user, obj)):
        abort(404)
    return obj


def load_batch_or_404(ident: int, user, need: Callable = can_view_batch):
    from portal.scenarios.models import Batch

    return load_or_404(Batch, ident, user, need)


def load_scenario_or_404(ident: int, user, need: Callable = can_view_scenario):
    from portal.scenarios.models import Scenario

    return load_or_404(Scenario, ident, user, need)


JINJA_GLOBALS = {
    fn.__name__: fn
    for fn in (is_admin, is_department, is_verified_enterprise, can_administer, can_create_batch,
               can_manage_batch, can_view_batch, can_manage_scenario, can_view_scenario)
}
