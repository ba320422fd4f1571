"""可能匹配的能力 and 可对接的场景: which approved capabilities fit an open scenario, which open scenarios a
capability fits, and why — both ways by the same `score`.

`score` is pure: the same profiles always give the same points and reasons. The words in common come from
search (`portal.search.related`, the same analysis and thesaurus as every search); the rest is compared here.
"""

from dataclasses import dataclass, field

# What each kind of agreement is worth. Words count up to WORD_CAP so a long text cannot drown the rest.
WORD_POINTS, WORD_CAP = 2, 5
FIELD_POINTS, SECTOR_POINTS, DISTRICT_POINTS = 4, 2, 1
# A fit needs more than a shared district or sector alone.
MINIMUM = 4
# An enterprise is alerted of a new scenario only for a close fit: the same 技术领域 and words in common, or
# many words in common (a field alone, or a sector with a district and a word, is shown but not pushed).
ALERT_MINIMUM = 8


@dataclass(frozen=True)
class Profile:
    sector: str
    field: str | None
    districts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Fit:
    points: int
    words: tuple[str, ...] = ()
    same_field: bool = False
    same_sector: bool = False
    districts: tuple[str, ...] = field(default_factory=tuple)


def score(scenario: Profile, capability: Profile, common_words=()) -> Fit | None:
    """How well a capability fits a scenario: words in common, the same 技术领域, the same 领域, a district the
    capability serves. None when it is not a fit (below MINIMUM)."""
    words = tuple(dict.fromkeys(w for w in common_words if w))
    same_field = bool(scenario.field) and scenario.field == capability.field
    same_sector = scenario.sector == capability.sector
    districts = tuple(sorted(scenario.districts & capability.districts))
    points = (WORD_POINTS * min(len(words), WORD_CAP) + FIELD_POINTS * same_field + SECTOR_POINTS * same_sector
              + DISTRICT_POINTS * bool(districts))
    if points < MINIMUM:
        return None
    return Fit(points, words, same_field, same_sector, districts)


def rank(scenario: Profile, candidates, limit: int = 5) -> list:
    """(item, Fit) of the best fits, best first; `candidates` are (item, Profile, common words, tie-breaker)."""
    return best(((item, score(scenario, profile, words), order) for item, profile, words, order in candidates),
                limit)


def rank_scenarios(capability: Profile, candidates, limit: int = 5) -> list:
    """(scenario, Fit) of the scenarios a capability fits best, best first; `candidates` are (item, scenario
    Profile, common words, tie-breaker). The same score as `rank`, read from the capability's side."""
    return best(((item, score(profile, capability, words), order) for item, profile, words, order in candidates),
                limit)


def best(scored, limit: int) -> list:
    """(item, Fit) of the fits among (item, Fit | None, tie-breaker), most points first, then the tie-breaker."""
    fits = [(-fit.points, order, item, fit) for item, fit, order in scored if fit is not None]
    fits.sort(key=lambda row: (row[0], row[1]))
    return [(item, fit) for _points, _order, item, fit in fits[:limit]]


def scenario_profile(scenario) -> Profile:
    """A scenario's 领域, district and the 技术领域 its words fit best (portal/catalogue/classify.py)."""
    from portal.catalogue.classify import classify
    from portal.util.text import html_to_text

    found = classify(scenario.title, "", html_to_text(scenario.requirements_html),
                     html_to_text(scenario.description_html), sector=scenario.sector)
    return Profile(scenario.sector, found.category, frozenset({scenario.district} if scenario.district else ()))


def capability_profile(capability) -> Profile:
    return Profile(capability.sector, capability.field, frozenset(capability.districts))


def scenario_text(scenario) -> str:
    from portal.util.text import html_to_text

    # The title twice: it is the densest statement of the need.
    return "\n".join((scenario.title, scenario.title, html_to_text(scenario.description_html),
                      html_to_text(scenario.requirements_html)))


def capability_text(capability) -> str:
    return "\n".join((capability.title, capability.title, capability.summary, capability.cases))


def matching_capabilities(scenario, limit: int = 5) -> list:
    """The approved capabilities that best fit an open scenario, each with its Fit (the reasons shown)."""
    from sqlalchemy import select

    from portal import search
    from portal.capabilities.models import Capability, CapabilityState
    from portal.capabilities.queries import approved_in_order
    from portal.capabilities.search_documents import CAPABILITY
    from portal.extensions import db

    if not scenario.is_open:
        return []
    profile = scenario_profile(scenario)
    related = dict(search.related(CAPABILITY, scenario_text(scenario), limit * 4))
    ids = list(related)
    if profile.field:
        same_field = select(Capability.id).where(Capability.state == CapabilityState.APPROVED,
                                                 Capability.field == profile.field)
        ids += [i for i in db.session.scalars(same_field.order_by(Capability.approved_at.desc()).limit(limit * 4))
                if i not in related]
    candidates = [(c, capability_profile(c), related.get(c.id, ()), order)
                  for order, c in enumerate(approved_in_order(ids))]
    return rank(profile, candidates, limit)


def matching_scenarios(capability, limit: int = 5) -> list:
    """The open scenarios an approved capability fits best, each with its Fit: the scenarios whose text shares
    the capability's key terms, and the newest open ones of its 领域 (where the same 技术领域 may be found)."""
    from portal import search
    from portal.catalogue.queries import public_scenarios_by_ids
    from portal.extensions import db
    from portal.scenarios.models import Scenario
    from portal.scenarios.queries import public_scenarios_query

    if not capability.is_public:
        return []
    scenarios: dict = {}

    def all_still_open(found) -> bool:
        scenarios.update(public_scenarios_by_ids([sid for sid, _why in found]))
        return all(sid in scenarios and scenarios[sid].is_open for sid, _why in found)

    related = dict(search.related("scenario", capability_text(capability), limit * 4, {"open": True},
                                  keep_while=all_still_open))
    scenarios.update(public_scenarios_by_ids([i for i in related if i not in scenarios]))
    same_sector = public_scenarios_query().where(Scenario.sector == capability.sector, Scenario.is_open_clause())
    for scenario in db.session.scalars(same_sector.limit(limit * 4)).unique():
        scenarios.setdefault(scenario.id, scenario)
    ordered = [*(i for i in related if i in scenarios), *(i for i in scenarios if i not in related)]
    candidates = [(scenarios[i], scenario_profile(scenarios[i]), related.get(i, ()), order)
                  for order, i in enumerate(ordered) if scenarios[i].is_open]
    return rank_scenarios(capability_profile(capability), candidates, limit)
