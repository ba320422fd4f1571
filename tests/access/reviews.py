"""Rows for the review: the department's set-up and ranking pages, the reviewer's workspace."""

from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, admin_area, department_area, everyone


def reviewer_area():
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "reviewer": OK}


def discussion_area():
    """The panel (the world's reviewer is on it) and the owning department; other roles never."""
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "reviewer": OK, "department": OK,
            "other_department": NOT_FOUND}


ROWS = {
    "review_manage.setup": ("GET", {"scenario_id": "review_scenario"}, department_area()),
    "review_manage.save_setup": ("POST", {"scenario_id": "review_scenario"}, department_area()),
    "review_manage.assign": ("POST", {"scenario_id": "review_scenario"}, department_area()),
    "review_manage.progress": ("GET", {"scenario_id": "review_scenario"}, department_area()),
    "review_manage.save_period": ("POST", {"scenario_id": "review_scenario"}, department_area()),
    "review_manage.replace_reviewer": ("POST", {"scenario_id": "review_scenario"}, department_area()),
    "review_discussion.show_thread": ("GET", {"proposal_id": "discussed_proposal"}, discussion_area()),
    "review_discussion.add_post": ("POST", {"proposal_id": "discussed_proposal"}, discussion_area()),
    "review_manage.reopen_review": ("GET", {"review_id": "world_review"}, department_area()),
    "review_manage.ranking": ("GET", {"scenario_id": "review_scenario"}, department_area()),
    "review_manage.export": ("GET", {"scenario_id": "review_scenario", "kind": "scores", "fmt": "xlsx"},
                             department_area()),
    "reviewing.workspace": ("GET", {}, reviewer_area()),
    "reviewing.show_review": ("GET", {"review_id": "world_review"}, reviewer_area()),
    "reviewing.declare": ("POST", {"review_id": "world_review"}, reviewer_area()),
    "reviewing.download": ("GET", {"review_id": "read_review", "position": 1}, reviewer_area()),
    "reviewing.recuse": ("GET", {"review_id": "world_review"}, reviewer_area()),
    "reviewing.profile": ("GET", {}, reviewer_area()),
    "reviewing.save_employer": ("POST", {}, reviewer_area()),
    "reviewing.add_entry": ("POST", {}, reviewer_area()),
    "reviewing.remove_entry": ("POST", {"entry_id": "conflict_entry"}, reviewer_area()),
}


def _review_world(world):
    """A closed scenario of the department with two submissions (one with a PDF), the world's reviewer assigned."""
    if "_review" not in world.objects:
        from portal.accounts.models import Role
        from portal.scenarios.models import Scenario
        from tests.reviews import helpers

        db = world.fixture("db")
        batch = db.session.get(Scenario, world.objects["published_scenario"]).batch
        other = world.fixture("create_user")(Role.ENTERPRISE)
        stored_file = world.fixture("stored_file")
        scenario, versions = helpers.closed_scenario(
            world.fixture("create_scenario"), world.fixture("submit_proposal"), [other, world.users["enterprise"]],
            batch=batch, files_for=lambda bidder: [stored_file()], title="评审中的场景")
        helpers.assign(scenario, [world.users["reviewer"]])
        world.objects["_review"] = (scenario, versions)
    return world.objects["_review"]


def _world_review(world):
    from tests.reviews import helpers

    scenario, versions = _review_world(world)
    return helpers.review_of(scenario, world.users["reviewer"], versions[0].proposal).id


def _read_review(world):
    from portal.extensions import db
    from portal.reviews import conflicts
    from tests.reviews import helpers

    scenario, versions = _review_world(world)
    review = helpers.review_of(scenario, world.users["reviewer"], versions[1].proposal)
    conflicts.declare(review, world.users["reviewer"], conflict=False)
    db.session.commit()
    return review.id


def _conflict_entry(world):
    """A shareholding in the conflict profile of the world's reviewer."""
    from portal.extensions import db
    from portal.reviews import conflicts

    reviewer = world.users["reviewer"]
    entry = conflicts.add_entry(reviewer, reviewer, kind="shareholding", org_name="杭州远帆数据科技有限公司")
    db.session.commit()
    return entry.id


def _discussed_proposal(world):
    """A proposal flagged 需讨论 (totals 90 and 50) on a scenario of the department; the world's reviewer scored it."""
    from portal.accounts.models import Role
    from portal.scenarios.models import Scenario
    from tests.reviews import helpers

    db = world.fixture("db")
    batch = db.session.get(Scenario, world.objects["published_scenario"]).batch
    bidder = world.fixture("create_user")(Role.ENTERPRISE)
    second = world.fixture("create_user")(Role.REVIEWER)
    scenario, versions = helpers.closed_scenario(world.fixture("create_scenario"), world.fixture("submit_proposal"),
                                                 [bidder], batch=batch, title="需讨论的场景")
    (proposal,) = helpers.fully_reviewed(scenario, [world.users["reviewer"], second], [[90, 50]])
    return proposal.id


BUILDERS = {
    "discussed_proposal": _discussed_proposal,
    "conflict_entry": _conflict_entry,
    "review_scenario": lambda world: _review_world(world)[0].id,
    "world_review": _world_review,
    "read_review": _read_review,
}


# --- 专家库 and the random draw of experts ---------------------------------------------------------------

def _expert_draw(world):
    """A recorded draw of one expert (machine vision) for the review scenario."""
    from portal.accounts.models import Role
    from portal.extensions import db
    from portal.reviews import experts
    from tests.reviews import helpers

    scenario, _versions = _review_world(world)
    admin = world.users["admin"]
    for _n in range(2):
        reviewer = world.fixture("create_user")(Role.REVIEWER)
        experts.save_expert_profile(reviewer, admin, fields=["machine_vision"], district=None, available=True,
                                    unavailable_until=None)
    record = experts.draw_experts(scenario, helpers.department_of(scenario), fields=["machine_vision"], size=1,
                                  standby=1)
    db.session.commit()
    return record.id


ROWS.update({
    "review_manage.draw_experts": ("GET", {"scenario_id": "review_scenario"}, department_area()),
    "review_manage.verify_draw": ("GET", {"scenario_id": "review_scenario", "draw_id": "expert_draw"},
                                  department_area()),
    "reviewing.expertise": ("GET", {}, reviewer_area()),
    "admin.reviewer_expertise": ("GET", {"user_id": "world_reviewer"}, admin_area()),
})
BUILDERS.update({
    "expert_draw": _expert_draw,
    "world_reviewer": lambda world: world.users["reviewer"].id,
})
