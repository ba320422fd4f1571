"""What a department sees of the proposals to its scenarios: a count until the deadline, then the content."""

from flask import render_template
from flask_login import current_user

from portal.permissions import (
    can_manage_scenario,
    can_view_submission,
    is_department,
    is_sealed,
    load_proposal_or_404,
    load_scenario_or_404,
)
from portal.proposals import operations, queries
from portal.proposals import submissions_bp as bp
from portal.scenarios.operations import close_if_due
from portal.web.unit_of_work import audited_read
from portal.web.views import require_role_area

bp.before_request(require_role_area(is_department))


@bp.get("/scenarios/<int:scenario_id>/proposals")
@audited_read
def scenario_proposals(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    if is_sealed(scenario):
        return render_template("submissions/sealed.html", scenario=scenario,
                               count=queries.submitted_count(scenario.id),
                               submissions=queries.submission_count(scenario.id))
    close_if_due(scenario)
    proposals = queries.submitted_summaries(scenario.id)
    operations.record_list_read(current_user, scenario, proposals, "list")
    return render_template("submissions/list.html", scenario=scenario, proposals=proposals)


@bp.get("/proposals/<int:proposal_id>")
@audited_read
def show_submission(proposal_id: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=can_view_submission)
    operations.record_read(current_user, proposal, f"version:{proposal.latest_version.number}")
    return render_template("submissions/show.html", proposal=proposal, version=proposal.latest_version)
