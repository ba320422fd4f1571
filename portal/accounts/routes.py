from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import bp, operations
from portal.accounts.forms import ChangePasswordForm, LoginForm, RegisterForm
from portal.extensions import db
from portal.forms import ActionForm
from portal.views import run_operation


def _safe_next(target: str | None) -> str | None:
    # Only local paths: an open redirect after login is a phishing tool.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


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
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
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
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
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
