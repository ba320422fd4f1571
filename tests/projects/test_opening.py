"""A project is opened for each winner once the result is final — by server time, without any event — and
never twice."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.projects import operations
from portal.projects.models import Project, ProjectState
from portal.scenarios.models import ScenarioState
from portal.util import clock

# Check constraints, the unique keys and the row locks hold on both databases.
pytestmark = pytest.mark.both_databases


def _count():
    return db.session.scalar(select(func.count(Project.id)))


def test_the_winner_of_a_final_result_gets_one_project_whoever_looks_first(won, people):
    scenario, proposal = won
    # Final by the clock; nothing recorded the 揭榜成功 yet.
    assert scenario.state == ScenarioState.ANNOUNCED and scenario.status == ScenarioState.FINAL
    opened = operations.open_projects(organization_id=people.winner.organization_id)
    assert [p.proposal_id for p in opened] == [proposal.id]
    assert operations.open_projects() == [] and operations.open_projects(department_id=scenario.department_id) == []
    db.session.commit()
    project = db.session.scalar(select(Project))
    assert (project.organization_id, project.department_id, project.state) == (
        people.winner.organization_id, scenario.department_id, ProjectState.PLANNING)
    assert _count() == 1


def test_the_losing_bidder_has_no_project(won, people):
    assert operations.open_projects(organization_id=people.loser.organization_id) == []


def test_no_project_while_the_announcement_is_running(won):
    scenario, _proposal = won
    scenario.decision.ends_at = clock.now() + timedelta(days=1)
    db.session.commit()
    assert operations.open_projects() == []


def test_two_openers_racing_meet_at_the_unique_proposal(won):
    scenario, proposal = won
    assert operations._open(scenario, proposal) is not None
    db.session.flush()
    # A second opener that passed its query before the first wrote: the unique proposal refuses it.
    assert operations._open(scenario, proposal) is None
    db.session.commit()
    assert _count() == 1


def test_the_worker_job_opens_due_projects(won):
    assert operations.open_due_projects() == 1
    assert operations.open_due_projects() == 0


def test_the_project_list_page_opens_the_project(won, people, client, login_as):
    login_as(people.winner)
    html = client.get("/projects").get_data(as_text=True)
    assert "道路病害智能识别" in html and _count() == 1
    login_as(people.department)
    assert "道路病害智能识别" in client.get("/projects").get_data(as_text=True)
    assert _count() == 1
