from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import bp, operations, reset_mail, reset_tokens, throttle
from portal.accounts.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from portal.error_pages import render_error
from portal.extensions import db
from portal.forms import ActionForm
from portal.util.redirects import safe_next
from portal.views import run_operation


def _start_session(user, remember: bool) -> None:
    # A fresh session at login: nothing planted before sign-in survives it (session fixation).
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = run_operation(form, operations.register_enterprise, org_name=form.org_name.data,
                             uscc=form.uscc.data, district=form.district.data,
                             contact_name=form.contact_name.data, phone=form.phone.data,
                             email=form.email.data, password=form.password.data)
        if user:
            _start_session(user, remember=False)
            flash(_("注册成功。平台管理员审核通过后即可揭榜，审核结果将显示在“我的账号”页面。"), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@throttle.sign_in_attempts
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data)
        except operations.LoginRefused as refused:
            db.session.commit()  # keep the audit record of the failed attempt
            form.form_errors.append(refused.message)
        else:
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            flash(_("欢迎，%(name)s。", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if ActionForm().validate_on_submit():
        # Clear first: logout_user() leaves the note that deletes the remember-me cookie in the session.
        session.clear()
        logout_user()
        flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.home"))


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if run_operation(form, operations.change_password, current_user, current=form.current.data,
                         new=form.new.data):
            # The new session token ends every other session; keep this one.
            _start_session(current_user._get_current_object(), remember=False)
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
        issued = operations.request_password_reset(form.email.data)
        db.session.commit()
        if issued:
            reset_mail.send_after_response(*issued)
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
}


@bp.errorhandler(RateLimitExceeded)
def throttled(error: RateLimitExceeded):
    current_app.logger.warning("throttled %s from %s", request.endpoint, request.remote_addr)
    if request.endpoint not in THROTTLED_FORMS:
        return render_error(429)
    form_class, template = THROTTLED_FORMS[request.endpoint]
    form = form_class()
    # One message for every limit and every address, known or not: the refusal itself reveals nothing.
    form.form_errors.append(_("尝试次数过多，请 %(n)d 分钟后再试。", n=throttle.retry_after_minutes(error)))
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(throttle.retry_after_seconds(error))
    return response
