"""Rows for 变更公告: the department's amendment and draft-file pages, the public files of a call, the bidder's
confirmation and the admin's rule."""

from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, admin_area, department_area, everyone

ROWS = {
    # A published call's files are public (a draft's are its department's: tests/amendments/test_attachments.py).
    "amendments.download_file": ("GET", {"scenario_id": "published_scenario", "attachment_id": "published_file"},
                                 everyone(OK)),
    "amend_manage.amend_scenario": ("GET", {"scenario_id": "published_scenario"}, department_area()),
    "amend_manage.draft_files": ("GET", {"scenario_id": "draft_scenario"}, department_area()),
    "amend_manage.remove_draft_file": ("POST", {"scenario_id": "draft_scenario", "attachment_id": "draft_file"},
                                       department_area()),
    "amend_bidder.confirm_proposal": ("POST", {"proposal_id": "own_proposal"},
                                      {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": OK,
                                       "pending_enterprise": NOT_FOUND}),
    "amend_admin.amendment_policy": ("GET", {}, admin_area()),
}


def _file_of(world, scenario_name):
    from portal.amendments.models import ScenarioAttachment
    from portal.util import clock

    db = world.fixture("db")
    checked = world.fixture("stored_file")(name="需求说明书.pdf")
    attachment = ScenarioAttachment(scenario_id=world.objects[scenario_name], stored_name=checked.stored_name,
                                    display_name=checked.display_name, kind=checked.kind, mimetype=checked.mimetype,
                                    size=checked.size, sha256=checked.sha256, uploaded_at=clock.now(),
                                    uploaded_by_id=world.users["department"].id)
    db.session.add(attachment)
    db.session.commit()
    return attachment.id


BUILDERS = {
    "published_file": lambda world: _file_of(world, "published_scenario"),
    "draft_file": lambda world: _file_of(world, "draft_scenario"),
}
