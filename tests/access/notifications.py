"""Rows for the inbox: every signed-in user has one; a message answers only to its recipient."""

from tests.access import NOT_FOUND, OK, signed_in


def _enterprise_notification(world):
    from portal.extensions import db
    from portal.notifications.operations import notify

    notification = notify(world.users["enterprise"], "receipt", "揭榜回执", link="/scenarios")
    db.session.commit()
    return notification.id


ROWS = {
    "notifications.inbox": ("GET", {}, signed_in(OK)),
    "notifications.mark_all_read": ("POST", {}, signed_in(OK)),
    # A message belongs to the "enterprise" user: everyone else signed in is told it does not exist.
    "notifications.mark_read": ("POST", {"notification_id": "enterprise_notification"},
                                {**signed_in(NOT_FOUND), "enterprise": OK}),
}

BUILDERS = {"enterprise_notification": _enterprise_notification}
