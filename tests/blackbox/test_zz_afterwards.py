"""After every other probe (this file runs last): the server logged no error, and the audit log it wrote
verifies, while every way of tampering with a copy of it is found by `flask audit-verify`."""

import sqlite3
import subprocess
import sys
from email import message_from_bytes, policy

import pytest

from tests.browser.live_portal import BIN, ROOT


def copy_database(portal, tmp_path):
    source = sqlite3.connect(portal.live.instance_path / "portal.sqlite")
    target_path = tmp_path / "copy.sqlite"
    target = sqlite3.connect(target_path)
    source.backup(target)
    source.close()
    target.close()
    return {**portal.env, "DATABASE_URL": f"sqlite:///{target_path}"}


def verify(env):
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", "audit-verify"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def anchored(portal):
    """The operator's daily `flask audit-anchor`, after everything the probes did."""
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "audit-anchor"], cwd=ROOT, env=portal.env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return portal


def test_the_audit_log_written_under_attack_verifies(anchored, portal, tmp_path):
    result = verify(copy_database(portal, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK")


@pytest.mark.parametrize("attack", ["edit", "edit-and-recompute", "downgrade", "truncate", "delete-one"])
def test_audit_verify_finds_every_tampering(anchored, portal, tmp_path, attack):
    env = copy_database(portal, tmp_path)
    tampered = subprocess.run([sys.executable, "-m", "tests.blackbox.tamper", attack], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert tampered.returncode == 0, tampered.stderr
    result = verify(env)
    assert result.returncode != 0, (tampered.stdout, result.stdout)


def test_no_e_mail_names_a_sealed_bid_to_anyone_but_its_bidder(portal):
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "deliver-mail"], cwd=ROOT, env=portal.env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in sorted((portal.live.instance_path / "outbox").glob("*.eml"))]
    assert mails, "no e-mail was written"
    bidder = portal.email("bidder")
    for mail in mails:
        if bidder in mail["To"]:
            continue
        text = "".join(part.get_content() for part in mail.walk() if part.get_content_type().startswith("text/"))
        text += str(mail["Subject"])
        assert portal.world["mark_ascii"] not in text and portal.world["mark"] not in text, (mail["To"], text[:300])


def test_once_departments_must_use_a_second_factor_enrolment_cannot_be_skipped(portal):
    admin = portal.user("admin")
    saved = admin.submit("/admin/two-factor", {"government": "y"})
    assert saved.status_code == 302, saved.status_code
    browser, response = portal.password_step(portal.email("other_dept"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/enrol")
    for page in ("/manage/", "/manage/dashboard", f"/manage/batches/{portal.world['batch']}", "/account",
                 "/notifications/", "/account/two-factor/setup"):
        answer = browser.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login"), page
    assert browser.post("/login/enrol", data={"code": "000000",
                                              "csrf_token": browser.token("/login/enrol")}).status_code in (200, 429)
    assert browser.get("/manage/").status_code == 302


def test_the_server_logged_no_error_during_the_probes(portal):
    log = portal.log()
    assert "Traceback" not in log, log[log.index("Traceback") - 2000:][:6000]
    answered = [line for line in log.splitlines() if line.startswith(("GET ", "POST "))]
    assert answered, "no access log lines"
    errors = [line for line in answered if line.rsplit(" ", 1)[-1].startswith("5")]
    assert not errors, errors[:20]
