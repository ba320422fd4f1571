from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from portal.reference import DISTRICTS, SECTORS
from portal.scenarios.models import DEFAULT_PROPOSAL_CAP, MAX_PROPOSAL_CAP, ScenarioState
from portal.web.forms import DecimalNumberField, FlaskForm, LocalDateTimeField, WholeNumberField, in_future, options

PHONE = Regexp(r"^[0-9+\-()（） ]{7,20}$", message=_l("请填写有效的电话号码（7–20 位数字，可含区号和“-”）。"))


class BatchForm(FlaskForm):
    title = StringField(_l("批次名称"), validators=[DataRequired(_l("请填写批次名称。")), Length(max=200)],
                        description=_l("例如：2025年第二批人工智能重点场景机会清单"))
    summary = TextAreaField(_l("批次说明"), validators=[Optional(), Length(max=20_000)],
                            description=_l("可直接输入文字（空行分段），也可使用简单的 HTML 格式。"))
    proposal_cap = WholeNumberField(
        _l("每家企业限报数量（项）"), validators=[Optional()],
        default=DEFAULT_PROPOSAL_CAP, minimum=1, maximum=MAX_PROPOSAL_CAP,
        range_message=_l("每家企业限报数量应为 1 到 %(max)d 之间的整数。", max=MAX_PROPOSAL_CAP),
        description=_l("撤回的方案不计；不填则为 3 或保持不变。已有企业提交后只能调高。"))
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
        self.sector.choices = _FIXED_CHOICES["sector"]
        self.district.choices = _FIXED_CHOICES["district"]
        self.status.choices = _FIXED_CHOICES["status"]
        self._batches = _batch_options(tuple((b.id, b.title) for b in batches))
        self.batch.choices = self._batches.choices

    def filters(self) -> dict:
        """The filters that are valid; unknown values are ignored rather than failing the page."""
        chosen = {}
        for name in ("sector", "district", "status", "batch"):
            field = getattr(self, name)
            valid = self._batches.values if name == "batch" else _FIXED_VALUES[name]
            if field.data in valid:
                chosen[name] = field.data
        q = (self.q.data or "").strip()[:100]
        if q:
            chosen["q"] = q
        return chosen

    def batch_options(self) -> Markup:
        """The batch select's <option>s, as the WTForms widget would draw them (hundreds of batches: drawn once
        per list of batches and language, then only the chosen one is marked)."""
        return self._batches.html(self.batch.data)


# Choices are shared by every request (their labels are lazy: each is translated when a page draws it).
_EVERYTHING = _l("全部")
_FIXED_CHOICES = {"sector": options(SECTORS.items(), blank=_EVERYTHING),
                  "district": options(DISTRICTS.items(), blank=_EVERYTHING),
                  "status": options(STATUS_FILTERS.items(), blank=_EVERYTHING)}
_FIXED_VALUES = {name: frozenset(c.value for c in choices if c.value) for name, choices in _FIXED_CHOICES.items()}


class _BatchOptions:
    """The batch filter's choices for one list of published batches, and their markup per language."""

    def __init__(self, rows: tuple):
        self.choices = options(rows, blank=_EVERYTHING)
        self.values = frozenset(c.value for c in self.choices if c.value)
        self._drawn: dict[str, tuple[Markup, dict[str, tuple[int, int, Markup]]]] = {}

    def html(self, chosen) -> Markup:
        language = str(get_locale())
        if language not in self._drawn:
            drawn, selected, end = [], {}, 0
            for choice in self.choices:
                pair = (choice.value, choice.label or choice.value)
                option = _OPTION.format(*pair)
                selected[pair[0]] = (end, end + len(option), _SELECTED_OPTION.format(*pair))
                drawn.append(option)
                end += len(option)
            self._drawn[language] = (Markup("").join(drawn), selected)
        html, selected = self._drawn[language]
        if chosen in selected:  # the chosen option spliced into the joined markup (slices stay Markup)
            start, end, option = selected[chosen]
            html = html[:start] + option + html[end:]
        return html


_OPTION = Markup('<option value="{}">{}</option>')
_SELECTED_OPTION = Markup('<option selected value="{}">{}</option>')

_BATCH_OPTIONS: dict[tuple, _BatchOptions] = {}


def _batch_options(rows: tuple) -> _BatchOptions:
    """Kept for the last few lists of batches seen (a list changes only when a batch is published or renamed)."""
    found = _BATCH_OPTIONS.get(rows)
    if found is None:
        if len(_BATCH_OPTIONS) >= 4:
            _BATCH_OPTIONS.pop(next(iter(_BATCH_OPTIONS)))
        found = _BATCH_OPTIONS[rows] = _BatchOptions(rows)
    return found
