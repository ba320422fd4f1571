"""Capability pages: the public list, a capability and its feed; an enterprise's own; the review queue."""

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.capabilities import bp, feeds, invite_bp, matching, mine_bp, operations, queries, review_bp
from portal.capabilities.forms import CapabilityFilterForm, CapabilityForm, ReturnForm
from portal.capabilities.models import CapabilityState
from portal.permissions import (
    can_edit_capability,
    can_manage_scenario,
    can_publish_capability,
    can_review_capability,
    is_department,
    load_capability_or_404,
    load_scenario_or_404,
    owns_capability,
)
from portal.web.forms import ActionForm
from portal.web.paging import MAX_SEARCH_PAGE, page_arg
from portal.web.views import require_role_area, run_operation

mine_bp.before_request(require_role_area(can_publish_capability))
review_bp.before_request(require_role_area(can_review_capability))
invite_bp.before_request(require_role_area(is_department))


# --- public ---------------------------------------------------------------------------------------

@bp.get("/capabilities")
def list_capabilities():
    form = CapabilityFilterForm(request.args)
    filters, q = form.filters(), form.keyword()
    per_page = current_app.config["PAGE_SIZE"]
    if q:
        pagination = queries.search_public(q, filters, page_arg(MAX_SEARCH_PAGE), per_page)
    else:
        pagination = queries.paginate_public(filters, page_arg(), per_page)
    return render_template("capabilities/list.html", form=form, filters=filters, q=q, pagination=pagination)


@bp.get("/capabilities/<int:capability_id>")
def show_capability(capability_id: int):
    capability = load_capability_or_404(capability_id, current_user)
    return render_template("capabilities/detail.html", capability=capability,
                           fits=matching.matching_scenarios(capability),
                           products=queries.public_products(capability), action_form=ActionForm(),
                           return_form=ReturnForm())


@bp.get("/feeds/capabilities.atom")
def feed_atom():
    return Response(feeds.atom(queries.feed_capabilities()), mimetype="application/atom+xml")


# --- a verified enterprise's own capabilities -----------------------------------------------------

@mine_bp.get("/")
def my_capabilities():
    return render_template("capabilities/mine.html",
                           capabilities=queries.own_capabilities(current_user.organization_id),
                           action_form=ActionForm())


def _form(**kwargs) -> CapabilityForm:
    return CapabilityForm(products=queries.own_products(current_user.organization_id), **kwargs)


@mine_bp.get("/invitations")
def my_invitations():
    return render_template("capabilities/invitations.html",
                           invitations=queries.invitations_of(current_user.organization_id))


@mine_bp.route("/new", methods=["GET", "POST"])
def new_capability():
    form = _form()
    if not form.is_submitted() and current_user.organization.district:
        form.districts.data = [current_user.organization.district]
    if form.validate_on_submit():
        capability = run_operation(form, operations.create_capability, current_user, **form.values())
        if capability:
            flash(_("草稿已保存。提交审核并通过后，能力将公开展示。"), "success")
            return redirect(url_for("capabilities.show_capability", capability_id=capability.id))
    return render_template("capabilities/form.html", form=form, capability=None)


@mine_bp.route("/<int:capability_id>/edit", methods=["GET", "POST"])
def edit_capability(capability_id: int):
    capability = load_capability_or_404(capability_id, current_user, need=can_edit_capability)
    form = _form()
    if not form.is_submitted():
        form = _form(obj=capability, maturity=capability.maturity.value, districts=capability.districts,
                     product_ids=[p.id for p in capability.products])
    if form.validate_on_submit():
        if run_operation(form, operations.update_capability, capability, current_user, **form.values()):
            flash(_("修改已保存。"), "success")
            return redirect(url_for("capabilities.show_capability", capability_id=capability.id))
    return render_template("capabilities/form.html", form=form, capability=capability)


@mine_bp.post("/<int:capability_id>/submit")
def submit(capability_id: int):
    capability = load_capability_or_404(capability_id, current_user, need=owns_capability)
    return _act(capability, operations.submit_capability, _("已提交审核：%(title)s"))


@mine_bp.post("/<int:capability_id>/withdraw")
def withdraw(capability_id: int):
    capability = load_capability_or_404(capability_id, current_user, need=owns_capability)
    return _act(capability, operations.withdraw_capability, _("已撤回：%(title)s"))


def _act(capability, operation, message: str, *args):
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operation, capability, current_user, *args):
        flash(message % {"title": capability.title}, "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("capabilities.show_capability", capability_id=capability.id))


# --- review: departments and admins ---------------------------------------------------------------

@review_bp.get("/")
def queue():
    state = request.args.get("state", CapabilityState.SUBMITTED.value) or None
    pagination = queries.review_queue(state, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("capabilities/review.html", pagination=pagination, state=state,
                           counts=queries.state_counts(), action_form=ActionForm(), return_form=ReturnForm())


@review_bp.post("/<int:capability_id>/approve")
def approve(capability_id: int):
    capability = load_capability_or_404(capability_id, current_user, need=can_review_capability)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.approve_capability, capability, current_user):
        flash(_("已公开：%(title)s", title=capability.title), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("capability_review.queue"))


@review_bp.post("/<int:capability_id>/return")
def return_capability(capability_id: int):
    capability = load_capability_or_404(capability_id, current_user, need=can_review_capability)
    form = ReturnForm()
    if form.validate_on_submit():
        if run_operation(form, operations.return_capability, capability, current_user, form.reason.data):
            flash(_("已退回：%(title)s", title=capability.title), "success")
    for error in form.form_errors + list(form.reason.errors):
        flash(error, "danger")
    return redirect(url_for("capability_review.queue"))


# --- 邀请揭榜: the department owning an open scenario ------------------------------------------------

@invite_bp.post("/scenarios/<int:scenario_id>/invite/<int:capability_id>")
def invite(scenario_id: int, capability_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    capability = load_capability_or_404(capability_id, current_user)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.invite_to_bid, scenario, capability,
                                                   current_user):
        flash(_("已邀请%(org)s揭榜。", org=capability.organization.name), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("scenarios.show_scenario", scenario_id=scenario.id) + "#matching-capabilities-h")
