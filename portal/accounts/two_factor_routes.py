"""The second sign-in step, enrolment, and the account's two-factor settings."""

from flask import abort, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts import bp, throttle, two_factor
from portal.accounts.forms import ConfirmWithCodeForm, EnrolForm, SecondFactorForm
from portal.accounts.models import User
from portal.accounts.routes import begin_session, landing_url
from portal.accounts.session import PENDING_SIGN_IN
from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import can_use_two_factor
from portal.util import clock
from portal.util.redirects import safe_next
from portal.web.sqlite import writes_on_get


def _pending():
    """The user whose password was just right and the sign-in's details, or None when there is none (or
    it has expired)."""
    state = session.get(PENDING_SIGN_IN)
    if not isinstance(state, dict) or not isinstance(state.get("user"), int):
        return None
    if not isinstance(state.get("until"), int | float) or state["until"] < clock.now().timestamp():
        session.pop(PENDING_SIGN_IN, None)
        return None
    user = db.session.get(User, state["user"])
    if user is None or not user.active:
        session.pop(PENDING_SIGN_IN, None)
        return None
    return user, state


def _no_pending_sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    flash(_("登录已超时，请重新输入邮箱和密码。"), "warning")
    return redirect(url_for("accounts.login"))


def _refused(form, error: DomainError) -> None:
    # Keep the audit record of the wrong code (and the spent step): the answer is the form again or a
    # redirect, so it commits with the request. And count it against the limits.
    g.second_factor_refused = True
    form.code.errors.append(error.message)


@bp.route("/login/verify", methods=["GET", "POST"])
@throttle.second_factor_attempts
def verify_second_factor():
    pending = _pending()
    if pending is None:
        return _no_pending_sign_in()
    user, state = pending
    if state.get("enrol"):
        return redirect(url_for("accounts.enrol_second_factor"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            method = two_factor.verify(user, form.code.data)
        except two_factor.SecondFactorRefused as refused:
            _refused(form, refused)
        else:
            begin_session(user, remember=state.get("remember", False), second_factor=method)
            if method == "recovery":
                flash(_("您使用了一个恢复码登录，还剩 %(n)d 个未用。恢复码用完前，请在“我的账号”中重新生成，"
                        "或找回手机上的验证器。", n=two_factor.recovery_codes_left(user)), "warning")
            flash(_("欢迎，%(name)s。", name=user.name), "success")
            return redirect(safe_next(state.get("next")) or landing_url(user))
    return render_template("accounts/two_factor_verify.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@throttle.second_factor_attempts
@writes_on_get
def enrol_second_factor():
    pending = _pending()
    if pending is None:
        return _no_pending_sign_in()
    user, state = pending
    if not state.get("enrol"):
        return redirect(url_for("accounts.verify_second_factor"))
    secret = _pending_secret(user)
    form = EnrolForm()
    if form.validate_on_submit() and (codes := _confirm_enrolment(user, form)) is not None:
        begin_session(user, remember=state.get("remember", False), second_factor="totp")
        flash(_("两步验证已开启。"), "success")
        return render_template("accounts/recovery_codes.html", codes=codes,
                               next_url=safe_next(state.get("next")) or landing_url(user))
    return _setup_page(user, secret, form, at_sign_in=True)


def _confirm_enrolment(user, form) -> list[str] | None:
    """The new recovery codes once the typed code confirms the pending secret; None (error on the form) otherwise."""
    try:
        return two_factor.confirm_enrolment(user, form.code.data)
    except two_factor.SecondFactorRefused as refused:
        _refused(form, refused)
        return None


def _pending_secret(user) -> str:
    secret = two_factor.pending_secret(user)
    if secret is None:
        secret = two_factor.begin_enrolment(user)
    return secret


def _setup_page(user, secret: str, form, at_sign_in: bool):
    uri = two_factor.provisioning_uri(user, secret)
    return render_template("accounts/two_factor_setup.html", form=form, secret=secret, qr=two_factor.qr_svg(uri),
                           at_sign_in=at_sign_in, required=two_factor.is_required(user))


def _staff_only():
    if not can_use_two_factor(current_user):
        abort(403)


@bp.get("/account/two-factor")
@login_required
def two_factor_settings():
    _staff_only()
    user = current_user._get_current_object()
    return render_template("accounts/two_factor.html", enabled=two_factor.is_enabled(user),
                           required=two_factor.is_required(user), left=two_factor.recovery_codes_left(user),
                           disable_form=ConfirmWithCodeForm(prefix="disable"),
                           codes_form=ConfirmWithCodeForm(prefix="codes"))


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
@throttle.second_factor_attempts
@writes_on_get
def setup_two_factor():
    _staff_only()
    user = current_user._get_current_object()
    if two_factor.is_enabled(user):
        flash(_("两步验证已开启。"), "info")
        return redirect(url_for("accounts.two_factor_settings"))
    secret = _pending_secret(user)
    form = EnrolForm()
    if form.validate_on_submit() and (codes := _confirm_enrolment(user, form)) is not None:
        flash(_("两步验证已开启。"), "success")
        return render_template("accounts/recovery_codes.html", codes=codes,
                               next_url=url_for("accounts.two_factor_settings"))
    return _setup_page(user, secret, form, at_sign_in=False)


@bp.post("/account/two-factor/disable")
@login_required
@throttle.second_factor_attempts
def disable_two_factor():
    _staff_only()
    form = ConfirmWithCodeForm(prefix="disable")
    if form.validate_on_submit():
        try:
            two_factor.disable(current_user._get_current_object(), form.code.data)
        except two_factor.SecondFactorRefused as refused:
            _refused(form, refused)
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            flash(_("两步验证已停用。"), "success")
            return redirect(url_for("accounts.two_factor_settings"))
    for message in form.code.errors:
        flash(message, "danger")
    return redirect(url_for("accounts.two_factor_settings"))


@bp.post("/account/two-factor/recovery-codes")
@login_required
@throttle.second_factor_attempts
def regenerate_recovery_codes():
    _staff_only()
    form = ConfirmWithCodeForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = two_factor.regenerate_recovery_codes(current_user._get_current_object(), form.code.data)
        except two_factor.SecondFactorRefused as refused:
            _refused(form, refused)
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            flash(_("已生成新的恢复码，原来的恢复码全部作废。"), "success")
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_url=url_for("accounts.two_factor_settings"))
    for message in form.code.errors:
        flash(message, "danger")
    return redirect(url_for("accounts.two_factor_settings"))
