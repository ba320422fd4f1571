"""Follow operations; like every operation they add to the caller's transaction and never commit."""

from flask_babel import gettext as _
from sqlalchemy import delete, select

from portal import audit, permissions
from portal.accounts.models import User
from portal.errors import NotReady, PermissionDenied
from portal.extensions import db
from portal.follows.models import SectorFollow
from portal.notifications.operations import link_to, notify
from portal.reference import SECTORS, sector_label
from portal.util import clock
from portal.web.templating import localtime


def followed_sectors(organization_id: int) -> list[str]:
    """The sector codes the organization follows, in the order of the reference list."""
    codes = set(db.session.scalars(select(SectorFollow.sector)
                                   .where(SectorFollow.organization_id == organization_id)))
    return [code for code in SECTORS if code in codes]


def set_followed_sectors(actor, sectors) -> list[str]:
    """Make the actor's organization follow exactly `sectors`; return the codes now followed."""
    if not permissions.can_follow_sectors(actor):
        raise PermissionDenied(_("您无权执行该操作。"))
    wanted = set(sectors or ())
    unknown = wanted - set(SECTORS)
    if unknown:
        raise NotReady(_("未知的领域：%(codes)s。", codes="、".join(sorted(unknown))))
    org_id = actor.organization_id
    before = set(followed_sectors(org_id))
    removed, added = before - wanted, wanted - before
    if removed:
        db.session.execute(delete(SectorFollow).where(SectorFollow.organization_id == org_id,
                                                      SectorFollow.sector.in_(removed)))
    now = clock.now()
    db.session.add_all(SectorFollow(organization_id=org_id, sector=code, created_at=now) for code in sorted(added))
    if added or removed:
        audit.record(actor, "follows.update", actor.organization, added=sorted(added), removed=sorted(removed))
    db.session.flush()
    return [code for code in SECTORS if code in wanted]


def notify_followers(scenario) -> int:
    """Tell every active user of each organization following the scenario's sector that it was published.

    Each (scenario, user) pair is told once; returns how many messages were added.
    """
    users = db.session.scalars(
        select(User).join(SectorFollow, SectorFollow.organization_id == User.organization_id)
        .where(SectorFollow.sector == scenario.sector, User.active.is_(True))
        .order_by(User.id)).unique().all()
    if not users:
        return 0
    link = link_to("scenarios.show_scenario", scenario_id=scenario.id)
    added = 0
    for user in users:
        message = notify(
            user, "new_scenario", _("新场景：%(title)s", title=scenario.title),
            _("贵单位关注的领域“%(sector)s”发布了新的应用场景“%(title)s”，揭榜截止时间为 %(deadline)s（北京时间）。",
              sector=sector_label(scenario.sector), title=scenario.title, deadline=localtime(scenario.deadline)),
            link=link, dedupe_key=f"new-scenario:{scenario.id}:{user.id}")
        added += message is not None
    return added
