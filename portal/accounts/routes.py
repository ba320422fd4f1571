from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import bp, operations, privacy, registration, reset_tokens, throttle, two_factor
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    SecondFactorForm,
)
from portal.accounts.session import PENDING_SIGN_IN
from portal.extensions import db
from portal.permissions import is_reviewer
from portal.util import clock
from portal.util.redirects import safe_next
from portal.web.error_pages import render_error
from portal.web.forms import ActionForm
from portal.web.views import run_operation


def landing_url(user) -> str:
    """Where a sign-in leads without a `next`: a reviewer's task list, everyone else's home page."""
    return url_for("reviewing.workspace") if is_reviewer(user) else url_for("main.home")


def fresh_session() -> None:
    # Nothing planted before sign-in survives it (session fixation); the chosen language is no secret.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def begin_session(user, remember: bool, second_factor: str | None = None, renewal: bool = False) -> None:
    """Sign `user` in on this browser: a new server-side session, then the cookies.

    The row commits with the request, before the response carrying the cookies is sent.
    """
    fresh_session()
    operations.start_session(user, remember=remember, ip=request.remote_addr,
                             user_agent=request.user_agent.string, second_factor=second_factor, renewal=renewal)
    login_user(user, remember=remember)


def await_second_factor(user, remember: bool, next_url: str | None, enrol: bool) -> None:
    """The password was right; remember that (briefly) and ask for the second factor. Nobody is signed in yet."""
    fresh_session()
    until = clock.now().timestamp() + current_app.config["TWO_FACTOR_PENDING_SECONDS"]
    session[PENDING_SIGN_IN] = {"user": user.id, "until": until, "remember": bool(remember),
                                         "next": next_url, "enrol": enrol}


@bp.route("/register", methods=["GET", "POST"])
@throttle.registrations
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        answered = run_operation(form, operations.request_registration, org_name=form.org_name.data,
                                 uscc=form.uscc.data, district=form.district.data,
                                 contact_name=form.contact_name.data, phone=form.phone.data,
                                 email=form.email.data, password=form.password.data,
                                 privacy_consent=bool(form.privacy_consent.data))
        if answered:  # the e-mail is queued for the worker
            # The same words for a new address and a registered one: only the e-mail says which it was.
            flash(_("我们已向 %(email)s 发送了一封邮件，请按邮件中的说明完成注册。",
                    email=operations.normalize_email(form.email.data)), "info")
            return redirect(url_for("accounts.registration_sent"))
    return render_template("accounts/register.html", form=form)


@bp.get("/register/sent")
def registration_sent():
    return render_template("accounts/register_sent.html")


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    try:
        details = registration.unseal(token)
    except registration.RegistrationLinkInvalid as invalid:
        return render_template("accounts/register_invalid.html", message=invalid.message), invalid.status_code
    form = ActionForm()
    if form.validate_on_submit():
        user = run_operation(form, operations.complete_registration, token)
        if user:
            begin_session(user, remember=False)
            flash(_("注册成功。平台管理员审核通过后即可揭榜，审核结果将显示在“我的账号”页面。"), "success")
            return redirect(url_for("accounts.account"))
        return render_template("accounts/register_invalid.html", message=form.form_errors[0]), 409
    return render_template("accounts/register_confirm.html", details=details, form=form)


@bp.route("/login", methods=["GET", "POST"])
@throttle.sign_in_attempts
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data)
        except operations.LoginRefused as refused:
            # The form is shown again (200), so the audit record of the failed attempt commits with the request.
            form.form_errors.append(refused.message)
        else:
            enabled = two_factor.is_enabled(user)
            if enabled or two_factor.is_required(user):
                await_second_factor(user, form.remember.data, next_url, enrol=not enabled)
                return redirect(url_for("accounts.verify_second_factor" if enabled
                                        else "accounts.enrol_second_factor"))
            begin_session(user, remember=form.remember.data)
            flash(_("欢迎，%(name)s。", name=user.name), "success")
            return redirect(next_url or landing_url(user))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if ActionForm().validate_on_submit():
        operations.sign_out(current_user._get_current_object())
        # Clear first: logout_user() leaves the note that deletes the remember-me cookie in the session.
        session.clear()
        logout_user()
        flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.home"))


@bp.get("/account")
@login_required
def account():
    user = current_user._get_current_object()
    return render_template("accounts/account.html", user=user, sessions=operations.open_sessions(user),
                           consent=privacy.latest_consent(user),
                           current=user.current_session, two_factor_on=two_factor.is_enabled(user),
                           two_factor_required=two_factor.is_required(user), action_form=ActionForm())


@bp.post("/account/sessions/revoke")
@login_required
def sign_out_everywhere():
    if ActionForm().validate_on_submit():
        ended = operations.sign_out_everywhere(current_user._get_current_object())
        session.clear()
        logout_user()
        flash(_("已退出所有设备上的登录（共 %(n)d 处），请重新登录。", n=ended), "info")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        remember = bool(user.current_session and user.current_session.remember)
        if run_operation(form, operations.change_password, user, current=form.current.data, new=form.new.data):
            # Every sign-in of the account has ended; this browser continues in a new one.
            begin_session(user, remember=remember, renewal=True)
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form)


# The reset link's token is kept in the session, so it leaves the address bar (and the history and
# any Referer) at the first step.
RESET_LINK_KEY = "password_reset_link"


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttle.reset_requests
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)  # queues the e-mail when the address has an account
        # The same words whether or not the address has an account.
        flash(_("如果该邮箱已注册，我们已发送重置密码的邮件，请在 %(n)d 分钟内按邮件中的链接设置新密码。"
                "没有收到的话，请检查垃圾邮件或稍后重新申请。",
                n=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.get("/password/reset/<token>")
def open_reset_link(token: str):
    # Cut short so an oversized value never bloats the session cookie; it is still too long to be valid.
    session[RESET_LINK_KEY] = token[: reset_tokens.MAX_LENGTH + 1]
    return redirect(url_for("accounts.reset_password"))


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    token = session.get(RESET_LINK_KEY)
    if token is None:
        flash(_("请先申请重置密码，然后打开邮件中的链接。"), "info")
        return redirect(url_for("accounts.forgot_password"))
    try:
        user = reset_tokens.user_for(token)
    except reset_tokens.ResetLinkInvalid as invalid:
        session.pop(RESET_LINK_KEY, None)
        return render_template("accounts/reset_invalid.html", message=invalid.message), invalid.status_code
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if run_operation(form, operations.reset_password, token, new=form.new.data):
            # Every session of the account has ended; this browser signs in afresh with the new password.
            session.clear()
            logout_user()
            flash(_("密码已重置，该账号在所有设备上的登录均已失效。请用新密码登录。"), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, user=user)


# Forms that are throttled show the refusal on the form itself, with what was typed kept.
THROTTLED_FORMS = {
    "accounts.login": (LoginForm, "accounts/login.html"),
    "accounts.forgot_password": (ForgotPasswordForm, "accounts/forgot_password.html"),
    "accounts.register": (RegisterForm, "accounts/register.html"),
    "accounts.verify_second_factor": (SecondFactorForm, "accounts/two_factor_verify.html"),
}


@bp.errorhandler(RateLimitExceeded)
def throttled(error: RateLimitExceeded):
    current_app.logger.warning("throttled %s from %s", request.endpoint, request.remote_addr)
    if request.endpoint not in THROTTLED_FORMS:
        return render_error(429)
    db.session.rollback()
    form_class, template = THROTTLED_FORMS[request.endpoint]
    form = form_class()
    # One message for every limit and every address, known or not: the refusal itself reveals nothing.
    form.form_errors.append(_("尝试次数过多，请 %(n)d 分钟后再试。", n=throttle.retry_after_minutes(error)))
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(throttle.retry_after_seconds(error))
    return response
