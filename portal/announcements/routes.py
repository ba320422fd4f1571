"""Public pages: the 公示 of a result with its objections, and the final results (揭榜成功) by batch."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.announcements import bp, operations, queries
from portal.announcements.forms import ObjectionForm
from portal.permissions import (
    can_manage_scenario,
    can_view_announcement,
    can_view_current_announcement,
    can_view_feedback,
    can_view_objection,
    is_verified_enterprise,
    load_feedback_proposal_or_404,
    load_objection_or_404,
    load_scenario_or_404,
    objection_refusal,
)
from portal.proposals import operations as proposal_ops
from portal.reviews import queries as review_queries
from portal.reviews.scoring import shown
from portal.util import clock
from portal.util.spreadsheets import download
from portal.web.views import run_operation


def _announcement(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_view_announcement)
    # The current 公示, or None while a reopened one waits for its new decision (its history is still shown).
    decision = scenario.decision if can_view_current_announcement(current_user, scenario) else None
    return scenario, decision


def _render(scenario, decision, form):
    mine = []
    if current_user.is_authenticated and decision is not None:
        mine = [o for o in decision.objections if can_view_objection(current_user, o)]
    scores = {}
    if decision is not None and decision.publish_scores:
        scores = {row.proposal.id: row.result for row in review_queries.ranking(scenario).rows}
    return render_template("announcements/announcement.html", scenario=scenario, decision=decision, form=form,
                           objections=mine, refusal=objection_refusal(current_user, scenario), scores=scores,
                           show=shown, all_objections=can_manage_scenario(current_user, scenario),
                           past_rounds=queries.past_rounds(scenario), my_feedback=_own_feedback(scenario))


def _own_feedback(scenario):
    """The signed-in bidder's own proposal when it may read its feedback, else None."""
    if not (current_user.is_authenticated and current_user.organization_id):
        return None
    proposal = proposal_ops.find_proposal(scenario, current_user.organization_id)
    return proposal if proposal is not None and can_view_feedback(current_user, proposal) else None


@bp.get("/scenarios/<int:scenario_id>/announcement")
def show_announcement(scenario_id: int):
    scenario, decision = _announcement(scenario_id)
    return _render(scenario, decision, ObjectionForm())


@bp.post("/scenarios/<int:scenario_id>/objections")
@login_required
def file_objection(scenario_id: int):
    scenario, decision = _announcement(scenario_id)
    if not is_verified_enterprise(current_user):
        abort(403)
    form = ObjectionForm()
    if form.validate_on_submit():
        if run_operation(form, _file_objection, scenario, form):
            flash(_("异议已提交，发布单位答复后您会收到通知。"), "success")
            return redirect(url_for("announcements.show_announcement", scenario_id=scenario.id))
    return _render(scenario, decision, form)


def _file_objection(scenario, form):
    from portal.uploads.storage import accept_if_given

    # The file is checked inside the operation's step, so a refused file is shown on the form like any refusal.
    return operations.file_objection(scenario, current_user, text=form.text.data,
                                     upload=accept_if_given(form.attachment.data))


@bp.get("/objections/<int:objection_id>/attachment")
@login_required
def objection_attachment(objection_id: int):
    from portal.uploads.downloads import send_attachment

    objection = load_objection_or_404(objection_id, current_user,
                                      need=lambda u, o: can_view_objection(u, o) and o.attachment_stored_name)
    return send_attachment(objection.attachment_stored_name, objection.attachment_name,
                                   objection.attachment_mimetype)


@bp.get("/proposals/<int:proposal_id>/feedback")
@login_required
def my_feedback(proposal_id: int):
    # Only the bidder's own proposal, only once the result is final: for anyone else the page does not exist.
    proposal = load_feedback_proposal_or_404(proposal_id, current_user)
    feedback = queries.bidder_feedback(proposal)
    if feedback is None:
        abort(404)
    return render_template("announcements/feedback.html", proposal=proposal, scenario=proposal.scenario,
                           feedback=feedback, show=shown)


@bp.get("/results")
def results():
    return render_template("announcements/results.html", batches=queries.final_results_by_batch())


@bp.get("/results.csv")
def results_csv():
    return _results_download("csv")


@bp.get("/results.xlsx")
def results_xlsx():
    return _results_download("xlsx")


def _results_download(fmt: str):
    header = [_("清单批次"), _("场景"), _("发布单位"), _("揭榜单位"), _("公示开始"), _("公示结束")]
    rows = [[batch.title, scenario.title, scenario.department.name,
             "、".join(p.bidder_names for p in decision.winners), _local(decision.starts_at),
             _local(decision.ends_at)]
            for batch, entries in queries.final_results_by_batch() for scenario, decision in entries]
    return download("results", _("揭榜成功名单"), header, rows, fmt)


def _local(moment) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%d %H:%M")
