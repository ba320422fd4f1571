"""The one guard every `load_<noun>_or_404` goes through."""

from collections.abc import Callable

from flask import abort

from portal.extensions import db

# Ids are 32-bit integers in the database; a larger number in a URL would make the query itself fail.
MAX_ID = 2**31 - 1


def load_or_404(model, ident: int, user=None, need: Callable | None = None):
    """Load a row by id, answering 404 when it is missing or `need(user, obj)` refuses it."""
    obj = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    # Objects the user may not see answer 404, so their existence does not leak.
    if obj is None or (need is not None and not need(user, obj)):
        abort(404)
    return obj
