"""Rows for the password-reset pages: open to everyone, since a forgotten password means no session."""

from tests.access import OK, everyone

ROWS = {
    "accounts.forgot_password": ("GET", {}, everyone(OK)),
    # Opening a link keeps its token in the session and moves on to the form (a redirect, for a forged one too).
    "accounts.open_reset_link": ("GET", {"token": "forged-token"}, everyone(OK)),
    # Without a link first, the form sends the visitor to the request page.
    "accounts.reset_password": ("GET", {}, everyone(OK)),
}
