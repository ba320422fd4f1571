"""Two server processes submitting for the same enterprise at the same moment end with one proposal."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.proposals.models import Proposal, ProposalVersion
from portal.util import clock

SUBMITTER = """
import sys, time
from portal import create_app
from portal.extensions import db
from portal.accounts.models import User
from portal.proposals import operations
from portal.scenarios.models import Scenario
from tests.factories import proposal_fields

url, title, instance = sys.argv[1], sys.argv[5], sys.argv[6]
scenario_id, user_id, start_at = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "INSTANCE_PATH": instance})
with app.app_context():
    user, scenario = db.session.get(User, user_id), db.session.get(Scenario, scenario_id)
    db.session.rollback()
    time.sleep(max(0.0, start_at - time.time()))
    user, scenario = db.session.get(User, user_id), db.session.get(Scenario, scenario_id)
    proposal = operations.open_proposal(scenario, user)
    operations.save_draft(proposal, user, proposal_fields(title=title))
    operations.submit_proposal(proposal, user, declaration=True)
    db.session.commit()
print("ok")
"""


@pytest.mark.real_commits  # the submitters are processes of their own
@pytest.mark.parametrize("rounds", [2])
def test_two_processes_submitting_at_once_give_one_proposal(app, db, database_url, create_scenario, bidder,
                                                            tmp_path, rounds):
    if not database_url.startswith("postgresql"):
        pytest.skip("two-process race is run on PostgreSQL (SQLite serialises writers by design)")
    # Real time, not the frozen test clock: the submitting processes read the real clock.
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(days=1))
    scenario_id, user_id = scenario.id, bidder.id
    db.session.commit()
    for round_ in range(rounds):
        start_at = time.time() + 2.0
        processes = [subprocess.Popen([sys.executable, "-c", SUBMITTER, database_url, str(scenario_id), str(user_id),
                                       str(start_at), f"进程{round_}-{n}", str(tmp_path / f"i{n}")],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for n in range(2)]
        for process in processes:
            with process:
                out, err = process.communicate(timeout=60)
            assert process.returncode == 0 and "ok" in out, err
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    numbers = db.session.scalars(select(ProposalVersion.number).order_by(ProposalVersion.number)).all()
    assert numbers == list(range(1, len(numbers) + 1))
