"""Rows for projects after 揭榜成功 (the parties, the invited expert) and the public showcase."""

from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, everyone


def parties_area(enterprise=OK, department=OK, reviewer=NOT_FOUND):
    """A project's pages: the winner (the world's enterprise) and the owning department; other signed-in
    enterprises, departments and experts do not see it; admins have no project area."""
    return {**everyone(NOT_FOUND), "anonymous": LOGIN, "admin": FORBIDDEN, "enterprise": enterprise,
            "department": department, "reviewer": reviewer}


def department_only():
    return parties_area(enterprise=NOT_FOUND)


def winner_only():
    return parties_area(department=NOT_FOUND)


ROWS = {
    "projects.list_projects": ("GET", {}, {**everyone(OK), "anonymous": LOGIN, "admin": FORBIDDEN}),
    # The world's reviewer is an invited expert of the project: it reads it.
    "projects.show_project": ("GET", {"project_id": "project"}, parties_area(reviewer=OK)),
    "projects.report_attachment": ("GET", {"attachment_id": "report_attachment"}, parties_area(reviewer=OK)),
    "projects.draft_plan": ("POST", {"project_id": "project"}, department_only()),
    "projects.add_milestone": ("POST", {"plan_id": "plan"}, department_only()),
    "projects.remove_milestone": ("POST", {"milestone_id": "milestone"}, department_only()),
    "projects.propose_plan": ("POST", {"plan_id": "plan"}, department_only()),
    "projects.mark_milestone": ("POST", {"milestone_id": "milestone"}, department_only()),
    "projects.open_acceptance": ("POST", {"project_id": "project"}, department_only()),
    "projects.invite_expert": ("POST", {"project_id": "project"}, department_only()),
    "projects.record_result": ("POST", {"project_id": "project"}, department_only()),
    "projects.agree_plan": ("POST", {"plan_id": "plan"}, winner_only()),
    "projects.return_plan": ("POST", {"plan_id": "plan"}, winner_only()),
    "projects.file_report": ("POST", {"project_id": "project"}, winner_only()),
    "projects.edit_case": ("GET", {"project_id": "project"}, winner_only()),
    "projects.add_picture": ("POST", {"project_id": "project"}, winner_only()),
    "projects.remove_picture": ("POST", {"picture_id": "spare_picture"}, winner_only()),
    "project_experts.opinion": ("GET", {"expert_id": "expert"},
                                {**everyone(FORBIDDEN), "anonymous": LOGIN, "reviewer": OK}),
    "showcase.list_cases": ("GET", {}, everyone(OK)),
    "showcase.show_case": ("GET", {"project_id": "project"}, everyone(OK)),
    "showcase.show_result": ("GET", {"project_id": "project"}, everyone(OK)),
    "showcase.picture": ("GET", {"picture_id": "case_picture"}, everyone(OK)),
    "showcase.feed_atom": ("GET", {}, everyone(OK)),
}


def _project(world) -> dict:
    """The world's enterprise won a scenario of the world's department; its project passed 验收 with the world's
    reviewer as expert, and shows a case with pictures."""
    if "_project" not in world.objects:
        from portal.accounts.models import Role
        from portal.extensions import db
        from portal.projects import operations
        from portal.scenarios.models import Scenario
        from tests.catalogue.conftest import PNG, stored
        from tests.factories import MINIMAL_PDF
        from tests.projects import helpers

        batch = db.session.get(Scenario, world.objects["published_scenario"]).batch
        create_user = world.fixture("create_user")
        winner = world.users["enterprise"]
        _scenario, proposal = helpers.final_result(
            world.fixture("create_scenario"), world.fixture("submit_proposal"), winner,
            [create_user(Role.ENTERPRISE)], [create_user(Role.REVIEWER) for _ in range(3)], batch=batch,
            title="项目阶段的场景")
        project = helpers.project_of(proposal)
        helpers.agreed_plan(project, winner)
        report = operations.file_report(project, winner, text="完成需求调研。",
                                        uploads=[stored(MINIMAL_PDF, "调研报告.pdf")])
        helpers.all_met(project)
        helpers.concluded(project, winner, [world.users["reviewer"]])
        operations.update_case(project, winner, summary="路面病害识别准确率 95%。", results="巡检效率提升 3 倍。")
        picture = operations.add_picture(project, winner, stored(PNG, "现场.png"), "现场部署")
        spare = operations.add_picture(project, winner, stored(PNG, "备用.png"))
        db.session.commit()
        world.objects["_project"] = {
            "project": project.id, "plan": project.agreed_plan.id, "milestone": project.milestones[0].id,
            "report_attachment": report.attachments[0].id, "expert": project.experts[0].id,
            "case_picture": picture.id, "spare_picture": spare.id}
    return world.objects["_project"]


BUILDERS = {name: (lambda world, name=name: _project(world)[name])
            for name in ("project", "plan", "milestone", "report_attachment", "expert", "case_picture",
                         "spare_picture")}
