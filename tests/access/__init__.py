"""The access-control matrix, one module of rows per domain.

A row is `endpoint: (method, url arguments, outcome per role)`. URL argument values name objects of the
`world` fixture; a domain that needs objects of its own registers a builder for the name in BUILDERS.
"""

import importlib
import pkgutil

ROLES = ["anonymous", "enterprise", "pending_enterprise", "reviewer", "department", "other_department", "admin"]
OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", 403, 404

def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, anonymous=LOGIN):
    return {**everyone(outcome), "anonymous": anonymous}


def department_area(owner=OK, other=NOT_FOUND):
    """Department pages: anonymous → login, other roles → 403, another department → 404 on our objects."""
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "department": owner, "other_department": other}


def admin_area():
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "admin": OK}




def collect():
    """Merge ROWS and BUILDERS of every module in this package; a route listed twice is an error."""
    rows, builders = {}, {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        duplicated = rows.keys() & module.ROWS.keys()
        assert not duplicated, f"rows defined twice: {duplicated}"
        rows.update(module.ROWS)
        builders.update(getattr(module, "BUILDERS", {}))
    return rows, builders
