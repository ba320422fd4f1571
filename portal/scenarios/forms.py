from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from portal.reference import DISTRICTS, SECTORS
from portal.scenarios.models import ScenarioState
from portal.web.forms import DecimalNumberField, FlaskForm, LocalDateTimeField, in_future, options

PHONE = Regexp(r"^[0-9+\-()（） ]{7,20}$", message=_l("请填写有效的电话号码（7–20 位数字，可含区号和“-”）。"))


class BatchForm(FlaskForm):
    title = StringField(_l("批次名称"), validators=[DataRequired(_l("请填写批次名称。")), Length(max=200)],
                        description=_l("例如：2025年第二批人工智能重点场景机会清单"))
    summary = TextAreaField(_l("批次说明"), validators=[Optional(), Length(max=20_000)],
                            description=_l("可直接输入文字（空行分段），也可使用简单的 HTML 格式。"))
    submit = SubmitField(_l("保存"))


class ScenarioForm(FlaskForm):
    title = StringField(_l("场景名称"), validators=[DataRequired(_l("请填写场景名称。")), Length(max=200)])
    sector = SelectField(_l("所属领域"), validators=[DataRequired(_l("请选择所属领域。"))])
    district = SelectField(_l("所在区县市"), validators=[DataRequired(_l("请选择所在区县市。"))])
    description = TextAreaField(_l("场景描述"), validators=[Optional(), Length(max=50_000)],
                                description=_l("介绍场景背景、现状与痛点。可直接输入文字（空行分段）。"))
    requirements = TextAreaField(_l("技术要求"), validators=[Optional(), Length(max=50_000)],
                                 description=_l("列出技术指标、交付内容与验收要求。"))
    budget = DecimalNumberField(
        _l("预算（万元）"), places=2, description=_l("可不填，表示面议。"), validators=[Optional()], minimum=0,
        maximum=1_000_000, range_message=_l("预算应在 0 到 1,000,000 万元之间。"),
        invalid_message=_l("预算应为有效的数字（万元），例如 120 或 98.5。"))
    deadline = LocalDateTimeField(_l("揭榜截止时间"), validators=[Optional(), in_future],
                                  description=_l("北京时间。到达截止时间后自动停止接受揭榜。"))
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=40)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), PHONE])
    contact_email = EmailField(_l("联系邮箱"), validators=[Optional(), Email(message=_l("邮箱格式不正确。")),
                                                          Length(max=254)])
    submit = SubmitField(_l("保存草稿"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = options(SECTORS.items(), blank=_l("请选择"))
        self.district.choices = options(DISTRICTS.items(), blank=_l("请选择"))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "title", "sector", "district", "description", "requirements", "budget", "deadline",
            "contact_name", "contact_phone", "contact_email")}


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("撤销原因"), validators=[DataRequired(_l("请填写撤销原因。")), Length(max=2000)],
                           description=_l("撤销原因将公开显示在场景页面上。"))
    submit = SubmitField(_l("确认撤销"))


STATUS_FILTERS = {
    ScenarioState.PUBLISHED.value: _l("揭榜中"),
    ScenarioState.CLOSED.value: _l("已截止"),
    ScenarioState.UNDER_REVIEW.value: _l("评审中"),
    ScenarioState.ANNOUNCED.value: _l("公示中"),
    ScenarioState.FINAL.value: _l("揭榜成功"),
    ScenarioState.CANCELLED.value: _l("已撤销"),
}


class ScenarioFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("关键词"), validators=[Optional(), Length(max=100)])
    sector = SelectField(_l("领域"), validators=[Optional()])
    district = SelectField(_l("区县市"), validators=[Optional()])
    status = SelectField(_l("状态"), validators=[Optional()])
    batch = SelectField(_l("批次"), validators=[Optional()])

    def __init__(self, *args, batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = _l("全部")
        self.sector.choices = options(SECTORS.items(), blank=everything)
        self.district.choices = options(DISTRICTS.items(), blank=everything)
        self.status.choices = options(STATUS_FILTERS.items(), blank=everything)
        self.batch.choices = options(((b.id, b.title) for b in batches), blank=everything)

    def filters(self) -> dict:
        """The filters that are valid; unknown values are ignored rather than failing the page."""
        chosen = {}
        for name in ("sector", "district", "status", "batch"):
            field = getattr(self, name)
            valid = {choice.value for choice in field.choices if choice.value}
            if field.data in valid:
                chosen[name] = field.data
        q = (self.q.data or "").strip()[:100]
        if q:
            chosen["q"] = q
        return chosen
