from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.capabilities.models import MATURITY_LABELS
from portal.catalogue.classify import choices as field_choices
from portal.reference import DISTRICTS, SECTORS
from portal.web.forms import FlaskForm, options


def _checkboxes():
    return {"widget": ListWidget(prefix_label=False), "option_widget": CheckboxInput()}


class CapabilityForm(FlaskForm):
    title = StringField(_l("能力名称"), validators=[DataRequired(_l("请填写能力名称。")), Length(max=200)],
                        description=_l("例如：复杂光照下的工业缺陷视觉检测"))
    sector = SelectField(_l("所属领域"), validators=[DataRequired(_l("请选择所属领域。"))])
    field = SelectField(_l("技术领域"), validators=[DataRequired(_l("请选择技术领域。"))])
    maturity = SelectField(_l("成熟度"), validators=[DataRequired(_l("请选择成熟度。"))])
    summary = TextAreaField(_l("能力简介"), validators=[DataRequired(_l("请填写能力简介。")), Length(max=20_000)])
    cases = TextAreaField(_l("已交付案例"), validators=[Optional(), Length(max=20_000)])
    product_ids = SelectMultipleField(_l("关联产品"), coerce=int, validate_choice=False,
                                      description=_l("可选，本单位在产品库中的产品。"), **_checkboxes())
    districts = SelectMultipleField(_l("服务区县市"), validators=[DataRequired(_l("请至少选择一个服务区县市。"))],
                                    choices=options(DISTRICTS.items()), validate_choice=False, **_checkboxes())
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=40)],
                               description=_l("仅本单位与审核人员可见；公开页面只显示单位名称。"))
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=32)])
    contact_email = StringField(_l("电子邮箱"), validators=[Optional(), Email(message=_l("邮箱格式不正确。")),
                                                        Length(max=254)])
    submit = SubmitField(_l("保存草稿"))

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = options(SECTORS.items(), blank=_l("请选择"))
        self.field.choices = options(field_choices(), blank=_l("请选择"))
        self.maturity.choices = options(MATURITY_LABELS.items(), blank=_l("请选择"))
        self.product_ids.choices = [(p.id, p.name + (f"（{p.model}）" if p.model else "")) for p in products]

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "title", "sector", "field", "maturity", "summary", "cases", "product_ids", "districts", "contact_name",
            "contact_phone", "contact_email")}


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("退回原因"), validators=[DataRequired(_l("请填写退回原因。")), Length(max=2000)])
    submit = SubmitField(_l("退回"))


class CapabilityFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("关键词"), validators=[Optional(), Length(max=200)])
    sector = SelectField(_l("领域"), validators=[Optional()])
    field = SelectField(_l("技术领域"), validators=[Optional()])
    maturity = SelectField(_l("成熟度"), validators=[Optional()])
    district = SelectField(_l("服务区县市"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _l("全部")
        self.sector.choices = options(SECTORS.items(), blank=everything)
        self.field.choices = options(field_choices(), blank=everything)
        self.maturity.choices = options(MATURITY_LABELS.items(), blank=everything)
        self.district.choices = options(DISTRICTS.items(), blank=everything)

    def filters(self) -> dict:
        """The filters that are valid; unknown values are ignored rather than failing the page."""
        chosen = {}
        for name in ("sector", "field", "maturity", "district"):
            field = getattr(self, name)
            valid = {choice.value for choice in field.choices if choice.value}
            if field.data in valid:
                chosen[name] = field.data
        return chosen

    def keyword(self) -> str:
        return (self.q.data or "").strip()[:200]
