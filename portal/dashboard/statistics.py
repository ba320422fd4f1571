"""Aggregate queries behind the dashboards: one GROUP BY query per figure, whatever the amount of data.

A `Scope` says which scenarios a set of figures counts. Proposal counts have a scope of their own, because
a bid is sealed until the deadline: the public only ever counts proposals of scenarios whose deadline has
passed, a department also those of its own open scenarios (it sees that count already), the platform all.
Statuses are derived by server time through `Scenario.status_clause`, exactly as the scenario pages do.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select, true

from portal.accounts.models import Organization
from portal.announcements.models import Decision
from portal.catalogue.models import Product, ProductState
from portal.dashboard.portable import days_between, local_month
from portal.extensions import db
from portal.proposals.models import Proposal, ProposalState
from portal.scenarios.models import Scenario, ScenarioState
from portal.scenarios.queries import public_scenarios_query
from portal.util import clock


@dataclass(frozen=True)
class Scope:
    scenarios: ColumnElement[bool]
    proposals: ColumnElement[bool]


def _public_scenarios() -> ColumnElement[bool]:
    # The same rule as the public scenario list: ever published, in a published batch.
    ids = public_scenarios_query().with_only_columns(Scenario.id).order_by(None).correlate(None)
    return Scenario.id.in_(ids)


def public_scope() -> Scope:
    """What anyone may count: public scenarios, and bids only where they are unsealed (the deadline has passed
    and the scenario was not cancelled before it: Scenario.bids_unsealed_clause)."""
    public = _public_scenarios()
    return Scope(scenarios=public, proposals=and_(public, Scenario.bids_unsealed_clause()))


def department_scope(department_id: int) -> Scope:
    """A department's own scenarios, drafts included, and the bid count of each it has published (which its
    submissions page already shows it, sealed or not)."""
    own = Scenario.department_id == department_id
    return Scope(scenarios=own, proposals=and_(own, Scenario.published_at.is_not(None)))


def platform_scope() -> Scope:
    """Every scenario of the platform, and bid counts (numbers only) of every published one, for its operators."""
    return Scope(scenarios=true(), proposals=Scenario.published_at.is_not(None))


def _counts(stmt) -> dict:
    return dict(db.session.execute(stmt).all())


def scenarios_by(scope: Scope, column) -> dict[str, int]:
    """Scenarios per value of `column` (Scenario.sector, Scenario.district)."""
    return _counts(select(column, func.count()).where(scope.scenarios).group_by(column))


def scenarios_by_month(scope: Scope, since: datetime) -> dict[str, int]:
    """Scenarios published per month ('YYYY-MM', Hangzhou time) from `since` on."""
    month = local_month(Scenario.published_at).label("month")
    return _counts(select(month, func.count()).where(scope.scenarios, Scenario.published_at >= since)
                   .group_by(month))


def derived_status():
    """The scenario's status by server time, as `Scenario.status` computes it for one row."""
    return case(*[(Scenario.status_clause(state), state.value) for state in ScenarioState],
                else_=Scenario.state)


def status_counts(scope: Scope) -> dict[ScenarioState, int]:
    status = derived_status().label("status")
    rows = db.session.execute(select(status, func.count()).where(scope.scenarios).group_by(status))
    return {ScenarioState(value): count for value, count in rows.all()}


@dataclass(frozen=True)
class ProposalHistogram:
    scenarios_with: dict[int, int]  # number of proposals (the last key means "this many or more") → scenarios
    scenarios: int
    proposals: int


def proposal_histogram(scope: Scope, cap: int = 5) -> ProposalHistogram:
    """How many scenarios received 0, 1, … `cap` or more submitted proposals."""
    per_scenario = (select(func.count(Proposal.id).label("n")).select_from(Scenario)
                    .outerjoin(Proposal, and_(Proposal.scenario_id == Scenario.id,
                                              Proposal.state == ProposalState.SUBMITTED))
                    .where(scope.proposals).group_by(Scenario.id).subquery())
    bucket = case((per_scenario.c.n >= cap, cap), else_=per_scenario.c.n).label("bucket")
    rows = db.session.execute(select(bucket, func.count(), func.sum(per_scenario.c.n)).group_by(bucket)).all()
    return ProposalHistogram(scenarios_with={int(b): n for b, n, _total in rows},
                             scenarios=sum(n for _b, n, _total in rows),
                             proposals=sum(int(total or 0) for _b, _n, total in rows))


def proposals_per_scenario(scope: Scope, limit: int = 20) -> list[tuple[int, str, int]]:
    """(id, title, submitted proposals) of the most recently published scenarios in scope."""
    stmt = (select(Scenario.id, Scenario.title, func.count(Proposal.id)).select_from(Scenario)
            .outerjoin(Proposal, and_(Proposal.scenario_id == Scenario.id,
                                      Proposal.state == ProposalState.SUBMITTED))
            .where(scope.proposals, Scenario.published_at.is_not(None))
            .group_by(Scenario.id, Scenario.title, Scenario.published_at)
            .order_by(Scenario.published_at.desc(), Scenario.id.desc()).limit(limit))
    return [(sid, title, n) for sid, title, n in db.session.execute(stmt).all()]


@dataclass(frozen=True)
class Durations:
    in_bucket: dict[int, int]  # bucket index (per `bounds`, the last one open-ended) → scenarios
    count: int
    total_days: float

    @property
    def mean_days(self) -> float | None:
        return self.total_days / self.count if self.count else None


def time_to_result(scope: Scope, bounds: tuple[int, ...]) -> Durations:
    """Days from publication to the start of the result's 公示, bucketed by the upper `bounds`."""
    days = days_between(Scenario.published_at, Decision.starts_at)
    bucket = case(*[(days <= bound, index) for index, bound in enumerate(bounds)], else_=len(bounds)).label("bucket")
    # A 公示 is public from its start (permissions.can_view_announcement), so only started ones count.
    stmt = (select(bucket, func.count(), func.sum(days)).select_from(Scenario)
            .join(Scenario.decision)
            .where(scope.scenarios, Decision.announced_at.is_not(None), Decision.starts_at <= clock.now())
            .group_by(bucket))
    rows = db.session.execute(stmt).all()
    return Durations(in_bucket={int(b): n for b, n, _d in rows}, count=sum(n for _b, n, _d in rows),
                     total_days=sum(float(d or 0) for _b, _n, d in rows))


def scenarios_by_department(scope: Scope) -> list[tuple[str, int, int]]:
    """(department, scenarios, 揭榜成功) per department, most scenarios first."""
    final = func.sum(case((Scenario.status_clause(ScenarioState.FINAL), 1), else_=0))
    stmt = (select(Organization.name, func.count(Scenario.id), final)
            .join(Organization, Organization.id == Scenario.department_id)
            .where(scope.scenarios).group_by(Organization.id, Organization.name)
            .order_by(func.count(Scenario.id).desc(), Organization.name))
    return [(name, count, int(final or 0)) for name, count, final in db.session.execute(stmt).all()]


def public_products_by(column) -> dict:
    """Catalogue products per value of `column`; only approved products are public."""
    return _counts(select(column, func.count()).where(Product.state == ProductState.APPROVED).group_by(column))


def products_by_state() -> dict[ProductState, int]:
    return _counts(select(Product.state, func.count()).group_by(Product.state))
