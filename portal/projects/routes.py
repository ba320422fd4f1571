"""Project pages: the parties' project page (任务书, progress, milestones, 验收), the expert's opinion page, and
the public showcase of 场景创新成果 with its feed."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.permissions import (
    can_download_report_attachment,
    can_edit_case,
    can_view_case,
    can_view_project_result,
    is_department,
    is_enterprise_account,
    is_project_department,
    is_project_winner,
    is_reviewer,
    load_or_404,
    load_project_or_404,
)
from portal.projects import bp, expert_bp, feeds, operations, queries, showcase_bp
from portal.projects.forms import (
    CaseForm,
    InviteExpertForm,
    MarkMilestoneForm,
    MilestoneForm,
    OpinionForm,
    PictureForm,
    ReportForm,
    ResultForm,
    ReturnPlanForm,
)
from portal.projects.models import AcceptanceExpert, CasePicture, Milestone, Plan, ReportAttachment
from portal.web.forms import ActionForm
from portal.web.paging import page_arg
from portal.web.sqlite import writes_on_get
from portal.web.views import refuse, require_role_area, run_operation

PER_PAGE = 12


def _party_or_expert(user) -> bool:
    return is_department(user) or is_enterprise_account(user) or is_reviewer(user)


bp.before_request(require_role_area(_party_or_expert))
expert_bp.before_request(require_role_area(is_reviewer))


@bp.get("/projects")
@writes_on_get  # opens the projects of results that became final (SQLite: take the write lock first)
def list_projects():
    if is_department(current_user):
        operations.open_projects(department_id=current_user.organization_id)
        projects = queries.department_projects(current_user.organization_id)
    elif is_enterprise_account(current_user):
        operations.open_projects(organization_id=current_user.organization_id)
        projects = queries.enterprise_projects(current_user.organization_id)
    else:
        projects = []
    invitations = queries.expert_invitations(current_user) if is_reviewer(current_user) else []
    return render_template("projects/list.html", projects=projects, invitations=invitations)


def _invite_form(project) -> InviteExpertForm:
    return InviteExpertForm(candidates=operations.expert_candidates(project)
                            if is_project_department(current_user, project) else ())


def _page(project, status=200, **forms):
    plan = project.open_plan
    defaults = {
        "milestone_form": MilestoneForm(),
        "return_form": ReturnPlanForm(),
        "report_form": ReportForm(milestones=project.milestones),
        "mark_form": MarkMilestoneForm(),
        "invite_form": _invite_form(project),
        "result_form": ResultForm(),
        "action_form": ActionForm(),
    }
    defaults.update(forms)
    return render_template("projects/show.html", project=project, plan=plan, **defaults), status


def _back(project, anchor=None):
    return redirect(url_for("projects.show_project", project_id=project.id, _anchor=anchor))


def _step(project, operation, target, form, *, message: str, anchor: str, form_name: str = "action_form",
          fields: tuple[str, ...] = ()):
    """One step on the project page: with a valid form and the operation accepting it, say so and go back to the
    step's part of the page; otherwise the page again, this form showing why. The form's `fields` go to the
    operation under their own names."""
    if form.validate_on_submit() and run_operation(form, operation, target, current_user,
                                                   **{name: getattr(form, name).data for name in fields}):
        flash(message, "success")
        return _back(project, anchor)
    return _page(project, 200, **{form_name: form})


@bp.get("/projects/<int:project_id>")
def show_project(project_id: int):
    return _page(load_project_or_404(project_id, current_user))


@bp.post("/projects/<int:project_id>/plans")
def draft_plan(project_id: int):
    project = load_project_or_404(project_id, current_user, need=is_project_department)
    return _step(project, operations.draft_plan, project, ActionForm(), anchor="plan",
                 message=_("已新建任务书草稿，请添加里程碑后发送揭榜单位确认。"))


def _plan(plan_id: int, need) -> Plan:
    return load_or_404(Plan, plan_id, current_user, lambda u, p: need(u, p.project))


def _milestone(milestone_id: int) -> Milestone:
    return load_or_404(Milestone, milestone_id, current_user, lambda u, m: is_project_department(u, m.plan.project))


@bp.post("/plans/<int:plan_id>/milestones")
def add_milestone(plan_id: int):
    plan = _plan(plan_id, is_project_department)
    return _step(plan.project, operations.add_milestone, plan, MilestoneForm(), anchor="plan",
                 message=_("已添加里程碑。"), form_name="milestone_form", fields=("title", "due_on", "deliverables"))


@bp.post("/milestones/<int:milestone_id>/remove")
def remove_milestone(milestone_id: int):
    milestone = _milestone(milestone_id)
    return _step(milestone.plan.project, operations.remove_milestone, milestone, ActionForm(), anchor="plan",
                 message=_("已删除里程碑。"))


def _plan_step(plan_id: int, need, operation, message: str):
    plan = _plan(plan_id, need)
    return _step(plan.project, operation, plan, ActionForm(), anchor="plan", message=message)


@bp.post("/plans/<int:plan_id>/propose")
def propose_plan(plan_id: int):
    return _plan_step(plan_id, is_project_department, operations.propose_plan, _("任务书已发送揭榜单位确认。"))


@bp.post("/plans/<int:plan_id>/agree")
def agree_plan(plan_id: int):
    return _plan_step(plan_id, is_project_winner, operations.agree_plan, _("已确认任务书，任务书自即日起生效。"))


@bp.post("/plans/<int:plan_id>/return")
def return_plan(plan_id: int):
    plan = _plan(plan_id, is_project_winner)
    return _step(plan.project, operations.return_plan, plan, ReturnPlanForm(), anchor="plan",
                 message=_("已将任务书退回发布单位修改。"), form_name="return_form", fields=("comment",))


@bp.post("/projects/<int:project_id>/reports")
def file_report(project_id: int):
    project = load_project_or_404(project_id, current_user, need=is_project_winner)
    form = ReportForm(milestones=project.milestones)
    if form.validate_on_submit():
        if _file_report(project, form):
            flash(_("进展报告已提交。"), "success")
            return _back(project, "reports")
    return _page(project, 200, report_form=form)


def _file_report(project, form):
    """Store the files and the report; a refused file is shown on the form and what was typed is kept."""
    from portal.uploads.storage import accept_if_given

    try:
        files = [checked for storage in form.files.data or [] if (checked := accept_if_given(storage))]
        return operations.file_report(project, current_user, text=form.text.data,
                                      milestone_id=form.milestone_id.data or None, uploads=files)
    except DomainError as error:
        refuse(form, error)
        if any(f and f.filename for f in form.files.data or []):
            form.form_errors.append(_("其他内容已保留，请重新选择要上传的附件。"))
        return None


@bp.get("/report-attachments/<int:attachment_id>")
def report_attachment(attachment_id: int):
    from portal.uploads.downloads import send_attachment

    attachment = load_or_404(ReportAttachment, attachment_id, current_user, can_download_report_attachment)
    return send_attachment(attachment.stored_name, attachment.display_name, attachment.mimetype)


@bp.post("/milestones/<int:milestone_id>/mark")
def mark_milestone(milestone_id: int):
    milestone = _milestone(milestone_id)
    return _step(milestone.plan.project, operations.mark_milestone, milestone, MarkMilestoneForm(),
                 anchor="milestones", message=_("已记录里程碑完成情况。"), form_name="mark_form",
                 fields=("outcome", "note"))


@bp.post("/projects/<int:project_id>/acceptance")
def open_acceptance(project_id: int):
    project = load_project_or_404(project_id, current_user, need=is_project_department)
    return _step(project, operations.open_acceptance, project, ActionForm(), anchor="acceptance",
                 message=_("已启动验收，请邀请验收专家。"))


@bp.post("/projects/<int:project_id>/experts")
def invite_expert(project_id: int):
    project = load_project_or_404(project_id, current_user, need=is_project_department)
    return _step(project, operations.invite_expert, project, _invite_form(project), anchor="acceptance",
                 message=_("已邀请专家，专家出具意见后您会收到通知。"), form_name="invite_form",
                 fields=("reviewer_id",))


@bp.post("/projects/<int:project_id>/result")
def record_result(project_id: int):
    project = load_project_or_404(project_id, current_user, need=is_project_department)
    return _step(project, operations.record_result, project, ResultForm(), anchor="acceptance",
                 message=_("验收结论已记录并公开。"), form_name="result_form", fields=("verdict", "reason"))


def _case_page(project, case_form=None, picture_form=None, status=200):
    from portal.projects.operations import case_choices

    products, capabilities = case_choices(project)
    case_form = case_form or CaseForm(data={"summary": project.case_summary, "results": project.case_results,
                                            "product_ids": [p.id for p in project.products],
                                            "capability_ids": [c.id for c in project.capabilities]},
                                      products=products, capabilities=capabilities)
    return render_template("projects/case_form.html", project=project, form=case_form,
                           picture_form=picture_form or PictureForm(), action_form=ActionForm()), status


@bp.route("/projects/<int:project_id>/case", methods=["GET", "POST"])
def edit_case(project_id: int):
    project = load_project_or_404(project_id, current_user, need=can_edit_case)
    if request.method == "GET":
        return _case_page(project)
    from portal.projects.operations import case_choices

    products, capabilities = case_choices(project)
    form = CaseForm(products=products, capabilities=capabilities)
    if form.validate_on_submit():
        if run_operation(form, operations.update_case, project, current_user, summary=form.summary.data,
                         results=form.results.data, product_ids=form.product_ids.data or [],
                         capability_ids=form.capability_ids.data or []):
            flash(_("成果信息已保存。"), "success")
            return redirect(url_for("projects.edit_case", project_id=project.id))
    return _case_page(project, case_form=form, status=200)


@bp.post("/projects/<int:project_id>/pictures")
def add_picture(project_id: int):
    project = load_project_or_404(project_id, current_user, need=can_edit_case)
    form = PictureForm()
    if form.validate_on_submit():
        if _add_picture(project, form):
            flash(_("图片已上传。"), "success")
            return redirect(url_for("projects.edit_case", project_id=project.id))
    return _case_page(project, picture_form=form, status=200)


def _add_picture(project, form):
    from portal.uploads.storage import accept_if_given

    try:
        return operations.add_picture(project, current_user, accept_if_given(form.picture.data), form.caption.data)
    except DomainError as error:
        refuse(form, error)
        return None


@bp.post("/pictures/<int:picture_id>/remove")
def remove_picture(picture_id: int):
    picture = load_or_404(CasePicture, picture_id, current_user, lambda u, p: is_project_winner(u, p.project))
    project = picture.project
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.remove_picture, picture, current_user):
        flash(_("图片已删除。"), "success")
    return redirect(url_for("projects.edit_case", project_id=project.id))


# --- the expert ----------------------------------------------------------------------------------

@expert_bp.route("/acceptance/<int:expert_id>", methods=["GET", "POST"])
def opinion(expert_id: int):
    expert = load_or_404(AcceptanceExpert, expert_id, current_user, lambda u, e: e.reviewer_id == u.id)
    form = OpinionForm()
    if form.validate_on_submit():
        if run_operation(form, operations.give_opinion, expert, current_user, verdict=form.verdict.data,
                         opinion=form.opinion.data):
            flash(_("验收意见已提交。"), "success")
            return redirect(url_for("project_experts.opinion", expert_id=expert.id))
    return render_template("projects/opinion.html", expert=expert, project=expert.project, form=form)


# --- public: results and the showcase -------------------------------------------------------------

@showcase_bp.get("/projects/<int:project_id>/result")
def show_result(project_id: int):
    project = load_project_or_404(project_id, current_user, need=can_view_project_result)
    return render_template("projects/result.html", project=project)


@showcase_bp.get("/showcase")
def list_cases():
    page = queries.paginate_showcase(page_arg(), PER_PAGE)
    return render_template("projects/showcase.html", page=page)


@showcase_bp.get("/showcase/<int:project_id>")
def show_case(project_id: int):
    project = load_project_or_404(project_id, current_user, need=can_view_case)
    return render_template("projects/case.html", project=project)


@showcase_bp.get("/showcase/pictures/<int:picture_id>")
def picture(picture_id: int):
    from portal.uploads.downloads import send_attachment

    found = load_or_404(CasePicture, picture_id, current_user, lambda u, p: can_view_case(u, p.project))
    return send_attachment(found.stored_name, found.display_name, found.mimetype)


@showcase_bp.get("/feeds/showcase.atom")
def feed_atom():
    return Response(feeds.atom(queries.feed_cases()), mimetype="application/atom+xml")
