"""Read-side queries of the project pages, the showcase, its feed and the dashboard's counts."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.projects.models import SHOWCASED, AcceptanceExpert, Project
from portal.scenarios.models import Scenario
from portal.web.paging import Page


def department_projects(department_id: int) -> list[Project]:
    return db.session.scalars(select(Project).where(Project.department_id == department_id)
                              .order_by(Project.id.desc())).all()


def enterprise_projects(organization_id: int) -> list[Project]:
    return db.session.scalars(select(Project).where(Project.organization_id == organization_id)
                              .order_by(Project.id.desc())).all()


def expert_invitations(user) -> list[AcceptanceExpert]:
    return db.session.scalars(select(AcceptanceExpert).where(AcceptanceExpert.reviewer_id == user.id)
                              .order_by(AcceptanceExpert.id.desc())).all()


def _showcase_ids():
    return (select(Project.id).where(Project.state.in_(SHOWCASED))
            .order_by(Project.result_at.desc(), Project.id.desc()))


def showcased_in_order(ids: list[int]) -> list[Project]:
    if not ids:
        return []
    rows = {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(ids),
                                                                      Project.state.in_(SHOWCASED)))}
    return [rows[i] for i in ids if i in rows]


def paginate_showcase(page: int, per_page: int) -> Page:
    return Page.of_ids(_showcase_ids(), showcased_in_order, page, per_page)


def feed_cases(limit: int = 50) -> list[Project]:
    return showcased_in_order(list(db.session.scalars(_showcase_ids().limit(limit))))


def cases_by(column_name: str) -> dict[str, int]:
    """The showcased cases counted by the scenario's `sector` or `district` (for the public dashboard)."""
    column = getattr(Scenario, column_name)
    rows = db.session.execute(select(column, func.count(Project.id)).join(Scenario, Scenario.id == Project.scenario_id)
                              .where(Project.state.in_(SHOWCASED)).group_by(column)).all()
    return {key: count for key, count in rows if key}


def showcase_total() -> int:
    return db.session.scalar(select(func.count(Project.id)).where(Project.state.in_(SHOWCASED))) or 0



def published_projects(scenario) -> list[Project]:
    """The projects of a scenario whose 验收 result is published (for the scenario's public page)."""
    if not scenario.is_final:
        return []
    return db.session.scalars(select(Project).where(Project.scenario_id == scenario.id,
                                                    Project.result_at.is_not(None)).order_by(Project.id)).all()
