"""Sign-ins are rows on the server: a cookie copied before logout, sign-out-everywhere, a password change or a
deactivation opens nothing afterwards, on any node, whichever cookie (session or remember-me) was copied."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from portal import create_app
from portal.accounts import operations
from portal.accounts.models import Role, User, UserSession
from portal.accounts.session import TOUCH_INTERVAL, token_digest
from portal.audit import AuditRecord
from portal.extensions import db
from tests.factories import PASSWORD, sign_in, start_test_session

EMAIL = "liuyang@example.cn"
NEW = "Qiantang#tide2026"


@pytest.fixture
def user(create_user):
    return create_user(Role.REVIEWER, email=EMAIL)


def is_signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def copy_of(app, client, which: str):
    """Another browser (on another node, for all it matters) holding a copy of one of `client`'s cookies."""
    thief = app.test_client()
    thief.set_cookie(which, client.get_cookie(which).value)
    return thief


def signed_in_browser(app, remember=True):
    browser = app.test_client()
    assert sign_in(browser, EMAIL, remember="y" if remember else "").status_code == 302
    return browser


def actions(db):  # noqa: F811 -- the fixture of that name is the same object
    return db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()


# Every way a sign-in ends, as a browser triggers it: (name, what the signed-in browser does).
def log_out(app, client):
    client.post("/logout")


def sign_out_everywhere(app, client):
    client.post("/account/sessions/revoke")


def change_password_elsewhere(app, client):
    other = signed_in_browser(app, remember=False)
    other.post("/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW})


def deactivate(app, client):
    user = db.session.scalar(select(User).where(User.email == EMAIL))
    admin = app.test_client()
    with admin.session_transaction() as session:
        session["_user_id"] = start_test_session(db.session.scalar(select(User).where(User.role == Role.ADMIN)))
    admin.post(f"/admin/users/{user.id}/deactivate")


ENDINGS = [log_out, sign_out_everywhere, change_password_elsewhere, deactivate]


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
@pytest.mark.parametrize("ending", ENDINGS, ids=lambda f: f.__name__)
def test_a_cookie_copied_before_a_sign_in_ended_opens_nothing_after(app, create_user, user, cookie, ending):
    create_user(Role.ADMIN)
    client = signed_in_browser(app)
    copied = copy_of(app, client, cookie)
    assert is_signed_in(copied)  # the copy works as long as the sign-in does

    ending(app, client)

    assert not is_signed_in(copied)
    assert not is_signed_in(client)


def test_logging_out_ends_only_this_device(app, user):
    laptop, phone = signed_in_browser(app), signed_in_browser(app)
    copied = copy_of(app, laptop, "remember_token")

    laptop.post("/logout")

    assert not is_signed_in(copied)
    assert is_signed_in(phone)


def test_signing_out_everywhere_ends_every_device_and_is_audited(app, db, user):
    laptop, phone = signed_in_browser(app), signed_in_browser(app, remember=False)

    response = laptop.post("/account/sessions/revoke")

    assert response.status_code == 302 and response.location == "/login"
    assert "已退出所有设备上的登录（共 2 处）" in laptop.get("/login").text
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert actions(db)[-1] == "session.revoke_all"
    record = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert record.details["sessions_ended"] == 2


def test_a_password_change_keeps_this_device_and_ends_the_others(app, user):
    here, there = signed_in_browser(app, remember=False), signed_in_browser(app)
    old_cookie = here.get_cookie("session").value

    here.post("/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW})

    assert is_signed_in(here)
    assert not is_signed_in(there)
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)  # this device's own cookie from before the change
    assert not is_signed_in(replay)


def test_the_account_page_lists_the_open_sign_ins_and_offers_to_end_them(app, user):
    laptop = signed_in_browser(app)
    signed_in_browser(app, remember=False)

    page = laptop.get("/account").text

    assert page.count("当前设备") == 1
    assert "退出所有设备" in page and 'action="/account/sessions/revoke"' in page
    assert "werkzeug" in page.lower()  # the test client's user agent names the device


def test_the_table_keeps_only_a_digest_of_each_token(app, db, user):
    client = signed_in_browser(app)
    token = client.get_cookie("remember_token").value.split("|")[0]

    row = db.session.scalars(select(UserSession)).one()

    assert row.id == token_digest(token) and token not in row.id
    assert row.user_agent and row.ip == "127.0.0.1" and row.remember


def test_reading_pages_writes_nothing_until_the_last_seen_time_is_minutes_old(app, db, user, frozen_now):
    client = signed_in_browser(app)
    row_id = db.session.scalars(select(UserSession.id)).one()
    writes = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for _ in range(3):
            client.get("/account").close()
        assert writes == []
        frozen_now.travel(TOUCH_INTERVAL + timedelta(seconds=1))
        client.get("/account").close()
        client.get("/account").close()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)

    assert len(writes) == 1 and "user_sessions" in writes[0]
    db.session.expire_all()
    assert db.session.get(UserSession, row_id).last_seen_at == frozen_now.now()


def test_each_request_checks_its_session_with_one_statement(app, db, user):
    client = signed_in_browser(app)
    client.get("/notifications/").close()
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        client.get("/account/password").close()  # a page that reads nothing else
    finally:
        event.remove(db.engine, "before_cursor_execute", note)

    assert len([s for s in statements if "user_sessions" in s]) == 1
    assert all("users" in s for s in statements if "user_sessions" in s)  # joined with the user


def test_a_sign_in_ends_on_the_server_after_its_maximum_age(app, user, frozen_now):
    app.config["SESSION_MAX_AGE"] = 14 * 24 * 3600
    client = signed_in_browser(app)
    frozen_now.travel(timedelta(days=13, hours=23))
    assert is_signed_in(client)

    frozen_now.travel(timedelta(hours=2))

    assert not is_signed_in(client)


@pytest.mark.parametrize("forged", ["", "x" * 200, "not-a-token", "1:abcdef", "令牌"])
def test_a_made_up_session_id_signs_nobody_in(app, user, forged):
    signed_in_browser(app)
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = forged

    assert not is_signed_in(browser)


def test_revoked_rows_stay_for_the_record(app, db, user):
    client = signed_in_browser(app)

    client.post("/logout")

    row = db.session.scalars(select(UserSession)).one()
    assert row.revoked_at is not None and row.revoked_reason == "logout"
    assert actions(db)[-2:] == ["login", "logout"]


def test_revoke_sessions_can_keep_one(db, user):
    kept = operations.start_session(user, remember=False)
    operations.start_session(user, remember=True)
    db.session.commit()

    assert operations.revoke_sessions(user, reason="test", keep=kept) == 1

    open_ids = db.session.scalars(select(UserSession.id).where(UserSession.revoked_at.is_(None))).all()
    assert open_ids == [kept.id]
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 2


@pytest.mark.real_commits  # the other node has an engine of its own
def test_a_sign_out_on_one_node_holds_on_another(app, tmp_path, user):
    # Another web node: its own app object and memory, the same database and secret key.
    other_node = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SERVER_NAME": "localhost",
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "SECRET_KEY": app.config["SECRET_KEY"], "WTF_CSRF_ENABLED": False,
                             "PAGE_CACHE_SECONDS": 0, "SESSION_MAX_AGE": None})
    laptop = signed_in_browser(app)
    elsewhere = other_node.test_client()
    elsewhere.set_cookie("remember_token", laptop.get_cookie("remember_token").value)
    assert is_signed_in(elsewhere)

    laptop.post("/logout")

    assert not is_signed_in(elsewhere)
    with other_node.app_context():
        db.engine.dispose()


def test_the_daily_job_removes_only_sign_ins_ended_a_month_ago(app, db, create_user, frozen_now, monkeypatch):
    from portal import jobs
    from portal.accounts.session import KEEP_ENDED, prune_ended

    monkeypatch.setitem(app.config, "SESSION_MAX_AGE", 14 * 24 * 3600)  # production's 14 days
    owner = create_user(Role.ENTERPRISE)
    now = frozen_now.now()
    max_age = timedelta(seconds=app.config["SESSION_MAX_AGE"])

    def row(name, created, revoked=None):
        db.session.add(UserSession(id=token_digest(name), user_id=owner.id, created_at=created, last_seen_at=created,
                                   revoked_at=revoked))
        return token_digest(name)

    live = row("live", now - timedelta(days=1))
    signed_out_lately = row("signed-out-lately", now - timedelta(days=3), revoked=now - timedelta(days=2))
    expired_lately = row("expired-lately", now - max_age - timedelta(days=1))
    signed_out_long_ago = row("signed-out-long-ago", now - KEEP_ENDED * 2, revoked=now - KEEP_ENDED - timedelta(days=1))
    expired_long_ago = row("expired-long-ago", now - max_age - KEEP_ENDED - timedelta(days=1))
    db.session.flush()

    assert prune_ended() == 2
    kept = set(db.session.scalars(select(UserSession.id).where(UserSession.user_id == owner.id)))
    assert kept == {live, signed_out_lately, expired_lately}
    assert signed_out_long_ago not in kept and expired_long_ago not in kept
    assert "accounts.prune-sign-ins" in {job.name for job in jobs.registered(app)}
