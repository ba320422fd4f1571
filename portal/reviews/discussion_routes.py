"""The discussion of a proposal flagged 需讨论: the panel's reviewers and the owning department."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.permissions import can_manage_review, is_department, is_reviewer, load_discussion_or_404
from portal.reviews import discussion, queries
from portal.reviews import discussion_bp as bp
from portal.reviews.forms import DiscussionForm
from portal.reviews.lifecycle import in_review
from portal.reviews.models import Review, ReviewState
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(lambda user: is_department(user) or is_reviewer(user)))


def _thread(proposal_id: int):
    proposal = load_discussion_or_404(proposal_id, current_user)
    if not discussion.exists(proposal):
        abort(404)
    return proposal


@bp.get("/proposals/<int:proposal_id>")
def show_thread(proposal_id: int):
    proposal = _thread(proposal_id)
    return _render(proposal, DiscussionForm())


@bp.post("/proposals/<int:proposal_id>")
def add_post(proposal_id: int):
    proposal = _thread(proposal_id)
    form = DiscussionForm()
    if form.validate_on_submit():
        if run_operation(form, discussion.add_post, proposal, current_user, form.body.data):
            flash(_("发言已发表，其他参与者会收到通知。"), "success")
            return redirect(url_for("review_discussion.show_thread", proposal_id=proposal.id))
    return _render(proposal, form)


def _render(proposal, form):
    scenario = proposal.scenario
    label = queries.proposal_labels(queries.reviewed_proposals(scenario)).get(proposal.id, "")
    own_review = None
    if is_reviewer(current_user):
        own_review = next((r for r in proposal_reviews(proposal) if r.reviewer_id == current_user.id
                           and r.state in (ReviewState.IN_PROGRESS, ReviewState.SUBMITTED)), None)
    return render_template("reviews/discussion.html", proposal=proposal, scenario=scenario, label=label,
                           posts=discussion.posts(proposal), form=form, open=discussion.is_open(proposal),
                           department=can_manage_review(current_user, scenario), own_review=own_review,
                           in_review=in_review(scenario))


def proposal_reviews(proposal) -> list[Review]:
    return [r for r in queries.scenario_reviews(proposal.scenario) if r.proposal_id == proposal.id]
