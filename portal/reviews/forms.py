from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.web.forms import FlaskForm, Form, options

EMPTY_CRITERIA_ROWS = 2
MAX_ROWS = 12


class CriterionForm(Form):
    name = StringField(_l("评分标准"), validators=[Optional(), Length(max=40)])
    weight = StringField(_l("权重（满分）"), validators=[Optional(), Length(max=4)])


class SetupForm(FlaskForm):
    """Weights are checked by the domain (integers summing to 100), so a wrong sum keeps what was typed."""

    blind = BooleanField(_l("盲评：评审专家看不到揭榜单位名称、统一社会信用代码和附件文件名"))
    criteria = FieldList(FormField(CriterionForm), max_entries=MAX_ROWS)
    save = SubmitField(_l("保存评审设置"))

    @classmethod
    def for_setup(cls, setup):
        form = cls(data={"blind": setup.blind,
                         "criteria": [{"name": n, "weight": str(w)} for n, w in setup.criteria]})
        for _row in range(min(EMPTY_CRITERIA_ROWS, MAX_ROWS - len(form.criteria))):
            form.criteria.append_entry()
        return form

    def values(self) -> list[tuple[str, str]]:
        return [(row.form.name.data, row.form.weight.data) for row in self.criteria]


class AssignForm(FlaskForm):
    """Hand-picking (指定) experts, for every proposal or one: only with a reason (checked by the domain)."""

    reviewers = SelectMultipleField(_l("评审专家"), coerce=int, validate_choice=False)
    reason = TextAreaField(_l("指定理由"), validators=[Optional(), Length(max=500)],
                           description=_l("必填。指定的专家在评审排名页和审计日志中标注为“指定”，并显示理由。"))
    proposal_id = HiddenField()
    assign = SubmitField(_l("指派"))


class DeclarationForm(FlaskForm):
    conflict = RadioField(_l("回避声明"), choices=options([
        ("no", _l("本人与该方案的揭榜单位不存在利害关系，不需要回避")),
        ("yes", _l("本人与该方案的揭榜单位存在利害关系，申请回避")),
    ]), validators=[InputRequired(message=_l("请选择是否需要回避。"))])
    reason = TextAreaField(_l("回避原因"), validators=[Optional(), Length(max=1_000)],
                           description=_l("申请回避时必填，例如：近三年曾在该单位任职、存在合作关系等。"))
    declare = SubmitField(_l("提交声明"))

    @classmethod
    def for_blind_review(cls, *args, **kwargs):
        # In a blind review the reviewer cannot know the bidder: "no conflict" confirms the conflict profile
        # shown above the form, which the portal matches against the hidden bidder (portal/reviews/conflicts.py).
        form = cls(*args, **kwargs)
        form.conflict.choices = options([
            ("no", _l("本人已核对上方的利益冲突信息，内容完整、真实，与该方案的揭榜单位不存在利害关系")),
            ("yes", _l("本人与该方案存在利害关系（如从方案内容得知），申请回避")),
        ])
        return form


class RecuseForm(FlaskForm):
    reason = TextAreaField(_l("回避原因"), validators=[Optional(), Length(max=1_000)],
                           description=_l("例如：阅读方案后发现与揭榜单位存在合作关系。发布单位会看到该原因并另行指派专家。"))
    submit = SubmitField(_l("申请回避"))


class ChineseDateField(DateField):
    """A date input whose unreadable value is refused in Chinese and shown again as typed."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("请填写有效的日期，例如 2025-06-30。")) from error


class EmployerForm(FlaskForm):
    employer = StringField(_l("现工作单位"), validators=[Optional(), Length(max=120)],
                           description=_l("更换工作单位后，原单位自动记为近三年曾任职单位。"))
    uscc = StringField(_l("统一社会信用代码（可选）"), validators=[Optional(), Length(max=40)],
                       description=_l("填写后按代码比对，更准确。"))
    save = SubmitField(_l("保存现工作单位"))


class ConflictEntryForm(FlaskForm):
    kind = SelectField(_l("类别"), choices=[], validate_choice=False)
    org_name = StringField(_l("单位名称"), validators=[Optional(), Length(max=120)])
    uscc = StringField(_l("统一社会信用代码（可选）"), validators=[Optional(), Length(max=40)])
    until = ChineseDateField(_l("离职日期（仅曾任职单位）"), validators=[Optional()],
                             description=_l("离职超过三年的单位不再计入回避。"))
    detail = TextAreaField(_l("说明"), validators=[Optional(), Length(max=500)],
                           description=_l("如职务、持股比例；“其他利益关系”必填，如：配偶在该单位任职。"))
    add = SubmitField(_l("添加"))

    def __init__(self, *args, **kwargs):
        from portal.reviews.models import ConflictKind

        super().__init__(*args, **kwargs)
        self.kind.choices = options((k.value, k.label) for k in ConflictKind)

    def validate_kind(self, field):
        if field.data not in {choice.value for choice in self.kind.choices}:
            raise ValidationError(_("请选择类别。"))


def score_form_class(criteria):
    """A form with one score and one comment per criterion; scores stay text so anything typed is kept."""

    class ScoreForm(FlaskForm):
        opinion = TextAreaField(_l("总体意见"), validators=[Optional(), Length(max=10_000)])
        save = SubmitField(_l("保存草稿"))
        submit = SubmitField(_l("提交评分"))

        def entries(self):
            return [(getattr(self, f"score_{i}"), getattr(self, f"comment_{i}")) for i in range(len(criteria))]

        def values(self):
            return [(score.data, comment.data) for score, comment in self.entries()]

    for position, (name, weight) in enumerate(criteria):
        setattr(ScoreForm, f"score_{position}", StringField(
            _l("%(name)s 得分（0–%(weight)d）", name=name, weight=weight), validators=[Length(max=10)],
            render_kw={"inputmode": "decimal", "autocomplete": "off"}))
        setattr(ScoreForm, f"comment_{position}", TextAreaField(
            _l("%(name)s 评语", name=name), validators=[Optional(), Length(max=5_000)]))
    return ScoreForm


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("退回原因"), validators=[Optional(), Length(max=2_000)],
                           description=_l("评审专家会收到该原因；退回记录写入审计日志。"))
    submit = SubmitField(_l("退回评分"))


class PeriodForm(FlaskForm):
    ends_on = ChineseDateField(
        _l("评审截止日期"), validators=[Optional()],
        description=_l("当天 24:00（北京时间）截止；截止前 2 天和前 1 天提醒尚未完成评审的专家。"))
    save = SubmitField(_l("保存评审期"))


class ReplaceForm(FlaskForm):
    reviewer_id = HiddenField()
    standby = SelectField(_l("替补专家"), choices=[], validate_choice=False)
    replace = SubmitField(_l("替换"))


class DiscussionForm(FlaskForm):
    # The length is checked by the domain, so a long post is refused with what was typed kept.
    body = TextAreaField(_l("发言"), validators=[Optional()],
                         description=_l("仅本场景的评审专家和发布单位可见；纯文本。"))
    post = SubmitField(_l("发表"))


def _checkboxes():
    from wtforms.widgets import CheckboxInput, ListWidget

    return {"widget": ListWidget(prefix_label=False), "option_widget": CheckboxInput()}


def _field_choices():
    from portal.catalogue.classify import choices

    return options(choices())


class ExpertProfileForm(FlaskForm):
    """专家库 entry: the domain checks the values (portal/reviews/experts.py), so a refusal keeps what was chosen."""

    fields = SelectMultipleField(_l("专业领域"), choices=[], validate_choice=False,
                                 description=_l("按产品库和场景能力使用的技术领域分类；发布单位按领域随机抽取专家。"),
                                 **_checkboxes())
    district = SelectField(_l("所在区县市"), choices=[], validate_choice=False)
    available = RadioField(_l("能否参加评审"), choices=options([
        ("yes", _l("可参加评审")), ("no", _l("暂停参加评审"))]), default="yes",
        validators=[InputRequired(message=_l("请选择能否参加评审。"))])
    unavailable_until = ChineseDateField(_l("暂停至（含当天，可选）"), validators=[Optional()],
                                         description=_l("不填则一直暂停，直到改为“可参加评审”。暂停期间不会被抽取。"))
    save = SubmitField(_l("保存专家信息"))

    def __init__(self, *args, **kwargs):
        from portal.reference import DISTRICTS

        super().__init__(*args, **kwargs)
        self.fields.choices = _field_choices()
        self.district.choices = options(DISTRICTS.items(), blank=_l("未填写"))

    @classmethod
    def for_profile(cls, profile):
        return cls(data={"fields": list(profile.fields or ()), "district": profile.district or "",
                         "available": "yes" if profile.available else "no",
                         "unavailable_until": profile.unavailable_until})


class DrawForm(FlaskForm):
    fields = SelectMultipleField(_l("专业领域"), choices=[], validate_choice=False,
                                 description=_l("从专业领域与所选任一领域相同的专家中抽取；人数不足时可增加领域。"),
                                 **_checkboxes())
    size = SelectField(_l("抽取人数"), choices=[], validate_choice=False)
    standby = SelectField(_l("替补人数"), choices=[], validate_choice=False,
                          description=_l("替补专家按抽取顺序排列，评审专家逾期时优先由替补接替。"))
    draw = SubmitField(_l("随机抽取"))

    def __init__(self, *args, **kwargs):
        from portal.reviews.experts import MAX_SIZE, MAX_STANDBY

        super().__init__(*args, **kwargs)
        self.fields.choices = _field_choices()
        self.size.choices = options((n, str(n)) for n in range(1, MAX_SIZE + 1))
        self.standby.choices = options((n, str(n)) for n in range(MAX_STANDBY + 1))

