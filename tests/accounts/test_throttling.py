"""Throttling of sign-in and reset requests: per account and per address, and silent about which accounts exist."""

import os
import uuid

import pytest
import redis

from portal.extensions import limiter
from tests.factories import PASSWORD, form_values, mails, sign_in

EMAIL = "zhaomin@example.cn"
UNKNOWN = "nobody@example.cn"
WRONG = "Wrong#pass2025"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LOCKED = "尝试次数过多，请 15 分钟后再试。"


def fail_sign_ins(client, email, times):
    for _ in range(times):
        assert sign_in(client, email, WRONG).status_code == 200


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def user(create_user):
    return create_user(email=EMAIL)


def test_five_failures_lock_the_account_even_against_the_right_password(client, user):
    fail_sign_ins(client, EMAIL, 5)

    response = sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.text
    assert int(response.headers["Retry-After"]) == 15 * 60
    assert form_values(response.text)["email"] == EMAIL  # what was typed is kept
    assert not is_signed_in(client)


def test_the_lockout_page_is_the_same_for_a_known_and_an_unknown_account(client, user):
    fail_sign_ins(client, EMAIL, 5)
    fail_sign_ins(client, UNKNOWN, 5)

    known = sign_in(client, EMAIL, WRONG)
    unknown = sign_in(client, UNKNOWN, WRONG)

    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert known.text.replace(EMAIL, "") == unknown.text.replace(UNKNOWN, "")


def test_the_account_is_counted_whatever_the_case_of_the_typed_email(client, user):
    fail_sign_ins(client, "ZhaoMin@Example.CN", 3)
    fail_sign_ins(client, " zhaomin@example.cn", 2)

    assert sign_in(client, EMAIL, PASSWORD).status_code == 429


def test_four_failures_still_let_the_right_password_in(client, user):
    fail_sign_ins(client, EMAIL, 4)

    assert sign_in(client, EMAIL, PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_successful_sign_ins_are_not_counted(client, user):
    for _ in range(8):
        assert sign_in(client, EMAIL, PASSWORD).status_code == 302
        client.post("/logout")

    assert sign_in(client, EMAIL, PASSWORD).status_code == 302


def test_a_locked_account_does_not_lock_out_colleagues_at_the_same_address(client, create_user, user):
    colleague = create_user(email="qianfang@example.cn")
    fail_sign_ins(client, EMAIL, 5)

    assert sign_in(client, colleague.email, PASSWORD).status_code == 302


def test_many_failures_from_one_address_are_refused_whatever_the_account(app, client, create_user, user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        assert sign_in(client, f"guess{n}@example.cn", WRONG).status_code == 200

    response = sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 429 and LOCKED in response.text
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert sign_in(other_address, EMAIL, PASSWORD).status_code == 302


def test_viewing_the_login_page_is_never_throttled(client, user):
    fail_sign_ins(client, EMAIL, 5)

    assert client.get("/login").status_code == 200


def test_reset_requests_are_throttled_alike_for_known_and_unknown_addresses(app, client, user, tmp_path):
    app.config["MAIL_SERVER"] = None
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    for email in (EMAIL, UNKNOWN):
        for _ in range(3):
            answer = client.post("/password/forgot", data={"email": email}, follow_redirects=True)
            assert "如果该邮箱已注册" in answer.text

    known = client.post("/password/forgot", data={"email": EMAIL})
    unknown = client.post("/password/forgot", data={"email": UNKNOWN})

    assert known.status_code == unknown.status_code == 429
    assert "尝试次数过多，请 60 分钟后再试。" in known.text
    assert known.text.replace(EMAIL, "") == unknown.text.replace(UNKNOWN, "")
    assert len(mails(tmp_path / "outbox")) == 3


# --- Where the counts are kept ----------------------------------------------------------------------

def start_worker(app):
    """What a new worker process does at start: bind the limiter to its configured store."""
    limiter.init_app(app)


@pytest.fixture
def redis_store(app):
    """Point the limiter at the Redis server, under a key prefix of this test's own."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis throttling test skipped: no Redis at {REDIS_URL} ({error}); "
                    "set TEST_REDIS_URL or start redis-server")
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {**app.config["RATELIMIT_STORAGE_OPTIONS"],
                                               "key_prefix": f"portal-test-{uuid.uuid4().hex}"}
    start_worker(app)
    yield redis.Redis.from_url(REDIS_URL)
    limiter.reset()  # deletes this test's keys only


def test_with_redis_the_lockout_holds_across_workers(app, client, user, redis_store):
    fail_sign_ins(client, EMAIL, 5)
    assert redis_store.keys(f"{limiter.storage.key_prefix}:*"), "the counts are kept in Redis"

    start_worker(app)  # another worker process: its own memory, the same Redis

    response = sign_in(client, EMAIL, PASSWORD)
    assert response.status_code == 429 and LOCKED in response.text


def test_in_memory_counts_belong_to_one_worker(app, client, user):
    """The default store, and why production with several workers sets RATELIMIT_STORAGE_URI."""
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    fail_sign_ins(client, EMAIL, 5)
    assert sign_in(client, EMAIL, PASSWORD).status_code == 429

    start_worker(app)

    assert sign_in(client, EMAIL, PASSWORD).status_code == 302
