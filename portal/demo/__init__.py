"""Demo data for `flask seed-demo`: a year of opportunity lists on a fresh database.

The data lives in data/*.toml (read by specs.py); this module replays it as a year of events. Everything is
created through the domain operations, so states, timestamps and the audit log look like a portal that has been
in use for a year. Times are counted from the clock at seeding, so the newest list is always open and a few of
its scenarios close within the week.
"""

import html
import unicodedata
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.accounts import two_factor
from portal.accounts.models import OrgKind, Role, User
from portal.announcements import operations as announcements
from portal.catalogue import importer
from portal.catalogue import operations as catalogue
from portal.demo import after, specs
from portal.demo.replay import day_at as _at
from portal.demo.replay import scenario_titled as _scenario_titled
from portal.demo.specs import Enterprise, Item, ListSpec, Reviewer, ReviewPlan, Scene
from portal.extensions import db
from portal.follows import operations as follows
from portal.proposals import operations as proposals
from portal.reviews import conflicts, experts
from portal.reviews import operations as reviews
from portal.reviews import queries as review_queries
from portal.scenarios import operations as scenarios
from portal.util import clock
from portal.util.uscc import make_uscc

# Published on purpose: every demo account uses it.
PASSWORD = "Demo#2025hz"  # noqa: S105  # nosec B105
ADMIN_EMAIL = "admin@demo.hz.cn"
ADMIN_ORG = "幸会·杭州场景机会平台运营中心"

_DATA = specs.load()
DEPARTMENTS = _DATA.departments
REVIEWERS = _DATA.reviewers
ENTERPRISES = _DATA.enterprises
LISTS = _DATA.lists
COMPANIES = _DATA.companies
PRODUCTS = _DATA.products
BIDS = _DATA.bids
REVIEW_PLANS = _DATA.review_plans
DRAFTS = _DATA.drafts
FOLLOWS = _DATA.follows
CAPABILITIES = _DATA.capabilities
MEETINGS = _DATA.meetings
PROJECTS = _DATA.projects

_NUMERALS = "一二三四五六七八九十"


def _requirements_html(items: tuple[str, ...]) -> str:
    if not items:
        return ""
    marks = ["；"] * (len(items) - 1) + ["。"]
    return "<ol>" + "".join(f"<li>{html.escape(item)}{mark}</li>" for item, mark in zip(items, marks,
                                                                                       strict=True)) + "</ol>"


def _scenario_fields(scene: Scene, base: datetime) -> dict:
    return {
        "title": scene.title,
        "sector": scene.sector,
        "district": scene.district,
        "description": "\n\n".join(scene.description),
        "requirements": _requirements_html(scene.requirements),
        "budget": scene.budget,
        "deadline": _at(base, scene.deadline, 17) if scene.deadline is not None else None,
        "contact_name": scene.contact,
        "contact_phone": scene.phone,
    }


def _list_title(spec: ListSpec, base: datetime) -> str:
    day = spec.published if spec.published is not None else spec.created
    year = clock.to_local(_at(base, -day, 12)).year
    # The department's lists of the same year are numbered in publication order.
    earlier = [other for other in LISTS
               if other.department == spec.department and other.title == spec.title and other.published
               and spec.published and other.published > spec.published
               and clock.to_local(_at(base, -other.published, 12)).year == year]
    return spec.title.format(year=year, n=_NUMERALS[len(earlier)])


def seed() -> str:
    """Create the demo accounts, lists and scenarios in the caller's transaction; return a summary line."""
    base = clock.now()
    # Keep a clock that a caller (a test) has frozen; the demo moves it to each event's moment.
    frozen_before = clock._frozen
    events: list[tuple[datetime, int, Callable[[], None]]] = []
    made: dict[str, User] = {}  # accounts by department key, "admin" or email

    def at(moment: datetime, action: Callable[[], None]) -> None:
        events.append((moment, len(events), action))

    def create(key: str, **fields) -> None:
        made[key] = accounts.create_account(made.get("admin"), password=PASSWORD, **fields)

    at(_at(base, -420, 9), lambda: create("admin", email=ADMIN_EMAIL, role=Role.ADMIN, org_name=ADMIN_ORG,
                                          name="平台管理员"))
    # Admins must sign in with a second factor; accounts_table() prints the demo admin's TOTP secret.
    at(_at(base, -420, 9, 1), lambda: _enable_two_factor(made["admin"]))
    for i, dept in enumerate(DEPARTMENTS):
        at(_at(base, -418, 10, 5 * i), lambda d=dept: create(d.key, email=d.email, role=Role.GOVERNMENT,
                                                             org_name=d.name, name=d.person, district=d.district))
    def create_reviewer(expert: Reviewer) -> None:
        made[expert.email] = conflicts.create_reviewer(made["admin"], email=expert.email, password=PASSWORD,
                                                       name=expert.name, employer=expert.affiliation)
        if expert.fields:  # the 专家库 entry the random draw reads
            experts.save_expert_profile(made[expert.email], made["admin"], fields=expert.fields,
                                        district=expert.district, available=True, unavailable_until=None)

    def declare_interests(expert: Reviewer) -> None:
        user = made[expert.email]
        for interest in expert.interests:
            ended = interest.ended
            until = clock.to_local(_at(base, -ended, 12)).date() if ended is not None else None
            conflicts.add_entry(user, user, kind=interest.kind, org_name=interest.organisation, until=until,
                                detail=interest.detail)

    for i, expert in enumerate(REVIEWERS):
        at(_at(base, -400 + 9 * i, 14), lambda r=expert: create_reviewer(r))
        at(_at(base, -399 + 9 * i, 9), lambda r=expert: declare_interests(r))
    for firm in ENTERPRISES:
        _schedule_enterprise(firm, base, at, made)
    for spec in LISTS:
        _schedule_list(spec, base, at, made)
    _schedule_follows(base, at, made)
    _schedule_catalogue(base, at, made)
    _schedule_proposals(base, at, made)
    _schedule_reviews(base, at, made)
    after.schedule(_DATA, base, at, made)

    try:
        for moment, _order, action in sorted(events, key=lambda e: (e[0], e[1])):
            clock.set_now(moment)
            action()
    finally:
        clock.set_now(frozen_before)

    scenario_count = sum(len(spec.scenes) + len(spec.late_drafts) for spec in LISTS)
    return (f"demo: {len(DEPARTMENTS)} departments, {len(ENTERPRISES)} enterprises, {len(REVIEWERS)} reviewers, "
            f"{len(LISTS)} batches ({sum(1 for s in LISTS if s.published)} published), "
            f"{scenario_count} scenarios, {sum(1 for p in PRODUCTS if p.via != 'pending')} catalogue products, "
            f"{len(BIDS)} submitted proposals, {len(REVIEW_PLANS)} reviews, {len(CAPABILITIES)} capabilities, "
            f"{len(MEETINGS)} meetings, {len(PROJECTS)} projects")


def _schedule_enterprise(firm: Enterprise, base: datetime, at, made: dict) -> None:
    def register() -> None:
        made[firm.email] = accounts.register_enterprise(
            org_name=firm.name, uscc=make_uscc(firm.uscc_body), district=firm.district, contact_name=firm.contact,
            phone=firm.phone, email=firm.email, password=PASSWORD)

    def verify() -> None:
        accounts.verify_enterprise(made[firm.email].organization, made["admin"])

    def reject() -> None:
        accounts.reject_enterprise(made[firm.email].organization, made["admin"], firm.reason)

    at(_at(base, -firm.registered, 10, 20), register)
    if firm.outcome == "verified":
        at(_at(base, -firm.registered + 1, 15, 30), verify)
    elif firm.outcome == "rejected":
        at(_at(base, -firm.registered + 1, 16), reject)


def _schedule_list(spec: ListSpec, base: datetime, at, made: dict) -> None:
    own = {}  # this list's batch and scenarios, once the events have created them

    def owner():
        return made[spec.department]

    def create_batch() -> None:
        own["batch"] = scenarios.create_batch(owner(), title=_list_title(spec, base),
                                              summary="\n\n".join(spec.summary))
        own["scenarios"] = [scenarios.create_scenario(own["batch"], owner(), **_scenario_fields(scene, base))
                            for scene in spec.scenes]

    def publish() -> None:
        result = scenarios.publish_batch(own["batch"], owner())
        if result.skipped:
            # Demo content is fixed: a skipped scenario is a mistake in this file, not a user's draft.
            problems = {s.title: p for s, p in result.skipped.items()}
            raise RuntimeError(f"demo scenarios not ready to publish: {problems}")

    def cancel() -> None:
        scenarios.cancel_scenario(own["scenarios"][spec.cancel.scene], owner(), spec.cancel.reason)

    at(_at(base, -spec.created, 9, 30), create_batch)
    if spec.published is not None:
        at(_at(base, -spec.published, 10), publish)
    if spec.cancel is not None:
        at(_at(base, -spec.cancel.days, 14), cancel)
    for late in spec.late_drafts:
        at(_at(base, -late.days, 15), lambda s=late.scene: scenarios.create_scenario(own["batch"], owner(),
                                                                                  **_scenario_fields(s, base)))


def _schedule_follows(base: datetime, at, made: dict) -> None:
    registered = {firm.email: firm.registered for firm in ENTERPRISES}
    for email, sectors in FOLLOWS:
        at(_at(base, -registered[email] + 2, 9), lambda e=email, s=sectors: follows.set_followed_sectors(made[e], s))


# The year the demo's recognitions were written for. Seeded later, they move with the calendar, so a product keeps its
# age — and the 首台（套）validity its age gives it — whenever the demo is seeded.
DATA_YEAR = 2026


def _years_since_written(base: datetime) -> int:
    return max(0, clock.to_local(base).year - DATA_YEAR)


def _product_row(item: Item, shift: int) -> dict:
    """The item as a checked row of an official list (labels turned into codes), its year moved by `shift`."""
    firm = next((f for f in ENTERPRISES if f.email == item.owner), None)
    company = firm or COMPANIES[item.owner]
    year = item.year + shift
    values = {"name": item.name, "model": item.model, "company": company.name, "uscc": make_uscc(company.uscc_body),
              "type": item.kind, "sector": item.sector, "level": item.level, "year": str(year),
              "batch": f"{year}年{item.batch}", "district": company.district, "specs": item.specs,
              "description": item.description, "cases": item.cases}
    row, problems = importer.check_row(values)
    if problems:
        raise RuntimeError(f"demo product {item.name}: {problems}")
    return row


def _schedule_catalogue(base: datetime, at, made: dict) -> None:
    # Two official lists imported by the admin (after every verified demo enterprise has registered, so
    # their products join their accounts), and applications made by enterprises and approved by 经信局.
    shift = _years_since_written(base)
    imports = ((110, "浙江省首台（套）装备、首版次软件、首批次新材料认定名单（汇总）.xlsx",
                [i for i in PRODUCTS if i.via == "import" and i.year < 2025]),
               (30, f"{2025 + shift}年度首台（套）产品认定名单.csv",
                [i for i in PRODUCTS if i.via == "import" and i.year >= 2025]))
    for days, source, items in imports:
        at(_at(base, -days, 10, 30), lambda s=source, its=items: catalogue.import_products(
            [_product_row(i, shift) for i in its], made["admin"], source_name=s))
    registered = {firm.email: firm.registered for firm in ENTERPRISES}
    applied: dict[str, int] = {}
    for item in PRODUCTS:
        if item.via == "import":
            continue
        made_key = f"product:{item.model}"
        if item.via == "pending":
            day = 3
        else:
            applied[item.owner] = applied.get(item.owner, 0) + 1
            day = registered[item.owner] - 15 * applied[item.owner]

        def apply(item=item, made_key=made_key) -> None:
            row = _product_row(item, shift)
            fields = {k: row[k] for k in ("name", "model", "sector", "level", "year", "batch", "district", "specs",
                                          "description", "cases")}
            made[made_key] = catalogue.apply_product(made[item.owner], product_type=row["type"], **fields)

        at(_at(base, -day, 14), apply)
        if item.via == "apply":
            at(_at(base, -day + 4, 10), lambda k=made_key: catalogue.approve_product(made[k], made["jxj"]))


def _scene_titled(title: str) -> Scene:
    return next(scene for spec in LISTS for scene in (*spec.scenes, *(late.scene for late in spec.late_drafts))
                if scene.title == title)


def _schedule_proposals(base: datetime, at, made: dict) -> None:
    # Submitted before the deadline (the clock is moved there), so closed scenarios have bids to review.
    for i, sent in enumerate(BIDS):
        fields = {"title": sent.title, "summary": sent.summary, "approach": sent.approach, "plan_months": sent.months,
                  "price": sent.price, "team": sent.team, "cases": sent.cases}

        def bid(sent=sent, fields=fields) -> None:
            user = made[sent.bidder]
            proposal = proposals.open_proposal(_scenario_titled(sent.scenario), user)
            proposals.save_draft(proposal, user, fields)
            proposals.submit_proposal(proposal, user, declaration=True)

        at(_at(base, _scene_titled(sent.scenario).deadline - 3, 11, 7 * i % 60), bid)

    for started in DRAFTS:
        def draft(started=started) -> None:
            user = made[started.bidder]
            proposal = proposals.open_proposal(_scenario_titled(started.scenario), user)
            proposals.save_draft(proposal, user, {"title": started.title, "summary": started.summary,
                                                  "plan_months": started.months})

        at(_at(base, -started.days, 16), draft)


def _department_of(title: str) -> str:
    return next(spec.department for spec in LISTS if any(scene.title == title for scene in spec.scenes))


def _schedule_reviews(base: datetime, at, made: dict) -> None:
    for plan in REVIEW_PLANS:
        _schedule_review(plan, base, at, made)


def _schedule_review(plan: ReviewPlan, base: datetime, at, made: dict) -> None:
    deadline = _scene_titled(plan.scenario).deadline
    bidders = [sent.bidder for sent in BIDS if sent.scenario == plan.scenario]

    def department() -> User:
        return made[_department_of(plan.scenario)]

    def assign() -> None:
        conflicts.assign_reviewers(_scenario_titled(plan.scenario), department(),
                                   [made[email] for email in plan.reviewers])

    def score(email: str) -> None:
        scenario = _scenario_titled(plan.scenario)
        expert = made[email]
        by_bidder = {review.proposal.organization_id: review for review in review_queries.scenario_reviews(scenario)
                     if review.reviewer_id == expert.id}
        for bidder, values in zip(bidders, plan.scores[email], strict=True):
            review = by_bidder[made[bidder].organization_id]
            conflicts.declare(review, expert, conflict=False)
            reviews.save_review(review, expert, scores=[(v, "") for v in values], submit=True,
                                  opinion="方案总体可行，技术路线清晰；建议细化实施计划与验收指标。")

    def decide() -> None:
        scenario = _scenario_titled(plan.scenario)
        best = review_queries.ranking(scenario).rows[0].proposal
        announcements.decide(scenario, department(), winner_ids=[best.id],
                         rationale="综合评审得分排名第一，技术方案成熟、实施经验丰富，拟定为揭榜单位。")
        announcements.announce(_scenario_titled(plan.scenario), department())

    filed = {}

    def raise_objection() -> None:
        filed["objection"] = announcements.file_objection(_scenario_titled(plan.scenario), made[plan.objection.by],
                                                    text=plan.objection.text)

    def answer() -> None:
        announcements.answer_objection(filed["objection"], department(), plan.objection.answer, outcome="rejected")

    at(_at(base, deadline + 1, 9, 30), assign)
    for i, email in enumerate(plan.scores):
        at(_at(base, deadline + 1, 14 + i), lambda e=email: score(e))
    if plan.decided is not None:
        at(_at(base, deadline + plan.decided, 10), decide)
    if plan.objection is not None:
        at(_at(base, deadline + plan.decided + 1, 11), raise_objection)
        at(_at(base, deadline + plan.decided + 2, 10), answer)


def _enable_two_factor(user: User) -> None:
    secret = two_factor.begin_enrolment(user)
    two_factor.confirm_enrolment(user, two_factor.code_at(secret, clock.now()))


def demo_emails() -> list[str]:
    return ([ADMIN_EMAIL] + [d.email for d in DEPARTMENTS] + [r.email for r in REVIEWERS]
            + [e.email for e in ENTERPRISES])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def accounts_table() -> str:
    """An aligned table of the demo accounts present in the database ("" when there are none)."""
    emails = demo_emails()
    users = db.session.scalars(select(User).where(User.email.in_(emails))).unique().all()
    if not users:
        return ""
    position = {email: i for i, email in enumerate(emails)}
    users = sorted(users, key=lambda u: position[u.email])
    rows = [("角色", "邮箱", "密码", "单位")]
    for user in users:
        org = user.organization.name
        if user.organization.kind == OrgKind.ENTERPRISE:
            org += f"（{user.organization.verification.label}）"
        rows.append((str(user.role.label), user.email, PASSWORD, org))
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join([*(_pad(cell, w) for cell, w in zip(row[:3], widths, strict=True)), row[3]]) for row in rows]
    for user in users:
        secret = two_factor.confirmed_secret(user)
        if secret:
            lines += ["", f"{user.email} 登录时还需两步验证码（TOTP）。密钥：{secret}",
                      "  在手机验证器中添加该密钥，或运行下面的命令得到当前的 6 位验证码：",
                      f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\""]
    return "\n".join(lines)
