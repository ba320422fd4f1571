"""答疑 forms: the enterprise's question, the department's answer or refusal, the call's terms.

Lengths and emptiness are checked by the operations (portal.clarifications.operations), which say in Chinese what
is wrong and leave what was typed in the form."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Optional

from portal.web.forms import FlaskForm, LocalDateTimeField


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("问题"), validators=[Optional()],
                         description=_l("请就场景需求、技术要求或揭榜规则提问，1000 字以内。问题与答复将公开，"
                                        "提问单位不向任何人公开（包括发布单位）；请勿在问题中写明贵单位名称。"))
    submit = SubmitField(_l("提交问题"))


class AnswerForm(FlaskForm):
    public_text = TextAreaField(_l("公开的问题表述"), validators=[Optional()],
                                description=_l("与答复一同公开；如原问题可能透露提问单位，请改写。"))
    answer = TextAreaField(_l("答复"), validators=[Optional()],
                           description=_l("答复将公开在场景页面，并通知关注该领域的企业及已在该场景揭榜（含草稿）的企业。"))
    submit = SubmitField(_l("公开答复"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("不予答复的理由"), validators=[Optional()],
                           description=_l("只告知提问单位，不公开。"))
    submit = SubmitField(_l("不予答复"))


class CallTermsForm(FlaskForm):
    question_deadline = LocalDateTimeField(_l("提问截止时间"), validators=[Optional()],
                                           description=_l("留空则为揭榜截止前 3 个工作日。"))
    opening_names_bidders = BooleanField(_l("开标记录公布揭榜单位名称"),
                                         description=_l("截止后公开的开标记录中列出按时提交方案的单位；"
                                                        "只能在场景发布前设定。"))
    submit = SubmitField(_l("保存"))
