from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from portal.accounts.models import Role
from portal.reference import DISTRICTS
from portal.scenarios.forms import PHONE
from portal.util.uscc import USCCError, normalize_uscc
from portal.web.forms import FlaskForm, options

EMAIL = [DataRequired(_l("请填写邮箱。")), Email(message=_l("邮箱格式不正确。")),
         Length(max=254, message=_l("邮箱不能超过 254 个字符。"))]


def known_district(form, field):
    # The list is a <select>; a value outside it was typed by hand, so say so in Chinese.
    if field.data and field.data not in DISTRICTS:
        raise ValidationError(_l("请从列表中选择所在区县市。"))


def valid_uscc(form, field):
    try:
        field.data = normalize_uscc(field.data or "")
    except USCCError as error:
        raise ValidationError(str(error)) from error


class RegisterForm(FlaskForm):
    org_name = StringField(_l("企业名称"), validators=[DataRequired(_l("请填写企业名称。")),
                                                   Length(max=120, message=_l("企业名称不能超过 120 个字符。"))],
                           description=_l("与营业执照一致。"))
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(_l("请填写统一社会信用代码。")), valid_uscc],
                       description=_l("18 位，见营业执照；字母大小写均可。"),
                       render_kw={"autocomplete": "off", "maxlength": 24})
    district = SelectField(_l("所在区县市"), validate_choice=False,
                           validators=[DataRequired(_l("请选择所在区县市。")), known_district])
    contact_name = StringField(_l("联系人"), validators=[DataRequired(_l("请填写联系人。")),
                                                      Length(max=40, message=_l("联系人不能超过 40 个字符。"))])
    phone = StringField(_l("联系电话"), validators=[DataRequired(_l("请填写联系电话。")), PHONE])
    email = EmailField(_l("邮箱（登录账号）"), validators=EMAIL, render_kw={"autocomplete": "email"})
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码。"))],
                             description=_l("至少 10 个字符，包含字母、数字、符号中的至少两类。"),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认密码"), validators=[DataRequired(_l("请再次输入密码。")),
                                                        EqualTo("password", _l("两次输入的密码不一致。"))],
                            render_kw={"autocomplete": "new-password"})
    # Checked by the registration itself (portal/accounts/operations.py), which refuses without it.
    privacy_consent = BooleanField(_l("我已阅读并同意《个人信息保护说明》"))
    submit = SubmitField(_l("注册"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = options(DISTRICTS.items(), blank=_l("请选择"))


class LoginForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=EMAIL, render_kw={"autocomplete": "username"})
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("记住我（14 天）"))
    submit = SubmitField(_l("登录"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码。"))],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请填写新密码。"))],
                        description=_l("至少 10 个字符，包含字母、数字、符号中的至少两类。"),
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired(_l("请再次输入新密码。")),
                                                          EqualTo("new", _l("两次输入的密码不一致。"))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("修改密码"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("注册时使用的邮箱"), validators=EMAIL, render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("发送重置邮件"))


class ResetPasswordForm(FlaskForm):
    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请填写新密码。"))],
                        description=_l("至少 10 个字符，包含字母、数字、符号中的至少两类。"),
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired(_l("请再次输入新密码。")),
                                                          EqualTo("new", _l("两次输入的密码不一致。"))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("设置新密码"))


class CreateAccountForm(FlaskForm):
    role = SelectField(_l("角色"), choices=options([(Role.GOVERNMENT.value, _l("发布单位")),
                                                     (Role.REVIEWER.value, _l("评审专家")),
                                                     (Role.ADMIN.value, _l("平台管理员"))]))
    org_name = StringField(_l("所属单位"), validators=[DataRequired(_l("请填写所属单位。")),
                                                   Length(max=120, message=_l("所属单位不能超过 120 个字符。"))],
                           description=_l("发布单位填写部门名称（如：杭州市经济和信息化局）；专家填写工作单位。"))
    # Reviewers only: kept in the reviewer's conflict profile, where it is matched against bidders' codes.
    employer_uscc = StringField(_l("工作单位统一社会信用代码（专家，可选）"),
                                validators=[Length(max=40, message=_l("统一社会信用代码不超过 40 个字符。"))],
                                description=_l("用于自动回避比对；不填时按单位名称比对。"))
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")),
                                             Length(max=60, message=_l("姓名不能超过 60 个字符。"))])
    email = EmailField(_l("邮箱（登录账号）"), validators=EMAIL)
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请设置初始密码。"))],
                             description=_l("请通过安全渠道告知本人，并提醒其登录后修改。"),
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("创建账号"))


class RejectForm(FlaskForm):
    reason = StringField(_l("不予认证的原因"), validators=[DataRequired(_l("请填写不予认证的原因。")),
                                                            Length(max=500, message=_l("原因不能超过 500 个字符。"))])
    submit = SubmitField(_l("不予认证"))


class SecondFactorForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(_l("请填写验证码。")),
                                               Length(max=32, message=_l("验证码不能超过 32 个字符。"))],
                       description=_l("验证器（如微信小程序“腾讯身份验证器”、Google Authenticator）"
                                      "当前显示的 6 位数字；手机不在身边时，可填写一个恢复码。"),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
                                  "maxlength": 32})
    submit = SubmitField(_l("验证"))


class EnrolForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(_l("请填写验证码。")),
                                               Length(max=32, message=_l("验证码不能超过 32 个字符。"))],
                       description=_l("添加后，验证器显示的 6 位数字。"),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 32})
    submit = SubmitField(_l("开启两步验证"))


class ConfirmWithCodeForm(FlaskForm):
    """A change to the second factor itself, confirmed with a current code."""

    code = StringField(_l("验证码"), validators=[DataRequired(_l("请填写验证码。")),
                                               Length(max=32, message=_l("验证码不能超过 32 个字符。"))],
                       render_kw={"autocomplete": "one-time-code", "maxlength": 32})
    submit = SubmitField(_l("确认"))


class TwoFactorPolicyForm(FlaskForm):
    government = BooleanField(_l("发布单位必须使用两步验证"))
    reviewer = BooleanField(_l("评审专家必须使用两步验证"))
    submit = SubmitField(_l("保存"))


class ClosureRequestForm(FlaskForm):
    reason = TextAreaField(_l("注销原因（可选）"),
                           validators=[Length(max=1_000, message=_l("注销原因不超过 1000 字。"))])
    submit = SubmitField(_l("申请注销账号"))
