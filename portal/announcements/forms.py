"""The department's decision and 公示 forms, and the objection and answer forms of the 公示 page."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.announcements.models import Consequence, Feedback, Outcome
from portal.reviews import policy
from portal.web.forms import FlaskForm, LocalDateTimeField, options


class DecisionForm(FlaskForm):
    winners = SelectMultipleField(_l("揭榜单位"), coerce=int, validate_choice=False)
    rationale = TextAreaField(_l("定榜理由"), validators=[Optional(), Length(max=10_000)])
    feedback = RadioField(_l("结果确定后向各揭榜单位反馈"), default=Feedback.COMMENTS.value,
                          choices=options((f.value, f.label) for f in Feedback),
                          description=_l("每家单位只能看到本单位方案的得分、名次和匿名专家评语，看不到其他单位的。"))
    # The decision is final: the first submit shows what will be decided, the second (confirmed) decides.
    confirmed = HiddenField()
    submit = SubmitField(_l("确认定榜"))
    revise = SubmitField(_l("返回修改"))


class AnnounceForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("公示开始"), validators=[Optional()])
    ends_at = LocalDateTimeField(_l("公示结束"), validators=[Optional()])
    publish_scores = BooleanField(_l("公示各方案得分"))
    confirmed = HiddenField()  # as the decision: publishing is asked once more before it happens
    submit = SubmitField(_l("发布公示"))
    revise = SubmitField(_l("返回修改"))

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
    outcome = RadioField(_l("处理结果"), choices=options((o.value, o.label) for o in Outcome), validate_choice=False)
    consequence = RadioField(_l("异议成立或部分成立时"), choices=options((c.value, c.label) for c in Consequence),
                             validate_choice=False,
                             description=_l("原公示终止并存档；重新定榜后发布新的公示。"))
    answer = TextAreaField(_l("答复及理由"), validators=[Optional(), Length(max=10_000)])
    submit = SubmitField(_l("提交答复"))

