"""Deciding and announcing through the domain operations, for the 公示 tests and the access matrix."""

from portal.announcements import operations
from portal.extensions import db
from tests.reviews.helpers import department_of


def decided(scenario, winners, rationale="综合得分第一。"):
    decision = operations.decide(scenario, department_of(scenario), winner_ids=[p.id for p in winners],
                                 rationale=rationale)
    db.session.commit()
    return decision


def announced(scenario, **kwargs):
    decision = operations.announce(scenario, department_of(scenario), **kwargs)
    db.session.commit()
    return decision
