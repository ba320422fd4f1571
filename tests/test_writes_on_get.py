"""A GET that writes must say so (`portal.web.sqlite.writes_on_get`): on SQLite its transaction then takes the write
lock first. Unmarked, it reads, then tries to write, and fails with "database is locked" as soon as another process
(the worker, another request) has written in between — a 500 for the user. Walked over every GET route × role."""

import pytest
from flask import has_request_context, request
from sqlalchemy import event

from portal.extensions import db
from portal.web.sqlite import wants_write_lock
from tests.access import ROLES
from tests.test_access_matrix import MATRIX

WORLD_HAS_EVERY_OBJECT = True
GET_ROUTES = sorted(endpoint for endpoint, (method, _args, _expected) in MATRIX.items() if method == "GET")


@pytest.fixture
def unmarked_writes(app):
    seen = []

    def check(_conn, _cursor, statement, _params, _context, _many):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"} and has_request_context() and request.method == "GET" \
                and not wants_write_lock():
            seen.append(f"{request.path}: {statement.split(chr(10))[0][:80]}")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", check)
    yield seen
    event.remove(engine, "before_cursor_execute", check)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", GET_ROUTES)
def test_a_get_that_writes_takes_the_write_lock_first(app, client, login_as, world, unmarked_writes, endpoint, role):
    _method, args, _expected = MATRIX[endpoint]
    if world.users[role] is not None:
        login_as(world.users[role])
    unmarked_writes.clear()  # signing in writes, by POST or directly
    response = client.get(world.url_for(endpoint, args))
    response.close()
    assert unmarked_writes == [], f"GET {endpoint} as {role} writes without taking the write lock first"
