from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.web.forms import DecimalNumberField, FlaskForm, LocalDateTimeField, WholeNumberField

FILES_HELP = _l("PDF、DOCX、XLSX、PNG、JPG，单个不超过 20 MB，每个场景最多 10 个。")


class AmendmentForm(FlaskForm):
    """The call as it stands, to change; the domain says whether the change may be made (reason, deadline)."""

    requirements = TextAreaField(_l("技术要求"), validators=[Optional(), Length(max=50_000)],
                                 description=_l("修改后的完整技术要求。变更技术要求后，已提交方案的企业须重新确认。"))
    budget = DecimalNumberField(
        _l("预算（万元）"), places=2, description=_l("可不填，表示面议。"), validators=[Optional()], minimum=0,
        maximum=1_000_000, range_message=_l("预算应在 0 到 1,000,000 万元之间。"),
        invalid_message=_l("预算应为有效的数字（万元），例如 120 或 98.5。"))
    deadline = LocalDateTimeField(_l("揭榜截止时间"), validators=[Optional()],
                                  description=_l("北京时间。距截止不足规定天数时，变更须同时延长截止时间。"))
    files = MultipleFileField(_l("添加附件"), description=FILES_HELP)
    remove = SelectMultipleField(_l("删除附件"), coerce=int, validators=[Optional()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    reason = TextAreaField(_l("变更原因"), validators=[Optional(), Length(max=2000)],
                           description=_l("必填，将随变更公告公开。"))
    submit = SubmitField(_l("发布变更公告"))

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.remove.choices = [(a.id, a.display_name) for a in attachments]


class AttachmentsForm(FlaskForm):
    files = MultipleFileField(_l("添加附件"), description=FILES_HELP)
    submit = SubmitField(_l("上传"))


class AmendmentPolicyForm(FlaskForm):
    min_days = WholeNumberField(_l("变更后距截止的最少天数"), validators=[InputRequired(_l("请填写天数。"))],
                                minimum=-999_999, maximum=999_999, invalid_message=_l("请填写整数。"),
                                description=_l("在距截止不足该天数时发布变更公告，须同时延长截止时间，"
                                               "使变更后至少还有该天数；1 至 60 天。"))
    submit = SubmitField(_l("保存"))
