from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import MultipleFileField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.projects.models import VERDICT_LABELS
from portal.reviews.forms import ChineseDateField
from portal.web.forms import FlaskForm, options


def whole_number_or_none(value):
    """A choice's id, or None for the blank choice and anything else (the operation names what is missing)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


FILES_HELP = _l("可选，PDF、DOCX、XLSX、PNG、JPG，每个不超过 20 MB。")


class MilestoneForm(FlaskForm):
    title = StringField(_l("里程碑名称"), validators=[DataRequired(_l("请填写里程碑名称。")), Length(max=200)])
    # Checked by the operation: a required-validator would hide the message about an unreadable date.
    due_on = ChineseDateField(_l("完成日期"))
    deliverables = TextAreaField(_l("交付物"), validators=[DataRequired(_l("请填写交付物。")), Length(max=20_000)])
    submit = SubmitField(_l("添加里程碑"))


class ReturnPlanForm(FlaskForm):
    comment = TextAreaField(_l("修改意见"), validators=[DataRequired(_l("请填写修改意见。")), Length(max=5_000)])
    submit = SubmitField(_l("退回修改"))


class ReportForm(FlaskForm):
    text = TextAreaField(_l("进展情况"), validators=[DataRequired(_l("请填写进展情况。")), Length(max=20_000)])
    milestone_id = SelectField(_l("对应里程碑"), coerce=whole_number_or_none, validate_choice=False,
                               validators=[Optional()])
    files = MultipleFileField(_l("附件"), description=FILES_HELP)
    submit = SubmitField(_l("提交进展报告"))

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.milestone_id.choices = options([(0, _l("（不对应具体里程碑）"))] + [(m.id, m.title) for m in milestones])


class MarkMilestoneForm(FlaskForm):
    outcome = SelectField(_l("完成情况"), choices=options([("met", _l("按期完成")), ("late", _l("逾期"))]),
                          validators=[DataRequired(_l("请选择完成情况。"))])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=2_000)])
    submit = SubmitField(_l("标记"))


class InviteExpertForm(FlaskForm):
    reviewer_id = SelectField(_l("验收专家"), coerce=whole_number_or_none, validate_choice=False)
    submit = SubmitField(_l("邀请"))

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewer_id.choices = options(
            [(u.id, u.name + (f"（{u.organization.name}）" if u.organization else "")) for u in candidates],
            blank=_l("请选择"))


class OpinionForm(FlaskForm):
    verdict = SelectField(_l("建议结论"), validators=[DataRequired(_l("请选择验收结论。"))])
    opinion = TextAreaField(_l("验收意见"), validators=[DataRequired(_l("请填写验收意见。")), Length(max=20_000)])
    submit = SubmitField(_l("提交验收意见"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.verdict.choices = options(VERDICT_LABELS.items(), blank=_l("请选择"))


class ResultForm(OpinionForm):
    verdict = SelectField(_l("验收结论"), validators=[DataRequired(_l("请选择验收结论。"))])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(_l("请填写验收结论的理由。")), Length(max=20_000)],
                           description=_l("验收结论及理由将在项目页面公开。"))
    opinion = None
    submit = SubmitField(_l("记录并公开验收结论"))


def _checkboxes():
    return {"widget": ListWidget(prefix_label=False), "option_widget": CheckboxInput()}


class CaseForm(FlaskForm):
    summary = TextAreaField(_l("成果简介"), validators=[DataRequired(_l("请填写成果简介。")), Length(max=20_000)])
    results = TextAreaField(_l("实测效果"), validators=[Optional(), Length(max=20_000)],
                            description=_l("例如：检测准确率、效率提升、节约成本等实测数据。"))
    product_ids = SelectMultipleField(_l("关联产品"), coerce=int, validate_choice=False, **_checkboxes())
    capability_ids = SelectMultipleField(_l("关联场景能力"), coerce=int, validate_choice=False, **_checkboxes())
    submit = SubmitField(_l("保存成果信息"))

    def __init__(self, *args, products=(), capabilities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.product_ids.choices = options((p.id, p.name) for p in products)
        self.capability_ids.choices = options((c.id, c.title) for c in capabilities)


class PictureForm(FlaskForm):
    picture = FileField(_l("成果图片"), description=_l("PNG 或 JPG，不超过 20 MB。"))
    caption = StringField(_l("图片说明"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("上传图片"))
