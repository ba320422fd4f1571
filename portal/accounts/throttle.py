"""Throttling of guessable forms: per typed account and per client address.

The account key is the e-mail as typed (normalized, then hashed so the limiter's store holds no
addresses), whether or not such an account exists: an unknown address is throttled exactly like a
known one, so the refusal reveals nothing. Limits come from the configuration at request time.
"""

import hashlib
import math

from flask import current_app, g, request, session
from flask_limiter import RateLimitExceeded
from flask_login import current_user

from portal.accounts.operations import normalize_email
from portal.accounts.session import PENDING_SIGN_IN
from portal.extensions import limiter


def _typed_account() -> str:
    email = normalize_email(request.form.get("email", ""))
    # An empty key makes the limiter skip this limit; the form then refuses the empty field anyway.
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32] if email else ""


def _setting(name: str):
    return lambda: current_app.config[name]


def _failed_sign_in(response) -> bool:
    # A successful sign-in redirects; a refusal shows the form again (or any error page).
    return response.status_code != 302


def _second_factor_account() -> str:
    # The account whose code is being checked: the one waiting at the second step, or the signed-in one.
    pending = session.get(PENDING_SIGN_IN)
    user_id = pending.get("user") if isinstance(pending, dict) else None
    if user_id is None and current_user.is_authenticated:
        user_id = current_user.id
    return f"second-factor:{user_id}" if user_id is not None else ""


def _code_refused(response) -> bool:
    # Set by the views when a code was wrong (a success may render a page, e.g. the new recovery codes).
    return bool(g.get("second_factor_refused"))


def _registration_answered(response) -> bool:
    # Only registrations that were answered with an e-mail count; a form sent back with a mistake does not.
    return response.status_code == 302


def _limits(per_account: str, per_address: str, key_func=_typed_account, **options):
    def decorate(view):
        view = limiter.limit(_setting(per_account), key_func=key_func, methods=["POST"], **options)(view)
        return limiter.limit(_setting(per_address), methods=["POST"], **options)(view)

    return decorate


# Only failures count, so people who sign in often, or many colleagues behind one office address, are
# never locked out by their own successful sign-ins.
sign_in_attempts = _limits("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS", deduct_when=_failed_sign_in)
# Every request counts: each may send an e-mail.
reset_requests = _limits("RESET_LIMIT_PER_ACCOUNT", "RESET_LIMIT_PER_ADDRESS")
# Each answered registration sends an e-mail, to an address of the sender's choosing.
registrations = _limits("REGISTER_LIMIT_PER_ACCOUNT", "REGISTER_LIMIT_PER_ADDRESS", deduct_when=_registration_answered)
# Wrong codes, per account and per address, like passwords: six digits are guessable without a limit.
second_factor_attempts = _limits("TWO_FACTOR_LIMIT_PER_ACCOUNT", "TWO_FACTOR_LIMIT_PER_ADDRESS",
                                 key_func=_second_factor_account, deduct_when=_code_refused)


def retry_after_seconds(error: RateLimitExceeded) -> int:
    """The longest a refused client may have to wait: the length of the breached limit's window."""
    return int(error.limit.limit.get_expiry())


def retry_after_minutes(error: RateLimitExceeded) -> int:
    return max(1, math.ceil(retry_after_seconds(error) / 60))
