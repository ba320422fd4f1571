"""Rows for 公示: the department's decision, announcement and answers, the public 公示 page, objections and
results."""

from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, ROLES, department_area, everyone


def verified_enterprise_only():
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": OK}


ROWS = {
    # review_scenario is built by tests/access/reviews.py.
    "announcement_manage.decide": ("GET", {"scenario_id": "review_scenario"}, department_area()),
    "announcement_manage.announce": ("GET", {"scenario_id": "announced_scenario"}, department_area()),
    "announcement_manage.answer_objection": ("GET", {"objection_id": "objection"}, department_area()),
    "announcements.show_announcement": ("GET", {"scenario_id": "announced_scenario"}, everyone(OK)),
    "announcements.file_objection": ("POST", {"scenario_id": "announced_scenario"}, verified_enterprise_only()),
    # The objecting enterprise and the owning department; for everyone else the file does not exist.
    "announcements.objection_attachment": ("GET", {"objection_id": "objection"},
                                           {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN,
                                            "enterprise": OK, "department": OK}),
    # A bidder's own feedback once the result is final: for anyone else (its department too) it does not exist.
    "announcements.my_feedback": ("GET", {"proposal_id": "final_own_proposal"},
                                  {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN, "enterprise": OK}),
    "announcements.results": ("GET", {}, everyone(OK)),
    "announcements.results_csv": ("GET", {}, everyone(OK)),
}


def _announced(world):
    """A scenario in 公示 whose winner is another enterprise, with an objection (and file) by the world's enterprise."""
    if "_announced" not in world.objects:
        from portal.accounts.models import Role
        from portal.announcements import operations
        from portal.extensions import db
        from portal.scenarios.models import Scenario
        from tests.announcements.helpers import announced, decided
        from tests.reviews import helpers

        batch = db.session.get(Scenario, world.objects["published_scenario"]).batch
        create_user = world.fixture("create_user")
        bidders = [create_user(Role.ENTERPRISE), create_user(Role.ENTERPRISE)]
        scenario, _versions = helpers.closed_scenario(
            world.fixture("create_scenario"), world.fixture("submit_proposal"), bidders, batch=batch,
            title="公示中的场景")
        proposals = helpers.fully_reviewed(scenario, [create_user(Role.REVIEWER) for _ in range(3)],
                                           [[80, 82, 84], [70, 71, 72]])
        decided(scenario, proposals[:1])
        announced(scenario)
        objection = operations.file_objection(scenario, world.users["enterprise"], text="评分有失公允。",
                                              upload=world.fixture("stored_file")())
        db.session.commit()
        world.objects["_announced"] = (scenario.id, objection.id)
    return world.objects["_announced"]


def _final_own_proposal(world):
    """The world's enterprise's proposal on a scenario whose 公示 ended with nothing open (揭榜成功)."""
    if "_final_own" not in world.objects:
        from datetime import timedelta

        from portal.accounts.models import Role
        from portal.extensions import db
        from portal.scenarios.models import Scenario
        from portal.util import clock
        from tests.announcements.helpers import announced, decided
        from tests.reviews import helpers

        batch = db.session.get(Scenario, world.objects["published_scenario"]).batch
        create_user = world.fixture("create_user")
        scenario, _versions = helpers.closed_scenario(
            world.fixture("create_scenario"), world.fixture("submit_proposal"),
            [create_user(Role.ENTERPRISE), world.users["enterprise"]], batch=batch, title="揭榜成功的场景")
        proposals = helpers.fully_reviewed(scenario, [create_user(Role.REVIEWER) for _ in range(3)],
                                           [[80, 82, 84], [70, 71, 72]])
        decided(scenario, proposals[:1])
        decision = announced(scenario)
        # The window ended yesterday: the result is final by server time.
        decision.starts_at, decision.ends_at = clock.now() - timedelta(days=6), clock.now() - timedelta(days=1)
        db.session.commit()
        world.objects["_final_own"] = proposals[1].id
    return world.objects["_final_own"]


BUILDERS = {
    "final_own_proposal": _final_own_proposal,
    "announced_scenario": lambda world: _announced(world)[0],
    "objection": lambda world: _announced(world)[1],
}
