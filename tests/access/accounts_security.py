"""Rows for registration by e-mailed link, server-side sign-out, the second sign-in step and two-factor settings."""

from tests.access import FORBIDDEN, LOGIN, OK, admin_area, everyone, signed_in

STAFF_ONLY = {**signed_in(OK), "enterprise": FORBIDDEN, "pending_enterprise": FORBIDDEN}

ROWS = {
    "accounts.registration_sent": ("GET", {}, everyone(OK)),
    # A forged link is refused in words, whoever opens it.
    "accounts.confirm_registration": ("GET", {"token": "forged-token"}, everyone(400)),
    # Anonymous visitors are sent to log in; a signed-in user is signed out everywhere and sent there too.
    "accounts.sign_out_everywhere": ("POST", {}, everyone(LOGIN)),
    # Without a right password first there is no second step: back to the login form (signed-in users go home).
    "accounts.verify_second_factor": ("GET", {}, signed_in(OK, anonymous=LOGIN)),
    "accounts.enrol_second_factor": ("GET", {}, signed_in(OK, anonymous=LOGIN)),
    "accounts.two_factor_settings": ("GET", {}, STAFF_ONLY),
    "accounts.setup_two_factor": ("GET", {}, STAFF_ONLY),
    # Without a code the form goes back to the settings page with the message.
    "accounts.disable_two_factor": ("POST", {}, STAFF_ONLY),
    "accounts.regenerate_recovery_codes": ("POST", {}, STAFF_ONLY),
    "admin.reset_two_factor": ("POST", {"user_id": "enterprise_user"}, admin_area()),
    "admin.two_factor_policy": ("GET", {}, admin_area()),
}
