"""A reviewer's scores: saving and submitting them, and the department sending them back. Each function checks
its rule, changes rows, audits, notifies and flushes; the request commits once.

Set-up is in setup.py, assignment and conflicts in conflicts.py, the ranking in queries.py."""

from decimal import Decimal

from flask_babel import gettext as _

from portal import audit, permissions
from portal.errors import Conflict, DomainError, InvalidTransition, NotReady
from portal.extensions import db
from portal.reviews import lifecycle as review_lifecycle
from portal.reviews import scoring
from portal.reviews.models import Review, ReviewScore, ReviewState
from portal.reviews.setup import get_setup
from portal.reviews.steps import link, locked, notify, require
from portal.util import clock


class ScoresInvalid(DomainError):
    """Some typed scores cannot be accepted; `errors` maps a criterion's position to its message."""

    status_code = 422

    def __init__(self, message: str, errors: dict[int, str]):
        super().__init__(message)
        self.errors = errors


SCORE_MESSAGES = {
    "missing": "请填写“%(name)s”的得分。",
    "number": "“%(name)s”的得分应为数字。",
    "range": "“%(name)s”的得分应在 0 到 %(weight)d 之间。",
    "step": "“%(name)s”的得分以 0.5 分为单位。",
}


def _score_message(kind: str, name: str, weight: int) -> str:
    return _(SCORE_MESSAGES[kind], name=name, weight=weight)


def save_review(review: Review, actor, *, scores, opinion: str, submit: bool) -> Review:
    """Keep the reviewer's scores and comments; with `submit` they become final."""
    require(permissions.can_review_proposal(actor, review))
    _ensure_editable(review)
    criteria = get_setup(review.scenario).criteria
    if len(scores) != len(criteria):
        raise NotReady(_("评分表已变更，请刷新页面后重新填写。"))
    values = _parsed_scores(criteria, [text for text, _comment in scores], submit)
    opinion = (opinion or "").strip()
    if submit and not opinion:
        raise NotReady(_("提交前请填写总体意见。"))
    _store_scores(review, values, [comment for _text, comment in scores])
    review.opinion = opinion
    review.updated_at = clock.now()
    if submit:
        review.state = review_lifecycle.ensure_transition(review, "submit")
        review.submitted_at = review.updated_at
        audit.record(actor, "review.submit", review, scores=[str(v) for v in values],
                     total=str(scoring.weighted_total(values)))
    else:
        audit.record(actor, "review.save", review)
    db.session.flush()
    return review


def _ensure_editable(review: Review) -> None:
    if locked(review).state == ReviewState.SUBMITTED:
        raise Conflict(_("评分已提交，不能再修改；如需更正，请联系发布单位退回。"))
    if not review_lifecycle.in_review(review.scenario):
        raise InvalidTransition(_("该场景不在评审阶段。"))


def _parsed_scores(criteria, texts, submit: bool) -> list[Decimal | None]:
    """The typed scores as numbers (None where blank), or ScoresInvalid naming every wrong one."""
    values, errors = [], {}
    for position, ((name, weight), text) in enumerate(zip(criteria, texts, strict=True)):
        try:
            value = scoring.parse_score(text, weight)
        except scoring.ScoreError as error:
            errors[position] = _score_message(error.kind, name, weight)
            value = None
        if value is None and submit and position not in errors:
            errors[position] = _score_message("missing", name, weight)
        values.append(value)
    if errors:
        raise ScoresInvalid(_("评分有误，请按提示修改（已填写的内容均已保留）。"), errors)
    return values


def _store_scores(review: Review, values, comments) -> None:
    # Rows left over from a draft under a longer rubric (changed before the first submission) go.
    for row in [s for s in review.scores if s.position >= len(values)]:
        review.scores.remove(row)
    for position, value in enumerate(values):
        row = review.score_at(position)
        if row is None:
            row = ReviewScore(position=position)
            review.scores.append(row)
        row.score = value
        row.comment = (comments[position] or "").strip()


def reopen_review(review: Review, actor, reason: str) -> Review:
    """Send a submitted review back to its reviewer, with a reason; the old scores stay in the audit log."""
    require(permissions.can_manage_review(actor, review.scenario))
    # The rule of permissions.can_reopen_review, checked in two steps for two different messages.
    if "reopen" not in review_lifecycle.allowed_actions(locked(review).state):
        raise Conflict(_("只有已提交的评分可以退回。"))
    if not review_lifecycle.in_review(review.scenario):
        raise InvalidTransition(_("评审已结束，不能退回评分。"))
    reason = (reason or "").strip()
    if not reason:
        raise NotReady(_("退回评分必须填写原因。"))
    previous = [str(s.score) for s in review.scores]
    review.state = review_lifecycle.ensure_transition(review, "reopen")
    review.submitted_at = None
    review.reopened_at = review.updated_at = clock.now()
    review.reopen_reason = reason
    audit.record(actor, "review.reopen", review, reason=reason, previous=previous)
    notify([review.reviewer], "review_reopened", _("评分被退回修改：%(title)s", title=review.scenario.title),
           _("退回原因：%(reason)s", reason=reason), link("reviewing.show_review", review_id=review.id))
    db.session.flush()
    return review
