"""A reviewer's workspace: its assignments, its conflict profile, the 回避声明 and recusal, the proposal (blind when
so set) and the score sheet."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import (
    can_edit_conflict_profile,
    can_recuse,
    can_review_proposal,
    can_view_review,
    is_blind_review,
    is_reviewer,
    load_or_404,
    load_review_or_404,
)
from portal.proposals.operations import record_read
from portal.reviews import conflicts, discussion, matching, operations, period, queries
from portal.reviews import reviewing_bp as bp
from portal.reviews.forms import ConflictEntryForm, DeclarationForm, EmployerForm, RecuseForm, score_form_class
from portal.reviews.lifecycle import in_review
from portal.reviews.models import ConflictEntry, Review, ReviewState
from portal.reviews.setup import get_setup
from portal.util import clock
from portal.web.forms import ActionForm
from portal.web.paging import Page, page_arg
from portal.web.sqlite import writes_on_get
from portal.web.views import refuse, require_role_area, run_operation

bp.before_request(require_role_area(is_reviewer))


@bp.get("/")
def workspace():
    # A page at a time: a reviewer of several years has thousands of assignments. What can_view_review refuses
    # is filtered in SQL already; it is asked again for each row all the same.
    tasks = Page.of_select(queries.reviewer_tasks(current_user.id), page_arg(), current_app.config["PAGE_SIZE"])
    tasks.items = [r for r in tasks.items if can_view_review(current_user, r)]
    labels = queries.labels_for_scenarios(r.scenario_id for r in tasks.items)
    scenarios = {r.scenario_id: r.scenario for r in tasks.items}
    # The threads of proposals flagged 需讨论, for the scenarios still under review on this page.
    flagged = discussion.flagged_in(s.id for s in scenarios.values() if in_review(s))
    return render_template("reviews/reviewer/workspace.html", reviews=tasks, labels=labels, flagged=flagged,
                           ends=period.ends_by_scenario(scenarios), now=clock.now())


def _label(review) -> str:
    return queries.proposal_labels(queries.reviewed_proposals(review.scenario)).get(review.proposal_id, "")


def neutral_name(position: int, attachment) -> str:
    """附件1.pdf: what a reviewer's download is called, so the file's own name cannot reveal the bidder."""
    return _("附件%(n)d.%(ext)s", n=position, ext=attachment.kind)


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@writes_on_get
def show_review(review_id: int):
    review = load_review_or_404(review_id, current_user)
    label = _label(review)
    if not can_review_proposal(current_user, review):
        return _render_declaration(review, label, _declaration_form(review))
    criteria = get_setup(review.scenario).criteria
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
            refuse(form, error)
            for position, message in error.errors.items():
                form.entries()[position][0].errors = [message]
        except DomainError as error:
            refuse(form, error)
        else:
            flash(_("评分已提交。提交后不能修改。") if submit else _("草稿已保存。"), "success")
            return redirect(url_for("reviewing.show_review", review_id=review.id))
        review = db.session.get(Review, review_id)
    else:
        record_read(current_user, review.proposal, f"review:{review.id}")
    version = review.proposal.latest_version
    return render_template("reviews/reviewer/review.html", review=review, label=label, form=form, criteria=criteria,
                           version=version, blind=is_blind_review(review.scenario), neutral_name=neutral_name)


def _plain(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@bp.post("/reviews/<int:review_id>/declare")
def declare(review_id: int):
    review = load_review_or_404(review_id, current_user)
    form = _declaration_form(review)
    if form.validate_on_submit():
        conflict = form.conflict.data == "yes"
        if run_operation(form, conflicts.declare, review, current_user, conflict=conflict, reason=form.reason.data):
            if conflict:
                flash(_("已声明回避，该方案已从您的评审任务中移除。"), "success")
                return redirect(url_for("reviewing.workspace"))
            if review.state == ReviewState.EXCLUDED:
                flash(_("您的利益冲突信息与该方案的揭榜单位匹配，已自动回避，该方案已从您的评审任务中移除。"),
                      "warning")
                return redirect(url_for("reviewing.workspace"))
            return redirect(url_for("reviewing.show_review", review_id=review.id))
    return _render_declaration(review, _label(review), form)


def _declaration_form(review):
    return DeclarationForm.for_blind_review() if is_blind_review(review.scenario) else DeclarationForm()


def _render_declaration(review, label, form):
    # The profile is shown in both modes; the bidder is named only in an open review.
    return render_template("reviews/reviewer/declare.html", review=review, label=label, form=form,
                           blind=is_blind_review(review.scenario), profile=conflicts.get_profile(current_user))


@bp.get("/reviews/<int:review_id>/attachments/<int:position>")
@writes_on_get
def download(review_id: int, position: int):
    from portal.uploads.downloads import send_attachment

    review = load_review_or_404(review_id, current_user, need=can_review_proposal)
    attachments = review.proposal.latest_version.attachments
    if not 1 <= position <= len(attachments):
        abort(404)
    attachment = attachments[position - 1]
    # Committed with the request, before the file's first byte is sent: no download without its record.
    record_read(current_user, review.proposal, f"attachment:{attachment.id}")
    # In a blind review the file's own properties (author, company) must not name the bidder either.
    return send_attachment(attachment.stored_name, neutral_name(position, attachment), attachment.mimetype,
                                   without_properties=is_blind_review(review.scenario))


@bp.route("/reviews/<int:review_id>/recuse", methods=["GET", "POST"])
def recuse(review_id: int):
    review = load_review_or_404(review_id, current_user)
    form = RecuseForm()
    if not can_recuse(current_user, review):
        form.form_errors.append(_("评分已提交，不能再申请回避；如需更正，请联系发布单位退回评分。")
                                if review.state == ReviewState.SUBMITTED else _("该场景不在评审阶段。"))
    elif form.validate_on_submit():
        if run_operation(form, conflicts.recuse, review, current_user, form.reason.data):
            flash(_("已声明回避，该方案已从您的评审任务中移除。"), "success")
            return redirect(url_for("reviewing.workspace"))
    return render_template("reviews/reviewer/recuse.html", review=review, label=_label(review), form=form)


# --- the conflict profile ---------------------------------------------------------------------------

def _render_profile(employer_form=None, entry_form=None):
    profile = conflicts.get_profile(current_user)
    if employer_form is None:
        employer_form = EmployerForm(data={"employer": profile.employer_name, "uscc": profile.employer_uscc or ""})
    return render_template("reviews/reviewer/profile.html", profile=profile, employer_form=employer_form,
                           entry_form=entry_form or ConflictEntryForm(), action_form=ActionForm(),
                           counts=lambda e: matching.counts(matching.Entry(e.kind.value, e.org_name, e.uscc, e.until),
                                                            conflicts.today()))


@bp.get("/profile")
def profile():
    return _render_profile()


@bp.post("/profile/employer")
def save_employer():
    form = EmployerForm()
    if form.validate_on_submit():
        if run_operation(form, conflicts.save_employer, current_user, current_user, employer=form.employer.data,
                         uscc=form.uscc.data):
            flash(_("现工作单位已保存。"), "success")
            return redirect(url_for("reviewing.profile"))
    return _render_profile(employer_form=form)


@bp.post("/profile/entries")
def add_entry():
    form = ConflictEntryForm()
    if form.validate_on_submit():
        if run_operation(form, conflicts.add_entry, current_user, current_user, kind=form.kind.data,
                         org_name=form.org_name.data, uscc=form.uscc.data, until=form.until.data,
                         detail=form.detail.data):
            flash(_("利益冲突信息已添加。"), "success")
            return redirect(url_for("reviewing.profile"))
    return _render_profile(entry_form=form)


@bp.post("/profile/entries/<int:entry_id>/delete")
def remove_entry(entry_id: int):
    entry = load_or_404(ConflictEntry, entry_id, current_user,
                        need=lambda user, e: can_edit_conflict_profile(user, e.profile.user))
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, conflicts.remove_entry, entry, current_user):
        flash(_("已删除。已因该项自动回避的评审任务仍保持回避。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("reviewing.profile"))


# --- 专家库: fields of expertise, district, availability ---------------------------------------------

@bp.route("/expertise", methods=["GET", "POST"])
def expertise():
    from portal.reviews import experts
    from portal.reviews.forms import ExpertProfileForm

    profile = experts.get_expert_profile(current_user)
    form = ExpertProfileForm() if request.method == "POST" else ExpertProfileForm.for_profile(profile)
    if form.validate_on_submit():
        if run_operation(form, experts.save_expert_profile, current_user, current_user, fields=form.fields.data,
                         district=form.district.data, available=form.available.data == "yes",
                         unavailable_until=form.unavailable_until.data):
            flash(_("专家库信息已保存。"), "success")
            return redirect(url_for("reviewing.expertise"))
    return render_template("reviews/reviewer/expertise.html", profile=profile, form=form)
