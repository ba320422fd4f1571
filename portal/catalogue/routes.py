"""Catalogue pages: the public catalogue, an enterprise's applications, review, and administration."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import search
from portal.accounts.models import User
from portal.catalogue import admin_bp, bp, importer, mine_bp, operations, queries, review_bp
from portal.catalogue.forms import (
    CatalogueFilterForm,
    ClassificationForm,
    ImportForm,
    ProductForm,
    ReasonForm,
    SynonymsForm,
    ThesaurusEntryForm,
    ValidityForm,
)
from portal.catalogue.models import ProductState
from portal.extensions import db
from portal.permissions import (
    can_apply_product,
    can_classify_product,
    can_correct_product_validity,
    can_edit_product,
    can_import_products,
    can_review_product,
    load_enterprise_or_404,
    load_product_or_404,
)
from portal.uploads.downloads import send_attachment
from portal.uploads.storage import accept_if_given
from portal.util.redirects import back_to_referrer
from portal.web.forms import ActionForm
from portal.web.paging import page_arg
from portal.web.views import require_role_area, run_operation

mine_bp.before_request(require_role_area(can_apply_product))
review_bp.before_request(require_role_area(can_review_product))
admin_bp.before_request(require_role_area(can_import_products))

# --- public ---------------------------------------------------------------------------------------

@bp.get("/products")
def list_products():
    form = CatalogueFilterForm(request.args, years=queries.public_years())
    filters = form.filters()
    sort = "name" if request.args.get("sort") == "name" else "year"
    pagination = queries.paginate_public(filters, page_arg(), current_app.config["PAGE_SIZE"], sort)
    return render_template("catalogue/list.html", form=form, filters=filters, pagination=pagination,
                           facets=queries.facet_counts(filters), sort=sort)


@bp.get("/products/<int:product_id>")
def show_product(product_id: int):
    product = load_product_or_404(product_id, current_user)
    return _product_page(product, ValidityForm(valid_until=product.valid_until))


def _product_page(product, validity_form):
    return render_template("catalogue/detail.html", product=product, action_form=ActionForm(),
                           reason_form=ReasonForm(), validity_form=validity_form,
                           classification_form=ClassificationForm(sector=product.sector,
                                                                  category=product.category))


@bp.get("/enterprises/<int:org_id>")
def show_enterprise(org_id: int):
    organization = load_enterprise_or_404(org_id, current_user)
    return render_template("catalogue/enterprise.html", organization=organization,
                           products=queries.enterprise_products(organization.id))


# --- a verified enterprise's applications ---------------------------------------------------------

@mine_bp.get("/")
def my_products():
    return render_template("catalogue/mine.html", products=queries.own_products(current_user.organization_id))


@mine_bp.route("/new", methods=["GET", "POST"])
def new_product():
    form = ProductForm()
    if not form.is_submitted():
        form.district.data = current_user.organization.district
    if form.validate_on_submit():
        product = _save(form, operations.apply_product, current_user)
        if product:
            flash(_("已提交入库申请，审核通过后将在产品库中公开。"), "success")
            return redirect(url_for("my_products.my_products"))
    return render_template("catalogue/form.html", form=form, product=None)


@mine_bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
def edit_product(product_id: int):
    product = load_product_or_404(product_id, current_user, need=can_edit_product)
    form = ProductForm()
    if not form.is_submitted():
        form = ProductForm(obj=product, product_type=product.product_type.value, level=product.level.value)
    if form.validate_on_submit():
        if _save(form, operations.update_product, product, current_user):
            flash(_("修改已保存。"), "success")
            return redirect(url_for("my_products.my_products"))
    return render_template("catalogue/form.html", form=form, product=product)


def _save(form, operation, *args):
    """Store the uploaded files and run the operation; a refusal (of a file too) is shown on the form."""
    return run_operation(form, _with_files, form, operation, *args)


def _with_files(form, operation, *args):
    files = {name: checked for name in ("image", "brochure")
             if (checked := accept_if_given(getattr(form, name).data)) is not None}
    return operation(*args, **form.values(), **files)


@bp.get("/products/<int:product_id>/image")
def product_image(product_id: int):
    product = load_product_or_404(product_id, current_user)
    if not product.image_stored_name:
        abort(404)
    return send_attachment(product.image_stored_name, f"{product.name}.{product.image_mimetype[6:]}",
                                   product.image_mimetype)


@bp.get("/products/<int:product_id>/brochure")
def product_brochure(product_id: int):
    product = load_product_or_404(product_id, current_user)
    if not product.brochure_stored_name:
        abort(404)
    return send_attachment(product.brochure_stored_name, product.brochure_display_name,
                                   product.brochure_mimetype)


# --- review: departments and admins ---------------------------------------------------------------

@review_bp.get("/")
def queue():
    state = request.args.get("state", ProductState.PENDING.value) or None
    pagination = queries.review_queue(state, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("catalogue/review.html", pagination=pagination, state=state,
                           counts=queries.state_counts(), action_form=ActionForm(), reason_form=ReasonForm())


@review_bp.post("/<int:product_id>/approve")
def approve(product_id: int):
    product = load_product_or_404(product_id, current_user, need=can_review_product)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.approve_product, product, current_user):
        flash(_("已入库：%(name)s", name=product.name), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("product_review.queue"))


@review_bp.post("/<int:product_id>/reject")
def reject(product_id: int):
    return _refuse(product_id, operations.reject_product, _("已不予入库：%(name)s"))


@review_bp.post("/<int:product_id>/revoke")
def revoke(product_id: int):
    return _refuse(product_id, operations.revoke_product, _("已撤销入库：%(name)s"))


@review_bp.post("/<int:product_id>/classification")
def classify(product_id: int):
    product = load_product_or_404(product_id, current_user, need=can_classify_product)
    form = ClassificationForm()
    if form.validate_on_submit():
        if run_operation(form, operations.classify_product, product, current_user, form.sector.data,
                         form.category.data or None):
            flash(_("已更新归类：%(name)s", name=product.name), "success")
    else:
        form.form_errors.extend(form.sector.errors + form.category.errors)
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("catalogue.show_product", product_id=product.id))


@admin_bp.post("/products/<int:product_id>/validity")
def correct_validity(product_id: int):
    product = load_product_or_404(product_id, current_user, need=can_correct_product_validity)
    form = ValidityForm()
    if form.validate_on_submit() and run_operation(form, operations.correct_validity, product, current_user,
                                                   form.valid_until.data):
        flash(_("已更正有效期：%(name)s 有效期至 %(date)s", name=product.name, date=product.valid_until.isoformat()),
              "success")
        return redirect(url_for("catalogue.show_product", product_id=product.id))
    # The page again, with the date as typed and the reason beside it.
    return _product_page(product, form)


def _refuse(product_id: int, operation, message: str):
    product = load_product_or_404(product_id, current_user, need=can_review_product)
    form = ReasonForm()
    if form.validate_on_submit():
        if run_operation(form, operation, product, current_user, form.reason.data):
            flash(message % {"name": product.name}, "success")
    else:
        form.form_errors.extend(form.reason.errors)
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(back_to_referrer(request.referrer, request.host_url) or url_for("product_review.queue"))



# --- administration: imports, synonyms, the index -------------------------------------------------

@admin_bp.route("/import", methods=["GET", "POST"])
def import_products():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        report = importer.read(upload.read(), upload.filename or "")
        if report.ok:
            result = run_operation(form, operations.import_products, report.rows, current_user,
                                   source_name=upload.filename or "", validity_years=form.years())
            if result:
                flash(_("导入完成：新增 %(created)d 个，更新 %(updated)d 个，未变 %(unchanged)d 个。",
                        created=len(result.created), updated=len(result.updated), unchanged=result.unchanged),
                      "success")
                return redirect(url_for("catalogue_admin.import_products"))
    return render_template("catalogue/import.html", form=form, report=report)


@admin_bp.route("/synonyms", methods=["GET", "POST"])
def edit_synonyms():
    form = SynonymsForm()
    saved = search.synonym_table()
    if not form.is_submitted():
        form.text.data = saved.text if saved is not None else ""
    if form.validate_on_submit():
        if run_operation(form, operations.save_synonyms, current_user, form.text.data):
            flash(_("同义词表已保存，所有服务器的新搜索立即生效。"), "success")
            return redirect(url_for("catalogue_admin.edit_synonyms"))
    saved_by = db.session.get(User, saved.updated_by_id) if saved is not None and saved.updated_by_id else None
    return render_template("catalogue/synonyms.html", form=form, saved=saved, saved_by=saved_by)


@admin_bp.route("/thesaurus", methods=["GET", "POST"])
def thesaurus():
    form = ThesaurusEntryForm()
    if form.validate_on_submit():
        entry = run_operation(form, operations.add_thesaurus_entry, current_user, form.term.data,
                              form.expansions(), form.kind.data, form.source.data)
        if entry:
            flash(_("已添加扩展词条“%(term)s”，所有服务器的搜索立即使用。", term=entry.term), "success")
            return redirect(url_for("catalogue_admin.thesaurus"))
    return render_template("catalogue/thesaurus.html", form=form, entries=search.thesaurus_entries(),
                           action_form=ActionForm())


@admin_bp.post("/thesaurus/<int:entry_id>/delete")
def delete_thesaurus_entry(entry_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        if run_operation(form, operations.delete_thesaurus_entry, current_user, entry_id):
            flash(_("扩展词条已删除。"), "success")
        else:
            flash(" ".join(form.form_errors), "danger")
    return redirect(url_for("catalogue_admin.thesaurus"))


@admin_bp.get("/index")
def index_status():
    return render_template("catalogue/index.html", status=search.status(), action_form=ActionForm())


@admin_bp.post("/index/rebuild")
def rebuild_index():
    form = ActionForm()
    if form.validate_on_submit():
        done = run_operation(form, operations.rebuild_index, current_user)
        if done:
            flash(_("索引已从数据库重建。"), "success")
        elif done is not None:
            flash(_("已请求重建索引：每个节点的后台进程将在数秒内从数据库重建各自的索引，其间搜索照常可用。"),
                  "success")
    return redirect(url_for("catalogue_admin.index_status"))
