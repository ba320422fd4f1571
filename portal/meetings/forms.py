from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.meetings.models import OUTCOME_LABELS
from portal.web.forms import FlaskForm, LocalDateTimeField, options


class TimeAndPlace(FlaskForm):
    starts_at = LocalDateTimeField(_l("对接时间"), validators=[DataRequired(_l("请填写对接时间。"))],
                                   description=_l("北京时间"))
    place = StringField(_l("对接地点"), validators=[Optional(), Length(max=200)],
                        description=_l("线下对接填写地点；线上对接可只填写会议链接。"))
    online_link = StringField(_l("线上会议链接"), validators=[Optional(), Length(max=300)])


class MeetingRequestForm(TimeAndPlace):
    enterprise_id = HiddenField()
    attendees = TextAreaField(_l("参加人员"), validators=[DataRequired(_l("请填写参加人员。")), Length(max=1000)],
                              description=_l("姓名与职务，每行一人。"))
    agenda = TextAreaField(_l("对接事项"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("发送对接请求"))


class ProposeTimeForm(TimeAndPlace):
    submit = SubmitField(_l("提议新的时间"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("谢绝原因"), validators=[DataRequired(_l("请填写谢绝原因。")), Length(max=2000)])
    submit = SubmitField(_l("谢绝"))


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("对接结果"), validators=[DataRequired(_l("请选择对接结果。"))],
                          choices=options(OUTCOME_LABELS.items(), blank=_l("请选择")))
    notes = TextAreaField(_l("对接纪要"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("记录结果"))
