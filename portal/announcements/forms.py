"""The department's decision and 公示 forms, and the objection and answer forms of the 公示 page."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.reviews import policy
from portal.web.forms import FlaskForm, LocalDateTimeField


class DecisionForm(FlaskForm):
    winners = SelectMultipleField(_l("揭榜单位"), coerce=int, validate_choice=False)
    rationale = TextAreaField(_l("定榜理由"), validators=[Optional(), Length(max=10_000)])
    submit = SubmitField(_l("确认定榜"))


class AnnounceForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("公示开始"), validators=[Optional()])
    ends_at = LocalDateTimeField(_l("公示结束"), validators=[Optional()])
    publish_scores = BooleanField(_l("公示各方案得分"))
    submit = SubmitField(_l("发布公示"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The 公示 length is a review rule the platform admin sets (policy.announcement_days), in working days
        # by the official calendar (portal/util/workdays.py); the start day is not counted.
        self.ends_at.description = _("默认 %(days)d 个工作日：至开始日之后第 %(days)d 个工作日 24:00"
                                     "（节假日不计，调休上班日计入）；公示期内经认证的企业可提出异议。",
                                     days=policy.announcement_days())


class ObjectionForm(FlaskForm):
    text = TextAreaField(_l("异议内容"), validators=[Optional(), Length(max=5_000)],
                         description=_l("请写明异议事项、理由及依据。"))
    attachment = FileField(_l("证明材料（可选）"), description=_l("PDF、DOCX、XLSX、PNG、JPG，不超过 20 MB。"))
    submit = SubmitField(_l("提交异议"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("答复"), validators=[Optional(), Length(max=10_000)])
    submit = SubmitField(_l("提交答复"))

