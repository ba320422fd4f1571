"""对接 pages: a side's meetings, asking for one about a scenario, a meeting and its answers."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.meetings import bp, operations, queries
from portal.meetings.forms import DeclineForm, MeetingRequestForm, OutcomeForm, ProposeTimeForm
from portal.permissions import (
    can_answer_meeting,
    can_manage_scenario,
    can_propose_meeting_time,
    can_record_meeting,
    can_request_meeting,
    can_use_meetings,
    load_meeting_or_404,
    load_or_404,
    load_scenario_or_404,
)
from portal.web.forms import ActionForm
from portal.web.paging import page_arg
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(can_use_meetings))


@bp.get("/")
def list_meetings():
    pagination = queries.meetings_of(current_user, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("meetings/list.html", pagination=pagination)


def _enterprise(form):
    """The enterprise a department asks to meet (named by the matching box's link), or None."""
    from portal.accounts.models import Organization

    raw = form.enterprise_id.data or request.args.get("enterprise", "")
    return load_or_404(Organization, int(raw)) if str(raw).isdigit() else None


@bp.route("/new/<int:scenario_id>", methods=["GET", "POST"])
def request_meeting(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_request_meeting)
    form = MeetingRequestForm()
    enterprise = None
    if can_manage_scenario(current_user, scenario):
        enterprise = _enterprise(form)
        if enterprise is not None:
            form.enterprise_id.data = str(enterprise.id)
    if form.validate_on_submit():
        meeting = run_operation(form, operations.request_meeting, scenario, current_user,
                                starts_at=form.starts_at.data, place=form.place.data,
                                online_link=form.online_link.data, attendees=form.attendees.data,
                                agenda=form.agenda.data, enterprise_id=enterprise.id if enterprise else None)
        if meeting:
            flash(_("对接请求已发送，等待对方确认。"), "success")
            return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    return render_template("meetings/request.html", form=form, scenario=scenario, enterprise=enterprise)


def _page(meeting, **forms):
    forms.setdefault("propose_form", ProposeTimeForm(formdata=None, starts_at=None, place=meeting.place,
                                                     online_link=meeting.online_link))
    forms.setdefault("decline_form", DeclineForm(formdata=None))
    forms.setdefault("outcome_form", OutcomeForm(formdata=None))
    return render_template("meetings/detail.html", meeting=meeting, action_form=ActionForm(), **forms)


@bp.get("/<int:meeting_id>")
def show_meeting(meeting_id: int):
    return _page(load_meeting_or_404(meeting_id, current_user))


@bp.post("/<int:meeting_id>/accept")
def accept(meeting_id: int):
    meeting = load_meeting_or_404(meeting_id, current_user, need=can_answer_meeting)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.accept_meeting, meeting, current_user):
        flash(_("已确认对接。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/decline")
def decline(meeting_id: int):
    meeting = load_meeting_or_404(meeting_id, current_user, need=can_answer_meeting)
    form = DeclineForm()
    if form.validate_on_submit() and run_operation(form, operations.decline_meeting, meeting, current_user,
                                                   form.reason.data):
        flash(_("已谢绝对接。"), "success")
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    return _page(meeting, decline_form=form)


@bp.post("/<int:meeting_id>/propose")
def propose(meeting_id: int):
    meeting = load_meeting_or_404(meeting_id, current_user, need=can_propose_meeting_time)
    form = ProposeTimeForm()
    if form.validate_on_submit() and run_operation(form, operations.propose_time, meeting, current_user,
                                                   starts_at=form.starts_at.data, place=form.place.data,
                                                   online_link=form.online_link.data):
        flash(_("已提议新的对接时间，等待对方确认。"), "success")
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    return _page(meeting, propose_form=form)


@bp.post("/<int:meeting_id>/record")
def record(meeting_id: int):
    meeting = load_meeting_or_404(meeting_id, current_user, need=can_record_meeting)
    form = OutcomeForm()
    if form.validate_on_submit() and run_operation(form, operations.record_outcome, meeting, current_user,
                                                   form.outcome.data, form.notes.data):
        flash(_("对接结果已记录。"), "success")
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    return _page(meeting, outcome_form=form)
