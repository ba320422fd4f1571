"""Small helpers that keep views reading the same way."""

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db


def require_role_area(predicate):
    """A blueprint guard: anonymous users go to the login page, other roles get 403."""

    def guard():
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if not predicate(current_user):
            abort(403)
        return None

    return guard


def run_operation(form, operation, *args, **kwargs):
    """Run one domain operation; on a refused rule undo the request's writes and put the message on the form.

    Returns the operation's result, or None when it was refused (the form then carries the error). The
    request commits at its end (portal/web/unit_of_work.py).
    """
    try:
        result = operation(*args, **kwargs)
    except DomainError as error:
        refuse(form, error)
        return None
    return result if result is not None else True


def refuse(form, error: DomainError) -> None:
    """Roll back what the request wrote (files it stored go with it) and show the refusal on the form."""
    db.session.rollback()
    # An error that names one of the form's fields is shown on that field.
    field = getattr(form, getattr(error, "field", None) or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
