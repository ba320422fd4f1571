"""The demo data of `flask seed-demo`: loaded through the operations, realistic, and loaded only once."""

import dataclasses
import hashlib
import re
import tomllib
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatch
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

from portal import demo
from portal.accounts import models as account_models
from portal.accounts import two_factor
from portal.accounts.models import Organization, OrgKind, Role, User, Verification
from portal.audit import AuditRecord
from portal.catalogue.models import Level, Product, ProductState, ProductType
from portal.demo import specs
from portal.follows.operations import followed_sectors
from portal.notifications.models import Notification
from portal.proposals.models import Proposal, ProposalState
from portal.reference import DISTRICTS, SECTORS
from portal.scenarios import queries
from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState
from portal.util import clock
from portal.util.uscc import is_valid_uscc
from tests.factories import sign_in

S = ScenarioState
_hashes: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _hash_demo_password_once(monkeypatch):
    # Seeding hashes the shared demo password for two dozen accounts; scrypt makes that seconds per test.
    real = account_models.generate_password_hash

    def once(password, *args, **kwargs):
        if password not in _hashes:
            _hashes[password] = real(password, *args, **kwargs)
        return _hashes[password]

    monkeypatch.setattr(account_models, "generate_password_hash", once)


@pytest.fixture
def seeded(module_data):
    """What `flask seed-demo` printed; seeded once for the tests of this module (tests/conftest.py MODULE_DATA)."""
    return module_data["seeded"]


def public_scenarios(db):
    return db.session.scalars(queries.public_scenarios_query()).unique().all()


def row_counts(db) -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Organization, User, Batch, Scenario, AuditRecord)}


def test_seed_demo_prints_a_summary_and_the_accounts(db, seeded):
    assert seeded.startswith("demo: ")
    assert "admin@demo.hz.cn" in seeded and "jxj@demo.hz.cn" in seeded and demo.PASSWORD in seeded
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles[Role.ADMIN] == 1
    assert roles[Role.GOVERNMENT] >= 4
    assert roles[Role.ENTERPRISE] >= 8
    assert roles[Role.REVIEWER] >= 6
    # Every account in the database is listed, one line each, under a header; the TOTP secrets follow.
    table = demo.accounts_table().split("\n\n")[0]
    assert len(table.splitlines()) == 1 + sum(roles.values())


def test_accounts_table_is_empty_without_demo_accounts(app):
    assert demo.accounts_table() == ""


def test_seed_demo_if_empty_loads_nothing_the_second_time(app, db, seeded):
    before = row_counts(db)

    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert row_counts(db) == before


def test_public_scenarios_cover_every_sector_and_many_districts(db, seeded):
    scenarios = public_scenarios(db)
    assert len(scenarios) >= 30
    assert {s.sector for s in scenarios} == set(SECTORS)
    assert len({s.district for s in scenarios}) >= 8
    assert {s.district for s in scenarios} <= set(DISTRICTS)
    assert len(queries.published_batches()) >= 3


def test_scenarios_are_complete(db, seeded):
    for s in public_scenarios(db):
        assert s.title and s.contact_name and s.contact_phone.startswith("0571-")
        assert s.description_html.count("<p>") >= 2
        assert 4 <= s.requirements_html.count("<li>") <= 6
    budgets = [s.budget for s in public_scenarios(db)]
    assert None in budgets and any(b is not None and b > 0 for b in budgets)


def test_some_scenarios_are_open_some_closed_one_cancelled(db, seeded):
    now = clock.now()
    scenarios = public_scenarios(db)
    statuses = [s.status for s in scenarios]
    assert statuses.count(S.PUBLISHED) >= 5
    assert statuses.count(S.CLOSED) >= 5
    closing_this_week = [s for s in scenarios if s.is_open and s.deadline <= now + timedelta(days=7)]
    assert len(closing_this_week) >= 3
    assert all(s.deadline <= now + timedelta(days=60) for s in scenarios if s.is_open)
    cancelled = [s for s in scenarios if s.status == S.CANCELLED]
    assert len(cancelled) == 1 and cancelled[0].cancel_reason
    # Every scenario was open for proposals when its batch was published.
    assert all(s.deadline > s.published_at for s in scenarios)


def test_batches_were_published_over_the_past_year(db, seeded):
    now = clock.now()
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=5), "seeding must leave the clock running"
    published = queries.published_batches()
    oldest, newest = published[-1], published[0]
    assert now - timedelta(days=400) < oldest.published_at < now - timedelta(days=270)
    # Long past its deadlines: closed, one reviewed to 揭榜成功 (its project has passed 验收).
    assert {s.status for s in oldest.scenarios} == {S.CLOSED, S.FINAL}
    assert now - timedelta(days=30) < newest.published_at < now
    assert any(s.is_open for s in newest.scenarios)
    # The audit trail carries the same moments as the rows.
    publish_times = db.session.scalars(select(AuditRecord.created_at).where(AuditRecord.action == "batch.publish"))
    assert sorted(publish_times) == sorted(b.published_at for b in published)


def test_departments_find_drafts_to_work_on(db, seeded):
    draft_batches = db.session.scalars(select(Batch).where(Batch.state == BatchState.DRAFT)).all()
    assert draft_batches and all(b.scenarios for b in draft_batches)
    drafts_in_published = db.session.scalars(
        select(Scenario).join(Scenario.batch).where(Batch.state == BatchState.PUBLISHED,
                                                    Scenario.state == S.DRAFT)).all()
    assert drafts_in_published


def test_enterprises_have_valid_unique_codes_and_mixed_verification(db, seeded):
    orgs = db.session.scalars(select(Organization)).all()
    enterprises = [o for o in orgs if o.kind == OrgKind.ENTERPRISE]
    codes = [o.uscc for o in orgs if o.uscc]
    assert all(is_valid_uscc(code) for code in codes)
    assert len(codes) == len(set(codes)) == len(enterprises)
    states = [o.verification for o in enterprises]
    assert states.count(Verification.VERIFIED) > len(enterprises) / 2
    assert Verification.PENDING in states
    rejected = [o for o in enterprises if o.verification == Verification.REJECTED]
    assert len(rejected) == 1 and rejected[0].rejection_reason


def test_public_pages_render_the_demo(db, client, seeded):
    home = client.get("/")
    assert home.status_code == 200
    newest = queries.published_batches()[0]
    assert newest.title in home.text
    assert "即将截止" in home.text and "近 7 天内没有截止的场景" not in home.text

    listing = client.get("/scenarios")
    assert listing.status_code == 200
    assert public_scenarios(db)[0].title in listing.text
    for sector in SECTORS:
        assert client.get(f"/scenarios?sector={sector}").status_code == 200
    assert client.get("/batches").status_code == 200
    scenario = public_scenarios(db)[-1]
    detail = client.get(f"/scenarios/{scenario.id}")
    assert detail.status_code == 200 and "<ol>" in detail.text


def test_the_demo_admin_signs_in_with_the_printed_password_and_totp_secret(db, client, seeded):
    (secret,) = re.findall(r"admin@demo\.hz\.cn 登录时还需两步验证码（TOTP）。密钥：([A-Z2-7]{32})", seeded)
    assert f"pyotp.TOTP('{secret}').now()" in seeded

    assert sign_in(client, "admin@demo.hz.cn", demo.PASSWORD).location == "/login/verify"
    response = client.post("/login/verify", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200
    assert two_factor.is_required(db.session.scalar(select(User).where(User.email == "admin@demo.hz.cn")))


def test_demo_accounts_sign_in_with_the_printed_password(db, client, seeded):
    response = sign_in(client, "sjj@demo.hz.cn", demo.PASSWORD)
    assert response.status_code == 302

    dashboard = client.get("/manage/")

    draft = db.session.scalar(select(Batch).where(Batch.state == BatchState.DRAFT))
    assert dashboard.status_code == 200 and draft.title in dashboard.text


# --- Catalogue, proposals and follows ------------------------------------------------------------

@pytest.fixture
def own_index(app, tmp_path):
    """A search index of this test's own, built from the seeded database on first use."""
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")


def approved_products(db):
    return db.session.scalars(select(Product).where(Product.state == ProductState.APPROVED)).unique().all()


def test_catalogue_is_varied_and_partly_owned_by_demo_accounts(db, seeded):
    products = approved_products(db)
    assert len(products) >= 35
    assert {p.product_type for p in products} == set(ProductType)
    assert {p.sector for p in products} == set(SECTORS)
    assert {p.level for p in products} == set(Level)
    assert len({p.year for p in products}) >= 5 and len({p.district for p in products}) >= 8
    demo_orgs = {u.organization_id for u in db.session.scalars(select(User).where(User.role == Role.ENTERPRISE))}
    owned = [p for p in products if p.organization_id in demo_orgs]
    assert len(owned) >= 15
    # Some came from official lists, some were applied for by an enterprise and approved by a department.
    assert {p.source for p in products} == {"import", "application"}
    assert all(p.approved_at for p in products)
    pending = db.session.scalars(select(Product).where(Product.state == ProductState.PENDING)).all()
    assert len(pending) == 1 and pending[0].organization_id in demo_orgs
    # Listed companies without an account are verified enterprises that their staff can claim by registering.
    listed = [o for o in db.session.scalars(select(Organization).where(Organization.kind == OrgKind.ENTERPRISE))
              if not o.users]
    assert listed and all(o.is_verified and is_valid_uscc(o.uscc) for o in listed)


@pytest.mark.parametrize("words", ["红外", "热像仪", "红外热像仪"])
def test_searching_infrared_finds_thermal_cameras(db, client, seeded, own_index, words):
    page = client.get("/search", query_string={"q": words})

    assert page.status_code == 200
    shown = page.text.replace("<mark>", "").replace("</mark>", "")
    assert "非制冷红外热像仪" in shown and "在线式红外测温热像仪" in shown


def test_open_power_line_scenario_lists_related_infrared_products(db, client, seeded, own_index):
    scenario = db.session.scalars(select(Scenario).where(Scenario.title.contains("输电线路"))).one()
    assert scenario.is_open and scenario.sector == "special_imaging"

    page = client.get(f"/scenarios/{scenario.id}")

    assert page.status_code == 200
    assert "相关产品" in page.text
    assert "电力巡检无人机红外双光吊舱" in page.text and "输电线路缺陷智能识别软件" in page.text


def test_bids_were_sealed_in_time_and_an_open_scenario_has_a_draft(db, client, seeded):
    submitted = db.session.scalars(select(Proposal).where(Proposal.state == ProposalState.SUBMITTED)).all()
    by_scenario: dict[Scenario, list[Proposal]] = {}
    for proposal in submitted:
        by_scenario.setdefault(proposal.scenario, []).append(proposal)
    assert len(by_scenario) >= 2
    for scenario, proposals in by_scenario.items():
        assert not scenario.is_open and len(proposals) >= 2
        assert all(p.submitted_at < scenario.deadline and p.latest_version.receipt_no for p in proposals)
    drafts = db.session.scalars(select(Proposal).where(Proposal.state == ProposalState.DRAFT)).all()
    assert len(drafts) == 1 and drafts[0].scenario.is_open and drafts[0].version_count == 0

    sign_in(client, "binjiang@demo.hz.cn", demo.PASSWORD)
    scenario, proposals = next((s, p) for s, p in by_scenario.items() if s.department.name == "滨江区人民政府")
    listing = client.get(f"/manage/scenarios/{scenario.id}/proposals")
    assert listing.status_code == 200
    assert all(p.organization.name in listing.text for p in proposals)


def test_reviews_show_each_stage_from_scoring_to_a_final_result(db, client, seeded):
    by_title = {s.title: s for s in db.session.scalars(select(Scenario))}
    assert by_title["物联网小镇园区安防视频智能巡检"].status == S.FINAL
    assert by_title["机关无纸化智能会议与公文辅助"].status == S.ANNOUNCED
    assert by_title["研发楼宇能耗与外墙渗漏无人机红外巡检"].status == S.UNDER_REVIEW

    results = client.get("/results")
    assert "物联网小镇园区安防视频智能巡检" in results.text and "揭榜成功" in results.text

    sign_in(client, "reviewer1@demo.hz.cn", demo.PASSWORD)
    assert "研发楼宇能耗与外墙渗漏无人机红外巡检" in client.get("/reviewing/").text


def test_followers_heard_of_scenarios_published_in_their_sectors(db, seeded):
    enterprise = db.session.scalar(select(User).where(User.email == "enterprise7@demo.hz.cn"))
    assert followed_sectors(enterprise.organization_id) == ["special_imaging"]
    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == enterprise.id,
                                                                 Notification.kind == "new_scenario")).all()
    assert "新场景：输电线路无人机红外巡检与缺陷智能识别" in titles
    assert all(t.startswith("新场景：") for t in titles)


def test_demo_reviewers_have_conflict_profiles_and_one_conflict_fires(db, client, seeded):
    from portal.reviews import conflicts
    from portal.reviews.models import Review, ReviewState

    reviewers = db.session.scalars(select(User).where(User.role == Role.REVIEWER)).all()
    assert all(conflicts.get_profile(r).employer_name == r.organization.name for r in reviewers)
    assert sum(bool(conflicts.get_profile(r).entries) for r in reviewers) >= 5
    (excluded,) = db.session.scalars(select(Review).where(Review.state == ReviewState.EXCLUDED)).all()
    assert excluded.reviewer.email == "reviewer4@demo.hz.cn"
    assert excluded.proposal.organization.name == "杭州热域红外技术有限公司"
    assert "热域红外技术（杭州）有限责任公司" in excluded.conflict_reason
    sign_in(client, next(u.email for u in excluded.scenario.batch.department.users), demo.PASSWORD)
    page = client.get(f"/manage/scenarios/{excluded.scenario_id}/review").text
    assert "自动回避" in page and "热域红外技术（杭州）有限责任公司" in page


# --- The data files ---------------------------------------------------------------------------------

def _canonical(value):
    """Data as plain nested tuples, whatever shape (dataclass, named tuple, dict) holds it."""
    if dataclasses.is_dataclass(value):
        return tuple(_canonical(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return tuple((key, _canonical(v)) for key, v in value.items())
    if isinstance(value, tuple | list):
        return tuple(_canonical(v) for v in value)
    return value


# Digests of the data as it stood in portal/demo.py before it moved to portal/demo/data/*.toml: the move
# changed no value and no order. A deliberate change to the demo data updates the digest of that part.
DATA_DIGESTS = {
    "DEPARTMENTS": "9d77ad4b2f0b7726ba2e238a6323a612cba6e88d07b255f0659b8080b4c691fa",
    "REVIEWERS": "1e382fed2b9c3a6ae2f8831ecedef603358137522f18ef14053f0daf46bd64d5",  # reason: 专家库 fields, four more
    "ENTERPRISES": "b4363abfe356fc5f50caea085e5029abd6b59c457fdab3c9aa66cefe52d372f7",  # reason: no upload
    "LISTS": "9295d1ed75050db3a1af8c789df177595a9087deb3e5a3e9c19214ed554af17f",
    "COMPANIES": "b2f8c2ce359056ccc4cc73550eb9436aa37dc5448897109285d055c72335d85b",
    "PRODUCTS": "8afcf95a3e99da57362f1546c5f1dd66f7dd7e1eeb8a1b7a9db5e298e039fade",
    # reason: two older scenarios bid for and reviewed to 揭榜成功, for the demo's projects
    "BIDS": "827996fd8068848766e8a977926c72adea67abfdcf4f1bf3727d3c5bcb4d16e5",
    "REVIEW_PLANS": "627075544ec57649628f3eb47afba578d330566ac920fda39f8bd163da997e52",
    "FOLLOWS": "711b3ffd634038452fac6d24074ba4f79cabdc9c342c9392d52ddcce0924de75",
    "CAPABILITIES": "97e4fe19ca0af86530f1fc89fea7b4dbffd75c69fddc3ce5a5999d0bab51ce44",
    "MEETINGS": "abf3a693cc2ecfc8d25073c85b11e8c7e1db6c950b0f3df13e57f8c3ca124ba7",
    "PROJECTS": "f59f71785d0480d2624752cfe8bba273eaea6e8203f7bd29592726f3d1ade6c2",
}


@pytest.mark.parametrize("name", DATA_DIGESTS)
def test_data_files_hold_the_demo_data_unchanged(name):
    loaded = repr(_canonical(getattr(demo, name))).encode()

    assert hashlib.sha256(loaded).hexdigest() == DATA_DIGESTS[name]


def test_demo_rejection_reasons_name_nothing_registration_does_not_ask_for():
    # Registration takes no uploads: a reason asking about an uploaded 营业执照 would point at nothing.
    reasons = [e.reason for e in demo.ENTERPRISES if getattr(e, "reason", None)]
    assert reasons
    for reason in reasons:
        assert not re.search("上传|营业执照|附件", reason), reason


def test_loaded_data_is_frozen_tuples_all_the_way_down():
    for spec in demo.LISTS:
        hash(spec.scenes)  # a list left in anywhere would make this unhashable
        assert all(isinstance(scene.description, tuple) for scene in spec.scenes)
    assert isinstance(demo.REVIEW_PLANS[0].scores[demo.REVIEWERS[0].email][0], tuple)


def test_references_between_the_data_files_resolve():
    emails = set(demo.demo_emails())
    departments = {d.key for d in demo.DEPARTMENTS}
    scenes = {scene.title for spec in demo.LISTS for scene in spec.scenes}
    assert {spec.department for spec in demo.LISTS} <= departments
    assert {b.scenario for b in demo.BIDS} | {d.scenario for d in demo.DRAFTS} <= scenes
    assert {b.bidder for b in demo.BIDS} | {d.bidder for d in demo.DRAFTS} <= emails
    assert {item.owner for item in demo.PRODUCTS} <= emails | set(demo.COMPANIES)
    for plan in demo.REVIEW_PLANS:
        bids = [b for b in demo.BIDS if b.scenario == plan.scenario]
        assert set(plan.scores) <= set(plan.reviewers) <= emails
        assert all(len(rows) == len(bids) and all(len(row) == 4 for row in rows) for rows in plan.scores.values())
    assert {c.owner for c in demo.CAPABILITIES} <= emails
    assert {c.reviewer for c in demo.CAPABILITIES if c.reviewer} <= departments | {"admin"}
    assert {m.scenario for m in demo.MEETINGS} | {p.scenario for p in demo.PROJECTS} <= scenes
    assert {m.by for m in demo.MEETINGS} | {m.with_ for m in demo.MEETINGS if m.with_} <= emails | departments
    # A project follows a result that reached 揭榜成功 (reviewed and decided) long enough before it was opened.
    decided = {plan.scenario for plan in demo.REVIEW_PLANS if plan.decided is not None}
    assert {p.scenario for p in demo.PROJECTS} <= decided
    assert all(e.email in emails for p in demo.PROJECTS if p.acceptance for e in p.acceptance.experts)


def test_a_misspelt_key_in_a_data_file_is_refused(monkeypatch):
    real = specs._read

    def misspelt(name):
        data = real(name)
        if name == "lists.toml":
            data["list"][0]["publish"] = data["list"][0].pop("published")
        return data

    monkeypatch.setattr(specs, "_read", misspelt)
    with pytest.raises(ValueError, match="publish"):
        specs.load()


def test_every_data_file_of_the_package_is_installed_with_it():
    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["portal"]
    package = root / "portal"
    data_files = [path.relative_to(package).as_posix() for path in package.rglob("*")
                  if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts]

    assert "demo/data/lists.toml" in data_files
    assert [f for f in data_files if not any(fnmatch(f, pattern) for pattern in patterns)] == []


# --- After 揭榜成功 and the second list -----------------------------------------------------------------

def test_capabilities_are_public_one_returned_one_waiting(db, client, seeded):
    from portal.capabilities.models import Capability, CapabilityState

    states = [c.state for c in db.session.scalars(select(Capability))]
    assert states.count(CapabilityState.APPROVED) >= 5
    assert states.count(CapabilityState.SUBMITTED) == 1
    (returned,) = db.session.scalars(select(Capability).where(Capability.state == CapabilityState.RETURNED)).all()
    assert returned.reason and returned.title not in client.get("/capabilities").text

    page = client.get("/capabilities").text
    assert "高速产线表面缺陷在线视觉检测" in page and "城市视频图像智能解析与事件闭环处置" in page
    approved = db.session.scalars(select(Capability).where(Capability.state == CapabilityState.APPROVED)).all()
    assert all(c.products for c in approved) and len({c.sector for c in approved}) >= 5


def test_meetings_were_requested_accepted_and_recorded(db, seeded):
    from portal.meetings.models import Meeting, MeetingState

    meetings = db.session.scalars(select(Meeting)).all()
    assert {m.state for m in meetings} == {MeetingState.REQUESTED, MeetingState.ACCEPTED, MeetingState.RECORDED}
    recorded = [m for m in meetings if m.state == MeetingState.RECORDED]
    assert all(m.outcome and m.notes and m.starts_at < m.recorded_at for m in recorded)
    ahead = [m for m in meetings if m.state != MeetingState.RECORDED]
    assert all(m.starts_at > clock.now() for m in ahead)


def test_showcase_shows_a_passed_project_and_another_is_in_progress(db, client, seeded):
    from portal.projects.models import MilestoneState, Project, ProjectState

    projects = {p.title: p for p in db.session.scalars(select(Project))}
    done = projects["动力锂电池极片表面缺陷在线视觉检测"]
    running = projects["基层医疗机构胸部 CT 肺结节人工智能辅助诊断"]
    assert done.state == ProjectState.PASSED and done.products and done.capabilities
    assert {m.state for m in done.milestones} == {MilestoneState.MET, MilestoneState.LATE}
    assert running.state == ProjectState.IN_PROGRESS and running.reports
    assert MilestoneState.PENDING in {m.state for m in running.milestones}

    showcase = client.get("/showcase")
    assert showcase.status_code == 200
    assert done.title in showcase.text and running.title not in showcase.text
    case = client.get(f"/showcase/{done.id}").text
    assert "验收结论" in case and "锂电池极片表面缺陷在线视觉检测系统" in case


def test_some_demo_products_have_expired_and_are_marked(db, client, seeded):
    products = approved_products(db)
    expired = [p for p in products if p.is_expired]
    assert expired and len(expired) < len(products)
    page = client.get("/products", query_string={"validity": "expired"}).text
    assert "已过有效期" in page and any(p.name in page for p in expired)


def test_demo_recognitions_keep_their_age_whenever_the_demo_is_seeded(app):
    """Seeded in a later year, every recognition moves with the calendar, so the demo never becomes a catalogue of
    expired products."""
    item = next(i for i in demo.PRODUCTS if i.via == "import")
    later = datetime(demo.DATA_YEAR + 3, 6, 1, 4, tzinfo=UTC)
    assert demo._years_since_written(later) == 3
    assert demo._years_since_written(datetime(demo.DATA_YEAR - 1, 6, 1, tzinfo=UTC)) == 0
    row = demo._product_row(item, 3)
    assert row["year"] == item.year + 3 and row["batch"].startswith(str(item.year + 3))


def test_demo_expert_pool_lets_a_department_draw_five_with_standbys(db, seeded):
    """Every demo reviewer is in the 专家库, and on a closed scenario awaiting its panel the field the draw form
    proposes finds five experts and standbys beyond them."""
    from portal.capabilities.matching import scenario_profile
    from portal.reviews import experts
    from portal.reviews.models import ExpertProfile, Review
    from portal.scenarios.models import Scenario, ScenarioState

    reviewers = db.session.scalars(select(User).where(User.role == Role.REVIEWER)).all()
    assert {p.user_id for p in db.session.scalars(select(ExpertProfile))} == {r.id for r in reviewers}
    awaiting = [s for s in db.session.scalars(select(Scenario).where(Scenario.status_clause(ScenarioState.CLOSED)))
                if not db.session.scalar(select(Review.id).where(Review.scenario_id == s.id).limit(1))]
    assert awaiting, "the demo has a closed scenario whose panel is still to be drawn"
    sizes = {s.title: len(experts.pool(s, [scenario_profile(s).field]).candidates) for s in awaiting}
    assert max(sizes.values()) >= 5 + experts.DEFAULT_STANDBY, sizes
