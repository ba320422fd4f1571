"""A reviewer's workspace: its assignments, the 回避声明, the proposal (blind when so set) and the score sheet."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.database import writes_on_get
from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import can_review_proposal, can_view_review, is_blind_review, is_reviewer, load_review_or_404
from portal.proposals.operations import record_read
from portal.reviews import operations
from portal.reviews import reviewing_bp as bp
from portal.reviews.forms import DeclarationForm, score_form_class
from portal.reviews.models import ACTIVE_STATES, Review
from portal.scenarios.models import Scenario
from portal.views import require_role_area, run_operation

bp.before_request(require_role_area(is_reviewer))


@bp.get("/")
def workspace():
    # Sealed scenarios (cancelled before the deadline) are filtered in SQL too, not only by can_view_review.
    reviews = [r for r in db.session.scalars(select(Review).join(Scenario, Scenario.id == Review.scenario_id)
                                             .where(Review.reviewer_id == current_user.id,
                                                    Review.state.in_(ACTIVE_STATES), Scenario.bids_unsealed_clause())
                                             .options(selectinload(Review.scenario))
                                             .order_by(Review.scenario_id.desc(), Review.proposal_id))
               if can_view_review(current_user, r)]
    labels = operations.labels_for_scenarios(r.scenario_id for r in reviews)
    return render_template("reviews/reviewer/workspace.html", reviews=reviews, labels=labels)


def _label(review) -> str:
    return operations.proposal_labels(operations.reviewed_proposals(review.scenario)).get(review.proposal_id, "")


def neutral_name(position: int, attachment) -> str:
    """附件1.pdf: what a reviewer's download is called, so the file's own name cannot reveal the bidder."""
    return _("附件%(n)d.%(ext)s", n=position, ext=attachment.kind)


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@writes_on_get
def show_review(review_id: int):
    review = load_review_or_404(review_id, current_user)
    label = _label(review)
    if not can_review_proposal(current_user, review):
        return render_template("reviews/reviewer/declare.html", review=review, label=label, form=DeclarationForm())
    criteria = operations.get_setup(review.scenario).criteria
    form = score_form_class(criteria)()
    if not form.is_submitted():
        for position, (score, comment) in enumerate(form.entries()):
            row = review.score_at(position)
            score.data = "" if row is None or row.score is None else _plain(row.score)
            comment.data = row.comment if row else ""
        form.opinion.data = review.opinion
    if form.validate_on_submit():
        submit = bool(form.submit.data)
        try:
            operations.save_review(review, current_user, scores=form.values(), opinion=form.opinion.data,
                                   submit=submit)
        except operations.ScoresInvalid as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            for position, message in error.errors.items():
                form.entries()[position][0].errors = [message]
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("评分已提交。提交后不能修改。") if submit else _("草稿已保存。"), "success")
            return redirect(url_for("reviewing.show_review", review_id=review.id))
        review = db.session.get(Review, review_id)
    else:
        record_read(current_user, review.proposal, f"review:{review.id}")
        db.session.commit()
    version = review.proposal.latest_version
    return render_template("reviews/reviewer/review.html", review=review, label=label, form=form, criteria=criteria,
                           version=version, blind=is_blind_review(review.scenario), neutral_name=neutral_name)


def _plain(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@bp.post("/reviews/<int:review_id>/declare")
def declare(review_id: int):
    review = load_review_or_404(review_id, current_user)
    form = DeclarationForm()
    if form.validate_on_submit():
        conflict = form.conflict.data == "yes"
        if run_operation(form, operations.declare, review, current_user, conflict=conflict, reason=form.reason.data):
            if conflict:
                flash(_("已声明回避，该方案已从您的评审任务中移除。"), "success")
                return redirect(url_for("reviewing.workspace"))
            return redirect(url_for("reviewing.show_review", review_id=review.id))
    return render_template("reviews/reviewer/declare.html", review=review, label=_label(review), form=form)


@bp.get("/reviews/<int:review_id>/attachments/<int:position>")
@writes_on_get
def download(review_id: int, position: int):
    from portal import uploads

    review = load_review_or_404(review_id, current_user, need=can_review_proposal)
    attachments = review.proposal.latest_version.attachments
    if not 1 <= position <= len(attachments):
        abort(404)
    attachment = attachments[position - 1]
    record_read(current_user, review.proposal, f"attachment:{attachment.id}")
    db.session.commit()
    # In a blind review the file's own properties (author, company) must not name the bidder either.
    return uploads.send_attachment(attachment.stored_name, neutral_name(position, attachment), attachment.mimetype,
                                   without_properties=is_blind_review(review.scenario))
