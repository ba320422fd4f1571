"""The inbox page, the navbar's unread count, marking read; nobody touches another user's messages."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.accounts.models import Role
from portal.util import clock


@pytest.fixture
def me(create_user, login_as):
    return login_as(create_user(Role.ENTERPRISE))


def navbar_badge(html: str) -> str | None:
    match = re.search(r'href="/notifications/"[^>]*>消息(?: <span class="badge[^"]*">(\d+)'
                      r'<span class="visually-hidden">条未读</span></span>)?</a>', html)
    assert match, "the navbar has the inbox link"
    return match.group(1)


def test_the_inbox_lists_messages_newest_first_with_unread_ones_marked(client, frozen_now, me, create_notification):
    create_notification(me, title="第一条：揭榜回执", link="/scenarios")
    frozen_now.travel(timedelta(minutes=5))
    second = create_notification(me, title="第二条：撤回确认", body="第一行\n第二行 <b>不是标签</b>")
    second.read_at = clock.now()

    page = client.get("/notifications/").text

    assert page.index("第二条：撤回确认") < page.index("第一条：揭榜回执")
    assert "第一行<br>第二行 &lt;b&gt;不是标签&lt;/b&gt;" in page
    assert page.count(">未读<") == 1
    assert "共 2 条消息，其中 1 条未读。" in page
    assert navbar_badge(page) == "1"
    assert "2026-03-02 10:00" in page and "2026-03-02 10:05" in page, "times are shown in Asia/Shanghai"


def test_every_page_shows_the_unread_count_with_one_count_query(app, db, client, me, create_notification):
    for i in range(3):
        create_notification(me, title=f"消息{i}")
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = client.get("/").text
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)

    assert navbar_badge(page) == "3"
    counts = [s for s in statements if "notifications" in s and "count(" in s.lower()]
    assert len(counts) == 1, counts


def test_no_badge_without_unread_messages_and_no_inbox_link_for_visitors(client, create_user, login_as):
    assert "/notifications/" not in client.get("/").text
    login_as(create_user(Role.REVIEWER))
    assert navbar_badge(client.get("/").text) is None


def test_reading_a_message_marks_it_and_follows_its_link(db, client, me, create_notification):
    notification = create_notification(me, link="/scenarios?sector=medical_imaging")

    response = client.post(f"/notifications/{notification.id}/read")

    assert response.status_code == 302 and response.location == "/scenarios?sector=medical_imaging"
    db.session.refresh(notification)
    assert notification.read_at is not None
    assert navbar_badge(client.get("/").text) is None


def test_a_message_without_a_link_returns_to_the_inbox(db, client, me, create_notification):
    notification = create_notification(me, link=None)

    response = client.post(f"/notifications/{notification.id}/read",
                           headers={"Referer": "http://localhost/notifications/?page=2"})

    assert response.location == "http://localhost/notifications/?page=2"
    assert client.post(f"/notifications/{notification.id}/read",
                       headers={"Referer": "https://evil.example/"}).location == "/notifications/"


def test_an_external_link_is_never_a_redirect_target(db, client, me, create_notification):
    notification = create_notification(me, link="https://elsewhere.example/page")

    assert client.post(f"/notifications/{notification.id}/read").location == "/notifications/"


def test_read_all_marks_only_my_messages(db, client, me, create_user, create_notification):
    other = create_user(Role.ENTERPRISE)
    for i in range(2):
        create_notification(me, title=f"我的{i}")
    theirs = create_notification(other, title="别人的")

    response = client.post("/notifications/read-all", follow_redirects=True)

    assert "已将 2 条消息标为已读。" in response.text
    assert navbar_badge(response.text) is None
    db.session.refresh(theirs)
    assert theirs.read_at is None
    assert "没有未读消息。" in client.post("/notifications/read-all", follow_redirects=True).text


@pytest.mark.parametrize("ident", ["other", 999_999, 2**31, 2**63])
def test_someone_elses_or_a_missing_message_is_not_found(db, client, me, create_user, create_notification, ident):
    theirs = create_notification(create_user(Role.ENTERPRISE), title="别人的秘密")
    url_id = theirs.id if ident == "other" else ident

    assert client.post(f"/notifications/{url_id}/read").status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None
    assert "别人的秘密" not in client.get("/notifications/").text


def test_the_inbox_is_paginated(app, client, me, create_notification):
    app.config["PAGE_SIZE"] = 2
    for i in range(3):
        create_notification(me, title=f"消息编号{i}")

    first, second = client.get("/notifications/").text, client.get("/notifications/?page=2").text

    assert "消息编号2" in first and "消息编号1" in first and "消息编号0" not in first
    assert "消息编号0" in second
    assert client.get("/notifications/?page=999999999999").status_code == 200


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login" in response.location
    assert "/login" in client.post("/notifications/read-all").location


def test_read_buttons_carry_a_csrf_token(csrf_app, client, me, create_notification):
    create_notification(me, link="/scenarios")
    page = client.get("/notifications/").text
    assert page.count('name="csrf_token"') >= 3  # logout, read-all, read
    assert client.post("/notifications/read-all").status_code == 400
