"""Throttling of guessable forms: per typed account and per client address.

The account key is the e-mail as typed (normalized, then hashed so the limiter's store holds no
addresses), whether or not such an account exists: an unknown address is throttled exactly like a
known one, so the refusal reveals nothing. Limits come from the configuration at request time.
"""

import hashlib
import math

from flask import current_app, request
from flask_limiter import RateLimitExceeded

from portal.accounts.operations import normalize_email
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


def _limits(per_account: str, per_address: str, **options):
    def decorate(view):
        view = limiter.limit(_setting(per_account), key_func=_typed_account, methods=["POST"], **options)(view)
        return limiter.limit(_setting(per_address), methods=["POST"], **options)(view)

    return decorate


# Only failures count, so people who sign in often, or many colleagues behind one office address, are
# never locked out by their own successful sign-ins.
sign_in_attempts = _limits("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS", deduct_when=_failed_sign_in)
# Every request counts: each may send an e-mail.
reset_requests = _limits("RESET_LIMIT_PER_ACCOUNT", "RESET_LIMIT_PER_ADDRESS")


def retry_after_seconds(error: RateLimitExceeded) -> int:
    """The longest a refused client may have to wait: the length of the breached limit's window."""
    return int(error.limit.limit.get_expiry())


def retry_after_minutes(error: RateLimitExceeded) -> int:
    return max(1, math.ceil(retry_after_seconds(error) / 60))
