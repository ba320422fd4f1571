"""Factory fixtures: each returns a callable that builds objects through the domain operations."""

import email
import email.policy
import itertools
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from werkzeug.security import generate_password_hash

from portal.accounts.models import Organization, OrgKind, Role, User, Verification
from portal.scenarios import operations as scenario_ops
from portal.util import clock
from portal.util.uscc import make_uscc

PASSWORD = "Test#pass2025"
_HASH = generate_password_hash(PASSWORD)  # scrypt is slow on purpose; hash once per run
_seq = itertools.count(1)


def valid_uscc(n: int) -> str:
    return make_uscc(f"91330106{n:09d}")


def org_factory(db):
    """The maker behind `create_org`, for builders outside a test (a module's shared world)."""

    def make(kind=OrgKind.ENTERPRISE, name=None, verified=True, **fields):
        n = next(_seq)
        org = Organization(
            name=name or f"测试单位{n}",
            kind=kind,
            uscc=valid_uscc(n) if kind == OrgKind.ENTERPRISE else None,
            district="滨江区",
            verification=Verification.VERIFIED if verified else Verification.PENDING,
            created_at=clock.now(),
            **fields,
        )
        db.session.add(org)
        db.session.flush()
        return org

    return make


@pytest.fixture
def create_org(db):
    return org_factory(db)


def user_factory(db, create_org):
    kinds = {Role.ENTERPRISE: OrgKind.ENTERPRISE, Role.GOVERNMENT: OrgKind.GOVERNMENT,
             Role.REVIEWER: OrgKind.INSTITUTION, Role.ADMIN: OrgKind.INSTITUTION}

    def make(role=Role.ENTERPRISE, org=None, verified=True, active=True, email=None):
        role = Role(role)
        org = org or create_org(kind=kinds[role], verified=verified)
        n = next(_seq)
        user = User(email=email or f"user{n}@example.cn", name=f"用户{n}", role=role, organization=org,
                    password_hash=_HASH, active=active, created_at=clock.now())
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_user(db, create_org):
    return user_factory(db, create_org)


def batch_factory(db, create_user):
    def make(department_user=None, title=None, proposal_cap=99):
        """A draft batch; its cap is set high (99) so that worlds built for other rules are not refused by it."""
        owner = department_user or create_user(Role.GOVERNMENT)
        batch = scenario_ops.create_batch(owner, title=title or f"2026年第{next(_seq)}批场景机会清单",
                                          summary="批次说明", proposal_cap=proposal_cap)
        db.session.commit()
        return batch

    return make


@pytest.fixture
def create_batch(db, create_user):
    return batch_factory(db, create_user)


def scenario_fields(**overrides):
    fields = {
        "title": "城市道路病害智能巡检",
        "sector": "industrial_vision",
        "district": "西湖区",
        "description": "道路巡检依靠人工，效率低。",
        "requirements": "1. 识别准确率不低于95%\n2. 支持车载部署",
        "budget": 120,
        "deadline": clock.now() + timedelta(days=10),
        "contact_name": "王工",
        "contact_phone": "0571-87654321",
        "contact_email": None,
    }
    fields.update(overrides)
    return fields


def scenario_factory(db, create_batch):
    def make(batch=None, state="draft", **overrides):
        batch = batch or create_batch()
        owner = _owner_of(batch)
        scenario = scenario_ops.create_scenario(batch, owner, **scenario_fields(**overrides))
        if state in ("published", "closed"):
            if batch.is_published:
                scenario_ops.publish_scenario(scenario, owner)
            else:
                scenario_ops.publish_batch(batch, owner)
        if state == "closed":
            scenario.deadline = clock.now() - timedelta(minutes=1)
            scenario_ops.close_if_due(scenario)
        if state == "cancelled":
            scenario_ops.cancel_scenario(scenario, owner, "需求调整")
        db.session.commit()
        return scenario

    return make


@pytest.fixture
def create_scenario(db, create_batch):
    """Build a scenario in the given state: draft, published, closed or cancelled."""
    return scenario_factory(db, create_batch)


def _owner_of(batch):
    from sqlalchemy import select

    from portal.extensions import db

    return db.session.scalar(select(User).where(User.organization_id == batch.department_id,
                                                User.role == Role.GOVERNMENT))


@pytest.fixture
def login_as(client):
    """Sign a user in on the test client (the login form itself is tested separately)."""

    def login(user):
        with client.session_transaction() as session:
            session["_user_id"] = start_test_session(user)
            session["_fresh"] = True
        return user

    return login


def start_test_session(user, remember=False) -> str:
    """A server-side sign-in for `user` (as the login form makes, without its audit record), committed;
    returns the token its cookies carry."""
    import secrets

    from portal.accounts.models import UserSession
    from portal.accounts.session import token_digest
    from portal.extensions import db

    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(UserSession(id=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
                               remember=remember))
    db.session.commit()
    return token


def sign_in(client, email, password=PASSWORD, next_url=None, **fields):
    """Submit the login form as a person would; returns the response."""
    url = "/login" if next_url is None else f"/login?{urlencode({'next': next_url})}"
    return client.post(url, data={"email": email, "password": password, **fields})


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            else:
                self.values[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in self.values or "selected" in attrs:
                self.values[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # A browser drops the newline that WTForms puts right after <textarea>.
            text = self.values[self._textarea]
            self.values[self._textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    """What a browser would submit from the page's form controls, by field name."""
    reader = _FormReader()
    reader.feed(html)
    return reader.values


# --- Proposals -------------------------------------------------------------------------------------

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


def proposal_fields(**overrides):
    fields = {
        "title": "基于深度学习的道路病害识别方案",
        "summary": "车载采集加边缘识别，三个月完成试点。",
        "approach": "采用多光谱相机与轻量化模型。\n\n识别准确率 96%。",
        "plan_months": 6,
        "price": "98.50",
        "team": "项目负责人张工，团队 12 人。",
        "cases": "西湖区道路巡检试点。",
    }
    fields.update(overrides)
    return fields


def submit_proposal_factory(db):
    """The maker behind `submit_proposal`, for builders outside a test (a module's shared world)."""
    from portal.proposals import operations

    def make(scenario, user, declaration=True, files=(), **overrides):
        proposal = operations.open_proposal(scenario, user)
        operations.save_draft(proposal, user, proposal_fields(**overrides), list(files))
        submission = operations.submit_proposal(proposal, user, declaration=declaration)
        db.session.commit()
        return submission.version

    return make


@pytest.fixture
def submit_proposal(db):
    """Submit a proposal through the domain operations (with optional attachment bytes)."""
    return submit_proposal_factory(db)


def stored_file_factory():
    """The maker behind `stored_file`, for builders outside a test (a module's shared world)."""
    import io

    from werkzeug.datastructures import FileStorage

    from portal.uploads.storage import accept_upload

    def make(data=MINIMAL_PDF, name="方案.pdf"):
        return accept_upload(FileStorage(stream=io.BytesIO(data), filename=name))

    return make


@pytest.fixture
def stored_file(app):
    """Store bytes through the upload checks and return the CheckedFile."""
    return stored_file_factory()


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    """A fresh outbox folder per test (the app is shared by the whole run): e-mail is written there as .eml."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "https://portal.example.cn")
    return tmp_path / "outbox"


def read_eml(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def deliver():
    """Send what waits to be sent, as the worker would on its next tick."""
    from portal.notifications.mail import deliver_pending

    return deliver_pending(limit=10_000)


def mails(outbox):
    """Every message in the outbox folder once pending mail has been delivered, oldest first."""
    deliver()
    return [read_eml(path) for path in sorted(outbox.glob("*.eml"))]
