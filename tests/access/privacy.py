"""Rows for personal information: the privacy notice, one's own data, account closure and its processing."""

from tests.access import OK, admin_area, everyone, signed_in


def _closure_request(world):
    from portal.accounts import privacy
    from portal.extensions import db

    request = privacy.request_closure(world.users["enterprise"], "不再使用")
    db.session.commit()
    return request.id


ROWS = {
    "accounts.privacy_notice": ("GET", {}, everyone(OK)),
    # Each signed-in user downloads their own data only: the route takes no id, so there is nobody else's to ask.
    "accounts.download_personal_data": ("GET", {}, signed_in(OK)),
    "accounts.request_account_closure": ("GET", {}, signed_in(OK)),
    "admin.closure_requests": ("GET", {}, admin_area()),
    "admin.close_account": ("POST", {"request_id": "closure_request"}, admin_area()),
}

BUILDERS = {"closure_request": _closure_request}
