"""专家库 and the random draw of experts for a scenario; hand-picking (指定) with a recorded reason.

A reviewer's expert profile holds its fields of expertise (类别 of portal/catalogue/taxonomy.toml, the same codes
the capabilities and the search facets use), its district and its availability. The department draws K experts
for a scenario from the pool: active reviewers with a field among those asked for, available today, not yet on
the scenario's panel and free of conflicts with every bidder (the same matching as any assignment,
portal/reviews/conflicts.py). The draw itself is portal/reviews/draw.py; the seed, the pool and the outcome are
stored and audited, so the page can show how to recompute it. Drawn experts become reviewers through
conflicts.assign_reviewers; standbys are offered first when an overdue reviewer is replaced (period.py).
Each operation checks, changes rows, audits and flushes; the request commits once.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit, permissions
from portal.accounts.models import Role, User
from portal.catalogue.classify import by_code as categories
from portal.errors import NotReady, PermissionDenied
from portal.extensions import db
from portal.reference import DISTRICTS
from portal.reviews import conflicts, draw
from portal.reviews.models import ExpertDraw, ExpertPick, ExpertProfile, Review
from portal.reviews.queries import reviewed_proposals
from portal.reviews.setup import ensure_reviewable
from portal.reviews.steps import require
from portal.scenarios.models import Scenario
from portal.util import clock

MAX_FIELDS = 10
MAX_SIZE = 15  # the largest panel the review policy allows (policy.MAX_REVIEWERS)
MAX_STANDBY = 10
DEFAULT_STANDBY = 2
REASON_MAX = 500


class ExpertInputError(NotReady):
    """A value that cannot be accepted; `field` names the form field that shows the message."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


# --- the expert profile ----------------------------------------------------------------------------

def get_expert_profile(user: User) -> ExpertProfile:
    """The stored profile, or an unsaved empty one (no field, available)."""
    profile = db.session.get(ExpertProfile, user.id)
    if profile is None:
        profile = ExpertProfile(user_id=user.id, fields=[], district=None, available=True, unavailable_until=None)
    return profile


def clean_fields(codes, field: str = "fields") -> list[str]:
    """Known 类别 codes, each once, in the taxonomy's order; at least one, at most MAX_FIELDS."""
    known = categories()
    chosen = {code for code in codes or () if code}
    unknown = chosen - known.keys()
    if unknown:
        raise ExpertInputError(_("请从列表中选择专业领域。"), field)
    if not chosen:
        raise ExpertInputError(_("请至少选择一个专业领域。"), field)
    if len(chosen) > MAX_FIELDS:
        raise ExpertInputError(_("专业领域最多选择 %(n)d 个。", n=MAX_FIELDS), field)
    return [code for code in known if code in chosen]


def save_expert_profile(reviewer: User, actor, *, fields, district: str | None, available: bool,
                        unavailable_until: date | None) -> ExpertProfile:
    """Set a reviewer's fields, district and availability (the reviewer itself, or a platform admin)."""
    if not permissions.can_edit_expert_profile(actor, reviewer):
        raise PermissionDenied(_("您无权执行该操作。"))
    fields = clean_fields(fields)
    district = (district or "").strip() or None
    if district is not None and district not in DISTRICTS:
        raise ExpertInputError(_("请选择所在区县市。"), "district")
    if available:
        unavailable_until = None
    elif unavailable_until is not None and unavailable_until < clock.local_today():
        raise ExpertInputError(_("暂停日期不能早于今天；已可参加评审请选择“可参加评审”。"), "unavailable_until")
    profile = db.session.get(ExpertProfile, reviewer.id)
    if profile is None:
        profile = get_expert_profile(reviewer)
        db.session.add(profile)
    values = {"fields": fields, "district": district, "available": available,
              "unavailable_until": unavailable_until}
    changed = {name: value for name, value in values.items() if getattr(profile, name) != value}
    if not changed and profile.updated_at is not None:
        return profile
    for name, value in values.items():
        setattr(profile, name, value)
    profile.updated_at = clock.now()
    profile.updated_by_id = actor.id
    audit.record(actor, "expert_profile.update", reviewer, by_admin=actor.id != reviewer.id,
                 **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in changed.items()})
    db.session.flush()
    return profile


# --- the pool --------------------------------------------------------------------------------------

@dataclass
class Pool:
    """The candidates of a draw (ids ascending) and how many reviewers each filter left out."""

    candidates: list[User]
    no_field: int = 0
    unavailable: int = 0
    on_panel: int = 0
    conflicted: int = 0


def pool(scenario: Scenario, fields, day: date | None = None) -> Pool:
    """Active reviewers with a field among `fields`, available on `day`, not on the scenario's panel yet, and whose
    conflict profile matches none of the bidders."""
    day = day or clock.local_today()
    wanted = set(fields)
    profiles = {p.user_id: p for p in db.session.scalars(select(ExpertProfile))}
    on_panel = set(db.session.scalars(select(Review.reviewer_id).where(Review.scenario_id == scenario.id)))
    proposals = reviewed_proposals(scenario)
    result = Pool([])
    reviewers = db.session.scalars(select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
                                   .order_by(User.id)).all()
    for reviewer in reviewers:
        profile = profiles.get(reviewer.id)
        if profile is None or not wanted & set(profile.fields or ()):
            result.no_field += 1
        elif not profile.is_available_on(day):
            result.unavailable += 1
        elif reviewer.id in on_panel:
            result.on_panel += 1
        elif any(conflicts.conflict_of(reviewer, proposal) is not None for proposal in proposals):
            result.conflicted += 1
        else:
            result.candidates.append(reviewer)
    return result


# --- the draw --------------------------------------------------------------------------------------

def _count(value, field: str, low: int, high: int, label: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ExpertInputError(_("%(label)s应为 %(low)d 到 %(high)d 之间的整数。", label=label, low=low, high=high),
                               field)
    return value


def draw_experts(scenario: Scenario, actor, *, fields, size, standby) -> ExpertDraw:
    """Draw `size` experts and `standby` standbys at random from the pool for `fields`, record the seed and the
    pool, and assign the drawn experts to every proposal. Refused, naming the count, when the pool is too small."""
    require(permissions.can_draw_experts(actor, scenario))
    ensure_reviewable(scenario)
    if not reviewed_proposals(scenario):
        raise NotReady(_("该场景截止时没有有效方案，无需评审。"))
    fields = clean_fields(fields)
    size = _count(size, "size", 1, MAX_SIZE, _("抽取人数"))
    standby = _count(standby, "standby", 0, MAX_STANDBY, _("替补人数"))
    found = pool(scenario, fields)
    ids = [u.id for u in found.candidates]
    seed = draw.new_seed()
    try:
        outcome = draw.recompute(seed, ids, size, standby)
    except draw.TooFewCandidates as error:
        raise NotReady(_("符合条件的专家只有 %(found)d 位，"
                         "不足抽取 %(size)d 位及替补 %(standby)d 位所需的 %(needed)d 位。"
                         "请增加专业领域或减少人数后重新抽取。", found=error.found, size=size, standby=standby,
                         needed=error.needed)) from error
    record = ExpertDraw(scenario_id=scenario.id, method=draw.METHOD, seed=seed, fields=fields, size=size,
                        standby_count=standby, candidates=ids, drawn=list(outcome.drawn),
                        standbys=list(outcome.standbys), created_at=clock.now(), created_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "expert.draw", scenario, draw=record.id, method=record.method, seed=seed, fields=fields,
                 size=size, standby=standby, candidates=ids, drawn=record.drawn, standbys=record.standbys,
                 left_out={"no_field": found.no_field, "unavailable": found.unavailable,
                           "on_panel": found.on_panel, "conflicted": found.conflicted})
    by_id = {u.id: u for u in found.candidates}
    conflicts.assign_reviewers(scenario, actor, [by_id[i] for i in outcome.drawn])
    db.session.flush()
    return record


def verify(record: ExpertDraw) -> tuple[draw.Outcome, bool]:
    """Run the draw again from what is stored; True when it gives the recorded experts and standbys."""
    outcome = draw.recompute(record.seed, record.candidates, record.size, record.standby_count)
    return outcome, (list(outcome.drawn), list(outcome.standbys)) == (record.drawn, record.standbys)


def draws_of(scenario: Scenario) -> list[ExpertDraw]:
    return db.session.scalars(select(ExpertDraw).where(ExpertDraw.scenario_id == scenario.id)
                              .order_by(ExpertDraw.id.desc())).all()


def users_by_id(ids) -> dict[int, User]:
    ids = list(set(ids))
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def standby_order(scenario: Scenario) -> list[int]:
    """The standbys of the scenario's draws, earliest draw first, in draw order."""
    order = []
    for record in reversed(draws_of(scenario)):
        order += [i for i in record.standbys if i not in order]
    return order


# --- hand-picking ----------------------------------------------------------------------------------

def clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ExpertInputError(_("指定专家须填写理由。"), "reason")
    if len(reason) > REASON_MAX:
        raise ExpertInputError(_("指定理由不超过 %(n)d 字。", n=REASON_MAX), "reason")
    return reason


def pick_experts(scenario: Scenario, actor, reviewers, reason: str, proposals=None) -> list[Review]:
    """Assign experts chosen by hand (指定): only with a reason, which is recorded, audited and shown with the
    ranking. Conflicts are matched as at any assignment."""
    require(permissions.can_draw_experts(actor, scenario))
    reason = clean_reason(reason)
    created = conflicts.assign_reviewers(scenario, actor, reviewers, proposals)
    now = clock.now()
    for reviewer_id in dict.fromkeys(review.reviewer_id for review in created):
        db.session.add(ExpertPick(scenario_id=scenario.id, reviewer_id=reviewer_id, reason=reason, created_at=now,
                                  created_by_id=actor.id))
        audit.record(actor, "expert.pick", scenario, reviewer=reviewer_id, reason=reason,
                     proposals=[r.proposal_id for r in created if r.reviewer_id == reviewer_id])
    db.session.flush()
    return created


@dataclass(frozen=True)
class PanelMember:
    reviewer: User
    how: str  # "drawn", "standby", "picked" or "assigned" (before draws were recorded)
    reasons: tuple[str, ...] = ()
    draw_id: int | None = None


def panel(scenario: Scenario) -> list[PanelMember]:
    """Everyone who reviews or reviewed the scenario and how they came to: drawn, a standby, or picked (with
    the reasons given)."""
    reviewer_ids = list(dict.fromkeys(db.session.scalars(
        select(Review.reviewer_id).where(Review.scenario_id == scenario.id).order_by(Review.id))))
    users = users_by_id(reviewer_ids)
    picks: dict[int, list[str]] = {}
    for pick in db.session.scalars(select(ExpertPick).where(ExpertPick.scenario_id == scenario.id)
                                   .order_by(ExpertPick.id)):
        picks.setdefault(pick.reviewer_id, []).append(pick.reason)
    drawn, standby = {}, {}
    for record in reversed(draws_of(scenario)):
        drawn.update(dict.fromkeys(record.drawn, record.id))
        standby.update(dict.fromkeys(record.standbys, record.id))
    members = []
    for reviewer_id in reviewer_ids:
        user = users[reviewer_id]
        if reviewer_id in drawn:
            members.append(PanelMember(user, "drawn", draw_id=drawn[reviewer_id]))
        elif reviewer_id in picks:
            members.append(PanelMember(user, "picked", tuple(picks[reviewer_id])))
        elif reviewer_id in standby:
            members.append(PanelMember(user, "standby", draw_id=standby[reviewer_id]))
        else:
            members.append(PanelMember(user, "assigned"))
    return members
