"""notify / mark_read / unread_count: rows in the caller's transaction, dedupe keys used once."""

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.errors import PermissionDenied
from portal.notifications import operations
from portal.notifications.models import Notification
from portal.notifications.operations import mark_all_read, mark_read, notify, unread_count
from portal.util import clock


def count(db, **where):
    stmt = select(func.count()).select_from(Notification)
    for column, value in where.items():
        stmt = stmt.where(getattr(Notification, column) == value)
    return db.session.scalar(stmt)


def test_notify_adds_to_the_callers_transaction_and_never_commits(db, create_user):
    user = create_user(Role.ENTERPRISE)

    notification = notify(user, "receipt", "揭榜回执", "正文", "/scenarios/1")

    assert notification.id is not None and notification.email_status == "pending"
    assert notification.read_at is None and notification.created_at is not None
    db.session.rollback()
    assert count(db) == 0, "the caller's rollback takes the message with it"


def test_a_dedupe_key_is_used_once(db, create_user):
    user = create_user(Role.ENTERPRISE)

    first = notify(user, "deadline_reminder", "提醒", dedupe_key="deadline-reminder:1:1")
    second = notify(user, "deadline_reminder", "提醒", dedupe_key="deadline-reminder:1:1")
    db.session.commit()
    third = notify(user, "deadline_reminder", "提醒", dedupe_key="deadline-reminder:1:1")

    assert first is not None and second is None and third is None
    assert count(db, dedupe_key="deadline-reminder:1:1") == 1


@pytest.mark.real_commits  # another transaction must see the committed rows
def test_a_key_taken_by_a_concurrent_transaction_leaves_the_callers_transaction_usable(app, db, create_user):
    user = create_user(Role.ENTERPRISE)
    duplicate = reminder(user, "race")
    db.session.commit()  # no snapshot of ours may predate the other process's commit (SQLite)
    # Another process committed the key after this transaction had checked for it.
    with Session(db.engine) as other:
        other.add(duplicate)
        other.commit()
    keep = notify(user, "receipt", "同一事务中的另一条消息")

    lost = operations._add_once(reminder(user, "race"))
    db.session.commit()

    assert keep is not None and lost is None
    assert count(db, dedupe_key="race") == 1 and count(db, title="同一事务中的另一条消息") == 1


@pytest.mark.real_commits  # another transaction must see the committed rows
def test_two_transactions_racing_for_one_key_add_one_message(app, db, create_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE), so the two cannot overlap there")
    user_id = create_user(Role.ENTERPRISE).id
    first_flushed, results, errors = threading.Event(), {}, []

    def run(name, wait_for=None):
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                if wait_for:
                    wait_for.wait(10)
                results[name] = notify(user, "deadline_reminder", "提醒", dedupe_key="race:1") is not None
                if name == "first":
                    first_flushed.set()
                    time.sleep(0.5)  # the second one is now blocked on the unique index
                db.session.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
            first_flushed.set()

    threads = [threading.Thread(target=run, args=("first",)),
               threading.Thread(target=run, args=("second", first_flushed))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert results == {"first": True, "second": False}
    assert count(db, dedupe_key="race:1") == 1


def reminder(user, key):
    return Notification(user_id=user.id, kind="deadline_reminder", title="提醒", body="", created_at=clock.now(),
                        email_status="pending", dedupe_key=key)


def test_long_titles_are_cut_and_links_must_be_local_or_http(db, create_user):
    user = create_user(Role.ENTERPRISE)

    assert len(notify(user, "x", "长" * 300).title) == 200
    assert notify(user, "x", "t", link="https://portal.example.cn/a").link == "https://portal.example.cn/a"
    for bad in ("javascript:alert(1)", "//evil.example/x", "data:text/html,hi", "/" + "a" * 300):
        with pytest.raises(ValueError):
            notify(user, "x", "t", link=bad)


def test_mark_read_and_counts_touch_only_the_users_own_messages(db, create_user):
    me, other = create_user(Role.ENTERPRISE), create_user(Role.ENTERPRISE)
    mine = [notify(me, "x", f"消息{i}") for i in range(3)]
    theirs = notify(other, "x", "别人的消息")
    db.session.commit()

    assert unread_count(me) == 3 and unread_count(other) == 1
    mark_read(mine[0], me)
    mark_read(mine[0], me)  # again: nothing changes
    assert unread_count(me) == 2
    with pytest.raises(PermissionDenied):
        mark_read(theirs, me)
    assert mark_all_read(me) == 2
    db.session.commit()
    assert unread_count(me) == 0 and unread_count(other) == 1
    assert mark_all_read(me) == 0


def test_links_are_built_outside_a_request_against_the_base_url(app):
    app.config["PORTAL_BASE_URL"] = "https://www.example.gov.cn/portal"

    link = operations._link_from_base_url("scenarios.show_scenario", {"scenario_id": 7})

    assert link == "/portal/scenarios/7"
    assert operations.absolute_link(link) == "https://www.example.gov.cn/portal/scenarios/7"
    assert operations.absolute_link("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert operations.absolute_link(None) is None
