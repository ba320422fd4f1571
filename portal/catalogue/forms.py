from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.catalogue import validity
from portal.catalogue.classify import choices as category_choices
from portal.catalogue.models import FIRST_YEAR, LAST_YEAR, LEVEL_LABELS, TYPE_LABELS
from portal.reference import DISTRICTS, SECTORS
from portal.util import clock
from portal.web.forms import FlaskForm, WholeNumberField, options


class ProductForm(FlaskForm):
    name = StringField(_l("产品名称"), validators=[DataRequired(_l("请填写产品名称。")), Length(max=200)])
    model = StringField(_l("型号/版本"), validators=[Optional(), Length(max=100)],
                        description=_l("例如：IR-640U；软件填写版本号，如 V3.0。"))
    product_type = SelectField(_l("类型"), validators=[DataRequired(_l("请选择类型。"))])
    sector = SelectField(_l("所属领域"), validators=[DataRequired(_l("请选择所属领域。"))])
    level = SelectField(_l("认定级别"), validators=[DataRequired(_l("请选择认定级别。"))])
    # The bounds are the column's; validate_year narrows them to the years that have passed.
    year = WholeNumberField(_l("认定年度"), validators=[DataRequired(_l("请填写认定年度。"))], minimum=FIRST_YEAR,
                            maximum=LAST_YEAR,
                            range_message=_l("认定年度应在 %(first)d 年到今年之间。", first=FIRST_YEAR),
                            invalid_message=_l("请填写有效的认定年度（四位数字的年份）。"))
    batch = StringField(_l("认定批次"), validators=[Optional(), Length(max=60)], description=_l("例如：第一批"))
    district = SelectField(_l("所在区县市"), validators=[Optional()])
    specs = TextAreaField(_l("主要技术指标"), validators=[Optional(), Length(max=5000)])
    description = TextAreaField(_l("产品简介"),
                                validators=[DataRequired(_l("请填写产品简介。")), Length(max=20_000)])
    cases = TextAreaField(_l("应用案例"), validators=[Optional(), Length(max=20_000)])
    image = FileField(_l("产品图片"), description=_l("可选，PNG 或 JPG。"),
                      validators=[FileAllowed(["png", "jpg", "jpeg"], _l("产品图片只能是 PNG 或 JPG 图片。"))])
    brochure = FileField(_l("产品手册"), validators=[FileAllowed(["pdf"], _l("产品手册只能是 PDF 文件。"))],
                         description=_l("可选，PDF。"))
    submit = SubmitField(_l("提交审核"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_type.choices = options(TYPE_LABELS.items(), blank=_l("请选择"))
        self.sector.choices = options(SECTORS.items(), blank=_l("请选择"))
        self.level.choices = options(LEVEL_LABELS.items(), blank=_l("请选择"))
        self.district.choices = options(DISTRICTS.items(), blank=_l("不限"))

    def validate_year(self, field):
        last = clock.local_today().year
        if field.data is not None and not FIRST_YEAR <= field.data <= last:
            raise ValidationError(_l("认定年度应在 %(first)d 到 %(last)d 之间。", first=FIRST_YEAR, last=last))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "name", "model", "product_type", "sector", "level", "year", "batch", "district", "specs", "description",
            "cases")}


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(_l("请填写原因。")), Length(max=2000)])
    submit = SubmitField(_l("确认"))


class ImportForm(FlaskForm):
    file = FileField(_l("产品清单文件"), validators=[
        FileRequired(_l("请选择文件。")),
        FileAllowed(["csv", "xlsx"], _l("只接受 CSV（UTF-8）或 XLSX 文件。"))],
        description=_l("表头：name,model,company,uscc,type,sector,category,level,year,batch,district,specs,"
                       "description,cases（sector、category 可空，按产品名称自动归类）"))
    validity_years = WholeNumberField(
        _l("有效期（年）"), default=validity.DEFAULT_YEARS, minimum=validity.MIN_YEARS, maximum=validity.MAX_YEARS,
        validators=[Optional()],
        range_message=_l("有效期应为 %(low)d 到 %(high)d 年。", low=validity.MIN_YEARS, high=validity.MAX_YEARS),
        invalid_message=_l("有效期请填写整数年数，例如 3。"),
        description=_l("本清单认定的有效年限，自认定年度年末起算（不填为 3 年）：例如 2023 年认定、有效期 3 年，"
                        "有效至 2026 年 12 月 31 日。"))
    submit = SubmitField(_l("检查并导入"))

    def years(self) -> int:
        return self.validity_years.data or validity.DEFAULT_YEARS


class _DateField(DateField):
    """A date whose unreadable value is refused in Chinese and shown again as typed."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("请填写有效的日期，例如 2025-06-30。")) from error


class ValidityForm(FlaskForm):
    valid_until = _DateField(_l("有效期至"), validators=[InputRequired(_l("请填写有效期至。"))],
                             description=_l("以认定文件为准；再次导入含该产品的清单时，按清单的有效期重新计算。"))
    submit = SubmitField(_l("更正有效期"))


class ClassificationForm(FlaskForm):
    sector = SelectField(_l("所属领域"), validators=[DataRequired(_l("请选择所属领域。"))])
    category = SelectField(_l("类别"), validators=[Optional()])
    submit = SubmitField(_l("保存归类"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = options(SECTORS.items(), blank=_l("请选择"))
        self.category.choices = options(category_choices(), blank=_l("未归类"))

    def validate_category(self, field):
        from portal.catalogue.classify import category

        found = category(field.data)
        if found is not None and found.sector != self.sector.data:
            raise ValidationError(_l("该类别不属于所选领域。"))


class SynonymsForm(FlaskForm):
    text = TextAreaField(_l("补充同义词"), validators=[Optional(), Length(max=200_000)],
                         description=_l("每行一组：“词1, 词2, 词3”互为同义；"
                                        "“词 => 词1, 词2”表示搜索前者时也查找后者。"))
    submit = SubmitField(_l("保存"))

    def validate_text(self, field):
        from portal.search.synonyms import SynonymError, parse

        try:
            parse(field.data or "")
        except SynonymError as error:
            raise ValidationError(str(error)) from error


class ThesaurusEntryForm(FlaskForm):
    term = StringField(_l("词语"), validators=[DataRequired(_l("请填写词语。")), Length(max=50)],
                       description=_l("采购方输入的词，如“农业机械”“AGV”。英文不区分大小写。"))
    expands = TextAreaField(_l("扩展为"), validators=[DataRequired(_l("请至少填写一个扩展词。")), Length(max=2000)],
                            description=_l("每行一个，或用逗号、顿号分隔，如“插秧机、收割机、拖拉机”。"))
    kind = SelectField(_l("类型"), choices=options([("hypernym", _l("上位词（类别 → 具体产品，权重 0.5）")),
                                                   ("variant", _l("异形词/近义词（双向，权重 0.6）")),
                                                   ("abbreviation", _l("缩写（双向，权重 0.8）")),
                                                   ("translation", _l("译名（双向，权重 0.8）"))]))
    source = StringField(_l("来源或说明"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("添加"))

    def expansions(self) -> list[str]:
        import re

        return [w.strip() for w in re.split(r"[\n,，、;；]+", self.expands.data or "") if w.strip()]


VALIDITY_LABELS = {"current": _l("有效期内"), "expired": _l("已过有效期")}


class CatalogueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField(_l("类型"), validators=[Optional()])
    sector = SelectField(_l("领域"), validators=[Optional()])
    category = SelectField(_l("类别"), validators=[Optional()])
    level = SelectField(_l("级别"), validators=[Optional()])
    year = SelectField(_l("年度"), validators=[Optional()])
    district = SelectField(_l("区县市"), validators=[Optional()])
    validity = SelectField(_l("有效期"), validators=[Optional()])

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = _l("全部")
        self.type.choices = options(TYPE_LABELS.items(), blank=everything)
        self.sector.choices = options(SECTORS.items(), blank=everything)
        self.category.choices = options(category_choices(), blank=everything)
        self.level.choices = options(LEVEL_LABELS.items(), blank=everything)
        self.year.choices = options(((y, y) for y in years), blank=everything)
        self.district.choices = options(DISTRICTS.items(), blank=everything)
        self.validity.choices = options(VALIDITY_LABELS.items(), blank=everything)

    def filters(self) -> dict:
        """The filters that are valid; unknown values are ignored rather than failing the page."""
        chosen = {}
        for name in ("type", "sector", "category", "level", "year", "district", "validity"):
            field = getattr(self, name)
            valid = {choice.value for choice in field.choices if choice.value}
            if field.data in valid:
                chosen[name] = field.data
        return chosen
