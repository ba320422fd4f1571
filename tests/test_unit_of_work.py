"""One unit of work per request: a request that succeeded commits once, any other rolls back, and files stored
for rows that never committed are removed (portal/web/unit_of_work.py)."""

import ast
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.catalogue.models import Product
from portal.proposals.models import Attachment, Proposal
from portal.util import clock
from tests.factories import MINIMAL_PDF, form_values, proposal_fields

# What a request commits is counted as other connections see it: the commits must be real.
pytestmark = pytest.mark.real_commits

PORTAL = Path(__file__).resolve().parents[1] / "portal"
EXE = b"MZ" + b"\x00" * 100

# `.commit()` calls on things that are not the database session: a Whoosh index writer, and the sqlite3
# connections a backup copies pages through.
NOT_A_SESSION = {("search/whoosh_backend.py", "writer"), ("backup/database.py", "copy"), ("backup/database.py", "live")}


def _commit_sites(source: str) -> list[tuple[int, str]]:
    """Every `<x>.commit` in the source (called or not, so an alias cannot hide one), with its receiver."""
    return sorted((node.lineno, ast.unparse(node.value)) for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Attribute) and node.attr == "commit")


def _may_commit(relative: str) -> bool:
    return relative == "web/unit_of_work.py" or relative == "cli.py" or relative.endswith("/cli.py")


def test_only_the_unit_of_work_and_cli_commands_commit():
    offending = []
    for path in sorted(PORTAL.rglob("*.py")):
        relative = path.relative_to(PORTAL).as_posix()
        if _may_commit(relative):
            continue
        for line, receiver in _commit_sites(path.read_text(encoding="utf-8")):
            if (relative, receiver) not in NOT_A_SESSION:
                offending.append(f"portal/{relative}:{line}: {receiver}.commit")
    assert offending == [], "commit through portal/web/unit_of_work.py instead:\n" + "\n".join(offending)


def test_the_commit_rule_sees_every_spelling():
    source = "db.session.commit()\nsave = session.commit\nself.session.commit()\nSession(engine).commit()\n"
    assert [line for line, _receiver in _commit_sites(source)] == [1, 2, 3, 4]


# --- requests ------------------------------------------------------------------------------------------

@pytest.fixture
def folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


@pytest.fixture
def commits(db):
    """The number of outermost commits of any session while the test runs."""
    counted = []

    def count(session):
        if not session.in_nested_transaction():
            counted.append(session)

    event.listen(Session, "after_commit", count)
    yield counted
    event.remove(Session, "after_commit", count)


def fresh_count(db, model, *where) -> int:
    """Rows as another connection sees them: only what was committed."""
    db.session.rollback()  # the test's own session holds SQLite's write lock outside a request
    with Session(db.engine) as fresh:
        return fresh.scalar(select(func.count()).select_from(model).where(*where))


class ProductApplication:
    """An enterprise applies for a catalogue listing with an image and a brochure."""

    operation, model, typed = "portal.catalogue.operations.apply_product", Product, "紫外电晕成像检测仪"

    def __init__(self, client, login_as, create_user, create_scenario):
        login_as(create_user(Role.ENTERPRISE))
        self.client, self.url = client, "/my/products/new"

    def post(self, brochure=MINIMAL_PDF):
        from tests.catalogue.conftest import PNG

        values = form_values(self.client.get(self.url).get_data(as_text=True))
        values.update(name=self.typed, model="UV-C1", product_type="equipment", sector="special_imaging",
                      level="provincial", year="2023", description="利用日盲紫外成像发现电晕放电。",
                      image=(io.BytesIO(PNG), "检测仪.png"), brochure=(io.BytesIO(brochure), "产品手册.pdf"))
        return self.client.post(self.url, data=values, content_type="multipart/form-data")


class ProposalDraft:
    """An enterprise saves its proposal's working copy with two attachments."""

    operation, model, typed = "portal.proposals.operations.save_draft", Attachment, "道路病害识别的草稿标题"

    def __init__(self, client, login_as, create_user, create_scenario):
        scenario = create_scenario(state="published", deadline=clock.now() + timedelta(days=3))
        login_as(create_user(Role.ENTERPRISE))
        self.client, self.url = client, f"/scenarios/{scenario.id}/proposal"

    def post(self, brochure=MINIMAL_PDF):
        data = {k: str(v) for k, v in proposal_fields(title=self.typed).items()}
        data["save"] = "1"
        data["attachments"] = [(io.BytesIO(MINIMAL_PDF), "技术方案.pdf"), (io.BytesIO(brochure), "附件二.pdf")]
        return self.client.post(self.url, data=data, content_type="multipart/form-data")


@pytest.fixture(params=[ProductApplication, ProposalDraft], ids=["product", "proposal"])
def channel(request, client, login_as, create_user, create_scenario, folder, search_index):
    return request.param(client, login_as, create_user, create_scenario)


@pytest.fixture
def search_index(app, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.config["SYNONYMS_FILE"] = str(tmp_path / "synonyms.txt")


def test_a_post_that_succeeds_commits_its_rows_and_keeps_its_files(db, channel, folder):
    response = channel.post()
    assert response.status_code == 302
    assert fresh_count(db, channel.model) >= 1
    assert len(stored_files(folder)) == 2


def test_a_refusal_after_a_file_was_stored_commits_nothing_and_keeps_the_typed_text(db, channel, folder, commits):
    page = channel.post(brochure=EXE)  # the first file is stored before the second is refused
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "可执行程序" in text and channel.typed in text
    assert fresh_count(db, channel.model) == 0
    assert stored_files(folder) == []
    assert commits == []


def test_an_exception_after_the_files_were_stored_rolls_back_and_leaves_no_file(db, channel, folder, monkeypatch):
    module, name = channel.operation.rsplit(".", 1)
    operation = getattr(__import__(module, fromlist=[name]), name)

    def fails_after_writing(*args, **kwargs):
        operation(*args, **kwargs)  # rows written and flushed, files stored
        raise RuntimeError("the server fell over")

    monkeypatch.setattr(channel.operation, fails_after_writing)
    response = channel.post()
    assert response.status_code == 500
    assert fresh_count(db, channel.model) == 0
    assert stored_files(folder) == []


def test_a_commit_that_fails_answers_with_an_error_page_and_leaves_no_file(db, channel, folder):
    def refuse_commit(session):
        if not session.in_nested_transaction():
            raise RuntimeError("the database went away at commit")

    event.listen(Session, "before_commit", refuse_commit)
    try:
        response = channel.post()
    finally:
        event.remove(Session, "before_commit", refuse_commit)
    assert response.status_code == 500 and "服务器出现问题" in response.get_data(as_text=True)
    assert "Location" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY", "the error page went through the other hooks too"
    assert fresh_count(db, channel.model) == 0
    assert stored_files(folder) == []


PAGES = [(None, "/"), (None, "/products"), (None, "/scenarios"), (Role.ENTERPRISE, "/my/products/"),
         (Role.ENTERPRISE, "/notifications/"), (Role.GOVERNMENT, "/review/products/"), (Role.ADMIN, "/admin/audit")]


@pytest.mark.parametrize(("role", "url"), PAGES)
def test_a_page_that_writes_nothing_does_not_commit(client, login_as, create_user, commits, role, url):
    if role is not None:
        login_as(create_user(role))
    commits.clear()
    assert client.get(url).status_code == 200
    assert commits == []


REFUSED = [(Role.ENTERPRISE, "get", "/admin/", 403), (Role.REVIEWER, "post", "/my/products/new", 403),
           (Role.ENTERPRISE, "get", "/reviewing/", 403), (Role.GOVERNMENT, "get", "/products/999999", 404),
           (Role.ENTERPRISE, "post", "/proposals/999999/withdraw", 404)]


@pytest.mark.parametrize(("role", "method", "url", "status"), REFUSED)
def test_a_request_that_aborts_commits_nothing(client, login_as, create_user, commits, role, method, url, status):
    login_as(create_user(role))
    commits.clear()
    assert getattr(client, method)(url).status_code == status
    assert commits == []


@pytest.mark.parametrize(("status", "committed"), [(200, True), (302, True), (304, True), (400, False), (409, False),
                                                  (422, False), (500, False)])
def test_an_answer_a_view_makes_itself_commits_only_below_400(app, db, create_user, commits, status, committed):
    user = create_user(Role.ENTERPRISE)
    commits.clear()
    with app.test_request_context("/", method="POST"):
        user.name = "改过的名字"
        response = app.process_response(app.make_response(("", status)))
    assert response.status_code == status
    assert (fresh_count(db, type(user), type(user).name == "改过的名字") == 1) is committed
    assert len(commits) == int(committed)


def test_a_read_recorded_before_a_404_is_not_committed(db, client, login_as, create_scenario, submit_proposal,
                                                       create_user, stored_file, folder, commits):
    from tests.reviews.helpers import closed_scenario, department_of

    bidder = create_user(Role.ENTERPRISE)
    scenario, (version,) = closed_scenario(create_scenario, submit_proposal, [bidder],
                                           files_for=lambda _bidder: [stored_file()])
    attachment = version.attachments[0]
    login_as(department_of(scenario))
    download = client.get(f"/attachments/{attachment.id}")
    download.close()
    assert download.status_code == 200
    read = AuditRecord.action == "proposal.read"
    assert fresh_count(db, AuditRecord, read) == 1  # the download commits its read record

    (folder / attachment.stored_name).unlink()  # the file is gone: nothing is read, so nothing is recorded
    commits.clear()
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert fresh_count(db, AuditRecord, read) == 1 and commits == []


def test_a_page_that_fails_to_render_after_writing_is_an_error_not_a_success(
        db, client, login_as, create_scenario, submit_proposal, create_user, monkeypatch, commits):
    from sqlalchemy.exc import OperationalError

    from tests.reviews.helpers import closed_scenario, department_of

    scenario, _versions = closed_scenario(create_scenario, submit_proposal, [create_user(Role.ENTERPRISE)])
    login_as(department_of(scenario))

    def database_gone(_user):
        raise OperationalError("SELECT count(*) FROM notifications", {}, Exception("server closed the connection"))

    monkeypatch.setattr("portal.notifications.operations.unread_count", database_gone)
    commits.clear()
    page = client.get(f"/manage/scenarios/{scenario.id}/proposals")  # records a read, then renders the navbar
    assert page.status_code == 500
    assert fresh_count(db, AuditRecord, AuditRecord.action == "proposal.read") == 0 and commits == []


def test_a_refused_submission_keeps_the_draft_it_saved_first(db, client, login_as, create_user, create_scenario,
                                                              folder):
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(days=3))
    login_as(create_user(Role.ENTERPRISE))
    data = {k: str(v) for k, v in proposal_fields(team="").items()}  # the team is required to submit
    data.update(submit="1", declaration="y", attachments=[(io.BytesIO(MINIMAL_PDF), "技术方案.pdf")])
    page = client.post(f"/scenarios/{scenario.id}/proposal", data=data, content_type="multipart/form-data")
    assert page.status_code == 200 and "草稿已保存，但尚未提交" in page.get_data(as_text=True)
    assert fresh_count(db, Proposal, Proposal.submitted_at.is_(None)) == 1
    assert fresh_count(db, Attachment) == 1 and len(stored_files(folder)) == 1


# --- staged files outside requests ---------------------------------------------------------------------

def test_a_stored_file_goes_with_a_rollback_and_stays_once_committed(db, stored_file, folder, create_user):
    kept = stored_file()
    create_user(Role.ENTERPRISE)  # commits
    stored_file()
    db.session.rollback()
    assert stored_files(folder) == [kept.stored_name]
    stored_file()
    db.session.close()  # a session closed with its transaction open rolls it back
    assert stored_files(folder) == [kept.stored_name]


def test_releasing_a_savepoint_does_not_make_a_file_the_rows(db, stored_file, folder):
    stored = stored_file()
    with db.session.begin_nested():
        pass
    assert stored_files(folder) == [stored.stored_name]
    db.session.rollback()
    assert stored_files(folder) == []
