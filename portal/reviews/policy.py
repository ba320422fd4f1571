"""Policy values of the review: how many reviewers, how long the 公示 lasts, when a spread is flagged.

Each value is looked up in this order: a setting the platform admin stored at /admin/policy (table
policy_settings), then the app's configuration (REVIEW_MIN_REVIEWERS, REVIEW_DEFAULT_REVIEWERS, ANNOUNCEMENT_DAYS,
SPREAD_FLAG_POINTS), then DEFAULTS here. Stored settings are read at most once per request. A change applies to
what is worked out afterwards: a 公示 already announced keeps its window.
"""

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.errors import DomainError, PermissionDenied
from portal.extensions import db
from portal.permissions import can_administer
from portal.reviews.models import PolicySetting
from portal.util import clock

DEFAULTS = {
    "REVIEW_MIN_REVIEWERS": 3,
    "REVIEW_DEFAULT_REVIEWERS": 5,
    "ANNOUNCEMENT_DAYS": 5,
    "SPREAD_FLAG_POINTS": 20,
}
MAX_REVIEWERS = 15
MAX_ANNOUNCEMENT_DAYS = 30
MAX_SPREAD_FLAG_POINTS = 100

# 技术先进性 30 / 方案可行性 30 / 团队实力 20 / 经济合理性 20; the first criterion breaks ties.
DEFAULT_RUBRIC = (("技术先进性", 30), ("方案可行性", 30), ("团队实力", 20), ("经济合理性", 20))

_CACHE = "_review_policy_settings"


def value(name: str) -> int:
    return _resolve(name, _stored())


def effective() -> dict[str, int]:
    """Every policy value as it applies now."""
    stored = _stored()
    return {name: _resolve(name, stored) for name in DEFAULTS}


def min_reviewers() -> int:
    return value("REVIEW_MIN_REVIEWERS")


def default_reviewers() -> int:
    return value("REVIEW_DEFAULT_REVIEWERS")


def announcement_days() -> int:
    return value("ANNOUNCEMENT_DAYS")


def spread_flag_points() -> int:
    return value("SPREAD_FLAG_POINTS")


def _resolve(name: str, stored: dict[str, int]) -> int:
    default = DEFAULTS[name]  # an unknown name is a programming error
    if name in stored:
        return stored[name]
    return int(current_app.config.get(name, default))


def _stored() -> dict[str, int]:
    """The admin's settings: once per request (kept on `g`), afresh outside a request (commands, tests)."""
    if not has_request_context():
        return _load()
    if _CACHE not in g:
        setattr(g, _CACHE, _load())
    return getattr(g, _CACHE)


def _load() -> dict[str, int]:
    rows = db.session.execute(select(PolicySetting.name, PolicySetting.value)).all()
    return {name: setting for name, setting in rows if name in DEFAULTS}


def _forget_stored() -> None:
    if has_request_context():
        g.pop(_CACHE, None)


# --- changing the rules -----------------------------------------------------------------------------

def update_policy(actor, values: dict) -> dict[str, list[int]]:
    """Store the admin's new rules; only changed values are written and audited once, as {name: [old, new]}.

    Values left out keep their current value. Nothing is committed: the caller's request does that.
    """
    if not can_administer(actor):
        raise PermissionDenied(_("您无权执行该操作。"))
    current = effective()
    proposed = {**current, **_checked_types(values)}
    problems = rule_problems(proposed)
    if problems:
        raise DomainError("；".join(problems))
    changes = {name: [current[name], proposed[name]] for name in DEFAULTS if proposed[name] != current[name]}
    if not changes:
        return changes
    now = clock.now()
    for name, (_old, new) in changes.items():
        _write(name, new, actor, now)
    audit.record(actor, "policy.update", None, changes=changes)
    db.session.flush()
    _forget_stored()
    return changes


def rule_problems(values: dict[str, int]) -> list[str]:
    """What is wrong with a full set of policy values, in Chinese; empty when they may be stored."""
    problems = []
    minimum = values["REVIEW_MIN_REVIEWERS"]
    if not 1 <= minimum <= MAX_REVIEWERS:
        problems.append(_("每份方案最少评审专家人数应在 1 到 %(max)d 之间。", max=MAX_REVIEWERS))
    if not minimum <= values["REVIEW_DEFAULT_REVIEWERS"] <= MAX_REVIEWERS:
        problems.append(_("建议评审专家人数应在最少人数（%(min)d）到 %(max)d 之间。", min=minimum, max=MAX_REVIEWERS))
    if not 1 <= values["ANNOUNCEMENT_DAYS"] <= MAX_ANNOUNCEMENT_DAYS:
        problems.append(_("公示天数应在 1 到 %(max)d 天之间。", max=MAX_ANNOUNCEMENT_DAYS))
    if not 1 <= values["SPREAD_FLAG_POINTS"] <= MAX_SPREAD_FLAG_POINTS:
        problems.append(_("极差提示分值应在 1 到 %(max)d 分之间。", max=MAX_SPREAD_FLAG_POINTS))
    return problems


def _checked_types(values: dict) -> dict[str, int]:
    unknown = sorted(set(values) - DEFAULTS.keys())
    if unknown:
        raise DomainError(_("未知的评审规则：%(names)s。", names="、".join(map(str, unknown))))
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values.values()):
        raise DomainError(_("评审规则的取值必须是整数。"))
    return dict(values)


def _write(name: str, new: int, actor, now) -> None:
    setting = db.session.get(PolicySetting, name)
    if setting is None:
        setting = PolicySetting(name=name)
        db.session.add(setting)
    setting.value = new
    setting.updated_at = now
    setting.updated_by_id = getattr(actor, "id", None)
