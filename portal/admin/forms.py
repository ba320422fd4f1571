"""Forms of the platform administration."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField
from wtforms.validators import InputRequired

from portal.reviews.policy import MAX_ANNOUNCEMENT_DAYS, MAX_REVIEWERS, MAX_SPREAD_FLAG_POINTS
from portal.web.forms import FlaskForm, WholeNumberField

# Form field → policy value (portal/reviews/policy.py).
POLICY_FIELDS = {
    "min_reviewers": "REVIEW_MIN_REVIEWERS",
    "default_reviewers": "REVIEW_DEFAULT_REVIEWERS",
    "announcement_days": "ANNOUNCEMENT_DAYS",
    "spread_flag_points": "SPREAD_FLAG_POINTS",
}


def _whole_number(label, description, missing):
    # The field only bounds the value to what a person could mean (six digits); the domain checks the ranges
    # and how the values relate, with its own messages.
    return WholeNumberField(label, validators=[InputRequired(missing)], description=description,
                            minimum=-999_999, maximum=999_999, invalid_message=_l("请填写整数。"),
                            render_kw={"maxlength": 6})


class PolicyForm(FlaskForm):
    """The review rules. Their ranges are checked by the domain (policy.update_policy), so a refused value
    stays as typed."""

    min_reviewers = _whole_number(
        _l("每份方案最少评审专家人数"),
        _l("已提交评分少于该人数的方案不能定榜；1 至 %(max)d 人。", max=MAX_REVIEWERS),
        _l("请填写最少评审专家人数。"))
    default_reviewers = _whole_number(
        _l("建议评审专家人数"),
        _l("指派评审专家时提示的人数；不少于最少人数，不超过 %(max)d 人。", max=MAX_REVIEWERS),
        _l("请填写建议评审专家人数。"))
    announcement_days = _whole_number(
        _l("公示天数"),
        _l("发布公示时默认的公示期长度，公示期内经认证的企业可提出异议；1 至 %(max)d 天。",
           max=MAX_ANNOUNCEMENT_DAYS),
        _l("请填写公示天数。"))
    spread_flag_points = _whole_number(
        _l("极差提示分值"),
        _l("方案各专家总分的极差（最高分减最低分）超过该分值时，排名中标注“需讨论”；1 至 %(max)d 分。",
           max=MAX_SPREAD_FLAG_POINTS),
        _l("请填写极差提示分值。"))
    submit = SubmitField(_l("保存评审规则"))

    @classmethod
    def for_values(cls, values: dict[str, int]) -> "PolicyForm":
        return cls(data={field: values[name] for field, name in POLICY_FIELDS.items()})

    def values(self) -> dict[str, int]:
        return {name: getattr(self, field).data for field, name in POLICY_FIELDS.items()}
