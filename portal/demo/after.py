"""The demo's second list and what follows 揭榜成功: capabilities (场景能力清单), 对接 meetings and projects.

Replayed like the rest of the demo (portal/demo/__init__.py): each event runs a domain operation at its moment,
so states, timestamps, notifications and the audit log are those of real use. The data is in data/capabilities.toml,
data/meetings.toml and data/projects.toml.
"""

from datetime import datetime

from sqlalchemy import select

from portal.capabilities import operations as capabilities
from portal.capabilities.models import Capability
from portal.catalogue.models import Product
from portal.demo.replay import day_at, scenario_titled
from portal.demo.specs import DemoData, MeetingSpec, ProjectSpec
from portal.extensions import db
from portal.meetings import operations as meetings
from portal.projects import operations as projects
from portal.projects.models import Project
from portal.util import clock


def schedule(data: DemoData, base: datetime, at, made: dict) -> None:
    """Add the events of capabilities, meetings and projects to the demo's timeline."""
    _schedule_capabilities(data, base, at, made)
    for spec in data.meetings:
        _schedule_meeting(spec, data, base, at, made)
    for spec in data.projects:
        _schedule_project(spec, data, base, at, made)


def _department_of(data: DemoData, title: str) -> str:
    return next(spec.department for spec in data.lists if any(scene.title == title for scene in spec.scenes))


def _own(model, organization_id: int, column, names) -> list[int]:
    """The ids of the organization's rows named `names`, in that order; a name not found is a mistake in the data."""
    rows = dict(
        db.session.execute(
            select(column, model.id).where(model.organization_id == organization_id, column.in_(names))
        ).all()
    )
    missing = [name for name in names if name not in rows]
    if missing:
        raise RuntimeError(f"demo data names what its enterprise does not have: {missing}")
    return [rows[name] for name in names]


def _schedule_capabilities(data: DemoData, base: datetime, at, made: dict) -> None:
    firms = {firm.email: firm for firm in data.enterprises}
    written: dict[str, Capability] = {}
    for spec in data.capabilities:

        def write(spec=spec) -> None:
            firm, user = firms[spec.owner], made[spec.owner]
            capability = capabilities.create_capability(
                user,
                title=spec.title,
                sector=spec.sector,
                field=spec.field,
                maturity=spec.maturity,
                summary=spec.summary,
                cases=spec.cases,
                districts=list(spec.districts),
                product_ids=_own(Product, user.organization_id, Product.name, spec.products),
                contact_name=firm.contact,
                contact_phone=firm.phone,
                contact_email=firm.email,
            )
            written[spec.title] = capabilities.submit_capability(capability, user)

        at(day_at(base, -spec.created, 15), write)
        if spec.outcome == "approved":
            at(
                day_at(base, -spec.decided, 10),
                lambda s=spec: capabilities.approve_capability(written[s.title], made[s.reviewer]),
            )
        elif spec.outcome == "returned":
            at(
                day_at(base, -spec.decided, 10),
                lambda s=spec: capabilities.return_capability(written[s.title], made[s.reviewer], s.reason),
            )


def _schedule_meeting(spec: MeetingSpec, data: DemoData, base: datetime, at, made: dict) -> None:
    department = _department_of(data, spec.scenario)
    # A department asks the enterprise it names; an enterprise asks the scenario's department.
    other = spec.with_ if spec.by == department else department
    day, hour = spec.starts
    kept = {}

    def request() -> None:
        enterprise = {"enterprise_id": made[spec.with_].organization_id} if spec.with_ else {}
        kept["meeting"] = meetings.request_meeting(
            scenario_titled(spec.scenario),
            made[spec.by],
            starts_at=day_at(base, day, hour),
            place=spec.place,
            online_link=spec.online_link,
            attendees=spec.attendees,
            agenda=spec.agenda,
            **enterprise,
        )

    at(day_at(base, -spec.requested, 10), request)
    if spec.accepted is not None:
        at(day_at(base, -spec.accepted, 11), lambda: meetings.accept_meeting(kept["meeting"], made[other]))
    if spec.outcome is not None:
        at(
            day_at(base, day, 18),
            lambda: meetings.record_outcome(kept["meeting"], made[department], spec.outcome, spec.notes),
        )


def _schedule_project(spec: ProjectSpec, data: DemoData, base: datetime, at, made: dict) -> None:
    department_key = _department_of(data, spec.scenario)

    def department():
        return made[department_key]

    def project() -> Project:
        return db.session.scalars(select(Project).where(Project.scenario_id == scenario_titled(spec.scenario).id)).one()

    def winner():
        organization_id = project().organization_id
        return next(
            made[f.email]
            for f in data.enterprises
            if f.email in made and made[f.email].organization_id == organization_id
        )

    def milestone(title: str):
        return next(m for m in project().milestones if m.title == title)

    def open_project() -> None:
        opened = projects.open_projects(department_id=department().organization_id)
        if not any(p.title == spec.scenario for p in opened):
            # Demo content is fixed: a result not yet final here is a mistake in the data's days.
            raise RuntimeError(f"demo project of {spec.scenario!r} not opened: its result is not final yet")

    def plan() -> None:
        draft = projects.draft_plan(project(), department())
        for m in spec.milestones:
            projects.add_milestone(
                draft,
                department(),
                title=m.title,
                deliverables=m.deliverables,
                due_on=clock.to_local(day_at(base, -m.due, 12)).date(),
            )
        projects.propose_plan(draft, department())

    at(day_at(base, -spec.opened, 9), open_project)
    at(day_at(base, -spec.planned, 15), plan)
    at(day_at(base, -spec.agreed, 10), lambda: projects.agree_plan(project().open_plan, winner()))
    for m in spec.milestones:
        if m.reported is not None:
            at(
                day_at(base, -m.reported, 16),
                lambda m=m: projects.file_report(
                    project(), winner(), text=m.report, milestone_id=milestone(m.title).id
                ),
            )
        if m.marked is not None:
            at(
                day_at(base, -m.marked, 10),
                lambda m=m: projects.mark_milestone(milestone(m.title), department(), m.outcome, m.note),
            )
    for report in spec.reports:
        at(day_at(base, -report.days, 16), lambda r=report: projects.file_report(project(), winner(), text=r.text))
    if spec.acceptance is not None:
        _schedule_acceptance(spec, base, at, made, project, department, winner)


def _schedule_acceptance(spec: ProjectSpec, base: datetime, at, made: dict, project, department, winner) -> None:
    acceptance = spec.acceptance
    at(day_at(base, -acceptance.opened, 9), lambda: projects.open_acceptance(project(), department()))
    for i, expert in enumerate(acceptance.experts):
        at(
            day_at(base, -acceptance.opened, 10, 10 * i),
            lambda e=expert: projects.invite_expert(project(), department(), made[e.email].id),
        )

        def give(e=expert) -> None:
            invited = next(x for x in project().round_experts if x.reviewer_id == made[e.email].id)
            projects.give_opinion(invited, made[e.email], verdict=e.verdict, opinion=e.opinion)

        at(day_at(base, -acceptance.opinions, 14 + i), give)
    at(
        day_at(base, -acceptance.result, 10),
        lambda: projects.record_result(project(), department(), verdict=acceptance.verdict, reason=acceptance.reason),
    )
    case = spec.case
    if case is not None:

        def write_case() -> None:
            user = winner()
            projects.update_case(
                project(),
                user,
                summary=case.summary,
                results=case.results,
                product_ids=_own(Product, user.organization_id, Product.name, case.products),
                capability_ids=_own(Capability, user.organization_id, Capability.title, case.capabilities),
            )

        at(day_at(base, -case.days, 15), write_case)
