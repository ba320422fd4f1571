"""Rows for 答疑: an enterprise's question page, the owning department's questions, answers and call terms."""

from tests.access import FORBIDDEN, LOGIN, OK, department_area, everyone

ROWS = {
    # Unverified enterprises see the page with the reason they cannot ask yet.
    "clarifications.ask_question": ("GET", {"scenario_id": "published_scenario"},
                                    {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": OK,
                                     "pending_enterprise": OK}),
    "clarifications_manage.scenario_questions": ("GET", {"scenario_id": "published_scenario"}, department_area()),
    "clarifications_manage.set_call_terms": ("POST", {"scenario_id": "published_scenario"}, department_area()),
    "clarifications_manage.show_question": ("GET", {"question_id": "question"}, department_area()),
    "clarifications_manage.answer_question": ("POST", {"question_id": "question"}, department_area()),
    "clarifications_manage.decline_question": ("POST", {"question_id": "question"}, department_area()),
}


def _question(world):
    """A question by the world's enterprise on the published scenario."""
    from portal.clarifications import operations
    from portal.extensions import db
    from portal.scenarios.models import Scenario

    scenario = db.session.get(Scenario, world.objects["published_scenario"])
    question = operations.ask_question(scenario, world.users["enterprise"], "验收标准中的准确率如何测定？")
    db.session.commit()
    return question.id


BUILDERS = {"question": _question}
