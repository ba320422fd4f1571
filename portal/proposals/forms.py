from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, MultipleFileField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.web.forms import DecimalNumberField, FlaskForm, WholeNumberField


class ProposalForm(FlaskForm):
    """Everything may be left empty in a draft; the domain says what a submission still lacks."""

    title = StringField(_l("方案名称"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(_l("方案摘要"), validators=[Optional(), Length(max=5_000)],
                            description=_l("用几句话说明方案要点，评审专家首先阅读这一部分。"))
    approach = TextAreaField(_l("技术路线"), validators=[Optional(), Length(max=100_000)],
                             description=_l("技术方案、关键指标与实现路径。可直接输入文字（空行分段），也可使用简单的 HTML 格式。"))  # noqa: E501
    plan_months = WholeNumberField(_l("实施周期（月）"), validators=[Optional()], minimum=1, maximum=120,
                                   range_message=_l("实施周期应在 1 到 120 个月之间。"),
                                   invalid_message=_l("实施周期应为整数（月），例如 6。"))
    price = DecimalNumberField(_l("报价（万元）"), places=2, validators=[Optional()], minimum=0, maximum=1_000_000,
                               range_message=_l("报价应在 0 到 1,000,000 万元之间。"),
                               invalid_message=_l("报价应为有效的数字（万元），例如 98.5。"))
    team = TextAreaField(_l("团队情况"), validators=[Optional(), Length(max=20_000)],
                         description=_l("项目负责人、核心成员及其经验。"))
    cases = TextAreaField(_l("过往案例"), validators=[Optional(), Length(max=20_000)],
                          description=_l("类似项目的应用案例（可选）。"))
    attachments = MultipleFileField(_l("添加附件"),
                                    description=_l("PDF、DOCX、XLSX、PNG、JPG，单个不超过 20 MB，每份方案最多 5 个。"))
    declaration = BooleanField(_l("本单位承诺所提交材料真实、合法、有效，并对其真实性负责；如有虚假，自愿承担相应责任。"))  # noqa: E501
    save = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交揭榜方案"))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("title", "summary", "approach", "plan_months", "price", "team", "cases")}


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only lookup by GET

    receipt = StringField(_l("回执编号"), validators=[Optional(), Length(max=30)],
                          render_kw={"placeholder": "JB-2026-000123", "autocomplete": "off"})
    digest = StringField(_l("摘要（SHA-256）"), validators=[Optional(), Length(max=80)],
                         render_kw={"autocomplete": "off", "spellcheck": "false"})


class MemberForm(FlaskForm):
    """The lead names a member by its 统一社会信用代码 (18 characters, GB 32100-2015)."""

    uscc = StringField(_l("成员单位统一社会信用代码"), validators=[DataRequired(message=_l("请填写统一社会信用代码。")),
                                                        Length(max=40)],
                       description=_l("成员须为在平台注册并通过认证的企业；牵头单位之外最多 4 家。"),
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField(_l("添加成员"))
