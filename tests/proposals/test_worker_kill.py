"""A server worker killed in the middle of a submission leaves the whole submission or none of it.

The portal runs under gunicorn (one worker, re-spawned by the arbiter after each kill) on the test's
database. A gunicorn configuration written by the test holds a submission at a chosen point, only for
requests carrying the X-Test-Pause header: while the upload is still arriving, after the version and its
receipt were written but before the commit, and after the commit but before the answer. The worker is
then killed with SIGKILL, and the database and the upload folder must describe complete submissions only.
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.notifications.models import Notification
from portal.proposals.models import Attachment, Proposal, ProposalVersion, ReceiptCounter
from portal.proposals.receipts import version_digest
from portal.util import clock
from tests.factories import MINIMAL_PDF, PASSWORD, proposal_fields
from tests.served import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

HOOKS = '''
import os
import time
from pathlib import Path

MARKS = Path(os.environ["KILL_TEST_MARKS"])


def _mark(point):
    (MARKS / point).write_text(str(os.getpid()))


def pre_request(worker, req):
    for name, value in req.headers:
        if name.upper() == "X-TEST-PAUSE" and value == "upload":
            _mark("upload")  # the body is still arriving: the view has not read the form yet


def post_worker_init(worker):
    from flask import request

    from portal.extensions import db
    from portal.proposals import operations
    from portal.web import unit_of_work
    from wsgi import app

    submit = operations.submit_proposal

    def held_submit(*args, **kwargs):
        result = submit(*args, **kwargs)
        if request.headers.get("X-Test-Pause") == "before-commit":
            db.session.flush()
            _mark("before-commit")
            time.sleep(60)
        return result

    def held_answer():
        # Runs once the request's unit of work has committed, before the answer is sent.
        if request.headers.get("X-Test-Pause") == "after-commit":
            _mark("after-commit")
            time.sleep(60)

    operations.submit_proposal = held_submit
    unit_of_work.after_commit(app, held_answer)
'''



class GunicornPortal:
    def __init__(self, base: str, process: subprocess.Popen, marks: Path, log: Path, uploads: Path):
        self.base, self.process, self.marks, self.log, self.uploads = base, process, marks, log, uploads

    def serving(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.base + "/", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    def wait_for_mark(self, point: str, timeout: float = 15) -> int:
        path = self.marks / point
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and path.read_text():
                return int(path.read_text())
            time.sleep(0.02)
        raise AssertionError(f"the submission never reached {point}:\n{self.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def gunicorn_portal(database_url, tmp_path_factory):
    """The portal under gunicorn with the holding hooks, on the tests' database; skipped where it cannot start."""
    if not GUNICORN.exists() or not hasattr(os, "fork"):
        pytest.skip("gunicorn is not installed in this environment (or the platform has no fork)")
    tmp_path = tmp_path_factory.mktemp("worker-kill")
    instance, marks = tmp_path / "instance", tmp_path / "marks"
    marks.mkdir()
    hooks = tmp_path / "hooks.py"
    hooks.write_text(HOOKS)
    env = {k: v for k, v in os.environ.items() if k not in ("UPLOAD_FOLDER", "SEARCH_INDEX_DIR", "PORTAL_ENV")}
    env.update(PORTAL_INSTANCE_PATH=str(instance), DATABASE_URL=database_url, SECRET_KEY="kill-" + uuid.uuid4().hex,
               KILL_TEST_MARKS=str(marks), PYTHONUNBUFFERED="1")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(GUNICORN), "--no-control-socket", "-w", "1", "-c", str(hooks),
                                    "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    server = GunicornPortal(f"http://127.0.0.1:{port}", process, marks, log, instance / "uploads")
    try:
        if not server.serving(30):
            pytest.skip(f"gunicorn could not start here:\n{log.read_text(errors='replace')[-2000:]}")
        yield server
    finally:
        stop(process, timeout=10)
        shutil.rmtree(instance, ignore_errors=True)


def _signed_in(server: GunicornPortal, email: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(server.base + "/login", timeout=10).text).group(1)
    answer = session.post(server.base + "/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    return session


def _submission(session: requests.Session, url: str, pause: str) -> tuple[dict, bytes]:
    """The proposal form as the browser would post it (multipart, with a PDF), and its headers."""
    token = CSRF.search(session.get(url, timeout=10).text).group(1)
    fields = {k: str(v) for k, v in proposal_fields().items()}
    fields.update(csrf_token=token, declaration="y", submit="1")
    pdf = MINIMAL_PDF + b"%" + b"x" * 200_000 + b"\n"
    files = {"attachments": ("技术方案.pdf", pdf, "application/pdf")}
    prepared = requests.Request("POST", url, data=fields, files=files, cookies=session.cookies).prepare()
    headers = dict(prepared.headers, **{"X-Test-Pause": pause})
    return headers, prepared.body


def _send_raw(server: GunicornPortal, url: str, headers: dict, body: bytes, stop_after: int | None) -> socket.socket:
    """Send the request over a raw socket; with `stop_after`, only that many bytes of the body."""
    path = url.removeprefix(server.base)
    host, port = server.base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    sock.sendall(head.encode("latin-1"))
    sock.sendall(body if stop_after is None else body[:stop_after])
    return sock


def _kill(server: GunicornPortal, pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    assert server.serving(15), "gunicorn did not replace the killed worker"


def _assert_only_whole_submissions(db, upload_folder: Path) -> None:
    """Every stored version is complete: its receipt recomputes, its files exist with their digests; every
    receipt number handed out belongs to a version, and each version was audited and notified once."""
    db.session.rollback()
    versions = db.session.scalars(select(ProposalVersion)).all()
    for version in versions:
        assert version_digest(version) == version.digest
        for attachment in version.attachments:
            stored = (upload_folder / attachment.stored_name).read_bytes()
            assert hashlib.sha256(stored).hexdigest() == attachment.sha256
    for attachment in db.session.scalars(select(Attachment)):
        assert (upload_folder / attachment.stored_name).is_file(), "an attachment row names a missing file"
    issued = db.session.scalar(select(func.coalesce(func.sum(ReceiptCounter.last_seq), 0)))
    assert issued == len(versions), "a receipt number was taken without a stored version"
    audited = db.session.scalar(select(func.count()).select_from(AuditRecord)
                                .where(AuditRecord.action == "proposal.submit"))
    notified = db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "receipt_issued"))
    assert audited == len(versions) and notified == len(versions)


@pytest.mark.parametrize(("pause", "complete"), [("upload", False), ("before-commit", False),
                                                  ("after-commit", True)])
@pytest.mark.real_commits  # the portal is served by gunicorn
def test_worker_killed_mid_submission_leaves_all_or_nothing(db, gunicorn_portal, create_user, create_scenario,
                                                             pause, complete):
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(days=1))
    bidder = create_user(Role.ENTERPRISE)
    db.session.commit()
    session = _signed_in(gunicorn_portal, bidder.email)
    url = f"{gunicorn_portal.base}/scenarios/{scenario.id}/proposal"
    headers, body = _submission(session, url, pause)

    sock = _send_raw(gunicorn_portal, url, headers, body, stop_after=len(body) // 2 if pause == "upload" else None)
    try:
        pid = gunicorn_portal.wait_for_mark(pause)
        if pause == "upload":
            time.sleep(0.2)  # the worker is now waiting for the rest of the body
        _kill(gunicorn_portal, pid)
    finally:
        sock.close()

    upload_folder = gunicorn_portal.uploads
    _assert_only_whole_submissions(db, upload_folder)
    proposal = db.session.scalar(select(Proposal).where(Proposal.organization_id == bidder.organization_id))
    versions = proposal.versions if proposal else []
    if complete:
        assert len(versions) == 1 and [a.display_name for a in versions[0].attachments] == ["技术方案.pdf"]
    else:
        assert versions == []
    # The interrupted request's file never hangs on a row: a re-sent submission goes through whole.
    again = session.post(url, data=_form_fields(session, url),
                         files={"attachments": ("技术方案.pdf", MINIMAL_PDF, "application/pdf")},
                         allow_redirects=False, timeout=30)
    assert again.status_code == 302 and "/receipts/JB-" in again.headers["Location"]
    _assert_only_whole_submissions(db, upload_folder)


def _form_fields(session: requests.Session, url: str) -> dict:
    token = CSRF.search(session.get(url, timeout=10).text).group(1)
    fields = {k: str(v) for k, v in proposal_fields(summary="重新提交。").items()}
    fields.update(csrf_token=token, declaration="y", submit="1")
    return fields
