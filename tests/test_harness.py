"""The test harness (tests/conftest.py): each test's writes are rolled back at its end, a commit inside a test
releases a savepoint that no other connection sees, and a rollback undoes only what came after the last commit."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.extensions import db as _db


def users_seen_by_another_connection(db) -> int:
    with Session(db.engine) as other:
        return other.scalar(select(func.count()).select_from(User))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_from_empty_tables(db, create_user, run):
    assert count(db, User) == 0
    create_user()  # left behind on purpose: the other run of this test (or any later test) must not see it


def test_a_commit_inside_a_test_is_seen_by_the_test_and_by_no_other_connection(db, create_user):
    user_id = create_user().id  # the factory commits
    db.session.remove()
    assert db.session.get(User, user_id) is not None
    assert users_seen_by_another_connection(db) == 0


def test_a_rollback_undoes_only_what_came_after_the_last_commit(db, create_user):
    kept = create_user(Role.ADMIN)
    db.session.add(User(email="gone@example.cn", name="回滚", role=Role.ENTERPRISE, organization=kept.organization,
                        password_hash="x", active=True, created_at=kept.created_at))
    db.session.flush()
    assert count(db, User) == 2
    db.session.rollback()
    assert count(db, User) == 1 and db.session.get(User, kept.id).email == kept.email


def test_the_module_world_is_shared_and_each_tests_changes_to_it_are_not(db, world):
    admin = world.users["admin"]
    assert admin is not None and _db.session.get(User, admin.id) is admin
    admin.name = "改名只在本测试"
    db.session.commit()


def test_the_module_world_is_as_built_whatever_another_test_changed(db, world):
    assert world.users["admin"].name != "改名只在本测试"
