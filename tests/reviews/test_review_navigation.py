"""Getting to the review: a reviewer lands on its task list after signing in, and a department's batch page
links each scenario's review and ranking."""

from portal.accounts.models import Role
from tests.factories import sign_in
from tests.reviews.helpers import assign, department_of


def test_a_reviewer_lands_on_its_task_list_after_signing_in(client, create_user):
    reviewer = create_user(Role.REVIEWER)
    response = sign_in(client, reviewer.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/reviewing/")
    assert client.get("/login").headers["Location"].endswith("/reviewing/"), "signed in already: the same place"


def test_other_roles_still_land_on_the_home_page_or_where_they_were_going(app, client, create_user):
    enterprise = create_user(Role.ENTERPRISE)
    assert sign_in(client, enterprise.email).headers["Location"] == "/"
    reviewer = create_user(Role.REVIEWER)
    response = sign_in(app.test_client(), reviewer.email, next_url="/reviewing/profile")
    assert response.headers["Location"] == "/reviewing/profile"


def test_the_batch_page_links_each_scenario_under_review_to_its_review_and_ranking(client, login_as, closed,
                                                                                   reviewers):
    assign(closed, reviewers[:3])
    login_as(department_of(closed))
    text = client.get(f"/manage/batches/{closed.batch_id}").get_data(as_text=True)
    assert f"/manage/scenarios/{closed.id}/review\"" in text
    assert f"/manage/scenarios/{closed.id}/ranking\"" in text
